/* gen.h: a generator of valid wasm modules from arbitrary bytes, for the
 * differential fuzzer. Every byte string gives a module that validates and whose
 * every call ends (a fuel global bounds loops), so modes can be compared on it. */
#ifndef WR_FUZZ_GEN_H
#define WR_FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

/* The fuzzer's bytes, consumed front to back; reads past the end give zeros, and
 * zero always picks the simplest choice, so generation ends on any input. */
typedef struct fz_src {
  const uint8_t *p;
  size_t n;
} fz_src;

uint8_t fz_u8(fz_src *s);
uint64_t fz_u64(fz_src *s);

/* The generated module keeps its fuel in global 0 (mutable i32): each function
 * entry and loop iteration takes one unit and traps (unreachable) at zero. The
 * harness sets it before each call. Every function is exported as "f<index>". */
#define FZ_FUEL_GLOBAL 0

/* Builds a module from *src into a malloc'd buffer. Returns 0, or -1 when out of
 * memory. */
int fz_gen_module(fz_src *src, uint8_t **out, size_t *out_len);

#endif
