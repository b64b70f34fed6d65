/* runner.c: wr-spec, the spec test runner.
 *
 * Reads the JSON scripts wast2json writes (plus the .wasm files beside them) and runs
 * every command against the runtime in each requested mode, with the `spectest` host
 * module: module, register, action, assert_return, assert_trap, assert_exhaustion,
 * assert_invalid, assert_malformed, assert_unlinkable, assert_uninstantiable.
 * Prints one line per failing command, a per-file table and the summary line
 * `N passed, N failed, N skipped`.
 *
 * Each (file, mode) runs in a forked child by default, so that a runtime crash or hang
 * costs one file, not the whole run; the child reports its counts through shared
 * memory as it goes. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aot-cache/compiler.h"
#include "aot-cache/image.h"
#include "modes/aot.h"
#include "runtime/runtime.h"

enum { OUT_PASS, OUT_FAIL, OUT_SKIP };

typedef struct counts {
  unsigned passed, failed, skipped;
} counts;

/* What a child tells its parent, updated before and after every command, so that the
 * parent can account for a child that died. */
typedef struct progress {
  counts c;
  unsigned total, done;
  int line;
  char cmd[32];
  char display[512];
} progress;

static bool verbose;
static bool isolate = true;
static unsigned timeout_s = 300;

/* ---- per-file state ------------------------------------------------------------- */

enum { MOD_OK, MOD_FAILED, MOD_SKIPPED };

/* Every module the file loads, kept until the store is freed: the runtime refers to
 * the module and the module to its bytes. */
typedef struct modrec {
  struct modrec *next;
  char *name; /* "$M", or NULL */
  int state;
  int line;
  uint8_t *bytes;
  size_t len;
  wr_module *module;
  wr_image *image; /* aot: the module compiled, bound to module */
  wr_instance *inst;
} modrec;

typedef struct reg {
  struct reg *next;
  char *as;
  size_t as_len;
  modrec *mod;
} reg;

typedef struct host_export {
  const char *name;
  wr_extern ext;
} host_export;

typedef struct filectx {
  char *dir; /* directory of the JSON, where its .wasm files are */
  const char *display;
  const char *mode_name;
  wr_mode mode;
  wr_store *store;
  modrec *mods; /* newest first */
  modrec *current;
  reg *regs; /* newest first: a later register shadows an earlier one */
  host_export spectest[16];
  int nspectest;
  char spectest_error[WR_ERROR_MSG_MAX + 32];
  bool hit_skipped; /* the resolver met a registered module that was skipped */
  progress *prog;
} filectx;

/* ---- small helpers ---------------------------------------------------------------- */


static const char *errcode_str(int code) {
  switch (code) {
  case WR_OK: return "success";
  case WR_ERR_MALFORMED: return "malformed";
  case WR_ERR_INVALID: return "invalid";
  case WR_ERR_LINK: return "link error";
  case WR_ERR_INSTANTIATE: return "instantiation error";
  case WR_ERR_TRAP: return "trap";
  case WR_ERR_NOMEM: return "out of memory";
  case WR_ERR_IO: return "I/O error";
  case WR_ERR_USAGE: return "usage error";
  case WR_ERR_UNSUPPORTED: return "unsupported";
  case WR_ERR_EXIT: return "exit";
  default: return "unknown error";
  }
}

static void print_error(FILE *out, const wr_error *err) {
  fprintf(out, "%s: %s", errcode_str(err->code), err->msg[0] ? err->msg : "(no message)");
}

static const char *jstr(json_t *obj, const char *key) {
  return json_string_value(json_object_get(obj, key));
}

/* Names compare as bytes: wasm names and JSON strings may hold NUL. */
static bool name_eq(const char *a, size_t alen, const char *b, size_t blen) {
  return alen == blen && memcmp(a, b, alen) == 0;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool ok = !ferror(f) && buf;
  fclose(f);
  if (!ok) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

/* ---- values ------------------------------------------------------------------------ */

enum { NAN_NONE, NAN_CANONICAL, NAN_ARITHMETIC };

static int nan_kind(const char *s) {
  if (strcmp(s, "nan:canonical") == 0) return NAN_CANONICAL;
  if (strcmp(s, "nan:arithmetic") == 0) return NAN_ARITHMETIC;
  return NAN_NONE;
}

/* Parses a decimal integer of `width` bits, unsigned or (for lanes written signed)
 * negative, into its bit pattern. */
static bool parse_bits(const char *s, unsigned width, uint64_t *out) {
  if (!s || !*s) return false;
  uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
  char *end;
  errno = 0;
  if (s[0] == '-') {
    long long v = strtoll(s, &end, 10);
    if (errno || *end || (width < 64 && v < -(1LL << (width - 1)))) return false;
    *out = (uint64_t)v & mask;
    return true;
  }
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > mask) return false;
  *out = v;
  return true;
}

static bool nan_ok(uint64_t bits, unsigned width, int kind) {
  uint64_t quiet = width == 32 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
  uint64_t abs = width == 32 ? bits & 0x7fffffffu : bits & ~(UINT64_C(1) << 63);
  if (kind == NAN_CANONICAL) return abs == quiet;
  return (bits & quiet) == quiet;
}

typedef struct lanes {
  unsigned width, count;
  bool is_float;
} lanes;

static bool lane_info(const char *lt, lanes *l) {
  static const struct {
    const char *name;
    unsigned width;
    bool is_float;
  } tab[] = {{"i8", 8, false},   {"i16", 16, false}, {"i32", 32, false},
             {"i64", 64, false}, {"f32", 32, true},  {"f64", 64, true}};
  for (size_t i = 0; lt && i < sizeof tab / sizeof tab[0]; i++)
    if (strcmp(lt, tab[i].name) == 0) {
      *l = (lanes){tab[i].width, 128 / tab[i].width, tab[i].is_float};
      return true;
    }
  return false;
}

static uint64_t lane_get(const uint64_t v[2], const lanes *l, unsigned i) {
  unsigned bit = i * l->width;
  uint64_t mask = l->width == 64 ? UINT64_MAX : (UINT64_C(1) << l->width) - 1;
  return (v[bit / 64] >> (bit % 64)) & mask;
}

static void lane_set(uint64_t v[2], const lanes *l, unsigned i, uint64_t bits) {
  unsigned bit = i * l->width;
  v[bit / 64] |= bits << (bit % 64);
}

