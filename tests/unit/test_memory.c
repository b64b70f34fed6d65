/* test_memory.c: linear memories through the runtime API (wr_memory_new,
 * wr_memory_grow, wr_store_set_max_pages): sizes and page counts, growth within
 * and beyond the declared maximum, the 65536-page limit, the store's cap, zeroed
 * new pages, and reads and writes of every committed page's first and last byte. */
#include <check.h>
#include <string.h>

#include "runtime/runtime.h"
#include "unit.h"

static wr_store *store;

static void setup(void) {
  wr_error err;
  memset(&err, 0, sizeof err);
  store = wr_store_new(&err);
  ck_assert_msg(store != NULL, "wr_store_new: %s", err.msg);
}

static void teardown(void) {
  wr_store_free(store);
  store = NULL;
}

static wr_memory *new_memory(uint32_t min, bool has_max, uint32_t max) {
  wr_memtype t = {.lim = {.min = min, .max = max, .has_max = has_max}};
  wr_error err;
  memset(&err, 0, sizeof err);
  wr_memory *m = wr_memory_new(store, &t, &err);
  ck_assert_msg(m != NULL, "wr_memory_new(%u): %s", min, err.msg);
  return m;
}

/* Writes and reads back the first and last byte of every page. */
static void touch_pages(wr_memory *m) {
  for (uint32_t p = 0; p < m->pages; p++) {
    uint8_t *first = m->base + (uint64_t)p * WR_PAGE_SIZE, *last = first + WR_PAGE_SIZE - 1;
    *first = (uint8_t)(p + 1);
    *last = (uint8_t)(p + 2);
    ck_assert_uint_eq(*first, (uint8_t)(p + 1));
    ck_assert_uint_eq(*last, (uint8_t)(p + 2));
  }
}

START_TEST(new_memory_has_min_pages_committed) {
  wr_memory *m = new_memory(2, true, 5);
  ck_assert_ptr_nonnull(m->base);
  ck_assert_uint_eq(m->pages, 2);
  ck_assert_uint_eq(m->size, 2 * WR_PAGE_SIZE);
  ck_assert_uint_eq(m->max_pages, 5);
  ck_assert_uint_eq(m->type.lim.min, 2);
  ck_assert_uint_eq(m->type.lim.max, 5);
  /* a new memory reads as zero */
  for (uint64_t i = 0; i < m->size; i += 4093) ck_assert_uint_eq(m->base[i], 0);
  ck_assert_uint_eq(m->base[m->size - 1], 0);
  touch_pages(m);
}
END_TEST

START_TEST(zero_page_memory) {
  wr_memory *m = new_memory(0, false, 0);
  ck_assert_ptr_nonnull(m->base); /* reserved, so that the base never moves */
  ck_assert_uint_eq(m->pages, 0);
  ck_assert_uint_eq(m->size, 0);
  ck_assert_int_eq(wr_memory_grow(m, 0), 0);
  ck_assert_int_eq(wr_memory_grow(m, 1), 0);
  ck_assert_uint_eq(m->pages, 1);
  touch_pages(m);
}
END_TEST

START_TEST(grow_within_max_returns_old_size) {
  wr_memory *m = new_memory(1, true, 4);
  uint8_t *base = m->base;
  m->base[0] = 0x5a;
  ck_assert_int_eq(wr_memory_grow(m, 1), 1);
  ck_assert_uint_eq(m->pages, 2);
  ck_assert_uint_eq(m->size, 2 * WR_PAGE_SIZE);
  ck_assert_int_eq(wr_memory_grow(m, 2), 2);
  ck_assert_uint_eq(m->pages, 4);
  ck_assert_uint_eq(m->size, 4 * WR_PAGE_SIZE);
  /* growing keeps the base and the contents; the new pages are zero */
  ck_assert_ptr_eq(m->base, base);
  ck_assert_uint_eq(m->base[0], 0x5a);
  ck_assert_uint_eq(m->base[WR_PAGE_SIZE], 0);
  ck_assert_uint_eq(m->base[4 * WR_PAGE_SIZE - 1], 0);
  touch_pages(m);
  /* growing by 0 returns the size, also at the maximum */
  ck_assert_int_eq(wr_memory_grow(m, 0), 4);
}
END_TEST

START_TEST(grow_beyond_max_fails_and_changes_nothing) {
  wr_memory *m = new_memory(1, true, 3);
  ck_assert_int_eq(wr_memory_grow(m, 3), -1);
  ck_assert_uint_eq(m->pages, 1);
  ck_assert_uint_eq(m->size, WR_PAGE_SIZE);
  ck_assert_int_eq(wr_memory_grow(m, 2), 1);
  ck_assert_int_eq(wr_memory_grow(m, 1), -1);
  ck_assert_int_eq(wr_memory_grow(m, UINT32_MAX), -1);
  ck_assert_int_eq(wr_memory_grow(m, 0x80000000u), -1);
  ck_assert_uint_eq(m->pages, 3);
  ck_assert_uint_eq(m->size, 3 * WR_PAGE_SIZE);
  touch_pages(m);
}
END_TEST

