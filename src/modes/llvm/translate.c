/* translate.c: validated wasm functions to LLVM IR, for llvm-jit and aot.
 *
 * One pass over each body, keeping the operand stack as SSA values: locals are
 * allocas (mem2reg promotes them), block and if results and loop parameters are
 * phis, unreachable code is skipped. The generated code reaches the runtime only
 * through its first argument, the instance's wr_ctx: the linear-memory base (which
 * never moves, so it is loaded once per function), globals, tables and functions,
 * and the helper table of wr_ctx.api (modes/llvm/rt.h) for traps, bulk operations
 * and calls that leave the module. Loads and stores carry no bounds checks: the
 * guard region behind each memory turns a stray access into a fault the runtime
 * reports as "out of bounds memory access". Explicit checks remain where the guard
 * cannot help: integer division, float-to-integer conversion, the native stack
 * (a compare against api->stack_limit at function entry). v128 values are LLVM
 * vectors (see tr.v128); the lane operations LLVM or the host would answer
 * differently from wasm are spelt out (the SIMD section). */
#include "modes/llvm/llvm.h"

#include <llvm-c/Transforms/PassBuilder.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes/llvm/rt.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF };

typedef struct ctrl {
  int kind;
  uint32_t nparams, nresults;
  const wr_valtype *params, *results;
  wr_valtype one; /* a block type of one value type: results point here */
  bool single;
  LLVMBasicBlockRef head; /* loop: the header, which branches target */
  LLVMBasicBlockRef end;  /* where control continues after `end` */
  LLVMBasicBlockRef els;  /* if: the false arm, until `else` is seen */
  LLVMValueRef *head_phis, *end_phis, *if_params;
  uint32_t height;    /* operand stack height below the parameters */
  uint32_t end_preds; /* edges into `end` so far */
} ctrl;

typedef struct tr {
  LLVMContextRef C;
  LLVMModuleRef M;
  LLVMBuilderRef B, AB; /* AB appends allocas and invariant loads to the entry block */
  const wr_module *m;
  LLVMTypeRef i1, i8, i32, i64, f32, f64, ptr, vd;
  /* v128: every value on the operand stack, in locals, phis, calls and slots is a
   * <2 x i64> (v128), the layout of its two 64-bit slots, low first; an instruction
   * bitcasts it to its lane shape (vty[], free in code) and back. One type keeps
   * phis, selects and locals uniform whatever shapes the arms used. */
  LLVMTypeRef v128, vty[6], ety[6];
  bool pshufb; /* x86 with SSSE3: swizzle as pshufb */
  LLVMTypeRef *fn_types;      /* per type index: the native signature */
  LLVMValueRef *natives;      /* per function index (defined ones only) */
  LLVMTypeRef helper_types[WR_RT_NHELPERS];
  LLVMTypeRef entry_type; /* void (ptr ctx, ptr args_results) */
  unsigned md_invariant;
  LLVMValueRef md_empty;
  LLVMAttributeRef attr_ctx[3]; /* of the wr_ctx * parameter: nonnull, dereferenceable, align */
  LLVMAttributeRef attr_noreturn, attr_cold, attr_noinline, attr_nounwind, attr_cpu, attr_features;
  /* The function being translated. */
  uint32_t func_idx;
  const wr_functype *ft;
  LLVMValueRef fn, ctx, api, mem;
  LLVMValueRef *locals;
  const wr_valtype *local_types;
  uint32_t nlocals;
  LLVMBasicBlockRef trap_bb[WR_TRAP_COUNT];
  LLVMValueRef *stack;
  uint32_t sp, stack_cap;
  ctrl *ctrls;
  uint32_t nctrl, ctrl_cap;
  bool dead;           /* the current position is unreachable */
  uint32_t dead_depth; /* blocks opened inside unreachable code */
  bool oom;
} tr;

/* ---- small builders ------------------------------------------------------------ */

static LLVMTypeRef vt_type(tr *t, wr_valtype v) {
  switch (v) {
  case WR_I32: return t->i32;
  case WR_F32: return t->f32;
  case WR_F64: return t->f64;
  case WR_V128: return t->v128;
  default: return t->i64; /* i64 and references (wr_ref) */
  }
}

static void set_invariant(tr *t, LLVMValueRef load) { LLVMSetMetadata(load, t->md_invariant, t->md_empty); }

/* A load of ty at base + off. invariant: the location does not change while
 * compiled code runs (instance layout, helper table), so LLVM may hoist and merge it. */
static LLVMValueRef load_at(tr *t, LLVMBuilderRef b, LLVMTypeRef ty, LLVMValueRef base, size_t off,
                            bool invariant) {
  LLVMValueRef p = base;
  if (off) {
    LLVMValueRef o = LLVMConstInt(t->i64, off, 0);
    p = LLVMBuildInBoundsGEP2(b, t->i8, base, &o, 1, "");
  }
  LLVMValueRef v = LLVMBuildLoad2(b, ty, p, "");
  if (invariant) set_invariant(t, v);
  return v;
}

static LLVMValueRef to_slot(tr *t, LLVMValueRef v, wr_valtype vt) {
  switch (vt) {
  case WR_I32: return LLVMBuildZExt(t->B, v, t->i64, "");
  case WR_F32: return LLVMBuildZExt(t->B, LLVMBuildBitCast(t->B, v, t->i32, ""), t->i64, "");
  case WR_F64: return LLVMBuildBitCast(t->B, v, t->i64, "");
  default: return v;
  }
}

static LLVMValueRef from_slot(tr *t, LLVMValueRef v, wr_valtype vt) {
  switch (vt) {
  case WR_I32: return LLVMBuildTrunc(t->B, v, t->i32, "");
  case WR_F32: return LLVMBuildBitCast(t->B, LLVMBuildTrunc(t->B, v, t->i32, ""), t->f32, "");
  case WR_F64: return LLVMBuildBitCast(t->B, v, t->f64, "");
  default: return v;
  }
}

static LLVMValueRef intrinsic(tr *t, const char *name, LLVMTypeRef *tys, size_t ntys, LLVMValueRef *args,
                              unsigned nargs) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  LLVMValueRef f = LLVMGetIntrinsicDeclaration(t->M, id, tys, ntys);
  LLVMTypeRef fty = LLVMIntrinsicGetType(t->C, id, tys, ntys);
  return LLVMBuildCall2(t->B, fty, f, args, nargs, "");
}

static LLVMValueRef call_helper(tr *t, int h, LLVMValueRef *args, unsigned nargs) {
  LLVMValueRef all[8];
  all[0] = t->ctx;
  for (unsigned i = 0; i < nargs; i++) all[i + 1] = args[i];
  LLVMValueRef fp = load_at(t, t->B, t->ptr, t->api, WR_RT_HELPER_OFFSET(h), true);
  return LLVMBuildCall2(t->B, t->helper_types[h], fp, all, nargs + 1, "");
}

static LLVMValueRef ci32(tr *t, uint32_t v) { return LLVMConstInt(t->i32, v, 0); }

static void push(tr *t, LLVMValueRef v) {
  if (t->sp == t->stack_cap) {
    uint32_t cap = t->stack_cap ? t->stack_cap * 2 : 64;
    LLVMValueRef *s = realloc(t->stack, cap * sizeof *s);
    if (!s) {
      t->oom = true;
      return;
    }
    t->stack = s;
    t->stack_cap = cap;
  }
  t->stack[t->sp++] = v;
}

static LLVMValueRef pop(tr *t) { return t->stack[--t->sp]; }

static LLVMBasicBlockRef new_bb(tr *t) { return LLVMAppendBasicBlockInContext(t->C, t->fn, ""); }

/* The shared block of a function that raises trap `kind`. */
static LLVMBasicBlockRef trap_block(tr *t, wr_trap_kind kind) {
  if (t->trap_bb[kind]) return t->trap_bb[kind];
  LLVMBasicBlockRef cur = LLVMGetInsertBlock(t->B);
  LLVMBasicBlockRef bb = t->trap_bb[kind] = new_bb(t);
  LLVMPositionBuilderAtEnd(t->B, bb);
  LLVMValueRef args[2] = {ci32(t, kind), ci32(t, t->func_idx)};
  LLVMValueRef c = call_helper(t, WR_RT_trap, args, 2);
  LLVMAddCallSiteAttribute(c, LLVMAttributeFunctionIndex, t->attr_noreturn);
  LLVMAddCallSiteAttribute(c, LLVMAttributeFunctionIndex, t->attr_cold);
  LLVMBuildUnreachable(t->B);
  LLVMPositionBuilderAtEnd(t->B, cur);
  return bb;
}

/* Traps with `kind` when cond (i1) holds; continues in a new block otherwise. */
static void trap_if(tr *t, LLVMValueRef cond, wr_trap_kind kind) {
  LLVMBasicBlockRef cont = new_bb(t);
  LLVMBuildCondBr(t->B, cond, trap_block(t, kind), cont);
  LLVMPositionBuilderAtEnd(t->B, cont);
}

/* ---- control ------------------------------------------------------------------- */

static const wr_valtype *ctrl_results(ctrl *c) { return c->single ? &c->one : c->results; }

static LLVMValueRef *make_phis(tr *t, LLVMBasicBlockRef bb, const wr_valtype *types, uint32_t n) {
  if (!n) return NULL;
  LLVMValueRef *phis = malloc(n * sizeof *phis);
  if (!phis) {
    t->oom = true;
    return NULL;
  }
  LLVMBasicBlockRef cur = LLVMGetInsertBlock(t->B);
  LLVMPositionBuilderAtEnd(t->B, bb);
  for (uint32_t i = 0; i < n; i++) phis[i] = LLVMBuildPhi(t->B, vt_type(t, types[i]), "");
  LLVMPositionBuilderAtEnd(t->B, cur);
  return phis;
}

static void add_incoming(LLVMValueRef *phis, LLVMValueRef *vals, uint32_t n, LLVMBasicBlockRef from) {
  for (uint32_t i = 0; i < n; i++) LLVMAddIncoming(phis[i], &vals[i], &from, 1);
}

/* Reads a block type: empty, one value type, or a type index (s33). */
static void read_blocktype(tr *t, const uint8_t **ip, ctrl *c) {
  uint8_t b = **ip;
  c->nparams = c->nresults = 0;
  c->params = c->results = NULL;
  c->single = false;
  if (b == 0x40) {
    (*ip)++;
  } else if (b == WR_I32 || b == WR_I64 || b == WR_F32 || b == WR_F64 || b == WR_V128 || b == WR_FUNCREF ||
             b == WR_EXTERNREF) {
    (*ip)++;
    c->one = b;
    c->single = true;
    c->nresults = 1;
  } else {
    const wr_functype *ft = &t->m->types[(uint32_t)wr_sleb64_unchecked(ip)];
    c->nparams = ft->nparams;
    c->params = ft->params;
    c->nresults = ft->nresults;
    c->results = ft->results;
  }
}

static ctrl *push_ctrl(tr *t, int kind) {
  if (t->nctrl == t->ctrl_cap) {
    uint32_t cap = t->ctrl_cap ? t->ctrl_cap * 2 : 16;
    ctrl *c = realloc(t->ctrls, cap * sizeof *c);
    if (!c) {
      t->oom = true;
      return NULL;
    }
    t->ctrls = c;
    t->ctrl_cap = cap;
  }
  ctrl *c = &t->ctrls[t->nctrl++];
  memset(c, 0, sizeof *c);
  c->kind = kind;
  return c;
}

static void free_ctrl(ctrl *c) {
  free(c->head_phis);
  free(c->end_phis);
  free(c->if_params);
}

static ctrl *label(tr *t, uint32_t depth) { return &t->ctrls[t->nctrl - 1 - depth]; }

/* Adds the edge current block -> c's branch target, carrying the top values.
 * The caller builds the terminator. */
static void br_edge(tr *t, ctrl *c) {
  LLVMBasicBlockRef cur = LLVMGetInsertBlock(t->B);
  if (c->kind == K_LOOP) {
    add_incoming(c->head_phis, &t->stack[t->sp - c->nparams], c->nparams, cur);
  } else {
    add_incoming(c->end_phis, &t->stack[t->sp - c->nresults], c->nresults, cur);
    c->end_preds++;
  }
}

static LLVMBasicBlockRef br_dest(ctrl *c) { return c->kind == K_LOOP ? c->head : c->end; }

static void enter_block(tr *t, int kind, const uint8_t **ip) {
  ctrl tmp = {0};
  read_blocktype(t, ip, &tmp);
  LLVMValueRef cond = kind == K_IF ? LLVMBuildICmp(t->B, LLVMIntNE, pop(t), ci32(t, 0), "") : NULL;
  ctrl *c = push_ctrl(t, kind);
  if (!c) return;
  c->nparams = tmp.nparams;
  c->nresults = tmp.nresults;
  c->params = tmp.params;
  c->results = tmp.results;
  c->one = tmp.one;
  c->single = tmp.single;
  c->height = t->sp - c->nparams;
  c->end = new_bb(t);
  c->end_phis = make_phis(t, c->end, ctrl_results(c), c->nresults);
  if (kind == K_LOOP) {
    c->head = new_bb(t);
    c->head_phis = make_phis(t, c->head, c->params, c->nparams);
    add_incoming(c->head_phis, &t->stack[c->height], c->nparams, LLVMGetInsertBlock(t->B));
    LLVMBuildBr(t->B, c->head);
    LLVMPositionBuilderAtEnd(t->B, c->head);
    for (uint32_t i = 0; i < c->nparams; i++) t->stack[c->height + i] = c->head_phis[i];
  } else if (kind == K_IF) {
    LLVMBasicBlockRef then = new_bb(t);
    c->els = new_bb(t);
    if (c->nparams) {
      c->if_params = malloc(c->nparams * sizeof *c->if_params);
      if (!c->if_params) {
        t->oom = true;
        return;
      }
      memcpy(c->if_params, &t->stack[c->height], c->nparams * sizeof *c->if_params);
    }
    LLVMBuildCondBr(t->B, cond, then, c->els);
    LLVMPositionBuilderAtEnd(t->B, then);
  }
}

