/* fib.c: call-heavy -- naive recursive Fibonacci, Ackermann and Takeuchi functions. */
#include <stdio.h>

#ifndef FIB_N
#define FIB_N 41
#endif
#ifndef ACK_REPS
#define ACK_REPS 2000
#endif
#ifndef TAK_X
#define TAK_X 30
#endif

static volatile int seed = 0; /* keeps the compiler from folding the calls */

__attribute__((noinline)) static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int ack(int m, int n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static int tak(int x, int y, int z) {
  return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

int main(void) {
  int s = seed;
  int f = fib(FIB_N + s);
  int a = 0;
  for (int k = 0; k < ACK_REPS; k++) a += ack(3 + s, 4 + k % 2); /* at most ~250 frames deep */
  int t = tak(TAK_X + s, 16 + s, 8 + s);
  printf("fib(%d) %d ack %d tak %d\n", FIB_N, f, a, t);
  return 0;
}
