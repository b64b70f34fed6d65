/* cache.c: the content-addressed store of AOT images: where it is, its layout,
 * keys, the per-key lock, atomic publishing, the checks that keep a damaged or
 * foreign entry from ever running, and what `wasm-run cache` does to it.
 *
 * Trust: the store runs only files that are ours (owner == euid) and that no
 * group or other user can write, in directories of the same kind; anything else
 * is refused with an error naming the path, never removed (it is not ours to
 * remove). A file of ours that fails its check is damaged: it is removed with a
 * warning and compiled again. */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP
 * initialises the provider machinery on its first use, about 0.5 ms per process:
 * a tenth of a cache hit's start budget spent on a 1 us hash. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "aot-cache/cache.h"
#include "aot-cache/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LAYOUT "v1"

struct wr_cache {
  char path[4096]; /* the cache directory, for messages */
  int root_fd;
  int v1_fd;
  wr_cache_check_fn check;
  void (*warn)(void *ctx, const char *line);
  void *warn_ctx;
};

/* The default check: the image format's (aot-cache/image.c). The header check
 * reads one page and compares the header's size with the file's; the full one
 * hashes every byte. */
static int image_check(int fd, bool full, uint8_t key[32], wr_error *err) {
  wr_image_info info;
  int rc = full ? wr_image_verify(fd, &info, err) : wr_image_read_info(fd, &info, err);
  if (rc < 0) return rc;
  memcpy(key, info.key, 32);
  return 0;
}

static void warn_stderr(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "wasm-run: warning: %s\n", line);
}

static void warn(wr_cache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(wr_cache *c, const char *fmt, ...) {
  if (!c->warn) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  c->warn(c->warn_ctx, line);
}

int wr_cache_location(const char *dir, char *out, size_t size, wr_error *err) {
  const char *env;
  int n;
  if (dir && *dir)
    n = snprintf(out, size, "%s", dir);
  else if ((env = getenv("WASM_RUN_CACHE")) && *env)
    n = snprintf(out, size, "%s", env);
  else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/')
    n = snprintf(out, size, "%s/wasm-run", env);
  else if (geteuid() == 0)
    n = snprintf(out, size, "/var/cache/wasm-run");
  else {
    const char *home = getenv("HOME");
    if (!home || !*home) {
      struct passwd *pw = getpwuid(geteuid());
      home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !*home)
      return wr_err(err, WR_ERR_USAGE, "cache: no home directory to keep the cache in (set $WASM_RUN_CACHE or --cache-dir)");
    n = snprintf(out, size, "%s/.cache/wasm-run", home);
  }
  if (n < 0 || (size_t)n >= size) return wr_err(err, WR_ERR_USAGE, "cache: the cache directory's path is too long");
  return 0;
}

/* Refuses what another user could write. what: the path, for the message. */
static int check_owner(const struct stat *st, const char *what, wr_error *err) {
  if (st->st_uid != geteuid())
    return wr_err(err, WR_ERR_USAGE, "cache: %s: refused: owned by uid %u, not by us (uid %u)", what,
                  (unsigned)st->st_uid, (unsigned)geteuid());
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return wr_err(err, WR_ERR_USAGE, "cache: %s: refused: writable by %s (mode %04o)", what,
                  st->st_mode & S_IWOTH ? "every user" : "its group", (unsigned)(st->st_mode & 07777));
  return 0;
}

/* Opens (making it if missing) directory name beneath dirfd, checked. */
static int open_dir(int dirfd, const char *name, const char *what, int *out, wr_error *err) {
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return wr_err(err, WR_ERR_IO, "cache: %s: cannot make the directory: %s", what, strerror(errno));
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return wr_err(err, WR_ERR_IO, "cache: %s: cannot open the directory: %s", what, strerror(e));
  }
  if (check_owner(&st, what, err) < 0) {
    close(fd);
    return err->code;
  }
  *out = fd;
  return 0;
}

/* mkdir -p of path's missing parents, 0700 (existing ones are left as they are:
 * the checks apply to the cache directory and what is beneath it). */
static int make_parents(const char *path, wr_error *err) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
      return wr_err(err, WR_ERR_IO, "cache: %s: cannot make the directory: %s", buf, strerror(errno));
    *p = '/';
  }
  return 0;
}

