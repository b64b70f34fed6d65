/* wasi.h: WASI preview 1 (wasi_snapshot_preview1) for one run: the guest's args and
 * environment, its fd table (stdio, preopened directories and sockets) and the host
 * functions, handed to wr_instantiate through wr_wasi_resolve. */
#ifndef WR_WASI_H
#define WR_WASI_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/runtime.h"

typedef struct wr_wasi wr_wasi;

typedef struct wr_wasi_preopen {
  int host_fd;       /* a directory fd (O_DIRECTORY) or a listening socket; wr_wasi owns it */
  const char *guest; /* directories: the name the guest sees (e.g. "/" or "data") */
  bool readonly;     /* directories: refuse every write beneath it */
  bool socket;       /* a listening stream socket for sock_accept */
} wr_wasi_preopen;

typedef struct wr_wasi_config {
  wr_store *store;          /* where the host functions are made */
  int argc;
  char *const *argv;        /* the guest's argv, argv[0] included */
  int envc;
  char *const *envp;        /* "NAME=VALUE" strings */
  int npreopens;
  const wr_wasi_preopen *preopens; /* guest fds 3, 4, ... in this order */
} wr_wasi_config;

/* Makes the WASI state. Takes ownership of the preopens' fds, also on failure. */
int wr_wasi_new(wr_wasi **out, const wr_wasi_config *cfg, wr_error *err);
void wr_wasi_free(wr_wasi *w);
/* A wr_resolve_fn (ud is the wr_wasi) for imports from "wasi_snapshot_preview1". */
int wr_wasi_resolve(void *ud, const wr_import *imp, wr_extern *out, wr_error *err);

#endif
