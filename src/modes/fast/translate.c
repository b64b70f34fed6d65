/* translate.c: turns a validated function into the fast interpreter's code.
 *
 * One forward pass over the bytecode (plus a pre-pass that pools constants, so
 * the frame layout is known before any operand is emitted). A compile-time stack
 * mirrors the operand stack; each entry says where its value is: in its own temp
 * slot, in a local, or in a pooled constant. local.get and const push a location
 * without emitting code, and the consumer names it as an operand. Rules that keep
 * this sound:
 *   - local.set/tee of a local with pending references on the stack first copies
 *     those values into their temps (a per-local chain finds them in O(refs));
 *   - entering a block, loop or if copies every pending local reference below it
 *     (code inside may set the local on only some paths, or loop back);
 *   - at a label, values are where the stack shape says: temps at their height.
 * A result written to the top temp and immediately stored by local.set is
 * retargeted to the local instead; a comparison feeding br_if/if becomes one
 * compare-and-branch; a result consumed by the very next instruction goes through
 * the accumulator register (FAST_ACC_OPS in fast.h). Everything is linear in the
 * size of the function: no pass goes back further than the last instruction,
 * except patching forward branches, each patched once. */
#include <stdlib.h>
#include <string.h>

#include "modes/fast/fast.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

enum { V_TEMP, V_LOCAL, V_CONST };
enum { C_FUNC, C_BLOCK, C_LOOP, C_IF };
#define NONE UINT32_MAX
/* Pooled constants are copied into every frame, so the pool stays small; the rest
 * are materialised with CONST where used. */
#define MAX_POOLED 128

typedef struct ventry {
  uint8_t kind;
  uint32_t slot; /* V_LOCAL, V_CONST */
  int32_t next;  /* V_LOCAL: the next lower reference to the same local, or -1 */
} ventry;

typedef struct cframe {
  uint8_t kind;
  bool has_else;
  uint32_t base;      /* stack height below the block's params */
  uint32_t nparams, nresults;
  uint32_t loop_pos;  /* C_LOOP: the first unit of the body */
  uint32_t patch;     /* chain of forward branch targets to this block's end */
  uint32_t else_patch;
  uint32_t stub_tab, stub_at; /* br_table (by its table's unit) whose stub to here is at stub_at */
} cframe;

typedef struct tr {
  const wr_module *m;
  const wr_function *fn;
  const int32_t *H;
  fcode *code;
  uint32_t len, cap;
  ventry *st;
  uint32_t h, clean; /* entries below `clean` are not local references */
  int32_t *head;     /* per local: the topmost stack entry referring to it, or -1 */
  cframe *cf;
  uint32_t ncf, capcf;
  uint32_t tb;       /* slot of the temp at height 0 */
  uint32_t hdr;
  /* constant pool: open addressing on the bits */
  uint64_t *ckey;
  uint32_t *cslot;
  uint32_t cmask, nconsts;
  uint64_t *consts;
  /* peephole state: the last instruction, if its result is the top temp */
  uint32_t last_ins, last_dst, last_h;
  int last_cmp; /* fast_op of the last instruction if a fusable compare, else -1 */
  int last_acc;  /* FAST_ACC_OPS index of the last instruction if it writes a slot */
  int last_form; /* and its form: F_PLAIN, F_XA or F_XB */
  bool oom;
} tr;

static bool reserve(tr *t, uint32_t n) {
  if (t->len + n <= t->cap) return true;
  uint32_t cap = t->cap ? t->cap : 256;
  while (cap < t->len + n) cap *= 2;
  fcode *c = realloc(t->code, cap * sizeof *c);
  if (!c) {
    t->oom = true;
    return false;
  }
  t->code = c;
  t->cap = cap;
  return true;
}

/* Starts an instruction; room for 8 units is always made, longer ones reserve more. */
static void op(tr *t, int fop) {
  if (!reserve(t, 8)) t->len = 0; /* keep writing into the buffer; oom is reported at the end */
  t->last_ins = t->len;
  t->last_dst = NONE;
  t->last_cmp = -1;
  t->last_acc = -1;
  t->code[t->len++] = (fcode)t->H[fop];
}
static inline void u(tr *t, uint32_t v) { t->code[t->len++] = v; }

/* ---- the compile-time stack ---------------------------------------------------- */

static inline uint32_t slot_of(tr *t, uint32_t i) {
  return t->st[i].kind == V_TEMP ? t->tb + i : t->st[i].slot;
}
static inline uint32_t top_slot(tr *t, uint32_t k) { return slot_of(t, t->h - 1 - k); }

