/* deny.c: enters the sandbox of src/sandbox/ once per probe and tries something it
 * must refuse: each probe either fails with the errno the design gives or is
 * stopped by seccomp with "blocked system call NAME (NR)". Usage: deny DIR, where
 * DIR is a scratch directory given to the probes as a read-only preopen. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static int dirfd_ro = -1;
static int unkept_fd = -1; /* opened before the sandbox and not handed over */
static int image_fd = -1;  /* aot: the one file that may be mapped executable */

/* Probes that must fail with an errno return it (or -1 when they succeeded). */
static long try_openat2(int dfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC, .mode = (flags & O_CREAT) ? 0600 : 0,
                         .resolve = RESOLVE_BENEATH};
  long fd = syscall(SYS_openat2, dfd, path, &how, sizeof how);
  if (fd >= 0) {
    close((int)fd);
    return 0;
  }
  return errno;
}

static int p_host_file(void) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
  return syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how) < 0 ? errno : 0;
}
static int p_read_preopen(void) { return (int)try_openat2(dirfd_ro, "present", O_RDONLY); }
static int p_write_preopen(void) { return (int)try_openat2(dirfd_ro, "new", O_WRONLY | O_CREAT); }
static int p_escape_preopen(void) { return (int)try_openat2(dirfd_ro, "../etc", O_RDONLY); }
static int p_dotdot(void) { return openat(dirfd_ro, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC) < 0 ? errno : 0; }
static int p_unkept_fd(void) { return fcntl(unkept_fd, F_GETFD) < 0 ? errno : 0; }
static int p_abort(void) {
  abort();
  return 0;
}
static int p_open(void) { return open("/etc/passwd", O_RDONLY) < 0 ? errno : 0; }
static int p_socket(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0 ? errno : 0; }
static int p_ptrace(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? errno : 0; }
static int p_mount(void) { return mount("none", "/", "tmpfs", 0, NULL) < 0 ? errno : 0; }
static int p_unshare(void) { return unshare(CLONE_NEWUSER) < 0 ? errno : 0; }
static int p_execve(void) {
  char *argv[] = {"sh", NULL};
  return execve("/bin/sh", argv, NULL) < 0 ? errno : 0;
}
static int p_fork(void) { return fork() < 0 ? errno : 0; }
static int p_mmap_exec(void) {
  return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? errno : 0;
}
static int p_mprotect_exec(void) {
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return errno;
  return mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? errno : 0;
}
static int p_map_image(void) { /* aot: the image's code, read+execute from its file */
  return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, image_fd, 0) == MAP_FAILED ? errno : 0;
}
static int p_map_image_wx(void) {
  return mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, image_fd, 0) == MAP_FAILED ? errno : 0;
}
static int p_map_other_exec(void) { /* another file: the directory fd stands in (mmap fails, but after seccomp) */
  return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, dirfd_ro, 0) == MAP_FAILED ? errno : 0;
}
static int p_mmap_rw(void) { /* allowed: what linear memory does */
  void *p = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return errno;
  return mprotect(p, 65536, PROT_READ | PROT_WRITE) < 0 ? errno : 0;
}
static void *thread_main(void *arg) { return arg; }
static int p_thread(void) {
  pthread_t t;
  int e = pthread_create(&t, NULL, thread_main, NULL);
  return e ? e : pthread_join(t, NULL);
}
static int p_clone3(void) {
  struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
  return syscall(SYS_clone3, &args, sizeof args) < 0 ? errno : 0;
}
static int p_clone_userns(void) {
  long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (r == 0) _exit(0);
  return r < 0 ? errno : 0;
}
static int p_keyctl(void) { return syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 ? errno : 0; }
static int p_bpf(void) { return syscall(SYS_bpf, 0, NULL, 0) < 0 ? errno : 0; }
static int p_perf(void) { return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) < 0 ? errno : 0; }
static int p_userfaultfd(void) { return syscall(SYS_userfaultfd, 0) < 0 ? errno : 0; }
static int p_io_uring(void) { return syscall(SYS_io_uring_setup, 1, NULL) < 0 ? errno : 0; }
static int p_setuid(void) { return setuid(0) < 0 ? errno : 0; }

enum { PLAIN, JIT, AOT_COMPILE };
struct probe {
  int as;                  /* PLAIN; JIT: as for a JIT mode (threads, executable memory);
                              AOT_COMPILE: as for aot compiling a module (threads, MDWE,
                              only image_fd mapped executable) */
  const char *what;
  int (*fn)(void);
  int want_errno;          /* the errno the probe must see, or 0 for success; or
                              -N: the child must exit with status N */
  const char *want_block;  /* or: the system call seccomp must stop */
};

