/* classic.c: the classic interpreter, which runs the original bytecode in place.
 *
 * Dispatch is by computed goto on the opcode byte, through tables expanded from
 * opcodes.def. Immediates are decoded as the code runs (single-byte LEBs take a
 * fast path). Control flow uses the validator's side table (see wr_branch in
 * module.h): each branching instruction consumes its entries in code order, so a
 * taken branch is one table read, with no control stack at run time.
 *
 * Frames live on the store's value stack:
 *
 *   fp -> [params | declared locals] [saved ip, stp, fp, func] [operand stack ...]
 *
 * A call leaves its arguments where the caller pushed them and they become the
 * callee's first locals; results are copied down to fp on return. Calls between
 * classic functions (of any instance) stay in this loop; calls to host functions
 * and to other modes go through wr_call. Traps unwind with wr_trap, and accesses
 * outside linear memory fault in the guard region (memory.c), so loads and stores
 * carry no bounds checks. */
#include <math.h>
#include <string.h>

#include "modes/modes.h"
#include "modes/numeric.h"
#include "modes/simd.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

#define HEADER_SLOTS 4

static int classic_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results);

/* Whether the drop or select at `at` takes v128 operands (wr_function.v128_ops). */
static inline bool wide_op(const wr_function *code, const uint8_t *at) {
  size_t off = (size_t)(at - code->code);
  return code->v128_ops[off / 8] >> (off % 8) & 1;
}

/* The interpreter loop. Runs `entry` with its arguments at ex->sp and leaves its
 * results there. */
static void run(wr_exec *ex, wr_funcinst *entry) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#define PLAIN_0x00(name, code) [code] = &&L_##name,
#define PLAIN_0xFC(name, code)
#define PLAIN_0xFD(name, code)
#define OP(name, text, prefix, code, ...) PLAIN_##prefix(name, code)
  static const void *const dispatch[256] = {
      [0 ... 255] = &&L_ILLEGAL,
#include "wasm/opcodes.def"
      [0xFC] = &&L_PREFIX_FC,
      [0xFD] = &&L_PREFIX_SIMD,
  };
#undef OP
#define FC_0x00(name, code)
#define FC_0xFC(name, code) [code] = &&L_##name,
#define FC_0xFD(name, code)
#define OP(name, text, prefix, code, ...) FC_##prefix(name, code)
  static const void *const dispatch_fc[32] = {
      [0 ... 31] = &&L_ILLEGAL,
#include "wasm/opcodes.def"
  };
#undef OP
#define SIMD_0x00(name, code)
#define SIMD_0xFC(name, code)
#define SIMD_0xFD(name, code) [code] = &&L_##name,
#define OP(name, text, prefix, code, ...) SIMD_##prefix(name, code)
  static const void *const dispatch_simd[256] = {
      [0 ... 255] = &&L_ILLEGAL,
#include "wasm/opcodes.def"
  };
#undef OP
#pragma GCC diagnostic pop

  wr_funcinst *fn = entry;
  const wr_function *code = fn->code;
  uint64_t *const stack_end = ex->stack_end;
  uint64_t *fp = ex->sp;
  uint64_t *sp;
  const uint8_t *ip = code->code;
  const uint8_t *fn_end = code->code_end;
  const wr_branch *stp = code->branches;
  wr_ctx *ctx = &fn->inst->ctx;
  uint8_t *mem = ctx->mem_base;
  const uint8_t *at; /* the opcode byte of the branching instruction being run */
  wr_funcinst *callee;

  {
    uint64_t *hdr = fp + code->local_slots;
    if (hdr + HEADER_SLOTS + code->max_stack > stack_end) wr_trap(ex, WR_TRAP_STACK_EXHAUSTED, fn);
    uint32_t np = fn->type->param_slots;
    memset(fp + np, 0, (code->local_slots - np) * sizeof(uint64_t));
    hdr[0] = 0; /* a null return address: return to the caller of run() */
    hdr[1] = hdr[2] = hdr[3] = 0;
    sp = hdr + HEADER_SLOTS;
    ex->cur_func = fn;
  }

