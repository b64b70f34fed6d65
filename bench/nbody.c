/* nbody.c: floating point with sqrt -- a 5-body gravitational simulation with a symplectic Euler step. */
#include <math.h>
#include <stdio.h>

#ifndef STEPS
#define STEPS 8000000
#endif
#define NB 5

struct body { double x, y, z, vx, vy, vz, m; };

static struct body b[NB];

static double energy(void) {
  double e = 0;
  for (int i = 0; i < NB; i++) {
    e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < NB; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static void step(double dt) {
  for (int i = 0; i < NB; i++)
    for (int j = i + 1; j < NB; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * sqrt(d2));
      b[i].vx -= dx * b[j].m * mag, b[i].vy -= dy * b[j].m * mag, b[i].vz -= dz * b[j].m * mag;
      b[j].vx += dx * b[i].m * mag, b[j].vy += dy * b[i].m * mag, b[j].vz += dz * b[i].m * mag;
    }
  for (int i = 0; i < NB; i++) b[i].x += dt * b[i].vx, b[i].y += dt * b[i].vy, b[i].z += dt * b[i].vz;
}

int main(void) {
  /* A heavy central body and four lighter ones on roughly circular orbits. */
  b[0] = (struct body){0, 0, 0, 0, 0, 0, 39.47};
  for (int i = 1; i < NB; i++) {
    double r = 1.0 + 0.8 * i, v = sqrt(39.47 / r);
    b[i] = (struct body){r, 0.1 * i, 0.05 * i, 0, v, 0.01 * i, 0.001 * i * i};
  }
  double e0 = energy();
  for (long s = 0; s < STEPS; s++) step(0.0001);
  printf("nbody energy %.9f -> %.9f x0 %.9f\n", e0, energy(), b[1].x);
  return 0;
}
