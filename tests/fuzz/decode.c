/* decode.c: libFuzzer harness for the decoder and validator (fuzz-decode).
 *
 * Any byte string must either load or be refused with an error value: a code from
 * the documented set and a message. Crashes, leaks, hangs and sanitizer reports are
 * what libFuzzer catches on its own. */
#include <stdio.h>
#include <stdlib.h>

#include "wasm/module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_module *m = NULL;
  wr_error err = {0};
  int rc = wr_module_load(data, size, &m, &err);
  if (rc == 0) {
    if (!m) {
      fprintf(stderr, "fuzz-decode: wr_module_load succeeded without a module\n");
      abort();
    }
    wr_module_free(m);
    return 0;
  }
  if (rc != WR_ERR_MALFORMED && rc != WR_ERR_INVALID && rc != WR_ERR_NOMEM) {
    fprintf(stderr, "fuzz-decode: unexpected error code %d: %s\n", rc, err.msg);
    abort();
  }
  if (err.code != rc || !err.msg[0]) {
    fprintf(stderr, "fuzz-decode: error %d returned but wr_error holds code %d, message \"%s\"\n",
            rc, err.code, err.msg);
    abort();
  }
  return 0;
}
