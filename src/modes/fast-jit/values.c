/* values.c: the fast-jit compiler's compile-time value stack (compile.h): where
 * each operand is (register, slot, local, constant, flags), register allocation
 * with spilling of the deepest register value, loads and stores of values, the
 * flushes that control merges and calls need, and the jump patches. */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include "modes/fast-jit/compile.h"

static const uint8_t gp_pool[] = {RSI, RDI, R8, R9, R10, R11};

int32_t fj_new_patch(jc *t, size_t pos, size_t base, int32_t next) {
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

void fj_put_rel(jc *t, size_t pos, size_t base, size_t target) {
  if (E(t)->oom || pos + 4 > E(t)->len) return;
  int32_t rel = (int32_t)((int64_t)target - (int64_t)base);
  memcpy(E(t)->p + pos, &rel, 4);
}

/* Resolves a chain of patches to the current offset. */
void fj_label_here(jc *t, int32_t chain) {
  for (; chain != NONE; chain = t->pt[chain].next) fj_put_rel(t, t->pt[chain].pos, t->pt[chain].base, E(t)->len);
}

/* A jump (cc < 0: unconditional) whose target comes later: returns the chain. */
int32_t fj_jump_fwd(jc *t, int cc, int32_t chain) {
  size_t end = wr_xemit(E(t), cc < 0 ? XF_JMP_REL32 : XF_JCC_REL32, 0, xr(0), 0, cc < 0 ? 0 : cc);
  return fj_new_patch(t, end - 4, end, chain);
}
void fj_jump_to(jc *t, int cc, size_t target) {
  size_t end = wr_xemit(E(t), cc < 0 ? XF_JMP_REL32 : XF_JCC_REL32, 0, xr(0), 0, cc < 0 ? 0 : cc);
  fj_put_rel(t, end - 4, end, target);
}
void fj_trap_if(jc *t, int cc, wr_trap_kind kind) { t->trap_chain[kind] = fj_jump_fwd(t, cc, t->trap_chain[kind]); }

void fj_mov_imm(jc *t, int r, uint64_t v) {
  if (v <= UINT32_MAX) x_ri(E(t), XF_MOV_R32_I, r, (int64_t)v);
  else x_ri(E(t), XF_MOV_R64_I64, r, (int64_t)v);
}

/* Calls the api helper at byte offset off (arguments already in registers). */
void fj_call_api(jc *t, int32_t off) {
  rm(t, XF_MOV_R64_RM, RAX, xm(R15, API_OFF));
  x_rm(E(t), XF_CALL_RM64, 0, xm(RAX, off));
}

/* The pinned XMM locals to their slots (before a call of C, which may clobber
 * every XMM register), or (restore) back from them. */
void fj_save_pinned_xmm(jc *t, bool restore) {
  for (unsigned k = 0; k < t->npinx; k++) {
    uint32_t l = t->pinx_local[k];
    int r = t->pin[l];
    uint8_t ty = type_of(t->fn->local_types[l]);
    xrm s = slot_mem(local_slot(t, l));
    if (!restore) fj_store_reg(t, s, r, ty);
    else rm(t, ty == T_V128 ? XF_MOVDQU_X_RM : ty == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, r - 16, s);
  }
}

/* fj_call_api for a helper that returns (pinned XMM locals kept). */
void fj_call_c(jc *t, int32_t off) {
  fj_save_pinned_xmm(t, false);
  fj_call_api(t, off);
  fj_save_pinned_xmm(t, true);
}

/* local.get: a reference read lazily, or for a local pinned in an XMM register a
 * copy (entries of local references are read as GP or memory operands). */
void fj_push_local_value(jc *t, uint32_t l) {
  int p = t->pin[l];
  if (p < 16) {
    fj_push_local(t, l);
    return;
  }
  int r = fj_alloc_xmm(t);
  rr(t, XF_MOVAPS_X_X, r - 16, p - 16);
  fj_push_reg(t, type_of(t->fn->local_types[l]), r);
}

/* ---- the compile-time stack ------------------------------------------------- */

static inline void own(jc *t, int r, int32_t i) {
  t->owner[r] = i;
  t->busy |= 1u << r;
}
static inline void disown(jc *t, int r) {
  t->owner[r] = -1;
  t->busy &= ~(1u << r);
}

static void free_reg(jc *t, ventry *e) {
  if (e->kind == L_REG) disown(t, e->reg);
}

void fj_pop(jc *t) {
  ventry *e = &t->st[--t->h];
  if (e->kind == L_LOCAL) t->head[e->local] = e->next;
  free_reg(t, e);
  if ((int32_t)t->h == t->flags_at) t->flags_at = -1;
  if (t->clean > t->h) t->clean = t->h;
}
void fj_popn(jc *t, uint32_t n) {
  while (n--) fj_pop(t);
}
void fj_push_reg(jc *t, uint8_t type, int r) {
  t->st[t->h] = (ventry){L_REG, type, (uint8_t)r, 0, height_slot(t, t->h), 0, -1, 0};
  own(t, r, (int32_t)t->h++);
}
void fj_push_slot(jc *t, uint8_t type) {
  t->st[t->h] = (ventry){L_SLOT, type, 0, 0, height_slot(t, t->h), 0, -1, 0};
  t->h++;
}
/* (v128 constants are never entries: they go straight to a register) */
void fj_push_const(jc *t, uint8_t type, uint64_t v) {
  t->st[t->h] = (ventry){L_CONST, type, 0, 0, height_slot(t, t->h), 0, -1, v};
  t->h++;
}
void fj_push_flags(jc *t, int cc) {
  t->flags_at = (int32_t)t->h;
  t->st[t->h] = (ventry){L_FLAGS, T_I32, 0, (uint8_t)cc, height_slot(t, t->h), 0, -1, 0};
  t->h++;
}
void fj_push_local(jc *t, uint32_t l) {
  t->st[t->h] = (ventry){L_LOCAL, type_of(t->fn->local_types[l]), 0, 0, height_slot(t, t->h), l, t->head[l], 0};
  t->head[l] = (int32_t)t->h++;
}

/* The operand of an entry in a slot or local: its memory, or a pinned local's
 * register (a GP register: pinned locals are i32 or i64). */
xrm fj_mem_of(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  if (e->kind != L_LOCAL) return temp_mem(t, i);
  if (t->pin[e->local] >= 0) return xr(t->pin[e->local]);
  return slot_mem(local_slot(t, e->local));
}

/* Stores register r (GP, or 16+XMM) holding a value of the type to dst: all 64
 * bits, which the invariants (i32 zero-extended, f32 with zeros above) make the
 * runtime's slot value; a v128's two slots. */
void fj_store_reg(jc *t, xrm dst, int r, uint8_t type) {
  if (type == T_V128) rm(t, XF_MOVDQU_M_X, r - 16, dst);
  else if (r >= 16) rm(t, XF_MOVQ_M_X, r - 16, dst);
  else rm(t, XF_MOV_RM64_R, r, dst);
}

/* Copies a value of the type from one memory operand to another. */
static void copy_mem(jc *t, xrm dst, xrm src, uint8_t type) {
  if (type == T_V128) {
    rm(t, XF_MOVDQU_X_RM, 0, src);
    rm(t, XF_MOVDQU_M_X, 0, dst);
  } else {
    rm(t, XF_MOV_R64_RM, RAX, src);
    rm(t, XF_MOV_RM64_R, RAX, dst);
  }
}

static void store_const(jc *t, xrm dst, uint64_t v) {
  if ((int64_t)v == (int32_t)v) {
    mi(t, XF_MOV_RM64_I32, dst, (int64_t)v);
  } else {
    fj_mov_imm(t, RAX, v);
    rm(t, XF_MOV_RM64_R, RAX, dst);
  }
}

static void spill(jc *t, uint32_t i);

/* Turns the flags entry into a 0/1 in a register. */
void fj_materialize_flags(jc *t) {
  if (t->flags_at < 0) return;
  uint32_t i = (uint32_t)t->flags_at;
  t->flags_at = -1;
  ventry *e = &t->st[i];
  e->kind = L_SLOT; /* not a register owner while allocating */
  int r = fj_alloc_gp(t);
  wr_xemit(E(t), XF_SETCC_RM8, 0, xr(r), 0, e->cc);
  rr(t, XF_MOVZX_R32_RM8, r, r);
  e->kind = L_REG;
  e->reg = (uint8_t)r;
  own(t, r, (int32_t)i);
}

/* Writes entry i's value to its own slot and records it there. */
static void spill(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
  switch (e->kind) {
    case L_REG:
      fj_store_reg(t, temp_mem(t, i), e->reg, e->type);
      disown(t, e->reg);
      break;
    case L_CONST: store_const(t, temp_mem(t, i), e->val); break;
    case L_LOCAL: copy_mem(t, temp_mem(t, i), fj_mem_of(t, i), e->type); break;
    default: return;
  }
  e->kind = L_SLOT;
}

/* ---- locals still in registers ---- */

static void uncache_reg(jc *t, int r) {
  if (t->reg_local[r] < 0) return;
  t->local_reg[t->reg_local[r]] = -1;
  t->reg_local[r] = -1;
  t->caching &= ~(1u << r);
}

void fj_uncache_local(jc *t, uint32_t l) {
  if (t->local_reg[l] < 0) return;
  t->caching &= ~(1u << t->local_reg[l]);
  t->reg_local[t->local_reg[l]] = -1;
  t->local_reg[l] = -1;
}

/* Register r (free now) holds local l's value, just stored. */
void fj_cache_local(jc *t, uint32_t l, int r) {
  fj_uncache_local(t, l);
  uncache_reg(t, r);
  t->reg_local[r] = (int32_t)l;
  t->local_reg[l] = (int8_t)r;
  t->caching |= 1u << r;
}

void fj_forget_locals(jc *t) {
  for (uint32_t m = t->caching; m; m &= m - 1) uncache_reg(t, __builtin_ctz(m));
}

/* The register caching entry i's local, if of the class of register `like`
 * (GP below 16, XMM from 16), else -1. */
static int cached(jc *t, uint32_t i, int like) {
  ventry *e = &t->st[i];
  if (e->kind != L_LOCAL) return -1;
  int r = t->local_reg[e->local];
  return r >= 0 && (r >= 16) == (like >= 16) ? r : -1;
}

static int alloc_in(jc *t, const uint8_t *pool, unsigned n, int add, uint32_t mask) {
  /* a free register, preferring one that caches no local */
  uint32_t fr = mask & ~t->busy & ~t->locked;
  if (fr & ~t->caching) {
    int r = __builtin_ctz(fr & ~t->caching);
    return t->locked |= 1u << r, r;
  }
  if (fr) {
    int r = __builtin_ctz(fr);
    uncache_reg(t, r);
    return t->locked |= 1u << r, r;
  }
  /* none free: spill the deepest value in one of them */
  int best = -1;
  for (unsigned k = 0; k < n; k++) {
    int r = pool[k] + add;
    if (t->locked & (1u << r)) continue;
    if (best < 0 || t->owner[r] < t->owner[best]) best = r;
  }
  spill(t, (uint32_t)t->owner[best]);
  uncache_reg(t, best);
  t->locked |= 1u << best;
  return best;
}
#define GP_MASK (1u << RSI | 1u << RDI | 1u << R8 | 1u << R9 | 1u << R10 | 1u << R11)
#define XMM_MASK 0x0FFC0000u /* xmm2..xmm11 */
int fj_alloc_gp(jc *t) { return alloc_in(t, gp_pool, sizeof gp_pool, 0, GP_MASK); }
int fj_alloc_xmm(jc *t) {
  static const uint8_t xpool[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  return alloc_in(t, xpool, sizeof xpool, 16, XMM_MASK);
}
int fj_alloc_for(jc *t, uint8_t type) { return in_xmm(type) ? fj_alloc_xmm(t) : fj_alloc_gp(t); }

/* Loads entry i's value into register r (GP or 16+XMM) without changing the entry. */
void fj_load_into(jc *t, int r, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
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
          fj_mov_imm(t, RAX, e->val);
          rr(t, e->type == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, x, RAX);
        }
        break;
      default:
        if (cached(t, i, r) >= 0) {
          if (cached(t, i, r) != r) rr(t, XF_MOVAPS_X_X, x, cached(t, i, r) - 16);
        } else if (!fj_mem_of(t, i).mem) { /* a pinned local, reinterpreted */
          rr(t, e->type == T_F32 ? XF_MOVD_X_RM32 : XF_MOVQ_X_RM64, x, fj_mem_of(t, i).reg);
        } else {
          rm(t, e->type == T_V128 ? XF_MOVDQU_X_RM : e->type == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, x,
             fj_mem_of(t, i));
        }
        break;
    }
    return;
  }
  switch (e->kind) {
    case L_REG:
      if (e->reg != r) rr(t, is64(e->type) ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, e->reg);
      break;
    case L_CONST: fj_mov_imm(t, r, e->val); break;
    default:
      if (cached(t, i, r) >= 0) {
        if (cached(t, i, r) != r) rr(t, is64(e->type) ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, cached(t, i, r));
      } else {
        rm(t, is64(e->type) ? XF_MOV_R64_RM : XF_MOV_R32_RM, r, fj_mem_of(t, i));
      }
      break;
  }
}