/* Parses a v128 value: lane_type and one string per lane into two slots, low 64 bits
 * first; nan[i] receives each lane's NaN expectation (may be NULL for arguments). */
static const char *parse_v128(json_t *val, uint64_t out[2], lanes *l, uint8_t *nan) {
  if (!lane_info(jstr(val, "lane_type"), l)) return "v128 without a valid lane_type";
  json_t *arr = json_object_get(val, "value");
  if (!json_is_array(arr) || json_array_size(arr) != l->count)
    return "v128 value is not an array of one string per lane";
  out[0] = out[1] = 0;
  for (unsigned i = 0; i < l->count; i++) {
    const char *s = json_string_value(json_array_get(arr, i));
    uint64_t bits = 0;
    int nk = s ? nan_kind(s) : NAN_NONE;
    if (nk != NAN_NONE && (!nan || !l->is_float)) return "NaN pattern where none is allowed";
    if (nk == NAN_NONE && !parse_bits(s, l->width, &bits)) return "invalid v128 lane";
    if (nan) nan[i] = nk;
    lane_set(out, l, i, bits);
  }
  return NULL;
}

static wr_valtype type_from_str(const char *s) {
  static const wr_valtype all[] = {WR_I32, WR_I64, WR_F32, WR_F64, WR_V128, WR_FUNCREF, WR_EXTERNREF};
  for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
    if (strcmp(s, wr_valtype_name(all[i])) == 0) return all[i];
  return 0;
}

static unsigned scalar_width(wr_valtype t) { return t == WR_I32 || t == WR_F32 ? 32 : 64; }

/* Turns a JSON argument of type `want` into slots. Returns NULL or why not. */
static const char *parse_arg(json_t *arg, wr_valtype want, uint64_t *slots) {
  wr_valtype t = type_from_str(jstr(arg, "type"));
  if (!t) return "argument without a valid type";
  if (t != want) return "argument type does not match the parameter";
  const char *s = jstr(arg, "value");
  if (t == WR_V128) {
    lanes l;
    return parse_v128(arg, slots, &l, NULL);
  }
  if (!s) return "argument without a value";
  if (t == WR_FUNCREF) {
    if (strcmp(s, "null") != 0) return "cannot pass a non-null funcref";
    slots[0] = 0;
    return NULL;
  }
  if (t == WR_EXTERNREF) {
    uint64_t n;
    if (strcmp(s, "null") == 0) n = 0;
    else if (parse_bits(s, 32, &n)) n++; /* ref.extern N travels as N+1: 0 is null */
    else return "invalid externref argument";
    slots[0] = n;
    return NULL;
  }
  if (!parse_bits(s, scalar_width(t), &slots[0])) return "invalid argument value";
  return NULL;
}

/* ---- printing values ------------------------------------------------------------------ */

static void print_float(FILE *out, wr_valtype t, uint64_t bits) {
  if (t == WR_F32) {
    float f;
    uint32_t b = (uint32_t)bits;
    memcpy(&f, &b, 4);
    fprintf(out, "%" PRIu32 " (%.9g)", b, f);
  } else {
    double d;
    memcpy(&d, &bits, 8);
    fprintf(out, "%" PRIu64 " (%.17g)", bits, d);
  }
}

static void print_v128(FILE *out, const uint64_t v[2], const lanes *l, const char *lt) {
  fprintf(out, "v128:%sx%u[", lt, l->count);
  for (unsigned i = 0; i < l->count; i++)
    fprintf(out, "%s%" PRIu64, i ? " " : "", lane_get(v, l, i));
  fputc(']', out);
}

/* Prints a result; a v128 in the lane shape `lt` (of the expectation) when known. */
static void print_value(FILE *out, wr_valtype t, const uint64_t *v, const char *lt) {
  lanes l;
  switch (t) {
  case WR_I32: fprintf(out, "i32:%" PRIu32, (uint32_t)v[0]); break;
  case WR_I64: fprintf(out, "i64:%" PRIu64, v[0]); break;
  case WR_F32:
  case WR_F64:
    fprintf(out, "%s:", wr_valtype_name(t));
    print_float(out, t, v[0]);
    break;
  case WR_V128:
    if (!lane_info(lt, &l)) {
      lt = "i32";
      lane_info(lt, &l);
    }
    print_v128(out, v, &l, lt);
    break;
  case WR_FUNCREF: fprintf(out, v[0] ? "funcref:non-null" : "funcref:null"); break;
  case WR_EXTERNREF:
    if (v[0]) fprintf(out, "externref:%" PRIu64, v[0] - 1);
    else fprintf(out, "externref:null");
    break;
  default: fprintf(out, "?"); break;
  }
}

static void print_values(FILE *out, const wr_valtype *types, uint32_t n, const uint64_t *slots,
                         json_t *expected) {
  if (n != 1) fputc('(', out);
  for (uint32_t i = 0; i < n; i++) {
    if (i) fputs(", ", out);
    json_t *e = json_array_get(expected, i);
    if (jstr(e, "type") && strcmp(jstr(e, "type"), "either") == 0)
      e = json_array_get(json_object_get(e, "values"), 0);
    print_value(out, types[i], slots, jstr(e, "lane_type"));
    slots += wr_valtype_slots(types[i]);
  }
  if (n != 1) fputc(')', out);
}

static void print_expected_one(FILE *out, json_t *e) {
  const char *type = jstr(e, "type");
  if (type && strcmp(type, "either") == 0) {
    json_t *alts = json_object_get(e, "values");
    fputs("either(", out);
    for (size_t i = 0; i < json_array_size(alts); i++) {
      if (i) fputs(" | ", out);
      print_expected_one(out, json_array_get(alts, i));
    }
    fputc(')', out);
    return;
  }
  wr_valtype t = type_from_str(type);
  const char *s = jstr(e, "value");
  if (t == WR_V128) {
    json_t *arr = json_object_get(e, "value");
    fprintf(out, "v128:%sx%zu[", jstr(e, "lane_type") ? jstr(e, "lane_type") : "?",
            json_array_size(arr));
    for (size_t i = 0; i < json_array_size(arr); i++) {
      const char *ls = json_string_value(json_array_get(arr, i));
      fprintf(out, "%s%s", i ? " " : "", ls ? ls : "?");
    }
    fputc(']', out);
    return;
  }
  uint64_t bits;
  if ((t == WR_F32 || t == WR_F64) && s && parse_bits(s, scalar_width(t), &bits)) {
    fprintf(out, "%s:", type);
    print_float(out, t, bits);
    return;
  }
  fprintf(out, "%s:%s", type ? type : "?", s ? s : (wr_valtype_is_ref(t) ? "non-null" : "?"));
}

