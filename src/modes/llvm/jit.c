/* jit.c: the llvm-jit mode. At instantiation (the prepare hook) the whole module
 * is translated (translate.c), optimised for the host CPU and compiled to objects
 * in memory, on as many threads as there are cores for big modules, which ORC
 * LLJIT links; each function's uniform entry then calls its compiled
 * wasm_entry_N. Where the process may not make executable memory, the instance
 * runs under the fast interpreter instead, after one line on stderr (the fallback
 * rule of DESIGN.md section 1). */
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  if (!li->entries[f->index - inst->module->nimported_funcs]) /* (not reachable from outside) */
    return wr_exec_fail(ex, "llvm-jit: function %u has no compiled entry", f->index);
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

/* The module is split into parts of neighbouring functions (neighbours call each
 * other most, and stay inlinable), each translated, optimised and compiled to an
 * object in its own LLVM context and TargetMachine, on up to one thread per core;
 * LLJIT links the objects.
 *
 * Two tiers: at --opt=2 (the default) a function of more than BIG_FUNC_CODE bytes
 * of wasm code gets the cheap tier (SROA, early CSE and CFG simplification, then
 * the code generator's least effort: fast instruction selection and register
 * allocation), in parts of its own. LLVM's time grows faster than the size of a
 * function, and such functions are mostly formatting, parsing and setup code run
 * a few times (printf's core is about 8.5 KiB: in the bench programs it took 60%
 * of the CPU time of compiling at O2, and takes a sixth of that in the tier).
 * --opt=3 compiles everything at O3; --opt=0 and 1 everything at their level. */
#define PART_MIN_CODE (8u * 1024) /* bytes of wasm code below which a part is not worth a thread */
#define BIG_FUNC_CODE (4u * 1024)

typedef struct part_job {
  wr_llvm_part c;
  uint64_t code; /* bytes of wasm code: the costliest parts start first (part_cost) */
} part_job;

static uint64_t part_cost(const part_job *j) { return j->c.opt == WR_LLVM_OPT_CHEAP ? j->code : j->code * 6; }

/* The parts not yet taken, for the compiling threads. */
typedef struct part_queue {
  part_job *jobs;
  uint32_t *order; /* part indices, the largest first */
  uint32_t njobs;
  uint32_t next;   /* taken atomically */
} part_queue;

static void *compile_parts(void *arg) {
  part_queue *q = arg;
  uint32_t i;
  while ((i = __atomic_fetch_add(&q->next, 1, __ATOMIC_RELAXED)) < q->njobs)
    wr_llvm_compile_part(&q->jobs[q->order[i]].c);
  return NULL;
}

