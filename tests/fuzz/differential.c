/* differential.c: libFuzzer harness comparing every mode against classic
 * (fuzz-differential).
 *
 * The input drives gen.c to build a valid module, and what it leaves over gives
 * the arguments. Each export is called in turn (state carries over between calls)
 * in classic, the reference semantics, and then in every other mode this build has
 * (aot through an image the plugin's compiler makes in a memfd); the results, trap
 * kinds, final memory and globals must agree. f32 and f64 values compare
 * equal when both are NaN (the spec leaves NaN bits open); the generator
 * canonicalises NaNs before their bits can reach integers or memory. v128 values
 * compare bit for bit: the generator canonicalises each NaN lane right after every
 * SIMD instruction that may make one with open bits (and scalars before they enter
 * a vector), so the spec defines every bit of every v128, whatever the lanes mean,
 * and no mode may differ in any of them. A generated
 * module that fails to load is a bug too (in the generator or the validator).
 *
 * FUZZ_DUMP_WASM=FILE writes each generated module to FILE, to look at a
 * reproducer with wasm2wat; FUZZ_VERBOSE=1 prints the outcome of each call.
 * FUZZ_MODES="fast-jit aot" compares only those modes against classic (default:
 * every mode of the build), to go on fuzzing one mode while another has a known bug. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "aot-cache/compiler.h"
#include "aot-cache/image.h"
#include "gen.h"
#include "modes/aot.h"
#include "runtime/runtime.h"

#define FUEL 500 /* loop iterations and calls per export call */
#define MAX_CALLS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct call_rec {
  const char *name;
  const wr_functype *type;
  int rc, trap;
  uint64_t results[2]; /* slots: one value, a v128 takes both */
  char msg[WR_ERROR_MSG_MAX];
} call_rec;

typedef struct run_rec {
  int ncalls;
  call_rec calls[MAX_CALLS];
  uint8_t *mem;
  uint64_t mem_size;
  uint32_t nglobals;
  uint64_t globals[16][2]; /* two slots for a v128 */
  wr_valtype gtypes[16];
} run_rec;

static bool verbose;

/* Whether FUZZ_MODES (a list of mode names) names `mode`, or is unset. */
static bool mode_wanted(wr_mode mode) {
  const char *list = getenv("FUZZ_MODES");
  if (!list) return true;
  const char *name = wr_mode_name(mode);
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ' || p[-1] == ',') && (p[n] == 0 || p[n] == ' ' || p[n] == ','))
      return true;
  return false;
}
static const uint8_t *cur_wasm;
static size_t cur_len;