static void pop(tr *t) {
  ventry *e = &t->st[--t->h];
  if (e->kind == V_LOCAL) t->head[e->slot] = e->next;
  if (t->clean > t->h) t->clean = t->h;
}
static void popn(tr *t, uint32_t n) {
  while (n--) pop(t);
}
static uint32_t push_temp(tr *t) {
  t->st[t->h] = (ventry){V_TEMP, 0, -1};
  return t->tb + t->h++;
}
static void push_local(tr *t, uint32_t l) {
  t->st[t->h] = (ventry){V_LOCAL, l, t->head[l]};
  t->head[l] = (int32_t)t->h++;
}
static void push_const_slot(tr *t, uint32_t s) { t->st[t->h++] = (ventry){V_CONST, s, -1}; }

static void mov(tr *t, uint32_t dst, uint32_t src) {
  if (dst == src) return;
  op(t, FOP_MOV);
  u(t, dst);
  u(t, src);
}

/* Copies the value of entry i into its temp. */
static void to_temp(tr *t, uint32_t i) {
  ventry *e = &t->st[i];
  if (e->kind == V_TEMP) return;
  mov(t, t->tb + i, e->slot);
  e->kind = V_TEMP;
}

/* Before a local changes: its pending references become copies. */
static void detach_local(tr *t, uint32_t l) {
  for (int32_t i = t->head[l]; i >= 0; i = t->st[i].next) to_temp(t, (uint32_t)i);
  t->head[l] = -1;
}

/* Before a block: no local reference may stay on the stack (top down, so each
 * one met is its local's topmost). */
static void detach_all(tr *t) {
  for (uint32_t i = t->h; i-- > t->clean;) {
    ventry *e = &t->st[i];
    if (e->kind == V_LOCAL) {
      t->head[e->slot] = e->next;
      to_temp(t, i);
    }
  }
  t->clean = t->h;
}

/* The top n entries into their temps (block params and results, call arguments).
 * Top down, so each local reference met is its local's topmost: O(1) to unlink. */
static void top_to_temps(tr *t, uint32_t n) {
  for (uint32_t i = t->h; i-- > t->h - n;) {
    ventry *e = &t->st[i];
    if (e->kind == V_LOCAL) t->head[e->slot] = e->next;
    to_temp(t, i);
  }
}

/* ---- constants ------------------------------------------------------------------ */

static uint32_t chash(uint64_t v) { return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> 40); }

/* The pool slot of v, adding it while the pool has room; NONE if it is full. */
static uint32_t const_slot(tr *t, uint64_t v, bool add) {
  uint32_t i = chash(v) & t->cmask;
  while (t->cslot[i] != NONE) {
    if (t->ckey[i] == v) return t->cslot[i];
    i = (i + 1) & t->cmask;
  }
  if (!add || t->nconsts >= MAX_POOLED) return NONE;
  t->ckey[i] = v;
  t->cslot[i] = t->nconsts;
  t->consts[t->nconsts++] = v;
  return t->cslot[i];
}

static void push_const(tr *t, uint64_t v) {
  uint32_t k = const_slot(t, v, false);
  if (k != NONE) {
    push_const_slot(t, t->fn->local_slots + k);
    return;
  }
  op(t, FOP_CONST);
  u(t, 0);
  u(t, (uint32_t)v);
  u(t, (uint32_t)(v >> 32));
  uint32_t d = push_temp(t);
  t->code[t->last_ins + 1] = d;
  t->last_dst = t->last_ins + 1;
  t->last_h = t->h - 1;
}

/* ---- immediates ------------------------------------------------------------------ */

static void block_type(tr *t, const uint8_t **ip, uint32_t *np, uint32_t *nr) {
  if (**ip == 0x40) {
    (*ip)++;
    *np = *nr = 0;
  } else if (**ip >= 0x6F && **ip <= 0x7F) {
    (*ip)++;
    *np = 0;
    *nr = 1;
  } else {
    const wr_functype *ft = &t->m->types[(uint32_t)wr_sleb64_unchecked(ip)];
    *np = ft->nparams;
    *nr = ft->nresults;
  }
}

