/* test_cache.c: the store of aot-cache/cache.c with a stand-in image format (a
 * magic, the key, a payload and its byte sum), so the store is tested apart from
 * the compiler: keys, location, layout and modes, publish and hit, what a failed
 * or bad compile leaves (nothing), damaged entries (removed, warned, rebuilt), the
 * stamp that spares a hit the full check, refused directories and entries,
 * leftovers of killed compiles, one compile for concurrent publishers, and ls,
 * gc, clear and verify. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aot-cache/cache.h"
#include "unit.h"

/* ---- the stand-in image: "WRTEST\0\0" key[32] payload sum32(payload) ---------- */

static int full_checks, cheap_checks;

static int test_check(int fd, bool full, uint8_t key[32], wr_error *err) {
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size < 44) return wr_err(err, WR_ERR_IO, "too short");
  uint8_t *b = malloc((size_t)st.st_size);
  if (pread(fd, b, (size_t)st.st_size, 0) != st.st_size || memcmp(b, "WRTEST\0\0", 8) != 0) {
    free(b);
    return wr_err(err, WR_ERR_IO, "bad magic");
  }
  memcpy(key, b + 8, 32);
  if (full) {
    full_checks++;
    uint32_t sum = 0, want;
    for (off_t i = 40; i < st.st_size - 4; i++) sum += b[i];
    memcpy(&want, b + st.st_size - 4, 4);
    free(b);
    if (sum != want) return wr_err(err, WR_ERR_IO, "digest mismatch");
  } else {
    cheap_checks++;
    free(b);
  }
  return 0;
}

struct produce_arg {
  uint8_t key[32];
  const char *payload;
  int calls;
  bool corrupt; /* write a wrong sum */
  bool fail;
  int fail_code; /* the code of the failure (default WR_ERR_IO) */
  int count_fd; /* when >= 0, one byte per call (counts across processes) */
  int sleep_ms;
};

static int test_produce(int fd, void *p, wr_error *err) {
  struct produce_arg *a = p;
  a->calls++;
  if (a->count_fd >= 0) ck_assert_int_eq(write(a->count_fd, "x", 1), 1);
  if (a->sleep_ms) usleep((useconds_t)a->sleep_ms * 1000);
  if (a->fail) return wr_err(err, a->fail_code ? a->fail_code : WR_ERR_IO, "compiler: out of patience");
  size_t n = strlen(a->payload);
  uint32_t sum = a->corrupt;
  for (size_t i = 0; i < n; i++) sum += (uint8_t)a->payload[i];
  ck_assert_int_eq(write(fd, "WRTEST\0\0", 8), 8);
  ck_assert_int_eq(write(fd, a->key, 32), 32);
  ck_assert_int_eq(write(fd, a->payload, n), (ssize_t)n);
  ck_assert_int_eq(write(fd, &sum, 4), 4);
  return 0;
}

static char warnings[4096];
static void collect(void *ctx, const char *line) {
  (void)ctx;
  strncat(warnings, line, sizeof warnings - strlen(warnings) - 2);
  strcat(warnings, "\n");
}

static char dir[256];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/wr-cache-unit-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

static wr_cache *open_cache(void) {
  wr_cache *c;
  wr_error err;
  char sub[300];
  snprintf(sub, sizeof sub, "%s/cache", dir);
  ck_assert_msg(wr_cache_open(sub, &c, &err) == 0, "%s", err.msg);
  wr_cache_set_check(c, test_check);
  warnings[0] = 0;
  wr_cache_set_warn(c, collect, NULL);
  full_checks = cheap_checks = 0;
  return c;
}

static void key_of(const char *module, uint8_t key[32]) {
  wr_cache_key((const uint8_t *)module, strlen(module), "fp", key);
}

/* Reads a published entry's payload back. */
static void expect_payload(int fd, const char *payload) {
  char buf[256] = {0};
  ssize_t n = pread(fd, buf, sizeof buf, 40);
  ck_assert_int_eq(n, (ssize_t)strlen(payload) + 4);
  ck_assert_mem_eq(buf, payload, strlen(payload));
}

