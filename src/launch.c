/* launch.c: the launcher's pieces, kept apart from option parsing so that the
 * command line and, later, the OCI runtime path call the same code:
 *   - wr_resources_open: open first. Every --dir directory, every --listen socket
 *     and the module file become fds before anything of the module is looked at;
 *   - wr_launch_run: read the module from its fd, load, instantiate with WASI over
 *     those fds, run _start or the --invoke export, and turn the outcome into the
 *     exit status of DESIGN.md §8, printing at most one error line.
 * An AOT image given as the module (recognised by its contents, not its name) runs
 * in aot mode with the module it embeds; --mode=aot on a .wasm compiles it inside
 * the sandbox, with the compiler loaded and a memfd made before the lockdown. */
#include "launch.h"

#include "aot-cache/compiler.h"
#include "aot-cache/fingerprint.h"
#include "aot-cache/image.h"
#include "modes/aot.h"
#include "runtime/execmem.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Binds a listening TCP socket for --listen; returns the fd or -1 with err set. */
static int open_listen(const wr_listen_opt *l, wr_error *err) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(l->addr, l->port, &hints, &res);
  if (rc != 0) {
    wr_err(err, WR_ERR_USAGE, "--listen=%s: cannot resolve the address: %s", l->spec, gai_strerror(rc));
    return -1;
  }
  int fd = -1, e = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      e = errno;
      continue;
    }
    int one = 1;
    /* A server restarted at once must not wait out TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0) break;
    e = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) wr_err(err, WR_ERR_USAGE, "--listen=%s: cannot listen: %s", l->spec, strerror(e));
  return fd;
}

/* Sniffs the module file: an AOT image runs in aot mode (unless --mode names
 * another, which then runs the module the image embeds); aot of a .wasm needs the
 * compiler and a file to compile into, which must exist before the lockdown. */
static int open_aot(const wr_config *cfg, wr_resources *res, wr_error *err) {
  uint8_t head[WR_IMAGE_HEADER_OFF + sizeof(wr_image_header)];
  ssize_t n = pread(res->module_fd, head, sizeof head, 0);
  /* Any ELF file goes to the image loader, which says what is wrong with it. */
  res->module_is_image = n >= 4 && memcmp(head, "\177ELF", 4) == 0;
  if (res->module_is_image && !cfg->mode_set) res->mode = WR_MODE_AOT;
  if (res->mode != WR_MODE_AOT) return 0;
  if (res->module_is_image) {
    res->image_fd = res->module_fd;
    return 0;
  }
  /* Through the cache (src/auto.c) unless --no-cache: then compiled at every start. */
  if (!cfg->no_cache) return 0;
  int rc = wr_compiler_load(&res->compiler, err);
  if (rc < 0) return rc;
  res->image_fd = memfd_create("wasm-run-aot", MFD_CLOEXEC);
  if (res->image_fd < 0) return wr_err(err, WR_ERR_IO, "aot: memfd_create: %s", strerror(errno));
  return 0;
}

int wr_resources_open(const wr_config *cfg, wr_resources *res, wr_error *err) {
  memset(res, 0, sizeof *res);
  res->module_fd = -1;
  res->image_fd = -1;
  res->mode = cfg->mode;
  /* The code a mode needs is something the run touches too: load it now, and ask
   * once (the answer is cached) whether executable memory may be made, while
   * neither the sandbox's empty root nor its seccomp filter is in place. */
  int rc = wr_mode_load(cfg->mode, err);
  if (rc < 0) return rc;
  if (cfg->mode == WR_MODE_LLVM_JIT || cfg->mode == WR_MODE_FAST_JIT) wr_execmem_allowed(NULL, 0);
  int n = cfg->ndirs + cfg->nlistens;
  res->preopens = calloc((size_t)n + 1, sizeof *res->preopens);
  if (!res->preopens) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  for (int i = 0; i < cfg->ndirs; i++) {
    const wr_dir_opt *d = &cfg->dirs[i];
    int fd = open(d->host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      wr_err(err, WR_ERR_USAGE, "--dir=%s: cannot open the directory: %s", d->host, strerror(errno));
      goto fail;
    }
    res->preopens[res->npreopens++] = (wr_wasi_preopen){.host_fd = fd, .guest = d->guest, .readonly = d->readonly};
  }
  for (int i = 0; i < cfg->nlistens; i++) {
    int fd = open_listen(&cfg->listens[i], err);
    if (fd < 0) goto fail;
    res->preopens[res->npreopens++] = (wr_wasi_preopen){.host_fd = fd, .socket = true};
  }
  res->module_fd = open(cfg->module, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (res->module_fd < 0 || fstat(res->module_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int e = res->module_fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    wr_err(err, WR_ERR_IO, "%s: cannot read the module: %s", cfg->module, strerror(e));
    goto fail;
  }
  if ((rc = open_aot(cfg, res, err)) < 0) {
    wr_err_prefix(err, "%s", cfg->module);
    goto fail;
  }
  return 0;
fail:
  wr_resources_close(res);
  return err->code;
}

void wr_resources_close(wr_resources *res) {
  for (int i = 0; i < res->npreopens; i++) close(res->preopens[i].host_fd);
  res->npreopens = 0;
  free(res->preopens);
  res->preopens = NULL;
  if (res->image_fd >= 0 && res->image_fd != res->module_fd) close(res->image_fd);
  res->image_fd = -1;
  if (res->module_fd >= 0) close(res->module_fd);
  res->module_fd = -1;
}

/* Reads the whole module from its fd. Returns 0, or -errno. */
static int read_module(int fd, uint8_t **out, size_t *len) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  size_t size = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return -ENOMEM;
  while (got < size) {
    ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      free(buf);
      return -e;
    }
    got += (size_t)n;
  }
  *out = buf;
  *len = size;
  return 0;
}

