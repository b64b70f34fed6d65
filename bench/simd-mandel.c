/* simd-mandel.c: floating point, hand-vectorised -- Mandelbrot escape counts over a
 * grid, four pixels at a time with wasm_simd128.h (built with -msimd128), with the
 * same operations in SSE4.1 intrinsics natively (-msse4.1), and one pixel at a time
 * when built without either (simd-mandel-nosimd in run-bench.sh). Every variant does
 * the same float operations per pixel in the same order, so all print the same. */
#include <stdint.h>
#include <stdio.h>

#ifndef MAXIT
#define MAXIT 400
#endif
#define W 1024
#define H 1024
#define X0 -2.0f
#define Y0 -1.125f
#define DX (2.75f / W)
#define DY (2.25f / H)

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vf;
typedef v128_t vi;
#define F_LOAD(p) wasm_v128_load(p)
#define F_SPLAT(x) wasm_f32x4_splat(x)
#define F_ADD(a, b) wasm_f32x4_add(a, b)
#define F_SUB(a, b) wasm_f32x4_sub(a, b)
#define F_MUL(a, b) wasm_f32x4_mul(a, b)
#define F_LE(a, b) wasm_f32x4_le(a, b)
#define I_ZERO() wasm_i32x4_splat(0)
#define I_SUB(a, b) wasm_i32x4_sub(a, b)
#define I_AND(a, b) wasm_v128_and(a, b)
#define I_ANY(a) wasm_v128_any_true(a)
#define I_STORE(p, a) wasm_v128_store(p, a)
#define VECTOR 1
#elif defined(__SSE4_1__)
#include <smmintrin.h>
typedef __m128 vf;
typedef __m128i vi;
#define F_LOAD(p) _mm_loadu_ps(p)
#define F_SPLAT(x) _mm_set1_ps(x)
#define F_ADD(a, b) _mm_add_ps(a, b)
#define F_SUB(a, b) _mm_sub_ps(a, b)
#define F_MUL(a, b) _mm_mul_ps(a, b)
#define F_LE(a, b) _mm_castps_si128(_mm_cmple_ps(a, b))
#define I_ZERO() _mm_setzero_si128()
#define I_SUB(a, b) _mm_sub_epi32(a, b)
#define I_AND(a, b) _mm_and_si128(a, b)
#define I_ANY(a) (!_mm_testz_si128(a, a))
#define I_STORE(p, a) _mm_storeu_si128((__m128i *)(p), a)
#define VECTOR 1
#endif

static int32_t counts[H][W];

#ifdef VECTOR
static void row(int y) {
  vf ci = F_SPLAT(Y0 + (float)y * DY), four = F_SPLAT(4.0f);
  for (int x = 0; x < W; x += 4) {
    float c[4];
    for (int k = 0; k < 4; k++) c[k] = X0 + (float)(x + k) * DX;
    vf cr = F_LOAD(c), zr = F_SPLAT(0.0f), zi = F_SPLAT(0.0f);
    vi alive = F_LE(zr, zr), n = I_ZERO(); /* every lane alive, none counted */
    for (int it = 0; it < MAXIT; it++) {
      vf zr2 = F_MUL(zr, zr), zi2 = F_MUL(zi, zi);
      alive = I_AND(alive, F_LE(F_ADD(zr2, zi2), four));
      if (!I_ANY(alive)) break;
      n = I_SUB(n, alive);
      vf t = F_MUL(zr, zi);
      zi = F_ADD(F_ADD(t, t), ci);
      zr = F_ADD(F_SUB(zr2, zi2), cr);
    }
    I_STORE(&counts[y][x], n);
  }
}
#else
static void row(int y) {
  float ci = Y0 + (float)y * DY;
  for (int x = 0; x < W; x++) {
    float cr = X0 + (float)x * DX, zr = 0.0f, zi = 0.0f;
    int32_t n = 0;
    for (int it = 0; it < MAXIT; it++) {
      float zr2 = zr * zr, zi2 = zi * zi;
      if (!(zr2 + zi2 <= 4.0f)) break;
      n++;
      float t = zr * zi;
      zi = t + t + ci;
      zr = zr2 - zi2 + cr;
    }
    counts[y][x] = n;
  }
}
#endif

int main(void) {
  for (int y = 0; y < H; y++) row(y);
  uint64_t sum = 0;
  uint32_t hash = 2166136261u;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      sum += (uint32_t)counts[y][x];
      hash = (hash ^ (uint32_t)counts[y][x]) * 16777619u;
    }
  printf("simd-mandel %llu %08x\n", (unsigned long long)sum, (unsigned)hash);
  return 0;
}