static void skip_imm(const uint8_t **ip, uint8_t imm) {
  switch (imm) {
    case WR_IMM_NONE: break;
    case WR_IMM_BLOCK:
      if (**ip == 0x40 || (**ip >= 0x6F && **ip <= 0x7F)) (*ip)++;
      else wr_sleb64_unchecked(ip);
      break;
    case WR_IMM_BR_TABLE: {
      uint32_t n = wr_uleb32_unchecked(ip);
      for (uint32_t i = 0; i <= n; i++) wr_uleb32_unchecked(ip);
      break;
    }
    case WR_IMM_SELECT_T: {
      uint32_t n = wr_uleb32_unchecked(ip);
      *ip += n;
      break;
    }
    case WR_IMM_MEMIDX: case WR_IMM_REFTYPE: (*ip)++; break;
    case WR_IMM_I32: case WR_IMM_I64: wr_sleb64_unchecked(ip); break;
    case WR_IMM_F32: *ip += 4; break;
    case WR_IMM_F64: *ip += 8; break;
    case WR_IMM_MEMORY_INIT: wr_uleb32_unchecked(ip); (*ip)++; break;
    case WR_IMM_MEMORY_COPY: *ip += 2; break;
    case WR_IMM_CALL_INDIRECT: case WR_IMM_MEMARG: case WR_IMM_TABLE_INIT: case WR_IMM_TABLE_COPY:
      wr_uleb32_unchecked(ip);
      wr_uleb32_unchecked(ip);
      break;
    default: wr_uleb32_unchecked(ip); break; /* one index */
  }
}

/* Reads the next instruction's prefix and code. */
static uint32_t next_op(const uint8_t **ip, uint8_t *prefix) {
  uint8_t b = *(*ip)++;
  if (b == 0xFC || b == 0xFD) {
    *prefix = b;
    return wr_uleb32_unchecked(ip);
  }
  *prefix = 0;
  return b;
}

/* Pre-pass: pool the first MAX_POOLED distinct constants. */
static void pool_consts(tr *t) {
  const uint8_t *ip = t->fn->code;
  while (ip < t->fn->code_end && t->nconsts < MAX_POOLED) {
    uint8_t prefix;
    uint32_t c = next_op(&ip, &prefix);
    if (prefix == 0) {
      switch (c) {
        case 0x41: const_slot(t, (uint32_t)wr_sleb32_unchecked(&ip), true); continue;
        case 0x42: const_slot(t, (uint64_t)wr_sleb64_unchecked(&ip), true); continue;
        case 0x43: const_slot(t, wr_load_u32le(ip), true); ip += 4; continue;
        case 0x44: const_slot(t, wr_load_u64le(ip), true); ip += 8; continue;
        case 0xD0: const_slot(t, 0, true); ip++; continue;
      }
    }
    const wr_opinfo *info = wr_opcode_info(prefix, c);
    skip_imm(&ip, info ? info->imm : WR_IMM_NONE);
  }
}

/* ---- control ---------------------------------------------------------------------- */

static void label_here(tr *t, uint32_t chain) {
  while (chain != NONE && !t->oom) { /* after a failed allocation the chain is lost */
    uint32_t next = t->code[chain];
    t->code[chain] = t->len - chain;
    chain = next;
  }
}

/* Appends a branch target to frame f (a unit patched when f's end is known). */
static void target(tr *t, cframe *f) {
  if (f->kind == C_LOOP) {
    t->code[t->len] = (fcode)(f->loop_pos - t->len);
    t->len++;
  } else {
    u(t, f->patch);
    f->patch = t->len - 1;
  }
}

static bool push_frame(tr *t, uint8_t kind, uint32_t np, uint32_t nr) {
  if (t->ncf == t->capcf) {
    uint32_t cap = t->capcf * 2;
    cframe *c = realloc(t->cf, cap * sizeof *c);
    if (!c) return t->oom = true, false;
    t->cf = c;
    t->capcf = cap;
  }
  t->cf[t->ncf++] = (cframe){kind, false, t->h - np, np, nr, t->len, NONE, NONE, NONE, NONE};
  return true;
}

static void emit_return(tr *t) {
  uint32_t nr = t->cf[0].nresults;
  if (nr == 1) {
    op(t, FOP_RET1);
    u(t, t->hdr);
    u(t, top_slot(t, 0));
    return;
  }
  /* Results go to slots 0..nr-1 in order: when a local or constant there is still
   * needed by a later result, everything goes through the temps first (above
   * hdr >= nr). The compile-time stack is left alone: this may be one path only. */
  bool via_temps = false;
  for (uint32_t i = 0; i < nr; i++) {
    ventry *e = &t->st[t->h - nr + i];
    if (e->kind != V_TEMP && e->slot < nr && e->slot != i) via_temps = true;
  }
  for (uint32_t i = 0; via_temps && i < nr; i++) mov(t, t->tb + t->h - nr + i, slot_of(t, t->h - nr + i));
  for (uint32_t i = 0; i < nr; i++)
    mov(t, i, via_temps ? t->tb + t->h - nr + i : slot_of(t, t->h - nr + i));
  op(t, FOP_RET);
  u(t, t->hdr);
}

