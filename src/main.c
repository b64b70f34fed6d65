/* main.c: the wasm-run command: parse the options, open what the run may touch,
 * let --mode=auto choose the mode (src/auto.c), run the module in a sandboxed
 * child (src/supervise.c), exit with its status. `wasm-run compile` and `wasm-run
 * cache` go to their own files (src/commands.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "auto.h"
#include "cli.h"
#include "commands.h"
#include "compile.h"
#include "launch.h"
#include "supervise.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "compile") == 0) return wr_compile_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "cache") == 0) return wr_cache_main(argc - 1, argv + 1);
  wr_config cfg;
  wr_error err;
  wr_error_clear(&err);
  int rc = wr_cli_parse(argc, argv, &cfg, &err);
  if (rc != 0) {
    if (rc < 0) fprintf(stderr, "wasm-run: %s\n", err.msg);
    wr_cli_free(&cfg);
    return rc < 0 ? WR_EXIT_INTERNAL : 0;
  }
  /* A guest writing to a closed pipe gets EPIPE as an errno; the signal would kill us. */
  signal(SIGPIPE, SIG_IGN);

  wr_resources res;
  int status;
  if ((rc = wr_resources_open(&cfg, &res, &err)) < 0) {
    fprintf(stderr, "wasm-run: %s\n", err.msg);
    status = rc == WR_ERR_IO ? WR_EXIT_NOT_FOUND : WR_EXIT_INTERNAL;
  } else if ((cfg.auto_mode || res.mode == WR_MODE_AOT) && !res.module_is_image && !res.compiler &&
             (rc = wr_auto_choose(&cfg, &res, &err)) < 0) {
    fprintf(stderr, "wasm-run: %s\n", err.msg);
    wr_resources_close(&res);
    status = rc == WR_ERR_MALFORMED || rc == WR_ERR_INVALID || rc == WR_ERR_LINK || rc == WR_ERR_UNSUPPORTED
                 ? WR_EXIT_CANNOT_RUN
                 : WR_EXIT_INTERNAL;
  } else {
    if (!cfg.sandbox && !cfg.quiet)
      fputs("wasm-run: warning: --sandbox=none: running without the sandbox (unsafe for untrusted modules)\n", stderr);
    status = wr_supervise_run(&cfg, &res);
    wr_resources_close(&res);
  }
  wr_cli_free(&cfg);
  return status;
}
