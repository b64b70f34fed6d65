/* encoder.c: encodes the forms of XFORMS (encoder.h): legacy prefix, REX, opcode,
 * ModRM/SIB/displacement, immediate, from one table row and the operands. */
#include "modes/fast-jit/encoder.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const xform wr_xforms[XF_COUNT] = {
#define X(id, text, pfx, w, n, o0, o1, o2, dig, shape, imm, rc, mc) \
  [XF_##id] = {text, pfx, w, n, {o0, o1, o2}, dig, shape, imm, rc, mc,                       \
                XF_##id == XF_SETCC_RM8 || XF_##id == XF_CMOVCC_R32_RM || XF_##id == XF_CMOVCC_R64_RM || \
                    XF_##id == XF_JCC_REL32},
    XFORMS(X)
#undef X
};

bool wr_xbuf_grow(xbuf *b, size_t n) {
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + n) cap *= 2;
  uint8_t *p;
  if (b->mapped) {
    p = mremap(b->p, b->cap, cap, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) p = NULL;
  } else {
    p = realloc(b->p, cap);
  }
  if (!p) {
    b->oom = true;
    b->len = 0; /* keep writing somewhere; the result is discarded */
    return b->cap >= n;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static inline void put8(xbuf *b, uint8_t v) { b->p[b->len++] = v; }
static inline void put32(xbuf *b, uint32_t v) {
  memcpy(b->p + b->len, &v, 4);
  b->len += 4;
}

size_t wr_xemit(xbuf *b, int f, int reg, xrm rm, int64_t imm, int cc) {
  const xform *x = &wr_xforms[f];
  if (!wr_xbuf_reserve(b, 16) && b->cap < 16) return b->len;
  bool has_modrm = x->shape != XS_NONE && x->shape != XS_OI && x->shape != XS_O && x->shape != XS_L;
  int r = reg;
  if (x->shape == XS_DM || x->shape == XS_DMI || x->shape == XS_MCL) r = x->digit;
  if (x->prefix) put8(b, x->prefix);
  /* REX: W, R (reg bit 3), X (index bit 3), B (base or rm or opcode reg bit 3). */
  uint8_t rex = x->rex_w ? 0x08 : 0;
  bool force = false; /* spl/bpl/sil/dil need a REX byte to exist at all */
  if (has_modrm) {
    if (r & 8) rex |= 0x04;
    if (rm.mem) {
      if (rm.index >= 0 && (rm.index & 8)) rex |= 0x02;
      if (rm.base & 8) rex |= 0x01;
    } else {
      if (rm.reg & 8) rex |= 0x01;
      if (x->mclass == 8 && rm.reg >= 4 && rm.reg < 8) force = true;
    }
    if (x->rclass == 8 && r >= 4 && r < 8) force = true;
  } else if (x->shape == XS_OI || x->shape == XS_O) {
    if (reg & 8) rex |= 0x01;
  }
  if (rex || force) put8(b, 0x40 | rex);
  for (int i = 0; i < x->nopc; i++) {
    uint8_t o = x->op[i];
    if (i == x->nopc - 1) {
      if (x->shape == XS_OI || x->shape == XS_O) o += reg & 7;
      if (x->cc) o += cc;
    }
    put8(b, o);
  }
  if (x->shape == XS_RIP) {
    put8(b, (uint8_t)((r & 7) << 3 | 5));
  } else if (has_modrm) {
    if (!rm.mem) {
      put8(b, (uint8_t)(0xC0 | (r & 7) << 3 | (rm.reg & 7)));
    } else {
      int base = rm.base & 7;
      int mod = rm.disp == 0 && base != RBP ? 0 : rm.disp >= -128 && rm.disp <= 127 ? 1 : 2;
      bool sib = rm.index >= 0 || base == RSP;
      put8(b, (uint8_t)(mod << 6 | (r & 7) << 3 | (sib ? 4 : base)));
      if (sib) put8(b, (uint8_t)((rm.index >= 0 ? rm.index & 7 : 4) << 3 | base));
      if (mod == 1) put8(b, (uint8_t)rm.disp);
      else if (mod == 2) put32(b, (uint32_t)rm.disp);
    }
  }
  switch (x->imm) {
    case 1: put8(b, (uint8_t)imm); break;
    case 4: put32(b, (uint32_t)imm); break; /* (XS_RIP: the displacement) */
    case 8:
      put32(b, (uint32_t)imm);
      put32(b, (uint32_t)((uint64_t)imm >> 32));
      break;
  }
  return b->len;
}
