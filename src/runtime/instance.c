/* instance.c: instantiation (import linking and type matching, globals, tables,
 * memories, element and data segments, the start function) and export lookup. */
#include "runtime/internal.h"

#include <stdlib.h>
#include <string.h>

static int link_error(wr_error *err, const wr_import *imp, const char *why) {
  return wr_err(err, WR_ERR_LINK, "import \"%s\" \"%s\": %s", imp->module.str, imp->name.str, why);
}

static bool limits_match(uint64_t cur, bool has_max, uint32_t max, const wr_limits *want) {
  if (cur < want->min) return false;
  if (want->has_max && (!has_max || max > want->max)) return false;
  return true;
}

/* Checks that `ext` may satisfy `imp` (the spec's import subtyping). */
static int match_import(const wr_module *m, const wr_import *imp, const wr_extern *ext, wr_error *err) {
  if (ext->kind != imp->kind) return link_error(err, imp, "incompatible import type");
  switch (imp->kind) {
  case WR_EXTERN_FUNC:
    if (!wr_functype_equal(ext->u.func->type, &m->types[imp->desc.type_idx]))
      return link_error(err, imp, "incompatible import type (function signature differs)");
    return 0;
  case WR_EXTERN_TABLE: {
    const wr_table *t = ext->u.table;
    if (t->type.elem != imp->desc.table.elem ||
        !limits_match(t->size, t->type.lim.has_max, t->type.lim.max, &imp->desc.table.lim))
      return link_error(err, imp, "incompatible import type (table type or limits differ)");
    return 0;
  }
  case WR_EXTERN_MEMORY: {
    const wr_memory *mem = ext->u.memory;
    if (!limits_match(mem->pages, mem->type.lim.has_max, mem->type.lim.max, &imp->desc.mem.lim))
      return link_error(err, imp, "incompatible import type (memory limits differ)");
    return 0;
  }
  case WR_EXTERN_GLOBAL: {
    const wr_global *g = ext->u.global;
    if (g->type.type != imp->desc.global.type || g->type.mut != imp->desc.global.mut)
      return link_error(err, imp, "incompatible import type (global type or mutability differs)");
    return 0;
  }
  }
  return link_error(err, imp, "malformed import kind");
}

static void eval_const(const wr_instance *inst, const wr_constexpr *c, uint64_t out[2]) {
  out[0] = out[1] = 0;
  switch (c->op) {
  case WR_CONST_I32:
  case WR_CONST_F32: out[0] = (uint32_t)c->bits[0]; break;
  case WR_CONST_I64:
  case WR_CONST_F64: out[0] = c->bits[0]; break;
  case WR_CONST_V128: out[0] = c->bits[0]; out[1] = c->bits[1]; break;
  case WR_CONST_GLOBAL_GET:
    out[0] = inst->ctx.globals[c->index]->val[0];
    out[1] = inst->ctx.globals[c->index]->val[1];
    break;
  case WR_CONST_REF_NULL: break;
  case WR_CONST_REF_FUNC: out[0] = (uint64_t)(uintptr_t)inst->ctx.funcs[c->index]; break;
  }
}

static int resolve_imports(wr_instance *inst, wr_resolve_fn resolve, void *ud, wr_error *err) {
  const wr_module *m = inst->module;
  uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wr_import *imp = &m->imports[i];
    wr_extern ext;
    memset(&ext, 0, sizeof ext);
    if (!resolve) return link_error(err, imp, "unknown import");
    int rc = resolve(ud, imp, &ext, err);
    if (rc < 0) return rc;
    if ((rc = match_import(m, imp, &ext, err)) < 0) return rc;
    switch (imp->kind) {
    case WR_EXTERN_FUNC: inst->ctx.funcs[nf++] = ext.u.func; break;
    case WR_EXTERN_TABLE: inst->ctx.tables[nt++] = ext.u.table; break;
    case WR_EXTERN_MEMORY: inst->mems[nm++] = ext.u.memory; break;
    case WR_EXTERN_GLOBAL: inst->ctx.globals[ng++] = ext.u.global; break;
    }
  }
  return 0;
}

