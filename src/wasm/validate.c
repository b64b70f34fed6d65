/* validate.c: every Wasm 2.0 validation rule over a decoded module, and the side
 * information the execution modes read from it: the classic interpreter's branch
 * side table and operand-stack bound per function, canonical type indices, the set
 * of functions ref.func may name, and the SIMD flags.
 *
 * Function bodies are checked in one forward pass with the algorithm of the spec's
 * appendix ("Validation Algorithm"): a value stack whose entries may be Unknown in
 * unreachable code, and a stack of control frames. Both stacks, and the side table
 * under construction, are heap arrays grown by doubling and reused across
 * functions, so nesting depth costs no C stack and time stays linear in the code.
 *
 * The side table (wr_branch in module.h). Every br, br_if, if and else owns one
 * entry and a br_table with n labels owns n+1 (default last), in code order. The
 * interpreter's side-table index `stp` always equals the number of entries owned
 * by the instructions before `ip`:
 *   - at the function's first instruction stp = 0;
 *   - br_if not taken and `if` with a true condition do stp += 1 (their one entry);
 *   - a branch taken through entry e (br, br_if taken, `if` false, `else` reached
 *     from the then-arm, br_table entry stp + min(index, n)) does
 *     ip = opcode address + e.ip_delta and stp = e + e.stp_delta;
 *   - no other instruction touches stp (block, loop and end own no entries).
 * So a branch target's stp is the count of entries before the target address:
 * a loop label gives the count at the loop body's first instruction (known when
 * the loop opens); a block/if label or `else` gives the count at the frame's `end`
 * (patched then, from a per-frame list of pending entries threaded through the
 * entries themselves); `if` false gives the else's own index + 1. The function's
 * outermost label is a block label whose `end` is the body's last byte: a branch
 * to it lands on that `end` (not after it), and running it returns.
 * While an entry waits for its target, ip_delta holds the branching opcode's
 * offset from f->code and stp_delta the index of the next waiting entry (-1 ends).
 *
 * Heights are counted in 64-bit slots from the function's operand-stack base
 * (locals excluded); v128 takes two. An Unknown value (only ever pushed in
 * unreachable code) counts as one slot, which is harmless since that code never
 * runs. */
#include "module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leb.h"
#include "opcodes.h"

/* ---- the signature table, expanded from opcodes.def ------------------------- */

enum { T_UNKNOWN = 0 }; /* a value of unknown type, popped from a polymorphic stack */

#define T__ 0
#define T_X 0xFF /* typed by hand */
#define T_I32 WR_I32
#define T_I64 WR_I64
#define T_F32 WR_F32
#define T_F64 WR_F64
#define T_V128 WR_V128

typedef struct opsig {
  uint8_t valid, imm, align, lanes;
  uint8_t in[3]; /* popped in reverse order; 0 = none, T_X in in[0] = by hand */
  uint8_t out;
} opsig;

/* Same layout as opcodes.c: plain bytes, then 0xFC and 0xFD sub-opcodes. */
#define SLOT(prefix, code) ((prefix) == 0 ? (code) : (prefix) == 0xFC ? 256 + (code) : 512 + (code))

static const opsig sigs[768] = {
#define OP(name, text, prefix, code, imm, align, lanes, p1, p2, p3, r) \
  [SLOT(prefix, code)] = {1, WR_IMM_##imm, align, lanes, {T_##p1, T_##p2, T_##p3}, T_##r},
#include "opcodes.def"
#undef OP
};

#define KEY(prefix, code) (((uint32_t)(prefix) << 16) | (code))

/* ---- small helpers ---------------------------------------------------------- */

static bool is_valtype(uint8_t b) {
  return b == WR_I32 || b == WR_I64 || b == WR_F32 || b == WR_F64 || b == WR_V128 ||
         b == WR_FUNCREF || b == WR_EXTERNREF;
}

static const char *tname(uint8_t t) { return t == T_UNKNOWN ? "any" : wr_valtype_name(t); }

/* Names in messages: printable ASCII as is, the rest as \xx, cut at 64 bytes, so
 * a hostile name cannot break the one-line message. */
static const char *escape(const char *s, size_t len, char *buf, size_t bufsize) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (i >= 64 || o + 8 >= bufsize) {
      if (o + 4 < bufsize) { memcpy(buf + o, "...", 3); o += 3; }
      break;
    }
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') buf[o++] = (char)c;
    else o += (size_t)snprintf(buf + o, bufsize - o, "\\%02x", c);
  }
  buf[o] = 0;
  return buf;
}

static uint32_t fnv(const void *p, size_t n, uint32_t h) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

/* Slots of an open-addressing table for n keys: a power of two at least 2n, or 0
 * when that is beyond reason (the decoder's limits keep n far below). */
static uint32_t hash_size(uint32_t n) {
  if (n > (1u << 28)) return 0;
  uint32_t size = 1;
  while (size < 2 * n) size *= 2;
  return size;
}

/* Returns arr grown to hold at least `need` elements of `size` bytes (updating
 * *cap), or NULL with arr untouched when that much cannot be had. */
static void *grow_array(void *arr, uint32_t *cap, uint64_t need, size_t size) {
  uint64_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  if (n > UINT32_MAX) n = UINT32_MAX;
  if (n < need || n > SIZE_MAX / size) return NULL;
  void *p = realloc(arr, (size_t)n * size);
  if (p) *cap = (uint32_t)n;
  return p;
}

/* Makes room for `need` elements in the heap array `arr` of capacity `cap`. */
#define GROW(arr, cap, need, err)                                                   \
  __extension__({                                                                   \
    int rc_ = 0;                                                                    \
    if ((uint64_t)(need) > (cap)) {                                                 \
      void *p_ = grow_array((arr), &(cap), (need), sizeof *(arr));                  \
      if (p_) (arr) = p_;                                                           \
      else rc_ = wr_err((err), WR_ERR_NOMEM, "validator: out of memory");           \
    }                                                                               \
    rc_;                                                                            \
  })

/* ---- function bodies -------------------------------------------------------- */

/* More operand-stack entries than this in one function is refused: no compiler
 * makes such code, and it bounds the validator's memory for calls to functions
 * with many results. */
#define VAL_LIMIT (1u << 24)

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };

/* Block types: a type index, or BT_VAL | valtype, or BT_EMPTY. */
#define BT_VAL 0x80000000u
#define BT_EMPTY (BT_VAL | 0x40)

typedef struct ctrl {
  uint32_t bt;
  uint32_t height;       /* value-stack entries below the frame */
  uint32_t height_slots; /* the same, in slots */
  uint32_t start_off;    /* loop: offset of the body's first instruction from f->code */
  uint32_t aux;          /* loop: side-table count at that point; if: the if's entry */
  int32_t fixups;        /* first entry waiting for this frame's end, -1 if none */
  uint8_t kind;
  bool unreachable;
} ctrl;

typedef struct vctx {
  wr_module *m;
  wr_error *err;
  wr_function *f;
  uint32_t func_idx;
  const uint8_t *code, *p, *end;
  const uint8_t *ip; /* the current instruction, for messages and deltas */

  uint8_t *vals;
  uint32_t nvals, capvals;
  uint32_t slots, max_slots;

  ctrl *ctrls;
  uint32_t nctrls, capctrls;

  wr_branch *br;
  uint32_t nbr, capbr;

  uint8_t *kinds; /* the syntax pass's stack of open block kinds */
  uint32_t capkinds;

  bool simd;
  uint8_t *v128_ops; /* the function's v128_ops bitmap being made, or NULL */
} vctx;

