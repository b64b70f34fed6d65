/* compile.c: `wasm-run compile MODULE -o FILE [--opt=N]`: compiles a module ahead
 * of time into an AOT image file that `wasm-run FILE` runs, on a host without
 * LLVM too. As for a run, everything is opened first (the module, the output's
 * temporary file beside it, the compiler plugin) and the module is decoded and
 * compiled only inside the sandbox, in a child that holds nothing else. The image
 * appears under its name (rename) only once it is complete and synced. */
#include "compile.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aot-cache/cache.h"
#include "aot-cache/compiler.h"
#include "aot-cache/fingerprint.h"
#include "cache-compile.h"
#include "cli.h"
#include "sandbox/sandbox.h"

static void usage(FILE *out) {
  fputs("Usage: wasm-run compile MODULE [-o FILE] [--opt=N]\n"
        "Compile a WebAssembly module ahead of time into an AOT image: into the cache\n"
        "(wasm-run-cache(1); the entry's path is printed), where `wasm-run MODULE` finds\n"
        "it, or into FILE, which `wasm-run FILE` runs without compiling (and without LLVM).\n"
        "\n"
        "  -o, --output=FILE   write the image to FILE (replaced atomically)\n"
        "      --cache-dir=DIR without -o: the cache to compile into\n"
        "  -v, --verbose       say how long the compile took\n"
        "      --opt=N         optimisation level 0 to 3 (default 2)\n"
        "      --sandbox=full|none\n"
        "                      compile inside the sandbox (default) or not (debugging)\n"
        "  -h, --help          print this help and exit\n"
        "example: wasm-run compile app.wasm -o app.wrimg && wasm-run app.wrimg\n"
        "example: wasm-run compile --opt=3 app.wasm\n",
        out);
}

struct job {
  const char *module;
  int module_fd, out_fd, opt;
  const wr_compiler *compiler;
  const char *fingerprint;
};

static int compile_child(void *p) {
  struct job *j = p;
  wr_error err;
  wr_error_clear(&err);
  struct stat st;
  if (fstat(j->module_fd, &st) < 0) {
    fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", j->module, strerror(errno));
    return WR_EXIT_NOT_FOUND;
  }
  size_t len = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    fprintf(stderr, "wasm-run: %s: out of memory\n", j->module);
    return WR_EXIT_INTERNAL;
  }
  while (got < len) {
    ssize_t n = pread(j->module_fd, buf + got, len - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", j->module, n < 0 ? strerror(errno) : "short read");
      free(buf);
      return WR_EXIT_NOT_FOUND;
    }
    got += (size_t)n;
  }
  int rc = j->compiler->compile(buf, len, j->opt, NULL, j->fingerprint, j->out_fd, &err);
  free(buf);
  if (rc < 0) {
    fprintf(stderr, "wasm-run: %s: %s\n", j->module, err.msg);
    return rc == WR_ERR_MALFORMED || rc == WR_ERR_INVALID || rc == WR_ERR_UNSUPPORTED ? WR_EXIT_CANNOT_RUN
                                                                                       : WR_EXIT_INTERNAL;
  }
  if (fsync(j->out_fd) < 0) {
    fprintf(stderr, "wasm-run: compile: fsync: %s\n", strerror(errno));
    return WR_EXIT_INTERNAL;
  }
  return 0;
}

