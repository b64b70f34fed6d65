/* interp.c: branch-heavy dispatch -- a small stack bytecode machine (switch dispatch) running a prime-counting loop. */
#include <stdint.h>
#include <stdio.h>

#ifndef LIMIT
#define LIMIT 150000
#endif

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, HALT };

/* Variables: 0 n, 1 i, 2 d, 3 count, 4 isprime, 5 sum. */
static int32_t code[128];
static int ncode;

static void emit(int32_t a) { code[ncode++] = a; }
static void emit2(int32_t op, int32_t arg) { emit(op), emit(arg); }

/* Builds: for (i = 2; i < n; i++) { p = 1; for (d = 2; d*d <= i; d++) if (i % d == 0) { p = 0; break; }
 *         if (p) { count++; sum = (sum * 31 + i) % 1000003; } } */
static void build(void) {
  emit2(PUSH, 2), emit2(STORE, 1);
  int top = ncode;
  emit2(LOAD, 1), emit2(LOAD, 0), emit(LT);
  emit(JZ); int exit_fix = ncode; emit(0);
  emit2(PUSH, 1), emit2(STORE, 4);
  emit2(PUSH, 2), emit2(STORE, 2);
  int inner = ncode;
  emit2(LOAD, 2), emit2(LOAD, 2), emit(MUL), emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit(LT);
  emit(JZ); int inner_exit = ncode; emit(0);
  emit2(LOAD, 1), emit2(LOAD, 2), emit(MOD);
  emit(JZ); int composite = ncode; emit(0);
  emit2(LOAD, 2), emit2(PUSH, 1), emit(ADD), emit2(STORE, 2);
  emit2(JMP, inner);
  code[composite] = ncode;
  emit2(PUSH, 0), emit2(STORE, 4);
  code[inner_exit] = ncode;
  emit2(LOAD, 4);
  emit(JZ); int skip = ncode; emit(0);
  emit2(LOAD, 3), emit2(PUSH, 1), emit(ADD), emit2(STORE, 3);
  emit2(LOAD, 5), emit2(PUSH, 31), emit(MUL), emit2(LOAD, 1), emit(ADD), emit2(PUSH, 1000003), emit(MOD),
      emit2(STORE, 5);
  code[skip] = ncode;
  emit2(LOAD, 1), emit2(PUSH, 1), emit(ADD), emit2(STORE, 1);
  emit2(JMP, top);
  code[exit_fix] = ncode;
  emit(HALT);
}

static long long run(const int32_t *pc0, int32_t *vars) {
  int32_t stack[64], *sp = stack;
  const int32_t *pc = pc0;
  long long steps = 0;
  for (;;) {
    steps++;
    switch (*pc++) {
    case PUSH: *sp++ = *pc++; break;
    case LOAD: *sp++ = vars[*pc++]; break;
    case STORE: vars[*pc++] = *--sp; break;
    case ADD: sp--, sp[-1] += sp[0]; break;
    case SUB: sp--, sp[-1] -= sp[0]; break;
    case MUL: sp--, sp[-1] *= sp[0]; break;
    case MOD: sp--, sp[-1] %= sp[0]; break;
    case LT: sp--, sp[-1] = sp[-1] < sp[0]; break;
    case JZ: { int32_t t = *pc++; if (*--sp == 0) pc = pc0 + t; break; }
    case JMP: pc = pc0 + *pc; break;
    case HALT: return steps;
    default: return -1;
    }
  }
}

int main(void) {
  build();
  int32_t vars[8] = {LIMIT, 0, 0, 0, 0, 0, 0, 0};
  long long steps = 0;
  for (int r = 0; r < 4; r++) {
    vars[0] = LIMIT + r;
    steps += run(code, vars);
  }
  printf("interp primes %d sum %d steps %lld\n", (int)vars[3], (int)vars[5], steps);
  return 0;
}
