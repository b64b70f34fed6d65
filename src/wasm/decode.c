/* decode.c: the Wasm 2.0 binary format, bytes to wr_module (before validation).
 *
 * Owns wr_module_decode: the header, every section, names (strict UTF-8), constant
 * expressions, and function bodies as far as their local declarations. Everything
 * is bounds-checked against the input, counts are checked against the bytes left
 * before anything is allocated, and any failure frees the partial module.
 *
 * Messages use the reference interpreter's wording, because the spec testsuite's
 * assert_malformed texts are that wording (compared as prefixes). Like the reference
 * interpreter, a non-custom section is read with the rest of the module as its
 * bound and its size is checked afterwards ("section size mismatch"); this makes
 * a wrong count or size produce the errors the testsuite expects. */
#include "module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leb.h"
#include "opcodes.h"

enum {
  SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
  SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATACOUNT, SEC_COUNT
};

/* What messages about each section start with. */
static const char *const section_where[SEC_COUNT] = {
  "section custom", "section type", "section import", "section function", "section table",
  "section memory", "section global", "section export", "section start", "section element",
  "section code", "section data", "section datacount",
};

/* Position of each section id in the required order (datacount sits between element
 * and code, though its id is the highest). */
static const uint8_t section_rank[SEC_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

static const char UNEXPECTED_END[] = "unexpected end";
static const char UNEXPECTED_END_SECTION[] = "unexpected end of section or function";

typedef struct dec {
  wr_module *m;
  wr_error *err;
  wr_reader r;
  const char *where;    /* what is being read, for messages: "section code", "header" */
  bool in_section;      /* a short read is then "unexpected end of section or function" */
  uint32_t nfuncsec;    /* entries of the function section */
  bool seen[SEC_COUNT];
  /* The first validation error met while decoding (a non-constant initialiser):
   * reported only if nothing later is malformed, as the spec decodes before it
   * validates. */
  int deferred;
  wr_error deferred_err;
} dec;

/* ---- errors ---- */

__attribute__((format(printf, 4, 5)))
static void report(dec *d, const uint8_t *at, int code, const char *fmt, ...) {
  char reason[WR_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (!at)
    wr_err(d->err, code, "%s: %s", d->where, reason);
  else
    wr_err(d->err, code, "%s at offset 0x%x: %s", d->where, (unsigned)(at - d->r.base), reason);
}

/* These return their code as a constant (not wr_err's result) so the compiler
 * sees that a failing reader never returns 0 and leaves its outputs unread. */
static int malformed(dec *d, const uint8_t *at, const char *reason) {
  report(d, at, WR_ERR_MALFORMED, "%s", reason);
  return WR_ERR_MALFORMED;
}

static int invalid(dec *d, const uint8_t *at, const char *reason) {
  report(d, at, WR_ERR_INVALID, "%s", reason);
  return WR_ERR_INVALID;
}

static int too_many(dec *d, const uint8_t *at, const char *what) {
  report(d, at, WR_ERR_MALFORMED, "too many %s", what);
  return WR_ERR_MALFORMED;
}

static int short_read(dec *d, const uint8_t *at) {
  return malformed(d, at, d->in_section ? UNEXPECTED_END_SECTION : UNEXPECTED_END);
}

static int nomem(dec *d) {
  wr_err(d->err, WR_ERR_NOMEM, "%s: out of memory", d->where);
  return WR_ERR_NOMEM;
}

/* ---- primitive readers over d->r ---- */

static size_t left(const dec *d) { return (size_t)(d->r.end - d->r.p); }

static int leb_fail(dec *d, const uint8_t *at, const char *why) {
  if (why == NULL || strcmp(why, UNEXPECTED_END) == 0) return short_read(d, at);
  return malformed(d, at, why);
}

static int rd_uleb(dec *d, unsigned bits, uint64_t *out) {
  const uint8_t *at = d->r.p;
  const char *why = NULL;
  if (wr_read_uleb(&d->r.p, d->r.end, bits, out, &why)) {
    d->r.p = at;
    return leb_fail(d, at, why);
  }
  return 0;
}

static int rd_u32(dec *d, uint32_t *out) {
  uint64_t v = 0;
  int rc = rd_uleb(d, 32, &v);
  if (rc) return rc;
  *out = (uint32_t)v;
  return 0;
}

static int rd_sleb(dec *d, unsigned bits, int64_t *out) {
  const uint8_t *at = d->r.p;
  const char *why = NULL;
  if (wr_read_sleb(&d->r.p, d->r.end, bits, out, &why)) {
    d->r.p = at;
    return leb_fail(d, at, why);
  }
  return 0;
}

static int rd_byte(dec *d, uint8_t *out) {
  if (d->r.p >= d->r.end) return short_read(d, d->r.p);
  *out = *d->r.p++;
  return 0;
}

static int rd_bytes(dec *d, size_t n, const uint8_t **out) {
  if (left(d) < n) return short_read(d, d->r.p);
  *out = d->r.p;
  d->r.p += n;
  return 0;
}

/* A length or vector count. Like the reference interpreter, it is out of bounds
 * only when larger than the bytes left counted from the length itself, so that a
 * length one too large reads to the end and reports "unexpected end". Either way
 * no vector can claim more items than there are bytes, which bounds allocations. */
static int rd_len(dec *d, uint32_t *out) {
  const uint8_t *at = d->r.p;
  int rc = rd_u32(d, out);
  if (rc) return rc;
  if (*out > (size_t)(d->r.end - at)) return malformed(d, at, "length out of bounds");
  return 0;
}

static int rd_count(dec *d, uint32_t max, const char *what, uint32_t *out) {
  const uint8_t *at = d->r.p;
  int rc = rd_len(d, out);
  if (rc) return rc;
  if (*out > max) return too_many(d, at, what);
  return 0;
}

/* Type bytes are 7-bit signed LEBs in the reference grammar: a set high bit is an
 * overlong integer, not an unknown type. */
static int rd_type_byte(dec *d, uint8_t *out) {
  const uint8_t *at = d->r.p;
  int rc = rd_byte(d, out);
  if (rc) return rc;
  if (*out & 0x80) return malformed(d, at, "integer representation too long");
  return 0;
}

static bool is_valtype(uint8_t b) {
  return b == WR_I32 || b == WR_I64 || b == WR_F32 || b == WR_F64 || b == WR_V128 ||
         b == WR_FUNCREF || b == WR_EXTERNREF;
}

static int rd_valtype(dec *d, wr_valtype *out) {
  const uint8_t *at = d->r.p;
  uint8_t b;
  int rc = rd_type_byte(d, &b);
  if (rc) return rc;
  if (!is_valtype(b)) return malformed(d, at, "malformed value type");
  if (b == WR_V128) d->m->uses_simd = true;
  *out = b;
  return 0;
}

static int rd_reftype(dec *d, wr_valtype *out) {
  const uint8_t *at = d->r.p;
  uint8_t b;
  int rc = rd_type_byte(d, &b);
  if (rc) return rc;
  if (!wr_valtype_is_ref(b)) return malformed(d, at, "malformed reference type");
  *out = b;
  return 0;
}

/* ---- names ---- */

/* Strict UTF-8: shortest form only, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) { i++; continue; }
    unsigned len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i < len) return false;
    for (unsigned k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

static char *copy_str(const uint8_t *s, uint32_t n) {
  char *str = malloc((size_t)n + 1);
  if (str) {
    if (n) memcpy(str, s, n);
    str[n] = '\0';
  }
  return str;
}

static int rd_name(dec *d, wr_name *out) {
  const uint8_t *at = d->r.p, *s;
  uint32_t n;
  int rc = rd_len(d, &n);
  if (rc) return rc;
  if ((rc = rd_bytes(d, n, &s))) return rc;
  if (!utf8_valid(s, n)) return malformed(d, at, "malformed UTF-8 encoding");
  if (!(out->str = copy_str(s, n))) return nomem(d);
  out->len = n;
  return 0;
}

/* ---- arrays ---- */

/* Grows *arr from `old` to `old + add` zeroed elements. */
static int grow(dec *d, void **arr, size_t elem, uint32_t old, uint32_t add) {
  size_t n = (size_t)old + add;
  if (n == 0) return 0;
  void *p = realloc(*arr, n * elem);
  if (!p) return nomem(d);
  memset((char *)p + (size_t)old * elem, 0, (size_t)add * elem);
  *arr = p;
  return 0;
}

static int check_total(dec *d, const uint8_t *at, uint32_t have, uint32_t add, uint32_t max,
                       const char *what) {
  if ((uint64_t)have + add > max) return too_many(d, at, what);
  return 0;
}

/* ---- types, limits ---- */

static int rd_valtypes(dec *d, uint32_t max, const char *what, uint32_t *n, wr_valtype **out,
                       uint32_t *slots) {
  int rc = rd_count(d, max, what, n);
  if (rc) return rc;
  *slots = 0;
  if (*n == 0) return 0;
  if (!(*out = calloc(*n, sizeof **out))) return nomem(d);
  for (uint32_t i = 0; i < *n; i++) {
    if ((rc = rd_valtype(d, &(*out)[i]))) return rc;
    *slots += wr_valtype_slots((*out)[i]);
  }
  return 0;
}

static int rd_functype(dec *d, wr_functype *ft) {
  const uint8_t *at = d->r.p;
  uint8_t form;
  int rc = rd_type_byte(d, &form);
  if (rc) return rc;
  if (form != 0x60) return malformed(d, at, "malformed function type");
  if ((rc = rd_valtypes(d, WR_MAX_PARAMS, "parameters", &ft->nparams, &ft->params,
                        &ft->param_slots)))
    return rc;
  return rd_valtypes(d, WR_MAX_RESULTS, "results", &ft->nresults, &ft->results,
                     &ft->result_slots);
}

static int rd_limits(dec *d, wr_limits *lim) {
  uint64_t flag = 0; /* a 1-bit LEB: 0x02 is "integer too large", 0x81 0x00 overlong */
  int rc = rd_uleb(d, 1, &flag);
  if (rc) return rc;
  if ((rc = rd_u32(d, &lim->min))) return rc;
  lim->has_max = flag == 1;
  lim->max = 0;
  if (lim->has_max) return rd_u32(d, &lim->max);
  return 0;
}

static int rd_tabletype(dec *d, wr_tabletype *tt) {
  int rc = rd_reftype(d, &tt->elem);
  if (rc) return rc;
  return rd_limits(d, &tt->lim);
}

static int rd_globaltype(dec *d, wr_globaltype *gt) {
  int rc = rd_valtype(d, &gt->type);
  if (rc) return rc;
  const uint8_t *at = d->r.p;
  uint8_t mut;
  if ((rc = rd_byte(d, &mut))) return rc;
  if (mut > 1) return malformed(d, at, "malformed mutability");
  gt->mut = mut == 1;
  return 0;
}

/* ---- constant expressions ---- */

static int rd_const_imm(dec *d, uint8_t op, wr_constexpr *ce) {
  int64_t v;
  const uint8_t *raw;
  int rc;
  switch (op) {
  case WR_CONST_I32:
    if ((rc = rd_sleb(d, 32, &v))) return rc;
    ce->bits[0] = (uint32_t)v; /* the i32's bit pattern, zero-extended */
    ce->type = WR_I32;
    return 0;
  case WR_CONST_I64:
    if ((rc = rd_sleb(d, 64, &v))) return rc;
    ce->bits[0] = (uint64_t)v;
    ce->type = WR_I64;
    return 0;
  case WR_CONST_F32:
    if ((rc = rd_bytes(d, 4, &raw))) return rc;
    ce->bits[0] = wr_load_u32le(raw);
    ce->type = WR_F32;
    return 0;
  case WR_CONST_F64:
    if ((rc = rd_bytes(d, 8, &raw))) return rc;
    ce->bits[0] = wr_load_u64le(raw);
    ce->type = WR_F64;
    return 0;
  case WR_CONST_V128:
    if ((rc = rd_bytes(d, 16, &raw))) return rc;
    ce->bits[0] = wr_load_u64le(raw);
    ce->bits[1] = wr_load_u64le(raw + 8);
    ce->type = WR_V128;
    d->m->uses_simd = true;
    return 0;
  case WR_CONST_GLOBAL_GET:
    return rd_u32(d, &ce->index); /* type left 0: the validator knows the global */
  case WR_CONST_REF_NULL:
    return rd_reftype(d, &ce->type);
  case WR_CONST_REF_FUNC:
    ce->type = WR_FUNCREF;
    return rd_u32(d, &ce->index);
  }
  return 0;
}

/* Reads an instruction's opcode; *op is the WR_CONST_* value for constant ones
 * and 0 for the rest. */
static int rd_const_opcode(dec *d, uint8_t *op) {
  const uint8_t *at = d->r.p;
  uint8_t b;
  uint32_t sub = 0;
  int rc = rd_byte(d, &b);
  if (rc) return rc;
  bool prefixed = b == WR_PREFIX_FC || b == WR_PREFIX_SIMD;
  if (prefixed && (rc = rd_u32(d, &sub))) return rc;
  if (!wr_opcode_info(prefixed ? b : 0, prefixed ? sub : b))
    return malformed(d, at, "illegal opcode");
  switch (b) {
  case WR_CONST_I32: case WR_CONST_I64: case WR_CONST_F32: case WR_CONST_F64:
  case WR_CONST_GLOBAL_GET: case WR_CONST_REF_NULL: case WR_CONST_REF_FUNC:
    *op = b;
    return 0;
  case WR_PREFIX_SIMD:
    *op = sub == WR_OP_V128_CONST ? WR_CONST_V128 : 0;
    return 0;
  }
  *op = 0;
  return 0;
}

/* Wasm 2.0 constant expressions are one constant instruction and `end`. Anything
 * else that is well formed is invalid, with the reference validator's reasons:
 * a non-constant instruction is "constant expression required", and zero or
 * several constants leave the wrong stack ("type mismatch"). */
static int rd_constexpr(dec *d, wr_constexpr *ce) {
  const uint8_t *start = d->r.p;
  uint32_t n = 0;
  memset(ce, 0, sizeof *ce);
  ce->offset = (uint32_t)(start - d->r.base);
  for (;;) {
    const uint8_t *at = d->r.p;
    uint8_t op = 0;
    int rc;
    if (d->r.p < d->r.end && *d->r.p == 0x0B) { d->r.p++; break; }
    if (d->r.p < d->r.end && *d->r.p == 0x05) return malformed(d, at, "END opcode expected");
    if ((rc = rd_const_opcode(d, &op))) return rc;
    if (op == 0)
      return invalid(d, at, "constant expression required");
    if (n == 0) {
      ce->op = op;
      rc = rd_const_imm(d, op, ce);
    } else {
      wr_constexpr extra = {0};
      rc = rd_const_imm(d, op, &extra);
    }
    if (rc) return rc;
    n++;
  }
  if (n != 1) return invalid(d, start, "type mismatch");
  return 0;
}

/* ---- sections ---- */

static int sec_type(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_TYPES, "types", &n);
  if (rc) return rc;
  if (n && !(m->types = calloc(n, sizeof *m->types))) return nomem(d);
  m->ntypes = n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_functype(d, &m->types[i]))) return rc;
  return 0;
}

