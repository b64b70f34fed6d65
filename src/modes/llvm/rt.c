/* rt.c: the helpers compiled wasm code calls through wr_ctx.api (see rt.h). They
 * follow classic.c's semantics exactly, trap kinds included; the compiled code has
 * already popped the operands and passes them as arguments. Needs no LLVM. */
#include "modes/llvm/rt.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define TRAP(ctx, kind, func) wr_trap((ctx)->api->ex, WR_TRAP_##kind, (ctx)->funcs[func])
#define CHECK(ctx, trap_or_none, func)                                  \
  do {                                                                  \
    wr_trap_kind k_ = (trap_or_none);                                   \
    if (k_) wr_trap((ctx)->api->ex, k_, (ctx)->funcs[func]);            \
  } while (0)

static void rt_trap(wr_ctx *ctx, uint32_t kind, uint32_t func) {
  wr_trap(ctx->api->ex, (wr_trap_kind)kind, ctx->funcs[func]);
}

static void rt_call(wr_ctx *ctx, uint32_t callee, uint64_t *args_results) {
  wr_call(ctx->api->ex, ctx->funcs[callee], args_results);
}

static void rt_call_indirect(wr_ctx *ctx, uint32_t table, uint32_t type, uint32_t elem, uint32_t func,
                             uint64_t *args_results) {
  wr_table *t = ctx->tables[table];
  if (elem >= t->size) TRAP(ctx, UNDEFINED_ELEMENT, func);
  wr_funcinst *callee = (wr_funcinst *)(uintptr_t)t->elems[elem];
  if (!callee) TRAP(ctx, UNINITIALIZED_ELEMENT, func);
  if (!wr_func_type_matches(callee, &ctx->inst->module->types[type])) TRAP(ctx, INDIRECT_TYPE_MISMATCH, func);
  wr_call(ctx->api->ex, callee, args_results);
}

/* The compiled entry of the callee when it is a function of this instance, after
 * the checks of call_indirect; NULL when the call must go through wr_call. */
static void *rt_indirect_target(wr_ctx *ctx, uint32_t table, uint32_t type, uint32_t elem, uint32_t func) {
  wr_table *t = ctx->tables[table];
  if (elem >= t->size) TRAP(ctx, UNDEFINED_ELEMENT, func);
  wr_funcinst *callee = (wr_funcinst *)(uintptr_t)t->elems[elem];
  if (!callee) TRAP(ctx, UNINITIALIZED_ELEMENT, func);
  if (!wr_func_type_matches(callee, &ctx->inst->module->types[type])) TRAP(ctx, INDIRECT_TYPE_MISMATCH, func);
  if (callee->inst != ctx->inst || callee->entry != ctx->api->mode_entry || !ctx->api->entries) return NULL;
  return ctx->api->entries[callee->index - ctx->inst->module->nimported_funcs];
}

static uint32_t rt_memory_grow(wr_ctx *ctx, uint32_t delta) {
  return (uint32_t)wr_memory_grow(ctx->memory, delta);
}

/* Bulk operations: runtime/bulk.c. */
static void rt_memory_init(wr_ctx *ctx, uint32_t seg, uint32_t d, uint32_t s, uint32_t n, uint32_t func) {
  CHECK(ctx, wr_bulk_memory_init(ctx->inst, seg, d, s, n), func);
}

static void rt_memory_copy(wr_ctx *ctx, uint32_t d, uint32_t s, uint32_t n, uint32_t func) {
  CHECK(ctx, wr_bulk_memory_copy(ctx->memory, d, s, n), func);
}

static void rt_memory_fill(wr_ctx *ctx, uint32_t d, uint32_t val, uint32_t n, uint32_t func) {
  CHECK(ctx, wr_bulk_memory_fill(ctx->memory, d, val, n), func);
}

static void rt_data_drop(wr_ctx *ctx, uint32_t seg) { ctx->inst->data_len[seg] = 0; }

static uint64_t rt_table_get(wr_ctx *ctx, uint32_t table, uint32_t i, uint32_t func) {
  wr_table *t = ctx->tables[table];
  if (i >= t->size) TRAP(ctx, TABLE_OOB, func);
  return t->elems[i];
}

static void rt_table_set(wr_ctx *ctx, uint32_t table, uint32_t i, uint64_t v, uint32_t func) {
  wr_table *t = ctx->tables[table];
  if (i >= t->size) TRAP(ctx, TABLE_OOB, func);
  t->elems[i] = v;
}

static uint32_t rt_table_size(wr_ctx *ctx, uint32_t table) { return ctx->tables[table]->size; }

static uint32_t rt_table_grow(wr_ctx *ctx, uint32_t table, uint64_t init, uint32_t delta) {
  return (uint32_t)wr_table_grow(ctx->tables[table], delta, init);
}

static void rt_table_fill(wr_ctx *ctx, uint32_t table, uint32_t i, uint64_t v, uint32_t n, uint32_t func) {
  CHECK(ctx, wr_bulk_table_fill(ctx->tables[table], i, v, n), func);
}

