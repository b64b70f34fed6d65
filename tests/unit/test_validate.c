/* test_validate.c: wr_module_load on tiny hand-assembled modules. One test per
 * class of malformed or invalid module, each checking the error code and the
 * spec's reason in the message (and, for some, the whole message with the offset
 * it names); valid modules that sit right at a rule's boundary are accepted; and
 * the validator's side table (wr_function.branches) of small functions, entry by
 * entry. */
#include <check.h>
#include <string.h>

#include "unit.h"
#include "wasm/module.h"

/* Loads w and expects it to be rejected with `code` and a message containing
 * `reason`. */
static void expect_reject(const wbuf *w, int code, const char *reason) {
  wr_module *m = (wr_module *)1;
  wr_error err;
  memset(&err, 0, sizeof err);
  int rc = wb_load(w, &m, &err);
  ck_assert_msg(rc == code, "expected code %d, got %d (%s)", code, rc, err.msg);
  ck_assert_int_eq(err.code, code);
  ck_assert_ptr_null(m);
  ck_assert_msg(strstr(err.msg, reason) != NULL, "expected \"%s\" in \"%s\"", reason, err.msg);
}

/* Loads w and expects success; the caller frees the module. */
static wr_module *expect_valid(const wbuf *w) {
  wr_module *m = NULL;
  wr_error err;
  memset(&err, 0, sizeof err);
  int rc = wb_load(w, &m, &err);
  ck_assert_msg(rc == 0, "expected a valid module, got %d: %s", rc, err.msg);
  ck_assert_ptr_nonnull(m);
  return m;
}

/* The message of rejecting w (which must be rejected with `code`). */
static const char *reject_msg(const wbuf *w, int code) {
  static wr_error err;
  wr_module *m = NULL;
  memset(&err, 0, sizeof err);
  ck_assert_int_eq(wb_load(w, &m, &err), code);
  return err.msg;
}

/* A module of one function of type `type` ([] -> [] etc., as a type-section entry)
 * with `body` (local declarations, instructions and the final end). */
#define ONE_FUNC(w, type, ...)                          \
  do {                                                  \
    wb_init(w);                                         \
    wb_section(w, SEC_TYPE, BYTES(0x01, type));         \
    wb_section(w, SEC_FUNC, BYTES(0x01, 0x00));         \
    wb_code(w, 1, BYTES(__VA_ARGS__));                  \
  } while (0)
#define T_V_V 0x60, 0x00, 0x00             /* [] -> [] */
#define T_V_I32 0x60, 0x00, 0x01, 0x7f     /* [] -> [i32] */
#define T_I32_I32 0x60, 0x01, 0x7f, 0x01, 0x7f /* [i32] -> [i32] */
#define T_I32_V 0x60, 0x01, 0x7f, 0x00     /* [i32] -> [] */
#define T_V_V128 0x60, 0x00, 0x01, 0x7b    /* [] -> [v128] */
#define BYTES_TYPE_I32_V128 0x60, 0x02, 0x7f, 0x7b, 0x00 /* [i32 v128] -> [] */
#define BYTES_TYPE_V128_I32 0x60, 0x02, 0x7b, 0x7f, 0x00 /* [v128 i32] -> [] */

/* ---- malformed: the binary format ---------------------------------------------- */

START_TEST(header_magic_and_version) {
  wbuf w;
  w.n = 0;
  wb_raw(&w, BYTES(0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00));
  ck_assert_str_eq(reject_msg(&w, WR_ERR_MALFORMED), "header: magic header not detected");
  w.n = 0;
  wb_raw(&w, BYTES(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00));
  ck_assert_str_eq(reject_msg(&w, WR_ERR_MALFORMED), "header: unknown binary version");
  w.n = 0;
  wb_raw(&w, BYTES(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x01));
  expect_reject(&w, WR_ERR_MALFORMED, "unknown binary version");
  /* a truncated header is an unexpected end, whatever is there */
  w.n = 0;
  wb_raw(&w, BYTES(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00));
  expect_reject(&w, WR_ERR_MALFORMED, "unexpected end");
  w.n = 0;
  expect_reject(&w, WR_ERR_MALFORMED, "unexpected end");
}
END_TEST

