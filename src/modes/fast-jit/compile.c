/* compile.c: the fast-jit compiler: one forward pass over a validated function,
 * emitting x86-64 through the encoder (encoder.h), with no IR.
 *
 * A compile-time stack mirrors the operand stack; each entry says where its
 * value is: in a register (GP, or XMM for floats), in its own frame slot, in a
 * local's slot (local.get, read lazily), a constant (an immediate when used), or
 * in the CPU flags (a comparison not yet turned into 0/1, so that compare +
 * br_if/if/select become cmp + jcc/cmov). Registers go to the values at the top;
 * when none is free the deepest value in a register is spilled to its slot. At
 * control merges (block, loop and if entry, labels) and calls every value is in
 * its slot, so that all paths into a label agree; values below a block's base
 * stay as they are (nothing inside can change them).
 *
 * Frame (from rsp, 8-byte slots): locals (parameters first), then one temp slot
 * per operand-stack height, then the caller's args_results pointer. i32 values are
 * kept zero-extended to 64 bits in registers and slots, f32 with zero above bit
 * 31, so that a slot is always the runtime's 64-bit value.
 *
 * Memory accesses are [r14 + index + offset] with no bounds check (the guard
 * region faults; memory.c turns the fault into the trap). Traps jump to stubs at
 * the function's end, which call the runtime's trap helper through wr_ctx. */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include <stdlib.h>
#include <string.h>

#include "modes/fast-jit/fastjit.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

enum { L_SLOT, L_LOCAL, L_CONST, L_REG, L_FLAGS };
enum { T_I32, T_I64, T_F32, T_F64 };
enum { C_FUNC, C_BLOCK, C_LOOP, C_IF };
#define NONE (-1)
#define API_OFF ((int32_t)offsetof(wr_ctx, api))
#define MEM_OFF ((int32_t)offsetof(wr_ctx, mem_base))

typedef struct ventry {
  uint8_t kind, type, reg, cc;
  uint32_t local; /* L_LOCAL */
  int32_t next;   /* L_LOCAL: the next lower reference to the same local, or -1 */
  uint64_t val;   /* L_CONST */
} ventry;

typedef struct cframe {
  uint8_t kind;
  uint32_t base, nparams, nresults;
  const wr_valtype *ptypes, *rtypes;
  size_t label;       /* C_LOOP: the loop's start */
  int32_t patch;      /* chain of jumps to the end */
  int32_t else_patch; /* C_IF: the jump to the else arm */
  size_t stub_tab;    /* br_table being made (its table's offset), and this frame's stub in it */
  uint32_t stub_at;
} cframe;

typedef struct patch {
  size_t pos, base; /* rel32 field; the offset it is relative to */
  int32_t next;
} patch;

typedef struct jc {
  const wr_module *m;
  wr_instance *inst;
  const wr_function *fn;
  uint32_t fidx; /* function index (for traps) */
  xbuf *b;
  fj_relocs *relocs;
  ventry *st;
  uint32_t h, clean; /* entries below `clean` are not local references */
  int32_t *head;     /* per local: topmost stack entry referring to it, or -1 */
  cframe *cf;
  uint32_t ncf, capcf;
  patch *pt;
  uint32_t npt, cappt;
  uint32_t tb;        /* slot of the temp of height 0 */
  uint32_t args_slot; /* slot holding the args_results pointer */
  uint32_t frame;     /* bytes */
  int32_t owner[32];  /* per register (GP 0..15, XMM 16..31): the entry in it, or -1 */
  uint32_t locked;    /* registers the current instruction holds */
  int32_t flags_at;   /* the L_FLAGS entry, or -1 */
  int32_t trap_chain[WR_TRAP_COUNT];
  bool oom;
} jc;

/* Allocatable registers: GP rax, rcx and rdx and XMM 0 and 1 are each
 * instruction's scratch; r14, r15 are pinned; rsp is the frame. */
static const uint8_t gp_pool[] = {RBX, RSI, RDI, R8, R9, R10, R11, R12, R13};
#define XMM(i) (16 + (i))

static inline xrm slot_mem(uint32_t slot) { return xm(RSP, (int32_t)(slot * 8)); }
static inline bool is_float(uint8_t type) { return type == T_F32 || type == T_F64; }
static inline bool is64(uint8_t type) { return type == T_I64 || type == T_F64; }

static uint8_t type_of(wr_valtype v) {
  switch (v) {
    case WR_I32: return T_I32;
    case WR_F32: return T_F32;
    case WR_F64: return T_F64;
    default: return T_I64; /* i64, references */
  }
}

/* ---- emission --------------------------------------------------------------- */

#define E(t) ((t)->b)
static inline void rr(jc *t, int f, int r, int rm) { x_rr(E(t), f, r, rm); }
static inline void rm(jc *t, int f, int r, xrm m) { x_rm(E(t), f, r, m); }
static inline void mi(jc *t, int f, xrm m, int64_t imm) { x_mi(E(t), f, m, imm); }

static int32_t new_patch(jc *t, size_t pos, size_t base, int32_t next) {
  if (t->npt == t->cappt) {
    uint32_t cap = t->cappt ? t->cappt * 2 : 64;
    patch *p = realloc(t->pt, cap * sizeof *p);
    if (!p) {
      t->oom = true;
      return next;
    }
    t->pt = p;
    t->cappt = cap;
  }
  t->pt[t->npt] = (patch){pos, base, next};
  return (int32_t)t->npt++;
}

static void put_rel(jc *t, size_t pos, size_t base, size_t target) {
  if (E(t)->oom || pos + 4 > E(t)->len) return;
  int32_t rel = (int32_t)((int64_t)target - (int64_t)base);
  memcpy(E(t)->p + pos, &rel, 4);
}

/* Resolves a chain of patches to the current offset. */
static void label_here(jc *t, int32_t chain) {
  for (; chain != NONE; chain = t->pt[chain].next) put_rel(t, t->pt[chain].pos, t->pt[chain].base, E(t)->len);
}

/* A jump (cc < 0: unconditional) whose target comes later: returns the chain. */
static int32_t jump_fwd(jc *t, int cc, int32_t chain) {
  size_t end = wr_xemit(E(t), cc < 0 ? XF_JMP_REL32 : XF_JCC_REL32, 0, xr(0), 0, cc < 0 ? 0 : cc);
  return new_patch(t, end - 4, end, chain);
}
static void jump_to(jc *t, int cc, size_t target) {
  size_t end = wr_xemit(E(t), cc < 0 ? XF_JMP_REL32 : XF_JCC_REL32, 0, xr(0), 0, cc < 0 ? 0 : cc);
  put_rel(t, end - 4, end, target);
}
static void trap_if(jc *t, int cc, wr_trap_kind kind) { t->trap_chain[kind] = jump_fwd(t, cc, t->trap_chain[kind]); }

static void mov_imm(jc *t, int r, uint64_t v) {
  if (v <= UINT32_MAX) x_ri(E(t), XF_MOV_R32_I, r, (int64_t)v);
  else x_ri(E(t), XF_MOV_R64_I64, r, (int64_t)v);
}

/* Calls the api helper at byte offset off (arguments already in registers). */
static void call_api(jc *t, int32_t off) {
  rm(t, XF_MOV_R64_RM, RAX, xm(R15, API_OFF));
  x_rm(E(t), XF_CALL_RM64, 0, xm(RAX, off));
}

/* ---- the compile-time stack ------------------------------------------------- */

static void free_reg(jc *t, ventry *e) {
  if (e->kind == L_REG) t->owner[e->reg] = -1;
}

static void pop(jc *t) {
  ventry *e = &t->st[--t->h];
  if (e->kind == L_LOCAL) t->head[e->local] = e->next;
  free_reg(t, e);
  if ((int32_t)t->h == t->flags_at) t->flags_at = -1;
  if (t->clean > t->h) t->clean = t->h;
}
static void popn(jc *t, uint32_t n) {
  while (n--) pop(t);
}
static void push_reg(jc *t, uint8_t type, int r) {
  t->st[t->h] = (ventry){L_REG, type, (uint8_t)r, 0, 0, -1, 0};
  t->owner[r] = (int32_t)t->h++;
}
static void push_slot(jc *t, uint8_t type) { t->st[t->h++] = (ventry){L_SLOT, type, 0, 0, 0, -1, 0}; }
static void push_const(jc *t, uint8_t type, uint64_t v) { t->st[t->h++] = (ventry){L_CONST, type, 0, 0, 0, -1, v}; }
static void push_flags(jc *t, int cc) {
  t->flags_at = (int32_t)t->h;
  t->st[t->h++] = (ventry){L_FLAGS, T_I32, 0, (uint8_t)cc, 0, -1, 0};
}
static void push_local(jc *t, uint32_t l) {
  t->st[t->h] = (ventry){L_LOCAL, type_of(t->fn->local_types[l]), 0, 0, l, t->head[l], 0};
  t->head[l] = (int32_t)t->h++;
}

/* The memory operand of an entry in a slot or local. */
static xrm mem_of(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  return slot_mem(e->kind == L_LOCAL ? e->local : t->tb + i);
}

/* Stores register r (GP, or 16+XMM) to dst: all 64 bits, which the invariants
 * (i32 zero-extended, f32 with zeros above) make the runtime's slot value. */
static void store_reg(jc *t, xrm dst, int r) {
  if (r >= 16) rm(t, XF_MOVQ_M_X, r - 16, dst);
  else rm(t, XF_MOV_RM64_R, r, dst);
}