static int rd_import(dec *d, wr_import *im) {
  int rc;
  if ((rc = rd_name(d, &im->module)) || (rc = rd_name(d, &im->name))) return rc;
  const uint8_t *at = d->r.p;
  if ((rc = rd_byte(d, &im->kind))) return rc;
  switch (im->kind) {
  case WR_EXTERN_FUNC: return rd_u32(d, &im->desc.type_idx);
  case WR_EXTERN_TABLE: return rd_tabletype(d, &im->desc.table);
  case WR_EXTERN_MEMORY: return rd_limits(d, &im->desc.mem.lim);
  case WR_EXTERN_GLOBAL: return rd_globaltype(d, &im->desc.global);
  }
  return malformed(d, at, "malformed import kind");
}

/* The index spaces start with the imports, in import order. */
static int index_imports(dec *d) {
  wr_module *m = d->m;
  uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    switch (m->imports[i].kind) {
    case WR_EXTERN_FUNC: nf++; break;
    case WR_EXTERN_TABLE: nt++; break;
    case WR_EXTERN_MEMORY: nm++; break;
    default: ng++; break;
    }
  }
  int rc;
  if ((rc = grow(d, (void **)&m->func_type, sizeof *m->func_type, 0, nf)) ||
      (rc = grow(d, (void **)&m->tables, sizeof *m->tables, 0, nt)) ||
      (rc = grow(d, (void **)&m->mems, sizeof *m->mems, 0, nm)) ||
      (rc = grow(d, (void **)&m->globals, sizeof *m->globals, 0, ng)))
    return rc;
  m->nfuncs = m->nimported_funcs = nf;
  m->ntables = m->nimported_tables = nt;
  m->nmems = m->nimported_mems = nm;
  m->nglobals = m->nimported_globals = ng;
  nf = nt = nm = ng = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wr_import *im = &m->imports[i];
    switch (im->kind) {
    case WR_EXTERN_FUNC: m->func_type[nf++] = im->desc.type_idx; break;
    case WR_EXTERN_TABLE: m->tables[nt++] = im->desc.table; break;
    case WR_EXTERN_MEMORY: m->mems[nm++] = im->desc.mem; break;
    default: m->globals[ng++] = im->desc.global; break;
    }
  }
  return 0;
}

