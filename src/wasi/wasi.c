/* wasi.c: the WASI state of a run (args, environment, fd table), errno mapping,
 * checked guest memory access, and the import resolver that binds the host
 * functions of the other files to "wasi_snapshot_preview1" imports. */
#include "wasi/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct binding {
  wr_wasi *w;
  const wasi_func *f;
} binding;

typedef struct wasi_full {
  wr_wasi pub;
  binding *bindings;
  size_t nbindings, cap;
} wasi_full;

int wasi_errno(int e) {
  switch (e) {
  case 0: return WE_SUCCESS;
  case E2BIG: return WE_2BIG;
  case EACCES: return WE_ACCES;
  case EADDRINUSE: return WE_ADDRINUSE;
  case EADDRNOTAVAIL: return WE_ADDRNOTAVAIL;
  case EAFNOSUPPORT: return WE_AFNOSUPPORT;
  case EAGAIN: return WE_AGAIN;
  case EALREADY: return WE_ALREADY;
  case EBADF: return WE_BADF;
  case EBADMSG: return WE_BADMSG;
  case EBUSY: return WE_BUSY;
  case ECANCELED: return WE_CANCELED;
  case ECHILD: return WE_CHILD;
  case ECONNABORTED: return WE_CONNABORTED;
  case ECONNREFUSED: return WE_CONNREFUSED;
  case ECONNRESET: return WE_CONNRESET;
  case EDEADLK: return WE_DEADLK;
  case EDESTADDRREQ: return WE_DESTADDRREQ;
  case EDOM: return WE_DOM;
  case EDQUOT: return WE_DQUOT;
  case EEXIST: return WE_EXIST;
  case EFAULT: return WE_FAULT;
  case EFBIG: return WE_FBIG;
  case EHOSTUNREACH: return WE_HOSTUNREACH;
  case EIDRM: return WE_IDRM;
  case EILSEQ: return WE_ILSEQ;
  case EINPROGRESS: return WE_INPROGRESS;
  case EINTR: return WE_INTR;
  case EINVAL: return WE_INVAL;
  case EIO: return WE_IO;
  case EISCONN: return WE_ISCONN;
  case EISDIR: return WE_ISDIR;
  case ELOOP: return WE_LOOP;
  case EMFILE: return WE_MFILE;
  case EMLINK: return WE_MLINK;
  case EMSGSIZE: return WE_MSGSIZE;
  case EMULTIHOP: return WE_MULTIHOP;
  case ENAMETOOLONG: return WE_NAMETOOLONG;
  case ENETDOWN: return WE_NETDOWN;
  case ENETRESET: return WE_NETRESET;
  case ENETUNREACH: return WE_NETUNREACH;
  case ENFILE: return WE_NFILE;
  case ENOBUFS: return WE_NOBUFS;
  case ENODEV: return WE_NODEV;
  case ENOENT: return WE_NOENT;
  case ENOEXEC: return WE_NOEXEC;
  case ENOLCK: return WE_NOLCK;
  case ENOLINK: return WE_NOLINK;
  case ENOMEM: return WE_NOMEM;
  case ENOMSG: return WE_NOMSG;
  case ENOPROTOOPT: return WE_NOPROTOOPT;
  case ENOSPC: return WE_NOSPC;
  case ENOSYS: return WE_NOSYS;
  case ENOTCONN: return WE_NOTCONN;
  case ENOTDIR: return WE_NOTDIR;
  case ENOTEMPTY: return WE_NOTEMPTY;
  case ENOTRECOVERABLE: return WE_NOTRECOVERABLE;
  case ENOTSOCK: return WE_NOTSOCK;
  case EOPNOTSUPP: return WE_NOTSUP;
  case ENOTTY: return WE_NOTTY;
  case ENXIO: return WE_NXIO;
  case EOVERFLOW: return WE_OVERFLOW;
  case EOWNERDEAD: return WE_OWNERDEAD;
  case EPERM: return WE_PERM;
  case EPIPE: return WE_PIPE;
  case EPROTO: return WE_PROTO;
  case EPROTONOSUPPORT: return WE_PROTONOSUPPORT;
  case EPROTOTYPE: return WE_PROTOTYPE;
  case ERANGE: return WE_RANGE;
  case EROFS: return WE_ROFS;
  case ESPIPE: return WE_SPIPE;
  case ESRCH: return WE_SRCH;
  case ESTALE: return WE_STALE;
  case ETIMEDOUT: return WE_TIMEDOUT;
  case ETXTBSY: return WE_TXTBSY;
  /* openat2(RESOLVE_BENEATH) refuses a path that leads out of its directory with
   * EXDEV; to the guest that is a missing capability, as under wasmtime. */
  case EXDEV: return WE_NOTCAPABLE;
  default: return WE_IO;
  }
}

