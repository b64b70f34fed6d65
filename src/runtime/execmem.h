/* execmem.h: whether this process may make writable-then-executable memory (the
 * JIT modes' precondition; DESIGN.md section 1, the fallback rule). */
#ifndef WR_EXECMEM_H
#define WR_EXECMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Probes once per process (mmap a page RW, mprotect it RX; PR_GET_MDWE) and
 * caches the answer. When refused, copies a short reason ("PR_SET_MDWE is set",
 * "mprotect to PROT_EXEC: Permission denied") into reason. */
bool wr_execmem_allowed(char *reason, size_t reason_size);

#endif
