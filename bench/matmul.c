/* matmul.c: floating point -- dense double matrix multiply as row-by-row dot products (B transposed), repeated. */
#include <stdio.h>

#ifndef REPS
#define REPS 48
#endif
#define N 256

static double a[N][N], bt[N][N], c[N][N]; /* bt is B transposed */

int main(void) {
  unsigned x = 12345; /* LCG, fixed seed */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      x = x * 1103515245u + 12345u;
      a[i][j] = (double)(x >> 16 & 0x7fff) / 32768.0 - 0.5;
      x = x * 1103515245u + 12345u;
      bt[j][i] = (double)(x >> 16 & 0x7fff) / 32768.0 - 0.5;
    }
  double sum = 0;
  for (int r = 0; r < REPS; r++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a[i][k] * bt[j][k];
        c[i][j] = s;
      }
    for (int i = 0; i < N; i++) {
      sum += c[i][(i + r) % N];
      a[i][r % N] = c[i][i] * 0.5; /* feed the result back */
    }
  }
  printf("matmul %.10e\n", sum);
  return 0;
}
