/* main.c: the wasm-run command: read the module, load it, instantiate it and run
 * _start or the --invoke export, and turn the outcome into the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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

/* Reads a whole file. Returns 0, or -errno. */
static int read_file(const char *path, uint8_t **out, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    close(fd);
    return -e;
  }
  size_t size = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) {
    close(fd);
    return -ENOMEM;
  }
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      free(buf);
      close(fd);
      return -e;
    }
    got += (size_t)n;
  }
  close(fd);
  *out = buf;
  *len = size;
  return 0;
}

static int resolve_none(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  return wr_err(err, WR_ERR_LINK, "unknown import \"%s\" \"%s\" (%s): this command provides no imports yet",
                imp->module.str, imp->name.str, wr_extern_kind_name(imp->kind));
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

static int run_start(wr_store *store, wr_instance *inst, wr_error *err) {
  wr_extern ext;
  if (wr_instance_export(inst, "_start", &ext, NULL) < 0) return 0; /* a reactor: nothing to run */
  if (ext.kind != WR_EXTERN_FUNC || ext.u.func->type->nparams || ext.u.func->type->nresults)
    return wr_err(err, WR_ERR_LINK, "export _start is not a function of type [] -> []");
  return wr_invoke(store, ext.u.func, NULL, NULL, err);
}

int main(int argc, char **argv) {
  wr_config cfg;
  wr_error err;
  wr_error_clear(&err);
  int rc = wr_cli_parse(argc, argv, &cfg, &err);
  if (rc == 1) return 0;
  if (rc < 0) {
    report(NULL, &err);
    return WR_EXIT_INTERNAL;
  }

  uint8_t *bytes = NULL;
  size_t len = 0;
  int e = read_file(cfg.module, &bytes, &len);
  if (e < 0) {
    fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", cfg.module, strerror(-e));
    return WR_EXIT_NOT_FOUND;
  }

  int status = 0;
  wr_module *mod = NULL;
  wr_store *store = NULL;
  wr_instance *inst = NULL;
  if ((rc = wr_module_load(bytes, len, &mod, &err)) < 0) {
    report(cfg.module, &err);
    status = exit_status_for(rc);
    goto out;
  }
  if (!(store = wr_store_new(&err))) {
    report(NULL, &err);
    status = WR_EXIT_INTERNAL;
    goto out;
  }
  if ((rc = wr_instantiate(store, mod, cfg.mode, resolve_none, NULL, &inst, &err)) < 0) {
    if (rc == WR_ERR_EXIT) {
      status = err.exit_code;
    } else {
      report(cfg.module, &err);
      status = rc == WR_ERR_TRAP ? WR_EXIT_TRAP : exit_status_for(rc);
    }
    goto out;
  }
  rc = cfg.invoke ? invoke_export(store, inst, &cfg, &err) : run_start(store, inst, &err);
  if (rc == WR_ERR_EXIT) {
    status = err.exit_code;
  } else if (rc < 0) {
    report(rc == WR_ERR_TRAP ? "trap" : cfg.module, &err);
    status = rc == WR_ERR_USAGE ? WR_EXIT_INTERNAL : exit_status_for(rc);
  }
out:
  fflush(stdout);
  wr_store_free(store);
  wr_module_free(mod);
  free(bytes);
  return status;
}