static void store_const(jc *t, xrm dst, uint64_t v) {
  if ((int64_t)v == (int32_t)v) {
    mi(t, XF_MOV_RM64_I32, dst, (int64_t)v);
  } else {
    mov_imm(t, RAX, v);
    rm(t, XF_MOV_RM64_R, RAX, dst);
  }
}

static void spill(jc *t, uint32_t i);

/* Turns the flags entry into a 0/1 in a register. */
static int alloc_gp(jc *t);
static void materialize_flags(jc *t) {
  if (t->flags_at < 0) return;
  uint32_t i = (uint32_t)t->flags_at;
  t->flags_at = -1;
  ventry *e = &t->st[i];
  e->kind = L_SLOT; /* not a register owner while allocating */
  int r = alloc_gp(t);
  wr_xemit(E(t), XF_SETCC_RM8, 0, xr(r), 0, e->cc);
  rr(t, XF_MOVZX_R32_RM8, r, r);
  e->kind = L_REG;
  e->reg = (uint8_t)r;
  t->owner[r] = (int32_t)i;
}

/* Writes entry i's value to its own slot and records it there. */
static void spill(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) materialize_flags(t);
  switch (e->kind) {
    case L_REG:
      store_reg(t, slot_mem(t->tb + i), e->reg);
      t->owner[e->reg] = -1;
      break;
    case L_CONST: store_const(t, slot_mem(t->tb + i), e->val); break;
    case L_LOCAL:
      rm(t, XF_MOV_R64_RM, RAX, slot_mem(e->local));
      rm(t, XF_MOV_RM64_R, RAX, slot_mem(t->tb + i));
      break;
    default: return;
  }
  e->kind = L_SLOT;
}

static int alloc_in(jc *t, const uint8_t *pool, unsigned n, int add) {
  for (unsigned k = 0; k < n; k++) {
    int r = pool[k] + add;
    if (t->owner[r] < 0 && !(t->locked & (1u << r))) return t->locked |= 1u << r, r;
  }
  /* none free: spill the deepest value in one of them */
  int best = -1;
  for (unsigned k = 0; k < n; k++) {
    int r = pool[k] + add;
    if (t->locked & (1u << r)) continue;
    if (best < 0 || t->owner[r] < t->owner[best]) best = r;
  }
  spill(t, (uint32_t)t->owner[best]);
  t->locked |= 1u << best;
  return best;
}
static int alloc_gp(jc *t) { return alloc_in(t, gp_pool, sizeof gp_pool, 0); }
static int alloc_xmm(jc *t) {
  static const uint8_t xpool[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return alloc_in(t, xpool, sizeof xpool, 16);
}
static int alloc_for(jc *t, uint8_t type) { return is_float(type) ? alloc_xmm(t) : alloc_gp(t); }

/* Loads entry i's value into register r (GP or 16+XMM) without changing the entry. */
static void load_into(jc *t, int r, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) materialize_flags(t);
  if (r >= 16) {
    int x = r - 16;
    switch (e->kind) {
      case L_REG:
        if (e->reg != r) rr(t, XF_MOVAPS_X_X, x, e->reg - 16);
        break;
      case L_CONST:
        if (e->val == 0) {
          rr(t, XF_XORPS, x, x);
        } else {
          mov_imm(t, RAX, e->val);
          rr(t, e->type == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, x, RAX);
        }
        break;
      default: rm(t, e->type == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, x, mem_of(t, i)); break;
    }
    return;
  }
  switch (e->kind) {
    case L_REG:
      if (e->reg != r) rr(t, is64(e->type) ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, e->reg);
      break;
    case L_CONST: mov_imm(t, r, e->val); break;
    default: rm(t, is64(e->type) ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, mem_of(t, i)); break;
  }
}

/* Entry i (of a float type) in an XMM register: its own, or scratch xmm `scratch`. */
static int xmm_of(jc *t, uint32_t i, int scratch) {
  if (t->st[i].kind == L_REG) return t->st[i].reg - 16;
  load_into(t, XMM(scratch), i);
  return scratch;
}

/* Entry i as an r/m operand: its register, slot or local; a constant goes to
 * scratch register `scratch` (GP, or XMM number for floats). */
static xrm rm_of(jc *t, uint32_t i, int scratch) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) materialize_flags(t);
  if (e->kind == L_REG) return xr(e->reg >= 16 ? e->reg - 16 : e->reg);
  if (e->kind == L_CONST) {
    load_into(t, is_float(e->type) ? XMM(scratch) : scratch, i);
    return xr(scratch);
  }
  return mem_of(t, i);
}

/* A register holding entry i's value that the instruction may overwrite: its own
 * register (the entry is about to be popped), else a new one. Locked. */
static int dest_reg(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) materialize_flags(t);
  if (e->kind == L_REG) {
    t->locked |= 1u << e->reg;
    return e->reg;
  }
  int r = alloc_for(t, e->type);
  load_into(t, r, i);
  return r;
}
static void lock(jc *t, uint32_t i) {
  if (t->st[i].kind == L_REG) t->locked |= 1u << t->st[i].reg;
}

/* Writes entry i's value to dst (a slot or the args_results array). */
static void put(jc *t, xrm dst, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) materialize_flags(t);
  switch (e->kind) {
    case L_REG: store_reg(t, dst, e->reg); break;
    case L_CONST: store_const(t, dst, e->val); break;
    default:
      rm(t, XF_MOV_R64_RM, RAX, mem_of(t, i));
      rm(t, XF_MOV_RM64_R, RAX, dst);
      break;
  }
}

/* Every value in a register (and the flags) to its slot. */
static void spill_regs(jc *t) {
  if (t->flags_at >= 0) materialize_flags(t);
  for (int r = 0; r < 32; r++)
    if (t->owner[r] >= 0) spill(t, (uint32_t)t->owner[r]);
}

/* Before a label or call: no register values, no local references (a local may
 * change inside a block, on some paths only). Constants may stay. */
static void flush(jc *t) {
  spill_regs(t);
  for (uint32_t i = t->h; i-- > t->clean;) {
    ventry *e = &t->st[i];
    if (e->kind == L_LOCAL) {
      t->head[e->local] = e->next;
      spill(t, i);
    }
  }
  t->clean = t->h;
}

/* The top n entries into their own slots (block params and results, arguments). */
static void top_to_slots(jc *t, uint32_t n) {
  for (uint32_t i = t->h; i-- > t->h - n;) {
    ventry *e = &t->st[i];
    if (e->kind == L_LOCAL) t->head[e->local] = e->next;
    spill(t, i);
  }
}

/* Before a local changes: its pending references become copies. */
static void detach_local(jc *t, uint32_t l) {
  for (int32_t i = t->head[l]; i >= 0; i = t->st[i].next) spill(t, (uint32_t)i);
  t->head[l] = -1;
}

/* ---- control ---------------------------------------------------------------- */

static void block_type(jc *t, const uint8_t **ip, cframe *f) {
  if (**ip == 0x40) {
    (*ip)++;
    f->nparams = f->nresults = 0;
  } else if (**ip >= 0x6F && **ip <= 0x7F) {
    f->rtypes = *ip; /* the one result's type, in the code */
    (*ip)++;
    f->nparams = 0;
    f->nresults = 1;
  } else {
    const wr_functype *ft = &t->m->types[(uint32_t)wr_sleb64_unchecked(ip)];
    f->nparams = ft->nparams;
    f->nresults = ft->nresults;
    f->ptypes = ft->params;
    f->rtypes = ft->results;
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
    default: wr_uleb32_unchecked(ip); break;
  }
}

static void emit_epilogue(jc *t) {
  mi(t, t->frame <= 127 ? XF_ADD_RM64_I8 : XF_ADD_RM64_I32, xr(RSP), t->frame);
  x_op(E(t), XF_RET);
}

/* Writes the top nresults values to args_results and returns. The compile-time
 * stack is left alone (this may be one path only). */
static void emit_return(jc *t) {
  uint32_t nr = t->cf[0].nresults;
  if (nr) {
    if (t->flags_at >= 0 && (uint32_t)t->flags_at >= t->h - nr) materialize_flags(t);
    rm(t, XF_MOV_R64_RM, RCX, slot_mem(t->args_slot));
    for (uint32_t k = 0; k < nr; k++) put(t, xm(RCX, (int32_t)(8 * k)), t->h - nr + k);
  }
  emit_epilogue(t);
}

static uint32_t label_arity(cframe *f) { return f->kind == C_LOOP ? f->nparams : f->nresults; }

/* Whether branching to f needs value moves (the `skip` top entries are consumed
 * first by the branch). */
static bool needs_moves(jc *t, cframe *f, uint32_t skip) {
  if (f->kind == C_FUNC) return true;
  uint32_t n = label_arity(f), top = t->h - skip;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = top - n + k;
    if (t->st[i].kind != L_SLOT || i != f->base + k) return true;
  }
  return false;
}

/* The jump (after any moves) to f's label. */
static void jump_label(jc *t, cframe *f, int cc) {
  if (f->kind == C_LOOP) jump_to(t, cc, f->label);
  else f->patch = jump_fwd(t, cc, f->patch);
}

/* An unconditional branch to f with the values on top of the stack. */
static void branch(jc *t, cframe *f) {
  if (f->kind == C_FUNC) {
    emit_return(t);
    return;
  }
  uint32_t n = label_arity(f);
  if (t->flags_at >= 0) materialize_flags(t);
  /* ascending: a source is never below its destination */
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = t->h - n + k;
    if (t->st[i].kind == L_SLOT && i == f->base + k) continue;
    put(t, slot_mem(t->tb + f->base + k), i);
  }
  jump_label(t, f, -1);
}

/* Pops the condition on top and returns the condition code under which it is
 * true, emitting the test. A constant condition returns -2 (false) or -3 (true). */
