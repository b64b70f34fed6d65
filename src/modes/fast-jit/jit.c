/* jit.c: the fast-jit mode around the compiler: at instantiation every function
 * of the module is compiled (compile.c) into one growable buffer after a shared
 * trampoline, direct calls are linked, and the pages the code was written into
 * are then made read+execute (never writable and executable at once).
 *
 * Why mprotect rather than one memfd mapped twice (a writable and an executable
 * view): it needs no file descriptor and no system call beyond mmap/mprotect,
 * which the sandbox's JIT policy already allows; the code is written once and
 * never patched after, so a writable view would only be a liability; and where W->X
 * is refused (PR_SET_MDWE and the like) the execmem probe sends the instance to
 * the fast interpreter with one line on stderr, as for llvm-jit.
 *
 * WASM_RUN_PERFMAP=1 writes /tmp/perf-PID.map so that perf names guest functions;
 * -v prints the wasm and machine-code sizes and the compile time. */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include <cpuid.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "modes/fast-jit/fastjit.h"
#include "modes/modes.h"
#include "modes/numeric.h"
#include "runtime/execmem.h"
#include "runtime/internal.h"

/* ---- numeric helpers (same semantics as classic.c) ------------------------------ */

#define FJ_TRAP(ctx, kind, func) wr_trap((ctx)->api->ex, WR_TRAP_##kind, (ctx)->funcs[func])
#define H(name) static uint64_t h_##name(wr_ctx *ctx, uint64_t a_, uint64_t b_, uint32_t func)
#define UNUSED (void)ctx, (void)a_, (void)b_, (void)func

H(F32_MIN) { UNUSED; return bits_f32(wr_fminf(f32_of(a_), f32_of(b_))); }
H(F32_MAX) { UNUSED; return bits_f32(wr_fmaxf(f32_of(a_), f32_of(b_))); }
H(F64_MIN) { UNUSED; return bits_f64(wr_fmin(f64_of(a_), f64_of(b_))); }
H(F64_MAX) { UNUSED; return bits_f64(wr_fmax(f64_of(a_), f64_of(b_))); }

/* The truncations with the spec's bounds, from numeric.h's lists (one per pair of
 * trapping and saturating row). */
#define TRUNC(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store) \
  H(op) {                                                         \
    UNUSED;                                                       \
    FT a = of(a_);                                                \
    if (isnan(a)) FJ_TRAP(ctx, INVALID_CONVERSION, func);         \
    if (!(lo_ok && hi_ok)) FJ_TRAP(ctx, INT_OVERFLOW, func);      \
    return store((IT)a);                                          \
  }
#define TRUNC_SAT(op, sat, FT, of, IT, lo_ok, hi_ok, min, max, store)                     \
  H(sat) {                                                                               \
    UNUSED;                                                                              \
    FT a = of(a_);                                                                       \
    return store(isnan(a) ? (IT)0 : !(lo_ok) ? (IT)(min) : !(hi_ok) ? (IT)(max) : (IT)a); \
  }
#define AS_U32(x) ((uint64_t)(uint32_t)(x))
#define AS_U64(x) ((uint64_t)(x))
WR_TRUNC_I32_OPS(TRUNC)
WR_TRUNC_I64_OPS(TRUNC)
WR_TRUNC_I32_OPS(TRUNC_SAT)
WR_TRUNC_I64_OPS(TRUNC_SAT)
H(F32_CONVERT_I64_U) { UNUSED; return bits_f32((float)a_); }
H(F64_CONVERT_I64_U) { UNUSED; return bits_f64((double)a_); }

void wr_fj_helpers(void **num) {
#define X(n) num[FJ_H_##n] = (void *)h_##n;
  FJ_HELPERS(X)
#undef X
}

/* ---- entering compiled code ------------------------------------------------------ */

typedef void (*trampoline_fn)(wr_ctx *ctx, uint64_t *args_results, void *entry);
#define TRAMPOLINE_AT 16 /* its offset in the code (see emit_trampoline) */

typedef struct entry_call {
  trampoline_fn tramp;
  wr_ctx *ctx;
  uint64_t *args_results;
  void *entry;
} entry_call;

static void run_entry(void *p) {
  entry_call *c = p;
  c->tramp(c->ctx, c->args_results, c->entry);
}

static int fj_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  wr_instance *inst = f->inst;
  fj_inst *fi = inst->mode_data;
  entry_call c = {(trampoline_fn)(void *)(fi->code + TRAMPOLINE_AT), &inst->ctx, args_results,
                  fi->entries[f->index - inst->module->nimported_funcs]};
  int saved_in_guest = ex->in_guest;
  ex->in_guest = 1;
  ex->cur_func = f;
  wr_rt_call_guest(run_entry, &c, &fi->api.stack_limit);
  ex->in_guest = saved_in_guest;
  return 0;
}

