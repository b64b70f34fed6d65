/* plugin.c: the modes that live in a separately loaded part. llvm-jit needs
 * libLLVM, and mapping and relocating it costs every start about 12 ms, so its
 * code (src/modes/llvm/translate.c, jit.c) is the plugin wasm-run-llvm.so, loaded
 * with dlopen only when a run asks for the mode. The mode table holds a stub whose
 * prepare hook loads the plugin (if the launcher has not already: it must, before
 * the sandbox takes the filesystem away) and hands over to the plugin's hooks.
 * The AOT compiler is in the same plugin (wr_llvm_plugin_symbol). */
#include "runtime/runtime.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "modes/modes.h"

#ifdef HAVE_LLVM

#define PLUGIN_NAME "wasm-run-llvm.so"

static const wr_mode_ops *llvm_ops; /* the plugin's hooks, once loaded */
static void *llvm_handle;

/* Where the plugin may be: $WASM_RUN_LLVM_PLUGIN, beside the running executable
 * (a build tree), then the installed pkglibexecdir. */
static int plugin_paths(char paths[3][PATH_MAX]) {
  int n = 0;
  const char *env = getenv("WASM_RUN_LLVM_PLUGIN");
  if (env && *env) snprintf(paths[n++], PATH_MAX, "%s", env);
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len > 0) {
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      snprintf(paths[n++], PATH_MAX, "%.*s/%s", PATH_MAX - 20, exe, PLUGIN_NAME);
    }
  }
  snprintf(paths[n++], PATH_MAX, "%s/%s", WR_PKGLIBEXECDIR, PLUGIN_NAME);
  return n;
}

static int load_llvm(const char *who, wr_error *err) {
  if (llvm_ops) return 0;
  char paths[3][PATH_MAX], why[256] = "not found";
  int n = plugin_paths(paths);
  for (int i = 0; i < n; i++) {
    if (access(paths[i], F_OK) != 0) continue;
    void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
    const wr_mode_ops *ops = h ? dlsym(h, "wr_llvm_jit_ops") : NULL;
    if (ops) {
      llvm_ops = ops;
      llvm_handle = h;
      return 0;
    }
    snprintf(why, sizeof why, "%s", dlerror());
    if (h) dlclose(h);
  }
  return wr_err(err, WR_ERR_UNSUPPORTED, "%s: cannot load the LLVM part %s: %s", who, PLUGIN_NAME, why);
}

bool wr_llvm_plugin_present(void) {
  char paths[3][PATH_MAX];
  int n = plugin_paths(paths);
  for (int i = 0; i < n; i++)
    if (access(paths[i], R_OK) == 0) return true;
  return false;
}

int wr_llvm_plugin_symbol(const char *name, void **out, wr_error *err) {
  int rc = load_llvm("aot", err);
  if (rc < 0) return rc;
  if (!(*out = dlsym(llvm_handle, name)))
    return wr_err(err, WR_ERR_UNSUPPORTED, "aot: the LLVM part %s has no %s", PLUGIN_NAME, name);
  return 0;
}

static int stub_prepare(wr_instance *inst, wr_error *err) {
  int rc = load_llvm("llvm-jit", err);
  if (rc < 0) return rc;
  uint32_t nown = inst->module->nfuncs - inst->module->nimported_funcs;
  for (uint32_t i = 0; i < nown; i++) inst->own_funcs[i].entry = llvm_ops->entry;
  return llvm_ops->prepare(inst, err);
}

static void stub_release(wr_instance *inst) {
  if (llvm_ops && llvm_ops->release) llvm_ops->release(inst);
}

/* Never reached: prepare points every function at the plugin's entry. */
static int stub_entry(wr_exec *ex, wr_funcinst *f, uint64_t *args_results) {
  return llvm_ops->entry(ex, f, args_results);
}

const wr_mode_ops wr_llvm_jit_stub_ops = {
    .entry = stub_entry,
    .prepare = stub_prepare,
    .release = stub_release,
};

int wr_mode_load(wr_mode mode, wr_error *err) {
  return mode == WR_MODE_LLVM_JIT ? load_llvm("llvm-jit", err) : 0;
}

#else

int wr_mode_load(wr_mode mode, wr_error *err) { return 0; }

bool wr_llvm_plugin_present(void) { return false; }

int wr_llvm_plugin_symbol(const char *name, void **out, wr_error *err) {
  return wr_err(err, WR_ERR_UNSUPPORTED, "aot: this build has no LLVM (configured with --disable-llvm): it runs "
                "AOT images but cannot compile them");
}

#endif
