/* cache-compile.c: compiling into the AOT image cache.
 *
 * Three processes take part. The launcher (which may go on to run the module)
 * never loads the compiler: it forks a helper, which loads the compiler plugin,
 * takes the key's lock and calls wr_cache_publish with a producer that starts
 * the compile child in the sandbox (src/sandbox/) holding three fds: the module,
 * the temporary file the store made for the entry, and a pipe for its error. The
 * child cannot name, rename or touch any other file; the helper checks what it
 * wrote and publishes it. A waiting compile shows its progress on a terminal; a
 * background one is detached (its own session, niced, kept to one core, or at
 * idle priority where there is only one; stdio on /dev/null) and bounded: one per
 * key (the lock), a limit on how many run at once (slot locks), and a time limit.
 * The run's start pays one fork for it. */
#include "cache-compile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aot-cache/compiler.h"
#include "modes/modes.h"
#include "runtime/runtime.h"
#include "sandbox/sandbox.h"

/* An error passed up a pipe: the wr_errcode and its message. */
struct msg {
  int code;
  char text[WR_ERROR_MSG_MAX];
};

static void send_msg(int fd, const wr_error *err) {
  struct msg m = {.code = err->code};
  snprintf(m.text, sizeof m.text, "%s", err->msg);
  ssize_t n = write(fd, &m, sizeof m);
  (void)n; /* the reader reports a missing message itself */
}