static const wr_valtype single[256] = {
  [WR_I32] = WR_I32, [WR_I64] = WR_I64, [WR_F32] = WR_F32, [WR_F64] = WR_F64,
  [WR_V128] = WR_V128, [WR_FUNCREF] = WR_FUNCREF, [WR_EXTERNREF] = WR_EXTERNREF,
};

__attribute__((format(printf, 3, 4)))
static int verr(vctx *v, int code, const char *fmt, ...) {
  char reason[WR_ERROR_MSG_MAX], nbuf[128], ebuf[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  const char *name = wr_module_func_name(v->m, v->func_idx, nbuf, sizeof nbuf);
  if (!name) name = "";
  return wr_err(v->err, code, "function %u (%s) at offset 0x%zx: %s", v->func_idx,
                escape(name, strlen(name), ebuf, sizeof ebuf), (size_t)(v->ip - v->m->bytes), reason);
}

static int rd_u32(vctx *v, uint32_t *out) {
  uint64_t x;
  const char *why;
  if (wr_read_uleb(&v->p, v->end, 32, &x, &why) < 0) return verr(v, WR_ERR_MALFORMED, "%s", why);
  *out = (uint32_t)x;
  return 0;
}

static int rd_sleb(vctx *v, unsigned bits) {
  int64_t x;
  const char *why;
  if (wr_read_sleb(&v->p, v->end, bits, &x, &why) < 0) return verr(v, WR_ERR_MALFORMED, "%s", why);
  return 0;
}

static int rd_bytes(vctx *v, size_t n, const uint8_t **out) {
  if ((size_t)(v->end - v->p) < n) return verr(v, WR_ERR_MALFORMED, "unexpected end");
  if (out) *out = v->p;
  v->p += n;
  return 0;
}

static int rd_zero(vctx *v) {
  if (v->p >= v->end) return verr(v, WR_ERR_MALFORMED, "unexpected end");
  if (*v->p++ != 0) return verr(v, WR_ERR_MALFORMED, "zero byte expected");
  return 0;
}

static inline ctrl *top(vctx *v) { return &v->ctrls[v->nctrls - 1]; }

static void bt_params(const vctx *v, uint32_t bt, const wr_valtype **t, uint32_t *n, uint32_t *slots) {
  if (bt & BT_VAL) { *t = NULL; *n = 0; *slots = 0; return; }
  const wr_functype *ft = &v->m->types[bt];
  *t = ft->params; *n = ft->nparams; *slots = ft->param_slots;
}

static void bt_results(const vctx *v, uint32_t bt, const wr_valtype **t, uint32_t *n, uint32_t *slots) {
  if (bt == BT_EMPTY) { *t = NULL; *n = 0; *slots = 0; return; }
  if (bt & BT_VAL) {
    uint8_t vt = (uint8_t)bt;
    *t = &single[vt]; *n = 1; *slots = wr_valtype_slots(vt);
    return;
  }
  const wr_functype *ft = &v->m->types[bt];
  *t = ft->results; *n = ft->nresults; *slots = ft->result_slots;
}

/* The types a branch to frame c carries: a loop's parameters, else its results. */
static void label_types(const vctx *v, const ctrl *c, const wr_valtype **t, uint32_t *n, uint32_t *slots) {
  if (c->kind == K_LOOP) bt_params(v, c->bt, t, n, slots);
  else bt_results(v, c->bt, t, n, slots);
}

static int reserve_vals(vctx *v, uint32_t n) {
  uint64_t need = (uint64_t)v->nvals + n;
  if (need > VAL_LIMIT)
    return verr(v, WR_ERR_INVALID, "operand stack deeper than %u values (implementation limit)", VAL_LIMIT);
  return GROW(v->vals, v->capvals, need, v->err);
}

static void note_height(vctx *v) {
  if (v->slots > v->max_slots) v->max_slots = v->slots;
}

static int push(vctx *v, uint8_t t) {
  int rc = reserve_vals(v, 1);
  if (rc < 0) return rc;
  v->vals[v->nvals++] = t;
  v->slots += wr_valtype_slots(t);
  note_height(v);
  return 0;
}

static int push_vals(vctx *v, const wr_valtype *t, uint32_t n, uint32_t slots) {
  if (n == 0) return 0;
  int rc = reserve_vals(v, n);
  if (rc < 0) return rc;
  memcpy(v->vals + v->nvals, t, n);
  v->nvals += n;
  v->slots += slots;
  note_height(v);
  return 0;
}

/* Pops one value, which must be `expect` unless either is Unknown; *got (if not
 * NULL) receives what was popped. */
static int pop_expect(vctx *v, uint8_t expect, uint8_t *got) {
  ctrl *c = top(v);
  if (v->nvals == c->height) {
    if (c->unreachable) {
      if (got) *got = T_UNKNOWN;
      return 0;
    }
    if (expect == T_UNKNOWN) return verr(v, WR_ERR_INVALID, "type mismatch: operand missing");
    return verr(v, WR_ERR_INVALID, "type mismatch: expected %s but the stack is empty", tname(expect));
  }
  uint8_t t = v->vals[--v->nvals];
  v->slots -= wr_valtype_slots(t);
  if (t != expect && t != T_UNKNOWN && expect != T_UNKNOWN)
    return verr(v, WR_ERR_INVALID, "type mismatch: expected %s, found %s", tname(expect), tname(t));
  if (got) *got = t;
  return 0;
}

/* Whether the top of the stack can be popped as t[0..n) (t[n-1] on top): Unknown
 * entries match anything, and fewer than n entries match only above the
 * polymorphic bottom of unreachable code. *k receives how many entries take part.
 * Written without early exits so that the compiler vectorises it: calls and
 * branches to labels of many values must not cost a loop iteration per value. */
static bool stack_matches(const vctx *v, const wr_valtype *t, uint32_t n, uint32_t *k) {
  const ctrl *c = &v->ctrls[v->nctrls - 1];
  uint32_t avail = v->nvals - c->height;
  *k = avail < n ? avail : n;
  if (*k < n && !c->unreachable) return false;
  if (*k == 0) return true;
  const uint8_t *s = v->vals + v->nvals - *k, *want = t + (n - *k);
  if (memcmp(s, want, *k) == 0) return true;
  unsigned bad = 0;
  for (uint32_t i = 0; i < *k; i++) bad |= (unsigned)(s[i] != want[i]) & (unsigned)(s[i] != T_UNKNOWN);
  return !bad;
}

/* Pops values of types t[0..n) (t[n-1] on top); `slots` is their size. */
static int pop_vals(vctx *v, const wr_valtype *t, uint32_t n, uint32_t slots) {
  uint32_t k;
  if (n == 0) return 0;
  if (stack_matches(v, t, n, &k)) {
    /* Indexes, not a pointer: with k == 0 the stack may never have been allocated,
     * and NULL + 0 is undefined behaviour. */
    uint32_t base = v->nvals - k;
    if (k < n || memcmp(v->vals + base, t, n) != 0) { /* Unknowns or a partial match: count what is there */
      slots = 0;
      for (uint32_t i = 0; i < k; i++) slots += 1u + (v->vals[base + i] == WR_V128);
    }
    v->nvals -= k;
    v->slots -= slots;
    return 0;
  }
  /* It fails: pop one by one for the message. */
  for (uint32_t i = n; i-- > 0;) {
    int rc = pop_expect(v, t[i], NULL);
    if (rc < 0) return rc;
  }
  return verr(v, WR_ERR_INVALID, "type mismatch");
}

/* Checks that the top of the stack could be popped as t[0..n) without popping.
 * br_table uses it per label; in 2.0 it pushes back what it popped, so the only
 * difference would be Unknown entries, which sit where this sees a polymorphic
 * bottom anyway. */
static int check_vals(vctx *v, const wr_valtype *t, uint32_t n) {
  uint32_t k;
  if (n == 0 || stack_matches(v, t, n, &k)) return 0;
  ctrl *c = top(v);
  uint32_t avail = v->nvals - c->height;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t want = t[n - 1 - i];
    if (i >= avail) {
      if (c->unreachable) return 0;
      return verr(v, WR_ERR_INVALID, "type mismatch: expected %s but the stack is empty", tname(want));
    }
    uint8_t have = v->vals[v->nvals - 1 - i];
    if (have != want && have != T_UNKNOWN)
      return verr(v, WR_ERR_INVALID, "type mismatch: expected %s, found %s", tname(want), tname(have));
  }
  return verr(v, WR_ERR_INVALID, "type mismatch");
}