int wr_cache_open(const char *dir, wr_cache **out, wr_error *err) {
  *out = NULL;
  wr_cache *c = calloc(1, sizeof *c);
  if (!c) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  c->root_fd = c->v1_fd = -1;
  c->check = image_check;
  c->warn = warn_stderr;
  int rc = wr_cache_location(dir, c->path, sizeof c->path, err);
  if (rc < 0) goto fail;
  size_t len = strlen(c->path);
  while (len > 1 && c->path[len - 1] == '/') c->path[--len] = 0;
  if (c->path[0] != '/') {
    /* Relative: as the user meant it, from here. */
    if ((rc = open_dir(AT_FDCWD, c->path, c->path, &c->root_fd, err)) < 0) goto fail;
  } else {
    if ((rc = make_parents(c->path, err)) < 0) goto fail;
    if (mkdir(c->path, 0700) < 0 && errno != EEXIST) {
      rc = wr_err(err, WR_ERR_IO, "cache: %s: cannot make the directory: %s", c->path, strerror(errno));
      goto fail;
    }
    /* The cache directory itself may be a symbolic link the user made. */
    c->root_fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (c->root_fd < 0 || fstat(c->root_fd, &st) < 0) {
      rc = wr_err(err, WR_ERR_IO, "cache: %s: cannot open the directory: %s", c->path, strerror(errno));
      goto fail;
    }
    if ((rc = check_owner(&st, c->path, err)) < 0) goto fail;
  }
  char what[4200];
  snprintf(what, sizeof what, "%s/" LAYOUT, c->path);
  if ((rc = open_dir(c->root_fd, LAYOUT, what, &c->v1_fd, err)) < 0) goto fail;
  *out = c;
  return 0;
fail:
  wr_cache_close(c);
  return rc;
}

void wr_cache_close(wr_cache *c) {
  if (!c) return;
  if (c->root_fd >= 0) close(c->root_fd);
  if (c->v1_fd >= 0) close(c->v1_fd);
  free(c);
}

const char *wr_cache_path(const wr_cache *c) { return c->path; }
int wr_cache_dir_fd(const wr_cache *c) { return c->root_fd; }
void wr_cache_set_check(wr_cache *c, wr_cache_check_fn check) { c->check = check; }
void wr_cache_set_warn(wr_cache *c, void (*fn)(void *ctx, const char *line), void *ctx) {
  c->warn = fn;
  c->warn_ctx = ctx;
}

void wr_cache_key(const uint8_t *wasm, size_t len, const char *fingerprint, uint8_t key[32]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, fingerprint, strlen(fingerprint) + 1);
  SHA256_Update(&ctx, wasm, len);
  SHA256_Final(key, &ctx);
}

void wr_cache_key_hex(const uint8_t key[32], char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[key[i] >> 4];
    hex[2 * i + 1] = digits[key[i] & 15];
  }
  hex[64] = 0;
}

/* The names of a key's files: its directory ("ab") and "<62 hex><suffix>". */
static void key_names(const uint8_t key[32], char sub[3], char *name, size_t size, const char *suffix) {
  char hex[65];
  wr_cache_key_hex(key, hex);
  memcpy(sub, hex, 2);
  sub[2] = 0;
  snprintf(name, size, "%s%s", hex + 2, suffix);
}

void wr_cache_entry_path(const wr_cache *c, const uint8_t key[32], char *out, size_t size) {
  char sub[3], name[80];
  key_names(key, sub, name, sizeof name, ".wrimg");
  snprintf(out, size, "%s/" LAYOUT "/%s/%s", c->path, sub, name);
}

/* Opens key's directory; create: make it when missing. Returns 1 with *fd, 0
 * when missing and !create. */
static int key_dir(wr_cache *c, const uint8_t key[32], bool create, int *fd, wr_error *err) {
  char sub[3], name[80], what[4200];
  key_names(key, sub, name, sizeof name, "");
  snprintf(what, sizeof what, "%s/" LAYOUT "/%s", c->path, sub);
  if (!create) {
    int d = openat(c->v1_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0) {
      if (errno == ENOENT) return 0;
      return wr_err(err, WR_ERR_IO, "cache: %s: cannot open the directory: %s", what, strerror(errno));
    }
    struct stat st;
    int rc = fstat(d, &st) < 0 ? wr_err(err, WR_ERR_IO, "cache: %s: %s", what, strerror(errno))
                               : check_owner(&st, what, err);
    if (rc < 0) {
      close(d);
      return rc;
    }
    *fd = d;
    return 1;
  }
  int rc = open_dir(c->v1_fd, sub, what, fd, err);
  return rc < 0 ? rc : 1;
}

