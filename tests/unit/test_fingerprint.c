/* test_fingerprint.c: the compiler fingerprint of aot-cache/fingerprint.c: its
 * exact format for a given CPU, the signature decoding, the opt level and the
 * test-only extra part, and that this machine's fingerprint has that form. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot-cache/fingerprint.h"
#include "config.h"
#include "unit.h"

#ifndef WR_LLVM_VERSION /* a --disable-llvm build: as fingerprint.c says it */
#define WR_LLVM_VERSION "none"
#define WR_TARGET_TRIPLE "none"
#endif

static const wr_cpu_id skylake = {
    .vendor = "GenuineIntel", .family = 6, .model = 85, .stepping = 4,
    .l1_ecx = 0xfffa3203, .l1_edx = 0x0f8bfbff, .l7_ebx = 0xd19f4fbb, .l7_ecx = 0x0000000c,
    .l7_edx = 0xa4000000, .l7_1_eax = 0, .x1_ecx = 0x00000121, .x1_edx = 0x2c100800, .xcr0 = 0xe7,
};

START_TEST(format_exact) {
  char fp[WR_FINGERPRINT_MAX], want[WR_FINGERPRINT_MAX];
  wr_error err;
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 2, NULL, fp, sizeof fp, &err), 0);
  snprintf(want, sizeof want,
           "wasm-run %s; image-abi 1; codegen 2; llvm %s; %s; cpu GenuineIntel 6 85 4; "
           "features fffa3203.0f8bfbff.d19f4fbb.0000000c.a4000000.00000000.00000121.2c100800.00000000000000e7; opt 2",
           PACKAGE_VERSION, WR_LLVM_VERSION, WR_TARGET_TRIPLE);
  ck_assert_str_eq(fp, want);
  /* An empty extra adds nothing; a set one is the last part. */
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 2, "", fp, sizeof fp, &err), 0);
  ck_assert_str_eq(fp, want);
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 2, "avx512 off", fp, sizeof fp, &err), 0);
  strcat(want, "; test avx512 off");
  ck_assert_str_eq(fp, want);
}
END_TEST

START_TEST(format_opt_and_features_change_it) {
  char a[WR_FINGERPRINT_MAX], b[WR_FINGERPRINT_MAX];
  wr_error err;
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 0, NULL, a, sizeof a, &err), 0);
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 3, NULL, b, sizeof b, &err), 0);
  ck_assert_str_ne(a, b);
  ck_assert_ptr_nonnull(strstr(a, "; opt 0"));
  wr_cpu_id no_avx512 = skylake;
  no_avx512.xcr0 = 0x7; /* the OS does not save the AVX-512 state */
  ck_assert_int_eq(wr_fingerprint_format(&no_avx512, 0, NULL, b, sizeof b, &err), 0);
  ck_assert_str_ne(a, b);
  wr_cpu_id unknown = skylake;
  unknown.vendor[0] = 0;
  ck_assert_int_eq(wr_fingerprint_format(&unknown, 0, NULL, b, sizeof b, &err), 0);
  ck_assert_ptr_nonnull(strstr(b, "; cpu unknown 6 85 4; "));
}
END_TEST

START_TEST(format_errors) {
  char fp[WR_FINGERPRINT_MAX];
  wr_error err;
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 4, NULL, fp, sizeof fp, &err), WR_ERR_USAGE);
  ck_assert_str_eq(err.msg, "--opt=4: expected an optimisation level from 0 to 3");
  ck_assert_int_eq(wr_fingerprint_format(&skylake, -1, NULL, fp, sizeof fp, &err), WR_ERR_USAGE);
  char extra[600];
  memset(extra, 'x', sizeof extra - 1);
  extra[sizeof extra - 1] = 0;
  ck_assert_int_eq(wr_fingerprint_format(&skylake, 2, extra, fp, sizeof fp, &err), WR_ERR_USAGE);
  ck_assert_str_eq(err.msg, "compiler fingerprint: longer than 511 bytes (is $WASM_RUN_TEST_FINGERPRINT too long?)");
}
END_TEST

START_TEST(signature) {
  unsigned f, m, s;
  wr_cpu_signature(0x00050654, &f, &m, &s); /* Skylake-SP */
  ck_assert_uint_eq(f, 6);
  ck_assert_uint_eq(m, 85);
  ck_assert_uint_eq(s, 4);
  wr_cpu_signature(0x00830f10, &f, &m, &s); /* Zen 2 */
  ck_assert_uint_eq(f, 23);
  ck_assert_uint_eq(m, 49);
  ck_assert_uint_eq(s, 0);
  wr_cpu_signature(0x00000f29, &f, &m, &s); /* a Pentium 4: family 15, no extension */
  ck_assert_uint_eq(f, 15);
  ck_assert_uint_eq(m, 2);
  ck_assert_uint_eq(s, 9);
  wr_cpu_signature(0x00010533, &f, &m, &s); /* family 5: the extended model is not used */
  ck_assert_uint_eq(f, 5);
  ck_assert_uint_eq(m, 3);
  ck_assert_uint_eq(s, 3);
}
END_TEST

START_TEST(this_machine) {
  char fp[WR_FINGERPRINT_MAX], again[WR_FINGERPRINT_MAX];
  wr_error err;
  unsetenv("WASM_RUN_TEST_FINGERPRINT");
  ck_assert_int_eq(wr_fingerprint(2, fp, sizeof fp, &err), 0);
  regex_t re;
  ck_assert_int_eq(regcomp(&re,
                           "^wasm-run [^;]+; image-abi [0-9]+; codegen [0-9]+; llvm [^;]+; [^;]+; cpu [A-Za-z ]+ [0-9]+ [0-9]+ [0-9]+; "
                           "features ([0-9a-f]{8}\\.){8}[0-9a-f]{16}; opt 2$",
                           REG_EXTENDED | REG_NOSUB),
                   0);
  ck_assert_msg(regexec(&re, fp, 0, NULL, 0) == 0, "unexpected fingerprint: %s", fp);
  regfree(&re);
  /* The same machine gives the same fingerprint. */
  ck_assert_int_eq(wr_fingerprint(2, again, sizeof again, &err), 0);
  ck_assert_str_eq(fp, again);
  setenv("WASM_RUN_TEST_FINGERPRINT", "variant", 1);
  ck_assert_int_eq(wr_fingerprint(2, again, sizeof again, &err), 0);
  unsetenv("WASM_RUN_TEST_FINGERPRINT");
  strcat(fp, "; test variant");
  ck_assert_str_eq(again, fp);
}
END_TEST

Suite *fingerprint_suite(void) {
  Suite *s = suite_create("fingerprint");
  TCase *tc = tcase_create("fingerprint");
  tcase_add_test(tc, format_exact);
  tcase_add_test(tc, format_opt_and_features_change_it);
  tcase_add_test(tc, format_errors);
  tcase_add_test(tc, signature);
  tcase_add_test(tc, this_machine);
  suite_add_tcase(s, tc);
  return s;
}
