/* ops.c: the fast-jit compiler's instructions that are not control: calls
 * (direct, indirect, helpers through wr_ctx), loads and stores, integer and float
 * arithmetic, comparisons (left in the flags), conversions and select. */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include "modes/fast-jit/compile.h"

/* ---- calls -------------------------------------------------------------------- */

/* Pushes the results of a call (in their slots from height base on). */
static void push_results(jc *t, const wr_functype *ft) {
  for (uint32_t k = 0; k < ft->nresults; k++) fj_push_slot(t, type_of(ft->results[k]));
}

void fj_call(jc *t, uint32_t idx) {
  const wr_functype *ft = &t->m->types[t->m->func_type[idx]];
  uint32_t np = ft->nparams;
  fj_spill_regs(t);
  fj_top_to_slots(t, np);
  uint32_t base = t->h - np;
  if (idx >= t->m->nimported_funcs) {
    rm(t, XF_LEA_R64_M, RSI, slot_mem(t->tb + height_slot(t, base)));
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
    rm(t, XF_LEA_R64_M, RDX, slot_mem(t->tb + height_slot(t, base)));
    fj_call_c(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_call));
  }
  fj_popn(t, np);
  push_results(t, ft);
}

/* call_indirect: the bounds and null checks and the canonical type check inline;
 * a callee of this instance then gets a direct call to its compiled entry. Any
 * other callee (another instance's, a host function, a structurally equal type
 * declared under another index) takes rt.c's call_indirect, which checks again
 * and calls through wr_call. */
void fj_call_indirect(jc *t, uint32_t type, uint32_t table) {
  const wr_functype *ft = &t->m->types[type];
  uint32_t np = ft->nparams;
  fj_inst *fi = (fj_inst *)t->inst->ctx.api;
  fj_spill_regs(t);
  fj_top_to_slots(t, np + 1); /* the arguments and the element index above them */
  uint32_t base = t->h - 1 - np;
  xrm elem = temp_mem(t, t->h - 1);
  xrm args = slot_mem(t->tb + height_slot(t, base));
  wr_table *tab = t->inst->ctx.tables[table];
  rm(t, XF_MOV_R32_RM, RCX, elem);
  fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)tab);
  rm(t, XF_CMP_R32_RM, RCX, xm(RAX, (int32_t)offsetof(wr_table, size)));
  fj_trap_if(t, CC_AE, WR_TRAP_UNDEFINED_ELEMENT);
  rm(t, XF_MOV_R64_RM, RAX, xm(RAX, (int32_t)offsetof(wr_table, elems)));
  mi(t, XF_SHL_RM64_I8, xr(RCX), 3);
  rm(t, XF_MOV_R64_RM, RAX, xmi(RAX, RCX, 0));
  rr(t, XF_TEST_RM64_R, RAX, RAX);
  fj_trap_if(t, CC_E, WR_TRAP_UNINITIALIZED_ELEMENT);
  /* functions of this instance carry their type's canonical entry (instance.c) */
  fj_mov_imm(t, RDX, (uint64_t)(uintptr_t)&t->m->types[t->m->type_canon[type]]);
  rm(t, XF_CMP_R64_RM, RDX, xm(RAX, (int32_t)offsetof(wr_funcinst, type)));
  int32_t slow = fj_jump_fwd(t, CC_NE, NONE);
  fj_mov_imm(t, RDX, (uint64_t)(uintptr_t)t->inst);
  rm(t, XF_CMP_R64_RM, RDX, xm(RAX, (int32_t)offsetof(wr_funcinst, inst)));
  slow = fj_jump_fwd(t, CC_NE, slow);
  rm(t, XF_MOV_R32_RM, RCX, xm(RAX, (int32_t)offsetof(wr_funcinst, index)));
  mi(t, XF_SHL_RM64_I8, xr(RCX), 3);
  fj_mov_imm(t, RDX, (uint64_t)(uintptr_t)fi->entries);
  rm(t, XF_LEA_R64_M, RSI, args);
  x_rm(E(t), XF_CALL_RM64, 0, xmi(RDX, RCX, -(int32_t)(8 * t->m->nimported_funcs)));
  int32_t done = fj_jump_fwd(t, -1, NONE);
  fj_label_here(t, slow);
  rr(t, XF_MOV_R64_RM, RDI, R15);
  x_ri(E(t), XF_MOV_R32_I, RSI, table);
  x_ri(E(t), XF_MOV_R32_I, RDX, type);
  rm(t, XF_MOV_R32_RM, RCX, elem);
  x_ri(E(t), XF_MOV_R32_I, R8, t->fidx);
  rm(t, XF_LEA_R64_M, R9, args);
  fj_call_c(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_call_indirect));
  fj_label_here(t, done);
  fj_popn(t, np + 1);
  push_results(t, ft);
}

