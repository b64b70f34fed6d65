/* namespaces.c: the child made in new user, mount, pid, net, ipc, uts and cgroup
 * namespaces, and the uid/gid maps its parent writes so that inside it is the user
 * who ran us (rootless: nothing here needs privileges on the host). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define USERNS_HINT                                                                                \
  " (user namespaces are disabled on this host, e.g. by kernel.unprivileged_userns_clone=0, "     \
  "user.max_user_namespaces=0 or an AppArmor restriction; --sandbox=none runs without the "        \
  "sandbox, unsafe for untrusted modules)"

/* glibc caches each thread's id in its thread descriptor; fork() has the kernel
 * rewrite it in the child (CLONE_CHILD_SETTID), our raw clone must do the same or
 * pthread_getattr_np and pthread_kill on the child's main thread fail with ESRCH
 * (AddressSanitizer's runtime calls the former). glibc publishes where the field
 * lies for libthread_db as {bits, count, offset}. NULL when unknown. */
static pid_t *libc_tid_field(void) {
  const uint32_t *desc = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
  if (!desc || desc[0] != 8 * sizeof(pid_t)) return NULL;
  pid_t *field = (pid_t *)((char *)pthread_self() + desc[2]);
  return *field == gettid() ? field : NULL;
}

int wr_ns_clone(const wr_sandbox_config *cfg, pid_t *pid, wr_error *err) {
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  if (!cfg->net_host) flags |= CLONE_NEWNET;
  /* fork()-like: no new stack, the child continues here. The pid namespace needs
   * clone (unshare would move only later children into it). glibc's fork handlers
   * do not run, which is fine in a process with one thread. */
  pid_t *tid = libc_tid_field();
  if (tid) flags |= CLONE_CHILD_SETTID;
  long r = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, tid, NULL); /* x86-64 order: ..., ctid, tls */
  if (r < 0) {
    int e = errno;
    bool userns_off = e == EPERM || e == ENOSPC || e == EACCES || e == EUSERS;
    return wr_err(err, WR_ERR_IO, "namespaces: clone: %s%s", strerror(e), userns_off ? USERNS_HINT : "");
  }
  *pid = (pid_t)r;
  return 0;
}

static int write_file(pid_t pid, const char *name, const char *text, wr_error *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen(text);
  ssize_t n = fd < 0 ? -1 : write(fd, text, len);
  int e = errno;
  if (fd >= 0) close(fd);
  if (n == (ssize_t)len) return 0;
  bool denied = e == EPERM || e == EACCES;
  return wr_err(err, WR_ERR_IO, "uid/gid map: writing %s: %s%s", path, n < 0 ? strerror(e) : "short write",
                denied ? USERNS_HINT : "");
}

int wr_ns_map_ids(pid_t pid, uid_t uid, gid_t gid, wr_error *err) {
  char map[64];
  /* setgroups must be denied before an unprivileged gid_map is accepted; it also
   * keeps the child from dropping a supplementary group that guards a file. */
  if (write_file(pid, "setgroups", "deny", err) < 0) return err->code;
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  if (write_file(pid, "uid_map", map, err) < 0) return err->code;
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  return write_file(pid, "gid_map", map, err);
}