static void do_else(tr *t) {
  ctrl *c = label(t, 0);
  if (!t->dead) {
    add_incoming(c->end_phis, &t->stack[t->sp - c->nresults], c->nresults, LLVMGetInsertBlock(t->B));
    c->end_preds++;
    LLVMBuildBr(t->B, c->end);
  }
  LLVMPositionBuilderAtEnd(t->B, c->els);
  c->els = NULL;
  t->sp = c->height;
  for (uint32_t i = 0; i < c->nparams; i++) push(t, c->if_params[i]);
  t->dead = false;
}

static void do_end(tr *t) {
  ctrl *c = label(t, 0);
  if (!t->dead) {
    add_incoming(c->end_phis, &t->stack[t->sp - c->nresults], c->nresults, LLVMGetInsertBlock(t->B));
    c->end_preds++;
    LLVMBuildBr(t->B, c->end);
  }
  if (c->kind == K_IF && c->els) {
    /* No else arm: the parameters pass through as the results. */
    LLVMPositionBuilderAtEnd(t->B, c->els);
    add_incoming(c->end_phis, c->if_params, c->nresults, c->els);
    c->end_preds++;
    LLVMBuildBr(t->B, c->end);
  }
  LLVMPositionBuilderAtEnd(t->B, c->end);
  t->sp = c->height;
  t->dead = c->end_preds == 0;
  if (c->kind == K_FUNC) {
    if (t->dead) {
      LLVMBuildUnreachable(t->B);
    } else if (c->nresults == 0) {
      LLVMBuildRetVoid(t->B);
    } else if (c->nresults == 1) {
      LLVMBuildRet(t->B, c->end_phis[0]);
    } else {
      LLVMBuildAggregateRet(t->B, c->end_phis, c->nresults);
    }
  } else {
    for (uint32_t i = 0; i < c->nresults; i++) push(t, c->end_phis[i]);
    if (t->dead) LLVMBuildUnreachable(t->B);
  }
  free_ctrl(c);
  t->nctrl--;
}

static void do_br(tr *t, uint32_t depth) {
  ctrl *c = label(t, depth);
  br_edge(t, c);
  LLVMBuildBr(t->B, br_dest(c));
  t->dead = true;
}

static void do_br_if(tr *t, uint32_t depth) {
  LLVMValueRef cond = LLVMBuildICmp(t->B, LLVMIntNE, pop(t), ci32(t, 0), "");
  ctrl *c = label(t, depth);
  LLVMBasicBlockRef cont = new_bb(t);
  br_edge(t, c);
  LLVMBuildCondBr(t->B, cond, br_dest(c), cont);
  LLVMPositionBuilderAtEnd(t->B, cont);
}

/* A switch may name one target several times, but a phi takes one entry per
 * predecessor block: each distinct target gets its own forwarding block. */
static void do_br_table(tr *t, const uint8_t **ip) {
  uint32_t n = wr_uleb32_unchecked(ip);
  uint32_t *depths = malloc((n + 1) * sizeof *depths);
  LLVMBasicBlockRef *fwd = calloc(t->nctrl, sizeof *fwd);
  if (!depths || !fwd) {
    free(depths);
    free(fwd);
    t->oom = true;
    return;
  }
  for (uint32_t i = 0; i <= n; i++) depths[i] = wr_uleb32_unchecked(ip);
  LLVMValueRef idx = pop(t);
  LLVMBasicBlockRef cur = LLVMGetInsertBlock(t->B);
  for (uint32_t i = 0; i <= n; i++) {
    uint32_t d = depths[i];
    if (fwd[d]) continue;
    fwd[d] = new_bb(t);
    LLVMPositionBuilderAtEnd(t->B, fwd[d]);
    ctrl *c = label(t, d);
    br_edge(t, c);
    LLVMBuildBr(t->B, br_dest(c));
  }
  LLVMPositionBuilderAtEnd(t->B, cur);
  LLVMValueRef sw = LLVMBuildSwitch(t->B, idx, fwd[depths[n]], n);
  for (uint32_t i = 0; i < n; i++) LLVMAddCase(sw, ci32(t, i), fwd[depths[i]]);
  free(depths);
  free(fwd);
  t->dead = true;
}

/* Skips the immediates of an instruction in unreachable code. */
static void skip_leb(const uint8_t **ip) {
  while (*(*ip)++ & 0x80) {
  }
}

/* ---- instructions -------------------------------------------------------------- */

static void bin(tr *t, LLVMOpcode op) {
  LLVMValueRef b = pop(t), a = pop(t);
  push(t, LLVMBuildBinOp(t->B, op, a, b, ""));
}

/* LLVM treats the quieting of a signalling NaN as unobservable and folds x*1,
 * x-0, x/-1 and demote(promote(x)) to x or -x, passing an sNaN through, where wasm
 * wants an arithmetic (quiet) NaN. quiet() sets the quiet bit again. It costs a
 * few instructions, so it is added only where such a fold is possible: a constant
 * operand, a demote of a promote, and min/max (whose x86 lowering selects an
 * operand). An sNaN meeting a constant that reaches the operation only after
 * optimisation (through a local) can still pass through unquieted. */
static LLVMValueRef quiet(tr *t, LLVMValueRef v) {
  /* Setting the quiet bit by hand: x86 cannot select llvm.canonicalize, and
   * integer operations are beyond the folds above. Lane by lane for vectors. */
  LLVMTypeRef fty = LLVMTypeOf(v);
  bool vec = LLVMGetTypeKind(fty) == LLVMVectorTypeKind;
  bool is64 = (vec ? LLVMGetElementType(fty) : fty) == t->f64;
  LLVMTypeRef ity = is64 ? t->i64 : t->i32;
  LLVMValueRef qbit = LLVMConstInt(ity, is64 ? 1ull << 51 : 1ull << 22, 0);
  if (vec) {
    unsigned n = LLVMGetVectorSize(fty);
    LLVMValueRef q[4] = {qbit, qbit, qbit, qbit};
    ity = LLVMVectorType(ity, n);
    qbit = LLVMConstVector(q, n);
  }
  LLVMValueRef bits = LLVMBuildOr(t->B, LLVMBuildBitCast(t->B, v, ity, ""), qbit, "");
  LLVMValueRef isnan = LLVMBuildFCmp(t->B, LLVMRealUNO, v, v, "");
  return LLVMBuildSelect(t->B, isnan, LLVMBuildBitCast(t->B, bits, LLVMTypeOf(v), ""), v, "");
}

static void fbin(tr *t, LLVMOpcode op) {
  LLVMValueRef b = pop(t), a = pop(t);
  LLVMValueRef r = LLVMBuildBinOp(t->B, op, a, b, "");
  push(t, LLVMIsConstant(a) || LLVMIsConstant(b) ? quiet(t, r) : r);
}

static void icmp(tr *t, LLVMIntPredicate p) {
  LLVMValueRef b = pop(t), a = pop(t);
  push(t, LLVMBuildZExt(t->B, LLVMBuildICmp(t->B, p, a, b, ""), t->i32, ""));
}

static void fcmp(tr *t, LLVMRealPredicate p) {
  LLVMValueRef b = pop(t), a = pop(t);
  push(t, LLVMBuildZExt(t->B, LLVMBuildFCmp(t->B, p, a, b, ""), t->i32, ""));
}

static void eqz(tr *t) {
  LLVMValueRef a = pop(t);
  push(t, LLVMBuildZExt(t->B, LLVMBuildICmp(t->B, LLVMIntEQ, a, LLVMConstNull(LLVMTypeOf(a)), ""), t->i32, ""));
}

/* Shift counts are taken modulo the width; LLVM makes an oversized shift poison. */
static void shift(tr *t, LLVMOpcode op) {
  LLVMValueRef b = pop(t), a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  b = LLVMBuildAnd(t->B, b, LLVMConstInt(ty, LLVMGetIntTypeWidth(ty) - 1, 0), "");
  push(t, LLVMBuildBinOp(t->B, op, a, b, ""));
}

static void rotate(tr *t, const char *name) {
  LLVMValueRef b = pop(t), a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  LLVMValueRef args[3] = {a, a, b};
  push(t, intrinsic(t, name, &ty, 1, args, 3));
}

static void un_intr(tr *t, const char *name) {
  LLVMValueRef a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  push(t, intrinsic(t, name, &ty, 1, &a, 1));
}

static void bin_intr(tr *t, const char *name) {
  LLVMValueRef b = pop(t), a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  LLVMValueRef args[2] = {a, b};
  push(t, intrinsic(t, name, &ty, 1, args, 2));
}

static void min_max(tr *t, const char *name) {
  bin_intr(t, name);
  push(t, quiet(t, pop(t)));
}

static void count_zeros(tr *t, const char *name) {
  LLVMValueRef a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  LLVMValueRef args[2] = {a, LLVMConstInt(t->i1, 0, 0)}; /* defined for zero: the width */
  push(t, intrinsic(t, name, &ty, 1, args, 2));
}

static void divide(tr *t, bool is_signed, bool rem) {
  LLVMValueRef b = pop(t), a = pop(t);
  LLVMTypeRef ty = LLVMTypeOf(a);
  unsigned w = LLVMGetIntTypeWidth(ty);
  trap_if(t, LLVMBuildICmp(t->B, LLVMIntEQ, b, LLVMConstNull(ty), ""), WR_TRAP_DIV_ZERO);
  LLVMValueRef r;
  if (!is_signed) {
    r = rem ? LLVMBuildURem(t->B, a, b, "") : LLVMBuildUDiv(t->B, a, b, "");
  } else {
    LLVMValueRef minus1 = LLVMConstAllOnes(ty);
    LLVMValueRef b_is_m1 = LLVMBuildICmp(t->B, LLVMIntEQ, b, minus1, "");
    if (rem) {
      /* x rem -1 is 0, which x rem 1 gives without the overflow of INT_MIN rem -1. */
      r = LLVMBuildSRem(t->B, a, LLVMBuildSelect(t->B, b_is_m1, LLVMConstInt(ty, 1, 0), b, ""), "");
    } else {
      LLVMValueRef a_is_min = LLVMBuildICmp(t->B, LLVMIntEQ, a, LLVMConstInt(ty, 1ull << (w - 1), 0), "");
      trap_if(t, LLVMBuildAnd(t->B, a_is_min, b_is_m1, ""), WR_TRAP_INT_OVERFLOW);
      r = LLVMBuildSDiv(t->B, a, b, "");
    }
  }
  push(t, r);
}

/* Float to integer: NaN is an invalid conversion; outside (lo, hi) (or [lo, hi)
 * when lo_incl) it overflows. The bounds are classic.c's. */
static void trunc_checked(tr *t, LLVMTypeRef dst, bool is_signed, double lo, bool lo_incl, double hi) {
  LLVMValueRef a = pop(t);
  LLVMTypeRef src = LLVMTypeOf(a);
  trap_if(t, LLVMBuildFCmp(t->B, LLVMRealUNO, a, a, ""), WR_TRAP_INVALID_CONVERSION);
  LLVMValueRef lo_ok = LLVMBuildFCmp(t->B, lo_incl ? LLVMRealOGE : LLVMRealOGT, a, LLVMConstReal(src, lo), "");
  LLVMValueRef hi_ok = LLVMBuildFCmp(t->B, LLVMRealOLT, a, LLVMConstReal(src, hi), "");
  trap_if(t, LLVMBuildNot(t->B, LLVMBuildAnd(t->B, lo_ok, hi_ok, ""), ""), WR_TRAP_INT_OVERFLOW);
  push(t, is_signed ? LLVMBuildFPToSI(t->B, a, dst, "") : LLVMBuildFPToUI(t->B, a, dst, ""));
}

