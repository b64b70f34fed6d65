/* test_leb.c: the LEB128 and little-endian readers of src/wasm/leb.h. Checked
 * readers: values, bytes consumed, the byte-count limit ceil(N/7) for N = 32, 33, 64,
 * padded (non-minimal) encodings, sign extension, and the three failure reasons
 * with their spec wording. Unchecked readers: the same values on valid input. */
#include <check.h>
#include <stdint.h>

#include "unit.h"
#include "wasm/leb.h"

/* Reads an unsigned LEB of `bits` from p[0..n); the result must be a success that
 * consumes exactly `used` bytes. */
static uint64_t uleb_ok(const uint8_t *p, size_t n, unsigned bits, size_t used) {
  const uint8_t *q = p;
  uint64_t v = 0xdeadbeef;
  const char *why = NULL;
  int rc = wr_read_uleb(&q, p + n, bits, &v, &why);
  ck_assert_msg(rc == 0, "uleb%u failed: %s", bits, why ? why : "?");
  ck_assert_uint_eq((size_t)(q - p), used);
  return v;
}

static int64_t sleb_ok(const uint8_t *p, size_t n, unsigned bits, size_t used) {
  const uint8_t *q = p;
  int64_t v = 0xdeadbeef;
  const char *why = NULL;
  int rc = wr_read_sleb(&q, p + n, bits, &v, &why);
  ck_assert_msg(rc == 0, "sleb%u failed: %s", bits, why ? why : "?");
  ck_assert_uint_eq((size_t)(q - p), used);
  return v;
}

/* The read must fail as malformed, with `reason` as the why. */
static void uleb_bad(const uint8_t *p, size_t n, unsigned bits, const char *reason) {
  const uint8_t *q = p;
  uint64_t v;
  const char *why = NULL;
  ck_assert_int_eq(wr_read_uleb(&q, p + n, bits, &v, &why), WR_ERR_MALFORMED);
  ck_assert_ptr_nonnull(why);
  ck_assert_str_eq(why, reason);
}

static void sleb_bad(const uint8_t *p, size_t n, unsigned bits, const char *reason) {
  const uint8_t *q = p;
  int64_t v;
  const char *why = NULL;
  ck_assert_int_eq(wr_read_sleb(&q, p + n, bits, &v, &why), WR_ERR_MALFORMED);
  ck_assert_ptr_nonnull(why);
  ck_assert_str_eq(why, reason);
}

/* A pair (pointer, length) from a byte list. */
#define B(...) BYTES(__VA_ARGS__)

/* ---- unsigned -------------------------------------------------------------------- */

START_TEST(uleb32_minimal_encodings) {
  ck_assert_uint_eq(uleb_ok(B(0x00), 32, 1), 0);
  ck_assert_uint_eq(uleb_ok(B(0x01), 32, 1), 1);
  ck_assert_uint_eq(uleb_ok(B(0x7f), 32, 1), 127);
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x01), 32, 2), 128);
  ck_assert_uint_eq(uleb_ok(B(0xe5, 0x8e, 0x26), 32, 3), 624485);
  ck_assert_uint_eq(uleb_ok(B(0xff, 0xff, 0xff, 0xff, 0x0f), 32, 5), UINT32_MAX);
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x08), 32, 5), UINT32_C(0x80000000));
}
END_TEST

START_TEST(uleb32_stops_at_last_byte_leaving_rest) {
  /* bytes after the value are not consumed */
  ck_assert_uint_eq(uleb_ok(B(0x05, 0xff, 0xff), 32, 1), 5);
  ck_assert_uint_eq(uleb_ok(B(0x85, 0x00, 0x80), 32, 2), 5);
}
END_TEST

START_TEST(uleb32_padded_encodings_up_to_five_bytes) {
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x00), 32, 2), 0);
  ck_assert_uint_eq(uleb_ok(B(0x83, 0x80, 0x80, 0x80, 0x00), 32, 5), 3);
  ck_assert_uint_eq(uleb_ok(B(0xff, 0x80, 0x80, 0x80, 0x00), 32, 5), 127);
}
END_TEST

START_TEST(uleb32_more_than_five_bytes_is_too_long) {
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 32, "integer representation too long");
  /* the fifth byte may not continue, even when the input ends there */
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80), 32, "integer representation too long");
  uleb_bad(B(0xff, 0xff, 0xff, 0xff, 0x8f, 0x00), 32, "integer representation too long");
}
END_TEST

START_TEST(uleb32_unused_bits_of_fifth_byte_must_be_zero) {
  /* the fifth byte carries bits 28..31; bits 4..6 of it are unused */
  uleb_bad(B(0xff, 0xff, 0xff, 0xff, 0x1f), 32, "integer too large");
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x10), 32, "integer too large");
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x70), 32, "integer too large");
  uleb_bad(B(0x82, 0x80, 0x80, 0x80, 0x40), 32, "integer too large");
}
END_TEST

