/* cli.c: option parsing (getopt_long) into a wr_config, --help and --version. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void usage(FILE *out) {
  fputs("Usage: wasm-run [OPTIONS] MODULE [ARGS...]\n"
        "Run a WebAssembly module: its _start function, or the export named by --invoke.\n"
        "\n"
        "  -m, --mode=MODE     how to run the module: classic (the in-place interpreter,\n"
        "                      the default), fast (translated to threaded code first) or\n"
        "                      llvm-jit (compiled to native code by LLVM before the start)\n"
        "                      example: wasm-run --mode=fast app.wasm\n"
        "      --opt=LEVEL     llvm-jit's optimisation level, 0 (compile fastest) to 3;\n"
        "                      default 2\n"
        "                      example: wasm-run --mode=llvm-jit --opt=1 app.wasm\n"
        "      --dir=HOST[::GUEST][:ro]\n"
        "                      give the module the host directory HOST, seen as GUEST\n"
        "                      (default: HOST); :ro refuses every change beneath it\n"
        "                      example: wasm-run --dir=./data::/data app.wasm /data/in.txt\n"
        "      --env=NAME=VALUE | --env=NAME\n"
        "                      set a variable in the module's environment, or pass ours\n"
        "                      through; the module sees no other variable\n"
        "      --listen=[ADDR:]PORT\n"
        "                      bind a listening TCP socket before the module starts and\n"
        "                      hand it over as a preopened fd for sock_accept\n"
        "                      (ADDR defaults to 0.0.0.0; [::1]:8080 for IPv6)\n"
        "                      example: wasm-run --listen=127.0.0.1:8080 server.wasm\n"
        "      --max-memory=SIZE\n"
        "                      cap linear memory at SIZE bytes (suffixes K, M, G)\n"
        "                      example: wasm-run --max-memory=512M app.wasm\n"
        "      --sandbox=full|none\n"
        "                      full (default): run the module in new namespaces with an\n"
        "                      empty root, no capabilities, Landlock and a seccomp filter;\n"
        "                      none: no sandbox, for debugging (unsafe for untrusted modules)\n"
        "                      example: wasm-run --sandbox=none app.wasm\n"
        "      --net=none|host\n"
        "                      none (default): an empty network namespace, the module\n"
        "                      reaches only --listen sockets; host: keep the host's network\n"
        "                      example: wasm-run --net=host --listen=8080 server.wasm\n"
        "      --timeout=DURATION\n"
        "                      kill the run after DURATION (units ms, s, m, h; default s)\n"
        "                      and exit 137\n"
        "                      example: wasm-run --timeout=30s app.wasm\n"
        "      --invoke=NAME   call export NAME with ARGS parsed as its parameters and\n"
        "                      print its results, one per line (a v128 as 0x and 32 hex\n"
        "                      digits, or given as SHAPE:LANE,... such as i32x4:1,2,3,4)\n"
        "                      example: wasm-run --invoke=fib examples/fib.wasm 20\n"
        "  --                  end of options: what follows is MODULE and its arguments\n"
        "  -v, --verbose       say more about what happens\n"
        "  -q, --quiet         print nothing but errors\n"
        "      --version       print the version and exit\n"
        "  -h, --help          print this help and exit\n"
        "\n"
        "Exit status: the module's own; 125 wasm-run failed (usage, setup); 126 the module\n"
        "cannot be run (malformed, invalid, unlinkable); 127 the module cannot be read;\n"
        "134 the module trapped; 128+N killed by signal N (137 after --timeout); 159 the\n"
        "sandbox stopped a system call.\n",
        out);
}

void wr_cli_free(wr_config *cfg) {
  for (int i = 0; i < cfg->ndirs; i++) {
    free(cfg->dirs[i].host);
    free(cfg->dirs[i].guest);
  }
  free(cfg->dirs);
  for (int i = 0; i < cfg->nenv; i++) free(cfg->env[i]);
  free(cfg->env);
  for (int i = 0; i < cfg->nlistens; i++) {
    free(cfg->listens[i].addr);
    free(cfg->listens[i].port);
  }
  free(cfg->listens);
  memset(cfg, 0, sizeof *cfg);
}

static int grow(void **v, int n, size_t size, wr_error *err) {
  void *p = realloc(*v, (size_t)(n + 1) * size);
  if (!p) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  *v = p;
  return 0;
}

static int parse_dir(wr_config *cfg, const char *arg, wr_error *err) {
  size_t len = strlen(arg);
  bool ro = false;
  if (len >= 3 && strcmp(arg + len - 3, ":ro") == 0 && !(len >= 4 && arg[len - 4] == ':')) {
    ro = true;
    len -= 3;
  }
  char *copy = strndup(arg, len);
  if (!copy) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  char *sep = strstr(copy, "::");
  const char *guest = copy;
  if (sep) {
    *sep = 0;
    guest = sep + 2;
  }
  if (!*copy || !*guest) {
    free(copy);
    return wr_err(err, WR_ERR_USAGE, "--dir=%s: expected HOST[::GUEST][:ro]", arg);
  }
  char *g = strdup(guest);
  if (!g || grow((void **)&cfg->dirs, cfg->ndirs, sizeof *cfg->dirs, err) < 0) {
    free(copy);
    free(g);
    return wr_err(err, WR_ERR_NOMEM, "out of memory");
  }
  cfg->dirs[cfg->ndirs].host = copy; /* cut at "::" */
  cfg->dirs[cfg->ndirs].guest = g;
  cfg->dirs[cfg->ndirs].readonly = ro;
  cfg->ndirs++;
  return 0;
}