static int pop_cond(jc *t) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  int cc;
  if ((int32_t)i == t->flags_at) {
    cc = e->cc;
  } else if (e->kind == L_CONST) {
    cc = (uint32_t)e->val ? -3 : -2;
  } else if (e->kind == L_REG) {
    rr(t, XF_TEST_RM32_R, e->reg, e->reg);
    cc = CC_NE;
  } else {
    mi(t, XF_CMP_RM32_I8, mem_of(t, i), 0);
    cc = CC_NE;
  }
  pop(t);
  return cc;
}

static bool push_frame(jc *t, uint8_t kind, cframe *proto) {
  if (t->ncf == t->capcf) {
    uint32_t cap = t->capcf * 2;
    cframe *c = realloc(t->cf, cap * sizeof *c);
    if (!c) return t->oom = true, false;
    t->cf = c;
    t->capcf = cap;
  }
  cframe *f = &t->cf[t->ncf++];
  *f = *proto;
  f->kind = kind;
  f->base = t->h - f->nparams;
  f->label = E(t)->len;
  f->patch = f->else_patch = NONE;
  f->stub_tab = SIZE_MAX;
  return true;
}

/* br_table on the index on top: a table of 32-bit offsets from its start, each
 * to the label or to a stub after it that makes the moves the label needs. */
static void br_table(jc *t, const uint8_t **ip) {
  uint32_t n = wr_uleb32_unchecked(ip);
  if (t->flags_at >= 0) materialize_flags(t);
  ventry *e = &t->st[t->h - 1];
  if (e->kind == L_CONST) {
    uint32_t v = (uint32_t)e->val;
    const uint8_t *p = *ip;
    uint32_t depth = 0;
    for (uint32_t k = 0; k <= n; k++) {
      uint32_t d = wr_uleb32_unchecked(&p);
      if (k == v || k == n) {
        depth = d;
        break;
      }
    }
    skip_imm(ip, WR_IMM_NONE);
    for (uint32_t k = 0; k <= n; k++) wr_uleb32_unchecked(ip);
    pop(t);
    branch(t, &t->cf[t->ncf - 1 - depth]);
    return;
  }
  load_into(t, RAX, t->h - 1);
  pop(t);
  /* index >= n: the default, entry n */
  mov_imm(t, RCX, n);
  rr(t, XF_CMP_R32_RM, RAX, RCX);
  wr_xemit(E(t), XF_CMOVCC_R32_RM, RAX, xr(RCX), 0, CC_A);
  mi(t, XF_SHL_RM32_I8, xr(RAX), 2);
  size_t lea_end = wr_xemit(E(t), XF_LEA_R64_RIP, RCX, xr(0), 0, 0);
  rm(t, XF_MOVSXD_R64_RM32, RAX, xmi(RCX, RAX, 0));
  rr(t, XF_ADD_R64_RM, RAX, RCX);
  x_rm(E(t), XF_JMP_RM64, 0, xr(RAX));
  if (!wr_xbuf_reserve(E(t), 4 * ((size_t)n + 1))) return;
  size_t tab = E(t)->len;
  put_rel(t, lea_end - 4, lea_end, tab);
  E(t)->len += 4 * ((size_t)n + 1);
  for (uint32_t k = 0; k <= n; k++) {
    cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(ip)];
    size_t entry = tab + 4 * k;
    if (!needs_moves(t, f, 0)) {
      if (f->kind == C_LOOP) put_rel(t, entry, tab, f->label);
      else f->patch = new_patch(t, entry, tab, f->patch);
    } else if (f->stub_tab == tab) {
      put_rel(t, entry, tab, f->stub_at);
    } else {
      f->stub_tab = tab;
      f->stub_at = (uint32_t)E(t)->len;
      put_rel(t, entry, tab, E(t)->len);
      branch(t, f);
    }
  }
}

/* ---- calls -------------------------------------------------------------------- */

/* Pushes the results of a call (in their slots from height base on). */
static void push_results(jc *t, const wr_functype *ft) {
  for (uint32_t k = 0; k < ft->nresults; k++) push_slot(t, type_of(ft->results[k]));
}

static void call(jc *t, uint32_t idx) {
  const wr_functype *ft = &t->m->types[t->m->func_type[idx]];
  uint32_t np = ft->nparams;
  spill_regs(t);
  top_to_slots(t, np);
  uint32_t base = t->h - np;
  if (idx >= t->m->nimported_funcs) {
    rm(t, XF_LEA_R64_M, RSI, slot_mem(t->tb + base));
    size_t end = wr_xemit(E(t), XF_CALL_REL32, 0, xr(0), 0, 0);
    fj_relocs *r = t->relocs;
    if (r->n == r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 256;
      fj_reloc *p = realloc(r->r, cap * sizeof *p);
      if (!p) {
        t->oom = true;
        return;
      }
      r->r = p;
      r->cap = cap;
    }
    r->r[r->n++] = (fj_reloc){end - 4, idx - t->m->nimported_funcs};
  } else {
    rr(t, XF_MOV_R64_RM, RDI, R15);
    x_ri(E(t), XF_MOV_R32_I, RSI, idx);
    rm(t, XF_LEA_R64_M, RDX, slot_mem(t->tb + base));
    call_api(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_call));
  }
  popn(t, np);
  push_results(t, ft);
}

/* call_indirect: the bounds and null checks and the canonical type check inline;
 * a callee of this instance then gets a direct call to its compiled entry. Any
 * other callee (another instance's, a host function, a structurally equal type
 * declared under another index) takes rt.c's call_indirect, which checks again
 * and calls through wr_call. */
static void call_indirect(jc *t, uint32_t type, uint32_t table) {
  const wr_functype *ft = &t->m->types[type];
  uint32_t np = ft->nparams;
  fj_inst *fi = (fj_inst *)t->inst->ctx.api;
  spill_regs(t);
  top_to_slots(t, np + 1); /* the arguments and the element index above them */
  uint32_t base = t->h - 1 - np;
  xrm elem = slot_mem(t->tb + t->h - 1);
  wr_table *tab = t->inst->ctx.tables[table];
  rm(t, XF_MOV_R32_RM, RCX, elem);
  mov_imm(t, RAX, (uint64_t)(uintptr_t)tab);
  rm(t, XF_CMP_R32_RM, RCX, xm(RAX, (int32_t)offsetof(wr_table, size)));
  trap_if(t, CC_AE, WR_TRAP_UNDEFINED_ELEMENT);
  rm(t, XF_MOV_R64_RM, RAX, xm(RAX, (int32_t)offsetof(wr_table, elems)));
  mi(t, XF_SHL_RM64_I8, xr(RCX), 3);
  rm(t, XF_MOV_R64_RM, RAX, xmi(RAX, RCX, 0));
  rr(t, XF_TEST_RM64_R, RAX, RAX);
  trap_if(t, CC_E, WR_TRAP_UNINITIALIZED_ELEMENT);
  /* functions of this instance carry their type's canonical entry (instance.c) */
  mov_imm(t, RDX, (uint64_t)(uintptr_t)&t->m->types[t->m->type_canon[type]]);
  rm(t, XF_CMP_R64_RM, RDX, xm(RAX, (int32_t)offsetof(wr_funcinst, type)));
  int32_t slow = jump_fwd(t, CC_NE, NONE);
  mov_imm(t, RDX, (uint64_t)(uintptr_t)t->inst);
  rm(t, XF_CMP_R64_RM, RDX, xm(RAX, (int32_t)offsetof(wr_funcinst, inst)));
  slow = jump_fwd(t, CC_NE, slow);
  rm(t, XF_MOV_R32_RM, RCX, xm(RAX, (int32_t)offsetof(wr_funcinst, index)));
  mi(t, XF_SHL_RM64_I8, xr(RCX), 3);
  mov_imm(t, RDX, (uint64_t)(uintptr_t)fi->entries);
  rm(t, XF_LEA_R64_M, RSI, slot_mem(t->tb + base));
  x_rm(E(t), XF_CALL_RM64, 0, xmi(RDX, RCX, -(int32_t)(8 * t->m->nimported_funcs)));
  int32_t done = jump_fwd(t, -1, NONE);
  label_here(t, slow);
  rr(t, XF_MOV_R64_RM, RDI, R15);
  x_ri(E(t), XF_MOV_R32_I, RSI, table);
  x_ri(E(t), XF_MOV_R32_I, RDX, type);
  rm(t, XF_MOV_R32_RM, RCX, elem);
  x_ri(E(t), XF_MOV_R32_I, R8, t->fidx);
  rm(t, XF_LEA_R64_M, R9, slot_mem(t->tb + base));
  call_api(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_call_indirect));
  label_here(t, done);
  popn(t, np + 1);
  push_results(t, ft);
}

/* Calls an api helper (byte offset off) with rdi = ctx and then the given
 * arguments: entries of the stack (the top nops, deepest first) and immediates,
 * in the order of `order` (k >= 0: entry h-nops+k, k < 0: immediate imms[-k-1]).
 * Pops the operands; pushes the result (rax) when rtype >= 0. */
