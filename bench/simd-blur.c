/* simd-blur.c: image processing, auto-vectorised -- a separable [1 2 1] blur of an
 * 8-bit grey image, blended back with the original and brightened with saturation,
 * repeated. Plain C loops the compiler vectorises: built with -msimd128 for wasm and
 * -msse4.1 natively, and as simd-blur-nosimd without them (run-bench.sh). */
#include <stdint.h>
#include <stdio.h>

#ifndef REPS
#define REPS 60
#endif
#define W 1024
#define H 512

static uint8_t orig[H][W], img[H][W], tmp[H][W];

static void hblur(uint8_t *restrict dst, const uint8_t *restrict src) {
  dst[0] = src[0];
  dst[W - 1] = src[W - 1];
  for (int x = 1; x < W - 1; x++) dst[x] = (uint8_t)((src[x - 1] + 2 * src[x] + src[x + 1] + 2) >> 2);
}

static void vblur(uint8_t *restrict dst, const uint8_t *restrict a, const uint8_t *restrict b,
                  const uint8_t *restrict c) {
  for (int x = 0; x < W; x++) dst[x] = (uint8_t)((a[x] + 2 * b[x] + c[x] + 2) >> 2);
}

/* (p + o + 1) / 2, then + add saturated at 255 */
static void blend(uint8_t *restrict p, const uint8_t *restrict o, int add) {
  for (int x = 0; x < W; x++) {
    int v = ((p[x] + o[x] + 1) >> 1) + add;
    p[x] = (uint8_t)(v > 255 ? 255 : v);
  }
}

int main(void) {
  unsigned s = 12345; /* LCG, fixed seed */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      s = s * 1103515245u + 12345u;
      orig[y][x] = img[y][x] = (uint8_t)(((x ^ y) & 0xC0) + (s >> 26));
    }
  for (int r = 0; r < REPS; r++) {
    for (int y = 0; y < H; y++) hblur(tmp[y], img[y]);
    for (int x = 0; x < W; x++) img[0][x] = tmp[0][x], img[H - 1][x] = tmp[H - 1][x];
    for (int y = 1; y < H - 1; y++) vblur(img[y], tmp[y - 1], tmp[y], tmp[y + 1]);
    for (int y = 0; y < H; y++) blend(img[y], orig[y], r & 3);
  }
  uint32_t sum = 0, hash = 2166136261u;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      sum += img[y][x];
      hash = (hash ^ img[y][x]) * 16777619u;
    }
  printf("simd-blur %u %08x\n", (unsigned)sum, (unsigned)hash);
  return 0;
}