static void set_unreachable(vctx *v) {
  ctrl *c = top(v);
  v->nvals = c->height;
  v->slots = c->height_slots;
  c->unreachable = true;
}

/* Opens a frame; its parameters have already been popped. */
static int push_ctrl(vctx *v, uint8_t kind, uint32_t bt) {
  int rc = GROW(v->ctrls, v->capctrls, (uint64_t)v->nctrls + 1, v->err);
  if (rc < 0) return rc;
  ctrl *c = &v->ctrls[v->nctrls++];
  c->bt = bt;
  c->kind = kind;
  c->height = v->nvals;
  c->height_slots = v->slots;
  c->start_off = 0;
  c->aux = 0;
  c->fixups = -1;
  c->unreachable = false;
  if (kind == K_FUNC) return 0;
  const wr_valtype *pt;
  uint32_t pn, ps;
  bt_params(v, bt, &pt, &pn, &ps);
  return push_vals(v, pt, pn, ps);
}

static int new_entry(vctx *v, uint32_t *idx) {
  int rc = GROW(v->br, v->capbr, (uint64_t)v->nbr + 1, v->err);
  if (rc < 0) return rc;
  if (v->nbr >= INT32_MAX) return verr(v, WR_ERR_INVALID, "too many branches (implementation limit)");
  *idx = v->nbr++;
  v->br[*idx] = (wr_branch){0, 0, 0, 0};
  return 0;
}

static uint32_t cur_off(const vctx *v) { return (uint32_t)(v->ip - v->code); }

/* Adds the entry of a branch to label `depth`, taken with `height` slots on the
 * stack (the label's values included, the branch's own operands popped). */
static int emit_branch(vctx *v, uint32_t depth, uint32_t height) {
  uint32_t e;
  int rc = new_entry(v, &e);
  if (rc < 0) return rc;
  ctrl *t = &v->ctrls[v->nctrls - 1 - depth];
  wr_branch *b = &v->br[e];
  if (!top(v)->unreachable) {
    const wr_valtype *lt;
    uint32_t ln, keep;
    label_types(v, t, &lt, &ln, &keep);
    uint64_t base = (uint64_t)t->height_slots + keep;
    b->keep = keep;
    b->drop = height > base ? (uint32_t)(height - base) : 0;
  }
  if (t->kind == K_LOOP) {
    b->ip_delta = (int32_t)t->start_off - (int32_t)cur_off(v);
    b->stp_delta = (int32_t)t->aux - (int32_t)e;
  } else {
    b->ip_delta = (int32_t)cur_off(v);
    b->stp_delta = t->fixups;
    t->fixups = (int32_t)e;
  }
  return 0;
}

/* Resolves a waiting entry to land at code offset `target` with `stp` entries before it. */
static void patch(vctx *v, uint32_t e, uint32_t target, uint32_t stp) {
  wr_branch *b = &v->br[e];
  b->ip_delta = (int32_t)target - b->ip_delta;
  b->stp_delta = (int32_t)stp - (int32_t)e;
}

static int read_blocktype(vctx *v, uint32_t *bt) {
  if (v->p >= v->end) return verr(v, WR_ERR_MALFORMED, "unexpected end");
  uint8_t b = *v->p;
  if (b == 0x40) { v->p++; *bt = BT_EMPTY; return 0; }
  if (is_valtype(b)) { v->p++; *bt = BT_VAL | b; return 0; }
  int64_t x;
  const char *why;
  if (wr_read_sleb(&v->p, v->end, 33, &x, &why) < 0) return verr(v, WR_ERR_MALFORMED, "%s", why);
  if (x < 0) return verr(v, WR_ERR_MALFORMED, "malformed block type");
  if (x >= v->m->ntypes) return verr(v, WR_ERR_INVALID, "unknown type %lld", (long long)x);
  *bt = (uint32_t)x;
  return 0;
}

static int need_memory(vctx *v) {
  if (v->m->nmems == 0) return verr(v, WR_ERR_INVALID, "unknown memory 0");
  return 0;
}

static int need_table(vctx *v, uint32_t x) {
  if (x >= v->m->ntables) return verr(v, WR_ERR_INVALID, "unknown table %u", x);
  return 0;
}

/* Without a data count section the syntax pass has refused every data index the
 * data section would satisfy, so what is left here is out of range either way. */
static int check_data_idx(vctx *v, uint32_t x) {
  uint32_t n = v->m->has_datacount ? v->m->datacount : v->m->ndatas;
  if (x >= n) return verr(v, WR_ERR_INVALID, "unknown data segment %u", x);
  return 0;
}

static int memarg(vctx *v, unsigned natural) {
  uint32_t align, offset;
  int rc;
  if ((rc = rd_u32(v, &align)) < 0 || (rc = rd_u32(v, &offset)) < 0) return rc;
  if ((rc = need_memory(v)) < 0) return rc;
  if (align > natural) return verr(v, WR_ERR_INVALID, "alignment must not be larger than natural");
  return 0;
}

static int lane(vctx *v, unsigned lanes) {
  const uint8_t *b = NULL;
  int rc = rd_bytes(v, 1, &b);
  if (rc < 0) return rc;
  if (*b >= lanes) return verr(v, WR_ERR_INVALID, "invalid lane index %u", *b);
  return 0;
}

/* Immediates of the instructions typed by their fixed signature. */
static int immediates(vctx *v, const opsig *s) {
  wr_module *m = v->m;
  uint32_t x, y;
  int rc;
  switch (s->imm) {
  case WR_IMM_NONE: return 0;
  case WR_IMM_MEMARG: return memarg(v, s->align);
  case WR_IMM_MEMARG_LANE:
    if ((rc = memarg(v, s->align)) < 0) return rc;
    return lane(v, s->lanes);
  case WR_IMM_LANE: return lane(v, s->lanes);
  case WR_IMM_MEMIDX:
    if ((rc = rd_zero(v)) < 0) return rc;
    return need_memory(v);
  case WR_IMM_I32: return rd_sleb(v, 32);
  case WR_IMM_I64: return rd_sleb(v, 64);
  case WR_IMM_F32: return rd_bytes(v, 4, NULL);
  case WR_IMM_F64: return rd_bytes(v, 8, NULL);
  case WR_IMM_V128: return rd_bytes(v, 16, NULL);
  case WR_IMM_SHUFFLE: {
    const uint8_t *b = NULL;
    if ((rc = rd_bytes(v, 16, &b)) < 0) return rc;
    for (int i = 0; i < 16; i++)
      if (b[i] >= 32) return verr(v, WR_ERR_INVALID, "invalid lane index %u", b[i]);
    return 0;
  }
  case WR_IMM_MEMORY_INIT:
    if ((rc = rd_u32(v, &x)) < 0 || (rc = rd_zero(v)) < 0) return rc;
    if ((rc = need_memory(v)) < 0) return rc;
    return check_data_idx(v, x);
  case WR_IMM_DATA:
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    return check_data_idx(v, x);
  case WR_IMM_MEMORY_COPY:
    if ((rc = rd_zero(v)) < 0 || (rc = rd_zero(v)) < 0) return rc;
    return need_memory(v);
  case WR_IMM_TABLE:
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    return need_table(v, x);
  case WR_IMM_ELEM:
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    if (x >= m->nelems) return verr(v, WR_ERR_INVALID, "unknown elem segment %u", x);
    return 0;
  case WR_IMM_TABLE_INIT: /* elem index, then table index */
    if ((rc = rd_u32(v, &y)) < 0 || (rc = rd_u32(v, &x)) < 0) return rc;
    if ((rc = need_table(v, x)) < 0) return rc;
    if (y >= m->nelems) return verr(v, WR_ERR_INVALID, "unknown elem segment %u", y);
    if (m->elems[y].type != m->tables[x].elem)
      return verr(v, WR_ERR_INVALID, "type mismatch: element segment %u is %s, table %u is %s", y,
                  tname(m->elems[y].type), x, tname(m->tables[x].elem));
    return 0;
  case WR_IMM_TABLE_COPY: /* destination, then source */
    if ((rc = rd_u32(v, &x)) < 0 || (rc = rd_u32(v, &y)) < 0) return rc;
    if ((rc = need_table(v, x)) < 0 || (rc = need_table(v, y)) < 0) return rc;
    if (m->tables[x].elem != m->tables[y].elem)
      return verr(v, WR_ERR_INVALID, "type mismatch: table %u is %s, table %u is %s", x,
                  tname(m->tables[x].elem), y, tname(m->tables[y].elem));
    return 0;
  default:
    return verr(v, WR_ERR_MALFORMED, "illegal opcode");
  }
}