int wasi_put32(const wasi_call *c, uint32_t ptr, uint32_t v) {
  uint8_t *p = gmem(c, ptr, 4);
  if (!p) return WE_FAULT;
  st32(p, v);
  return 0;
}

int wasi_put64(const wasi_call *c, uint32_t ptr, uint64_t v) {
  uint8_t *p = gmem(c, ptr, 8);
  if (!p) return WE_FAULT;
  st64(p, v);
  return 0;
}

int wasi_path(const wasi_call *c, uint32_t ptr, uint32_t len, char **out) {
  const uint8_t *p = gmem(c, ptr, len);
  if (!p) return WE_FAULT;
  if (memchr(p, 0, len)) return WE_ILSEQ; /* a NUL would silently cut the path */
  char *s = malloc((size_t)len + 1);
  if (!s) return WE_NOMEM;
  memcpy(s, p, len);
  s[len] = 0;
  *out = s;
  return 0;
}

uint8_t wasi_filetype(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFBLK: return FT_BLOCK;
  case S_IFCHR: return FT_CHAR;
  case S_IFDIR: return FT_DIR;
  case S_IFREG: return FT_REG;
  case S_IFSOCK: return FT_STREAM;
  case S_IFLNK: return FT_SYMLINK;
  default: return FT_UNKNOWN;
  }
}