/* Reads a whole message; false when there is none (the writer ended without). */
static bool recv_msg(int fd, struct msg *m) {
  size_t got = 0;
  while (got < sizeof *m) {
    ssize_t n = read(fd, (char *)m + got, sizeof *m - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += (size_t)n;
  }
  m->text[sizeof m->text - 1] = 0;
  /* The child is not trusted: only a real error code passes. */
  if (m->code >= 0 || m->code < WR_ERR_EXIT) m->code = WR_ERR_IO;
  return true;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool wr_cache_compiler_present(void) { return wr_llvm_plugin_present(); }

/* ---- the compile child, inside the sandbox ------------------------------------- */

struct child_args {
  const wr_cache_job *job;
  const wr_compiler *compiler;
  int out_fd, msg_fd;
};

static int compile_child(void *p) {
  struct child_args *a = p;
  wr_error err;
  wr_error_clear(&err);
  struct stat st;
  int rc = 0;
  uint8_t *wasm = NULL;
  size_t len = 0, got = 0;
  if (fstat(a->job->module_fd, &st) < 0)
    rc = wr_err(&err, WR_ERR_IO, "%s: cannot read the module: %s", a->job->module, strerror(errno));
  else if (!(wasm = malloc((len = (size_t)st.st_size) ? len : 1)))
    rc = wr_err(&err, WR_ERR_NOMEM, "%s: out of memory", a->job->module);
  while (rc == 0 && got < len) {
    ssize_t n = pread(a->job->module_fd, wasm + got, len - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) rc = wr_err(&err, WR_ERR_IO, "%s: cannot read the module: %s", a->job->module,
                            n < 0 ? strerror(errno) : "it became shorter");
    else got += (size_t)n;
  }
  if (rc == 0 &&
      (rc = a->compiler->compile(wasm, len, a->job->opt, a->job->key, a->job->fingerprint, a->out_fd, &err)) < 0)
    wr_err_prefix(&err, "%s", a->job->module);
  free(wasm);
  if (rc < 0) {
    send_msg(a->msg_fd, &err);
    return 1;
  }
  return 0;
}

/* ---- the producer, in the helper ------------------------------------------------ */

struct helper {
  const wr_cache_job *job;
  const wr_compiler *compiler;
};

static int produce(int out_fd, void *p, wr_error *err) {
  struct helper *h = p;
  const wr_cache_job *job = h->job;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) return wr_err(err, WR_ERR_IO, "compile: pipe: %s", strerror(errno));
  struct child_args ca = {job, h->compiler, out_fd, pipefd[1]};
  wr_sandbox_fd keep[3] = {{.fd = job->module_fd}, {.fd = out_fd}, {.fd = pipefd[1]}};
  wr_sandbox_config sc = {.enabled = job->sandbox, .compile = true, .verbose = job->verbose, .keep = keep, .nkeep = 3};
  wr_sandbox sb;
  int64_t start = now_ms();
  if (wr_sandbox_spawn(&sc, compile_child, &ca, &sb, err) < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return wr_err_prefix(err, "compile: sandbox");
  }
  close(pipefd[1]);
  bool tty = job->progress && isatty(2), shown = false, timed_out = false;
  int64_t next = start + 1000;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(sb.pid, &status, WNOHANG);
    if (w == sb.pid) break;
    if (w < 0 && errno != EINTR) {
      int e = errno;
      kill(sb.pid, SIGKILL);
      close(pipefd[0]);
      return wr_err(err, WR_ERR_IO, "compile: waiting for the compiler: %s", strerror(e));
    }
    /* The message, if any, is read once the child has ended; until then, wake
     * for the progress line and the time limit. */
    usleep(50 * 1000);
    int64_t t = now_ms();
    if (job->timeout_ms && t - start >= (int64_t)job->timeout_ms) {
      kill(sb.pid, SIGKILL);
      while (waitpid(sb.pid, &status, 0) < 0 && errno == EINTR) {}
      timed_out = true;
      break;
    }
    if (tty && t >= next) {
      fprintf(stderr, "\rwasm-run: compiling %s: %lld s", job->module, (long long)((t - start) / 1000));
      shown = true;
      next += 1000;
    }
  }
  if (shown) fputs("\r\033[K", stderr);
  if (job->verbose && !timed_out)
    fprintf(stderr, "wasm-run: compile: %s took %lld ms\n", job->module, (long long)(now_ms() - start));
  struct msg m;
  bool have_msg = !timed_out && recv_msg(pipefd[0], &m);
  close(pipefd[0]);
  char why[128];
  if (wr_sandbox_finish(&sb, status, why, sizeof why))
    return wr_err(err, WR_ERR_IO, "compile: sandbox: %s", why);
  if (timed_out)
    return wr_err(err, WR_ERR_IO, "%s: compile: killed after %llu s, its time limit", job->module,
                  (unsigned long long)(job->timeout_ms / 1000));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (have_msg) return wr_err(err, m.code, "%s", m.text);
  if (WIFEXITED(status))
    return wr_err(err, WR_ERR_IO, "%s: compile: the compiler ended with status %d", job->module, WEXITSTATUS(status));
  return wr_err(err, WR_ERR_IO, "%s: compile: the compiler was killed by signal %d", job->module,
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Loads the compiler and publishes job with key's lock held (lock_fd >= 0) or
 * taken here (-1). In the helper only. */
static int helper_publish(wr_cache *c, const wr_cache_job *job, bool locked, wr_error *err) {
  struct helper h = {job, NULL};
  int rc = wr_compiler_load(&h.compiler, err);
  if (rc < 0) return rc;
  int fd;
  rc = locked ? wr_cache_publish_locked(c, job->key, produce, &h, &fd, err)
              : wr_cache_publish(c, job->key, produce, &h, &fd, err);
  if (rc == 0) close(fd);
  return rc;
}

int wr_cache_compile_wait(wr_cache *c, const wr_cache_job *job, int *fd, wr_error *err) {
  *fd = -1;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return wr_err(err, WR_ERR_IO, "compile: pipe: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return wr_err(err, WR_ERR_IO, "compile: fork: %s", strerror(errno));
  }
  if (pid == 0) {
    close(p[0]);
    wr_error e;
    wr_error_clear(&e);
    /* The compile ends with the process that waits for it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    int rc = helper_publish(c, job, false, &e);
    if (rc < 0) send_msg(p[1], &e);
    _exit(rc < 0 ? 1 : 0);
  }
  close(p[1]);
  struct msg m;
  bool have_msg = recv_msg(p[0], &m);
  close(p[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return wr_err(err, WR_ERR_IO, "compile: waiting for the helper: %s", strerror(errno));
  if (have_msg) return wr_err(err, m.code, "%s", m.text);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return wr_err(err, WR_ERR_IO, "%s: compile: the helper ended abnormally (status %#x)", job->module, status);
  int rc = wr_cache_lookup(c, job->key, fd, err);
  if (rc < 0) return rc;
  if (rc == 0) return wr_err(err, WR_ERR_IO, "%s: compile: the image was removed as soon as it was made", job->module);
  return 0;
}

/* Closes every fd but those in keep[0..n). */
static void close_all_but(int *keep, int n) {
  for (int i = 1; i < n; i++) /* sort: n is tiny */
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
      int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  unsigned lo = 0;
  for (int i = 0; i <= n; i++) {
    unsigned hi = i < n ? (unsigned)keep[i] : ~0u;
    if (hi > lo) close_range(lo, hi == ~0u ? ~0u : hi - 1, 0);
    if (i < n) lo = (unsigned)keep[i] + 1;
  }
}

/* The detached compile: its own session, stdio on /dev/null, nothing of the run's
 * (preopens, sockets) held, niced. Never returns. */
static _Noreturn void background(const char *cache_path, const wr_cache_job *job, int lock_fd, int slot_fd) {
  setsid();
  /* Then the run keeps its core: nice, and where there is one CPU, idle
   * priority. */
  setpriority(PRIO_PROCESS, 0, 10);
  /* One core at most: the compiler sizes its threads by the affinity mask, so the
   * compile keeps to the last core we may use and the run has the others. */
  cpu_set_t set;
  int ncpu = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  if (ncpu > 1) {
    int last = -1;
    for (int i = 0; i < CPU_SETSIZE; i++)
      if (CPU_ISSET(i, &set)) last = i;
    CPU_ZERO(&set);
    CPU_SET(last, &set);
    sched_setaffinity(0, sizeof set, &set);
  } else {
    struct sched_param sp = {0};
    sched_setscheduler(0, SCHED_IDLE, &sp);
  }
  prctl(PR_SET_NAME, "wasm-run-aotc", 0, 0, 0);
  int keep[3] = {job->module_fd, lock_fd, slot_fd};
  close_all_but(keep, 3);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
  wr_error e;
  wr_error_clear(&e);
  wr_cache *c;
  int rc = wr_cache_open(cache_path, &c, &e);
  if (rc == 0) {
    wr_cache_set_warn(c, NULL, NULL);
    rc = helper_publish(c, job, true, &e);
    wr_cache_close(c);
  }
  _exit(rc < 0 ? 1 : 0);
}

int wr_cache_compile_background(wr_cache *c, const wr_cache_job *job, pid_t *pid, const char **why, wr_error *err) {
  *pid = -1;
  *why = NULL;
  int lock_fd, slot_fd;
  int rc = wr_cache_lock(c, job->key, false, &lock_fd, err);
  if (rc <= 0) {
    if (rc == 0) *why = "a compile of it is running";
    return rc;
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int limit = ncpu >= 2 ? (int)(ncpu / 2) : 1;
  if ((rc = wr_cache_take_slot(c, limit, &slot_fd, err)) <= 0) {
    close(lock_fd);
    if (rc == 0) *why = "as many background compiles as allowed are running";
    return rc;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s", wr_cache_path(c));
  fflush(stdout);
  fflush(stderr);
  /* One fork, not the classic two: waiting for an intermediate process would put
   * its scheduling into the run's start. The compile is in its own session (no
   * terminal, no signals from it) and is reparented when we exit; if it ends
   * first it stays a zombie only until then. */
  pid_t child = fork();
  if (child < 0) {
    rc = wr_err(err, WR_ERR_IO, "compile: fork: %s", strerror(errno));
    goto out;
  }
  if (child == 0) background(path, job, lock_fd, slot_fd);
  *pid = child;
  rc = 1;
out:
  /* The compile holds its own copies of the lock and the slot. */
  close(lock_fd);
  close(slot_fd);
  return rc;
}
