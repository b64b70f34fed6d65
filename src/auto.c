/* auto.c: --mode=auto, and --mode=aot of a .wasm, through the cache. A cached
 * image runs as aot. On a miss, auto starts the module at once in the fastest mode
 * that needs no compile ahead (fast-jit where built and allowed, else fast) and
 * leaves the image to a detached background compile (--compile=background), or
 * compiles first (--compile=wait, and always for --mode=aot), or never touches the
 * cache (--compile=never, --no-cache). The module's bytes are hashed here, outside
 * the sandbox; they are parsed and compiled only inside it. */
#include "auto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "aot-cache/cache.h"
#include "aot-cache/fingerprint.h"
#include "cache-compile.h"
#include "runtime/execmem.h"

/* How long a compile may take before it is killed. */
#define COMPILE_TIMEOUT_MS (10 * 60 * 1000)

/* The mode that starts without waiting for a compile. */
static wr_mode start_now_mode(void) {
  if (wr_mode_available(WR_MODE_FAST_JIT) && wr_execmem_allowed(NULL, 0)) return WR_MODE_FAST_JIT;
  return WR_MODE_FAST;
}

static int run_now(const wr_config *cfg, wr_resources *res, const char *why, wr_error *err) {
  res->mode = start_now_mode();
  int rc = wr_mode_load(res->mode, err);
  if (rc < 0) return rc;
  if (cfg->verbose && why) fprintf(stderr, "wasm-run: auto: %s, running in %s\n", why, wr_mode_name(res->mode));
  return 0;
}

