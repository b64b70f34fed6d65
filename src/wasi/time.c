/* time.c: clocks, random_get, sched_yield and poll_oneoff (clock and fd
 * subscriptions, blocking in poll(2)). */
#include "wasi/internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#define A32(i) ((uint32_t)a[i])

static int host_clock(uint32_t id, clockid_t *out) {
  switch (id) {
  case 0: *out = CLOCK_REALTIME; return 0;
  case 1: *out = CLOCK_MONOTONIC; return 0;
  case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
  case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
  default: return WE_INVAL;
  }
}

static uint64_t ns(const struct timespec *t) {
  return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static int clock_res_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  clockid_t id;
  struct timespec t;
  int e = host_clock(A32(0), &id);
  if (e) return e;
  if (!gmem(c, A32(1), 8)) return WE_FAULT;
  if (clock_getres(id, &t) < 0) return wasi_errno(errno);
  return wasi_put64(c, A32(1), ns(&t));
}

static int clock_time_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  clockid_t id;
  struct timespec t;
  int e = host_clock(A32(0), &id);
  if (e) return e;
  if (!gmem(c, A32(2), 8)) return WE_FAULT;
  if (clock_gettime(id, &t) < 0) return wasi_errno(errno);
  return wasi_put64(c, A32(2), ns(&t));
}

static int random_get(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  uint8_t *p = gmem(c, A32(0), A32(1));
  if (!p) return WE_FAULT;
  size_t got = 0, n = A32(1);
  while (got < n) {
    ssize_t r = getrandom(p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return wasi_errno(errno);
    }
    got += (size_t)r;
  }
  return 0;
}

static int sched_yield_(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)c, (void)ex, (void)a;
  sched_yield();
  return 0;
}

/* poll_oneoff: subscriptions are 48 bytes, events 32. Clock subscriptions set the
 * poll(2) timeout (the nearest one wins); fd subscriptions become pollfds. Files
 * and directories are always ready, as poll(2) says of regular files. */