static void helper(jc *t, int32_t off, uint32_t nops, const int *order, unsigned nargs, const uint64_t *imms,
                   int rtype) {
  static const uint8_t argreg[] = {RSI, RDX, RCX, R8, R9};
  spill_regs(t);
  uint32_t first = t->h - nops;
  for (unsigned k = 0; k < nargs && k < 5; k++) {
    if (order[k] >= 0) {
      ventry *e = &t->st[first + (uint32_t)order[k]];
      if (e->kind == L_CONST) mov_imm(t, argreg[k], e->val);
      else rm(t, XF_MOV_R64_RM, argreg[k], mem_of(t, first + (uint32_t)order[k]));
    } else {
      mov_imm(t, argreg[k], imms[-order[k] - 1]);
    }
  }
  /* a seventh argument (only ever an immediate) goes on the stack, which stays aligned */
  if (nargs > 5) mi(t, XF_SUB_RM64_I8, xr(RSP), 16);
  for (unsigned k = 5; k < nargs; k++) {
    mov_imm(t, RAX, imms[-order[k] - 1]);
    rm(t, XF_MOV_RM64_R, RAX, xm(RSP, (int32_t)(8 * (k - 5))));
  }
  rr(t, XF_MOV_R64_RM, RDI, R15);
  call_api(t, off);
  if (nargs > 5) mi(t, XF_ADD_RM64_I8, xr(RSP), 16);
  popn(t, nops);
  if (rtype >= 0) {
    int r = alloc_for(t, (uint8_t)rtype);
    if (r >= 16) rr(t, rtype == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, r - 16, RAX);
    else rr(t, rtype == T_I32 ? XF_MOV_R32_RM : XF_MOV_R64_RM, r, RAX);
    push_reg(t, (uint8_t)rtype, r);
  }
}

/* A numeric helper: result = fn(ctx, a, b, func); unary ones get b = 0. */
static void num_helper(jc *t, int h, uint32_t nops, uint8_t rtype) {
  static const int unary[] = {0, -2, -1}, binary[] = {0, 1, -1};
  uint64_t imms[2] = {t->fidx, 0};
  helper(t, (int32_t)FJ_NUM_OFFSET(h), nops, nops == 1 ? unary : binary, 3, imms, rtype);
}

/* ---- memory ------------------------------------------------------------------ */

/* The address operand of an access at offset off with the index on top (popped). */
static xrm address(jc *t, uint32_t off) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  xrm a;
  if (e->kind == L_CONST) {
    uint64_t ea = (uint64_t)(uint32_t)e->val + off;
    if (ea <= INT32_MAX) {
      a = xm(R14, (int32_t)ea);
    } else {
      mov_imm(t, RDX, ea);
      a = xmi(R14, RDX, 0);
    }
  } else {
    int r;
    if ((int32_t)i == t->flags_at) materialize_flags(t);
    if (e->kind == L_REG) {
      r = e->reg;
    } else {
      rm(t, XF_MOV_R32_RM, RDX, mem_of(t, i));
      r = RDX;
    }
    if (off <= INT32_MAX) {
      a = xmi(R14, r, (int32_t)off);
    } else {
      x_ri(E(t), XF_MOV_R32_I, RDX == r ? RCX : RDX, off);
      int s = RDX == r ? RCX : RDX;
      rr(t, XF_ADD_R64_RM, s, r);
      a = xmi(R14, s, 0);
    }
    lock(t, i);
  }
  return a;
}

static void load(jc *t, int form, uint8_t rtype, uint32_t off) {
  xrm a = address(t, off);
  int r = alloc_for(t, rtype);
  rm(t, form, r >= 16 ? r - 16 : r, a);
  pop(t);
  push_reg(t, rtype, r);
}

/* width: 1, 2, 4, 8 bytes */
static void store(jc *t, unsigned width, uint32_t off) {
  uint32_t vi = t->h - 1;
  ventry *v = &t->st[vi];
  if ((int32_t)vi == t->flags_at) materialize_flags(t);
  lock(t, vi);
  t->h--; /* the index is on top while the address is made */
  xrm a = address(t, off);
  t->h++;
  if (v->kind == L_REG && v->reg >= 16) {
    rm(t, width == 4 ? XF_MOVSS_M_X : XF_MOVQ_M_X, v->reg - 16, a);
  } else if (v->kind == L_CONST && width >= 4 && (width == 4 || (int64_t)v->val == (int32_t)v->val)) {
    mi(t, width == 4 ? XF_MOV_RM32_I32 : XF_MOV_RM64_I32, a, (int64_t)v->val);
  } else {
    int r;
    if (v->kind == L_REG) {
      r = v->reg;
    } else {
      r = RAX;
      if (v->kind == L_CONST) mov_imm(t, RAX, v->val);
      else rm(t, width == 8 ? XF_MOV_R64_RM : XF_MOV_R32_RM, RAX, mem_of(t, vi));
    }
    rm(t, width == 1 ? XF_MOV_RM8_R : width == 2 ? XF_MOV_RM16_R : width == 4 ? XF_MOV_RM32_R : XF_MOV_RM64_R, r, a);
  }
  popn(t, 2);
}

/* ---- arithmetic ---------------------------------------------------------------- */

/* Integer a OP b: rm form (reg, r/m), imm8 and imm32 forms (-1: none). */
static void int_binop(jc *t, bool w, int f_rm, int f_i8, int f_i32, bool commutes) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  ventry *a = &t->st[ai], *b = &t->st[bi];
  if (commutes && a->kind == L_CONST && b->kind != L_CONST) ai = t->h - 1, bi = t->h - 2;
  a = &t->st[ai], b = &t->st[bi];
  lock(t, bi);
  lock(t, ai);
  if (b->kind == L_CONST && f_i32 >= 0 && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int r = dest_reg(t, ai);
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    if (f_i8 >= 0 && imm >= -128 && imm <= 127) mi(t, f_i8, xr(r), imm);
    else mi(t, f_i32, xr(r), imm);
    popn(t, 2);
    push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  xrm bop = rm_of(t, bi, RCX);
  int r = dest_reg(t, ai);
  rm(t, f_rm, r, bop);
  popn(t, 2);
  push_reg(t, w ? T_I64 : T_I32, r);
}

static void int_mul(jc *t, bool w) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->st[ai].kind == L_CONST && t->st[bi].kind != L_CONST) ai = t->h - 1, bi = t->h - 2;
  ventry *b = &t->st[bi];
  lock(t, ai);
  lock(t, bi);
  if (b->kind == L_CONST && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    xrm aop = rm_of(t, ai, RCX);
    int r = alloc_gp(t);
    wr_xemit(E(t), w ? XF_IMUL_R64_RM_I32 : XF_IMUL_R32_RM_I32, r, aop, imm, 0);
    popn(t, 2);
    push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  int_binop(t, w, w ? XF_IMUL_R64_RM : XF_IMUL_R32_RM, -1, -1, true);
}

/* Integer comparison: leaves the flags (cc: a cc b). */
static int swap_cc(int cc) {
  switch (cc) {
    case CC_L: return CC_G;
    case CC_G: return CC_L;
    case CC_LE: return CC_GE;
    case CC_GE: return CC_LE;
    case CC_B: return CC_A;
    case CC_A: return CC_B;
    case CC_BE: return CC_AE;
    case CC_AE: return CC_BE;
  }
  return cc;
}

static void int_cmp(jc *t, bool w, int cc) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  ventry *a = &t->st[ai], *b = &t->st[bi];
  if (t->flags_at >= 0) materialize_flags(t);
  if (a->kind == L_CONST && b->kind != L_CONST) {
    ai = t->h - 1, bi = t->h - 2;
    cc = swap_cc(cc);
    a = &t->st[ai], b = &t->st[bi];
  }
  if (b->kind == L_CONST && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    xrm aop = rm_of(t, ai, RAX);
    mi(t, imm >= -128 && imm <= 127 ? (w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8) : (w ? XF_CMP_RM64_I32 : XF_CMP_RM32_I32),
       aop, imm);
  } else {
    int ra;
    if (a->kind == L_REG) {
      ra = a->reg;
    } else {
      load_into(t, RAX, ai);
      ra = RAX;
    }
    xrm bop = rm_of(t, bi, RCX);
    rm(t, w ? XF_CMP_R64_RM : XF_CMP_R32_RM, ra, bop);
  }
  popn(t, 2);
  push_flags(t, cc);
}

static void int_eqz(jc *t, bool w) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  if (t->flags_at >= 0) materialize_flags(t);
  if (e->kind == L_CONST) {
    uint64_t v = w ? e->val : (uint32_t)e->val;
    pop(t);
    push_const(t, T_I32, v == 0);
    return;
  }
  if (e->kind == L_REG) rr(t, w ? XF_TEST_RM64_R : XF_TEST_RM32_R, e->reg, e->reg);
  else mi(t, w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8, mem_of(t, i), 0);
  pop(t);
  push_flags(t, CC_E);
}

/* Unary r <- op r/m (clz, ctz, popcnt, extensions, wrap). */
static void int_unop(jc *t, int form, uint8_t rtype) {
  uint32_t i = t->h - 1;
  lock(t, i);
  xrm op = rm_of(t, i, RCX);
  int r = t->st[i].kind == L_REG && t->st[i].reg < 16 ? t->st[i].reg : alloc_gp(t);
  rm(t, form, r, op);
  pop(t);
  push_reg(t, rtype, r);
}

