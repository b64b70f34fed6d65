/* interp.c: the fast interpreter loop, its entry and its mode hooks.
 *
 * Direct threading: each instruction starts with its handler's offset from
 * L_BASE, and every handler ends by jumping to the next one. Operands are slot
 * indices relative to fp (see fast.h for the frame); `acc` carries a result from
 * one instruction to the next where the translator chose the accumulator forms.
 * Calls to fast functions of the same instance stay in this loop: a call pushes
 * the header (return ip, caller fp, caller function) above the callee's locals
 * and a return pops it, with no other check, as one run of the loop never leaves
 * its instance. Functions of other instances, host functions and other modes go
 * through wr_call. Traps unwind with wr_trap; memory accesses rely on the guard
 * region. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes/fast/fast.h"
#include "modes/numeric.h"
#include "modes/simd.h"
#include "wasm/opcodes.h"

static int fast_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results);
static const int32_t *handler_offsets;

static void count(fast_inst *fi, const wr_function *fn, const fast_func *ff) {
  fi->wasm_bytes += (uint64_t)(fn->code_end - fn->code);
  fi->code_bytes += (uint64_t)ff->len * sizeof(fcode);
}

/* The translation of f, made on its first call (unless WR_FAST_STATS made it). */
static __attribute__((noinline)) fast_func *translate_now(wr_exec *ex, wr_funcinst *f) {
  fast_inst *fi = f->inst->mode_data;
  uint32_t def = f->index - f->inst->module->nimported_funcs;
  fast_func *ff = &fi->funcs[def];
  if (!ff->code) {
    wr_error err = {0};
    if (wr_fast_translate(f->inst, def, ff, &err) < 0) {
      wr_exec_fail(ex, "%s", err.msg);
      wr_trap(ex, WR_TRAP_HOST, f);
    }
    count(fi, &f->inst->module->funcs[def], ff);
  }
  ff->self = f;
  return ff;
}

static inline fast_func *get_func(wr_exec *ex, wr_funcinst *f) {
  fast_inst *fi = f->inst->mode_data;
  fast_func *ff = &fi->funcs[f->index - f->inst->module->nimported_funcs];
  return __builtin_expect(ff->self != NULL, 1) ? ff : translate_now(ex, f);
}

