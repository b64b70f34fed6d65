/* commands.h: the subcommands of wasm-run besides running a module:
 * `wasm-run compile` (src/compile.c) and `wasm-run cache` (src/cache-cmd.c). Each
 * takes argv from its own name on and returns the exit status. */
#ifndef WR_COMMANDS_H
#define WR_COMMANDS_H

int wr_compile_main(int argc, char **argv);
int wr_cache_main(int argc, char **argv);

/* Parses a size such as 500M, 2G or 1048576 (suffixes K, M, G, T: powers of 1024)
 * for option opt. Returns 0, or WR_ERR_USAGE with a message naming the option. */
#include <stdint.h>
#include "wasm/error.h"
int wr_parse_bytes(const char *opt, const char *arg, uint64_t *out, wr_error *err);

#endif
