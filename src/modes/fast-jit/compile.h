/* compile.h: what the files of the fast-jit compiler share (compile.c: control
 * and the pass over a function; values.c: the compile-time value stack, register
 * allocation and spilling; ops.c: calls, memory and arithmetic; simd.c: the v128
 * instructions). Internal to src/modes/fast-jit/. */
#ifndef WR_FASTJIT_COMPILE_H
#define WR_FASTJIT_COMPILE_H

#include <stdlib.h>
#include <string.h>

#include "modes/fast-jit/fastjit.h"

enum { L_SLOT, L_LOCAL, L_CONST, L_REG, L_FLAGS };
enum { T_I32, T_I64, T_F32, T_F64, T_V128 };
enum { C_FUNC, C_BLOCK, C_LOOP, C_IF };
#define NONE (-1)
#define API_OFF ((int32_t)offsetof(wr_ctx, api))

typedef struct ventry {
  uint8_t kind, type, reg, cc;
  uint32_t slot;  /* the first of its temp slots (from tb): the slots of the entries below it */
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

/* A 16-byte constant of the function's pool (after its code, 16-byte aligned),
 * with the chain of the rip-relative references still to point at it. */
typedef struct vconst {
  uint8_t bytes[16];
  int32_t refs;
} vconst;

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
  uint32_t busy;      /* registers with an owner (bit r: owner[r] >= 0) */
  uint32_t locked;    /* registers the current instruction holds */
  int32_t flags_at;   /* the L_FLAGS entry, or -1 */
  /* Locals whose current value a free register still holds (written through:
   * the slot is always right too); forgotten at labels and calls, and when the
   * register is handed out. */
  int32_t reg_local[32]; /* per register: the local, or -1 */
  int8_t *local_reg;     /* per local: the register, or -1 */
  /* Locals kept in a register for the whole function (pinned): per local its
   * register or -1 (GP, or 16+XMM). The prologue saves the registers and the
   * epilogue restores them: compiled code keeps them across calls; around calls
   * of C the XMM ones are stored to their locals' slots and loaded again. */
  int8_t *pin;
  uint8_t pin_regs[4], npin; /* GP, pushed */
  uint8_t npinx;             /* XMM: xmm12.. up, saved at xsave */
  uint32_t pinx_local[4];    /* the local in xmm12 + k */
  uint32_t xsave;            /* slot of the XMM save area (2 slots each) */
  uint32_t caching;      /* registers with reg_local >= 0 */
  int32_t trap_chain[WR_TRAP_COUNT];
  vconst *vc; /* the constant pool */
  uint32_t nvc, capvc;
  bool oom;
} jc;

/* Registers: GP rax, rcx and rdx and XMM 0 and 1 are each instruction's scratch;
 * rsi, rdi, r8..r11 and xmm2..xmm11 hold values; rbx, r12, r13, rbp and
 * xmm12..xmm15 hold pinned locals and are callee-saved in compiled code; r14, r15
 * are the memory base and wr_ctx; rsp is the frame. */
#define XMM_PIN0 12
#define XMM(i) (16 + (i))

static inline xrm slot_mem(uint32_t slot) { return xm(RSP, (int32_t)(slot * 8)); }
/* Whether values of the type live in XMM registers (floats and v128). */
static inline bool in_xmm(uint8_t type) { return type == T_F32 || type == T_F64 || type == T_V128; }
static inline uint32_t type_slots(uint8_t type) { return type == T_V128 ? 2 : 1; }
static inline bool is64(uint8_t type) { return type == T_I64 || type == T_F64; }

static inline uint8_t type_of(wr_valtype v) {
  switch (v) {
    case WR_I32: return T_I32;
    case WR_F32: return T_F32;
    case WR_F64: return T_F64;
    case WR_V128: return T_V128;
    default: return T_I64; /* i64, references */
  }
}

/* ---- emission --------------------------------------------------------------- */

#define E(t) ((t)->b)
static inline void rr(jc *t, int f, int r, int rm) { x_rr(E(t), f, r, rm); }
static inline void rm(jc *t, int f, int r, xrm m) { x_rm(E(t), f, r, m); }
static inline void mi(jc *t, int f, xrm m, int64_t imm) { x_mi(E(t), f, m, imm); }

