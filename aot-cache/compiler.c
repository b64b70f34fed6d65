/* compiler.c: finding the AOT compiler in the LLVM plugin (src/runtime/plugin.c
 * knows where the plugin is). */
#include "aot-cache/compiler.h"

#include "modes/modes.h"

int wr_compiler_load(const wr_compiler **out, wr_error *err) {
  void *sym = NULL;
  int rc = wr_llvm_plugin_symbol("wr_aot_compiler", &sym, err);
  if (rc < 0) return rc;
  *out = sym;
  return 0;
}