static int make_definitions(wr_store *s, wr_instance *inst, wr_error *err) {
  const wr_module *m = inst->module;
  const wr_mode_ops *ops = wr_mode_get_ops(inst->mode);
  for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
    wr_funcinst *f = &inst->own_funcs[i - m->nimported_funcs];
    f->entry = ops->entry;
    f->type = &m->types[m->type_canon[m->func_type[i]]]; /* canonical: call_indirect compares pointers first */
    f->inst = inst;
    f->index = i;
    f->code = &m->funcs[i - m->nimported_funcs];
    inst->ctx.funcs[i] = f;
  }
  /* Globals in order: an initialiser may read imported globals and name functions. */
  for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
    uint64_t val[2];
    eval_const(inst, &m->global_init[i - m->nimported_globals], val);
    if (!(inst->ctx.globals[i] = wr_global_new(s, &m->globals[i], val, err))) return err ? err->code : WR_ERR_NOMEM;
  }
  for (uint32_t i = m->nimported_tables; i < m->ntables; i++)
    if (!(inst->ctx.tables[i] = wr_table_new(s, &m->tables[i], 0, err))) return err ? err->code : WR_ERR_NOMEM;
  for (uint32_t i = m->nimported_mems; i < m->nmems; i++)
    if (!(inst->mems[i] = wr_memory_new(s, &m->mems[i], err))) return err ? err->code : WR_ERR_NOMEM;
  if (m->nmems) {
    inst->ctx.memory = inst->mems[0];
    inst->ctx.mem_base = inst->mems[0]->base;
  }
  return 0;
}

static int segment_trap(wr_error *err, wr_trap_kind kind, const char *what, uint32_t idx) {
  wr_err(err, WR_ERR_INSTANTIATE, "%s (%s segment %u)", wr_trap_message(kind), what, idx);
  if (err) err->trap = kind;
  return WR_ERR_INSTANTIATE;
}

/* Evaluates element segments, then applies active element and data segments in
 * order (the spec's table.init/memory.init followed by drops). */
static int apply_segments(wr_store *s, wr_instance *inst, wr_error *err) {
  const wr_module *m = inst->module;
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wr_elemseg *seg = &m->elems[i];
    wr_ref *refs = NULL;
    if (seg->count) {
      refs = wr_store_alloc(s, seg->count * sizeof(wr_ref), err);
      if (!refs) return WR_ERR_NOMEM;
      for (uint32_t k = 0; k < seg->count; k++) {
        uint64_t v[2];
        eval_const(inst, &seg->items[k], v);
        refs[k] = v[0];
      }
    }
    inst->elem_refs[i] = refs;
    inst->elem_len[i] = seg->mode == WR_SEG_PASSIVE ? seg->count : 0;
  }
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wr_elemseg *seg = &m->elems[i];
    if (seg->mode != WR_SEG_ACTIVE) continue;
    uint64_t off[2];
    eval_const(inst, &seg->offset, off);
    wr_table *t = inst->ctx.tables[seg->table];
    if ((uint64_t)(uint32_t)off[0] + seg->count > t->size)
      return segment_trap(err, WR_TRAP_TABLE_OOB, "element", i);
    if (seg->count) memcpy(t->elems + (uint32_t)off[0], inst->elem_refs[i], seg->count * sizeof(wr_ref));
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wr_dataseg *seg = &m->datas[i];
    inst->data_len[i] = seg->mode == WR_SEG_PASSIVE ? seg->len : 0;
    if (seg->mode != WR_SEG_ACTIVE) continue;
    uint64_t off[2];
    eval_const(inst, &seg->offset, off);
    wr_memory *mem = inst->mems[seg->mem];
    if ((uint64_t)(uint32_t)off[0] + seg->len > mem->size)
      return segment_trap(err, WR_TRAP_MEMORY_OOB, "data", i);
    if (seg->len) memcpy(mem->base + (uint32_t)off[0], seg->bytes, seg->len);
  }
  return 0;
}

