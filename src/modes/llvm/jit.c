/* jit.c: the llvm-jit mode. At instantiation (the prepare hook) the whole module
 * is translated (translate.c), optimised for the host CPU and compiled to objects
 * in memory, on as many threads as there are cores for big modules, which ORC
 * LLJIT links; each function's uniform entry then calls its compiled
 * wasm_entry_N. Where the process may not make executable memory, the instance
 * runs under the fast interpreter instead, after one line on stderr (the fallback
 * rule of DESIGN.md section 1). */
#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modes/llvm/llvm.h"
#include "modes/llvm/rt.h"
#include "modes/modes.h"
#include "runtime/execmem.h"

typedef void (*compiled_entry)(wr_ctx *ctx, uint64_t *args_results);

typedef struct llvm_inst {
  struct wr_rt_api api;
  LLVMOrcLLJITRef jit;
  void **entries; /* per defined function: its compiled wasm_entry_N */
} llvm_inst;

typedef struct entry_call {
  compiled_entry fn;
  wr_ctx *ctx;
  uint64_t *args_results;
} entry_call;

/* Clang's -fsanitize=function checks a signature stored before each function it
 * compiled; code from LLVM has none (and may start a page), so not for this call. */
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
static void run_entry(void *p) {
  entry_call *c = p;
  c->fn(c->ctx, c->args_results);
}

static int llvm_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  wr_instance *inst = f->inst;
  llvm_inst *li = inst->mode_data;
  entry_call c = {(compiled_entry)li->entries[f->index - inst->module->nimported_funcs], &inst->ctx,
                  args_results};
  int saved_in_guest = ex->in_guest;
  ex->in_guest = 1;
  ex->cur_func = f;
  /* The limit is set on every entry: the store may be used by another thread later. */
  wr_rt_call_guest(run_entry, &c, &li->api.stack_limit);
  ex->in_guest = saved_in_guest;
  return 0;
}

static int llvm_error(wr_error *err, const char *what, LLVMErrorRef e) {
  char *msg = LLVMGetErrorMessage(e);
  int rc = wr_err(err, WR_ERR_IO, "llvm-jit: %s: %s", what, msg);
  LLVMDisposeErrorMessage(msg);
  return rc;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void init_llvm(void) {
  init_ok = LLVMInitializeNativeTarget() == 0 && LLVMInitializeNativeAsmPrinter() == 0;
}

static void llvm_release(wr_instance *inst) {
  llvm_inst *li = inst->mode_data;
  if (!li) return;
  if (li->jit) LLVMOrcDisposeLLJIT(li->jit);
  free(li->entries);
  free(li);
  inst->mode_data = NULL;
}

/* Runs the instance under the fast interpreter (no executable memory here). */
static int fall_back_to_fast(wr_instance *inst, const char *reason, wr_error *err) {
  static bool said;
  if (!said) {
    fprintf(stderr, "wasm-run: llvm-jit: executable memory is not allowed here (%s); running in fast mode\n",
            reason);
    said = true;
  }
  const wr_module *m = inst->module;
  inst->mode = WR_MODE_FAST;
  for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) inst->own_funcs[i].entry = wr_fast_ops.entry;
  return wr_fast_ops.prepare ? wr_fast_ops.prepare(inst, err) : 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The module is split into parts of neighbouring functions (neighbours call each
 * other most, and stay inlinable), one per core for big modules; each part is
 * translated, optimised and compiled to an object in its own thread and LLVM
 * context, and LLJIT links the objects. */
#define PART_MIN_CODE (32u * 1024) /* bytes of wasm code below which a part is not worth a thread */

typedef struct part_job {
  const wr_module *m;
  const uint32_t *func_part; /* NULL when the module is one part */
  uint32_t part;
  const char *triple, *cpu, *features, *layout;
  LLVMMemoryBufferRef obj; /* the result */
  double t_ir, t_opt, t_code;
  wr_error err;
  int rc;
} part_job;

static void *compile_part(void *arg) {
  part_job *j = arg;
  double t0 = now();
  LLVMContextRef C = LLVMContextCreate();
  LLVMModuleRef M = LLVMModuleCreateWithNameInContext("wasm", C);
  LLVMTargetMachineRef tm = NULL;
  LLVMTargetRef target;
  char *msg = NULL;
  LLVMSetTarget(M, j->triple);
  LLVMSetDataLayout(M, j->layout);
  if (LLVMGetTargetFromTriple(j->triple, &target, &msg)) {
    j->rc = wr_err(&j->err, WR_ERR_IO, "llvm-jit: target %s: %s", j->triple, msg ? msg : "unknown");
    goto out;
  }
  tm = LLVMCreateTargetMachine(target, j->triple, j->cpu, j->features, LLVMCodeGenLevelDefault, LLVMRelocPIC,
                               LLVMCodeModelSmall);
  if ((j->rc = wr_llvm_translate(M, j->m, j->func_part, j->part, j->cpu, j->features, &j->err)) < 0) goto out;
  j->t_ir = now() - t0;
  if (getenv("WR_LLVM_VERIFY") && LLVMVerifyModule(M, LLVMPrintMessageAction, NULL)) {
    j->rc = wr_err(&j->err, WR_ERR_IO, "llvm-jit: the generated IR does not verify");
    goto out;
  }
  if ((j->rc = wr_llvm_optimize(M, tm, 2, &j->err)) < 0) goto out;
  j->t_opt = now() - t0 - j->t_ir;
  if (getenv("WR_LLVM_DUMP")) LLVMDumpModule(M);
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, M, LLVMObjectFile, &msg, &j->obj)) {
    j->rc = wr_err(&j->err, WR_ERR_IO, "llvm-jit: code generation: %s", msg ? msg : "unknown");
    j->obj = NULL;
  }
  j->t_code = now() - t0 - j->t_ir - j->t_opt;
