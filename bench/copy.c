/* copy.c: copies argv[1] to argv[2] through read/write in 64 KiB chunks; built
 * natively and for wasm32-wasi by copy-throughput.sh to compare WASI I/O. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static char buf[64 * 1024];
  if (argc != 3) return 2;
  int in = open(argv[1], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0) { perror("open"); return 1; }
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, (size_t)(n - done));
      if (w < 0) { perror("write"); return 1; }
      done += w;
    }
  if (n < 0) { perror("read"); return 1; }
  return close(out) == 0 ? 0 : 1;
}
