/* mdwe-exec.c: runs a command with PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN) set, as
 * systemd's MemoryDenyWriteExecute=yes would, for the test of llvm-jit's fallback
 * to fast. Exits 77 (skip) where the kernel has no MDWE. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: mdwe-exec COMMAND [ARGS...]\n");
    return 2;
  }
  if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) < 0) {
    fprintf(stderr, "mdwe-exec: PR_SET_MDWE: %s\n", strerror(errno));
    return errno == EINVAL ? 77 : 1;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "mdwe-exec: %s: %s\n", argv[1], strerror(errno));
  return 127;
}