static int count_files(const char *path, const char *prefix) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) n++;
  closedir(d);
  return n;
}

/* What a test publishes: the stand-in image of payload, under module's key. */
static struct produce_arg produce_for(const char *module, const char *payload) {
  struct produce_arg a = {.payload = payload, .count_fd = -1};
  key_of(module, a.key);
  return a;
}

/* Publishes a's image under a->key, which must succeed (a hit or a compile). */
static void publish_ok(wr_cache *c, struct produce_arg *a) {
  int fd;
  wr_error err;
  ck_assert_msg(wr_cache_publish(c, a->key, test_produce, a, &fd, &err) == 0, "%s", err.msg);
  close(fd);
}

/* A new cache in a new directory, holding a's published entry, at path. */
static wr_cache *cache_with_entry(struct produce_arg *a, char path[500]) {
  make_dir();
  wr_cache *c = open_cache();
  publish_ok(c, a);
  wr_cache_entry_path(c, a->key, path, 500);
  return c;
}

/* rc must be the error code, and err's message the one fmt makes. */
__attribute__((format(printf, 4, 5))) static void expect_error(int rc, const wr_error *err, int code,
                                                                const char *fmt, ...) {
  char want[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(want, sizeof want, fmt, ap);
  va_end(ap);
  ck_assert_int_eq(rc, code);
  ck_assert_str_eq(err->msg, want);
}

/* The warnings must be the one line of a damaged entry at path, removed. */
static void expect_damaged(const char *path, const char *why) {
  char want[1024];
  snprintf(want, sizeof want, "cache entry %s is damaged (%s): removed, it will be compiled again\n", path, why);
  ck_assert_str_eq(warnings, want);
}

/* key in hex, and the directory of its entry. */
static void key_dir(const uint8_t key[32], char hex[65], char sub[400]) {
  wr_cache_key_hex(key, hex);
  snprintf(sub, 400, "%s/cache/v1/%.2s", dir, hex);
}

/* Closes c and removes the test's directory. */
static void close_and_remove(wr_cache *c) {
  wr_cache_close(c);
  remove_dir();
}

/* ---- tests -------------------------------------------------------------------- */

START_TEST(key_is_sha256_of_fingerprint_nul_module) {
  uint8_t key[32];
  char hex[65];
  wr_cache_key((const uint8_t *)"", 0, "fp", key);
  wr_cache_key_hex(key, hex);
  ck_assert_str_eq(hex, "c037ab4534050f48516453f531ca3de133e8dc70ec94078de3e3d228cafe5d25");
  wr_cache_key((const uint8_t *)"\0asm\1\0\0\0", 8, "fp", key);
  wr_cache_key_hex(key, hex);
  ck_assert_str_eq(hex, "c529361ff4ddd1d9a279e4f155e15d646cf0ad4462e6af80667927ee429ee2ae");
  /* The NUL keeps ("fpx", "") and ("fp", "x") apart. */
  uint8_t a[32], b[32];
  wr_cache_key((const uint8_t *)"", 0, "fpx", a);
  wr_cache_key((const uint8_t *)"x", 1, "fp", b);
  ck_assert_mem_ne(a, b, 32);
}
END_TEST

START_TEST(location_order) {
  char out[512];
  wr_error err;
  setenv("WASM_RUN_CACHE", "/env/cache", 1);
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  setenv("HOME", "/home/u", 1);
  ck_assert_int_eq(wr_cache_location("/opt/c", out, sizeof out, &err), 0);
  ck_assert_str_eq(out, "/opt/c");
  ck_assert_int_eq(wr_cache_location(NULL, out, sizeof out, &err), 0);
  ck_assert_str_eq(out, "/env/cache");
  unsetenv("WASM_RUN_CACHE");
  ck_assert_int_eq(wr_cache_location(NULL, out, sizeof out, &err), 0);
  ck_assert_str_eq(out, "/xdg/wasm-run");
  /* The XDG spec ignores a relative $XDG_CACHE_HOME. */
  setenv("XDG_CACHE_HOME", "rel", 1);
  ck_assert_int_eq(wr_cache_location(NULL, out, sizeof out, &err), 0);
  ck_assert_str_eq(out, geteuid() == 0 ? "/var/cache/wasm-run" : "/home/u/.cache/wasm-run");
  unsetenv("XDG_CACHE_HOME");
  ck_assert_int_eq(wr_cache_location(NULL, out, sizeof out, &err), 0);
  ck_assert_str_eq(out, geteuid() == 0 ? "/var/cache/wasm-run" : "/home/u/.cache/wasm-run");
  char big[600];
  memset(big, 'a', sizeof big - 1);
  big[0] = '/', big[sizeof big - 1] = 0;
  ck_assert_int_eq(wr_cache_location(big, out, sizeof out, &err), WR_ERR_USAGE);
  ck_assert_str_eq(err.msg, "cache: the cache directory's path is too long");
}
END_TEST

START_TEST(open_makes_private_dirs) {
  make_dir();
  wr_cache *c = open_cache();
  char path[400];
  struct stat st;
  snprintf(path, sizeof path, "%s/cache", dir);
  ck_assert_str_eq(wr_cache_path(c), path);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0700);
  snprintf(path, sizeof path, "%s/cache/v1", dir);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0700);
  wr_cache_close(c);
  /* Parents too, and a trailing slash is the same directory. */
  snprintf(path, sizeof path, "%s/a/b/c/", dir);
  wr_error err;
  ck_assert_int_eq(wr_cache_open(path, &c, &err), 0);
  path[strlen(path) - 1] = 0;
  ck_assert_str_eq(wr_cache_path(c), path);
  close_and_remove(c);
}
END_TEST

