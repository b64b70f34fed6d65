/* auto.c: --mode=auto. A cached image runs as aot; without one the module starts
 * at once in the fastest mode that needs no compile ahead. */
#include "auto.h"

#include <stdio.h>

#include "runtime/execmem.h"

/* The mode that starts without waiting for a compile. */
static wr_mode start_now_mode(void) {
  if (wr_mode_available(WR_MODE_FAST_JIT) && wr_execmem_allowed(NULL, 0)) return WR_MODE_FAST_JIT;
  return WR_MODE_FAST;
}

int wr_auto_choose(wr_config *cfg, wr_resources *res, wr_error *err) {
  (void)res;
  cfg->mode = start_now_mode();
  int rc = wr_mode_load(cfg->mode, err);
  if (rc < 0) return rc;
  if (cfg->verbose) fprintf(stderr, "wasm-run: auto: no AOT compiler in this build, running in %s\n", wr_mode_name(cfg->mode));
  return 0;
}
