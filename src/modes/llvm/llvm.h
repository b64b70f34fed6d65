/* llvm.h: the LLVM backend shared by llvm-jit and aot: a validated module to LLVM
 * IR, the optimisation pipeline, and the compiling of one part of a module to an
 * object (part.c). */
#ifndef WR_MODES_LLVM_H
#define WR_MODES_LLVM_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "runtime/runtime.h"

/* Adds to M (in its context) one function per defined function of m, or, when
 * func_part is not NULL, per defined function f with func_part[f - imported] ==
 * part (the others are declared, with external linkage, for calls between parts):
 *   wasm_func_N   internal (unless split), the native signature: (ptr ctx, params...) -> results
 *                 (void, the one result, or a struct of several);
 *   wasm_entry_N  external, the uniform one: void (ptr ctx, ptr args_results), with
 *                 arguments and results in 64-bit slots as wr_entry_fn has them; only
 *                 for the functions reachable from outside (wr_llvm_has_entry).
 * N is the index in the function space. cpu and features (may be NULL) become the
 * functions' target attributes. Returns 0 or WR_ERR_UNSUPPORTED (SIMD). */
int wr_llvm_translate(LLVMModuleRef M, const wr_module *m, const uint32_t *func_part, uint32_t part,
                      const char *cpu, const char *features, wr_error *err);

/* Whether function f (an index in the function space) can be called from outside
 * the module's code, and so gets a wasm_entry_N: exported, in a table or global
 * (C.4's declared functions), or the start function. */
bool wr_llvm_has_entry(const wr_module *m, uint32_t f);

/* Runs the new pass manager's default<O{level}> pipeline over M for tm, or for
 * level WR_LLVM_OPT_CHEAP a short one (SROA, early CSE, CFG simplification) for
 * code that is to be compiled quickly rather than well. */
#define WR_LLVM_OPT_CHEAP (-1)
int wr_llvm_optimize(LLVMModuleRef M, LLVMTargetMachineRef tm, int level, wr_error *err);

/* One part of a module to compile (func_part and part as for wr_llvm_translate):
 * the caller fills in what is above obj; wr_llvm_compile_part fills in the rest. */
typedef struct wr_llvm_part {
  const char *mode;          /* "llvm-jit" or "aot": the first word of its error messages */
  int target_code;           /* the error code when there is no target or target machine */
  const wr_module *m;
  const uint32_t *func_part; /* NULL when the module is one part */
  uint32_t part;
  int opt, cg; /* the pipeline's level (0 to 3, or WR_LLVM_OPT_CHEAP) and the code generator's (0 to 3) */
  const char *triple, *cpu, *features;
  const char *layout;               /* the data layout, or NULL for the target machine's */
  void (*prepare)(LLVMModuleRef M); /* run after translation, or NULL */
  LLVMMemoryBufferRef obj;          /* the result: an object file, or NULL and rc < 0 with err */
  double t_ir, t_opt, t_code;       /* seconds spent in translation, optimisation, code generation */
  wr_error err;
  int rc;
} wr_llvm_part;

/* Translates, optimises and compiles one part in a context and target machine of
 * its own (so parts may run on threads of their own); $WR_LLVM_VERIFY verifies the
 * IR, $WR_LLVM_DUMP prints it after optimisation. */
void wr_llvm_compile_part(wr_llvm_part *j);

/* Initialises LLVM's native target once; false when the build has none. */
bool wr_llvm_init(void);
/* A monotonic clock in seconds, for the statistics ($WR_LLVM_STATS). */
double wr_llvm_now(void);
/* The cores this thread may run on (sched_getaffinity: one system call). */
uint32_t wr_llvm_cores(void);

#endif