void wasi_filestat(uint8_t *out, const struct stat *st) {
  memset(out, 0, 64);
  st64(out + 0, (uint64_t)st->st_dev);
  st64(out + 8, (uint64_t)st->st_ino);
  out[16] = wasi_filetype(st->st_mode);
  st64(out + 24, (uint64_t)st->st_nlink);
  st64(out + 32, (uint64_t)st->st_size);
  st64(out + 40, (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec);
  st64(out + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
  st64(out + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec);
}

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
  enum { ATIM = 1, ATIM_NOW = 2, MTIM = 4, MTIM_NOW = 8 };
  if (fst & ~15u) return WE_INVAL;
  if ((fst & ATIM) && (fst & ATIM_NOW)) return WE_INVAL;
  if ((fst & MTIM) && (fst & MTIM_NOW)) return WE_INVAL;
  ts[0].tv_sec = 0;
  ts[0].tv_nsec = fst & ATIM_NOW ? UTIME_NOW : fst & ATIM ? 0 : UTIME_OMIT;
  if (fst & ATIM) {
    ts[0].tv_sec = (time_t)(atim / 1000000000u);
    ts[0].tv_nsec = (long)(atim % 1000000000u);
  }
  ts[1].tv_sec = 0;
  ts[1].tv_nsec = fst & MTIM_NOW ? UTIME_NOW : fst & MTIM ? 0 : UTIME_OMIT;
  if (fst & MTIM) {
    ts[1].tv_sec = (time_t)(mtim / 1000000000u);
    ts[1].tv_nsec = (long)(mtim % 1000000000u);
  }
  return 0;
}

/* ---- the fd table ------------------------------------------------------------ */

int wasi_fd_get(wr_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out) {
  if (fd >= w->nfds || w->fds[fd].host < 0) return WE_BADF;
  wasi_fd *f = &w->fds[fd];
  if ((f->base & need) != need) return WE_NOTCAPABLE;
  *out = f;
  return 0;
}

int wasi_fd_add(wr_wasi *w, int host, uint8_t type, uint64_t base, uint64_t inh, bool ro) {
  uint32_t i = 0;
  while (i < w->nfds && w->fds[i].host >= 0) i++;
  if (i == w->nfds) {
    uint32_t n = w->nfds ? w->nfds * 2 : 8;
    wasi_fd *fds = realloc(w->fds, n * sizeof *fds);
    if (!fds) return -WE_NOMEM;
    for (uint32_t k = w->nfds; k < n; k++) {
      memset(&fds[k], 0, sizeof fds[k]);
      fds[k].host = -1;
    }
    w->fds = fds;
    w->nfds = n;
  }
  wasi_fd *f = &w->fds[i];
  memset(f, 0, sizeof *f);
  f->host = host;
  f->type = type;
  f->base = base;
  f->inh = inh;
  /* A read-only tree keeps its rights, so programs open files as usual; what would
   * change it fails with EROFS, as on a read-only mount. */
  f->readonly = ro;
  return (int)i;
}

void wasi_fd_release(wasi_fd *f) {
  if (f->dir) closedir(f->dir);
  free(f->preopen);
  memset(f, 0, sizeof *f);
  f->host = -1;
}

static uint64_t rights_for(uint8_t type) {
  switch (type) {
  case FT_DIR: return RIGHTS_DIR;
  case FT_REG: return RIGHTS_FILE;
  case FT_STREAM:
  case FT_DGRAM: return RIGHTS_SOCK & ~WR_R(R_SOCK_ACCEPT);
  default: return RIGHTS_TTY;
  }
}

/* ---- life cycle ---------------------------------------------------------------- */

static char **copy_strings(int n, char *const *v) {
  char **out = calloc((size_t)n + 1, sizeof *out);
  if (!out) return NULL;
  for (int i = 0; i < n; i++)
    if (!(out[i] = strdup(v[i]))) return out; /* the caller sees the NULL */
  return out;
}

static void free_strings(char **v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

void wr_wasi_free(wr_wasi *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->nfds; i++) {
    if (w->fds[i].host < 0) continue;
    if (w->fds[i].host > 2) close(w->fds[i].host);
    wasi_fd_release(&w->fds[i]);
  }
  free(w->fds);
  free_strings(w->argv, w->argc);
  free_strings(w->envp, w->envc);
  free(((wasi_full *)w)->bindings);
  free(w);
}

int wr_wasi_new(wr_wasi **out, const wr_wasi_config *cfg, wr_error *err) {
  wasi_full *full = calloc(1, sizeof *full);
  wr_wasi *w = &full->pub;
  int i = 0;
  if (!full) goto nomem;
  w->store = cfg->store;
  w->argc = cfg->argc;
  w->envc = cfg->envc;
  if (!(w->argv = copy_strings(cfg->argc, cfg->argv))) goto nomem;
  if (!(w->envp = copy_strings(cfg->envc, cfg->envp))) goto nomem;
  for (int k = 0; k < w->argc; k++) if (!w->argv[k]) goto nomem;
  for (int k = 0; k < w->envc; k++) if (!w->envp[k]) goto nomem;
  /* stdio: rights follow what the host fds are. */
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    uint8_t type = fstat(fd, &st) == 0 ? wasi_filetype(st.st_mode) : FT_UNKNOWN;
    uint64_t rights = rights_for(type) & ~WR_R(R_SOCK_ACCEPT);
    if (type == FT_DIR) rights = 0;
    if (wasi_fd_add(w, fd, type, rights, 0, false) < 0) goto nomem;
  }
  for (i = 0; i < cfg->npreopens; i++) {
    const wr_wasi_preopen *p = &cfg->preopens[i];
    int r;
    if (p->socket)
      r = wasi_fd_add(w, p->host_fd, FT_STREAM, RIGHTS_SOCK, RIGHTS_SOCK & ~WR_R(R_SOCK_ACCEPT), false);
    else
      r = wasi_fd_add(w, p->host_fd, FT_DIR, RIGHTS_DIR, RIGHTS_DIR | RIGHTS_FILE, p->readonly);
    if (r < 0) goto nomem;
    if (!p->socket && !(w->fds[r].preopen = strdup(p->guest ? p->guest : "."))) {
      i++;
      goto nomem;
    }
  }
  *out = w;
  return 0;
nomem:
  for (int k = i; k < cfg->npreopens; k++) close(cfg->preopens[k].host_fd);
  wr_wasi_free(w);
  return wr_err(err, WR_ERR_NOMEM, "WASI: out of memory");
}

