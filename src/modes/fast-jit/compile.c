/* compile.c: the fast-jit compiler: one forward pass over a validated function,
 * emitting x86-64 through the encoder (encoder.h), with no IR. This file holds
 * the pass and control flow; values.c the compile-time stack, ops.c the other
 * instructions (compile.h).
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
 * Frame (from rsp, 8-byte slots): locals (parameters first), then the temp slots
 * of the operand stack (one per entry, two for a v128, as the runtime's slots),
 * then the caller's args_results pointer and the save area of the pinned XMM
 * registers; above it the pushed pinned GP registers. i32 values are kept
 * zero-extended to 64 bits in registers and slots, f32 with zero above bit 31, so
 * that a slot is always the runtime's 64-bit value.
 *
 * Pinned locals: a pre-scan of the body (choose_pinned) picks the locals most used
 * in loops; they live in callee-saved registers for the whole function, so labels
 * and calls of compiled code do not move them.
 *
 * Memory accesses are [r14 + index + offset] with no bounds check (the guard
 * region faults; memory.c turns the fault into the trap). Traps jump to stubs at
 * the function's end, which call the runtime's trap helper through wr_ctx. */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include "modes/fast-jit/compile.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

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

static void emit_epilogue(jc *t) {
  for (unsigned k = 0; k < t->npinx; k++) rm(t, XF_MOVDQU_X_RM, XMM_PIN0 + k, slot_mem(t->xsave + 2 * k));
  mi(t, t->frame <= 127 ? XF_ADD_RM64_I8 : XF_ADD_RM64_I32, xr(RSP), t->frame);
  for (unsigned k = t->npin; k-- > 0;) x_ri(E(t), XF_POP_R64, t->pin_regs[k], 0);
  x_op(E(t), XF_RET);
}

/* Chooses the locals to pin: the locals most used inside loops (a use weighs 8 per
 * enclosing loop, counting up to 4), i32 and i64 ones in GP registers, f32, f64 and
 * v128 ones in xmm12..xmm15, all found by one scan of the body. A local used only
 * outside loops is not worth the save and restore of a register on every call. */
/* The immediate kind of each one-byte opcode (for the scan: no lookup call). The
 * kind is pasted in OP itself, before compile.h's NONE could expand. */
#define IMM_ROW_0x00(code, kind) [code] = kind,
#define IMM_ROW_0xFC(code, kind)
#define IMM_ROW_0xFD(code, kind)
static const uint8_t imm_of[256] = {
#define OP(n, text, prefix, code, imm, ...) IMM_ROW_##prefix(code, WR_IMM_##imm)
#include "wasm/opcodes.def"
#undef OP
};

static void choose_pinned(jc *t, uint32_t nlocals) {
  static const uint8_t pinnable[] = {RBX, R12, R13, RBP};
  const uint8_t *ip = t->fn->code, *end = t->fn->code_end;
  if (!memchr(ip, 0x03, (size_t)(end - ip))) return; /* no loop opcode: nothing to pin */
  /* (small functions, the most, use the stack: no allocation per function) */
  uint64_t wbuf[32] = {0};
  uint8_t lbuf[64];
  uint64_t *w = nlocals <= 32 ? wbuf : calloc(nlocals, sizeof *w);
  uint8_t *loops = lbuf; /* per open block: whether it is a loop */
  uint32_t cap = 64, depth = 0, in_loops = 0;
  while (w && loops && ip < end) {
    uint8_t b0 = *ip++;
    switch (b0) {
      case 0x02: case 0x03: case 0x04:
        if (depth == cap) {
          uint8_t *l = loops == lbuf ? malloc(cap * 2) : realloc(loops, cap * 2);
          if (!l) goto out;
          if (loops == lbuf) memcpy(l, lbuf, cap);
          loops = l;
          cap *= 2;
        }
        loops[depth++] = b0 == 0x03;
        in_loops += b0 == 0x03;
        wr_skip_imm(&ip, WR_IMM_BLOCK);
        break;
      case 0x0B:
        if (depth) in_loops -= loops[--depth];
        break;
      case 0x20: case 0x21: case 0x22: {
        uint32_t l = wr_uleb32_unchecked(&ip);
        if (in_loops) w[l] += UINT64_C(1) << (3 * (in_loops < 4 ? in_loops : 4));
        break;
      }
      case 0xFC: case 0xFD: {
        uint32_t c = wr_uleb32_unchecked(&ip);
        const wr_opinfo *info = wr_opcode_info(b0, c);
        wr_skip_imm(&ip, info ? info->imm : WR_IMM_NONE);
        break;
      }
      default:
        if (imm_of[b0] != WR_IMM_NONE) wr_skip_imm(&ip, imm_of[b0]);
    }
  }
  for (int xmm = 0; xmm < 2; xmm++) {
    for (unsigned k = 0; w && loops && k < 4; k++) {
      uint32_t best = UINT32_MAX;
      for (uint32_t l = 0; l < nlocals; l++) {
        uint8_t ty = type_of(t->fn->local_types[l]);
        if (w[l] && in_xmm(ty) == xmm && t->pin[l] < 0 && (best == UINT32_MAX || w[l] > w[best])) best = l;
      }
      if (best == UINT32_MAX) break;
      if (xmm) {
        t->pinx_local[t->npinx] = best;
        t->pin[best] = (int8_t)(XMM(XMM_PIN0) + t->npinx++);
      } else {
        t->pin[best] = (int8_t)pinnable[k];
        t->pin_regs[t->npin++] = pinnable[k];
      }
    }
  }
out:
  if (w != wbuf) free(w);
  if (loops != lbuf) free(loops);
}

