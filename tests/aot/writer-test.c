/* writer-test.c: the image writer and loader without LLVM, on the hand-made object
 * of template.h: the image runs through the aot mode and returns the value its
 * relocations lead to; the writer refuses what it cannot place with its exact
 * message; every single flipped byte of the image is refused by the digest; and
 * header fields set to extreme values, with the digest repaired, are refused or
 * loaded without a crash. Prints "ok"/"FAIL" lines; exits 1 on any failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aot-cache/image.h"
#include "modes/aot.h"
#include "runtime/runtime.h"
#include "tests/aot/template.h"

static int fails;

static void check(int cond, const char *what, const char *detail) {
  if (cond) {
    printf("ok %s\n", what);
  } else {
    printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    fails++;
  }
}

static _Alignas(8) uint8_t objbuf[4096];

/* Writes an image of the template object (made with text_reloc, undefined) to fd. */
static int write_image(int fd, uint32_t text_reloc, int undefined, wr_error *err) {
  size_t len = template_object(objbuf, text_reloc, undefined);
  wr_module *m = NULL;
  int rc = wr_module_load(template_wasm, sizeof template_wasm, &m, err);
  if (rc == 0) rc = wr_image_write(&(wr_image_obj){objbuf, len}, 1, m, template_wasm, sizeof template_wasm, NULL, "writer-test", fd, err);
  wr_module_free(m);
  return rc;
}

static uint8_t *read_all(int fd, size_t *len) {
  off_t end = lseek(fd, 0, SEEK_END);
  uint8_t *b = malloc(end > 0 ? (size_t)end : 1);
  if (!b || end < 0 || pread(fd, b, (size_t)end, 0) != end) {
    free(b);
    return NULL;
  }
  *len = (size_t)end;
  return b;
}

static void put_file(int fd, const uint8_t *b, size_t len) {
  if (ftruncate(fd, 0) < 0 || pwrite(fd, b, len, 0) != (ssize_t)len) {
    perror("writer-test: memfd");
    exit(2);
  }
}

static int resolve_none(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  return wr_err(err, WR_ERR_LINK, "no imports here");
}

/* Runs export f of the image in fd through the aot mode. */
static void run_image(int fd) {
  wr_error err = {0};
  wr_image *img = NULL;
  wr_module *m = NULL;
  wr_store *s = NULL;
  int rc = wr_image_open(fd, &img, &err);
  check(rc == 0, "open the image", err.msg);
  if (rc) return;
  const uint8_t *wasm;
  size_t len;
  wr_image_module(img, &wasm, &len);
  check(len == sizeof template_wasm && memcmp(wasm, template_wasm, len) == 0, "the module is embedded", NULL);
  rc = wr_image_map(img, &err);
  check(rc == 0, "map the image", err.msg);
  if (rc == 0 && (rc = wr_module_load(wasm, len, &m, &err)) == 0 && (rc = wr_image_bind(img, m, &err)) == 0 &&
      (s = wr_store_new(&err))) {
    wr_instance *inst;
    wr_extern f;
    uint64_t result = 0;
    if ((rc = wr_instantiate(s, m, WR_MODE_AOT, resolve_none, NULL, &inst, &err)) == 0 &&
        (rc = wr_instance_export(inst, "f", &f, &err)) == 0)
      rc = wr_invoke(s, f.u.func, NULL, &result, &err);
    check(rc == 0 && result == TEMPLATE_VALUE, "the image's code runs and its relocations hold",
          rc ? err.msg : "wrong result");
  } else {
    check(0, "bind the image", err.msg);
  }
  wr_store_free(s);
  if (m) wr_aot_unbind(m);
  wr_module_free(m);
  wr_image_free(img);
}

static void expect_refused(uint32_t type, int undefined, const char *want) {
  int fd = memfd_create("writer-test", MFD_CLOEXEC);
  wr_error err = {0};
  int rc = write_image(fd, type, undefined, &err);
  char what[96];
  snprintf(what, sizeof what, "refused: %.80s", want);
  check(rc < 0 && strcmp(err.msg, want) == 0, what, rc < 0 ? err.msg : "written");
  close(fd);
}