#define NEXT() goto *dispatch[*ip++]
#define TRAP(kind) wr_trap(ex, WR_TRAP_##kind, fn)
#define CHECK(trap_or_none) do { wr_trap_kind k_ = (trap_or_none); if (k_) wr_trap(ex, k_, fn); } while (0)
#define SKIP_LEB() while (*ip++ & 0x80) {}
#define U32() wr_uleb32_unchecked(&ip)
#define TAKE(e_)                                                             \
  do {                                                                       \
    const wr_branch *e__ = (e_);                                             \
    uint32_t d__ = e__->drop;                                                \
    if (d__) {                                                               \
      uint32_t k__ = e__->keep;                                              \
      uint64_t *src__ = sp - k__, *dst__ = src__ - d__;                      \
      for (uint32_t i__ = 0; i__ < k__; i__++) dst__[i__] = src__[i__];      \
      sp -= d__;                                                             \
    }                                                                        \
    ip = at + e__->ip_delta;                                                 \
    stp = e__ + e__->stp_delta;                                              \
  } while (0)

  /* Operand access: T1 is the top of the stack, T2 the one below. */
#define T1 sp[-1]
#define T2 sp[-2]
#define BIN_I32(expr) { uint32_t b = (uint32_t)T1, a = (uint32_t)T2; (void)a; (void)b; sp--; T1 = (uint32_t)(expr); NEXT(); }
#define BIN_I64(expr) { uint64_t b = T1, a = T2; (void)a; (void)b; sp--; T1 = (uint64_t)(expr); NEXT(); }
#define CMP_I64(expr) { uint64_t b = T1, a = T2; sp--; T1 = (uint32_t)(expr); NEXT(); }
#define UN_I32(expr) { uint32_t a = (uint32_t)T1; T1 = (uint32_t)(expr); NEXT(); }
#define UN_I64(expr) { uint64_t a = T1; T1 = (uint64_t)(expr); NEXT(); }
#define BIN_F32(expr) { float b = f32_of(T1), a = f32_of(T2); sp--; T1 = bits_f32(expr); NEXT(); }
#define BIN_F64(expr) { double b = f64_of(T1), a = f64_of(T2); sp--; T1 = bits_f64(expr); NEXT(); }
#define CMP_F32(expr) { float b = f32_of(T1), a = f32_of(T2); sp--; T1 = (uint32_t)(expr); NEXT(); }
#define CMP_F64(expr) { double b = f64_of(T1), a = f64_of(T2); sp--; T1 = (uint32_t)(expr); NEXT(); }
#define UN_F32(expr) { float a = f32_of(T1); T1 = bits_f32(expr); NEXT(); }
#define UN_F64(expr) { double a = f64_of(T1); T1 = bits_f64(expr); NEXT(); }
#define EA(idx) (mem + (uint64_t)(uint32_t)(idx) + off)
#define LOAD(T, conv) { SKIP_LEB(); uint32_t off = U32(); T v; memcpy(&v, EA(T1), sizeof v); T1 = conv; NEXT(); }
#define STORE(T) { SKIP_LEB(); uint32_t off = U32(); T v = (T)T1; memcpy(EA(T2), &v, sizeof v); sp -= 2; NEXT(); }
/* Float to integer: NaN is an invalid conversion, anything outside (lo, hi) overflows. */
#define TRUNC(FT, of, IT, lo_ok, hi_ok, store) \
  { FT a = of(T1); if (isnan(a)) TRAP(INVALID_CONVERSION); if (!(lo_ok && hi_ok)) TRAP(INT_OVERFLOW); T1 = store((IT)a); NEXT(); }
#define TRUNC_SAT(FT, of, IT, lo_ok, hi_ok, min, max, store) \
  { FT a = of(T1); T1 = store(isnan(a) ? (IT)0 : !(lo_ok) ? (IT)(min) : !(hi_ok) ? (IT)(max) : (IT)a); NEXT(); }
#define AS_U32(x) ((uint64_t)(uint32_t)(x))
#define AS_U64(x) ((uint64_t)(x))
#define TRUNC_OP(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store) L_##op: TRUNC(FT, of, IT, lo_ok, hi_ok, store)
#define TRUNC_SAT_OP(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store) \
  L_##sat: TRUNC_SAT(FT, of, IT, lo_ok, hi_ok, min, max, store)

  NEXT();

L_UNREACHABLE: TRAP(UNREACHABLE);
L_NOP: NEXT();
L_BLOCK:
L_LOOP:
  SKIP_LEB(); /* the block type: 0x40, a value type, or a type index */
  NEXT();
L_IF:
  at = ip - 1;
  SKIP_LEB();
  if ((uint32_t)*--sp) {
    stp++;
    NEXT();
  }
  TAKE(stp);
  NEXT();