START_TEST(max_zero_never_grows) {
  wr_memory *m = new_memory(0, true, 0);
  ck_assert_uint_eq(m->max_pages, 0);
  ck_assert_int_eq(wr_memory_grow(m, 1), -1);
  ck_assert_int_eq(wr_memory_grow(m, 0), 0);
  ck_assert_uint_eq(m->pages, 0);
}
END_TEST

START_TEST(page_limit_is_65536) {
  /* no declared maximum: the limit is 4 GiB */
  wr_memory *m = new_memory(1, false, 0);
  ck_assert_uint_eq(m->max_pages, WR_MAX_PAGES);
  ck_assert_int_eq(wr_memory_grow(m, WR_MAX_PAGES), -1);
  ck_assert_uint_eq(m->pages, 1);
  ck_assert_int_eq(wr_memory_grow(m, WR_MAX_PAGES - 1), 1);
  ck_assert_uint_eq(m->pages, WR_MAX_PAGES);
  ck_assert_uint_eq(m->size, UINT64_C(1) << 32);
  ck_assert_int_eq(wr_memory_grow(m, 1), -1);
  /* the last byte of the 4 GiB is usable */
  m->base[UINT32_MAX] = 0xa5;
  ck_assert_uint_eq(m->base[UINT32_MAX], 0xa5);
  ck_assert_uint_eq(m->base[UINT32_MAX - 1], 0);
}
END_TEST

START_TEST(store_cap_limits_new_memories) {
  wr_memory *before = new_memory(1, false, 0);
  wr_store_set_max_pages(store, 4);
  /* no declared maximum: the cap is the maximum */
  wr_memory *m = new_memory(1, false, 0);
  ck_assert_uint_eq(m->max_pages, 4);
  ck_assert_int_eq(wr_memory_grow(m, 3), 1);
  ck_assert_int_eq(wr_memory_grow(m, 1), -1);
  ck_assert_uint_eq(m->pages, 4);
  /* a declared maximum below the cap stays; above it, the cap wins */
  ck_assert_uint_eq(new_memory(1, true, 2)->max_pages, 2);
  ck_assert_uint_eq(new_memory(1, true, 100)->max_pages, 4);
  /* the declared type is kept as declared (import matching uses it) */
  wr_memory *d = new_memory(1, true, 100);
  ck_assert_uint_eq(d->type.lim.max, 100);
  /* a memory made before the cap is not affected */
  ck_assert_uint_eq(before->max_pages, WR_MAX_PAGES);
  ck_assert_int_eq(wr_memory_grow(before, 10), 1);
  /* 0 removes the cap */
  wr_store_set_max_pages(store, 0);
  ck_assert_uint_eq(new_memory(1, false, 0)->max_pages, WR_MAX_PAGES);
}
END_TEST

START_TEST(store_cap_below_min_fails) {
  wr_store_set_max_pages(store, 4);
  wr_memtype t = {.lim = {.min = 5, .max = 0, .has_max = false}};
  wr_error err;
  memset(&err, 0, sizeof err);
  ck_assert_ptr_null(wr_memory_new(store, &t, &err));
  ck_assert_int_eq(err.code, WR_ERR_INSTANTIATE);
  ck_assert_str_eq(err.msg, "memory of 5 pages exceeds the limit of 4 pages (--max-memory)");
  /* exactly at the cap is fine */
  t.lim.min = 4;
  wr_memory *m = wr_memory_new(store, &t, &err);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->pages, 4);
  ck_assert_int_eq(wr_memory_grow(m, 1), -1);
}
END_TEST

START_TEST(many_memories_in_one_store) {
  /* each memory has its own reservation; writing one leaves the others alone */
  wr_memory *ms[8];
  for (int i = 0; i < 8; i++) {
    ms[i] = new_memory(1, true, 2);
    ms[i]->base[100] = (uint8_t)(i + 1);
  }
  for (int i = 0; i < 8; i++) {
    ck_assert_uint_eq(ms[i]->base[100], (uint8_t)(i + 1));
    for (int j = 0; j < i; j++) ck_assert_ptr_ne(ms[i]->base, ms[j]->base);
  }
}
END_TEST

Suite *memory_suite(void) {
  Suite *s = suite_create("memory");
  TCase *tc = tcase_create("grow");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, new_memory_has_min_pages_committed);
  tcase_add_test(tc, zero_page_memory);
  tcase_add_test(tc, grow_within_max_returns_old_size);
  tcase_add_test(tc, grow_beyond_max_fails_and_changes_nothing);
  tcase_add_test(tc, max_zero_never_grows);
  tcase_add_test(tc, page_limit_is_65536);
  tcase_add_test(tc, store_cap_limits_new_memories);
  tcase_add_test(tc, store_cap_below_min_fails);
  tcase_add_test(tc, many_memories_in_one_store);
  suite_add_tcase(s, tc);
  return s;
}
