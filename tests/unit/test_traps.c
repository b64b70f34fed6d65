/* test_traps.c: traps through the runtime API. wr_trap_message's wording for every
 * kind; then tiny hand-assembled modules instantiated and invoked in classic mode,
 * one function per trap kind: wr_invoke returns WR_ERR_TRAP with err.trap set to the
 * kind and err.msg "KIND in function NAME" (the function where the trap happened,
 * by its name-section name, export name or func[N]); the store stays usable after every trap,
 * stack exhaustion included. Also host functions that fail, traps in a start
 * function, and unresolved imports. */
#include <check.h>
#include <string.h>

#include "runtime/runtime.h"
#include "unit.h"

START_TEST(trap_messages_are_the_spec_wording) {
  ck_assert_str_eq(wr_trap_message(WR_TRAP_UNREACHABLE), "unreachable");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_MEMORY_OOB), "out of bounds memory access");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_TABLE_OOB), "out of bounds table access");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_DIV_ZERO), "integer divide by zero");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_INT_OVERFLOW), "integer overflow");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_INVALID_CONVERSION), "invalid conversion to integer");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_INDIRECT_TYPE_MISMATCH), "indirect call type mismatch");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_UNDEFINED_ELEMENT), "undefined element");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_UNINITIALIZED_ELEMENT), "uninitialized element");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_STACK_EXHAUSTED), "call stack exhausted");
  ck_assert_str_eq(wr_trap_message(WR_TRAP_HOST), "host function failed");
  /* every kind has a message, and out-of-range kinds do not crash */
  for (int k = 0; k < WR_TRAP_COUNT; k++) {
    ck_assert_ptr_nonnull(wr_trap_message(k));
    ck_assert_uint_gt(strlen(wr_trap_message(k)), 0);
  }
  ck_assert_str_eq(wr_trap_message(WR_TRAP_COUNT), "unknown trap");
  ck_assert_str_eq(wr_trap_message(-1), "unknown trap");
}
END_TEST

/* ---- the trap module ------------------------------------------------------------------ */

/* Function index -> export name; the module's functions, in order:
 *   0 boom          [] -> []        unreachable            (named "boom" in the name section)
 *   1 load          [i32] -> [i32]  i32.load of the param  (1-page memory)
 *   2 div0          [] -> [i32]     1 / 0
 *   3 ovf           [] -> [i32]     INT32_MIN / -1
 *   4 conv          [] -> [i32]     i32.trunc_f32_s of NaN
 *   5 ind_mismatch  [] -> [i32]     call_indirect [] -> [i32] of table[0] = boom ([] -> [])
 *   6 ind_undefined [] -> [i32]     call_indirect of table[5], table size 2
 *   7 ind_uninit    [] -> [i32]     call_indirect of table[1], a null
 *   8 recurse       [] -> []        calls itself forever
 *   9 table_oob     [] -> [funcref] table.get 10
 *  10 nested        [] -> []        calls boom
 *  11 ok            [i32] -> [i32]  param + 1
 *  12 call_hidden   [] -> [i32]     calls 13
 *  13 (not exported) [] -> [i32]    1 / 0
 * A trap message names the function by its name-section name, else by the name it
 * is exported under, else as func[N]. */
static const char *const trap_exports[] = {
    "boom", "load", "div0", "ovf", "conv", "ind_mismatch", "ind_undefined", "ind_uninit",
    "recurse", "table_oob", "nested", "ok", "call_hidden",
};
enum { NEXPORTS = sizeof trap_exports / sizeof trap_exports[0], NFUNCS = NEXPORTS + 1 };

static void export_section(wbuf *w, const char *const *names, unsigned n) {
  uint8_t p[1024];
  size_t k = wb_uleb(p, n);
  for (unsigned i = 0; i < n; i++) {
    size_t len = strlen(names[i]);
    k += wb_uleb(p + k, len);
    memcpy(p + k, names[i], len);
    k += len;
    p[k++] = WR_EXTERN_FUNC;
    k += wb_uleb(p + k, i);
  }
  wb_section(w, SEC_EXPORT, p, k);
}

