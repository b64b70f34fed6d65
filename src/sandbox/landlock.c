/* landlock.c: a Landlock ruleset of the best ABI the kernel has: every filesystem
 * access right is handled and granted only beneath the preopened directories (read
 * only for :ro), TCP bind and connect are handled and never granted (ABI >= 4), and
 * abstract unix sockets and signals are scoped to the sandbox (ABI >= 6). A kernel
 * without Landlock is said under -v; the namespaces and seccomp still hold. */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* The uapi header of the build host may predate the later ABIs. */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr { /* struct landlock_ruleset_attr as of ABI 6 */
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct ll_path_beneath {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

int wr_landlock_apply(const wr_sandbox_config *cfg, wr_error *err) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    if (errno == ENOSYS || errno == EOPNOTSUPP) {
      if (cfg->verbose)
        fprintf(stderr, "wasm-run: sandbox: Landlock: not available in this kernel (%s); going on without it\n",
                strerror(errno));
      return 0;
    }
    return wr_err(err, WR_ERR_IO, "Landlock: querying the ABI: %s", strerror(errno));
  }
  struct ll_ruleset_attr attr = {.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1};
  size_t size = sizeof attr.handled_access_fs;
  if (abi >= 2) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) attr.handled_access_fs |= LL_FS_TRUNCATE;
  if (abi >= 4) attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP, size = 2 * sizeof(uint64_t);
  if (abi >= 5) attr.handled_access_fs |= LL_FS_IOCTL_DEV;
  if (abi >= 6) attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL, size = sizeof attr;
  if (cfg->verbose >= 2)
    fprintf(stderr, "wasm-run: sandbox: Landlock ABI %ld%s\n", abi, abi < 4 ? " (no TCP rules before ABI 4)" : "");
  int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (rs < 0) return wr_err(err, WR_ERR_IO, "Landlock: creating the ruleset: %s", strerror(errno));
  const uint64_t read_only = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  for (int i = 0; i < cfg->nkeep; i++) {
    if (!cfg->keep[i].dir) continue;
    /* Executing is never granted: the run never executes a file. */
    uint64_t allow = cfg->keep[i].readonly ? read_only : attr.handled_access_fs & ~LANDLOCK_ACCESS_FS_EXECUTE;
    struct ll_path_beneath pb = {.allowed_access = allow & attr.handled_access_fs, .parent_fd = cfg->keep[i].fd};
    if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
      int e = errno;
      close(rs);
      return wr_err(err, WR_ERR_IO, "Landlock: adding the rule for preopen fd %d: %s", cfg->keep[i].fd, strerror(e));
    }
  }
#ifdef WR_SANDBOX_PROC
  struct ll_path_beneath proc = {.allowed_access = read_only, .parent_fd = open("/proc", O_PATH | O_CLOEXEC)};
  if (proc.parent_fd < 0 || syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &proc, 0) < 0) {
    int e = errno;
    close(rs);
    return wr_err(err, WR_ERR_IO, "Landlock: adding the rule for /proc: %s", strerror(e));
  }
  close(proc.parent_fd);
#endif
  /* landlock_restrict_self needs no_new_privs or CAP_SYS_ADMIN in our namespace; we
   * still hold the latter here (capabilities go next). */
  if (syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
    int e = errno;
    close(rs);
    return wr_err(err, WR_ERR_IO, "Landlock: restricting ourselves: %s", strerror(e));
  }
  close(rs);
  return 0;
}
