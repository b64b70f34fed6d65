/* aot.h: the aot mode's one interface beyond its hooks. An instance runs in aot
 * mode with code some loader mapped (aot-cache/image.c maps images): the loader
 * binds that code to the module before instantiation, and every instance of the
 * module then calls it. */
#ifndef WR_MODES_AOT_H
#define WR_MODES_AOT_H

#include "runtime/runtime.h"

/* entries[i]: the compiled uniform entry, void (wr_ctx *, uint64_t *args_results),
 * of defined function i of m (n must be the module's count). The array and the
 * code stay the caller's and must outlive every instance of m; unbind before
 * freeing m. */
int wr_aot_bind(const wr_module *m, void *const *entries, uint32_t n, wr_error *err);
void wr_aot_unbind(const wr_module *m);

#endif