START_TEST(refuses_dirs_others_can_write) {
  make_dir();
  char path[400];
  wr_cache *c;
  wr_error err;
  snprintf(path, sizeof path, "%s/cache", dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  ck_assert_int_eq(chmod(path, 0777), 0);
  expect_error(wr_cache_open(path, &c, &err), &err, WR_ERR_USAGE,
               "cache: %s: refused: writable by every user (mode 0777)", path);
  ck_assert_int_eq(chmod(path, 0770), 0);
  expect_error(wr_cache_open(path, &c, &err), &err, WR_ERR_USAGE,
               "cache: %s: refused: writable by its group (mode 0770)", path);
  /* A sticky world-writable v1 beneath a good root is refused as well. */
  ck_assert_int_eq(chmod(path, 0755), 0);
  snprintf(path, sizeof path, "%s/cache/v1", dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  ck_assert_int_eq(chmod(path, 01777), 0);
  snprintf(path, sizeof path, "%s/cache", dir);
  expect_error(wr_cache_open(path, &c, &err), &err, WR_ERR_USAGE,
               "cache: %s/v1: refused: writable by every user (mode 1777)", path);
  if (geteuid() == 0) {
    snprintf(path, sizeof path, "%s/cache/v1", dir);
    ck_assert_int_eq(chmod(path, 0700), 0);
    snprintf(path, sizeof path, "%s/cache", dir);
    ck_assert_int_eq(chown(path, 65534, 65534), 0);
    expect_error(wr_cache_open(path, &c, &err), &err, WR_ERR_USAGE,
                 "cache: %s: refused: owned by uid 65534, not by us (uid 0)", path);
  }
  remove_dir();
}
END_TEST

START_TEST(miss_publish_hit) {
  make_dir();
  wr_cache *c = open_cache();
  struct produce_arg a = produce_for("module one", "native code");
  int fd;
  wr_error err;
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 0);
  ck_assert_int_eq(fd, -1);
  ck_assert_msg(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(a.calls, 1);
  ck_assert_int_eq(full_checks, 1); /* at publish */
  expect_payload(fd, "native code");
  ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
  close(fd);
  /* The layout: v1/<2 hex>/<62 hex>.wrimg, read-only, and no temporary file. */
  char hex[65], path[500], sub[400];
  wr_cache_key_hex(a.key, hex);
  snprintf(path, sizeof path, "%s/cache/v1/%.2s/%s.wrimg", dir, hex, hex + 2);
  char got[500];
  wr_cache_entry_path(c, a.key, got, sizeof got);
  ck_assert_str_eq(got, path);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0400);
  key_dir(a.key, hex, sub);
  ck_assert_int_eq(count_files(sub, ".tmp-"), 0);
  ck_assert_int_eq(stat(sub, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0700);
  /* A hit: the stamp spares the full check. */
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 1);
  expect_payload(fd, "native code");
  close(fd);
  ck_assert_int_eq(full_checks, 1);
  ck_assert_int_eq(cheap_checks, 1);
  /* Publishing again finds it and does not compile. */
  ck_assert_int_eq(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err), 0);
  ck_assert_int_eq(a.calls, 1);
  close(fd);
  /* Another key is another entry. */
  struct produce_arg b = produce_for("module two", "other");
  ck_assert_int_eq(wr_cache_lookup(c, b.key, &fd, &err), 0);
  ck_assert_str_eq(warnings, "");
  close_and_remove(c);
}
END_TEST