static void shift(jc *t, bool w, int f_cl, int f_i8) {
  uint32_t bi = t->h - 1, ai = t->h - 2;
  ventry *b = &t->st[bi];
  lock(t, bi);
  if (b->kind == L_CONST) {
    int r = dest_reg(t, ai);
    mi(t, f_i8, xr(r), (int64_t)(b->val & (w ? 63 : 31)));
    popn(t, 2);
    push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  load_into(t, RCX, bi);
  int r = dest_reg(t, ai);
  mi(t, f_cl, xr(r), 0);
  popn(t, 2);
  push_reg(t, w ? T_I64 : T_I32, r);
}

/* div/rem: signed or not, remainder or quotient. */
static void divrem(jc *t, bool w, bool sign, bool rem) {
  uint32_t bi = t->h - 1, ai = t->h - 2;
  ventry *b = &t->st[bi];
  uint64_t bv = w ? b->val : (uint32_t)b->val;
  bool bconst = b->kind == L_CONST;
  if (t->flags_at >= 0) materialize_flags(t);
  lock(t, ai);
  lock(t, bi);
  load_into(t, RCX, bi);
  load_into(t, RAX, ai);
  int32_t done = NONE;
  if (!bconst || bv == 0) {
    rr(t, w ? XF_TEST_RM64_R : XF_TEST_RM32_R, RCX, RCX);
    trap_if(t, CC_E, WR_TRAP_DIV_ZERO);
  }
  bool minus1 = w ? bv == UINT64_MAX : bv == UINT32_MAX;
  if (sign && (!bconst || minus1)) {
    int32_t normal = NONE;
    if (!bconst) {
      mi(t, w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8, xr(RCX), -1);
      normal = jump_fwd(t, CC_NE, NONE);
    }
    if (rem) {
      x_ri(E(t), XF_MOV_R32_I, RDX, 0);
    } else {
      rr(t, w ? XF_MOV_R64_RM : XF_MOV_R32_RM, RDX, RAX);
      wr_xemit(E(t), w ? XF_NEG_RM64 : XF_NEG_RM32, 0, xr(RAX), 0, 0);
      trap_if(t, CC_O, WR_TRAP_INT_OVERFLOW);
    }
    done = jump_fwd(t, -1, NONE);
    label_here(t, normal);
  }
  if (sign) {
    x_op(E(t), w ? XF_CQO : XF_CDQ);
    wr_xemit(E(t), w ? XF_IDIV_RM64 : XF_IDIV_RM32, 0, xr(RCX), 0, 0);
  } else {
    x_ri(E(t), XF_MOV_R32_I, RDX, 0);
    wr_xemit(E(t), w ? XF_DIV_RM64 : XF_DIV_RM32, 0, xr(RCX), 0, 0);
  }
  label_here(t, done);
  popn(t, 2);
  int r = alloc_gp(t);
  rr(t, w ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, rem ? RDX : RAX);
  push_reg(t, w ? T_I64 : T_I32, r);
}

static void float_binop(jc *t, int form) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->flags_at >= 0) materialize_flags(t);
  lock(t, ai);
  lock(t, bi);
  xrm bop = rm_of(t, bi, 0); /* xmm0 for a constant */
  int r = dest_reg(t, ai);
  rm(t, form, r - 16, bop);
  uint8_t type = t->st[ai].type;
  popn(t, 2);
  push_reg(t, type, r);
}

/* f32/f64 comparison: gt/ge/lt/le leave the flags; eq/ne make 0/1. */
enum { FC_EQ, FC_NE, FC_LT, FC_GT, FC_LE, FC_GE };
static void float_cmp(jc *t, bool d, int op) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->flags_at >= 0) materialize_flags(t);
  lock(t, ai);
  lock(t, bi);
  if (op == FC_LT || op == FC_LE) { /* b > a, b >= a */
    uint32_t s = ai;
    ai = bi, bi = s;
  }
  int xa = xmm_of(t, ai, 0);
  xrm bop = rm_of(t, bi, 1);
  rm(t, d ? XF_UCOMISD : XF_UCOMISS, xa, bop);
  popn(t, 2);
  if (op == FC_EQ || op == FC_NE) {
    int r = alloc_gp(t);
    x_ri(E(t), XF_MOV_R32_I, RAX, op == FC_EQ ? 0 : 1);
    x_ri(E(t), XF_MOV_R32_I, r, op == FC_EQ ? 1 : 0);
    wr_xemit(E(t), XF_CMOVCC_R32_RM, r, xr(RAX), 0, CC_NE);
    wr_xemit(E(t), XF_CMOVCC_R32_RM, r, xr(RAX), 0, CC_P);
    push_reg(t, T_I32, r);
  } else {
    push_flags(t, op == FC_GT || op == FC_LT ? CC_A : CC_AE);
  }
}

/* Unary float op r <- op(r) (sqrt, round): form takes (xmm, xmm[, imm]). */
static void float_unop(jc *t, int form, int imm) {
  uint32_t i = t->h - 1;
  int r = dest_reg(t, i);
  uint8_t type = t->st[i].type;
  wr_xemit(E(t), form, r - 16, xr(r - 16), imm, 0);
  pop(t);
  push_reg(t, type, r);
}

/* abs, neg, copysign: bit operations with a mask in xmm0. */
static void float_sign(jc *t, bool d, int what) {
  uint64_t sign = d ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
  if (what == 2) { /* copysign */
    uint32_t ai = t->h - 2, bi = t->h - 1;
    lock(t, bi);
    int r = dest_reg(t, ai);
    mov_imm(t, RAX, sign - 1);
    rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
    rr(t, XF_ANDPS, r - 16, 0);
    load_into(t, XMM(1), bi);
    mov_imm(t, RAX, sign);
    rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
    rr(t, XF_ANDPS, 1, 0);
    rr(t, XF_ORPS, r - 16, 1);
    popn(t, 2);
    push_reg(t, d ? T_F64 : T_F32, r);
    return;
  }
  uint32_t i = t->h - 1;
  int r = dest_reg(t, i);
  mov_imm(t, RAX, what == 0 ? sign - 1 : sign);
  rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
  rr(t, what == 0 ? XF_ANDPS : XF_XORPS, r - 16, 0);
  pop(t);
  push_reg(t, d ? T_F64 : T_F32, r);
}

/* int -> float conversion with cvtsi2ss/sd (form); zext: the source is an
 * unsigned i32, converted as the 64-bit value it is zero-extended to. */
static void cvt_int(jc *t, int form, bool zext, uint8_t rtype) {
  uint32_t i = t->h - 1;
  lock(t, i);
  xrm op;
  if (zext) {
    load_into(t, RAX, i); /* i32 zero-extended */
    op = xr(RAX);
  } else {
    op = rm_of(t, i, RAX);
  }
  int r = alloc_xmm(t);
  rr(t, XF_XORPS, r - 16, r - 16);
  rm(t, form, r - 16, op);
  pop(t);
  push_reg(t, rtype, r);
}

static void cvt_float(jc *t, int form, uint8_t rtype) {
  uint32_t i = t->h - 1;
  lock(t, i);
  xrm op = rm_of(t, i, 0);
  int r = alloc_xmm(t);
  rr(t, XF_XORPS, r - 16, r - 16);
  rm(t, form, r - 16, op);
  pop(t);
  push_reg(t, rtype, r);
}

/* reinterpret: the same bits in the other register file. */
static void reinterpret(jc *t, uint8_t rtype) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  if (e->kind != L_REG) { /* slots and constants hold the bits already */
    if (e->kind == L_LOCAL) {
      lock(t, i);
      int r = alloc_for(t, rtype);
      uint8_t st = e->type;
      e->type = rtype;
      load_into(t, r, i);
      e->type = st;
      pop(t);
      push_reg(t, rtype, r);
      return;
    }
    e->type = rtype;
    return;
  }
  lock(t, i);
  int r = alloc_for(t, rtype);
  if (r >= 16) rr(t, rtype == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, r - 16, e->reg);
  else rm(t, rtype == T_I32 ? XF_MOVD_RM32_X : XF_MOVQ_RM64_X, e->reg - 16, xr(r));
  pop(t);
  push_reg(t, rtype, r);
}

static void select_op(jc *t) {
  uint32_t ci = t->h - 1;
  if (t->flags_at >= 0 && (uint32_t)t->flags_at != ci) materialize_flags(t);
  ventry *c = &t->st[ci];
  if (c->kind == L_CONST) {
    bool take_a = (uint32_t)c->val != 0;
    pop(t);
    if (take_a) {
      /* drop b: the top entry */
      pop(t);
    } else {
      /* keep b in a's place */
      uint32_t bi = t->h - 1;
      lock(t, bi);
      uint8_t type = t->st[bi].type;
      int r = alloc_for(t, type);
      load_into(t, r, bi);
      popn(t, 2);
      push_reg(t, type, r);
    }
    return;
  }
  uint32_t bi = t->h - 2, ai = t->h - 3;
  uint8_t type = t->st[ai].type;
  lock(t, ai);
  lock(t, bi);
  lock(t, ci);
  int cc;
  if ((int32_t)ci == t->flags_at) {
    cc = c->cc;
  } else if (c->kind == L_REG) {
    rr(t, XF_TEST_RM32_R, c->reg, c->reg);
    cc = CC_NE;
  } else {
    mi(t, XF_CMP_RM32_I8, mem_of(t, ci), 0);
    cc = CC_NE;
  }
  /* From here on only moves, which keep the flags. r = b; if cc then r = a. */
  if (is_float(type)) {
    int r = alloc_xmm(t);
    load_into(t, r, bi); /* (moves, xorps and mov imm keep the flags) */
    int32_t skip = jump_fwd(t, cc ^ 1, NONE);
    load_into(t, r, ai);
    label_here(t, skip);
    popn(t, 3);
    push_reg(t, type, r);
    return;
  }
  int r = alloc_gp(t);
  load_into(t, r, bi);
  xrm aop = rm_of(t, ai, RCX);
  wr_xemit(E(t), is64(type) ? XF_CMOVCC_R64_RM : XF_CMOVCC_R32_RM, r, aop, 0, cc);
  popn(t, 3);
  push_reg(t, type, r);
}

/* ---- the pass ---------------------------------------------------------------- */

