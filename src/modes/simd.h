/* simd.h: the lane semantics of every WebAssembly SIMD (v128) instruction, written
 * once for every mode that runs them.
 *
 * For each 0xFD row NAME of opcodes.def there is one function wr_simd_NAME, except
 * v128.const, which has nothing to compute. Its signature follows from the row's
 * immediate kind and operand types, so that a mode can expand its handlers from
 * opcodes.def without a list of its own:
 *
 *   NONE, v128 operands only          wr_v128 f(wr_v128 a[, wr_v128 b[, wr_v128 c]])
 *   NONE, v128 -> i32                 uint64_t f(wr_v128 a)
 *   NONE, v128 i32 -> v128 (shifts)   wr_v128 f(wr_v128 a, uint64_t n)
 *   NONE, scalar -> v128 (splats)     wr_v128 f(uint64_t x)
 *   LANE, v128 -> scalar              uint64_t f(wr_v128 a, unsigned lane)
 *   LANE, v128 scalar -> v128         wr_v128 f(wr_v128 a, uint64_t x, unsigned lane)
 *   MEMARG, i32 -> v128 (loads)       wr_v128 f(const uint8_t *p)
 *   MEMARG, i32 v128 (store)          void f(uint8_t *p, wr_v128 v)
 *   MEMARG_LANE, i32 v128 -> v128     wr_v128 f(const uint8_t *p, wr_v128 v, unsigned lane)
 *   MEMARG_LANE, i32 v128             void f(uint8_t *p, wr_v128 v, unsigned lane)
 *   SHUFFLE                           wr_v128 f(wr_v128 a, wr_v128 b, const uint8_t lanes[16])
 *
 * Scalars travel as 64-bit slots (i32 zero-extended, floats as their bits); a v128
 * lives in two slots, low 64 bits first, loaded and stored with wr_v128_get and
 * wr_v128_put. Lane i of a shape is bits [i*w, (i+1)*w) of the value, which on this
 * little-endian host is element i of the matching vector member.
 *
 * Floating-point results follow the spec: a NaN result is a NaN whose payload the
 * spec leaves open, and the host's arithmetic gives the canonical NaN for invalid
 * operations and a quiet copy of an input NaN otherwise, both of which the spec
 * accepts. min/max are the spec's (NaN wins, -0 < +0), pmin/pmax are the
 * "pseudo" forms b < a ? b : a and a < b ? b : a. Integer arithmetic wraps (done on
 * unsigned lanes), saturating forms clamp, truncations saturate with NaN -> 0. */
#ifndef WR_MODES_SIMD_H
#define WR_MODES_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "modes/numeric.h"

typedef int8_t wr_i8x16 __attribute__((vector_size(16)));
typedef uint8_t wr_u8x16 __attribute__((vector_size(16)));
typedef int16_t wr_i16x8 __attribute__((vector_size(16)));
typedef uint16_t wr_u16x8 __attribute__((vector_size(16)));
typedef int32_t wr_i32x4 __attribute__((vector_size(16)));
typedef uint32_t wr_u32x4 __attribute__((vector_size(16)));
typedef int64_t wr_i64x2 __attribute__((vector_size(16)));
typedef uint64_t wr_u64x2 __attribute__((vector_size(16)));
typedef float wr_f32x4 __attribute__((vector_size(16)));
typedef double wr_f64x2 __attribute__((vector_size(16)));

typedef union wr_v128 {
  wr_i8x16 i8;
  wr_u8x16 u8;
  wr_i16x8 i16;
  wr_u16x8 u16;
  wr_i32x4 i32;
  wr_u32x4 u32;
  wr_i64x2 i64;
  wr_u64x2 u64;
  wr_f32x4 f32;
  wr_f64x2 f64;
} wr_v128;

/* A v128 from / to two slots (low first). */
static inline wr_v128 wr_v128_get(const uint64_t *s) {
  wr_v128 v;
  memcpy(&v, s, 16);
  return v;
}
static inline void wr_v128_put(uint64_t *s, wr_v128 v) { memcpy(s, &v, 16); }

#define WR_SIMD static inline __attribute__((always_inline)) wr_v128
#define WR_SIMD_S static inline __attribute__((always_inline)) uint64_t

/* ---- memory ------------------------------------------------------------------ */

WR_SIMD wr_simd_V128_LOAD(const uint8_t *p) { wr_v128 r; memcpy(&r, p, 16); return r; }
static inline void wr_simd_V128_STORE(uint8_t *p, wr_v128 v) { memcpy(p, &v, 16); }

#define WR_SIMD_LOAD_EXT(name, MT, field, n)                     \
  WR_SIMD wr_simd_##name(const uint8_t *p) {                     \
    MT m[n];                                                     \
    wr_v128 r;                                                   \
    memcpy(m, p, sizeof m);                                      \
    for (int i = 0; i < n; i++) r.field[i] = m[i];               \
    return r;                                                    \
  }