static void print_expected(FILE *out, json_t *expected) {
  size_t n = json_array_size(expected);
  if (n != 1) fputc('(', out);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs(", ", out);
    print_expected_one(out, json_array_get(expected, i));
  }
  if (n != 1) fputc(')', out);
}

/* ---- matching results -------------------------------------------------------------------- */

/* 1 when the result (type t, slots v) meets expectation e, 0 when not, -1 when e
 * itself is unusable (*why says why). */
static int match_one(json_t *e, wr_valtype t, const uint64_t *v, const char **why) {
  const char *type = jstr(e, "type");
  if (type && strcmp(type, "either") == 0) {
    json_t *alts = json_object_get(e, "values");
    if (!json_is_array(alts) || json_array_size(alts) == 0) {
      *why = "\"either\" without values";
      return -1;
    }
    for (size_t i = 0; i < json_array_size(alts); i++) {
      int r = match_one(json_array_get(alts, i), t, v, why);
      if (r != 0) return r;
    }
    return 0;
  }
  wr_valtype et = type_from_str(type);
  if (!et) {
    *why = "expected value without a valid type";
    return -1;
  }
  if (et != t) return 0;
  if (t == WR_V128) {
    uint64_t want[2];
    uint8_t nan[16];
    lanes l;
    if ((*why = parse_v128(e, want, &l, nan))) return -1;
    for (unsigned i = 0; i < l.count; i++) {
      uint64_t got = lane_get(v, &l, i);
      if (nan[i] ? !nan_ok(got, l.width, nan[i]) : got != lane_get(want, &l, i)) return 0;
    }
    return 1;
  }
  const char *s = jstr(e, "value");
  if (wr_valtype_is_ref(t)) {
    uint64_t n;
    if (!s) return v[0] != 0; /* (ref.func) / (ref.extern): any non-null reference */
    if (strcmp(s, "null") == 0) return v[0] == 0;
    if (!parse_bits(s, 32, &n)) {
      *why = "invalid reference in expectation";
      return -1;
    }
    return t == WR_FUNCREF ? v[0] != 0 : v[0] == n + 1;
  }
  if (!s) {
    *why = "expected value without a value";
    return -1;
  }
  unsigned width = scalar_width(t);
  int nk = nan_kind(s);
  if (nk != NAN_NONE) {
    if (t != WR_F32 && t != WR_F64) {
      *why = "NaN pattern for an integer";
      return -1;
    }
    return nan_ok(v[0], width, nk);
  }
  uint64_t bits;
  if (!parse_bits(s, width, &bits)) {
    *why = "invalid expected value";
    return -1;
  }
  uint64_t mask = width == 32 ? UINT32_MAX : UINT64_MAX;
  return (v[0] & mask) == bits;
}

/* ---- the spectest host module ---------------------------------------------------------- */

typedef struct print_fn {
  const char *name;
  wr_functype type;
} print_fn;

static wr_valtype p_i32[] = {WR_I32}, p_i64[] = {WR_I64}, p_f32[] = {WR_F32}, p_f64[] = {WR_F64},
                  p_i32_f32[] = {WR_I32, WR_F32}, p_f64_f64[] = {WR_F64, WR_F64};

static const print_fn print_fns[] = {
    {"print", {0, 0, NULL, NULL, 0, 0}},
    {"print_i32", {1, 0, p_i32, NULL, 1, 0}},
    {"print_i64", {1, 0, p_i64, NULL, 1, 0}},
    {"print_f32", {1, 0, p_f32, NULL, 1, 0}},
    {"print_f64", {1, 0, p_f64, NULL, 1, 0}},
    {"print_i32_f32", {2, 0, p_i32_f32, NULL, 2, 0}},
    {"print_f64_f64", {2, 0, p_f64_f64, NULL, 2, 0}},
};

static int spectest_print(wr_exec *ex, uint64_t *args) {
  const print_fn *p = wr_exec_host_data(ex);
  if (!verbose || !p) return 0;
  printf("spectest.%s(", p->name);
  for (uint32_t i = 0; i < p->type.nparams; i++) {
    if (i) fputs(", ", stdout);
    print_value(stdout, p->type.params[i], &args[i], NULL);
  }
  printf(")\n");
  return 0;
}

static bool spectest_add(filectx *f, const char *name, uint8_t kind, void *obj) {
  if (!obj) return false;
  host_export *h = &f->spectest[f->nspectest++];
  h->name = name;
  h->ext.kind = kind;
  switch (kind) {
  case WR_EXTERN_FUNC: h->ext.u.func = obj; break;
  case WR_EXTERN_TABLE: h->ext.u.table = obj; break;
  case WR_EXTERN_MEMORY: h->ext.u.memory = obj; break;
  default: h->ext.u.global = obj; break;
  }
  return true;
}

static bool spectest_global(filectx *f, const char *name, wr_valtype t, uint64_t bits, wr_error *err) {
  wr_globaltype gt = {.type = t, .mut = false};
  uint64_t val[2] = {bits, 0};
  return spectest_add(f, name, WR_EXTERN_GLOBAL, wr_global_new(f->store, &gt, val, err));
}

/* Makes the spectest objects in the file's store. On failure, imports of spectest fail
 * with the reason instead of the whole file. */