static int op_end(vctx *v) {
  ctrl *c = top(v);
  const wr_valtype *rt, *pt;
  uint32_t rn, rs, pn, ps;
  int rc;
  bt_results(v, c->bt, &rt, &rn, &rs);
  if ((rc = pop_vals(v, rt, rn, rs)) < 0) return rc;
  if (v->nvals != c->height)
    return verr(v, WR_ERR_INVALID, "type mismatch: %u value(s) left on the stack at end of block",
                v->nvals - c->height);
  if (c->kind == K_IF) {
    /* No else: the empty else arm must turn the parameters into the results. */
    c->unreachable = false;
    v->slots = c->height_slots;
    bt_params(v, c->bt, &pt, &pn, &ps);
    if ((rc = push_vals(v, pt, pn, ps)) < 0) return rc;
    c = top(v);
    if ((rc = pop_vals(v, rt, rn, rs)) < 0) return rc;
    if (v->nvals != c->height)
      return verr(v, WR_ERR_INVALID, "type mismatch: if without else must have matching parameters and results");
  }
  /* A block label lands after its `end`; the function's own label lands on the
   * final `end`, so that the interpreter runs it and returns. */
  uint32_t target = cur_off(v) + (v->nctrls == 1 ? 0 : 1);
  for (int32_t e = c->fixups; e >= 0;) {
    int32_t next = v->br[e].stp_delta;
    patch(v, (uint32_t)e, target, v->nbr);
    e = next;
  }
  if (c->kind == K_IF) patch(v, c->aux, target, v->nbr);
  v->slots = c->height_slots;
  v->nctrls--;
  if (v->nctrls == 0) {
    if (v->p != v->end) return verr(v, WR_ERR_MALFORMED, "section size mismatch: bytes after the function's final end");
    return 0;
  }
  return push_vals(v, rt, rn, rs);
}

static int op_else(vctx *v) {
  ctrl *c = top(v);
  const wr_valtype *rt, *pt;
  uint32_t rn, rs, pn, ps, e;
  int rc;
  if (c->kind != K_IF) return verr(v, WR_ERR_MALFORMED, "END opcode expected: else without if");
  bt_results(v, c->bt, &rt, &rn, &rs);
  if ((rc = pop_vals(v, rt, rn, rs)) < 0) return rc;
  if (v->nvals != c->height)
    return verr(v, WR_ERR_INVALID, "type mismatch: %u value(s) left on the stack at else", v->nvals - c->height);
  if ((rc = new_entry(v, &e)) < 0) return rc;
  c = top(v);
  v->br[e].ip_delta = (int32_t)cur_off(v);
  v->br[e].stp_delta = c->fixups;
  c->fixups = (int32_t)e;
  patch(v, c->aux, cur_off(v) + 1, e + 1);
  c->kind = K_ELSE;
  c->unreachable = false;
  v->slots = c->height_slots;
  bt_params(v, c->bt, &pt, &pn, &ps);
  return push_vals(v, pt, pn, ps);
}

static int op_block(vctx *v, uint8_t kind) {
  uint32_t bt = 0;
  const wr_valtype *pt;
  uint32_t pn, ps;
  int rc;
  if ((rc = read_blocktype(v, &bt)) < 0) return rc;
  if (kind == K_IF && (rc = pop_expect(v, WR_I32, NULL)) < 0) return rc;
  bt_params(v, bt, &pt, &pn, &ps);
  if ((rc = pop_vals(v, pt, pn, ps)) < 0) return rc;
  if ((rc = push_ctrl(v, kind, bt)) < 0) return rc;
  ctrl *c = top(v);
  if (kind == K_LOOP) {
    c->start_off = (uint32_t)(v->p - v->code);
    c->aux = v->nbr;
  } else if (kind == K_IF) {
    uint32_t e;
    if ((rc = new_entry(v, &e)) < 0) return rc;
    v->br[e].ip_delta = (int32_t)cur_off(v);
    top(v)->aux = e;
  }
  return 0;
}

static int read_label(vctx *v, uint32_t *depth) {
  int rc = rd_u32(v, depth);
  if (rc < 0) return rc;
  if (*depth >= v->nctrls) return verr(v, WR_ERR_INVALID, "unknown label %u", *depth);
  return 0;
}

static int op_br(vctx *v, bool conditional) {
  uint32_t depth;
  const wr_valtype *lt;
  uint32_t ln, ls;
  int rc;
  if ((rc = read_label(v, &depth)) < 0) return rc;
  if (conditional && (rc = pop_expect(v, WR_I32, NULL)) < 0) return rc;
  label_types(v, &v->ctrls[v->nctrls - 1 - depth], &lt, &ln, &ls);
  uint32_t height = v->slots;
  if ((rc = pop_vals(v, lt, ln, ls)) < 0) return rc;
  if (conditional) {
    /* br_if leaves the label's types, not what was popped (which may be Unknown). */
    if ((rc = push_vals(v, lt, ln, ls)) < 0) return rc;
    height = v->slots;
  }
  if ((rc = emit_branch(v, depth, height)) < 0) return rc;
  if (!conditional) set_unreachable(v);
  return 0;
}

static int op_br_table(vctx *v) {
  uint32_t n, depth, arity = 0;
  const wr_valtype *lt;
  uint32_t ln, ls;
  int rc;
  if ((rc = rd_u32(v, &n)) < 0) return rc;
  if ((rc = pop_expect(v, WR_I32, NULL)) < 0) return rc;
  uint32_t height = v->slots;
  for (uint64_t i = 0; i <= n; i++) {
    if ((rc = read_label(v, &depth)) < 0) return rc;
    label_types(v, &v->ctrls[v->nctrls - 1 - depth], &lt, &ln, &ls);
    if (i == 0) arity = ln;
    else if (ln != arity)
      return verr(v, WR_ERR_INVALID, "type mismatch: br_table labels have %u and %u values", arity, ln);
    if ((rc = check_vals(v, lt, ln)) < 0) return rc;
    if ((rc = emit_branch(v, depth, height)) < 0) return rc;
  }
  set_unreachable(v);
  return 0;
}