WR_SIMD_LOAD_EXT(V128_LOAD8X8_S, int8_t, i16, 8)
WR_SIMD_LOAD_EXT(V128_LOAD8X8_U, uint8_t, u16, 8)
WR_SIMD_LOAD_EXT(V128_LOAD16X4_S, int16_t, i32, 4)
WR_SIMD_LOAD_EXT(V128_LOAD16X4_U, uint16_t, u32, 4)
WR_SIMD_LOAD_EXT(V128_LOAD32X2_S, int32_t, i64, 2)
WR_SIMD_LOAD_EXT(V128_LOAD32X2_U, uint32_t, u64, 2)
#undef WR_SIMD_LOAD_EXT

#define WR_SIMD_LOAD_SPLAT(name, MT, field, n)                   \
  WR_SIMD wr_simd_##name(const uint8_t *p) {                     \
    MT m;                                                        \
    wr_v128 r;                                                   \
    memcpy(&m, p, sizeof m);                                     \
    for (int i = 0; i < n; i++) r.field[i] = m;                  \
    return r;                                                    \
  }
WR_SIMD_LOAD_SPLAT(V128_LOAD8_SPLAT, uint8_t, u8, 16)
WR_SIMD_LOAD_SPLAT(V128_LOAD16_SPLAT, uint16_t, u16, 8)
WR_SIMD_LOAD_SPLAT(V128_LOAD32_SPLAT, uint32_t, u32, 4)
WR_SIMD_LOAD_SPLAT(V128_LOAD64_SPLAT, uint64_t, u64, 2)
#undef WR_SIMD_LOAD_SPLAT

WR_SIMD wr_simd_V128_LOAD32_ZERO(const uint8_t *p) {
  uint32_t m;
  memcpy(&m, p, 4);
  return (wr_v128){.u32 = {m, 0, 0, 0}};
}
WR_SIMD wr_simd_V128_LOAD64_ZERO(const uint8_t *p) {
  uint64_t m;
  memcpy(&m, p, 8);
  return (wr_v128){.u64 = {m, 0}};
}

#define WR_SIMD_LANE_MEM(bits)                                                      \
  WR_SIMD wr_simd_V128_LOAD##bits##_LANE(const uint8_t *p, wr_v128 v, unsigned l) { \
    uint##bits##_t m;                                                               \
    memcpy(&m, p, sizeof m);                                                        \
    v.u##bits[l] = m;                                                               \
    return v;                                                                       \
  }                                                                                 \
  static inline void wr_simd_V128_STORE##bits##_LANE(uint8_t *p, wr_v128 v, unsigned l) { \
    uint##bits##_t m = v.u##bits[l];                                                \
    memcpy(p, &m, sizeof m);                                                        \
  }
WR_SIMD_LANE_MEM(8)
WR_SIMD_LANE_MEM(16)
WR_SIMD_LANE_MEM(32)
WR_SIMD_LANE_MEM(64)
#undef WR_SIMD_LANE_MEM

/* ---- lanes: shuffle, swizzle, splat, extract, replace ------------------------- */

/* Byte permutations. The portable form reads lanes from a table of both operands
 * (a then b, or a then zeros) and assembles the result in two 64-bit registers:
 * byte stores followed by one 16-byte load would stall on store forwarding. On
 * x86-64 CPUs with SSSE3 (checked at run time), pshufb does it in a few
 * instructions (-DWR_SIMD_PORTABLE leaves it out, to test the portable form).
 * Shuffle lane indices are below 32 (validated). */
