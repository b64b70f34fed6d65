/* modes.h: the running modes' hooks, as the runtime's mode table sees them. */
#ifndef WR_MODES_H
#define WR_MODES_H

#include "runtime/runtime.h"

extern const wr_mode_ops wr_classic_ops;
extern const wr_mode_ops wr_fast_ops;
/* aot (src/modes/aot.c): runs code an AOT image brought (needs no LLVM). */
extern const wr_mode_ops wr_aot_ops;

/* Looks up `name` in the LLVM plugin, loading it first (src/runtime/plugin.c);
 * WR_ERR_UNSUPPORTED in builds without LLVM or when the plugin cannot be loaded. */
int wr_llvm_plugin_symbol(const char *name, void **out, wr_error *err);
/* Whether the plugin is there to be loaded (without loading it). */
bool wr_llvm_plugin_present(void);

/* fast-jit emits x86-64 (src/modes/fast-jit/); other hosts do not have it. */
#ifdef __x86_64__
extern const wr_mode_ops wr_fast_jit_ops;
#define WR_FAST_JIT_OPS (&wr_fast_jit_ops)
#else
#define WR_FAST_JIT_OPS NULL
#endif

/* llvm-jit exists only in builds with LLVM (configure --disable-llvm leaves it out). */
#include "config.h"
#ifdef HAVE_LLVM
/* The plugin's hooks (src/modes/llvm/jit.c, in wasm-run-llvm.so), and the stub
 * the mode table holds until the plugin is loaded (src/runtime/plugin.c). */
extern const wr_mode_ops wr_llvm_jit_ops;
extern const wr_mode_ops wr_llvm_jit_stub_ops;
#define WR_LLVM_JIT_OPS (&wr_llvm_jit_stub_ops)
#else
#define WR_LLVM_JIT_OPS NULL
#endif

#endif