static void spectest_init(filectx *f) {
  wr_error err = {0};
  float f32 = 666.6f;
  double f64 = 666.6;
  uint32_t f32_bits;
  uint64_t f64_bits;
  memcpy(&f32_bits, &f32, 4);
  memcpy(&f64_bits, &f64, 8);
  bool ok = true;
  for (size_t i = 0; ok && i < sizeof print_fns / sizeof print_fns[0]; i++)
    ok = spectest_add(f, print_fns[i].name, WR_EXTERN_FUNC,
                      wr_host_func_new(f->store, &print_fns[i].type, spectest_print,
                                       (void *)&print_fns[i], print_fns[i].name, &err));
  ok = ok && spectest_global(f, "global_i32", WR_I32, 666, &err);
  ok = ok && spectest_global(f, "global_i64", WR_I64, 666, &err);
  ok = ok && spectest_global(f, "global_f32", WR_F32, f32_bits, &err);
  ok = ok && spectest_global(f, "global_f64", WR_F64, f64_bits, &err);
  wr_tabletype tt = {.elem = WR_FUNCREF, .lim = {.min = 10, .max = 20, .has_max = true}};
  ok = ok && spectest_add(f, "table", WR_EXTERN_TABLE, wr_table_new(f->store, &tt, 0, &err));
  wr_memtype mt = {.lim = {.min = 1, .max = 2, .has_max = true}};
  ok = ok && spectest_add(f, "memory", WR_EXTERN_MEMORY, wr_memory_new(f->store, &mt, &err));
  if (!ok)
    snprintf(f->spectest_error, sizeof f->spectest_error, "spectest host module: %s",
             err.msg[0] ? err.msg : "cannot be made");
}

/* ---- modules, exports and imports ------------------------------------------------------- */

/* Finds an export by exact bytes. wr_instance_export takes C strings, so a name with a
 * NUL in it goes through the module's export list and the instance's index spaces. */
static int find_export(wr_instance *inst, const char *name, size_t len, wr_extern *out,
                       wr_error *err) {
  if (!memchr(name, 0, len)) return wr_instance_export(inst, name, out, err);
  const wr_export *e = wr_module_find_export(inst->module, name, (uint32_t)len);
  if (!e) return wr_err(err, WR_ERR_LINK, "unknown export");
  out->kind = e->kind;
  switch (e->kind) {
  case WR_EXTERN_FUNC: out->u.func = inst->ctx.funcs[e->index]; break;
  case WR_EXTERN_TABLE: out->u.table = inst->ctx.tables[e->index]; break;
  case WR_EXTERN_MEMORY: out->u.memory = inst->mems[e->index]; break;
  default: out->u.global = inst->ctx.globals[e->index]; break;
  }
  return 0;
}

static int resolve(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  filectx *f = ud;
  for (reg *r = f->regs; r; r = r->next) {
    if (!name_eq(imp->module.str, imp->module.len, r->as, r->as_len)) continue;
    if (r->mod->state == MOD_SKIPPED) {
      f->hit_skipped = true;
      return wr_err(err, WR_ERR_LINK, "unknown import: module \"%s\" was skipped", r->as);
    }
    if (r->mod->state != MOD_OK || !r->mod->inst)
      return wr_err(err, WR_ERR_LINK, "unknown import: module \"%s\" failed", r->as);
    if (find_export(r->mod->inst, imp->name.str, imp->name.len, out, err) == 0) return 0;
    return wr_err(err, WR_ERR_LINK, "unknown import %s.%s", imp->module.str, imp->name.str);
  }
  if (name_eq(imp->module.str, imp->module.len, "spectest", 8)) {
    if (f->spectest_error[0]) return wr_err(err, WR_ERR_LINK, "%s", f->spectest_error);
    for (int i = 0; i < f->nspectest; i++)
      if (name_eq(imp->name.str, imp->name.len, f->spectest[i].name, strlen(f->spectest[i].name))) {
        *out = f->spectest[i].ext;
        return 0;
      }
  }
  return wr_err(err, WR_ERR_LINK, "unknown import %s.%s", imp->module.str, imp->name.str);
}

static modrec *modrec_new(filectx *f, const char *name, int line) {
  modrec *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->name = name ? strdup(name) : NULL;
  r->line = line;
  r->state = MOD_FAILED;
  r->next = f->mods;
  f->mods = r;
  return r;
}

static modrec *modrec_find(filectx *f, const char *name) {
  if (!name) return f->current;
  for (modrec *r = f->mods; r; r = r->next)
    if (r->name && strcmp(r->name, name) == 0) return r;
  return NULL;
}