static int compile_body(jc *t) {
  const wr_function *fn = t->fn;
  const wr_module *m = t->m;
  const wr_functype *ft = &m->types[fn->type_idx];
  const uint8_t *ip = fn->code;
  bool live = true;
  uint32_t dead_depth = 0;
  cframe proto = {0};
  proto.nresults = ft->nresults;
  proto.rtypes = ft->results;
  push_frame(t, C_FUNC, &proto);

  while (ip < fn->code_end && !t->oom && !E(t)->oom) {
    uint8_t b0 = *ip++;
    uint32_t c = b0;
    uint8_t prefix = 0;
    if (b0 == 0xFC || b0 == 0xFD) {
      prefix = b0;
      c = wr_uleb32_unchecked(&ip);
    }
    t->locked = 0;
    if (!live) {
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
    }
    /* A pending comparison is consumed by br_if, if and select; anything else
     * that emits code may change the flags, so it becomes a value first. */
    if (t->flags_at >= 0 && !(prefix == 0 && (c == 0x0D || c == 0x04 || c == 0x1B || c == 0x1C ||
                                               c == 0x20 || (c >= 0x41 && c <= 0x44) || c == 0x01)))
      materialize_flags(t);
    if (prefix == 0xFC) {
      switch (c) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: {
          static const int h[] = {FJ_H_I32_TRUNC_SAT_F32_S, FJ_H_I32_TRUNC_SAT_F32_U, FJ_H_I32_TRUNC_SAT_F64_S,
                                  FJ_H_I32_TRUNC_SAT_F64_U, FJ_H_I64_TRUNC_SAT_F32_S, FJ_H_I64_TRUNC_SAT_F32_U,
                                  FJ_H_I64_TRUNC_SAT_F64_S, FJ_H_I64_TRUNC_SAT_F64_U};
          num_helper(t, h[c], 1, c < 4 ? T_I32 : T_I64);
          break;
        }
        case 8: { /* memory.init seg: d s n */
          uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
          ip++;
          static const int o[] = {-1, 0, 1, 2, -2};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_memory_init), 3, o, 5, imms, -1);
          break;
        }
        case 9: { /* data.drop */
          uint64_t seg = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_data_drop), 0, o, 1, &seg, -1);
          break;
        }
        case 10: case 11: { /* memory.copy d s n, memory.fill d val n */
          ip += c == 10 ? 2 : 1;
          uint64_t f = t->fidx;
          static const int o[] = {0, 1, 2, -1};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(c == 10 ? WR_RT_memory_copy : WR_RT_memory_fill), 3, o, 4, &f, -1);
          break;
        }
        case 12: { /* table.init seg table: d s n */
          uint64_t seg = wr_uleb32_unchecked(&ip), tab = wr_uleb32_unchecked(&ip);
          uint64_t imms[3] = {tab, seg, t->fidx};
          static const int o[] = {-1, -2, 0, 1, 2, -3};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_init), 3, o, 6, imms, -1);
          break;
        }
        case 13: { /* elem.drop */
          uint64_t seg = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_elem_drop), 0, o, 1, &seg, -1);
          break;
        }
        case 14: { /* table.copy dst src: d s n */
          uint64_t dst = wr_uleb32_unchecked(&ip), src = wr_uleb32_unchecked(&ip);
          uint64_t imms[3] = {dst, src, t->fidx};
          static const int o[] = {-1, -2, 0, 1, 2, -3};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_copy), 3, o, 6, imms, -1);
          break;
        }
        case 15: { /* table.grow: init n -> old */
          uint64_t tab = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1, 0, 1};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_grow), 2, o, 3, &tab, T_I32);
          break;
        }
        case 16: { /* table.size */
          uint64_t tab = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_size), 0, o, 1, &tab, T_I32);
          break;
        }
        case 17: { /* table.fill: i v n */
          uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
          static const int o[] = {-1, 0, 1, 2, -2};
          helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_fill), 3, o, 5, imms, -1);
          break;
        }
        default: return -1;
      }
      continue;
    }
    if (prefix) return -1; /* SIMD: the mode does not take such modules */
    switch (c) {
      case 0x00: /* unreachable */
        trap_if(t, -1, WR_TRAP_UNREACHABLE);
        goto dead;
      case 0x01: break;
      case 0x02: case 0x03: case 0x04: { /* block, loop, if */
        cframe f = {0};
        block_type(t, &ip, &f);
        if (c == 0x04) {
          /* the condition first (its test may not be separated from the jump by
           * anything but moves), then everything below it to its slot */
          int cc;
          uint32_t ci = t->h - 1;
          ventry *ce = &t->st[ci];
          if (t->flags_at >= 0 && (uint32_t)t->flags_at != ci) materialize_flags(t);
          if ((int32_t)ci == t->flags_at) {
            cc = ce->cc;
            t->flags_at = -1;
            ce->kind = L_CONST; /* popped below without freeing anything */
          } else if (ce->kind == L_CONST) {
            cc = (uint32_t)ce->val ? -3 : -2;
          } else {
            if (ce->kind == L_REG) rr(t, XF_TEST_RM32_R, ce->reg, ce->reg);
            else mi(t, XF_CMP_RM32_I8, mem_of(t, ci), 0);
            cc = CC_NE;
          }
          pop(t);
          flush(t);
          top_to_slots(t, f.nparams);
          if (!push_frame(t, C_IF, &f)) break;
          if (cc == -3) break; /* always true: no jump */
          t->cf[t->ncf - 1].else_patch = jump_fwd(t, cc == -2 ? -1 : cc ^ 1, NONE);
          break;
        }
        flush(t);
        top_to_slots(t, f.nparams);
        push_frame(t, c == 0x02 ? C_BLOCK : C_LOOP, &f);
        break;
      }
      case 0x05: { /* else */
        cframe *f = &t->cf[t->ncf - 1];
        if (live) {
          top_to_slots(t, f->nresults);
          f->patch = jump_fwd(t, -1, f->patch);
        }
        label_here(t, f->else_patch);
        f->else_patch = NONE;
        popn(t, t->h - f->base);
        for (uint32_t k = 0; k < f->nparams; k++) push_slot(t, type_of(f->ptypes[k]));
        live = true;
        break;
      }
      case 0x0B: { /* end */
        cframe *f = &t->cf[t->ncf - 1];
        if (f->kind == C_FUNC) {
          if (live) emit_return(t);
          label_here(t, f->patch); /* (branches to the function's label return where they are) */
          t->ncf--;
          live = false;
          break;
        }
        if (live) {
          spill_regs(t);
          top_to_slots(t, f->nresults);
        }
        if (f->kind == C_IF && f->else_patch != NONE) {
          /* no else: the false path carries the params (in their slots) as results */
          label_here(t, f->else_patch);
        }
        label_here(t, f->patch);
        popn(t, t->h - f->base);
        for (uint32_t k = 0; k < f->nresults; k++) push_slot(t, type_of(f->rtypes[k]));
        t->ncf--;
        live = true;
        break;
      }
      case 0x0C: /* br */
        branch(t, &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)]);
        goto dead;
      case 0x0D: { /* br_if */
        cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)];
        if (t->flags_at >= 0 && (uint32_t)t->flags_at != t->h - 1) materialize_flags(t);
        bool moves = needs_moves(t, f, 1);
        int cc = pop_cond(t);
        if (cc == -2) break;
        if (cc == -3) {
          branch(t, f);
          goto dead;
        }
        if (!moves) {
          jump_label(t, f, cc);
        } else {
          int32_t skip = jump_fwd(t, cc ^ 1, NONE);
          branch(t, f);
          label_here(t, skip);
        }
        break;
      }
      case 0x0E: /* br_table */
        br_table(t, &ip);
        goto dead;
      case 0x0F: /* return */
        emit_return(t);
        goto dead;
      case 0x10: call(t, wr_uleb32_unchecked(&ip)); break;
      case 0x11: {
        uint32_t type = wr_uleb32_unchecked(&ip);
        call_indirect(t, type, wr_uleb32_unchecked(&ip));
        break;
      }
      case 0x1A: pop(t); break; /* drop */
      case 0x1C: skip_imm(&ip, WR_IMM_SELECT_T); /* fall through */
      case 0x1B: select_op(t); break;
      case 0x20: push_local(t, wr_uleb32_unchecked(&ip)); break;
      case 0x21: case 0x22: { /* local.set, local.tee */
        uint32_t l = wr_uleb32_unchecked(&ip);
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        if (e->kind == L_LOCAL && e->local == l) {
          if (c == 0x21) pop(t);
          break;
        }
        detach_local(t, l);
        e = &t->st[i];
        put(t, slot_mem(l), i);
        if (c == 0x21) {
          pop(t);
        } else if (e->kind != L_REG && e->kind != L_CONST) {
          pop(t);
          push_local(t, l);
        }
        break;
      }
      case 0x23: { /* global.get */
        uint32_t g = wr_uleb32_unchecked(&ip);
        wr_global *gl = t->inst->ctx.globals[g];
        uint8_t type = type_of(t->m->globals[g].type);
        mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
        int r = alloc_for(t, type);
        if (r >= 16) rm(t, type == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, r - 16, xm(RAX, 0));
        else rm(t, type == T_I32 ? XF_MOV_R32_RM : XF_MOV_R64_RM, r, xm(RAX, 0));
        push_reg(t, type, r);
        break;
      }
      case 0x24: { /* global.set */
        uint32_t g = wr_uleb32_unchecked(&ip);
        wr_global *gl = t->inst->ctx.globals[g];
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        lock(t, i);
        if (e->kind == L_REG) {
          mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
          store_reg(t, xm(RAX, 0), e->reg);
        } else {
          if (e->kind == L_CONST) mov_imm(t, RCX, e->val);
          else rm(t, XF_MOV_R64_RM, RCX, mem_of(t, i));
          mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
          rm(t, XF_MOV_RM64_R, RCX, xm(RAX, 0));
        }
        pop(t);
        break;
      }
      case 0x25: { /* table.get: i */
        uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
        static const int o[] = {-1, 0, -2};
        helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_get), 1, o, 3, imms, T_I64);
        break;
      }
      case 0x26: { /* table.set: i v */
        uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
        static const int o[] = {-1, 0, 1, -2};
        helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_set), 2, o, 4, imms, -1);
        break;
      }
      case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E: case 0x2F:
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
        wr_uleb32_unchecked(&ip);
        uint32_t off = wr_uleb32_unchecked(&ip);
        static const struct { uint8_t form, type; } L[] = {
            {XF_MOV_R32_RM, T_I32},     {XF_MOV_R64_RM, T_I64},      {XF_MOVSS_X_RM, T_F32},
            {XF_MOVSD_X_RM, T_F64},     {XF_MOVSX_R32_RM8, T_I32},   {XF_MOVZX_R32_RM8, T_I32},
            {XF_MOVSX_R32_RM16, T_I32}, {XF_MOVZX_R32_RM16, T_I32},  {XF_MOVSX_R64_RM8, T_I64},
            {XF_MOVZX_R32_RM8, T_I64},  {XF_MOVSX_R64_RM16, T_I64},  {XF_MOVZX_R32_RM16, T_I64},
            {XF_MOVSXD_R64_RM32, T_I64}, {XF_MOV_R32_RM, T_I64},
        };
        load(t, L[c - 0x28].form, L[c - 0x28].type, off);
        break;
      }
      case 0x36: case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D: case 0x3E: {
        wr_uleb32_unchecked(&ip);
        uint32_t off = wr_uleb32_unchecked(&ip);
        static const uint8_t W[] = {4, 8, 4, 8, 1, 2, 1, 2, 4};
        store(t, W[c - 0x36], off);
        break;
      }
      case 0x3F: { /* memory.size */
        ip++;
        mov_imm(t, RAX, (uint64_t)(uintptr_t)&t->inst->ctx.memory->pages);
        int r = alloc_gp(t);
        rm(t, XF_MOV_R32_RM, r, xm(RAX, 0));
        push_reg(t, T_I32, r);
        break;
      }
      case 0x40: { /* memory.grow */
        ip++;
        static const int o[] = {0};
        helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_memory_grow), 1, o, 1, NULL, T_I32);
        break;
      }
      case 0x41: push_const(t, T_I32, (uint32_t)wr_sleb32_unchecked(&ip)); break;
      case 0x42: push_const(t, T_I64, (uint64_t)wr_sleb64_unchecked(&ip)); break;
      case 0x43: push_const(t, T_F32, wr_load_u32le(ip)); ip += 4; break;
      case 0x44: push_const(t, T_F64, wr_load_u64le(ip)); ip += 8; break;
      case 0x45: int_eqz(t, false); break;
      case 0x46: int_cmp(t, false, CC_E); break;
      case 0x47: int_cmp(t, false, CC_NE); break;
      case 0x48: int_cmp(t, false, CC_L); break;
      case 0x49: int_cmp(t, false, CC_B); break;
      case 0x4A: int_cmp(t, false, CC_G); break;
      case 0x4B: int_cmp(t, false, CC_A); break;
      case 0x4C: int_cmp(t, false, CC_LE); break;
      case 0x4D: int_cmp(t, false, CC_BE); break;
      case 0x4E: int_cmp(t, false, CC_GE); break;
      case 0x4F: int_cmp(t, false, CC_AE); break;
      case 0x50: int_eqz(t, true); break;
      case 0x51: int_cmp(t, true, CC_E); break;
      case 0x52: int_cmp(t, true, CC_NE); break;
      case 0x53: int_cmp(t, true, CC_L); break;
      case 0x54: int_cmp(t, true, CC_B); break;
      case 0x55: int_cmp(t, true, CC_G); break;
      case 0x56: int_cmp(t, true, CC_A); break;
      case 0x57: int_cmp(t, true, CC_LE); break;
      case 0x58: int_cmp(t, true, CC_BE); break;
      case 0x59: int_cmp(t, true, CC_GE); break;
      case 0x5A: int_cmp(t, true, CC_AE); break;
      case 0x5B: float_cmp(t, false, FC_EQ); break;
      case 0x5C: float_cmp(t, false, FC_NE); break;
      case 0x5D: float_cmp(t, false, FC_LT); break;
      case 0x5E: float_cmp(t, false, FC_GT); break;
      case 0x5F: float_cmp(t, false, FC_LE); break;
      case 0x60: float_cmp(t, false, FC_GE); break;
      case 0x61: float_cmp(t, true, FC_EQ); break;
      case 0x62: float_cmp(t, true, FC_NE); break;
      case 0x63: float_cmp(t, true, FC_LT); break;
      case 0x64: float_cmp(t, true, FC_GT); break;
      case 0x65: float_cmp(t, true, FC_LE); break;
      case 0x66: float_cmp(t, true, FC_GE); break;
      case 0x67: int_unop(t, XF_LZCNT_R32_RM, T_I32); break;
      case 0x68: int_unop(t, XF_TZCNT_R32_RM, T_I32); break;
      case 0x69: int_unop(t, XF_POPCNT_R32_RM, T_I32); break;
      case 0x6A: int_binop(t, false, XF_ADD_R32_RM, XF_ADD_RM32_I8, XF_ADD_RM32_I32, true); break;
      case 0x6B: int_binop(t, false, XF_SUB_R32_RM, XF_SUB_RM32_I8, XF_SUB_RM32_I32, false); break;
      case 0x6C: int_mul(t, false); break;
      case 0x6D: divrem(t, false, true, false); break;
      case 0x6E: divrem(t, false, false, false); break;
      case 0x6F: divrem(t, false, true, true); break;
      case 0x70: divrem(t, false, false, true); break;
      case 0x71: int_binop(t, false, XF_AND_R32_RM, XF_AND_RM32_I8, XF_AND_RM32_I32, true); break;
      case 0x72: int_binop(t, false, XF_OR_R32_RM, XF_OR_RM32_I8, XF_OR_RM32_I32, true); break;
      case 0x73: int_binop(t, false, XF_XOR_R32_RM, XF_XOR_RM32_I8, XF_XOR_RM32_I32, true); break;
      case 0x74: shift(t, false, XF_SHL_RM32_CL, XF_SHL_RM32_I8); break;
      case 0x75: shift(t, false, XF_SAR_RM32_CL, XF_SAR_RM32_I8); break;
      case 0x76: shift(t, false, XF_SHR_RM32_CL, XF_SHR_RM32_I8); break;
      case 0x77: shift(t, false, XF_ROL_RM32_CL, XF_ROL_RM32_I8); break;
      case 0x78: shift(t, false, XF_ROR_RM32_CL, XF_ROR_RM32_I8); break;
      case 0x79: int_unop(t, XF_LZCNT_R64_RM, T_I64); break;
      case 0x7A: int_unop(t, XF_TZCNT_R64_RM, T_I64); break;
      case 0x7B: int_unop(t, XF_POPCNT_R64_RM, T_I64); break;
      case 0x7C: int_binop(t, true, XF_ADD_R64_RM, XF_ADD_RM64_I8, XF_ADD_RM64_I32, true); break;
      case 0x7D: int_binop(t, true, XF_SUB_R64_RM, XF_SUB_RM64_I8, XF_SUB_RM64_I32, false); break;
      case 0x7E: int_mul(t, true); break;
      case 0x7F: divrem(t, true, true, false); break;
      case 0x80: divrem(t, true, false, false); break;
      case 0x81: divrem(t, true, true, true); break;
      case 0x82: divrem(t, true, false, true); break;
      case 0x83: int_binop(t, true, XF_AND_R64_RM, XF_AND_RM64_I8, XF_AND_RM64_I32, true); break;
      case 0x84: int_binop(t, true, XF_OR_R64_RM, XF_OR_RM64_I8, XF_OR_RM64_I32, true); break;
      case 0x85: int_binop(t, true, XF_XOR_R64_RM, XF_XOR_RM64_I8, XF_XOR_RM64_I32, true); break;
      case 0x86: shift(t, true, XF_SHL_RM64_CL, XF_SHL_RM64_I8); break;
      case 0x87: shift(t, true, XF_SAR_RM64_CL, XF_SAR_RM64_I8); break;
      case 0x88: shift(t, true, XF_SHR_RM64_CL, XF_SHR_RM64_I8); break;
      case 0x89: shift(t, true, XF_ROL_RM64_CL, XF_ROL_RM64_I8); break;
      case 0x8A: shift(t, true, XF_ROR_RM64_CL, XF_ROR_RM64_I8); break;
      case 0x8B: float_sign(t, false, 0); break;
      case 0x8C: float_sign(t, false, 1); break;
      case 0x8D: float_unop(t, XF_ROUNDSS, 10); break; /* ceil: toward +inf */
      case 0x8E: float_unop(t, XF_ROUNDSS, 9); break;  /* floor */
      case 0x8F: float_unop(t, XF_ROUNDSS, 11); break; /* trunc */
      case 0x90: float_unop(t, XF_ROUNDSS, 8); break;  /* nearest (even) */
      case 0x91: float_unop(t, XF_SQRTSS, 0); break;
      case 0x92: float_binop(t, XF_ADDSS); break;
      case 0x93: float_binop(t, XF_SUBSS); break;
      case 0x94: float_binop(t, XF_MULSS); break;
      case 0x95: float_binop(t, XF_DIVSS); break;
      case 0x96: num_helper(t, FJ_H_F32_MIN, 2, T_F32); break;
      case 0x97: num_helper(t, FJ_H_F32_MAX, 2, T_F32); break;
      case 0x98: float_sign(t, false, 2); break;
      case 0x99: float_sign(t, true, 0); break;
      case 0x9A: float_sign(t, true, 1); break;
      case 0x9B: float_unop(t, XF_ROUNDSD, 10); break;
      case 0x9C: float_unop(t, XF_ROUNDSD, 9); break;
      case 0x9D: float_unop(t, XF_ROUNDSD, 11); break;
      case 0x9E: float_unop(t, XF_ROUNDSD, 8); break;
      case 0x9F: float_unop(t, XF_SQRTSD, 0); break;
      case 0xA0: float_binop(t, XF_ADDSD); break;
      case 0xA1: float_binop(t, XF_SUBSD); break;
      case 0xA2: float_binop(t, XF_MULSD); break;
      case 0xA3: float_binop(t, XF_DIVSD); break;
      case 0xA4: num_helper(t, FJ_H_F64_MIN, 2, T_F64); break;
      case 0xA5: num_helper(t, FJ_H_F64_MAX, 2, T_F64); break;
      case 0xA6: float_sign(t, true, 2); break;
      case 0xA7: int_unop(t, XF_MOV_R32_RM, T_I32); break; /* i32.wrap_i64 */
      case 0xA8: num_helper(t, FJ_H_I32_TRUNC_F32_S, 1, T_I32); break;
      case 0xA9: num_helper(t, FJ_H_I32_TRUNC_F32_U, 1, T_I32); break;
      case 0xAA: num_helper(t, FJ_H_I32_TRUNC_F64_S, 1, T_I32); break;
      case 0xAB: num_helper(t, FJ_H_I32_TRUNC_F64_U, 1, T_I32); break;
      case 0xAC: int_unop(t, XF_MOVSXD_R64_RM32, T_I64); break;
      case 0xAD: int_unop(t, XF_MOV_R32_RM, T_I64); break;
      case 0xAE: num_helper(t, FJ_H_I64_TRUNC_F32_S, 1, T_I64); break;
      case 0xAF: num_helper(t, FJ_H_I64_TRUNC_F32_U, 1, T_I64); break;
      case 0xB0: num_helper(t, FJ_H_I64_TRUNC_F64_S, 1, T_I64); break;
      case 0xB1: num_helper(t, FJ_H_I64_TRUNC_F64_U, 1, T_I64); break;
      case 0xB2: cvt_int(t, XF_CVTSI2SS_R32, false, T_F32); break;
      case 0xB3: cvt_int(t, XF_CVTSI2SS_R64, true, T_F32); break;
      case 0xB4: cvt_int(t, XF_CVTSI2SS_R64, false, T_F32); break;
      case 0xB5: num_helper(t, FJ_H_F32_CONVERT_I64_U, 1, T_F32); break;
      case 0xB6: cvt_float(t, XF_CVTSD2SS, T_F32); break;
      case 0xB7: cvt_int(t, XF_CVTSI2SD_R32, false, T_F64); break;
      case 0xB8: cvt_int(t, XF_CVTSI2SD_R64, true, T_F64); break;
      case 0xB9: cvt_int(t, XF_CVTSI2SD_R64, false, T_F64); break;
      case 0xBA: num_helper(t, FJ_H_F64_CONVERT_I64_U, 1, T_F64); break;
      case 0xBB: cvt_float(t, XF_CVTSS2SD, T_F64); break;
      case 0xBC: reinterpret(t, T_I32); break;
      case 0xBD: reinterpret(t, T_I64); break;
      case 0xBE: reinterpret(t, T_F32); break;
      case 0xBF: reinterpret(t, T_F64); break;
      case 0xC0: int_unop(t, XF_MOVSX_R32_RM8, T_I32); break;
      case 0xC1: int_unop(t, XF_MOVSX_R32_RM16, T_I32); break;
      case 0xC2: int_unop(t, XF_MOVSX_R64_RM8, T_I64); break;
      case 0xC3: int_unop(t, XF_MOVSX_R64_RM16, T_I64); break;
      case 0xC4: int_unop(t, XF_MOVSXD_R64_RM32, T_I64); break;
      case 0xD0: ip++; push_const(t, T_I64, 0); break; /* ref.null */
      case 0xD1: { /* ref.is_null */
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        if (e->kind == L_CONST) {
          uint64_t v = e->val;
          pop(t);
          push_const(t, T_I32, v == 0);
          break;
        }
        if (e->kind == L_REG) rr(t, XF_TEST_RM64_R, e->reg, e->reg);
        else mi(t, XF_CMP_RM64_I8, mem_of(t, i), 0);
        pop(t);
        push_flags(t, CC_E);
        break;
      }
      case 0xD2: { /* ref.func: the funcinst, fixed for this instance */
        uint32_t idx = wr_uleb32_unchecked(&ip);
        push_const(t, T_I64, (uint64_t)(uintptr_t)t->inst->ctx.funcs[idx]);
        break;
      }
      default: return -1;
    }
    continue;
  dead:
    live = false;
    dead_depth = 0;
    popn(t, t->h - t->cf[t->ncf - 1].base);
  }
  return 0;
}

