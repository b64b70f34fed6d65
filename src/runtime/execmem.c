/* execmem.c: the probe for executable memory that the JIT modes make before
 * compiling, so that a policy refusing W->X (PR_SET_MDWE, systemd
 * MemoryDenyWriteExecute, SELinux deny_execmem, PaX MPROTECT, a seccomp filter)
 * becomes a fallback to the fast interpreter instead of a crash mid-compile. */
#include "runtime/execmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_GET_MDWE
#define PR_GET_MDWE 66
#endif

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool probe_ok;
static char probe_reason[128];

static void probe(void) {
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    snprintf(probe_reason, sizeof probe_reason, "mmap: %s", strerror(errno));
    return;
  }
  int rc = mprotect(p, (size_t)page, PROT_READ | PROT_EXEC);
  int e = errno;
  munmap(p, (size_t)page);
  if (rc == 0) {
    probe_ok = true;
    return;
  }
  /* Only now ask about MDWE, for a clearer reason than EACCES: where executable
   * memory is allowed, the probe makes no call a sandbox's seccomp policy for JIT
   * modes need allow beyond mmap and mprotect. EINVAL: a kernel without MDWE. */
  if (prctl(PR_GET_MDWE, 0L, 0L, 0L, 0L) > 0)
    snprintf(probe_reason, sizeof probe_reason, "PR_SET_MDWE is set");
  else
    snprintf(probe_reason, sizeof probe_reason, "mprotect to PROT_EXEC: %s", strerror(e));
}

bool wr_execmem_allowed(char *reason, size_t reason_size) {
  pthread_once(&probe_once, probe);
  if (!probe_ok && reason && reason_size) snprintf(reason, reason_size, "%s", probe_reason);
  return probe_ok;
}
