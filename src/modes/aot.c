/* aot.c: the aot mode: functions run as code compiled ahead of time, found
 * through a binding of the module to the entries of a mapped image (aot.h). The
 * code follows the llvm-jit ABI exactly (it comes from the same translator,
 * src/modes/llvm/translate.c): wr_ctx first, the helpers of modes/llvm/rt.h through
 * wr_ctx.api, on the guest stack wr_rt_call_guest provides, with in_guest set so
 * that the fault handler turns a fault in a memory's guard region into the trap,
 * as for llvm-jit. */
#include "modes/aot.h"

#include <pthread.h>
#include <stdlib.h>

#include "modes/llvm/rt.h"
#include "modes/modes.h"

typedef void (*compiled_entry)(wr_ctx *ctx, uint64_t *args_results);

typedef struct binding {
  const wr_module *m;
  void *const *entries;
  uint32_t n;
} binding;

static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;
static binding *bindings;
static size_t nbindings, bindings_cap;

int wr_aot_bind(const wr_module *m, void *const *entries, uint32_t n, wr_error *err) {
  if (n != m->nfuncs - m->nimported_funcs)
    return wr_err(err, WR_ERR_MALFORMED, "aot: the image has code for %u functions, the module defines %u", n,
                  m->nfuncs - m->nimported_funcs);
  pthread_mutex_lock(&bind_lock);
  int rc = 0;
  size_t i;
  for (i = 0; i < nbindings && bindings[i].m != m; i++) {
  }
  if (i == nbindings) {
    if (nbindings == bindings_cap) {
      size_t cap = bindings_cap ? bindings_cap * 2 : 8;
      binding *b = realloc(bindings, cap * sizeof *b);
      if (!b) {
        rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
        goto out;
      }
      bindings = b;
      bindings_cap = cap;
    }
    nbindings++;
  }
  bindings[i] = (binding){m, entries, n};
out:
  pthread_mutex_unlock(&bind_lock);
  return rc;
}

void wr_aot_unbind(const wr_module *m) {
  pthread_mutex_lock(&bind_lock);
  for (size_t i = 0; i < nbindings; i++)
    if (bindings[i].m == m) bindings[i] = bindings[--nbindings];
  pthread_mutex_unlock(&bind_lock);
}

static bool find(const wr_module *m, binding *out) {
  pthread_mutex_lock(&bind_lock);
  bool found = false;
  for (size_t i = 0; i < nbindings && !found; i++)
    if (bindings[i].m == m) {
      *out = bindings[i];
      found = true;
    }
  pthread_mutex_unlock(&bind_lock);
  return found;
}

typedef struct aot_inst {
  struct wr_rt_api api;
  void *const *entries;
} aot_inst;

typedef struct entry_call {
  compiled_entry fn;
  wr_ctx *ctx;
  uint64_t *args_results;
} entry_call;

static void run_entry(void *p) {
  entry_call *c = p;
  c->fn(c->ctx, c->args_results);
}

static int aot_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  wr_instance *inst = f->inst;
  aot_inst *ai = inst->mode_data;
  if (!ai->entries[f->index - inst->module->nimported_funcs]) /* (never entered from outside) */
    return wr_exec_fail(ex, "aot: function %u has no compiled entry", f->index);
  entry_call c = {(compiled_entry)ai->entries[f->index - inst->module->nimported_funcs], &inst->ctx, args_results};
  int saved_in_guest = ex->in_guest;
  ex->in_guest = 1;
  ex->cur_func = f;
  wr_rt_call_guest(run_entry, &c, &ai->api.stack_limit);
  ex->in_guest = saved_in_guest;
  return 0;
}

static int aot_prepare(wr_instance *inst, wr_error *err) {
  const wr_module *m = inst->module;
  binding b = {0};
  if (m->nfuncs > m->nimported_funcs && !find(m, &b))
    return wr_err(err, WR_ERR_UNSUPPORTED, "aot: no compiled image is bound to this module");
  aot_inst *ai = calloc(1, sizeof *ai);
  if (!ai) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  wr_rt_api_init(&ai->api, wr_store_exec(inst->store));
  ai->api.mode_entry = aot_entry;
  ai->api.entries = b.entries;
  ai->entries = b.entries;
  inst->mode_data = ai;
  inst->ctx.api = &ai->api;
  return 0;
}

static void aot_release(wr_instance *inst) {
  free(inst->mode_data);
  inst->mode_data = NULL;
}

const wr_mode_ops wr_aot_ops = {
    .entry = aot_entry,
    .prepare = aot_prepare,
    .release = aot_release,
};