int wr_fj_compile(wr_instance *inst, uint32_t def, xbuf *b, fj_relocs *relocs, wr_error *err) {
  const wr_module *m = inst->module;
  const wr_function *fn = &m->funcs[def];
  const wr_functype *ft = &m->types[fn->type_idx];
  jc t = {.m = m, .inst = inst, .fn = fn, .fidx = m->nimported_funcs + def, .b = b, .relocs = relocs,
          .flags_at = -1};
  for (int r = 0; r < 32; r++) t.owner[r] = -1;
  for (int k = 0; k < WR_TRAP_COUNT; k++) t.trap_chain[k] = NONE;
  int rc = 0;
  t.st = malloc((fn->max_stack + 2) * sizeof *t.st);
  t.head = malloc((fn->local_slots + 1) * sizeof *t.head);
  t.capcf = 16;
  t.cf = malloc(t.capcf * sizeof *t.cf);
  if (!t.st || !t.head || !t.cf) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  memset(t.head, 0xFF, (fn->local_slots + 1) * sizeof *t.head);
  uint32_t nparams = ft->param_slots, nlocals = fn->local_slots;
  t.tb = nlocals;
  t.args_slot = t.tb + fn->max_stack + 1;
  uint64_t frame = ((uint64_t)t.args_slot + 1) * 8;
  if (frame % 16 != 8) frame += 8;
  if (frame > INT32_MAX / 2) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "fast-jit: function %u needs a frame of %llu bytes", t.fidx,
                (unsigned long long)frame);
    goto out;
  }
  t.frame = (uint32_t)frame;

  /* Prologue: the stack check, the frame, the arguments, zeroed locals. */
  rm(&t, XF_MOV_R64_RM, RAX, xm(R15, API_OFF));
  rm(&t, XF_LEA_R64_M, RCX, xm(RSP, -(int32_t)t.frame));
  rm(&t, XF_CMP_R64_RM, RCX, xm(RAX, (int32_t)offsetof(struct wr_rt_api, stack_limit)));
  trap_if(&t, CC_B, WR_TRAP_STACK_EXHAUSTED);
  mi(&t, t.frame <= 127 ? XF_SUB_RM64_I8 : XF_SUB_RM64_I32, xr(RSP), t.frame);
  rm(&t, XF_MOV_RM64_R, RSI, slot_mem(t.args_slot));
  for (uint32_t k = 0; k < nparams; k++) {
    rm(&t, XF_MOV_R64_RM, RAX, xm(RSI, (int32_t)(8 * k)));
    rm(&t, XF_MOV_RM64_R, RAX, slot_mem(k));
  }
  if (nlocals > nparams) {
    if (nlocals - nparams <= 8) {
      for (uint32_t k = nparams; k < nlocals; k++) mi(&t, XF_MOV_RM64_I32, slot_mem(k), 0);
    } else {
      rm(&t, XF_LEA_R64_M, RDI, slot_mem(nparams));
      x_ri(b, XF_MOV_R32_I, RCX, nlocals - nparams);
      x_ri(b, XF_MOV_R32_I, RAX, 0);
      x_op(b, XF_REP_STOSQ);
    }
  }
  if (compile_body(&t) < 0) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "fast-jit: function %u has an instruction the mode does not compile",
                t.fidx);
    goto out;
  }
  /* Trap stubs: each kind loads its code and joins the common call. */
  bool any = false;
  for (int k = 0; k < WR_TRAP_COUNT; k++) any |= t.trap_chain[k] != NONE;
  if (any) {
    int32_t common = NONE;
    for (int k = 0; k < WR_TRAP_COUNT; k++) {
      if (t.trap_chain[k] == NONE) continue;
      label_here(&t, t.trap_chain[k]);
      x_ri(b, XF_MOV_R32_I, RSI, k);
      common = jump_fwd(&t, -1, common);
    }
    label_here(&t, common);
    mi(&t, XF_AND_RM64_I8, xr(RSP), -16);
    rr(&t, XF_MOV_R64_RM, RDI, R15);
    x_ri(b, XF_MOV_R32_I, RDX, t.fidx);
    call_api(&t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_trap));
  }
  if (t.oom || b->oom) rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
out:
  free(t.st);
  free(t.head);
  free(t.cf);
  free(t.pt);
  return rc;
}

#endif
