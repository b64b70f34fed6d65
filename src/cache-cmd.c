/* cache-cmd.c: `wasm-run cache ls|gc|clear|verify`, the store's maintenance from the
 * command line (aot-cache/cache.c does the work; this file parses and prints). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aot-cache/cache.h"
#include "cli.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs("Usage: wasm-run cache ls|gc|clear|verify [OPTIONS]\n"
        "Manage the cache of AOT images (see wasm-run-cache(1)).\n"
        "\n"
        "  ls                  list the images: key, size in bytes, last use, and\n"
        "                      \"ready\", \"compiling\" (a compile of it runs now) or\n"
        "                      \"failed\" (the compiler cannot compile that module)\n"
        "  gc                  remove what interrupted compiles left, then with\n"
        "                      --max-size the least recently used images until the\n"
        "                      rest take at most SIZE\n"
        "  clear               remove every image not being compiled, and what is\n"
        "                      remembered of failed compiles\n"
        "  verify              check every image in full (its digest); remove the\n"
        "                      damaged ones; exit 1 when there were any\n"
        "      --cache-dir=DIR the cache (default: $WASM_RUN_CACHE, else\n"
        "                      $XDG_CACHE_HOME/wasm-run, else ~/.cache/wasm-run;\n"
        "                      /var/cache/wasm-run for root)\n"
        "      --max-size=SIZE for gc: the most the images may take (suffixes K, M, G, T)\n"
        "                      example: wasm-run cache gc --max-size=2G\n"
        "  -h, --help          print this help and exit\n",
        out);
}

int wr_parse_bytes(const char *opt, const char *arg, uint64_t *out, wr_error *err) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(arg, &end, 10);
  unsigned shift = 0;
  if (*end && !end[1]) {
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    }
  }
  if (!*arg || arg[0] == '-' || arg[0] == '+' || end == arg || *end || errno || v > (UINT64_MAX >> shift))
    return wr_err(err, WR_ERR_USAGE, "%s=%s: expected a size such as 1048576, 500M or 2G", opt, arg);
  *out = (uint64_t)v << shift;
  return 0;
}

static int fail(const wr_error *err) {
  fprintf(stderr, "wasm-run: %s\n", err->msg);
  return WR_EXIT_INTERNAL;
}

int wr_cache_main(int argc, char **argv) {
  static const struct option options[] = {
      {"cache-dir", required_argument, NULL, 'D'},
      {"max-size", required_argument, NULL, 'S'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  wr_error err;
  wr_error_clear(&err);
  const char *dir = NULL;
  uint64_t max_size = UINT64_MAX;
  bool have_max = false;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
    switch (c) {
    case 'D':
      if (!*optarg) {
        wr_err(&err, WR_ERR_USAGE, "cache: --cache-dir=: expected a directory");
        return fail(&err);
      }
      dir = optarg;
      break;
    case 'S':
      if (wr_parse_bytes("--max-size", optarg, &max_size, &err) < 0) return fail(&err);
      have_max = true;
      break;
    case 'h': usage(stdout); return 0;
    case ':': wr_err(&err, WR_ERR_USAGE, "cache: %s: option needs a value", argv[optind - 1]); return fail(&err);
    default:
      wr_err(&err, WR_ERR_USAGE, "cache: %s: unknown option (see wasm-run cache --help)", argv[optind - 1]);
      return fail(&err);
    }
  }
  if (optind != argc - 1) {
    wr_err(&err, WR_ERR_USAGE, optind >= argc ? "cache: no action given (expected ls, gc, clear or verify)"
                                              : "cache: one action expected, got \"%s\" and more", argv[optind]);
    return fail(&err);
  }
  const char *action = argv[optind];
  bool ls = !strcmp(action, "ls"), gc = !strcmp(action, "gc"), clear = !strcmp(action, "clear"),
       verify = !strcmp(action, "verify");
  if (!ls && !gc && !clear && !verify) {
    wr_err(&err, WR_ERR_USAGE, "cache: %s: unknown action (expected ls, gc, clear or verify)", action);
    return fail(&err);
  }
  if (have_max && !gc) {
    wr_err(&err, WR_ERR_USAGE, "cache %s: --max-size is an option of gc only", action);
    return fail(&err);
  }
  wr_cache *cache;
  if (wr_cache_open(dir, &cache, &err) < 0) return fail(&err);
  int status = 0;
  if (ls) {
    wr_cache_entry *v;
    size_t n;
    if (wr_cache_list(cache, &v, &n, &err) < 0) {
      status = fail(&err);
    } else {
      for (size_t i = 0; i < n; i++) {
        char hex[65], when[32] = "-";
        wr_cache_key_hex(v[i].key, hex);
        time_t t = (time_t)v[i].last_use;
        struct tm tm;
        if ((v[i].present || v[i].failed) && localtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        printf("%s %12llu %s %s\n", hex, (unsigned long long)v[i].size, when,
               v[i].compiling ? "compiling" : v[i].present ? "ready" : "failed");
      }
      free(v);
    }
  } else if (gc || clear) {
    size_t removed;
    uint64_t freed = 0;
    int rc = gc ? wr_cache_gc(cache, max_size, &removed, &freed, &err) : wr_cache_clear(cache, &removed, &err);
    if (rc < 0)
      status = fail(&err);
    else if (gc)
      printf("removed %zu image%s (%llu bytes)\n", removed, removed == 1 ? "" : "s", (unsigned long long)freed);
    else
      printf("removed %zu image%s\n", removed, removed == 1 ? "" : "s");
  } else {
    size_t checked, damaged;
    if (wr_cache_verify(cache, &checked, &damaged, &err) < 0) {
      status = fail(&err);
    } else {
      printf("checked %zu image%s, %zu damaged%s\n", checked, checked == 1 ? "" : "s", damaged,
             damaged ? " (removed)" : "");
      status = damaged ? 1 : 0;
    }
  }
  wr_cache_close(cache);
  return status;
}
