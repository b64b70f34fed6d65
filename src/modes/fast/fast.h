/* fast.h: the fast interpreter's translated code, shared by its translator
 * (translate.c) and its interpreter loop (interp.c).
 *
 * Translated code is an array of 16-bit units. Each instruction is its handler
 * (as a 32-bit offset from a base label of the loop, in two units) followed by
 * its operands: frame slot indices relative to fp in one unit each, then 32-bit
 * immediates, indices and branch targets (relative to the first unit that holds
 * them) in two. A function whose frame has 65536 slots or more is not translated
 * but runs in classic (CLASSIC). Two-unit values are read and written with
 * rd32/wr32, as units are only 2-byte aligned.
 *
 * A frame is  fp -> [params | locals | header (3) | operand temps]: nothing but
 * the declared locals is initialised on a call. Constants are not slots (a frame
 * would have to be filled with them on every call): they are immediates of the
 * _I forms below, or written to a temp by CONST where no such form exists. An
 * operand at stack height h always lives in slot temps + h, which is what makes
 * block merges free of copies. A call's arguments are the caller's topmost temps,
 * which become the callee's first slots in place. */
#ifndef WR_MODES_FAST_H
#define WR_MODES_FAST_H

#include <string.h>

#include "modes/modes.h"

typedef uint16_t fcode;

