/* translate.c: turns a validated function into the fast interpreter's code.
 *
 * One forward pass over the bytecode (after a pre-pass that finds the blocks
 * ending where the function ends). A compile-time stack mirrors the operand
 * stack; each entry says where its value is: in its own temp slot, in a local, or
 * nowhere yet (a constant). local.get and const push an entry without emitting
 * code; the consumer names the local as an operand, takes the constant as an
 * immediate (_I forms) or has it written to the entry's temp first (CONST).
 * Rules that keep this sound:
 *   - local.set/tee of a local with pending references on the stack first copies
 *     those values into their temps (a per-local chain finds them in O(refs));
 *   - entering a block, loop or if copies every pending local reference below it
 *     (code inside may set the local on only some paths, or loop back);
 *     constants may stay, they never change;
 *   - at a label, values are where the stack shape says: temps at their height.
 * A result written to the top temp and immediately stored by local.set is
 * retargeted to the local instead; a comparison feeding br_if/if becomes one
 * compare-and-branch; a result consumed by the very next instruction goes through
 * the accumulator register (FAST_ACC_OPS in fast.h). A branch to a block whose end
 * is the function's is a return; a branch back to a loop that starts with a
 * conditional jump is rotated (see branch). Everything is linear in the size of
 * the function: no pass goes back further than the last instruction, except
 * patching forward branches, each patched once, and copying a loop's first
 * instruction. */
#include <stdlib.h>
#include <string.h>

#include "modes/fast/fast.h"
#include "modes/numeric.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

enum { V_TEMP, V_LOCAL, V_CONST };
enum { C_FUNC, C_BLOCK, C_LOOP, C_IF };
#define NONE UINT32_MAX

typedef struct ventry {
  uint8_t kind;
  uint32_t slot; /* V_LOCAL */
  int32_t next;  /* V_LOCAL: the next lower reference to the same local, or -1 */
  uint64_t val;  /* V_CONST */
} ventry;

typedef struct cframe {
  uint8_t kind;
  bool has_else;
  uint32_t base;      /* stack height below the block's params */
  uint32_t nparams, nresults; /* in slots, as everything on the stack */
  uint32_t loop_pos;  /* C_LOOP: the first unit of the body */
  uint32_t patch;     /* chain of forward branch targets to this block's end */
  uint32_t else_patch;
  uint32_t stub_tab, stub_at; /* br_table (by its table's unit) whose stub to here is at stub_at */
  bool tail;          /* C_BLOCK, C_IF: its end is the function's, with the same results */
  int head_op;        /* C_LOOP: the conditional jump its body starts with, or -1 */
  uint32_t head_len;  /* and its length in units */
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
  uint8_t *tail;     /* per block, loop and if in order: whose end the function's end follows */
  uint32_t nblocks;  /* of those met so far */
  uint32_t hdr;
  /* peephole state: the last instruction, if its result is the top temp */
  uint32_t last_ins, last_dst, last_h;
  int last_cmp; /* fast_op of the last instruction if a fusable compare, else -1 */
  bool last_cmp_imm; /* and it compares with an immediate */
  int last_acc;  /* FAST_ACC_OPS index of the last instruction if it writes a slot */
  int last_form; /* and its form: F_PLAIN, F_XA, F_XB, F_I or F_XI */
  bool last_wide; /* the last instruction's result is a v128 at last_h, last_h + 1 */
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

/* Starts an instruction; room for 16 units is always made, longer ones reserve more. */
static void op(tr *t, int fop) {
  if (!reserve(t, 16)) t->len = 0; /* keep writing into the buffer; oom is reported at the end */
  t->last_ins = t->len;
  t->last_dst = NONE;
  t->last_cmp = -1;
  t->last_acc = -1;
  t->last_wide = false;
  wr32(t->code + t->len, (uint32_t)t->H[fop]);
  t->len += 2;
}
/* A slot operand (frames have fewer than 65536 slots, see wr_fast_translate). */
static inline void u(tr *t, uint32_t v) { t->code[t->len++] = (fcode)v; }
/* A 32-bit immediate, index or branch target. */
static inline void u32(tr *t, uint32_t v) {
  wr32(t->code + t->len, v);
  t->len += 2;
}

/* ---- the compile-time stack ---------------------------------------------------- */

/* The slot of entry i; not for constants (see consts_to_temps). */
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
  t->st[t->h] = (ventry){V_TEMP, 0, -1, 0};
  return t->tb + t->h++;
}
static void push_local(tr *t, uint32_t l) {
  t->st[t->h] = (ventry){V_LOCAL, l, t->head[l], 0};
  t->head[l] = (int32_t)t->h++;
}
static void push_const(tr *t, uint64_t v) { t->st[t->h++] = (ventry){V_CONST, 0, -1, v}; }

static void mov(tr *t, uint32_t dst, uint32_t src) {
  if (dst == src) return;
  op(t, FOP_MOV);
  u(t, dst);
  u(t, src);
}

static void emit_const(tr *t, uint32_t dst, uint64_t v) {
  op(t, v >> 32 ? FOP_CONST : FOP_CONST32); /* i32 and f32 constants: 32 bits */
  u(t, dst);
  u32(t, (uint32_t)v);
  if (v >> 32) u32(t, (uint32_t)(v >> 32));
}

/* Writes the value of entry i to slot dst. */
static void put(tr *t, uint32_t dst, uint32_t i) {
  if (t->st[i].kind == V_CONST) emit_const(t, dst, t->st[i].val);
  else mov(t, dst, slot_of(t, i));
}

