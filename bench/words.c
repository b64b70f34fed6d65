/* words.c: string processing -- word frequencies in a hash table and substring search over generated text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef REPS
#define REPS 100
#endif
#define SIZE (1 << 20)
#define TBITS 15

static char text[SIZE + 1];
static struct entry { const char *word; uint32_t len, count; } table[1 << TBITS];

static uint32_t hash(const char *s, uint32_t n) {
  uint32_t h = 5381;
  for (uint32_t i = 0; i < n; i++) h = h * 33 + (uint8_t)s[i];
  return h;
}

static uint32_t count_words(void) {
  memset(table, 0, sizeof table);
  uint32_t distinct = 0;
  for (const char *p = text; *p;) {
    while (*p == ' ' || *p == '\n') p++;
    const char *s = p;
    while (*p && *p != ' ' && *p != '\n') p++;
    uint32_t n = (uint32_t)(p - s);
    if (!n) continue;
    uint32_t i = hash(s, n) & ((1 << TBITS) - 1);
    while (table[i].word && !(table[i].len == n && memcmp(table[i].word, s, n) == 0))
      i = (i + 1) & ((1 << TBITS) - 1);
    if (!table[i].word) table[i].word = s, table[i].len = n, distinct++;
    table[i].count++;
  }
  return distinct;
}

/* Naive substring count, written out so that it is the program's own code, not libc's. */
static uint32_t count_substr(const char *hay, const char *needle) {
  uint32_t c = 0;
  size_t m = strlen(needle);
  for (const char *p = hay; *p; p++) {
    size_t k = 0;
    while (k < m && p[k] == needle[k]) k++;
    if (k == m) c++;
  }
  return c;
}

int main(void) {
  static const char syl[][4] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "an", "el", "or", "us", "ze", "qu", "ix", "pa"};
  uint32_t x = 99991, n = 0;
  while (n < SIZE - 16) { /* words of 1-3 syllables, from a skewed distribution */
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    int nsyl = 1 + (int)(x % 3);
    for (int k = 0; k < nsyl; k++) {
      uint32_t s = (x >> (4 + 4 * k)) & 15;
      if (s > 9 && (x & 0x8000)) s -= 8;
      text[n++] = syl[s][0], text[n++] = syl[s][1];
    }
    text[n++] = (x >> 20) % 11 == 0 ? '\n' : ' ';
  }
  text[n] = 0;
  uint32_t sum = 0, distinct = 0;
  static const char *needles[] = {"kalo", "ne ru", "zequ", "a\nk"};
  for (int r = 0; r < REPS; r++) {
    text[(r * 104729u) % n] = 'x';
    distinct = count_words();
    uint32_t best = 0;
    for (uint32_t i = 0; i < (1u << TBITS); i++)
      if (table[i].count > best) best = table[i].count;
    sum = sum * 31 + best + count_substr(text, needles[r % 4]);
  }
  printf("words distinct %u checksum %08x\n", (unsigned)distinct, (unsigned)sum);
  return 0;
}
