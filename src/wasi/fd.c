/* fd.c: the fd_* host functions: reading, writing, seeking, stat, flags, rights,
 * preopen names, readdir, renumber and close. */
#include "wasi/internal.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define A32(i) ((uint32_t)a[i])
#define ERR(e) wasi_errno(e)

int wasi_iovs(const wasi_call *c, uint32_t ptr, uint32_t n, struct iovec **out) {
  const uint8_t *p = gmem(c, ptr, (uint64_t)n * 8);
  if (!p) return WE_FAULT;
  if (n > IOV_MAX) return WE_INVAL;
  struct iovec *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) return WE_NOMEM;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t b = ld32(p + 8 * i), l = ld32(p + 8 * i + 4);
    uint8_t *m = gmem(c, b, l);
    if (!m) {
      free(v);
      return WE_FAULT;
    }
    v[i].iov_base = m;
    v[i].iov_len = l;
  }
  *out = v;
  return 0;
}

static int do_rw(wasi_call *c, uint64_t *a, bool write, bool positioned) {
  wasi_fd *f;
  uint64_t need = write ? WR_R(R_FD_WRITE) : WR_R(R_FD_READ);
  if (positioned) need |= WR_R(R_FD_SEEK);
  int e = wasi_fd_get(c->w, A32(0), need, &f);
  if (e) return e;
  if (f->type == FT_DIR) return WE_ISDIR;
  if (write && f->readonly) return WE_ROFS;
  struct iovec *v;
  if ((e = wasi_iovs(c, A32(1), A32(2), &v))) return e;
  uint32_t outp = positioned ? A32(4) : A32(3);
  if (!gmem(c, outp, 4)) {
    free(v);
    return WE_FAULT;
  }
  ssize_t n;
  if (positioned) {
    if ((int64_t)a[3] < 0) {
      free(v);
      return WE_INVAL;
    }
    n = write ? pwritev(f->host, v, (int)A32(2), (off_t)a[3]) : preadv(f->host, v, (int)A32(2), (off_t)a[3]);
  } else {
    n = write ? writev(f->host, v, (int)A32(2)) : readv(f->host, v, (int)A32(2));
  }
  int err = errno;
  free(v);
  if (n < 0) return ERR(err);
  return wasi_put32(c, outp, (uint32_t)n);
}

static int fd_read(wasi_call *c, wr_exec *ex, uint64_t *a) { (void)ex; return do_rw(c, a, false, false); }
static int fd_write(wasi_call *c, wr_exec *ex, uint64_t *a) { (void)ex; return do_rw(c, a, true, false); }
static int fd_pread(wasi_call *c, wr_exec *ex, uint64_t *a) { (void)ex; return do_rw(c, a, false, true); }
static int fd_pwrite(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  /* pwrite on an O_APPEND fd appends on Linux, ignoring the offset; preview 1
   * (and the testsuite) want the offset honoured, so drop O_APPEND around it. */
  wasi_fd *f;
  if (wasi_fd_get(c->w, A32(0), WR_R(R_FD_WRITE) | WR_R(R_FD_SEEK), &f) == 0) {
    int fl = fcntl(f->host, F_GETFL);
    if (fl >= 0 && (fl & O_APPEND)) {
      fcntl(f->host, F_SETFL, fl & ~O_APPEND);
      int r = do_rw(c, a, true, true);
      fcntl(f->host, F_SETFL, fl);
      return r;
    }
  }
  return do_rw(c, a, true, true);
}

static int fd_seek(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  uint32_t whence = A32(2);
  int64_t off = (int64_t)a[1];
  /* A seek to where we are only tells. */
  uint64_t need = (off == 0 && whence == 1) ? WR_R(R_FD_TELL) : WR_R(R_FD_SEEK) | WR_R(R_FD_TELL);
  int e = wasi_fd_get(c->w, A32(0), need, &f);
  if (e) return e;
  if (f->type == FT_DIR) return WE_BADF;
  int hw = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
  if (hw < 0) return WE_INVAL;
  if (!gmem(c, A32(3), 8)) return WE_FAULT;
  off_t r = lseek(f->host, off, hw);
  if (r < 0) return ERR(errno);
  return wasi_put64(c, A32(3), (uint64_t)r);
}

static int fd_tell(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_TELL), &f);
  if (e) return e;
  if (!gmem(c, A32(1), 8)) return WE_FAULT;
  off_t r = lseek(f->host, 0, SEEK_CUR);
  if (r < 0) return ERR(errno);
  return wasi_put64(c, A32(1), (uint64_t)r);
}

static int fd_close(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), 0, &f);
  if (e) return e;
  int h = f->host;
  wasi_fd_release(f);
  if (h > 2) close(h); /* our own stdio stays open for messages */
  return 0;
}

