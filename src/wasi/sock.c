/* sock.c: sock_accept on preopened listening sockets, and sock_recv, sock_send and
 * sock_shutdown on the connections it returns. */
#include "wasi/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define A32(i) ((uint32_t)a[i])

static int get_sock(wasi_call *c, uint32_t fd, uint64_t need, wasi_fd **f) {
  int e = wasi_fd_get(c->w, fd, 0, f);
  if (e) return e;
  if ((*f)->type != FT_STREAM && (*f)->type != FT_DGRAM) return WE_NOTSOCK;
  return ((*f)->base & need) == need ? 0 : WE_NOTCAPABLE;
}

static int sock_accept(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = get_sock(c, A32(0), WR_R(R_SOCK_ACCEPT), &f);
  if (e) return e;
  if (A32(1) & ~(uint32_t)FDF_NONBLOCK) return WE_INVAL;
  if (!gmem(c, A32(2), 4)) return WE_FAULT;
  int h;
  do h = accept4(f->host, NULL, NULL, SOCK_CLOEXEC | (A32(1) & FDF_NONBLOCK ? SOCK_NONBLOCK : 0));
  while (h < 0 && errno == EINTR);
  if (h < 0) return wasi_errno(errno);
  int fd = wasi_fd_add(c->w, h, FT_STREAM, f->inh & ~WR_R(R_SOCK_ACCEPT), 0, false);
  if (fd < 0) {
    close(h);
    return -fd;
  }
  return wasi_put32(c, A32(2), (uint32_t)fd);
}

static int sock_recv(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  struct iovec *v;
  int e = get_sock(c, A32(0), WR_R(R_FD_READ), &f);
  if (e) return e;
  uint32_t ri = A32(3);
  if (ri & ~3u) return WE_INVAL;
  if (!gmem(c, A32(4), 4) || !gmem(c, A32(5), 2)) return WE_FAULT;
  if ((e = wasi_iovs(c, A32(1), A32(2), &v))) return e;
  struct msghdr m = {.msg_iov = v, .msg_iovlen = A32(2)};
  ssize_t r;
  do r = recvmsg(f->host, &m, (ri & 1 ? MSG_PEEK : 0) | (ri & 2 ? MSG_WAITALL : 0));
  while (r < 0 && errno == EINTR);
  int err = errno;
  free(v);
  if (r < 0) return wasi_errno(err);
  wasi_put32(c, A32(4), (uint32_t)r);
  st16(gmem(c, A32(5), 2), m.msg_flags & MSG_TRUNC ? 1 : 0);
  return 0;
}

static int sock_send(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  struct iovec *v;
  int e = get_sock(c, A32(0), WR_R(R_FD_WRITE), &f);
  if (e) return e;
  if (A32(3)) return WE_INVAL; /* no siflags are defined */
  if (!gmem(c, A32(4), 4)) return WE_FAULT;
  if ((e = wasi_iovs(c, A32(1), A32(2), &v))) return e;
  struct msghdr m = {.msg_iov = v, .msg_iovlen = A32(2)};
  ssize_t r;
  /* MSG_NOSIGNAL: a closed peer is EPIPE for the guest, not SIGPIPE for us. */
  do r = sendmsg(f->host, &m, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  int err = errno;
  free(v);
  if (r < 0) return wasi_errno(err);
  return wasi_put32(c, A32(4), (uint32_t)r);
}

static int sock_shutdown(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  wasi_fd *f;
  int e = get_sock(c, A32(0), WR_R(R_SOCK_SHUTDOWN), &f);
  if (e) return e;
  uint32_t how = A32(1);
  if (how == 0 || how > 3) return WE_INVAL;
  int h = how == 1 ? SHUT_RD : how == 2 ? SHUT_WR : SHUT_RDWR;
  if (shutdown(f->host, h) < 0) return wasi_errno(errno);
  return 0;
}

const wasi_func wasi_sock_funcs[] = {
    {"sock_accept", "iii:i", sock_accept},
    {"sock_recv", "iiiiii:i", sock_recv},
    {"sock_send", "iiiii:i", sock_send},
    {"sock_shutdown", "ii:i", sock_shutdown},
    {NULL, NULL, NULL},
};