static int sec_import(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_IMPORTS, "imports", &n);
  if (rc) return rc;
  if (n && !(m->imports = calloc(n, sizeof *m->imports))) return nomem(d);
  m->nimports = n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_import(d, &m->imports[i]))) return rc;
  return 0;
}

static int sec_function(dec *d) {
  wr_module *m = d->m;
  const uint8_t *at = d->r.p;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_FUNCS, "functions", &n);
  if (rc) return rc;
  if ((rc = check_total(d, at, m->nfuncs, n, WR_MAX_FUNCS, "functions"))) return rc;
  if ((rc = grow(d, (void **)&m->func_type, sizeof *m->func_type, m->nfuncs, n))) return rc;
  if (n && !(m->funcs = calloc(n, sizeof *m->funcs))) return nomem(d);
  m->nfuncs += n;
  d->nfuncsec = n;
  for (uint32_t i = 0; i < n; i++) {
    if ((rc = rd_u32(d, &m->funcs[i].type_idx))) return rc;
    m->func_type[m->nimported_funcs + i] = m->funcs[i].type_idx;
  }
  return 0;
}

static int sec_table(dec *d) {
  wr_module *m = d->m;
  const uint8_t *at = d->r.p;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_TABLES, "tables", &n);
  if (rc) return rc;
  if ((rc = check_total(d, at, m->ntables, n, WR_MAX_TABLES, "tables")) ||
      (rc = grow(d, (void **)&m->tables, sizeof *m->tables, m->ntables, n)))
    return rc;
  uint32_t base = m->ntables;
  m->ntables += n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_tabletype(d, &m->tables[base + i]))) return rc;
  return 0;
}

