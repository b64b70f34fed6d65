/* cache-compile.h: compiling a module into the AOT image cache, in a sandboxed
 * child that holds only the module and the new entry's temporary file. Used by
 * `wasm-run compile` (into the cache) and by --mode=auto (waiting, or detached in
 * the background). The compiler (libLLVM) is loaded only in a helper process made
 * for the compile, never in the process that goes on to run the module. */
#ifndef WR_CACHE_COMPILE_H
#define WR_CACHE_COMPILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aot-cache/cache.h"

typedef struct wr_cache_job {
  const char *module;      /* the module's name, for messages */
  int module_fd;           /* the module file, read-only */
  int opt;                 /* 0..3 */
  uint8_t key[32];         /* wr_cache_key of the module and fingerprint */
  const char *fingerprint;
  bool sandbox;            /* false: --sandbox=none */
  bool progress;           /* a progress line on stderr after a second, if it is a terminal */
  int verbose;
  uint64_t timeout_ms;     /* the compile is killed after this long (0: never) */
} wr_cache_job;

/* Whether this build has an AOT compiler to load (without loading it). */
bool wr_cache_compiler_present(void);

/* Compiles job into the cache, waiting for it (or for another process's compile
 * of the same key), and returns 0 with an O_RDONLY fd of the entry. */
int wr_cache_compile_wait(wr_cache *c, const wr_cache_job *job, int *fd, wr_error *err);

/* Starts a detached, niced compile of job that outlives us, unless one of the key
 * runs already or the limit of concurrent background compiles is reached.
 * Returns 1 with the compile's pid, 0 with *why saying why none was started, or a
 * negative wr_errcode. */
int wr_cache_compile_background(wr_cache *c, const wr_cache_job *job, pid_t *pid, const char **why, wr_error *err);

#endif
