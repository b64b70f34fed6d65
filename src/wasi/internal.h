/* internal.h: what the WASI host-function files share: the preview 1 constants and
 * layouts, the fd table, errno mapping and checked access to guest memory. */
#ifndef WR_WASI_INTERNAL_H
#define WR_WASI_INTERNAL_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "wasi/wasi.h"

/* errno values of preview 1 (witx `errno`). */
enum {
  WE_SUCCESS = 0, WE_2BIG = 1, WE_ACCES = 2, WE_ADDRINUSE = 3, WE_ADDRNOTAVAIL = 4,
  WE_AFNOSUPPORT = 5, WE_AGAIN = 6, WE_ALREADY = 7, WE_BADF = 8, WE_BADMSG = 9,
  WE_BUSY = 10, WE_CANCELED = 11, WE_CHILD = 12, WE_CONNABORTED = 13, WE_CONNREFUSED = 14,
  WE_CONNRESET = 15, WE_DEADLK = 16, WE_DESTADDRREQ = 17, WE_DOM = 18, WE_DQUOT = 19,
  WE_EXIST = 20, WE_FAULT = 21, WE_FBIG = 22, WE_HOSTUNREACH = 23, WE_IDRM = 24,
  WE_ILSEQ = 25, WE_INPROGRESS = 26, WE_INTR = 27, WE_INVAL = 28, WE_IO = 29,
  WE_ISCONN = 30, WE_ISDIR = 31, WE_LOOP = 32, WE_MFILE = 33, WE_MLINK = 34,
  WE_MSGSIZE = 35, WE_MULTIHOP = 36, WE_NAMETOOLONG = 37, WE_NETDOWN = 38,
  WE_NETRESET = 39, WE_NETUNREACH = 40, WE_NFILE = 41, WE_NOBUFS = 42, WE_NODEV = 43,
  WE_NOENT = 44, WE_NOEXEC = 45, WE_NOLCK = 46, WE_NOLINK = 47, WE_NOMEM = 48,
  WE_NOMSG = 49, WE_NOPROTOOPT = 50, WE_NOSPC = 51, WE_NOSYS = 52, WE_NOTCONN = 53,
  WE_NOTDIR = 54, WE_NOTEMPTY = 55, WE_NOTRECOVERABLE = 56, WE_NOTSOCK = 57,
  WE_NOTSUP = 58, WE_NOTTY = 59, WE_NXIO = 60, WE_OVERFLOW = 61, WE_OWNERDEAD = 62,
  WE_PERM = 63, WE_PIPE = 64, WE_PROTO = 65, WE_PROTONOSUPPORT = 66, WE_PROTOTYPE = 67,
  WE_RANGE = 68, WE_ROFS = 69, WE_SPIPE = 70, WE_SRCH = 71, WE_STALE = 72,
  WE_TIMEDOUT = 73, WE_TXTBSY = 74, WE_XDEV = 75, WE_NOTCAPABLE = 76,
};

/* rights */
#define WR_R(bit) ((uint64_t)1 << (bit))
enum {
  R_FD_DATASYNC = 0, R_FD_READ, R_FD_SEEK, R_FD_FDSTAT_SET_FLAGS, R_FD_SYNC, R_FD_TELL,
  R_FD_WRITE, R_FD_ADVISE, R_FD_ALLOCATE, R_PATH_CREATE_DIRECTORY, R_PATH_CREATE_FILE,
  R_PATH_LINK_SOURCE, R_PATH_LINK_TARGET, R_PATH_OPEN, R_FD_READDIR, R_PATH_READLINK,
  R_PATH_RENAME_SOURCE, R_PATH_RENAME_TARGET, R_PATH_FILESTAT_GET,
  R_PATH_FILESTAT_SET_SIZE, R_PATH_FILESTAT_SET_TIMES, R_FD_FILESTAT_GET,
  R_FD_FILESTAT_SET_SIZE, R_FD_FILESTAT_SET_TIMES, R_PATH_SYMLINK, R_PATH_REMOVE_DIRECTORY,
  R_PATH_UNLINK_FILE, R_POLL_FD_READWRITE, R_SOCK_SHUTDOWN, R_SOCK_ACCEPT,
};
#define RIGHTS_ALL (WR_R(30) - 1)
/* What an fd of each kind can ever do; requested rights are cut down to these. */
#define RIGHTS_FILE                                                                       \
  (WR_R(R_FD_DATASYNC) | WR_R(R_FD_READ) | WR_R(R_FD_SEEK) | WR_R(R_FD_FDSTAT_SET_FLAGS) | \
   WR_R(R_FD_SYNC) | WR_R(R_FD_TELL) | WR_R(R_FD_WRITE) | WR_R(R_FD_ADVISE) |              \
   WR_R(R_FD_ALLOCATE) | WR_R(R_FD_FILESTAT_GET) | WR_R(R_FD_FILESTAT_SET_SIZE) |         \
   WR_R(R_FD_FILESTAT_SET_TIMES) | WR_R(R_POLL_FD_READWRITE))
