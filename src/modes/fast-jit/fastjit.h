/* fastjit.h: what the fast-jit compiler (compile.c) and the mode around it
 * (jit.c) share: the per-instance state compiled code reaches through
 * wr_ctx.api, and the compiler's entry points.
 *
 * Compiled code's conventions: r15 holds the wr_ctx *, r14 the base of memory 0,
 * both for the whole run; a function's internal entry takes the uniform
 * args_results array in rsi (arguments in, results out, in place) and may clobber
 * every other register. Frames are slots of 8 bytes addressed from rsp, which is
 * 16-byte aligned inside a body. Code from C enters through the module's
 * trampoline (the first bytes of its code), which saves the callee-saved
 * registers and sets r15 and r14. */
#ifndef WR_FASTJIT_H
#define WR_FASTJIT_H

#include <stdint.h>

#include "modes/fast-jit/encoder.h"
#include "modes/llvm/rt.h"
#include "runtime/runtime.h"

/* Numeric helpers too rare or too long to inline, called as
 * uint64_t fn(wr_ctx *ctx, uint64_t a, uint64_t b, uint32_t func); the trapping
 * conversions trap in function `func`. */
#define FJ_HELPERS(X)                                                                  \
  X(F32_MIN) X(F32_MAX) X(F64_MIN) X(F64_MAX)                                           \
  X(I32_TRUNC_F32_S) X(I32_TRUNC_F32_U) X(I32_TRUNC_F64_S) X(I32_TRUNC_F64_U)            \
  X(I64_TRUNC_F32_S) X(I64_TRUNC_F32_U) X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U)            \
  X(I32_TRUNC_SAT_F32_S) X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S) X(I32_TRUNC_SAT_F64_U) \
  X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U) X(I64_TRUNC_SAT_F64_S) X(I64_TRUNC_SAT_F64_U) \
  X(F32_CONVERT_I64_U) X(F64_CONVERT_I64_U)

enum {
#define X(n) FJ_H_##n,
  FJ_HELPERS(X)
#undef X
  FJ_NHELPERS
};

/* Per instance; ctx->api points at its first member. */
typedef struct fj_inst {
  struct wr_rt_api api;
  void *num[FJ_NHELPERS]; /* right after api: compiled code reads them from there */
  uint8_t *code;          /* the executable mapping */
  size_t code_size;       /* its length (page multiple) */
  void **entries;         /* per defined function: its internal entry */
  wr_instance *inst;
  uint32_t ndef;
} fj_inst;

#define FJ_NUM_OFFSET(i) (offsetof(fj_inst, num) + (size_t)(i) * sizeof(void *))

/* Compiles defined function `def` of inst's module into b (at b->len), adding its
 * direct calls to the relocation list. Returns 0, or a negative code with err. */
typedef struct fj_reloc {
  size_t pos;      /* the rel32 field */
  uint32_t callee; /* defined function index */
} fj_reloc;
typedef struct fj_relocs {
  fj_reloc *r;
  size_t n, cap;
} fj_relocs;
int wr_fj_compile(wr_instance *inst, uint32_t def, xbuf *b, fj_relocs *relocs, wr_error *err);
/* The helpers' addresses, for fj_inst.num. */
void wr_fj_helpers(void **num);

#endif