L_ELSE:
  at = ip - 1;
  TAKE(stp);
  NEXT();
L_END:
  if (ip == fn_end) goto do_return;
  NEXT();
L_BR:
  at = ip - 1;
  TAKE(stp);
  NEXT();
L_BR_IF:
  at = ip - 1;
  if ((uint32_t)*--sp) {
    TAKE(stp);
    NEXT();
  }
  stp++;
  SKIP_LEB();
  NEXT();
L_BR_TABLE: {
  at = ip - 1;
  uint32_t n = U32();
  uint32_t i = (uint32_t)*--sp;
  TAKE(stp + (i < n ? i : n));
  NEXT();
}
L_RETURN:
  goto do_return;

L_CALL:
  callee = ctx->funcs[U32()];
  goto do_call;
L_CALL_INDIRECT: {
  uint32_t type_idx = U32();
  wr_table *t = ctx->tables[U32()];
  uint32_t i = (uint32_t)*--sp;
  if (i >= t->size) TRAP(UNDEFINED_ELEMENT);
  callee = (wr_funcinst *)(uintptr_t)t->elems[i];
  if (!callee) TRAP(UNINITIALIZED_ELEMENT);
  if (!wr_func_type_matches(callee, &fn->inst->module->types[type_idx])) TRAP(INDIRECT_TYPE_MISMATCH);
  goto do_call;
}

do_call:
  if (callee->entry == classic_entry) {
    const wr_function *cc = callee->code;
    uint32_t np = callee->type->param_slots;
    uint64_t *nfp = sp - np;
    uint64_t *hdr = nfp + cc->local_slots;
    if (hdr + HEADER_SLOTS + cc->max_stack > stack_end) TRAP(STACK_EXHAUSTED);
    memset(sp, 0, (cc->local_slots - np) * sizeof(uint64_t));
    hdr[0] = (uint64_t)(uintptr_t)ip;
    hdr[1] = (uint64_t)(uintptr_t)stp;
    hdr[2] = (uint64_t)(uintptr_t)fp;
    hdr[3] = (uint64_t)(uintptr_t)fn;
    fp = nfp;
    sp = hdr + HEADER_SLOTS;
    fn = callee;
    code = cc;
    ip = cc->code;
    fn_end = cc->code_end;
    stp = cc->branches;
    ctx = &fn->inst->ctx;
    mem = ctx->mem_base;
    ex->cur_func = fn;
    NEXT();
  } else {
    /* A host function or another mode: through the uniform entry. */
    uint32_t np = callee->type->param_slots;
    ex->sp = sp;
    wr_call(ex, callee, sp - np);
    ex->cur_func = fn;
    sp = sp - np + callee->type->result_slots;
    NEXT();
  }

do_return: {
  /* Read the saved state before the results overwrite it (a function without
   * locals has its header at fp). */
  uint32_t nr = fn->type->result_slots;
  uint64_t *hdr = fp + code->local_slots;
  uint64_t *src = sp - nr, *dst = fp;
  ip = (const uint8_t *)(uintptr_t)hdr[0];
  stp = (const wr_branch *)(uintptr_t)hdr[1];
  fp = (uint64_t *)(uintptr_t)hdr[2];
  fn = (wr_funcinst *)(uintptr_t)hdr[3];
  for (uint32_t i = 0; i < nr; i++) dst[i] = src[i];
  sp = dst + nr;
  if (!ip) return;
  code = fn->code;
  fn_end = code->code_end;
  ctx = &fn->inst->ctx;
  mem = ctx->mem_base;
  ex->cur_func = fn;
  NEXT();
}

  /* Drops and selects of v128 operands (marked by the validator in v128_ops) move
   * two slots; locals are at their slots of local_slot when some local is a v128. */
#define V128_OP() (code->v128_ops && wide_op(code, ip - 1))
L_DROP: sp -= V128_OP() ? 2 : 1; NEXT();
L_SELECT:
  if (V128_OP()) goto select_v128;
  sp -= 2;
  if (!(uint32_t)sp[1]) sp[-1] = sp[0];
  NEXT();
L_SELECT_T: {
  bool wide = V128_OP();
  uint32_t n = U32();
  ip += n; /* the value types; validation allows exactly one */
  if (wide) goto select_v128;
  sp -= 2;
  if (!(uint32_t)sp[1]) sp[-1] = sp[0];
  NEXT();
}
select_v128:
  sp -= 3;
  if (!(uint32_t)sp[2]) sp[-2] = sp[0], sp[-1] = sp[1];
  NEXT();