/* The saturating conversions are exactly LLVM's fpto[su]i.sat. */
static void trunc_sat(tr *t, LLVMTypeRef dst, bool is_signed) {
  LLVMValueRef a = pop(t);
  LLVMTypeRef tys[2] = {dst, LLVMTypeOf(a)};
  push(t, intrinsic(t, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", tys, 2, &a, 1));
}

static void convert(tr *t, LLVMOpcode op, LLVMTypeRef dst) {
  LLVMValueRef a = pop(t);
  push(t, LLVMBuildCast(t->B, op, a, dst, ""));
}

static void sext_from(tr *t, LLVMTypeRef narrow) {
  LLVMValueRef a = pop(t);
  push(t, LLVMBuildSExt(t->B, LLVMBuildTrunc(t->B, a, narrow, ""), LLVMTypeOf(a), ""));
}

/* base + zext(index) + offset: below 8 GiB, so inside the memory's reservation
 * (memory.c), which makes the address computation inbounds and lets LLVM assume
 * it does not wrap. */
static LLVMValueRef effective_address(tr *t, LLVMValueRef idx, uint32_t off) {
  LLVMValueRef i = LLVMBuildZExt(t->B, idx, t->i64, "");
  if (off) i = LLVMBuildNUWAdd(t->B, i, LLVMConstInt(t->i64, off, 0), "");
  return LLVMBuildInBoundsGEP2(t->B, t->i8, t->mem, &i, 1, "");
}

enum { EXT_NONE, EXT_S, EXT_U };

/* Memory accesses are volatile. There are no bounds checks: an access out of
 * bounds traps by faulting in the guard region, but to LLVM such an access is
 * undefined behaviour it may assume away, so a load whose value ends up unused
 * (dropped, or feeding only dead code) would be deleted, and accesses moved
 * across one another, losing or reordering the trap. Volatile keeps each access,
 * in order; the cost measured in make bench was within noise. */
static void load(tr *t, const uint8_t **ip, LLVMTypeRef mty, LLVMTypeRef rty, int ext) {
  skip_leb(ip);
  uint32_t off = wr_uleb32_unchecked(ip);
  LLVMValueRef v = LLVMBuildLoad2(t->B, mty, effective_address(t, pop(t), off), "");
  LLVMSetAlignment(v, 1);
  LLVMSetVolatile(v, 1);
  if (ext == EXT_S) v = LLVMBuildSExt(t->B, v, rty, "");
  else if (ext == EXT_U) v = LLVMBuildZExt(t->B, v, rty, "");
  push(t, v);
}

static void store(tr *t, const uint8_t **ip, LLVMTypeRef mty) {
  skip_leb(ip);
  uint32_t off = wr_uleb32_unchecked(ip);
  LLVMValueRef v = pop(t), idx = pop(t);
  if (LLVMTypeOf(v) != mty) v = LLVMBuildTrunc(t->B, v, mty, "");
  LLVMValueRef s = LLVMBuildStore(t->B, v, effective_address(t, idx, off));
  LLVMSetAlignment(s, 1);
  LLVMSetVolatile(s, 1);
}

/* A value into / out of the slot buffer buf at slot index `slot`: a v128 takes
 * that slot and the next, low half first, which is <2 x i64>'s own layout. */
static void store_slot(tr *t, LLVMBuilderRef b, LLVMValueRef buf, uint32_t slot, LLVMValueRef v, wr_valtype vt) {
  LLVMValueRef idx = LLVMConstInt(t->i64, slot, 0);
  LLVMValueRef p = LLVMBuildGEP2(b, t->i64, buf, &idx, 1, "");
  LLVMValueRef s = LLVMBuildStore(b, vt == WR_V128 ? v : to_slot(t, v, vt), p);
  LLVMSetAlignment(s, 8);
}

static LLVMValueRef load_slot(tr *t, LLVMBuilderRef b, LLVMValueRef buf, uint32_t slot, wr_valtype vt) {
  LLVMValueRef idx = LLVMConstInt(t->i64, slot, 0);
  LLVMValueRef p = LLVMBuildGEP2(b, t->i64, buf, &idx, 1, "");
  LLVMValueRef v = LLVMBuildLoad2(b, vt == WR_V128 ? t->v128 : t->i64, p, "");
  LLVMSetAlignment(v, 8);
  return vt == WR_V128 ? v : from_slot(t, v, vt);
}

/* An alloca of n 64-bit slots in the entry block, for calls through the uniform
 * entry. */
static LLVMValueRef slot_buffer(tr *t, uint32_t n) {
  return LLVMBuildArrayAlloca(t->AB, t->i64, LLVMConstInt(t->i32, n ? n : 1, 0), "slots");
}

/* Pops ft's arguments into a slot buffer, returns it. */
static LLVMValueRef spill_args(tr *t, const wr_functype *ft) {
  uint32_t n = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
  LLVMValueRef buf = slot_buffer(t, n);
  uint32_t base = t->sp - ft->nparams;
  for (uint32_t i = 0, slot = 0; i < ft->nparams; slot += ft->params[i] == WR_V128 ? 2 : 1, i++)
    store_slot(t, t->B, buf, slot, t->stack[base + i], ft->params[i]);
  t->sp = base;
  return buf;
}

static void unspill_results(tr *t, const wr_functype *ft, LLVMValueRef buf) {
  for (uint32_t i = 0, slot = 0; i < ft->nresults; slot += ft->results[i] == WR_V128 ? 2 : 1, i++)
    push(t, load_slot(t, t->B, buf, slot, ft->results[i]));
}

static void do_call(tr *t, uint32_t callee) {
  const wr_module *m = t->m;
  const wr_functype *ft = &m->types[m->func_type[callee]];
  if (callee < m->nimported_funcs) {
    LLVMValueRef buf = spill_args(t, ft);
    LLVMValueRef args[2] = {ci32(t, callee), buf};
    call_helper(t, WR_RT_call, args, 2);
    unspill_results(t, ft, buf);
    return;
  }
  uint32_t n = ft->nparams;
  LLVMValueRef *args = malloc((n + 1) * sizeof *args);
  if (!args) {
    t->oom = true;
    return;
  }
  args[0] = t->ctx;
  if (n) memcpy(args + 1, &t->stack[t->sp - n], n * sizeof *args);
  t->sp -= n;
  LLVMValueRef r = LLVMBuildCall2(t->B, t->fn_types[m->func_type[callee]], t->natives[callee], args, n + 1, "");
  free(args);
  if (ft->nresults == 1) push(t, r);
  else
    for (uint32_t i = 0; i < ft->nresults; i++) push(t, LLVMBuildExtractValue(t->B, r, i, ""));
}

static void do_call_indirect(tr *t, uint32_t type, uint32_t table) {
  const wr_functype *ft = &t->m->types[type];
  LLVMValueRef elem = pop(t);
  LLVMValueRef buf = spill_args(t, ft);
  /* A callee compiled in this instance is called straight through its entry;
   * anything else (another instance or mode, a host function) through wr_call. */
  LLVMValueRef args[5] = {ci32(t, table), ci32(t, type), elem, ci32(t, t->func_idx), buf};
  LLVMValueRef target = call_helper(t, WR_RT_indirect_target, args, 4);
  LLVMBasicBlockRef direct = new_bb(t), slow = new_bb(t), join = new_bb(t);
  LLVMBuildCondBr(t->B, LLVMBuildIsNull(t->B, target, ""), slow, direct);
  LLVMPositionBuilderAtEnd(t->B, direct);
  LLVMValueRef eargs[2] = {t->ctx, buf};
  LLVMBuildCall2(t->B, t->entry_type, target, eargs, 2, "");
  LLVMBuildBr(t->B, join);
  LLVMPositionBuilderAtEnd(t->B, slow);
  call_helper(t, WR_RT_call_indirect, args, 5);
  LLVMBuildBr(t->B, join);
  LLVMPositionBuilderAtEnd(t->B, join);
  unspill_results(t, ft, buf);
}

static LLVMValueRef global_ptr(tr *t, uint32_t g) {
  LLVMValueRef arr = load_at(t, t->B, t->ptr, t->ctx, offsetof(wr_ctx, globals), true);
  LLVMValueRef gp = load_at(t, t->B, t->ptr, arr, (size_t)g * sizeof(void *), true);
  LLVMValueRef off = LLVMConstInt(t->i64, offsetof(wr_global, val), 0);
  return LLVMBuildInBoundsGEP2(t->B, t->i8, gp, &off, 1, "");
}

/* Pops n operands (the deepest first) into args. */
static void pop_n(tr *t, LLVMValueRef *args, uint32_t n) {
  t->sp -= n;
  memcpy(args, &t->stack[t->sp], n * sizeof *args);
}

static int translate_fc(tr *t, const uint8_t **ip) {
  uint32_t sub = wr_uleb32_unchecked(ip);
  LLVMValueRef a[8];
  uint32_t x, y;
  switch (sub) {
  case WR_OP_I32_TRUNC_SAT_F32_S:
  case WR_OP_I32_TRUNC_SAT_F64_S: trunc_sat(t, t->i32, true); break;
  case WR_OP_I32_TRUNC_SAT_F32_U:
  case WR_OP_I32_TRUNC_SAT_F64_U: trunc_sat(t, t->i32, false); break;
  case WR_OP_I64_TRUNC_SAT_F32_S:
  case WR_OP_I64_TRUNC_SAT_F64_S: trunc_sat(t, t->i64, true); break;
  case WR_OP_I64_TRUNC_SAT_F32_U:
  case WR_OP_I64_TRUNC_SAT_F64_U: trunc_sat(t, t->i64, false); break;
  case WR_OP_MEMORY_INIT:
    x = wr_uleb32_unchecked(ip);
    (*ip)++;
    a[0] = ci32(t, x);
    pop_n(t, a + 1, 3);
    a[4] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_memory_init, a, 5);
    break;
  case WR_OP_DATA_DROP:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    call_helper(t, WR_RT_data_drop, a, 1);
    break;
  case WR_OP_MEMORY_COPY:
    *ip += 2;
    pop_n(t, a, 3);
    a[3] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_memory_copy, a, 4);
    break;
  case WR_OP_MEMORY_FILL:
    (*ip)++;
    pop_n(t, a, 3);
    a[3] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_memory_fill, a, 4);
    break;
  case WR_OP_TABLE_INIT:
    x = wr_uleb32_unchecked(ip); /* element segment */
    y = wr_uleb32_unchecked(ip); /* table */
    a[0] = ci32(t, y);
    a[1] = ci32(t, x);
    pop_n(t, a + 2, 3);
    a[5] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_table_init, a, 6);
    break;
  case WR_OP_ELEM_DROP:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    call_helper(t, WR_RT_elem_drop, a, 1);
    break;
  case WR_OP_TABLE_COPY:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    a[1] = ci32(t, wr_uleb32_unchecked(ip));
    pop_n(t, a + 2, 3);
    a[5] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_table_copy, a, 6);
    break;
  case WR_OP_TABLE_GROW:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    pop_n(t, a + 1, 2); /* init, delta */
    push(t, call_helper(t, WR_RT_table_grow, a, 3));
    break;
  case WR_OP_TABLE_SIZE:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    push(t, call_helper(t, WR_RT_table_size, a, 1));
    break;
  case WR_OP_TABLE_FILL:
    a[0] = ci32(t, wr_uleb32_unchecked(ip));
    pop_n(t, a + 1, 3); /* i, value, n */
    a[4] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_table_fill, a, 5);
    break;
  default: return -1;
  }
  return 0;
}

/* ---- SIMD (v128) --------------------------------------------------------------- */

/* Lane shapes: vty[s] is the shape's vector type, ety[s] its element type. */
enum { S_I8, S_I16, S_I32, S_I64, S_F32, S_F64 };
static const unsigned shape_lanes[6] = {16, 8, 4, 2, 4, 2};

static LLVMValueRef as(tr *t, LLVMValueRef v, int s) { return LLVMBuildBitCast(t->B, v, t->vty[s], ""); }
static LLVMValueRef vpop(tr *t, int s) { return as(t, pop(t), s); }
static void vpush(tr *t, LLVMValueRef v) { push(t, LLVMBuildBitCast(t->B, v, t->v128, "")); }

/* A constant vector of n lanes of type ety, each `v`. */
static LLVMValueRef const_splat(LLVMTypeRef ety, unsigned n, uint64_t v) {
  LLVMValueRef e[16];
  unsigned w = LLVMGetIntTypeWidth(ety);
  if (w < 64) v &= (1ull << w) - 1;
  for (unsigned i = 0; i < n; i++) e[i] = LLVMConstInt(ety, v, 0);
  return LLVMConstVector(e, n);
}

/* shufflevector of a and b (b may be NULL: a twice) with lane indices idx[0..n). */
static LLVMValueRef shuffle(tr *t, LLVMValueRef a, LLVMValueRef b, const unsigned *idx, unsigned n) {
  LLVMValueRef m[32];
  for (unsigned i = 0; i < n; i++) m[i] = ci32(t, idx[i]);
  return LLVMBuildShuffleVector(t->B, a, b ? b : LLVMGetPoison(LLVMTypeOf(a)), LLVMConstVector(m, n), "");
}

/* A vector of shape s with every lane the scalar x (already of the lane type). */
static LLVMValueRef splat(tr *t, LLVMValueRef x, int s) {
  LLVMValueRef v = LLVMBuildInsertElement(t->B, LLVMGetPoison(t->vty[s]), x, ci32(t, 0), "");
  unsigned zero[16] = {0};
  return shuffle(t, v, NULL, zero, shape_lanes[s]);
}

/* The low or high half of the lanes of a (shape s), as a vector of n/2 lanes. */
static LLVMValueRef half(tr *t, LLVMValueRef a, int s, bool high) {
  unsigned n = shape_lanes[s] / 2, idx[8] = {0};
  for (unsigned i = 0; i < n; i++) idx[i] = i + (high ? n : 0);
  return shuffle(t, a, NULL, idx, n);
}

/* The even (odd) lanes of a, shape s. */
static LLVMValueRef evens(tr *t, LLVMValueRef a, int s, unsigned odd) {
  unsigned n = shape_lanes[s] / 2, idx[8] = {0};
  for (unsigned i = 0; i < n; i++) idx[i] = 2 * i + odd;
  return shuffle(t, a, NULL, idx, n);
}

/* Integer lanes v (shape s's element type, any count) widened to twice the width. */
static LLVMValueRef widen(tr *t, LLVMValueRef v, int s, bool sign) {
  LLVMTypeRef ty = LLVMVectorType(t->ety[s + 1], LLVMGetVectorSize(LLVMTypeOf(v)));
  return sign ? LLVMBuildSExt(t->B, v, ty, "") : LLVMBuildZExt(t->B, v, ty, "");
}