/* Whether branching to f from the current stack (values at the top, below `skip`
 * entries that the branch consumes first) needs value moves. */
static bool needs_moves(tr *t, cframe *f, uint32_t skip) {
  if (f->kind == C_FUNC) return true;
  uint32_t n = f->kind == C_LOOP ? f->nparams : f->nresults;
  uint32_t top = t->h - skip;
  for (uint32_t i = 0; i < n; i++)
    if (slot_of(t, top - n + i) != t->tb + f->base + i) return true;
  return false;
}

/* An unconditional branch to f with the stack as it is (moves, then the jump). */
static void branch(tr *t, cframe *f) {
  if (f->kind == C_FUNC) {
    emit_return(t);
    return;
  }
  uint32_t n = f->kind == C_LOOP ? f->nparams : f->nresults;
  /* ascending: sources are never below their destinations */
  for (uint32_t i = 0; i < n; i++) mov(t, t->tb + f->base + i, slot_of(t, t->h - n + i));
  op(t, FOP_JMP);
  target(t, f);
}

/* Pops the condition on top and emits "jump if cond == when" with its target unit
 * left for the caller (return value: that unit's index). A compare just computed
 * into the condition is fused into the jump. */
static uint32_t cond_jump(tr *t, bool when) {
  uint32_t c = top_slot(t, 0);
  bool fresh = t->st[t->h - 1].kind == V_TEMP && t->last_dst != NONE && t->last_h == t->h - 1;
  int cmp = fresh ? t->last_cmp : -1;
  bool eqz = fresh && t->code[t->last_ins] == (fcode)t->H[FOP_I32_EQZ];
  pop(t);
  if (cmp >= 0) {
    uint32_t a = t->code[t->last_ins + 2], b = t->code[t->last_ins + 3];
    t->len = t->last_ins;
    op(t, when ? cmp : cmp + 1); /* JT_x, JF_x */
    u(t, a);
    u(t, b);
  } else if (eqz) {
    uint32_t a = t->code[t->last_ins + 2];
    t->len = t->last_ins;
    op(t, when ? FOP_JZ : FOP_JNZ);
    u(t, a);
  } else {
    op(t, when ? FOP_JNZ : FOP_JZ);
    u(t, c);
  }
  u(t, NONE);
  return t->len - 1;
}

/* ---- the pass ------------------------------------------------------------------- */

/* Shapes of the instructions with a fixed signature, from opcodes.def. */
#define IS__ 0
#define IS_X 0
#define IS_I32 1
#define IS_I64 1
#define IS_F32 1
#define IS_F64 1
#define IS_V128 1
#define SHAPE_0x00(name, npop, res) [FOP_##name] = {npop, res, true},
#define SHAPE_0xFC(name, npop, res) [FOP_##name] = {npop, res, true},
#define SHAPE_0xFD(name, npop, res)
static const struct { uint8_t npop, res; bool fixed; } shape[FOP_COUNT] = {
#define OP(name, text, prefix, code, imm, al, ln, p1, p2, p3, r) \
  SHAPE_##prefix(name, IS_##p1 + IS_##p2 + IS_##p3, IS_##r)
#include "wasm/opcodes.def"
#undef OP
};
static const uint16_t fop_of_fc[] = {
#define FC_0x00(name, code)
#define FC_0xFC(name, code) [code] = FOP_##name,
#define FC_0xFD(name, code)
#define OP(name, text, prefix, code, ...) FC_##prefix(name, code)
#include "wasm/opcodes.def"
#undef OP
};
static const uint16_t fop_of_byte[256] = {
#define PL_0x00(name, code) [code] = FOP_##name,
#define PL_0xFC(name, code)
#define PL_0xFD(name, code)
#define OP(name, text, prefix, code, ...) PL_##prefix(name, code)
#include "wasm/opcodes.def"
#undef OP
};

static bool is_fusable(int fop) {
  switch (fop) {
#define X(name, T, e) case FOP_##name:
    FAST_CMPS(X)
#undef X
    return true;
  }
  return false;
}
static int fused_of(int fop) {
  switch (fop) {
#define X(name, T, e) case FOP_##name: return FOP_JT_##name;
    FAST_CMPS(X)
#undef X
  }
  return -1;
}

