/* instantiate.c: libFuzzer harness for instantiation (fuzz-instantiate).
 *
 * Bytes that load are instantiated in every mode this build has but the LLVM ones
 * (see below), each in its own store, with a stub for every import made to match
 * its declared type: functions that return zeros, memories, tables and globals of
 * the declared limits and type. This reaches memory/table/global creation, segment
 * initialisation and each mode's per-instance preparation (fast's translation) on
 * arbitrary valid modules. Exports are not run here: nothing bounds their running
 * time yet (the differential harness runs generated code that carries its own
 * fuel). FUZZ_VERBOSE=1 prints the outcome in each mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

/* Caps that keep one input from exhausting the host; modules beyond them are
 * skipped, not failed. */
#define FUZZ_MAX_PAGES 16
#define FUZZ_MAX_TABLE 10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct link_ctx {
  wr_store *store;
  const wr_module *module;
} link_ctx;

static int stub_func(wr_exec *ex, uint64_t *args_results) {
  const wr_functype *t = wr_exec_host_data(ex);
  memset(args_results, 0, t->result_slots * sizeof *args_results);
  return 0;
}

static int resolve(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  link_ctx *l = ud;
  out->kind = imp->kind;
  switch (imp->kind) {
  case WR_EXTERN_FUNC: {
    const wr_functype *t = &l->module->types[imp->desc.type_idx];
    out->u.func = wr_host_func_new(l->store, t, stub_func, (void *)t, "stub", err);
    return out->u.func ? 0 : err->code;
  }
  case WR_EXTERN_TABLE:
    out->u.table = wr_table_new(l->store, &imp->desc.table, 0, err);
    return out->u.table ? 0 : err->code;
  case WR_EXTERN_MEMORY:
    out->u.memory = wr_memory_new(l->store, &imp->desc.mem, err);
    return out->u.memory ? 0 : err->code;
  default: {
    uint64_t zero[2] = {0, 0};
    out->u.global = wr_global_new(l->store, &imp->desc.global, zero, err);
    return out->u.global ? 0 : err->code;
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_module *m = NULL;
  wr_error err = {0};
  if (wr_module_load(data, size, &m, &err) < 0) return 0;
  for (uint32_t i = 0; i < m->ntables; i++)
    if (m->tables[i].lim.min > FUZZ_MAX_TABLE) goto out;
  /* A start function could run forever and nothing bounds it yet, so the harness
   * drops it; the module is ours alone, so changing it here affects nothing else. */
  m->has_start = false;
  for (int mode = 0; mode < WR_MODE_COUNT; mode++) {
    /* Not the LLVM modes: their preparation is a compile of the whole module
     * (milliseconds, a thousand times the rest), which fuzz-differential runs on
     * generated modules and fuzz-aot-image covers from the image side. */
    if (!wr_mode_available(mode) || mode == WR_MODE_LLVM_JIT || mode == WR_MODE_AOT) continue;
    wr_store *s = wr_store_new(&err);
    if (!s) {
      fprintf(stderr, "fuzz-instantiate: %s\n", err.msg);
      abort();
    }
    wr_store_set_max_pages(s, FUZZ_MAX_PAGES);
    link_ctx l = {s, m};
    wr_instance *inst = NULL;
    wr_error_clear(&err);
    int rc = wr_instantiate(s, m, mode, resolve, &l, &inst, &err);
    if (getenv("FUZZ_VERBOSE"))
      fprintf(stderr, "%s: %s\n", wr_mode_name(mode), rc ? err.msg : "instantiated");
    if (rc == 0 && !inst) {
      fprintf(stderr, "fuzz-instantiate: %s: success without an instance\n", wr_mode_name(mode));
      abort();
    }
    if (rc < 0 && (rc != err.code || !err.msg[0] ||
                   (rc != WR_ERR_LINK && rc != WR_ERR_INSTANTIATE && rc != WR_ERR_NOMEM &&
                    rc != WR_ERR_UNSUPPORTED))) {
      fprintf(stderr, "fuzz-instantiate: %s: unexpected error %d (wr_error code %d): %s\n",
              wr_mode_name(mode), rc, err.code, err.msg);
      abort();
    }
    wr_store_free(s);
  }
out:
  wr_module_free(m);
  return 0;
}
