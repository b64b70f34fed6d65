/* sandbox.h: the sandbox of DESIGN.md §7, entered by a child made for it, and what
 * each mechanism file (namespaces.c, mounts.c, limits.c, landlock.c, caps.c,
 * seccomp.c) offers to the one setup story in sandbox.c. */
#ifndef WR_SANDBOX_H
#define WR_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "wasm/error.h"

/* A build with AddressSanitizer: its runtime reads /proc/self/maps (through
 * pthread_getattr_np) when a signal handler long-jumps off the alternate stack, as
 * the trap handler does. Such builds, for testing only, get a read-only /proc of the
 * sandbox's own pid namespace and read-only opens; release builds never. */
#if defined(__SANITIZE_ADDRESS__)
#define WR_SANDBOX_PROC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WR_SANDBOX_PROC 1
#endif
#endif

/* Exit status of a sandboxed child that a seccomp rule stopped (128 + SIGSYS). */
#define WR_SANDBOX_BLOCKED_STATUS 159

typedef struct wr_sandbox_fd {
  int fd;
  bool dir;      /* a preopened directory: Landlock grants access beneath it */
  bool readonly; /* ... only reading */
} wr_sandbox_fd;

typedef struct wr_sandbox_config {
  bool enabled;        /* false: --sandbox=none, a plain child */
  bool net_host;       /* --net=host: no network namespace */
  bool jit;            /* a mode that makes executable memory runs: no MDWE, PROT_EXEC allowed */
  bool compile;        /* LLVM compiles in the process (aot): its threads and probes, but no
                          executable memory and MDWE on */
  bool map_exec;       /* aot: exec_fd (an AOT image) may be mapped PROT_EXEC, never writable */
  int exec_fd;
  int verbose;         /* 1: say what the kernel lacks; 2: also time each step */
  const wr_sandbox_fd *keep; /* fds the run needs besides 0, 1, 2 */
  int nkeep;
} wr_sandbox_config;

/* A started child. */
typedef struct wr_sandbox {
  pid_t pid;
  int report_fd; /* read end: the number of a blocked system call, if any */
} wr_sandbox;

/* Starts a child that enters the sandbox and then returns fn(arg) as its exit
 * status. In the parent returns 0 with sb filled, or a negative wr_errcode with
 * err set ("STEP: REASON"). A step failing in the child prints
 * "wasm-run: sandbox: STEP: REASON" and the child exits 125. The signals the
 * supervisor forwards end the child with 128+N even though it is PID 1. */
int wr_sandbox_spawn(const wr_sandbox_config *cfg, int (*fn)(void *), void *arg, wr_sandbox *sb, wr_error *err);

/* After the child ended with `status` (from waitpid): if a seccomp rule stopped it,
 * writes "blocked system call NAME (NR)" to buf and returns 1; else 0. Closes
 * report_fd. */
int wr_sandbox_finish(wr_sandbox *sb, int status, char *buf, size_t size);

/* The steps, each returning 0 or a negative wr_errcode with err set to
 * "STEP: REASON". */
int wr_ns_clone(const wr_sandbox_config *cfg, pid_t *pid, wr_error *err);   /* namespaces.c */
int wr_ns_map_ids(pid_t pid, uid_t uid, gid_t gid, wr_error *err);          /* namespaces.c */
int wr_mounts_empty_root(wr_error *err);                                    /* mounts.c */
int wr_limits_close_fds(const wr_sandbox_config *cfg, int extra_fd, wr_error *err); /* limits.c */
int wr_limits_rlimits(const wr_sandbox_config *cfg, wr_error *err);         /* limits.c */
int wr_landlock_apply(const wr_sandbox_config *cfg, wr_error *err);         /* landlock.c */
int wr_caps_drop_all(wr_error *err);                                        /* caps.c */
int wr_seccomp_install(const wr_sandbox_config *cfg, int report_fd, wr_error *err); /* seccomp.c */
/* The name of system call nr on this host ("?" when unknown); not signal-safe. */
const char *wr_seccomp_syscall_name(int nr, char *buf, size_t size);

#endif
