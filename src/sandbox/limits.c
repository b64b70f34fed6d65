/* limits.c: what the child may hold: every fd closed but stdio and the ones the run
 * needs, and rlimits (open files, no core dumps, no new processes). The cgroup v2
 * limits (memory, tasks) are the parent's part, in cgroup.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int wr_limits_close_fds(const wr_sandbox_config *cfg, int extra_fd, wr_error *err) {
  int keep[cfg->nkeep + 4], n = 0;
  keep[n++] = 0, keep[n++] = 1, keep[n++] = 2;
  if (extra_fd >= 0) keep[n++] = extra_fd;
  for (int i = 0; i < cfg->nkeep; i++) keep[n++] = cfg->keep[i].fd;
  qsort(keep, (size_t)n, sizeof *keep, cmp_int);
  /* Close every gap between the kept fds, then everything above the last. */
  unsigned lo = 0;
  for (int i = 0; i <= n; i++) {
    unsigned hi = i < n ? (unsigned)keep[i] : ~0u;
    if (hi > lo && close_range(lo, hi == ~0u ? ~0u : hi - 1, 0) < 0)
      return wr_err(err, WR_ERR_IO, "closing fds: close_range %u-%u: %s", lo, hi - 1, strerror(errno));
    if (i < n) lo = (unsigned)keep[i] + 1;
  }
  return 0;
}

static int set_limit(int res, const char *name, rlim_t want, wr_error *err) {
  struct rlimit rl;
  if (getrlimit(res, &rl) < 0) return wr_err(err, WR_ERR_IO, "rlimits: getrlimit %s: %s", name, strerror(errno));
  /* Only ever lower: a limit already below ours stays. */
  if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) rl.rlim_max = want;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
  if (setrlimit(res, &rl) < 0) return wr_err(err, WR_ERR_IO, "rlimits: setrlimit %s: %s", name, strerror(errno));
  return 0;
}

int wr_limits_rlimits(const wr_sandbox_config *cfg, wr_error *err) {
  /* A guest opens files beneath its preopens; 1024 is what a shell gives a program. */
  if (set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", 1024, err) < 0) return err->code;
  if (set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, err) < 0) return err->code;
  /* The run never starts a process, nor a thread outside the JIT modes and the AOT
   * compiler (seccomp
   * refuses clone as well); threads count against this limit. */
  if (!cfg->jit && !cfg->compile && set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0, err) < 0) return err->code;
  /* Nothing is locked into memory or queued as a message. */
  if (set_limit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0, err) < 0) return err->code;
  if (set_limit(RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0, err) < 0) return err->code;
  return 0;
}