/* Reads and decodes the command's "filename" into r (which keeps bytes and module). */
static int load_module(filectx *f, json_t *cmd, modrec *r, wr_error *err) {
  const char *file = jstr(cmd, "filename");
  if (!file) return wr_err(err, WR_ERR_USAGE, "command without a filename");
  char *path;
  if (asprintf(&path, "%s/%s", f->dir, file) < 0) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  size_t len = 0;
  r->bytes = read_file(path, &len);
  if (!r->bytes) {
    wr_err(err, WR_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    free(path);
    return err->code;
  }
  free(path);
  r->len = len;
  wr_error_clear(err);
  return wr_module_load(r->bytes, len, &r->module, err);
}

/* aot: compiles r's module into an image in a memfd, maps it and binds it to the
 * module, as `wasm-run --mode=aot` does. */
static int aot_compile(modrec *r, wr_error *err) {
  const wr_module *m = r->module;
  if (r->image || m->nfuncs == m->nimported_funcs) return 0; /* nothing to compile */
  const wr_compiler *c;
  int rc = wr_compiler_load(&c, err);
  if (rc < 0) return rc;
  int fd = memfd_create("wr-spec-aot", MFD_CLOEXEC);
  if (fd < 0) return wr_err(err, WR_ERR_IO, "memfd_create: %s", strerror(errno));
  if ((rc = c->compile(r->bytes, r->len, 2, NULL, "wr-spec", fd, err)) == 0 &&
      (rc = wr_image_open(fd, &r->image, err)) == 0 && (rc = wr_image_map(r->image, err)) == 0) {
    rc = wr_image_bind(r->image, m, err);
  }
  close(fd);
  return rc;
}

/* Instantiates r->module in the file's store. A link failure caused by a skipped
 * module is reported as WR_ERR_UNSUPPORTED, so it is skipped too. */
static int instantiate(filectx *f, modrec *r, wr_error *err) {
  f->hit_skipped = false;
  wr_error_clear(err);
  wr_instance *inst = NULL;
  int rc = f->mode == WR_MODE_AOT ? aot_compile(r, err) : 0;
  if (rc == 0) rc = wr_instantiate(f->store, r->module, f->mode, resolve, f, &inst, err);
  if (rc == 0) {
    r->inst = inst;
    r->state = MOD_OK;
  } else if (rc == WR_ERR_UNSUPPORTED || (rc == WR_ERR_LINK && f->hit_skipped)) {
    r->state = MOD_SKIPPED;
    rc = WR_ERR_UNSUPPORTED;
  }
  return rc;
}

static void free_modules(filectx *f) {
  for (modrec *r = f->mods, *next; r; r = next) {
    next = r->next;
    if (r->image) wr_aot_unbind(r->module);
    wr_image_free(r->image);
    if (r->module) wr_module_free(r->module);
    free(r->bytes);
    free(r->name);
    free(r);
  }
  f->mods = NULL;
  for (reg *g = f->regs, *next; g; g = next) {
    next = g->next;
    free(g->as);
    free(g);
  }
  f->regs = NULL;
}

/* ---- actions ------------------------------------------------------------------------------ */

typedef struct actres {
  int rc; /* of wr_invoke; 0 for a get */
  wr_error err;
  const wr_valtype *types;
  uint32_t ntypes;
  uint64_t *slots;
} actres;

/* Finds the module an action or register names (or the current one). Returns
 * OUT_PASS with *out set, or the outcome of the command when it cannot run. */
static int target_module(filectx *f, const char *name, modrec **out, FILE *msg) {
  modrec *r = modrec_find(f, name);
  if (!r) {
    fprintf(msg, name ? "unknown module %s" : "no module defined before this command", name);
    return OUT_FAIL;
  }
  if (r->state == MOD_SKIPPED) {
    fprintf(msg, "module at line %d was skipped", r->line);
    return OUT_SKIP;
  }
  if (r->state != MOD_OK) {
    fprintf(msg, "module at line %d failed", r->line);
    return OUT_FAIL;
  }
  *out = r;
  return OUT_PASS;
}

static int action_get(wr_extern *ext, actres *res, FILE *msg) {
  if (ext->kind != WR_EXTERN_GLOBAL) {
    fprintf(msg, "export is a %s, not a global", wr_extern_kind_name(ext->kind));
    return OUT_FAIL;
  }
  wr_global *g = ext->u.global;
  res->types = &g->type.type;
  res->ntypes = 1;
  res->slots = calloc(2, sizeof(uint64_t));
  if (!res->slots) return fprintf(msg, "out of memory"), OUT_FAIL;
  memcpy(res->slots, g->val, sizeof g->val);
  return OUT_PASS;
}

static int action_invoke(filectx *f, json_t *act, wr_extern *ext, actres *res, FILE *msg) {
  if (ext->kind != WR_EXTERN_FUNC) {
    fprintf(msg, "export is a %s, not a function", wr_extern_kind_name(ext->kind));
    return OUT_FAIL;
  }
  wr_funcinst *fn = ext->u.func;
  const wr_functype *ft = fn->type;
  json_t *args = json_object_get(act, "args");
  if (!json_is_array(args) || json_array_size(args) != ft->nparams) {
    fprintf(msg, "%zu arguments for a function of %" PRIu32 " parameters", json_array_size(args),
            ft->nparams);
    return OUT_FAIL;
  }
  uint64_t *in = calloc(ft->param_slots + 1, sizeof(uint64_t));
  res->slots = calloc(ft->result_slots + 1, sizeof(uint64_t));
  if (!in || !res->slots) {
    free(in);
    return fprintf(msg, "out of memory"), OUT_FAIL;
  }
  uint32_t slot = 0;
  for (uint32_t i = 0; i < ft->nparams; i++) {
    const char *why = parse_arg(json_array_get(args, i), ft->params[i], &in[slot]);
    if (why) {
      fprintf(msg, "argument %" PRIu32 ": %s", i, why);
      free(in);
      return OUT_FAIL;
    }
    slot += wr_valtype_slots(ft->params[i]);
  }
  res->types = ft->results;
  res->ntypes = ft->nresults;
  res->rc = wr_invoke(f->store, fn, in, res->slots, &res->err);
  free(in);
  return OUT_PASS;
}

/* Runs an "invoke" or "get". OUT_PASS means it ran (res->rc says how it ended). */
static int run_action(filectx *f, json_t *act, actres *res, FILE *msg) {
  memset(res, 0, sizeof *res);
  const char *type = jstr(act, "type");
  const char *field = jstr(act, "field");
  if (!json_is_object(act) || !type || !field) {
    fprintf(msg, "action without type or field");
    return OUT_FAIL;
  }
  modrec *r;
  int out = target_module(f, jstr(act, "module"), &r, msg);
  if (out != OUT_PASS) return out;
  wr_extern ext;
  wr_error err = {0};
  size_t flen = json_string_length(json_object_get(act, "field"));
  if (find_export(r->inst, field, flen, &ext, &err) != 0) {
    fprintf(msg, "%s", err.msg[0] ? err.msg : "unknown export");
    return OUT_FAIL;
  }
  if (strcmp(type, "invoke") == 0) return action_invoke(f, act, &ext, res, msg);
  if (strcmp(type, "get") == 0) return action_get(&ext, res, msg);
  fprintf(msg, "unknown action type %s", type);
  return OUT_FAIL;
}

static void print_outcome(FILE *msg, const actres *res, json_t *expected) {
  if (res->rc != 0) print_error(msg, &res->err);
  else print_values(msg, res->types, res->ntypes, res->slots, expected);
}

/* Whether an error's trap (or, for instantiation, its message) matches the expected
 * text. The spec's rule is that the expected text is a prefix of the message; the
 * reference interpreter adds details we do not ("uninitialized element 2"), so the
 * kind's wording being a prefix of the text passes too. */
static bool trap_matches(const wr_error *err, const char *text) {
  size_t n = strlen(text);
  if (err->trap > WR_TRAP_NONE && err->trap < WR_TRAP_COUNT) {
    const char *m = wr_trap_message(err->trap);
    size_t mlen = m ? strlen(m) : 0;
    if (mlen && (strncmp(m, text, n) == 0 || strncmp(m, text, mlen) == 0)) return true;
  }
  return strncmp(err->msg, text, n) == 0 || strstr(err->msg, text) != NULL;
}

/* ---- commands ------------------------------------------------------------------------------ */

static int cmd_module(filectx *f, json_t *cmd, int line, FILE *msg) {
  modrec *r = modrec_new(f, jstr(cmd, "name"), line);
  if (!r) return fprintf(msg, "out of memory"), OUT_FAIL;
  f->current = r;
  wr_error err = {0};
  int rc = load_module(f, cmd, r, &err);
  if (rc == 0) rc = instantiate(f, r, &err);
  if (rc == 0) return OUT_PASS;
  if (rc == WR_ERR_UNSUPPORTED) {
    r->state = MOD_SKIPPED;
    fprintf(msg, "%s", err.msg);
    return OUT_SKIP;
  }
  r->state = MOD_FAILED;
  fprintf(msg, "expected an instance, got ");
  print_error(msg, &err);
  return OUT_FAIL;
}

static int cmd_register(filectx *f, json_t *cmd, FILE *msg) {
  json_t *as = json_object_get(cmd, "as");
  const char *name = jstr(cmd, "name");
  modrec *r = modrec_find(f, name);
  if (!json_is_string(as)) return fprintf(msg, "register without \"as\""), OUT_FAIL;
  if (!r) {
    fprintf(msg, name ? "unknown module %s" : "no module defined before this command", name);
    return OUT_FAIL;
  }
  reg *g = calloc(1, sizeof *g);
  if (!g || !(g->as = malloc(json_string_length(as) + 1))) {
    free(g);
    return fprintf(msg, "out of memory"), OUT_FAIL;
  }
  /* Registered even when skipped or failed, so importers are judged accordingly. */
  g->as_len = json_string_length(as);
  memcpy(g->as, json_string_value(as), g->as_len + 1);
  g->mod = r;
  g->next = f->regs;
  f->regs = g;
  modrec *dummy;
  return target_module(f, name, &dummy, msg);
}

static int cmd_action(filectx *f, json_t *cmd, FILE *msg) {
  actres res;
  int out = run_action(f, json_object_get(cmd, "action"), &res, msg);
  if (out == OUT_PASS && res.rc != 0) {
    fprintf(msg, "expected success, got ");
    print_error(msg, &res.err);
    out = OUT_FAIL;
  }
  free(res.slots);
  return out;
}

static int check_results(json_t *expected, const actres *res, FILE *msg) {
  const char *why = NULL;
  int ok = json_array_size(expected) == res->ntypes;
  const uint64_t *v = res->slots;
  for (uint32_t i = 0; ok > 0 && i < res->ntypes; i++) {
    ok = match_one(json_array_get(expected, i), res->types[i], v, &why);
    v += wr_valtype_slots(res->types[i]);
  }
  if (ok > 0) return OUT_PASS;
  if (ok < 0) {
    fprintf(msg, "unusable expectation: %s", why);
    return OUT_FAIL;
  }
  fprintf(msg, "expected ");
  print_expected(msg, expected);
  fprintf(msg, ", got ");
  print_outcome(msg, res, expected);
  return OUT_FAIL;
}

static int cmd_assert_return(filectx *f, json_t *cmd, FILE *msg) {
  json_t *expected = json_object_get(cmd, "expected");
  if (!json_is_array(expected)) return fprintf(msg, "assert_return without \"expected\""), OUT_FAIL;
  actres res;
  int out = run_action(f, json_object_get(cmd, "action"), &res, msg);
  if (out == OUT_PASS && res.rc != 0) {
    fprintf(msg, "expected ");
    print_expected(msg, expected);
    fprintf(msg, ", got ");
    print_error(msg, &res.err);
    out = OUT_FAIL;
  } else if (out == OUT_PASS) {
    out = check_results(expected, &res, msg);
  }
  free(res.slots);
  return out;
}

/* Older wast2json wrote NaN expectations as commands of their own, with only the
 * result types; every result must then be such a NaN. */
static int cmd_assert_return_nan(filectx *f, json_t *cmd, const char *pattern, FILE *msg) {
  actres res;
  int out = run_action(f, json_object_get(cmd, "action"), &res, msg);
  json_t *expected = json_array();
  for (uint32_t i = 0; out == OUT_PASS && expected && i < res.ntypes; i++)
    json_array_append_new(expected, json_pack("{s:s, s:s}", "type", wr_valtype_name(res.types[i]),
                                              "value", pattern));
  if (out == OUT_PASS && !expected) {
    fprintf(msg, "out of memory");
    out = OUT_FAIL;
  } else if (out == OUT_PASS && res.rc != 0) {
    fprintf(msg, "expected %s, got ", pattern);
    print_error(msg, &res.err);
    out = OUT_FAIL;
  } else if (out == OUT_PASS) {
    out = check_results(expected, &res, msg);
  }
  json_decref(expected);
  free(res.slots);
  return out;
}

/* assert_trap and assert_uninstantiable on a module: instantiation must fail because
 * of a trap (start function, or a segment out of bounds). */
static int cmd_uninstantiable(filectx *f, json_t *cmd, int line, const char *text, FILE *msg) {
  modrec *r = modrec_new(f, NULL, line);
  if (!r) return fprintf(msg, "out of memory"), OUT_FAIL;
  wr_error err = {0};
  int rc = load_module(f, cmd, r, &err);
  if (rc == 0) rc = instantiate(f, r, &err);
  if (rc == WR_ERR_UNSUPPORTED) return fprintf(msg, "%s", err.msg), OUT_SKIP;
  if ((rc == WR_ERR_TRAP || rc == WR_ERR_INSTANTIATE) && trap_matches(&err, text)) return OUT_PASS;
  fprintf(msg, "expected instantiation to trap \"%s\", got ", text);
  if (rc == 0) fprintf(msg, "an instance");
  else print_error(msg, &err);
  return OUT_FAIL;
}

static int cmd_assert_trap(filectx *f, json_t *cmd, int line, FILE *msg) {
  const char *text = jstr(cmd, "text");
  if (!text) return fprintf(msg, "no expected trap text"), OUT_FAIL;
  if (!json_object_get(cmd, "action") && jstr(cmd, "filename"))
    return cmd_uninstantiable(f, cmd, line, text, msg);
  actres res;
  int out = run_action(f, json_object_get(cmd, "action"), &res, msg);
  if (out == OUT_PASS && !(res.rc == WR_ERR_TRAP && trap_matches(&res.err, text))) {
    fprintf(msg, "expected trap \"%s\", got ", text);
    print_outcome(msg, &res, NULL);
    out = OUT_FAIL;
  }
  free(res.slots);
  return out;
}

static int cmd_assert_exhaustion(filectx *f, json_t *cmd, FILE *msg) {
  const char *text = jstr(cmd, "text");
  if (!text) text = "call stack exhausted";
  actres res;
  int out = run_action(f, json_object_get(cmd, "action"), &res, msg);
  if (out == OUT_PASS &&
      !(res.rc == WR_ERR_TRAP && (res.err.trap == WR_TRAP_STACK_EXHAUSTED || trap_matches(&res.err, text)))) {
    fprintf(msg, "expected trap \"%s\", got ", text);
    print_outcome(msg, &res, NULL);
    out = OUT_FAIL;
  }
  free(res.slots);
  return out;
}

/* assert_invalid and assert_malformed: decoding must fail with `want`. Text modules
 * (.wat) cannot be judged by a binary runtime. */
static int cmd_bad_module(filectx *f, json_t *cmd, int want, FILE *msg) {
  const char *mt = jstr(cmd, "module_type");
  const char *text = jstr(cmd, "text");
  if (mt && strcmp(mt, "binary") != 0) return fprintf(msg, "%s module", mt), OUT_SKIP;
  modrec r = {0};
  wr_error err = {0};
  int rc = load_module(f, cmd, &r, &err);
  if (r.module) wr_module_free(r.module);
  free(r.bytes);
  if (rc == want) return OUT_PASS;
  if (rc == WR_ERR_UNSUPPORTED) return fprintf(msg, "%s", err.msg), OUT_SKIP;
  fprintf(msg, "expected %s \"%s\", got ", errcode_str(want), text ? text : "");
  if (rc == 0) fprintf(msg, "a valid module");
  else print_error(msg, &err);
  return OUT_FAIL;
}

static int cmd_assert_unlinkable(filectx *f, json_t *cmd, int line, FILE *msg) {
  const char *text = jstr(cmd, "text");
  modrec *r = modrec_new(f, NULL, line);
  if (!r) return fprintf(msg, "out of memory"), OUT_FAIL;
  wr_error err = {0};
  int rc = load_module(f, cmd, r, &err);
  if (rc == 0) rc = instantiate(f, r, &err);
  if (rc == WR_ERR_LINK) return OUT_PASS;
  if (rc == WR_ERR_UNSUPPORTED) return fprintf(msg, "%s", err.msg), OUT_SKIP;
  fprintf(msg, "expected link error \"%s\", got ", text ? text : "");
  if (rc == 0) fprintf(msg, "an instance");
  else print_error(msg, &err);
  return OUT_FAIL;
}

static int run_command(filectx *f, json_t *cmd, const char *type, int line, FILE *msg) {
  if (!type) return fprintf(msg, "command without a type"), OUT_FAIL;
  if (strcmp(type, "module") == 0) return cmd_module(f, cmd, line, msg);
  if (strcmp(type, "register") == 0) return cmd_register(f, cmd, msg);
  if (strcmp(type, "action") == 0) return cmd_action(f, cmd, msg);
  if (strcmp(type, "assert_return") == 0) return cmd_assert_return(f, cmd, msg);
  if (strcmp(type, "assert_return_canonical_nan") == 0)
    return cmd_assert_return_nan(f, cmd, "nan:canonical", msg);
  if (strcmp(type, "assert_return_arithmetic_nan") == 0)
    return cmd_assert_return_nan(f, cmd, "nan:arithmetic", msg);
  if (strcmp(type, "assert_trap") == 0) return cmd_assert_trap(f, cmd, line, msg);
  if (strcmp(type, "assert_exhaustion") == 0) return cmd_assert_exhaustion(f, cmd, msg);
  if (strcmp(type, "assert_invalid") == 0) return cmd_bad_module(f, cmd, WR_ERR_INVALID, msg);
  if (strcmp(type, "assert_malformed") == 0) return cmd_bad_module(f, cmd, WR_ERR_MALFORMED, msg);
  if (strcmp(type, "assert_unlinkable") == 0) return cmd_assert_unlinkable(f, cmd, line, msg);
  if (strcmp(type, "assert_uninstantiable") == 0) {
    const char *text = jstr(cmd, "text");
    return cmd_uninstantiable(f, cmd, line, text ? text : "", msg);
  }
  fprintf(msg, "unknown command type %s", type);
  return OUT_FAIL;
}

/* ---- files ------------------------------------------------------------------------------------ */

static void report(filectx *f, int line, const char *cmd, int out, const char *text) {
  counts *c = &f->prog->c;
  if (out == OUT_PASS) c->passed++;
  else if (out == OUT_FAIL) c->failed++;
  else c->skipped++;
  if (out == OUT_FAIL)
    printf("%s:%d: %s: %s: %s\n", f->display, line, f->mode_name, cmd, text && *text ? text : "failed");
  else if (verbose)
    printf("%s:%d: %s: %s: %s%s%s\n", f->display, line, f->mode_name, cmd,
           out == OUT_PASS ? "passed" : "skipped", text && *text ? ": " : "", text ? text : "");
  fflush(stdout);
}

static void run_commands(filectx *f, json_t *cmds) {
  f->prog->total = (unsigned)json_array_size(cmds);
  for (size_t i = 0; i < json_array_size(cmds); i++) {
    json_t *cmd = json_array_get(cmds, i);
    const char *type = jstr(cmd, "type");
    int line = (int)json_integer_value(json_object_get(cmd, "line"));
    f->prog->line = line;
    snprintf(f->prog->cmd, sizeof f->prog->cmd, "%s", type ? type : "command");
    char *text = NULL;
    size_t len = 0;
    FILE *msg = open_memstream(&text, &len);
    if (!msg) {
      report(f, line, f->prog->cmd, OUT_FAIL, "out of memory");
    } else {
      int out = OUT_FAIL;
      if (json_is_object(cmd)) out = run_command(f, cmd, type, line, msg);
      else fprintf(msg, "command %zu is not a JSON object", i);
      fclose(msg);
      report(f, line, f->prog->cmd, out, text);
    }
    free(text);
    f->prog->done++;
  }
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, slash - path);
}

