/* llvm.h: the LLVM backend shared by llvm-jit and (later) aot: a validated module
 * to LLVM IR, and the optimisation pipeline. */
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

#endif