static inline wr_v128 wr_simd_permute(const uint8_t *table, const uint8_t *idx, unsigned mask) {
  uint64_t w[2] = {0, 0};
  for (int i = 0; i < 16; i++) w[i / 8] |= (uint64_t)table[idx[i] & mask] << (8 * (i % 8));
  wr_v128 r;
  memcpy(&r, w, 16);
  return r;
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(WR_SIMD_PORTABLE)
typedef char wr_c8x16 __attribute__((vector_size(16)));
/* lanes of `idx` above `top` select 0 (pshufb reads an index with bit 7 set so) */
__attribute__((target("ssse3"), noinline)) static wr_v128 wr_simd_pshufb(wr_v128 a, wr_v128 b,
                                                                          wr_v128 idx, int two) {
  wr_u8x16 ia = idx.u8 | (wr_u8x16)(idx.u8 > 15), r;
  r = (wr_u8x16)__builtin_ia32_pshufb128((wr_c8x16)a.u8, (wr_c8x16)ia);
  if (two) {
    wr_u8x16 ib = (idx.u8 - 16) | (wr_u8x16)(idx.u8 < 16);
    r |= (wr_u8x16)__builtin_ia32_pshufb128((wr_c8x16)b.u8, (wr_c8x16)ib);
  }
  return (wr_v128){.u8 = r};
}
#define WR_SIMD_HAVE_PSHUFB() __builtin_cpu_supports("ssse3")
#else
#define WR_SIMD_HAVE_PSHUFB() 0
#define wr_simd_pshufb(a, b, idx, two) (a)
#endif

WR_SIMD wr_simd_I8X16_SHUFFLE(wr_v128 a, wr_v128 b, const uint8_t *lanes) {
  if (WR_SIMD_HAVE_PSHUFB()) {
    wr_v128 idx;
    memcpy(&idx, lanes, 16);
    return wr_simd_pshufb(a, b, idx, 1);
  }
  uint8_t ab[32];
  memcpy(ab, &a, 16);
  memcpy(ab + 16, &b, 16);
  return wr_simd_permute(ab, lanes, 31);
}
WR_SIMD wr_simd_I8X16_SWIZZLE(wr_v128 a, wr_v128 s) {
  if (WR_SIMD_HAVE_PSHUFB()) return wr_simd_pshufb(a, a, s, 0);
  uint8_t az[32] = {0}, idx[16];
  memcpy(az, &a, 16);
  for (int i = 0; i < 16; i++) idx[i] = s.u8[i] < 16 ? s.u8[i] : 16;
  return wr_simd_permute(az, idx, 31);
}

#define WR_SIMD_SPLAT(name, field, T, n)                         \
  WR_SIMD wr_simd_##name(uint64_t x) {                           \
    wr_v128 r;                                                   \
    for (int i = 0; i < n; i++) r.field[i] = (T)x;               \
    return r;                                                    \
  }
WR_SIMD_SPLAT(I8X16_SPLAT, u8, uint8_t, 16)
WR_SIMD_SPLAT(I16X8_SPLAT, u16, uint16_t, 8)
WR_SIMD_SPLAT(I32X4_SPLAT, u32, uint32_t, 4)
WR_SIMD_SPLAT(I64X2_SPLAT, u64, uint64_t, 2)
WR_SIMD_SPLAT(F32X4_SPLAT, u32, uint32_t, 4) /* the bits of the float */
WR_SIMD_SPLAT(F64X2_SPLAT, u64, uint64_t, 2)
#undef WR_SIMD_SPLAT

WR_SIMD_S wr_simd_I8X16_EXTRACT_LANE_S(wr_v128 a, unsigned l) { return (uint32_t)(int32_t)a.i8[l]; }
WR_SIMD_S wr_simd_I8X16_EXTRACT_LANE_U(wr_v128 a, unsigned l) { return a.u8[l]; }
WR_SIMD_S wr_simd_I16X8_EXTRACT_LANE_S(wr_v128 a, unsigned l) { return (uint32_t)(int32_t)a.i16[l]; }
WR_SIMD_S wr_simd_I16X8_EXTRACT_LANE_U(wr_v128 a, unsigned l) { return a.u16[l]; }
WR_SIMD_S wr_simd_I32X4_EXTRACT_LANE(wr_v128 a, unsigned l) { return a.u32[l]; }
WR_SIMD_S wr_simd_I64X2_EXTRACT_LANE(wr_v128 a, unsigned l) { return a.u64[l]; }
WR_SIMD_S wr_simd_F32X4_EXTRACT_LANE(wr_v128 a, unsigned l) { return a.u32[l]; }
WR_SIMD_S wr_simd_F64X2_EXTRACT_LANE(wr_v128 a, unsigned l) { return a.u64[l]; }
WR_SIMD wr_simd_I8X16_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u8[l] = (uint8_t)x; return a; }
WR_SIMD wr_simd_I16X8_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u16[l] = (uint16_t)x; return a; }
WR_SIMD wr_simd_I32X4_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u32[l] = (uint32_t)x; return a; }
WR_SIMD wr_simd_I64X2_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u64[l] = x; return a; }
WR_SIMD wr_simd_F32X4_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u32[l] = (uint32_t)x; return a; }
WR_SIMD wr_simd_F64X2_REPLACE_LANE(wr_v128 a, uint64_t x, unsigned l) { a.u64[l] = x; return a; }

/* ---- comparisons: all ones in a lane where true ------------------------------- */

#define WR_SIMD_CMP(name, field, mfield, op) \
  WR_SIMD wr_simd_##name(wr_v128 a, wr_v128 b) { return (wr_v128){.mfield = (a.field op b.field)}; }
