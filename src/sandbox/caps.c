/* caps.c: every capability set emptied with libcap: the bounding set, the ambient
 * set, then effective, permitted and inheritable; securebits locked first so that no
 * later uid change can bring capabilities back. */
#include <errno.h>
#include <linux/securebits.h>
#include <string.h>
#include <sys/capability.h>

#include "sandbox/sandbox.h"

int wr_caps_drop_all(wr_error *err) {
  /* Needs CAP_SETPCAP, so it comes before the sets are emptied. */
  unsigned bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
  if (cap_set_secbits(bits) < 0) return wr_err(err, WR_ERR_IO, "capabilities: locking securebits: %s", strerror(errno));
  for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
    if (cap_drop_bound(c) < 0)
      return wr_err(err, WR_ERR_IO, "capabilities: dropping %s from the bounding set: %s", cap_to_name(c),
                    strerror(errno));
  }
  if (cap_reset_ambient() < 0)
    return wr_err(err, WR_ERR_IO, "capabilities: clearing the ambient set: %s", strerror(errno));
  cap_t none = cap_init(); /* all three sets empty */
  if (!none) return wr_err(err, WR_ERR_NOMEM, "capabilities: cap_init: %s", strerror(errno));
  int rc = cap_set_proc(none);
  int e = errno;
  cap_free(none);
  if (rc < 0) return wr_err(err, WR_ERR_IO, "capabilities: emptying the sets: %s", strerror(e));
  return 0;
}