/* Calls an api helper (byte offset off) with rdi = ctx and then the given
 * arguments: entries of the stack (the top nops, deepest first) and immediates,
 * in the order of `order` (k >= 0: entry h-nops+k, k < 0: immediate imms[-k-1]).
 * Pops the operands; pushes the result (rax) when rtype >= 0. */
void fj_helper(jc *t, int32_t off, uint32_t nops, const int *order, unsigned nargs, const uint64_t *imms,
                   int rtype) {
  static const uint8_t argreg[] = {RSI, RDX, RCX, R8, R9};
  fj_spill_regs(t);
  uint32_t first = t->h - nops;
  for (unsigned k = 0; k < nargs && k < 5; k++) {
    if (order[k] >= 0) {
      ventry *e = &t->st[first + (uint32_t)order[k]];
      if (e->kind == L_CONST) fj_mov_imm(t, argreg[k], e->val);
      else rm(t, XF_MOV_R64_RM, argreg[k], fj_mem_of(t, first + (uint32_t)order[k]));
    } else {
      fj_mov_imm(t, argreg[k], imms[-order[k] - 1]);
    }
  }
  /* a seventh argument (only ever an immediate) goes on the stack, which stays aligned */
  if (nargs > 5) mi(t, XF_SUB_RM64_I8, xr(RSP), 16);
  for (unsigned k = 5; k < nargs; k++) {
    fj_mov_imm(t, RAX, imms[-order[k] - 1]);
    rm(t, XF_MOV_RM64_R, RAX, xm(RSP, (int32_t)(8 * (k - 5))));
  }
  rr(t, XF_MOV_R64_RM, RDI, R15);
  fj_call_c(t, off);
  if (nargs > 5) mi(t, XF_ADD_RM64_I8, xr(RSP), 16);
  fj_popn(t, nops);
  if (rtype >= 0) {
    int r = fj_alloc_for(t, (uint8_t)rtype);
    if (r >= 16) rr(t, rtype == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, r - 16, RAX);
    else rr(t, rtype == T_I32 ? XF_MOV_R32_RM : XF_MOV_R64_RM, r, RAX);
    fj_push_reg(t, (uint8_t)rtype, r);
  }
}

/* A numeric helper: result = fn(ctx, a, b, func); unary ones get b = 0. */
void fj_num_helper(jc *t, int h, uint32_t nops, uint8_t rtype) {
  static const int unary[] = {0, -2, -1}, binary[] = {0, 1, -1};
  uint64_t imms[2] = {t->fidx, 0};
  fj_helper(t, (int32_t)FJ_NUM_OFFSET(h), nops, nops == 1 ? unary : binary, 3, imms, rtype);
}

/* ---- memory ------------------------------------------------------------------ */

/* The address operand of an access at offset off with the index on top (popped). */
xrm fj_address(jc *t, uint32_t off) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  xrm a;
  if (e->kind == L_CONST) {
    uint64_t ea = (uint64_t)(uint32_t)e->val + off;
    if (ea <= INT32_MAX) {
      a = xm(R14, (int32_t)ea);
    } else {
      fj_mov_imm(t, RDX, ea);
      a = xmi(R14, RDX, 0);
    }
  } else {
    int r;
    if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
    xrm m = e->kind == L_REG ? xr(e->reg) : fj_mem_of(t, i);
    if (!m.mem) { /* a register (or a pinned local's), the i32 zero-extended in it */
      r = m.reg;
    } else {
      rm(t, XF_MOV_R32_RM, RDX, m);
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
    fj_lock(t, i);
  }
  return a;
}