L_LOCAL_GET:
  if (__builtin_expect(code->local_slot != NULL, 0)) {
    uint32_t x = U32(), k = code->local_slot[x];
    *sp++ = fp[k];
    if (code->local_types[x] == WR_V128) *sp++ = fp[k + 1];
    NEXT();
  }
  *sp++ = fp[U32()];
  NEXT();
L_LOCAL_SET:
  if (__builtin_expect(code->local_slot != NULL, 0)) {
    uint32_t x = U32(), k = code->local_slot[x];
    if (code->local_types[x] == WR_V128) fp[k + 1] = *--sp;
    fp[k] = *--sp;
    NEXT();
  }
  fp[U32()] = *--sp;
  NEXT();
L_LOCAL_TEE:
  if (__builtin_expect(code->local_slot != NULL, 0)) {
    uint32_t x = U32(), k = code->local_slot[x];
    if (code->local_types[x] == WR_V128) fp[k] = sp[-2], fp[k + 1] = sp[-1];
    else fp[k] = T1;
    NEXT();
  }
  fp[U32()] = T1;
  NEXT();
L_GLOBAL_GET: {
  wr_global *g = ctx->globals[U32()];
  *sp++ = g->val[0];
  if (__builtin_expect(g->type.type == WR_V128, 0)) *sp++ = g->val[1];
  NEXT();
}
L_GLOBAL_SET: {
  wr_global *g = ctx->globals[U32()];
  if (__builtin_expect(g->type.type == WR_V128, 0)) g->val[1] = *--sp;
  g->val[0] = *--sp;
  NEXT();
}
L_TABLE_GET: {
  wr_table *t = ctx->tables[U32()];
  uint32_t i = (uint32_t)T1;
  if (i >= t->size) TRAP(TABLE_OOB);
  T1 = t->elems[i];
  NEXT();
}
L_TABLE_SET: {
  wr_table *t = ctx->tables[U32()];
  uint32_t i = (uint32_t)T2;
  if (i >= t->size) TRAP(TABLE_OOB);
  t->elems[i] = T1;
  sp -= 2;
  NEXT();
}

L_I32_LOAD: LOAD(uint32_t, AS_U32(v))
L_I64_LOAD: LOAD(uint64_t, v)
L_F32_LOAD: LOAD(uint32_t, AS_U32(v))
L_F64_LOAD: LOAD(uint64_t, v)
L_I32_LOAD8_S: LOAD(int8_t, AS_U32((int32_t)v))
L_I32_LOAD8_U: LOAD(uint8_t, AS_U32(v))
L_I32_LOAD16_S: LOAD(int16_t, AS_U32((int32_t)v))
L_I32_LOAD16_U: LOAD(uint16_t, AS_U32(v))
L_I64_LOAD8_S: LOAD(int8_t, AS_U64((int64_t)v))
L_I64_LOAD8_U: LOAD(uint8_t, AS_U64(v))
L_I64_LOAD16_S: LOAD(int16_t, AS_U64((int64_t)v))
L_I64_LOAD16_U: LOAD(uint16_t, AS_U64(v))
L_I64_LOAD32_S: LOAD(int32_t, AS_U64((int64_t)v))
L_I64_LOAD32_U: LOAD(uint32_t, AS_U64(v))
L_I32_STORE: STORE(uint32_t)
L_I64_STORE: STORE(uint64_t)
L_F32_STORE: STORE(uint32_t)
L_F64_STORE: STORE(uint64_t)
L_I32_STORE8: STORE(uint8_t)
L_I32_STORE16: STORE(uint16_t)
L_I64_STORE8: STORE(uint8_t)
L_I64_STORE16: STORE(uint16_t)
L_I64_STORE32: STORE(uint32_t)
L_MEMORY_SIZE: ip++; *sp++ = ctx->memory->pages; NEXT();
L_MEMORY_GROW: ip++; T1 = (uint32_t)wr_memory_grow(ctx->memory, (uint32_t)T1); NEXT();

L_I32_CONST: *sp++ = (uint32_t)wr_sleb32_unchecked(&ip); NEXT();
L_I64_CONST: *sp++ = (uint64_t)wr_sleb64_unchecked(&ip); NEXT();
L_F32_CONST: *sp++ = wr_load_u32le(ip); ip += 4; NEXT();
L_F64_CONST: *sp++ = wr_load_u64le(ip); ip += 8; NEXT();