int main(void) {
  int fd = memfd_create("writer-test", MFD_CLOEXEC);
  if (fd < 0) {
    perror("writer-test: memfd_create");
    return 2;
  }
  wr_error err = {0};
  int rc = write_image(fd, R_X86_64_PC32, 0, &err);
  check(rc == 0, "write the image", err.msg);
  if (rc) return 1;
  wr_image_info info;
  rc = wr_image_verify(fd, &info, &err);
  check(rc == 0 && strcmp(info.fingerprint, "writer-test") == 0, "verify the image", err.msg);
  rc = wr_image_read_info(fd, &info, &err);
  check(rc == 0 && strcmp(info.fingerprint, "writer-test") == 0, "read the image's note", err.msg);
  size_t len;
  uint8_t *good = read_all(fd, &len);
  if (!good) return 2;
  wr_image_header h;
  memcpy(&h, good + WR_IMAGE_HEADER_OFF, sizeof h);
  check(h.data_memsz == 8 && h.nrelocs == 1 && h.data_off % WR_IMAGE_PAGE == 0 && h.data_off > h.text_off,
        "a RW segment holds the patched data", NULL);
  check(h.text_off == WR_IMAGE_PAGE && h.nfuncs == 1 && h.nimported == 0, "the code segment and the function table",
        NULL);
  run_image(fd);

  expect_refused(R_X86_64_32S, 0, "aot: section .text: relocation type 11 is not one an image can hold");
  expect_refused(R_X86_64_GOTPCREL, 0, "aot: section .text: relocation type 9 is not one an image can hold");
  expect_refused(R_X86_64_64, 0,
                 "aot: section .text: an absolute address in read-only code or data (the code model should not "
                 "make one)");
  expect_refused(R_X86_64_PC32, 1,
                 "aot: the code needs the symbol memcpy from outside the module, which an image cannot have "
                 "(everything must go through wr_ctx)");

  /* Every flipped byte but the magic's is a digest mismatch. */
  uint8_t *b = malloc(len);
  unsigned wrong = 0, crashed_not = 0;
  for (size_t i = 0; i < len; i++) {
    memcpy(b, good, len);
    b[i] ^= 0x20;
    put_file(fd, b, len);
    wr_image *img = NULL;
    rc = wr_image_open(fd, &img, &err);
    wr_image_free(img);
    crashed_not++;
    bool in_magic = i < 4 || (i >= WR_IMAGE_NOTE_OFF && i < WR_IMAGE_HEADER_OFF + 8);
    bool in_abi = i >= WR_IMAGE_HEADER_OFF + 8 && i < WR_IMAGE_HEADER_OFF + 16;
    bool in_size = i >= WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, file_size) &&
                   i < WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, file_size) + 8;
    bool elf_id = i == EI_CLASS || i == EI_DATA || i == 18 || i == 19; /* e_machine */
    if (rc == 0 || (!in_magic && !in_abi && !in_size && !elf_id && strcmp(err.msg, "damaged AOT image: digest mismatch")))
      wrong++;
  }
  char detail[64];
  snprintf(detail, sizeof detail, "%u of %zu bytes", wrong, len);
  check(wrong == 0 && crashed_not == len, "every flipped byte is refused", detail);

  /* Without the digest, a flipped byte of code goes unnoticed, one of the header's
   * offsets does not. */
  memcpy(b, good, len);
  b[h.text_off + 1] ^= 1;
  put_file(fd, b, len);
  wr_image *unchecked = NULL;
  rc = wr_image_open_flags(fd, WR_IMAGE_SKIP_DIGEST, &unchecked, &err);
  check(rc == 0, "WR_IMAGE_SKIP_DIGEST skips the digest", err.msg);
  wr_image_free(unchecked);
  unchecked = NULL;
  memcpy(b, good, len);
  b[WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, funcs_off)] ^= 1;
  put_file(fd, b, len);
  rc = wr_image_open_flags(fd, WR_IMAGE_SKIP_DIGEST, &unchecked, &err);
  check(rc < 0 && strcmp(err.msg, "damaged AOT image: function table out of range") == 0,
        "WR_IMAGE_SKIP_DIGEST still checks the structure", rc ? err.msg : "opened");
  wr_image_free(unchecked);

  /* Truncations. */
  for (size_t cut = 0; cut < len; cut += cut < 1100 ? 1 : 97) {
    put_file(fd, good, cut);
    wr_image *img = NULL;
    if (wr_image_open(fd, &img, &err) == 0) {
      snprintf(detail, sizeof detail, "at %zu bytes", cut);
      check(0, "a truncated image is refused", detail);
      wrong++;
    }
    wr_image_free(img);
  }
  check(wrong == 0, "every truncation is refused", NULL);

  /* Extreme header values with a repaired digest: refused, or (the values being
   * harmless) mapped; never a crash. */
  static const uint64_t extremes[] = {0, 1, 8, 4095, 4096, 4097, UINT32_MAX, UINT64_MAX, UINT64_MAX - 7, 1ull << 63};
  size_t first = offsetof(wr_image_header, file_size), last = offsetof(wr_image_header, cpu_words);
  unsigned refused = 0, loaded = 0;
  for (size_t f = first; f < last; f += 8)
    for (size_t k = 0; k < sizeof extremes / sizeof *extremes; k++) {
      memcpy(b, good, len);
      uint64_t v = extremes[k];
      memcpy(b + WR_IMAGE_HEADER_OFF + f, &v, 8);
      uint8_t d[32];
      memset(b + WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, digest), 0, 32);
      if (wr_image_digest(b, len, d, &err) < 0) continue;
      memcpy(b + WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, digest), d, 32);
      put_file(fd, b, len);
      wr_image *img = NULL;
      if (wr_image_open(fd, &img, &err) == 0 && wr_image_map(img, &err) == 0) loaded++;
      else refused++;
      wr_image_free(img);
    }
  snprintf(detail, sizeof detail, "%u refused, %u loaded", refused, loaded);
  check(refused > 0, "extreme header fields are checked", detail);
  free(b);
  free(good);
  close(fd);
  printf("writer-test: %d failed\n", fails);
  return fails ? 1 : 0;
}