START_TEST(section_size_mismatch) {
  wbuf w;
  /* type section says 1 type but holds 2 */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V, T_V_V));
  expect_reject(&w, WR_ERR_MALFORMED, "section size mismatch");
  /* a body whose instructions end (the body's `end`) before its size does: the
   * reference interpreter reads the body up to its end, then checks the size */
  ONE_FUNC(&w, T_V_V, 0x00, 0x0b, 0x01, 0x0b);
  expect_reject(&w, WR_ERR_MALFORMED, "section size mismatch");
  ONE_FUNC(&w, T_V_V, 0x00, 0x0b, 0x01);
  expect_reject(&w, WR_ERR_MALFORMED, "section size mismatch");
}
END_TEST

START_TEST(section_length_out_of_bounds) {
  wbuf w;
  wb_init(&w);
  /* a type section declaring 16 bytes where 4 remain */
  wb_raw(&w, BYTES(SEC_TYPE, 0x10, 0x01, T_V_V));
  expect_reject(&w, WR_ERR_MALFORMED, "length out of bounds");
  /* type section says 2 types, 1 given */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x02, T_V_V));
  expect_reject(&w, WR_ERR_MALFORMED, "unexpected end");
}
END_TEST

START_TEST(malformed_section_id) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, 13, BYTES(0x00));
  expect_reject(&w, WR_ERR_MALFORMED, "malformed section id");
}
END_TEST

START_TEST(function_and_code_counts_must_agree) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  expect_reject(&w, WR_ERR_MALFORMED, "function and code section have inconsistent lengths");
}
END_TEST

START_TEST(too_many_locals) {
  wbuf w;
  uint8_t body[32];
  size_t n;
  /* the spec's case: 0xffffffff + 2 locals overflows 32 bits */
  ONE_FUNC(&w, T_V_V, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x02, 0x7e, 0x0b);
  expect_reject(&w, WR_ERR_MALFORMED, "too many locals");
  /* our limit: WR_MAX_LOCALS params + locals; one param + WR_MAX_LOCALS locals is one too many */
  n = 0;
  body[n++] = 0x01;
  n += wb_uleb(body + n, WR_MAX_LOCALS);
  body[n++] = 0x7e;
  body[n++] = 0x0b;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_I32_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_code(&w, 1, body, n);
  expect_reject(&w, WR_ERR_MALFORMED, "too many locals");
  /* exactly WR_MAX_LOCALS is fine, and every local has its type */
  n = 0;
  body[n++] = 0x02;
  n += wb_uleb(body + n, WR_MAX_LOCALS - 2);
  body[n++] = 0x7e;
  body[n++] = 0x01;
  body[n++] = 0x7c;
  body[n++] = 0x0b;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_I32_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_code(&w, 1, body, n);
  wr_module *m = expect_valid(&w);
  ck_assert_uint_eq(m->funcs[0].nlocals, WR_MAX_LOCALS - 1);
  ck_assert_uint_eq(m->funcs[0].local_slots, WR_MAX_LOCALS);
  ck_assert_uint_eq(m->funcs[0].local_types[0], WR_I32);
  ck_assert_uint_eq(m->funcs[0].local_types[1], WR_I64);
  ck_assert_uint_eq(m->funcs[0].local_types[WR_MAX_LOCALS - 2], WR_I64);
  ck_assert_uint_eq(m->funcs[0].local_types[WR_MAX_LOCALS - 1], WR_F64);
  wr_module_free(m);
}
END_TEST

START_TEST(data_count_required_by_data_drop) {
  /* memory.init and data.drop need the data count section (it is a decode-time
   * property, so malformed, not invalid) */
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  wb_code(&w, 1, BYTES(0x00, 0xfc, 0x09, 0x00, 0x0b)); /* data.drop 0 */
  wb_section(&w, SEC_DATA, BYTES(0x01, 0x01, 0x01, 0xaa)); /* one passive segment */
  expect_reject(&w, WR_ERR_MALFORMED, "data count section required");
  /* with the data count section it is valid */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  wb_section(&w, SEC_DATACOUNT, BYTES(0x01));
  wb_code(&w, 1, BYTES(0x00, 0xfc, 0x09, 0x00, 0x0b));
  wb_section(&w, SEC_DATA, BYTES(0x01, 0x01, 0x01, 0xaa));
  wr_module *m = expect_valid(&w);
  ck_assert(m->has_datacount);
  ck_assert_uint_eq(m->ndatas, 1);
  ck_assert_uint_eq(m->datas[0].mode, WR_SEG_PASSIVE);
  ck_assert_uint_eq(m->datas[0].len, 1);
  ck_assert_uint_eq(m->datas[0].bytes[0], 0xaa);
  wr_module_free(m);
  /* a data count that disagrees with the data section */
  wb_init(&w);
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  wb_section(&w, SEC_DATACOUNT, BYTES(0x02));
  wb_section(&w, SEC_DATA, BYTES(0x01, 0x01, 0x01, 0xaa));
  expect_reject(&w, WR_ERR_MALFORMED, "data count and data section have inconsistent lengths");
}
END_TEST