static int parse_env(wr_config *cfg, const char *arg, wr_error *err) {
  const char *eq = strchr(arg, '=');
  size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
  if (nlen == 0) return wr_err(err, WR_ERR_USAGE, "--env=%s: expected NAME=VALUE or NAME", arg);
  char *entry;
  if (eq) {
    entry = strdup(arg);
  } else {
    const char *v = getenv(arg);
    if (!v) return 0; /* nothing to pass through */
    if (asprintf(&entry, "%s=%s", arg, v) < 0) entry = NULL;
  }
  if (!entry) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  /* A later setting of the same name wins. */
  for (int i = 0; i < cfg->nenv; i++)
    if (strncmp(cfg->env[i], entry, nlen + 1) == 0) {
      free(cfg->env[i]);
      cfg->env[i] = entry;
      return 0;
    }
  if (grow((void **)&cfg->env, cfg->nenv, sizeof *cfg->env, err) < 0) {
    free(entry);
    return err->code;
  }
  cfg->env[cfg->nenv++] = entry;
  return 0;
}

static int parse_listen(wr_config *cfg, const char *arg, wr_error *err) {
  const char *colon = strrchr(arg, ':');
  const char *port = colon ? colon + 1 : arg;
  char *addr = NULL;
  if (colon) {
    const char *a = arg;
    size_t alen = (size_t)(colon - arg);
    if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') a++, alen -= 2; /* [v6]:port */
    if (alen == 0) return wr_err(err, WR_ERR_USAGE, "--listen=%s: empty address (expected [ADDR:]PORT)", arg);
    if (!(addr = strndup(a, alen))) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  }
  char *end;
  errno = 0;
  unsigned long p = strtoul(port, &end, 10);
  if (!*port || *end || errno || p == 0 || p > 65535 || port[0] == '-' || port[0] == '+') {
    free(addr);
    return wr_err(err, WR_ERR_USAGE, "--listen=%s: the port must be a number from 1 to 65535", arg);
  }
  if (grow((void **)&cfg->listens, cfg->nlistens, sizeof *cfg->listens, err) < 0) {
    free(addr);
    return err->code;
  }
  wr_listen_opt *l = &cfg->listens[cfg->nlistens];
  l->spec = arg;
  l->addr = addr;
  if (!(l->port = strdup(port))) {
    free(addr);
    return wr_err(err, WR_ERR_NOMEM, "out of memory");
  }
  cfg->nlistens++;
  return 0;
}

static int parse_size(const char *arg, uint32_t *pages, wr_error *err) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(arg, &end, 10);
  unsigned long long mul = 1;
  if (*end && !end[1]) {
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    }
  }
  if (!*arg || arg[0] == '-' || *end || errno || v > (1ull << 32) / mul)
    return wr_err(err, WR_ERR_USAGE, "--max-memory=%s: expected a size such as 65536, 512M or 4G (at most 4G)", arg);
  v *= mul;
  if (v < 65536)
    return wr_err(err, WR_ERR_USAGE, "--max-memory=%s: less than one 64 KiB page", arg);
  *pages = (uint32_t)(v / 65536);
  return 0;
}

/* --opt=LEVEL: one digit, 0 to 3. */
int wr_cli_parse_opt(const char *arg, int *level, wr_error *err) {
  if (arg[0] < '0' || arg[0] > '3' || arg[1])
    return wr_err(err, WR_ERR_USAGE, "--opt=%s: expected an optimisation level from 0 to 3", arg);
  *level = arg[0] - '0';
  return 0;
}

