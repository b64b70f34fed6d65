/* test_cgroup.c: the two parsers src/sandbox/cgroup.c finds our cgroup v2 with:
 * the "0::PATH" line of /proc/self/cgroup (unified, hybrid and v1-only hosts,
 * malformed lines) and the first cgroup2 mount of /proc/self/mountinfo (its mount
 * point and root; optional fields; escaped paths and other file systems skipped). */
#include <check.h>
#include <string.h>

#include "sandbox/sandbox.h"
#include "unit.h"

START_TEST(self_unified) {
  char path[64];
  ck_assert_int_eq(wr_cgroup_parse_self("0::/user.slice/user-1000.slice/session-3.scope\n", path, sizeof path), 0);
  ck_assert_str_eq(path, "/user.slice/user-1000.slice/session-3.scope");
  ck_assert_int_eq(wr_cgroup_parse_self("0::/", path, sizeof path), 0); /* no newline at the end */
  ck_assert_str_eq(path, "/");
}
END_TEST

START_TEST(self_hybrid) {
  /* v1 controllers first; the unified line last. */
  const char *text = "9:name=systemd:/\n4:memory:/a/b\n10:pids:/x\n0::/init.scope\n";
  char path[64];
  ck_assert_int_eq(wr_cgroup_parse_self(text, path, sizeof path), 0);
  ck_assert_str_eq(path, "/init.scope");
}
END_TEST

START_TEST(self_refused) {
  char path[8];
  ck_assert_int_eq(wr_cgroup_parse_self("4:memory:/a\n1:cpu:/\n", path, sizeof path), -1); /* v1 only */
  ck_assert_int_eq(wr_cgroup_parse_self("", path, sizeof path), -1);
  ck_assert_int_eq(wr_cgroup_parse_self("0::\n", path, sizeof path), -1);         /* empty */
  ck_assert_int_eq(wr_cgroup_parse_self("0::relative\n", path, sizeof path), -1); /* not absolute */
  ck_assert_int_eq(wr_cgroup_parse_self("0::/much/too/long\n", path, sizeof path), -1);
  ck_assert_int_eq(wr_cgroup_parse_self("10::/a\n", path, sizeof path), -1); /* not hierarchy 0 */
}
END_TEST

START_TEST(mount_found) {
  const char *text =
      "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
      "30 25 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 master:3 - cgroup2 cgroup2 rw,nsdelegate\n"
      "40 30 0:28 / /other rw - cgroup2 cgroup2 rw\n";
  char mnt[64], root[64];
  ck_assert_int_eq(wr_cgroup_parse_mount(text, mnt, sizeof mnt, root, sizeof root), 0);
  ck_assert_str_eq(mnt, "/sys/fs/cgroup/unified"); /* the first one */
  ck_assert_str_eq(root, "/");
}
END_TEST

START_TEST(mount_with_root) {
  /* Inside a container the mount shows only part of the hierarchy. */
  const char *text = "7 6 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup rw";
  char mnt[64], root[64];
  ck_assert_int_eq(wr_cgroup_parse_mount(text, mnt, sizeof mnt, root, sizeof root), 0);
  ck_assert_str_eq(mnt, "/sys/fs/cgroup");
  ck_assert_str_eq(root, "/kubepods/pod1");
}
END_TEST

START_TEST(mount_refused) {
  char mnt[16], root[16];
  /* No cgroup2; a "cgroup" (v1) one does not count. */
  ck_assert_int_eq(wr_cgroup_parse_mount("1 0 0:1 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", mnt, sizeof mnt,
                                         root, sizeof root),
                   -1);
  /* An escaped mount point is skipped, the next one taken. */
  ck_assert_int_eq(wr_cgroup_parse_mount("1 0 0:1 / /a\\040b rw - cgroup2 c rw\n2 0 0:2 / /cg rw - cgroup2 c rw\n",
                                         mnt, sizeof mnt, root, sizeof root),
                   0);
  ck_assert_str_eq(mnt, "/cg");
  /* Too long for the buffer: skipped. */
  ck_assert_int_eq(wr_cgroup_parse_mount("1 0 0:1 / /a/very/long/mount/point rw - cgroup2 c rw\n", mnt, sizeof mnt,
                                         root, sizeof root),
                   -1);
  /* Truncated lines. */
  ck_assert_int_eq(wr_cgroup_parse_mount("1 0 - cgroup2 c rw\n", mnt, sizeof mnt, root, sizeof root), -1);
  ck_assert_int_eq(wr_cgroup_parse_mount("", mnt, sizeof mnt, root, sizeof root), -1);
}
END_TEST

Suite *cgroup_suite(void) {
  Suite *s = suite_create("cgroup");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, self_unified);
  tcase_add_test(tc, self_hybrid);
  tcase_add_test(tc, self_refused);
  tcase_add_test(tc, mount_found);
  tcase_add_test(tc, mount_with_root);
  tcase_add_test(tc, mount_refused);
  suite_add_tcase(s, tc);
  return s;
}
