/* auto.h: --mode=auto, the default: choosing how a run goes from the cache's
 * answer (DESIGN.md §1, §6; the background compile of issue 13). */
#ifndef WR_AUTO_H
#define WR_AUTO_H

#include "cli.h"
#include "launch.h"

/* Chooses cfg->mode for a run of the opened module: aot when the cache holds its
 * image, else the mode that starts at once (fast-jit where it is built and
 * executable memory may be made, else fast), starting a background compile or
 * compiling first as --compile says. Says which under -v. Returns 0, or a negative
 * wr_errcode (a cache that must be refused, a failed --compile=wait). */
int wr_auto_choose(wr_config *cfg, wr_resources *res, wr_error *err);

#endif
