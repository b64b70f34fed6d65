/* cli.h: the command line as a wr_config, and the exit statuses of DESIGN.md §8. */
#ifndef WR_CLI_H
#define WR_CLI_H

#include <stdbool.h>

#include "runtime/runtime.h"

enum {
  WR_EXIT_INTERNAL = 125, /* wasm-run itself failed: bad usage, setup error */
  WR_EXIT_CANNOT_RUN = 126, /* malformed, invalid, unlinkable, uninstantiable */
  WR_EXIT_NOT_FOUND = 127,  /* the module cannot be read */
  WR_EXIT_TRAP = 134,       /* the guest trapped */
};

/* --dir=HOST[::GUEST][:ro] */
typedef struct wr_dir_opt {
  char *host;  /* owned */
  char *guest; /* owned */
  bool readonly;
} wr_dir_opt;

/* --listen=[ADDR:]PORT, parsed; the socket is made by the command before the run. */
typedef struct wr_listen_opt {
  const char *spec; /* as given, for messages */
  char *addr;       /* owned; NULL: every address */
  char *port;       /* owned */
} wr_listen_opt;

/* --compile: what auto does on a cache miss. */
typedef enum wr_compile_policy {
  WR_COMPILE_BACKGROUND = 0, /* run now in fast-jit or fast, compile for the next start */
  WR_COMPILE_WAIT,           /* compile, then run the image */
  WR_COMPILE_NEVER,          /* never touch the cache: fast-jit or fast */
} wr_compile_policy;

typedef struct wr_config {
  wr_mode mode;         /* the mode asked for; with auto_mode, the one auto chose */
  bool auto_mode;       /* --mode=auto (the default): the launcher chooses the mode */
  wr_compile_policy compile; /* --compile */
  const char *cache_dir; /* --cache-dir, or NULL: $WASM_RUN_CACHE and the defaults */
  bool no_cache;        /* --no-cache */
  bool mode_set;        /* --mode was given (an AOT image runs as aot unless it was) */
  const char *invoke;   /* --invoke=NAME, or NULL to run _start */
  const char *module;   /* the module path */
  int guest_argc;       /* the guest's argv: the module path as given, then its arguments */
  char **guest_argv;
  int verbose;
  bool quiet;
  wr_dir_opt *dirs;
  int ndirs;
  char **env;           /* the guest's whole environment, "NAME=VALUE", owned */
  int nenv;
  wr_listen_opt *listens;
  int nlistens;
  uint32_t max_pages;   /* --max-memory in 64 KiB pages; 0: no cap beyond the module's */
  bool sandbox;         /* --sandbox=full (default) or none */
  bool net_host;        /* --net=host: keep the host's network namespace */
  uint64_t timeout_ms;  /* --timeout in milliseconds; 0: none */
  uint64_t memory_limit; /* --memory-limit in bytes (cgroup v2 memory.max); 0: none */
  uint64_t pids_limit;   /* --pids-limit (cgroup v2 pids.max); 0: the default */
  const char *timeout_str; /* --timeout as given, for the message */
  int opt_level;        /* --opt=0..3, LLVM's optimisation level; default 2 */
} wr_config;

/* Parses argv. Returns 0 to run, 1 when --help/--version was printed, or a
 * negative wr_errcode (WR_ERR_USAGE) with a message. */
int wr_cli_parse(int argc, char **argv, wr_config *cfg, wr_error *err);
/* Parses the value of --opt (0 to 3) into *level; WR_ERR_USAGE with a message otherwise. */
int wr_cli_parse_opt(const char *arg, int *level, wr_error *err);
/* Frees what wr_cli_parse allocated. */
void wr_cli_free(wr_config *cfg);

#endif
