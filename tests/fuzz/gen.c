/* gen.c: builds a valid wasm module from the fuzzer's bytes (see gen.h).
 *
 * Our own generator rather than binaryen's `wasm-opt -ttf`: that is an external
 * process per input, far too slow for libFuzzer, and we want every module to end.
 *
 * Generation is type-directed: expr() leaves exactly one value of the asked type,
 * stmt() leaves the stack as it found it, so validity holds by construction. Calls
 * go only to earlier functions (no recursion, hence no mode-dependent stack depth).
 * Most loops count down a counter of their own; a fuel global checked at each
 * function entry and loop head bounds every run whatever the loops do.
 * Where the spec lets NaN bits differ between engines (arithmetic NaNs), values are
 * canonicalised before they can escape as bits (reinterpret, stores, copysign's
 * sign), so a difference between modes is always a bug.
 *
 * SIMD: v128 is a fifth value type (params, results, locals, globals, blocks), and
 * the 0xFD instructions are picked from a table expanded from opcodes.def, by result
 * type, so every row is reachable without a hand list. A v128 has no lane type that
 * could tell where its NaN bits may escape (any integer instruction reads them), so
 * NaNs are made exact where they arise instead: each float instruction whose NaN
 * results the spec leaves open (arithmetic, min/max, sqrt, rounding, demote,
 * promote) is followed by a lane-wise canonicalisation (bitselect of the value and a
 * fixed NaN by x == x), and f32/f64 scalars are canonicalised before splat and
 * replace_lane. Every v128 value is thus fully defined by the spec, and the harness
 * compares v128 results, globals and memory bit for bit. */
#include "gen.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/opcodes.h"

#define MAX_FUNCS 6
#define MAX_PARAMS 3
#define MAX_DECL_LOCALS 6
#define MAX_LOCALS (MAX_PARAMS + MAX_DECL_LOCALS + 3)
#define NCOUNTERS 4 /* i32 locals that count loop iterations, out of reach of local.set */
#define MAX_GLOBALS 6 /* the fuel global and up to 5 others */
#define MAX_DEPTH 6
#define FUNC_BUDGET 300 /* expressions and statements per function */
#define MAX_LABELS 64

enum { I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B };
#define NTYPES 5
static const uint8_t numtypes[NTYPES] = {I32, I64, F32, F64, V128};

uint8_t fz_u8(fz_src *s) {
  if (!s->n) return 0;
  s->n--;
  return *s->p++;
}

uint64_t fz_u64(fz_src *s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)fz_u8(s) << (8 * i);
  return v;
}

/* ---- byte buffers ----------------------------------------------------------------- */

typedef struct buf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} buf;

