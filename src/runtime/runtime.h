/* runtime.h: instances and the mode-independent execution environment.
 *
 * A wr_store owns everything made at run time: instances, host functions, memories,
 * tables and globals, and the execution state (value stack, call depth, trap
 * landing point). Objects live until the store is freed, which is how the spec's
 * `register` and cross-instance links stay valid. A store is used by one thread.
 *
 * Values cross this interface as 64-bit slots (uint64_t): i32 zero-extended, f32/f64
 * as their bit patterns, references as wr_ref; a v128 takes two slots (low, high). */
#ifndef WR_RUNTIME_H
#define WR_RUNTIME_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "wasm/error.h"
#include "wasm/module.h"

typedef enum wr_mode {
  WR_MODE_CLASSIC = 0,
  WR_MODE_FAST,
  WR_MODE_FAST_JIT,
  WR_MODE_LLVM_JIT,
  WR_MODE_AOT,
  WR_MODE_COUNT,
} wr_mode;

const char *wr_mode_name(wr_mode mode);
/* Parses a mode name; returns -1 for an unknown one. */
int wr_mode_parse(const char *name);
/* Whether this build can run `mode`. */
bool wr_mode_available(wr_mode mode);
/* Loads what `mode` needs beyond this library (llvm-jit: the LLVM plugin). Call it
 * before anything takes the filesystem away; instantiation loads it otherwise. */
int wr_mode_load(wr_mode mode, wr_error *err);

/* Trap kinds. wr_trap_message() gives the spec's wording. */
typedef enum wr_trap_kind {
  WR_TRAP_NONE = 0,
  WR_TRAP_UNREACHABLE,
  WR_TRAP_MEMORY_OOB,
  WR_TRAP_TABLE_OOB,
  WR_TRAP_DIV_ZERO,
  WR_TRAP_INT_OVERFLOW,
  WR_TRAP_INVALID_CONVERSION,
  WR_TRAP_INDIRECT_TYPE_MISMATCH,
  WR_TRAP_UNDEFINED_ELEMENT,
  WR_TRAP_UNINITIALIZED_ELEMENT,
  WR_TRAP_STACK_EXHAUSTED,
  WR_TRAP_HOST, /* a host function failed; the message says why */
  WR_TRAP_COUNT,
} wr_trap_kind;

const char *wr_trap_message(wr_trap_kind kind);

typedef struct wr_store wr_store;
typedef struct wr_instance wr_instance;
typedef struct wr_exec wr_exec;
typedef struct wr_funcinst wr_funcinst;

/* A reference value: a funcref is a wr_funcinst pointer, an externref an opaque
 * host value; 0 is null for both. */
typedef uint64_t wr_ref;

/* Host functions share one signature: arguments in args_results[0..param_slots),
 * results written to args_results[0..result_slots). Return 0, or a negative
 * wr_errcode after filling the exec's error with wr_exec_fail(). */
typedef int (*wr_host_fn)(wr_exec *ex, uint64_t *args_results);

/* The uniform entry of a function in any mode: arguments in, results out, in
 * place. Returns 0, or (for host functions only) a negative code; guest traps do
 * not return but unwind to the enclosing wr_invoke. */
typedef int (*wr_entry_fn)(wr_exec *ex, wr_funcinst *f, uint64_t *args_results);

struct wr_funcinst {
  wr_entry_fn entry;
  const wr_functype *type;
  wr_instance *inst;         /* owning instance; NULL for host functions */
  uint32_t index;            /* index in the owning instance's function space */
  const wr_function *code;   /* guest functions: the validated body */
  wr_host_fn host;           /* host functions */
  void *host_data;
  const char *host_name;
};

typedef struct wr_memory {
  uint8_t *base;        /* start of the reservation; accessible up to size bytes */
  uint64_t size;        /* current size in bytes (pages * 64 KiB) */
  uint32_t pages;
  uint32_t max_pages;   /* the effective cap: declared max, --max-memory, 65536 */
  wr_memtype type;      /* as declared (for import matching) */
  uint64_t reserved;    /* bytes of address space reserved */
} wr_memory;

typedef struct wr_table {
  wr_ref *elems;
  uint32_t size;
  uint32_t capacity;
  wr_tabletype type; /* as declared; the current size is `size` */
} wr_table;

