/* module_builder.c: the tests' builder of hand-assembled wasm modules (unit.h). */
#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "unit.h"

size_t wb_uleb(uint8_t *out, uint64_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out[n++] = b | (v ? 0x80 : 0);
  } while (v);
  return n;
}

void wb_raw(wbuf *w, const uint8_t *p, size_t n) {
  ck_assert_msg(w->n + n <= sizeof w->b, "test module larger than the builder's buffer");
  memcpy(w->b + w->n, p, n);
  w->n += n;
}

void wb_init(wbuf *w) {
  w->n = 0;
  wb_raw(w, BYTES(WASM_HEADER));
}

void wb_section(wbuf *w, uint8_t id, const uint8_t *payload, size_t n) {
  uint8_t hdr[11];
  hdr[0] = id;
  size_t h = 1 + wb_uleb(hdr + 1, n);
  wb_raw(w, hdr, h);
  wb_raw(w, payload, n);
}

void wb_code(wbuf *w, unsigned count, ...) {
  uint8_t payload[sizeof w->b];
  size_t n = wb_uleb(payload, count);
  va_list ap;
  va_start(ap, count);
  for (unsigned i = 0; i < count; i++) {
    const uint8_t *body = va_arg(ap, const uint8_t *);
    size_t len = va_arg(ap, size_t);
    ck_assert(n + 10 + len <= sizeof payload);
    n += wb_uleb(payload + n, len);
    memcpy(payload + n, body, len);
    n += len;
  }
  va_end(ap);
  wb_section(w, SEC_CODE, payload, n);
}

void wb_func_name(wbuf *w, uint32_t idx, const char *name) {
  uint8_t sub[256], payload[300];
  size_t len = strlen(name), s = 0, p = 0;
  ck_assert(len < 200);
  s += wb_uleb(sub + s, 1); /* one name */
  s += wb_uleb(sub + s, idx);
  s += wb_uleb(sub + s, len);
  memcpy(sub + s, name, len);
  s += len;
  p += wb_uleb(payload + p, 4);
  memcpy(payload + p, "name", 4);
  p += 4;
  payload[p++] = 1; /* subsection: function names */
  p += wb_uleb(payload + p, s);
  memcpy(payload + p, sub, s);
  p += s;
  wb_section(w, SEC_CUSTOM, payload, p);
}

int wb_load(const wbuf *w, wr_module **m, wr_error *err) {
  *m = NULL;
  return wr_module_load(w->b, w->n, m, err);
}