/* ---- invalid: validation rules ------------------------------------------------- */

START_TEST(type_mismatch) {
  wbuf w;
  /* i64 result where i32 is declared */
  ONE_FUNC(&w, T_V_I32, 0x00, 0x42, 0x00, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "type mismatch");
  /* i32.add with one operand */
  ONE_FUNC(&w, T_V_I32, 0x00, 0x41, 0x01, 0x6a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "type mismatch");
  /* a value left over at the end of a [] -> [] function */
  ONE_FUNC(&w, T_V_V, 0x00, 0x41, 0x01, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "type mismatch");
  /* an i32 param used as i64 */
  ONE_FUNC(&w, T_I32_V, 0x00, 0x20, 0x00, 0x50, 0x1a, 0x0b); /* local.get 0; i64.eqz; drop */
  expect_reject(&w, WR_ERR_INVALID, "type mismatch");
  /* if without else whose block type changes the stack: [] -> [i32] */
  ONE_FUNC(&w, T_V_I32, 0x00, 0x41, 0x01, 0x04, 0x7f, 0x41, 0x02, 0x0b, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "type mismatch");
  /* but an unreachable stack is polymorphic: valid */
  ONE_FUNC(&w, T_V_I32, 0x00, 0x00, 0x6a, 0x0b); /* unreachable; i32.add */
  wr_module_free(expect_valid(&w));
}
END_TEST

START_TEST(type_mismatch_message_names_function_and_offset) {
  wbuf w;
  ONE_FUNC(&w, T_V_I32, 0x00, 0x42, 0x00, 0x0b);
  /* header 8 + type section 7 + func section 4 + code section id, size, count, body
   * size, local count = 5: the body's first instruction (i64.const) is at 0x18, and
   * the mismatch is found at the `end` at 0x1a */
  ck_assert_str_eq(reject_msg(&w, WR_ERR_INVALID),
                   "function 0 (func[0]) at offset 0x1a: type mismatch: expected i32, found i64");
}
END_TEST

