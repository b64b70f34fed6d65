/* misc.c: args, environment, clocks, random, poll (sleeping and on stdin), the
 * EFAULT guard on guest pointers, and the exit status. Run as
 *   misc.wasm one "two words"   with --env=FOO=bar, stdin an empty pipe. */
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(int argc, char **argv) {
  CHECK(argc == 3);
  CHECK(strstr(argv[0], "misc.wasm") != NULL);
  CHECK(!strcmp(argv[1], "one") && !strcmp(argv[2], "two words"));
  CHECK(getenv("FOO") && !strcmp(getenv("FOO"), "bar"));
  CHECK(getenv("HOME") == NULL); /* nothing is inherited */

  struct timespec a, b, res;
  CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
  struct timespec nap = {0, 50 * 1000 * 1000};
  CHECK(nanosleep(&nap, NULL) == 0); /* poll_oneoff with a clock subscription */
  CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  CHECK(ns >= 50 * 1000 * 1000);
  CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000);

  unsigned char r1[64] = {0}, r2[64] = {0};
  CHECK(getentropy(r1, sizeof r1) == 0 && getentropy(r2, sizeof r2) == 0);
  CHECK(memcmp(r1, r2, sizeof r1) != 0);

  /* stdin is an empty pipe whose writer is gone: readable (EOF) at once. */
  struct pollfd p = {.fd = 0, .events = POLLIN};
  CHECK(poll(&p, 1, 5000) == 1 && (p.revents & (POLLIN | POLLHUP)));
  char c;
  CHECK(read(0, &c, 1) == 0);

  /* Pointers outside memory: EFAULT, not a crash of the runtime. */
  __wasi_size_t n;
  __wasi_ciovec_t bad = {(const uint8_t *)0xfffffff0u, 64};
  CHECK(__wasi_fd_write(1, &bad, 1, &n) == __WASI_ERRNO_FAULT);
  CHECK(__wasi_fd_write(1, (const __wasi_ciovec_t *)0xfffffffcu, 1, &n) == __WASI_ERRNO_FAULT);
  CHECK(__wasi_random_get((uint8_t *)0xffffff00u, 0x1000) == __WASI_ERRNO_FAULT);
  CHECK(__wasi_fd_write(42, &bad, 1, &n) == __WASI_ERRNO_BADF);
  puts("misc ok");
  return 7;
}
