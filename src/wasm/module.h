/* module.h: the decoded, validated form of a wasm module, shared by every mode.
 *
 * A wr_module is built by wr_module_load() (decode.c, then validate.c) and is
 * immutable afterwards. It points into the caller's module bytes (function bodies,
 * data segments, names), so those bytes must outlive the module.
 *
 * Index spaces follow the spec: imported functions/tables/memories/globals come
 * first, then the module's own. */
#ifndef WR_MODULE_H
#define WR_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Value types, with their binary encodings. */
typedef uint8_t wr_valtype;
enum {
  WR_I32 = 0x7F,
  WR_I64 = 0x7E,
  WR_F32 = 0x7D,
  WR_F64 = 0x7C,
  WR_V128 = 0x7B,
  WR_FUNCREF = 0x70,
  WR_EXTERNREF = 0x6F,
};

/* Operand-stack and local slots are 64 bits; a v128 takes two. */
static inline uint32_t wr_valtype_slots(wr_valtype t) { return t == WR_V128 ? 2 : 1; }
static inline bool wr_valtype_is_ref(wr_valtype t) { return t == WR_FUNCREF || t == WR_EXTERNREF; }
const char *wr_valtype_name(wr_valtype t);

/* Limits on the number of things, beyond which a module is refused rather than
 * risking host resources. They are at least those of the major engines. */
#define WR_MAX_TYPES 1000000u
#define WR_MAX_FUNCS 1000000u
#define WR_MAX_IMPORTS 100000u
#define WR_MAX_EXPORTS 100000u
#define WR_MAX_GLOBALS 1000000u
#define WR_MAX_TABLES 100000u
#define WR_MAX_SEGMENTS 100000u
#define WR_MAX_PARAMS 1000u
#define WR_MAX_RESULTS 1000u
#define WR_MAX_LOCALS 50000u        /* params + declared locals of one function */
#define WR_MAX_TABLE_ELEMS 10000000u /* table size limit (min and grow) */
#define WR_MAX_PAGES 65536u          /* 4 GiB of 64 KiB pages */
#define WR_PAGE_SIZE 65536u

typedef struct wr_functype {
  uint32_t nparams, nresults;
  wr_valtype *params;  /* nparams entries */
  wr_valtype *results; /* nresults entries */
  uint32_t param_slots, result_slots; /* sums of wr_valtype_slots() */
} wr_functype;

bool wr_functype_equal(const wr_functype *a, const wr_functype *b);

typedef struct wr_limits {
  uint32_t min, max;
  bool has_max;
} wr_limits;

typedef struct wr_tabletype {
  wr_valtype elem; /* WR_FUNCREF or WR_EXTERNREF */
  wr_limits lim;
} wr_tabletype;

typedef struct wr_memtype {
  wr_limits lim; /* in pages */
} wr_memtype;

typedef struct wr_globaltype {
  wr_valtype type;
  bool mut;
} wr_globaltype;

/* External kinds, with their binary encodings. */
enum { WR_EXTERN_FUNC = 0, WR_EXTERN_TABLE = 1, WR_EXTERN_MEMORY = 2, WR_EXTERN_GLOBAL = 3 };
const char *wr_extern_kind_name(uint8_t kind);

/* Names are not NUL-terminated in the binary; the decoder copies each into a
 * NUL-terminated string (names may contain NUL bytes: len is authoritative). */
typedef struct wr_name {
  char *str;
  uint32_t len;
} wr_name;

typedef struct wr_import {
  wr_name module, name;
  uint8_t kind; /* WR_EXTERN_* */
  union {
    uint32_t type_idx; /* WR_EXTERN_FUNC */
    wr_tabletype table;
    wr_memtype mem;
    wr_globaltype global;
  } desc;
} wr_import;

typedef struct wr_export {
  wr_name name;
  uint8_t kind; /* WR_EXTERN_* */
  uint32_t index;
} wr_export;

/* A constant expression. Wasm 2.0 allows exactly one instruction before `end`. */
enum {
  WR_CONST_I32 = 0x41,
  WR_CONST_I64 = 0x42,
  WR_CONST_F32 = 0x43,
  WR_CONST_F64 = 0x44,
  WR_CONST_V128 = 0xFD, /* v128.const */
  WR_CONST_GLOBAL_GET = 0x23,
  WR_CONST_REF_NULL = 0xD0,
  WR_CONST_REF_FUNC = 0xD2,
};
typedef struct wr_constexpr {
  uint8_t op;      /* WR_CONST_* */
  wr_valtype type; /* the type it produces (for global.get: the global's type) */
  uint32_t index;  /* global index for GLOBAL_GET, function index for REF_FUNC */
  uint64_t bits[2]; /* the constant's bits (f32/f64 as their bit patterns; v128 low, high) */
  uint32_t offset; /* byte offset of the expression in the module, for messages */
} wr_constexpr;

enum { WR_SEG_ACTIVE = 0, WR_SEG_PASSIVE = 1, WR_SEG_DECLARATIVE = 2 };

typedef struct wr_elemseg {
  uint8_t mode;    /* WR_SEG_* */
  wr_valtype type; /* WR_FUNCREF or WR_EXTERNREF */
  uint32_t table;  /* active only */
  wr_constexpr offset; /* active only; i32 */
  uint32_t count;
  wr_constexpr *items; /* count entries: REF_FUNC, REF_NULL or GLOBAL_GET */
} wr_elemseg;

typedef struct wr_dataseg {
  uint8_t mode;   /* WR_SEG_ACTIVE or WR_SEG_PASSIVE */
  uint32_t mem;   /* active only */
  wr_constexpr offset; /* active only; i32 */
  const uint8_t *bytes; /* into the module bytes */
  uint32_t len;
} wr_dataseg;