static int op_call(vctx *v, const wr_functype *ft) {
  int rc = pop_vals(v, ft->params, ft->nparams, ft->param_slots);
  if (rc < 0) return rc;
  return push_vals(v, ft->results, ft->nresults, ft->result_slots);
}

/* Instructions whose typing is not a fixed signature. */
/* Marks the current instruction (a drop or select) as one on v128 operands. */
static int mark_v128_op(vctx *v) {
  if (!v->v128_ops) {
    v->v128_ops = calloc((size_t)(v->f->code_end - v->f->code) / 8 + 1, 1);
    if (!v->v128_ops) return verr(v, WR_ERR_NOMEM, "out of memory");
  }
  size_t off = (size_t)(v->ip - v->f->code);
  v->v128_ops[off / 8] |= (uint8_t)(1u << (off % 8));
  return 0;
}

static int by_hand(vctx *v, uint32_t key) {
  wr_module *m = v->m;
  uint32_t x, y, n;
  uint8_t t1, t2;
  int rc;
  switch (key) {
  case KEY(0, WR_OP_UNREACHABLE): set_unreachable(v); return 0;
  case KEY(0, WR_OP_BLOCK): return op_block(v, K_BLOCK);
  case KEY(0, WR_OP_LOOP): return op_block(v, K_LOOP);
  case KEY(0, WR_OP_IF): return op_block(v, K_IF);
  case KEY(0, WR_OP_ELSE): return op_else(v);
  case KEY(0, WR_OP_END): return op_end(v);
  case KEY(0, WR_OP_BR): return op_br(v, false);
  case KEY(0, WR_OP_BR_IF): return op_br(v, true);
  case KEY(0, WR_OP_BR_TABLE): return op_br_table(v);
  case KEY(0, WR_OP_RETURN): {
    const wr_functype *ft = &m->types[v->f->type_idx];
    if ((rc = pop_vals(v, ft->results, ft->nresults, ft->result_slots)) < 0) return rc;
    set_unreachable(v);
    return 0;
  }
  case KEY(0, WR_OP_CALL):
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    if (x >= m->nfuncs) return verr(v, WR_ERR_INVALID, "unknown function %u", x);
    return op_call(v, &m->types[m->func_type[x]]);
  case KEY(0, WR_OP_CALL_INDIRECT):
    if ((rc = rd_u32(v, &y)) < 0 || (rc = rd_u32(v, &x)) < 0) return rc;
    if ((rc = need_table(v, x)) < 0) return rc;
    if (m->tables[x].elem != WR_FUNCREF)
      return verr(v, WR_ERR_INVALID, "type mismatch: call_indirect through table %u of %s", x,
                  tname(m->tables[x].elem));
    if (y >= m->ntypes) return verr(v, WR_ERR_INVALID, "unknown type %u", y);
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0) return rc;
    return op_call(v, &m->types[y]);
  case KEY(0, WR_OP_DROP):
    if ((rc = pop_expect(v, T_UNKNOWN, &t1)) < 0) return rc;
    return t1 == WR_V128 ? mark_v128_op(v) : 0;
  case KEY(0, WR_OP_SELECT):
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0 || (rc = pop_expect(v, T_UNKNOWN, &t1)) < 0 ||
        (rc = pop_expect(v, T_UNKNOWN, &t2)) < 0)
      return rc;
    if (wr_valtype_is_ref(t1) || wr_valtype_is_ref(t2))
      return verr(v, WR_ERR_INVALID, "type mismatch: select without a type cannot choose references");
    if (t1 != t2 && t1 != T_UNKNOWN && t2 != T_UNKNOWN)
      return verr(v, WR_ERR_INVALID, "type mismatch: select between %s and %s", tname(t2), tname(t1));
    if ((t1 == WR_V128 || t2 == WR_V128) && (rc = mark_v128_op(v)) < 0) return rc;
    return push(v, t1 == T_UNKNOWN ? t2 : t1);
  case KEY(0, WR_OP_SELECT_T): {
    if ((rc = rd_u32(v, &n)) < 0) return rc;
    uint8_t t = 0;
    for (uint64_t i = 0; i < n; i++) {
      const uint8_t *b = NULL;
      if ((rc = rd_bytes(v, 1, &b)) < 0) return rc;
      if (!is_valtype(*b)) return verr(v, WR_ERR_MALFORMED, "malformed value type 0x%02x", *b);
      t = *b;
    }
    if (n != 1) return verr(v, WR_ERR_INVALID, "invalid result arity");
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0 || (rc = pop_expect(v, t, NULL)) < 0 ||
        (rc = pop_expect(v, t, NULL)) < 0)
      return rc;
    if (t == WR_V128 && (rc = mark_v128_op(v)) < 0) return rc;
    return push(v, t);
  }
  case KEY(0, WR_OP_LOCAL_GET):
  case KEY(0, WR_OP_LOCAL_SET):
  case KEY(0, WR_OP_LOCAL_TEE): {
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    uint64_t nl = (uint64_t)m->types[v->f->type_idx].nparams + v->f->nlocals;
    if (x >= nl) return verr(v, WR_ERR_INVALID, "unknown local %u", x);
    uint8_t t = v->f->local_types[x];
    if (key == KEY(0, WR_OP_LOCAL_GET)) return push(v, t);
    if ((rc = pop_expect(v, t, NULL)) < 0) return rc;
    return key == KEY(0, WR_OP_LOCAL_TEE) ? push(v, t) : 0;
  }
  case KEY(0, WR_OP_GLOBAL_GET):
  case KEY(0, WR_OP_GLOBAL_SET):
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    if (x >= m->nglobals) return verr(v, WR_ERR_INVALID, "unknown global %u", x);
    if (key == KEY(0, WR_OP_GLOBAL_GET)) return push(v, m->globals[x].type);
    if (!m->globals[x].mut) return verr(v, WR_ERR_INVALID, "global is immutable: global %u", x);
    return pop_expect(v, m->globals[x].type, NULL);
  case KEY(0, WR_OP_TABLE_GET):
    if ((rc = rd_u32(v, &x)) < 0 || (rc = need_table(v, x)) < 0) return rc;
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0) return rc;
    return push(v, m->tables[x].elem);
  case KEY(0, WR_OP_TABLE_SET):
    if ((rc = rd_u32(v, &x)) < 0 || (rc = need_table(v, x)) < 0) return rc;
    if ((rc = pop_expect(v, m->tables[x].elem, NULL)) < 0) return rc;
    return pop_expect(v, WR_I32, NULL);
  case KEY(0xFC, WR_OP_TABLE_GROW):
    if ((rc = rd_u32(v, &x)) < 0 || (rc = need_table(v, x)) < 0) return rc;
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0 || (rc = pop_expect(v, m->tables[x].elem, NULL)) < 0)
      return rc;
    return push(v, WR_I32);
  case KEY(0xFC, WR_OP_TABLE_FILL):
    if ((rc = rd_u32(v, &x)) < 0 || (rc = need_table(v, x)) < 0) return rc;
    if ((rc = pop_expect(v, WR_I32, NULL)) < 0 || (rc = pop_expect(v, m->tables[x].elem, NULL)) < 0)
      return rc;
    return pop_expect(v, WR_I32, NULL);
  case KEY(0, WR_OP_REF_NULL): {
    const uint8_t *b = NULL;
    if ((rc = rd_bytes(v, 1, &b)) < 0) return rc;
    if (!wr_valtype_is_ref(*b)) return verr(v, WR_ERR_MALFORMED, "malformed reference type 0x%02x", *b);
    return push(v, *b);
  }
  case KEY(0, WR_OP_REF_IS_NULL):
    if ((rc = pop_expect(v, T_UNKNOWN, &t1)) < 0) return rc;
    if (t1 != T_UNKNOWN && !wr_valtype_is_ref(t1))
      return verr(v, WR_ERR_INVALID, "type mismatch: ref.is_null of %s", tname(t1));
    return push(v, WR_I32);
  case KEY(0, WR_OP_REF_FUNC):
    if ((rc = rd_u32(v, &x)) < 0) return rc;
    if (x >= m->nfuncs) return verr(v, WR_ERR_INVALID, "unknown function %u", x);
    if (!m->func_refable[x]) return verr(v, WR_ERR_INVALID, "undeclared function reference %u", x);
    return push(v, WR_FUNCREF);
  default:
    return verr(v, WR_ERR_MALFORMED, "illegal opcode");
  }
}