static const struct probe probes[] = {
    {PLAIN, "open a host file (empty root)", p_host_file, ENOENT, NULL},
    {PLAIN, "read beneath a read-only preopen", p_read_preopen, 0, NULL},
    {PLAIN, "create beneath a read-only preopen (Landlock)", p_write_preopen, EACCES, NULL},
    {PLAIN, "escape a preopen with ..", p_escape_preopen, EXDEV, NULL},
    {PLAIN, "openat(preopen, \"..\") (Landlock)", p_dotdot, EACCES, NULL},
    {PLAIN, "use an fd not handed over (closed)", p_unkept_fd, EBADF, NULL},
    {PLAIN, "abort() ends the run with 134", p_abort, -134, NULL},
    {PLAIN, "allocate linear memory", p_mmap_rw, 0, NULL},
#ifdef WR_SANDBOX_PROC /* sanitizer builds allow read-only opens (sandbox.h) */
    {PLAIN, "open() a host path (empty root)", p_open, ENOENT, NULL},
#else
    {PLAIN, "open() a host path", p_open, 0, "openat"},
#endif
    {PLAIN, "create a socket", p_socket, 0, "socket"},
    {PLAIN, "ptrace", p_ptrace, 0, "ptrace"},
    {PLAIN, "mount", p_mount, 0, "mount"},
    {PLAIN, "unshare a user namespace", p_unshare, 0, "unshare"},
    {PLAIN, "execve", p_execve, 0, "execve"},
    {PLAIN, "fork", p_fork, 0, "clone"},
    {PLAIN, "mmap PROT_EXEC", p_mmap_exec, 0, "mmap"},
    {PLAIN, "mprotect PROT_EXEC", p_mprotect_exec, 0, "mprotect"},
    {PLAIN, "keyctl", p_keyctl, 0, "keyctl"},
    {PLAIN, "bpf", p_bpf, 0, "bpf"},
    {PLAIN, "perf_event_open", p_perf, 0, "perf_event_open"},
    {PLAIN, "userfaultfd", p_userfaultfd, 0, "userfaultfd"},
    {PLAIN, "io_uring_setup", p_io_uring, 0, "io_uring_setup"},
    {PLAIN, "setuid(0)", p_setuid, 0, "setuid"},
    /* As for llvm-jit: threads and executable memory, but nothing else more. */
    {JIT, "jit: mmap PROT_EXEC", p_mmap_exec, 0, NULL},
    {JIT, "jit: start a thread", p_thread, 0, NULL},
    {JIT, "jit: clone3 (ENOSYS, so glibc uses clone)", p_clone3, ENOSYS, NULL},
    {JIT, "jit: clone a new user namespace", p_clone_userns, 0, "clone"},
    {JIT, "jit: fork", p_fork, 0, "clone"},
    {JIT, "jit: create a socket", p_socket, 0, "socket"},
    /* As for aot compiling a module in the run: threads, no executable memory but the
     * image's read+execute mapping. */
    {AOT_COMPILE, "aot: start a thread", p_thread, 0, NULL},
    {AOT_COMPILE, "aot: map the image read+execute", p_map_image, 0, NULL},
    {AOT_COMPILE, "aot: map the image writable+executable", p_map_image_wx, 0, "mmap"},
    {AOT_COMPILE, "aot: map another file executable", p_map_other_exec, 0, "mmap"},
    {AOT_COMPILE, "aot: mmap PROT_EXEC", p_mmap_exec, 0, "mmap"},
    {AOT_COMPILE, "aot: mprotect PROT_EXEC", p_mprotect_exec, 0, "mprotect"},
    {AOT_COMPILE, "aot: fork", p_fork, 0, "clone"},
};

static int run_probe(void *arg) {
  const struct probe *p = arg;
  int e = p->fn();
  if (p->want_block) {
    fprintf(stderr, "    %s was not stopped (errno %d)\n", p->what, e);
    return 1;
  }
  if (e != p->want_errno) {
    fprintf(stderr, "    %s: errno %d (%s), expected %d (%s)\n", p->what, e, strerror(e), p->want_errno,
            strerror(p->want_errno));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: deny SCRATCH-DIR\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/present", argv[1]);
  int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f < 0 || (dirfd_ro = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    perror(argv[1]);
    return 99;
  }
  close(f);
  if ((unkept_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    perror(argv[1]);
    return 99;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(path, sizeof path, "%s/image", argv[1]);
  if ((f = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 || ftruncate(f, 4096) < 0) {
    perror(path);
    return 99;
  }
  image_fd = f;
  wr_sandbox_fd keep[] = {{.fd = dirfd_ro, .dir = true, .readonly = true}, {.fd = image_fd}};
  wr_sandbox_config cfg = {.enabled = true, .keep = keep, .nkeep = 2, .exec_fd = image_fd};
  int fails = 0;
  for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
    const struct probe *p = &probes[i];
    cfg.jit = p->as == JIT;
    cfg.compile = cfg.map_exec = p->as == AOT_COMPILE;
    wr_error err;
    wr_error_clear(&err);
    wr_sandbox sb;
    if (wr_sandbox_spawn(&cfg, run_probe, (void *)p, &sb, &err) < 0) {
      fprintf(stderr, "deny: wasm-run: sandbox: %s\n", err.msg);
      return 99;
    }
    int status;
    while (waitpid(sb.pid, &status, 0) < 0 && errno == EINTR) {}
    char why[128] = "";
    int blocked = wr_sandbox_finish(&sb, status, why, sizeof why);
    bool ok;
    if (p->want_block) {
      char want[96];
      snprintf(want, sizeof want, "blocked system call %s (", p->want_block);
      ok = blocked && strncmp(why, want, strlen(want)) == 0 && WIFEXITED(status) &&
           WEXITSTATUS(status) == WR_SANDBOX_BLOCKED_STATUS;
    } else {
      int want = p->want_errno < 0 ? -p->want_errno : 0;
      ok = WIFEXITED(status) && WEXITSTATUS(status) == want;
    }
    printf("%s %s%s%s\n", ok ? "ok" : "FAIL", p->what, blocked ? ": " : "", why);
    fails += !ok;
  }
  return fails ? 1 : 0;
}
