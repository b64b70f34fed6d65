/* aot-image.c: libFuzzer harness for the AOT image loader (fuzz-aot-image).
 *
 * Input byte 0 chooses how the rest becomes an image file:
 *   even: the bytes as they are (wr_image_check, then the loader);
 *   odd:  3-byte records (16-bit offset, byte to XOR) patched into a valid image
 *         (tests/aot/template.h, written by the image writer at start-up), so that
 *         mutations start from something that passes the first checks.
 * In both cases the file's digest is then repaired (where the file is long enough to
 * have one) so that the structure checks behind it, and the mapping, are reached.
 * Every outcome must be a refusal with a message, or a mapped image; crashes,
 * leaks and sanitizer reports are what libFuzzer catches on its own. Nothing of
 * the image is executed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aot-cache/image.h"
#include "tests/aot/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *tmpl;
static size_t tmpl_len;
static int fd = -1;

static void setup(void) {
  static _Alignas(8) uint8_t obj[4096];
  wr_error err = {0};
  wr_module *m = NULL;
  fd = memfd_create("fuzz-aot-image", MFD_CLOEXEC);
  size_t n = template_object(obj, R_X86_64_PC32, 0);
  if (fd < 0 || wr_module_load(template_wasm, sizeof template_wasm, &m, &err) < 0 ||
      wr_image_write(&(wr_image_obj){obj, n}, 1, m, template_wasm, sizeof template_wasm, NULL, "fuzz", fd, &err) < 0) {
    fprintf(stderr, "fuzz-aot-image: making the template: %s\n", err.msg);
    abort();
  }
  wr_module_free(m);
  off_t end = lseek(fd, 0, SEEK_END);
  tmpl = malloc((size_t)end);
  if (!tmpl || pread(fd, tmpl, (size_t)end, 0) != end) abort();
  tmpl_len = (size_t)end;
}

static void expect_error(int rc, const wr_error *err) {
  if (rc >= 0) return;
  if (err->code != rc || !err->msg[0] || strchr(err->msg, '\n')) {
    fprintf(stderr, "fuzz-aot-image: error %d with code %d and message \"%s\"\n", rc, err->code, err->msg);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!tmpl) setup();
  if (size == 0) return 0;
  uint8_t *b;
  size_t len;
  if (data[0] % 2 == 0) {
    len = size - 1;
    b = malloc(len ? len : 1);
    if (!b) return 0;
    memcpy(b, data + 1, len);
  } else {
    len = tmpl_len;
    b = malloc(len);
    if (!b) return 0;
    memcpy(b, tmpl, len);
    for (size_t i = 1; i + 3 <= size; i += 3) {
      size_t off = (size_t)(data[i] | data[i + 1] << 8);
      if (off < len) b[off] ^= data[i + 2];
    }
  }
  wr_error err = {0};
  expect_error(wr_image_check(b, len, NULL, &err), &err);
  uint8_t d[32];
  if (len >= WR_IMAGE_HEADER_OFF + sizeof(wr_image_header) && wr_image_digest(b, len, d, &err) == 0)
    memcpy(b + WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, digest), d, 32);
  if (ftruncate(fd, 0) == 0 && pwrite(fd, b, len, 0) == (ssize_t)len) {
    wr_image *img = NULL;
    int rc = wr_image_open(fd, &img, &err);
    expect_error(rc, &err);
    if (rc == 0) expect_error(wr_image_map(img, &err), &err);
    wr_image_free(img);
    wr_image_info info;
    expect_error(wr_image_read_info(fd, &info, &err), &err);
  }
  free(b);
  return 0;
}
