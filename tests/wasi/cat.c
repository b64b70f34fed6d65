/* cat.c: copies stdin to stdout in 64 KiB chunks (piping, and EPIPE on a closed
 * stdout: exits 3 when a write fails with EPIPE). */
#include <unistd.h>

#include "check.h"

int main(void) {
  static char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    CHECK(n >= 0);
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(1, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EPIPE) return 3;
      CHECK(w > 0);
      off += w;
    }
  }
}