/* Accumulator forms of FAST_ACC_OPS, indexed by F_*. */
enum { F_PLAIN, F_A, F_XA, F_XB, F_AA, F_AB };
enum {
#define X(name, ...) ACC_##name,
  FAST_ACC_OPS(X) FAST_ACC_LOADS(X) FAST_ACC_STORES(X)
#undef X
  ACC_ALL
};
/* 0: no such form */
static const uint16_t acc_forms[ACC_ALL][6] = {
#define X(name, ...) {FOP_##name, FOP_##name##_A, FOP_##name##_XA, FOP_##name##_XB, FOP_##name##_AA, FOP_##name##_AB},
    FAST_ACC_OPS(X)
#undef X
#define X(name, ...) [ACC_##name] = {FOP_##name, FOP_##name##_A, FOP_##name##_XA, 0, FOP_##name##_AA, 0},
    FAST_ACC_LOADS(X)
#undef X
#define X(name, ...) [ACC_##name] = {FOP_##name, 0, FOP_##name##_XA, FOP_##name##_XB, 0, 0},
    FAST_ACC_STORES(X)
#undef X
};
static int acc_of(int fop) {
  switch (fop) {
#define X(name, ...) case FOP_##name: return ACC_##name;
    FAST_ACC_OPS(X) FAST_ACC_LOADS(X) FAST_ACC_STORES(X)
#undef X
  }
  return -1;
}

/* When an operand of accumulator-capable op `acc` is the result the last
 * instruction (also accumulator-capable) just made, that one is turned into its
 * result-to-acc form and the form reading it is returned. A temp is read once,
 * by the instruction that pops it, so its slot need not be written. Fusing a
 * compare into a branch needs its operands in slots, hence the care there. */
static int acc_form(tr *t, int acc, uint32_t npop) {
  if (acc < 0 || t->last_acc < 0 || t->last_dst == NONE) return F_PLAIN;
  uint32_t k = t->last_h;
  if (k < t->h - npop || t->st[k].kind != V_TEMP) return F_PLAIN;
  int form = k == t->h - npop ? F_XA : F_XB; /* first operand or second */
  int pf = t->last_form == F_PLAIN ? F_A : t->last_form == F_XA ? F_AA : F_AB;
  if (!acc_forms[acc][form] || !acc_forms[t->last_acc][pf]) return F_PLAIN;
  t->code[t->last_ins] = (fcode)t->H[acc_forms[t->last_acc][pf]];
  return form;
}

/* The generic form: op [dst] operands... immediates... */
static void generic(tr *t, int fop, uint8_t prefix, uint32_t code, const uint8_t **ip) {
  const wr_opinfo *info = wr_opcode_info(prefix, code);
  uint32_t npop = shape[fop].npop, res = shape[fop].res;
  int acc = acc_of(fop);
  int form = acc_form(t, acc, npop);
  op(t, acc >= 0 ? acc_forms[acc][form] : fop);
  uint32_t ins = t->last_ins;
  if (res) u(t, 0);
  for (uint32_t i = 0; i < npop; i++) u(t, top_slot(t, npop - 1 - i));
  switch (info->imm) {
    case WR_IMM_MEMARG: wr_uleb32_unchecked(ip); u(t, wr_uleb32_unchecked(ip)); break;
    case WR_IMM_MEMIDX: (*ip)++; break;
    case WR_IMM_MEMORY_INIT: u(t, wr_uleb32_unchecked(ip)); (*ip)++; break;
    case WR_IMM_MEMORY_COPY: *ip += 2; break;
    case WR_IMM_TABLE_INIT: case WR_IMM_TABLE_COPY:
      u(t, wr_uleb32_unchecked(ip));
      u(t, wr_uleb32_unchecked(ip));
      break;
    case WR_IMM_DATA: case WR_IMM_ELEM: case WR_IMM_TABLE: u(t, wr_uleb32_unchecked(ip)); break;
    default: break;
  }
  popn(t, npop);
  if (res) {
    t->code[ins + 1] = push_temp(t);
    t->last_dst = ins + 1;
    t->last_h = t->h - 1;
    if (is_fusable(fop) && form == F_PLAIN) t->last_cmp = fused_of(fop);
    if (acc >= 0) {
      t->last_acc = acc;
      t->last_form = form;
    }
  }
}

