/* fingerprint.h: the compiler fingerprint (DESIGN.md section 6), computed without
 * LLVM: what must match for a compiled image to be what a compile now would make. */
#ifndef WR_AOT_FINGERPRINT_H
#define WR_AOT_FINGERPRINT_H

#include <stddef.h>

#include "wasm/error.h"

/* "wasm-run VERSION; image-abi N; llvm VERSION; TRIPLE; cpu VENDOR FAMILY MODEL
 * STEPPING; features HEX; opt N", then $WASM_RUN_TEST_FINGERPRINT (tests only). */
int wr_fingerprint(int opt, char *buf, size_t size, wr_error *err);

#endif