/* Copies the value of entry i into its temp. */
static void to_temp(tr *t, uint32_t i) {
  ventry *e = &t->st[i];
  if (e->kind == V_TEMP) return;
  put(t, t->tb + i, i);
  e->kind = V_TEMP;
}

/* Constants among the top n entries into their temps, for consumers that need
 * every operand in a slot. Emits nothing in the common case. */
static void consts_to_temps(tr *t, uint32_t n) {
  for (uint32_t i = t->h - n; i < t->h; i++)
    if (t->st[i].kind == V_CONST) to_temp(t, i);
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

/* ---- immediates ------------------------------------------------------------------ */

static void block_type(tr *t, const uint8_t **ip, uint32_t *np, uint32_t *nr) {
  if (**ip == 0x40) {
    (*ip)++;
    *np = *nr = 0;
  } else if (**ip >= 0x6F && **ip <= 0x7F) {
    *np = 0;
    *nr = wr_valtype_slots(*(*ip)++);
  } else {
    const wr_functype *ft = &t->m->types[(uint32_t)wr_sleb64_unchecked(ip)];
    *np = ft->param_slots;
    *nr = ft->result_slots;
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

/* Pre-pass: marks the blocks (by order of appearance) whose `end` is followed by
 * the function's final one, so that branches to them can return at once. */
static bool find_tails(tr *t) {
  const uint8_t *ip = t->fn->code;
  uint32_t n = 0, depth = 0, *open = malloc((t->fn->code_end - ip + 1) * sizeof *open);
  if (!open) return false;
  while (ip < t->fn->code_end) {
    uint8_t prefix;
    uint32_t c = next_op(&ip, &prefix);
    if (prefix == 0 && (c == 0x02 || c == 0x03 || c == 0x04)) {
      open[depth++] = n++;
      wr_skip_imm(&ip, WR_IMM_BLOCK);
    } else if (prefix == 0 && c == 0x0B) {
      if (depth) t->tail[open[--depth]] = ip + 1 == t->fn->code_end && *ip == 0x0B;
    } else {
      const wr_opinfo *info = wr_opcode_info(prefix, c);
      wr_skip_imm(&ip, info ? info->imm : WR_IMM_NONE);
    }
  }
  free(open);
  return true;
}

/* ---- control ---------------------------------------------------------------------- */

static void label_here(tr *t, uint32_t chain) {
  while (chain != NONE && !t->oom) { /* after a failed allocation the chain is lost */
    uint32_t next = rd32(t->code + chain);
    wr32(t->code + chain, t->len - chain);
    chain = next;
  }
}

/* Appends a branch target to frame f (a unit patched when f's end is known). */
static void target(tr *t, cframe *f) {
  if (f->kind == C_LOOP) {
    u32(t, f->loop_pos - t->len);
  } else {
    u32(t, f->patch);
    f->patch = t->len - 2;
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
  bool tail = kind != C_FUNC && t->tail[t->nblocks++] && kind != C_LOOP && nr == t->cf[0].nresults;
  t->cf[t->ncf++] = (cframe){kind, false, t->h - np, np, nr, t->len, NONE, NONE, NONE, NONE, tail, -1, 0};
  return true;
}

static void emit_return(tr *t) {
  uint32_t nr = t->cf[0].nresults;
  if (nr == 1 && t->st[t->h - 1].kind == V_TEMP && t->last_dst != NONE && t->last_h == t->h - 1) {
    /* the result was made by the last instruction: it goes straight to slot 0 */
    t->code[t->last_dst] = 0;
    op(t, FOP_RET);
    u(t, t->hdr);
    return;
  }
  if (nr == 1 && t->st[t->h - 1].kind != V_CONST) {
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
    if (e->kind == V_LOCAL && e->slot < nr && e->slot != i) via_temps = true;
  }
  for (uint32_t i = 0; via_temps && i < nr; i++) {
    uint32_t k = t->h - nr + i;
    if (t->st[k].kind == V_LOCAL) mov(t, t->tb + k, t->st[k].slot);
  }
  for (uint32_t i = 0; i < nr; i++) {
    uint32_t k = t->h - nr + i;
    if (via_temps && t->st[k].kind == V_LOCAL) mov(t, i, t->tb + k);
    else put(t, i, k);
  }
  op(t, FOP_RET);
  u(t, t->hdr);
}

/* Whether branching to f from the current stack (values at the top, below `skip`
 * entries that the branch consumes first) needs value moves. */
static bool needs_moves(tr *t, cframe *f, uint32_t skip) {
  if (f->kind == C_FUNC || f->tail) return true; /* a return */
  uint32_t n = f->kind == C_LOOP ? f->nparams : f->nresults;
  uint32_t top = t->h - skip;
  for (uint32_t i = 0; i < n; i++)
    if (t->st[top - n + i].kind == V_CONST || slot_of(t, top - n + i) != t->tb + f->base + i) return true;
  return false;
}

/* An unconditional branch to f with the stack as it is (moves, then the jump). */
static void branch(tr *t, cframe *f) {
  if (f->kind == C_FUNC || f->tail) {
    emit_return(t);
    return;
  }
  uint32_t n = f->kind == C_LOOP ? f->nparams : f->nresults;
  /* ascending: sources are never below their destinations */
  for (uint32_t i = 0; i < n; i++) put(t, t->tb + f->base + i, t->h - n + i);
  if (f->kind == C_LOOP && f->head_op >= 0) {
    /* The loop starts with "if c goto X": jumping back to it is the same as "if !c
     * goto <after it>, else goto it", which takes one dispatch instead of two on
     * every iteration but the last (loop rotation, without moving any code). */
    uint32_t at = f->loop_pos;
    int inv = f->head_op == FOP_JZ ? FOP_JNZ : f->head_op == FOP_JNZ ? FOP_JZ
              : (f->head_op - FOP_JT_I32_EQ) % 2 == 0 ? f->head_op + 1 : f->head_op - 1;
    op(t, inv);
    for (uint32_t k = at + 2; k < at + f->head_len - 2; k++) u(t, t->code[k]);
    u32(t, at + f->head_len - t->len);
  }
  op(t, FOP_JMP);
  target(t, f);
}

/* After a conditional jump's operands (its target comes next): if it is the
 * first instruction of loops, they can be rotated (see branch). */
static void note_loop_head(tr *t, int fop) {
  for (uint32_t k = t->ncf; k-- > 1 && t->cf[k].loop_pos == t->last_ins;)
    if (t->cf[k].kind == C_LOOP) {
      t->cf[k].head_op = fop;
      t->cf[k].head_len = t->len + 2 - t->last_ins;
    }
}

/* Pops the condition on top and emits "jump if cond == when" with its target unit
 * left for the caller (return value: that unit's index). A compare just computed
 * into the condition is fused into the jump. */
static uint32_t cond_jump(tr *t, bool when) {
  consts_to_temps(t, 1);
  uint32_t c = top_slot(t, 0);
  bool fresh = t->st[t->h - 1].kind == V_TEMP && t->last_dst != NONE && t->last_h == t->h - 1;
  int cmp = fresh ? t->last_cmp : -1;
  bool eqz = fresh && rd32(t->code + t->last_ins) == (uint32_t)t->H[FOP_I32_EQZ];
  pop(t);
  if (cmp >= 0) {
    uint32_t a = t->code[t->last_ins + 3];
    uint32_t b = t->last_cmp_imm ? rd32(t->code + t->last_ins + 4) : t->code[t->last_ins + 4];
    t->len = t->last_ins;
    int jop = t->last_cmp_imm ? (when ? cmp + 2 : cmp + 3) /* JTI_x, JFI_x */
                              : (when ? cmp : cmp + 1); /* JT_x, JF_x */
    op(t, jop);
    u(t, a);
    if (t->last_cmp_imm) u32(t, b);
    else u(t, b);
    note_loop_head(t, jop);
  } else if (eqz) {
    uint32_t a = t->code[t->last_ins + 3];
    t->len = t->last_ins;
    op(t, when ? FOP_JZ : FOP_JNZ);
    u(t, a);
    note_loop_head(t, when ? FOP_JZ : FOP_JNZ);
  } else {
    op(t, when ? FOP_JNZ : FOP_JZ);
    u(t, c);
    note_loop_head(t, when ? FOP_JNZ : FOP_JZ);
  }
  u32(t, NONE);
  return t->len - 2;
}

/* br_table with n labels on slot i (ip: its labels). Entries are one unit each,
 * the index of their target among the distinct ones (fewer than 65536, as there
 * are fewer labels or frames), which follow: a jump to the label, or to a stub
 * after them that makes the moves it needs first. f->stub_tab/stub_at hold a
 * frame's index while the table is made. */
static void br_table(tr *t, uint32_t n, uint32_t i, const uint8_t **ip) {
  if (!reserve(t, n + 1 + 2 * t->ncf + 24)) return;
  op(t, FOP_BR_TABLE_F);
  u(t, i);
  u32(t, n);
  uint32_t tab = t->len, m = 0;
  const uint8_t *labels = *ip;
  for (uint32_t k = 0; k <= n; k++) {
    cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(ip)];
    if (f->stub_tab != tab) {
      f->stub_tab = tab;
      f->stub_at = m++;
    }
    t->code[tab + k] = (fcode)f->stub_at;
  }
  uint32_t list = tab + n + 1;
  t->len = list + 2 * m;
  *ip = labels;
  for (uint32_t k = 0; k <= n; k++) {
    cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(ip)];
    if (f->stub_tab != tab) continue; /* done */
    f->stub_tab = NONE;
    uint32_t e = list + 2 * f->stub_at, save = t->len;
    if (!needs_moves(t, f, 0)) {
      t->len = e;
      target(t, f);
      t->len = save;
    } else {
      wr32(t->code + e, t->len - e);
      branch(t, f);
    }
  }
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

/* Accumulator and immediate forms of FAST_ACC_OPS, indexed by F_*. */
enum { F_PLAIN, F_A, F_XA, F_XB, F_AA, F_AB, F_I, F_IA, F_XI, F_XIA, F_N };
enum {
#define X(name, ...) ACC_##name,
  FAST_ACC_OPS(X) FAST_ACC_LOADS(X) FAST_ACC_STORES(X)
#undef X
  ACC_ALL
};
/* 0: no such form */
static const uint16_t acc_forms[ACC_ALL][F_N] = {
#define X(name, ...)                                                                            \
  {FOP_##name, FOP_##name##_A, FOP_##name##_XA, FOP_##name##_XB, FOP_##name##_AA, FOP_##name##_AB, \
   FOP_##name##_I, FOP_##name##_IA, FOP_##name##_XI, FOP_##name##_XIA},
    FAST_ACC_OPS(X)
#undef X
#define X(name, ...) [ACC_##name] = {FOP_##name, FOP_##name##_A, FOP_##name##_XA, 0, FOP_##name##_AA, 0, \
                                     FOP_##name##_I, FOP_##name##_IA, FOP_##name##_XI, FOP_##name##_XIA},
    FAST_ACC_LOADS(X)
#undef X
#define X(name, ...) [ACC_##name] = {FOP_##name, 0, FOP_##name##_XA, FOP_##name##_XB, 0, 0, \
                                     FOP_##name##_I, 0, FOP_##name##_XI},
    FAST_ACC_STORES(X)
#undef X
};
/* The form that also sends the result to acc. */
static const uint8_t to_acc[F_N] = {[F_PLAIN] = F_A, [F_XA] = F_AA, [F_XB] = F_AB, [F_I] = F_IA, [F_XI] = F_XIA};
static int acc_of(int fop) {
  switch (fop) {
#define X(name, ...) case FOP_##name: return ACC_##name;
    FAST_ACC_OPS(X) FAST_ACC_LOADS(X) FAST_ACC_STORES(X)
#undef X
  }
  return -1;
}

/* Which constants an op's immediate form can take (IMM_* in fast.h). */
enum { IK_NONE, IK_I32, IK_I64, IK_F32, IK_F64 };
#define IK_uint32_t IK_I32
#define IK_uint64_t IK_I64
#define IK_float IK_F32
#define IK_double IK_F64
static const uint8_t imm_kind[ACC_ALL] = {
#define X(name, T, ...) [ACC_##name] = IK_##T,
    FAST_ACC_OPS(X)
#undef X
    /* a stored constant: only its low bytes count */
#define X(name, T) [ACC_##name] = sizeof(T) <= 4 ? IK_I32 : IK_I64,
    FAST_ACC_STORES(X)
#undef X
};
static bool fits_imm(int acc, uint64_t v) {
  switch (imm_kind[acc]) {
    case IK_I32: case IK_F32: return true;
    case IK_I64: return (int64_t)v == (int32_t)v;
    case IK_F64: return bits_f64((double)(float)f64_of(v)) == v; /* exact, NaN bits included */
  }
  return false;
}
static uint32_t imm_of(int acc, uint64_t v) {
  return imm_kind[acc] == IK_F64 ? (uint32_t)bits_f32((float)f64_of(v)) : (uint32_t)v;
}
/* Integer operators whose operands may be swapped (a constant first becomes b). */
static bool commutes(int fop) {
  switch (fop) {
    case FOP_I32_ADD: case FOP_I32_MUL: case FOP_I32_AND: case FOP_I32_OR: case FOP_I32_XOR:
    case FOP_I32_EQ: case FOP_I32_NE: case FOP_I64_ADD: case FOP_I64_MUL: case FOP_I64_AND:
    case FOP_I64_OR: case FOP_I64_XOR: case FOP_I64_EQ: case FOP_I64_NE:
      return true;
  }
  return false;
}

/* When an operand of accumulator-capable op `acc` is the result the last
 * instruction (also accumulator-capable) just made, that one is turned into its
 * result-to-acc form and the form reading it is returned. A temp is read once,
 * by the instruction that pops it, so its slot need not be written. Fusing a
 * compare into a branch needs its operands in slots, hence the care there.
 * With an immediate, `si` is the entry of the one slot operand (that may come
 * from acc); NONE otherwise. */
static int acc_form(tr *t, int acc, uint32_t npop, uint32_t si) {
  int plain = si != NONE ? F_I : F_PLAIN;
  if (acc < 0 || t->last_acc < 0 || t->last_dst == NONE) return plain;
  uint32_t k = t->last_h;
  if (k < t->h - npop || t->st[k].kind != V_TEMP) return plain;
  if (si != NONE && k != si) return plain;
  int form = si != NONE ? F_XI : k == t->h - npop ? F_XA : F_XB; /* first operand or second */
  int pf = to_acc[t->last_form];
  if (!acc_forms[acc][form] || !pf || !acc_forms[t->last_acc][pf]) return plain;
  wr32(t->code + t->last_ins, (uint32_t)t->H[acc_forms[t->last_acc][pf]]);
  return form;
}

/* The generic form: op [dst] operands... immediates... */
static void generic(tr *t, int fop, uint8_t prefix, uint32_t code, const uint8_t **ip) {
  const wr_opinfo *info = wr_opcode_info(prefix, code);
  uint32_t npop = shape[fop].npop, res = shape[fop].res;
  int acc = acc_of(fop);
  /* A constant operand of a binary operator is an immediate when it fits: b, or a
   * of an operator that commutes. ci: its entry; si: the other's. */
  uint32_t ci = NONE, si = NONE;
  if (acc >= ACC_I32_STORE) {
    if (t->st[t->h - 1].kind == V_CONST && fits_imm(acc, t->st[t->h - 1].val)) ci = t->h - 1, si = t->h - 2;
  } else if (acc >= 0 && acc < ACC_I32_LOAD && npop == 2) {
    ventry *a = &t->st[t->h - 2], *b = &t->st[t->h - 1];
    if (b->kind == V_CONST && fits_imm(acc, b->val)) ci = t->h - 1, si = t->h - 2;
    else if (a->kind == V_CONST && b->kind != V_CONST && commutes(fop) && fits_imm(acc, a->val))
      ci = t->h - 2, si = t->h - 1;
  }
  /* A load whose address `i32.add` with an immediate just made: the add becomes
   * part of the load (its forms _I and _XI match the add's). */
  if (acc >= ACC_I32_LOAD && acc < ACC_I32_STORE && t->last_acc == ACC_I32_ADD &&
      (t->last_form == F_I || t->last_form == F_XI) && t->last_dst != NONE && t->last_h == t->h - 1 &&
      t->st[t->h - 1].kind == V_TEMP) {
    uint32_t at = t->last_ins;
    int form = t->last_form;
    fcode a = t->code[at + 3];
    uint32_t imm = rd32(t->code + at + 4);
    t->len = at;
    op(t, acc_forms[acc][form]);
    uint32_t ins = t->last_ins;
    u(t, 0);
    u(t, a);
    u32(t, imm);
    wr_uleb32_unchecked(ip);
    u32(t, wr_uleb32_unchecked(ip));
    pop(t);
    t->code[ins + 2] = (fcode)push_temp(t);
    t->last_dst = ins + 2;
    t->last_h = t->h - 1;
    t->last_acc = acc;
    t->last_form = form;
    return;
  }
  for (uint32_t i = t->h - npop; i < t->h; i++)
    if (i != ci && t->st[i].kind == V_CONST) to_temp(t, i);
  int form = acc_form(t, acc, npop, si);
  op(t, acc >= 0 ? acc_forms[acc][form] : fop);
  uint32_t ins = t->last_ins;
  if (res) u(t, 0);
  if (ci != NONE) {
    u(t, slot_of(t, si));
    u32(t, imm_of(acc, t->st[ci].val));
  } else {
    for (uint32_t i = 0; i < npop; i++) u(t, top_slot(t, npop - 1 - i));
  }
  switch (info->imm) {
    case WR_IMM_MEMARG: wr_uleb32_unchecked(ip); u32(t, wr_uleb32_unchecked(ip)); break;
    case WR_IMM_MEMIDX: (*ip)++; break;
    case WR_IMM_MEMORY_INIT: u32(t, wr_uleb32_unchecked(ip)); (*ip)++; break;
    case WR_IMM_MEMORY_COPY: *ip += 2; break;
    case WR_IMM_TABLE_INIT: case WR_IMM_TABLE_COPY:
      u32(t, wr_uleb32_unchecked(ip));
      u32(t, wr_uleb32_unchecked(ip));
      break;
    case WR_IMM_DATA: case WR_IMM_ELEM: case WR_IMM_TABLE: u32(t, wr_uleb32_unchecked(ip)); break;
    default: break;
  }
  popn(t, npop);
  if (res) {
    t->code[ins + 2] = (fcode)push_temp(t);
    t->last_dst = ins + 2;
    t->last_h = t->h - 1;
    if (is_fusable(fop) && (form == F_PLAIN || form == F_I)) {
      t->last_cmp = fused_of(fop);
      t->last_cmp_imm = ci != NONE;
    }
    if (acc >= 0) {
      t->last_acc = acc;
      t->last_form = form;
    }
  }
}

/* ---- SIMD ---------------------------------------------------------------------- */

/* The index immediate at ip, without moving past it. */
static uint32_t rd_index(const uint8_t *ip) { return wr_uleb32_unchecked(&ip); }

/* Whether the drop or select at `at` takes v128 operands (wr_function.v128_ops). */
static bool is_v128_op(tr *t, const uint8_t *at) {
  size_t off = (size_t)(at - t->fn->code);
  return t->fn->v128_ops && (t->fn->v128_ops[off / 8] >> (off % 8) & 1);
}

/* Operand and result sizes in slots of the 0xFD rows, and their fast_op. */
#define SL__ 0
#define SL_I32 1
#define SL_I64 1
#define SL_F32 1
#define SL_F64 1
#define SL_V128 2
static const struct { uint8_t in[3], out; uint16_t fop; } simd_sig[256] = {
#define SIG_0x00(...)
#define SIG_0xFC(...)
#define SIG_0xFD(name, code, p1, p2, p3, r) [code] = {{SL_##p1, SL_##p2, SL_##p3}, SL_##r, FOP_##name},
#define OP(name, text, prefix, code, imm, al, ln, p1, p2, p3, r) SIG_##prefix(name, code, p1, p2, p3, r)
#include "wasm/opcodes.def"
#undef OP
};

/* Writes the v128 constant of entries i, i + 1 to slot dst, as one 16-byte value. */
static void emit_const_v128(tr *t, uint32_t dst, uint32_t i) {
  op(t, FOP_CONST_V128);
  u(t, dst);
  for (int k = 0; k < 2; k++) {
    u32(t, (uint32_t)t->st[i + k].val);
    u32(t, (uint32_t)(t->st[i + k].val >> 32));
  }
}

/* A v128 constant at entries i, i + 1 into their temps. */
static void const_v128_to_temp(tr *t, uint32_t i) {
  if (t->st[i].kind != V_CONST) return;
  emit_const_v128(t, t->tb + i, i);
  t->st[i].kind = t->st[i + 1].kind = V_TEMP;
}

/* The v128 at entries i, i + 1 (a constant, a local's slots or temps) to slots dst,
 * dst + 1, by one 16-byte move. */
static void put_v128(tr *t, uint32_t dst, uint32_t i) {
  if (t->st[i].kind == V_CONST) {
    emit_const_v128(t, dst, i);
    return;
  }
  uint32_t src = slot_of(t, i);
  if (src == dst) return;
  op(t, FOP_MOV_V128);
  u(t, dst);
  u(t, src);
}

/* Before the v128 local at slots l, l + 1 changes: its pending references (always
 * both halves, in adjacent entries) become copies in their temps. */
static void detach_local_v128(tr *t, uint32_t l) {
  for (int32_t i = t->head[l]; i >= 0; i = t->st[i].next) {
    put_v128(t, t->tb + (uint32_t)i, (uint32_t)i);
    t->st[i].kind = t->st[i + 1].kind = V_TEMP;
  }
  t->head[l] = t->head[l + 1] = -1;
}

/* A result of n slots (1 or 2) in the next temps, written by the instruction just
 * begun at `ins`, its destination unit being the first operand. */
static void simd_result(tr *t, uint32_t ins, uint32_t n) {
  t->code[ins + 2] = (fcode)push_temp(t);
  if (n == 2) push_temp(t);
  t->last_dst = ins + 2;
  t->last_h = t->h - n;
  t->last_wide = n == 2;
}

/* One 0xFD instruction (ip: just past its sub-opcode), in the generic form of fast.h:
 * op [dst] operands (the low slot of a v128) immediates. */
static void simd(tr *t, uint32_t c, const uint8_t **ip) {
  if (c == WR_OP_V128_CONST) {
    push_const(t, wr_load_u64le(*ip));
    push_const(t, wr_load_u64le(*ip + 8));
    *ip += 16;
    return;
  }
  const wr_opinfo *info = wr_opcode_info(0xFD, c);
  uint32_t n = simd_sig[c].in[0] + simd_sig[c].in[1] + simd_sig[c].in[2];
  for (uint32_t i = 0, k = t->h - n; i < 3 && simd_sig[c].in[i]; k += simd_sig[c].in[i++]) {
    if (simd_sig[c].in[i] == 2) const_v128_to_temp(t, k);
    else if (t->st[k].kind == V_CONST) to_temp(t, k);
  }
  op(t, simd_sig[c].fop);
  uint32_t ins = t->last_ins;
  if (simd_sig[c].out) u(t, 0);
  for (uint32_t i = 0, k = t->h - n; i < 3 && simd_sig[c].in[i]; k += simd_sig[c].in[i++]) u(t, slot_of(t, k));
  switch (info->imm) {
    case WR_IMM_MEMARG: wr_uleb32_unchecked(ip); u32(t, wr_uleb32_unchecked(ip)); break;
    case WR_IMM_MEMARG_LANE:
      wr_uleb32_unchecked(ip);
      u32(t, wr_uleb32_unchecked(ip));
      u(t, *(*ip)++);
      break;
    case WR_IMM_LANE: u(t, *(*ip)++); break;
    case WR_IMM_SHUFFLE:
      for (int i = 0; i < 16; i += 2) u(t, (uint32_t)(*ip)[i] | (uint32_t)(*ip)[i + 1] << 8);
      *ip += 16;
      break;
    default: break;
  }
  popn(t, n);
  if (simd_sig[c].out) simd_result(t, ins, simd_sig[c].out);
}

/* select on v128 operands: SELECT_V128 dst a b c. */
static void select_v128(tr *t) {
  consts_to_temps(t, 5);
  uint32_t cs = top_slot(t, 0), b = top_slot(t, 2), a = top_slot(t, 4);
  op(t, FOP_SELECT_V128);
  uint32_t ins = t->last_ins;
  u(t, 0);
  u(t, a);
  u(t, b);
  u(t, cs);
  popn(t, 5);
  simd_result(t, ins, 2);
}

/* local.set (or tee) of the v128 local at slots l, l + 1. */
static void set_local_v128(tr *t, uint32_t l, bool tee) {
  ventry *lo = &t->st[t->h - 2], *hi = &t->st[t->h - 1];
  if (lo->kind == V_LOCAL && lo->slot == l) { /* the local itself */
    if (!tee) popn(t, 2);
    return;
  }
  if (t->last_wide && t->last_dst != NONE && t->last_h == t->h - 2 && lo->kind == V_TEMP &&
      hi->kind == V_TEMP && t->head[l] < 0 && t->head[l + 1] < 0) {
    t->code[t->last_dst] = (fcode)l; /* the producer writes the local directly */
    t->last_dst = NONE;
    t->last_wide = false;
    popn(t, 2);
  } else {
    detach_local_v128(t, l);
    put_v128(t, l, t->h - 2);
    popn(t, 2);
  }
  if (tee) {
    push_local(t, l);
    push_local(t, l + 1);
  }
}

static int translate(tr *t) {
  const wr_function *fn = t->fn;
  const wr_functype *ft = &t->m->types[fn->type_idx];
  const uint8_t *ip = fn->code;
  bool live = true;
  uint32_t dead_depth = 0;
  push_frame(t, C_FUNC, 0, ft->result_slots);

  while (ip < fn->code_end && !t->oom) {
    uint8_t prefix;
    const uint8_t *at = ip; /* the instruction's first byte */
    uint32_t c = next_op(&ip, &prefix);
    if (!live) {
      /* Unreachable code: only follow the nesting to find where it ends. */
      uint32_t before = dead_depth;
      if (wr_skip_dead(&ip, prefix, c, &dead_depth)) {
        t->nblocks += dead_depth > before; /* (a block opened) */
        continue;
      }
      /* else/end of the frame the dead code is in: handled below, from its base */
    }
    if (prefix == 0xFD) {
      simd(t, c, &ip);
      continue;
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
          note_loop_head(t, FOP_JZ);
          u32(t, NONE);
          else_at = t->len - 2;
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
        if (live && f->tail) {
          emit_return(t); /* rather than jumping to a return */
        } else if (live) {
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
          t->len -= 2; /* the target, rewritten for f */
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
        consts_to_temps(t, 1);
        uint32_t i = top_slot(t, 0);
        pop(t);
        if (n < UINT16_MAX || t->ncf < UINT16_MAX) {
          br_table(t, n, i, &ip);
          goto dead;
        }
        if (!reserve(t, 2 * n + 24)) break;
        op(t, FOP_BR_TABLE_W);
        u(t, i);
        u32(t, n);
        uint32_t tab = t->len;
        t->len += 2 * (n + 1);
        /* entries whose target needs moves jump to a stub after the table */
        for (uint32_t k = 0; k <= n; k++) {
          cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)];
          uint32_t save = t->len;
          uint32_t e = tab + 2 * k;
          if (!needs_moves(t, f, 0)) {
            t->len = e;
            target(t, f);
            t->len = save;
          } else if (f->stub_tab == tab) { /* one stub per target */
            wr32(t->code + e, f->stub_at - e);
          } else {
            f->stub_tab = tab;
            f->stub_at = t->len;
            wr32(t->code + e, t->len - e);
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
          consts_to_temps(t, 1);
          islot = top_slot(t, 0); /* read by the call before the callee's frame exists */
          pop(t);
        } else {
          ct = &t->m->types[t->m->func_type[idx]];
        }
        uint32_t np = ct->param_slots, nr = ct->result_slots;
        /* arguments in their temps become the callee's first slots; the caller's
         * locals cannot change during the call, so references below may stay */
        top_to_temps(t, np);
        uint32_t argslot = t->tb + t->h - np;
        if (c == 0x10) {
          bool def = idx >= t->m->nimported_funcs;
          op(t, def ? FOP_CALL_D : FOP_CALL_F);
          u(t, argslot);
          u32(t, def ? idx - t->m->nimported_funcs : idx);
        } else {
          op(t, FOP_CALL_INDIRECT_F);
          u(t, islot);
          u(t, argslot);
          u32(t, idx);
          u32(t, table);
        }
        popn(t, np);
        for (uint32_t i = 0; i < nr; i++) push_temp(t);
        break;
      }
      case 0x1A: /* drop */
        pop(t);
        if (is_v128_op(t, at)) pop(t);
        break;
      case 0x1C: wr_skip_imm(&ip, WR_IMM_SELECT_T); /* fall through */
      case 0x1B: { /* select */
        if (is_v128_op(t, at)) {
          select_v128(t);
          break;
        }
        consts_to_temps(t, 3);
        uint32_t cs = top_slot(t, 0), b = top_slot(t, 1), a = top_slot(t, 2);
        op(t, FOP_SELECT);
        uint32_t ins = t->last_ins;
        u(t, 0);
        u(t, a);
        u(t, b);
        u(t, cs);
        popn(t, 3);
        t->code[ins + 2] = (fcode)push_temp(t);
        t->last_dst = ins + 2;
        t->last_h = t->h - 1;
        break;
      }
      case 0x20: { /* local.get */
        uint32_t l = wr_uleb32_unchecked(&ip);
        if (fn->local_slot) { /* some local is a v128: by slot */
          bool wide = fn->local_types[l] == WR_V128;
          l = fn->local_slot[l];
          if (wide) push_local(t, l), l++;
        }
        push_local(t, l);
        break;
      }
      case 0x21: case 0x22: { /* local.set, local.tee */
        uint32_t l = wr_uleb32_unchecked(&ip);
        if (fn->local_slot) {
          bool wide = fn->local_types[l] == WR_V128;
          l = fn->local_slot[l];
          if (wide) {
            set_local_v128(t, l, c == 0x22);
            break;
          }
        }
        ventry *e = &t->st[t->h - 1];
        if (e->kind == V_LOCAL && e->slot == l) {
          if (c == 0x21) pop(t);
          break;
        }
        if (e->kind == V_TEMP && t->last_dst != NONE && t->last_h == t->h - 1 && t->head[l] < 0) {
          t->code[t->last_dst] = (fcode)l; /* the producer writes the local directly */
          t->last_dst = NONE;
          t->last_cmp = -1;
          pop(t);
        } else {
          detach_local(t, l);
          put(t, l, t->h - 1);
          pop(t);
        }
        if (c == 0x22) push_local(t, l);
        break;
      }
      case 0x23: {
        if (t->m->globals[rd_index(ip)].type == WR_V128) {
          op(t, FOP_GLOBAL_GET_V128);
          u(t, t->tb + t->h);
          u32(t, wr_uleb32_unchecked(&ip));
          push_temp(t);
          push_temp(t);
          break;
        }
        op(t, FOP_GLOBAL_GET);
        uint32_t ins = t->last_ins;
        u(t, 0);
        u32(t, wr_uleb32_unchecked(&ip));
        t->code[ins + 2] = (fcode)push_temp(t);
        t->last_dst = ins + 2;
        t->last_h = t->h - 1;
        break;
      }
      case 0x24:
        if (t->m->globals[rd_index(ip)].type == WR_V128) {
          consts_to_temps(t, 2);
          op(t, FOP_GLOBAL_SET_V128);
          u(t, top_slot(t, 1));
          u32(t, wr_uleb32_unchecked(&ip));
          popn(t, 2);
          break;
        }
        consts_to_temps(t, 1);
        op(t, FOP_GLOBAL_SET);
        u(t, top_slot(t, 0));
        u32(t, wr_uleb32_unchecked(&ip));
        pop(t);
        break;
      case 0x25: /* table.get: dst i table */
        consts_to_temps(t, 1);
        op(t, FOP_TABLE_GET);
        u(t, t->tb + t->h - 1);
        u(t, top_slot(t, 0));
        u32(t, wr_uleb32_unchecked(&ip));
        pop(t);
        push_temp(t);
        break;
      case 0x26: /* table.set: i v table */
        consts_to_temps(t, 2);
        op(t, FOP_TABLE_SET);
        u(t, top_slot(t, 1));
        u(t, top_slot(t, 0));
        u32(t, wr_uleb32_unchecked(&ip));
        popn(t, 2);
        break;
      case 0x41: push_const(t, (uint32_t)wr_sleb32_unchecked(&ip)); break;
      case 0x42: push_const(t, (uint64_t)wr_sleb64_unchecked(&ip)); break;
      case 0x43: push_const(t, wr_load_u32le(ip)); ip += 4; break;
      case 0x44: push_const(t, wr_load_u64le(ip)); ip += 8; break;
      case 0xD0: ip++; push_const(t, 0); break;
      case 0xBC: case 0xBD: case 0xBE: case 0xBF: break; /* reinterpret: same bits */
      case 0xD1: /* ref.is_null: dst a */
        consts_to_temps(t, 1);
        op(t, FOP_REF_IS_NULL);
        u(t, t->tb + t->h - 1);
        u(t, top_slot(t, 0));
        pop(t);
        push_temp(t);
        break;
      case 0xD2:
        op(t, FOP_REF_FUNC);
        u(t, t->tb + t->h);
        u32(t, wr_uleb32_unchecked(&ip));
        push_temp(t);
        break;
      default:
      generic_op:
        if (prefix == 0xFC && (c == 0x0F || c == 0x11)) {
          /* table.grow: dst init n table; table.fill: i v n table */
          uint32_t tab = wr_uleb32_unchecked(&ip);
          consts_to_temps(t, c == 0x0F ? 2 : 3);
          if (c == 0x0F) {
            op(t, FOP_TABLE_GROW);
            u(t, t->tb + t->h - 2);
            u(t, top_slot(t, 1));
            u(t, top_slot(t, 0));
            u32(t, tab);
            popn(t, 2);
            push_temp(t);
          } else {
            op(t, FOP_TABLE_FILL);
            u(t, top_slot(t, 2));
            u(t, top_slot(t, 1));
            u(t, top_slot(t, 0));
            u32(t, tab);
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

int wr_fast_translate(wr_instance *inst, uint32_t def, fast_func *f, wr_error *err) {
  const wr_module *m = inst->module;
  const wr_function *fn = &m->funcs[def];
  const wr_functype *ft = &m->types[fn->type_idx];
  tr t = {.m = m, .fn = fn, .H = wr_fast_handlers(), .last_dst = NONE, .last_cmp = -1, .last_acc = -1};
  uint32_t maxh = fn->max_stack + 1;
  t.st = malloc(maxh * sizeof *t.st);
  t.head = malloc((fn->local_slots + 1) * sizeof *t.head);
  t.capcf = 16;
  t.cf = malloc(t.capcf * sizeof *t.cf);
  int rc = 0;
  t.cap = (uint32_t)(fn->code_end - fn->code) * 2 + 64;
  t.code = malloc(t.cap * sizeof *t.code);
  t.tail = calloc((size_t)(fn->code_end - fn->code) + 1, 1);
  if (!t.code || !t.head || !t.cf || !t.tail || !find_tails(&t)) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  memset(t.head, 0xFF, (fn->local_slots + 1) * sizeof *t.head);
  /* the header must survive the results being written to slots 0.. */
  t.hdr = fn->local_slots;
  if (t.hdr < ft->result_slots) t.hdr = ft->result_slots;
  t.tb = t.hdr + 3;
  if (t.tb + fn->max_stack + 1 > UINT16_MAX) {
    /* slots would not fit their 16-bit operands: a stub hands the frame to classic */
    t.hdr = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    t.tb = t.hdr + 3;
    op(&t, FOP_CLASSIC);
    u(&t, t.hdr);
    op(&t, FOP_RET);
    u(&t, t.hdr);
    f->code = t.code;
    f->len = t.len;
    f->nparams = f->nlocals = ft->param_slots;
    f->hdr = t.hdr;
    f->frame_slots = t.tb;
    t.code = NULL;
    goto out;
  }
  if (translate(&t) < 0) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  f->code = t.code;
  f->len = t.len;
  f->nparams = ft->param_slots;
  f->nlocals = fn->local_slots;
  f->hdr = t.hdr;
  f->frame_slots = t.tb + fn->max_stack + 1;
  t.code = NULL;
out:
  free(t.code);
  free(t.st);
  free(t.head);
  free(t.cf);
  free(t.tail);
  return rc;
}

void wr_fast_func_free(fast_func *f) {
  free(f->code);
  f->code = NULL;
}