static LLVMValueRef vintr(tr *t, const char *name, LLVMValueRef *args, unsigned n) {
  LLVMTypeRef ty = LLVMTypeOf(args[0]);
  return intrinsic(t, name, &ty, 1, args, n);
}

static void v_bin(tr *t, int s, LLVMOpcode op) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  vpush(t, LLVMBuildBinOp(t->B, op, a, b, ""));
}

static void v_bin_intr(tr *t, int s, const char *name) {
  LLVMValueRef args[2];
  args[1] = vpop(t, s);
  args[0] = vpop(t, s);
  vpush(t, vintr(t, name, args, 2));
}

static void v_un_intr(tr *t, int s, const char *name) {
  LLVMValueRef a = vpop(t, s);
  vpush(t, vintr(t, name, &a, 1));
}

static void v_fbin(tr *t, int s, LLVMOpcode op) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  LLVMValueRef r = LLVMBuildBinOp(t->B, op, a, b, "");
  vpush(t, LLVMIsConstant(a) || LLVMIsConstant(b) ? quiet(t, r) : r);
}

/* Lane comparisons give all ones or zero per lane. */
static void v_icmp(tr *t, int s, LLVMIntPredicate p) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  vpush(t, LLVMBuildSExt(t->B, LLVMBuildICmp(t->B, p, a, b, ""), t->vty[s], ""));
}

static void v_fcmp(tr *t, int s, LLVMRealPredicate p) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  vpush(t, LLVMBuildSExt(t->B, LLVMBuildFCmp(t->B, p, a, b, ""), t->vty[s - S_F32 + S_I32], ""));
}

/* Shift counts are taken modulo the lane width. */
static void v_shift(tr *t, int s, LLVMOpcode op) {
  LLVMValueRef n = pop(t), a = vpop(t, s);
  unsigned w = 8u << s;
  n = LLVMBuildAnd(t->B, n, ci32(t, w - 1), "");
  if (s == S_I64) n = LLVMBuildZExt(t->B, n, t->i64, "");
  else if (s < S_I32) n = LLVMBuildTrunc(t->B, n, t->ety[s], "");
  vpush(t, LLVMBuildBinOp(t->B, op, a, splat(t, n, s), ""));
}

/* i8x16.abs etc.: the absolute value of INT_MIN is INT_MIN (no poison). */
static void v_abs(tr *t, int s) {
  LLVMValueRef args[2] = {vpop(t, s), LLVMConstInt(t->i1, 0, 0)};
  vpush(t, vintr(t, "llvm.abs", args, 2));
}

/* The lanes of a (shape s) as an integer of one bit per lane: set where the lane
 * is negative (bitmask) or nonzero (all_true). */
static LLVMValueRef lane_bits(tr *t, LLVMValueRef a, int s, LLVMIntPredicate p) {
  LLVMValueRef c = LLVMBuildICmp(t->B, p, a, LLVMConstNull(t->vty[s]), "");
  return LLVMBuildBitCast(t->B, c, LLVMIntTypeInContext(t->C, shape_lanes[s]), "");
}

static void v_all_true(tr *t, int s) {
  LLVMValueRef bits = lane_bits(t, vpop(t, s), s, LLVMIntNE);
  LLVMValueRef all = LLVMConstAllOnes(LLVMTypeOf(bits));
  push(t, LLVMBuildZExt(t->B, LLVMBuildICmp(t->B, LLVMIntEQ, bits, all, ""), t->i32, ""));
}

static void v_bitmask(tr *t, int s) {
  push(t, LLVMBuildZExt(t->B, lane_bits(t, vpop(t, s), s, LLVMIntSLT), t->i32, ""));
}

/* Narrowing: the lanes of a then b (shape s), each clamped to the narrow type's
 * signed or unsigned range (the source lanes are signed either way). */
static void v_narrow(tr *t, int s, bool sign) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  unsigned n = shape_lanes[s], idx[16];
  for (unsigned i = 0; i < 2 * n; i++) idx[i] = i;
  LLVMValueRef v = shuffle(t, a, b, idx, 2 * n);
  unsigned w = 8u << (s - 1);
  uint64_t lo = sign ? -(1ull << (w - 1)) : 0, hi = sign ? (1ull << (w - 1)) - 1 : (1ull << w) - 1;
  LLVMValueRef lim[2] = {v, const_splat(t->ety[s], 2 * n, lo)};
  v = vintr(t, "llvm.smax", lim, 2);
  lim[0] = v;
  lim[1] = const_splat(t->ety[s], 2 * n, hi);
  v = vintr(t, "llvm.smin", lim, 2);
  vpush(t, LLVMBuildTrunc(t->B, v, t->vty[s - 1], ""));
}

/* extend_low/high: half the lanes of shape s - 1, widened to shape s. */
static void v_extend(tr *t, int s, bool high, bool sign) {
  vpush(t, widen(t, half(t, vpop(t, s - 1), s - 1, high), s - 1, sign));
}

/* extmul_low/high: the product of the widened halves, exact in shape s. */
static void v_extmul(tr *t, int s, bool high, bool sign) {
  LLVMValueRef b = vpop(t, s - 1), a = vpop(t, s - 1);
  a = widen(t, half(t, a, s - 1, high), s - 1, sign);
  b = widen(t, half(t, b, s - 1, high), s - 1, sign);
  vpush(t, LLVMBuildMul(t->B, a, b, ""));
}

/* extadd_pairwise: the sum of each pair of adjacent lanes of shape s - 1, widened. */
static void v_extadd(tr *t, int s, bool sign) {
  LLVMValueRef a = vpop(t, s - 1);
  LLVMValueRef e = widen(t, evens(t, a, s - 1, 0), s - 1, sign);
  LLVMValueRef o = widen(t, evens(t, a, s - 1, 1), s - 1, sign);
  vpush(t, LLVMBuildAdd(t->B, e, o, ""));
}

/* avgr_u: (a + b + 1) >> 1 without the carry out of the lane. */
static void v_avgr(tr *t, int s) {
  LLVMValueRef b = widen(t, vpop(t, s), s, false), a = widen(t, vpop(t, s), s, false);
  LLVMValueRef one = const_splat(t->ety[s + 1], shape_lanes[s], 1);
  LLVMValueRef sum = LLVMBuildAdd(t->B, LLVMBuildAdd(t->B, a, b, ""), one, "");
  sum = LLVMBuildLShr(t->B, sum, one, "");
  vpush(t, LLVMBuildTrunc(t->B, sum, t->vty[s], ""));
}

/* q15mulr_sat_s: (a * b + 0x4000) >> 15 saturated, in 32 bits, so that
 * 0x8000 * 0x8000 gives 0x7fff (x86's pmulhrsw gives 0x8000). */
static void v_q15mulr(tr *t) {
  LLVMValueRef b = widen(t, vpop(t, S_I16), S_I16, true), a = widen(t, vpop(t, S_I16), S_I16, true);
  LLVMValueRef p = LLVMBuildAdd(t->B, LLVMBuildMul(t->B, a, b, ""), const_splat(t->i32, 8, 0x4000), "");
  p = LLVMBuildAShr(t->B, p, const_splat(t->i32, 8, 15), "");
  LLVMValueRef lim[2] = {p, const_splat(t->i32, 8, 0x7fff)};
  p = vintr(t, "llvm.smin", lim, 2);
  vpush(t, LLVMBuildTrunc(t->B, p, t->vty[S_I16], ""));
}

/* i32x4.dot_i16x8_s: sums of the products of adjacent signed lane pairs (the one
 * overflowing case, all four 0x8000, wraps as the spec says). */
static void v_dot(tr *t) {
  LLVMValueRef b = vpop(t, S_I16), a = vpop(t, S_I16);
  LLVMValueRef p = LLVMBuildMul(t->B, widen(t, a, S_I16, true), widen(t, b, S_I16, true), "");
  vpush(t, LLVMBuildAdd(t->B, evens(t, p, S_I16, 0), evens(t, p, S_I16, 1), ""));
}

/* swizzle: lane i of the result is a[b[i]], or 0 where b[i] > 15. */
static void v_swizzle(tr *t) {
  LLVMValueRef b = vpop(t, S_I8), a = vpop(t, S_I8);
  if (t->pshufb) {
    /* pshufb zeroes a lane whose index has the top bit set: adding 0x70 with
     * unsigned saturation sets it for every index above 15 and keeps the low four
     * bits of the others. */
    LLVMValueRef args[2] = {b, const_splat(t->i8, 16, 0x70)};
    args[1] = vintr(t, "llvm.uadd.sat", args, 2);
    args[0] = a;
    vpush(t, intrinsic(t, "llvm.x86.ssse3.pshuf.b.128", NULL, 0, args, 2));
    return;
  }
  LLVMValueRef r = LLVMConstNull(t->vty[S_I8]);
  for (unsigned i = 0; i < 16; i++) {
    LLVMValueRef k = LLVMBuildExtractElement(t->B, b, ci32(t, i), "");
    LLVMValueRef in = LLVMBuildICmp(t->B, LLVMIntULT, k, LLVMConstInt(t->i8, 16, 0), "");
    LLVMValueRef e = LLVMBuildExtractElement(t->B, a, LLVMBuildAnd(t->B, k, LLVMConstInt(t->i8, 15, 0), ""), "");
    e = LLVMBuildSelect(t->B, in, e, LLVMConstInt(t->i8, 0, 0), "");
    r = LLVMBuildInsertElement(t->B, r, e, ci32(t, i), "");
  }
  vpush(t, r);
}

/* pmin: b < a ? b : a; pmax: a < b ? b : a, lane by lane, operands' bits kept. */
static void v_pminmax(tr *t, int s, bool max) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  LLVMValueRef c = max ? LLVMBuildFCmp(t->B, LLVMRealOLT, a, b, "") : LLVMBuildFCmp(t->B, LLVMRealOLT, b, a, "");
  vpush(t, LLVMBuildSelect(t->B, c, b, a, ""));
}

/* min/max: a NaN operand gives a NaN, -0 is below +0. llvm.minimum/maximum mean
 * that, but x86 lowers them to a long sequence that passes a signalling NaN
 * through. Here: where either lane is NaN, a + b (a quiet NaN, canonical when the
 * NaN operands are); where the lanes are equal, their bits ORed (min: -0 if either
 * is) or ANDed (max: +0 if either is); otherwise the smaller (larger) one. */
static void v_minmax(tr *t, int s, bool max) {
  LLVMValueRef b = vpop(t, s), a = vpop(t, s);
  LLVMTypeRef ity = t->vty[s - S_F32 + S_I32];
  LLVMValueRef ai = LLVMBuildBitCast(t->B, a, ity, ""), bi = LLVMBuildBitCast(t->B, b, ity, "");
  LLVMValueRef eq = max ? LLVMBuildAnd(t->B, ai, bi, "") : LLVMBuildOr(t->B, ai, bi, "");
  LLVMValueRef pick = LLVMBuildSelect(t->B, LLVMBuildFCmp(t->B, max ? LLVMRealOGT : LLVMRealOLT, a, b, ""), a, b, "");
  LLVMValueRef r = LLVMBuildSelect(t->B, LLVMBuildFCmp(t->B, LLVMRealOEQ, a, b, ""),
                                   LLVMBuildBitCast(t->B, eq, t->vty[s], ""), pick, "");
  vpush(t, LLVMBuildSelect(t->B, LLVMBuildFCmp(t->B, LLVMRealUNO, a, b, ""), LLVMBuildFAdd(t->B, a, b, ""), r, ""));
}

/* A constant vector of n lanes of the float type ety, each v. */
static LLVMValueRef const_splat_real(LLVMTypeRef ety, unsigned n, double v) {
  LLVMValueRef e[4];
  for (unsigned i = 0; i < n; i++) e[i] = LLVMConstReal(ety, v);
  return LLVMConstVector(e, n);
}

/* Saturating float to int into n lanes of i32: NaN -> 0, out of range clamps; the
 * f64x2 forms fill the upper two lanes with zeros. llvm.fpto[su]i.sat says exactly
 * this, but x86 takes its vector forms apart lane by lane; instead the in-range
 * lanes (NaN is not) are converted, where fpto[su]i is defined, and the others
 * chosen by a compare: all of it vector instructions. */
static void v_trunc_sat(tr *t, int s, bool sign) {
  LLVMValueRef a = vpop(t, s);
  unsigned n = shape_lanes[s];
  LLVMTypeRef ety = t->ety[s], ity = LLVMVectorType(t->i32, n);
  LLVMValueRef lo = const_splat_real(ety, n, sign ? -2147483648.0 : -1.0);
  LLVMValueRef hi = const_splat_real(ety, n, sign ? 2147483648.0 : 4294967296.0);
  LLVMValueRef in = LLVMBuildAnd(t->B, LLVMBuildFCmp(t->B, sign ? LLVMRealOGE : LLVMRealOGT, a, lo, ""),
                                 LLVMBuildFCmp(t->B, LLVMRealOLT, a, hi, ""), "");
  LLVMValueRef x = LLVMBuildSelect(t->B, in, a, LLVMConstNull(t->vty[s]), "");
  LLVMValueRef r = sign ? LLVMBuildFPToSI(t->B, x, ity, "") : LLVMBuildFPToUI(t->B, x, ity, "");
  LLVMValueRef above = LLVMBuildFCmp(t->B, LLVMRealOGE, a, hi, "");
  LLVMValueRef out = LLVMBuildSelect(t->B, above, const_splat(t->i32, n, sign ? 0x7fffffff : 0xffffffff),
                                     LLVMConstNull(ity), "");
  if (sign) {
    LLVMValueRef below = LLVMBuildFCmp(t->B, LLVMRealOLT, a, lo, "");
    out = LLVMBuildSelect(t->B, below, const_splat(t->i32, n, 0x80000000), out, "");
  }
  r = LLVMBuildSelect(t->B, in, r, out, "");
  if (n == 2) {
    unsigned idx[4] = {0, 1, 2, 3};
    r = shuffle(t, r, LLVMConstNull(ity), idx, 4);
  }
  vpush(t, r);
}