/* ---- binding imports ------------------------------------------------------------ */

static const wasi_func *const tables[] = {wasi_fd_funcs, wasi_path_funcs, wasi_time_funcs,
                                          wasi_proc_funcs, wasi_sock_funcs};

static int host_entry(wr_exec *ex, uint64_t *a) {
  binding *b = wr_exec_host_data(ex);
  wr_wasi *w = b->w;
  wr_instance *inst = wr_exec_caller(ex);
  if (inst != w->mem_inst) {
    wr_extern ext;
    w->mem_inst = inst;
    w->mem = NULL;
    if (inst && wr_instance_export(inst, "memory", &ext, NULL) == 0 && ext.kind == WR_EXTERN_MEMORY)
      w->mem = ext.u.memory;
  }
  wasi_call c = {w, w->mem ? w->mem->base : NULL, w->mem ? w->mem->size : 0};
  int r = b->f->fn(&c, ex, a);
  if (r < 0) return r;
  a[0] = (uint32_t)r;
  return 0;
}

int wr_wasi_resolve(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  wasi_full *full = ud;
  if (imp->module.len != 22 || memcmp(imp->module.str, "wasi_snapshot_preview1", 22) != 0)
    return wr_err(err, WR_ERR_LINK, "unknown import \"%s\" \"%s\": only wasi_snapshot_preview1 is provided",
                  imp->module.str, imp->name.str);
  const wasi_func *f = NULL;
  for (size_t t = 0; !f && t < sizeof tables / sizeof *tables; t++)
    for (const wasi_func *g = tables[t]; g->name; g++)
      if (strlen(g->name) == imp->name.len && memcmp(g->name, imp->name.str, imp->name.len) == 0) {
        f = g;
        break;
      }
  if (!f || imp->kind != WR_EXTERN_FUNC)
    return wr_err(err, WR_ERR_LINK, "unknown import \"%s\" \"%s\" (%s)", imp->module.str, imp->name.str,
                  wr_extern_kind_name(imp->kind));
  wr_valtype params[16], results[1];
  wr_functype ft = {0, 0, params, results, 0, 0};
  const char *s = f->sig;
  for (; *s && *s != ':'; s++) params[ft.nparams++] = *s == 'I' ? WR_I64 : WR_I32;
  if (*s == ':' && s[1]) results[ft.nresults++] = WR_I32;
  ft.param_slots = ft.nparams;
  ft.result_slots = ft.nresults;
  /* Bindings are made once per import and never move: host functions keep a pointer. */
  if (full->nbindings == full->cap) {
    if (full->bindings) return wr_err(err, WR_ERR_NOMEM, "WASI: too many imports");
    full->cap = 256;
    if (!(full->bindings = calloc(full->cap, sizeof *full->bindings)))
      return wr_err(err, WR_ERR_NOMEM, "WASI: out of memory");
  }
  binding *b = &full->bindings[full->nbindings++];
  b->w = &full->pub;
  b->f = f;
  wr_funcinst *fi = wr_host_func_new(full->pub.store, &ft, host_entry, b, f->name, err);
  if (!fi) return err ? err->code : WR_ERR_NOMEM;
  out->kind = WR_EXTERN_FUNC;
  out->u.func = fi;
  return 0;
}
