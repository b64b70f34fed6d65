/* sandbox.c: the one setup story of DESIGN.md §7, in order. The parent makes the
 * child's cgroup (cgroup.c), the child in new namespaces, writes its uid/gid maps
 * and moves it into the cgroup; the child then locks itself
 * down step by step (mounts, hostname, fds, rlimits, Landlock, capabilities,
 * no_new_privs, MDWE, seccomp) and only then runs what it was started for. */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

/* The signals the supervisor forwards, and SIGABRT from abort() in the runtime. */
static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};

/* The child is PID 1 of its pid namespace, and the kernel does not deliver a signal
 * without a handler to a namespace's init: end as the default action would. */
static void on_ending(int sig) { _exit(128 + sig); }

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Under -vv, how long each step took. */
static void step_done(const wr_sandbox_config *cfg, const char *step, double *t) {
  if (cfg->verbose < 2) return;
  double n = now_us();
  fprintf(stderr, "wasm-run: sandbox: %-16s %7.0f us\n", step, n - *t);
  *t = n;
}

static int lock_down(const wr_sandbox_config *cfg, int report_fd, wr_error *err) {
  double t = now_us();
  if (wr_mounts_empty_root(err) < 0) return err->code;
  step_done(cfg, "mounts", &t);
  if (sethostname("wasm-run", 8) < 0) return wr_err(err, WR_ERR_IO, "hostname: %s", strerror(errno));
  if (wr_limits_close_fds(cfg, report_fd, err) < 0) return err->code;
  if (wr_limits_rlimits(cfg, err) < 0) return err->code;
  step_done(cfg, "fds, rlimits", &t);
  if (wr_landlock_apply(cfg, err) < 0) return err->code;
  step_done(cfg, "landlock", &t);
  if (wr_caps_drop_all(err) < 0) return err->code;
  step_done(cfg, "capabilities", &t);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return wr_err(err, WR_ERR_IO, "no_new_privs: %s", strerror(errno));
  if (!cfg->jit && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0) {
    if (errno != EINVAL) return wr_err(err, WR_ERR_IO, "MDWE: %s", strerror(errno));
    if (cfg->verbose)
      fprintf(stderr, "wasm-run: sandbox: MDWE: not available in this kernel; going on without it\n");
  }
  struct sigaction sa = {.sa_handler = on_ending};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof ending / sizeof *ending; i++)
    if (sigaction(ending[i], &sa, NULL) < 0) return wr_err(err, WR_ERR_IO, "signal handlers: %s", strerror(errno));
  /* A namespace's init without a handler would have dropped them: only now unblock
   * what the supervisor blocked. */
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) return wr_err(err, WR_ERR_IO, "signal mask: %s", strerror(errno));
  if (wr_seccomp_install(cfg, report_fd, err) < 0) return err->code;
  step_done(cfg, "seccomp", &t);
  return 0;
}

static _Noreturn void child_exit(int status) {
  fflush(stdout);
  fflush(stderr);
  _exit(status);
}

/* The child's side: wait until the parent has mapped our ids, lock down, run. */
static _Noreturn void child(const wr_sandbox_config *cfg, int sync_fd, int report_fd, int (*fn)(void *), void *arg) {
  /* The run never outlives its supervisor, even one killed with SIGKILL. Set
   * before the sync byte is read, so a parent already gone shows as EOF there. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* The parent mapped our ids and moved us into our cgroup when the byte comes.
   * The signals the supervisor forwards stay blocked (pending, not lost) until
   * lock_down has handlers for them. */
  char c;
  ssize_t n;
  while ((n = read(sync_fd, &c, 1)) < 0 && errno == EINTR) {}
  if (n != 1) _exit(125); /* the parent failed and said why */
  close(sync_fd);
  if (!cfg->enabled) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    child_exit(fn(arg));
  }
  wr_error err;
  wr_error_clear(&err);
  if (lock_down(cfg, report_fd, &err) < 0) {
    fprintf(stderr, "wasm-run: sandbox: %s\n", err.msg);
    child_exit(125);
  }
  child_exit(fn(arg));
}

/* The parent's side when a step after the clone fails. */
static int abandon(pid_t pid, int sync_fd, int report_fd, wr_cgroup *cg, int code) {
  close(sync_fd);
  close(report_fd);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  wr_cgroup_remove(cg);
  return code;
}

int wr_sandbox_spawn(const wr_sandbox_config *cfg, int (*fn)(void *), void *arg, wr_sandbox *sb, wr_error *err) {
  sb->pid = -1;
  sb->report_fd = -1;
  fflush(stdout); /* nothing buffered may be written twice */
  fflush(stderr);
  int sync[2] = {-1, -1}, report[2] = {-1, -1};
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
    int e = errno;
    if (sync[0] >= 0) close(sync[0]), close(sync[1]);
    return wr_err(err, WR_ERR_IO, "pipe: %s", strerror(e));
  }
  double t = now_us();
  if (wr_cgroup_create(cfg, &sb->cgroup, err) < 0) {
    close(sync[0]), close(sync[1]), close(report[0]), close(report[1]);
    return err->code;
  }
  step_done(cfg, "cgroup", &t);
  pid_t pid = -1;
  int rc = 0;
  if (cfg->enabled)
    rc = wr_ns_clone(cfg, &pid, err);
  else if ((pid = fork()) < 0)
    rc = wr_err(err, WR_ERR_IO, "fork: %s", strerror(errno));
  if (rc < 0) {
    close(sync[0]), close(sync[1]), close(report[0]), close(report[1]);
    wr_cgroup_remove(&sb->cgroup);
    return rc;
  }
  if (pid == 0) {
    close(sync[1]);
    close(report[0]);
    child(cfg, sync[0], report[1], fn, arg);
  }
  close(sync[0]);
  close(report[1]);
  if (cfg->enabled) {
    step_done(cfg, "clone", &t);
    if (wr_ns_map_ids(pid, getuid(), getgid(), err) < 0)
      return abandon(pid, sync[1], report[0], &sb->cgroup, err->code);
    step_done(cfg, "uid/gid maps", &t);
  }
  if (wr_cgroup_enter(&sb->cgroup, pid, err) < 0) return abandon(pid, sync[1], report[0], &sb->cgroup, err->code);
  if (write(sync[1], "x", 1) != 1)
    return abandon(pid, sync[1], report[0], &sb->cgroup,
                   wr_err(err, WR_ERR_IO, "starting the child: %s", strerror(errno)));
  close(sync[1]);
  sb->pid = pid;
  sb->report_fd = report[0];
  return 0;
}

int wr_sandbox_finish(wr_sandbox *sb, int status, char *buf, size_t size) {
  int found = 0, nr;
  bool stopped = (WIFEXITED(status) && WEXITSTATUS(status) == WR_SANDBOX_BLOCKED_STATUS) ||
                 (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
  if (sb->report_fd >= 0 && stopped && read(sb->report_fd, &nr, sizeof nr) == (ssize_t)sizeof nr) {
    char name[64];
    snprintf(buf, size, "blocked system call %s (%d)", wr_seccomp_syscall_name(nr, name, sizeof name), nr);
    found = 1;
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && wr_cgroup_oom_killed(&sb->cgroup)) {
    snprintf(buf, size, "memory limit reached (--memory-limit)");
    found = 2;
  }
  if (sb->report_fd >= 0) close(sb->report_fd);
  sb->report_fd = -1;
  wr_cgroup_remove(&sb->cgroup);
  return found;
}
