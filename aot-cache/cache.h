/* cache.h: the content-addressed store of AOT images (DESIGN.md §6).
 *
 * Layout under the cache directory: v1/<first 2 hex of the key>/<other 62>.wrimg,
 * beside it <62>.lock (the per-key lock, flock) and <62>.ok (the stamp: which
 * inode, size and change time had their full digest checked last; its mtime is the
 * entry's last use). Every directory is 0700 and every file owned by us and not
 * writable by group or others, or the store refuses it.
 *
 * Where the digest is checked: in full when an entry is published (before the
 * rename makes it visible), by `wasm-run cache verify`, and on a hit only when the
 * entry is not the file its stamp describes (another inode, size or change time:
 * any write to it through the filesystem changes the change time). Otherwise a hit
 * costs a header check, so it stays within the start budget whatever the image's
 * size. */
#ifndef WR_CACHE_H
#define WR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/error.h"

typedef struct wr_cache wr_cache;

/* Checks the image in fd: cheaply (header, size; full == false) or fully (every
 * byte against the digest). Returns 0 with the key the image was made for, or a
 * negative wr_errcode with a one-line reason. The image format supplies the
 * default; tests give their own. */
typedef int (*wr_cache_check_fn)(int fd, bool full, uint8_t key[32], wr_error *err);

/* Writes an image into fd (a new, empty regular file opened O_RDWR). */
typedef int (*wr_cache_produce_fn)(int fd, void *arg, wr_error *err);

/* Where the cache is: dir when not NULL (--cache-dir), else $WASM_RUN_CACHE, else
 * $XDG_CACHE_HOME/wasm-run, else /var/cache/wasm-run for root, else
 * $HOME/.cache/wasm-run (the password database's home without $HOME). */
int wr_cache_location(const char *dir, char *out, size_t size, wr_error *err);

/* Opens (making it, 0700, with its parents as needed) the cache at
 * wr_cache_location(dir) and its v1 directory, refusing either when another user
 * can write it. */
int wr_cache_open(const char *dir, wr_cache **out, wr_error *err);
void wr_cache_close(wr_cache *c);
/* The cache directory as a path, for messages; and its fd, for a sandbox rule. */
const char *wr_cache_path(const wr_cache *c);
int wr_cache_dir_fd(const wr_cache *c);
/* Replaces the entry check (default: the image format's, aot-cache/image.c). */
void wr_cache_set_check(wr_cache *c, wr_cache_check_fn check);
/* Where the store's warnings go (default: one line on stderr); NULL: nowhere. */
void wr_cache_set_warn(wr_cache *c, void (*warn)(void *ctx, const char *line), void *ctx);

/* key = SHA-256(fingerprint, a NUL byte, the module bytes): the NUL keeps a
 * fingerprint and a module from ever reading as another pair. */
void wr_cache_key(const uint8_t *wasm, size_t len, const char *fingerprint, uint8_t key[32]);
/* The key as 64 lower-case hex digits and a NUL. */
void wr_cache_key_hex(const uint8_t key[32], char hex[65]);
/* The path of key's entry, for messages. */
void wr_cache_entry_path(const wr_cache *c, const uint8_t key[32], char *out, size_t size);

/* Hit: returns 1 and an O_RDONLY fd of a checked entry (and marks it used); miss:
 * 0. A damaged entry is removed with a warning and reported as a miss. An entry
 * another user can write is an error. */
int wr_cache_lookup(wr_cache *c, const uint8_t key[32], int *fd, wr_error *err);

/* The per-key lock. wait: block until it is ours; else return 0 at once when
 * another holds it. Returns 1 with the lock's fd (closing it unlocks; a child
 * that inherits it holds the lock for as long as it keeps it open). */
int wr_cache_lock(wr_cache *c, const uint8_t key[32], bool wait, int *lock_fd, wr_error *err);

/* With key's lock held: re-checks (another may have published meanwhile), else
 * calls produce on a temporary file in the entry's directory, fsyncs it, checks it
 * in full, renames it into place and fsyncs the directory. Returns 0 with an
 * O_RDONLY fd of the published entry. The lock stays held. */
int wr_cache_publish_locked(wr_cache *c, const uint8_t key[32], wr_cache_produce_fn produce, void *arg, int *fd,
                            wr_error *err);
/* A compile of key that failed for a lasting reason (malformed, invalid or
 * unsupported module: the same compiler would fail again) is remembered:
 * wr_cache_publish_locked then returns that error without compiling, and this
 * returns 1 with it in err. `cache clear` forgets it. */
int wr_cache_failure(wr_cache *c, const uint8_t key[32], wr_error *err);

/* wr_cache_lock (waiting), wr_cache_publish_locked, unlock. */
int wr_cache_publish(wr_cache *c, const uint8_t key[32], wr_cache_produce_fn produce, void *arg, int *fd,
                     wr_error *err);

/* Takes one of the `limit` slots (v1/slots/N, flock) that bound how many
 * background compiles run at once. Returns 1 with the slot's fd (held while it
 * stays open, also in a child that inherits it), 0 when all are taken. */
int wr_cache_take_slot(wr_cache *c, int limit, int *slot_fd, wr_error *err);

/* One entry of the store, for `cache ls`, `gc` and `verify`. */
typedef struct wr_cache_entry {
  uint8_t key[32];
  uint64_t size;     /* bytes; 0 while compiling */
  int64_t last_use;  /* seconds since the epoch */
  bool compiling;    /* its lock is held: a compile of it runs now */
  bool present;      /* the image exists (a compile may also be running) */
  bool failed;       /* the compiler failed on the module (see wr_cache_failure) */
} wr_cache_entry;

/* Every entry, and every key being compiled, sorted by last use (oldest first).
 * *out is malloc'ed. */
int wr_cache_list(wr_cache *c, wr_cache_entry **out, size_t *n, wr_error *err);
/* Removes what dead compiles left (temporary files, locks no one holds, stamps
 * without an entry), then the least recently used entries until the images take
 * at most max_size bytes (UINT64_MAX: no limit). Reports what it removed. */
int wr_cache_gc(wr_cache *c, uint64_t max_size, size_t *removed, uint64_t *freed, wr_error *err);
/* Removes every entry that is not being compiled. */
int wr_cache_clear(wr_cache *c, size_t *removed, wr_error *err);
/* Checks every entry in full; removes the damaged ones with a warning each. */
int wr_cache_verify(wr_cache *c, size_t *checked, size_t *damaged, wr_error *err);

#endif
