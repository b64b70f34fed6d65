/* supervise.c: the supervisor. It blocks the signals it forwards, starts the child
 * (src/sandbox/), then waits for the first of: the child's end, a signal to pass on,
 * the --timeout deadline. It turns the child's end into our exit status. */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sandbox/sandbox.h"

struct run_args {
  const wr_config *cfg;
  wr_resources *res;
};

static int run_child(void *p) {
  struct run_args *a = p;
  return wr_launch_run(a->cfg, a->res);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wr_supervise_run(const wr_config *cfg, wr_resources *res) {
  wr_error err;
  wr_error_clear(&err);
  sigset_t set, old;
  sigemptyset(&set);
  int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&set, fwd[i]);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &old);

  /* What the child keeps open: stdio, the module and the preopens. */
  wr_sandbox_fd keep[res->npreopens + 2];
  int nkeep = 0;
  keep[nkeep++] = (wr_sandbox_fd){.fd = res->module_fd};
  if (res->image_fd >= 0 && res->image_fd != res->module_fd) keep[nkeep++] = (wr_sandbox_fd){.fd = res->image_fd};
  for (int i = 0; i < res->npreopens; i++)
    keep[nkeep++] = (wr_sandbox_fd){.fd = res->preopens[i].host_fd, .dir = !res->preopens[i].socket,
                                    .readonly = res->preopens[i].readonly};
  wr_sandbox_config sc = {.enabled = cfg->sandbox, .net_host = cfg->net_host, .verbose = cfg->verbose,
                          .jit = res->mode == WR_MODE_FAST_JIT || res->mode == WR_MODE_LLVM_JIT,
                          /* aot of a .wasm compiles in the child, with LLVM's system calls */
                          .compile = res->compiler != NULL,
                          .map_exec = res->mode == WR_MODE_AOT && res->image_fd >= 0, .exec_fd = res->image_fd,
                          .keep = keep, .nkeep = nkeep};
  struct run_args args = {cfg, res};
  wr_sandbox sb;
  if (wr_sandbox_spawn(&sc, run_child, &args, &sb, &err) < 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "wasm-run: sandbox: %s\n", err.msg);
    return WR_EXIT_INTERNAL;
  }

  int64_t deadline = cfg->timeout_ms ? now_ms() + (int64_t)cfg->timeout_ms : 0;
  bool timed_out = false;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(sb.pid, &status, WNOHANG);
    if (w == sb.pid) break;
    if (w < 0 && errno != EINTR) {
      fprintf(stderr, "wasm-run: waiting for the child: %s\n", strerror(errno));
      status = WR_EXIT_INTERNAL << 8;
      break;
    }
    siginfo_t si;
    int sig;
    if (deadline && !timed_out) {
      int64_t left = deadline - now_ms();
      if (left < 0) left = 0;
      struct timespec ts = {left / 1000, (left % 1000) * 1000000};
      sig = sigtimedwait(&set, &si, &ts);
    } else {
      sig = sigwaitinfo(&set, &si);
    }
    if (sig < 0 && errno == EAGAIN) {
      kill(sb.pid, SIGKILL);
      timed_out = true;
    } else if (sig > 0 && sig != SIGCHLD) {
      kill(sb.pid, sig);
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);

  char why[128];
  bool blocked = wr_sandbox_finish(&sb, status, why, sizeof why);
  if (timed_out && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
    fprintf(stderr, "wasm-run: timeout: killed after %s\n", cfg->timeout_str);
    return 128 + SIGKILL;
  }
  if (blocked) {
    fprintf(stderr, "wasm-run: sandbox: %s\n", why);
    return WR_SANDBOX_BLOCKED_STATUS;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGSYS) fprintf(stderr, "wasm-run: sandbox: killed by seccomp (SIGSYS)\n");
    return 128 + WTERMSIG(status);
  }
  return WR_EXIT_INTERNAL;
}