static void report(const char *what, const wr_error *err) {
  if (what)
    fprintf(stderr, "wasm-run: %s: %s\n", what, err->msg);
  else
    fprintf(stderr, "wasm-run: %s\n", err->msg);
}

static int exit_status_for(int code) {
  switch (code) {
  case WR_ERR_MALFORMED:
  case WR_ERR_INVALID:
  case WR_ERR_LINK:
  case WR_ERR_INSTANTIATE:
  case WR_ERR_UNSUPPORTED: return WR_EXIT_CANNOT_RUN;
  case WR_ERR_TRAP: return WR_EXIT_TRAP;
  default: return WR_EXIT_INTERNAL;
  }
}

/* Parses a v128 --invoke argument into two slots (low first): "0x" and 1 to 32 hex
 * digits, the value as one 128-bit number (the form results are printed in), or
 * SHAPE:L0,L1,... with SHAPE one of i8x16 i16x8 i32x4 i64x2 f32x4 f64x2 and one value
 * per lane, lane 0 first (integers signed or unsigned within the lane's width). */
static bool parse_v128(const char *s, uint64_t out[2]) {
  out[0] = out[1] = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    size_t n = strlen(s + 2);
    if (n == 0 || n > 32 || strspn(s + 2, "0123456789abcdefABCDEF") != n) return false;
    for (size_t i = 0; i < n; i++) {
      char c = s[2 + n - 1 - i];
      uint64_t d = (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      out[i / 16] |= d << (4 * (i % 16));
    }
    return true;
  }
  static const struct { const char *name; unsigned width; bool is_float; } shapes[] = {
      {"i8x16:", 8, false}, {"i16x8:", 16, false}, {"i32x4:", 32, false},
      {"i64x2:", 64, false}, {"f32x4:", 32, true}, {"f64x2:", 64, true}};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    if (strncmp(s, shapes[k].name, 6) != 0) continue;
    unsigned w = shapes[k].width, n = 128 / w;
    const char *p = s + 6;
    for (unsigned i = 0; i < n; i++) {
      char *end = NULL;
      uint64_t bits;
      errno = 0;
      if (shapes[k].is_float && w == 32) {
        float f = strtof(p, &end);
        uint32_t u;
        memcpy(&u, &f, 4);
        bits = u;
      } else if (shapes[k].is_float) {
        double d = strtod(p, &end);
        memcpy(&bits, &d, 8);
      } else {
        uint64_t max = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
        if (*p == '-') {
          int64_t v = strtoll(p, &end, 0);
          if (w < 64 && v < -(INT64_C(1) << (w - 1))) return false;
          bits = (uint64_t)v & max;
        } else {
          bits = strtoull(p, &end, 0);
          if (bits > max) return false;
        }
      }
      if (errno == ERANGE && !shapes[k].is_float) return false;
      if (end == p || *end != (i + 1 < n ? ',' : '\0')) return false;
      out[i * w / 64] |= bits << (i * w % 64);
      p = end + 1;
    }
    return true;
  }
  return false;
}