/* Entry i (of a float type) in an XMM register: its own, or scratch xmm `scratch`. */
int fj_xmm_of(jc *t, uint32_t i, int scratch) {
  if (t->st[i].kind == L_REG) return t->st[i].reg - 16;
  fj_load_into(t, XMM(scratch), i);
  return scratch;
}

/* Entry i as an r/m operand: its register, slot or local; a constant goes to
 * scratch register `scratch` (GP, or XMM number for floats). */
xrm fj_rm_of(jc *t, uint32_t i, int scratch) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
  if (e->kind == L_REG) return xr(e->reg >= 16 ? e->reg - 16 : e->reg);
  if (e->kind == L_CONST || e->type == T_V128) { /* (SSE's m128 operands must be aligned: slots are not) */
    fj_load_into(t, in_xmm(e->type) ? XMM(scratch) : scratch, i);
    return xr(scratch);
  }
  int c = cached(t, i, in_xmm(e->type) ? 16 : 0);
  if (c >= 0) { /* held for the instruction: no allocation may take it */
    t->locked |= 1u << c;
    return xr(c & 15);
  }
  return fj_mem_of(t, i);
}

/* A register holding entry i's value that the instruction may overwrite: its own
 * register (the entry is about to be popped), else a new one. Locked. */
int fj_dest_reg(jc *t, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
  if (e->kind == L_REG) {
    t->locked |= 1u << e->reg;
    return e->reg;
  }
  int r = fj_alloc_for(t, e->type);
  fj_load_into(t, r, i);
  return r;
}
void fj_lock(jc *t, uint32_t i) {
  if (t->st[i].kind == L_REG) t->locked |= 1u << t->st[i].reg;
}