/* Writes the top nresults values to args_results and returns. The compile-time
 * stack is left alone (this may be one path only). */
static void emit_return(jc *t) {
  uint32_t nr = t->cf[0].nresults;
  if (nr) {
    if (t->flags_at >= 0 && (uint32_t)t->flags_at >= t->h - nr) fj_materialize_flags(t);
    rm(t, XF_MOV_R64_RM, RCX, slot_mem(t->args_slot));
    for (uint32_t k = 0, at = 0; k < nr; at += type_slots(t->st[t->h - nr + k].type), k++)
      fj_put(t, xm(RCX, (int32_t)(8 * at)), t->h - nr + k);
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
  if (f->kind == C_LOOP) fj_jump_to(t, cc, f->label);
  else f->patch = fj_jump_fwd(t, cc, f->patch);
}

/* An unconditional branch to f with the values on top of the stack. */
static void branch(jc *t, cframe *f) {
  if (f->kind == C_FUNC) {
    emit_return(t);
    return;
  }
  uint32_t n = label_arity(f);
  if (t->flags_at >= 0) fj_materialize_flags(t);
  /* ascending: a source is never below its destination */
  for (uint32_t k = 0, at = height_slot(t, f->base); k < n; k++) {
    uint32_t i = t->h - n + k;
    if (!(t->st[i].kind == L_SLOT && i == f->base + k)) fj_put(t, slot_mem(t->tb + at), i);
    at += type_slots(t->st[i].type);
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
    mi(t, XF_CMP_RM32_I8, fj_mem_of(t, i), 0);
    cc = CC_NE;
  }
  fj_pop(t);
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
  if (t->flags_at >= 0) fj_materialize_flags(t);
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
    wr_skip_imm(ip, WR_IMM_NONE);
    for (uint32_t k = 0; k <= n; k++) wr_uleb32_unchecked(ip);
    fj_pop(t);
    branch(t, &t->cf[t->ncf - 1 - depth]);
    return;
  }
  fj_load_into(t, RAX, t->h - 1);
  fj_pop(t);
  /* index >= n: the default, entry n */
  fj_mov_imm(t, RCX, n);
  rr(t, XF_CMP_R32_RM, RAX, RCX);
  wr_xemit(E(t), XF_CMOVCC_R32_RM, RAX, xr(RCX), 0, CC_A);
  mi(t, XF_SHL_RM32_I8, xr(RAX), 2);
  size_t lea_end = wr_xemit(E(t), XF_LEA_R64_RIP, RCX, xr(0), 0, 0);
  rm(t, XF_MOVSXD_R64_RM32, RAX, xmi(RCX, RAX, 0));
  rr(t, XF_ADD_R64_RM, RAX, RCX);
  x_rm(E(t), XF_JMP_RM64, 0, xr(RAX));
  if (!wr_xbuf_reserve(E(t), 4 * ((size_t)n + 1))) return;
  size_t tab = E(t)->len;
  fj_put_rel(t, lea_end - 4, lea_end, tab);
  E(t)->len += 4 * ((size_t)n + 1);
  for (uint32_t k = 0; k <= n; k++) {
    cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(ip)];
    size_t entry = tab + 4 * k;
    if (!needs_moves(t, f, 0)) {
      if (f->kind == C_LOOP) fj_put_rel(t, entry, tab, f->label);
      else f->patch = fj_new_patch(t, entry, tab, f->patch);
    } else if (f->stub_tab == tab) {
      fj_put_rel(t, entry, tab, f->stub_at);
    } else {
      f->stub_tab = tab;
      f->stub_at = (uint32_t)E(t)->len;
      fj_put_rel(t, entry, tab, E(t)->len);
      branch(t, f);
    }
  }
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
    if (!live && wr_skip_dead(&ip, prefix, c, &dead_depth)) continue;
    /* A pending comparison is consumed by br_if, if and select; anything else
     * that emits code may change the flags, so it becomes a value first. */
    if (t->flags_at >= 0 && !(prefix == 0 && (c == 0x0D || c == 0x04 || c == 0x1B || c == 0x1C ||
                                               c == 0x20 || (c >= 0x41 && c <= 0x44) || c == 0x01)))
      fj_materialize_flags(t);
    if (prefix == 0xFC) {
      switch (c) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: {
          static const int h[] = {FJ_H_I32_TRUNC_SAT_F32_S, FJ_H_I32_TRUNC_SAT_F32_U, FJ_H_I32_TRUNC_SAT_F64_S,
                                  FJ_H_I32_TRUNC_SAT_F64_U, FJ_H_I64_TRUNC_SAT_F32_S, FJ_H_I64_TRUNC_SAT_F32_U,
                                  FJ_H_I64_TRUNC_SAT_F64_S, FJ_H_I64_TRUNC_SAT_F64_U};
          fj_num_helper(t, h[c], 1, c < 4 ? T_I32 : T_I64);
          break;
        }
        case 8: { /* memory.init seg: d s n */
          uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
          ip++;
          static const int o[] = {-1, 0, 1, 2, -2};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_memory_init), 3, o, 5, imms, -1);
          break;
        }
        case 9: { /* data.drop */
          uint64_t seg = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_data_drop), 0, o, 1, &seg, -1);
          break;
        }
        case 10: case 11: { /* memory.copy d s n, memory.fill d val n */
          ip += c == 10 ? 2 : 1;
          uint64_t f = t->fidx;
          static const int o[] = {0, 1, 2, -1};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(c == 10 ? WR_RT_memory_copy : WR_RT_memory_fill), 3, o, 4, &f, -1);
          break;
        }
        case 12: { /* table.init seg table: d s n */
          uint64_t seg = wr_uleb32_unchecked(&ip), tab = wr_uleb32_unchecked(&ip);
          uint64_t imms[3] = {tab, seg, t->fidx};
          static const int o[] = {-1, -2, 0, 1, 2, -3};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_init), 3, o, 6, imms, -1);
          break;
        }
        case 13: { /* elem.drop */
          uint64_t seg = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_elem_drop), 0, o, 1, &seg, -1);
          break;
        }
        case 14: { /* table.copy dst src: d s n */
          uint64_t dst = wr_uleb32_unchecked(&ip), src = wr_uleb32_unchecked(&ip);
          uint64_t imms[3] = {dst, src, t->fidx};
          static const int o[] = {-1, -2, 0, 1, 2, -3};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_copy), 3, o, 6, imms, -1);
          break;
        }
        case 15: { /* table.grow: init n -> old */
          uint64_t tab = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1, 0, 1};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_grow), 2, o, 3, &tab, T_I32);
          break;
        }
        case 16: { /* table.size */
          uint64_t tab = wr_uleb32_unchecked(&ip);
          static const int o[] = {-1};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_size), 0, o, 1, &tab, T_I32);
          break;
        }
        case 17: { /* table.fill: i v n */
          uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
          static const int o[] = {-1, 0, 1, 2, -2};
          fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_fill), 3, o, 5, imms, -1);
          break;
        }
        default: return -1;
      }
      continue;
    }
    if (prefix == 0xFD) {
      if (fj_simd(t, c, &ip) < 0) return -1;
      continue;
    }
    switch (c) {
      case 0x00: /* unreachable */
        fj_trap_if(t, -1, WR_TRAP_UNREACHABLE);
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
          if (t->flags_at >= 0 && (uint32_t)t->flags_at != ci) fj_materialize_flags(t);
          if ((int32_t)ci == t->flags_at) {
            cc = ce->cc;
            t->flags_at = -1;
            ce->kind = L_CONST; /* popped below without freeing anything */
          } else if (ce->kind == L_CONST) {
            cc = (uint32_t)ce->val ? -3 : -2;
          } else {
            if (ce->kind == L_REG) rr(t, XF_TEST_RM32_R, ce->reg, ce->reg);
            else mi(t, XF_CMP_RM32_I8, fj_mem_of(t, ci), 0);
            cc = CC_NE;
          }
          fj_pop(t);
          fj_flush(t);
          fj_top_to_slots(t, f.nparams);
          if (!push_frame(t, C_IF, &f)) break;
          if (cc == -3) break; /* always true: no jump */
          t->cf[t->ncf - 1].else_patch = fj_jump_fwd(t, cc == -2 ? -1 : cc ^ 1, NONE);
          break;
        }
        fj_flush(t);
        fj_top_to_slots(t, f.nparams);
        push_frame(t, c == 0x02 ? C_BLOCK : C_LOOP, &f);
        break;
      }
      case 0x05: { /* else */
        cframe *f = &t->cf[t->ncf - 1];
        fj_forget_locals(t); /* a label: other paths lead here */
        if (live) {
          fj_top_to_slots(t, f->nresults);
          f->patch = fj_jump_fwd(t, -1, f->patch);
        }
        fj_label_here(t, f->else_patch);
        f->else_patch = NONE;
        fj_popn(t, t->h - f->base);
        for (uint32_t k = 0; k < f->nparams; k++) fj_push_slot(t, type_of(f->ptypes[k]));
        live = true;
        break;
      }
      case 0x0B: { /* end */
        cframe *f = &t->cf[t->ncf - 1];
        fj_forget_locals(t);
        if (f->kind == C_FUNC) {
          if (live) emit_return(t);
          fj_label_here(t, f->patch); /* (branches to the function's label return where they are) */
          t->ncf--;
          live = false;
          break;
        }
        if (live) {
          fj_spill_regs(t);
          fj_top_to_slots(t, f->nresults);
        }
        if (f->kind == C_IF && f->else_patch != NONE) {
          /* no else: the false path carries the params (in their slots) as results */
          fj_label_here(t, f->else_patch);
        }
        fj_label_here(t, f->patch);
        fj_popn(t, t->h - f->base);
        for (uint32_t k = 0; k < f->nresults; k++) fj_push_slot(t, type_of(f->rtypes[k]));
        t->ncf--;
        live = true;
        break;
      }
      case 0x0C: /* br */
        branch(t, &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)]);
        goto dead;
      case 0x0D: { /* br_if */
        cframe *f = &t->cf[t->ncf - 1 - wr_uleb32_unchecked(&ip)];
        if (t->flags_at >= 0 && (uint32_t)t->flags_at != t->h - 1) fj_materialize_flags(t);
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
          int32_t skip = fj_jump_fwd(t, cc ^ 1, NONE);
          branch(t, f);
          fj_label_here(t, skip);
        }
        break;
      }
      case 0x0E: /* br_table */
        br_table(t, &ip);
        goto dead;
      case 0x0F: /* return */
        emit_return(t);
        goto dead;
      case 0x10: fj_call(t, wr_uleb32_unchecked(&ip)); break;
      case 0x11: {
        uint32_t type = wr_uleb32_unchecked(&ip);
        fj_call_indirect(t, type, wr_uleb32_unchecked(&ip));
        break;
      }
      case 0x1A: fj_pop(t); break; /* drop */
      case 0x1C: wr_skip_imm(&ip, WR_IMM_SELECT_T); /* fall through */
      case 0x1B: fj_select_op(t); break;
      case 0x20: fj_push_local_value(t, wr_uleb32_unchecked(&ip)); break;
      case 0x21: case 0x22: { /* local.set, local.tee */
        uint32_t l = wr_uleb32_unchecked(&ip);
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        if (e->kind == L_LOCAL && e->local == l) {
          if (c == 0x21) fj_pop(t);
          break;
        }
        fj_detach_local(t, l);
        e = &t->st[i];
        if (t->pin[l] >= 0) { /* into its register */
          fj_load_into(t, t->pin[l], i);
          if (c == 0x21) {
            fj_pop(t);
          } else if (e->kind != L_REG && e->kind != L_CONST) {
            fj_pop(t);
            fj_push_local_value(t, l);
          }
          break;
        }
        fj_put(t, slot_mem(local_slot(t, l)), i);
        fj_uncache_local(t, l);
        if (c == 0x21) {
          int r = e->kind == L_REG ? e->reg : -1;
          fj_pop(t);
          if (r >= 0) fj_cache_local(t, l, r); /* the register is free but still holds it */
        } else if (e->kind != L_REG && e->kind != L_CONST) {
          fj_pop(t);
          fj_push_local(t, l);
        }
        break;
      }
      case 0x23: { /* global.get */
        uint32_t g = wr_uleb32_unchecked(&ip);
        wr_global *gl = t->inst->ctx.globals[g];
        uint8_t type = type_of(t->m->globals[g].type);
        fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
        int r = fj_alloc_for(t, type);
        if (r >= 16) rm(t, type == T_V128 ? XF_MOVDQU_X_RM : type == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, r - 16,
                        xm(RAX, 0));
        else rm(t, type == T_I32 ? XF_MOV_R32_RM : XF_MOV_R64_RM, r, xm(RAX, 0));
        fj_push_reg(t, type, r);
        break;
      }
      case 0x24: { /* global.set */
        uint32_t g = wr_uleb32_unchecked(&ip);
        wr_global *gl = t->inst->ctx.globals[g];
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        fj_lock(t, i);
        if (e->kind == L_REG) {
          fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
          fj_store_reg(t, xm(RAX, 0), e->reg, e->type);
        } else if (e->type == T_V128) {
          fj_load_into(t, XMM(0), i);
          fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
          fj_store_reg(t, xm(RAX, 0), XMM(0), T_V128);
        } else {
          if (e->kind == L_CONST) fj_mov_imm(t, RCX, e->val);
          else rm(t, XF_MOV_R64_RM, RCX, fj_mem_of(t, i));
          fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)&gl->val[0]);
          rm(t, XF_MOV_RM64_R, RCX, xm(RAX, 0));
        }
        fj_pop(t);
        break;
      }
      case 0x25: { /* table.get: i */
        uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
        static const int o[] = {-1, 0, -2};
        fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_get), 1, o, 3, imms, T_I64);
        break;
      }
      case 0x26: { /* table.set: i v */
        uint64_t imms[2] = {wr_uleb32_unchecked(&ip), t->fidx};
        static const int o[] = {-1, 0, 1, -2};
        fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_table_set), 2, o, 4, imms, -1);
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
        fj_load(t, L[c - 0x28].form, L[c - 0x28].type, off);
        break;
      }
      case 0x36: case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D: case 0x3E: {
        wr_uleb32_unchecked(&ip);
        uint32_t off = wr_uleb32_unchecked(&ip);
        static const uint8_t W[] = {4, 8, 4, 8, 1, 2, 1, 2, 4};
        fj_store(t, W[c - 0x36], off);
        break;
      }
      case 0x3F: { /* memory.size */
        ip++;
        fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)&t->inst->ctx.memory->pages);
        int r = fj_alloc_gp(t);
        rm(t, XF_MOV_R32_RM, r, xm(RAX, 0));
        fj_push_reg(t, T_I32, r);
        break;
      }
      case 0x40: { /* memory.grow */
        ip++;
        static const int o[] = {0};
        fj_helper(t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_memory_grow), 1, o, 1, NULL, T_I32);
        break;
      }
      case 0x41: fj_push_const(t, T_I32, (uint32_t)wr_sleb32_unchecked(&ip)); break;
      case 0x42: fj_push_const(t, T_I64, (uint64_t)wr_sleb64_unchecked(&ip)); break;
      case 0x43: fj_push_const(t, T_F32, wr_load_u32le(ip)); ip += 4; break;
      case 0x44: fj_push_const(t, T_F64, wr_load_u64le(ip)); ip += 8; break;
      case 0x45: fj_int_eqz(t, false); break;
      case 0x46: fj_int_cmp(t, false, CC_E); break;
      case 0x47: fj_int_cmp(t, false, CC_NE); break;
      case 0x48: fj_int_cmp(t, false, CC_L); break;
      case 0x49: fj_int_cmp(t, false, CC_B); break;
      case 0x4A: fj_int_cmp(t, false, CC_G); break;
      case 0x4B: fj_int_cmp(t, false, CC_A); break;
      case 0x4C: fj_int_cmp(t, false, CC_LE); break;
      case 0x4D: fj_int_cmp(t, false, CC_BE); break;
      case 0x4E: fj_int_cmp(t, false, CC_GE); break;
      case 0x4F: fj_int_cmp(t, false, CC_AE); break;
      case 0x50: fj_int_eqz(t, true); break;
      case 0x51: fj_int_cmp(t, true, CC_E); break;
      case 0x52: fj_int_cmp(t, true, CC_NE); break;
      case 0x53: fj_int_cmp(t, true, CC_L); break;
      case 0x54: fj_int_cmp(t, true, CC_B); break;
      case 0x55: fj_int_cmp(t, true, CC_G); break;
      case 0x56: fj_int_cmp(t, true, CC_A); break;
      case 0x57: fj_int_cmp(t, true, CC_LE); break;
      case 0x58: fj_int_cmp(t, true, CC_BE); break;
      case 0x59: fj_int_cmp(t, true, CC_GE); break;
      case 0x5A: fj_int_cmp(t, true, CC_AE); break;
      case 0x5B: fj_float_cmp(t, false, FC_EQ); break;
      case 0x5C: fj_float_cmp(t, false, FC_NE); break;
      case 0x5D: fj_float_cmp(t, false, FC_LT); break;
      case 0x5E: fj_float_cmp(t, false, FC_GT); break;
      case 0x5F: fj_float_cmp(t, false, FC_LE); break;
      case 0x60: fj_float_cmp(t, false, FC_GE); break;
      case 0x61: fj_float_cmp(t, true, FC_EQ); break;
      case 0x62: fj_float_cmp(t, true, FC_NE); break;
      case 0x63: fj_float_cmp(t, true, FC_LT); break;
      case 0x64: fj_float_cmp(t, true, FC_GT); break;
      case 0x65: fj_float_cmp(t, true, FC_LE); break;
      case 0x66: fj_float_cmp(t, true, FC_GE); break;
      case 0x67: fj_int_unop(t, XF_LZCNT_R32_RM, T_I32); break;
      case 0x68: fj_int_unop(t, XF_TZCNT_R32_RM, T_I32); break;
      case 0x69: fj_int_unop(t, XF_POPCNT_R32_RM, T_I32); break;
      case 0x6A: fj_int_binop(t, false, XF_ADD_R32_RM, XF_ADD_RM32_I8, XF_ADD_RM32_I32, true); break;
      case 0x6B: fj_int_binop(t, false, XF_SUB_R32_RM, XF_SUB_RM32_I8, XF_SUB_RM32_I32, false); break;
      case 0x6C: fj_int_mul(t, false); break;
      case 0x6D: fj_divrem(t, false, true, false); break;
      case 0x6E: fj_divrem(t, false, false, false); break;
      case 0x6F: fj_divrem(t, false, true, true); break;
      case 0x70: fj_divrem(t, false, false, true); break;
      case 0x71: fj_int_binop(t, false, XF_AND_R32_RM, XF_AND_RM32_I8, XF_AND_RM32_I32, true); break;
      case 0x72: fj_int_binop(t, false, XF_OR_R32_RM, XF_OR_RM32_I8, XF_OR_RM32_I32, true); break;
      case 0x73: fj_int_binop(t, false, XF_XOR_R32_RM, XF_XOR_RM32_I8, XF_XOR_RM32_I32, true); break;
      case 0x74: fj_shift(t, false, XF_SHL_RM32_CL, XF_SHL_RM32_I8); break;
      case 0x75: fj_shift(t, false, XF_SAR_RM32_CL, XF_SAR_RM32_I8); break;
      case 0x76: fj_shift(t, false, XF_SHR_RM32_CL, XF_SHR_RM32_I8); break;
      case 0x77: fj_shift(t, false, XF_ROL_RM32_CL, XF_ROL_RM32_I8); break;
      case 0x78: fj_shift(t, false, XF_ROR_RM32_CL, XF_ROR_RM32_I8); break;
      case 0x79: fj_int_unop(t, XF_LZCNT_R64_RM, T_I64); break;
      case 0x7A: fj_int_unop(t, XF_TZCNT_R64_RM, T_I64); break;
      case 0x7B: fj_int_unop(t, XF_POPCNT_R64_RM, T_I64); break;
      case 0x7C: fj_int_binop(t, true, XF_ADD_R64_RM, XF_ADD_RM64_I8, XF_ADD_RM64_I32, true); break;
      case 0x7D: fj_int_binop(t, true, XF_SUB_R64_RM, XF_SUB_RM64_I8, XF_SUB_RM64_I32, false); break;
      case 0x7E: fj_int_mul(t, true); break;
      case 0x7F: fj_divrem(t, true, true, false); break;
      case 0x80: fj_divrem(t, true, false, false); break;
      case 0x81: fj_divrem(t, true, true, true); break;
      case 0x82: fj_divrem(t, true, false, true); break;
      case 0x83: fj_int_binop(t, true, XF_AND_R64_RM, XF_AND_RM64_I8, XF_AND_RM64_I32, true); break;
      case 0x84: fj_int_binop(t, true, XF_OR_R64_RM, XF_OR_RM64_I8, XF_OR_RM64_I32, true); break;
      case 0x85: fj_int_binop(t, true, XF_XOR_R64_RM, XF_XOR_RM64_I8, XF_XOR_RM64_I32, true); break;
      case 0x86: fj_shift(t, true, XF_SHL_RM64_CL, XF_SHL_RM64_I8); break;
      case 0x87: fj_shift(t, true, XF_SAR_RM64_CL, XF_SAR_RM64_I8); break;
      case 0x88: fj_shift(t, true, XF_SHR_RM64_CL, XF_SHR_RM64_I8); break;
      case 0x89: fj_shift(t, true, XF_ROL_RM64_CL, XF_ROL_RM64_I8); break;
      case 0x8A: fj_shift(t, true, XF_ROR_RM64_CL, XF_ROR_RM64_I8); break;
      case 0x8B: fj_float_sign(t, false, 0); break;
      case 0x8C: fj_float_sign(t, false, 1); break;
      case 0x8D: fj_float_unop(t, XF_ROUNDSS, 10); break; /* ceil: toward +inf */
      case 0x8E: fj_float_unop(t, XF_ROUNDSS, 9); break;  /* floor */
      case 0x8F: fj_float_unop(t, XF_ROUNDSS, 11); break; /* trunc */
      case 0x90: fj_float_unop(t, XF_ROUNDSS, 8); break;  /* nearest (even) */
      case 0x91: fj_float_unop(t, XF_SQRTSS, 0); break;
      case 0x92: fj_float_binop(t, XF_ADDSS); break;
      case 0x93: fj_float_binop(t, XF_SUBSS); break;
      case 0x94: fj_float_binop(t, XF_MULSS); break;
      case 0x95: fj_float_binop(t, XF_DIVSS); break;
      case 0x96: fj_num_helper(t, FJ_H_F32_MIN, 2, T_F32); break;
      case 0x97: fj_num_helper(t, FJ_H_F32_MAX, 2, T_F32); break;
      case 0x98: fj_float_sign(t, false, 2); break;
      case 0x99: fj_float_sign(t, true, 0); break;
      case 0x9A: fj_float_sign(t, true, 1); break;
      case 0x9B: fj_float_unop(t, XF_ROUNDSD, 10); break;
      case 0x9C: fj_float_unop(t, XF_ROUNDSD, 9); break;
      case 0x9D: fj_float_unop(t, XF_ROUNDSD, 11); break;
      case 0x9E: fj_float_unop(t, XF_ROUNDSD, 8); break;
      case 0x9F: fj_float_unop(t, XF_SQRTSD, 0); break;
      case 0xA0: fj_float_binop(t, XF_ADDSD); break;
      case 0xA1: fj_float_binop(t, XF_SUBSD); break;
      case 0xA2: fj_float_binop(t, XF_MULSD); break;
      case 0xA3: fj_float_binop(t, XF_DIVSD); break;
      case 0xA4: fj_num_helper(t, FJ_H_F64_MIN, 2, T_F64); break;
      case 0xA5: fj_num_helper(t, FJ_H_F64_MAX, 2, T_F64); break;
      case 0xA6: fj_float_sign(t, true, 2); break;
      case 0xA7: fj_int_unop(t, XF_MOV_R32_RM, T_I32); break; /* i32.wrap_i64 */
      case 0xA8: fj_num_helper(t, FJ_H_I32_TRUNC_F32_S, 1, T_I32); break;
      case 0xA9: fj_num_helper(t, FJ_H_I32_TRUNC_F32_U, 1, T_I32); break;
      case 0xAA: fj_num_helper(t, FJ_H_I32_TRUNC_F64_S, 1, T_I32); break;
      case 0xAB: fj_num_helper(t, FJ_H_I32_TRUNC_F64_U, 1, T_I32); break;
      case 0xAC: fj_int_unop(t, XF_MOVSXD_R64_RM32, T_I64); break;
      case 0xAD: fj_int_unop(t, XF_MOV_R32_RM, T_I64); break;
      case 0xAE: fj_num_helper(t, FJ_H_I64_TRUNC_F32_S, 1, T_I64); break;
      case 0xAF: fj_num_helper(t, FJ_H_I64_TRUNC_F32_U, 1, T_I64); break;
      case 0xB0: fj_num_helper(t, FJ_H_I64_TRUNC_F64_S, 1, T_I64); break;
      case 0xB1: fj_num_helper(t, FJ_H_I64_TRUNC_F64_U, 1, T_I64); break;
      case 0xB2: fj_cvt_int(t, XF_CVTSI2SS_R32, false, T_F32); break;
      case 0xB3: fj_cvt_int(t, XF_CVTSI2SS_R64, true, T_F32); break;
      case 0xB4: fj_cvt_int(t, XF_CVTSI2SS_R64, false, T_F32); break;
      case 0xB5: fj_num_helper(t, FJ_H_F32_CONVERT_I64_U, 1, T_F32); break;
      case 0xB6: fj_cvt_float(t, XF_CVTSD2SS, T_F32); break;
      case 0xB7: fj_cvt_int(t, XF_CVTSI2SD_R32, false, T_F64); break;
      case 0xB8: fj_cvt_int(t, XF_CVTSI2SD_R64, true, T_F64); break;
      case 0xB9: fj_cvt_int(t, XF_CVTSI2SD_R64, false, T_F64); break;
      case 0xBA: fj_num_helper(t, FJ_H_F64_CONVERT_I64_U, 1, T_F64); break;
      case 0xBB: fj_cvt_float(t, XF_CVTSS2SD, T_F64); break;
      case 0xBC: fj_reinterpret(t, T_I32); break;
      case 0xBD: fj_reinterpret(t, T_I64); break;
      case 0xBE: fj_reinterpret(t, T_F32); break;
      case 0xBF: fj_reinterpret(t, T_F64); break;
      case 0xC0: fj_int_unop(t, XF_MOVSX_R32_RM8, T_I32); break;
      case 0xC1: fj_int_unop(t, XF_MOVSX_R32_RM16, T_I32); break;
      case 0xC2: fj_int_unop(t, XF_MOVSX_R64_RM8, T_I64); break;
      case 0xC3: fj_int_unop(t, XF_MOVSX_R64_RM16, T_I64); break;
      case 0xC4: fj_int_unop(t, XF_MOVSXD_R64_RM32, T_I64); break;
      case 0xD0: ip++; fj_push_const(t, T_I64, 0); break; /* ref.null */
      case 0xD1: { /* ref.is_null */
        uint32_t i = t->h - 1;
        ventry *e = &t->st[i];
        if (e->kind == L_CONST) {
          uint64_t v = e->val;
          fj_pop(t);
          fj_push_const(t, T_I32, v == 0);
          break;
        }
        if (e->kind == L_REG) rr(t, XF_TEST_RM64_R, e->reg, e->reg);
        else mi(t, XF_CMP_RM64_I8, fj_mem_of(t, i), 0);
        fj_pop(t);
        fj_push_flags(t, CC_E);
        break;
      }
      case 0xD2: { /* ref.func: the funcinst, fixed for this instance */
        uint32_t idx = wr_uleb32_unchecked(&ip);
        fj_push_const(t, T_I64, (uint64_t)(uintptr_t)t->inst->ctx.funcs[idx]);
        break;
      }
      default: return -1;
    }
    continue;
  dead:
    live = false;
    dead_depth = 0;
    fj_popn(t, t->h - t->cf[t->ncf - 1].base);
  }
  return 0;
}

