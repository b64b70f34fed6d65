/* cli.c: option parsing (getopt_long) into a wr_config, --help and --version. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static void usage(FILE *out) {
  fputs("Usage: wasm-run [OPTIONS] MODULE [ARGS...]\n"
        "Run a WebAssembly module: its _start function, or the export named by --invoke.\n"
        "\n"
        "  -m, --mode=MODE     how to run the module: classic (the in-place interpreter)\n"
        "                      example: wasm-run --mode=classic app.wasm\n"
        "      --invoke=NAME   call export NAME with ARGS parsed as its parameters and\n"
        "                      print its results, one per line\n"
        "                      example: wasm-run --invoke=fib examples/fib.wasm 20\n"
        "  -v, --verbose       say more about what happens\n"
        "  -q, --quiet         print nothing but errors\n"
        "      --version       print the version and exit\n"
        "  -h, --help          print this help and exit\n"
        "\n"
        "Exit status: the module's own; 125 wasm-run failed (usage, setup); 126 the module\n"
        "cannot be run (malformed, invalid, unlinkable); 127 the module cannot be read;\n"
        "134 the module trapped.\n",
        out);
}

int wr_cli_parse(int argc, char **argv, wr_config *cfg, wr_error *err) {
  static const struct option options[] = {
      {"mode", required_argument, NULL, 'm'},
      {"invoke", required_argument, NULL, 'i'},
      {"verbose", no_argument, NULL, 'v'},
      {"quiet", no_argument, NULL, 'q'},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(cfg, 0, sizeof *cfg);
  cfg->mode = WR_MODE_CLASSIC;
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
        return wr_err(err, WR_ERR_USAGE, "--mode=%s: this build of wasm-run does not have that mode", optarg);
      cfg->mode = mode;
      break;
    }
    case 'i': cfg->invoke = optarg; break;
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