static int sec_memory(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  /* More than one memory is the validator's error; the byte bound keeps this sane. */
  int rc = rd_count(d, UINT32_MAX, "memories", &n);
  if (rc) return rc;
  if ((rc = grow(d, (void **)&m->mems, sizeof *m->mems, m->nmems, n))) return rc;
  uint32_t base = m->nmems;
  m->nmems += n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_limits(d, &m->mems[base + i].lim))) return rc;
  return 0;
}

static int sec_global(dec *d) {
  wr_module *m = d->m;
  const uint8_t *at = d->r.p;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_GLOBALS, "globals", &n);
  if (rc) return rc;
  if ((rc = check_total(d, at, m->nglobals, n, WR_MAX_GLOBALS, "globals")) ||
      (rc = grow(d, (void **)&m->globals, sizeof *m->globals, m->nglobals, n)))
    return rc;
  if (n && !(m->global_init = calloc(n, sizeof *m->global_init))) return nomem(d);
  uint32_t base = m->nglobals;
  m->nglobals += n;
  for (uint32_t i = 0; i < n; i++) {
    if ((rc = rd_globaltype(d, &m->globals[base + i]))) return rc;
    if ((rc = rd_constexpr(d, &m->global_init[i]))) return rc;
  }
  return 0;
}

static int sec_export(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_EXPORTS, "exports", &n);
  if (rc) return rc;
  if (n && !(m->exports = calloc(n, sizeof *m->exports))) return nomem(d);
  m->nexports = n;
  for (uint32_t i = 0; i < n; i++) {
    wr_export *ex = &m->exports[i];
    if ((rc = rd_name(d, &ex->name))) return rc;
    const uint8_t *at = d->r.p;
    if ((rc = rd_byte(d, &ex->kind))) return rc;
    if (ex->kind > WR_EXTERN_GLOBAL) return malformed(d, at, "malformed export kind");
    if ((rc = rd_u32(d, &ex->index))) return rc;
  }
  return 0;
}

