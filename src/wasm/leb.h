/* leb.h: bounds-checked readers for the binary format's LEB128 integers and fixed
 * little-endian values.
 *
 * A reader works on a cursor [p, end). Each function returns 0 and advances *p, or
 * returns a negative wr_errcode (WR_ERR_MALFORMED) and leaves *p unspecified, with
 * the spec's reasons: "unexpected end", "integer representation too long" (more
 * bytes than ceil(N/7)), "integer too large" (unused bits of the last byte not
 * zero, or not a sign extension for signed forms). */
#ifndef WR_LEB_H
#define WR_LEB_H

#include <stdint.h>
#include <string.h>

#include "error.h"

typedef struct wr_reader {
  const uint8_t *p, *end;
  const uint8_t *base; /* start of the module, for byte offsets in messages */
} wr_reader;

static inline uint32_t wr_reader_offset(const wr_reader *r) { return (uint32_t)(r->p - r->base); }

/* Reads an unsigned LEB of at most `bits` bits (32 or 64). */
static inline int wr_read_uleb(const uint8_t **pp, const uint8_t *end, unsigned bits,
                               uint64_t *out, const char **why) {
  const uint8_t *p = *pp;
  uint64_t result = 0;
  unsigned shift = 0;
  unsigned maxbytes = (bits + 6) / 7;
  for (unsigned i = 0;; i++) {
    if (p >= end) { *why = "unexpected end"; return WR_ERR_MALFORMED; }
    if (i >= maxbytes) { *why = "integer representation too long"; return WR_ERR_MALFORMED; }
    uint8_t b = *p++;
    if (i == maxbytes - 1) {
      /* last permitted byte: no continuation, and unused high bits must be zero */
      unsigned used = bits - shift;
      if (b & 0x80) { *why = "integer representation too long"; return WR_ERR_MALFORMED; }
      if (used < 7 && (b >> used) != 0) { *why = "integer too large"; return WR_ERR_MALFORMED; }
    }
    result |= (uint64_t)(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  *pp = p;
  *out = result;
  return 0;
}

/* Reads a signed LEB of at most `bits` bits (32, 33 or 64), sign-extended to 64. */
static inline int wr_read_sleb(const uint8_t **pp, const uint8_t *end, unsigned bits,
                               int64_t *out, const char **why) {
  const uint8_t *p = *pp;
  uint64_t result = 0;
  unsigned shift = 0;
  unsigned maxbytes = (bits + 6) / 7;
  uint8_t b;
  for (unsigned i = 0;; i++) {
    if (p >= end) { *why = "unexpected end"; return WR_ERR_MALFORMED; }
    if (i >= maxbytes) { *why = "integer representation too long"; return WR_ERR_MALFORMED; }
    b = *p++;
    if (i == maxbytes - 1) {
      if (b & 0x80) { *why = "integer representation too long"; return WR_ERR_MALFORMED; }
      /* the bits beyond `bits` (including the sign bit position) must all equal the sign */
      unsigned used = bits - shift; /* value bits carried by this byte, 1..7 */
      if (used < 7) {
        int8_t s = (int8_t)(b << 1) >> 1;       /* sign-extend the 7-bit payload */
        int8_t top = s >> (used - 1);           /* bits from the sign bit upwards */
        if (top != 0 && top != -1) { *why = "integer too large"; return WR_ERR_MALFORMED; }
      }
    }
    result |= (uint64_t)(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (shift < 64 && (b & 0x40)) result |= ~(uint64_t)0 << shift;
  *pp = p;
  *out = (int64_t)result;
  return 0;
}

/* Fast paths for already-validated code (interpreters): no checks at all. */
static inline uint32_t wr_uleb32_unchecked(const uint8_t **pp) {
  const uint8_t *p = *pp;
  uint32_t r = *p & 0x7F;
  if (__builtin_expect(!(*p++ & 0x80), 1)) { *pp = p; return r; }
  unsigned shift = 7;
  uint8_t b;
  do { b = *p++; r |= (uint32_t)(b & 0x7F) << shift; shift += 7; } while (b & 0x80);
  *pp = p;
  return r;
}

static inline int64_t wr_sleb64_unchecked(const uint8_t **pp) {
  const uint8_t *p = *pp;
  uint64_t r = 0;
  unsigned shift = 0;
  uint8_t b;
  do { b = *p++; r |= (uint64_t)(b & 0x7F) << shift; shift += 7; } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) r |= ~(uint64_t)0 << shift;
  *pp = p;
  return (int64_t)r;
}

static inline int32_t wr_sleb32_unchecked(const uint8_t **pp) {
  const uint8_t *p = *pp;
  int8_t b0 = (int8_t)*p;
  if (__builtin_expect(!(b0 & 0x80), 1)) { *pp = p + 1; return (int32_t)((int8_t)(b0 << 1) >> 1); }
  return (int32_t)wr_sleb64_unchecked(pp);
}

static inline uint32_t wr_load_u32le(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t wr_load_u64le(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

#endif
