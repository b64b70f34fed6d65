/* sort.c: memory-bound and branchy integer code -- quicksort and heap sort of 1M pseudo-random ints. */
#include <stdint.h>
#include <stdio.h>

#ifndef REPS
#define REPS 6
#endif
#define N (1 << 20)

static int32_t v[N], w[N];

static void quicksort(int32_t *a, long lo, long hi) {
  while (hi - lo > 16) {
    int32_t p = a[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { int32_t t = a[i]; a[i++] = a[j]; a[j--] = t; }
    }
    if (j - lo < hi - i) quicksort(a, lo, j), lo = i; /* recurse on the smaller half */
    else quicksort(a, i, hi), hi = j;
  }
  for (long i = lo + 1; i <= hi; i++) { /* insertion sort for short runs */
    int32_t x = a[i];
    long k = i - 1;
    while (k >= lo && a[k] > x) a[k + 1] = a[k], k--;
    a[k + 1] = x;
  }
}

static void sift(int32_t *a, long root, long n) {
  int32_t x = a[root];
  for (long c; (c = 2 * root + 1) < n; root = c) {
    if (c + 1 < n && a[c + 1] > a[c]) c++;
    if (a[c] <= x) break;
    a[root] = a[c];
  }
  a[root] = x;
}

static void heapsort(int32_t *a, long n) {
  for (long i = n / 2 - 1; i >= 0; i--) sift(a, i, n);
  for (long i = n - 1; i > 0; i--) {
    int32_t t = a[0]; a[0] = a[i]; a[i] = t;
    sift(a, 0, i);
  }
}

int main(void) {
  uint32_t x = 88172645u, sum = 0;
  for (int r = 0; r < REPS; r++) {
    for (long i = 0; i < N; i++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      v[i] = w[i] = (int32_t)(x % 1000000007u) - 500000000;
    }
    quicksort(v, 0, N - 1);
    if (r % 2 == 0) heapsort(w, N);
    for (long i = 0; i < N; i++) {
      if (i && v[i - 1] > v[i]) { printf("sort: not sorted\n"); return 1; }
      if (r % 2 == 0 && v[i] != w[i]) { printf("sort: heap sort differs\n"); return 1; }
      sum = sum * 31 + (uint32_t)v[i];
    }
  }
  printf("sort %08x\n", (unsigned)sum);
  return 0;
}