static int sec_start(dec *d) {
  d->m->has_start = true;
  return rd_u32(d, &d->m->start);
}

/* Element items given as function indices (segment kinds 0..3). */
static int rd_elem_funcs(dec *d, wr_elemseg *seg) {
  int rc = rd_len(d, &seg->count);
  if (rc) return rc;
  if (seg->count && !(seg->items = calloc(seg->count, sizeof *seg->items))) return nomem(d);
  for (uint32_t i = 0; i < seg->count; i++) {
    wr_constexpr *ce = &seg->items[i];
    ce->offset = (uint32_t)(d->r.p - d->r.base);
    ce->op = WR_CONST_REF_FUNC;
    ce->type = WR_FUNCREF;
    if ((rc = rd_u32(d, &ce->index))) return rc;
  }
  return 0;
}

static int rd_elem_exprs(dec *d, wr_elemseg *seg) {
  int rc = rd_len(d, &seg->count);
  if (rc) return rc;
  if (seg->count && !(seg->items = calloc(seg->count, sizeof *seg->items))) return nomem(d);
  for (uint32_t i = 0; i < seg->count; i++)
    if ((rc = rd_constexpr(d, &seg->items[i]))) return rc;
  return 0;
}

static int rd_elemkind(dec *d, wr_valtype *out) {
  const uint8_t *at = d->r.p;
  uint8_t b;
  int rc = rd_byte(d, &b);
  if (rc) return rc;
  if (b != 0x00) return malformed(d, at, "malformed element kind");
  *out = WR_FUNCREF;
  return 0;
}

/* The segment flags: bit 0 passive/declarative (with bit 1 telling which) versus
 * active, bit 1 on an active segment an explicit table index, bit 2 items given as
 * expressions with a reference type rather than function indices with an elemkind. */