START_TEST(failed_or_bad_compile_leaves_nothing) {
  make_dir();
  wr_cache *c = open_cache();
  struct produce_arg a = produce_for("m", "x");
  a.fail = true;
  int fd;
  wr_error err;
  expect_error(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err), &err, WR_ERR_IO,
               "compiler: out of patience");
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 0);
  a.fail = false;
  a.corrupt = true;
  char path[500];
  wr_cache_entry_path(c, a.key, path, sizeof path);
  expect_error(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err), &err, WR_ERR_IO,
               "cache: %s: the compiler's image fails its check: digest mismatch", path);
  /* An image for another key is refused too. */
  a.corrupt = false;
  uint8_t real[32];
  memcpy(real, a.key, 32);
  a.key[0] ^= 1;
  expect_error(wr_cache_publish(c, real, test_produce, &a, &fd, &err), &err, WR_ERR_IO,
               "cache: %s: the compiler's image fails its check: made for another key", path);
  ck_assert_int_eq(wr_cache_lookup(c, real, &fd, &err), 0);
  char hex[65], sub[400];
  key_dir(real, hex, sub);
  ck_assert_int_eq(count_files(sub, ".tmp-"), 0);
  ck_assert_int_eq(count_files(sub, hex + 2), 1); /* the lock file only */
  close_and_remove(c);
}
END_TEST

START_TEST(lasting_failures_are_remembered) {
  make_dir();
  wr_cache *c = open_cache();
  struct produce_arg a = produce_for("simd module", "x");
  a.fail = true, a.fail_code = WR_ERR_UNSUPPORTED;
  int fd;
  wr_error err;
  ck_assert_int_eq(wr_cache_failure(c, a.key, &err), 0);
  ck_assert_int_eq(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err), WR_ERR_UNSUPPORTED);
  ck_assert_int_eq(a.calls, 1);
  wr_error_clear(&err);
  ck_assert_int_eq(wr_cache_failure(c, a.key, &err), 1);
  ck_assert_int_eq(err.code, WR_ERR_UNSUPPORTED);
  ck_assert_str_eq(err.msg, "compiler: out of patience");
  /* No second attempt with the same compiler. */
  ck_assert_int_eq(wr_cache_publish(c, a.key, test_produce, &a, &fd, &err), WR_ERR_UNSUPPORTED);
  ck_assert_int_eq(a.calls, 1);
  wr_cache_entry *v;
  size_t n;
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert(v[0].failed && !v[0].present && !v[0].compiling);
  free(v);
  /* A passing failure (I/O, a kill) is not remembered. */
  struct produce_arg b = produce_for("other", "y");
  b.fail = true;
  ck_assert_int_eq(wr_cache_publish(c, b.key, test_produce, &b, &fd, &err), WR_ERR_IO);
  ck_assert_int_eq(wr_cache_failure(c, b.key, &err), 0);
  /* clear forgets, and the next publish compiles again. */
  size_t removed;
  ck_assert_int_eq(wr_cache_clear(c, &removed, &err), 0);
  ck_assert_uint_eq(removed, 0); /* no image was removed */
  ck_assert_int_eq(wr_cache_failure(c, a.key, &err), 0);
  a.fail = false;
  publish_ok(c, &a);
  ck_assert_int_eq(a.calls, 2);
  close_and_remove(c);
}
END_TEST