static void dump_module(void) {
  const char *path = getenv("FUZZ_DUMP_WASM");
  if (!path) return;
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(cur_wasm, 1, cur_len, f);
  fclose(f);
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz-differential: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

/* aot: the module compiled into an image (in a memfd) by the plugin's compiler,
 * mapped and bound to m, as `wasm-run --mode=aot` does; NULL where this build has
 * no compiler. Any failure of a compiler that is there is a bug. */
static wr_image *aot_image(const wr_module *m) {
  static int have = -1; /* whether the compiler loads (tried once) */
  static const wr_compiler *c;
  wr_error err = {0};
  if (have < 0) have = wr_compiler_load(&c, &err) == 0;
  if (!have) return NULL;
  wr_image *img = NULL;
  int fd = memfd_create("fuzz-aot", MFD_CLOEXEC);
  if (fd < 0) fail("memfd_create failed");
  if (c->compile(cur_wasm, cur_len, 2, NULL, "fuzz-differential", fd, &err) < 0 ||
      wr_image_open(fd, &img, &err) < 0 || wr_image_map(img, &err) < 0 || wr_image_bind(img, m, &err) < 0)
    fail("aot: compiling a generated module: %s", err.msg);
  close(fd);
  return img;
}

/* Runs every exported function of m in `mode`; false when the mode cannot run
 * this module (WR_ERR_UNSUPPORTED). */
static bool run(const wr_module *m, wr_mode mode, fz_src args, run_rec *r) {
  wr_error err = {0};
  memset(r, 0, sizeof *r);
  wr_image *img = NULL;
  if (mode == WR_MODE_AOT && !(img = aot_image(m))) return false;
  wr_store *s = wr_store_new(&err);
  if (!s) fail("%s: %s", wr_mode_name(mode), err.msg);
  wr_store_set_max_pages(s, 16);
  wr_instance *inst = NULL;
  int rc = wr_instantiate(s, m, mode, NULL, NULL, &inst, &err);
  if (rc == WR_ERR_UNSUPPORTED) {
    if (verbose) fprintf(stderr, "%s: skipped: %s\n", wr_mode_name(mode), err.msg);
    wr_store_free(s);
    if (img) wr_aot_unbind(m), wr_image_free(img);
    return false;
  }
  if (rc < 0) fail("%s: instantiating a generated module: %s", wr_mode_name(mode), err.msg);
  wr_global *fuel = inst->ctx.globals[FZ_FUEL_GLOBAL];
  for (uint32_t i = 0; i < m->nexports && r->ncalls < MAX_CALLS; i++) {
    const wr_export *e = &m->exports[i];
    if (e->kind != WR_EXTERN_FUNC) continue;
    wr_funcinst *f = inst->ctx.funcs[e->index];
    call_rec *c = &r->calls[r->ncalls++];
    c->name = e->name.str;
    c->type = f->type;
    uint64_t argv[16] = {0};
    for (uint32_t p = 0, slot = 0; p < f->type->nparams && slot + 2 <= 16; p++) {
      wr_valtype t = f->type->params[p];
      argv[slot] = fz_u64(&args);
      if (t == WR_I32 || t == WR_F32) argv[slot] &= 0xFFFFFFFF;
      slot++;
      if (t == WR_V128) argv[slot++] = fz_u64(&args);
    }
    fuel->val[0] = FUEL;
    wr_error_clear(&err);
    c->rc = wr_invoke(s, f, argv, c->results, &err);
    c->trap = c->rc == WR_ERR_TRAP ? err.trap : 0;
    if (c->rc < 0) snprintf(c->msg, sizeof c->msg, "%s", err.msg);
    if (verbose)
      fprintf(stderr, "%s: %s: %s\n", wr_mode_name(mode), c->name, c->rc ? c->msg : "returned");
    if (c->rc < 0 && c->rc != WR_ERR_TRAP)
      fail("%s: calling %s: unexpected error %d: %s", wr_mode_name(mode), c->name, c->rc, err.msg);
  }
  wr_memory *mem = inst->mems[0];
  r->mem_size = mem->size;
  r->mem = malloc(mem->size ? mem->size : 1);
  if (!r->mem) fail("out of memory");
  memcpy(r->mem, mem->base, mem->size);
  r->nglobals = inst->nglobals < 16 ? inst->nglobals : 16;
  for (uint32_t g = 0; g < r->nglobals; g++) {
    r->globals[g][0] = inst->ctx.globals[g]->val[0];
    r->globals[g][1] = inst->ctx.globals[g]->type.type == WR_V128 ? inst->ctx.globals[g]->val[1] : 0;
    r->gtypes[g] = inst->ctx.globals[g]->type.type;
  }
  wr_store_free(s);
  if (img) wr_aot_unbind(m), wr_image_free(img);
  return true;
}

/* Equality of two values of type t (in slots a[], b[]), with any f32 or f64 NaN
 * equal to any NaN and v128 values equal only bit for bit (see the top). */
static bool same_value(wr_valtype t, const uint64_t *av, const uint64_t *bv) {
  uint64_t a = av[0], b = bv[0];
  switch (t) {
  case WR_V128: return a == b && av[1] == bv[1];
  case WR_I32: return (uint32_t)a == (uint32_t)b;
  case WR_F32: {
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    float fx, fy;
    memcpy(&fx, &x, 4);
    memcpy(&fy, &y, 4);
    return x == y || (isnan(fx) && isnan(fy));
  }
  case WR_F64: {
    double fx, fy;
    memcpy(&fx, &a, 8);
    memcpy(&fy, &b, 8);
    return a == b || (isnan(fx) && isnan(fy));
  }
  default: return a == b;
  }
}

static void compare(wr_mode mode, const run_rec *ref, const run_rec *got) {
  const char *mn = wr_mode_name(mode);
  for (int i = 0; i < ref->ncalls; i++) {
    const call_rec *a = &ref->calls[i], *b = &got->calls[i];
    if (a->rc != b->rc || a->trap != b->trap)
      fail("%s: call %d (%s): classic gave %d (%s), %s gave %d (%s)", mn, i, a->name, a->rc,
           a->rc ? a->msg : "ok", mn, b->rc, b->rc ? b->msg : "ok");
    if (a->rc) continue;
    for (uint32_t k = 0, slot = 0; k < a->type->nresults; slot += wr_valtype_slots(a->type->results[k]), k++)
      if (!same_value(a->type->results[k], a->results + slot, b->results + slot))
        fail("%s: call %d (%s): result %u is 0x%llx:%llx in classic, 0x%llx:%llx in %s", mn, i, a->name, k,
             (unsigned long long)a->results[slot + 1], (unsigned long long)a->results[slot],
             (unsigned long long)b->results[slot + 1], (unsigned long long)b->results[slot], mn);
  }
  if (ref->mem_size != got->mem_size)
    fail("%s: memory is %llu bytes in classic, %llu in %s", mn, (unsigned long long)ref->mem_size,
         (unsigned long long)got->mem_size, mn);
  for (uint64_t o = 0; o < ref->mem_size; o++)
    if (ref->mem[o] != got->mem[o])
      fail("%s: memory byte 0x%llx is 0x%02x in classic, 0x%02x in %s", mn, (unsigned long long)o,
           ref->mem[o], got->mem[o], mn);
  for (uint32_t g = 0; g < ref->nglobals; g++)
    if (!same_value(ref->gtypes[g], ref->globals[g], got->globals[g]))
      fail("%s: global %u is 0x%llx:%llx in classic, 0x%llx:%llx in %s", mn, g,
           (unsigned long long)ref->globals[g][1], (unsigned long long)ref->globals[g][0],
           (unsigned long long)got->globals[g][1], (unsigned long long)got->globals[g][0], mn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_src src = {data, size};
  verbose = getenv("FUZZ_VERBOSE") != NULL;
  uint8_t *wasm = NULL;
  size_t len = 0;
  if (fz_gen_module(&src, &wasm, &len) < 0) return 0;
  cur_wasm = wasm, cur_len = len;
  dump_module();
  wr_module *m = NULL;
  wr_error err = {0};
  if (wr_module_load(wasm, len, &m, &err) < 0) fail("the generated module does not load: %s", err.msg);
  static run_rec ref, got;
  if (!run(m, WR_MODE_CLASSIC, src, &ref)) fail("classic cannot run a generated module");
  for (int mode = 0; mode < WR_MODE_COUNT; mode++) {
    if (mode == WR_MODE_CLASSIC || !wr_mode_available(mode) || !mode_wanted(mode)) continue;
    if (!run(m, mode, src, &got)) continue;
    compare(mode, &ref, &got);
    free(got.mem);
  }
  free(ref.mem);
  wr_module_free(m);
  free(wasm);
  return 0;
}
