/* crc32.c: integer and table lookups -- bytewise table-driven CRC-32 and FNV-1a over a 1 MiB buffer. */
#include <stdint.h>
#include <stdio.h>

#ifndef REPS
#define REPS 320
#endif
#define SIZE (1u << 20)

static uint8_t buf[SIZE];
static uint32_t table[256];

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc) {
  crc = ~crc;
  for (uint32_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n, uint32_t h) {
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t x = 2463534242u; /* xorshift32, fixed seed */
  for (uint32_t i = 0; i < SIZE; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  uint32_t crc = 0, h = 2166136261u;
  for (int r = 0; r < REPS; r++) {
    crc = crc32(buf, SIZE, crc);
    h = fnv1a(buf, SIZE, h);
    buf[r % SIZE] ^= (uint8_t)crc; /* each round sees different data */
  }
  printf("crc32 %08x fnv1a %08x\n", (unsigned)crc, (unsigned)h);
  return 0;
}