static void rt_table_copy(wr_ctx *ctx, uint32_t dst, uint32_t src, uint32_t d, uint32_t s, uint32_t n,
                          uint32_t func) {
  CHECK(ctx, wr_bulk_table_copy(ctx->tables[dst], ctx->tables[src], d, s, n), func);
}

static void rt_table_init(wr_ctx *ctx, uint32_t table, uint32_t seg, uint32_t d, uint32_t s, uint32_t n,
                          uint32_t func) {
  CHECK(ctx, wr_bulk_table_init(ctx->inst, ctx->tables[table], seg, d, s, n), func);
}

static void rt_elem_drop(wr_ctx *ctx, uint32_t seg) { ctx->inst->elem_len[seg] = 0; }

void wr_rt_api_init(struct wr_rt_api *api, wr_exec *ex) {
  memset(api, 0, sizeof *api);
  api->ex = ex;
#define X(name, ...) api->helpers[WR_RT_##name] = (void *)rt_##name;
  WR_RT_HELPERS(X)
#undef X
}

#define STACK_RESERVE (256u * 1024)
#define DEFAULT_STACK (8u * 1024 * 1024)
#define GUEST_STACK (8u * 1024 * 1024)
#define GUARD (64u * 1024)

/* The limit on the stack we are on, for the sanitizer builds, which run compiled
 * code on the thread's own stack (ASan does not follow a switch of stacks). It
 * needs system calls (pthread_getattr_np reads /proc/self/maps) that the sandbox
 * may refuse, which is why other builds use a stack of their own. */
static uintptr_t current_stack_limit(void) {
  char here;
  uintptr_t sp = (uintptr_t)&here;
  pthread_attr_t attr;
  void *lo = NULL;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    if (pthread_attr_getstack(&attr, &lo, &size) != 0) lo = NULL;
    pthread_attr_destroy(&attr);
  }
  if (lo && size > STACK_RESERVE * 2 && sp > (uintptr_t)lo && sp - (uintptr_t)lo <= size)
    return (uintptr_t)lo + STACK_RESERVE;
  struct rlimit rl;
  uint64_t avail = DEFAULT_STACK;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < avail)
    avail = rl.rlim_cur;
  /* Part of the stack is already used above us (environment, our callers). */
  avail = avail > 4 * STACK_RESERVE ? avail - 2 * STACK_RESERVE : STACK_RESERVE;
  return sp - avail + STACK_RESERVE;
}

#if defined(__SANITIZE_ADDRESS__)
#define WR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WR_ASAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(WR_ASAN)
#define SWITCH_STACKS 1
/* switch_stack(top, fn, arg): calls fn(arg) with the stack pointer at top (16-byte
 * aligned), then returns on the caller's stack; rbp (callee-saved) keeps the way
 * back. A trap leaves by siglongjmp, which restores the caller's stack itself. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl wr_rt_switch_stack\n"
        ".hidden wr_rt_switch_stack\n"
        ".type wr_rt_switch_stack, @function\n"
        "wr_rt_switch_stack:\n"
        "  pushq %rbp\n"
        "  movq %rsp, %rbp\n"
        "  movq %rdi, %rsp\n"
        "  movq %rdx, %rdi\n"
        "  callq *%rsi\n"
        "  movq %rbp, %rsp\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size wr_rt_switch_stack, .-wr_rt_switch_stack\n");
void wr_rt_switch_stack(void *top, void (*fn)(void *), void *arg);

/* Each thread's guest stack: GUEST_STACK bytes above a PROT_NONE guard, made on
 * first use and kept for the thread's life (pages are committed as touched). */
static _Thread_local uint8_t *tl_stack;
#endif

void wr_rt_call_guest(void (*fn)(void *), void *arg, uintptr_t *limit) {
#ifdef SWITCH_STACKS
  char here;
  uintptr_t sp = (uintptr_t)&here;
  if (!tl_stack) {
    void *p = mmap(NULL, GUARD + GUEST_STACK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED && mprotect((uint8_t *)p + GUARD, GUEST_STACK, PROT_READ | PROT_WRITE) == 0) {
      tl_stack = p;
    } else if (p != MAP_FAILED) {
      munmap(p, GUARD + GUEST_STACK);
    }
  }
  if (tl_stack) {
    uintptr_t lo = (uintptr_t)tl_stack + GUARD, hi = lo + GUEST_STACK;
    *limit = lo + STACK_RESERVE;
    if (sp > lo && sp <= hi) {
      fn(arg); /* a nested entry (guest -> host -> guest): already there */
    } else {
      wr_rt_switch_stack((void *)hi, fn, arg);
    }
    return;
  }
#endif
  static _Thread_local uintptr_t tl_limit;
  if (!tl_limit) tl_limit = current_stack_limit();
  *limit = tl_limit;
  fn(arg);
}