static int read_all(int fd, uint8_t **out, size_t *len, wr_error *err, const char *name) {
  struct stat st;
  if (fstat(fd, &st) < 0) return wr_err(err, WR_ERR_IO, "%s: cannot read the module: %s", name, strerror(errno));
  size_t size = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  while (got < size) {
    ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      free(buf);
      return wr_err(err, WR_ERR_IO, "%s: cannot read the module: %s", name, n < 0 ? strerror(errno) : "short read");
    }
    got += (size_t)n;
  }
  *out = buf;
  *len = size;
  return 0;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int wr_auto_choose(wr_config *cfg, wr_resources *res, wr_error *err) {
  bool explicit_aot = !cfg->auto_mode;
  double t0 = now_us();
  if (!explicit_aot && (cfg->no_cache || cfg->compile == WR_COMPILE_NEVER))
    return run_now(cfg, res, cfg->no_cache ? "--no-cache" : "--compile=never", err);
  bool compiler = wr_cache_compiler_present();
  char fp[WR_FINGERPRINT_MAX];
  int rc = wr_fingerprint(cfg->opt_level, fp, sizeof fp, err);
  if (rc < 0) return rc;
  uint8_t *bytes = NULL;
  size_t len = 0;
  if ((rc = read_all(res->module_fd, &bytes, &len, err, cfg->module)) < 0) return rc;
  wr_cache_job job = {.module = cfg->module, .module_fd = res->module_fd, .opt = cfg->opt_level, .fingerprint = fp,
                      .sandbox = cfg->sandbox, .progress = !cfg->quiet, .verbose = cfg->verbose,
                      .timeout_ms = COMPILE_TIMEOUT_MS};
  wr_cache_key(bytes, len, fp, job.key);
  free(bytes);
  wr_cache *cache;
  if ((rc = wr_cache_open(cfg->cache_dir, &cache, err)) < 0) {
    /* A cache that cannot be made (read-only, no home) costs speed, not the run;
     * one that must be refused (another user can write it) stops it. */
    if (rc != WR_ERR_IO || explicit_aot) return rc;
    if (!cfg->quiet) fprintf(stderr, "wasm-run: warning: %s: running without it\n", err->msg);
    wr_error_clear(err);
    return run_now(cfg, res, "no usable cache", err);
  }
  if (cfg->quiet) wr_cache_set_warn(cache, NULL, NULL);
  /* Images are mapped executable from the cache's files: a noexec mount refuses. */
  struct statvfs vfs;
  if (fstatvfs(wr_cache_dir_fd(cache), &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) {
    char path[4096];
    snprintf(path, sizeof path, "%s", wr_cache_path(cache));
    wr_cache_close(cache);
    if (explicit_aot)
      return wr_err(err, WR_ERR_USAGE, "cache: %s: on a noexec mount, where images cannot run (see --cache-dir)", path);
    if (!cfg->quiet)
      fprintf(stderr, "wasm-run: warning: cache: %s: on a noexec mount, where images cannot run: running without it\n",
              path);
    return run_now(cfg, res, "no usable cache", err);
  }
  int fd = -1;
  wr_error why_not;
  wr_error_clear(&why_not);
  rc = wr_cache_lookup(cache, job.key, &fd, err);
  if (cfg->verbose >= 2)
    fprintf(stderr, "wasm-run: auto: key and lookup of %zu bytes took %.0f us\n", len, now_us() - t0);
  if (rc < 0) goto out;
  if (rc == 1) {
    if (cfg->verbose) fprintf(stderr, "wasm-run: auto: cache hit\n");
  } else if (!compiler) {
    if (explicit_aot) {
      rc = wr_err(err, WR_ERR_USAGE, "--mode=aot: %s is not in the cache and this build cannot compile it "
                  "(no LLVM plugin)", cfg->module);
      goto out;
    }
    rc = run_now(cfg, res, "miss, no AOT compiler in this build", err);
    goto out;
  } else if (!explicit_aot && wr_cache_failure(cache, job.key, &why_not) == 1) {
    /* This compiler cannot compile this module (the run says why if it is the
     * module's fault): no attempt at every start. */
    char line[WR_ERROR_MSG_MAX + 64];
    snprintf(line, sizeof line, "miss, the image cannot be made (%s)", why_not.msg);
    rc = run_now(cfg, res, line, err);
    goto out;
  } else if (explicit_aot || cfg->compile == WR_COMPILE_WAIT) {
    if ((rc = wr_cache_compile_wait(cache, &job, &fd, err)) < 0) {
      if (explicit_aot || !(rc == WR_ERR_MALFORMED || rc == WR_ERR_INVALID || rc == WR_ERR_UNSUPPORTED ||
                            rc == WR_ERR_LINK))
        goto out;
      char line[WR_ERROR_MSG_MAX + 64];
      snprintf(line, sizeof line, "miss, the image cannot be made (%s)", err->msg);
      wr_error_clear(err);
      rc = run_now(cfg, res, line, err);
      goto out;
    }
    if (cfg->verbose) fprintf(stderr, "wasm-run: auto: miss, compiled\n");
  } else {
    pid_t pid;
    const char *why;
    char line[WR_ERROR_MSG_MAX + 64];
    wr_error bg;
    wr_error_clear(&bg);
    rc = wr_cache_compile_background(cache, &job, &pid, &why, &bg);
    /* A compile that cannot start costs the next start its speed, not this run. */
    if (rc < 0) why = bg.msg;
    if (rc == 1) snprintf(line, sizeof line, "miss, running in %s, compiling in background (pid %d)",
                          wr_mode_name(start_now_mode()), (int)pid);
    else snprintf(line, sizeof line, "miss, running in %s, not compiling: %s", wr_mode_name(start_now_mode()), why);
    if (cfg->verbose) fprintf(stderr, "wasm-run: auto: %s\n", line);
    if (cfg->verbose >= 2) fprintf(stderr, "wasm-run: auto: the miss cost the start %.0f us\n", now_us() - t0);
    rc = run_now(cfg, res, NULL, err);
    goto out;
  }
  res->mode = WR_MODE_AOT;
  res->image_fd = fd;
  res->image_checked = true;
  fd = -1;
  rc = 0;
out:
  if (fd >= 0) close(fd);
  wr_cache_close(cache);
  return rc;
}
