/* memory.c: linear memories in guarded reservations, and the fault handler that
 * turns an access outside a memory into the trap "out of bounds memory access".
 *
 * Each memory reserves 8 GiB + 64 KiB of address space as PROT_NONE: a 32-bit index
 * plus a 32-bit static offset plus the widest access (16 bytes) never leaves it, so
 * no mode needs explicit bounds checks on loads and stores. Pages are made
 * read-write as the memory grows and the base never moves. An access beyond the
 * accessible part faults; the SIGSEGV handler checks that guest code was running
 * and that the address lies in a registered reservation, and unwinds to the
 * enclosing wr_invoke. Any other fault is a real crash and is left to the default
 * action. */
#include "runtime/internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define RESERVATION_BYTES ((UINT64_C(8) << 30) + WR_PAGE_SIZE)
#define MAX_RESERVATIONS 16384 /* 128 TiB of user address space / 8 GiB */

/* Registered reservations, read by the signal handler without locks: a slot holds
 * a start address (0 = free); every reservation has the same length. */
static _Atomic uintptr_t reservations[MAX_RESERVATIONS];
static _Atomic unsigned reservations_hwm; /* slots [0, hwm) may be in use */
static pthread_mutex_t reservations_lock = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local wr_exec *tl_exec; /* the exec running guest code on this thread */

static int register_reservation(uintptr_t start) {
  pthread_mutex_lock(&reservations_lock);
  unsigned hwm = atomic_load(&reservations_hwm);
  for (unsigned i = 0; i < MAX_RESERVATIONS; i++) {
    if (atomic_load(&reservations[i]) == 0) {
      atomic_store(&reservations[i], start);
      if (i >= hwm) atomic_store(&reservations_hwm, i + 1);
      pthread_mutex_unlock(&reservations_lock);
      return 0;
    }
  }
  pthread_mutex_unlock(&reservations_lock);
  return -1;
}

static void unregister_reservation(uintptr_t start) {
  pthread_mutex_lock(&reservations_lock);
  unsigned hwm = atomic_load(&reservations_hwm);
  for (unsigned i = 0; i < hwm; i++)
    if (atomic_load(&reservations[i]) == start) atomic_store(&reservations[i], 0);
  pthread_mutex_unlock(&reservations_lock);
}

static bool in_reservation(uintptr_t addr) {
  unsigned hwm = atomic_load(&reservations_hwm);
  for (unsigned i = 0; i < hwm; i++) {
    uintptr_t s = atomic_load(&reservations[i]);
    if (s && addr >= s && addr - s < RESERVATION_BYTES) return true;
  }
  return false;
}

/* Code ranges of the compiled modes (wr_code_register), read by the handler the
 * same way: a slot is in use while its start is nonzero, set last. */
#define MAX_CODE_RANGES 16384
static struct code_range {
  _Atomic uintptr_t start;
  size_t len;
  wr_code_resolve_fn resolve;
  void *data;
} code_ranges[MAX_CODE_RANGES];
static _Atomic unsigned code_hwm;

int wr_code_register(uintptr_t start, size_t len, wr_code_resolve_fn resolve, void *data) {
  pthread_mutex_lock(&reservations_lock);
  for (unsigned i = 0; i < MAX_CODE_RANGES; i++) {
    if (atomic_load(&code_ranges[i].start) == 0) {
      code_ranges[i].len = len;
      code_ranges[i].resolve = resolve;
      code_ranges[i].data = data;
      atomic_store(&code_ranges[i].start, start);
      if (i >= atomic_load(&code_hwm)) atomic_store(&code_hwm, i + 1);
      pthread_mutex_unlock(&reservations_lock);
      return 0;
    }
  }
  pthread_mutex_unlock(&reservations_lock);
  return -1;
}

void wr_code_unregister(uintptr_t start) {
  pthread_mutex_lock(&reservations_lock);
  unsigned hwm = atomic_load(&code_hwm);
  for (unsigned i = 0; i < hwm; i++)
    if (atomic_load(&code_ranges[i].start) == start) atomic_store(&code_ranges[i].start, 0);
  pthread_mutex_unlock(&reservations_lock);
}

static const wr_funcinst *code_func(uintptr_t pc) {
  unsigned hwm = atomic_load(&code_hwm);
  for (unsigned i = 0; i < hwm; i++) {
    uintptr_t s = atomic_load(&code_ranges[i].start);
    if (s && pc >= s && pc - s < code_ranges[i].len) return code_ranges[i].resolve(code_ranges[i].data, pc);
  }
  return NULL;
}