/* The body ran out before its final end. The reference interpreter reads on past
 * the body, so what it reports depends on what follows; mirror that. */
static int end_missing(vctx *v) {
  v->ip = v->p;
  if (v->end >= v->m->bytes + v->m->len)
    return verr(v, WR_ERR_MALFORMED, "unexpected end of section or function");
  if (*v->end == 0x0B) return verr(v, WR_ERR_MALFORMED, "section size mismatch");
  return verr(v, WR_ERR_MALFORMED, "END opcode expected");
}

/* ---- the syntax pass -------------------------------------------------------- */

/* The reference interpreter decodes the whole module before it validates any of
 * it, so a malformed body anywhere wins over an invalid one. This pass reads every
 * body for encoding errors only (opcodes, immediates, block structure, the final
 * end); the typing pass then meets only well-formed code. */

static int enter_body(vctx *v) {
  wr_function *f = v->f;
  v->code = v->p = v->ip = f->code;
  v->end = f->code_end;
  if (!f->code || f->code > f->code_end || f->code < v->m->bytes || f->code_end > v->m->bytes + v->m->len)
    return verr(v, WR_ERR_MALFORMED, "function body out of the module's bytes");
  if (f->code_end - f->code > INT32_MAX)
    return verr(v, WR_ERR_INVALID, "function body larger than 2 GiB (implementation limit)");
  return 0;
}

/* Reads an opcode (with its sub-opcode) at v->p; *s is its table row. */
static int read_opcode(vctx *v, uint32_t *key, const opsig **s) {
  uint8_t b = *v->p++;
  uint32_t slot = b;
  int rc;
  *key = b;
  if (b == 0xFC || b == 0xFD) {
    uint32_t sub;
    if ((rc = rd_u32(v, &sub)) < 0) return rc;
    if (sub > 255) return verr(v, WR_ERR_MALFORMED, "illegal opcode 0x%02x %u", b, sub);
    *key = KEY(b, sub);
    slot = (b == 0xFC ? 256 : 512) + sub;
  }
  *s = &sigs[slot];
  if (!(*s)->valid) {
    if (b == 0xFC || b == 0xFD) return verr(v, WR_ERR_MALFORMED, "illegal opcode 0x%02x %u", b, slot & 255);
    return verr(v, WR_ERR_MALFORMED, "illegal opcode 0x%02x", b);
  }
  return 0;
}

static int scan_data_idx(vctx *v) {
  uint32_t x;
  int rc = rd_u32(v, &x);
  if (rc < 0) return rc;
  /* The binary format wants a data count section before code that names data
   * segments. An index no segment has is left to the typing pass to call unknown,
   * which is what the testsuite expects of modules converted from text. */
  if (!v->m->has_datacount && x < v->m->ndatas) return verr(v, WR_ERR_MALFORMED, "data count section required");
  return 0;
}

static int scan_body(vctx *v) {
  uint32_t depth = 0, key, x, n;
  const opsig *s;
  int rc;
  if ((rc = enter_body(v)) < 0) return rc;
  if ((rc = GROW(v->kinds, v->capkinds, 1, v->err)) < 0) return rc;
  v->kinds[depth++] = K_FUNC;
  while (depth > 0) {
    if (v->p >= v->end) return end_missing(v);
    v->ip = v->p;
    if ((rc = read_opcode(v, &key, &s)) < 0) return rc;
    switch (s->imm) {
    case WR_IMM_NONE:
      if (key == KEY(0, WR_OP_END)) {
        if (--depth == 0 && v->p != v->end)
          return verr(v, WR_ERR_MALFORMED, "section size mismatch: bytes after the function's final end");
      } else if (key == KEY(0, WR_OP_ELSE)) {
        if (v->kinds[depth - 1] != K_IF) return verr(v, WR_ERR_MALFORMED, "END opcode expected: else without if");
        v->kinds[depth - 1] = K_ELSE;
      }
      break;
    case WR_IMM_BLOCK: {
      if (v->p >= v->end) return verr(v, WR_ERR_MALFORMED, "unexpected end");
      uint8_t b = *v->p;
      if (b == 0x40 || is_valtype(b)) {
        v->p++;
      } else {
        int64_t t;
        const char *why;
        if (wr_read_sleb(&v->p, v->end, 33, &t, &why) < 0) return verr(v, WR_ERR_MALFORMED, "%s", why);
        if (t < 0) return verr(v, WR_ERR_MALFORMED, "malformed block type");
      }
      if ((rc = GROW(v->kinds, v->capkinds, (uint64_t)depth + 1, v->err)) < 0) return rc;
      v->kinds[depth++] = key == KEY(0, WR_OP_IF) ? K_IF : K_BLOCK;
      break;
    }
    case WR_IMM_LABEL: case WR_IMM_FUNC: case WR_IMM_LOCAL: case WR_IMM_GLOBAL:
    case WR_IMM_TABLE: case WR_IMM_ELEM:
      if ((rc = rd_u32(v, &x)) < 0) return rc;
      break;
    case WR_IMM_DATA:
      if ((rc = scan_data_idx(v)) < 0) return rc;
      break;
    case WR_IMM_MEMORY_INIT:
      if ((rc = scan_data_idx(v)) < 0 || (rc = rd_zero(v)) < 0) return rc;
      break;
    case WR_IMM_BR_TABLE:
      if ((rc = rd_u32(v, &n)) < 0) return rc;
      for (uint64_t i = 0; i <= n; i++)
        if ((rc = rd_u32(v, &x)) < 0) return rc;
      break;
    case WR_IMM_CALL_INDIRECT: case WR_IMM_TABLE_INIT: case WR_IMM_TABLE_COPY: case WR_IMM_MEMARG:
      if ((rc = rd_u32(v, &x)) < 0 || (rc = rd_u32(v, &x)) < 0) return rc;
      break;
    case WR_IMM_MEMARG_LANE:
      if ((rc = rd_u32(v, &x)) < 0 || (rc = rd_u32(v, &x)) < 0 || (rc = rd_bytes(v, 1, NULL)) < 0) return rc;
      break;
    case WR_IMM_MEMIDX:
      if ((rc = rd_zero(v)) < 0) return rc;
      break;
    case WR_IMM_MEMORY_COPY:
      if ((rc = rd_zero(v)) < 0 || (rc = rd_zero(v)) < 0) return rc;
      break;
    case WR_IMM_I32: if ((rc = rd_sleb(v, 32)) < 0) return rc; break;
    case WR_IMM_I64: if ((rc = rd_sleb(v, 64)) < 0) return rc; break;
    case WR_IMM_F32: if ((rc = rd_bytes(v, 4, NULL)) < 0) return rc; break;
    case WR_IMM_F64: if ((rc = rd_bytes(v, 8, NULL)) < 0) return rc; break;
    case WR_IMM_LANE: if ((rc = rd_bytes(v, 1, NULL)) < 0) return rc; break;
    case WR_IMM_V128: case WR_IMM_SHUFFLE: if ((rc = rd_bytes(v, 16, NULL)) < 0) return rc; break;
    case WR_IMM_SELECT_T:
      if ((rc = rd_u32(v, &n)) < 0) return rc;
      for (uint64_t i = 0; i < n; i++) {
        const uint8_t *b = NULL;
        if ((rc = rd_bytes(v, 1, &b)) < 0) return rc;
        if (!is_valtype(*b)) return verr(v, WR_ERR_MALFORMED, "malformed value type 0x%02x", *b);
      }
      break;
    case WR_IMM_REFTYPE: {
      const uint8_t *b = NULL;
      if ((rc = rd_bytes(v, 1, &b)) < 0) return rc;
      if (!wr_valtype_is_ref(*b)) return verr(v, WR_ERR_MALFORMED, "malformed reference type 0x%02x", *b);
      break;
    }
    default:
      return verr(v, WR_ERR_MALFORMED, "illegal opcode");
    }
  }
  return 0;
}