L_I32_EQZ: UN_I32(a == 0)
L_I32_EQ: BIN_I32(a == b)
L_I32_NE: BIN_I32(a != b)
L_I32_LT_S: BIN_I32((int32_t)a < (int32_t)b)
L_I32_LT_U: BIN_I32(a < b)
L_I32_GT_S: BIN_I32((int32_t)a > (int32_t)b)
L_I32_GT_U: BIN_I32(a > b)
L_I32_LE_S: BIN_I32((int32_t)a <= (int32_t)b)
L_I32_LE_U: BIN_I32(a <= b)
L_I32_GE_S: BIN_I32((int32_t)a >= (int32_t)b)
L_I32_GE_U: BIN_I32(a >= b)
L_I64_EQZ: { T1 = T1 == 0; NEXT(); }
L_I64_EQ: CMP_I64(a == b)
L_I64_NE: CMP_I64(a != b)
L_I64_LT_S: CMP_I64((int64_t)a < (int64_t)b)
L_I64_LT_U: CMP_I64(a < b)
L_I64_GT_S: CMP_I64((int64_t)a > (int64_t)b)
L_I64_GT_U: CMP_I64(a > b)
L_I64_LE_S: CMP_I64((int64_t)a <= (int64_t)b)
L_I64_LE_U: CMP_I64(a <= b)
L_I64_GE_S: CMP_I64((int64_t)a >= (int64_t)b)
L_I64_GE_U: CMP_I64(a >= b)
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

