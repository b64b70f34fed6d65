/* module.c: the life cycle of a wr_module (load, free) and the small queries on
 * modules and their types that every layer uses. Decoding is in decode.c,
 * validation in validate.c. */
#include "module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wr_module_load(const uint8_t *bytes, size_t len, wr_module **out, wr_error *err) {
  wr_module *m;
  int rc = wr_module_decode(bytes, len, &m, err);
  if (rc) {
    *out = NULL;
    return rc;
  }
  if ((rc = wr_module_validate(m, err))) {
    wr_module_free(m);
    *out = NULL;
    return rc;
  }
  *out = m;
  return 0;
}

/* Everything below may be partly filled: decode frees a module it gave up on
 * half way, so arrays are sized by their counts and unfilled entries are zero. */

static void free_types(wr_module *m) {
  for (uint32_t i = 0; i < m->ntypes; i++) {
    free(m->types[i].params);
    free(m->types[i].results);
  }
  free(m->types);
  free(m->type_canon);
}

static void free_imports_exports(wr_module *m) {
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module.str);
    free(m->imports[i].name.str);
  }
  free(m->imports);
  for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name.str);
  free(m->exports);
}

static void free_funcs(wr_module *m) {
  /* funcs exists once the function section was read; nfuncs counts it. */
  uint32_t ndefined = m->funcs ? m->nfuncs - m->nimported_funcs : 0;
  for (uint32_t i = 0; i < ndefined; i++) {
    free(m->funcs[i].local_types);
    free(m->funcs[i].branches);
    free(m->funcs[i].local_slot);
    free(m->funcs[i].v128_ops);
  }
  free(m->funcs);
  free(m->func_type);
  free(m->func_refable);
  if (m->func_names) {
    for (uint32_t i = 0; i < m->nfuncs; i++) free(m->func_names[i]);
    free(m->func_names);
  }
}

static void free_segments(wr_module *m) {
  for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
  free(m->elems);
  free(m->datas);
  for (uint32_t i = 0; i < m->ncustoms; i++) free(m->customs[i].name.str);
  free(m->customs);
}

void wr_module_free(wr_module *m) {
  if (!m) return;
  free_types(m);
  free_imports_exports(m);
  free_funcs(m);
  free(m->tables);
  free(m->mems);
  free(m->globals);
  free(m->global_init);
  free_segments(m);
  free(m);
}

const char *wr_valtype_name(wr_valtype t) {
  switch (t) {
  case WR_I32: return "i32";
  case WR_I64: return "i64";
  case WR_F32: return "f32";
  case WR_F64: return "f64";
  case WR_V128: return "v128";
  case WR_FUNCREF: return "funcref";
  case WR_EXTERNREF: return "externref";
  }
  return "unknown type";
}

const char *wr_extern_kind_name(uint8_t kind) {
  switch (kind) {
  case WR_EXTERN_FUNC: return "func";
  case WR_EXTERN_TABLE: return "table";
  case WR_EXTERN_MEMORY: return "memory";
  case WR_EXTERN_GLOBAL: return "global";
  }
  return "unknown kind";
}

bool wr_functype_equal(const wr_functype *a, const wr_functype *b) {
  if (a == b) return true;
  if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
  return (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
         (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

const char *wr_module_func_name(const wr_module *m, uint32_t func_idx, char *buf, size_t bufsize) {
  if (m && m->func_names && func_idx < m->nfuncs && m->func_names[func_idx])
    return m->func_names[func_idx];
  if (!buf || bufsize == 0) return "func[?]";
  /* Without a name section, the name a function is exported under is what the
   * user knows it by; only printable names are used, since this goes to a terminal. */
  for (uint32_t i = 0; m && i < m->nexports; i++) {
    const wr_export *e = &m->exports[i];
    if (e->kind != WR_EXTERN_FUNC || e->index != func_idx || e->name.len == 0) continue;
    bool printable = true;
    for (uint32_t k = 0; k < e->name.len && printable; k++)
      printable = e->name.str[k] > 0x20 && e->name.str[k] < 0x7F;
    if (printable) return e->name.str;
  }
  snprintf(buf, bufsize, "func[%u]", func_idx);
  return buf;
}

const wr_export *wr_module_find_export(const wr_module *m, const char *name, uint32_t len) {
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wr_export *ex = &m->exports[i];
    if (ex->name.len == len && (len == 0 || memcmp(ex->name.str, name, len) == 0)) return ex;
  }
  return NULL;
}