static int rd_elemseg(dec *d, wr_elemseg *seg) {
  const uint8_t *at = d->r.p;
  uint32_t flags;
  int rc = rd_u32(d, &flags);
  if (rc) return rc;
  if (flags > 7) return malformed(d, at, "malformed elements segment kind");
  bool exprs = flags & 4;
  seg->type = WR_FUNCREF;
  if (flags & 1) {
    seg->mode = (flags & 2) ? WR_SEG_DECLARATIVE : WR_SEG_PASSIVE;
  } else {
    seg->mode = WR_SEG_ACTIVE;
    if ((flags & 2) && (rc = rd_u32(d, &seg->table))) return rc;
    if ((rc = rd_constexpr(d, &seg->offset))) return rc;
  }
  if (flags & 3) { /* kinds 0 and 4 have an implicit funcref type */
    rc = exprs ? rd_reftype(d, &seg->type) : rd_elemkind(d, &seg->type);
    if (rc) return rc;
  }
  return exprs ? rd_elem_exprs(d, seg) : rd_elem_funcs(d, seg);
}

static int sec_element(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_SEGMENTS, "element segments", &n);
  if (rc) return rc;
  if (n && !(m->elems = calloc(n, sizeof *m->elems))) return nomem(d);
  m->nelems = n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_elemseg(d, &m->elems[i]))) return rc;
  return 0;
}

static int rd_dataseg(dec *d, wr_dataseg *seg) {
  const uint8_t *at = d->r.p;
  uint32_t flags;
  int rc = rd_u32(d, &flags);
  if (rc) return rc;
  if (flags > 2) return malformed(d, at, "malformed data segment kind");
  seg->mode = flags == 1 ? WR_SEG_PASSIVE : WR_SEG_ACTIVE;
  if (flags == 2 && (rc = rd_u32(d, &seg->mem))) return rc;
  if (flags != 1 && (rc = rd_constexpr(d, &seg->offset))) return rc;
  if ((rc = rd_len(d, &seg->len))) return rc;
  return rd_bytes(d, seg->len, &seg->bytes);
}

static int sec_data(dec *d) {
  wr_module *m = d->m;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_SEGMENTS, "data segments", &n);
  if (rc) return rc;
  if (n && !(m->datas = calloc(n, sizeof *m->datas))) return nomem(d);
  m->ndatas = n;
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_dataseg(d, &m->datas[i]))) return rc;
  return 0;
}

static int sec_datacount(dec *d) {
  d->m->has_datacount = true;
  return rd_u32(d, &d->m->datacount);
}

/* ---- function bodies ---- */

/* Sums the local declarations, leaving the reader after them. */
static int count_locals(dec *d, uint32_t nparams, uint32_t *nlocals) {
  const uint8_t *at = d->r.p;
  uint32_t ndecls;
  uint64_t total = 0; /* u64: each count is a u32, and there are at most 2^32 of them */
  int rc = rd_len(d, &ndecls);
  if (rc) return rc;
  for (uint32_t i = 0; i < ndecls; i++) {
    uint32_t cnt;
    wr_valtype t;
    if ((rc = rd_u32(d, &cnt)) || (rc = rd_valtype(d, &t))) return rc;
    total += cnt;
  }
  if (total + nparams > WR_MAX_LOCALS) return malformed(d, at, "too many locals");
  *nlocals = (uint32_t)total;
  return 0;
}

/* Fills local_types from declarations already checked by count_locals. */
static int fill_locals(dec *d, wr_function *fn, const wr_functype *ft) {
  uint32_t np = ft ? ft->nparams : 0, ndecls, k = np;
  size_t n = (size_t)np + fn->nlocals;
  if (n && !(fn->local_types = calloc(n, sizeof *fn->local_types))) return nomem(d);
  if (np) memcpy(fn->local_types, ft->params, np);
  fn->local_slots = ft ? ft->param_slots : 0;
  int rc = rd_u32(d, &ndecls);
  if (rc) return rc;
  for (uint32_t i = 0; i < ndecls; i++) {
    uint32_t cnt;
    wr_valtype t;
    if ((rc = rd_u32(d, &cnt)) || (rc = rd_valtype(d, &t))) return rc;
    for (uint32_t j = 0; j < cnt; j++) fn->local_types[k++] = t;
    fn->local_slots += cnt * wr_valtype_slots(t);
  }
  return 0;
}

/* A body whose last byte is not `end`. The reference interpreter reads on past the
 * body's size until it finds an `end`; name the error it would find first. */
static int missing_end(dec *d, const uint8_t *body_end) {
  if (body_end >= d->r.end) return short_read(d, body_end);
  if (*body_end == 0x0B) return malformed(d, body_end, "section size mismatch");
  return malformed(d, body_end, "END opcode expected");
}