L_I32_CLZ: UN_I32(a ? __builtin_clz(a) : 32)
L_I32_CTZ: UN_I32(a ? __builtin_ctz(a) : 32)
L_I32_POPCNT: UN_I32(__builtin_popcount(a))
L_I32_ADD: BIN_I32(a + b)
L_I32_SUB: BIN_I32(a - b)
L_I32_MUL: BIN_I32(a * b)
L_I32_DIV_S: {
  int32_t b = (int32_t)T1, a = (int32_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  if (a == INT32_MIN && b == -1) TRAP(INT_OVERFLOW);
  sp--;
  T1 = (uint32_t)(a / b);
  NEXT();
}
L_I32_DIV_U: {
  uint32_t b = (uint32_t)T1, a = (uint32_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = a / b;
  NEXT();
}
L_I32_REM_S: {
  int32_t b = (int32_t)T1, a = (int32_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = (uint32_t)(b == -1 ? 0 : a % b);
  NEXT();
}
L_I32_REM_U: {
  uint32_t b = (uint32_t)T1, a = (uint32_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = a % b;
  NEXT();
}
L_I32_AND: BIN_I32(a & b)
L_I32_OR: BIN_I32(a | b)
L_I32_XOR: BIN_I32(a ^ b)
L_I32_SHL: BIN_I32(a << (b & 31))
L_I32_SHR_S: BIN_I32((int32_t)a >> (b & 31))
L_I32_SHR_U: BIN_I32(a >> (b & 31))
L_I32_ROTL: BIN_I32(rotl32(a, b))
L_I32_ROTR: BIN_I32(rotr32(a, b))

L_I64_CLZ: UN_I64(a ? __builtin_clzll(a) : 64)
L_I64_CTZ: UN_I64(a ? __builtin_ctzll(a) : 64)
L_I64_POPCNT: UN_I64(__builtin_popcountll(a))
L_I64_ADD: BIN_I64(a + b)
L_I64_SUB: BIN_I64(a - b)
L_I64_MUL: BIN_I64(a * b)
L_I64_DIV_S: {
  int64_t b = (int64_t)T1, a = (int64_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  if (a == INT64_MIN && b == -1) TRAP(INT_OVERFLOW);
  sp--;
  T1 = (uint64_t)(a / b);
  NEXT();
}
L_I64_DIV_U: {
  uint64_t b = T1, a = T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = a / b;
  NEXT();
}
L_I64_REM_S: {
  int64_t b = (int64_t)T1, a = (int64_t)T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = (uint64_t)(b == -1 ? 0 : a % b);
  NEXT();
}
L_I64_REM_U: {
  uint64_t b = T1, a = T2;
  if (b == 0) TRAP(DIV_ZERO);
  sp--;
  T1 = a % b;
  NEXT();
}
L_I64_AND: BIN_I64(a & b)
L_I64_OR: BIN_I64(a | b)
L_I64_XOR: BIN_I64(a ^ b)
L_I64_SHL: BIN_I64(a << (b & 63))
L_I64_SHR_S: BIN_I64((int64_t)a >> (b & 63))
L_I64_SHR_U: BIN_I64(a >> (b & 63))
L_I64_ROTL: BIN_I64(rotl64(a, b))
L_I64_ROTR: BIN_I64(rotr64(a, b))

  /* Sign manipulation is on bits, so NaN payloads pass through untouched. */
L_F32_ABS: T1 = (uint32_t)T1 & 0x7FFFFFFFu; NEXT();
L_F32_NEG: T1 = (uint32_t)T1 ^ 0x80000000u; NEXT();
L_F32_CEIL: UN_F32(wr_ceilf(a))
L_F32_FLOOR: UN_F32(wr_floorf(a))
L_F32_TRUNC: UN_F32(wr_truncf(a))
L_F32_NEAREST: UN_F32(wr_rintf(a))
L_F32_SQRT: UN_F32(sqrtf(a))
L_F32_ADD: BIN_F32(a + b)
L_F32_SUB: BIN_F32(a - b)
L_F32_MUL: BIN_F32(a * b)
L_F32_DIV: BIN_F32(a / b)
L_F32_MIN: BIN_F32(wr_fminf(a, b))
L_F32_MAX: BIN_F32(wr_fmaxf(a, b))
L_F32_COPYSIGN: {
  uint32_t b = (uint32_t)T1, a = (uint32_t)T2;
  sp--;
  T1 = (a & 0x7FFFFFFFu) | (b & 0x80000000u);
  NEXT();
}
L_F64_ABS: T1 &= 0x7FFFFFFFFFFFFFFFull; NEXT();
L_F64_NEG: T1 ^= 0x8000000000000000ull; NEXT();
L_F64_CEIL: UN_F64(wr_ceil(a))
L_F64_FLOOR: UN_F64(wr_floor(a))
L_F64_TRUNC: UN_F64(wr_trunc(a))
L_F64_NEAREST: UN_F64(wr_rint(a))
L_F64_SQRT: UN_F64(sqrt(a))
L_F64_ADD: BIN_F64(a + b)
L_F64_SUB: BIN_F64(a - b)
L_F64_MUL: BIN_F64(a * b)
L_F64_DIV: BIN_F64(a / b)
L_F64_MIN: BIN_F64(wr_fmin(a, b))
L_F64_MAX: BIN_F64(wr_fmax(a, b))
L_F64_COPYSIGN: {
  uint64_t b = T1, a = T2;
  sp--;
  T1 = (a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull);
  NEXT();
}

L_I32_WRAP_I64: T1 = (uint32_t)T1; NEXT();
WR_TRUNC_I32_OPS(TRUNC_OP)
L_I64_EXTEND_I32_S: T1 = (uint64_t)(int64_t)(int32_t)T1; NEXT();
L_I64_EXTEND_I32_U: T1 = (uint32_t)T1; NEXT();
WR_TRUNC_I64_OPS(TRUNC_OP)
L_F32_CONVERT_I32_S: T1 = bits_f32((float)(int32_t)T1); NEXT();
L_F32_CONVERT_I32_U: T1 = bits_f32((float)(uint32_t)T1); NEXT();
L_F32_CONVERT_I64_S: T1 = bits_f32((float)(int64_t)T1); NEXT();
L_F32_CONVERT_I64_U: T1 = bits_f32((float)T1); NEXT();
L_F32_DEMOTE_F64: T1 = bits_f32((float)f64_of(T1)); NEXT();
L_F64_CONVERT_I32_S: T1 = bits_f64((double)(int32_t)T1); NEXT();
L_F64_CONVERT_I32_U: T1 = bits_f64((double)(uint32_t)T1); NEXT();
L_F64_CONVERT_I64_S: T1 = bits_f64((double)(int64_t)T1); NEXT();
L_F64_CONVERT_I64_U: T1 = bits_f64((double)T1); NEXT();
L_F64_PROMOTE_F32: T1 = bits_f64((double)f32_of(T1)); NEXT();
L_I32_REINTERPRET_F32:
L_I64_REINTERPRET_F64:
L_F32_REINTERPRET_I32:
L_F64_REINTERPRET_I64:
  NEXT(); /* the slot already holds the bits */
L_I32_EXTEND8_S: UN_I32((int32_t)(int8_t)a)
L_I32_EXTEND16_S: UN_I32((int32_t)(int16_t)a)
L_I64_EXTEND8_S: UN_I64((int64_t)(int8_t)a)
L_I64_EXTEND16_S: UN_I64((int64_t)(int16_t)a)
L_I64_EXTEND32_S: UN_I64((int64_t)(int32_t)a)

L_REF_NULL: ip++; *sp++ = 0; NEXT();
L_REF_IS_NULL: T1 = T1 == 0; NEXT();
L_REF_FUNC: *sp++ = (uint64_t)(uintptr_t)ctx->funcs[U32()]; NEXT();

L_PREFIX_FC: {
  uint32_t sub = U32();
  goto *dispatch_fc[sub < 32 ? sub : 31];
}
WR_TRUNC_I32_OPS(TRUNC_SAT_OP)
WR_TRUNC_I64_OPS(TRUNC_SAT_OP)

  /* Bulk memory and table operations check their whole range before touching
   * anything, so a trapping one has no effect. */
L_MEMORY_INIT: {
  uint32_t seg = U32();
  ip++;
  uint32_t n = (uint32_t)T1, s = (uint32_t)T2, d = (uint32_t)sp[-3];
  sp -= 3;
  CHECK(wr_bulk_memory_init(fn->inst, seg, d, s, n));
  NEXT();
}
L_DATA_DROP: fn->inst->data_len[U32()] = 0; NEXT();
L_MEMORY_COPY: {
  ip += 2;
  uint32_t n = (uint32_t)T1, s = (uint32_t)T2, d = (uint32_t)sp[-3];
  sp -= 3;
  CHECK(wr_bulk_memory_copy(ctx->memory, d, s, n));
  NEXT();
}
L_MEMORY_FILL: {
  ip++;
  uint32_t n = (uint32_t)T1, v = (uint32_t)T2, d = (uint32_t)sp[-3];
  sp -= 3;
  CHECK(wr_bulk_memory_fill(ctx->memory, d, v, n));
  NEXT();
}
L_TABLE_INIT: {
  uint32_t seg = U32();
  wr_table *t = ctx->tables[U32()];
  uint32_t n = (uint32_t)T1, s = (uint32_t)T2, d = (uint32_t)sp[-3];
  sp -= 3;
  CHECK(wr_bulk_table_init(fn->inst, t, seg, d, s, n));
  NEXT();
}
L_ELEM_DROP: fn->inst->elem_len[U32()] = 0; NEXT();
L_TABLE_COPY: {
  wr_table *dst = ctx->tables[U32()];
  wr_table *src = ctx->tables[U32()];
  uint32_t n = (uint32_t)T1, s = (uint32_t)T2, d = (uint32_t)sp[-3];
  sp -= 3;
  CHECK(wr_bulk_table_copy(dst, src, d, s, n));
  NEXT();
}
L_TABLE_GROW: {
  wr_table *t = ctx->tables[U32()];
  uint32_t n = (uint32_t)T1;
  sp--;
  T1 = (uint32_t)wr_table_grow(t, n, T1);
  NEXT();
}
L_TABLE_SIZE: *sp++ = ctx->tables[U32()]->size; NEXT();
L_TABLE_FILL: {
  wr_table *t = ctx->tables[U32()];
  uint32_t n = (uint32_t)T1, i = (uint32_t)sp[-3];
  wr_ref v = T2;
  sp -= 3;
  CHECK(wr_bulk_table_fill(t, i, v, n));
  NEXT();
}

  /* ---- SIMD: every 0xFD row of opcodes.def, through its wr_simd_NAME (simd.h). A
   * v128 is two slots, low first: V(k) is the one whose low slot is sp[-k]. The
   * handler of a row is chosen by its immediate kind and operand types. */
L_PREFIX_SIMD: {
  uint32_t sub = U32();
  goto *dispatch_simd[sub < 256 ? sub : 255];
}
#define V(k) wr_v128_get(sp - (k))
#define PUT(k, v) wr_v128_put(sp - (k), (v))
#define MEMARG() SKIP_LEB(); uint32_t off = U32()
  /* v128 operands only */
#define SIMD_NONE_V128_____V128(name) { PUT(2, wr_simd_##name(V(2))); NEXT(); }
#define SIMD_NONE_V128_V128___V128(name) { wr_v128 r = wr_simd_##name(V(4), V(2)); sp -= 2; PUT(2, r); NEXT(); }
#define SIMD_NONE_V128_V128_V128_V128(name) { wr_v128 r = wr_simd_##name(V(6), V(4), V(2)); sp -= 4; PUT(2, r); NEXT(); }
#define SIMD_NONE_V128_____I32(name) { uint64_t r = wr_simd_##name(V(2)); sp--; T1 = r; NEXT(); }
#define SIMD_NONE_V128_I32___V128(name) { wr_v128 r = wr_simd_##name(V(3), T1); sp--; PUT(2, r); NEXT(); }
  /* splats */
#define SIMD_SPLAT(name) { wr_v128 r = wr_simd_##name(T1); sp++; PUT(2, r); NEXT(); }
#define SIMD_NONE_I32_____V128(name) SIMD_SPLAT(name)
#define SIMD_NONE_I64_____V128(name) SIMD_SPLAT(name)
#define SIMD_NONE_F32_____V128(name) SIMD_SPLAT(name)
#define SIMD_NONE_F64_____V128(name) SIMD_SPLAT(name)
  /* lanes */
#define SIMD_EXTRACT(name) { unsigned l = *ip++; uint64_t r = wr_simd_##name(V(2), l); sp--; T1 = r; NEXT(); }
#define SIMD_LANE_V128_____I32(name) SIMD_EXTRACT(name)
#define SIMD_LANE_V128_____I64(name) SIMD_EXTRACT(name)
#define SIMD_LANE_V128_____F32(name) SIMD_EXTRACT(name)
#define SIMD_LANE_V128_____F64(name) SIMD_EXTRACT(name)
#define SIMD_REPLACE(name) { unsigned l = *ip++; wr_v128 r = wr_simd_##name(V(3), T1, l); sp--; PUT(2, r); NEXT(); }
#define SIMD_LANE_V128_I32___V128(name) SIMD_REPLACE(name)
#define SIMD_LANE_V128_I64___V128(name) SIMD_REPLACE(name)
#define SIMD_LANE_V128_F32___V128(name) SIMD_REPLACE(name)
#define SIMD_LANE_V128_F64___V128(name) SIMD_REPLACE(name)
#define SIMD_SHUFFLE_V128_V128___V128(name) \
  { wr_v128 r = wr_simd_##name(V(4), V(2), ip); ip += 16; sp -= 2; PUT(2, r); NEXT(); }
#define SIMD_V128_______V128(name) { memcpy(sp, ip, 16); ip += 16; sp += 2; NEXT(); }
  /* memory: the address is an i32 below the v128 operand, if any */
#define SIMD_MEMARG_I32_____V128(name) { MEMARG(); wr_v128 r = wr_simd_##name(EA(T1)); sp++; PUT(2, r); NEXT(); }
#define SIMD_MEMARG_I32_V128____(name) { MEMARG(); wr_simd_##name(EA(sp[-3]), V(2)); sp -= 3; NEXT(); }
#define SIMD_MEMARG_LANE_I32_V128___V128(name) \
  { MEMARG(); unsigned l = *ip++; wr_v128 r = wr_simd_##name(EA(sp[-3]), V(2), l); sp--; PUT(2, r); NEXT(); }
#define SIMD_MEMARG_LANE_I32_V128____(name) \
  { MEMARG(); unsigned l = *ip++; wr_simd_##name(EA(sp[-3]), V(2), l); sp -= 3; NEXT(); }
#define SIMD_ROW_0x00(...)
#define SIMD_ROW_0xFC(...)
#define SIMD_ROW_0xFD(name, imm, p1, p2, p3, r) L_##name: SIMD_##imm##_##p1##_##p2##_##p3##_##r(name)
#define OP(name, text, prefix, code, imm, align, lanes, p1, p2, p3, r) SIMD_ROW_##prefix(name, imm, p1, p2, p3, r)
#include "wasm/opcodes.def"
#undef OP
#undef V
#undef PUT
#undef MEMARG

L_ILLEGAL:
  TRAP(UNREACHABLE);

#undef NEXT
#undef TRAP
}

static int classic_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  return wr_interp_enter(ex, f, args_results, run);
}

const wr_mode_ops wr_classic_ops = {
    .entry = classic_entry,
};