#define WR_SIMD_CMPS(P, sfield, ufield)                                                      \
  WR_SIMD_CMP(P##_EQ, ufield, sfield, ==) WR_SIMD_CMP(P##_NE, ufield, sfield, !=)            \
  WR_SIMD_CMP(P##_LT_S, sfield, sfield, <) WR_SIMD_CMP(P##_LT_U, ufield, sfield, <)          \
  WR_SIMD_CMP(P##_GT_S, sfield, sfield, >) WR_SIMD_CMP(P##_GT_U, ufield, sfield, >)          \
  WR_SIMD_CMP(P##_LE_S, sfield, sfield, <=) WR_SIMD_CMP(P##_LE_U, ufield, sfield, <=)        \
  WR_SIMD_CMP(P##_GE_S, sfield, sfield, >=) WR_SIMD_CMP(P##_GE_U, ufield, sfield, >=)
WR_SIMD_CMPS(I8X16, i8, u8)
WR_SIMD_CMPS(I16X8, i16, u16)
WR_SIMD_CMPS(I32X4, i32, u32)
WR_SIMD_CMP(I64X2_EQ, u64, i64, ==)
WR_SIMD_CMP(I64X2_NE, u64, i64, !=)
WR_SIMD_CMP(I64X2_LT_S, i64, i64, <)
WR_SIMD_CMP(I64X2_GT_S, i64, i64, >)
WR_SIMD_CMP(I64X2_LE_S, i64, i64, <=)
WR_SIMD_CMP(I64X2_GE_S, i64, i64, >=)
#define WR_SIMD_FCMPS(P, field, mfield)                                                      \
  WR_SIMD_CMP(P##_EQ, field, mfield, ==) WR_SIMD_CMP(P##_NE, field, mfield, !=)              \
  WR_SIMD_CMP(P##_LT, field, mfield, <) WR_SIMD_CMP(P##_GT, field, mfield, >)                \
  WR_SIMD_CMP(P##_LE, field, mfield, <=) WR_SIMD_CMP(P##_GE, field, mfield, >=)
WR_SIMD_FCMPS(F32X4, f32, i32)
WR_SIMD_FCMPS(F64X2, f64, i64)
#undef WR_SIMD_CMP
#undef WR_SIMD_CMPS
#undef WR_SIMD_FCMPS

/* ---- bitwise ------------------------------------------------------------------- */

WR_SIMD wr_simd_V128_NOT(wr_v128 a) { return (wr_v128){.u64 = ~a.u64}; }
WR_SIMD wr_simd_V128_AND(wr_v128 a, wr_v128 b) { return (wr_v128){.u64 = a.u64 & b.u64}; }
WR_SIMD wr_simd_V128_ANDNOT(wr_v128 a, wr_v128 b) { return (wr_v128){.u64 = a.u64 & ~b.u64}; }
WR_SIMD wr_simd_V128_OR(wr_v128 a, wr_v128 b) { return (wr_v128){.u64 = a.u64 | b.u64}; }
WR_SIMD wr_simd_V128_XOR(wr_v128 a, wr_v128 b) { return (wr_v128){.u64 = a.u64 ^ b.u64}; }
/* bits of a where c is 1, of b where it is 0 */
WR_SIMD wr_simd_V128_BITSELECT(wr_v128 a, wr_v128 b, wr_v128 c) {
  return (wr_v128){.u64 = (a.u64 & c.u64) | (b.u64 & ~c.u64)};
}
WR_SIMD_S wr_simd_V128_ANY_TRUE(wr_v128 a) { return (a.u64[0] | a.u64[1]) != 0; }

/* ---- integer lane arithmetic ------------------------------------------------------ */

/* Per shape P (lanes n, signed field s, unsigned field u, wide type W for
 * saturation, and the bounds). */
#define WR_SIMD_INT_COMMON(P, n, s, u, ST, UT, SMIN, SMAX, UMAX)                           \
  WR_SIMD wr_simd_##P##_ADD(wr_v128 a, wr_v128 b) { return (wr_v128){.u = a.u + b.u}; }    \
  WR_SIMD wr_simd_##P##_SUB(wr_v128 a, wr_v128 b) { return (wr_v128){.u = a.u - b.u}; }    \
  WR_SIMD wr_simd_##P##_NEG(wr_v128 a) { return (wr_v128){.u = 0 - a.u}; }                 \
  WR_SIMD wr_simd_##P##_ABS(wr_v128 a) {                                                   \
    wr_v128 m = {.s = a.s < 0};                                                             \
    return (wr_v128){.u = (a.u ^ m.u) - m.u};                                               \
  }                                                                                        \
  WR_SIMD_S wr_simd_##P##_ALL_TRUE(wr_v128 a) {                                            \
    for (int i = 0; i < n; i++)                                                            \
      if (!a.u[i]) return 0;                                                               \
    return 1;                                                                              \
  }                                                                                        \
  WR_SIMD_S wr_simd_##P##_BITMASK(wr_v128 a) {                                             \
    uint32_t r = 0;                                                                        \
    for (int i = 0; i < n; i++) r |= (uint32_t)(a.s[i] < 0) << i;                          \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SHL(wr_v128 a, uint64_t c) {                                       \
    return (wr_v128){.u = a.u << (UT)(c & (sizeof(UT) * 8 - 1))};                          \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SHR_S(wr_v128 a, uint64_t c) {                                     \
    return (wr_v128){.s = a.s >> (ST)(c & (sizeof(UT) * 8 - 1))};                          \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SHR_U(wr_v128 a, uint64_t c) {                                     \
    return (wr_v128){.u = a.u >> (UT)(c & (sizeof(UT) * 8 - 1))};                          \
  }
WR_SIMD_INT_COMMON(I8X16, 16, i8, u8, int8_t, uint8_t, INT8_MIN, INT8_MAX, UINT8_MAX)
WR_SIMD_INT_COMMON(I16X8, 8, i16, u16, int16_t, uint16_t, INT16_MIN, INT16_MAX, UINT16_MAX)
WR_SIMD_INT_COMMON(I32X4, 4, i32, u32, int32_t, uint32_t, INT32_MIN, INT32_MAX, UINT32_MAX)
WR_SIMD_INT_COMMON(I64X2, 2, i64, u64, int64_t, uint64_t, INT64_MIN, INT64_MAX, UINT64_MAX)
#undef WR_SIMD_INT_COMMON

/* Shapes with 8, 16 or 32-bit lanes: min/max, and (8, 16) saturation and averaging. */
#define WR_SIMD_SEL(m, x, y) (((x) & (m)) | ((y) & ~(m)))
#define WR_SIMD_MINMAX(P, s, u, MT)                                                        \
  WR_SIMD wr_simd_##P##_MIN_S(wr_v128 a, wr_v128 b) {                                      \
    MT m = (MT)(a.s < b.s);                                                                \
    return (wr_v128){.u = WR_SIMD_SEL(m, a.u, b.u)};                                       \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_MIN_U(wr_v128 a, wr_v128 b) {                                      \
    MT m = (MT)(a.u < b.u);                                                                \
    return (wr_v128){.u = WR_SIMD_SEL(m, a.u, b.u)};                                       \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_MAX_S(wr_v128 a, wr_v128 b) {                                      \
    MT m = (MT)(a.s > b.s);                                                                \
    return (wr_v128){.u = WR_SIMD_SEL(m, a.u, b.u)};                                       \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_MAX_U(wr_v128 a, wr_v128 b) {                                      \
    MT m = (MT)(a.u > b.u);                                                                \
    return (wr_v128){.u = WR_SIMD_SEL(m, a.u, b.u)};                                       \
  }
WR_SIMD_MINMAX(I8X16, i8, u8, wr_u8x16)
WR_SIMD_MINMAX(I16X8, i16, u16, wr_u16x8)
WR_SIMD_MINMAX(I32X4, i32, u32, wr_u32x4)
#undef WR_SIMD_MINMAX

#define WR_SIMD_SAT(P, n, s, u, SMIN, SMAX, UMAX)                                          \
  WR_SIMD wr_simd_##P##_ADD_SAT_S(wr_v128 a, wr_v128 b) {                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) {                                                          \
      int32_t x = (int32_t)a.s[i] + b.s[i];                                                \
      r.s[i] = x < SMIN ? SMIN : x > SMAX ? SMAX : x;                                      \
    }                                                                                      \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SUB_SAT_S(wr_v128 a, wr_v128 b) {                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) {                                                          \
      int32_t x = (int32_t)a.s[i] - b.s[i];                                                \
      r.s[i] = x < SMIN ? SMIN : x > SMAX ? SMAX : x;                                      \
    }                                                                                      \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_ADD_SAT_U(wr_v128 a, wr_v128 b) {                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) {                                                          \
      int32_t x = (int32_t)a.u[i] + b.u[i];                                                \
      r.u[i] = x > UMAX ? UMAX : x;                                                        \
    }                                                                                      \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SUB_SAT_U(wr_v128 a, wr_v128 b) {                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) {                                                          \
      int32_t x = (int32_t)a.u[i] - b.u[i];                                                \
      r.u[i] = x < 0 ? 0 : x;                                                              \
    }                                                                                      \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_AVGR_U(wr_v128 a, wr_v128 b) {                                     \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.u[i] = ((uint32_t)a.u[i] + b.u[i] + 1) >> 1;             \
    return r;                                                                              \
  }
WR_SIMD_SAT(I8X16, 16, i8, u8, INT8_MIN, INT8_MAX, UINT8_MAX)
WR_SIMD_SAT(I16X8, 8, i16, u16, INT16_MIN, INT16_MAX, UINT16_MAX)
#undef WR_SIMD_SAT

WR_SIMD wr_simd_I16X8_MUL(wr_v128 a, wr_v128 b) { return (wr_v128){.u16 = a.u16 * b.u16}; }
WR_SIMD wr_simd_I32X4_MUL(wr_v128 a, wr_v128 b) { return (wr_v128){.u32 = a.u32 * b.u32}; }
WR_SIMD wr_simd_I64X2_MUL(wr_v128 a, wr_v128 b) { return (wr_v128){.u64 = a.u64 * b.u64}; }

WR_SIMD wr_simd_I8X16_POPCNT(wr_v128 a) {
  wr_v128 r;
  for (int i = 0; i < 16; i++) r.u8[i] = (uint8_t)__builtin_popcount(a.u8[i]);
  return r;
}

/* (a * b + 2^14) >> 15, saturated: only -32768 * -32768 exceeds the range. */
WR_SIMD wr_simd_I16X8_Q15MULR_SAT_S(wr_v128 a, wr_v128 b) {
  wr_v128 r;
  for (int i = 0; i < 8; i++) {
    int32_t x = ((int32_t)a.i16[i] * b.i16[i] + 0x4000) >> 15;
    r.i16[i] = (int16_t)(x > INT16_MAX ? INT16_MAX : x);
  }
  return r;
}

WR_SIMD wr_simd_I32X4_DOT_I16X8_S(wr_v128 a, wr_v128 b) {
  wr_v128 r;
  for (int i = 0; i < 4; i++)
    r.u32[i] = (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i]) +
               (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]);
  return r;
}

/* ---- narrowing, extension, pairwise addition, extended multiplication ----------- */

#define WR_SIMD_NARROW(name, n, src, dst, LO, HI)                                          \
  WR_SIMD wr_simd_##name(wr_v128 a, wr_v128 b) {                                           \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) {                                                          \
      int32_t x = a.src[i], y = b.src[i];                                                  \
      r.dst[i] = x < LO ? LO : x > HI ? HI : x;                                            \
      r.dst[i + n] = y < LO ? LO : y > HI ? HI : y;                                        \
    }                                                                                      \
    return r;                                                                              \
  }
WR_SIMD_NARROW(I8X16_NARROW_I16X8_S, 8, i16, i8, INT8_MIN, INT8_MAX)
WR_SIMD_NARROW(I8X16_NARROW_I16X8_U, 8, i16, u8, 0, UINT8_MAX)
#undef WR_SIMD_NARROW
/* 32 -> 16 bits: the bounds fit int64 comparisons. */
#define WR_SIMD_NARROW32(name, dst, LO, HI)                                                \
  WR_SIMD wr_simd_##name(wr_v128 a, wr_v128 b) {                                           \
    wr_v128 r;                                                                             \
    for (int i = 0; i < 4; i++) {                                                          \
      int64_t x = a.i32[i], y = b.i32[i];                                                  \
      r.dst[i] = x < LO ? LO : x > HI ? HI : x;                                            \
      r.dst[i + 4] = y < LO ? LO : y > HI ? HI : y;                                        \
    }                                                                                      \
    return r;                                                                              \
  }
WR_SIMD_NARROW32(I16X8_NARROW_I32X4_S, i16, INT16_MIN, INT16_MAX)
WR_SIMD_NARROW32(I16X8_NARROW_I32X4_U, u16, 0, UINT16_MAX)
#undef WR_SIMD_NARROW32

/* extend_low/high: lanes [off, off + n) of the narrow shape, widened. */
#define WR_SIMD_EXTEND(name, n, src, dst, off)                                             \
  WR_SIMD wr_simd_##name(wr_v128 a) {                                                      \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.dst[i] = a.src[i + off];                                 \
    return r;                                                                              \
  }
WR_SIMD_EXTEND(I16X8_EXTEND_LOW_I8X16_S, 8, i8, i16, 0)
WR_SIMD_EXTEND(I16X8_EXTEND_HIGH_I8X16_S, 8, i8, i16, 8)
WR_SIMD_EXTEND(I16X8_EXTEND_LOW_I8X16_U, 8, u8, u16, 0)
WR_SIMD_EXTEND(I16X8_EXTEND_HIGH_I8X16_U, 8, u8, u16, 8)
WR_SIMD_EXTEND(I32X4_EXTEND_LOW_I16X8_S, 4, i16, i32, 0)
WR_SIMD_EXTEND(I32X4_EXTEND_HIGH_I16X8_S, 4, i16, i32, 4)
WR_SIMD_EXTEND(I32X4_EXTEND_LOW_I16X8_U, 4, u16, u32, 0)
WR_SIMD_EXTEND(I32X4_EXTEND_HIGH_I16X8_U, 4, u16, u32, 4)
WR_SIMD_EXTEND(I64X2_EXTEND_LOW_I32X4_S, 2, i32, i64, 0)
WR_SIMD_EXTEND(I64X2_EXTEND_HIGH_I32X4_S, 2, i32, i64, 2)
WR_SIMD_EXTEND(I64X2_EXTEND_LOW_I32X4_U, 2, u32, u64, 0)
WR_SIMD_EXTEND(I64X2_EXTEND_HIGH_I32X4_U, 2, u32, u64, 2)
#undef WR_SIMD_EXTEND

#define WR_SIMD_EXTADD(name, n, src, dst, W)                                               \
  WR_SIMD wr_simd_##name(wr_v128 a) {                                                      \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.dst[i] = (W)((W)a.src[2 * i] + (W)a.src[2 * i + 1]);     \
    return r;                                                                              \
  }
WR_SIMD_EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_S, 8, i8, i16, int16_t)
WR_SIMD_EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_U, 8, u8, u16, uint16_t)
WR_SIMD_EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_S, 4, i16, i32, int32_t)
WR_SIMD_EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_U, 4, u16, u32, uint32_t)
#undef WR_SIMD_EXTADD

