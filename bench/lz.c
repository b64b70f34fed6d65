/* lz.c: compression kernel -- LZ77-style compressor (hash-chain-free, 4-byte hash) and decompressor over text-like data. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef REPS
#define REPS 100
#endif
#define SIZE (1 << 20)
#define HBITS 14

static uint8_t in[SIZE], out[SIZE + SIZE / 8 + 16], back[SIZE];
static uint32_t head[1 << HBITS];

static uint32_t hash4(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return (v * 2654435761u) >> (32 - HBITS);
}

/* Format: a control byte per 8 items; bit set = match (2 bytes offset-1, 1 byte length-4), clear = literal. */
static uint32_t compress(const uint8_t *src, uint32_t n, uint8_t *dst) {
  memset(head, 0xff, sizeof head);
  uint32_t i = 0, o = 0;
  while (i < n) {
    uint32_t ctl = o++;
    dst[ctl] = 0;
    for (int bit = 0; bit < 8 && i < n; bit++) {
      uint32_t len = 0, cand = UINT32_MAX;
      if (i + 4 <= n) {
        uint32_t h = hash4(src + i);
        cand = head[h];
        head[h] = i;
        if (cand != UINT32_MAX && i - cand <= 65536) {
          uint32_t max = n - i < 259 ? n - i : 259;
          while (len < max && src[cand + len] == src[i + len]) len++;
        }
      }
      if (len >= 4) {
        uint32_t off = i - cand - 1;
        dst[ctl] |= (uint8_t)(1u << bit);
        dst[o++] = (uint8_t)off, dst[o++] = (uint8_t)(off >> 8), dst[o++] = (uint8_t)(len - 4);
        for (uint32_t k = 1; k < len && i + k + 4 <= n; k += 2) head[hash4(src + i + k)] = i + k;
        i += len;
      } else {
        dst[o++] = src[i++];
      }
    }
  }
  return o;
}

static uint32_t decompress(const uint8_t *src, uint32_t n, uint8_t *dst) {
  uint32_t i = 0, o = 0;
  while (i < n) {
    uint8_t ctl = src[i++];
    for (int bit = 0; bit < 8 && i < n; bit++) {
      if (ctl >> bit & 1) {
        uint32_t off = (uint32_t)src[i] | (uint32_t)src[i + 1] << 8, len = src[i + 2] + 4u;
        i += 3;
        for (uint32_t k = 0; k < len; k++, o++) dst[o] = dst[o - off - 1];
      } else {
        dst[o++] = src[i++];
      }
    }
  }
  return o;
}

int main(void) {
  static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ",
                                "wasm ", "runtime ", "bytes ", "compress ", "\n", "and ", "of ", "a "};
  uint32_t x = 7, n = 0;
  while (n < SIZE) { /* pseudo-random words with some noise */
    x = x * 1664525u + 1013904223u;
    const char *w = words[x >> 28];
    size_t l = strlen(w);
    if (x & 0x100) in[n++ % SIZE] = (uint8_t)('A' + (x >> 9) % 26);
    for (size_t k = 0; k < l && n < SIZE; k++) in[n++] = (uint8_t)w[k];
  }
  uint32_t total = 0, sum = 0;
  for (int r = 0; r < REPS; r++) {
    in[(r * 7919u) % SIZE] ^= (uint8_t)r;
    uint32_t c = compress(in, SIZE, out);
    uint32_t d = decompress(out, c, back);
    if (d != SIZE || memcmp(in, back, SIZE) != 0) { printf("lz: round trip failed\n"); return 1; }
    total += c;
    for (uint32_t k = 0; k < c; k += 61) sum = sum * 33 + out[k];
  }
  printf("lz compressed %u bytes total, checksum %08x\n", (unsigned)total, (unsigned)sum);
  return 0;
}