/* Runs every command of one JSON script in one mode; counts go to prog. */
static void run_file(const char *path, wr_mode mode, progress *prog) {
  filectx f = {.mode = mode, .mode_name = wr_mode_name(mode), .prog = prog, .display = path};
  snprintf(prog->display, sizeof prog->display, "%s", path);
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
  json_t *cmds = json_object_get(root, "commands");
  if (!json_is_array(cmds)) {
    char why[300];
    snprintf(why, sizeof why, "expected a wast2json script, got %s",
             root ? "no \"commands\" array" : jerr.text);
    report(&f, root || jerr.line < 0 ? 0 : jerr.line, "file", OUT_FAIL, why);
    json_decref(root);
    return;
  }
  /* The .wast name makes failure lines point at the source. */
  if (jstr(root, "source_filename")) {
    snprintf(prog->display, sizeof prog->display, "%s", jstr(root, "source_filename"));
    f.display = prog->display;
  }
  wr_error err = {0};
  f.dir = dir_of(path);
  f.store = wr_store_new(&err);
  if (!f.dir || !f.store) {
    report(&f, 0, "store", OUT_FAIL, f.dir ? err.msg : "out of memory");
  } else {
    spectest_init(&f);
    run_commands(&f, cmds);
  }
  if (f.store) wr_store_free(f.store);
  free_modules(&f);
  free(f.dir);
  json_decref(root);
}