/* Runs the job in a sandboxed child (or here, with --sandbox=none). */
static int run_job(struct job *j, bool sandbox) {
  if (!sandbox) return compile_child(j);
  wr_error err;
  wr_error_clear(&err);
  wr_sandbox_fd keep[2] = {{.fd = j->module_fd}, {.fd = j->out_fd}};
  /* LLVM's threads and probes, but no executable memory: MDWE stays on. */
  wr_sandbox_config sc = {.enabled = true, .compile = true, .keep = keep, .nkeep = 2};
  wr_sandbox sb;
  if (wr_sandbox_spawn(&sc, compile_child, j, &sb, &err) < 0) {
    fprintf(stderr, "wasm-run: sandbox: %s\n", err.msg);
    return WR_EXIT_INTERNAL;
  }
  int status;
  while (waitpid(sb.pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "wasm-run: waiting for the compiler: %s\n", strerror(errno));
      return WR_EXIT_INTERNAL;
    }
  }
  char why[128];
  if (wr_sandbox_finish(&sb, status, why, sizeof why)) {
    fprintf(stderr, "wasm-run: sandbox: %s\n", why);
    return WR_SANDBOX_BLOCKED_STATUS;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  fprintf(stderr, "wasm-run: compile: the compiler was killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WR_EXIT_INTERNAL;
}

/* Without -o: into the cache (aot-cache/cache.h), by the sandboxed compile that
 * --mode=auto uses (src/cache-compile.c); prints the entry's path. */
static int to_cache(const char *module, int opt, const char *cache_dir, bool sandbox, int verbose) {
  wr_error err;
  wr_error_clear(&err);
  int module_fd = open(module, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (module_fd < 0 || fstat(module_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int e = module_fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", module, strerror(e));
    if (module_fd >= 0) close(module_fd);
    return WR_EXIT_NOT_FOUND;
  }
  char fp[WR_FINGERPRINT_MAX];
  size_t len = (size_t)st.st_size, got = 0;
  uint8_t *bytes = malloc(len ? len : 1);
  int rc = bytes ? 0 : wr_err(&err, WR_ERR_NOMEM, "out of memory");
  while (rc == 0 && got < len) {
    ssize_t n = pread(module_fd, bytes + got, len - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) rc = wr_err(&err, WR_ERR_IO, "%s: cannot read the module: %s", module, n < 0 ? strerror(errno) : "short read");
    got += n > 0 ? (size_t)n : 0;
  }
  wr_cache_job job = {.module = module, .module_fd = module_fd, .opt = opt, .fingerprint = fp, .sandbox = sandbox,
                      .progress = true, .verbose = verbose, .timeout_ms = 0};
  if (rc == 0) rc = wr_fingerprint(opt, fp, sizeof fp, &err);
  if (rc == 0) wr_cache_key(bytes, len, fp, job.key);
  free(bytes);
  wr_cache *cache = NULL;
  int fd = -1;
  if (rc == 0) rc = wr_cache_open(cache_dir, &cache, &err);
  if (rc == 0 && (rc = wr_cache_lookup(cache, job.key, &fd, &err)) == 1 && verbose)
    fprintf(stderr, "wasm-run: compile: %s: already in the cache\n", module);
  if (rc == 0) rc = wr_cache_compile_wait(cache, &job, &fd, &err);
  if (rc >= 0) {
    char path[4400];
    wr_cache_entry_path(cache, job.key, path, sizeof path);
    printf("%s\n", path);
    rc = 0;
  } else {
    fprintf(stderr, "wasm-run: %s\n", err.msg);
  }
  if (fd >= 0) close(fd);
  wr_cache_close(cache);
  close(module_fd);
  if (rc == WR_ERR_MALFORMED || rc == WR_ERR_INVALID || rc == WR_ERR_UNSUPPORTED) return WR_EXIT_CANNOT_RUN;
  return rc < 0 ? WR_EXIT_INTERNAL : 0;
}

int wr_compile_main(int argc, char **argv) {
  static const struct option options[] = {
      {"output", required_argument, NULL, 'o'}, {"opt", required_argument, NULL, 'O'},
      {"sandbox", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
      {"cache-dir", required_argument, NULL, 'D'}, {"verbose", no_argument, NULL, 'v'},
      {NULL, 0, NULL, 0},
  };
  const char *out = NULL, *cache_dir = NULL;
  int opt = 2, verbose = 0;
  bool sandbox = true;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":o:hv", options, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'D': cache_dir = optarg; break;
    case 'v': verbose++; break;
    case 'O':
      if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '3') {
        fprintf(stderr, "wasm-run: compile: --opt=%s: expected 0, 1, 2 or 3\n", optarg);
        return WR_EXIT_INTERNAL;
      }
      opt = optarg[0] - '0';
      break;
    case 'S':
      if (strcmp(optarg, "full") && strcmp(optarg, "none")) {
        fprintf(stderr, "wasm-run: compile: --sandbox=%s: expected full or none\n", optarg);
        return WR_EXIT_INTERNAL;
      }
      sandbox = strcmp(optarg, "none") != 0;
      break;
    case 'h': usage(stdout); return 0;
    case ':': fprintf(stderr, "wasm-run: compile: %s: option needs a value\n", argv[optind - 1]); return WR_EXIT_INTERNAL;
    default:
      fprintf(stderr, "wasm-run: compile: %s: unknown option (see wasm-run compile --help)\n", argv[optind - 1]);
      return WR_EXIT_INTERNAL;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "wasm-run: compile: %s (usage: wasm-run compile MODULE -o FILE [--opt=N])\n",
            optind >= argc ? "no module given" : "more than one module given");
    return WR_EXIT_INTERNAL;
  }
  const char *module = argv[optind];
  if (!out) return to_cache(module, opt, cache_dir, sandbox, verbose);
  wr_error err;
  wr_error_clear(&err);
  struct job j = {.module = module, .opt = opt, .out_fd = -1};
  j.module_fd = open(module, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (j.module_fd < 0 || fstat(j.module_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int e = j.module_fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    fprintf(stderr, "wasm-run: %s: cannot read the module: %s\n", module, strerror(e));
    return WR_EXIT_NOT_FOUND;
  }
  char fp[512];
  if (wr_compiler_load(&j.compiler, &err) < 0 || wr_fingerprint(opt, fp, sizeof fp, &err) < 0) {
    fprintf(stderr, "wasm-run: compile: %s\n", err.msg);
    close(j.module_fd);
    return WR_EXIT_INTERNAL;
  }
  j.fingerprint = fp;
  /* The temporary file beside the output, so that the rename is atomic. */
  size_t olen = strlen(out);
  char *tmp = malloc(olen + 16);
  if (!tmp) {
    fprintf(stderr, "wasm-run: compile: out of memory\n");
    close(j.module_fd);
    return WR_EXIT_INTERNAL;
  }
  snprintf(tmp, olen + 16, "%s.tmp.XXXXXX", out);
  j.out_fd = mkostemp(tmp, O_CLOEXEC);
  if (j.out_fd < 0) {
    fprintf(stderr, "wasm-run: compile: %s: cannot create the output: %s\n", out, strerror(errno));
    free(tmp);
    close(j.module_fd);
    return WR_EXIT_INTERNAL;
  }
  mode_t mask = umask(0);
  umask(mask);
  fchmod(j.out_fd, 0644 & ~mask);
  int status = run_job(&j, sandbox);
  if (status == 0 && rename(tmp, out) < 0) {
    fprintf(stderr, "wasm-run: compile: %s: %s\n", out, strerror(errno));
    status = WR_EXIT_INTERNAL;
  }
  if (status != 0) unlink(tmp);
  close(j.out_fd);
  close(j.module_fd);
  free(tmp);
  return status;
}
