/* numeric.h: the numeric helpers the interpreters share: slot <-> float bit
 * conversions, the spec's min/max and rounding, rotations. */
#ifndef WR_MODES_NUMERIC_H
#define WR_MODES_NUMERIC_H

#include <math.h>
#include <stdint.h>

static inline float f32_of(uint64_t s) {
  union { uint32_t u; float f; } x = {.u = (uint32_t)s};
  return x.f;
}
static inline uint64_t bits_f32(float f) {
  union { uint32_t u; float f; } x = {.f = f};
  return x.u;
}
static inline double f64_of(uint64_t s) {
  union { uint64_t u; double f; } x = {.u = s};
  return x.f;
}
static inline uint64_t bits_f64(double f) {
  union { uint64_t u; double f; } x = {.f = f};
  return x.u;
}

/* min/max as the spec has them: NaN in, NaN out; -0 is less than +0. */
static inline float wr_fminf(float a, float b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline float wr_fmaxf(float a, float b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double wr_fmin(double a, double b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline double wr_fmax(double a, double b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/* Rounding functions of the C library may return a signalling NaN unchanged; the
 * spec wants a quiet (arithmetic) NaN, which adding the NaN to itself gives. */
#define ROUNDING(name, T, fn) \
  static inline T name(T a) { return isnan(a) ? a + a : fn(a); }
ROUNDING(wr_ceilf, float, ceilf)
ROUNDING(wr_floorf, float, floorf)
ROUNDING(wr_truncf, float, truncf)
ROUNDING(wr_rintf, float, rintf)
ROUNDING(wr_ceil, double, ceil)
ROUNDING(wr_floor, double, floor)
ROUNDING(wr_trunc, double, trunc)
ROUNDING(wr_rint, double, rint)
#undef ROUNDING

static inline uint32_t rotl32(uint32_t a, uint32_t b) { b &= 31; return (a << b) | (a >> ((32 - b) & 31)); }
static inline uint32_t rotr32(uint32_t a, uint32_t b) { b &= 31; return (a >> b) | (a << ((32 - b) & 31)); }
static inline uint64_t rotl64(uint64_t a, uint64_t b) { b &= 63; return (a << b) | (a >> ((64 - b) & 63)); }
static inline uint64_t rotr64(uint64_t a, uint64_t b) { b &= 63; return (a >> b) | (a << ((64 - b) & 63)); }

#endif