typedef struct wr_global {
  wr_globaltype type;
  uint64_t val[2];
} wr_global;

typedef struct wr_extern {
  uint8_t kind; /* WR_EXTERN_* */
  union {
    wr_funcinst *func;
    wr_table *table;
    wr_memory *memory;
    wr_global *global;
  } u;
} wr_extern;

/* The instance's state that code reaches at run time. Native modes receive a
 * pointer to it as their first argument. */
typedef struct wr_ctx {
  uint8_t *mem_base;     /* memory 0 base (NULL when the module has no memory); never
                            moves, since memories grow inside their reservation */
  wr_memory *memory;     /* memory 0 */
  wr_global **globals;   /* every global, imports first */
  wr_table **tables;     /* every table, imports first */
  wr_funcinst **funcs;   /* every function, imports first */
  wr_instance *inst;
  struct wr_rt_api *api;  /* compiled modes: helpers and stack limit (modes/llvm/rt.h) */
} wr_ctx;

struct wr_instance {
  wr_ctx ctx;
  const wr_module *module;
  wr_store *store;
  wr_mode mode;
  uint32_t nfuncs, ntables, nmems, nglobals;
  wr_memory **mems;
  wr_funcinst *own_funcs;  /* the module's defined functions */
  wr_ref **elem_refs;      /* per element segment: its evaluated references */
  uint32_t *elem_len;      /* per element segment: its length, 0 once dropped */
  uint32_t *data_len;      /* per data segment: its length, 0 once dropped */
  void *mode_data;         /* per-mode translation (fast, jit) */
};

/* Execution state of a store. Interpreters keep their value stack here. */
struct wr_exec {
  wr_store *store;
  uint64_t *stack;       /* value stack: [stack, stack_end) */
  uint64_t *stack_end;
  uint64_t *sp;          /* first free slot, for nested entries */
  uint32_t depth;        /* current call depth */
  uint32_t max_depth;
  sigjmp_buf *trap_jmp;  /* where a trap unwinds to (set by wr_invoke) */
  wr_error *err;         /* the error being filled by the current wr_invoke */
  wr_funcinst *host_callee; /* the host function being called, for its data */
  wr_instance *caller;      /* the instance that called the host function */
  const wr_funcinst *cur_func; /* the guest function running, for trap messages */
  volatile int pending_trap;   /* the trap kind being unwound */
  int unwind_code;             /* WR_ERR_TRAP or WR_ERR_EXIT while unwinding */
  volatile int in_guest;    /* nonzero while guest code or an interpreter runs */
};

/* ---- stores ------------------------------------------------------------------ */
wr_store *wr_store_new(wr_error *err);
void wr_store_free(wr_store *s);
wr_exec *wr_store_exec(wr_store *s);
/* Cap on the pages of every memory created in this store from now on (0: none). */
void wr_store_set_max_pages(wr_store *s, uint32_t max_pages);
/* The optimisation level (0 to 3, default 2) of the modes that compile (llvm-jit). */
void wr_store_set_opt_level(wr_store *s, int level);
int wr_store_opt_level(const wr_store *s);

/* ---- host objects -------------------------------------------------------------- */
/* type is copied. */
wr_funcinst *wr_host_func_new(wr_store *s, const wr_functype *type, wr_host_fn fn, void *data,
                              const char *name, wr_error *err);
wr_memory *wr_memory_new(wr_store *s, const wr_memtype *type, wr_error *err);
wr_table *wr_table_new(wr_store *s, const wr_tabletype *type, wr_ref init, wr_error *err);
wr_global *wr_global_new(wr_store *s, const wr_globaltype *type, const uint64_t val[2],
                         wr_error *err);
/* Inside a host function: its data, and the instance whose code called it. */
void *wr_exec_host_data(wr_exec *ex);
wr_instance *wr_exec_caller(wr_exec *ex);
/* Inside a host function: fail the call with a trap of kind WR_TRAP_HOST and the
 * given message; returns WR_ERR_TRAP for `return wr_exec_fail(...)`. */