/* Runs run_file in a child, so that a crash or hang of the runtime is one failure. */
static void run_file_isolated(const char *path, wr_mode mode, progress *prog) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "wr-spec: fork: %s; running %s in-process\n", strerror(errno), path);
    run_file(path, mode, prog);
    return;
  }
  if (pid == 0) {
    signal(SIGALRM, SIG_DFL);
    if (timeout_s) alarm(timeout_s);
    run_file(path, mode, prog);
    fflush(stdout);
    _exit(0);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  char why[128];
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    snprintf(why, sizeof why, "timed out after %u s", timeout_s);
  else if (WIFSIGNALED(status))
    snprintf(why, sizeof why, "crashed: %s (signal %d)", strsignal(WTERMSIG(status)), WTERMSIG(status));
  else
    snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(status));
  /* The command that was running and every one after it count as failed. */
  unsigned lost = prog->total > prog->done ? prog->total - prog->done : 1;
  prog->c.failed += lost;
  printf("%s:%d: %s: %s: expected completion, got %s; %u command%s not run\n", prog->display,
         prog->line, wr_mode_name(mode), prog->cmd[0] ? prog->cmd : "file", why, lost - 1,
         lost == 2 ? "" : "s");
  fflush(stdout);
}

/* ---- main ------------------------------------------------------------------------------------- */