/* The product of two n-bit lanes always fits the 2n-bit lane; W is a type that holds
 * it without overflow in C (int for the 8-bit signed lanes, whose products are at
 * most 2^14; unsigned for the unsigned ones). */
#define WR_SIMD_EXTMUL(name, n, src, dst, W, off)                                          \
  WR_SIMD wr_simd_##name(wr_v128 a, wr_v128 b) {                                           \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.dst[i] = (W)a.src[i + off] * (W)b.src[i + off];          \
    return r;                                                                              \
  }
WR_SIMD_EXTMUL(I16X8_EXTMUL_LOW_I8X16_S, 8, i8, i16, int16_t, 0)
WR_SIMD_EXTMUL(I16X8_EXTMUL_HIGH_I8X16_S, 8, i8, i16, int16_t, 8)
WR_SIMD_EXTMUL(I16X8_EXTMUL_LOW_I8X16_U, 8, u8, u16, uint32_t, 0)
WR_SIMD_EXTMUL(I16X8_EXTMUL_HIGH_I8X16_U, 8, u8, u16, uint32_t, 8)
WR_SIMD_EXTMUL(I32X4_EXTMUL_LOW_I16X8_S, 4, i16, i32, int32_t, 0)
WR_SIMD_EXTMUL(I32X4_EXTMUL_HIGH_I16X8_S, 4, i16, i32, int32_t, 4)
WR_SIMD_EXTMUL(I32X4_EXTMUL_LOW_I16X8_U, 4, u16, u32, uint32_t, 0)
WR_SIMD_EXTMUL(I32X4_EXTMUL_HIGH_I16X8_U, 4, u16, u32, uint32_t, 4)
WR_SIMD_EXTMUL(I64X2_EXTMUL_LOW_I32X4_S, 2, i32, i64, int64_t, 0)
WR_SIMD_EXTMUL(I64X2_EXTMUL_HIGH_I32X4_S, 2, i32, i64, int64_t, 2)
WR_SIMD_EXTMUL(I64X2_EXTMUL_LOW_I32X4_U, 2, u32, u64, uint64_t, 0)
WR_SIMD_EXTMUL(I64X2_EXTMUL_HIGH_I32X4_U, 2, u32, u64, uint64_t, 2)
#undef WR_SIMD_EXTMUL

