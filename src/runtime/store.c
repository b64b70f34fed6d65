/* store.c: stores (ownership of everything made at run time), host objects, and
 * the call interface: wr_invoke, wr_call, traps and unwinding.
 *
 * Guest code never returns an error code up through its frames: a trap, a failed
 * host call or proc_exit unwinds with siglongjmp to the wr_invoke that started the
 * run, which restores the execution state and reports through its wr_error. Since
 * every interpreter keeps its frames on the store's value stack, unwinding leaks
 * nothing. */
#include "runtime/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define VALUE_STACK_SLOTS (1u << 20) /* 8 MiB, committed as it is touched */
#define MAX_NATIVE_DEPTH 1000        /* nested entries through C (host calls, modes) */

enum { OBJ_BLOCK, OBJ_INSTANCE, OBJ_MEMORY, OBJ_TABLE };

typedef struct owned {
  struct owned *next;
  int kind;
  void *ptr;
} owned;

struct wr_store {
  wr_exec exec;
  owned *objects; /* newest first; freed in reverse order of creation */
  uint32_t max_pages;
  int opt_level; /* for the compiling modes: 0 to 3 */
};

static const char *const trap_messages[WR_TRAP_COUNT] = {
    [WR_TRAP_NONE] = "no trap",
    [WR_TRAP_UNREACHABLE] = "unreachable",
    [WR_TRAP_MEMORY_OOB] = "out of bounds memory access",
    [WR_TRAP_TABLE_OOB] = "out of bounds table access",
    [WR_TRAP_DIV_ZERO] = "integer divide by zero",
    [WR_TRAP_INT_OVERFLOW] = "integer overflow",
    [WR_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
    [WR_TRAP_INDIRECT_TYPE_MISMATCH] = "indirect call type mismatch",
    [WR_TRAP_UNDEFINED_ELEMENT] = "undefined element",
    [WR_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
    [WR_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
    [WR_TRAP_HOST] = "host function failed",
};

const char *wr_trap_message(wr_trap_kind kind) {
  return kind >= 0 && kind < WR_TRAP_COUNT ? trap_messages[kind] : "unknown trap";
}

/* ---- stores -------------------------------------------------------------------- */

static int own(wr_store *s, int kind, void *ptr, wr_error *err) {
  owned *o = malloc(sizeof *o);
  if (!o) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  o->kind = kind;
  o->ptr = ptr;
  o->next = s->objects;
  s->objects = o;
  return 0;
}

wr_store *wr_store_new(wr_error *err) {
  if (wr_signals_init(err) < 0) return NULL;
  wr_store *s = calloc(1, sizeof *s);
  if (!s) {
    wr_err(err, WR_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t bytes = (size_t)VALUE_STACK_SLOTS * sizeof(uint64_t);
  void *stack = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) {
    wr_err(err, WR_ERR_NOMEM, "allocating the value stack: %s", strerror(errno));
    free(s);
    return NULL;
  }
  s->exec.store = s;
  s->opt_level = 2;
  s->exec.stack = stack;
  s->exec.stack_end = s->exec.stack + VALUE_STACK_SLOTS;
  s->exec.sp = s->exec.stack;
  s->exec.max_depth = MAX_NATIVE_DEPTH;
  return s;
}

void wr_store_free(wr_store *s) {
  if (!s) return;
  owned *o = s->objects;
  while (o) {
    owned *next = o->next;
    switch (o->kind) {
    case OBJ_INSTANCE: wr_instance_release(o->ptr); break;
    case OBJ_MEMORY: wr_memory_release(o->ptr); break;
    case OBJ_TABLE: free(((wr_table *)o->ptr)->elems); break;
    default: break;
    }
    free(o->ptr);
    free(o);
    o = next;
  }
  munmap(s->exec.stack, (size_t)VALUE_STACK_SLOTS * sizeof(uint64_t));
  free(s);
}

wr_exec *wr_store_exec(wr_store *s) { return &s->exec; }
void wr_store_set_max_pages(wr_store *s, uint32_t max_pages) { s->max_pages = max_pages; }
uint32_t wr_store_max_pages(const wr_store *s) { return s->max_pages; }
void wr_store_set_opt_level(wr_store *s, int level) { s->opt_level = level < 0 ? 0 : level > 3 ? 3 : level; }
int wr_store_opt_level(const wr_store *s) { return s->opt_level; }

void *wr_store_alloc(wr_store *s, size_t size, wr_error *err) {
  void *p = calloc(1, size ? size : 1);
  if (!p) {
    wr_err(err, WR_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (own(s, OBJ_BLOCK, p, err) < 0) {
    free(p);
    return NULL;
  }
  return p;
}

int wr_store_adopt_instance(wr_store *s, wr_instance *inst, wr_error *err) {
  return own(s, OBJ_INSTANCE, inst, err);
}

int wr_store_adopt_memory(wr_store *s, wr_memory *m, wr_error *err) {
  return own(s, OBJ_MEMORY, m, err);
}

/* ---- host objects ---------------------------------------------------------------- */

static int host_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  wr_funcinst *prev_callee = ex->host_callee;
  wr_instance *prev_caller = ex->caller;
  int prev_in_guest = ex->in_guest;
  ex->host_callee = f;
  ex->caller = ex->cur_func ? ex->cur_func->inst : NULL;
  ex->in_guest = 0; /* a fault in host code is a real fault, not a guest trap */
  int r = f->host(ex, args_results);
  ex->in_guest = prev_in_guest;
  ex->host_callee = prev_callee;
  ex->caller = prev_caller;
  return r;
}

wr_funcinst *wr_host_func_new(wr_store *s, const wr_functype *type, wr_host_fn fn, void *data,
                              const char *name, wr_error *err) {
  size_t n = type->nparams + type->nresults;
  wr_funcinst *f = wr_store_alloc(s, sizeof *f + sizeof(wr_functype) + n, err);
  if (!f) return NULL;
  wr_functype *t = (wr_functype *)(f + 1);
  wr_valtype *types = (wr_valtype *)(t + 1);
  if (type->nparams) memcpy(types, type->params, type->nparams);
  if (type->nresults) memcpy(types + type->nparams, type->results, type->nresults);
  *t = *type;
  t->params = types;
  t->results = types + type->nparams;
  f->entry = host_entry;
  f->type = t;
  f->host = fn;
  f->host_data = data;
  f->host_name = name;
  return f;
}

wr_memory *wr_memory_new(wr_store *s, const wr_memtype *type, wr_error *err) {
  wr_memory *m = calloc(1, sizeof *m);
  if (!m) {
    wr_err(err, WR_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (wr_memory_init(m, type, s->max_pages, err) < 0) {
    free(m);
    return NULL;
  }
  if (wr_store_adopt_memory(s, m, err) < 0) {
    wr_memory_release(m);
    free(m);
    return NULL;
  }
  return m;
}

wr_table *wr_table_new(wr_store *s, const wr_tabletype *type, wr_ref init, wr_error *err) {
  if (type->lim.min > WR_MAX_TABLE_ELEMS) {
    wr_err(err, WR_ERR_INSTANTIATE, "table of %u elements exceeds the limit of %u", type->lim.min,
           WR_MAX_TABLE_ELEMS);
    return NULL;
  }
  wr_table *t = calloc(1, sizeof *t);
  if (!t) {
    wr_err(err, WR_ERR_NOMEM, "out of memory");
    return NULL;
  }
  t->type = *type;
  if (own(s, OBJ_TABLE, t, err) < 0) {
    free(t);
    return NULL;
  }
  if (wr_table_grow(t, type->lim.min, init) < 0) {
    wr_err(err, WR_ERR_NOMEM, "out of memory for a table of %u elements", type->lim.min);
    return NULL;
  }
  return t;
}

/* Every mode reads t->elems afresh at each access, so the array may move. */
int64_t wr_table_grow(wr_table *t, uint32_t delta, wr_ref init) {
  uint32_t old = t->size;
  uint32_t max = t->type.lim.has_max ? t->type.lim.max : WR_MAX_TABLE_ELEMS;
  if (max > WR_MAX_TABLE_ELEMS) max = WR_MAX_TABLE_ELEMS;
  if ((uint64_t)old + delta > max) return -1;
  uint32_t new_size = old + delta;
  if (new_size > t->capacity) {
    uint64_t cap = (uint64_t)t->capacity * 2;
    if (cap < new_size) cap = new_size;
    if (cap > max) cap = max;
    wr_ref *e = realloc(t->elems, cap * sizeof(wr_ref));
    if (!e) return -1;
    t->elems = e;
    t->capacity = (uint32_t)cap;
  }
  for (uint32_t i = old; i < new_size; i++) t->elems[i] = init;
  t->size = new_size;
  return old;
}

wr_global *wr_global_new(wr_store *s, const wr_globaltype *type, const uint64_t val[2], wr_error *err) {
  wr_global *g = wr_store_alloc(s, sizeof *g, err);
  if (!g) return NULL;
  g->type = *type;
  g->val[0] = val[0];
  g->val[1] = val[1];
  return g;
}

void *wr_exec_host_data(wr_exec *ex) { return ex->host_callee ? ex->host_callee->host_data : NULL; }
wr_instance *wr_exec_caller(wr_exec *ex) { return ex->caller; }

int wr_exec_fail(wr_exec *ex, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wr_verr(ex->err, WR_ERR_TRAP, fmt, ap);
  va_end(ap);
  if (ex->err) ex->err->trap = WR_TRAP_HOST;
  ex->pending_trap = WR_TRAP_HOST;
  return WR_ERR_TRAP;
}

int wr_exec_exit(wr_exec *ex, int code) {
  wr_err(ex->err, WR_ERR_EXIT, "exit %d", code);
  if (ex->err) ex->err->exit_code = code;
  return WR_ERR_EXIT;
}

/* ---- calls and traps -------------------------------------------------------------- */

/* Unwinds to the enclosing wr_invoke with code (WR_ERR_TRAP or WR_ERR_EXIT), whose
 * details are already in ex->err or ex->pending_trap. */
static __attribute__((noreturn)) void unwind(wr_exec *ex, int code) {
  ex->unwind_code = code;
  siglongjmp(*ex->trap_jmp, 1);
}

void wr_trap(wr_exec *ex, wr_trap_kind kind, const wr_funcinst *func) {
  ex->pending_trap = kind;
  if (func) ex->cur_func = func;
  unwind(ex, WR_ERR_TRAP);
}

int wr_call(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  if (ex->depth >= ex->max_depth) wr_trap(ex, WR_TRAP_STACK_EXHAUSTED, NULL);
  ex->depth++;
  const wr_funcinst *caller = ex->cur_func;
  int r = f->entry(ex, f, args_results);
  ex->cur_func = caller;
  ex->depth--;
  if (r < 0) unwind(ex, r);
  return 0;
}

int wr_interp_enter(wr_exec *ex, wr_funcinst *f, uint64_t *args_results,
                    void (*run)(wr_exec *ex, wr_funcinst *f)) {
  uint64_t *saved_sp = ex->sp;
  int saved_in_guest = ex->in_guest;
  uint32_t np = f->type->param_slots, nr = f->type->result_slots;
  /* The frame starts at the first free slot; the arguments are copied there. */
  uint64_t *fp = ex->sp;
  if (fp + np > ex->stack_end) wr_trap(ex, WR_TRAP_STACK_EXHAUSTED, f);
  memmove(fp, args_results, np * sizeof(uint64_t));
  ex->in_guest = 1;
  run(ex, f);
  ex->in_guest = saved_in_guest;
  memmove(args_results, fp, nr * sizeof(uint64_t));
  ex->sp = saved_sp;
  return 0;
}

static void describe_trap(wr_exec *ex, wr_error *err) {
  if (!err) return;
  if (ex->pending_trap == WR_TRAP_HOST && err->code == WR_ERR_TRAP) return; /* message set */
  const wr_funcinst *f = ex->cur_func;
  char name[128];
  if (f && f->inst) {
    wr_err(err, WR_ERR_TRAP, "%s in function %s", wr_trap_message(ex->pending_trap),
           wr_module_func_name(f->inst->module, f->index, name, sizeof name));
  } else if (f && f->host_name) {
    wr_err(err, WR_ERR_TRAP, "%s in host function %s", wr_trap_message(ex->pending_trap), f->host_name);
  } else {
    wr_err(err, WR_ERR_TRAP, "%s", wr_trap_message(ex->pending_trap));
  }
  err->trap = ex->pending_trap;
}

int wr_invoke(wr_store *s, wr_funcinst *f, const uint64_t *args, uint64_t *results, wr_error *err) {
  wr_exec *ex = &s->exec;
  uint32_t nparams = f->type->param_slots, nresults = f->type->result_slots;
  uint32_t nslots = nparams > nresults ? nparams : nresults;
  if (ex->stack_end - ex->sp < (ptrdiff_t)nslots + 1)
    return wr_err(err, WR_ERR_TRAP, "%s", wr_trap_message(WR_TRAP_STACK_EXHAUSTED));

  /* Everything a nested wr_invoke (from a host function) must give back. */
  sigjmp_buf jb;
  sigjmp_buf *volatile saved_jmp = ex->trap_jmp;
  uint64_t *volatile saved_sp = ex->sp;
  volatile uint32_t saved_depth = ex->depth;
  wr_error *volatile saved_err = ex->err;
  volatile int saved_in_guest = ex->in_guest;
  const wr_funcinst *volatile saved_cur = ex->cur_func;
  wr_exec *volatile prev_exec = wr_exec_enter(ex);

  uint64_t *buf = ex->sp;
  if (nparams) memcpy(buf, args, nparams * sizeof(uint64_t));
  ex->sp = buf + nslots;
  ex->err = err;
  ex->pending_trap = WR_TRAP_NONE;
  ex->cur_func = NULL;

  int rc;
  if (sigsetjmp(jb, 0) == 0) {
    ex->trap_jmp = &jb;
    rc = wr_call(ex, f, buf);
    if (nresults) memcpy(results, buf, nresults * sizeof(uint64_t));
  } else {
    rc = ex->unwind_code;
    if (rc == WR_ERR_TRAP) describe_trap(ex, err);
  }
  ex->trap_jmp = saved_jmp;
  ex->sp = saved_sp;
  ex->depth = saved_depth;
  ex->err = saved_err;
  ex->in_guest = saved_in_guest;
  ex->cur_func = saved_cur;
  wr_exec_leave(prev_exec);
  return rc;
}