static inline uint32_t rd32(const fcode *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void wr32(fcode *p, uint32_t v) { memcpy(p, &v, sizeof v); }

/* Fusable comparisons: name, operand type, expression on a and b. */
#define FAST_CMPS(X)                                                            \
  X(I32_EQ, uint32_t, a == b) X(I32_NE, uint32_t, a != b)                       \
  X(I32_LT_S, uint32_t, (int32_t)a < (int32_t)b) X(I32_LT_U, uint32_t, a < b)   \
  X(I32_GT_S, uint32_t, (int32_t)a > (int32_t)b) X(I32_GT_U, uint32_t, a > b)   \
  X(I32_LE_S, uint32_t, (int32_t)a <= (int32_t)b) X(I32_LE_U, uint32_t, a <= b) \
  X(I32_GE_S, uint32_t, (int32_t)a >= (int32_t)b) X(I32_GE_U, uint32_t, a >= b) \
  X(I64_EQ, uint64_t, a == b) X(I64_NE, uint64_t, a != b)                       \
  X(I64_LT_S, uint64_t, (int64_t)a < (int64_t)b) X(I64_LT_U, uint64_t, a < b)   \
  X(I64_GT_S, uint64_t, (int64_t)a > (int64_t)b) X(I64_GT_U, uint64_t, a > b)   \
  X(I64_LE_S, uint64_t, (int64_t)a <= (int64_t)b) X(I64_LE_U, uint64_t, a <= b) \
  X(I64_GE_S, uint64_t, (int64_t)a >= (int64_t)b) X(I64_GE_U, uint64_t, a >= b)

/* A 32-bit immediate as an operand of type T: i64 immediates are sign-extended,
 * f64 ones are the f32 that converts exactly to the constant (the translator
 * checks the round trip), so 1.0, 0.5 or 2.0 need no CONST. */
#define IMM_uint32_t(x) ((uint32_t)(x))
#define IMM_uint64_t(x) ((uint64_t)(int64_t)(int32_t)(x))
#define IMM_float(x) f32_of(x)
#define IMM_double(x) ((double)f32_of(x))

/* Binary operators with accumulator forms: name, operand type, slot -> operand,
 * result -> slot, expression. When an instruction's result is consumed by the very
 * next one, the pair passes it in a register (the accumulator) instead of a temp,
 * taking a store and a dependent load off the critical path. Forms, all with the
 * operand layout of the plain one (the unused slot operand is ignored):
 *   _A  result to acc;  _XA / _XB  operand a / b from acc;  _AA / _AB  both;
 * and with operand b an immediate (op dst a imm):
 *   _I  plain;  _IA  result to acc;  _XI  a from acc;  _XIA  both. */
#define U32_ (uint32_t)
#define U64_ (uint64_t)
#define FAST_ACC_OPS(X)                                                                     \
  X(I32_ADD, uint32_t, U32_, U32_, a + b) X(I32_SUB, uint32_t, U32_, U32_, a - b)           \
  X(I32_MUL, uint32_t, U32_, U32_, a * b) X(I32_AND, uint32_t, U32_, U32_, a & b)           \
  X(I32_OR, uint32_t, U32_, U32_, a | b) X(I32_XOR, uint32_t, U32_, U32_, a ^ b)            \
  X(I32_SHL, uint32_t, U32_, U32_, a << (b & 31))                                           \
  X(I32_SHR_S, uint32_t, U32_, U32_, (int32_t)a >> (b & 31))                                \
  X(I32_SHR_U, uint32_t, U32_, U32_, a >> (b & 31))                                         \
  X(I32_EQ, uint32_t, U32_, U32_, a == b) X(I32_NE, uint32_t, U32_, U32_, a != b)           \
  X(I32_LT_S, uint32_t, U32_, U32_, (int32_t)a < (int32_t)b)                                \
  X(I32_LT_U, uint32_t, U32_, U32_, a < b)                                                  \
  X(I32_GT_S, uint32_t, U32_, U32_, (int32_t)a > (int32_t)b)                                \
  X(I32_GT_U, uint32_t, U32_, U32_, a > b)                                                  \
  X(I32_LE_S, uint32_t, U32_, U32_, (int32_t)a <= (int32_t)b)                               \
  X(I32_LE_U, uint32_t, U32_, U32_, a <= b)                                                 \
  X(I32_GE_S, uint32_t, U32_, U32_, (int32_t)a >= (int32_t)b)                               \
  X(I32_GE_U, uint32_t, U32_, U32_, a >= b)                                                 \
  X(I64_ADD, uint64_t, U64_, U64_, a + b) X(I64_SUB, uint64_t, U64_, U64_, a - b)           \
  X(I64_MUL, uint64_t, U64_, U64_, a * b) X(I64_AND, uint64_t, U64_, U64_, a & b)           \
  X(I64_OR, uint64_t, U64_, U64_, a | b) X(I64_XOR, uint64_t, U64_, U64_, a ^ b)            \
  X(I64_SHL, uint64_t, U64_, U64_, a << (b & 63))                                           \
  X(I64_SHR_S, uint64_t, U64_, U64_, (int64_t)a >> (b & 63))                                \
  X(I64_SHR_U, uint64_t, U64_, U64_, a >> (b & 63))                                         \
  X(I64_EQ, uint64_t, U64_, U32_, a == b) X(I64_NE, uint64_t, U64_, U32_, a != b)           \
  X(I64_LT_S, uint64_t, U64_, U32_, (int64_t)a < (int64_t)b)                                \
  X(I64_LT_U, uint64_t, U64_, U32_, a < b)                                                  \
  X(I64_GT_S, uint64_t, U64_, U32_, (int64_t)a > (int64_t)b)                                \
  X(I64_GT_U, uint64_t, U64_, U32_, a > b)                                                  \
  X(I64_LE_S, uint64_t, U64_, U32_, (int64_t)a <= (int64_t)b)                               \
  X(I64_LE_U, uint64_t, U64_, U32_, a <= b)                                                 \
  X(I64_GE_S, uint64_t, U64_, U32_, (int64_t)a >= (int64_t)b)                               \
  X(I64_GE_U, uint64_t, U64_, U32_, a >= b)                                                 \
  X(F32_ADD, float, f32_of, bits_f32, a + b) X(F32_SUB, float, f32_of, bits_f32, a - b)     \
  X(F32_MUL, float, f32_of, bits_f32, a * b) X(F32_DIV, float, f32_of, bits_f32, a / b)     \
  X(F64_ADD, double, f64_of, bits_f64, a + b) X(F64_SUB, double, f64_of, bits_f64, a - b)   \
  X(F64_MUL, double, f64_of, bits_f64, a * b) X(F64_DIV, double, f64_of, bits_f64, a / b)

/* Loads (name, memory type, slot of the loaded value) with the forms _A, _XA
 * (address from acc) and _AA; stores (name, memory type) with _XA (address from
 * acc), _XB (value from acc), and with the value an immediate (sign-extended from
 * 32 bits): _I (op addr imm offset) and _XI (its address from acc). */
#define FAST_ACC_LOADS(X)                                                                   \
  X(I32_LOAD, uint32_t, AS_U32(v)) X(I64_LOAD, uint64_t, v) X(F32_LOAD, uint32_t, AS_U32(v)) \
  X(F64_LOAD, uint64_t, v) X(I32_LOAD8_S, int8_t, AS_U32((int32_t)v))                        \
  X(I32_LOAD8_U, uint8_t, AS_U32(v)) X(I32_LOAD16_S, int16_t, AS_U32((int32_t)v))            \
  X(I32_LOAD16_U, uint16_t, AS_U32(v)) X(I64_LOAD8_S, int8_t, AS_U64((int64_t)v))            \
  X(I64_LOAD8_U, uint8_t, AS_U64(v)) X(I64_LOAD16_S, int16_t, AS_U64((int64_t)v))            \
  X(I64_LOAD16_U, uint16_t, AS_U64(v)) X(I64_LOAD32_S, int32_t, AS_U64((int64_t)v))          \
  X(I64_LOAD32_U, uint32_t, AS_U64(v))
#define FAST_ACC_STORES(X)                                                                  \
  X(I32_STORE, uint32_t) X(I64_STORE, uint64_t) X(F32_STORE, uint32_t) X(F64_STORE, uint64_t) \
  X(I32_STORE8, uint8_t) X(I32_STORE16, uint16_t) X(I64_STORE8, uint8_t)                     \
  X(I64_STORE16, uint16_t) X(I64_STORE32, uint32_t)

/* Internal instructions beyond the wasm ones:
 *   MOV dst src | CONST dst lo hi | CONST32 dst v (zero-extended) | JMP rel | JNZ c rel | JZ c rel
 *   BR_TABLE_F i n k*(n+1) rel*m: entry k (one unit) indexes the m distinct targets
 *   BR_TABLE_W i n rel*(n+1): the same with a target per entry (more than 65535 targets)
 *   RET hdr | RET1 hdr src | CALL_F func argslot
 *   CALL_D func argslot (a function defined in this module: same instance, fast)
 *   CALL_INDIRECT_F type table i argslot | JT_<cmp>/JF_<cmp> a b rel
 *   JTI_<cmp>/JFI_<cmp> a imm rel | CLASSIC hdr (then RET hdr): run this frame in classic */
#define FAST_EXTRA(X) X(MOV) X(CONST) X(CONST32) X(JMP) X(JNZ) X(JZ) X(BR_TABLE_F) X(BR_TABLE_W) X(RET) X(RET1) X(CALL_F) X(CALL_D) X(CALL_INDIRECT_F) X(CLASSIC)

/* SIMD: every 0xFD row is an instruction of the same name (but v128.const, which
 * becomes two constant slots). A v128 operand is one unit, its low slot (the high
 * one follows); the forms are, by the row's immediate kind and operand types:
 *   op dst a [b [c]] | op dst a n (shifts) | op dst x (splats)
 *   op dst a lane | op dst a x lane (extract, replace) | op dst a b lanes*8 (shuffle)
 *   op dst addr offset (loads) | op addr v offset (store)
 *   op dst addr v offset lane | op addr v offset lane (lane loads, stores)
 * and the extras for v128 values: SELECT_V128 dst a b c | GLOBAL_GET_V128 dst global
 * | GLOBAL_SET_V128 src global | MOV_V128 dst src | CONST_V128 dst bytes*8. A v128
 * is moved as one 16-byte value: reading one whose halves were just written apart
 * would wait for both stores. */
#define FAST_SIMD_EXTRA(X) X(SELECT_V128) X(GLOBAL_GET_V128) X(GLOBAL_SET_V128) X(MOV_V128) X(CONST_V128)

/* Internal opcodes: the rows of opcodes.def, then the extras and the fused
 * compare-and-branch pairs. */
#define FAST_ROW_0x00(name) FOP_##name,
#define FAST_ROW_0xFC(name) FOP_##name,
#define FAST_ROW_0xFD(name) FOP_##name,
enum fast_op {
#define OP(name, text, prefix, code, ...) FAST_ROW_##prefix(name)
#include "wasm/opcodes.def"
#undef OP
#define X(name) FOP_##name,
  FAST_EXTRA(X)
  FAST_SIMD_EXTRA(X)
#undef X
#define X(name, T, e) FOP_JT_##name, FOP_JF_##name, FOP_JTI_##name, FOP_JFI_##name,
  FAST_CMPS(X)
#undef X
#define X(name, ...) FOP_##name##_A, FOP_##name##_XA, FOP_##name##_XB, FOP_##name##_AA, FOP_##name##_AB, \
    FOP_##name##_I, FOP_##name##_IA, FOP_##name##_XI, FOP_##name##_XIA,
  FAST_ACC_OPS(X)
#undef X
#define X(name, ...) FOP_##name##_A, FOP_##name##_XA, FOP_##name##_AA,
  FAST_ACC_LOADS(X)
#undef X
#define X(name, ...) FOP_##name##_XA, FOP_##name##_XB, FOP_##name##_I, FOP_##name##_XI,
  FAST_ACC_STORES(X)
#undef X
  FOP_COUNT
};

typedef struct fast_func {
  wr_funcinst *self;     /* NULL until the first call (translated or not) */
  fcode *code;
  uint32_t len;          /* units */
  uint32_t nparams;      /* param slots */
  uint32_t nlocals;      /* param + declared local slots */
  uint32_t hdr;          /* slot of the frame header: return ip, caller fp, caller fn */
  uint32_t frame_slots;  /* whole frame, temps included */
} fast_func;

typedef struct fast_inst {
  fast_func *funcs; /* per defined function, by value: a call finds its callee's
                       translation by index, without loading a pointer first */
  uint64_t wasm_bytes, code_bytes; /* of the translated functions, for --stats-like reports */
} fast_inst;

/* Handler offsets of the loop, indexed by enum fast_op (interp.c). */
const int32_t *wr_fast_handlers(void);
/* Translates defined function `def` of inst (translate.c). */
int wr_fast_translate(wr_instance *inst, uint32_t def, fast_func *out, wr_error *err);
void wr_fast_func_free(fast_func *f);

#endif
