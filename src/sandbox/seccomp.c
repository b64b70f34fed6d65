/* seccomp.c: the seccomp allow-list (libseccomp): exactly the system calls that
 * loading, instantiating and running a module with WASI make, with argument filters
 * where they matter. Anything else is stopped before it runs.
 *
 * The default action is SECCOMP_RET_TRAP rather than KILL_PROCESS so that the user
 * learns which call was refused: the kernel skips the call and sends SIGSYS, whose
 * handler here writes the call's number to the supervisor's report pipe and ends
 * the process at once with status 159 (128 + SIGSYS), as the kill would. The call is
 * never executed either way; if SIGSYS is blocked or its handler was replaced, the
 * kernel kills the process with SIGSYS. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* Allowed whatever their arguments: what strace shows a run of the WASI tests,
 * the spec-like tests and the examples making once the filter is in place, plus the
 * calls of the same code paths under other inputs (a tty, a signal, realloc of a big
 * block). Everything a guest reaches goes through fds it already holds; the empty
 * root, Landlock and openat2(RESOLVE_BENEATH) bound where path calls resolve. */
static const char *const allowed[] = {
    /* memory: malloc (brk, mremap, madvise), linear memory (mmap and mprotect are
     * filtered below) */
    "munmap", "mremap", "madvise", "brk",
    /* signals: the trap and forwarding handlers, the fault handler on its own stack
     * and its siglongjmp, a call restarted after a stop */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
    /* the process: ending, pthread_once, WASI sched_yield; abort() below */
    "exit", "exit_group", "futex", "sched_yield", "getpid", "gettid",
    /* stdio and files beneath the preopens (fstat: older C libraries) */
    "write", "readv", "writev", "pread64", "preadv", "pwritev", "lseek", "close", "fstat", "newfstatat",
    "getdents64", "openat2", "mkdirat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat",
    "utimensat", "ftruncate", "fsync", "fdatasync", "fadvise64", "fallocate",
    /* clocks (the vDSO falls back to these), randomness, poll_oneoff */
    "clock_gettime", "clock_getres", "getrandom", "poll",
    /* the preopened --listen sockets (no socket is ever made) */
    "accept4", "recvmsg", "sendmsg", "shutdown",
};

/* Added for the modes that compile to native code in the process (llvm-jit, and aot
 * compiling a module): what LLVM calls besides the above. */
static const char *const allowed_jit[] = {
    "sched_getaffinity", "sysinfo",           /* LLVM sizing its thread pool */
    "set_robust_list", "rseq",                /* glibc starting its threads */
};

static int report_fd = -1;

/* Raw system calls only: the refused call may have come from inside the C library
 * or a sanitizer runtime holding a lock that write() or _exit() would take. */
static void on_sigsys(int sig, siginfo_t *info, void *uctx) {
  (void)sig, (void)uctx;
  int nr = info->si_syscall;
  syscall(SYS_write, report_fd, &nr, sizeof nr);
  syscall(SYS_exit_group, WR_SANDBOX_BLOCKED_STATUS);
}

const char *wr_seccomp_syscall_name(int nr, char *buf, size_t size) {
  char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  snprintf(buf, size, "%s", name ? name : "?");
  free(name);
  return buf;
}

static int add(scmp_filter_ctx ctx, const char *name, unsigned n, const struct scmp_arg_cmp *args, wr_error *err) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return wr_err(err, WR_ERR_IO, "seccomp: unknown system call %s", name);
  int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, args);
  if (rc < 0) return wr_err(err, WR_ERR_IO, "seccomp: allowing %s: %s", name, strerror(-rc));
  return 0;
}

