/* mounts.c: the child's filesystem view: every mount made private, an empty
 * read-only tmpfs as the root, the old root detached. No host path stays visible
 * and /proc is not mounted; the run reaches files only through fds opened before. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* Where the new root is mounted before it becomes "/": any directory will do, as the
 * mount happens in our own mount namespace and never shows on the host. */
static const char *const mount_points[] = {"/tmp", "/mnt", "/dev"};

int wr_mounts_empty_root(wr_error *err) {
  /* Nothing we do below may propagate back to the host's mount namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return wr_err(err, WR_ERR_IO, "mounts: making / private: %s", strerror(errno));
  const char *at = NULL;
  int e = 0;
  for (size_t i = 0; i < sizeof mount_points / sizeof *mount_points && !at; i++) {
    if (mount("wasm-run", mount_points[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") == 0)
      at = mount_points[i];
    else if (!e)
      e = errno;
  }
  if (!at) return wr_err(err, WR_ERR_IO, "mounts: mounting the tmpfs root: %s", strerror(e));
  if (chdir(at) < 0) return wr_err(err, WR_ERR_IO, "mounts: chdir %s: %s", at, strerror(errno));
#ifdef WR_SANDBOX_PROC
  /* While the host's /proc is still visible: the kernel mounts a new proc only
   * where it would reveal nothing more than one already mounted. */
  if (mkdir("proc", 0555) < 0 || mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
    return wr_err(err, WR_ERR_IO, "mounts: /proc for the sanitizer runtime: %s", strerror(errno));
#endif
  /* pivot_root(".", "."): the old root ends stacked under the new one, then goes. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return wr_err(err, WR_ERR_IO, "mounts: pivot_root: %s", strerror(errno));
  if (umount2(".", MNT_DETACH) < 0)
    return wr_err(err, WR_ERR_IO, "mounts: detaching the old root: %s", strerror(errno));
  if (chdir("/") < 0) return wr_err(err, WR_ERR_IO, "mounts: chdir /: %s", strerror(errno));
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return wr_err(err, WR_ERR_IO, "mounts: making the root read-only: %s", strerror(errno));
  return 0;
}