static int rd_body(dec *d, wr_function *fn) {
  const wr_module *m = d->m;
  const uint8_t *start = d->r.p, *body, *body_end;
  uint32_t size;
  int rc = rd_len(d, &size);
  if (rc) return rc;
  if ((rc = rd_bytes(d, size, &body))) return rc;
  body_end = body + size;
  fn->body_offset = (uint32_t)(start - d->r.base);
  /* An unknown type index is the validator's to report; until then the function
   * has no parameters here. */
  const wr_functype *ft = fn->type_idx < m->ntypes ? &m->types[fn->type_idx] : NULL;
  d->r.p = body;
  if ((rc = count_locals(d, ft ? ft->nparams : 0, &fn->nlocals))) return rc;
  const uint8_t *code = d->r.p;
  if (code > body_end) return malformed(d, body_end, "section size mismatch");
  d->r.p = body;
  if ((rc = fill_locals(d, fn, ft))) return rc;
  fn->code = code;
  fn->code_end = body_end;
  d->r.p = body_end;
  /* Whether the body ends exactly at its final `end` is the validator's to say: it
   * walks the instructions and tells a missing end from bytes after it. */
  if (code == body_end) return missing_end(d, body_end);
  return 0;
}

static int sec_code(dec *d) {
  wr_module *m = d->m;
  const uint8_t *at = d->r.p;
  uint32_t n;
  int rc = rd_count(d, WR_MAX_FUNCS, "functions", &n);
  if (rc) return rc;
  if (n != d->nfuncsec)
    return malformed(d, at, "function and code section have inconsistent lengths");
  for (uint32_t i = 0; i < n; i++)
    if ((rc = rd_body(d, &m->funcs[i]))) return rc;
  return 0;
}

/* ---- custom sections and the name section ---- */

static int sec_custom(dec *d, const uint8_t *sec_end) {
  wr_module *m = d->m;
  wr_custom c = {0};
  d->r.end = sec_end; /* the name must lie inside the section */
  int rc = rd_name(d, &c.name);
  if (rc) return rc;
  c.bytes = d->r.p;
  c.len = (uint32_t)(sec_end - d->r.p);
  d->r.p = sec_end;
  /* Double the array at powers of two so many small sections stay linear. */
  uint32_t n = m->ncustoms;
  if ((n & (n - 1)) == 0) {
    void *p = realloc(m->customs, (size_t)(n ? 2 * n : 1) * sizeof *m->customs);
    if (!p) { free(c.name.str); return nomem(d); }
    m->customs = p;
  }
  m->customs[m->ncustoms++] = c;
  return 0;
}

static bool name_uleb(const uint8_t **p, const uint8_t *end, uint32_t *out) {
  uint64_t v = 0;
  const char *why;
  if (wr_read_uleb(p, end, 32, &v, &why)) return false;
  *out = (uint32_t)v;
  return true;
}