START_TEST(unknown_local) {
  wbuf w;
  ONE_FUNC(&w, T_V_V, 0x00, 0x20, 0x00, 0x1a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown local");
  /* with one param and one declared local, index 2 is the first unknown one */
  ONE_FUNC(&w, T_I32_V, 0x01, 0x01, 0x7e, 0x20, 0x01, 0x1a, 0x20, 0x02, 0x1a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown local 2");
  ONE_FUNC(&w, T_I32_V, 0x01, 0x01, 0x7e, 0x20, 0x01, 0x1a, 0x0b);
  wr_module_free(expect_valid(&w));
  /* local.set of an unknown index */
  ONE_FUNC(&w, T_V_V, 0x00, 0x41, 0x00, 0x21, 0x00, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown local");
}
END_TEST

START_TEST(unknown_global) {
  wbuf w;
  ONE_FUNC(&w, T_V_V, 0x00, 0x23, 0x00, 0x1a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown global");
  /* a global initialiser naming a global that is not imported */
  wb_init(&w);
  wb_section(&w, SEC_GLOBAL, BYTES(0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "unknown global");
}
END_TEST

START_TEST(unknown_function) {
  wbuf w;
  ONE_FUNC(&w, T_V_V, 0x00, 0x10, 0x05, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown function");
  /* the function index space is imports + definitions: 1 here, so 1 is unknown */
  ONE_FUNC(&w, T_V_V, 0x00, 0x10, 0x01, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown function 1");
  ONE_FUNC(&w, T_V_V, 0x00, 0x10, 0x00, 0x0b); /* calls itself */
  wr_module_free(expect_valid(&w));
  /* an export of an unknown function */
  wb_init(&w);
  wb_section(&w, SEC_EXPORT, BYTES(0x01, 0x01, 0x66, 0x00, 0x00));
  expect_reject(&w, WR_ERR_INVALID, "unknown function");
}
END_TEST

START_TEST(unknown_table) {
  wbuf w;
  /* call_indirect (type 0) through table 0, which does not exist */
  ONE_FUNC(&w, T_V_V, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown table");
  /* table.size 0 */
  ONE_FUNC(&w, T_V_V, 0x00, 0xfc, 0x10, 0x00, 0x1a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown table");
}
END_TEST

START_TEST(unknown_memory) {
  wbuf w;
  ONE_FUNC(&w, T_V_V, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b); /* i32.load */
  expect_reject(&w, WR_ERR_INVALID, "unknown memory");
  ONE_FUNC(&w, T_V_V, 0x00, 0x3f, 0x00, 0x1a, 0x0b); /* memory.size */
  expect_reject(&w, WR_ERR_INVALID, "unknown memory");
  /* an active data segment with no memory */
  wb_init(&w);
  wb_section(&w, SEC_DATA, BYTES(0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0xaa));
  expect_reject(&w, WR_ERR_INVALID, "unknown memory");
}
END_TEST

START_TEST(unknown_type) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x01));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "unknown type");
  /* a block type index */
  ONE_FUNC(&w, T_V_V, 0x00, 0x02, 0x05, 0x0b, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown type");
  /* call_indirect's type */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_TABLE, BYTES(0x01, 0x70, 0x00, 0x01));
  wb_code(&w, 1, BYTES(0x00, 0x41, 0x00, 0x11, 0x03, 0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "unknown type");
}
END_TEST

START_TEST(immutable_global_set) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_GLOBAL, BYTES(0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b));
  wb_code(&w, 1, BYTES(0x00, 0x41, 0x01, 0x24, 0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "global is immutable");
  /* the same with a mutable global is valid */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_GLOBAL, BYTES(0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b));
  wb_code(&w, 1, BYTES(0x00, 0x41, 0x01, 0x24, 0x00, 0x0b));
  wr_module *m = expect_valid(&w);
  ck_assert_uint_eq(m->nglobals, 1);
  ck_assert(m->globals[0].mut);
  wr_module_free(m);
  /* an imported immutable global cannot be set either */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_IMPORT, BYTES(0x01, 0x01, 0x6d, 0x01, 0x67, 0x03, 0x7e, 0x00));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0x42, 0x01, 0x24, 0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "global is immutable");
}
END_TEST

START_TEST(alignment_larger_than_natural) {
  wbuf w;
#define MEM_FUNC(...)                                           \
  do {                                                          \
    wb_init(&w);                                                \
    wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));               \
    wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));                \
    wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));        \
    wb_code(&w, 1, BYTES(0x00, __VA_ARGS__, 0x0b));             \
  } while (0)
  MEM_FUNC(0x41, 0x00, 0x28, 0x03, 0x00, 0x1a); /* i32.load align=8 */
  expect_reject(&w, WR_ERR_INVALID, "alignment must not be larger than natural");
  MEM_FUNC(0x41, 0x00, 0x2d, 0x01, 0x00, 0x1a); /* i32.load8_u align=2 */
  expect_reject(&w, WR_ERR_INVALID, "alignment must not be larger than natural");
  MEM_FUNC(0x41, 0x00, 0x42, 0x00, 0x37, 0x04, 0x00); /* i64.store align=16 */
  expect_reject(&w, WR_ERR_INVALID, "alignment must not be larger than natural");
  /* natural and smaller alignments are valid */
  MEM_FUNC(0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x41, 0x00, 0x28, 0x00, 0x00, 0x1a);
  wr_module_free(expect_valid(&w));
  MEM_FUNC(0x41, 0x00, 0x42, 0x00, 0x37, 0x03, 0x00);
  wr_module_free(expect_valid(&w));
#undef MEM_FUNC
}
END_TEST

START_TEST(multiple_memories) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_MEMORY, BYTES(0x02, 0x00, 0x01, 0x00, 0x01));
  expect_reject(&w, WR_ERR_INVALID, "multiple memories");
  /* an imported memory and a defined one are two as well */
  wb_init(&w);
  wb_section(&w, SEC_IMPORT, BYTES(0x01, 0x01, 0x6d, 0x01, 0x6d, 0x02, 0x00, 0x01));
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  expect_reject(&w, WR_ERR_INVALID, "multiple memories");
  /* one memory: valid, with its limits */
  wb_init(&w);
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x01, 0x02, 0x80, 0x80, 0x04));
  wr_module *m = expect_valid(&w);
  ck_assert_uint_eq(m->nmems, 1);
  ck_assert_uint_eq(m->mems[0].lim.min, 2);
  ck_assert(m->mems[0].lim.has_max);
  ck_assert_uint_eq(m->mems[0].lim.max, 65536);
  wr_module_free(m);
  /* more than 4 GiB is not */
  wb_init(&w);
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x81, 0x80, 0x04));
  expect_reject(&w, WR_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)");
}
END_TEST

