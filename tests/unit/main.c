/* main.c: the unit-test program: runs every Check suite of tests/unit and fails
 * when any test fails. */
#include <check.h>
#include <stdlib.h>

#include "unit.h"

int main(void) {
  SRunner *sr = srunner_create(leb_suite());
  srunner_add_suite(sr, validate_suite());
  srunner_add_suite(sr, memory_suite());
  srunner_add_suite(sr, traps_suite());
  srunner_add_suite(sr, cgroup_suite());
  srunner_add_suite(sr, fingerprint_suite());
  srunner_add_suite(sr, cache_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
