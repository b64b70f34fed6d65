/* escape.c: every way out of the preopen /sandbox is refused: `..`, absolute paths
 * outside it, symlinks (and chains of them) pointing out, hard links to outside.
 * The runner puts a file "secret" next to the preopened directory. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
  struct stat st;
  CHECK(chdir("/sandbox") == 0);
  /* wasi-libc resolves "/sandbox/../secret" itself to a path beneath no preopen. */
  CHECK(open("/sandbox/../secret", O_RDONLY) < 0);
  CHECK(open("/secret", O_RDONLY) < 0);
  CHECK(stat("../secret", &st) < 0);
  /* Straight to the host: `..` beneath preopen fd 3 is refused by the kernel. */
  __wasi_fd_t fd;
  CHECK(__wasi_path_open(3, 0, "../secret", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_open(3, 0, "a/../../secret", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) != 0);
  __wasi_filestat_t fs;
  CHECK(__wasi_path_filestat_get(3, 0, "../secret", &fs) == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_create_directory(3, "../made") == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_unlink_file(3, "../secret") == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_rename(3, "../secret", 3, "stolen") == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_link(3, 0, "../secret", 3, "stolen") == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_open(3, 0, "/secret", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) == __WASI_ERRNO_NOTCAPABLE);

  /* Symlinks pointing out, directly and through a chain. */
  CHECK(symlink("../secret", "out") == 0);
  CHECK(symlink("out", "chain1") == 0);
  CHECK(symlink("chain1", "chain2") == 0);
  CHECK(symlink("..", "up") == 0);
  CHECK(open("out", O_RDONLY) < 0);
  CHECK(open("chain2", O_RDONLY) < 0);
  CHECK(open("up/secret", O_RDONLY) < 0);
  CHECK(stat("chain2", &st) < 0);
  CHECK(__wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "chain2", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) ==
        __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "up/secret", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) ==
        __WASI_ERRNO_NOTCAPABLE);
  /* Writing through them must fail too. */
  CHECK(open("chain2", O_WRONLY | O_TRUNC) < 0);
  CHECK(open("up/new", O_WRONLY | O_CREAT, 0644) < 0);
  /* A hard link through a symlink that leads out. */
  CHECK(__wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out", 3, "hl") != 0);
  /* Absolute symlink targets are refused outright. */
  CHECK(symlink("/etc/passwd", "abs") < 0);
  CHECK(unlink("out") == 0 && unlink("chain1") == 0 && unlink("chain2") == 0 && unlink("up") == 0);
  puts("escape ok");
  return 0;
}