static int llvm_prepare(wr_instance *inst, wr_error *err) {
  char reason[160];
  if (!wr_execmem_allowed(reason, sizeof reason)) return fall_back_to_fast(inst, reason, err);
  if (!wr_llvm_init()) return wr_err(err, WR_ERR_IO, "llvm-jit: LLVM has no native target in this build");

  const wr_module *m = inst->module;
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  double t0 = wr_llvm_now();
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

  /* Parts: per tier, contiguous runs of functions of about equal code size. */
  int opt = wr_store_opt_level(inst->store);
  /* For tests only: smaller thresholds, so that small modules take the paths of
   * big ones (several parts, both tiers). */
  const char *part_env = getenv("WR_LLVM_TEST_PART_CODE"), *big_env = getenv("WR_LLVM_TEST_BIG_CODE");
  uint64_t part_code = part_env && atoi(part_env) > 0 ? (uint64_t)atoi(part_env) : PART_MIN_CODE;
  uint64_t big_code = big_env && atoi(big_env) > 0 ? (uint64_t)atoi(big_env) : BIG_FUNC_CODE;
  uint64_t total = 0, tier_code[2] = {0, 0};
  uint32_t *func_part = malloc(ndef * sizeof *func_part);
  if (!func_part) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < ndef; i++) {
    uint64_t size = (uint64_t)(m->funcs[i].code_end - m->funcs[i].code);
    func_part[i] = opt == 2 && size > big_code; /* the tier, for now */
    tier_code[func_part[i]] += size;
    total += size;
  }
  uint32_t ncores = total > part_code ? wr_llvm_cores() : 1; /* (small modules ask no system call) */
  const char *env = getenv("WR_LLVM_THREADS");
  if (env && atoi(env) > 0 && (uint32_t)atoi(env) < ncores) ncores = (uint32_t)atoi(env);
  uint32_t tier_parts[2], nparts = 0;
  for (int k = 0; k < 2; k++) {
    uint64_t n = tier_code[k] / part_code;
    tier_parts[k] = !tier_code[k] ? 0 : n < 1 ? 1 : n > ncores ? ncores : (uint32_t)n;
    nparts += tier_parts[k];
  }
  uint64_t sum[2] = {0, 0};
  for (uint32_t i = 0; i < ndef; i++) {
    uint32_t k = func_part[i];
    func_part[i] = (k ? tier_parts[0] : 0) + (uint32_t)(sum[k] * tier_parts[k] / tier_code[k]);
    sum[k] += (uint64_t)(m->funcs[i].code_end - m->funcs[i].code);
  }
  if (nparts == 1) {
    free(func_part);
    func_part = NULL;
  }
  uint32_t nthreads = nparts < ncores ? nparts : ncores;

  char *triple = LLVMGetDefaultTargetTriple();
  char *cpu = LLVMGetHostCPUName();
  char *features = LLVMGetHostCPUFeatures();
  int rc = 0;
  part_job *jobs = calloc(nparts, sizeof *jobs);
  pthread_t *threads = calloc(nthreads, sizeof *threads);
  bool *started = calloc(nthreads, sizeof *started);
  if (!jobs || !threads || !started) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (uint32_t p = 0; p < nparts; p++) {
    bool cheap = p >= tier_parts[0];
    jobs[p].c = (wr_llvm_part){.mode = "llvm-jit", .target_code = WR_ERR_IO, .m = m, .func_part = func_part,
                               .part = p, .opt = cheap ? WR_LLVM_OPT_CHEAP : opt, .cg = cheap ? 0 : opt,
                               .triple = triple, .cpu = cpu, .features = features,
                               .layout = LLVMOrcLLJITGetDataLayoutStr(li->jit)};
  }
  for (uint32_t i = 0; i < ndef; i++) jobs[func_part ? func_part[i] : 0].code += m->funcs[i].code_end - m->funcs[i].code;
  part_queue q = {.jobs = jobs, .njobs = nparts, .order = malloc(nparts * sizeof *q.order)};
  if (!q.order) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (uint32_t p = 0; p < nparts; p++) q.order[p] = p;
  /* The costliest first (few parts: insertion sort); a byte costs about six times
   * less in the cheap tier. */
  for (uint32_t p = 1; p < nparts; p++)
    for (uint32_t k = p; k > 0 && part_cost(&jobs[q.order[k]]) > part_cost(&jobs[q.order[k - 1]]); k--) {
      uint32_t tmp = q.order[k];
      q.order[k] = q.order[k - 1];
      q.order[k - 1] = tmp;
    }
  /* This thread works too; where a thread cannot be made, the others take its share. */
  for (uint32_t t = 1; t < nthreads; t++)
    started[t] = pthread_create(&threads[t], NULL, compile_parts, &q) == 0;
  compile_parts(&q);
  for (uint32_t t = 1; t < nthreads; t++)
    if (started[t]) pthread_join(threads[t], NULL);
  free(q.order);
  double t_ir = 0, t_opt = 0, t_code = 0;
  for (uint32_t p = 0; p < nparts; p++) {
    t_ir += jobs[p].c.t_ir, t_opt += jobs[p].c.t_opt, t_code += jobs[p].c.t_code;
    if (jobs[p].c.rc < 0 && rc == 0) {
      rc = jobs[p].c.rc;
      if (err) *err = jobs[p].c.err;
    }
  }
  for (uint32_t p = 0; p < nparts; p++) {
    if (!jobs[p].c.obj) continue;
    LLVMMemoryBufferRef obj = jobs[p].c.obj;
    jobs[p].c.obj = NULL;
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
    if (!wr_llvm_has_entry(m, m->nimported_funcs + i)) continue;
    snprintf(name, sizeof name, "wasm_entry_%u", m->nimported_funcs + i);
    if ((e = LLVMOrcLLJITLookup(li->jit, &addr, name))) {
      rc = llvm_error(err, name, e);
      goto out;
    }
    li->entries[i] = (void *)(uintptr_t)addr;
  }
  li->api.entries = li->entries;
  if (getenv("WR_LLVM_STATS")) { /* one line, read by bench/run-bench.sh */
    double ms = (wr_llvm_now() - t0) * 1e3;
    fprintf(stderr,
            "wasm-run: llvm-jit: compiled %u functions (%llu bytes of wasm code) in %.1f ms on %u threads, "
            "%.0f KB/s (thread time: IR %.1f, optimisation %.1f, code %.1f ms)\n",
            ndef, (unsigned long long)total, ms, nthreads, ms > 0 ? total / ms * 1e3 / 1024 : 0, t_ir * 1e3,
            t_opt * 1e3, t_code * 1e3);
  }
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
    .prepare = llvm_prepare,
    .release = llvm_release,
};