/* ---- the typing pass -------------------------------------------------------- */

static int validate_body(vctx *v) {
  uint32_t key;
  const opsig *s;
  int rc;
  v->nvals = v->slots = v->max_slots = 0;
  v->nctrls = v->nbr = 0;
  v->simd = false;
  if ((rc = enter_body(v)) < 0) return rc;
  if ((rc = push_ctrl(v, K_FUNC, v->f->type_idx)) < 0) return rc;
  while (v->nctrls > 0) {
    if (v->p >= v->end) return end_missing(v);
    v->ip = v->p;
    if ((rc = read_opcode(v, &key, &s)) < 0) return rc;
    if (key >> 16 == 0xFD) v->simd = true;
    if (s->in[0] == T_X) {
      if ((rc = by_hand(v, key)) < 0) return rc;
      continue;
    }
    if ((rc = immediates(v, s)) < 0) return rc;
    for (int i = 2; i >= 0; i--)
      if (s->in[i] && (rc = pop_expect(v, s->in[i], NULL)) < 0) return rc;
    if (s->out && (rc = push(v, s->out)) < 0) return rc;
  }
  return 0;
}

/* ---- module-level rules ----------------------------------------------------- */

static int check_limits(const wr_limits *l, wr_error *err, const char *what, uint32_t idx) {
  if (l->has_max && l->min > l->max)
    return wr_err(err, WR_ERR_INVALID, "%s %u: size minimum must not be greater than maximum", what, idx);
  return 0;
}

static int check_memtype(const wr_memtype *mt, wr_error *err, uint32_t idx) {
  int rc = check_limits(&mt->lim, err, "memory", idx);
  if (rc < 0) return rc;
  if (mt->lim.min > WR_MAX_PAGES || (mt->lim.has_max && mt->lim.max > WR_MAX_PAGES))
    return wr_err(err, WR_ERR_INVALID, "memory %u: memory size must be at most 65536 pages (4GiB)", idx);
  return 0;
}

/* A constant expression in a global, element or data segment: in Wasm 2.0 its
 * global.get may read only imported, immutable globals. Fills the type of a
 * global.get and checks the result is `want`. Returns a reason, or NULL. */
static const char *check_const(wr_module *m, wr_constexpr *ce, wr_valtype want, char *buf, size_t bufsize) {
  switch (ce->op) {
  case WR_CONST_GLOBAL_GET:
    if (ce->index >= m->nimported_globals || ce->index >= m->nglobals) {
      snprintf(buf, bufsize, "unknown global %u", ce->index);
      return buf;
    }
    if (m->globals[ce->index].mut) return "constant expression required";
    ce->type = m->globals[ce->index].type;
    break;
  case WR_CONST_REF_FUNC:
    if (ce->index >= m->nfuncs) {
      snprintf(buf, bufsize, "unknown function %u", ce->index);
      return buf;
    }
    break;
  default:
    break;
  }
  if (ce->type != want) {
    snprintf(buf, bufsize, "type mismatch: constant expression is %s, expected %s", tname(ce->type), tname(want));
    return buf;
  }
  return NULL;
}

static void mark_refable(wr_module *m, const wr_constexpr *ce) {
  if (ce->op == WR_CONST_REF_FUNC && ce->index < m->nfuncs) m->func_refable[ce->index] = 1;
}

static int canon_types(wr_module *m, wr_error *err) {
  free(m->type_canon);
  m->type_canon = NULL;
  if (m->ntypes == 0) return 0;
  m->type_canon = malloc((size_t)m->ntypes * sizeof *m->type_canon);
  uint32_t size = hash_size(m->ntypes);
  uint32_t *tab = size ? calloc(size, sizeof *tab) : NULL; /* type index + 1, 0 = empty */
  if (!m->type_canon || !tab) {
    free(tab);
    return wr_err(err, WR_ERR_NOMEM, "validator: out of memory");
  }
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wr_functype *ft = &m->types[i];
    uint32_t h = fnv(&ft->nparams, sizeof ft->nparams, 2166136261u);
    h = fnv(ft->params, ft->nparams, h);
    h = fnv(&ft->nresults, sizeof ft->nresults, h);
    h = fnv(ft->results, ft->nresults, h);
    for (uint32_t j = h & (size - 1);; j = (j + 1) & (size - 1)) {
      if (!tab[j]) {
        tab[j] = i + 1;
        m->type_canon[i] = i;
        break;
      }
      if (wr_functype_equal(&m->types[tab[j] - 1], ft)) {
        m->type_canon[i] = tab[j] - 1;
        break;
      }
    }
  }
  free(tab);
  return 0;
}

static int check_exports(wr_module *m, wr_error *err) {
  static const char *const kinds[] = {"function", "table", "memory", "global"};
  char ebuf[300];
  if (m->nexports == 0) return 0;
  uint32_t size = hash_size(m->nexports);
  uint32_t *tab = size ? calloc(size, sizeof *tab) : NULL; /* export index + 1, 0 = empty */
  if (!tab) return wr_err(err, WR_ERR_NOMEM, "validator: out of memory");
  int rc = 0;
  for (uint32_t i = 0; i < m->nexports && rc == 0; i++) {
    const wr_export *x = &m->exports[i];
    const char *name = escape(x->name.str ? x->name.str : "", x->name.len, ebuf, sizeof ebuf);
    uint32_t limit = x->kind == WR_EXTERN_FUNC ? m->nfuncs : x->kind == WR_EXTERN_TABLE ? m->ntables
                   : x->kind == WR_EXTERN_MEMORY ? m->nmems : x->kind == WR_EXTERN_GLOBAL ? m->nglobals : 0;
    if (x->kind > WR_EXTERN_GLOBAL) {
      rc = wr_err(err, WR_ERR_MALFORMED, "export \"%s\": malformed export kind", name);
      break;
    }
    if (x->index >= limit) {
      rc = wr_err(err, WR_ERR_INVALID, "export \"%s\": unknown %s %u", name, kinds[x->kind], x->index);
      break;
    }
    if (x->kind == WR_EXTERN_FUNC) m->func_refable[x->index] = 1;
    uint32_t h = fnv(x->name.str, x->name.len, 2166136261u);
    for (uint32_t j = h & (size - 1);; j = (j + 1) & (size - 1)) {
      if (!tab[j]) {
        tab[j] = i + 1;
        break;
      }
      const wr_export *o = &m->exports[tab[j] - 1];
      if (o->name.len == x->name.len && (x->name.len == 0 || memcmp(o->name.str, x->name.str, x->name.len) == 0)) {
        rc = wr_err(err, WR_ERR_INVALID, "export \"%s\": duplicate export name", name);
        break;
      }
    }
  }
  free(tab);
  return rc;
}