/* ---- floating point -------------------------------------------------------------- */

#define WR_SIMD_FLOAT(P, n, f, u, SIGN, fmin_, fmax_, sqrt_, ceil_, floor_, trunc_, near_)    \
  WR_SIMD wr_simd_##P##_ADD(wr_v128 a, wr_v128 b) { return (wr_v128){.f = a.f + b.f}; }    \
  WR_SIMD wr_simd_##P##_SUB(wr_v128 a, wr_v128 b) { return (wr_v128){.f = a.f - b.f}; }    \
  WR_SIMD wr_simd_##P##_MUL(wr_v128 a, wr_v128 b) { return (wr_v128){.f = a.f * b.f}; }    \
  WR_SIMD wr_simd_##P##_DIV(wr_v128 a, wr_v128 b) { return (wr_v128){.f = a.f / b.f}; }    \
  WR_SIMD wr_simd_##P##_ABS(wr_v128 a) { return (wr_v128){.u = a.u & ~SIGN}; }              \
  WR_SIMD wr_simd_##P##_NEG(wr_v128 a) { return (wr_v128){.u = a.u ^ SIGN}; }               \
  WR_SIMD wr_simd_##P##_MIN(wr_v128 a, wr_v128 b) {                                        \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = fmin_(a.f[i], b.f[i]);                            \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_MAX(wr_v128 a, wr_v128 b) {                                        \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = fmax_(a.f[i], b.f[i]);                            \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_PMIN(wr_v128 a, wr_v128 b) {                                       \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.u[i] = b.f[i] < a.f[i] ? b.u[i] : a.u[i];                \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_PMAX(wr_v128 a, wr_v128 b) {                                       \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.u[i] = a.f[i] < b.f[i] ? b.u[i] : a.u[i];                \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_SQRT(wr_v128 a) {                                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = sqrt_(a.f[i]);                                    \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_CEIL(wr_v128 a) {                                                  \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = ceil_(a.f[i]);                                    \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_FLOOR(wr_v128 a) {                                                 \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = floor_(a.f[i]);                                   \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_TRUNC(wr_v128 a) {                                                 \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = trunc_(a.f[i]);                                   \
    return r;                                                                              \
  }                                                                                        \
  WR_SIMD wr_simd_##P##_NEAREST(wr_v128 a) {                                               \
    wr_v128 r;                                                                             \
    for (int i = 0; i < n; i++) r.f[i] = near_(a.f[i]);                                    \
    return r;                                                                              \
  }