static int translate(tr *t) {
  const wr_function *fn = t->fn;
  const wr_functype *ft = &t->m->types[fn->type_idx];
  const uint8_t *ip = fn->code;
  bool live = true;
  uint32_t dead_depth = 0;
  push_frame(t, C_FUNC, 0, ft->nresults);

  while (ip < fn->code_end && !t->oom) {
    uint8_t prefix;
    uint32_t c = next_op(&ip, &prefix);
    if (!live) {
      /* Unreachable code: only follow the nesting to find where it ends. */
      if (prefix == 0 && (c == 0x02 || c == 0x03 || c == 0x04)) {
        dead_depth++;
        skip_imm(&ip, WR_IMM_BLOCK);
        continue;
      }
      if (prefix == 0 && c == 0x0B && dead_depth) {
        dead_depth--;
        continue;
      }
      if (!(prefix == 0 && (c == 0x0B || (c == 0x05 && dead_depth == 0)))) {
        const wr_opinfo *info = wr_opcode_info(prefix, c);
        skip_imm(&ip, info ? info->imm : WR_IMM_NONE);
        continue;
      }
      /* else/end of the frame the dead code is in: handled below, from its base */
    }
    int fop = prefix == 0xFC ? fop_of_fc[c] : fop_of_byte[c];
    if (prefix == 0xFC) goto generic_op;
    switch (c) {
      case 0x00: /* unreachable */
        op(t, FOP_UNREACHABLE);
        goto dead;
      case 0x01: break;
      case 0x02: case 0x03: case 0x04: { /* block, loop, if */
        uint32_t np, nr, else_at = NONE;
        block_type(t, &ip, &np, &nr);
        if (c == 0x04 && t->st[t->h - 1].kind == V_LOCAL) {
          /* a local as the condition: read it in place, after the flush below it */
          uint32_t l = t->st[t->h - 1].slot;
          pop(t);
          detach_all(t);
          top_to_temps(t, np);
          op(t, FOP_JZ);
          u(t, l);
          u(t, NONE);
          else_at = t->len - 1;
        } else if (c == 0x04) {
          /* flush below the condition, then branch on it */
          t->h--;
          detach_all(t);
          top_to_temps(t, np);
          t->h++;
          else_at = cond_jump(t, false);
        } else {
          detach_all(t);
          top_to_temps(t, np);
        }
        t->last_dst = NONE; /* a loop start is a label */
        if (!push_frame(t, c == 0x02 ? C_BLOCK : c == 0x03 ? C_LOOP : C_IF, np, nr)) break;
        t->cf[t->ncf - 1].else_patch = else_at;
        break;
      }
      case 0x05: { /* else */
        cframe *f = &t->cf[t->ncf - 1];
        if (live) {
          top_to_temps(t, f->nresults);
          op(t, FOP_JMP);
          target(t, f);
        }
        label_here(t, f->else_patch);
        f->else_patch = NONE;
        f->has_else = true;
        popn(t, t->h - f->base);
        for (uint32_t i = 0; i < f->nparams; i++) push_temp(t);
        t->last_dst = NONE;
        live = true;
        break;
      }
      case 0x0B: { /* end */
        cframe *f = &t->cf[t->ncf - 1];
        if (f->kind == C_FUNC) {
          if (live) emit_return(t); /* branches to this label return where they are */
          t->ncf--;
          live = false;
          break;
        }
        if (live) top_to_temps(t, f->nresults);
        label_here(t, f->patch);
        label_here(t, f->else_patch);
        popn(t, t->h - f->base);
        for (uint32_t i = 0; i < f->nresults; i++) push_temp(t);
        t->ncf--;
        t->last_dst = NONE;
        live = true;
        break;
      }
      case 0x0C: /* br */
        branch(t, &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)]);
        goto dead;
      case 0x0D: { /* br_if */
        cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)];
        if (!needs_moves(t, f, 1)) {
          cond_jump(t, true);
          t->len--; /* the target unit, rewritten for f */
          target(t, f);
        } else {
          uint32_t skip = cond_jump(t, false);
          branch(t, f);
          label_here(t, skip);
          t->last_dst = NONE;
        }
        break;
      }
      case 0x0F: /* return */
        emit_return(t);
        goto dead;
      case 0x0E: { /* br_table */
        uint32_t n = wr_uleb32_unchecked(&ip);
        uint32_t i = top_slot(t, 0);
        pop(t);
        if (!reserve(t, n + 8)) break;
        op(t, FOP_BR_TABLE_F);
        u(t, i);
        u(t, n);
        uint32_t tab = t->len;
        t->len += n + 1;
        /* entries whose target needs moves jump to a stub after the table */
        for (uint32_t k = 0; k <= n; k++) {
          cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)];
          uint32_t save = t->len;
          if (!needs_moves(t, f, 0)) {
            t->len = tab + k;
            target(t, f);
            t->len = save;
          } else if (f->stub_tab == tab) { /* one stub per target */
            t->code[tab + k] = f->stub_at - (tab + k);
          } else {
            f->stub_tab = tab;
            f->stub_at = t->len;
            t->code[tab + k] = t->len - (tab + k);
            branch(t, f);
          }
        }
        goto dead;
      }
      case 0x10: case 0x11: { /* call, call_indirect */
        uint32_t idx = wr_uleb32_unchecked(&ip), table = 0;
        const wr_functype *ct;
        uint32_t islot = 0;
        if (c == 0x11) {
          table = wr_uleb32_unchecked(&ip);
          ct = &t->m->types[idx];
          islot = top_slot(t, 0); /* read by the call before the callee's frame exists */
          pop(t);
        } else {
          ct = &t->m->types[t->m->func_type[idx]];
        }
        uint32_t np = ct->nparams, nr = ct->nresults;
        /* arguments in their temps become the callee's first slots; the caller's
         * locals cannot change during the call, so references below may stay */
        top_to_temps(t, np);
        uint32_t argslot = t->tb + t->h - np;
        if (c == 0x10) {
          op(t, FOP_CALL_F);
          u(t, idx);
          u(t, argslot);
        } else {
          op(t, FOP_CALL_INDIRECT_F);
          u(t, idx);
          u(t, table);
          u(t, islot);
          u(t, argslot);
        }
        popn(t, np);
        for (uint32_t i = 0; i < nr; i++) push_temp(t);
        break;
      }
      case 0x1A: pop(t); break; /* drop */
      case 0x1C: skip_imm(&ip, WR_IMM_SELECT_T); /* fall through */
      case 0x1B: { /* select */
        uint32_t cs = top_slot(t, 0), b = top_slot(t, 1), a = top_slot(t, 2);
        op(t, FOP_SELECT);
        uint32_t ins = t->last_ins;
        u(t, 0);
        u(t, a);
        u(t, b);
        u(t, cs);
        popn(t, 3);
        t->code[ins + 1] = push_temp(t);
        t->last_dst = ins + 1;
        t->last_h = t->h - 1;
        break;
      }
      case 0x20: push_local(t, wr_uleb32_unchecked(&ip)); break;
      case 0x21: case 0x22: { /* local.set, local.tee */
        uint32_t l = wr_uleb32_unchecked(&ip);
        ventry *e = &t->st[t->h - 1];
        if (e->kind == V_LOCAL && e->slot == l) {
          if (c == 0x21) pop(t);
          break;
        }
        if (e->kind == V_TEMP && t->last_dst != NONE && t->last_h == t->h - 1 && t->head[l] < 0) {
          t->code[t->last_dst] = l; /* the producer writes the local directly */
          t->last_dst = NONE;
          t->last_cmp = -1;
          pop(t);
        } else {
          detach_local(t, l);
          uint32_t s = top_slot(t, 0);
          pop(t);
          mov(t, l, s);
        }
        if (c == 0x22) push_local(t, l);
        break;
      }
      case 0x23: {
        op(t, FOP_GLOBAL_GET);
        uint32_t ins = t->last_ins;
        u(t, 0);
        u(t, wr_uleb32_unchecked(&ip));
        t->code[ins + 1] = push_temp(t);
        t->last_dst = ins + 1;
        t->last_h = t->h - 1;
        break;
      }
      case 0x24:
        op(t, FOP_GLOBAL_SET);
        u(t, top_slot(t, 0));
        u(t, wr_uleb32_unchecked(&ip));
        pop(t);
        break;
      case 0x25: /* table.get: dst i table */
        op(t, FOP_TABLE_GET);
        u(t, t->tb + t->h - 1);
        u(t, top_slot(t, 0));
        u(t, wr_uleb32_unchecked(&ip));
        pop(t);
        push_temp(t);
        break;
      case 0x26: /* table.set: i v table */
        op(t, FOP_TABLE_SET);
        u(t, top_slot(t, 1));
        u(t, top_slot(t, 0));
        u(t, wr_uleb32_unchecked(&ip));
        popn(t, 2);
        break;
      case 0x41: push_const(t, (uint32_t)wr_sleb32_unchecked(&ip)); break;
      case 0x42: push_const(t, (uint64_t)wr_sleb64_unchecked(&ip)); break;
      case 0x43: push_const(t, wr_load_u32le(ip)); ip += 4; break;
      case 0x44: push_const(t, wr_load_u64le(ip)); ip += 8; break;
      case 0xD0: ip++; push_const(t, 0); break;
      case 0xBC: case 0xBD: case 0xBE: case 0xBF: break; /* reinterpret: same bits */
      case 0xD1: /* ref.is_null: dst a */
        op(t, FOP_REF_IS_NULL);
        u(t, t->tb + t->h - 1);
        u(t, top_slot(t, 0));
        pop(t);
        push_temp(t);
        break;
      case 0xD2:
        op(t, FOP_REF_FUNC);
        u(t, t->tb + t->h);
        u(t, wr_uleb32_unchecked(&ip));
        push_temp(t);
        break;
      default:
      generic_op:
        if (prefix == 0xFC && (c == 0x0F || c == 0x11)) {
          /* table.grow: dst init n table; table.fill: i v n table */
          uint32_t tab = wr_uleb32_unchecked(&ip);
          if (c == 0x0F) {
            op(t, FOP_TABLE_GROW);
            u(t, t->tb + t->h - 2);
            u(t, top_slot(t, 1));
            u(t, top_slot(t, 0));
            u(t, tab);
            popn(t, 2);
            push_temp(t);
          } else {
            op(t, FOP_TABLE_FILL);
            u(t, top_slot(t, 2));
            u(t, top_slot(t, 1));
            u(t, top_slot(t, 0));
            u(t, tab);
            popn(t, 3);
          }
          break;
        }
        generic(t, fop, prefix, c, &ip);
        break;
    }
    continue;
  dead:
    live = false;
    dead_depth = 0;
    popn(t, t->h - t->cf[t->ncf - 1].base);
  }
  return t->oom ? -1 : 0;
}