/* The stamp: which file had its digest checked in full last. */
typedef struct stamp {
  unsigned long long ino, size, ctime_s, ctime_ns;
} stamp;

static stamp stamp_of(const struct stat *st) {
  return (stamp){(unsigned long long)st->st_ino, (unsigned long long)st->st_size,
                 (unsigned long long)st->st_ctim.tv_sec, (unsigned long long)st->st_ctim.tv_nsec};
}

static bool stamp_matches(int dirfd, const char *name, const struct stat *st) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  struct stat sst;
  bool ours = fstat(fd, &sst) == 0 && S_ISREG(sst.st_mode) && sst.st_uid == geteuid() &&
              !(sst.st_mode & (S_IWGRP | S_IWOTH));
  close(fd);
  if (n <= 0 || !ours) return false;
  buf[n] = 0;
  stamp want = stamp_of(st), got;
  return sscanf(buf, "%llu %llu %llu %llu", &got.ino, &got.size, &got.ctime_s, &got.ctime_ns) == 4 &&
         memcmp(&want, &got, sizeof want) == 0;
}

/* Writes the stamp for st (atomically: a torn stamp would only cost a full check,
 * but a reader must never take half of one for a match). Best effort. */
static void stamp_write(int dirfd, const char *name, const struct stat *st) {
  char tmp[128], buf[128];
  snprintf(tmp, sizeof tmp, ".tmp-%s-%d", name, (int)getpid());
  stamp s = stamp_of(st);
  int n = snprintf(buf, sizeof buf, "%llu %llu %llu %llu\n", s.ino, s.size, s.ctime_s, s.ctime_ns);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = write(fd, buf, (size_t)n) == n;
  close(fd);
  if (!ok || renameat(dirfd, tmp, dirfd, name) < 0) unlinkat(dirfd, tmp, 0);
}

/* Checks an open entry: ours, regular, of key. Returns 0 (good), 1 (damaged: why
 * in err) or a negative code (refused, or an I/O error). */
static int check_entry(wr_cache *c, int dirfd, const char *stamp_name, int fd, const uint8_t key[32], bool full,
                       const char *path, wr_error *err) {
  struct stat st;
  if (fstat(fd, &st) < 0) return wr_err(err, WR_ERR_IO, "cache: %s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) return wr_err(err, WR_ERR_USAGE, "cache: %s: refused: not a regular file", path);
  if (check_owner(&st, path, err) < 0) return err->code;
  if (!c->check) return wr_err(err, WR_ERR_UNSUPPORTED, "cache: %s: this build cannot check images", path);
  bool verified = !full && stamp_matches(dirfd, stamp_name, &st);
  uint8_t got[32];
  wr_error why;
  wr_error_clear(&why);
  if (c->check(fd, !verified, got, &why) < 0) {
    wr_err(err, WR_ERR_IO, "%s", why.msg);
    return 1;
  }
  if (memcmp(got, key, 32) != 0) {
    wr_err(err, WR_ERR_IO, "made for another key");
    return 1;
  }
  if (!verified) stamp_write(dirfd, stamp_name, &st);
  return 0;
}

/* Removes a damaged entry, but only if the name still holds the file found
 * damaged (under the key's lock, so no publish of a good one races with it). */
static void remove_damaged(wr_cache *c, const uint8_t key[32], int dirfd, const char *name, const char *stamp_name,
                           const struct stat *bad, const char *path, const char *why, bool locked) {
  int lock_fd = -1;
  wr_error e;
  wr_error_clear(&e);
  if (!locked && wr_cache_lock(c, key, true, &lock_fd, &e) <= 0) {
    warn(c, "cache entry %s is damaged (%s) and cannot be removed: %s", path, why, e.msg);
    return;
  }
  struct stat now;
  if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == bad->st_ino && now.st_dev == bad->st_dev) {
    if (unlinkat(dirfd, name, 0) == 0)
      warn(c, "cache entry %s is damaged (%s): removed, it will be compiled again", path, why);
    else
      warn(c, "cache entry %s is damaged (%s) and cannot be removed: %s", path, why, strerror(errno));
    unlinkat(dirfd, stamp_name, 0);
  }
  if (lock_fd >= 0) close(lock_fd);
}