/* The trampoline: C's callee-saved registers kept, r15 = ctx, r14 = memory base,
 * then the internal entry (third argument) with args_results still in rsi. */
static void emit_trampoline(xbuf *b) {
  static const uint8_t saved[] = {RBX, RBP, R12, R13, R14, R15};
  /* Padding before the trampoline: UBSan's function check (clang's
   * -fsanitize=function) reads the 8 bytes before a function it calls through a
   * pointer, which must be mapped (int3s, so they are no signature it knows). */
  while (b->len < TRAMPOLINE_AT && wr_xbuf_reserve(b, 1)) b->p[b->len++] = 0xCC;
  for (size_t i = 0; i < sizeof saved; i++) x_ri(b, XF_PUSH_R64, saved[i], 0);
  x_mi(b, XF_SUB_RM64_I8, xr(RSP), 8); /* 16-byte alignment at the call */
  x_rr(b, XF_MOV_R64_RM, R15, RDI);
  x_rm(b, XF_MOV_R64_RM, R14, xm(RDI, (int32_t)offsetof(wr_ctx, mem_base)));
  wr_xemit(b, XF_CALL_RM64, 0, xr(RDX), 0, 0);
  x_mi(b, XF_ADD_RM64_I8, xr(RSP), 8);
  for (size_t i = sizeof saved; i-- > 0;) x_ri(b, XF_POP_R64, saved[i], 0);
  x_op(b, XF_RET);
  /* functions start on 16-byte boundaries */
  while (b->len % 16 && wr_xbuf_reserve(b, 1)) b->p[b->len++] = 0xCC;
}

/* ---- the mode -------------------------------------------------------------------- */

/* The function a PC of fi's code is in (for the fault handler: reads only). */
static const wr_funcinst *fj_resolve(void *data, uintptr_t pc) {
  fj_inst *fi = data;
  uint32_t lo = 0, hi = fi->ndef; /* the last entry at or below pc */
  if (!fi->ndef || pc < (uintptr_t)fi->entries[0]) return NULL;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if ((uintptr_t)fi->entries[mid] <= pc) lo = mid;
    else hi = mid;
  }
  return &fi->inst->own_funcs[lo];
}

static void fj_release(wr_instance *inst) {
  fj_inst *fi = inst->mode_data;
  if (!fi) return;
  if (fi->code) {
    wr_code_unregister((uintptr_t)fi->code);
    munmap(fi->code, fi->code_size);
  }
  free(fi->entries);
  free(fi);
  inst->mode_data = NULL;
}

static int fall_back_to_fast(wr_instance *inst, const char *reason, wr_error *err) {
  static bool said;
  if (!said) {
    fprintf(stderr, "wasm-run: fast-jit: %s; running in fast mode\n", reason);
    said = true;
  }
  const wr_module *m = inst->module;
  inst->mode = WR_MODE_FAST;
  for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) inst->own_funcs[i].entry = wr_fast_ops.entry;
  return wr_fast_ops.prepare ? wr_fast_ops.prepare(inst, err) : 0;
}

/* Compile time is this thread's CPU time: what compiling costs on one core,
 * whatever else the machine is doing. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The instructions beyond x86-64's baseline the compiler emits, asked of cpuid
 * once per process. */
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static const char *cpu_missing;

static void check_cpu(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1)) cpu_missing = "SSE4.1";
  else if (!(c & bit_SSSE3)) cpu_missing = "SSSE3"; /* (pshufb, pabs*: implied by SSE4.1 in every CPU made) */
  else if (!(c & bit_POPCNT)) cpu_missing = "POPCNT";
  else if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_BMI)) cpu_missing = "BMI1 (tzcnt)";
  else if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(c & bit_LZCNT)) cpu_missing = "LZCNT";
}

static const char *missing_cpu_feature(void) {
  pthread_once(&cpu_once, check_cpu);
  return cpu_missing;
}

static void write_perfmap(const wr_module *m, fj_inst *fi, const size_t *off, uint32_t ndef, size_t total) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  FILE *f = fopen(path, "a");
  if (!f) {
    fprintf(stderr, "wasm-run: fast-jit: %s: %s (WASM_RUN_PERFMAP)\n", path, strerror(errno));
    return;
  }
  for (uint32_t i = 0; i < ndef; i++) {
    char name[128];
    size_t end = i + 1 < ndef ? off[i + 1] : total;
    fprintf(f, "%lx %zx wasm:%s\n", (unsigned long)(uintptr_t)(fi->code + off[i]), end - off[i],
            wr_module_func_name(m, m->nimported_funcs + i, name, sizeof name));
  }
  fclose(f);
}