static void build_trap_module(wbuf *w) {
  wb_init(w);
  wb_section(w, SEC_TYPE, BYTES(0x04, 0x60, 0x00, 0x00,  /* 0: [] -> [] */
                                0x60, 0x01, 0x7f, 0x01, 0x7f, /* 1: [i32] -> [i32] */
                                0x60, 0x00, 0x01, 0x7f,       /* 2: [] -> [i32] */
                                0x60, 0x00, 0x01, 0x70));     /* 3: [] -> [funcref] */
  wb_section(w, SEC_FUNC, BYTES(NFUNCS, 0, 1, 2, 2, 2, 2, 2, 2, 0, 3, 0, 1, 2, 2));
  wb_section(w, SEC_TABLE, BYTES(0x01, 0x70, 0x00, 0x02));
  wb_section(w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  export_section(w, trap_exports, NEXPORTS);
  wb_section(w, SEC_ELEM, BYTES(0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00)); /* table[0] = boom */
  wb_code(w, NFUNCS,
          BYTES(0x00, 0x00, 0x0b),                                     /* unreachable */
          BYTES(0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b),             /* i32.load */
          BYTES(0x00, 0x41, 0x01, 0x41, 0x00, 0x6d, 0x0b),             /* i32.div_s */
          BYTES(0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x41, 0x7f, 0x6d, 0x0b),
          BYTES(0x00, 0x43, 0x00, 0x00, 0xc0, 0x7f, 0xa8, 0x0b),       /* i32.trunc_f32_s */
          BYTES(0x00, 0x41, 0x00, 0x11, 0x02, 0x00, 0x0b),             /* call_indirect */
          BYTES(0x00, 0x41, 0x05, 0x11, 0x02, 0x00, 0x0b),
          BYTES(0x00, 0x41, 0x01, 0x11, 0x02, 0x00, 0x0b),
          BYTES(0x00, 0x10, 0x08, 0x0b),                               /* call 8 */
          BYTES(0x00, 0x41, 0x0a, 0x25, 0x00, 0x0b),                   /* table.get */
          BYTES(0x00, 0x10, 0x00, 0x0b),                               /* call 0 */
          BYTES(0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b),             /* i32.add */
          BYTES(0x00, 0x10, 0x0d, 0x0b),                               /* call 13 */
          BYTES(0x00, 0x41, 0x01, 0x41, 0x00, 0x6d, 0x0b));            /* i32.div_s */
  wb_func_name(w, 0, "boom");
}

static wbuf trap_bytes;
static wr_module *trap_module;
static wr_store *store;
static wr_instance *inst;

static void setup(void) {
  wr_error err;
  memset(&err, 0, sizeof err);
  build_trap_module(&trap_bytes);
  ck_assert_msg(wb_load(&trap_bytes, &trap_module, &err) == 0, "load: %s", err.msg);
  store = wr_store_new(&err);
  ck_assert_msg(store != NULL, "wr_store_new: %s", err.msg);
  ck_assert_msg(wr_instantiate(store, trap_module, WR_MODE_CLASSIC, NULL, NULL, &inst, &err) == 0,
                "instantiate: %s", err.msg);
}

static void teardown(void) {
  wr_store_free(store);
  wr_module_free(trap_module);
  store = NULL;
  trap_module = NULL;
}

static wr_funcinst *export_func(const char *name) {
  wr_extern ext;
  wr_error err;
  memset(&err, 0, sizeof err);
  ck_assert_msg(wr_instance_export(inst, name, &ext, &err) == 0, "export %s: %s", name, err.msg);
  ck_assert_uint_eq(ext.kind, WR_EXTERN_FUNC);
  return ext.u.func;
}

/* Invokes export `name` with one i32 argument (ignored by functions without
 * parameters); expects a trap of `kind` with exactly `msg`. */
static void expect_trap(const char *name, uint32_t arg, wr_trap_kind kind, const char *msg) {
  wr_funcinst *f = export_func(name);
  uint64_t args[1] = {arg}, results[2] = {0xdead, 0xdead};
  wr_error err;
  memset(&err, 0, sizeof err);
  int rc = wr_invoke(store, f, args, results, &err);
  ck_assert_msg(rc == WR_ERR_TRAP, "%s: expected a trap, got %d (%s)", name, rc, err.msg);
  ck_assert_int_eq(err.code, WR_ERR_TRAP);
  ck_assert_msg(err.trap == (int)kind, "%s: trap kind %d, expected %d", name, err.trap, kind);
  ck_assert_str_eq(err.msg, msg);
  /* the exec state is back where it started */
  wr_exec *ex = wr_store_exec(store);
  ck_assert_uint_eq(ex->depth, 0);
  ck_assert_ptr_eq(ex->sp, ex->stack);
}

/* After any trap the instance still runs: ok(41) == 42. */
static void expect_still_runs(void) {
  uint64_t args[1] = {41}, results[1] = {0};
  wr_error err;
  memset(&err, 0, sizeof err);
  ck_assert_int_eq(wr_invoke(store, export_func("ok"), args, results, &err), 0);
  ck_assert_uint_eq(results[0], 42);
}

START_TEST(unreachable_names_the_function) {
  expect_trap("boom", 0, WR_TRAP_UNREACHABLE, "unreachable in function boom");
  expect_still_runs();
}
END_TEST

START_TEST(trap_in_nested_call_names_the_callee) {
  expect_trap("nested", 0, WR_TRAP_UNREACHABLE, "unreachable in function boom");
  /* a function with neither a name nor an export is func[N] */
  expect_trap("call_hidden", 0, WR_TRAP_DIV_ZERO, "integer divide by zero in function func[13]");
  expect_still_runs();
}
END_TEST

START_TEST(out_of_bounds_load) {
  uint64_t args[1] = {65532}, results[1] = {0xdead};
  wr_error err;
  memset(&err, 0, sizeof err);
  ck_assert_int_eq(wr_invoke(store, export_func("load"), args, results, &err), 0);
  ck_assert_uint_eq(results[0], 0);
  expect_trap("load", 65533, WR_TRAP_MEMORY_OOB, "out of bounds memory access in function load");
  expect_trap("load", 65536, WR_TRAP_MEMORY_OOB, "out of bounds memory access in function load");
  expect_trap("load", UINT32_MAX, WR_TRAP_MEMORY_OOB, "out of bounds memory access in function load");
  expect_still_runs();
}
END_TEST

START_TEST(integer_traps) {
  expect_trap("div0", 0, WR_TRAP_DIV_ZERO, "integer divide by zero in function div0");
  expect_trap("ovf", 0, WR_TRAP_INT_OVERFLOW, "integer overflow in function ovf");
  expect_trap("conv", 0, WR_TRAP_INVALID_CONVERSION, "invalid conversion to integer in function conv");
  expect_still_runs();
}
END_TEST

START_TEST(table_traps) {
  expect_trap("ind_mismatch", 0, WR_TRAP_INDIRECT_TYPE_MISMATCH,
              "indirect call type mismatch in function ind_mismatch");
  expect_trap("ind_undefined", 0, WR_TRAP_UNDEFINED_ELEMENT, "undefined element in function ind_undefined");
  expect_trap("ind_uninit", 0, WR_TRAP_UNINITIALIZED_ELEMENT, "uninitialized element in function ind_uninit");
  expect_trap("table_oob", 0, WR_TRAP_TABLE_OOB, "out of bounds table access in function table_oob");
  expect_still_runs();
}
END_TEST

START_TEST(stack_exhaustion_is_a_trap) {
  expect_trap("recurse", 0, WR_TRAP_STACK_EXHAUSTED, "call stack exhausted in function recurse");
  expect_still_runs();
  /* and again: nothing leaked by the first one */
  expect_trap("recurse", 0, WR_TRAP_STACK_EXHAUSTED, "call stack exhausted in function recurse");
  expect_still_runs();
}
END_TEST

START_TEST(results_of_a_normal_call) {
  expect_still_runs();
  uint64_t args[1] = {UINT32_MAX}, results[1] = {0xdead};
  wr_error err;
  memset(&err, 0, sizeof err);
  ck_assert_int_eq(wr_invoke(store, export_func("ok"), args, results, &err), 0);
  ck_assert_uint_eq(results[0], 0); /* i32 wraps, and is zero-extended in its slot */
  ck_assert_int_eq(wr_instance_export(inst, "nope", &(wr_extern){0}, &err), WR_ERR_LINK);
  ck_assert_str_eq(err.msg, "no export named \"nope\"");
}
END_TEST

/* ---- host functions, imports and start functions ------------------------------------ */

/* A host function [i32] -> [i32]: doubles its argument, or fails from 100 on. */
static int host_double(wr_exec *ex, uint64_t *args_results) {
  uint32_t x = (uint32_t)args_results[0];
  ck_assert_ptr_eq(wr_exec_host_data(ex), (void *)&host_double);
  if (x >= 100) return wr_exec_fail(ex, "value %u too large", x);
  args_results[0] = (uint64_t)(x * 2);
  return 0;
}

static const wr_valtype i32_type[] = {WR_I32};
static const wr_functype i32_i32 = {
    .nparams = 1, .nresults = 1, .params = (wr_valtype *)i32_type, .results = (wr_valtype *)i32_type,
    .param_slots = 1, .result_slots = 1,
};

/* Resolves env.double to the host function in ud; anything else is unknown. */
static int resolve_env(void *ud, const wr_import *imp, wr_extern *out, wr_error *err) {
  if (imp->module.len == 3 && memcmp(imp->module.str, "env", 3) == 0 && imp->name.len == 6 &&
      memcmp(imp->name.str, "double", 6) == 0) {
    out->kind = WR_EXTERN_FUNC;
    out->u.func = ud;
    return 0;
  }
  return wr_err(err, WR_ERR_LINK, "unknown import %s.%s", imp->module.str, imp->name.str);
}

/* (import "env" NAME (func (param i32) (result i32)))
 * (func (export "call") (param i32) (result i32) (i32.add (call 0 (local.get 0)) (i32.const 1))) */
static void build_host_module(wbuf *w, const char *name) {
  uint8_t imp[64];
  size_t n = 0, len = strlen(name);
  imp[n++] = 0x01;
  imp[n++] = 0x03;
  memcpy(imp + n, "env", 3);
  n += 3;
  imp[n++] = (uint8_t)len;
  memcpy(imp + n, name, len);
  n += len;
  imp[n++] = 0x00; /* func */
  imp[n++] = 0x00; /* type 0 */
  wb_init(w);
  wb_section(w, SEC_TYPE, BYTES(0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f));
  wb_section(w, SEC_IMPORT, imp, n);
  wb_section(w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(w, SEC_EXPORT, BYTES(0x01, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x01));
  wb_code(w, 1, BYTES(0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b));
}

START_TEST(host_function_call_and_failure) {
  wbuf w;
  wr_module *m;
  wr_error err;
  memset(&err, 0, sizeof err);
  build_host_module(&w, "double");
  ck_assert_msg(wb_load(&w, &m, &err) == 0, "load: %s", err.msg);
  wr_store *s = wr_store_new(&err);
  ck_assert_ptr_nonnull(s);
  wr_funcinst *h = wr_host_func_new(s, &i32_i32, host_double, (void *)&host_double, "double", &err);
  ck_assert_ptr_nonnull(h);
  wr_instance *in;
  ck_assert_msg(wr_instantiate(s, m, WR_MODE_CLASSIC, resolve_env, h, &in, &err) == 0, "%s", err.msg);
  wr_extern ext;
  ck_assert_int_eq(wr_instance_export(in, "call", &ext, &err), 0);
  uint64_t args[1] = {20}, results[1] = {0};
  ck_assert_int_eq(wr_invoke(s, ext.u.func, args, results, &err), 0);
  ck_assert_uint_eq(results[0], 41);
  /* a failing host function traps the guest that called it, with the host's message */
  args[0] = 100;
  ck_assert_int_eq(wr_invoke(s, ext.u.func, args, results, &err), WR_ERR_TRAP);
  ck_assert_int_eq(err.code, WR_ERR_TRAP);
  ck_assert_int_eq(err.trap, WR_TRAP_HOST);
  ck_assert_str_eq(err.msg, "value 100 too large");
  /* the host function called directly */
  args[0] = 7;
  ck_assert_int_eq(wr_invoke(s, h, args, results, &err), 0);
  ck_assert_uint_eq(results[0], 14);
  args[0] = 200;
  ck_assert_int_eq(wr_invoke(s, h, args, results, &err), WR_ERR_TRAP);
  ck_assert_int_eq(err.trap, WR_TRAP_HOST);
  ck_assert_str_eq(err.msg, "value 200 too large");
  /* and the guest still runs */
  args[0] = 1;
  ck_assert_int_eq(wr_invoke(s, ext.u.func, args, results, &err), 0);
  ck_assert_uint_eq(results[0], 3);
  wr_store_free(s);
  wr_module_free(m);
}
END_TEST

START_TEST(unknown_import_fails_to_link) {
  wbuf w;
  wr_module *m;
  wr_error err;
  memset(&err, 0, sizeof err);
  build_host_module(&w, "triple");
  ck_assert_int_eq(wb_load(&w, &m, &err), 0);
  wr_store *s = wr_store_new(&err);
  wr_funcinst *h = wr_host_func_new(s, &i32_i32, host_double, (void *)&host_double, "double", &err);
  wr_instance *in = NULL;
  ck_assert_int_eq(wr_instantiate(s, m, WR_MODE_CLASSIC, resolve_env, h, &in, &err), WR_ERR_LINK);
  ck_assert_int_eq(err.code, WR_ERR_LINK);
  ck_assert_str_eq(err.msg, "unknown import env.triple");
  /* without a resolver every import is unknown */
  ck_assert_int_eq(wr_instantiate(s, m, WR_MODE_CLASSIC, NULL, NULL, &in, &err), WR_ERR_LINK);
  ck_assert_str_eq(err.msg, "import \"env\" \"triple\": unknown import");
  wr_store_free(s);
  wr_module_free(m);
}
END_TEST

START_TEST(import_of_wrong_type_fails_to_link) {
  static const wr_valtype i64_type[] = {WR_I64};
  wr_functype i64_i64 = {.nparams = 1, .nresults = 1, .params = (wr_valtype *)i64_type,
                         .results = (wr_valtype *)i64_type, .param_slots = 1, .result_slots = 1};
  wbuf w;
  wr_module *m;
  wr_error err;
  memset(&err, 0, sizeof err);
  build_host_module(&w, "double");
  ck_assert_int_eq(wb_load(&w, &m, &err), 0);
  wr_store *s = wr_store_new(&err);
  wr_funcinst *h = wr_host_func_new(s, &i64_i64, host_double, (void *)&host_double, "double", &err);
  wr_instance *in = NULL;
  ck_assert_int_eq(wr_instantiate(s, m, WR_MODE_CLASSIC, resolve_env, h, &in, &err), WR_ERR_LINK);
  ck_assert_msg(strstr(err.msg, "incompatible import type") != NULL, "got \"%s\"", err.msg);
  wr_store_free(s);
  wr_module_free(m);
}
END_TEST

START_TEST(trap_in_start_function) {
  /* (func $start unreachable) (start $start) */
  wbuf w;
  wr_module *m;
  wr_error err;
  memset(&err, 0, sizeof err);
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, 0x60, 0x00, 0x00));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_START, BYTES(0x00));
  wb_code(&w, 1, BYTES(0x00, 0x00, 0x0b));
  ck_assert_msg(wb_load(&w, &m, &err) == 0, "load: %s", err.msg);
  wr_store *s = wr_store_new(&err);
  wr_instance *in = NULL;
  ck_assert_int_eq(wr_instantiate(s, m, WR_MODE_CLASSIC, NULL, NULL, &in, &err), WR_ERR_TRAP);
  ck_assert_int_eq(err.code, WR_ERR_TRAP);
  ck_assert_int_eq(err.trap, WR_TRAP_UNREACHABLE);
  ck_assert_str_eq(err.msg, "unreachable in function func[0]");
  ck_assert_ptr_null(in);
  wr_store_free(s);
  wr_module_free(m);
}
END_TEST