START_TEST(duplicate_export) {
  wbuf w;
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  /* "f" the function and "f" the memory */
  wb_section(&w, SEC_EXPORT, BYTES(0x02, 0x01, 0x66, 0x00, 0x00, 0x01, 0x66, 0x02, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "duplicate export name");
  /* names differing in one byte are distinct */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_EXPORT, BYTES(0x02, 0x01, 0x66, 0x00, 0x00, 0x02, 0x66, 0x00, 0x00, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  wr_module *m = expect_valid(&w);
  ck_assert_uint_eq(m->nexports, 2);
  ck_assert_ptr_nonnull(wr_module_find_export(m, "f", 1));
  ck_assert_ptr_nonnull(wr_module_find_export(m, "f\0", 2));
  ck_assert_ptr_null(wr_module_find_export(m, "g", 1));
  wr_module_free(m);
}
END_TEST

START_TEST(invalid_start_function) {
  wbuf w;
  /* a start function with a parameter */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_I32_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_START, BYTES(0x00));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "start function must have type [] -> []");
  /* with a result */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_I32));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_START, BYTES(0x00));
  wb_code(&w, 1, BYTES(0x00, 0x41, 0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "start function must have type [] -> []");
  /* an unknown start function */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_START, BYTES(0x01));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  expect_reject(&w, WR_ERR_INVALID, "unknown function");
  /* a [] -> [] start function is valid */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_START, BYTES(0x00));
  wb_code(&w, 1, BYTES(0x00, 0x0b));
  wr_module *m = expect_valid(&w);
  ck_assert(m->has_start);
  ck_assert_uint_eq(m->start, 0);
  wr_module_free(m);
}
END_TEST

START_TEST(undeclared_function_reference) {
  wbuf w;
  /* ref.func 0 in code, with function 0 named nowhere else */
  ONE_FUNC(&w, T_V_V, 0x00, 0xd2, 0x00, 0x1a, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "undeclared function reference");
  /* declared by an export */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_EXPORT, BYTES(0x01, 0x01, 0x66, 0x00, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0xd2, 0x00, 0x1a, 0x0b));
  wr_module *m = expect_valid(&w);
  ck_assert_uint_eq(m->func_refable[0], 1);
  wr_module_free(m);
  /* declared by a declarative element segment (flags 3: elemkind, vec of funcidx) */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x01, T_V_V));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x00));
  wb_section(&w, SEC_ELEM, BYTES(0x01, 0x03, 0x00, 0x01, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0xd2, 0x00, 0x1a, 0x0b));
  m = expect_valid(&w);
  ck_assert_uint_eq(m->nelems, 1);
  ck_assert_uint_eq(m->elems[0].mode, WR_SEG_DECLARATIVE);
  wr_module_free(m);
}
END_TEST

