/* compiler.h: the AOT compiler as the rest of wasm-run sees it. The compiler
 * needs LLVM, so it lives in the plugin wasm-run-llvm.so (src/modes/llvm/aot.c)
 * and is loaded only by what compiles; running an image never loads it. */
#ifndef WR_AOT_COMPILER_H
#define WR_AOT_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include "wasm/error.h"

typedef struct wr_compiler {
  /* Decodes and validates wasm[0..len), compiles it for this host at optimisation
   * level opt (0..3) and writes the image (aot-cache/image.h) to out_fd, a regular
   * file opened read-write, from offset 0. key (may be NULL: zero) and fingerprint
   * go into the image's note. */
  int (*compile)(const uint8_t *wasm, size_t len, int opt, const uint8_t key[32], const char *fingerprint,
                 int out_fd, wr_error *err);
} wr_compiler;

/* Loads the plugin (dlopen; call it before the sandbox takes the filesystem away). */
int wr_compiler_load(const wr_compiler **out, wr_error *err);

#endif