int wr_seccomp_install(const wr_sandbox_config *cfg, int fd, wr_error *err) {
  report_fd = fd;
  struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO | SA_ONSTACK};
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, NULL) < 0) return wr_err(err, WR_ERR_IO, "seccomp: SIGSYS handler: %s", strerror(errno));

  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (!ctx) return wr_err(err, WR_ERR_NOMEM, "seccomp: seccomp_init failed");
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0) {
    wr_err(err, WR_ERR_IO, "seccomp: setting the bad-arch action: %s", strerror(-rc));
    goto out;
  }
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
    if ((rc = add(ctx, allowed[i], 0, NULL, err)) < 0) goto out;
  if (cfg->jit || cfg->compile) {
    for (size_t i = 0; i < sizeof allowed_jit / sizeof *allowed_jit; i++)
      if ((rc = add(ctx, allowed_jit[i], 0, NULL, err)) < 0) goto out;
    /* LLVM compiles on threads: clone only for a thread, never with a namespace
     * flag. clone3 passes its flags in memory a filter cannot read, so it fails
     * with ENOSYS and glibc falls back to clone. */
    const scmp_datum_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                            CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;
    struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, ns | CLONE_THREAD | CLONE_VM, CLONE_THREAD | CLONE_VM);
    if ((rc = add(ctx, "clone", 1, &thread, err)) < 0) goto out;
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0) {
      wr_err(err, WR_ERR_IO, "seccomp: refusing clone3: %s", strerror(-rc));
      goto out;
    }
    /* glibc's malloc (a new thread's arena) and LLVM probe files such as
     * /proc/sys/vm/overcommit_memory by absolute path and cope when they are
     * missing, as in the empty root they are. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(openat), 1,
                               /* an int: the upper half of the register is not defined */
                               SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)AT_FDCWD))) < 0) {
      wr_err(err, WR_ERR_IO, "seccomp: openat from the root: %s", strerror(-rc));
      goto out;
    }
  }
  /* No executable memory unless a JIT mode runs (MDWE says the same to the kernel). */
  struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
  if ((rc = add(ctx, "mmap", cfg->jit ? 0 : 1, &no_exec, err)) < 0) goto out;
  if ((rc = add(ctx, "mprotect", cfg->jit ? 0 : 1, &no_exec, err)) < 0) goto out;
  /* aot: the image's code is mapped read+execute from its file, and only from it. */
  if (cfg->map_exec && !cfg->jit) {
    struct scmp_arg_cmp image[] = {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE, 0),
                                   SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)cfg->exec_fd)};
    if ((rc = add(ctx, "mmap", 2, image, err)) < 0) goto out;
  }
  /* openat: only to open a directory read-only (fd_readdir reopens "." to rewind);
   * every other open goes through openat2, which WASI calls with RESOLVE_BENEATH. */
  struct scmp_arg_cmp dir_ro = SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_DIRECTORY | O_CREAT | O_TRUNC | O_PATH,
                                       O_RDONLY | O_DIRECTORY);
  if ((rc = add(ctx, "openat", 1, &dir_ro, err)) < 0) goto out;
  /* ioctl: only asking how many bytes wait (poll_oneoff) and isatty. */
  static const unsigned long ioctls[] = {FIONREAD, TCGETS};
  for (size_t i = 0; i < sizeof ioctls / sizeof *ioctls; i++) {
    struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_EQ, ioctls[i]);
    if ((rc = add(ctx, "ioctl", 1, &req, err)) < 0) goto out;
  }
  static const int fcntls[] = {F_GETFL, F_SETFL, F_GETFD, F_SETFD};
  for (size_t i = 0; i < sizeof fcntls / sizeof *fcntls; i++) {
    struct scmp_arg_cmp cmd = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntls[i]);
    if ((rc = add(ctx, "fcntl", 1, &cmd, err)) < 0) goto out;
  }
  /* abort() in the runtime: SIGABRT to ourselves only, so it ends as 134. */
  struct scmp_arg_cmp self_abort[] = {SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()), SCMP_A2(SCMP_CMP_EQ, SIGABRT)};
  if ((rc = add(ctx, "tgkill", 2, self_abort, err)) < 0) goto out;
#ifdef WR_SANDBOX_PROC
  /* See WR_SANDBOX_PROC: pthread_getattr_np reads /proc/self/maps. */
  struct scmp_arg_cmp read_only = SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC | O_PATH, O_RDONLY);
  struct scmp_arg_cmp get_only = SCMP_A2(SCMP_CMP_EQ, 0);
  if ((rc = add(ctx, "openat", 1, &read_only, err)) < 0 || (rc = add(ctx, "read", 0, NULL, err)) < 0 ||
      (rc = add(ctx, "prlimit64", 1, &get_only, err)) < 0 || (rc = add(ctx, "sched_getaffinity", 0, NULL, err)) < 0)
    goto out;
#endif
  if ((rc = seccomp_load(ctx)) < 0) wr_err(err, WR_ERR_IO, "seccomp: loading the filter: %s", strerror(-rc));
out:
  seccomp_release(ctx);
  return rc < 0 ? err->code : 0;
}