static int fd_sync_common(wasi_call *c, uint64_t *a, int right, bool data) {
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(right), &f);
  if (e) return e;
  if ((data ? fdatasync(f->host) : fsync(f->host)) < 0) return ERR(errno);
  return 0;
}
static int fd_sync(wasi_call *c, wr_exec *ex, uint64_t *a) { (void)ex; return fd_sync_common(c, a, R_FD_SYNC, false); }
static int fd_datasync(wasi_call *c, wr_exec *ex, uint64_t *a) { (void)ex; return fd_sync_common(c, a, R_FD_DATASYNC, true); }

static int fd_advise(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_ADVISE), &f);
  if (e) return e;
  static const int adv[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                            POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  if (A32(3) > 5) return WE_INVAL;
  if (f->type == FT_DIR) return WE_BADF;
  int r = posix_fadvise(f->host, (off_t)a[1], (off_t)a[2], adv[A32(3)]);
  return r ? ERR(r) : 0;
}

static int fd_allocate(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_ALLOCATE), &f);
  if (e) return e;
  if (f->readonly) return WE_ROFS;
  if (f->type == FT_DIR) return WE_BADF;
  if ((int64_t)a[1] < 0 || (int64_t)a[2] <= 0) return WE_INVAL;
  int r = posix_fallocate(f->host, (off_t)a[1], (off_t)a[2]);
  return r ? ERR(r) : 0;
}

static uint16_t host_fdflags(int fl) {
  uint16_t r = 0;
  if (fl & O_APPEND) r |= FDF_APPEND;
  if (fl & O_NONBLOCK) r |= FDF_NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC) r |= FDF_SYNC | FDF_RSYNC;
  else if (fl & O_DSYNC) r |= FDF_DSYNC;
  return r;
}

static int fd_fdstat_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), 0, &f);
  if (e) return e;
  uint8_t *p = gmem(c, A32(1), 24);
  if (!p) return WE_FAULT;
  int fl = fcntl(f->host, F_GETFL);
  memset(p, 0, 24);
  p[0] = f->type;
  st16(p + 2, fl < 0 ? 0 : host_fdflags(fl));
  st64(p + 8, f->base);
  st64(p + 16, f->inh);
  return 0;
}

static int fd_fdstat_set_flags(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_FDSTAT_SET_FLAGS), &f);
  if (e) return e;
  uint32_t fl = A32(1);
  if (fl & ~31u) return WE_INVAL;
  /* Linux cannot change the sync flags of an open file. */
  if (fl & (FDF_DSYNC | FDF_RSYNC | FDF_SYNC)) return WE_NOTSUP;
  int cur = fcntl(f->host, F_GETFL);
  if (cur < 0) return ERR(errno);
  cur &= ~(O_APPEND | O_NONBLOCK);
  if (fl & FDF_APPEND) cur |= O_APPEND;
  if (fl & FDF_NONBLOCK) cur |= O_NONBLOCK;
  if (fcntl(f->host, F_SETFL, cur) < 0) return ERR(errno);
  return 0;
}

static int fd_fdstat_set_rights(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), 0, &f);
  if (e) return e;
  /* Rights only shrink. */
  if ((a[1] & ~f->base) || (a[2] & ~f->inh)) return WE_NOTCAPABLE;
  f->base = a[1];
  f->inh = a[2];
  return 0;
}

static int fd_filestat_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_FILESTAT_GET), &f);
  if (e) return e;
  uint8_t *p = gmem(c, A32(1), 64);
  if (!p) return WE_FAULT;
  struct stat st;
  if (fstat(f->host, &st) < 0) return ERR(errno);
  wasi_filestat(p, &st);
  if (f->type == FT_CHAR || f->host <= 2) p[16] = f->type; /* as fdstat says */
  return 0;
}

static int fd_filestat_set_size(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_FILESTAT_SET_SIZE), &f);
  if (e) return e;
  if (f->readonly) return WE_ROFS;
  if ((int64_t)a[1] < 0) return WE_INVAL;
  if (ftruncate(f->host, (off_t)a[1]) < 0) return ERR(errno);
  return 0;
}

static int fd_filestat_set_times(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_FILESTAT_SET_TIMES), &f);
  if (e) return e;
  if (f->readonly) return WE_ROFS;
  struct timespec ts[2];
  if ((e = wasi_times(a[1], a[2], A32(3), ts))) return e;
  if (futimens(f->host, ts) < 0) return ERR(errno);
  return 0;
}

static int fd_prestat_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), 0, &f);
  if (e) return e;
  if (!f->preopen) return WE_BADF;
  uint8_t *p = gmem(c, A32(1), 8);
  if (!p) return WE_FAULT;
  memset(p, 0, 8);
  st32(p + 4, (uint32_t)strlen(f->preopen));
  return 0;
}