void fj_load(jc *t, int form, uint8_t rtype, uint32_t off) {
  xrm a = fj_address(t, off);
  int r = fj_alloc_for(t, rtype);
  rm(t, form, r >= 16 ? r - 16 : r, a);
  fj_pop(t);
  fj_push_reg(t, rtype, r);
}

/* width: 1, 2, 4, 8 bytes */
void fj_store(jc *t, unsigned width, uint32_t off) {
  uint32_t vi = t->h - 1;
  ventry *v = &t->st[vi];
  if ((int32_t)vi == t->flags_at) fj_materialize_flags(t);
  fj_lock(t, vi);
  t->h--; /* the index is on top while the address is made */
  xrm a = fj_address(t, off);
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
      if (v->kind == L_CONST) fj_mov_imm(t, RAX, v->val);
      else rm(t, width == 8 ? XF_MOV_R64_RM : XF_MOV_R32_RM, RAX, fj_mem_of(t, vi));
    }
    rm(t, width == 1 ? XF_MOV_RM8_R : width == 2 ? XF_MOV_RM16_R : width == 4 ? XF_MOV_RM32_R : XF_MOV_RM64_R, r, a);
  }
  fj_popn(t, 2);
}

/* ---- arithmetic ---------------------------------------------------------------- */

/* Integer a OP b: rm form (reg, r/m), imm8 and imm32 forms (-1: none). */
void fj_int_binop(jc *t, bool w, int f_rm, int f_i8, int f_i32, bool commutes) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  ventry *a = &t->st[ai], *b = &t->st[bi];
  if (commutes && a->kind == L_CONST && b->kind != L_CONST) ai = t->h - 1, bi = t->h - 2;
  a = &t->st[ai], b = &t->st[bi];
  fj_lock(t, bi);
  fj_lock(t, ai);
  if (b->kind == L_CONST && f_i32 >= 0 && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int r = fj_dest_reg(t, ai);
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    if (f_i8 >= 0 && imm >= -128 && imm <= 127) mi(t, f_i8, xr(r), imm);
    else mi(t, f_i32, xr(r), imm);
    fj_popn(t, 2);
    fj_push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  xrm bop = fj_rm_of(t, bi, RCX);
  int r = fj_dest_reg(t, ai);
  rm(t, f_rm, r, bop);
  fj_popn(t, 2);
  fj_push_reg(t, w ? T_I64 : T_I32, r);
}

void fj_int_mul(jc *t, bool w) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->st[ai].kind == L_CONST && t->st[bi].kind != L_CONST) ai = t->h - 1, bi = t->h - 2;
  ventry *b = &t->st[bi];
  fj_lock(t, ai);
  fj_lock(t, bi);
  if (b->kind == L_CONST && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    xrm aop = fj_rm_of(t, ai, RCX);
    int r = fj_alloc_gp(t);
    wr_xemit(E(t), w ? XF_IMUL_R64_RM_I32 : XF_IMUL_R32_RM_I32, r, aop, imm, 0);
    fj_popn(t, 2);
    fj_push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  fj_int_binop(t, w, w ? XF_IMUL_R64_RM : XF_IMUL_R32_RM, -1, -1, true);
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

void fj_int_cmp(jc *t, bool w, int cc) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  ventry *a = &t->st[ai], *b = &t->st[bi];
  if (t->flags_at >= 0) fj_materialize_flags(t);
  if (a->kind == L_CONST && b->kind != L_CONST) {
    ai = t->h - 1, bi = t->h - 2;
    cc = swap_cc(cc);
    a = &t->st[ai], b = &t->st[bi];
  }
  if (b->kind == L_CONST && (!w || (int64_t)b->val == (int32_t)b->val)) {
    int64_t imm = w ? (int64_t)b->val : (int64_t)(int32_t)(uint32_t)b->val;
    xrm aop = fj_rm_of(t, ai, RAX);
    mi(t, imm >= -128 && imm <= 127 ? (w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8) : (w ? XF_CMP_RM64_I32 : XF_CMP_RM32_I32),
       aop, imm);
  } else {
    int ra;
    if (a->kind == L_REG) {
      ra = a->reg;
    } else {
      fj_load_into(t, RAX, ai);
      ra = RAX;
    }
    xrm bop = fj_rm_of(t, bi, RCX);
    rm(t, w ? XF_CMP_R64_RM : XF_CMP_R32_RM, ra, bop);
  }
  fj_popn(t, 2);
  fj_push_flags(t, cc);
}