int wr_instantiate(wr_store *s, const wr_module *m, wr_mode mode, wr_resolve_fn resolve, void *ud,
                   wr_instance **out, wr_error *err) {
  const wr_mode_ops *ops = wr_mode_get_ops(mode);
  if (!ops)
    return wr_err(err, WR_ERR_UNSUPPORTED, "mode %s is not available in this build", wr_mode_name(mode));

  wr_instance *inst = calloc(1, sizeof *inst);
  if (!inst) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  if (wr_store_adopt_instance(s, inst, err) < 0) {
    free(inst);
    return WR_ERR_NOMEM;
  }
  inst->module = m;
  inst->store = s;
  inst->mode = mode;
  inst->ctx.inst = inst;
  inst->nfuncs = m->nfuncs;
  inst->ntables = m->ntables;
  inst->nmems = m->nmems;
  inst->nglobals = m->nglobals;
  inst->ctx.funcs = calloc(m->nfuncs + 1, sizeof *inst->ctx.funcs);
  inst->ctx.tables = calloc(m->ntables + 1, sizeof *inst->ctx.tables);
  inst->ctx.globals = calloc(m->nglobals + 1, sizeof *inst->ctx.globals);
  inst->mems = calloc(m->nmems + 1, sizeof *inst->mems);
  inst->own_funcs = calloc(m->nfuncs - m->nimported_funcs + 1, sizeof *inst->own_funcs);
  inst->elem_refs = calloc(m->nelems + 1, sizeof *inst->elem_refs);
  inst->elem_len = calloc(m->nelems + 1, sizeof *inst->elem_len);
  inst->data_len = calloc(m->ndatas + 1, sizeof *inst->data_len);
  if (!inst->ctx.funcs || !inst->ctx.tables || !inst->ctx.globals || !inst->mems || !inst->own_funcs ||
      !inst->elem_refs || !inst->elem_len || !inst->data_len)
    return wr_err(err, WR_ERR_NOMEM, "out of memory");

  int rc;
  if ((rc = resolve_imports(inst, resolve, ud, err)) < 0) return rc;
  if ((rc = make_definitions(s, inst, err)) < 0) return rc;
  if (ops->prepare && (rc = ops->prepare(inst, err)) < 0) return rc;
  if ((rc = apply_segments(s, inst, err)) < 0) return rc;
  if (m->has_start && (rc = wr_invoke(s, inst->ctx.funcs[m->start], NULL, NULL, err)) < 0) return rc;
  *out = inst;
  return 0;
}

void wr_instance_release(wr_instance *inst) {
  const wr_mode_ops *ops = wr_mode_get_ops(inst->mode);
  if (ops && ops->release && inst->mode_data) ops->release(inst);
  free(inst->ctx.funcs);
  free(inst->ctx.tables);
  free(inst->ctx.globals);
  free(inst->mems);
  free(inst->own_funcs);
  free(inst->elem_refs);
  free(inst->elem_len);
  free(inst->data_len);
}

int wr_instance_export(wr_instance *inst, const char *name, wr_extern *out, wr_error *err) {
  const wr_export *e = wr_module_find_export(inst->module, name, (uint32_t)strlen(name));
  if (!e) return wr_err(err, WR_ERR_LINK, "no export named \"%s\"", name);
  out->kind = e->kind;
  switch (e->kind) {
  case WR_EXTERN_FUNC: out->u.func = inst->ctx.funcs[e->index]; break;
  case WR_EXTERN_TABLE: out->u.table = inst->ctx.tables[e->index]; break;
  case WR_EXTERN_MEMORY: out->u.memory = inst->mems[e->index]; break;
  case WR_EXTERN_GLOBAL: out->u.global = inst->ctx.globals[e->index]; break;
  }
  return 0;
}