/* The lookup in key's open directory. locked: the caller holds key's lock. */
static int lookup_in(wr_cache *c, const uint8_t key[32], int dirfd, bool full, bool locked, int *out, wr_error *err) {
  char sub[3], name[80], stamp_name[80], path[4300];
  key_names(key, sub, name, sizeof name, ".wrimg");
  key_names(key, sub, stamp_name, sizeof stamp_name, ".ok");
  wr_cache_entry_path(c, key, path, sizeof path);
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    if (errno == ELOOP) return wr_err(err, WR_ERR_USAGE, "cache: %s: refused: a symbolic link", path);
    return wr_err(err, WR_ERR_IO, "cache: %s: cannot open: %s", path, strerror(errno));
  }
  wr_error why;
  wr_error_clear(&why);
  int rc = check_entry(c, dirfd, stamp_name, fd, key, full, path, &why);
  if (rc < 0) {
    close(fd);
    *err = why;
    return rc;
  }
  if (rc == 1) {
    struct stat st;
    fstat(fd, &st);
    close(fd);
    remove_damaged(c, key, dirfd, name, stamp_name, &st, path, why.msg, locked);
    return 0;
  }
  /* The stamp's mtime is the entry's last use, for gc. */
  utimensat(dirfd, stamp_name, NULL, AT_SYMLINK_NOFOLLOW);
  *out = fd;
  return 1;
}

int wr_cache_lookup(wr_cache *c, const uint8_t key[32], int *out, wr_error *err) {
  *out = -1;
  int dirfd;
  int rc = key_dir(c, key, false, &dirfd, err);
  if (rc <= 0) return rc;
  rc = lookup_in(c, key, dirfd, false, false, out, err);
  close(dirfd);
  return rc;
}

int wr_cache_lock(wr_cache *c, const uint8_t key[32], bool wait, int *lock_fd, wr_error *err) {
  *lock_fd = -1;
  int dirfd;
  int rc = key_dir(c, key, true, &dirfd, err);
  if (rc < 0) return rc;
  char sub[3], name[80], path[4300];
  key_names(key, sub, name, sizeof name, ".lock");
  snprintf(path, sizeof path, "%s/" LAYOUT "/%s/%s", c->path, sub, name);
  for (;;) {
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st, now;
    if (fd < 0 || fstat(fd, &st) < 0) {
      rc = wr_err(err, WR_ERR_IO, "cache: %s: cannot open the lock: %s", path, strerror(errno));
      if (fd >= 0) close(fd);
      break;
    }
    if ((rc = check_owner(&st, path, err)) < 0) {
      close(fd);
      break;
    }
    while ((rc = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) < 0 && errno == EINTR) {}
    if (rc < 0) {
      int e = errno;
      close(fd);
      rc = e == EWOULDBLOCK ? 0 : wr_err(err, WR_ERR_IO, "cache: %s: cannot lock: %s", path, strerror(e));
      break;
    }
    /* `cache clear` may have removed the file while we waited: a lock on a name
     * no longer there excludes no one. Take the one that is there now. */
    if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev) {
      *lock_fd = fd;
      rc = 1;
      break;
    }
    close(fd);
  }
  close(dirfd);
  return rc;
}

/* Removes the temporary files of earlier compiles of key that died (with the
 * key's lock held, no live compile of it has any). */
static void remove_leftovers(int dirfd, const char *rest) {
  int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = d >= 0 ? fdopendir(d) : NULL;
  if (!dir) {
    if (d >= 0) close(d);
    return;
  }
  char prefix[96];
  int n = snprintf(prefix, sizeof prefix, ".tmp-%s-", rest);
  struct dirent *de;
  while ((de = readdir(dir)))
    if (strncmp(de->d_name, prefix, (size_t)n) == 0) unlinkat(dirfd, de->d_name, 0);
  closedir(dir);
}

