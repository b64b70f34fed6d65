/* unit.h: what the unit-test files share: the suites main.c runs, and a small
 * builder for the hand-assembled wasm modules the tests feed to the decoder,
 * validator and runtime (section sizes and counts are computed, the contents are
 * spelled out byte by byte in each test). */
#ifndef WR_UNIT_H
#define WR_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/module.h"

Suite *leb_suite(void);
Suite *validate_suite(void);
Suite *memory_suite(void);
Suite *traps_suite(void);
Suite *cgroup_suite(void);
Suite *fingerprint_suite(void);
Suite *cache_suite(void);

/* A module under construction. */
typedef struct wbuf {
  uint8_t b[16384];
  size_t n;
} wbuf;

enum {
  SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
  SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA, SEC_DATACOUNT,
};

/* A byte-array argument pair: pointer, length. */
#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* The 8-byte header: magic and version 1. */
#define WASM_HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

/* Starts a module with the header. */
void wb_init(wbuf *w);
/* Appends bytes as they are. */
void wb_raw(wbuf *w, const uint8_t *p, size_t n);
/* Appends a section: id, LEB size, payload. */
void wb_section(wbuf *w, uint8_t id, const uint8_t *payload, size_t n);
/* Appends a code section of `count` bodies, each given as a BYTES(...) pair holding
 * the local declarations and instructions (the body size is prefixed here). */
void wb_code(wbuf *w, unsigned count, ...);
/* Appends a one-function "name" custom section naming function `idx`. */
void wb_func_name(wbuf *w, uint32_t idx, const char *name);
/* Appends an unsigned LEB to a byte buffer (for payloads built in code). */
size_t wb_uleb(uint8_t *out, uint64_t v);

/* Loads w (wr_module_load); returns its code. */
int wb_load(const wbuf *w, wr_module **m, wr_error *err);

#endif
