/* launch.h: opening what a run may touch, and running a module with it. */
#ifndef WR_LAUNCH_H
#define WR_LAUNCH_H

#include "cli.h"
#include "wasi/wasi.h"

/* What a run may touch, opened before the module is looked at. */
typedef struct wr_resources {
  int module_fd;              /* the module file, read-only */
  wr_wasi_preopen *preopens;  /* the --dir directories, then the --listen sockets */
  int npreopens;
  wr_mode mode;               /* the mode to run: cfg->mode, or aot for an AOT image */
  bool module_is_image;       /* module_fd is an AOT image, which embeds its module */
  int image_fd;               /* aot: the image to map (module_fd, or a memfd the run
                                 compiles the module into), else -1 */
  const struct wr_compiler *compiler; /* aot of a .wasm: loaded before the lockdown */
  bool image_checked;         /* image_fd is a cache entry whose digest the store checked */
} wr_resources;

/* Opens every --dir directory, --listen socket and the module file, and what the
 * mode needs (aot: the image, or the compiler and a memfd to compile into). Returns
 * 0, or WR_ERR_USAGE (a bad --dir/--listen), WR_ERR_IO (the module cannot be read)
 * or another code (the compiler cannot be loaded). */
int wr_resources_open(const wr_config *cfg, wr_resources *res, wr_error *err);
void wr_resources_close(wr_resources *res);

/* Runs the module with the opened resources (the run takes over the preopens) and
 * returns the exit status; any error has been printed as one line. */
int wr_launch_run(const wr_config *cfg, wr_resources *res);

#endif