int wr_exec_fail(wr_exec *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Inside a host function: end the run with the guest's exit code (proc_exit). */
int wr_exec_exit(wr_exec *ex, int code);

/* ---- memory and tables (also used by every mode) ------------------------------- */
/* Grows by delta pages; returns the old size in pages or -1 (memory.grow). */
int64_t wr_memory_grow(wr_memory *m, uint32_t delta);
/* Grows by delta, filling with init; returns the old size or -1 (table.grow). */
int64_t wr_table_grow(wr_table *t, uint32_t delta, wr_ref init);

/* ---- instances ------------------------------------------------------------------ */
/* Resolves one import; fill *out and return 0, or return WR_ERR_LINK with a message. */
typedef int (*wr_resolve_fn)(void *ud, const wr_import *imp, wr_extern *out, wr_error *err);

/* Instantiates m (which must outlive the store): resolves and type-checks imports,
 * makes memories/tables/globals, applies active segments, drops declarative ones,
 * and runs the start function. Errors: WR_ERR_LINK (imports), WR_ERR_INSTANTIATE
 * (segments out of bounds, with the trap message), WR_ERR_TRAP (start trapped),
 * WR_ERR_UNSUPPORTED (mode not available or SIMD not yet executable). The instance
 * belongs to the store even when the start function traps (the spec keeps the
 * effects of segments applied before the trap). */
int wr_instantiate(wr_store *s, const wr_module *m, wr_mode mode, wr_resolve_fn resolve,
                   void *ud, wr_instance **out, wr_error *err);

/* Looks up an export by NUL-terminated name. Returns 0 or WR_ERR_LINK. */
int wr_instance_export(wr_instance *inst, const char *name, wr_extern *out, wr_error *err);

/* Calls f with args (f->type->param_slots slots), writing results
 * (result_slots slots). A trap returns WR_ERR_TRAP with err->trap set and a message
 * "KIND in function NAME"; proc_exit returns WR_ERR_EXIT. */
int wr_invoke(wr_store *s, wr_funcinst *f, const uint64_t *args, uint64_t *results,
              wr_error *err);

/* ---- for modes --------------------------------------------------------------- */
/* Unwinds to the enclosing wr_invoke with a trap in function `func` (or NULL). */
__attribute__((noreturn)) void wr_trap(wr_exec *ex, wr_trap_kind kind, const wr_funcinst *func);
/* The uniform entry of an interpreter whose loop run(ex, f) takes the arguments at
 * ex->sp and leaves the results there: copies them in and out around run(). */
int wr_interp_enter(wr_exec *ex, wr_funcinst *f, uint64_t *args_results,
                    void (*run)(wr_exec *ex, wr_funcinst *f));
/* Calls any function through its uniform entry, counting depth. */
int wr_call(wr_exec *ex, wr_funcinst *f, uint64_t *args_results);
/* The bulk memory and table instructions (bulk.c): the whole range is checked
 * first; they return WR_TRAP_NONE or the trap to raise. Memory operations act on
 * the instance's memory 0. */
wr_trap_kind wr_bulk_memory_init(wr_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
wr_trap_kind wr_bulk_memory_copy(wr_memory *m, uint32_t d, uint32_t s, uint32_t n);
wr_trap_kind wr_bulk_memory_fill(wr_memory *m, uint32_t d, uint32_t val, uint32_t n);
wr_trap_kind wr_bulk_table_init(wr_instance *inst, wr_table *t, uint32_t seg, uint32_t d, uint32_t s,
                                uint32_t n);
wr_trap_kind wr_bulk_table_copy(wr_table *dst, wr_table *src, uint32_t d, uint32_t s, uint32_t n);
wr_trap_kind wr_bulk_table_fill(wr_table *t, uint32_t i, wr_ref v, uint32_t n);
/* Structural type equality of two functions' types (call_indirect). */
static inline bool wr_func_type_matches(const wr_funcinst *f, const wr_functype *t) {
  return f->type == t || wr_functype_equal(f->type, t);
}

/* Per-mode hooks, registered in modes.c. prepare runs once per instance after its
 * functions exist (translation, compilation); it may be NULL. */
typedef struct wr_mode_ops {
  wr_entry_fn entry;
  int (*prepare)(wr_instance *inst, wr_error *err);
  void (*release)(wr_instance *inst);
} wr_mode_ops;
const wr_mode_ops *wr_mode_get_ops(wr_mode mode);
/* -v: modes that compile report what they did on stderr (set by the command). */
extern int wr_verbose;

#endif
