/* echo_server.c: accepts one connection on the --listen socket (fd 3), echoes what
 * it receives until the peer shuts down, then exits. */
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

int main(void) {
  int c = accept(3, NULL, NULL);
  CHECK(c >= 0);
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c, buf, sizeof buf, 0);
    CHECK(n >= 0);
    if (n == 0) break;
    CHECK(send(c, buf, (size_t)n, 0) == n);
  }
  CHECK(shutdown(c, SHUT_RDWR) == 0);
  close(c);
  return 0;
}