/* An address from a memarg and the popped index. */
static LLVMValueRef mem_address(tr *t, const uint8_t **ip) {
  skip_leb(ip);
  uint32_t off = wr_uleb32_unchecked(ip);
  return effective_address(t, pop(t), off);
}

/* A load of ty at p: volatile, as load()'s, so that one whose value is never used
 * still traps out of bounds. */
static LLVMValueRef vload(tr *t, LLVMTypeRef ty, LLVMValueRef p) {
  LLVMValueRef v = LLVMBuildLoad2(t->B, ty, p, "");
  LLVMSetAlignment(v, 1);
  LLVMSetVolatile(v, 1);
  return v;
}

/* A store of v at p: volatile, as store()'s. */
static void vstore(tr *t, LLVMValueRef v, LLVMValueRef p) {
  LLVMValueRef st = LLVMBuildStore(t->B, v, p);
  LLVMSetAlignment(st, 1);
  LLVMSetVolatile(st, 1);
}

static void v_load_ext(tr *t, const uint8_t **ip, int s, bool sign) {
  LLVMValueRef p = mem_address(t, ip);
  LLVMValueRef v = vload(t, LLVMVectorType(t->ety[s - 1], shape_lanes[s]), p);
  vpush(t, widen(t, v, s - 1, sign));
}

static void v_load_splat(tr *t, const uint8_t **ip, int s) {
  LLVMValueRef p = mem_address(t, ip);
  vpush(t, splat(t, vload(t, t->ety[s], p), s));
}

static void v_load_zero(tr *t, const uint8_t **ip, int s) {
  LLVMValueRef p = mem_address(t, ip);
  LLVMValueRef x = vload(t, t->ety[s], p);
  vpush(t, LLVMBuildInsertElement(t->B, LLVMConstNull(t->vty[s]), x, ci32(t, 0), ""));
}

static void v_load_lane(tr *t, const uint8_t **ip, int s) {
  LLVMValueRef v = vpop(t, s);
  LLVMValueRef p = mem_address(t, ip);
  unsigned lane = *(*ip)++;
  LLVMValueRef x = vload(t, t->ety[s], p);
  vpush(t, LLVMBuildInsertElement(t->B, v, x, ci32(t, lane), ""));
}

static void v_store_lane(tr *t, const uint8_t **ip, int s) {
  LLVMValueRef v = vpop(t, s);
  LLVMValueRef p = mem_address(t, ip);
  unsigned lane = *(*ip)++;
  vstore(t, LLVMBuildExtractElement(t->B, v, ci32(t, lane), ""), p);
}

static void v_extract(tr *t, const uint8_t **ip, int s, int ext) {
  unsigned lane = *(*ip)++;
  LLVMValueRef x = LLVMBuildExtractElement(t->B, vpop(t, s), ci32(t, lane), "");
  if (ext == EXT_S) x = LLVMBuildSExt(t->B, x, t->i32, "");
  else if (ext == EXT_U) x = LLVMBuildZExt(t->B, x, t->i32, "");
  push(t, x);
}

static void v_replace(tr *t, const uint8_t **ip, int s) {
  unsigned lane = *(*ip)++;
  LLVMValueRef x = pop(t), v = vpop(t, s);
  if (s < S_I32) x = LLVMBuildTrunc(t->B, x, t->ety[s], "");
  vpush(t, LLVMBuildInsertElement(t->B, v, x, ci32(t, lane), ""));
}

static void v_splat(tr *t, int s) {
  LLVMValueRef x = pop(t);
  if (s < S_I32) x = LLVMBuildTrunc(t->B, x, t->ety[s], "");
  vpush(t, splat(t, x, s));
}

static int translate_simd(tr *t, const uint8_t **ip) {
  uint32_t sub = wr_uleb32_unchecked(ip);
  LLVMValueRef a, b, c;
  switch (sub) {
  case WR_OP_V128_LOAD: {
    LLVMValueRef p = mem_address(t, ip);
    push(t, vload(t, t->v128, p));
    break;
  }
  case WR_OP_V128_LOAD8X8_S: v_load_ext(t, ip, S_I16, true); break;
  case WR_OP_V128_LOAD8X8_U: v_load_ext(t, ip, S_I16, false); break;
  case WR_OP_V128_LOAD16X4_S: v_load_ext(t, ip, S_I32, true); break;
  case WR_OP_V128_LOAD16X4_U: v_load_ext(t, ip, S_I32, false); break;
  case WR_OP_V128_LOAD32X2_S: v_load_ext(t, ip, S_I64, true); break;
  case WR_OP_V128_LOAD32X2_U: v_load_ext(t, ip, S_I64, false); break;
  case WR_OP_V128_LOAD8_SPLAT: v_load_splat(t, ip, S_I8); break;
  case WR_OP_V128_LOAD16_SPLAT: v_load_splat(t, ip, S_I16); break;
  case WR_OP_V128_LOAD32_SPLAT: v_load_splat(t, ip, S_I32); break;
  case WR_OP_V128_LOAD64_SPLAT: v_load_splat(t, ip, S_I64); break;
  case WR_OP_V128_LOAD32_ZERO: v_load_zero(t, ip, S_I32); break;
  case WR_OP_V128_LOAD64_ZERO: v_load_zero(t, ip, S_I64); break;
  case WR_OP_V128_LOAD8_LANE: v_load_lane(t, ip, S_I8); break;
  case WR_OP_V128_LOAD16_LANE: v_load_lane(t, ip, S_I16); break;
  case WR_OP_V128_LOAD32_LANE: v_load_lane(t, ip, S_I32); break;
  case WR_OP_V128_LOAD64_LANE: v_load_lane(t, ip, S_I64); break;
  case WR_OP_V128_STORE8_LANE: v_store_lane(t, ip, S_I8); break;
  case WR_OP_V128_STORE16_LANE: v_store_lane(t, ip, S_I16); break;
  case WR_OP_V128_STORE32_LANE: v_store_lane(t, ip, S_I32); break;
  case WR_OP_V128_STORE64_LANE: v_store_lane(t, ip, S_I64); break;
  case WR_OP_V128_STORE: {
    a = pop(t);
    LLVMValueRef p = mem_address(t, ip);
    vstore(t, a, p);
    break;
  }
  case WR_OP_V128_CONST: {
    LLVMValueRef h[2] = {LLVMConstInt(t->i64, wr_load_u64le(*ip), 0), LLVMConstInt(t->i64, wr_load_u64le(*ip + 8), 0)};
    push(t, LLVMConstVector(h, 2));
    *ip += 16;
    break;
  }
  case WR_OP_I8X16_SHUFFLE: {
    unsigned idx[16];
    for (unsigned i = 0; i < 16; i++) idx[i] = (*ip)[i];
    *ip += 16;
    b = vpop(t, S_I8);
    a = vpop(t, S_I8);
    vpush(t, shuffle(t, a, b, idx, 16));
    break;
  }
  case WR_OP_I8X16_SWIZZLE: v_swizzle(t); break;
  case WR_OP_I8X16_SPLAT: v_splat(t, S_I8); break;
  case WR_OP_I16X8_SPLAT: v_splat(t, S_I16); break;
  case WR_OP_I32X4_SPLAT: v_splat(t, S_I32); break;
  case WR_OP_I64X2_SPLAT: v_splat(t, S_I64); break;
  case WR_OP_F32X4_SPLAT: v_splat(t, S_F32); break;
  case WR_OP_F64X2_SPLAT: v_splat(t, S_F64); break;
  case WR_OP_I8X16_EXTRACT_LANE_S: v_extract(t, ip, S_I8, EXT_S); break;
  case WR_OP_I8X16_EXTRACT_LANE_U: v_extract(t, ip, S_I8, EXT_U); break;
  case WR_OP_I16X8_EXTRACT_LANE_S: v_extract(t, ip, S_I16, EXT_S); break;
  case WR_OP_I16X8_EXTRACT_LANE_U: v_extract(t, ip, S_I16, EXT_U); break;
  case WR_OP_I32X4_EXTRACT_LANE: v_extract(t, ip, S_I32, EXT_NONE); break;
  case WR_OP_I64X2_EXTRACT_LANE: v_extract(t, ip, S_I64, EXT_NONE); break;
  case WR_OP_F32X4_EXTRACT_LANE: v_extract(t, ip, S_F32, EXT_NONE); break;
  case WR_OP_F64X2_EXTRACT_LANE: v_extract(t, ip, S_F64, EXT_NONE); break;
  case WR_OP_I8X16_REPLACE_LANE: v_replace(t, ip, S_I8); break;
  case WR_OP_I16X8_REPLACE_LANE: v_replace(t, ip, S_I16); break;
  case WR_OP_I32X4_REPLACE_LANE: v_replace(t, ip, S_I32); break;
  case WR_OP_I64X2_REPLACE_LANE: v_replace(t, ip, S_I64); break;
  case WR_OP_F32X4_REPLACE_LANE: v_replace(t, ip, S_F32); break;
  case WR_OP_F64X2_REPLACE_LANE: v_replace(t, ip, S_F64); break;

#define CMP_INT(S, s)                                                                                                  \
  case WR_OP_##S##_EQ: v_icmp(t, s, LLVMIntEQ); break;                                                                 \
  case WR_OP_##S##_NE: v_icmp(t, s, LLVMIntNE); break;                                                                 \
  case WR_OP_##S##_LT_S: v_icmp(t, s, LLVMIntSLT); break;                                                              \
  case WR_OP_##S##_GT_S: v_icmp(t, s, LLVMIntSGT); break;                                                              \
  case WR_OP_##S##_LE_S: v_icmp(t, s, LLVMIntSLE); break;                                                              \
  case WR_OP_##S##_GE_S: v_icmp(t, s, LLVMIntSGE); break;
#define CMP_UNSIGNED(S, s)                                                                                             \
  case WR_OP_##S##_LT_U: v_icmp(t, s, LLVMIntULT); break;                                                              \
  case WR_OP_##S##_GT_U: v_icmp(t, s, LLVMIntUGT); break;                                                              \
  case WR_OP_##S##_LE_U: v_icmp(t, s, LLVMIntULE); break;                                                              \
  case WR_OP_##S##_GE_U: v_icmp(t, s, LLVMIntUGE); break;
#define CMP_FLOAT(S, s)                                                                                                \
  case WR_OP_##S##_EQ: v_fcmp(t, s, LLVMRealOEQ); break;                                                               \
  case WR_OP_##S##_NE: v_fcmp(t, s, LLVMRealUNE); break;                                                               \
  case WR_OP_##S##_LT: v_fcmp(t, s, LLVMRealOLT); break;                                                               \
  case WR_OP_##S##_GT: v_fcmp(t, s, LLVMRealOGT); break;                                                               \
  case WR_OP_##S##_LE: v_fcmp(t, s, LLVMRealOLE); break;                                                               \
  case WR_OP_##S##_GE: v_fcmp(t, s, LLVMRealOGE); break;
    CMP_INT(I8X16, S_I8)
    CMP_UNSIGNED(I8X16, S_I8)
    CMP_INT(I16X8, S_I16)
    CMP_UNSIGNED(I16X8, S_I16)
    CMP_INT(I32X4, S_I32)
    CMP_UNSIGNED(I32X4, S_I32)
    CMP_INT(I64X2, S_I64)
    CMP_FLOAT(F32X4, S_F32)
    CMP_FLOAT(F64X2, S_F64)
#undef CMP_INT
#undef CMP_UNSIGNED
#undef CMP_FLOAT

  case WR_OP_V128_NOT: vpush(t, LLVMBuildNot(t->B, pop(t), "")); break;
  case WR_OP_V128_AND: v_bin(t, S_I64, LLVMAnd); break;
  case WR_OP_V128_ANDNOT:
    b = pop(t);
    a = pop(t);
    vpush(t, LLVMBuildAnd(t->B, a, LLVMBuildNot(t->B, b, ""), ""));
    break;
  case WR_OP_V128_OR: v_bin(t, S_I64, LLVMOr); break;
  case WR_OP_V128_XOR: v_bin(t, S_I64, LLVMXor); break;
  case WR_OP_V128_BITSELECT:
    c = pop(t);
    b = pop(t);
    a = pop(t);
    vpush(t, LLVMBuildOr(t->B, LLVMBuildAnd(t->B, a, c, ""), LLVMBuildAnd(t->B, b, LLVMBuildNot(t->B, c, ""), ""), ""));
    break;
  case WR_OP_V128_ANY_TRUE:
    a = LLVMBuildBitCast(t->B, pop(t), LLVMIntTypeInContext(t->C, 128), "");
    push(t, LLVMBuildZExt(t->B, LLVMBuildICmp(t->B, LLVMIntNE, a, LLVMConstNull(LLVMTypeOf(a)), ""), t->i32, ""));
    break;

  case WR_OP_F32X4_DEMOTE_F64X2_ZERO: {
    a = LLVMBuildFPTrunc(t->B, vpop(t, S_F64), LLVMVectorType(t->f32, 2), "");
    unsigned idx[4] = {0, 1, 2, 3};
    vpush(t, shuffle(t, a, LLVMConstNull(LLVMTypeOf(a)), idx, 4));
    break;
  }
  case WR_OP_F64X2_PROMOTE_LOW_F32X4:
    vpush(t, LLVMBuildFPExt(t->B, half(t, vpop(t, S_F32), S_F32, false), t->vty[S_F64], ""));
    break;

#define INT_COMMON(S, s)                                                                                               \
  case WR_OP_##S##_ABS: v_abs(t, s); break;                                                                            \
  case WR_OP_##S##_NEG: vpush(t, LLVMBuildNeg(t->B, vpop(t, s), "")); break;                                           \
  case WR_OP_##S##_ALL_TRUE: v_all_true(t, s); break;                                                                  \
  case WR_OP_##S##_BITMASK: v_bitmask(t, s); break;                                                                    \
  case WR_OP_##S##_SHL: v_shift(t, s, LLVMShl); break;                                                                 \
  case WR_OP_##S##_SHR_S: v_shift(t, s, LLVMAShr); break;                                                              \
  case WR_OP_##S##_SHR_U: v_shift(t, s, LLVMLShr); break;                                                              \
  case WR_OP_##S##_ADD: v_bin(t, s, LLVMAdd); break;                                                                   \
  case WR_OP_##S##_SUB: v_bin(t, s, LLVMSub); break;
#define INT_SMALL(S, s)                                                                                                \
  case WR_OP_##S##_ADD_SAT_S: v_bin_intr(t, s, "llvm.sadd.sat"); break;                                                \
  case WR_OP_##S##_ADD_SAT_U: v_bin_intr(t, s, "llvm.uadd.sat"); break;                                                \
  case WR_OP_##S##_SUB_SAT_S: v_bin_intr(t, s, "llvm.ssub.sat"); break;                                                \
  case WR_OP_##S##_SUB_SAT_U: v_bin_intr(t, s, "llvm.usub.sat"); break;                                                \
  case WR_OP_##S##_AVGR_U: v_avgr(t, s); break;
#define INT_MINMAX(S, s)                                                                                               \
  case WR_OP_##S##_MIN_S: v_bin_intr(t, s, "llvm.smin"); break;                                                        \
  case WR_OP_##S##_MIN_U: v_bin_intr(t, s, "llvm.umin"); break;                                                        \
  case WR_OP_##S##_MAX_S: v_bin_intr(t, s, "llvm.smax"); break;                                                        \
  case WR_OP_##S##_MAX_U: v_bin_intr(t, s, "llvm.umax"); break;
#define INT_WIDE(S, N, s)                                                                                              \
  case WR_OP_##S##_EXTEND_LOW_##N##_S: v_extend(t, s, false, true); break;                                             \
  case WR_OP_##S##_EXTEND_HIGH_##N##_S: v_extend(t, s, true, true); break;                                             \
  case WR_OP_##S##_EXTEND_LOW_##N##_U: v_extend(t, s, false, false); break;                                            \
  case WR_OP_##S##_EXTEND_HIGH_##N##_U: v_extend(t, s, true, false); break;                                            \
  case WR_OP_##S##_EXTMUL_LOW_##N##_S: v_extmul(t, s, false, true); break;                                             \
  case WR_OP_##S##_EXTMUL_HIGH_##N##_S: v_extmul(t, s, true, true); break;                                             \
  case WR_OP_##S##_EXTMUL_LOW_##N##_U: v_extmul(t, s, false, false); break;                                            \
  case WR_OP_##S##_EXTMUL_HIGH_##N##_U: v_extmul(t, s, true, false); break;
    INT_COMMON(I8X16, S_I8)
    INT_COMMON(I16X8, S_I16)
    INT_COMMON(I32X4, S_I32)
    INT_COMMON(I64X2, S_I64)
    INT_SMALL(I8X16, S_I8)
    INT_SMALL(I16X8, S_I16)
    INT_MINMAX(I8X16, S_I8)
    INT_MINMAX(I16X8, S_I16)
    INT_MINMAX(I32X4, S_I32)
    INT_WIDE(I16X8, I8X16, S_I16)
    INT_WIDE(I32X4, I16X8, S_I32)
    INT_WIDE(I64X2, I32X4, S_I64)
#undef INT_COMMON
#undef INT_SMALL
#undef INT_MINMAX
#undef INT_WIDE
  case WR_OP_I8X16_POPCNT: v_un_intr(t, S_I8, "llvm.ctpop"); break;
  case WR_OP_I8X16_NARROW_I16X8_S: v_narrow(t, S_I16, true); break;
  case WR_OP_I8X16_NARROW_I16X8_U: v_narrow(t, S_I16, false); break;
  case WR_OP_I16X8_NARROW_I32X4_S: v_narrow(t, S_I32, true); break;
  case WR_OP_I16X8_NARROW_I32X4_U: v_narrow(t, S_I32, false); break;
  case WR_OP_I16X8_EXTADD_PAIRWISE_I8X16_S: v_extadd(t, S_I16, true); break;
  case WR_OP_I16X8_EXTADD_PAIRWISE_I8X16_U: v_extadd(t, S_I16, false); break;
  case WR_OP_I32X4_EXTADD_PAIRWISE_I16X8_S: v_extadd(t, S_I32, true); break;
  case WR_OP_I32X4_EXTADD_PAIRWISE_I16X8_U: v_extadd(t, S_I32, false); break;
  case WR_OP_I16X8_Q15MULR_SAT_S: v_q15mulr(t); break;
  case WR_OP_I16X8_MUL: v_bin(t, S_I16, LLVMMul); break;
  case WR_OP_I32X4_MUL: v_bin(t, S_I32, LLVMMul); break;
  case WR_OP_I64X2_MUL: v_bin(t, S_I64, LLVMMul); break;
  case WR_OP_I32X4_DOT_I16X8_S: v_dot(t); break;

#define FLOAT_OPS(S, s)                                                                                                \
  case WR_OP_##S##_CEIL: v_un_intr(t, s, "llvm.ceil"); break;                                                          \
  case WR_OP_##S##_FLOOR: v_un_intr(t, s, "llvm.floor"); break;                                                        \
  case WR_OP_##S##_TRUNC: v_un_intr(t, s, "llvm.trunc"); break;                                                        \
  case WR_OP_##S##_NEAREST: v_un_intr(t, s, "llvm.roundeven"); break;                                                  \
  case WR_OP_##S##_ABS: v_un_intr(t, s, "llvm.fabs"); break;                                                           \
  case WR_OP_##S##_NEG: vpush(t, LLVMBuildFNeg(t->B, vpop(t, s), "")); break;                                          \
  case WR_OP_##S##_SQRT: v_un_intr(t, s, "llvm.sqrt"); break;                                                          \
  case WR_OP_##S##_ADD: v_fbin(t, s, LLVMFAdd); break;                                                                 \
  case WR_OP_##S##_SUB: v_fbin(t, s, LLVMFSub); break;                                                                 \
  case WR_OP_##S##_MUL: v_fbin(t, s, LLVMFMul); break;                                                                 \
  case WR_OP_##S##_DIV: v_fbin(t, s, LLVMFDiv); break;                                                                 \
  case WR_OP_##S##_MIN: v_minmax(t, s, false); break;                                                                  \
  case WR_OP_##S##_MAX: v_minmax(t, s, true); break;                                                                   \
  case WR_OP_##S##_PMIN: v_pminmax(t, s, false); break;                                                                \
  case WR_OP_##S##_PMAX: v_pminmax(t, s, true); break;
    FLOAT_OPS(F32X4, S_F32)
    FLOAT_OPS(F64X2, S_F64)
#undef FLOAT_OPS

  case WR_OP_I32X4_TRUNC_SAT_F32X4_S: v_trunc_sat(t, S_F32, true); break;
  case WR_OP_I32X4_TRUNC_SAT_F32X4_U: v_trunc_sat(t, S_F32, false); break;
  case WR_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: v_trunc_sat(t, S_F64, true); break;
  case WR_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: v_trunc_sat(t, S_F64, false); break;
  case WR_OP_F32X4_CONVERT_I32X4_S: vpush(t, LLVMBuildSIToFP(t->B, vpop(t, S_I32), t->vty[S_F32], "")); break;
  case WR_OP_F32X4_CONVERT_I32X4_U: vpush(t, LLVMBuildUIToFP(t->B, vpop(t, S_I32), t->vty[S_F32], "")); break;
  case WR_OP_F64X2_CONVERT_LOW_I32X4_S:
    vpush(t, LLVMBuildSIToFP(t->B, half(t, vpop(t, S_I32), S_I32, false), t->vty[S_F64], ""));
    break;
  case WR_OP_F64X2_CONVERT_LOW_I32X4_U:
    vpush(t, LLVMBuildUIToFP(t->B, half(t, vpop(t, S_I32), S_I32, false), t->vty[S_F64], ""));
    break;
  default: return -1;
  }
  return 0;
}