/* A compile that failed for a reason a new attempt would meet again (the module
 * is malformed or invalid, or uses what the compiler does not support) leaves a
 * marker, <62 hex>.fail: "CODE MESSAGE". The key includes the compiler's
 * fingerprint, so another compiler tries afresh. */
static bool lasting_failure(int code) {
  return code == WR_ERR_MALFORMED || code == WR_ERR_INVALID || code == WR_ERR_UNSUPPORTED || code == WR_ERR_LINK;
}

static void failure_write(int dirfd, const char *rest, const wr_error *err) {
  char name[80], tmp[128], buf[WR_ERROR_MSG_MAX + 16];
  snprintf(name, sizeof name, "%s.fail", rest);
  snprintf(tmp, sizeof tmp, ".tmp-%s-fail-%d", rest, (int)getpid());
  int n = snprintf(buf, sizeof buf, "%d %s\n", err->code, err->msg);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = write(fd, buf, (size_t)n) == n;
  close(fd);
  if (!ok || renameat(dirfd, tmp, dirfd, name) < 0) unlinkat(dirfd, tmp, 0);
}

/* Reads key's failure marker into err. Returns 1 when there is one. */
static int failure_read(int dirfd, const char *rest, wr_error *err) {
  char name[80], buf[WR_ERROR_MSG_MAX + 16];
  snprintf(name, sizeof name, "%s.fail", rest);
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  ssize_t n = fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH))
                  ? read(fd, buf, sizeof buf - 1)
                  : -1;
  close(fd);
  int code, off = 0;
  if (n <= 0) return 0;
  buf[n] = 0;
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  if (sscanf(buf, "%d %n", &code, &off) != 1 || !lasting_failure(code)) return 0;
  wr_err(err, code, "%s", buf + off);
  return 1;
}

int wr_cache_failure(wr_cache *c, const uint8_t key[32], wr_error *err) {
  int dirfd;
  int rc = key_dir(c, key, false, &dirfd, err);
  if (rc <= 0) return rc;
  char sub[3], rest[80];
  key_names(key, sub, rest, sizeof rest, "");
  rc = failure_read(dirfd, rest, err);
  close(dirfd);
  return rc;
}

int wr_cache_publish_locked(wr_cache *c, const uint8_t key[32], wr_cache_produce_fn produce, void *arg, int *out,
                            wr_error *err) {
  *out = -1;
  int dirfd;
  int rc = key_dir(c, key, true, &dirfd, err);
  if (rc < 0) return rc;
  /* Someone may have published while we waited for the lock. */
  if ((rc = lookup_in(c, key, dirfd, false, true, out, err)) != 0) {
    close(dirfd);
    return rc < 0 ? rc : 0;
  }
  char sub[3], name[80], stamp_name[80], tmp[128], path[4300];
  key_names(key, sub, name, sizeof name, ".wrimg");
  key_names(key, sub, stamp_name, sizeof stamp_name, ".ok");
  wr_cache_entry_path(c, key, path, sizeof path);
  char rest[63];
  memcpy(rest, name, 62);
  rest[62] = 0;
  /* This compiler failed on this module before, and would again. */
  if (failure_read(dirfd, rest, err)) {
    close(dirfd);
    return err->code;
  }
  remove_leftovers(dirfd, rest);
  unsigned rnd = (unsigned)time(NULL) ^ ((unsigned)getpid() << 8);
  snprintf(tmp, sizeof tmp, ".tmp-%s-%d-%08x", rest, (int)getpid(), rnd);
  /* Read-only from birth: nothing but this fd ever writes it. */
  int fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
  if (fd < 0) {
    rc = wr_err(err, WR_ERR_IO, "cache: %s/" LAYOUT "/%s/%s: cannot create: %s", c->path, sub, tmp, strerror(errno));
    close(dirfd);
    return rc;
  }
  uint8_t got[32];
  if ((rc = produce(fd, arg, err)) < 0) goto drop;
  if (fsync(fd) < 0) {
    rc = wr_err(err, WR_ERR_IO, "cache: %s: fsync: %s", path, strerror(errno));
    goto drop;
  }
  /* The full check, once, before anyone can run it. */
  wr_error why;
  wr_error_clear(&why);
  if (!c->check) {
    rc = wr_err(err, WR_ERR_UNSUPPORTED, "cache: %s: this build cannot check images", path);
    goto drop;
  }
  if (c->check(fd, true, got, &why) < 0 || memcmp(got, key, 32) != 0) {
    rc = wr_err(err, WR_ERR_IO, "cache: %s: the compiler's image fails its check: %s", path,
                why.msg[0] ? why.msg : "made for another key");
    goto drop;
  }
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    rc = wr_err(err, WR_ERR_IO, "cache: %s: cannot publish: %s", path, strerror(errno));
    goto drop;
  }
  if (fsync(dirfd) < 0) {
    rc = wr_err(err, WR_ERR_IO, "cache: %s/" LAYOUT "/%s: fsync: %s", c->path, sub, strerror(errno));
    close(fd);
    close(dirfd);
    return rc;
  }
  struct stat st;
  if (fstat(fd, &st) == 0) stamp_write(dirfd, stamp_name, &st);
  close(fd);
  /* What others will open, read-only. */
  *out = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  rc = *out < 0 ? wr_err(err, WR_ERR_IO, "cache: %s: cannot open: %s", path, strerror(errno)) : 0;
  close(dirfd);
  return rc;
