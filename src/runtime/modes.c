/* modes.c: the table of running modes: names, and the hooks of those built. */
#include "runtime/runtime.h"

#include <string.h>

#include "modes/modes.h"

static const char *const mode_names[WR_MODE_COUNT] = {
    [WR_MODE_CLASSIC] = "classic", [WR_MODE_FAST] = "fast",  [WR_MODE_FAST_JIT] = "fast-jit",
    [WR_MODE_LLVM_JIT] = "llvm-jit", [WR_MODE_AOT] = "aot",
};

static const wr_mode_ops *const mode_ops[WR_MODE_COUNT] = {
    [WR_MODE_CLASSIC] = &wr_classic_ops,
    [WR_MODE_FAST] = &wr_fast_ops,
    [WR_MODE_FAST_JIT] = WR_FAST_JIT_OPS,
    [WR_MODE_LLVM_JIT] = WR_LLVM_JIT_OPS,
    [WR_MODE_AOT] = &wr_aot_ops,
};

int wr_verbose;

const char *wr_mode_name(wr_mode mode) {
  return mode >= 0 && mode < WR_MODE_COUNT ? mode_names[mode] : "unknown";
}

int wr_mode_parse(const char *name) {
  for (int i = 0; i < WR_MODE_COUNT; i++)
    if (strcmp(name, mode_names[i]) == 0) return i;
  return -1;
}

bool wr_mode_available(wr_mode mode) { return wr_mode_get_ops(mode) != NULL; }

const wr_mode_ops *wr_mode_get_ops(wr_mode mode) {
  return mode >= 0 && mode < WR_MODE_COUNT ? mode_ops[mode] : NULL;
}