/* Subsection 1 of the name section: a name map of function indices. */
static bool read_func_names(wr_module *m, const uint8_t *p, const uint8_t *end) {
  uint32_t n;
  if (!name_uleb(&p, end, &n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t idx, len;
    if (!name_uleb(&p, end, &idx) || !name_uleb(&p, end, &len)) return false;
    if (len > (size_t)(end - p) || !utf8_valid(p, len)) return false;
    if (idx < m->nfuncs) {
      char *s = copy_str(p, len);
      if (!s) return false;
      free(m->func_names[idx]);
      m->func_names[idx] = s;
    }
    p += len;
  }
  return p == end;
}

static void free_func_names(wr_module *m) {
  if (!m->func_names) return;
  for (uint32_t i = 0; i < m->nfuncs; i++) free(m->func_names[i]);
  free(m->func_names);
  m->func_names = NULL;
}

/* The name section is optional debugging information: any damage in it drops the
 * names but never fails the module. */
static void read_name_section(wr_module *m) {
  const wr_custom *c = NULL;
  for (uint32_t i = 0; i < m->ncustoms && !c; i++)
    if (m->customs[i].name.len == 4 && memcmp(m->customs[i].name.str, "name", 4) == 0)
      c = &m->customs[i];
  if (!c || m->nfuncs == 0) return;
  const uint8_t *p = c->bytes, *end = c->bytes + c->len;
  bool ok = true;
  while (ok && p < end) {
    uint8_t id = *p++;
    uint32_t size;
    ok = name_uleb(&p, end, &size) && size <= (size_t)(end - p);
    if (ok && id == 1)
      ok = !m->func_names && (m->func_names = calloc(m->nfuncs, sizeof *m->func_names)) &&
           read_func_names(m, p, p + size);
    p += ok ? size : 0;
  }
  if (!ok) free_func_names(m);
}

/* ---- the module ---- */

static int read_header(dec *d) {
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
  const uint8_t *b = d->r.base;
  size_t len = (size_t)(d->r.end - b);
  if (len < 4) return malformed(d, NULL, UNEXPECTED_END);
  if (memcmp(b, magic, 4) != 0) return malformed(d, NULL, "magic header not detected");
  if (len < 8) return malformed(d, NULL, UNEXPECTED_END);
  if (wr_load_u32le(b + 4) != 1) return malformed(d, NULL, "unknown binary version");
  d->r.p = b + 8;
  return 0;
}

static int read_section_body(dec *d, uint8_t id) {
  switch (id) {
  case SEC_TYPE: return sec_type(d);
  case SEC_IMPORT:
    {
      int rc = sec_import(d);
      return rc ? rc : index_imports(d);
    }
  case SEC_FUNCTION: return sec_function(d);
  case SEC_TABLE: return sec_table(d);
  case SEC_MEMORY: return sec_memory(d);
  case SEC_GLOBAL: return sec_global(d);
  case SEC_EXPORT: return sec_export(d);
  case SEC_START: return sec_start(d);
  case SEC_ELEMENT: return sec_element(d);
  case SEC_CODE: return sec_code(d);
  case SEC_DATA: return sec_data(d);
  case SEC_DATACOUNT: return sec_datacount(d);
  }
  return 0;
}

static int read_section(dec *d, uint8_t *last_rank) {
  const uint8_t *file_end = d->r.end, *at = d->r.p;
  uint8_t id;
  uint32_t size;
  int rc;
  d->where = "section header";
  d->in_section = false;
  if ((rc = rd_byte(d, &id))) return rc;
  if (id >= SEC_COUNT) {
    d->r.p = at;
    return malformed(d, at, "malformed section id");
  }
  d->where = section_where[id];
  if ((rc = rd_len(d, &size))) goto out;
  if (size > left(d)) { rc = malformed(d, at, "length out of bounds"); goto out; }
  const uint8_t *sec_end = d->r.p + size;
  d->in_section = true;
  if (id == SEC_CUSTOM) {
    rc = sec_custom(d, sec_end);
    d->r.end = file_end;
    goto out;
  }
  if (section_rank[id] <= *last_rank) {
    d->where = "module";
    rc = malformed(d, at, "unexpected content after last section");
    goto out;
  }
  *last_rank = section_rank[id];
  d->seen[id] = true;
  rc = read_section_body(d, id);
  if (rc == WR_ERR_INVALID) {
    /* Keep decoding: a malformed section later must win, as in the spec. */
    if (!d->deferred) {
      d->deferred = rc;
      d->deferred_err = d->err ? *d->err : (wr_error){0};
    }
    d->r.p = sec_end;
    rc = 0;
  } else if (rc == 0 && d->r.p != sec_end) {
    rc = malformed(d, d->r.p, "section size mismatch");
  }
out:
  d->where = "module";
  return rc;
}

static int final_checks(dec *d) {
  const wr_module *m = d->m;
  d->where = "module";
  if (!d->seen[SEC_CODE] && d->nfuncsec != 0)
    return malformed(d, NULL, "function and code section have inconsistent lengths");
  if (m->has_datacount && m->datacount != m->ndatas)
    return malformed(d, NULL,
                     "data count and data section have inconsistent lengths");
  return 0;
}

static int decode(dec *d) {
  int rc = read_header(d);
  if (rc) return rc;
  uint8_t last_rank = 0;
  while (d->r.p < d->r.end)
    if ((rc = read_section(d, &last_rank))) return rc;
  if ((rc = final_checks(d))) return rc;
  if (d->deferred) {
    if (d->err) *d->err = d->deferred_err;
    return d->deferred;
  }
  read_name_section(d->m);
  return 0;
}

int wr_module_decode(const uint8_t *bytes, size_t len, wr_module **out, wr_error *err) {
  *out = NULL;
  if (len > UINT32_MAX) return wr_err(err, WR_ERR_MALFORMED, "header: module too large");
  wr_module *m = calloc(1, sizeof *m);
  if (!m) return wr_err(err, WR_ERR_NOMEM, "module: out of memory");
  m->bytes = bytes;
  m->len = len;
  dec d = {.m = m, .err = err, .where = "header"};
  static const uint8_t empty[1];
  d.r.base = d.r.p = len ? bytes : empty; /* no arithmetic on a NULL pointer */
  d.r.end = d.r.base + len;
  int rc = decode(&d);
  if (rc) {
    wr_module_free(m);
    return rc;
  }
  *out = m;
  return 0;
}