static void put(buf *b, uint8_t c) {
  if (b->len == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 256;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  b->p[b->len++] = c;
}

static void put_bytes(buf *b, const void *src, size_t n) {
  for (size_t i = 0; i < n; i++) put(b, ((const uint8_t *)src)[i]);
}

static void uleb(buf *b, uint64_t v) {
  do {
    uint8_t c = v & 0x7F;
    v >>= 7;
    put(b, c | (v ? 0x80 : 0));
  } while (v);
}

static void sleb(buf *b, int64_t v) {
  for (;;) {
    uint8_t c = v & 0x7F;
    v >>= 7; /* arithmetic shift on every compiler we build with */
    bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
    put(b, c | (done ? 0 : 0x80));
    if (done) return;
  }
}

/* A section: id, then the size of what `body` holds. */
static void section(buf *out, uint8_t id, buf *body) {
  put(out, id);
  uleb(out, body->len);
  put_bytes(out, body->p, body->len);
  if (body->oom) out->oom = true;
  free(body->p);
  memset(body, 0, sizeof *body);
}

/* ---- generator state ------------------------------------------------------------ */

typedef struct sig {
  uint8_t np, params[MAX_PARAMS];
  uint8_t nr, result; /* nr is 0 or 1 */
} sig;

typedef struct gen {
  fz_src *src;
  buf *c; /* the body being written */
  int nfuncs, cur;
  sig sigs[MAX_FUNCS];
  int nlocals; /* params and locals that expressions may read and write */
  int ndeclared; /* those and the scratch locals: canon()'s must stay out of reach, as
                  * canon_v128()'s holds the uncanonicalised vector */
  uint8_t locals[MAX_LOCALS];
  int counters; /* index of the first loop counter; NCOUNTERS follow */
  int loops;    /* loops open around the code being written */
  int loopctr[MAX_LABELS]; /* per open loop: its counter, or -1 */
  int tmp_f32, tmp_f64, tmp_v128; /* scratch locals of canon() and canon_v128() */
  int nglobals;
  uint8_t gtype[MAX_GLOBALS];
  bool gmut[MAX_GLOBALS];
  uint8_t labels[MAX_LABELS]; /* per label: the type a branch to it carries, or 0 */
  int nlabels;
  int budget, depth;
} gen;

/* A choice among n: 0 (the simplest) once the input or the budget is used up. */
static int choose(gen *g, int n) {
  if (g->budget <= 0 || n <= 1) return 0;
  return fz_u8(g->src) % n;
}

static uint8_t any_type(gen *g) { return numtypes[choose(g, NTYPES)]; }
static uint8_t scalar_type(gen *g) { return numtypes[choose(g, 4)]; }

static void op(gen *g, uint8_t o) { put(g->c, o); }

static void expr(gen *g, uint8_t t);
static void stmts(gen *g);

/* Values that sit on the edges of what the instructions do. */
static const uint64_t int_edges[] = {0, 1, 2, 7, 31, 32, 63, 64, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000,
                                     0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
                                     0x7FFFFFFFFFFFFFFF, 0x8000000000000000, UINT64_MAX};
static const double float_edges[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5,
                                     2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0,
                                     4294967295.0, 4294967296.0, 9223372036854775807.0,
                                     -9223372036854775808.0, 18446744073709551616.0, 1e-310,
                                     3.4028234663852886e38, __builtin_inf(), -__builtin_inf(),
                                     __builtin_nan("")};

static uint64_t const_bits(gen *g, uint8_t t) {
  int k = choose(g, 3);
  uint64_t raw = k == 2 ? fz_u64(g->src) : 0;
  if (t == I32 || t == I64) {
    if (k == 2) return raw;
    uint64_t v = int_edges[fz_u8(g->src) % (sizeof int_edges / sizeof int_edges[0])];
    return k == 1 ? -v : v;
  }
  double d = k == 2 ? 0 : float_edges[fz_u8(g->src) % (sizeof float_edges / sizeof float_edges[0])];
  if (t == F32) {
    float f = (float)d;
    uint32_t b;
    memcpy(&b, &f, 4);
    return k == 2 ? (uint32_t)raw : b;
  }
  uint64_t b;
  memcpy(&b, &d, 8);
  return k == 2 ? raw : b;
}

static void konst_in(buf *c, uint8_t t, uint64_t bits) {
  switch (t) {
  case I32: put(c, 0x41); sleb(c, (int32_t)bits); break;
  case I64: put(c, 0x42); sleb(c, (int64_t)bits); break;
  case F32: {
    uint32_t b = (uint32_t)bits;
    put(c, 0x43);
    put_bytes(c, &b, 4);
    break;
  }
  default: put(c, 0x44); put_bytes(c, &bits, 8); break;
  }
}

/* Lane values for v128 constants: besides the scalar edges, NaNs of either sign,
 * quiet and signalling, with payloads, subnormals and the largest finite values. */
static const uint32_t f32_lane_edges[] = {0x7FC00000, 0xFFC00000, 0x7FA00000, 0xFF800001, 0x7FC00001,
                                          0x7F800000, 0xFF800000, 0x80000000, 0x00000001, 0x807FFFFF,
                                          0x7F7FFFFF, 0xFF7FFFFF, 0x4F000000, 0xCF000000, 0x4F800000,
                                          0x3F000000, 0xBEFFFFFF, 0x4B000001, 0x5F000000};
static const uint64_t f64_lane_edges[] = {
    0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000000, 0xFFF0000000000001,
    0x7FF8000000000001, 0x7FF0000000000000, 0xFFF0000000000000, 0x8000000000000000,
    0x0000000000000001, 0x800FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF,
    0x41E0000000000000, 0xC1E0000000000000, 0x41EFFFFFFFE00000, 0x41F0000000000000,
    0xC1E0000000200000, 0x4330000000000001, 0x47EFFFFFE0000000, 0x47EFFFFFF0000000};

/* One lane of `size` bytes (1, 2, 4, 8) for a v128 constant, as an integer, a
 * float (f32 or f64 by size, only for 4 and 8) or raw bits. */
static uint64_t lane_bits(gen *g, int size, int kind) {
  uint64_t v;
  switch (kind) {
  case 0: v = const_bits(g, size == 8 ? I64 : I32); break;
  case 1:
    if (size == 4) {
      v = choose(g, 2) ? f32_lane_edges[fz_u8(g->src) % (sizeof f32_lane_edges / sizeof f32_lane_edges[0])]
                       : const_bits(g, F32);
    } else {
      v = choose(g, 2) ? f64_lane_edges[fz_u8(g->src) % (sizeof f64_lane_edges / sizeof f64_lane_edges[0])]
                       : const_bits(g, F64);
    }
    break;
  default: v = fz_u64(g->src); break;
  }
  return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* 16 bytes of a v128 constant: zero; lanes of one shape, integers or floats (each
 * lane its own or all the same: a splat); or raw bytes. */
static void v128_bytes(gen *g, uint8_t out[16]) {
  memset(out, 0, 16);
  int k = choose(g, 6);
  if (k == 0) return;
  if (k == 5) {
    for (int i = 0; i < 16; i++) out[i] = fz_u8(g->src);
    return;
  }
  /* k 1, 2: integer lanes of 1..8 bytes; 3, 4: f32 or f64 lanes */
  int size = k <= 2 ? 1 << choose(g, 4) : k == 3 ? 4 : 8;
  int kind = k <= 2 ? 0 : 1;
  bool splat = k == 2 || choose(g, 3) == 2;
  uint64_t v = lane_bits(g, size, kind);
  for (int off = 0; off < 16; off += size) {
    if (!splat && off) v = lane_bits(g, size, kind);
    memcpy(out + off, &v, size); /* little-endian, as wasm */
  }
}

static void v128_const_in(buf *c, const uint8_t bytes[16]) {
  put(c, 0xFD), uleb(c, WR_OP_V128_CONST);
  put_bytes(c, bytes, 16);
}

static void konst(gen *g, uint8_t t) {
  if (t == V128) {
    uint8_t b[16];
    v128_bytes(g, b);
    v128_const_in(g->c, b);
    return;
  }
  konst_in(g->c, t, const_bits(g, t));
}

static void i32c(gen *g, int32_t v) {
  op(g, 0x41);
  sleb(g->c, v);
}

/* Replaces a float NaN on top of the stack by one fixed NaN. */
static void canon(gen *g, uint8_t t) {
  if (t != F32 && t != F64) return;
  int tmp = t == F32 ? g->tmp_f32 : g->tmp_f64;
  op(g, 0x21), uleb(g->c, tmp);
  konst_in(g->c, t, t == F32 ? 0x7FC00000 : 0x7FF8000000000000);
  op(g, 0x20), uleb(g->c, tmp);
  op(g, 0x20), uleb(g->c, tmp);
  op(g, 0x20), uleb(g->c, tmp);
  op(g, t == F32 ? 0x5C : 0x62); /* ne: true only for NaN */
  op(g, 0x1B);                   /* select: the fixed NaN when x != x */
}

/* One unit of fuel, or the trap "unreachable" when there is none left. */
static void fuel_check(gen *g) {
  static const uint8_t code[] = {0x23, FZ_FUEL_GLOBAL, 0x45, 0x04, 0x40, 0x00, 0x0B,
                                 0x23, FZ_FUEL_GLOBAL, 0x41, 0x01, 0x6B, 0x24, FZ_FUEL_GLOBAL};
  put_bytes(g->c, code, sizeof code);
}

static int pick_local(gen *g, uint8_t t) {
  int cand[MAX_LOCALS], n = 0;
  for (int i = 0; i < g->nlocals; i++)
    if (g->locals[i] == t) cand[n++] = i;
  return n ? cand[choose(g, n)] : -1;
}

/* An address: mostly masked into a small region, so stores and loads meet and
 * stay in bounds; sometimes anything, to reach the out-of-bounds trap; sometimes
 * within 32 bytes below the memory's end, where wide accesses straddle it. */
static void address(gen *g) {
  int k = choose(g, 18);
  if (k >= 16) {
    op(g, 0x3F), op(g, 0x00); /* memory.size */
    i32c(g, 16), op(g, 0x74); /* i32.shl: in bytes */
    expr(g, I32);
    i32c(g, 31), op(g, 0x71);
    op(g, 0x6B); /* i32.sub */
    return;
  }
  expr(g, I32);
  if (k < 10) i32c(g, 0xFF), op(g, 0x71);
  else if (k < 13) i32c(g, 0xFFFF), op(g, 0x71);
  else if (k < 15) i32c(g, 0x3FFFF), op(g, 0x71);
}

static void memarg(gen *g, int max_align) {
  uleb(g->c, choose(g, max_align + 1));
  uleb(g->c, choose(g, 32) == 31 ? (uint32_t)fz_u64(g->src) : choose(g, 64));
}

/* ---- SIMD ------------------------------------------------------------------------- */

/* The 0xFD rows of opcodes.def: immediates, operand and result types. */
#define T__ 0
#define T_X 0
#define T_I32 I32
#define T_I64 I64
#define T_F32 F32
#define T_F64 F64
#define T_V128 V128

typedef struct simd_row {
  const char *text;
  uint16_t prefix;
  uint8_t code, imm, align, lanes;
  uint8_t in[3], out;
} simd_row;

static const simd_row all_rows[] = {
#define OP(name, text, prefix, code, imm, align, lanes, p1, p2, p3, r) \
  {text, prefix, code, WR_IMM_##imm, align, lanes, {T_##p1, T_##p2, T_##p3}, T_##r},
#include "wasm/opcodes.def"
#undef OP
};
#define NROWS (sizeof all_rows / sizeof all_rows[0])

/* SIMD rows by what they do: computing a value of each type (no memory access),
 * loads (memarg, result v128), stores (no result); and per row the shape whose
 * lanes need canonicalising after it (4: f32x4, 2: f64x2, 0: none). */
static struct {
  bool ready;
  uint16_t by_type[NTYPES][256];
  int nby_type[NTYPES];
  uint16_t loads[32], stores[8], tests[16];
  int nloads, nstores, ntests;
  uint8_t canon[NROWS];
} simd;

static int type_index(uint8_t t) {
  for (int i = 0; i < NTYPES; i++)
    if (numtypes[i] == t) return i;
  return -1;
}

/* Float instructions whose NaN results the spec leaves open (nans_N{...}); abs,
 * neg, pmin, pmax, splats, lane moves, comparisons and int-to-float conversions
 * are exact. */
static uint8_t canon_shape(const char *text) {
  static const char *const ops[] = {"add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor",
                                    "trunc", "nearest", "demote_f64x2_zero", "promote_low_f32x4"};
  int shape = !strncmp(text, "f32x4.", 6) ? 4 : !strncmp(text, "f64x2.", 6) ? 2 : 0;
  if (!shape) return 0;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (!strcmp(text + 6, ops[i])) return shape;
  return 0;
}

static void simd_init(void) {
  if (simd.ready) return;
  for (size_t i = 0; i < NROWS; i++) {
    const simd_row *r = &all_rows[i];
    if (r->prefix != 0xFD) continue;
    simd.canon[i] = canon_shape(r->text);
    if (r->imm == WR_IMM_MEMARG || r->imm == WR_IMM_MEMARG_LANE) {
      if (r->out) simd.loads[simd.nloads++] = i;
      else simd.stores[simd.nstores++] = i;
      continue;
    }
    int ti = type_index(r->out);
    simd.by_type[ti][simd.nby_type[ti]++] = i;
    if (r->out == I32 && r->in[0] == V128 && r->imm == WR_IMM_NONE) simd.tests[simd.ntests++] = i;
  }
  simd.ready = true;
}

/* Replaces each NaN lane of the v128 on top of the stack by one fixed NaN:
 * bitselect(x, NaNs, x == x) keeps x's lanes that equal themselves. */
static void canon_v128(gen *g, int shape) {
  uint8_t nan[16];
  for (int off = 0; off < 16; off += 16 / shape) {
    if (shape == 4) memcpy(nan + off, &(uint32_t){0x7FC00000}, 4);
    else memcpy(nan + off, &(uint64_t){0x7FF8000000000000}, 8);
  }
  op(g, 0x21), uleb(g->c, g->tmp_v128);
  op(g, 0x20), uleb(g->c, g->tmp_v128);
  v128_const_in(g->c, nan);
  op(g, 0x20), uleb(g->c, g->tmp_v128);
  op(g, 0x20), uleb(g->c, g->tmp_v128);
  op(g, 0xFD), uleb(g->c, shape == 4 ? WR_OP_F32X4_EQ : WR_OP_F64X2_EQ);
  op(g, 0xFD), uleb(g->c, WR_OP_V128_BITSELECT);
}

/* The row's instruction after its operands, then its immediates. */
static void simd_emit(gen *g, int row) {
  const simd_row *r = &all_rows[row];
  bool mem = r->imm == WR_IMM_MEMARG || r->imm == WR_IMM_MEMARG_LANE;
  for (int i = 0; i < 3 && r->in[i]; i++) {
    if (mem && i == 0) {
      address(g);
      continue;
    }
    expr(g, r->in[i]);
    canon(g, r->in[i]); /* a scalar float's NaN bits would enter the vector */
  }
  op(g, 0xFD);
  uleb(g->c, r->code);
  switch (r->imm) {
  case WR_IMM_MEMARG: memarg(g, r->align); break;
  case WR_IMM_MEMARG_LANE: memarg(g, r->align), put(g->c, choose(g, r->lanes)); break;
  case WR_IMM_LANE: put(g->c, choose(g, r->lanes)); break;
  case WR_IMM_SHUFFLE: {
    int k = choose(g, 4); /* identity, one operand only, any lanes */
    for (int i = 0; i < 16; i++) put(g->c, k == 0 ? i : k == 1 ? fz_u8(g->src) % 16 : fz_u8(g->src) % 32);
    break;
  }
  case WR_IMM_V128: {
    uint8_t b[16];
    v128_bytes(g, b);
    put_bytes(g->c, b, 16);
    break;
  }
  default: break;
  }
  if (simd.canon[row]) canon_v128(g, simd.canon[row]);
}

/* A SIMD instruction (no memory access) leaving a value of type t. */
static void simd_expr(gen *g, uint8_t t) {
  int ti = type_index(t);
  simd_emit(g, simd.by_type[ti][choose(g, simd.nby_type[ti])]);
}

/* An i32 condition: usually any i32, sometimes a v128 test (any_true, all_true,
 * bitmask). */
static void cond(gen *g) {
  if (choose(g, 4) == 3) simd_emit(g, simd.tests[choose(g, simd.ntests)]);
  else expr(g, I32);
}

static void load(gen *g, uint8_t t) {
  static const uint8_t i32ops[] = {0x28, 0x2C, 0x2D, 0x2E, 0x2F}, i32al[] = {2, 0, 0, 1, 1};
  static const uint8_t i64ops[] = {0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35}, i64al[] = {3, 0, 0, 1, 1, 2, 2};
  if (t == V128) {
    simd_emit(g, simd.loads[choose(g, simd.nloads)]);
    return;
  }
  address(g);
  int k;
  switch (t) {
  case I32: k = choose(g, 5), op(g, i32ops[k]), memarg(g, i32al[k]); break;
  case I64: k = choose(g, 7), op(g, i64ops[k]), memarg(g, i64al[k]); break;
  case F32: op(g, 0x2A), memarg(g, 2); break;
  default: op(g, 0x2B), memarg(g, 3); break;
  }
}

static void store(gen *g) {
  uint8_t t = any_type(g);
  if (t == V128) {
    simd_emit(g, simd.stores[choose(g, simd.nstores)]);
    return;
  }
  address(g);
  expr(g, t);
  canon(g, t);
  int k;
  switch (t) {
  case I32: {
    static const uint8_t ops[] = {0x36, 0x3A, 0x3B}, al[] = {2, 0, 1};
    k = choose(g, 3), op(g, ops[k]), memarg(g, al[k]);
    break;
  }
  case I64: {
    static const uint8_t ops[] = {0x37, 0x3C, 0x3D, 0x3E}, al[] = {3, 0, 1, 2};
    k = choose(g, 4), op(g, ops[k]), memarg(g, al[k]);
    break;
  }
  case F32: op(g, 0x38), memarg(g, 2); break;
  default: op(g, 0x39), memarg(g, 3); break;
  }
}

static void binop(gen *g, uint8_t t) {
  expr(g, t);
  expr(g, t);
  int k;
  switch (t) {
  case I32: op(g, 0x6A + choose(g, 15)); break;
  case I64: op(g, 0x7C + choose(g, 15)); break;
  default:
    k = choose(g, 7);
    if (k == 6) canon(g, t); /* copysign takes the sign of its second operand's bits */
    op(g, (t == F32 ? 0x92 : 0xA0) + k);
    break;
  }
}

static void unop(gen *g, uint8_t t) {
  expr(g, t);
  int k;
  switch (t) {
  case I32:
    k = choose(g, 6);
    op(g, k < 3 ? 0x67 + k : k < 5 ? 0xC0 + (k - 3) : 0x45);
    break;
  case I64: k = choose(g, 6), op(g, k < 3 ? 0x79 + k : 0xC2 + (k - 3)); break;
  case F32: op(g, 0x8B + choose(g, 7)); break;
  default: op(g, 0x99 + choose(g, 7)); break;
  }
}

/* An i32 from a comparison of any type. */
static void compare(gen *g) {
  uint8_t t = scalar_type(g);
  expr(g, t);
  if (t == I64 && choose(g, 8) == 0) {
    op(g, 0x50); /* i64.eqz */
    return;
  }
  expr(g, t);
  switch (t) {
  case I32: op(g, 0x46 + choose(g, 10)); break;
  case I64: op(g, 0x51 + choose(g, 10)); break;
  case F32: op(g, 0x5B + choose(g, 6)); break;
  default: op(g, 0x61 + choose(g, 6)); break;
  }
}

typedef struct conv {
  uint8_t to, from, prefix, code;
} conv;

static const conv convs[] = {
    {I32, I64, 0, 0xA7}, {I32, F32, 0, 0xA8}, {I32, F32, 0, 0xA9}, {I32, F64, 0, 0xAA},
    {I32, F64, 0, 0xAB}, {I32, F32, 0, 0xBC}, {I32, F32, 0xFC, 0}, {I32, F32, 0xFC, 1},
    {I32, F64, 0xFC, 2}, {I32, F64, 0xFC, 3}, {I64, I32, 0, 0xAC}, {I64, I32, 0, 0xAD},
    {I64, F32, 0, 0xAE}, {I64, F32, 0, 0xAF}, {I64, F64, 0, 0xB0}, {I64, F64, 0, 0xB1},
    {I64, F64, 0, 0xBD}, {I64, F32, 0xFC, 4}, {I64, F32, 0xFC, 5}, {I64, F64, 0xFC, 6},
    {I64, F64, 0xFC, 7}, {F32, I32, 0, 0xB2}, {F32, I32, 0, 0xB3}, {F32, I64, 0, 0xB4},
    {F32, I64, 0, 0xB5}, {F32, F64, 0, 0xB6}, {F32, I32, 0, 0xBE}, {F64, I32, 0, 0xB7},
    {F64, I32, 0, 0xB8}, {F64, I64, 0, 0xB9}, {F64, I64, 0, 0xBA}, {F64, F32, 0, 0xBB},
    {F64, I64, 0, 0xBF},
};

static void convert(gen *g, uint8_t t) {
  const conv *cand[16];
  int n = 0;
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
    if (convs[i].to == t) cand[n++] = &convs[i];
  const conv *c = cand[choose(g, n)];
  expr(g, c->from);
  if (c->code == 0xBC || c->code == 0xBD) canon(g, c->from); /* reinterpret exposes NaN bits */
  if (c->prefix) {
    op(g, c->prefix);
    uleb(g->c, c->code);
  } else {
    op(g, c->code);
  }
}

static void args(gen *g, const sig *s) {
  for (int i = 0; i < s->np; i++) expr(g, s->params[i]);
}

/* A call to an earlier function with result t (or any, when t is 0); false if none. */
static bool call(gen *g, uint8_t t) {
  int cand[MAX_FUNCS], n = 0;
  for (int i = 0; i < g->cur; i++)
    if (t ? g->sigs[i].nr && g->sigs[i].result == t : true) cand[n++] = i;
  if (!n) return false;
  int f = cand[choose(g, n)];
  args(g, &g->sigs[f]);
  op(g, 0x10);
  uleb(g->c, f);
  if (!t && g->sigs[f].nr) op(g, 0x1A);
  return true;
}

/* call_indirect through the table (element i = function i, then two nulls): to an
 * earlier function, often the one whose type is used (a match), else to any
 * earlier one (likely a type mismatch), or past them (null or out of bounds). */
static void call_indirect(gen *g, uint8_t t) {
  int cand[MAX_FUNCS], n = 0;
  for (int i = 0; i < g->nfuncs; i++)
    if (t ? g->sigs[i].nr && g->sigs[i].result == t : true) cand[n++] = i;
  if (!n) {
    konst(g, t);
    return;
  }
  int ty = cand[choose(g, n)];
  args(g, &g->sigs[ty]);
  int k = g->cur ? choose(g, 8) : 7;
  if (k <= 3 && ty < g->cur) {
    i32c(g, ty);
  } else if (k <= 6) {
    expr(g, I32);
    i32c(g, g->cur ? g->cur : 1);
    op(g, 0x70); /* i32.rem_u: an index below the caller's */
  } else {
    expr(g, I32);
    i32c(g, 3), op(g, 0x71);
    i32c(g, g->nfuncs), op(g, 0x6A);
  }
  op(g, 0x11);
  uleb(g->c, ty);
  op(g, 0x00);
  if (!t && g->sigs[ty].nr) op(g, 0x1A);
}

static void push_label(gen *g, uint8_t t) { g->labels[g->nlabels++] = t; }

/* A loop usually runs a few times by a counter of its own (set before it, counted
 * down at its end); deeper loops, and some others, continue on any condition and
 * end by running out of fuel. bt is the block type (0x40: none); loop_close()
 * writes the loop's value of type t (0: none). */
static void loop_open(gen *g, uint8_t bt) {
  int ctr = g->loops < NCOUNTERS && choose(g, 4) != 3 ? g->counters + g->loops : -1;
  if (ctr >= 0) i32c(g, 1 + choose(g, 6)), op(g, 0x21), uleb(g->c, ctr);
  op(g, 0x03), op(g, bt);
  push_label(g, 0);
  g->loopctr[g->loops++] = ctr;
  fuel_check(g);
}

static void loop_close(gen *g, uint8_t t) {
  int ctr = g->loopctr[--g->loops];
  if (ctr >= 0) {
    op(g, 0x20), uleb(g->c, ctr);
    i32c(g, 1), op(g, 0x6B);
    op(g, 0x22), uleb(g->c, ctr);
    op(g, 0x0D), uleb(g->c, 0);
  } else if (choose(g, 2)) {
    cond(g), op(g, 0x0D), uleb(g->c, 0);
  }
  if (t) expr(g, t); /* the loop's value, after its last chance to continue */
  g->nlabels--;
  op(g, 0x0B);
}

static void expr(gen *g, uint8_t t) {
  g->budget--;
  bool leaf = g->depth >= MAX_DEPTH || g->budget <= 0 || g->nlabels >= MAX_LABELS - 1;
  int k = leaf ? choose(g, 3) : choose(g, 18);
  int l;
  g->depth++;
  switch (k) {
  case 0: konst(g, t); break;
  case 1:
    if ((l = pick_local(g, t)) < 0) konst(g, t);
    else op(g, 0x20), uleb(g->c, l);
    break;
  case 2: {
    int cand[MAX_GLOBALS], n = 0;
    for (int i = 1; i < g->nglobals; i++)
      if (g->gtype[i] == t) cand[n++] = i;
    if (n) op(g, 0x23), uleb(g->c, cand[choose(g, n)]);
    else konst(g, t);
    break;
  }
  case 3:
  case 4:
    if (t == V128) simd_expr(g, t);
    else binop(g, t);
    break;
  case 5:
    if (t == V128) simd_expr(g, t);
    else unop(g, t);
    break;
  case 6:
    if (t == V128) simd_expr(g, t);
    else if (t == I32) compare(g);
    else convert(g, t);
    break;
  case 7:
    if (t == V128 || choose(g, 3) == 2) simd_expr(g, t);
    else convert(g, t);
    break;
  case 8: load(g, t); break;
  case 9:
    expr(g, t), expr(g, t), cond(g);
    if (choose(g, 2)) op(g, 0x1C), uleb(g->c, 1), op(g, t);
    else op(g, 0x1B);
    break;
  case 10:
    if (!call(g, t)) konst(g, t);
    break;
  case 11: call_indirect(g, t); break;
  case 12: /* block (result t) */
    op(g, 0x02), op(g, t);
    push_label(g, t);
    stmts(g);
    expr(g, t);
    g->nlabels--;
    op(g, 0x0B);
    break;
  case 13: /* if (result t) */
    cond(g);
    op(g, 0x04), op(g, t);
    push_label(g, t);
    stmts(g);
    expr(g, t);
    op(g, 0x05);
    stmts(g);
    expr(g, t);
    g->nlabels--;
    op(g, 0x0B);
    break;
  case 14: /* loop (result t): branches to it carry nothing */
    loop_open(g, t);
    stmts(g);
    loop_close(g, t);
    break;
  case 15:
    if ((l = pick_local(g, t)) < 0) {
      konst(g, t);
    } else {
      expr(g, t);
      op(g, 0x22), uleb(g->c, l);
    }
    break;
  case 16:
    if (t != I32) {
      konst(g, t);
    } else if (choose(g, 2)) {
      op(g, 0x3F), op(g, 0x00); /* memory.size */
    } else {
      expr(g, I32);
      if (choose(g, 4)) i32c(g, 3), op(g, 0x71);
      op(g, 0x40), op(g, 0x00); /* memory.grow */
    }
    break;
  default:
    if (choose(g, 16) == 15) op(g, 0x00); /* unreachable fits any type */
    else konst(g, t);
    break;
  }
  g->depth--;
}

/* A branch target: the relative depth of a random enclosing label. */
static int pick_label(gen *g) { return choose(g, g->nlabels); }
static uint8_t label_type(gen *g, int rel) { return g->labels[g->nlabels - 1 - rel]; }

static void br_value(gen *g, uint8_t t) {
  if (t) expr(g, t);
}

static void bulk(gen *g) {
  switch (choose(g, 4)) {
  case 0: /* memory.fill */
    address(g), expr(g, I32), expr(g, I32);
    if (choose(g, 4)) i32c(g, 0xFF), op(g, 0x71);
    op(g, 0xFC), uleb(g->c, 11), op(g, 0x00);
    break;
  case 1: /* memory.copy */
    address(g), address(g), expr(g, I32);
    if (choose(g, 4)) i32c(g, 0xFF), op(g, 0x71);
    op(g, 0xFC), uleb(g->c, 10), op(g, 0x00), op(g, 0x00);
    break;
  case 2: /* memory.init from the passive segment 1 */
    address(g), expr(g, I32);
    if (choose(g, 4)) i32c(g, 15), op(g, 0x71);
    expr(g, I32);
    if (choose(g, 4)) i32c(g, 15), op(g, 0x71);
    op(g, 0xFC), uleb(g->c, 8), uleb(g->c, 1), op(g, 0x00);
    break;
  default: /* data.drop of either segment */
    op(g, 0xFC), uleb(g->c, 9), uleb(g->c, choose(g, 2));
    break;
  }
}

/* Statement kinds (the cases of stmt()), weighted: branches out of a block and
 * returns cut off what follows them, so they are rarer than the statements whose
 * effects stay visible (local, global and memory writes). */
static const uint8_t stmt_kinds[] = {1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8,
                                     9, 10, 11, 12, 13, 14, 14, 15};

static void stmt(gen *g) {
  g->budget--;
  bool leaf = g->depth >= MAX_DEPTH || g->budget <= 0 || g->nlabels >= MAX_LABELS - 1;
  int k = leaf ? choose(g, 3) : stmt_kinds[choose(g, sizeof stmt_kinds)];
  int l, rel;
  uint8_t t;
  g->depth++;
  switch (k) {
  case 0: op(g, 0x01); break; /* nop */
  case 1:
    l = choose(g, g->nlocals);
    expr(g, g->locals[l]);
    op(g, 0x21), uleb(g->c, l);
    break;
  case 2:
    if (g->nglobals > 1 && g->gmut[l = 1 + choose(g, g->nglobals - 1)]) {
      expr(g, g->gtype[l]);
      op(g, 0x24), uleb(g->c, l);
    } else {
      op(g, 0x01);
    }
    break;
  case 3:
  case 4: store(g); break;
  case 5: expr(g, any_type(g)), op(g, 0x1A); break;
  case 6:
    cond(g);
    op(g, 0x04), op(g, 0x40);
    push_label(g, 0);
    stmts(g);
    if (choose(g, 2)) op(g, 0x05), stmts(g);
    g->nlabels--;
    op(g, 0x0B);
    break;
  case 7:
    op(g, 0x02), op(g, 0x40);
    push_label(g, 0);
    stmts(g);
    g->nlabels--;
    op(g, 0x0B);
    break;
  case 8:
    loop_open(g, 0x40);
    stmts(g);
    loop_close(g, 0);
    break;
  case 9: /* br: what follows is unreachable but still well typed */
    rel = pick_label(g);
    br_value(g, label_type(g, rel));
    op(g, 0x0C), uleb(g->c, rel);
    break;
  case 10:
  case 11:
    rel = pick_label(g);
    t = label_type(g, rel);
    br_value(g, t);
    cond(g);
    op(g, 0x0D), uleb(g->c, rel);
    if (t) op(g, 0x1A);
    break;
  case 12: { /* br_table over labels that carry the same type as the default */
    rel = pick_label(g);
    t = label_type(g, rel);
    int same[MAX_LABELS], n = 0;
    for (int r = 0; r < g->nlabels; r++)
      if (label_type(g, r) == t) same[n++] = r;
    int count = choose(g, 5);
    br_value(g, t);
    expr(g, I32);
    op(g, 0x0E);
    uleb(g->c, count);
    for (int i = 0; i < count; i++) uleb(g->c, same[choose(g, n)]);
    uleb(g->c, rel);
    break;
  }
  case 13:
    br_value(g, g->labels[0]); /* the function's own label carries its result */
    op(g, 0x0F);
    break;
  case 14:
    if (!call(g, 0)) call_indirect(g, 0);
    break;
  default: bulk(g); break;
  }
  g->depth--;
}

static void stmts(gen *g) {
  int n = choose(g, 5);
  for (int i = 0; i < n; i++) stmt(g);
}

/* ---- the module ----------------------------------------------------------------- */

static void func_body(gen *g, int f, buf *code) {
  const sig *s = &g->sigs[f];
  buf body = {0};
  g->c = &body;
  g->cur = f;
  g->nlocals = 0;
  for (int i = 0; i < s->np; i++) g->locals[g->nlocals++] = s->params[i];
  int ndecl = choose(g, MAX_DECL_LOCALS + 1);
  for (int i = 0; i < ndecl; i++) g->locals[g->nlocals++] = any_type(g);
  g->ndeclared = g->nlocals;
  g->tmp_f32 = g->ndeclared, g->locals[g->ndeclared++] = F32;
  g->tmp_f64 = g->ndeclared, g->locals[g->ndeclared++] = F64;
  g->tmp_v128 = g->ndeclared, g->locals[g->ndeclared++] = V128;
  g->counters = g->ndeclared;
  g->loops = 0;
  g->budget = FUNC_BUDGET;
  g->depth = 0;
  g->nlabels = 0;
  push_label(g, s->nr ? s->result : 0);

  buf head = {0};
  uleb(&head, g->ndeclared - s->np + 1);
  for (int i = s->np; i < g->ndeclared; i++) uleb(&head, 1), put(&head, g->locals[i]);
  uleb(&head, NCOUNTERS), put(&head, I32);
  fuel_check(g);
  stmts(g);
  if (s->nr) expr(g, s->result);
  op(g, 0x0B);

  uleb(code, head.len + body.len);
  put_bytes(code, head.p, head.len);
  put_bytes(code, body.p, body.len);
  if (head.oom || body.oom) code->oom = true;
  free(head.p);
  free(body.p);
}

int fz_gen_module(fz_src *src, uint8_t **out, size_t *out_len) {
  gen g = {.src = src, .budget = 1};
  simd_init();
  buf m = {0}, sec = {0};
  static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  put_bytes(&m, header, sizeof header);

  /* Signatures: function i has type i (structural duplicates are fine). */
  g.nfuncs = 1 + fz_u8(src) % MAX_FUNCS;
  for (int i = 0; i < g.nfuncs; i++) {
    sig *s = &g.sigs[i];
    s->np = fz_u8(src) % (MAX_PARAMS + 1);
    for (int j = 0; j < s->np; j++) s->params[j] = numtypes[fz_u8(src) % NTYPES];
    uint8_t r = fz_u8(src);
    s->nr = r % 5 != 0;
    s->result = numtypes[(r / 5) % NTYPES];
  }
  uleb(&sec, g.nfuncs);
  for (int i = 0; i < g.nfuncs; i++) {
    const sig *s = &g.sigs[i];
    put(&sec, 0x60);
    uleb(&sec, s->np);
    put_bytes(&sec, s->params, s->np);
    uleb(&sec, s->nr);
    if (s->nr) put(&sec, s->result);
  }
  section(&m, 1, &sec);

  uleb(&sec, g.nfuncs);
  for (int i = 0; i < g.nfuncs; i++) uleb(&sec, i);
  section(&m, 3, &sec);

  /* Table: every function, then two null entries. */
  uleb(&sec, 1);
  put(&sec, 0x70), put(&sec, 0x00), uleb(&sec, g.nfuncs + 2);
  section(&m, 4, &sec);

  uleb(&sec, 1);
  put(&sec, 0x01), uleb(&sec, 1), uleb(&sec, 4); /* 1 page, at most 4 */
  section(&m, 5, &sec);

  /* Globals: the fuel, then some of each type. */
  g.nglobals = 1 + fz_u8(src) % MAX_GLOBALS;
  g.gtype[0] = I32, g.gmut[0] = true;
  for (int i = 1; i < g.nglobals; i++) {
    uint8_t b = fz_u8(src);
    g.gtype[i] = numtypes[b % NTYPES];
    g.gmut[i] = (b / NTYPES) % 4 != 0;
  }
  uleb(&sec, g.nglobals);
  for (int i = 0; i < g.nglobals; i++) {
    put(&sec, g.gtype[i]), put(&sec, g.gmut[i]);
    if (g.gtype[i] == V128) {
      uint8_t b[16];
      v128_bytes(&g, b);
      v128_const_in(&sec, b);
    } else {
      konst_in(&sec, g.gtype[i], i ? const_bits(&g, g.gtype[i]) : 0);
    }
    put(&sec, 0x0B);
  }
  section(&m, 6, &sec);

  uleb(&sec, g.nfuncs + 1);
  for (int i = 0; i < g.nfuncs; i++) {
    char name[8];
    name[0] = 'f', name[1] = (char)('0' + i);
    uleb(&sec, 2);
    put_bytes(&sec, name, 2);
    put(&sec, 0x00), uleb(&sec, i);
  }
  uleb(&sec, 3), put_bytes(&sec, "mem", 3), put(&sec, 0x02), uleb(&sec, 0);
  section(&m, 7, &sec);

  uleb(&sec, 1);
  put(&sec, 0x00), konst_in(&sec, I32, 0), put(&sec, 0x0B);
  uleb(&sec, g.nfuncs);
  for (int i = 0; i < g.nfuncs; i++) uleb(&sec, i);
  section(&m, 9, &sec);

  uleb(&sec, 2);
  section(&m, 12, &sec); /* data count: memory.init and data.drop need it */

  buf code = {0};
  uleb(&code, g.nfuncs);
  for (int i = 0; i < g.nfuncs; i++) func_body(&g, i, &code);
  section(&m, 10, &code);

  /* Data: an active segment near the start of memory, and a passive one. */
  uleb(&sec, 2);
  put(&sec, 0x00), konst_in(&sec, I32, fz_u8(src) % 64), put(&sec, 0x0B);
  int n = fz_u8(src) % 33;
  uleb(&sec, n);
  for (int i = 0; i < n; i++) put(&sec, fz_u8(src));
  put(&sec, 0x01);
  n = fz_u8(src) % 17;
  uleb(&sec, n);
  for (int i = 0; i < n; i++) put(&sec, fz_u8(src));
  section(&m, 11, &sec);

  if (m.oom) {
    free(m.p);
    return -1;
  }
  *out = m.p;
  *out_len = m.len;
  return 0;
}