drop:
  close(fd);
  unlinkat(dirfd, tmp, 0);
  if (lasting_failure(rc)) failure_write(dirfd, rest, err);
  close(dirfd);
  return rc;
}

int wr_cache_publish(wr_cache *c, const uint8_t key[32], wr_cache_produce_fn produce, void *arg, int *out,
                     wr_error *err) {
  *out = -1;
  int lock_fd;
  int rc = wr_cache_lock(c, key, true, &lock_fd, err);
  if (rc <= 0) return rc < 0 ? rc : wr_err(err, WR_ERR_IO, "cache: cannot take the lock");
  rc = wr_cache_publish_locked(c, key, produce, arg, out, err);
  close(lock_fd);
  return rc;
}

int wr_cache_take_slot(wr_cache *c, int limit, int *slot_fd, wr_error *err) {
  *slot_fd = -1;
  char what[4200];
  snprintf(what, sizeof what, "%s/" LAYOUT "/slots", c->path);
  int dirfd;
  int rc = open_dir(c->v1_fd, "slots", what, &dirfd, err);
  if (rc < 0) return rc;
  rc = 0;
  for (int i = 0; i < limit && rc == 0; i++) {
    char name[16];
    snprintf(name, sizeof name, "%d", i);
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
      rc = wr_err(err, WR_ERR_IO, "cache: %s/%s: cannot open: %s", what, name, strerror(errno));
      if (fd >= 0) close(fd);
      break;
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", what, name);
    if ((rc = check_owner(&st, path, err)) < 0) {
      close(fd);
      break;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      *slot_fd = fd;
      rc = 1;
    } else {
      close(fd);
    }
  }
  close(dirfd);
  return rc;
}