/* Writes entry i's value to dst (a slot or the args_results array). */
void fj_put(jc *t, xrm dst, uint32_t i) {
  ventry *e = &t->st[i];
  if ((int32_t)i == t->flags_at) fj_materialize_flags(t);
  switch (e->kind) {
    case L_REG: fj_store_reg(t, dst, e->reg, e->type); break;
    case L_CONST: store_const(t, dst, e->val); break;
    default: copy_mem(t, dst, fj_mem_of(t, i), e->type); break;
  }
}

/* Every value in a register (and the flags) to its slot. */
void fj_spill_regs(jc *t) {
  if (t->flags_at >= 0) fj_materialize_flags(t);
  for (uint32_t m = t->busy; m; m &= m - 1) spill(t, (uint32_t)t->owner[__builtin_ctz(m)]);
  fj_forget_locals(t); /* a call or a label follows */
}

/* Before a label or call: no register values, no local references (a local may
 * change inside a block, on some paths only). Constants may stay. */
void fj_flush(jc *t) {
  fj_spill_regs(t);
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
void fj_top_to_slots(jc *t, uint32_t n) {
  for (uint32_t i = t->h; i-- > t->h - n;) {
    ventry *e = &t->st[i];
    if (e->kind == L_LOCAL) t->head[e->local] = e->next;
    spill(t, i);
  }
}

/* Before a local changes: its pending references become copies. */
void fj_detach_local(jc *t, uint32_t l) {
  for (int32_t i = t->head[l]; i >= 0; i = t->st[i].next) spill(t, (uint32_t)i);
  t->head[l] = -1;
}

#endif