void fj_int_eqz(jc *t, bool w) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  if (t->flags_at >= 0) fj_materialize_flags(t);
  if (e->kind == L_CONST) {
    uint64_t v = w ? e->val : (uint32_t)e->val;
    fj_pop(t);
    fj_push_const(t, T_I32, v == 0);
    return;
  }
  if (e->kind == L_REG) rr(t, w ? XF_TEST_RM64_R : XF_TEST_RM32_R, e->reg, e->reg);
  else mi(t, w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8, fj_mem_of(t, i), 0);
  fj_pop(t);
  fj_push_flags(t, CC_E);
}

/* Unary r <- op r/m (clz, ctz, popcnt, extensions, wrap). */
void fj_int_unop(jc *t, int form, uint8_t rtype) {
  uint32_t i = t->h - 1;
  fj_lock(t, i);
  xrm op = fj_rm_of(t, i, RCX);
  int r = t->st[i].kind == L_REG && t->st[i].reg < 16 ? t->st[i].reg : fj_alloc_gp(t);
  rm(t, form, r, op);
  fj_pop(t);
  fj_push_reg(t, rtype, r);
}

void fj_shift(jc *t, bool w, int f_cl, int f_i8) {
  uint32_t bi = t->h - 1, ai = t->h - 2;
  ventry *b = &t->st[bi];
  fj_lock(t, bi);
  if (b->kind == L_CONST) {
    int r = fj_dest_reg(t, ai);
    mi(t, f_i8, xr(r), (int64_t)(b->val & (w ? 63 : 31)));
    fj_popn(t, 2);
    fj_push_reg(t, w ? T_I64 : T_I32, r);
    return;
  }
  fj_load_into(t, RCX, bi);
  int r = fj_dest_reg(t, ai);
  mi(t, f_cl, xr(r), 0);
  fj_popn(t, 2);
  fj_push_reg(t, w ? T_I64 : T_I32, r);
}

/* div/rem: signed or not, remainder or quotient. */
void fj_divrem(jc *t, bool w, bool sign, bool rem) {
  uint32_t bi = t->h - 1, ai = t->h - 2;
  ventry *b = &t->st[bi];
  uint64_t bv = w ? b->val : (uint32_t)b->val;
  bool bconst = b->kind == L_CONST;
  if (t->flags_at >= 0) fj_materialize_flags(t);
  fj_lock(t, ai);
  fj_lock(t, bi);
  fj_load_into(t, RCX, bi);
  fj_load_into(t, RAX, ai);
  int32_t done = NONE;
  if (!bconst || bv == 0) {
    rr(t, w ? XF_TEST_RM64_R : XF_TEST_RM32_R, RCX, RCX);
    fj_trap_if(t, CC_E, WR_TRAP_DIV_ZERO);
  }
  bool minus1 = w ? bv == UINT64_MAX : bv == UINT32_MAX;
  if (sign && (!bconst || minus1)) {
    int32_t normal = NONE;
    if (!bconst) {
      mi(t, w ? XF_CMP_RM64_I8 : XF_CMP_RM32_I8, xr(RCX), -1);
      normal = fj_jump_fwd(t, CC_NE, NONE);
    }
    if (rem) {
      x_ri(E(t), XF_MOV_R32_I, RDX, 0);
    } else {
      rr(t, w ? XF_MOV_R64_RM : XF_MOV_R32_RM, RDX, RAX);
      wr_xemit(E(t), w ? XF_NEG_RM64 : XF_NEG_RM32, 0, xr(RAX), 0, 0);
      fj_trap_if(t, CC_O, WR_TRAP_INT_OVERFLOW);
    }
    done = fj_jump_fwd(t, -1, NONE);
    fj_label_here(t, normal);
  }
  if (sign) {
    x_op(E(t), w ? XF_CQO : XF_CDQ);
    wr_xemit(E(t), w ? XF_IDIV_RM64 : XF_IDIV_RM32, 0, xr(RCX), 0, 0);
  } else {
    x_ri(E(t), XF_MOV_R32_I, RDX, 0);
    wr_xemit(E(t), w ? XF_DIV_RM64 : XF_DIV_RM32, 0, xr(RCX), 0, 0);
  }
  fj_label_here(t, done);
  fj_popn(t, 2);
  int r = fj_alloc_gp(t);
  rr(t, w ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, rem ? RDX : RAX);
  fj_push_reg(t, w ? T_I64 : T_I32, r);
}