static int parse_duration(const char *arg, uint64_t *ms, wr_error *err) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  double mul = 1000;
  if (strcmp(end, "ms") == 0) mul = 1;
  else if (strcmp(end, "s") == 0 || !*end) mul = 1000;
  else if (strcmp(end, "m") == 0) mul = 60000;
  else if (strcmp(end, "h") == 0) mul = 3600000;
  else end = NULL;
  if (!end || end == arg || errno || !(v > 0) || v * mul > 1e15 || arg[0] == '-' || (v * mul) < 1)
    return wr_err(err, WR_ERR_USAGE, "--timeout=%s: expected a duration such as 500ms, 30s, 2m or 1h", arg);
  *ms = (uint64_t)(v * mul + 0.5);
  return 0;
}

int wr_cli_parse(int argc, char **argv, wr_config *cfg, wr_error *err) {
  static const struct option options[] = {
      {"dir", required_argument, NULL, 'd'},
      {"env", required_argument, NULL, 'e'},
      {"listen", required_argument, NULL, 'l'},
      {"max-memory", required_argument, NULL, 'M'},
      {"mode", required_argument, NULL, 'm'},
      {"invoke", required_argument, NULL, 'i'},
      {"opt", required_argument, NULL, 'O'},
      {"sandbox", required_argument, NULL, 'S'},
      {"net", required_argument, NULL, 'N'},
      {"timeout", required_argument, NULL, 'T'},
      {"verbose", no_argument, NULL, 'v'},
      {"quiet", no_argument, NULL, 'q'},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(cfg, 0, sizeof *cfg);
  cfg->mode = WR_MODE_CLASSIC;
  cfg->sandbox = true;
  cfg->opt_level = 2;
  opterr = 0;
  optind = 1;
  int c;
  /* "+": options end at the module path, so the guest's own options pass through. */
  while ((c = getopt_long(argc, argv, "+:m:vqh", options, NULL)) != -1) {
    switch (c) {
    case 'm': {
      int mode = wr_mode_parse(optarg);
      if (mode < 0)
        return wr_err(err, WR_ERR_USAGE,
                      "--mode=%s: unknown mode (expected classic, fast, fast-jit, llvm-jit or aot)", optarg);
      if (!wr_mode_available(mode))
        return wr_err(err, WR_ERR_USAGE, "--mode=%s: %s", optarg,
                      (mode == WR_MODE_LLVM_JIT || mode == WR_MODE_AOT) && !wr_mode_available(WR_MODE_LLVM_JIT)
                          ? "this build has no LLVM (configured with --disable-llvm)"
                          : "this build of wasm-run does not have that mode yet");
      cfg->mode = mode;
      break;
    }
    case 'i': cfg->invoke = optarg; break;
    case 'O':
      if (wr_cli_parse_opt(optarg, &cfg->opt_level, err) < 0) return err->code;
      break;
    case 'd':
      if (parse_dir(cfg, optarg, err) < 0) return err->code;
      break;
    case 'e':
      if (parse_env(cfg, optarg, err) < 0) return err->code;
      break;
    case 'l':
      if (parse_listen(cfg, optarg, err) < 0) return err->code;
      break;
    case 'M':
      if (parse_size(optarg, &cfg->max_pages, err) < 0) return err->code;
      break;
    case 'S':
      if (strcmp(optarg, "full") && strcmp(optarg, "none"))
        return wr_err(err, WR_ERR_USAGE, "--sandbox=%s: expected full or none", optarg);
      cfg->sandbox = strcmp(optarg, "none") != 0;
      break;
    case 'N':
      if (strcmp(optarg, "none") && strcmp(optarg, "host"))
        return wr_err(err, WR_ERR_USAGE, "--net=%s: expected none or host", optarg);
      cfg->net_host = strcmp(optarg, "host") == 0;
      break;
    case 'T':
      if (parse_duration(optarg, &cfg->timeout_ms, err) < 0) return err->code;
      cfg->timeout_str = optarg;
      break;
    case 'v': cfg->verbose++; break;
    case 'q': cfg->quiet = true; break;
    case 'V': printf("wasm-run %s\n", PACKAGE_VERSION); return 1;
    case 'h': usage(stdout); return 1;
    case '?':
      if (optopt) return wr_err(err, WR_ERR_USAGE, "-%c: unknown option (see wasm-run --help)", optopt);
      return wr_err(err, WR_ERR_USAGE, "%s: unknown option (see wasm-run --help)", argv[optind - 1]);
    case ':': return wr_err(err, WR_ERR_USAGE, "%s: option needs a value", argv[optind - 1]);
    }
  }
  if (optind >= argc) return wr_err(err, WR_ERR_USAGE, "no module given (usage: wasm-run [OPTIONS] MODULE [ARGS...])");
  cfg->module = argv[optind];
  cfg->guest_argc = argc - optind;
  cfg->guest_argv = argv + optind;
  return 0;
}