START_TEST(uleb_unexpected_end) {
  static const uint8_t cont[] = {0x80, 0x80, 0x80};
  const uint8_t *q = cont;
  uint64_t v;
  const char *why = NULL;
  /* empty input */
  ck_assert_int_eq(wr_read_uleb(&q, cont, 32, &v, &why), WR_ERR_MALFORMED);
  ck_assert_str_eq(why, "unexpected end");
  /* input ends while a continuation bit is set, at each length */
  for (size_t n = 1; n <= 3; n++) {
    q = cont;
    why = NULL;
    ck_assert_int_eq(wr_read_uleb(&q, cont + n, 32, &v, &why), WR_ERR_MALFORMED);
    ck_assert_str_eq(why, "unexpected end");
    q = cont;
    why = NULL;
    ck_assert_int_eq(wr_read_uleb(&q, cont + n, 64, &v, &why), WR_ERR_MALFORMED);
    ck_assert_str_eq(why, "unexpected end");
  }
}
END_TEST

START_TEST(uleb64_limits) {
  ck_assert_uint_eq(uleb_ok(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 64, 10),
                    UINT64_MAX);
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 64, 10),
                    UINT64_C(0x8000000000000000));
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x10), 64, 5), UINT64_C(0x100000000));
  ck_assert_uint_eq(uleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 64, 10), 0);
  /* the tenth byte carries bit 63 only */
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), 64, "integer too large");
  uleb_bad(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 64, "integer too large");
  uleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 64,
           "integer representation too long");
}
END_TEST

/* ---- signed ---------------------------------------------------------------------- */

START_TEST(sleb32_sign_extension) {
  ck_assert_int_eq(sleb_ok(B(0x00), 32, 1), 0);
  ck_assert_int_eq(sleb_ok(B(0x3f), 32, 1), 63);
  ck_assert_int_eq(sleb_ok(B(0x40), 32, 1), -64);
  ck_assert_int_eq(sleb_ok(B(0x7f), 32, 1), -1);
  ck_assert_int_eq(sleb_ok(B(0xc0, 0x00), 32, 2), 64);
  ck_assert_int_eq(sleb_ok(B(0x80, 0x7f), 32, 2), -128);
  ck_assert_int_eq(sleb_ok(B(0xc0, 0xbb, 0x78), 32, 3), -123456);
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0x07), 32, 5), INT32_MAX);
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x78), 32, 5), INT32_MIN);
}
END_TEST

START_TEST(sleb32_padded_encodings) {
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0x7f), 32, 5), -1);
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x00), 32, 5), 0);
  ck_assert_int_eq(sleb_ok(B(0xff, 0x7f), 32, 2), -1);
  ck_assert_int_eq(sleb_ok(B(0x81, 0x80, 0x00), 32, 3), 1);
}
END_TEST

START_TEST(sleb32_unused_bits_must_extend_the_sign) {
  /* fifth byte: bits 28..31 of the value, then 3 bits that must copy bit 31 */
  sleb_bad(B(0xff, 0xff, 0xff, 0xff, 0x0f), 32, "integer too large"); /* sign 1, pad 000 */
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x70), 32, "integer too large"); /* sign 0, pad 111 */
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x10), 32, "integer too large");
  sleb_bad(B(0xff, 0xff, 0xff, 0xff, 0x4f), 32, "integer too large");
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 32, "integer representation too long");
  sleb_bad(B(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 32, "integer representation too long");
}
END_TEST

START_TEST(sleb33_block_type_range) {
  /* s33 (block types): 5 bytes, the fifth carries bits 28..32 */
  ck_assert_int_eq(sleb_ok(B(0x40), 33, 1), -64); /* the empty block type */
  ck_assert_int_eq(sleb_ok(B(0x7f), 33, 1), -1);  /* i32 */
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0x0f), 33, 5), INT64_C(0xffffffff));
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x70), 33, 5), -INT64_C(0x100000000));
  ck_assert_int_eq(sleb_ok(B(0x85, 0x80, 0x80, 0x80, 0x00), 33, 5), 5);
  sleb_bad(B(0xff, 0xff, 0xff, 0xff, 0x1f), 33, "integer too large");
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x60), 33, "integer too large");
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 33, "integer representation too long");
  sleb_bad(B(0x80, 0x80), 33, "unexpected end");
}
END_TEST