/* Parses one --invoke argument as a value of type t. */
static int parse_arg(const char *s, wr_valtype t, uint64_t *out, wr_error *err) {
  char *end = NULL;
  errno = 0;
  switch (t) {
  case WR_I32:
  case WR_I64: {
    bool neg = s[0] == '-';
    uint64_t v = neg ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
    uint64_t lim_hi = t == WR_I32 ? UINT32_MAX : UINT64_MAX;
    int64_t lim_lo = t == WR_I32 ? INT32_MIN : INT64_MIN;
    if (errno || !*s || *end || (!neg && v > lim_hi) || (neg && (int64_t)v < lim_lo)) break;
    *out = t == WR_I32 ? (uint32_t)v : v;
    return 0;
  }
  case WR_F32: {
    float f = strtof(s, &end);
    if (!*s || *end) break;
    uint32_t u;
    memcpy(&u, &f, 4);
    *out = u;
    return 0;
  }
  case WR_F64: {
    double d = strtod(s, &end);
    if (!*s || *end) break;
    memcpy(out, &d, 8);
    return 0;
  }
  case WR_V128:
    if (parse_v128(s, out)) return 0;
    break;
  default:
    return wr_err(err, WR_ERR_USAGE, "argument \"%s\": parameters of type %s cannot be given on the command line",
                  s, wr_valtype_name(t));
  }
  return wr_err(err, WR_ERR_USAGE, "argument \"%s\": not a valid %s", s, wr_valtype_name(t));
}

static void print_value(wr_valtype t, const uint64_t *v) {
  switch (t) {
  case WR_I32: printf("%" PRId32 "\n", (int32_t)(uint32_t)v[0]); break;
  case WR_I64: printf("%" PRId64 "\n", (int64_t)v[0]); break;
  case WR_F32: {
    float f;
    uint32_t u = (uint32_t)v[0];
    memcpy(&f, &u, 4);
    printf("%.9g\n", f);
    break;
  }
  case WR_F64: {
    double d;
    memcpy(&d, v, 8);
    printf("%.17g\n", d);
    break;
  }
  case WR_V128: printf("0x%016" PRIx64 "%016" PRIx64 "\n", v[1], v[0]); break;
  default: printf("%s\n", v[0] ? "ref" : "null"); break;
  }
}

static int invoke_export(wr_store *store, wr_instance *inst, const wr_config *cfg, wr_error *err) {
  wr_extern ext;
  if (wr_instance_export(inst, cfg->invoke, &ext, err) < 0 || ext.kind != WR_EXTERN_FUNC)
    return wr_err(err, WR_ERR_USAGE, "--invoke=%s: the module exports no function of that name", cfg->invoke);
  const wr_functype *t = ext.u.func->type;
  int nargs = cfg->guest_argc - 1;
  if ((uint32_t)nargs != t->nparams)
    return wr_err(err, WR_ERR_USAGE, "--invoke=%s: the function takes %u arguments, %d given", cfg->invoke,
                  t->nparams, nargs);
  uint32_t nslots = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
  uint64_t *slots = calloc(nslots + 1, sizeof *slots);
  if (!slots) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  uint32_t k = 0;
  for (uint32_t i = 0; i < t->nparams; i++) {
    if (parse_arg(cfg->guest_argv[1 + i], t->params[i], &slots[k], err) < 0) {
      free(slots);
      return err->code;
    }
    k += wr_valtype_slots(t->params[i]);
  }
  int rc = wr_invoke(store, ext.u.func, slots, slots, err);
  if (rc == 0) {
    k = 0;
    for (uint32_t i = 0; i < t->nresults; i++) {
      print_value(t->results[i], &slots[k]);
      k += wr_valtype_slots(t->results[i]);
    }
  }
  free(slots);
  return rc;
}

/* The image of the run, if it has one: the module file itself, or the memfd the
 * module (bytes) is compiled into first. Mapped when the mode is aot. */
static int open_image(const wr_config *cfg, wr_resources *res, const uint8_t *bytes, size_t len, wr_image **img,
                      wr_error *err) {
  int fd = res->module_is_image ? res->module_fd : res->image_fd;
  if (fd < 0) return 0;
  int rc;
  if (res->compiler) {
    char fp[512];
    if ((rc = wr_fingerprint(cfg->opt_level, fp, sizeof fp, err)) < 0 ||
        (rc = res->compiler->compile(bytes, len, cfg->opt_level, NULL, fp, fd, err)) < 0)
      return rc;
  }
  if ((rc = wr_image_open_flags(fd, res->image_checked ? WR_IMAGE_SKIP_DIGEST : 0, img, err)) < 0) return rc;
  if (res->mode == WR_MODE_AOT && (rc = wr_image_map(*img, err)) < 0) return rc;
  if (cfg->verbose > 1) fprintf(stderr, "wasm-run: %s: AOT image of %s\n", cfg->module, wr_image_get_info(*img)->fingerprint);
  return 0;
}