static int check_module(wr_module *m, wr_error *err) {
  char buf[160], ebuf[300], ebuf2[300];
  const char *why;
  int rc;

  for (uint32_t i = 0; i < m->nimports; i++) {
    const wr_import *im = &m->imports[i];
    if (im->kind == WR_EXTERN_FUNC && im->desc.type_idx >= m->ntypes)
      return wr_err(err, WR_ERR_INVALID, "import \"%s\" \"%s\": unknown type %u",
                    escape(im->module.str ? im->module.str : "", im->module.len, ebuf, sizeof ebuf),
                    escape(im->name.str ? im->name.str : "", im->name.len, ebuf2, sizeof ebuf2),
                    im->desc.type_idx);
  }
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (m->func_type[i] >= m->ntypes)
      return wr_err(err, WR_ERR_INVALID, "function %u: unknown type %u", i, m->func_type[i]);
  for (uint32_t i = 0; i + m->nimported_funcs < m->nfuncs; i++)
    if (m->funcs[i].type_idx != m->func_type[i + m->nimported_funcs])
      return wr_err(err, WR_ERR_MALFORMED, "function %u: inconsistent type index", i + m->nimported_funcs);
  for (uint32_t i = 0; i < m->ntables; i++) {
    if (!wr_valtype_is_ref(m->tables[i].elem))
      return wr_err(err, WR_ERR_MALFORMED, "table %u: malformed reference type", i);
    if ((rc = check_limits(&m->tables[i].lim, err, "table", i)) < 0) return rc;
  }
  for (uint32_t i = 0; i < m->nmems; i++)
    if ((rc = check_memtype(&m->mems[i], err, i)) < 0) return rc;
  if (m->nmems > 1) return wr_err(err, WR_ERR_INVALID, "memory 1: multiple memories");

  /* Functions named outside code (C.refs) may be taken by ref.func in code. */
  free(m->func_refable);
  m->func_refable = calloc(m->nfuncs ? m->nfuncs : 1, 1);
  if (!m->func_refable) return wr_err(err, WR_ERR_NOMEM, "validator: out of memory");

  for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
    wr_constexpr *ce = &m->global_init[i - m->nimported_globals];
    if ((why = check_const(m, ce, m->globals[i].type, buf, sizeof buf)))
      return wr_err(err, WR_ERR_INVALID, "global %u: %s", i, why);
    mark_refable(m, ce);
  }

  if ((rc = check_exports(m, err)) < 0) return rc;

  if (m->has_start) {
    if (m->start >= m->nfuncs) return wr_err(err, WR_ERR_INVALID, "start function: unknown function %u", m->start);
    const wr_functype *ft = &m->types[m->func_type[m->start]];
    if (ft->nparams || ft->nresults)
      return wr_err(err, WR_ERR_INVALID, "start function %u: start function must have type [] -> []", m->start);
  }

  for (uint32_t i = 0; i < m->nelems; i++) {
    wr_elemseg *s = &m->elems[i];
    if (!wr_valtype_is_ref(s->type)) return wr_err(err, WR_ERR_MALFORMED, "element segment %u: malformed reference type", i);
    if (s->mode == WR_SEG_ACTIVE) {
      if (s->table >= m->ntables) return wr_err(err, WR_ERR_INVALID, "element segment %u: unknown table %u", i, s->table);
      if ((why = check_const(m, &s->offset, WR_I32, buf, sizeof buf)))
        return wr_err(err, WR_ERR_INVALID, "element segment %u: offset: %s", i, why);
      if (m->tables[s->table].elem != s->type)
        return wr_err(err, WR_ERR_INVALID, "element segment %u: type mismatch: segment of %s for table %u of %s", i,
                      tname(s->type), s->table, tname(m->tables[s->table].elem));
    }
    for (uint32_t j = 0; j < s->count; j++) {
      if ((why = check_const(m, &s->items[j], s->type, buf, sizeof buf)))
        return wr_err(err, WR_ERR_INVALID, "element segment %u: item %u: %s", i, j, why);
      mark_refable(m, &s->items[j]);
    }
  }

  for (uint32_t i = 0; i < m->ndatas; i++) {
    wr_dataseg *s = &m->datas[i];
    if (s->mode != WR_SEG_ACTIVE) continue;
    if (s->mem >= m->nmems) return wr_err(err, WR_ERR_INVALID, "data segment %u: unknown memory %u", i, s->mem);
    if ((why = check_const(m, &s->offset, WR_I32, buf, sizeof buf)))
      return wr_err(err, WR_ERR_INVALID, "data segment %u: offset: %s", i, why);
  }
  if (m->has_datacount && m->datacount != m->ndatas)
    return wr_err(err, WR_ERR_MALFORMED, "data count and data section have inconsistent lengths");
  return 0;
}

/* Some function or constant uses v128: the modes that lack SIMD refuse such modules
 * up front rather than at the first SIMD instruction. */
static bool module_mentions_v128(const wr_module *m) {
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wr_functype *ft = &m->types[i];
    if (ft->nparams && memchr(ft->params, WR_V128, ft->nparams)) return true;
    if (ft->nresults && memchr(ft->results, WR_V128, ft->nresults)) return true;
  }
  for (uint32_t i = 0; i < m->nglobals; i++)
    if (m->globals[i].type == WR_V128) return true;
  for (uint32_t i = 0; i + m->nimported_funcs < m->nfuncs; i++) {
    const wr_function *f = &m->funcs[i];
    uint64_t n = (uint64_t)m->types[f->type_idx].nparams + f->nlocals;
    if (f->uses_simd || (n && memchr(f->local_types, WR_V128, n))) return true;
  }
  return false;
}

int wr_module_validate(wr_module *m, wr_error *err) {
  int rc;
  vctx v = {.m = m, .err = err};
  for (uint32_t i = 0; i + m->nimported_funcs < m->nfuncs; i++) {
    v.f = &m->funcs[i];
    v.func_idx = i + m->nimported_funcs;
    if ((rc = scan_body(&v)) < 0) goto out;
  }
  if ((rc = canon_types(m, err)) < 0) goto out;
  if ((rc = check_module(m, err)) < 0) goto out;

  for (uint32_t i = 0; i + m->nimported_funcs < m->nfuncs; i++) {
    wr_function *f = &m->funcs[i];
    v.f = f;
    v.func_idx = i + m->nimported_funcs;
    free(f->branches);
    f->branches = NULL;
    f->nbranches = 0;
    free(f->v128_ops);
    f->v128_ops = NULL;
    free(f->local_slot);
    f->local_slot = NULL;
    v.v128_ops = NULL;
    rc = validate_body(&v);
    f->v128_ops = v.v128_ops; /* freed with the module even when validation failed */
    if (rc < 0) goto out;
    uint32_t nl = m->types[f->type_idx].nparams + f->nlocals;
    if (nl && memchr(f->local_types, WR_V128, nl)) {
      f->local_slot = malloc((size_t)nl * sizeof *f->local_slot);
      if (!f->local_slot) {
        rc = wr_err(err, WR_ERR_NOMEM, "validator: out of memory");
        goto out;
      }
      for (uint32_t k = 0, slot = 0; k < nl; k++) {
        f->local_slot[k] = slot;
        slot += wr_valtype_slots(f->local_types[k]);
      }
    }
    if (v.nbr) {
      f->branches = malloc((size_t)v.nbr * sizeof *f->branches);
      if (!f->branches) {
        rc = wr_err(err, WR_ERR_NOMEM, "validator: out of memory");
        goto out;
      }
      memcpy(f->branches, v.br, (size_t)v.nbr * sizeof *f->branches);
    }
    f->nbranches = v.nbr;
    f->max_stack = v.max_slots;
    f->uses_simd = v.simd;
  }
  if (module_mentions_v128(m)) m->uses_simd = true;
  rc = 0;
out:
  free(v.vals);
  free(v.ctrls);
  free(v.br);
  free(v.kinds);
  return rc;
}