WR_SIMD_FLOAT(F32X4, 4, f32, u32, 0x80000000u, wr_fminf, wr_fmaxf, sqrtf, wr_ceilf, wr_floorf,
              wr_truncf, wr_rintf)
WR_SIMD_FLOAT(F64X2, 2, f64, u64, UINT64_C(0x8000000000000000), wr_fmin, wr_fmax, sqrt, wr_ceil,
              wr_floor, wr_trunc, wr_rint)
#undef WR_SIMD_FLOAT

/* Saturating truncation to 32-bit lanes: NaN -> 0, out of range -> the bound. */
static inline int32_t wr_simd_sat_s32(double x) {
  return isnan(x) ? 0 : x <= -2147483649.0 ? INT32_MIN : x >= 2147483648.0 ? INT32_MAX : (int32_t)x;
}
static inline uint32_t wr_simd_sat_u32(double x) {
  return isnan(x) ? 0 : x <= -1.0 ? 0 : x >= 4294967296.0 ? UINT32_MAX : (uint32_t)x;
}

WR_SIMD wr_simd_I32X4_TRUNC_SAT_F32X4_S(wr_v128 a) {
  wr_v128 r;
  for (int i = 0; i < 4; i++) r.i32[i] = wr_simd_sat_s32(a.f32[i]);
  return r;
}
WR_SIMD wr_simd_I32X4_TRUNC_SAT_F32X4_U(wr_v128 a) {
  wr_v128 r;
  for (int i = 0; i < 4; i++) r.u32[i] = wr_simd_sat_u32(a.f32[i]);
  return r;
}
WR_SIMD wr_simd_I32X4_TRUNC_SAT_F64X2_S_ZERO(wr_v128 a) {
  return (wr_v128){.i32 = {wr_simd_sat_s32(a.f64[0]), wr_simd_sat_s32(a.f64[1]), 0, 0}};
}
WR_SIMD wr_simd_I32X4_TRUNC_SAT_F64X2_U_ZERO(wr_v128 a) {
  return (wr_v128){.u32 = {wr_simd_sat_u32(a.f64[0]), wr_simd_sat_u32(a.f64[1]), 0, 0}};
}
WR_SIMD wr_simd_F32X4_CONVERT_I32X4_S(wr_v128 a) {
  wr_v128 r;
  for (int i = 0; i < 4; i++) r.f32[i] = (float)a.i32[i];
  return r;
}
WR_SIMD wr_simd_F32X4_CONVERT_I32X4_U(wr_v128 a) {
  wr_v128 r;
  for (int i = 0; i < 4; i++) r.f32[i] = (float)a.u32[i];
  return r;
}
WR_SIMD wr_simd_F64X2_CONVERT_LOW_I32X4_S(wr_v128 a) {
  return (wr_v128){.f64 = {(double)a.i32[0], (double)a.i32[1]}};
}
WR_SIMD wr_simd_F64X2_CONVERT_LOW_I32X4_U(wr_v128 a) {
  return (wr_v128){.f64 = {(double)a.u32[0], (double)a.u32[1]}};
}
WR_SIMD wr_simd_F32X4_DEMOTE_F64X2_ZERO(wr_v128 a) {
  return (wr_v128){.f32 = {(float)a.f64[0], (float)a.f64[1], 0.0f, 0.0f}};
}
WR_SIMD wr_simd_F64X2_PROMOTE_LOW_F32X4(wr_v128 a) {
  return (wr_v128){.f64 = {(double)a.f32[0], (double)a.f32[1]}};
}

#undef WR_SIMD
#undef WR_SIMD_S

#endif
