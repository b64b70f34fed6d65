/* part.c: what llvm-jit (jit.c) and the AOT compiler (aot-compile.c) share in
 * compiling a module part by part: one part to an object in memory (its own LLVM
 * context and target machine: translated, optionally verified, optimised, given
 * to the code generator), the one-time native target set-up, the clock the
 * statistics use and the count of cores the parts are spread over. */
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "modes/llvm/llvm.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void init_native(void) {
  init_ok = LLVMInitializeNativeTarget() == 0 && LLVMInitializeNativeAsmPrinter() == 0;
}

bool wr_llvm_init(void) {
  pthread_once(&init_once, init_native);
  return init_ok;
}

double wr_llvm_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint32_t wr_llvm_cores(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) < 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? (uint32_t)n : 1;
}

void wr_llvm_compile_part(wr_llvm_part *j) {
  static const LLVMCodeGenOptLevel cg_levels[4] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                  LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
  double t0 = wr_llvm_now();
  char *msg = NULL;
  LLVMContextRef C = LLVMContextCreate();
  LLVMModuleRef M = LLVMModuleCreateWithNameInContext("wasm", C);
  LLVMTargetMachineRef tm = NULL;
  LLVMTargetDataRef layout = NULL;
  LLVMTargetRef target;
  if (LLVMGetTargetFromTriple(j->triple, &target, &msg)) {
    j->rc = wr_err(&j->err, j->target_code, "%s: target %s: %s", j->mode, j->triple, msg ? msg : "unknown");
    goto out;
  }
  tm = LLVMCreateTargetMachine(target, j->triple, j->cpu, j->features, cg_levels[j->cg], LLVMRelocPIC,
                               LLVMCodeModelSmall);
  if (!tm) {
    j->rc = wr_err(&j->err, j->target_code, "%s: no target machine for %s (%s)", j->mode, j->triple, j->cpu);
    goto out;
  }
  LLVMSetTarget(M, j->triple);
  if (j->layout) {
    LLVMSetDataLayout(M, j->layout);
  } else {
    layout = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(M, layout);
  }
  if ((j->rc = wr_llvm_translate(M, j->m, j->func_part, j->part, j->cpu, j->features, &j->err)) < 0) goto out;
  if (j->prepare) j->prepare(M);
  j->t_ir = wr_llvm_now() - t0;
  if (getenv("WR_LLVM_VERIFY") && LLVMVerifyModule(M, LLVMPrintMessageAction, NULL)) {
    j->rc = wr_err(&j->err, WR_ERR_IO, "%s: the generated IR does not verify", j->mode);
    goto out;
  }
  if ((j->rc = wr_llvm_optimize(M, tm, j->opt, &j->err)) < 0) goto out;
  j->t_opt = wr_llvm_now() - t0 - j->t_ir;
  if (getenv("WR_LLVM_DUMP")) LLVMDumpModule(M);
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, M, LLVMObjectFile, &msg, &j->obj)) {
    j->rc = wr_err(&j->err, WR_ERR_IO, "%s: code generation: %s", j->mode, msg ? msg : "unknown");
    j->obj = NULL;
  }
  j->t_code = wr_llvm_now() - t0 - j->t_ir - j->t_opt;
out:
  LLVMDisposeMessage(msg);
  if (layout) LLVMDisposeTargetData(layout);
  if (tm) LLVMDisposeTargetMachine(tm);
  LLVMDisposeModule(M);
  LLVMContextDispose(C);
}