static void run(wr_exec *ex, wr_funcinst *entry) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#define H_0x00(name) [FOP_##name] = &&L_##name - &&L_BASE,
#define H_0xFC(name) [FOP_##name] = &&L_##name - &&L_BASE,
#define H_0xFD(name) [FOP_##name] = &&L_##name - &&L_BASE,
  static const int32_t offsets[FOP_COUNT] = {
#define OP(name, text, prefix, code, ...) H_##prefix(name)
#include "wasm/opcodes.def"
#undef OP
#define X(name) [FOP_##name] = &&L_##name - &&L_BASE,
      FAST_EXTRA(X)
      FAST_SIMD_EXTRA(X)
#undef X
#define X(name, T, e) [FOP_JT_##name] = &&L_JT_##name - &&L_BASE, [FOP_JF_##name] = &&L_JF_##name - &&L_BASE, \
      [FOP_JTI_##name] = &&L_JTI_##name - &&L_BASE, [FOP_JFI_##name] = &&L_JFI_##name - &&L_BASE,
      FAST_CMPS(X)
#undef X
#define X(name, ...) [FOP_##name##_A] = &&L_##name##_A - &&L_BASE, [FOP_##name##_XA] = &&L_##name##_XA - &&L_BASE, \
      [FOP_##name##_XB] = &&L_##name##_XB - &&L_BASE, [FOP_##name##_AA] = &&L_##name##_AA - &&L_BASE,            \
      [FOP_##name##_AB] = &&L_##name##_AB - &&L_BASE, [FOP_##name##_I] = &&L_##name##_I - &&L_BASE,            \
      [FOP_##name##_IA] = &&L_##name##_IA - &&L_BASE, [FOP_##name##_XI] = &&L_##name##_XI - &&L_BASE,          \
      [FOP_##name##_XIA] = &&L_##name##_XIA - &&L_BASE,
      FAST_ACC_OPS(X)
#undef X
#define X(name, ...) [FOP_##name##_A] = &&L_##name##_A - &&L_BASE, [FOP_##name##_XA] = &&L_##name##_XA - &&L_BASE, \
      [FOP_##name##_AA] = &&L_##name##_AA - &&L_BASE, [FOP_##name##_I] = &&L_##name##_I - &&L_BASE,             \
      [FOP_##name##_IA] = &&L_##name##_IA - &&L_BASE, [FOP_##name##_XI] = &&L_##name##_XI - &&L_BASE,          \
      [FOP_##name##_XIA] = &&L_##name##_XIA - &&L_BASE,
      FAST_ACC_LOADS(X)
#undef X
#define X(name, ...) [FOP_##name##_XA] = &&L_##name##_XA - &&L_BASE, [FOP_##name##_XB] = &&L_##name##_XB - &&L_BASE, \
      [FOP_##name##_I] = &&L_##name##_I - &&L_BASE, [FOP_##name##_XI] = &&L_##name##_XI - &&L_BASE,
      FAST_ACC_STORES(X)
#undef X
  };
#pragma GCC diagnostic pop
  if (!ex) {
    handler_offsets = offsets;
    return;
  }

  const char *const base = (const char *)&&L_BASE;
  uint64_t *const stack_end = ex->stack_end;
  wr_funcinst *fn = entry;
  wr_instance *inst = fn->inst;
  wr_ctx *ctx = &inst->ctx;
  uint8_t *mem = ctx->mem_base;
  uint64_t *fp = ex->sp;
  const fcode *ip;
  fast_func *const defs = ((fast_inst *)inst->mode_data)->funcs;
  const uint32_t nimported = inst->module->nimported_funcs;
  wr_funcinst *callee;
  fast_func *ff;
  uint64_t *argp;
  uint64_t acc = 0; /* a result passed to the next instruction (FAST_ACC_OPS) */

#define NEXT() goto *(const void *)(base + (int32_t)I(0)) /* handlers may lie before L_BASE */
#define TRAP(kind) wr_trap(ex, WR_TRAP_##kind, fn)
#define CHECK(trap_or_none) do { wr_trap_kind k_ = (trap_or_none); if (k_) wr_trap(ex, k_, fn); } while (0)
  /* Units: the handler is units 0-1, then the operands, a slot in one unit, a 32-bit
   * immediate or branch offset in two. S(k): slot operand k (1-based) when only
   * slots come before it; I(u): the 32-bit value at unit u; JUMP(u): take the
   * branch whose offset (relative to its unit) is at unit u. */
#define S(k) fp[ip[(k) + 1]]
#define I(u) rd32(ip + (u))
#define JUMP(u) (ip = ip + (u) + (int32_t)I(u))

  /* A new frame at nfp for fast function f (translation ff) of this instance,
   * returning to ret: the arguments are in place, only the declared locals are
   * zeroed (a short loop: a few slots, where a libc call costs more). */
#define ENTER(f, ff, nfp, ret)                                                        \
  do {                                                                                \
    if ((nfp) + (ff)->frame_slots > stack_end) TRAP(STACK_EXHAUSTED);                \
    for (uint32_t i__ = (ff)->nparams; i__ < (ff)->nlocals; i__++) (nfp)[i__] = 0;    \
    uint64_t *h__ = (nfp) + (ff)->hdr;                                                \
    h__[0] = (uint64_t)(uintptr_t)(ret);                                              \
    h__[1] = (uint64_t)(uintptr_t)fp;                                                 \
    h__[2] = (uint64_t)(uintptr_t)fn;                                                 \
    fp = (nfp);                                                                       \
    fn = (f);                                                                         \
    ip = (ff)->code;                                                                  \
    ex->cur_func = fn;                                                                \
  } while (0)

  /* the entry frame returns to L_BASE (offset 0), which leaves the loop */
  static const fcode exit_code[2] = {0, 0};
  ff = get_func(ex, fn);
  ENTER(fn, ff, fp, exit_code);
  NEXT();

  /* Shapes: unary  op dst a;  binary  op dst a b;  load  op dst addr offset;
   * store  op addr value offset. */
#define UN(T, conv, expr) { T a = (T)S(2); S(1) = conv(expr); ip += 4; NEXT(); }
#define BIN(T, conv, expr) { T a = (T)S(2), b = (T)S(3); S(1) = conv(expr); ip += 5; NEXT(); }
#define UN_I32(expr) UN(uint32_t, (uint32_t), expr)
#define UN_I64(expr) UN(uint64_t, (uint64_t), expr)
#define BIN_I32(expr) BIN(uint32_t, (uint32_t), expr)
#define BIN_I64(expr) BIN(uint64_t, (uint64_t), expr)
#define CMP_I64(expr) BIN(uint64_t, (uint32_t), expr)
#define BIN_F32(expr) { float a = f32_of(S(2)), b = f32_of(S(3)); S(1) = bits_f32(expr); ip += 5; NEXT(); }
#define BIN_F64(expr) { double a = f64_of(S(2)), b = f64_of(S(3)); S(1) = bits_f64(expr); ip += 5; NEXT(); }
#define CMP_F32(expr) { float a = f32_of(S(2)), b = f32_of(S(3)); S(1) = (uint32_t)(expr); ip += 5; NEXT(); }
#define CMP_F64(expr) { double a = f64_of(S(2)), b = f64_of(S(3)); S(1) = (uint32_t)(expr); ip += 5; NEXT(); }
#define UN_F32(expr) { float a = f32_of(S(2)); S(1) = bits_f32(expr); ip += 4; NEXT(); }
#define UN_F64(expr) { double a = f64_of(S(2)); S(1) = bits_f64(expr); ip += 4; NEXT(); }
#define EA_AT(x, u) (mem + (uint64_t)(uint32_t)(x) + I(u)) /* offset at unit u */
#define EA(x) EA_AT(x, 4)
#define TRUNC(FT, of, IT, lo_ok, hi_ok, store) \
  { FT a = of(S(2)); if (isnan(a)) TRAP(INVALID_CONVERSION); if (!(lo_ok && hi_ok)) TRAP(INT_OVERFLOW); S(1) = store((IT)a); ip += 4; NEXT(); }
#define TRUNC_SAT(FT, of, IT, lo_ok, hi_ok, min, max, store) \
  { FT a = of(S(2)); S(1) = store(isnan(a) ? (IT)0 : !(lo_ok) ? (IT)(min) : !(hi_ok) ? (IT)(max) : (IT)a); ip += 4; NEXT(); }
#define AS_U32(x) ((uint64_t)(uint32_t)(x))
#define AS_U64(x) ((uint64_t)(x))
#define TRUNC_OP(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store) L_##op: TRUNC(FT, of, IT, lo_ok, hi_ok, store)
#define TRUNC_SAT_OP(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store) \
  L_##sat: TRUNC_SAT(FT, of, IT, lo_ok, hi_ok, min, max, store)

L_BASE: /* offset 0, what exit_code holds: the entry frame returns here */
  return;
L_UNREACHABLE: TRAP(UNREACHABLE);

  /* ---- moves, constants and control -------------------------------------------- */
L_MOV: S(1) = S(2); ip += 4; NEXT();
L_CONST: S(1) = (uint64_t)I(3) | (uint64_t)I(5) << 32; ip += 7; NEXT();
L_CONST32: S(1) = I(3); ip += 5; NEXT();
L_JMP: JUMP(2); NEXT();
L_JNZ: if ((uint32_t)S(1)) JUMP(3); else ip += 5; NEXT();
L_JZ: if (!(uint32_t)S(1)) JUMP(3); else ip += 5; NEXT();
#define X(name, T, e)                                                   \
  L_JT_##name: { T a = (T)S(1), b = (T)S(2); if (e) JUMP(4); else ip += 6; NEXT(); }           \
  L_JF_##name: { T a = (T)S(1), b = (T)S(2); if (!(e)) JUMP(4); else ip += 6; NEXT(); }        \
  L_JTI_##name: { T a = (T)S(1), b = IMM_##T(I(3)); if (e) JUMP(5); else ip += 7; NEXT(); }    \
  L_JFI_##name: { T a = (T)S(1), b = IMM_##T(I(3)); if (!(e)) JUMP(5); else ip += 7; NEXT(); }
  FAST_CMPS(X)
#undef X
L_BR_TABLE_F: {
  uint32_t i = (uint32_t)S(1), n = I(3);
  JUMP(5 + (n + 1) + 2 * ip[5 + (i < n ? i : n)]);
  NEXT();
}
L_BR_TABLE_W: {
  uint32_t i = (uint32_t)S(1), n = I(3);
  JUMP(5 + 2 * (i < n ? i : n));
  NEXT();
}
L_SELECT: S(1) = (uint32_t)S(4) ? S(2) : S(3); ip += 6; NEXT();

L_RET1: {
  uint64_t v = S(2);
  fp[0] = v;
}
  /* fall through */
L_RET: {
  uint64_t *h = fp + ip[2];
  ip = (const fcode *)(uintptr_t)h[0];
  fp = (uint64_t *)(uintptr_t)h[1];
  fn = (wr_funcinst *)(uintptr_t)h[2];
  ex->cur_func = fn;
  NEXT();
}

  /* A function of this module: same instance, fast, so nothing to check but that
   * it is translated. */
L_CALL_D: { /* argslot def (the index among defined functions) */
  uint32_t def = I(3);
  ff = defs + def;
  argp = &S(1);
  ip += 5;
  if (__builtin_expect(ff->self == NULL, 0)) translate_now(ex, ctx->funcs[nimported + def]);
  ENTER(ff->self, ff, argp, ip);
  NEXT();
}
  /* An imported function: of any mode or instance. */
L_CALL_F: { /* argslot func */
  callee = ctx->funcs[I(3)];
  argp = &S(1);
  ip += 5;
  goto do_call;
}
  /* A function whose frame is too big for 16-bit slots: classic runs it, from its
   * arguments in place to its results in place (RET follows). */
L_CLASSIC:
  ex->sp = fp + ip[2] + 3;
  wr_classic_ops.entry(ex, fn, fp);
  ex->cur_func = fn;
  ip += 3;
  NEXT();
L_CALL_INDIRECT_F: { /* i argslot type table */
  wr_table *t = ctx->tables[I(6)];
  uint32_t i = (uint32_t)S(1);
  if (i >= t->size) TRAP(UNDEFINED_ELEMENT);
  callee = (wr_funcinst *)(uintptr_t)t->elems[i];
  if (!callee) TRAP(UNINITIALIZED_ELEMENT);
  if (!wr_func_type_matches(callee, &inst->module->types[I(4)])) TRAP(INDIRECT_TYPE_MISMATCH);
  argp = &S(2);
  ip += 8;
  goto do_call;
}
do_call:
  /* One run of this loop stays in one instance (so returns need no check): a
   * function of another one is called like any other outside function. */
  if (callee->entry != fast_entry || callee->inst != inst) goto call_other;
  ff = get_func(ex, callee);
  ENTER(callee, ff, argp, ip);
  NEXT();
call_other: {
  /* a host function or another mode, through the uniform entry */
  uint32_t np = callee->type->param_slots, nr = callee->type->result_slots;
  ex->sp = argp + (np > nr ? np : nr);
  wr_call(ex, callee, argp);
  ex->cur_func = fn;
  NEXT();
}

  /* ---- variables and tables ------------------------------------------------------ */
L_GLOBAL_GET: S(1) = ctx->globals[I(3)]->val[0]; ip += 5; NEXT();
L_GLOBAL_SET: ctx->globals[I(3)]->val[0] = S(1); ip += 5; NEXT();
L_TABLE_GET: { /* dst i table */
  wr_table *t = ctx->tables[I(4)];
  uint32_t i = (uint32_t)S(2);
  if (i >= t->size) TRAP(TABLE_OOB);
  S(1) = t->elems[i];
  ip += 6;
  NEXT();
}
L_TABLE_SET: { /* i v table */
  wr_table *t = ctx->tables[I(4)];
  uint32_t i = (uint32_t)S(1);
  if (i >= t->size) TRAP(TABLE_OOB);
  t->elems[i] = S(2);
  ip += 6;
  NEXT();
}
L_REF_IS_NULL: S(1) = S(2) == 0; ip += 4; NEXT();
L_REF_FUNC: S(1) = (uint64_t)(uintptr_t)ctx->funcs[I(3)]; ip += 5; NEXT();

  /* ---- memory ------------------------------------------------------------------ */
  /* Loads: op dst addr offset; stores: op addr value offset; with their
   * accumulator forms (FAST_ACC_LOADS, FAST_ACC_STORES in fast.h). */
#define X(name, T, conv)                                                              \
  L_##name: { T v; memcpy(&v, EA(S(2)), sizeof v); S(1) = conv; ip += 6; NEXT(); }     \
  L_##name##_A: { T v; memcpy(&v, EA(S(2)), sizeof v); acc = conv; ip += 6; NEXT(); }  \
  L_##name##_XA: { T v; memcpy(&v, EA(acc), sizeof v); S(1) = conv; ip += 6; NEXT(); } \
  L_##name##_AA: { T v; memcpy(&v, EA(acc), sizeof v); acc = conv; ip += 6; NEXT(); }    \
  L_##name##_I: { T v; memcpy(&v, EA_AT(S(2) + I(4), 6), sizeof v); S(1) = conv; ip += 8; NEXT(); }   \
  L_##name##_IA: { T v; memcpy(&v, EA_AT(S(2) + I(4), 6), sizeof v); acc = conv; ip += 8; NEXT(); }  \
  L_##name##_XI: { T v; memcpy(&v, EA_AT(acc + I(4), 6), sizeof v); S(1) = conv; ip += 8; NEXT(); }  \
  L_##name##_XIA: { T v; memcpy(&v, EA_AT(acc + I(4), 6), sizeof v); acc = conv; ip += 8; NEXT(); }
  FAST_ACC_LOADS(X)
#undef X
#define X(name, T)                                                                    \
  L_##name: { T v = (T)S(2); memcpy(EA(S(1)), &v, sizeof v); ip += 6; NEXT(); }        \
  L_##name##_XA: { T v = (T)S(2); memcpy(EA(acc), &v, sizeof v); ip += 6; NEXT(); }    \
  L_##name##_XB: { T v = (T)acc; memcpy(EA(S(1)), &v, sizeof v); ip += 6; NEXT(); }                  \
  L_##name##_I: { T v = (T)IMM_uint64_t(I(3)); memcpy(EA_AT(S(1), 5), &v, sizeof v); ip += 7; NEXT(); } \
  L_##name##_XI: { T v = (T)IMM_uint64_t(I(3)); memcpy(EA_AT(acc, 5), &v, sizeof v); ip += 7; NEXT(); }
  FAST_ACC_STORES(X)
#undef X
L_MEMORY_SIZE: S(1) = ctx->memory->pages; ip += 3; NEXT();
L_MEMORY_GROW: S(1) = (uint32_t)wr_memory_grow(ctx->memory, (uint32_t)S(2)); ip += 4; NEXT();

  /* ---- numeric ------------------------------------------------------------------ */
L_I32_EQZ: UN_I32(a == 0)
L_I64_EQZ: UN(uint64_t, (uint32_t), a == 0)
L_F32_EQ: CMP_F32(a == b)
L_F32_NE: CMP_F32(a != b)
L_F32_LT: CMP_F32(a < b)
L_F32_GT: CMP_F32(a > b)
L_F32_LE: CMP_F32(a <= b)
L_F32_GE: CMP_F32(a >= b)
L_F64_EQ: CMP_F64(a == b)
L_F64_NE: CMP_F64(a != b)
L_F64_LT: CMP_F64(a < b)
L_F64_GT: CMP_F64(a > b)
L_F64_LE: CMP_F64(a <= b)
L_F64_GE: CMP_F64(a >= b)

  /* The binary operators with accumulator forms (FAST_ACC_OPS in fast.h). */
#define X(name, T, get, put, e)                                                              \
  L_##name: { T a = get(S(2)), b = get(S(3)); S(1) = put(e); ip += 5; NEXT(); }          \
  L_##name##_A: { T a = get(S(2)), b = get(S(3)); acc = put(e); ip += 5; NEXT(); }       \
  L_##name##_XA: { T a = get(acc), b = get(S(3)); S(1) = put(e); ip += 5; NEXT(); }      \
  L_##name##_XB: { T a = get(S(2)), b = get(acc); S(1) = put(e); ip += 5; NEXT(); }      \
  L_##name##_AA: { T a = get(acc), b = get(S(3)); acc = put(e); ip += 5; NEXT(); }       \
  L_##name##_AB: { T a = get(S(2)), b = get(acc); acc = put(e); ip += 5; NEXT(); }       \
  L_##name##_I: { T a = get(S(2)), b = IMM_##T(I(4)); S(1) = put(e); ip += 6; NEXT(); }  \
  L_##name##_IA: { T a = get(S(2)), b = IMM_##T(I(4)); acc = put(e); ip += 6; NEXT(); } \
  L_##name##_XI: { T a = get(acc), b = IMM_##T(I(4)); S(1) = put(e); ip += 6; NEXT(); }  \
  L_##name##_XIA: { T a = get(acc), b = IMM_##T(I(4)); acc = put(e); ip += 6; NEXT(); }
  FAST_ACC_OPS(X)
#undef X

L_I32_CLZ: UN_I32(a ? __builtin_clz(a) : 32)
L_I32_CTZ: UN_I32(a ? __builtin_ctz(a) : 32)
L_I32_POPCNT: UN_I32(__builtin_popcount(a))
L_I32_DIV_S: {
  int32_t a = (int32_t)S(2), b = (int32_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  if (a == INT32_MIN && b == -1) TRAP(INT_OVERFLOW);
  S(1) = (uint32_t)(a / b);
  ip += 5;
  NEXT();
}
L_I32_DIV_U: {
  uint32_t a = (uint32_t)S(2), b = (uint32_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = a / b;
  ip += 5;
  NEXT();
}
L_I32_REM_S: {
  int32_t a = (int32_t)S(2), b = (int32_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = (uint32_t)(b == -1 ? 0 : a % b);
  ip += 5;
  NEXT();
}
L_I32_REM_U: {
  uint32_t a = (uint32_t)S(2), b = (uint32_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = a % b;
  ip += 5;
  NEXT();
}
L_I32_ROTL: BIN_I32(rotl32(a, b))
L_I32_ROTR: BIN_I32(rotr32(a, b))

L_I64_CLZ: UN_I64(a ? __builtin_clzll(a) : 64)
L_I64_CTZ: UN_I64(a ? __builtin_ctzll(a) : 64)
L_I64_POPCNT: UN_I64(__builtin_popcountll(a))
L_I64_DIV_S: {
  int64_t a = (int64_t)S(2), b = (int64_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  if (a == INT64_MIN && b == -1) TRAP(INT_OVERFLOW);
  S(1) = (uint64_t)(a / b);
  ip += 5;
  NEXT();
}
L_I64_DIV_U: {
  uint64_t a = S(2), b = S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = a / b;
  ip += 5;
  NEXT();
}
L_I64_REM_S: {
  int64_t a = (int64_t)S(2), b = (int64_t)S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = (uint64_t)(b == -1 ? 0 : a % b);
  ip += 5;
  NEXT();
}
L_I64_REM_U: {
  uint64_t a = S(2), b = S(3);
  if (b == 0) TRAP(DIV_ZERO);
  S(1) = a % b;
  ip += 5;
  NEXT();
}
L_I64_ROTL: BIN_I64(rotl64(a, b))
L_I64_ROTR: BIN_I64(rotr64(a, b))

  /* Sign manipulation is on bits, so NaN payloads pass through untouched. */
L_F32_ABS: UN_I32(a & 0x7FFFFFFFu)
L_F32_NEG: UN_I32(a ^ 0x80000000u)
L_F32_CEIL: UN_F32(wr_ceilf(a))
L_F32_FLOOR: UN_F32(wr_floorf(a))
L_F32_TRUNC: UN_F32(wr_truncf(a))
L_F32_NEAREST: UN_F32(wr_rintf(a))
L_F32_SQRT: UN_F32(sqrtf(a))
L_F32_MIN: BIN_F32(wr_fminf(a, b))
L_F32_MAX: BIN_F32(wr_fmaxf(a, b))
L_F32_COPYSIGN: BIN_I32((a & 0x7FFFFFFFu) | (b & 0x80000000u))
L_F64_ABS: UN_I64(a & 0x7FFFFFFFFFFFFFFFull)
L_F64_NEG: UN_I64(a ^ 0x8000000000000000ull)
L_F64_CEIL: UN_F64(wr_ceil(a))
L_F64_FLOOR: UN_F64(wr_floor(a))
L_F64_TRUNC: UN_F64(wr_trunc(a))
L_F64_NEAREST: UN_F64(wr_rint(a))
L_F64_SQRT: UN_F64(sqrt(a))
L_F64_MIN: BIN_F64(wr_fmin(a, b))
L_F64_MAX: BIN_F64(wr_fmax(a, b))
L_F64_COPYSIGN: BIN_I64((a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull))

L_I32_WRAP_I64: UN_I32(a)
WR_TRUNC_I32_OPS(TRUNC_OP)
L_I64_EXTEND_I32_S: UN_I64((int64_t)(int32_t)a)
L_I64_EXTEND_I32_U: UN_I64((uint32_t)a)
WR_TRUNC_I64_OPS(TRUNC_OP)
L_F32_CONVERT_I32_S: UN(uint64_t, bits_f32, (float)(int32_t)a)
L_F32_CONVERT_I32_U: UN(uint64_t, bits_f32, (float)(uint32_t)a)
L_F32_CONVERT_I64_S: UN(uint64_t, bits_f32, (float)(int64_t)a)
L_F32_CONVERT_I64_U: UN(uint64_t, bits_f32, (float)a)
L_F32_DEMOTE_F64: UN(uint64_t, bits_f32, (float)f64_of(a))
L_F64_CONVERT_I32_S: UN(uint64_t, bits_f64, (double)(int32_t)a)
L_F64_CONVERT_I32_U: UN(uint64_t, bits_f64, (double)(uint32_t)a)
L_F64_CONVERT_I64_S: UN(uint64_t, bits_f64, (double)(int64_t)a)
L_F64_CONVERT_I64_U: UN(uint64_t, bits_f64, (double)a)
L_F64_PROMOTE_F32: UN(uint64_t, bits_f64, (double)f32_of(a))
L_I32_EXTEND8_S: UN_I32((int32_t)(int8_t)a)
L_I32_EXTEND16_S: UN_I32((int32_t)(int16_t)a)
L_I64_EXTEND8_S: UN_I64((int64_t)(int8_t)a)
L_I64_EXTEND16_S: UN_I64((int64_t)(int16_t)a)
L_I64_EXTEND32_S: UN_I64((int64_t)(int32_t)a)

WR_TRUNC_I32_OPS(TRUNC_SAT_OP)
WR_TRUNC_I64_OPS(TRUNC_SAT_OP)

  /* ---- bulk memory and tables: op d s n imm... (runtime/bulk.c) ---------------- */
L_MEMORY_INIT: {
  uint32_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3), seg = I(5);
  CHECK(wr_bulk_memory_init(inst, seg, d, s, n));
  ip += 7;
  NEXT();
}
L_DATA_DROP: inst->data_len[I(2)] = 0; ip += 4; NEXT();
L_MEMORY_COPY: {
  uint32_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
  CHECK(wr_bulk_memory_copy(ctx->memory, d, s, n));
  ip += 5;
  NEXT();
}
L_MEMORY_FILL: {
  uint32_t d = (uint32_t)S(1), v = (uint32_t)S(2), n = (uint32_t)S(3);
  CHECK(wr_bulk_memory_fill(ctx->memory, d, v, n));
  ip += 5;
  NEXT();
}
L_TABLE_INIT: { /* d s n seg table */
  uint32_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3), seg = I(5);
  wr_table *t = ctx->tables[I(7)];
  CHECK(wr_bulk_table_init(inst, t, seg, d, s, n));
  ip += 9;
  NEXT();
}
L_ELEM_DROP: inst->elem_len[I(2)] = 0; ip += 4; NEXT();
L_TABLE_COPY: { /* d s n dst src */
  uint32_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
  wr_table *dst = ctx->tables[I(5)], *src = ctx->tables[I(7)];
  CHECK(wr_bulk_table_copy(dst, src, d, s, n));
  ip += 9;
  NEXT();
}
L_TABLE_GROW: /* dst init n table */
  S(1) = (uint32_t)wr_table_grow(ctx->tables[I(5)], (uint32_t)S(3), S(2));
  ip += 7;
  NEXT();
L_TABLE_SIZE: S(1) = ctx->tables[I(3)]->size; ip += 5; NEXT();
L_TABLE_FILL: { /* i v n table */
  wr_table *t = ctx->tables[I(5)];
  uint32_t i = (uint32_t)S(1), n = (uint32_t)S(3);
  wr_ref v = S(2);
  CHECK(wr_bulk_table_fill(t, i, v, n));
  ip += 7;
  NEXT();
}

  /* ---- SIMD: every 0xFD row of opcodes.def through its wr_simd_NAME (simd.h), in the
   * forms of fast.h, chosen by the row's immediate kind and operand types. V(k) is
   * the v128 whose low slot is operand k. */
#define V(k) wr_v128_get(&S(k))
#define PUT(k, v) wr_v128_put(&S(k), (v))
#define FSIMD_NONE_V128_____V128(name) { PUT(1, wr_simd_##name(V(2))); ip += 4; NEXT(); }
#define FSIMD_NONE_V128_V128___V128(name) { PUT(1, wr_simd_##name(V(2), V(3))); ip += 5; NEXT(); }
#define FSIMD_NONE_V128_V128_V128_V128(name) { PUT(1, wr_simd_##name(V(2), V(3), V(4))); ip += 6; NEXT(); }
#define FSIMD_NONE_V128_____I32(name) { S(1) = wr_simd_##name(V(2)); ip += 4; NEXT(); }
#define FSIMD_NONE_V128_I32___V128(name) { PUT(1, wr_simd_##name(V(2), S(3))); ip += 5; NEXT(); }
#define FSIMD_SPLAT(name) { PUT(1, wr_simd_##name(S(2))); ip += 4; NEXT(); }
#define FSIMD_NONE_I32_____V128(name) FSIMD_SPLAT(name)
#define FSIMD_NONE_I64_____V128(name) FSIMD_SPLAT(name)
#define FSIMD_NONE_F32_____V128(name) FSIMD_SPLAT(name)
#define FSIMD_NONE_F64_____V128(name) FSIMD_SPLAT(name)
#define FSIMD_EXTRACT(name) { S(1) = wr_simd_##name(V(2), ip[4]); ip += 5; NEXT(); }
#define FSIMD_LANE_V128_____I32(name) FSIMD_EXTRACT(name)
#define FSIMD_LANE_V128_____I64(name) FSIMD_EXTRACT(name)
#define FSIMD_LANE_V128_____F32(name) FSIMD_EXTRACT(name)
#define FSIMD_LANE_V128_____F64(name) FSIMD_EXTRACT(name)
#define FSIMD_REPLACE(name) { PUT(1, wr_simd_##name(V(2), S(3), ip[5])); ip += 6; NEXT(); }
#define FSIMD_LANE_V128_I32___V128(name) FSIMD_REPLACE(name)
#define FSIMD_LANE_V128_I64___V128(name) FSIMD_REPLACE(name)
#define FSIMD_LANE_V128_F32___V128(name) FSIMD_REPLACE(name)
#define FSIMD_LANE_V128_F64___V128(name) FSIMD_REPLACE(name)
#define FSIMD_SHUFFLE_V128_V128___V128(name) \
  { PUT(1, wr_simd_##name(V(2), V(3), (const uint8_t *)(ip + 5))); ip += 13; NEXT(); }
#define FSIMD_V128_______V128(name) TRAP(UNREACHABLE); /* constants are slots */
#define FSIMD_MEMARG_I32_____V128(name) { PUT(1, wr_simd_##name(EA(S(2)))); ip += 6; NEXT(); }
#define FSIMD_MEMARG_I32_V128____(name) { wr_simd_##name(EA_AT(S(1), 4), V(2)); ip += 6; NEXT(); }
#define FSIMD_MEMARG_LANE_I32_V128___V128(name) \
  { PUT(1, wr_simd_##name(EA_AT(S(2), 5), V(3), ip[7])); ip += 8; NEXT(); }
#define FSIMD_MEMARG_LANE_I32_V128____(name) \
  { wr_simd_##name(EA_AT(S(1), 4), V(2), ip[6]); ip += 7; NEXT(); }
#define FSIMD_ROW_0x00(...)
#define FSIMD_ROW_0xFC(...)
/* cold: placed apart from the scalar handlers, whose layout stays as it was */
#define FSIMD_ROW_0xFD(name, imm, p1, p2, p3, r) \
  L_##name: __attribute__((cold)); FSIMD_##imm##_##p1##_##p2##_##p3##_##r(name)
#define OP(name, text, prefix, code, imm, align, lanes, p1, p2, p3, r) FSIMD_ROW_##prefix(name, imm, p1, p2, p3, r)
#include "wasm/opcodes.def"
#undef OP
L_SELECT_V128: /* dst a b c */
  if ((uint32_t)S(4)) PUT(1, V(2));
  else PUT(1, V(3));
  ip += 6;
  NEXT();
L_GLOBAL_GET_V128: { /* dst global */
  wr_global *g = ctx->globals[I(3)];
  uint64_t *d = &S(1);
  d[0] = g->val[0];
  d[1] = g->val[1];
  ip += 5;
  NEXT();
}
L_GLOBAL_SET_V128: { /* src global */
  wr_global *g = ctx->globals[I(3)];
  uint64_t *v = &S(1);
  g->val[0] = v[0];
  g->val[1] = v[1];
  ip += 5;
  NEXT();
}
L_MOV_V128: PUT(1, V(2)); ip += 4; NEXT();
L_CONST_V128: { /* dst, then the 16 bytes */
  wr_v128 v;
  memcpy(&v, ip + 3, 16);
  PUT(1, v);
  ip += 11;
  NEXT();
}
#undef V
#undef PUT

  /* Instructions the translator turns into something else never run. */
L_NOP: L_BLOCK: L_LOOP: L_IF: L_ELSE: L_END: L_BR: L_BR_IF: L_BR_TABLE: L_RETURN: L_CALL:
L_CALL_INDIRECT: L_DROP: L_SELECT_T: L_LOCAL_GET: L_LOCAL_SET: L_LOCAL_TEE: L_I32_CONST:
L_I64_CONST: L_F32_CONST: L_F64_CONST: L_REF_NULL: L_I32_REINTERPRET_F32:
L_I64_REINTERPRET_F64: L_F32_REINTERPRET_I32: L_F64_REINTERPRET_I64:
  TRAP(UNREACHABLE);
#undef NEXT
#undef TRAP
}

const int32_t *wr_fast_handlers(void) {
  if (!handler_offsets) run(NULL, NULL);
  return handler_offsets;
}

static int fast_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  return wr_interp_enter(ex, f, args_results, run);
}

static int fast_prepare(wr_instance *inst, wr_error *err) {
  const wr_module *m = inst->module;
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  fast_inst *fi = calloc(1, sizeof *fi);
  if (fi) fi->funcs = calloc(ndef + 1, sizeof *fi->funcs);
  if (!fi || !fi->funcs) {
    free(fi);
    return wr_err(err, WR_ERR_NOMEM, "out of memory");
  }
  inst->mode_data = fi;
  wr_fast_handlers();
  /* WR_FAST_STATS: translate everything now and report sizes when released. */
  if (getenv("WR_FAST_STATS")) {
    for (uint32_t i = 0; i < ndef; i++) {
      int rc = wr_fast_translate(inst, i, &fi->funcs[i], err);
      if (rc < 0) return rc;
      count(fi, &m->funcs[i], &fi->funcs[i]);
    }
  }
  return 0;
}

static void fast_release(wr_instance *inst) {
  fast_inst *fi = inst->mode_data;
  const wr_module *m = inst->module;
  if (getenv("WR_FAST_STATS"))
    fprintf(stderr, "fast: wasm code %llu bytes, translated %llu bytes\n",
            (unsigned long long)fi->wasm_bytes, (unsigned long long)fi->code_bytes);
  for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) wr_fast_func_free(&fi->funcs[i]);
  free(fi->funcs);
  free(fi);
  inst->mode_data = NULL;
}

const wr_mode_ops wr_fast_ops = {
    .entry = fast_entry,
    .prepare = fast_prepare,
    .release = fast_release,
};