/* Flips one byte of an entry as something outside the store would. */
static void flip_byte(const char *path, off_t at) {
  ck_assert_int_eq(chmod(path, 0600), 0);
  int fd = open(path, O_RDWR);
  ck_assert_int_ge(fd, 0);
  uint8_t b;
  ck_assert_int_eq(pread(fd, &b, 1, at), 1);
  b ^= 0x20;
  ck_assert_int_eq(pwrite(fd, &b, 1, at), 1);
  close(fd);
  ck_assert_int_eq(chmod(path, 0400), 0);
}

START_TEST(damaged_entry_removed_and_rebuilt) {
  struct produce_arg a = produce_for("m", "payload bytes");
  char path[500];
  wr_cache *c = cache_with_entry(&a, path);
  int fd;
  wr_error err;
  flip_byte(path, 42); /* in the payload: only the full check sees it */
  full_checks = 0;
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 0);
  ck_assert_int_eq(full_checks, 1); /* the change time no longer matches the stamp */
  expect_damaged(path, "digest mismatch");
  ck_assert_int_eq(access(path, F_OK), -1);
  publish_ok(c, &a);
  ck_assert_int_eq(a.calls, 2);
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 1);
  close(fd);
  /* A broken header is seen by the cheap check alone. */
  warnings[0] = 0;
  flip_byte(path, 0);
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 0);
  expect_damaged(path, "bad magic");
  /* So is an entry renamed to another key's name. */
  publish_ok(c, &a);
  uint8_t other[32];
  key_of("n", other);
  char opath[500], odir[500];
  wr_cache_entry_path(c, other, opath, sizeof opath);
  snprintf(odir, sizeof odir, "%s", opath);
  *strrchr(odir, '/') = 0;
  mkdir(odir, 0700);
  ck_assert_int_eq(link(path, opath), 0);
  warnings[0] = 0;
  ck_assert_int_eq(wr_cache_lookup(c, other, &fd, &err), 0);
  expect_damaged(opath, "made for another key");
  close_and_remove(c);
}
END_TEST

START_TEST(refuses_entries_others_can_write) {
  struct produce_arg a = produce_for("m", "p");
  char path[500];
  wr_cache *c = cache_with_entry(&a, path);
  int fd;
  wr_error err;
  ck_assert_int_eq(chmod(path, 0466), 0);
  expect_error(wr_cache_lookup(c, a.key, &fd, &err), &err, WR_ERR_USAGE,
               "cache: %s: refused: writable by every user (mode 0466)", path);
  ck_assert_int_eq(access(path, F_OK), 0); /* not ours to remove */
  ck_assert_int_eq(chmod(path, 0400), 0);
  if (geteuid() == 0) {
    ck_assert_int_eq(chown(path, 65534, 65534), 0);
    expect_error(wr_cache_lookup(c, a.key, &fd, &err), &err, WR_ERR_USAGE,
                 "cache: %s: refused: owned by uid 65534, not by us (uid 0)", path);
  }
  /* A symbolic link is never followed. */
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(symlink("/etc/passwd", path), 0);
  expect_error(wr_cache_lookup(c, a.key, &fd, &err), &err, WR_ERR_USAGE, "cache: %s: refused: a symbolic link",
               path);
  close_and_remove(c);
}
END_TEST