static uintptr_t fault_pc(void *uctx) {
#if defined(__x86_64__) && defined(REG_RIP)
  return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#else
  (void)uctx;
  return 0;
#endif
}

/* The actions we replaced: a fault that is not ours goes back to them, so that a
 * sanitizer's or fuzzer's handler still reports a real crash (and in a plain build
 * the default action still kills the process). */
static struct sigaction prev_segv, prev_bus;

static void fault_handler(int sig, siginfo_t *info, void *uctx) {
  wr_exec *ex = tl_exec;
  if (ex && ex->in_guest && ex->trap_jmp && in_reservation((uintptr_t)info->si_addr)) {
    const wr_funcinst *f = code_func(fault_pc(uctx));
    if (f) ex->cur_func = f; /* compiled code: the function the PC is in */
    ex->pending_trap = WR_TRAP_MEMORY_OOB;
    ex->unwind_code = WR_ERR_TRAP;
    siglongjmp(*ex->trap_jmp, 1);
  }
  /* Not ours: restore the previous action; returning re-executes the access and the
   * process dies with the signal as it would have without us. */
  sigaction(sig, sig == SIGSEGV ? &prev_segv : &prev_bus, NULL);
}

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_errno;

static void install_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fault_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, &prev_segv) < 0 || sigaction(SIGBUS, &sa, &prev_bus) < 0)
    handler_errno = errno;
}

/* The fault handler runs on an alternate stack so that it works even when the
 * fault is a C stack overflow. One per thread that runs guest code. */
static _Thread_local void *tl_altstack;

int wr_signals_init(wr_error *err) {
  pthread_once(&handler_once, install_handler);
  if (handler_errno)
    return wr_err(err, WR_ERR_IO, "installing the memory fault handler: %s", strerror(handler_errno));
  if (!tl_altstack) {
    size_t size = 64 * 1024;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return wr_err(err, WR_ERR_NOMEM, "allocating the signal stack: %s", strerror(errno));
    stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) < 0) {
      int e = errno;
      munmap(p, size);
      return wr_err(err, WR_ERR_IO, "sigaltstack: %s", strerror(e));
    }
    tl_altstack = p;
  }
  return 0;
}

wr_exec *wr_exec_enter(wr_exec *ex) {
  wr_exec *prev = tl_exec;
  tl_exec = ex;
  return prev;
}

void wr_exec_leave(wr_exec *prev) { tl_exec = prev; }

int wr_memory_init(wr_memory *m, const wr_memtype *type, uint32_t cap_pages, wr_error *err) {
  memset(m, 0, sizeof *m);
  m->type = *type;
  uint32_t max = type->lim.has_max ? type->lim.max : WR_MAX_PAGES;
  if (cap_pages && cap_pages < max) max = cap_pages;
  if (type->lim.min > max)
    return wr_err(err, WR_ERR_INSTANTIATE,
                  "memory of %u pages exceeds the limit of %u pages (--max-memory)",
                  type->lim.min, max);
  m->max_pages = max;
  void *p = mmap(NULL, RESERVATION_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return wr_err(err, WR_ERR_NOMEM, "reserving 8 GiB of address space for a memory: %s", strerror(errno));
  if (register_reservation((uintptr_t)p) < 0) {
    munmap(p, RESERVATION_BYTES);
    return wr_err(err, WR_ERR_NOMEM, "too many memories alive at once (limit %d)", MAX_RESERVATIONS);
  }
  m->base = p;
  m->reserved = RESERVATION_BYTES;
  if (type->lim.min && wr_memory_grow(m, type->lim.min) < 0) {
    wr_memory_release(m);
    return wr_err(err, WR_ERR_NOMEM, "committing %u pages of memory: %s", type->lim.min, strerror(errno));
  }
  return 0;
}

void wr_memory_release(wr_memory *m) {
  if (!m->base) return;
  unregister_reservation((uintptr_t)m->base);
  munmap(m->base, m->reserved);
  m->base = NULL;
}

int64_t wr_memory_grow(wr_memory *m, uint32_t delta) {
  uint32_t old = m->pages;
  if (delta == 0) return old;
  if ((uint64_t)old + delta > m->max_pages) return -1;
  uint64_t new_size = ((uint64_t)old + delta) * WR_PAGE_SIZE;
  if (mprotect(m->base + m->size, new_size - m->size, PROT_READ | PROT_WRITE) < 0) return -1;
  m->pages = old + delta;
  m->size = new_size;
  return old;
}