/* The frame slot of local l (a v128 local takes two). */
static inline uint32_t local_slot(jc *t, uint32_t l) { return t->fn->local_slot ? t->fn->local_slot[l] : l; }
/* The temp slot (from tb) of stack height i: past the slots of the entries below. */
static inline uint32_t height_slot(jc *t, uint32_t i) {
  return i ? t->st[i - 1].slot + type_slots(t->st[i - 1].type) : 0;
}
/* The frame slot of stack entry i's own temp. */
static inline xrm temp_mem(jc *t, uint32_t i) { return slot_mem(t->tb + t->st[i].slot); }

/* fj_float_cmp's comparisons */
enum { FC_EQ, FC_NE, FC_LT, FC_GT, FC_LE, FC_GE };

/* values.c */
void fj_cache_local(jc *t, uint32_t l, int r);
void fj_uncache_local(jc *t, uint32_t l);
void fj_forget_locals(jc *t);
int fj_alloc_for(jc *t, uint8_t type);
int fj_alloc_gp(jc *t);
int fj_alloc_xmm(jc *t);
void fj_call_api(jc *t, int32_t off);
void fj_call_c(jc *t, int32_t off);
void fj_save_pinned_xmm(jc *t, bool restore);
void fj_push_local_value(jc *t, uint32_t l);
int fj_dest_reg(jc *t, uint32_t i);
void fj_detach_local(jc *t, uint32_t l);
void fj_flush(jc *t);
int32_t fj_jump_fwd(jc *t, int cc, int32_t chain);
void fj_jump_to(jc *t, int cc, size_t target);
void fj_label_here(jc *t, int32_t chain);
void fj_load_into(jc *t, int r, uint32_t i);
void fj_lock(jc *t, uint32_t i);
void fj_materialize_flags(jc *t);
xrm fj_mem_of(jc *t, uint32_t i);
void fj_mov_imm(jc *t, int r, uint64_t v);
int32_t fj_new_patch(jc *t, size_t pos, size_t base, int32_t next);
void fj_pop(jc *t);
void fj_popn(jc *t, uint32_t n);
void fj_push_const(jc *t, uint8_t type, uint64_t v);
void fj_push_flags(jc *t, int cc);
void fj_push_local(jc *t, uint32_t l);
void fj_push_reg(jc *t, uint8_t type, int r);
void fj_push_slot(jc *t, uint8_t type);
void fj_put(jc *t, xrm dst, uint32_t i);
void fj_put_rel(jc *t, size_t pos, size_t base, size_t target);
xrm fj_rm_of(jc *t, uint32_t i, int scratch);
void fj_spill_regs(jc *t);
void fj_store_reg(jc *t, xrm dst, int r, uint8_t type);
void fj_top_to_slots(jc *t, uint32_t n);
void fj_trap_if(jc *t, int cc, wr_trap_kind kind);
int fj_xmm_of(jc *t, uint32_t i, int scratch);

/* simd.c */
int fj_simd(jc *t, uint32_t op, const uint8_t **ip);
void fj_emit_vconsts(jc *t);

/* ops.c */
xrm fj_address(jc *t, uint32_t off);
void fj_call(jc *t, uint32_t idx);
void fj_call_indirect(jc *t, uint32_t type, uint32_t table);
void fj_cvt_float(jc *t, int form, uint8_t rtype);
void fj_cvt_int(jc *t, int form, bool zext, uint8_t rtype);
void fj_divrem(jc *t, bool w, bool sign, bool rem);
void fj_float_binop(jc *t, int form);
void fj_float_cmp(jc *t, bool d, int op);
void fj_float_sign(jc *t, bool d, int what);
void fj_float_unop(jc *t, int form, int imm);
void fj_helper(jc *t, int32_t off, uint32_t nops, const int *order, unsigned nargs, const uint64_t *imms, int rtype);
void fj_int_binop(jc *t, bool w, int f_rm, int f_i8, int f_i32, bool commutes);
void fj_int_cmp(jc *t, bool w, int cc);
void fj_int_eqz(jc *t, bool w);
void fj_int_mul(jc *t, bool w);
void fj_int_unop(jc *t, int form, uint8_t rtype);
void fj_load(jc *t, int form, uint8_t rtype, uint32_t off);
void fj_num_helper(jc *t, int h, uint32_t nops, uint8_t rtype);
void fj_reinterpret(jc *t, uint8_t rtype);
void fj_select_op(jc *t);
void fj_shift(jc *t, bool w, int f_cl, int f_i8);
void fj_store(jc *t, unsigned width, uint32_t off);

#endif