void fj_float_binop(jc *t, int form) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->flags_at >= 0) fj_materialize_flags(t);
  fj_lock(t, ai);
  fj_lock(t, bi);
  xrm bop = fj_rm_of(t, bi, 0); /* xmm0 for a constant */
  int r = fj_dest_reg(t, ai);
  rm(t, form, r - 16, bop);
  uint8_t type = t->st[ai].type;
  fj_popn(t, 2);
  fj_push_reg(t, type, r);
}

/* f32/f64 comparison: gt/ge/lt/le leave the flags; eq/ne make 0/1. */
void fj_float_cmp(jc *t, bool d, int op) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (t->flags_at >= 0) fj_materialize_flags(t);
  fj_lock(t, ai);
  fj_lock(t, bi);
  if (op == FC_LT || op == FC_LE) { /* b > a, b >= a */
    uint32_t s = ai;
    ai = bi, bi = s;
  }
  int xa = fj_xmm_of(t, ai, 0);
  xrm bop = fj_rm_of(t, bi, 1);
  rm(t, d ? XF_UCOMISD : XF_UCOMISS, xa, bop);
  fj_popn(t, 2);
  if (op == FC_EQ || op == FC_NE) {
    int r = fj_alloc_gp(t);
    x_ri(E(t), XF_MOV_R32_I, RAX, op == FC_EQ ? 0 : 1);
    x_ri(E(t), XF_MOV_R32_I, r, op == FC_EQ ? 1 : 0);
    wr_xemit(E(t), XF_CMOVCC_R32_RM, r, xr(RAX), 0, CC_NE);
    wr_xemit(E(t), XF_CMOVCC_R32_RM, r, xr(RAX), 0, CC_P);
    fj_push_reg(t, T_I32, r);
  } else {
    fj_push_flags(t, op == FC_GT || op == FC_LT ? CC_A : CC_AE);
  }
}

/* Unary float op r <- op(r) (sqrt, round): form takes (xmm, xmm[, imm]). */
void fj_float_unop(jc *t, int form, int imm) {
  uint32_t i = t->h - 1;
  int r = fj_dest_reg(t, i);
  uint8_t type = t->st[i].type;
  wr_xemit(E(t), form, r - 16, xr(r - 16), imm, 0);
  fj_pop(t);
  fj_push_reg(t, type, r);
}

/* abs, neg, copysign: bit operations with a mask in xmm0. */
void fj_float_sign(jc *t, bool d, int what) {
  uint64_t sign = d ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
  if (what == 2) { /* copysign */
    uint32_t ai = t->h - 2, bi = t->h - 1;
    fj_lock(t, bi);
    int r = fj_dest_reg(t, ai);
    fj_mov_imm(t, RAX, sign - 1);
    rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
    rr(t, XF_ANDPS, r - 16, 0);
    fj_load_into(t, XMM(1), bi);
    fj_mov_imm(t, RAX, sign);
    rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
    rr(t, XF_ANDPS, 1, 0);
    rr(t, XF_ORPS, r - 16, 1);
    fj_popn(t, 2);
    fj_push_reg(t, d ? T_F64 : T_F32, r);
    return;
  }
  uint32_t i = t->h - 1;
  int r = fj_dest_reg(t, i);
  fj_mov_imm(t, RAX, what == 0 ? sign - 1 : sign);
  rr(t, d ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, 0, RAX);
  rr(t, what == 0 ? XF_ANDPS : XF_XORPS, r - 16, 0);
  fj_pop(t);
  fj_push_reg(t, d ? T_F64 : T_F32, r);
}

/* int -> float conversion with cvtsi2ss/sd (form); zext: the source is an
 * unsigned i32, converted as the 64-bit value it is zero-extended to. */
