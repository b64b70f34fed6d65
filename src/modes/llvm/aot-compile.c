/* aot-compile.c: the AOT compiler, in the LLVM plugin (aot-cache/compiler.h):
 * module -> LLVM IR (translate.c, as for llvm-jit) -> optimised at the level asked
 * -> an ELF relocatable object for the host CPU -> an image (aot-cache/writer.c).
 *
 * The code generator is set so that the object holds only what the writer can
 * place: position-independent code in the small code model (references to
 * constants and jump tables are PC-relative), every symbol hidden (no GOT), and
 * "no-builtins" on every function so that no optimisation turns a loop into a
 * call of memset or memcpy, which an image, reaching the runtime only through
 * wr_ctx, could not make. */
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aot-cache/compiler.h"
#include "aot-cache/image.h"
#include "modes/llvm/llvm.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void init_llvm(void) {
  init_ok = LLVMInitializeNativeTarget() == 0 && LLVMInitializeNativeAsmPrinter() == 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Hidden symbols and no library calls (see above). */
static void prepare_functions(LLVMModuleRef M) {
  LLVMContextRef C = LLVMGetModuleContext(M);
  LLVMAttributeRef nb = LLVMCreateStringAttribute(C, "no-builtins", 11, "", 0);
  for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f)) continue;
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, nb);
    if (LLVMGetLinkage(f) != LLVMInternalLinkage) LLVMSetVisibility(f, LLVMHiddenVisibility);
  }
}

static int compile(const uint8_t *wasm, size_t len, int opt, const uint8_t key[32], const char *fingerprint,
                   int out_fd, wr_error *err) {
  if (opt < 0 || opt > 3) return wr_err(err, WR_ERR_USAGE, "aot: optimisation level %d (expected 0 to 3)", opt);
  wr_module *m = NULL;
  int rc = wr_module_load(wasm, len, &m, err);
  if (rc < 0) return rc;
  if (m->uses_simd) {
    wr_module_free(m);
    return wr_err(err, WR_ERR_UNSUPPORTED, "aot: the module uses SIMD (v128), which the aot mode does not run yet");
  }
  pthread_once(&init_once, init_llvm);
  if (!init_ok) {
    wr_module_free(m);
    return wr_err(err, WR_ERR_UNSUPPORTED, "aot: LLVM has no native target in this build");
  }
  double t0 = now();
  char *triple = LLVMGetDefaultTargetTriple();
  char *cpu = LLVMGetHostCPUName();
  char *features = LLVMGetHostCPUFeatures();
  char *msg = NULL;
  LLVMContextRef C = LLVMContextCreate();
  LLVMModuleRef M = LLVMModuleCreateWithNameInContext("wasm", C);
  LLVMTargetMachineRef tm = NULL;
  LLVMTargetDataRef layout = NULL;
  LLVMMemoryBufferRef obj = NULL;
  LLVMTargetRef target;
  double t_ir = 0, t_opt = 0, t_code = 0;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "aot: target %s: %s", triple, msg ? msg : "unknown");
    goto out;
  }
  static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault,
                                               LLVMCodeGenLevelAggressive};
  tm = LLVMCreateTargetMachine(target, triple, cpu, features, levels[opt], LLVMRelocPIC, LLVMCodeModelSmall);
  if (!tm) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "aot: no target machine for %s (%s)", triple, cpu);
    goto out;
  }
  layout = LLVMCreateTargetDataLayout(tm);
  LLVMSetTarget(M, triple);
  LLVMSetModuleDataLayout(M, layout);
  if ((rc = wr_llvm_translate(M, m, NULL, 0, cpu, features, err)) < 0) goto out;
  prepare_functions(M);
  t_ir = now() - t0;
  if (getenv("WR_LLVM_VERIFY") && LLVMVerifyModule(M, LLVMPrintMessageAction, NULL)) {
    rc = wr_err(err, WR_ERR_IO, "aot: the generated IR does not verify");
    goto out;
  }
  if ((rc = wr_llvm_optimize(M, tm, opt, err)) < 0) goto out;
  t_opt = now() - t0 - t_ir;
  if (getenv("WR_LLVM_DUMP")) LLVMDumpModule(M);
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, M, LLVMObjectFile, &msg, &obj)) {
    rc = wr_err(err, WR_ERR_IO, "aot: code generation: %s", msg ? msg : "unknown");
    obj = NULL;
    goto out;
  }
  t_code = now() - t0 - t_ir - t_opt;
  rc = wr_image_write((const uint8_t *)LLVMGetBufferStart(obj), LLVMGetBufferSize(obj), m, wasm, len, key,
                      fingerprint ? fingerprint : "", out_fd, err);
  if (rc == 0 && getenv("WR_LLVM_STATS"))
    fprintf(stderr,
            "wasm-run: aot: %u functions compiled in %.1f ms (IR %.1f, optimisation %.1f, code %.1f ms), "
            "object %zu bytes\n",
            m->nfuncs - m->nimported_funcs, (now() - t0) * 1e3, t_ir * 1e3, t_opt * 1e3, t_code * 1e3,
            LLVMGetBufferSize(obj));
out:
  if (obj) LLVMDisposeMemoryBuffer(obj);
  LLVMDisposeMessage(msg);
  if (layout) LLVMDisposeTargetData(layout);
  if (tm) LLVMDisposeTargetMachine(tm);
  LLVMDisposeModule(M);
  LLVMContextDispose(C);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  wr_module_free(m);
  return rc;
}

/* Looked up by name (wr_compiler_load). */
__attribute__((visibility("default"))) const wr_compiler wr_aot_compiler = {.compile = compile};
