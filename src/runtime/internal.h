/* internal.h: what the runtime's files share and nothing outside src/runtime and
 * src/modes needs: memory reservations, signal set-up, store bookkeeping. */
#ifndef WR_RUNTIME_INTERNAL_H
#define WR_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"

/* memory.c */
int wr_memory_init(wr_memory *m, const wr_memtype *type, uint32_t cap_pages, wr_error *err);
void wr_memory_release(wr_memory *m);
int wr_signals_init(wr_error *err);
/* Makes ex the thread's running exec (for the fault handler); returns the previous. */
wr_exec *wr_exec_enter(wr_exec *ex);
void wr_exec_leave(wr_exec *prev);
/* Compiled code: a memory fault at a PC inside [start, start + len) is reported in
 * the function resolve(data, pc) names (NULL: the running one). resolve runs in
 * the signal handler: it may only read. */
typedef const wr_funcinst *(*wr_code_resolve_fn)(void *data, uintptr_t pc);
int wr_code_register(uintptr_t start, size_t len, wr_code_resolve_fn resolve, void *data);
void wr_code_unregister(uintptr_t start);

/* store.c: every object made at run time is owned by its store. */
void *wr_store_alloc(wr_store *s, size_t size, wr_error *err);
int wr_store_adopt_instance(wr_store *s, wr_instance *inst, wr_error *err);
int wr_store_adopt_memory(wr_store *s, wr_memory *m, wr_error *err);
uint32_t wr_store_max_pages(const wr_store *s);

/* instance.c */
void wr_instance_release(wr_instance *inst);

#endif