/* ---- the whole store: ls, gc, clear, verify ------------------------------------ */

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* "ab" + "<62 hex><suffix>" -> key; false when the name is not of that form. */
static bool parse_key(const char *sub, const char *name, const char *suffix, uint8_t key[32]) {
  size_t sl = strlen(suffix);
  if (strlen(name) != 62 + sl || strcmp(name + 62, suffix) != 0) return false;
  char hex[64];
  memcpy(hex, sub, 2);
  memcpy(hex + 2, name, 62);
  for (int i = 0; i < 32; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    key[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

static bool is_sub(const char *name) {
  return strlen(name) == 2 && hexval(name[0]) >= 0 && hexval(name[1]) >= 0;
}

/* Whether another process holds the lock file name in dirfd (a compile runs). */
static bool lock_held(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

static int add_entry(wr_cache_entry **v, size_t *n, size_t *cap, const wr_cache_entry *e) {
  for (size_t i = 0; i < *n; i++)
    if (memcmp((*v)[i].key, e->key, 32) == 0) {
      if (e->present) {
        (*v)[i].present = true;
        (*v)[i].size = e->size;
        (*v)[i].last_use = e->last_use;
      }
      (*v)[i].compiling |= e->compiling;
      (*v)[i].failed |= e->failed;
      return 0;
    }
  if (*n == *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    wr_cache_entry *p = realloc(*v, nc * sizeof *p);
    if (!p) return -1;
    *v = p;
    *cap = nc;
  }
  (*v)[(*n)++] = *e;
  return 0;
}

static int by_last_use(const void *a, const void *b) {
  const wr_cache_entry *x = a, *y = b;
  if (x->last_use != y->last_use) return x->last_use < y->last_use ? -1 : 1;
  return memcmp(x->key, y->key, 32);
}

/* Calls fn for every key directory of the store. */
static int each_sub(wr_cache *c, int (*fn)(wr_cache *c, int dirfd, const char *sub, void *arg), void *arg,
                    wr_error *err) {
  int d = openat(c->v1_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = d >= 0 ? fdopendir(d) : NULL;
  if (!dir) {
    if (d >= 0) close(d);
    return wr_err(err, WR_ERR_IO, "cache: %s/" LAYOUT ": cannot read: %s", c->path, strerror(errno));
  }
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(dir))) {
    if (!is_sub(de->d_name)) continue;
    uint8_t probe[32] = {0};
    probe[0] = (uint8_t)(hexval(de->d_name[0]) << 4 | hexval(de->d_name[1]));
    int sfd;
    int k = key_dir(c, probe, false, &sfd, err);
    if (k < 0) rc = k;
    if (k <= 0) continue;
    rc = fn(c, sfd, de->d_name, arg);
    close(sfd);
  }
  closedir(dir);
  return rc;
}

struct list_state {
  wr_cache_entry *v;
  size_t n, cap;
  wr_error *err;
};

static int list_sub(wr_cache *c, int dirfd, const char *sub, void *arg) {
  struct list_state *s = arg;
  int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = d >= 0 ? fdopendir(d) : NULL;
  if (!dir) {
    if (d >= 0) close(d);
    return wr_err(s->err, WR_ERR_IO, "cache: %s/" LAYOUT "/%s: cannot read: %s", c->path, sub, strerror(errno));
  }
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(dir))) {
    wr_cache_entry e = {0};
    struct stat st;
    if (parse_key(sub, de->d_name, ".wrimg", e.key)) {
      if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
      e.present = true;
      e.size = (uint64_t)st.st_size;
      e.last_use = st.st_mtime;
      char stamp_name[80];
      snprintf(stamp_name, sizeof stamp_name, "%.62s.ok", de->d_name);
      struct stat sst;
      /* The stamp is written at publish and touched by every hit. */
      if (fstatat(dirfd, stamp_name, &sst, AT_SYMLINK_NOFOLLOW) == 0) e.last_use = sst.st_mtime;
    } else if (parse_key(sub, de->d_name, ".fail", e.key)) {
      if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
      e.failed = true;
      e.last_use = st.st_mtime;
    } else if (parse_key(sub, de->d_name, ".lock", e.key)) {
      if (!lock_held(dirfd, de->d_name)) continue;
      e.compiling = true;
      e.last_use = time(NULL);
    } else {
      continue;
    }
    if (add_entry(&s->v, &s->n, &s->cap, &e) < 0) rc = wr_err(s->err, WR_ERR_NOMEM, "out of memory");
  }
  closedir(dir);
  return rc;
}

int wr_cache_list(wr_cache *c, wr_cache_entry **out, size_t *n, wr_error *err) {
  struct list_state s = {.err = err};
  int rc = each_sub(c, list_sub, &s, err);
  if (rc < 0) {
    free(s.v);
    return rc;
  }
  if (s.n) qsort(s.v, s.n, sizeof *s.v, by_last_use);
  *out = s.v;
  *n = s.n;
  return 0;
}

/* Removes key's image and stamp (under its lock, unless a compile holds it:
 * then returns 0 and leaves it). Returns 1 when removed. */
static int remove_entry(wr_cache *c, const uint8_t key[32], wr_error *err) {
  int lock_fd;
  int rc = wr_cache_lock(c, key, false, &lock_fd, err);
  if (rc <= 0) return rc;
  int dirfd;
  if ((rc = key_dir(c, key, false, &dirfd, err)) <= 0) {
    close(lock_fd);
    return rc;
  }
  char sub[3], name[80];
  key_names(key, sub, name, sizeof name, ".wrimg");
  rc = unlinkat(dirfd, name, 0) == 0;
  key_names(key, sub, name, sizeof name, ".ok");
  unlinkat(dirfd, name, 0);
  key_names(key, sub, name, sizeof name, ".fail");
  rc |= unlinkat(dirfd, name, 0) == 0;
  key_names(key, sub, name, sizeof name, ".lock");
  unlinkat(dirfd, name, 0); /* we hold it: no one else is waiting on this name's use */
  close(dirfd);
  close(lock_fd);
  return rc;
}

struct sweep_state {
  size_t removed;
};

/* Leftovers of dead compiles: temporary files whose key is not locked, locks no
 * one holds without an image, stamps without an image. */
static int sweep_sub(wr_cache *c, int dirfd, const char *sub, void *arg) {
  struct sweep_state *s = arg;
  int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = d >= 0 ? fdopendir(d) : NULL;
  if (!dir) {
    if (d >= 0) close(d);
    return 0;
  }
  struct dirent *de;
  while ((de = readdir(dir))) {
    const char *nm = de->d_name;
    char img[80], lock[80];
    struct stat st;
    if (strncmp(nm, ".tmp-", 5) == 0 && strlen(nm) > 5 + 62) {
      snprintf(lock, sizeof lock, "%.62s.lock", nm + 5);
      if (!lock_held(dirfd, lock) && unlinkat(dirfd, nm, 0) == 0) s->removed++;
    } else if (strlen(nm) == 62 + 3 && strcmp(nm + 62, ".ok") == 0) {
      snprintf(img, sizeof img, "%.62s.wrimg", nm);
      if (fstatat(dirfd, img, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) unlinkat(dirfd, nm, 0);
    } else if (strlen(nm) == 62 + 5 && strcmp(nm + 62, ".lock") == 0) {
      snprintf(img, sizeof img, "%.62s.wrimg", nm);
      if (fstatat(dirfd, img, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
        /* Take it before removing, so no one is compiling under it. */
        int fd = openat(dirfd, nm, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) unlinkat(dirfd, nm, 0);
        if (fd >= 0) close(fd);
      }
    }
  }
  closedir(dir);
  return 0;
}

int wr_cache_gc(wr_cache *c, uint64_t max_size, size_t *removed, uint64_t *freed, wr_error *err) {
  *removed = 0;
  *freed = 0;
  struct sweep_state s = {0};
  int rc = each_sub(c, sweep_sub, &s, err);
  if (rc < 0) return rc;
  wr_cache_entry *v;
  size_t n;
  if ((rc = wr_cache_list(c, &v, &n, err)) < 0) return rc;
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) total += v[i].present ? v[i].size : 0;
  /* max_size 0 (clear): the failure markers go too. */
  for (size_t i = 0; i < n && (total > max_size || max_size == 0); i++) {
    if ((!v[i].present && !(max_size == 0 && v[i].failed)) || v[i].compiling) continue;
    if ((rc = remove_entry(c, v[i].key, err)) < 0) break;
    if (rc == 1 && v[i].present) {
      total -= v[i].size;
      *freed += v[i].size;
      (*removed)++;
    }
    rc = 0;
  }
  free(v);
  return rc;
}

int wr_cache_clear(wr_cache *c, size_t *removed, wr_error *err) {
  uint64_t freed;
  return wr_cache_gc(c, 0, removed, &freed, err);
}

int wr_cache_verify(wr_cache *c, size_t *checked, size_t *damaged, wr_error *err) {
  *checked = *damaged = 0;
  wr_cache_entry *v;
  size_t n;
  int rc = wr_cache_list(c, &v, &n, err);
  if (rc < 0) return rc;
  for (size_t i = 0; i < n; i++) {
    if (!v[i].present) continue;
    int dirfd, fd = -1;
    if ((rc = key_dir(c, v[i].key, false, &dirfd, err)) < 0) break;
    if (rc == 0) continue;
    rc = lookup_in(c, v[i].key, dirfd, true, false, &fd, err);
    close(dirfd);
    if (rc < 0) break;
    (*checked)++;
    if (rc == 0) (*damaged)++;
    else close(fd);
    rc = 0;
  }
  free(v);
  return rc;
}