typedef struct row {
  char *file;
  wr_mode mode;
  counts c;
} row;

static void print_table(const row *rows, size_t n) {
  int w = 4;
  for (size_t i = 0; i < n; i++)
    if (rows[i].file && (int)strlen(rows[i].file) > w) w = (int)strlen(rows[i].file);
  printf("\n%-*s  %-8s  %7s  %7s  %7s\n", w, "file", "mode", "passed", "failed", "skipped");
  for (size_t i = 0; i < n; i++)
    printf("%-*s  %-8s  %7u  %7u  %7u\n", w, rows[i].file ? rows[i].file : "?", wr_mode_name(rows[i].mode),
           rows[i].c.passed, rows[i].c.failed, rows[i].c.skipped);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: wr-spec [--mode=MODE]... [--verbose] [--no-fork] [--timeout=SECONDS] FILE.json...\n"
          "  runs wast2json scripts against the runtime; MODE is classic (default), fast,\n"
          "  fast-jit, llvm-jit or aot; --mode may repeat or list modes separated by commas\n");
}

static int add_modes(const char *list, wr_mode *modes, int *nmodes) {
  char *copy = strdup(list), *save = NULL;
  if (!copy) return -1;
  for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    int m = wr_mode_parse(tok);
    if (m < 0 || *nmodes >= WR_MODE_COUNT * 4) {
      fprintf(stderr, "wr-spec: unknown mode %s\n", tok);
      free(copy);
      return -1;
    }
    modes[(*nmodes)++] = (wr_mode)m;
  }
  free(copy);
  return 0;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"mode", required_argument, NULL, 'm'},   {"verbose", no_argument, NULL, 'v'},
      {"no-fork", no_argument, NULL, 'n'},      {"timeout", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
  };
  wr_mode modes[WR_MODE_COUNT * 4];
  int nmodes = 0, c;
  char *end;
  while ((c = getopt_long(argc, argv, "m:v", opts, NULL)) != -1) {
    switch (c) {
    case 'm':
      if (add_modes(optarg, modes, &nmodes) < 0) return 2;
      break;
    case 'v': verbose = true; break;
    case 'n': isolate = false; break;
    case 't':
      timeout_s = (unsigned)strtoul(optarg, &end, 10);
      if (*end || !*optarg) {
        fprintf(stderr, "wr-spec: --timeout needs a number of seconds, not %s\n", optarg);
        return 2;
      }
      break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  if (nmodes == 0) modes[nmodes++] = WR_MODE_CLASSIC;
  for (int m = 0; m < nmodes; m++)
    if (!wr_mode_available(modes[m]))
      fprintf(stderr, "wr-spec: mode %s is not available in this build; its modules are skipped\n",
              wr_mode_name(modes[m]));

  progress *prog = mmap(NULL, sizeof *prog, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  size_t nrows = (size_t)nmodes * (argc - optind);
  row *rows = calloc(nrows, sizeof *rows);
  if (prog == MAP_FAILED || !rows) {
    fprintf(stderr, "wr-spec: out of memory\n");
    return 2;
  }
  counts total = {0};
  size_t r = 0;
  for (int m = 0; m < nmodes; m++)
    for (int i = optind; i < argc; i++, r++) {
      memset(prog, 0, sizeof *prog);
      if (isolate) run_file_isolated(argv[i], modes[m], prog);
      else run_file(argv[i], modes[m], prog);
      rows[r] = (row){strdup(prog->display), modes[m], prog->c};
      total.passed += prog->c.passed;
      total.failed += prog->c.failed;
      total.skipped += prog->c.skipped;
    }
  print_table(rows, nrows);
  printf("%u passed, %u failed, %u skipped\n", total.passed, total.failed, total.skipped);
  for (size_t i = 0; i < nrows; i++) free(rows[i].file);
  free(rows);
  munmap(prog, sizeof *prog);
  return total.failed ? 1 : 0;
}