int wr_fj_compile(wr_instance *inst, uint32_t def, xbuf *b, fj_relocs *relocs, wr_error *err) {
  const wr_module *m = inst->module;
  const wr_function *fn = &m->funcs[def];
  const wr_functype *ft = &m->types[fn->type_idx];
  jc t = {.m = m, .inst = inst, .fn = fn, .fidx = m->nimported_funcs + def, .b = b, .relocs = relocs,
          .flags_at = -1};
  for (int r = 0; r < 32; r++) t.owner[r] = t.reg_local[r] = -1;
  for (int k = 0; k < WR_TRAP_COUNT; k++) t.trap_chain[k] = NONE;
  int rc = 0;
  t.st = malloc((fn->max_stack + 2) * sizeof *t.st);
  t.head = malloc((fn->local_slots + 1) * sizeof *t.head);
  t.local_reg = malloc(fn->local_slots + 1);
  t.pin = malloc(fn->local_slots + 1);
  t.capcf = 16;
  t.cf = malloc(t.capcf * sizeof *t.cf);
  if (!t.st || !t.head || !t.cf || !t.local_reg || !t.pin) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  memset(t.head, 0xFF, (fn->local_slots + 1) * sizeof *t.head);
  memset(t.local_reg, 0xFF, fn->local_slots + 1);
  memset(t.pin, 0xFF, fn->local_slots + 1);
  choose_pinned(&t, ft->nparams + fn->nlocals);
  uint32_t nparams = ft->param_slots, nlocals = fn->local_slots;
  t.tb = nlocals;
  t.args_slot = t.tb + fn->max_stack + 1;
  t.xsave = t.args_slot + 1;
  uint64_t frame = ((uint64_t)t.xsave + 2 * t.npinx) * 8;
  if ((frame + 8 * t.npin) % 16 != 8) frame += 8; /* rsp 16-aligned inside */
  if (frame > INT32_MAX / 2) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "fast-jit: function %u needs a frame of %llu bytes", t.fidx,
                (unsigned long long)frame);
    goto out;
  }
  t.frame = (uint32_t)frame;

  /* Prologue: the stack check, the pinned registers saved, the frame, the
   * arguments, zeroed locals, the pinned locals' registers loaded. */
  rm(&t, XF_MOV_R64_RM, RAX, xm(R15, API_OFF));
  rm(&t, XF_LEA_R64_M, RCX, xm(RSP, -(int32_t)(t.frame + 8 * t.npin)));
  rm(&t, XF_CMP_R64_RM, RCX, xm(RAX, (int32_t)offsetof(struct wr_rt_api, stack_limit)));
  fj_trap_if(&t, CC_B, WR_TRAP_STACK_EXHAUSTED);
  for (unsigned k = 0; k < t.npin; k++) x_ri(b, XF_PUSH_R64, t.pin_regs[k], 0);
  mi(&t, t.frame <= 127 ? XF_SUB_RM64_I8 : XF_SUB_RM64_I32, xr(RSP), t.frame);
  for (unsigned k = 0; k < t.npinx; k++) rm(&t, XF_MOVDQU_M_X, XMM_PIN0 + k, slot_mem(t.xsave + 2 * k));
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
  for (uint32_t l = 0; l < ft->nparams + fn->nlocals; l++) {
    int p = t.pin[l];
    if (p < 0) continue;
    uint8_t ty = type_of(fn->local_types[l]);
    if (l >= ft->nparams) rr(&t, p >= 16 ? XF_XORPS : XF_XOR_R32_RM, p & 15, p & 15);
    else if (p < 16) rm(&t, XF_MOV_R64_RM, p, slot_mem(local_slot(&t, l)));
    else rm(&t, ty == T_V128 ? XF_MOVDQU_X_RM : ty == T_F32 ? XF_MOVSS_X_RM : XF_MOVSD_X_RM, p - 16,
            slot_mem(local_slot(&t, l)));
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
      fj_label_here(&t, t.trap_chain[k]);
      x_ri(b, XF_MOV_R32_I, RSI, k);
      common = fj_jump_fwd(&t, -1, common);
    }
    fj_label_here(&t, common);
    mi(&t, XF_AND_RM64_I8, xr(RSP), -16);
    rr(&t, XF_MOV_R64_RM, RDI, R15);
    x_ri(b, XF_MOV_R32_I, RDX, t.fidx);
    fj_call_api(&t, (int32_t)WR_RT_HELPER_OFFSET(WR_RT_trap));
  }
  fj_emit_vconsts(&t);
  if (t.oom || b->oom) rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
out:
  free(t.st);
  free(t.head);
  free(t.local_reg);
  free(t.pin);
  free(t.cf);
  free(t.pt);
  free(t.vc);
  return rc;
}

#endif