static int fd_prestat_dir_name(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), 0, &f);
  if (e) return e;
  if (!f->preopen) return WE_BADF;
  size_t n = strlen(f->preopen);
  if (A32(2) < n) return WE_NAMETOOLONG;
  uint8_t *p = gmem(c, A32(1), n);
  if (!p) return WE_FAULT;
  memcpy(p, f->preopen, n);
  return 0;
}

static int fd_renumber(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *from, *to;
  int e = wasi_fd_get(c->w, A32(0), 0, &from);
  if (e) return e;
  if ((e = wasi_fd_get(c->w, A32(1), 0, &to))) return e;
  if (from == to) return 0;
  int h = to->host;
  wasi_fd_release(to);
  if (h > 2) close(h);
  *to = *from;
  memset(from, 0, sizeof *from);
  from->host = -1;
  return 0;
}

/* fd_readdir: cookies are entry indexes in the directory stream; the stream is kept
 * between calls so that reading on from the last cookie costs nothing. */
static int fd_readdir(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = wasi_fd_get(c->w, A32(0), WR_R(R_FD_READDIR), &f);
  if (e) return e;
  if (f->type != FT_DIR) return WE_NOTDIR;
  uint32_t bufp = A32(1), buflen = A32(2);
  uint64_t cookie = a[3];
  uint8_t *buf = gmem(c, bufp, buflen);
  if (!buf || !gmem(c, A32(4), 4)) return WE_FAULT;
  if (!f->dir) {
    int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return ERR(errno);
    if (!(f->dir = fdopendir(d))) {
      int err = errno;
      close(d);
      return ERR(err);
    }
    f->dir_pos = 0;
  }
  if (cookie != f->dir_pos) {
    rewinddir(f->dir);
    f->dir_pos = 0;
    while (f->dir_pos < cookie && readdir(f->dir)) f->dir_pos++;
  }
  uint32_t used = 0;
  while (used < buflen) {
    /* Keep our place: an entry that does not fit is read again next time. */
    long here = telldir(f->dir);
    errno = 0;
    struct dirent *d = readdir(f->dir);
    if (!d) {
      if (errno) return ERR(errno);
      break;
    }
    uint8_t hdr[24];
    size_t nlen = strlen(d->d_name);
    memset(hdr, 0, sizeof hdr);
    st64(hdr, f->dir_pos + 1);
    st64(hdr + 8, d->d_ino);
    st32(hdr + 16, (uint32_t)nlen);
    uint8_t t = FT_UNKNOWN;
    switch (d->d_type) {
    case DT_BLK: t = FT_BLOCK; break;
    case DT_CHR: t = FT_CHAR; break;
    case DT_DIR: t = FT_DIR; break;
    case DT_REG: t = FT_REG; break;
    case DT_SOCK: t = FT_STREAM; break;
    case DT_LNK: t = FT_SYMLINK; break;
    default: {
      struct stat st;
      if (fstatat(f->host, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) t = wasi_filetype(st.st_mode);
    }
    }
    hdr[20] = t;
    uint64_t whole = 24 + nlen;
    uint32_t room = buflen - used;
    if (whole > room) {
      /* The guest sees a full buffer and asks again with a bigger one. */
      memcpy(buf + used, hdr, room < 24 ? room : 24);
      if (room > 24) memcpy(buf + used + 24, d->d_name, room - 24);
      used = buflen;
      seekdir(f->dir, here);
      break;
    }
    memcpy(buf + used, hdr, 24);
    memcpy(buf + used + 24, d->d_name, nlen);
    used += (uint32_t)whole;
    f->dir_pos++;
  }
  return wasi_put32(c, A32(4), used);
}

const wasi_func wasi_fd_funcs[] = {
    {"fd_advise", "iIIi:i", fd_advise},
    {"fd_allocate", "iII:i", fd_allocate},
    {"fd_close", "i:i", fd_close},
    {"fd_datasync", "i:i", fd_datasync},
    {"fd_fdstat_get", "ii:i", fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII:i", fd_fdstat_set_rights},
    {"fd_filestat_get", "ii:i", fd_filestat_get},
    {"fd_filestat_set_size", "iI:i", fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi:i", fd_filestat_set_times},
    {"fd_pread", "iiiIi:i", fd_pread},
    {"fd_prestat_get", "ii:i", fd_prestat_get},
    {"fd_prestat_dir_name", "iii:i", fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi:i", fd_pwrite},
    {"fd_read", "iiii:i", fd_read},
    {"fd_readdir", "iiiIi:i", fd_readdir},
    {"fd_renumber", "ii:i", fd_renumber},
    {"fd_seek", "iIii:i", fd_seek},
    {"fd_sync", "i:i", fd_sync},
    {"fd_tell", "ii:i", fd_tell},
    {"fd_write", "iiii:i", fd_write},
    {NULL, NULL, NULL},
};