static int run_start(wr_store *store, wr_instance *inst, wr_error *err) {
  wr_extern ext;
  if (wr_instance_export(inst, "_start", &ext, NULL) < 0) return 0; /* a reactor: nothing to run */
  if (ext.kind != WR_EXTERN_FUNC || ext.u.func->type->nparams || ext.u.func->type->nresults)
    return wr_err(err, WR_ERR_LINK, "export _start is not a function of type [] -> []");
  return wr_invoke(store, ext.u.func, NULL, NULL, err);
}

int wr_launch_run(const wr_config *cfg, wr_resources *res) {
  wr_error err;
  wr_error_clear(&err);
  int rc, status = 0;
  uint8_t *bytes = NULL;
  size_t len = 0;
  wr_module *mod = NULL;
  wr_store *store = NULL;
  wr_instance *inst = NULL;
  wr_wasi *wasi = NULL;
  wr_image *img = NULL;
  bool bound = false;

  if (!(store = wr_store_new(&err))) {
    report(NULL, &err);
    status = WR_EXIT_INTERNAL;
    goto out;
  }
  if (cfg->max_pages) wr_store_set_max_pages(store, cfg->max_pages);
  wr_store_set_opt_level(store, cfg->opt_level);
  wr_wasi_config wc = {.store = store, .argc = cfg->guest_argc, .argv = cfg->guest_argv,
                       .envc = cfg->nenv, .envp = cfg->env, .npreopens = res->npreopens,
                       .preopens = res->preopens};
  rc = wr_wasi_new(&wasi, &wc, &err);
  res->npreopens = 0; /* the WASI state owns the fds now, also on failure */
  if (rc < 0) {
    report(NULL, &err);
    status = WR_EXIT_INTERNAL;
    goto out;
  }
  const uint8_t *wasm;
  if (!res->module_is_image) {
    int e = read_module(res->module_fd, &bytes, &len);
    if (e < 0) {
      fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", cfg->module, strerror(-e));
      status = WR_EXIT_NOT_FOUND;
      goto out;
    }
  }
  wr_verbose = cfg->verbose;
  if ((rc = open_image(cfg, res, bytes, len, &img, &err)) < 0) {
    report(cfg->module, &err);
    status = exit_status_for(rc);
    goto out;
  }
  wasm = bytes;
  if (img && res->module_is_image) wr_image_module(img, &wasm, &len);
  if (cfg->verbose) fprintf(stderr, "wasm-run: %s: %zu bytes, mode %s\n", cfg->module, len, wr_mode_name(res->mode));
  if ((rc = wr_module_load(wasm, len, &mod, &err)) < 0) {
    report(cfg->module, &err);
    status = exit_status_for(rc);
    goto out;
  }
  if (img && res->mode == WR_MODE_AOT) {
    if ((rc = wr_image_bind(img, mod, &err)) < 0) {
      report(cfg->module, &err);
      status = exit_status_for(rc);
      goto out;
    }
    bound = true;
  }
  if ((rc = wr_instantiate(store, mod, res->mode, wr_wasi_resolve, wasi, &inst, &err)) < 0) {
    if (rc == WR_ERR_EXIT) {
      status = err.exit_code;
    } else {
      report(cfg->module, &err);
      status = rc == WR_ERR_TRAP ? WR_EXIT_TRAP : exit_status_for(rc);
    }
    goto out;
  }
  rc = cfg->invoke ? invoke_export(store, inst, cfg, &err) : run_start(store, inst, &err);
  if (rc == WR_ERR_EXIT) {
    status = err.exit_code;
  } else if (rc < 0) {
    report(rc == WR_ERR_TRAP ? "trap" : cfg->module, &err);
    status = rc == WR_ERR_USAGE ? WR_EXIT_INTERNAL : exit_status_for(rc);
  }
out:
  fflush(stdout);
  wr_store_free(store);
  wr_wasi_free(wasi);
  if (bound) wr_aot_unbind(mod);
  wr_module_free(mod);
  wr_image_free(img);
  free(bytes);
  return status;
}