START_TEST(leftovers_of_a_killed_compile) {
  make_dir();
  wr_cache *c = open_cache();
  struct produce_arg a = produce_for("m", "p");
  char hex[65], sub[400], tmp[600];
  key_dir(a.key, hex, sub);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  /* What a compile killed half-way leaves: a temporary file, never an entry. */
  snprintf(tmp, sizeof tmp, "%s/.tmp-%s-99999-0badc0de", sub, hex + 2);
  int t = open(tmp, O_WRONLY | O_CREAT, 0400);
  ck_assert_int_ge(t, 0);
  ck_assert_int_eq(write(t, "WRTEST", 6), 6);
  close(t);
  int fd;
  wr_error err;
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 0);
  publish_ok(c, &a);
  ck_assert_int_eq(count_files(sub, ".tmp-"), 0);
  /* gc removes the temporary files of keys no one is compiling. */
  t = open(tmp, O_WRONLY | O_CREAT, 0400);
  close(t);
  size_t removed;
  uint64_t freed;
  ck_assert_int_eq(wr_cache_gc(c, UINT64_MAX, &removed, &freed, &err), 0);
  ck_assert_uint_eq(removed, 0); /* entries removed: none */
  ck_assert_int_eq(count_files(sub, ".tmp-"), 0);
  ck_assert_int_eq(wr_cache_lookup(c, a.key, &fd, &err), 1);
  close(fd);
  close_and_remove(c);
}
END_TEST

START_TEST(lock_is_per_key) {
  make_dir();
  wr_cache *c = open_cache();
  uint8_t k1[32], k2[32];
  key_of("one", k1);
  key_of("two", k2);
  int l1, l2;
  wr_error err;
  ck_assert_int_eq(wr_cache_lock(c, k1, false, &l1, &err), 1);
  ck_assert_int_eq(wr_cache_lock(c, k1, false, &l2, &err), 0); /* held */
  ck_assert_int_eq(l2, -1);
  ck_assert_int_eq(wr_cache_lock(c, k2, false, &l2, &err), 1);
  close(l2);
  /* ls shows the key being compiled. */
  wr_cache_entry *v;
  size_t n;
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_mem_eq(v[0].key, k1, 32);
  ck_assert(v[0].compiling && !v[0].present);
  free(v);
  close(l1);
  ck_assert_int_eq(wr_cache_lock(c, k1, false, &l2, &err), 1);
  close(l2);
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 0);
  free(v);
  close_and_remove(c);
}
END_TEST

START_TEST(slots_bound_background_compiles) {
  make_dir();
  wr_cache *c = open_cache();
  int s1, s2, s3;
  wr_error err;
  ck_assert_int_eq(wr_cache_take_slot(c, 2, &s1, &err), 1);
  ck_assert_int_eq(wr_cache_take_slot(c, 2, &s2, &err), 1);
  ck_assert_int_eq(wr_cache_take_slot(c, 2, &s3, &err), 0);
  ck_assert_int_eq(s3, -1);
  close(s1);
  ck_assert_int_eq(wr_cache_take_slot(c, 2, &s3, &err), 1);
  close(s2);
  close(s3);
  /* ls does not list the slots. */
  wr_cache_entry *v;
  size_t n;
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 0);
  free(v);
  close_and_remove(c);
}
END_TEST