int wr_fast_translate(wr_instance *inst, uint32_t def, fast_func **out, wr_error *err) {
  const wr_module *m = inst->module;
  const wr_function *fn = &m->funcs[def];
  const wr_functype *ft = &m->types[fn->type_idx];
  tr t = {.m = m, .fn = fn, .H = wr_fast_handlers(), .last_dst = NONE, .last_cmp = -1, .last_acc = -1};
  uint32_t maxh = fn->max_stack + 1;
  t.st = malloc(maxh * sizeof *t.st);
  t.head = malloc((fn->local_slots + 1) * sizeof *t.head);
  t.capcf = 16;
  t.cf = malloc(t.capcf * sizeof *t.cf);
  t.cmask = 2 * MAX_POOLED - 1;
  t.ckey = malloc((t.cmask + 1) * sizeof *t.ckey);
  t.cslot = malloc((t.cmask + 1) * sizeof *t.cslot);
  t.consts = malloc(MAX_POOLED * sizeof *t.consts);
  fast_func *f = calloc(1, sizeof *f);
  int rc = 0;
  t.cap = (uint32_t)(fn->code_end - fn->code) * 2 + 64;
  t.code = malloc(t.cap * sizeof *t.code);
  if (!t.code || !t.head || !t.cf || !t.ckey || !t.cslot || !t.consts || !f) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  memset(t.head, 0xFF, (fn->local_slots + 1) * sizeof *t.head);
  memset(t.cslot, 0xFF, (t.cmask + 1) * sizeof *t.cslot);
  pool_consts(&t);
  /* the header must survive the results being written to slots 0.. */
  t.hdr = fn->local_slots + t.nconsts;
  if (t.hdr < ft->result_slots) t.hdr = ft->result_slots;
  t.tb = t.hdr + 3;
  if (translate(&t) < 0) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  f->code = t.code;
  f->len = t.len;
  f->nparams = ft->param_slots;
  f->nlocals = fn->local_slots;
  f->nconsts = t.nconsts;
  f->consts = t.consts;
  f->hdr = t.hdr;
  f->frame_slots = t.tb + fn->max_stack + 1;
  t.code = NULL;
  t.consts = NULL;
  *out = f;
  f = NULL;
out:
  free(f);
  free(t.code);
  free(t.consts);
  free(t.st);
  free(t.head);
  free(t.cf);
  free(t.ckey);
  free(t.cslot);
  return rc;
}

void wr_fast_func_free(fast_func *f) {
  if (!f) return;
  free(f->code);
  free(f->consts);
  free(f);
}