static int fj_prepare(wr_instance *inst, wr_error *err) {
  char reason[200];
  if (!wr_execmem_allowed(reason, sizeof reason)) {
    char why[240];
    snprintf(why, sizeof why, "executable memory is not allowed here (%s)", reason);
    return fall_back_to_fast(inst, why, err);
  }
  const char *missing = missing_cpu_feature();
  if (missing) {
    char why[240];
    snprintf(why, sizeof why, "this CPU lacks %s", missing);
    return fall_back_to_fast(inst, why, err);
  }
  const wr_module *m = inst->module;
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  double t0 = now();
  fj_inst *fi = calloc(1, sizeof *fi);
  if (!fi) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  inst->mode_data = fi;
  fi->entries = calloc(ndef + 1, sizeof *fi->entries);
  size_t *off = calloc(ndef + 1, sizeof *off);
  xbuf b = {0};
  fj_relocs relocs = {0};
  int rc = 0;
  if (!fi->entries || !off) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }
  wr_rt_api_init(&fi->api, wr_store_exec(inst->store));
  wr_fj_helpers(fi->num);
  fi->api.mode_entry = fj_entry;
  inst->ctx.api = &fi->api;

  uint64_t wasm_bytes = 0;
  for (uint32_t i = 0; i < ndef; i++) wasm_bytes += (uint64_t)(m->funcs[i].code_end - m->funcs[i].code);
  /* The code is written straight into pages that become executable once it is
   * complete: about 2.5 bytes of code per byte of wasm, so one mapping in the
   * common case (populated at once: one fault instead of one per page). */
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  size_t size = ((size_t)wasm_bytes * 3 + 4096 + (size_t)page - 1) / (size_t)page * (size_t)page;
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) {
    rc = wr_err(err, WR_ERR_NOMEM, "fast-jit: mapping %zu bytes for code: %s", size, strerror(errno));
    goto out;
  }
  b = (xbuf){.p = p, .cap = size, .mapped = true};
  emit_trampoline(&b);
  for (uint32_t i = 0; i < ndef && rc == 0; i++) {
    while (b.len % 16 && wr_xbuf_reserve(&b, 1)) b.p[b.len++] = 0xCC;
    off[i] = b.len;
    rc = wr_fj_compile(inst, i, &b, &relocs, err);
  }
  if (rc == 0 && b.oom) rc = wr_err(err, WR_ERR_NOMEM, "out of memory for %llu bytes of code",
                                    (unsigned long long)b.cap);
  if (rc < 0) goto out;
  for (size_t k = 0; k < relocs.n; k++) {
    int32_t rel = (int32_t)((int64_t)off[relocs.r[k].callee] - (int64_t)(relocs.r[k].pos + 4));
    memcpy(b.p + relocs.r[k].pos, &rel, 4);
  }
  /* the unused tail goes back; the rest becomes read+execute, no longer writable */
  size = (b.len + (size_t)page - 1) / (size_t)page * (size_t)page;
  if (size < b.cap) munmap(b.p + size, b.cap - size);
  b.cap = size;
  p = b.p;
  if (mprotect(p, size, PROT_READ | PROT_EXEC) < 0) {
    rc = wr_err(err, WR_ERR_IO, "fast-jit: making the code executable: %s", strerror(errno));
    goto out;
  }
  b.p = NULL; /* the instance owns it now */
  fi->code = p;
  fi->code_size = size;
  fi->inst = inst;
  fi->ndef = ndef;
  for (uint32_t i = 0; i < ndef; i++) fi->entries[i] = fi->code + off[i];
  if (wr_code_register((uintptr_t)p, size, fj_resolve, fi) < 0) {
    rc = wr_err(err, WR_ERR_NOMEM, "fast-jit: too many compiled modules alive at once");
    goto out;
  }
  fi->api.entries = fi->entries;
  double dt = now() - t0;
  if (wr_verbose)
    fprintf(stderr,
            "wasm-run: fast-jit: %u functions, %llu bytes of wasm code -> %zu bytes of machine code in %.2f ms "
            "of CPU time (%.1f MB/s)\n",
            ndef, (unsigned long long)wasm_bytes, b.len, dt * 1e3, dt > 0 ? (double)wasm_bytes / dt / 1e6 : 0.0);
  const char *pm = getenv("WASM_RUN_PERFMAP");
  if (pm && strcmp(pm, "1") == 0) write_perfmap(m, fi, off, ndef, b.len);
out:
  if (b.p) munmap(b.p, b.cap);
  free(relocs.r);
  free(off);
  return rc;
}

const wr_mode_ops wr_fast_jit_ops = {
    .entry = fj_entry,
    .prepare = fj_prepare,
    .release = fj_release,
};

#endif