void fj_cvt_int(jc *t, int form, bool zext, uint8_t rtype) {
  uint32_t i = t->h - 1;
  fj_lock(t, i);
  xrm op;
  if (zext) {
    fj_load_into(t, RAX, i); /* i32 zero-extended */
    op = xr(RAX);
  } else {
    op = fj_rm_of(t, i, RAX);
  }
  int r = fj_alloc_xmm(t);
  rr(t, XF_XORPS, r - 16, r - 16);
  rm(t, form, r - 16, op);
  fj_pop(t);
  fj_push_reg(t, rtype, r);
}

void fj_cvt_float(jc *t, int form, uint8_t rtype) {
  uint32_t i = t->h - 1;
  fj_lock(t, i);
  xrm op = fj_rm_of(t, i, 0);
  int r = fj_alloc_xmm(t);
  rr(t, XF_XORPS, r - 16, r - 16);
  rm(t, form, r - 16, op);
  fj_pop(t);
  fj_push_reg(t, rtype, r);
}

/* reinterpret: the same bits in the other register file. */
void fj_reinterpret(jc *t, uint8_t rtype) {
  uint32_t i = t->h - 1;
  ventry *e = &t->st[i];
  if (e->kind != L_REG) { /* slots and constants hold the bits already */
    if (e->kind == L_LOCAL) {
      fj_lock(t, i);
      int r = fj_alloc_for(t, rtype);
      uint8_t st = e->type;
      e->type = rtype;
      fj_load_into(t, r, i);
      e->type = st;
      fj_pop(t);
      fj_push_reg(t, rtype, r);
      return;
    }
    e->type = rtype;
    return;
  }
  fj_lock(t, i);
  int r = fj_alloc_for(t, rtype);
  if (r >= 16) rr(t, rtype == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, r - 16, e->reg);
  else rm(t, rtype == T_I32 ? XF_MOVD_RM32_X : XF_MOVQ_RM64_X, e->reg - 16, xr(r));
  fj_pop(t);
  fj_push_reg(t, rtype, r);
}

void fj_select_op(jc *t) {
  uint32_t ci = t->h - 1;
  if (t->flags_at >= 0 && (uint32_t)t->flags_at != ci) fj_materialize_flags(t);
  ventry *c = &t->st[ci];
  if (c->kind == L_CONST) {
    bool take_a = (uint32_t)c->val != 0;
    fj_pop(t);
    if (take_a) {
      /* drop b: the top entry */
      fj_pop(t);
    } else {
      /* keep b in a's place */
      uint32_t bi = t->h - 1;
      fj_lock(t, bi);
      uint8_t type = t->st[bi].type;
      int r = fj_alloc_for(t, type);
      fj_load_into(t, r, bi);
      fj_popn(t, 2);
      fj_push_reg(t, type, r);
    }
    return;
  }
  uint32_t bi = t->h - 2, ai = t->h - 3;
  uint8_t type = t->st[ai].type;
  fj_lock(t, ai);
  fj_lock(t, bi);
  fj_lock(t, ci);
  int cc;
  if ((int32_t)ci == t->flags_at) {
    cc = c->cc;
  } else if (c->kind == L_REG) {
    rr(t, XF_TEST_RM32_R, c->reg, c->reg);
    cc = CC_NE;
  } else {
    mi(t, XF_CMP_RM32_I8, fj_mem_of(t, ci), 0);
    cc = CC_NE;
  }
  /* From here on only moves, which keep the flags. r = b; if cc then r = a. */
  if (in_xmm(type)) {
    int r = fj_alloc_xmm(t);
    fj_load_into(t, r, bi); /* (moves, xorps and mov imm keep the flags) */
    int32_t skip = fj_jump_fwd(t, cc ^ 1, NONE);
    fj_load_into(t, r, ai);
    fj_label_here(t, skip);
    fj_popn(t, 3);
    fj_push_reg(t, type, r);
    return;
  }
  int r = fj_alloc_gp(t);
  fj_load_into(t, r, bi);
  xrm aop = fj_rm_of(t, ai, RCX);
  wr_xemit(E(t), is64(type) ? XF_CMOVCC_R64_RM : XF_CMOVCC_R32_RM, r, aop, 0, cc);
  fj_popn(t, 3);
  fj_push_reg(t, type, r);
}

#endif