static int translate_op(tr *t, uint8_t op, const uint8_t **ip) {
  LLVMValueRef a, b, c;
  uint32_t x, y;
  switch (op) {
  case WR_OP_UNREACHABLE:
    LLVMBuildBr(t->B, trap_block(t, WR_TRAP_UNREACHABLE));
    t->dead = true;
    break;
  case WR_OP_NOP: break;
  case WR_OP_BLOCK: enter_block(t, K_BLOCK, ip); break;
  case WR_OP_LOOP: enter_block(t, K_LOOP, ip); break;
  case WR_OP_IF: enter_block(t, K_IF, ip); break;
  case WR_OP_ELSE: do_else(t); break;
  case WR_OP_END: do_end(t); break;
  case WR_OP_BR: do_br(t, wr_uleb32_unchecked(ip)); break;
  case WR_OP_BR_IF: do_br_if(t, wr_uleb32_unchecked(ip)); break;
  case WR_OP_BR_TABLE: do_br_table(t, ip); break;
  case WR_OP_RETURN: do_br(t, t->nctrl - 1); break;
  case WR_OP_CALL: do_call(t, wr_uleb32_unchecked(ip)); break;
  case WR_OP_CALL_INDIRECT:
    x = wr_uleb32_unchecked(ip);
    y = wr_uleb32_unchecked(ip);
    do_call_indirect(t, x, y);
    break;
  case WR_OP_DROP: t->sp--; break;
  case WR_OP_SELECT_T:
    wr_skip_imm(ip, WR_IMM_SELECT_T);
    /* fall through */
  case WR_OP_SELECT:
    c = pop(t);
    b = pop(t);
    a = pop(t);
    push(t, LLVMBuildSelect(t->B, LLVMBuildICmp(t->B, LLVMIntNE, c, ci32(t, 0), ""), a, b, ""));
    break;
  case WR_OP_LOCAL_GET:
    x = wr_uleb32_unchecked(ip);
    push(t, LLVMBuildLoad2(t->B, vt_type(t, t->local_types[x]), t->locals[x], ""));
    break;
  case WR_OP_LOCAL_SET:
    x = wr_uleb32_unchecked(ip);
    LLVMBuildStore(t->B, pop(t), t->locals[x]);
    break;
  case WR_OP_LOCAL_TEE:
    x = wr_uleb32_unchecked(ip);
    LLVMBuildStore(t->B, t->stack[t->sp - 1], t->locals[x]);
    break;
  case WR_OP_GLOBAL_GET:
    x = wr_uleb32_unchecked(ip);
    if (t->m->globals[x].type == WR_V128) {
      a = LLVMBuildLoad2(t->B, t->v128, global_ptr(t, x), "");
      LLVMSetAlignment(a, 8);
      push(t, a);
    } else push(t, from_slot(t, LLVMBuildLoad2(t->B, t->i64, global_ptr(t, x), ""), t->m->globals[x].type));
    break;
  case WR_OP_GLOBAL_SET:
    x = wr_uleb32_unchecked(ip);
    a = pop(t);
    if (t->m->globals[x].type != WR_V128) a = to_slot(t, a, t->m->globals[x].type);
    /* Volatile, like memory accesses (see load()): a global set before an access
     * that traps must be seen after the trap, and LLVM, blind to the trap, would
     * drop a set that a later one overwrites, or move it past the access. */
    LLVMValueRef st = LLVMBuildStore(t->B, a, global_ptr(t, x));
    LLVMSetAlignment(st, 8);
    LLVMSetVolatile(st, 1);
    break;
  case WR_OP_TABLE_GET: {
    LLVMValueRef args[3] = {ci32(t, wr_uleb32_unchecked(ip)), pop(t), ci32(t, t->func_idx)};
    push(t, call_helper(t, WR_RT_table_get, args, 3));
    break;
  }
  case WR_OP_TABLE_SET: {
    LLVMValueRef args[4];
    args[0] = ci32(t, wr_uleb32_unchecked(ip));
    pop_n(t, args + 1, 2);
    args[3] = ci32(t, t->func_idx);
    call_helper(t, WR_RT_table_set, args, 4);
    break;
  }
  case WR_OP_I32_LOAD: load(t, ip, t->i32, t->i32, EXT_NONE); break;
  case WR_OP_I64_LOAD: load(t, ip, t->i64, t->i64, EXT_NONE); break;
  case WR_OP_F32_LOAD: load(t, ip, t->f32, t->f32, EXT_NONE); break;
  case WR_OP_F64_LOAD: load(t, ip, t->f64, t->f64, EXT_NONE); break;
  case WR_OP_I32_LOAD8_S: load(t, ip, t->i8, t->i32, EXT_S); break;
  case WR_OP_I32_LOAD8_U: load(t, ip, t->i8, t->i32, EXT_U); break;
  case WR_OP_I32_LOAD16_S: load(t, ip, LLVMInt16TypeInContext(t->C), t->i32, EXT_S); break;
  case WR_OP_I32_LOAD16_U: load(t, ip, LLVMInt16TypeInContext(t->C), t->i32, EXT_U); break;
  case WR_OP_I64_LOAD8_S: load(t, ip, t->i8, t->i64, EXT_S); break;
  case WR_OP_I64_LOAD8_U: load(t, ip, t->i8, t->i64, EXT_U); break;
  case WR_OP_I64_LOAD16_S: load(t, ip, LLVMInt16TypeInContext(t->C), t->i64, EXT_S); break;
  case WR_OP_I64_LOAD16_U: load(t, ip, LLVMInt16TypeInContext(t->C), t->i64, EXT_U); break;
  case WR_OP_I64_LOAD32_S: load(t, ip, t->i32, t->i64, EXT_S); break;
  case WR_OP_I64_LOAD32_U: load(t, ip, t->i32, t->i64, EXT_U); break;
  case WR_OP_I32_STORE: store(t, ip, t->i32); break;
  case WR_OP_I64_STORE: store(t, ip, t->i64); break;
  case WR_OP_F32_STORE: store(t, ip, t->f32); break;
  case WR_OP_F64_STORE: store(t, ip, t->f64); break;
  case WR_OP_I32_STORE8:
  case WR_OP_I64_STORE8: store(t, ip, t->i8); break;
  case WR_OP_I32_STORE16:
  case WR_OP_I64_STORE16: store(t, ip, LLVMInt16TypeInContext(t->C)); break;
  case WR_OP_I64_STORE32: store(t, ip, t->i32); break;
  case WR_OP_MEMORY_SIZE: {
    (*ip)++;
    LLVMValueRef memp = load_at(t, t->B, t->ptr, t->ctx, offsetof(wr_ctx, memory), true);
    push(t, load_at(t, t->B, t->i32, memp, offsetof(wr_memory, pages), false));
    break;
  }
  case WR_OP_MEMORY_GROW: {
    (*ip)++;
    LLVMValueRef d = pop(t);
    push(t, call_helper(t, WR_RT_memory_grow, &d, 1));
    break;
  }
  case WR_OP_I32_CONST: push(t, ci32(t, (uint32_t)wr_sleb32_unchecked(ip))); break;
  case WR_OP_I64_CONST: push(t, LLVMConstInt(t->i64, (uint64_t)wr_sleb64_unchecked(ip), 0)); break;
  case WR_OP_F32_CONST:
    /* Through the bits, so that NaN payloads survive exactly. */
    push(t, LLVMConstBitCast(ci32(t, wr_load_u32le(*ip)), t->f32));
    *ip += 4;
    break;
  case WR_OP_F64_CONST:
    push(t, LLVMConstBitCast(LLVMConstInt(t->i64, wr_load_u64le(*ip), 0), t->f64));
    *ip += 8;
    break;

  case WR_OP_I32_EQZ:
  case WR_OP_I64_EQZ: eqz(t); break;
  case WR_OP_I32_EQ:
  case WR_OP_I64_EQ: icmp(t, LLVMIntEQ); break;
  case WR_OP_I32_NE:
  case WR_OP_I64_NE: icmp(t, LLVMIntNE); break;
  case WR_OP_I32_LT_S:
  case WR_OP_I64_LT_S: icmp(t, LLVMIntSLT); break;
  case WR_OP_I32_LT_U:
  case WR_OP_I64_LT_U: icmp(t, LLVMIntULT); break;
  case WR_OP_I32_GT_S:
  case WR_OP_I64_GT_S: icmp(t, LLVMIntSGT); break;
  case WR_OP_I32_GT_U:
  case WR_OP_I64_GT_U: icmp(t, LLVMIntUGT); break;
  case WR_OP_I32_LE_S:
  case WR_OP_I64_LE_S: icmp(t, LLVMIntSLE); break;
  case WR_OP_I32_LE_U:
  case WR_OP_I64_LE_U: icmp(t, LLVMIntULE); break;
  case WR_OP_I32_GE_S:
  case WR_OP_I64_GE_S: icmp(t, LLVMIntSGE); break;
  case WR_OP_I32_GE_U:
  case WR_OP_I64_GE_U: icmp(t, LLVMIntUGE); break;
  case WR_OP_F32_EQ:
  case WR_OP_F64_EQ: fcmp(t, LLVMRealOEQ); break;
  case WR_OP_F32_NE:
  case WR_OP_F64_NE: fcmp(t, LLVMRealUNE); break;
  case WR_OP_F32_LT:
  case WR_OP_F64_LT: fcmp(t, LLVMRealOLT); break;
  case WR_OP_F32_GT:
  case WR_OP_F64_GT: fcmp(t, LLVMRealOGT); break;
  case WR_OP_F32_LE:
  case WR_OP_F64_LE: fcmp(t, LLVMRealOLE); break;
  case WR_OP_F32_GE:
  case WR_OP_F64_GE: fcmp(t, LLVMRealOGE); break;

  case WR_OP_I32_CLZ:
  case WR_OP_I64_CLZ: count_zeros(t, "llvm.ctlz"); break;
  case WR_OP_I32_CTZ:
  case WR_OP_I64_CTZ: count_zeros(t, "llvm.cttz"); break;
  case WR_OP_I32_POPCNT:
  case WR_OP_I64_POPCNT: un_intr(t, "llvm.ctpop"); break;
  case WR_OP_I32_ADD:
  case WR_OP_I64_ADD: bin(t, LLVMAdd); break;
  case WR_OP_I32_SUB:
  case WR_OP_I64_SUB: bin(t, LLVMSub); break;
  case WR_OP_I32_MUL:
  case WR_OP_I64_MUL: bin(t, LLVMMul); break;
  case WR_OP_I32_DIV_S:
  case WR_OP_I64_DIV_S: divide(t, true, false); break;
  case WR_OP_I32_DIV_U:
  case WR_OP_I64_DIV_U: divide(t, false, false); break;
  case WR_OP_I32_REM_S:
  case WR_OP_I64_REM_S: divide(t, true, true); break;
  case WR_OP_I32_REM_U:
  case WR_OP_I64_REM_U: divide(t, false, true); break;
  case WR_OP_I32_AND:
  case WR_OP_I64_AND: bin(t, LLVMAnd); break;
  case WR_OP_I32_OR:
  case WR_OP_I64_OR: bin(t, LLVMOr); break;
  case WR_OP_I32_XOR:
  case WR_OP_I64_XOR: bin(t, LLVMXor); break;
  case WR_OP_I32_SHL:
  case WR_OP_I64_SHL: shift(t, LLVMShl); break;
  case WR_OP_I32_SHR_S:
  case WR_OP_I64_SHR_S: shift(t, LLVMAShr); break;
  case WR_OP_I32_SHR_U:
  case WR_OP_I64_SHR_U: shift(t, LLVMLShr); break;
  case WR_OP_I32_ROTL:
  case WR_OP_I64_ROTL: rotate(t, "llvm.fshl"); break;
  case WR_OP_I32_ROTR:
  case WR_OP_I64_ROTR: rotate(t, "llvm.fshr"); break;

  /* fabs, fneg and copysign are bit operations in LLVM, as wasm wants. */
  case WR_OP_F32_ABS:
  case WR_OP_F64_ABS: un_intr(t, "llvm.fabs"); break;
  case WR_OP_F32_NEG:
  case WR_OP_F64_NEG: push(t, LLVMBuildFNeg(t->B, pop(t), "")); break;
  case WR_OP_F32_CEIL:
  case WR_OP_F64_CEIL: un_intr(t, "llvm.ceil"); break;
  case WR_OP_F32_FLOOR:
  case WR_OP_F64_FLOOR: un_intr(t, "llvm.floor"); break;
  case WR_OP_F32_TRUNC:
  case WR_OP_F64_TRUNC: un_intr(t, "llvm.trunc"); break;
  case WR_OP_F32_NEAREST:
  case WR_OP_F64_NEAREST: un_intr(t, "llvm.roundeven"); break;
  case WR_OP_F32_SQRT:
  case WR_OP_F64_SQRT: un_intr(t, "llvm.sqrt"); break;
  case WR_OP_F32_ADD:
  case WR_OP_F64_ADD: fbin(t, LLVMFAdd); break;
  case WR_OP_F32_SUB:
  case WR_OP_F64_SUB: fbin(t, LLVMFSub); break;
  case WR_OP_F32_MUL:
  case WR_OP_F64_MUL: fbin(t, LLVMFMul); break;
  case WR_OP_F32_DIV:
  case WR_OP_F64_DIV: fbin(t, LLVMFDiv); break;
  /* llvm.minimum/maximum: NaN-propagating, -0 below +0, which is wasm's min/max. */
  case WR_OP_F32_MIN:
  case WR_OP_F64_MIN: min_max(t, "llvm.minimum"); break;
  case WR_OP_F32_MAX:
  case WR_OP_F64_MAX: min_max(t, "llvm.maximum"); break;
  case WR_OP_F32_COPYSIGN:
  case WR_OP_F64_COPYSIGN: bin_intr(t, "llvm.copysign"); break;

  case WR_OP_I32_WRAP_I64: convert(t, LLVMTrunc, t->i32); break;
  case WR_OP_I32_TRUNC_F32_S: trunc_checked(t, t->i32, true, -2147483648.0, true, 2147483648.0); break;
  case WR_OP_I32_TRUNC_F32_U: trunc_checked(t, t->i32, false, -1.0, false, 4294967296.0); break;
  case WR_OP_I32_TRUNC_F64_S: trunc_checked(t, t->i32, true, -2147483649.0, false, 2147483648.0); break;
  case WR_OP_I32_TRUNC_F64_U: trunc_checked(t, t->i32, false, -1.0, false, 4294967296.0); break;
  case WR_OP_I64_EXTEND_I32_S: convert(t, LLVMSExt, t->i64); break;
  case WR_OP_I64_EXTEND_I32_U: convert(t, LLVMZExt, t->i64); break;
  case WR_OP_I64_TRUNC_F32_S:
  case WR_OP_I64_TRUNC_F64_S:
    trunc_checked(t, t->i64, true, -9223372036854775808.0, true, 9223372036854775808.0);
    break;
  case WR_OP_I64_TRUNC_F32_U:
  case WR_OP_I64_TRUNC_F64_U: trunc_checked(t, t->i64, false, -1.0, false, 18446744073709551616.0); break;
  case WR_OP_F32_CONVERT_I32_S:
  case WR_OP_F32_CONVERT_I64_S: convert(t, LLVMSIToFP, t->f32); break;
  case WR_OP_F32_CONVERT_I32_U:
  case WR_OP_F32_CONVERT_I64_U: convert(t, LLVMUIToFP, t->f32); break;
  case WR_OP_F32_DEMOTE_F64: {
    bool of_promote = LLVMIsAInstruction(t->stack[t->sp - 1]) &&
                      LLVMGetInstructionOpcode(t->stack[t->sp - 1]) == LLVMFPExt;
    convert(t, LLVMFPTrunc, t->f32);
    if (of_promote) push(t, quiet(t, pop(t)));
    break;
  }
  case WR_OP_F64_CONVERT_I32_S:
  case WR_OP_F64_CONVERT_I64_S: convert(t, LLVMSIToFP, t->f64); break;
  case WR_OP_F64_CONVERT_I32_U:
  case WR_OP_F64_CONVERT_I64_U: convert(t, LLVMUIToFP, t->f64); break;
  case WR_OP_F64_PROMOTE_F32: convert(t, LLVMFPExt, t->f64); break;
  case WR_OP_I32_REINTERPRET_F32: convert(t, LLVMBitCast, t->i32); break;
  case WR_OP_I64_REINTERPRET_F64: convert(t, LLVMBitCast, t->i64); break;
  case WR_OP_F32_REINTERPRET_I32: convert(t, LLVMBitCast, t->f32); break;
  case WR_OP_F64_REINTERPRET_I64: convert(t, LLVMBitCast, t->f64); break;
  case WR_OP_I32_EXTEND8_S:
  case WR_OP_I64_EXTEND8_S: sext_from(t, t->i8); break;
  case WR_OP_I32_EXTEND16_S:
  case WR_OP_I64_EXTEND16_S: sext_from(t, LLVMInt16TypeInContext(t->C)); break;
  case WR_OP_I64_EXTEND32_S: sext_from(t, t->i32); break;

  case WR_OP_REF_NULL:
    (*ip)++;
    push(t, LLVMConstInt(t->i64, 0, 0));
    break;
  case WR_OP_REF_IS_NULL: eqz(t); break;
  case WR_OP_REF_FUNC: {
    x = wr_uleb32_unchecked(ip);
    LLVMValueRef arr = load_at(t, t->B, t->ptr, t->ctx, offsetof(wr_ctx, funcs), true);
    LLVMValueRef f = load_at(t, t->B, t->ptr, arr, (size_t)x * sizeof(void *), true);
    push(t, LLVMBuildPtrToInt(t->B, f, t->i64, ""));
    break;
  }
  case WR_PREFIX_FC: return translate_fc(t, ip);
  case WR_PREFIX_SIMD: return translate_simd(t, ip);
  default: return -1;
  }
  return 0;
}