static int poll_oneoff(wasi_call *c, wr_exec *ex, uint64_t *a) {
  (void)ex;
  uint32_t n = A32(2);
  if (n == 0) return WE_INVAL;
  const uint8_t *in = gmem(c, A32(0), (uint64_t)n * 48);
  uint8_t *out = gmem(c, A32(1), (uint64_t)n * 32);
  if (!in || !out || !gmem(c, A32(3), 4)) return WE_FAULT;
  struct pollfd *pfd = calloc(n, sizeof *pfd);
  int *pidx = calloc(n, sizeof *pidx);
  uint64_t *deadline = calloc(n, sizeof *deadline);
  if (!pfd || !pidx || !deadline) {
    free(pfd), free(pidx), free(deadline);
    return WE_NOMEM;
  }
  /* Copy the subscriptions first: in and out may overlap. */
  uint8_t *subs = malloc((size_t)n * 48);
  if (!subs) {
    free(pfd), free(pidx), free(deadline);
    return WE_NOMEM;
  }
  memcpy(subs, in, (size_t)n * 48);
  uint32_t nev = 0, npfd = 0;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t mono_now = ns(&now);
  int64_t timeout_ms = -1;
  uint64_t nearest = UINT64_MAX;
  int e = 0;
#define EVENT(ud, err, type, nbytes, flags)                                                  \
  do {                                                                                     \
    uint8_t *ev = out + 32 * nev++;                                                        \
    memset(ev, 0, 32);                                                                     \
    st64(ev, ud);                                                                          \
    st16(ev + 8, err);                                                                     \
    ev[10] = type;                                                                         \
    st64(ev + 16, nbytes);                                                                 \
    st16(ev + 24, flags);                                                                  \
  } while (0)
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = subs + 48 * i;
    uint64_t ud = ld64(s);
    uint8_t tag = s[8];
    pidx[i] = -1;
    if (tag == 0) {
      clockid_t id;
      uint32_t cid = ld32(s + 16);
      uint64_t t = ld64(s + 24);
      uint16_t fl = ld16(s + 40);
      if (host_clock(cid, &id) || cid >= 2) {
        EVENT(ud, WE_INVAL, 0, 0, 0);
        deadline[i] = UINT64_MAX;
        continue;
      }
      uint64_t rel = t;
      if (fl & 1) { /* absolute on its own clock */
        struct timespec cn;
        clock_gettime(id, &cn);
        rel = t > ns(&cn) ? t - ns(&cn) : 0;
      }
      deadline[i] = mono_now + rel < mono_now ? UINT64_MAX - 1 : mono_now + rel;
      if (deadline[i] < nearest) nearest = deadline[i];
    } else if (tag == 1 || tag == 2) {
      wasi_fd *f;
      deadline[i] = UINT64_MAX;
      int fe = wasi_fd_get(c->w, ld32(s + 16), WR_R(R_POLL_FD_READWRITE), &f);
      if (fe) {
        EVENT(ud, fe, tag, 0, 0);
        continue;
      }
      if (f->type == FT_REG || f->type == FT_DIR) {
        uint64_t avail = 0;
        if (tag == 1 && f->type == FT_REG) {
          struct stat st;
          off_t pos = lseek(f->host, 0, SEEK_CUR);
          if (fstat(f->host, &st) == 0 && pos >= 0 && st.st_size > pos) avail = (uint64_t)(st.st_size - pos);
        }
        EVENT(ud, 0, tag, avail, 0);
        continue;
      }
      pfd[npfd].fd = f->host;
      pfd[npfd].events = tag == 1 ? POLLIN : POLLOUT;
      pidx[i] = (int)npfd++;
    } else {
      EVENT(ud, WE_INVAL, tag, 0, 0);
      deadline[i] = UINT64_MAX;
    }
  }
  {
    /* Events already known (errors, files): still report every fd ready now. */
    if (nev > 0) timeout_ms = 0;
    else if (nearest != UINT64_MAX) {
      uint64_t d = nearest > mono_now ? nearest - mono_now : 0;
      timeout_ms = (int64_t)((d + 999999) / 1000000);
      if (timeout_ms > 0x7fffffff) timeout_ms = 0x7fffffff;
    }
    for (;;) {
      int r = poll(pfd, npfd, (int)timeout_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        e = wasi_errno(errno);
        goto done;
      }
      clock_gettime(CLOCK_MONOTONIC, &now);
      mono_now = ns(&now);
      if (r == 0 && nev == 0 && nearest != UINT64_MAX && mono_now < nearest) {
        /* poll rounds to milliseconds; wait out the rest. */
        uint64_t d = nearest - mono_now;
        timeout_ms = (int64_t)((d + 999999) / 1000000);
        continue;
      }
      break;
    }
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t *s = subs + 48 * i;
      if (s[8] == 0 && deadline[i] <= mono_now) {
        EVENT(ld64(s), 0, 0, 0, 0);
      } else if (pidx[i] >= 0 && pfd[pidx[i]].revents) {
        short rv = pfd[pidx[i]].revents;
        uint64_t nb = 0;
        int avail;
        if (s[8] == 1 && ioctl(pfd[pidx[i]].fd, FIONREAD, &avail) == 0 && avail > 0) nb = (uint64_t)avail;
        uint16_t fl = (rv & POLLHUP) ? 1 : 0; /* FD_READWRITE_HANGUP */
        uint16_t er = (rv & POLLNVAL) ? WE_BADF : (rv & POLLERR) && !(rv & (POLLIN | POLLOUT)) ? WE_IO : 0;
        EVENT(ld64(s), er, s[8], nb, fl);
      }
    }
  }
#undef EVENT
  e = wasi_put32(c, A32(3), nev);
done:
  free(pfd), free(pidx), free(deadline), free(subs);
  return e;
}

const wasi_func wasi_time_funcs[] = {
    {"clock_res_get", "ii:i", clock_res_get},
    {"clock_time_get", "iIi:i", clock_time_get},
    {"random_get", "ii:i", random_get},
    {"sched_yield", ":i", sched_yield_},
    {"poll_oneoff", "iiii:i", poll_oneoff},
    {NULL, NULL, NULL},
};