START_TEST(concurrent_publishers_compile_once) {
  make_dir();
  char count[400];
  snprintf(count, sizeof count, "%s/count", dir);
  int cfd = open(count, O_WRONLY | O_CREAT | O_APPEND, 0600);
  ck_assert_int_ge(cfd, 0);
  pid_t pids[8];
  for (int i = 0; i < 8; i++) {
    pids[i] = fork();
    ck_assert_int_ge(pids[i], 0);
    if (pids[i] == 0) {
      wr_cache *c = open_cache();
      struct produce_arg a = {.payload = "shared", .count_fd = cfd, .sleep_ms = 200};
      key_of("m", a.key);
      int fd;
      wr_error err;
      if (wr_cache_publish(c, a.key, test_produce, &a, &fd, &err) < 0) _exit(1);
      char buf[8];
      _exit(pread(fd, buf, 6, 40) == 6 && memcmp(buf, "shared", 6) == 0 ? 0 : 2);
    }
  }
  for (int i = 0; i < 8; i++) {
    int st;
    ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  close(cfd);
  struct stat st;
  ck_assert_int_eq(stat(count, &st), 0);
  ck_assert_int_eq(st.st_size, 1); /* one compile */
  remove_dir();
}
END_TEST

START_TEST(ls_gc_clear_verify) {
  make_dir();
  wr_cache *c = open_cache();
  const char *names[3] = {"old", "middle", "new"};
  const char *payloads[3] = {"aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccc"};
  uint8_t keys[3][32];
  int fd;
  wr_error err;
  time_t now = time(NULL);
  for (int i = 0; i < 3; i++) {
    struct produce_arg a = produce_for(names[i], payloads[i]);
    memcpy(keys[i], a.key, 32);
    publish_ok(c, &a);
    /* Last use: an hour apart, the stamp's mtime. */
    char path[500];
    wr_cache_entry_path(c, a.key, path, sizeof path);
    strcpy(strrchr(path, '.'), ".ok");
    struct timespec ts[2] = {{now - 3600 * (3 - i), 0}, {now - 3600 * (3 - i), 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
  }
  wr_cache_entry *v;
  size_t n;
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_mem_eq(v[i].key, keys[i], 32); /* oldest first */
    ck_assert_uint_eq(v[i].size, 44 + strlen(payloads[i]));
    ck_assert(v[i].present && !v[i].compiling);
    ck_assert_int_eq(v[i].last_use, now - 3600 * (3 - i));
  }
  free(v);
  /* verify: all good, then one damaged. */
  size_t checked, damaged;
  ck_assert_int_eq(wr_cache_verify(c, &checked, &damaged, &err), 0);
  ck_assert_uint_eq(checked, 3);
  ck_assert_uint_eq(damaged, 0);
  char path[500];
  wr_cache_entry_path(c, keys[1], path, sizeof path);
  flip_byte(path, 45);
  ck_assert_int_eq(wr_cache_verify(c, &checked, &damaged, &err), 0);
  ck_assert_uint_eq(checked, 3);
  ck_assert_uint_eq(damaged, 1);
  ck_assert_ptr_nonnull(strstr(warnings, "is damaged (digest mismatch): removed"));
  /* gc: the least recently used go first until the rest fit. */
  struct produce_arg a = produce_for(names[1], payloads[1]);
  publish_ok(c, &a); /* used now */
  size_t removed;
  uint64_t freed;
  ck_assert_int_eq(wr_cache_gc(c, 64, &removed, &freed, &err), 0); /* room for "middle" (64 bytes) alone */
  ck_assert_uint_eq(removed, 2);
  ck_assert_uint_eq(freed, 54 + 74);
  ck_assert_int_eq(wr_cache_lookup(c, keys[1], &fd, &err), 1); /* the most recent stays */
  close(fd);
  ck_assert_int_eq(wr_cache_lookup(c, keys[0], &fd, &err), 0);
  ck_assert_int_eq(wr_cache_lookup(c, keys[2], &fd, &err), 0);
  /* clear: everything not being compiled. */
  int lock;
  ck_assert_int_eq(wr_cache_lock(c, keys[0], false, &lock, &err), 1);
  ck_assert_int_eq(wr_cache_clear(c, &removed, &err), 0);
  ck_assert_uint_eq(removed, 1);
  ck_assert_int_eq(wr_cache_list(c, &v, &n, &err), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert(v[0].compiling && !v[0].present);
  free(v);
  close(lock);
  close_and_remove(c);
}
END_TEST

Suite *cache_suite(void) {
  Suite *s = suite_create("cache");
  TCase *tc = tcase_create("cache");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, key_is_sha256_of_fingerprint_nul_module);
  tcase_add_test(tc, location_order);
  tcase_add_test(tc, open_makes_private_dirs);
  tcase_add_test(tc, refuses_dirs_others_can_write);
  tcase_add_test(tc, miss_publish_hit);
  tcase_add_test(tc, failed_or_bad_compile_leaves_nothing);
  tcase_add_test(tc, damaged_entry_removed_and_rebuilt);
  tcase_add_test(tc, lasting_failures_are_remembered);
  tcase_add_test(tc, refuses_entries_others_can_write);
  tcase_add_test(tc, leftovers_of_a_killed_compile);
  tcase_add_test(tc, lock_is_per_key);
  tcase_add_test(tc, slots_bound_background_compiles);
  tcase_add_test(tc, concurrent_publishers_compile_once);
  tcase_add_test(tc, ls_gc_clear_verify);
  suite_add_tcase(s, tc);
  return s;
}