/* ---- functions ----------------------------------------------------------------- */

static LLVMTypeRef native_type(tr *t, const wr_functype *ft) {
  LLVMTypeRef *ps = malloc((ft->nparams + 1) * sizeof *ps);
  if (!ps) return NULL;
  ps[0] = t->ptr;
  for (uint32_t i = 0; i < ft->nparams; i++) ps[i + 1] = vt_type(t, ft->params[i]);
  LLVMTypeRef ret;
  if (ft->nresults == 0) {
    ret = t->vd;
  } else if (ft->nresults == 1) {
    ret = vt_type(t, ft->results[0]);
  } else {
    LLVMTypeRef *rs = malloc(ft->nresults * sizeof *rs);
    if (!rs) {
      free(ps);
      return NULL;
    }
    for (uint32_t i = 0; i < ft->nresults; i++) rs[i] = vt_type(t, ft->results[i]);
    ret = LLVMStructTypeInContext(t->C, rs, ft->nresults, 0);
    free(rs);
  }
  LLVMTypeRef fty = LLVMFunctionType(ret, ps, ft->nparams + 1, 0);
  free(ps);
  return fty;
}

static LLVMTypeRef helper_type(tr *t, const char *code) {
  LLVMTypeRef ps[8];
  unsigned n = 0;
  ps[n++] = t->ptr;
  for (const char *c = code + 1; *c; c++) ps[n++] = *c == 'i' ? t->i32 : *c == 'l' ? t->i64 : t->ptr;
  LLVMTypeRef ret = code[0] == 'v' ? t->vd : code[0] == 'i' ? t->i32 : code[0] == 'l' ? t->i64 : t->ptr;
  return LLVMFunctionType(ret, ps, n, 0);
}