START_TEST(unknown_label) {
  wbuf w;
  /* br 1 at the top level of a body: only label 0 (the body) exists */
  ONE_FUNC(&w, T_V_V, 0x00, 0x0c, 0x01, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown label");
  ONE_FUNC(&w, T_V_V, 0x00, 0x0c, 0x00, 0x0b);
  wr_module_free(expect_valid(&w));
  /* a br_table whose default is out of range */
  ONE_FUNC(&w, T_V_V, 0x00, 0x02, 0x40, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x02, 0x0b, 0x0b);
  expect_reject(&w, WR_ERR_INVALID, "unknown label");
}
END_TEST

START_TEST(valid_module_contents) {
  wbuf w;
  wb_init(&w);
  wr_module *m = expect_valid(&w); /* the empty module */
  ck_assert_uint_eq(m->nfuncs, 0);
  ck_assert_uint_eq(m->ntypes, 0);
  wr_module_free(m);

  /* an imported function, a defined one, a table, a memory, a global, exports */
  wb_init(&w);
  wb_section(&w, SEC_TYPE, BYTES(0x02, T_V_V, T_I32_I32));
  wb_section(&w, SEC_IMPORT, BYTES(0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00));
  wb_section(&w, SEC_FUNC, BYTES(0x01, 0x01));
  wb_section(&w, SEC_TABLE, BYTES(0x01, 0x70, 0x01, 0x02, 0x03));
  wb_section(&w, SEC_MEMORY, BYTES(0x01, 0x00, 0x01));
  wb_section(&w, SEC_GLOBAL, BYTES(0x01, 0x7e, 0x01, 0x42, 0x7f, 0x0b));
  wb_section(&w, SEC_EXPORT, BYTES(0x02, 0x03, 0x69, 0x6e, 0x63, 0x00, 0x01, 0x01, 0x67, 0x03, 0x00));
  wb_code(&w, 1, BYTES(0x00, 0x10, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b));
  m = expect_valid(&w);
  ck_assert_uint_eq(m->ntypes, 2);
  ck_assert_uint_eq(m->nimports, 1);
  ck_assert_uint_eq(m->nimported_funcs, 1);
  ck_assert_uint_eq(m->nfuncs, 2);
  ck_assert_uint_eq(m->func_type[0], 0);
  ck_assert_uint_eq(m->func_type[1], 1);
  ck_assert_uint_eq(m->types[1].nparams, 1);
  ck_assert_uint_eq(m->types[1].params[0], WR_I32);
  ck_assert_uint_eq(m->ntables, 1);
  ck_assert_uint_eq(m->tables[0].elem, WR_FUNCREF);
  ck_assert_uint_eq(m->tables[0].lim.min, 2);
  ck_assert_uint_eq(m->tables[0].lim.max, 3);
  ck_assert_uint_eq(m->nglobals, 1);
  ck_assert_uint_eq(m->globals[0].type, WR_I64);
  ck_assert_uint_eq(m->global_init[0].op, WR_CONST_I64);
  ck_assert_uint_eq(m->global_init[0].bits[0], UINT64_MAX);
  const wr_export *e = wr_module_find_export(m, "inc", 3);
  ck_assert_ptr_nonnull(e);
  ck_assert_uint_eq(e->kind, WR_EXTERN_FUNC);
  ck_assert_uint_eq(e->index, 1);
  ck_assert_uint_eq(m->funcs[0].code[0], 0x10); /* code starts after the local declarations */
  ck_assert_uint_eq(m->funcs[0].code_end - m->funcs[0].code, 8);
  wr_module_free(m);
}
END_TEST

/* ---- the side table ------------------------------------------------------------------ */

static void expect_branch(const wr_function *f, uint32_t i, int32_t ip_delta, int32_t stp_delta,
                          uint32_t keep, uint32_t drop) {
  ck_assert_uint_lt(i, f->nbranches);
  const wr_branch *b = &f->branches[i];
  ck_assert_msg(b->ip_delta == ip_delta && b->stp_delta == stp_delta && b->keep == keep && b->drop == drop,
                "entry %u: got {ip %+d, stp %+d, keep %u, drop %u}, expected {ip %+d, stp %+d, keep %u, drop %u}",
                i, b->ip_delta, b->stp_delta, b->keep, b->drop, ip_delta, stp_delta, keep, drop);
}

START_TEST(side_table_block_loop_br_table_if_else) {
  /* (func (param i32) (result i32)
   *   (block (result i32)
   *     (i32.const 7)
   *     (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
   *     (i32.const 9)
   *     (br_table 0 1 0 (local.get 0)))
   *   (if (result i32) (then (i32.const 1)) (else (i32.const 2))))
   * Offsets from the first instruction:
   *    0 block i32   2 i32.const 7   4 loop   6 local.get 0   8 i32.const 1
   *   10 i32.sub    11 local.tee 0  13 br_if 0   15 end (loop)   16 i32.const 9
   *   18 local.get 0   20 br_table 0 1 0   25 end (block)   26 if i32
   *   28 i32.const 1   30 else   31 i32.const 2   33 end (if)   34 end (body)   35 */
  wbuf w;
  ONE_FUNC(&w, T_I32_I32, 0x00, 0x02, 0x7f, 0x41, 0x07, 0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22,
           0x00, 0x0d, 0x00, 0x0b, 0x41, 0x09, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00, 0x0b, 0x04, 0x7f,
           0x41, 0x01, 0x05, 0x41, 0x02, 0x0b, 0x0b);
  wr_module *m = expect_valid(&w);
  const wr_function *f = &m->funcs[0];
  ck_assert_uint_eq(f->code_end - f->code, 35);
  ck_assert_uint_eq(f->local_slots, 1);
  ck_assert_uint_eq(f->max_stack, 3); /* 7, then local.get 0 and i32.const 1 in the loop */
  ck_assert_uint_eq(f->nbranches, 6);
  /* br_if 0 (at 13) to the loop body's first instruction (6); stp back to entry 0 */
  expect_branch(f, 0, 6 - 13, 0, 0, 0);
  /* br_table (at 20): label 0 lands after the block's end (26) with the entries from
   * 4 on; label 1 is the body: lands on its final end (34), which returns, past
   * every entry (6); each keeps the i32 9 and drops the 7 beneath it */
  expect_branch(f, 1, 26 - 20, 4 - 1, 1, 1);
  expect_branch(f, 2, 34 - 20, 6 - 2, 1, 1);
  expect_branch(f, 3, 26 - 20, 4 - 3, 1, 1); /* the default */
  /* if (at 26), false: after the else (31), with the entries after the else's (6) */
  expect_branch(f, 4, 31 - 26, 6 - 4, 0, 0);
  /* else (at 30) reached from the then arm: after the if's end (34) */
  expect_branch(f, 5, 34 - 30, 6 - 5, 0, 0);
  wr_module_free(m);
}
END_TEST

START_TEST(side_table_loop_params_keep_and_drop) {
  /* (func (param i32) (result i32)
   *   (local.get 0)
   *   (loop (param i32) (result i32)      ;; block type: type 0, [i32] -> [i32]
   *     (i64.const 9) (local.get 0) (i32.const 1) (i32.sub) (local.tee 0)
   *     (br_if 0 (local.get 0))           ;; carries the i32, drops the param and the i64
   *     (drop) (drop)))
   * Offsets: 0 local.get   2 loop   4 i64.const   6 local.get   8 i32.const   10 i32.sub
   *   11 local.tee   13 local.get   15 br_if   17 drop   18 drop   19 end   20 end   21 */
  wbuf w;
  ONE_FUNC(&w, T_I32_I32, 0x00, 0x20, 0x00, 0x03, 0x00, 0x42, 0x09, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22,
           0x00, 0x20, 0x00, 0x0d, 0x00, 0x1a, 0x1a, 0x0b, 0x0b);
  wr_module *m = expect_valid(&w);
  const wr_function *f = &m->funcs[0];
  ck_assert_uint_eq(f->code_end - f->code, 21);
  ck_assert_uint_eq(f->max_stack, 4);
  ck_assert_uint_eq(f->nbranches, 1);
  expect_branch(f, 0, 4 - 15, 0, 1, 2);
  wr_module_free(m);
}
END_TEST

START_TEST(side_table_counts_v128_as_two_slots) {
  /* (func (result v128)
   *   (block (result v128) (i64.const 0) (v128.const i64x2 0 0) (br 0)))
   * Offsets: 0 block   2 i64.const   4 v128.const (fd 0c + 16 bytes)   22 br 0   24 end
   *   25 end   26 */
  wbuf w;
  ONE_FUNC(&w, T_V_V128, 0x00, 0x02, 0x7b, 0x42, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0,
           0, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0x00, 0x0b, 0x0b);
  wr_module *m = expect_valid(&w);
  const wr_function *f = &m->funcs[0];
  ck_assert(f->uses_simd);
  ck_assert(m->uses_simd);
  ck_assert_uint_eq(f->max_stack, 3);
  ck_assert_uint_eq(f->nbranches, 1);
  expect_branch(f, 0, 25 - 22, 1, 2, 1);
  wr_module_free(m);
}
END_TEST

START_TEST(local_slots_after_v128) {
  /* (func (param i32 v128) (local i64 v128 f32)): slots 0, 1-2, 3, 4-5, 6 */
  wbuf w;
  ONE_FUNC(&w, BYTES_TYPE_I32_V128, 0x03, 0x01, 0x7e, 0x01, 0x7b, 0x01, 0x7d, 0x0b);
  wr_module *m = expect_valid(&w);
  const wr_function *f = &m->funcs[0];
  ck_assert_ptr_nonnull(f->local_slot);
  static const uint32_t want[] = {0, 1, 3, 4, 6};
  for (int i = 0; i < 5; i++) ck_assert_uint_eq(f->local_slot[i], want[i]);
  ck_assert_uint_eq(f->local_slots, 7);
  ck_assert_ptr_null(f->v128_ops);
  ck_assert(m->uses_simd);
  wr_module_free(m);
  /* without a v128 local: no map, locals are their slots */
  ONE_FUNC(&w, T_I32_I32, 0x01, 0x01, 0x7e, 0x20, 0x00, 0x0b);
  m = expect_valid(&w);
  ck_assert_ptr_null(m->funcs[0].local_slot);
  ck_assert_ptr_null(m->funcs[0].v128_ops);
  ck_assert(!m->uses_simd);
  wr_module_free(m);
}
END_TEST

START_TEST(v128_drops_and_selects_marked) {
  /* (func (param v128 i32)), offsets from the first instruction:
   *   0 local.get 0   2 drop*   3 local.get 1   5 drop
   *   6 local.get 0   8 local.get 0   10 local.get 1   12 select*   13 drop*
   *   14 local.get 1  16 local.get 1  18 local.get 1   20 select    21 drop
   *   22 local.get 0  24 local.get 0  26 local.get 1   28 select (result v128)*  31 drop*
   *   32 end; * takes v128 operands */
  wbuf w;
  ONE_FUNC(&w, BYTES_TYPE_V128_I32, 0x00, 0x20, 0x00, 0x1a, 0x20, 0x01, 0x1a, 0x20, 0x00, 0x20, 0x00,
           0x20, 0x01, 0x1b, 0x1a, 0x20, 0x01, 0x20, 0x01, 0x20, 0x01, 0x1b, 0x1a, 0x20, 0x00, 0x20,
           0x00, 0x20, 0x01, 0x1c, 0x01, 0x7b, 0x1a, 0x0b);
  wr_module *m = expect_valid(&w);
  const wr_function *f = &m->funcs[0];
  ck_assert_ptr_nonnull(f->v128_ops);
  ck_assert_ptr_nonnull(f->local_slot); /* params v128, i32: slots 0-1, 2 */
  ck_assert_uint_eq(f->local_slot[0], 0);
  ck_assert_uint_eq(f->local_slot[1], 2);
  for (size_t off = 0; off <= 32; off++) {
    bool marked = f->v128_ops[off / 8] >> (off % 8) & 1;
    bool want = off == 2 || off == 12 || off == 13 || off == 28 || off == 31;
    ck_assert_msg(marked == want, "offset %zu: marked %d, expected %d", off, marked, want);
  }
  wr_module_free(m);
}
END_TEST

Suite *validate_suite(void) {
  Suite *s = suite_create("validate");
  TCase *tc = tcase_create("malformed");
  tcase_add_test(tc, header_magic_and_version);
  tcase_add_test(tc, section_size_mismatch);
  tcase_add_test(tc, section_length_out_of_bounds);
  tcase_add_test(tc, malformed_section_id);
  tcase_add_test(tc, function_and_code_counts_must_agree);
  tcase_add_test(tc, too_many_locals);
  tcase_add_test(tc, data_count_required_by_data_drop);
  suite_add_tcase(s, tc);
  tc = tcase_create("invalid");
  tcase_add_test(tc, type_mismatch);
  tcase_add_test(tc, type_mismatch_message_names_function_and_offset);
  tcase_add_test(tc, unknown_local);
  tcase_add_test(tc, unknown_global);
  tcase_add_test(tc, unknown_function);
  tcase_add_test(tc, unknown_table);
  tcase_add_test(tc, unknown_memory);
  tcase_add_test(tc, unknown_type);
  tcase_add_test(tc, immutable_global_set);
  tcase_add_test(tc, alignment_larger_than_natural);
  tcase_add_test(tc, multiple_memories);
  tcase_add_test(tc, duplicate_export);
  tcase_add_test(tc, invalid_start_function);
  tcase_add_test(tc, undeclared_function_reference);
  tcase_add_test(tc, unknown_label);
  tcase_add_test(tc, valid_module_contents);
  suite_add_tcase(s, tc);
  tc = tcase_create("side table");
  tcase_add_test(tc, side_table_block_loop_br_table_if_else);
  tcase_add_test(tc, side_table_loop_params_keep_and_drop);
  tcase_add_test(tc, side_table_counts_v128_as_two_slots);
  tcase_add_test(tc, local_slots_after_v128);
  tcase_add_test(tc, v128_drops_and_selects_marked);
  suite_add_tcase(s, tc);
  return s;
}