typedef struct wr_custom {
  wr_name name;
  const uint8_t *bytes; /* payload after the name, into the module bytes */
  uint32_t len;
} wr_custom;

/* Side-table entry for the in-place (classic) interpreter, made by the validator.
 *
 * Every instruction that may transfer control (br, br_if, br_table, if, else)
 * owns entries in the function's side table, in code order: one each for br,
 * br_if, if and else; n+1 for a br_table with n labels (the default last). The
 * interpreter keeps a side-table index `stp` beside the code pointer `ip`:
 *   - an instruction that does not branch (br_if not taken, if with a true
 *     condition) steps stp by its entry count;
 *   - a branch taken through entry e sets ip += e.ip_delta and stp += e.stp_delta,
 *     both relative to that instruction/entry: ip_delta from the address of the
 *     opcode byte of the branching instruction, stp_delta from the index of e;
 *     then copies the top e.keep slots down over e.drop slots below them and pops
 *     e.drop slots.
 * Targets: a branch to a block/if label lands just after its `end` opcode (to
 * the function's outermost label: on the final `end`, which returns); to a
 * loop label, just after the loop's block type (the loop body's first
 * instruction); `if` with a false condition lands after its `else` opcode (or
 * after its `end` if none); `else` reached from the then-arm lands after the
 * `end`. keep/drop are counted in 64-bit slots (v128 = 2). For `if` and `else`
 * entries keep = drop = 0. In unreachable code the entries exist but are never
 * used, and their keep/drop are 0. */
typedef struct wr_branch {
  int32_t ip_delta;
  int32_t stp_delta;
  uint32_t keep;
  uint32_t drop;
} wr_branch;

/* A function defined by the module (imports have no body). */
typedef struct wr_function {
  uint32_t type_idx;
  uint32_t nlocals;        /* declared locals, not counting params */
  wr_valtype *local_types; /* params then declared locals: nparams + nlocals entries */
  uint32_t local_slots;    /* slots of params + declared locals */
  const uint8_t *code;     /* first instruction of the body (after the local declarations) */
  const uint8_t *code_end; /* one past the final `end` opcode of the body */
  uint32_t body_offset;    /* offset of the body (its size LEB) in the module, for messages */
  /* Filled by the validator: */
  wr_branch *branches;
  uint32_t nbranches;
  uint32_t max_stack;      /* highest operand-stack height, in slots */
  bool uses_simd;          /* the body contains a 0xFD-prefixed instruction */
  /* For interpreters, which address locals and values by slot: NULL unless some
   * local is a v128, else the slot of each local (params first). */
  uint32_t *local_slot;
  /* NULL unless some drop or select of the body takes v128 operands, else a bitmap
   * by code offset (from `code`) of the opcode bytes of those drops and selects. */
  uint8_t *v128_ops;
} wr_function;

typedef struct wr_module {
  const uint8_t *bytes; /* the module bytes (not owned) */
  size_t len;

  wr_functype *types;
  uint32_t ntypes;
  uint32_t *type_canon; /* per type: the lowest index of a structurally equal type */

  wr_import *imports;
  uint32_t nimports;
  uint32_t nimported_funcs, nimported_tables, nimported_mems, nimported_globals;

  /* The function index space: type index of every function, imports first. */
  uint32_t nfuncs;
  uint32_t *func_type; /* nfuncs entries */
  wr_function *funcs;  /* defined functions: nfuncs - nimported_funcs entries */

  uint32_t ntables; /* imports first */
  wr_tabletype *tables;
  uint32_t nmems; /* imports first; at most 1 in Wasm 2.0 */
  wr_memtype *mems;
  uint32_t nglobals; /* imports first */
  wr_globaltype *globals;
  wr_constexpr *global_init; /* nglobals - nimported_globals entries: defined globals */

  wr_export *exports;
  uint32_t nexports;

  bool has_start;
  uint32_t start;

  wr_elemseg *elems;
  uint32_t nelems;
  wr_dataseg *datas;
  uint32_t ndatas;
  bool has_datacount;
  uint32_t datacount;

  wr_custom *customs;
  uint32_t ncustoms;

  /* From the "name" custom section: per function index, NULL when unnamed. */
  char **func_names; /* nfuncs entries, or NULL when there is no name section */

  /* Functions that may be referenced by ref.func in code: those named in element
   * segments, exports or global initialisers (C.4 "declared" functions). */
  uint8_t *func_refable; /* nfuncs entries, 0 or 1 */

  bool uses_simd; /* some function or constant uses v128 or a SIMD instruction */
} wr_module;

/* Decode and validate `len` bytes. On success *out owns a new module that refers to
 * `bytes`. On failure returns WR_ERR_MALFORMED / WR_ERR_INVALID / WR_ERR_NOMEM with
 * a message naming the section and byte offset, or the function and instruction
 * offset, and the reason (the spec's wording where it has one). */
int wr_module_load(const uint8_t *bytes, size_t len, wr_module **out, wr_error *err);

/* The two halves of wr_module_load. wr_module_decode reads every section (function
 * bodies only as far as their local declarations); wr_module_validate checks every
 * rule of the spec, walks every function body and fills the validator fields. */
int wr_module_decode(const uint8_t *bytes, size_t len, wr_module **out, wr_error *err);
int wr_module_validate(wr_module *m, wr_error *err);

void wr_module_free(wr_module *m);

/* A function's printable name: its name-section name, else the printable name it
 * is exported under, else "func[N]". */
const char *wr_module_func_name(const wr_module *m, uint32_t func_idx, char *buf, size_t bufsize);

/* Find an export by name (exact bytes). Returns NULL when absent. */
const wr_export *wr_module_find_export(const wr_module *m, const char *name, uint32_t len);

#endif