static void add_target_attrs(tr *t, LLVMValueRef fn) {
  if (t->attr_cpu) LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, t->attr_cpu);
  if (t->attr_features) LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, t->attr_features);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, t->attr_nounwind);
}

static int translate_body(tr *t, uint32_t fidx, wr_error *err) {
  const wr_module *m = t->m;
  const wr_function *code = &m->funcs[fidx - m->nimported_funcs];
  const wr_functype *ft = &m->types[m->func_type[fidx]];
  t->func_idx = fidx;
  t->ft = ft;
  t->fn = t->natives[fidx];
  t->ctx = LLVMGetParam(t->fn, 0);
  memset(t->trap_bb, 0, sizeof t->trap_bb);
  t->sp = 0;
  t->nctrl = 0;
  t->dead = false;
  t->dead_depth = 0;

  LLVMBasicBlockRef entry = new_bb(t);
  LLVMBasicBlockRef body = new_bb(t);
  LLVMPositionBuilderAtEnd(t->AB, entry);
  LLVMPositionBuilderAtEnd(t->B, body);

  t->nlocals = ft->nparams + code->nlocals;
  t->local_types = code->local_types;
  t->locals = malloc((t->nlocals + 1) * sizeof *t->locals);
  if (!t->locals) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < t->nlocals; i++) {
    LLVMTypeRef ty = vt_type(t, code->local_types[i]);
    t->locals[i] = LLVMBuildAlloca(t->AB, ty, "");
    LLVMValueRef init = i < ft->nparams ? LLVMGetParam(t->fn, i + 1) : LLVMConstNull(ty);
    LLVMBuildStore(t->AB, init, t->locals[i]);
  }
  t->api = load_at(t, t->AB, t->ptr, t->ctx, offsetof(wr_ctx, api), true);
  t->mem = m->nmems ? load_at(t, t->AB, t->ptr, t->ctx, offsetof(wr_ctx, mem_base), true) : NULL;

  /* The native stack check: the address of a local of this frame against the
   * limit; far cheaper than counting depth, and it bounds the real resource. */
  LLVMValueRef probe = LLVMBuildAlloca(t->AB, t->i8, "probe");
  LLVMValueRef limit = load_at(t, t->AB, t->i64, t->api, offsetof(struct wr_rt_api, stack_limit), true);
  LLVMValueRef here = LLVMBuildPtrToInt(t->B, probe, t->i64, "");
  trap_if(t, LLVMBuildICmp(t->B, LLVMIntULT, here, limit, ""), WR_TRAP_STACK_EXHAUSTED);

  ctrl *fc = push_ctrl(t, K_FUNC);
  if (!fc) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  fc->nresults = ft->nresults;
  fc->results = ft->results;
  fc->height = 0;
  fc->end = new_bb(t);
  fc->end_phis = make_phis(t, fc->end, ft->results, ft->nresults);

  const uint8_t *ip = code->code, *end = code->code_end;
  int rc = 0;
  while (ip < end && t->nctrl && !t->oom) {
    uint8_t op = *ip++;
    if (t->dead) {
      uint8_t prefix = op == WR_PREFIX_FC || op == WR_PREFIX_SIMD ? op : 0;
      const uint8_t *after = ip;
      uint32_t code = prefix ? wr_uleb32_unchecked(&after) : op;
      if (wr_skip_dead(&after, prefix, code, &t->dead_depth)) {
        ip = after;
        continue;
      }
    }
    if ((rc = translate_op(t, op, &ip)) < 0) break;
  }
  while (t->nctrl) free_ctrl(&t->ctrls[--t->nctrl]);
  LLVMBuildBr(t->AB, body);
  free(t->locals);
  t->locals = NULL;
  if (t->oom) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  if (rc < 0) {
    char name[128];
    return wr_err(err, WR_ERR_UNSUPPORTED, "llvm: function %s: instruction not supported by this mode",
                  wr_module_func_name(m, fidx, name, sizeof name));
  }
  return 0;
}

/* wasm_entry_N: the uniform entry, arguments and results in 64-bit slots. */
static void build_entry(tr *t, uint32_t fidx) {
  const wr_module *m = t->m;
  const wr_functype *ft = &m->types[m->func_type[fidx]];
  char name[64];
  snprintf(name, sizeof name, "wasm_entry_%u", fidx);
  LLVMValueRef fn = LLVMAddFunction(t->M, name, t->entry_type);
  add_target_attrs(t, fn);
  LLVMPositionBuilderAtEnd(t->B, LLVMAppendBasicBlockInContext(t->C, fn, ""));
  LLVMValueRef ar = LLVMGetParam(fn, 1);
  LLVMValueRef *args = malloc((ft->nparams + 1) * sizeof *args);
  if (!args) {
    t->oom = true;
    return;
  }
  args[0] = LLVMGetParam(fn, 0);
  for (uint32_t i = 0, slot = 0; i < ft->nparams; slot += ft->params[i] == WR_V128 ? 2 : 1, i++)
    args[i + 1] = load_slot(t, t->B, ar, slot, ft->params[i]);
  LLVMValueRef r = LLVMBuildCall2(t->B, t->fn_types[m->func_type[fidx]], t->natives[fidx], args, ft->nparams + 1, "");
  /* Not inlined: a copy of the body here would double its compile time for one
   * call from outside the module. */
  LLVMAddCallSiteAttribute(r, LLVMAttributeFunctionIndex, t->attr_noinline);
  free(args);
  for (uint32_t i = 0, slot = 0; i < ft->nresults; slot += ft->results[i] == WR_V128 ? 2 : 1, i++)
    store_slot(t, t->B, ar, slot, ft->nresults == 1 ? r : LLVMBuildExtractValue(t->B, r, i, ""), ft->results[i]);
  LLVMBuildRetVoid(t->B);
}

bool wr_llvm_has_entry(const wr_module *m, uint32_t f) { return wr_module_func_entered(m, f); }

int wr_llvm_translate(LLVMModuleRef M, const wr_module *m, const uint32_t *func_part, uint32_t part,
                      const char *cpu, const char *features, wr_error *err) {
  tr t;
  memset(&t, 0, sizeof t);
  t.C = LLVMGetModuleContext(M);
  t.M = M;
  t.m = m;
  t.i1 = LLVMInt1TypeInContext(t.C);
  t.i8 = LLVMInt8TypeInContext(t.C);
  t.i32 = LLVMInt32TypeInContext(t.C);
  t.i64 = LLVMInt64TypeInContext(t.C);
  t.f32 = LLVMFloatTypeInContext(t.C);
  t.f64 = LLVMDoubleTypeInContext(t.C);
  t.ptr = LLVMPointerTypeInContext(t.C, 0);
  t.vd = LLVMVoidTypeInContext(t.C);
  t.ety[S_I8] = t.i8;
  t.ety[S_I16] = LLVMInt16TypeInContext(t.C);
  t.ety[S_I32] = t.i32;
  t.ety[S_I64] = t.i64;
  t.ety[S_F32] = t.f32;
  t.ety[S_F64] = t.f64;
  for (int k = 0; k < 6; k++) t.vty[k] = LLVMVectorType(t.ety[k], shape_lanes[k]);
  t.v128 = t.vty[S_I64];
  /* pshufb is SSSE3; the features are the target's, the host's for llvm-jit. */
  t.pshufb = !strncmp(LLVMGetTarget(M), "x86_64", 6) && features && strstr(features, "+ssse3");
  t.md_invariant = LLVMGetMDKindIDInContext(t.C, "invariant.load", 14);
  t.md_empty = LLVMMetadataAsValue(t.C, LLVMMDNodeInContext2(t.C, NULL, 0));
  t.attr_noreturn = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("noreturn", 8), 0);
  t.attr_cold = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("cold", 4), 0);
  t.attr_ctx[0] = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("nonnull", 7), 0);
  t.attr_ctx[1] = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("dereferenceable", 15), sizeof(wr_ctx));
  t.attr_ctx[2] = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("align", 5), _Alignof(wr_ctx));
  t.attr_noinline = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("noinline", 8), 0);
  t.attr_nounwind = LLVMCreateEnumAttribute(t.C, LLVMGetEnumAttributeKindForName("nounwind", 8), 0);
  if (cpu && *cpu) t.attr_cpu = LLVMCreateStringAttribute(t.C, "target-cpu", 10, cpu, (unsigned)strlen(cpu));
  if (features && *features)
    t.attr_features = LLVMCreateStringAttribute(t.C, "target-features", 15, features, (unsigned)strlen(features));
  static const char *const helper_codes[WR_RT_NHELPERS] = {
#define X(name, ret, params, code) [WR_RT_##name] = code,
      WR_RT_HELPERS(X)
#undef X
  };
  for (int i = 0; i < WR_RT_NHELPERS; i++) t.helper_types[i] = helper_type(&t, helper_codes[i]);
  LLVMTypeRef eps[2] = {t.ptr, t.ptr};
  t.entry_type = LLVMFunctionType(t.vd, eps, 2, 0);

  int rc = 0;
  t.B = LLVMCreateBuilderInContext(t.C);
  t.AB = LLVMCreateBuilderInContext(t.C);
  t.fn_types = calloc(m->ntypes + 1, sizeof *t.fn_types);
  t.natives = calloc(m->nfuncs + 1, sizeof *t.natives);
  if (!t.fn_types || !t.natives) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < m->ntypes; i++)
    if (!(t.fn_types[i] = native_type(&t, &m->types[i]))) {
      rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
      goto out;
    }
  /* Declare every function first: bodies call each other directly. */
  for (uint32_t f = m->nimported_funcs; f < m->nfuncs; f++) {
    char name[64];
    snprintf(name, sizeof name, "wasm_func_%u", f);
    t.natives[f] = LLVMAddFunction(M, name, t.fn_types[m->func_type[f]]);
    /* Alone in its module a function is internal, which frees LLVM to inline it
     * and change its convention; split across modules, the linker joins them. */
    if (!func_part) LLVMSetLinkage(t.natives[f], LLVMInternalLinkage);
    add_target_attrs(&t, t.natives[f]);
    for (int k = 0; k < 3; k++) LLVMAddAttributeAtIndex(t.natives[f], 1, t.attr_ctx[k]);
  }
  for (uint32_t f = m->nimported_funcs; f < m->nfuncs && rc == 0; f++) {
    if (func_part && func_part[f - m->nimported_funcs] != part) continue;
    rc = translate_body(&t, f, err);
    if (rc == 0 && wr_llvm_has_entry(m, f)) build_entry(&t, f);
    if (t.oom) rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
  }
out:
  free(t.stack);
  free(t.ctrls);
  free(t.fn_types);
  free(t.natives);
  LLVMDisposeBuilder(t.B);
  LLVMDisposeBuilder(t.AB);
  return rc;
}

int wr_llvm_optimize(LLVMModuleRef M, LLVMTargetMachineRef tm, int level, wr_error *err) {
  char pipeline[64];
  if (level == WR_LLVM_OPT_CHEAP) /* SSA values instead of stack slots, redundancy removed; nothing costly */
    snprintf(pipeline, sizeof pipeline, "function(sroa,early-cse,simplifycfg)");
  else
    snprintf(pipeline, sizeof pipeline, "default<O%d>", level < 0 ? 0 : level > 3 ? 3 : level);
  LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(M, pipeline, tm, opts);
  LLVMDisposePassBuilderOptions(opts);
  if (e) {
    char *msg = LLVMGetErrorMessage(e);
    int rc = wr_err(err, WR_ERR_IO, "llvm: optimising: %s", msg);
    LLVMDisposeErrorMessage(msg);
    return rc;
  }
  return 0;
}
