/* aot-compile.c: the AOT compiler, in the LLVM plugin (aot-cache/compiler.h):
 * module -> LLVM IR (translate.c, as for llvm-jit) -> optimised at the level asked
 * -> an ELF relocatable object for the host CPU -> an image (aot-cache/writer.c).
 *
 * The code generator is set so that the object holds only what the writer can
 * place: position-independent code in the small code model (references to
 * constants and jump tables are PC-relative), every symbol hidden (no GOT), and
 * "no-builtins" on every function so that no optimisation turns a loop into a
 * call of memset or memcpy, which an image, reaching the runtime only through
 * wr_ctx, could not make.
 *
 * Big modules are split, as llvm-jit splits them, into parts of neighbouring
 * functions compiled on their own threads and LLVM contexts; each part is one
 * object, and the writer resolves the calls between them (global, hidden
 * wasm_func_N symbols). $WR_AOT_PARTS=N forces N parts, for tests. */
#include <llvm-c/Target.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot-cache/compiler.h"
#include "aot-cache/image.h"
#include "modes/llvm/llvm.h"

/* Hidden symbols and no library calls (see above). */
static void prepare_functions(LLVMModuleRef M) {
  LLVMContextRef C = LLVMGetModuleContext(M);
  LLVMAttributeRef nb = LLVMCreateStringAttribute(C, "no-builtins", 11, "", 0);
  for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
    /* Declarations too: wasm_func_N of other parts, called directly, never
     * through a GOT or PLT. */
    if (LLVMGetLinkage(f) != LLVMInternalLinkage && !LLVMGetIntrinsicID(f)) LLVMSetVisibility(f, LLVMHiddenVisibility);
    if (!LLVMIsDeclaration(f)) LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, nb);
  }
}

#define PART_MIN_CODE (32u * 1024) /* bytes of wasm code below which a part is not worth a thread */

/* A part on a thread of its own (wr_llvm_compile_part, in part.c). */
static void *compile_part(void *arg) {
  wr_llvm_compile_part(arg);
  return NULL;
}

static int compile(const uint8_t *wasm, size_t len, int opt, const uint8_t key[32], const char *fingerprint,
                   int out_fd, wr_error *err) {
  if (opt < 0 || opt > 3) return wr_err(err, WR_ERR_USAGE, "aot: optimisation level %d (expected 0 to 3)", opt);
  wr_module *m = NULL;
  int rc = wr_module_load(wasm, len, &m, err);
  if (rc < 0) return rc;
  if (!wr_llvm_init()) {
    wr_module_free(m);
    return wr_err(err, WR_ERR_UNSUPPORTED, "aot: LLVM has no native target in this build");
  }
  double t0 = wr_llvm_now();
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  /* Parts: contiguous runs of functions of about equal code size. */
  uint64_t total = 0;
  for (uint32_t i = 0; i < ndef; i++) total += m->funcs[i].code_end - m->funcs[i].code;
  uint32_t nparts = (uint32_t)(total / PART_MIN_CODE);
  if (nparts > 1) {
    uint32_t ncores = wr_llvm_cores();
    if (nparts > ncores) nparts = ncores;
  }
  const char *env = getenv("WR_AOT_PARTS");
  if (env && atoi(env) > 0) nparts = (uint32_t)atoi(env);
  if (nparts > ndef) nparts = ndef;
  if (nparts < 1) nparts = 1;
  char *triple = LLVMGetDefaultTargetTriple();
  char *cpu = LLVMGetHostCPUName();
  char *features = LLVMGetHostCPUFeatures();
  uint32_t *func_part = NULL;
  wr_llvm_part *jobs = calloc(nparts, sizeof *jobs);
  pthread_t *threads = calloc(nparts, sizeof *threads);
  bool *started = calloc(nparts, sizeof *started);
  wr_image_obj *objs = calloc(nparts, sizeof *objs);
  if (!jobs || !threads || !started || !objs ||
      (nparts > 1 && !(func_part = malloc(ndef * sizeof *func_part)))) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (func_part) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < ndef; i++) {
      func_part[i] = total ? (uint32_t)(sum * nparts / total) : i * nparts / ndef;
      sum += m->funcs[i].code_end - m->funcs[i].code;
    }
  }
  for (uint32_t p = 0; p < nparts; p++) {
    jobs[p] = (wr_llvm_part){.mode = "aot", .target_code = WR_ERR_UNSUPPORTED, .m = m, .func_part = func_part,
                             .part = p, .opt = opt, .cg = opt, .triple = triple, .cpu = cpu, .features = features,
                             .prepare = prepare_functions};
    /* Part 0 runs here; where a thread cannot be made, its part runs here too. */
    if (p > 0) started[p] = pthread_create(&threads[p], NULL, compile_part, &jobs[p]) == 0;
  }
  wr_llvm_compile_part(&jobs[0]);
  for (uint32_t p = 1; p < nparts; p++) {
    if (started[p]) pthread_join(threads[p], NULL);
    else wr_llvm_compile_part(&jobs[p]);
  }
  double t_ir = 0, t_opt = 0, t_code = 0;
  size_t objsize = 0;
  for (uint32_t p = 0; p < nparts; p++) {
    t_ir += jobs[p].t_ir, t_opt += jobs[p].t_opt, t_code += jobs[p].t_code;
    if (jobs[p].rc < 0 && rc == 0) {
      rc = jobs[p].rc;
      if (err) *err = jobs[p].err;
    }
    if (jobs[p].obj) {
      objs[p] = (wr_image_obj){(const uint8_t *)LLVMGetBufferStart(jobs[p].obj), LLVMGetBufferSize(jobs[p].obj)};
      objsize += objs[p].len;
    }
  }
  if (rc == 0)
    rc = wr_image_write(objs, nparts, m, wasm, len, key, fingerprint ? fingerprint : "", out_fd, err);
  if (rc == 0 && getenv("WR_LLVM_STATS"))
    fprintf(stderr,
            "wasm-run: aot: %u functions (%llu bytes of code) compiled in %.1f ms on %u threads (thread time: IR "
            "%.1f, optimisation %.1f, code %.1f ms), objects %zu bytes\n",
            ndef, (unsigned long long)total, (wr_llvm_now() - t0) * 1e3, nparts, t_ir * 1e3, t_opt * 1e3, t_code * 1e3,
            objsize);
out:
  for (uint32_t p = 0; jobs && p < nparts; p++)
    if (jobs[p].obj) LLVMDisposeMemoryBuffer(jobs[p].obj);
  free(jobs);
  free(threads);
  free(started);
  free(objs);
  free(func_part);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  wr_module_free(m);
  return rc;
}

/* Looked up by name (wr_compiler_load). */
__attribute__((visibility("default"))) const wr_compiler wr_aot_compiler = {.compile = compile};