#define RIGHTS_DIR                                                                          \
  (WR_R(R_FD_FDSTAT_SET_FLAGS) | WR_R(R_FD_SYNC) | WR_R(R_FD_DATASYNC) |                    \
   WR_R(R_PATH_CREATE_DIRECTORY) | WR_R(R_PATH_CREATE_FILE) | WR_R(R_PATH_LINK_SOURCE) |    \
   WR_R(R_PATH_LINK_TARGET) | WR_R(R_PATH_OPEN) | WR_R(R_FD_READDIR) |                      \
   WR_R(R_PATH_READLINK) | WR_R(R_PATH_RENAME_SOURCE) | WR_R(R_PATH_RENAME_TARGET) |        \
   WR_R(R_PATH_FILESTAT_GET) | WR_R(R_PATH_FILESTAT_SET_SIZE) |                             \
   WR_R(R_PATH_FILESTAT_SET_TIMES) | WR_R(R_FD_FILESTAT_GET) |                              \
   WR_R(R_FD_FILESTAT_SET_TIMES) | WR_R(R_PATH_SYMLINK) | WR_R(R_PATH_REMOVE_DIRECTORY) |   \
   WR_R(R_PATH_UNLINK_FILE) | WR_R(R_POLL_FD_READWRITE))
#define RIGHTS_TTY                                                                         \
  (WR_R(R_FD_READ) | WR_R(R_FD_FDSTAT_SET_FLAGS) | WR_R(R_FD_WRITE) |                       \
   WR_R(R_FD_FILESTAT_GET) | WR_R(R_POLL_FD_READWRITE))
#define RIGHTS_SOCK                                                                         \
  (WR_R(R_FD_READ) | WR_R(R_FD_FDSTAT_SET_FLAGS) | WR_R(R_FD_WRITE) |                       \
   WR_R(R_FD_FILESTAT_GET) | WR_R(R_POLL_FD_READWRITE) | WR_R(R_SOCK_SHUTDOWN) |            \
   WR_R(R_SOCK_ACCEPT))
enum { FT_UNKNOWN = 0, FT_BLOCK = 1, FT_CHAR = 2, FT_DIR = 3, FT_REG = 4, FT_DGRAM = 5,
       FT_STREAM = 6, FT_SYMLINK = 7 };
enum { FDF_APPEND = 1, FDF_DSYNC = 2, FDF_NONBLOCK = 4, FDF_RSYNC = 8, FDF_SYNC = 16 };

typedef struct wasi_fd {
  int host;            /* -1: slot free */
  uint8_t type;        /* FT_* */
  bool readonly;       /* beneath a read-only preopen */
  uint64_t base, inh;  /* rights */
  char *preopen;       /* the guest name, for preopened directories */
  DIR *dir;            /* fd_readdir state: a stream on a dup of host */
  uint64_t dir_pos;    /* the cookie `dir` is at */
} wasi_fd;

struct wr_wasi {
  wr_store *store;
  char **argv, **envp;
  int argc, envc;
  wasi_fd *fds;
  uint32_t nfds;
  /* Guest memory: the export "memory" of the instance calling, looked up once. */
  wr_instance *mem_inst;
  wr_memory *mem;
};

/* Host functions receive this; a NULL memory means the caller exports none. */
typedef struct wasi_call {
  wr_wasi *w;
  uint8_t *base;
  uint64_t size;
} wasi_call;

/* A pointer to len bytes of guest memory at ptr, or NULL when any of them lies
 * outside it. Host code runs outside the guard region, so every access goes
 * through here (or mem_ok). */
static inline uint8_t *gmem(const wasi_call *c, uint32_t ptr, uint64_t len) {
  if (!c->base || (uint64_t)ptr + len > c->size) return NULL;
  return c->base + ptr;
}
static inline void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
/* Stores a u32/u64 result at a guest pointer; returns 0 or WE_FAULT. */
int wasi_put32(const wasi_call *c, uint32_t ptr, uint32_t v);
int wasi_put64(const wasi_call *c, uint32_t ptr, uint64_t v);

/* Gathers the guest iovec (or ciovec) array of n entries at ptr into host iovecs in
 * *out (malloc'd, the caller frees): 0, WE_FAULT (the array or a buffer outside
 * memory), WE_INVAL (more than IOV_MAX) or WE_NOMEM. (fd.c) */
int wasi_iovs(const wasi_call *c, uint32_t ptr, uint32_t n, struct iovec **out);

/* Maps a host errno to the preview 1 errno. */
int wasi_errno(int host_errno);

/* The fd entry for a guest fd with all of `need` rights: 0, or WE_BADF /
 * WE_NOTCAPABLE. */
int wasi_fd_get(wr_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out);
/* Puts a host fd in the lowest free slot; returns the guest fd or -WE_*. */
int wasi_fd_add(wr_wasi *w, int host, uint8_t type, uint64_t base, uint64_t inh, bool ro);
void wasi_fd_release(wasi_fd *f);
uint8_t wasi_filetype(unsigned st_mode);
/* Fills a 64-byte filestat from a struct stat. */
void wasi_filestat(uint8_t *out, const struct stat *st);
/* Converts timestamps for futimens/utimensat; returns 0 or WE_INVAL. */
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* A guest path copied out of memory, NUL-terminated. 0 or a WE_* errno. */
int wasi_path(const wasi_call *c, uint32_t ptr, uint32_t len, char **out);

/* The host functions, one table per file, ending with a NULL name. */
typedef struct wasi_func {
  const char *name;
  const char *sig; /* parameter types (i: i32, I: i64), then ':' and the result */
  int (*fn)(wasi_call *c, wr_exec *ex, uint64_t *a);
} wasi_func;
extern const wasi_func wasi_fd_funcs[], wasi_path_funcs[], wasi_time_funcs[],
    wasi_proc_funcs[], wasi_sock_funcs[];

#endif