START_TEST(sleb64_limits) {
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), 64, 10),
                   INT64_MIN);
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), 64, 10),
                   INT64_MAX);
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 64, 10), -1);
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x70), 64, 5), -INT64_C(0x100000000));
  /* a value of 63 bits or fewer in fewer bytes: sign from bit 6 of the last byte */
  ck_assert_int_eq(sleb_ok(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f), 64, 9),
                   INT64_C(0x3fffffffffffffff));
  ck_assert_int_eq(sleb_ok(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40), 64, 9),
                   -INT64_C(0x4000000000000000));
  /* tenth byte: bit 63, then 6 bits that must copy it */
  sleb_bad(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 64, "integer too large");
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e), 64, "integer too large");
  sleb_bad(B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), 64,
           "integer representation too long");
  sleb_bad(B(0xff), 64, "unexpected end");
}
END_TEST

/* ---- unchecked readers ------------------------------------------------------------- */

START_TEST(unchecked_readers_match_checked_ones) {
  static const uint8_t u[] = {0x80, 0x01, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x83, 0x80, 0x80, 0x80, 0x00, 0x2a};
  const uint8_t *p = u;
  ck_assert_uint_eq(wr_uleb32_unchecked(&p), 128);
  ck_assert_ptr_eq(p, u + 2);
  ck_assert_uint_eq(wr_uleb32_unchecked(&p), 127);
  ck_assert_ptr_eq(p, u + 3);
  ck_assert_uint_eq(wr_uleb32_unchecked(&p), UINT32_MAX);
  ck_assert_ptr_eq(p, u + 8);
  ck_assert_uint_eq(wr_uleb32_unchecked(&p), 3); /* padded */
  ck_assert_ptr_eq(p, u + 13);
  ck_assert_uint_eq(wr_uleb32_unchecked(&p), 42);
  ck_assert_ptr_eq(p, u + 14);

  static const uint8_t s[] = {0x7f, 0x3f, 0x40, 0x80, 0x7f, 0x80, 0x80, 0x80, 0x80, 0x78,
                              0xff, 0xff, 0xff, 0xff, 0x07, 0xff, 0xff, 0xff, 0xff, 0x7f};
  p = s;
  ck_assert_int_eq(wr_sleb32_unchecked(&p), -1);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), 63);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), -64);
  ck_assert_ptr_eq(p, s + 3);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), -128);
  ck_assert_ptr_eq(p, s + 5);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), INT32_MIN);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), INT32_MAX);
  ck_assert_int_eq(wr_sleb32_unchecked(&p), -1); /* padded */
  ck_assert_ptr_eq(p, s + sizeof s);

  static const uint8_t l[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
                              0x40, 0x80, 0x80, 0x80, 0x80, 0x10};
  p = l;
  ck_assert_int_eq(wr_sleb64_unchecked(&p), INT64_MIN);
  ck_assert_ptr_eq(p, l + 10);
  ck_assert_int_eq(wr_sleb64_unchecked(&p), INT64_MAX);
  ck_assert_int_eq(wr_sleb64_unchecked(&p), -64);
  ck_assert_int_eq(wr_sleb64_unchecked(&p), INT64_C(0x100000000));
  ck_assert_ptr_eq(p, l + sizeof l);
}
END_TEST

START_TEST(fixed_little_endian_loads) {
  static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88, 0x99};
  ck_assert_uint_eq(wr_load_u32le(b), UINT32_C(0x04030201));
  ck_assert_uint_eq(wr_load_u32le(b + 1), UINT32_C(0x05040302)); /* unaligned */
  ck_assert_uint_eq(wr_load_u64le(b), UINT64_C(0x8807060504030201));
  ck_assert_uint_eq(wr_load_u64le(b + 1), UINT64_C(0x9988070605040302));
}
END_TEST

Suite *leb_suite(void) {
  Suite *s = suite_create("leb");
  TCase *tc = tcase_create("unsigned");
  tcase_add_test(tc, uleb32_minimal_encodings);
  tcase_add_test(tc, uleb32_stops_at_last_byte_leaving_rest);
  tcase_add_test(tc, uleb32_padded_encodings_up_to_five_bytes);
  tcase_add_test(tc, uleb32_more_than_five_bytes_is_too_long);
  tcase_add_test(tc, uleb32_unused_bits_of_fifth_byte_must_be_zero);
  tcase_add_test(tc, uleb_unexpected_end);
  tcase_add_test(tc, uleb64_limits);
  suite_add_tcase(s, tc);
  tc = tcase_create("signed");
  tcase_add_test(tc, sleb32_sign_extension);
  tcase_add_test(tc, sleb32_padded_encodings);
  tcase_add_test(tc, sleb32_unused_bits_must_extend_the_sign);
  tcase_add_test(tc, sleb33_block_type_range);
  tcase_add_test(tc, sleb64_limits);
  suite_add_tcase(s, tc);
  tc = tcase_create("unchecked");
  tcase_add_test(tc, unchecked_readers_match_checked_ones);
  tcase_add_test(tc, fixed_little_endian_loads);
  suite_add_tcase(s, tc);
  return s;
}
