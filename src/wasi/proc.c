/* proc.c: args, environment, proc_exit and proc_raise. */
#include "wasi/internal.h"

#define A32(i) ((uint32_t)a[i])

/* Writes a string vector: pointers at vp, the NUL-terminated strings at bp. */
static int put_strings(wasi_call *c, char **v, int n, uint32_t vp, uint32_t bp) {
  uint64_t total = 0;
  for (int i = 0; i < n; i++) total += strlen(v[i]) + 1;
  uint8_t *ptrs = gmem(c, vp, (uint64_t)n * 4);
  uint8_t *buf = gmem(c, bp, total);
  if (!ptrs || !buf) return WE_FAULT;
  uint32_t off = 0;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    st32(ptrs + 4 * i, bp + off);
    memcpy(buf + off, v[i], l);
    off += (uint32_t)l;
  }
  return 0;
}

static int put_sizes(wasi_call *c, char **v, int n, uint32_t np, uint32_t sp) {
  uint64_t total = 0;
  for (int i = 0; i < n; i++) total += strlen(v[i]) + 1;
  if (!gmem(c, np, 4) || !gmem(c, sp, 4)) return WE_FAULT;
  if (total > UINT32_MAX) return WE_OVERFLOW;
  wasi_put32(c, np, (uint32_t)n);
  return wasi_put32(c, sp, (uint32_t)total);
}

static int args_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  return put_strings(c, c->w->argv, c->w->argc, A32(0), A32(1));
}
static int args_sizes_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  return put_sizes(c, c->w->argv, c->w->argc, A32(0), A32(1));
}
static int environ_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  return put_strings(c, c->w->envp, c->w->envc, A32(0), A32(1));
}
static int environ_sizes_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  return put_sizes(c, c->w->envp, c->w->envc, A32(0), A32(1));
}

static int proc_exit(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)c;
  return wr_exec_exit(ex, (int)A32(0));
}

/* Raising a signal in the guest has no meaning for a sandboxed module; the spec
 * lets the host refuse, as wasmtime does. */
static int proc_raise(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)c, (void)ex, (void)a;
  return WE_NOSYS;
}

const wasi_func wasi_proc_funcs[] = {
    {"args_get", "ii:i", args_get},
    {"args_sizes_get", "ii:i", args_sizes_get},
    {"environ_get", "ii:i", environ_get},
    {"environ_sizes_get", "ii:i", environ_sizes_get},
    {"proc_exit", "i:", proc_exit},
    {"proc_raise", "i:i", proc_raise},
    {NULL, NULL, NULL},
};
