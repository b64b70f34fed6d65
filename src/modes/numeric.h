/* numeric.h: the numeric helpers the interpreters share: slot <-> float bit
 * conversions, the spec's min/max and rounding, rotations, and the ranges of the
 * float to integer truncations. */
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

/* The float to integer truncations and the ranges the spec gives them, for the
 * interpreters to expand into handlers:
 *   X(trapping op, saturating op, float type, slot to float, integer type, lo_ok, hi_ok,
 *     saturated min, saturated max, integer to slot)
 * The float a converts when lo_ok && hi_ok (bounds exact in its type); otherwise the
 * trapping op overflows (NaN: an invalid conversion) and the saturating one gives
 * min or max (NaN: 0). The last is AS_U32 or AS_U64, which the user defines. In two
 * halves, 32-bit and 64-bit results, as other conversions stand between them in the
 * opcode space. */
#define WR_TRUNC_I32_OPS(X)                                                                                  \
  X(I32_TRUNC_F32_S, I32_TRUNC_SAT_F32_S, float, f32_of, int32_t, a >= -2147483648.0f, a < 2147483648.0f,    \
    INT32_MIN, INT32_MAX, AS_U32)                                                                            \
  X(I32_TRUNC_F32_U, I32_TRUNC_SAT_F32_U, float, f32_of, uint32_t, a > -1.0f, a < 4294967296.0f, 0,          \
    UINT32_MAX, AS_U32)                                                                                      \
  X(I32_TRUNC_F64_S, I32_TRUNC_SAT_F64_S, double, f64_of, int32_t, a > -2147483649.0, a < 2147483648.0,      \
    INT32_MIN, INT32_MAX, AS_U32)                                                                            \
  X(I32_TRUNC_F64_U, I32_TRUNC_SAT_F64_U, double, f64_of, uint32_t, a > -1.0, a < 4294967296.0, 0,           \
    UINT32_MAX, AS_U32)
#define WR_TRUNC_I64_OPS(X)                                                                                  \
  X(I64_TRUNC_F32_S, I64_TRUNC_SAT_F32_S, float, f32_of, int64_t, a >= -9223372036854775808.0f,              \
    a < 9223372036854775808.0f, INT64_MIN, INT64_MAX, AS_U64)                                                \
  X(I64_TRUNC_F32_U, I64_TRUNC_SAT_F32_U, float, f32_of, uint64_t, a > -1.0f, a < 18446744073709551616.0f,   \
    0, UINT64_MAX, AS_U64)                                                                                   \
  X(I64_TRUNC_F64_S, I64_TRUNC_SAT_F64_S, double, f64_of, int64_t, a >= -9223372036854775808.0,              \
    a < 9223372036854775808.0, INT64_MIN, INT64_MAX, AS_U64)                                                 \
  X(I64_TRUNC_F64_U, I64_TRUNC_SAT_F64_U, double, f64_of, uint64_t, a > -1.0, a < 18446744073709551616.0, 0, \
    UINT64_MAX, AS_U64)

#endif
