/* rt.h: what code compiled from wasm (llvm-jit now, aot images later) reaches in
 * the runtime: a per-instance table of helper entry points and the native stack
 * limit, found through wr_ctx.api. Compiled code never names a runtime symbol, so
 * an AOT image needs no relocations against the executable (DESIGN.md section 4).
 *
 * The helpers do what is too rare or too large to inline (bulk memory and table
 * operations, memory.grow, calls through wr_call) and raise traps. A helper that
 * traps does not return: it unwinds with wr_trap to the enclosing wr_invoke, over
 * the compiled frames, which hold nothing to release. Every `func` argument is the
 * index, in the instance's function space, of the function the trap is reported in. */
#ifndef WR_MODES_LLVM_RT_H
#define WR_MODES_LLVM_RT_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime.h"

/* X(name, C result, C parameters after the wr_ctx *, LLVM signature code)
 * Signature codes, result first: v void, i i32, l i64, p pointer; every helper takes the
 * wr_ctx * first, which the code leaves out. translate.c builds the LLVM function
 * types from the codes, so the two sides cannot drift apart. */
#define WR_RT_HELPERS(X)                                                                       \
  X(trap, void, (uint32_t kind, uint32_t func), "vii")                                           \
  X(call, void, (uint32_t callee, uint64_t *args_results), "vip")                                \
  X(call_indirect, void,                                                                       \
    (uint32_t table, uint32_t type, uint32_t elem, uint32_t func, uint64_t *args_results), "viiiip") \
  X(indirect_target, void *, (uint32_t table, uint32_t type, uint32_t elem, uint32_t func), "piiii") \
  X(memory_grow, uint32_t, (uint32_t delta), "ii")                                              \
  X(memory_init, void, (uint32_t seg, uint32_t d, uint32_t s, uint32_t n, uint32_t func), "viiiii") \
  X(memory_copy, void, (uint32_t d, uint32_t s, uint32_t n, uint32_t func), "viiii")            \
  X(memory_fill, void, (uint32_t d, uint32_t val, uint32_t n, uint32_t func), "viiii")          \
  X(data_drop, void, (uint32_t seg), "vi")                                                      \
  X(table_get, uint64_t, (uint32_t table, uint32_t i, uint32_t func), "liii")                   \
  X(table_set, void, (uint32_t table, uint32_t i, uint64_t v, uint32_t func), "viili")          \
  X(table_size, uint32_t, (uint32_t table), "ii")                                               \
  X(table_grow, uint32_t, (uint32_t table, uint64_t init, uint32_t delta), "iili")              \
  X(table_fill, void, (uint32_t table, uint32_t i, uint64_t v, uint32_t n, uint32_t func), "viilii") \
  X(table_copy, void,                                                                          \
    (uint32_t dst, uint32_t src, uint32_t d, uint32_t s, uint32_t n, uint32_t func), "viiiiii")  \
  X(table_init, void,                                                                          \
    (uint32_t table, uint32_t seg, uint32_t d, uint32_t s, uint32_t n, uint32_t func), "viiiiii") \
  X(elem_drop, void, (uint32_t seg), "vi")

enum {
#define X(name, ...) WR_RT_##name,
  WR_RT_HELPERS(X)
#undef X
  WR_RT_NHELPERS
};

struct wr_rt_api {
  /* Compiled code traps "call stack exhausted" when its frame would lie below
   * this address (the native stack grows down). Set at entry from outside. */
  uintptr_t stack_limit;
  wr_exec *ex;
  /* The mode's uniform entry and, per defined function, its compiled entry
   * (void (wr_ctx *, uint64_t *args_results)): call_indirect to a function of the
   * same instance calls it directly instead of through wr_call. */
  wr_entry_fn mode_entry;
  void *const *entries;
  /* The helpers, in WR_RT_HELPERS order (read by index from compiled code). */
  void *helpers[WR_RT_NHELPERS];
};

/* Byte offset of helper i in struct wr_rt_api. */
#define WR_RT_HELPER_OFFSET(i) (offsetof(struct wr_rt_api, helpers) + (size_t)(i) * sizeof(void *))

/* Fills api for an instance whose code runs on ex. */
void wr_rt_api_init(struct wr_rt_api *api, wr_exec *ex);

/* Calls fn(arg) on the stack compiled code runs on, setting *limit to the lowest
 * address it may use (the "call stack exhausted" check). That is a stack of the
 * thread's own (8 MiB above a guard, made on first use; a nested entry from a host
 * function stays on it), so the depth guests reach depends neither on RLIMIT_STACK
 * nor on system calls a sandbox may refuse. Builds with ASan, and other CPUs than
 * x86-64 for now, use the thread's stack with the limit 256 KiB above its end. */
void wr_rt_call_guest(void (*fn)(void *), void *arg, uintptr_t *limit);

#endif