START_TEST(data_segment_out_of_bounds_fails_instantiation) {
  /* (memory 1) (data (i32.const 65535) "\01\02") */
  wbuf w;
  wr_module *m;
  wr_error err;
  memset(&err, 0, sizeof err);
  wb_init(&w);
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  wb_section(&w, SEC_DATA, BYTES(0x01, 0x00, 0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 0x01, 0x02));
  ck_assert_msg(wb_load(&w, &m, &err) == 0, "load: %s", err.msg);
  wr_store *s = wr_store_new(&err);
  wr_instance *in = NULL;
  ck_assert_int_eq(wr_instantiate(s, m, WR_MODE_CLASSIC, NULL, NULL, &in, &err), WR_ERR_INSTANTIATE);
  ck_assert_int_eq(err.trap, WR_TRAP_MEMORY_OOB);
  ck_assert_str_eq(err.msg, "out of bounds memory access (data segment 0)");
  wr_store_free(s);
  wr_module_free(m);
}
END_TEST

Suite *traps_suite(void) {
  Suite *s = suite_create("traps");
  TCase *tc = tcase_create("messages");
  tcase_add_test(tc, trap_messages_are_the_spec_wording);
  suite_add_tcase(s, tc);
  tc = tcase_create("classic");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, unreachable_names_the_function);
  tcase_add_test(tc, trap_in_nested_call_names_the_callee);
  tcase_add_test(tc, out_of_bounds_load);
  tcase_add_test(tc, integer_traps);
  tcase_add_test(tc, table_traps);
  tcase_add_test(tc, stack_exhaustion_is_a_trap);
  tcase_add_test(tc, results_of_a_normal_call);
  suite_add_tcase(s, tc);
  tc = tcase_create("linking");
  tcase_add_test(tc, host_function_call_and_failure);
  tcase_add_test(tc, unknown_import_fails_to_link);
  tcase_add_test(tc, import_of_wrong_type_fails_to_link);
  tcase_add_test(tc, trap_in_start_function);
  tcase_add_test(tc, data_segment_out_of_bounds_fails_instantiation);
  suite_add_tcase(s, tc);
  return s;
}
