/* bulk.c: the bulk memory and table instructions (memory.init/copy/fill,
 * table.init/copy/fill), one implementation for every mode. Each checks its whole
 * range before touching anything, so a trapping one has no effect, and returns 0
 * or the trap kind for the caller to raise in its own way. */
#include "runtime/runtime.h"

#include <string.h>

wr_trap_kind wr_bulk_memory_init(wr_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n) {
  wr_memory *m = inst->ctx.memory;
  if ((uint64_t)s + n > inst->data_len[seg] || (uint64_t)d + n > m->size) return WR_TRAP_MEMORY_OOB;
  if (n) memcpy(m->base + d, inst->module->datas[seg].bytes + s, n);
  return WR_TRAP_NONE;
}

wr_trap_kind wr_bulk_memory_copy(wr_memory *m, uint32_t d, uint32_t s, uint32_t n) {
  if ((uint64_t)s + n > m->size || (uint64_t)d + n > m->size) return WR_TRAP_MEMORY_OOB;
  if (n) memmove(m->base + d, m->base + s, n);
  return WR_TRAP_NONE;
}

wr_trap_kind wr_bulk_memory_fill(wr_memory *m, uint32_t d, uint32_t val, uint32_t n) {
  if ((uint64_t)d + n > m->size) return WR_TRAP_MEMORY_OOB;
  if (n) memset(m->base + d, (int)(uint8_t)val, n);
  return WR_TRAP_NONE;
}

wr_trap_kind wr_bulk_table_init(wr_instance *inst, wr_table *t, uint32_t seg, uint32_t d, uint32_t s,
                                uint32_t n) {
  if ((uint64_t)s + n > inst->elem_len[seg] || (uint64_t)d + n > t->size) return WR_TRAP_TABLE_OOB;
  if (n) memcpy(t->elems + d, inst->elem_refs[seg] + s, n * sizeof(wr_ref));
  return WR_TRAP_NONE;
}

wr_trap_kind wr_bulk_table_copy(wr_table *dst, wr_table *src, uint32_t d, uint32_t s, uint32_t n) {
  if ((uint64_t)s + n > src->size || (uint64_t)d + n > dst->size) return WR_TRAP_TABLE_OOB;
  if (n) memmove(dst->elems + d, src->elems + s, n * sizeof(wr_ref));
  return WR_TRAP_NONE;
}

wr_trap_kind wr_bulk_table_fill(wr_table *t, uint32_t i, wr_ref v, uint32_t n) {
  if ((uint64_t)i + n > t->size) return WR_TRAP_TABLE_OOB;
  for (uint32_t k = 0; k < n; k++) t->elems[i + k] = v;
  return WR_TRAP_NONE;
}
