/* path.c: the path_* host functions. Every path resolves beneath its directory fd
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), and the final component is
 * acted on with an *at() call on the parent fd obtained that way, so the kernel
 * refuses `..`, absolute paths and symlinks that lead out. */
#include "wasi/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define A32(i) ((uint32_t)a[i])
#define ERR(e) wasi_errno(e)
#define LOOKUP_SYMLINK_FOLLOW 1u

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode, uint64_t extra) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = mode,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | extra};
  if (!(flags & O_CREAT)) how.mode = 0; /* openat2 refuses a mode it would not use */
  long r;
  do r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (r < 0 && errno == EAGAIN);
  return (int)r;
}

/* A resolved path: the parent directory (an fd we own, or the dir fd itself) and
 * the last component, which keeps a trailing slash so the kernel checks it. */
typedef struct rpath {
  int parent;
  bool own;
  char *buf;
  const char *last;
} rpath;

static void rpath_done(rpath *r) {
  if (r->own && r->parent >= 0) close(r->parent);
  free(r->buf);
}

static int resolve(const wasi_call *c, int dirfd, uint32_t ptr, uint32_t len, rpath *r) {
  memset(r, 0, sizeof *r);
  r->parent = -1;
  int e = wasi_path(c, ptr, len, &r->buf);
  if (e) return e;
  char *p = r->buf;
  if (!*p) return WE_NOENT;
  size_t n = strlen(p);
  size_t end = n;
  while (end > 1 && p[end - 1] == '/') end--;
  char *slash = NULL;
  for (size_t i = end; i-- > 0;)
    if (p[i] == '/') {
      slash = p + i;
      break;
    }
  const char *last = slash ? slash + 1 : p;
  size_t lastlen = (size_t)(p + end - last);
  bool dotdot = lastlen == 2 && last[0] == '.' && last[1] == '.';
  /* An absolute path is never beneath anything: RESOLVE_BENEATH would say EXDEV. */
  if (p[0] == '/') return WE_NOTCAPABLE;
  if (dotdot) {
    /* `..` as the last component: resolve all of it, act on ".". */
    r->parent = open_beneath(dirfd, p, O_PATH | O_DIRECTORY, 0, 0);
    if (r->parent < 0) return ERR(errno);
    r->own = true;
    r->last = ".";
    return 0;
  }
  if (!slash) {
    r->parent = dirfd;
    r->last = p;
    return 0;
  }
  *slash = 0;
  r->parent = open_beneath(dirfd, p, O_PATH | O_DIRECTORY, 0, 0);
  if (r->parent < 0) return ERR(errno);
  r->own = true;
  r->last = last;
  return 0;
}

static bool has_trailing_slash(const char *s) {
  size_t n = strlen(s);
  return n > 0 && s[n - 1] == '/';
}