out:
  LLVMDisposeMessage(msg);
  if (tm) LLVMDisposeTargetMachine(tm);
  LLVMDisposeModule(M);
  LLVMContextDispose(C);
  return NULL;
}

/* Cores this thread may run on (sched_getaffinity: one system call, no /sys). */
static uint32_t cores(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) < 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? (uint32_t)n : 1;
}

static int llvm_prepare(wr_instance *inst, wr_error *err) {
  char reason[160];
  if (!wr_execmem_allowed(reason, sizeof reason)) return fall_back_to_fast(inst, reason, err);
  pthread_once(&init_once, init_llvm);
  if (!init_ok) return wr_err(err, WR_ERR_IO, "llvm-jit: LLVM has no native target in this build");

  const wr_module *m = inst->module;
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  double t0 = now();
  llvm_inst *li = calloc(1, sizeof *li);
  if (!li) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  li->entries = calloc(ndef + 1, sizeof *li->entries);
  inst->mode_data = li;
  if (!li->entries) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  wr_rt_api_init(&li->api, wr_store_exec(inst->store));
  li->api.mode_entry = llvm_entry;
  inst->ctx.api = &li->api;
  if (ndef == 0) return 0; /* nothing to compile: no JIT to make */

  LLVMOrcJITTargetMachineBuilderRef jtmb;
  LLVMErrorRef e = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
  if (e) return llvm_error(err, "detecting the host", e);
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
  if ((e = LLVMOrcCreateLLJIT(&li->jit, builder))) return llvm_error(err, "creating the JIT", e);

  /* Parts: contiguous runs of functions of about equal code size. */
  uint64_t total = 0;
  for (uint32_t i = 0; i < ndef; i++) total += m->funcs[i].code_end - m->funcs[i].code;
  uint32_t nparts = (uint32_t)(total / PART_MIN_CODE);
  if (nparts > 1) { /* (small modules make no system call asking for the cores) */
    uint32_t ncores = cores();
    if (nparts > ncores) nparts = ncores;
  }
  if (nparts > ndef) nparts = ndef;
  if (nparts < 1) nparts = 1;
  const char *env = getenv("WR_LLVM_THREADS");
  if (env && atoi(env) > 0 && (uint32_t)atoi(env) < nparts) nparts = (uint32_t)atoi(env);
  uint32_t *func_part = NULL;
  if (nparts > 1) {
    if (!(func_part = malloc(ndef * sizeof *func_part))) return wr_err(err, WR_ERR_NOMEM, "out of memory");
    uint64_t sum = 0;
    for (uint32_t i = 0; i < ndef; i++) {
      func_part[i] = (uint32_t)(sum * nparts / (total ? total : 1));
      sum += m->funcs[i].code_end - m->funcs[i].code;
    }
  }

  char *triple = LLVMGetDefaultTargetTriple();
  char *cpu = LLVMGetHostCPUName();
  char *features = LLVMGetHostCPUFeatures();
  int rc = 0;
  part_job *jobs = calloc(nparts, sizeof *jobs);
  pthread_t *threads = calloc(nparts, sizeof *threads);
  bool *started = calloc(nparts, sizeof *started);
  if (!jobs || !threads || !started) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (uint32_t p = 0; p < nparts; p++) {
    jobs[p] = (part_job){.m = m, .func_part = func_part, .part = p, .triple = triple, .cpu = cpu,
                         .features = features, .layout = LLVMOrcLLJITGetDataLayoutStr(li->jit)};
    /* Part 0 runs here; where a thread cannot be made, its part runs here too. */
    if (p > 0) started[p] = pthread_create(&threads[p], NULL, compile_part, &jobs[p]) == 0;
  }
  compile_part(&jobs[0]);
  for (uint32_t p = 1; p < nparts; p++) {
    if (started[p]) pthread_join(threads[p], NULL);
    else compile_part(&jobs[p]);
  }
  double t_ir = 0, t_opt = 0, t_code = 0;
  for (uint32_t p = 0; p < nparts; p++) {
    t_ir += jobs[p].t_ir, t_opt += jobs[p].t_opt, t_code += jobs[p].t_code;
    if (jobs[p].rc < 0 && rc == 0) {
      rc = jobs[p].rc;
      if (err) *err = jobs[p].err;
    }
  }
  for (uint32_t p = 0; p < nparts; p++) {
    if (!jobs[p].obj) continue;
    LLVMMemoryBufferRef obj = jobs[p].obj;
    jobs[p].obj = NULL;
    if (rc < 0) {
      LLVMDisposeMemoryBuffer(obj);
    } else if ((e = LLVMOrcLLJITAddObjectFile(li->jit, LLVMOrcLLJITGetMainJITDylib(li->jit), obj))) {
      rc = llvm_error(err, "adding an object", e);
    }
  }
  if (rc < 0) goto out;
  for (uint32_t i = 0; i < ndef; i++) {
    char name[64];
    LLVMOrcExecutorAddress addr;
    snprintf(name, sizeof name, "wasm_entry_%u", m->nimported_funcs + i);
    if ((e = LLVMOrcLLJITLookup(li->jit, &addr, name))) {
      rc = llvm_error(err, name, e);
      goto out;
    }
    li->entries[i] = (void *)(uintptr_t)addr;
  }
  li->api.entries = li->entries;
  if (getenv("WR_LLVM_STATS"))
    fprintf(stderr,
            "wasm-run: llvm-jit: %u functions (%llu bytes of code) compiled in %.1f ms on %u threads "
            "(thread time: IR %.1f, optimisation %.1f, code %.1f ms)\n",
            ndef, (unsigned long long)total, (now() - t0) * 1e3, nparts, t_ir * 1e3, t_opt * 1e3, t_code * 1e3);
out:
  free(jobs);
  free(threads);
  free(started);
  free(func_part);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  return rc;
}

const wr_mode_ops wr_llvm_jit_ops = {
    .entry = llvm_entry,
    .simd = false,
    .prepare = llvm_prepare,
    .release = llvm_release,
};