static int path_open(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wr_wasi *w = c->w;
  wasi_fd *d;
  uint32_t dirflags = A32(1), oflags = A32(4), fdflags = A32(7);
  uint64_t base = a[5], inh = a[6];
  int e = wasi_fd_get(w, A32(0), WR_R(R_PATH_OPEN), &d);
  if (e) return e;
  if (d->type != FT_DIR) return WE_NOTDIR;
  if (!gmem(c, A32(8), 4)) return WE_FAULT;
  if ((oflags & 1) && !(d->base & WR_R(R_PATH_CREATE_FILE))) return WE_NOTCAPABLE;
  if ((oflags & 8) && !(d->base & WR_R(R_PATH_FILESTAT_SET_SIZE))) return WE_NOTCAPABLE;
  char *path;
  if ((e = wasi_path(c, A32(2), A32(3), &path))) return e;
  if (!*path) {
    free(path);
    return WE_NOENT;
  }
  bool want_write = base & (WR_R(R_FD_WRITE) | WR_R(R_FD_ALLOCATE) | WR_R(R_FD_FILESTAT_SET_SIZE));
  bool want_read = base & (WR_R(R_FD_READ) | WR_R(R_FD_READDIR));
  int flags = O_NOCTTY;
  if (oflags & 2) flags |= O_DIRECTORY;
  /* A directory asked for with write rights is EISDIR, from the kernel. */
  if (want_write) flags |= want_read ? O_RDWR : O_WRONLY;
  if (oflags & 1) flags |= O_CREAT;
  if (oflags & 4) flags |= O_EXCL;
  if (oflags & 8) flags |= O_TRUNC;
  if (fdflags & FDF_APPEND) flags |= O_APPEND;
  if (fdflags & FDF_NONBLOCK) flags |= O_NONBLOCK;
  if (fdflags & FDF_DSYNC) flags |= O_DSYNC;
  if (fdflags & (FDF_SYNC | FDF_RSYNC)) flags |= O_SYNC;
  if (!(dirflags & LOOKUP_SYMLINK_FOLLOW)) flags |= O_NOFOLLOW;
  if (d->readonly && (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) {
    free(path);
    return WE_ROFS;
  }
  int h = open_beneath(d->host, path, flags, 0666, 0);
  if (h < 0 && errno == EISDIR && !(flags & (O_CREAT | O_TRUNC | O_DIRECTORY)) && (flags & O_RDWR)) {
    /* A directory asked for with write rights: open it for what it can do. */
    h = open_beneath(d->host, path, (flags & ~O_RDWR) | O_RDONLY, 0, 0);
  }
  int err = errno;
  /* O_NOFOLLOW with O_DIRECTORY on a symlink says ELOOP on some paths and ENOTDIR on
   * others; preview 1 wants ENOTDIR when a directory was asked for. */
  if (h < 0 && err == ELOOP && (flags & O_DIRECTORY) && (flags & O_NOFOLLOW)) {
    struct stat st;
    rpath r;
    if (resolve(c, d->host, A32(2), A32(3), &r) == 0 &&
        fstatat(r.parent, r.last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      err = ENOTDIR;
    rpath_done(&r);
  }
  if (h < 0 && err == ENXIO) err = ENOTSUP;
  free(path);
  if (h < 0) return ERR(err);
  struct stat st;
  if (fstat(h, &st) < 0) {
    err = errno;
    close(h);
    return ERR(err);
  }
  uint8_t type = wasi_filetype(st.st_mode);
  uint64_t cap = type == FT_DIR ? RIGHTS_DIR : type == FT_REG ? RIGHTS_FILE : RIGHTS_TTY;
  base &= d->inh & cap;
  inh &= d->inh;
  int fd = wasi_fd_add(w, h, type, base, inh, d->readonly);
  if (fd < 0) {
    close(h);
    return -fd;
  }
  return wasi_put32(c, A32(8), (uint32_t)fd);
}

/* The directory fd for an operation needing `right`; `writes`: it changes the tree. */
static int get_dir_(wasi_call *c, uint32_t fd, int right, bool writes, wasi_fd **d) {
  int e = wasi_fd_get(c->w, fd, WR_R(right), d);
  if (e) return e;
  if ((*d)->type != FT_DIR) return WE_NOTDIR;
  if (writes && (*d)->readonly) return WE_ROFS;
  return 0;
}
#define get_dir(c, fd, right, d) get_dir_(c, fd, right, false, d)
#define get_dir_w(c, fd, right, d) get_dir_(c, fd, right, true, d)

static int path_create_directory(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  int e = get_dir_w(c, A32(0), R_PATH_CREATE_DIRECTORY, &d);
  if (e) return e;
  if (!(e = resolve(c, d->host, A32(1), A32(2), &r)) && mkdirat(r.parent, r.last, 0777) < 0) e = ERR(errno);
  rpath_done(&r);
  return e;
}

static int path_filestat_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  int e = get_dir(c, A32(0), R_PATH_FILESTAT_GET, &d);
  if (e) return e;
  uint8_t *p = gmem(c, A32(4), 64);
  if (!p) return WE_FAULT;
  if (!(e = resolve(c, d->host, A32(2), A32(3), &r))) {
    struct stat st;
    int rc;
    if (A32(1) & LOOKUP_SYMLINK_FOLLOW) {
      /* Following symlinks must stay beneath too: open the target, then stat it. */
      int h = open_beneath(r.parent, r.last, O_PATH, 0, 0);
      rc = h < 0 ? -1 : fstat(h, &st);
      if (h >= 0) close(h);
    } else {
      rc = fstatat(r.parent, r.last, &st, AT_SYMLINK_NOFOLLOW);
    }
    if (rc < 0) e = ERR(errno);
    else wasi_filestat(p, &st);
  }
  rpath_done(&r);
  return e;
}

static int path_filestat_set_times(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  struct timespec ts[2];
  int e = get_dir_w(c, A32(0), R_PATH_FILESTAT_SET_TIMES, &d);
  if (e) return e;
  if ((e = wasi_times(a[4], a[5], A32(6), ts))) return e;
  if (!(e = resolve(c, d->host, A32(2), A32(3), &r))) {
    int rc;
    if (A32(1) & LOOKUP_SYMLINK_FOLLOW) {
      int h = open_beneath(r.parent, r.last, O_PATH, 0, 0);
      /* An O_PATH fd takes new times through AT_EMPTY_PATH (no /proc needed). */
      rc = h < 0 ? -1 : utimensat(h, "", ts, AT_EMPTY_PATH);
      if (h >= 0) close(h);
    } else {
      rc = utimensat(r.parent, r.last, ts, AT_SYMLINK_NOFOLLOW);
    }
    if (rc < 0) e = ERR(errno);
  }
  rpath_done(&r);
  return e;
}

static int path_link(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *od, *nd;
  rpath ro, rn;
  int e = get_dir(c, A32(0), R_PATH_LINK_SOURCE, &od);
  if (e) return e;
  if ((e = get_dir_w(c, A32(4), R_PATH_LINK_TARGET, &nd))) return e;
  if ((e = resolve(c, od->host, A32(2), A32(3), &ro))) {
    rpath_done(&ro);
    return e;
  }
  if (!(e = resolve(c, nd->host, A32(5), A32(6), &rn))) {
    if (A32(1) & LOOKUP_SYMLINK_FOLLOW) {
      int h = open_beneath(ro.parent, ro.last, O_PATH, 0, 0);
      if (h < 0 || linkat(h, "", rn.parent, rn.last, AT_EMPTY_PATH) < 0) e = ERR(errno);
      if (h >= 0) close(h);
    } else if (linkat(ro.parent, ro.last, rn.parent, rn.last, 0) < 0) {
      e = ERR(errno);
    }
  }
  rpath_done(&ro);
  rpath_done(&rn);
  return e;
}

static int path_readlink(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  int e = get_dir(c, A32(0), R_PATH_READLINK, &d);
  if (e) return e;
  uint8_t *buf = gmem(c, A32(3), A32(4));
  if (!buf || !gmem(c, A32(5), 4)) return WE_FAULT;
  if (!(e = resolve(c, d->host, A32(1), A32(2), &r))) {
    char tmp[4096];
    ssize_t n = readlinkat(r.parent, r.last, tmp, sizeof tmp);
    if (n < 0) e = ERR(errno);
    else {
      /* Preview 1 truncates to the buffer (and says how much it wrote). */
      size_t k = (size_t)n < A32(4) ? (size_t)n : A32(4);
      memcpy(buf, tmp, k);
      e = wasi_put32(c, A32(5), (uint32_t)k);
    }
  }
  rpath_done(&r);
  return e;
}

static int path_remove_directory(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  int e = get_dir_w(c, A32(0), R_PATH_REMOVE_DIRECTORY, &d);
  if (e) return e;
  if (!(e = resolve(c, d->host, A32(1), A32(2), &r)) && unlinkat(r.parent, r.last, AT_REMOVEDIR) < 0)
    e = errno == EEXIST ? WE_NOTEMPTY : ERR(errno);
  rpath_done(&r);
  return e;
}

static int path_unlink_file(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  int e = get_dir_w(c, A32(0), R_PATH_UNLINK_FILE, &d);
  if (e) return e;
  if (!(e = resolve(c, d->host, A32(1), A32(2), &r))) {
    if (has_trailing_slash(r.last)) {
      /* "file/" names no directory: Linux says EISDIR for dirs, ENOTDIR for files. */
      struct stat st;
      e = fstatat(r.parent, r.last, &st, AT_SYMLINK_NOFOLLOW) < 0 ? ERR(errno)
          : S_ISDIR(st.st_mode) ? WE_ISDIR : WE_NOTDIR;
    } else if (unlinkat(r.parent, r.last, 0) < 0) {
      e = ERR(errno);
    }
  }
  rpath_done(&r);
  return e;
}

static int path_rename(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *od, *nd;
  rpath ro, rn;
  int e = get_dir_w(c, A32(0), R_PATH_RENAME_SOURCE, &od);
  if (e) return e;
  if ((e = get_dir_w(c, A32(3), R_PATH_RENAME_TARGET, &nd))) return e;
  if ((e = resolve(c, od->host, A32(1), A32(2), &ro))) {
    rpath_done(&ro);
    return e;
  }
  if (!(e = resolve(c, nd->host, A32(4), A32(5), &rn))) {
    struct stat st;
    /* Trailing slashes are allowed only when the source is a directory. */
    if ((has_trailing_slash(ro.last) || has_trailing_slash(rn.last)) &&
        fstatat(ro.parent, ro.last, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
      e = WE_NOTDIR;
    else if (renameat(ro.parent, ro.last, rn.parent, rn.last) < 0)
      e = ERR(errno);
  }
  rpath_done(&ro);
  rpath_done(&rn);
  return e;
}

static int path_symlink(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *d;
  rpath r;
  char *target;
  int e = get_dir_w(c, A32(2), R_PATH_SYMLINK, &d);
  if (e) return e;
  if ((e = wasi_path(c, A32(0), A32(1), &target))) return e;
  if (target[0] == '/') {
    /* An absolute target would name the host's root once followed outside WASI. */
    free(target);
    return WE_NOTCAPABLE;
  }
  if (!(e = resolve(c, d->host, A32(3), A32(4), &r))) {
    /* A link may hold any text, but one with a trailing slash cannot be made. */
    struct stat st;
    if (has_trailing_slash(r.last))
      e = fstatat(r.parent, r.last, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WE_EXIST : WE_NOENT;
    else if (symlinkat(target, r.parent, r.last) < 0)
      e = ERR(errno);
  }
  free(target);
  rpath_done(&r);
  return e;
}

const wasi_func wasi_path_funcs[] = {
    {"path_create_directory", "iii:i", path_create_directory},
    {"path_filestat_get", "iiiii:i", path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi:i", path_filestat_set_times},
    {"path_link", "iiiiiii:i", path_link},
    {"path_open", "iiiiiIIii:i", path_open},
    {"path_readlink", "iiiiii:i", path_readlink},
    {"path_remove_directory", "iii:i", path_remove_directory},
    {"path_rename", "iiiiii:i", path_rename},
    {"path_symlink", "iiiii:i", path_symlink},
    {"path_unlink_file", "iii:i", path_unlink_file},
    {NULL, NULL, NULL},
};
