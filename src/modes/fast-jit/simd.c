/* simd.c: the fast-jit compiler's SIMD (v128) instructions (compile.h). A v128
 * value is an operand-stack entry like a float: in an XMM register, else in two
 * frame slots; constants go straight to a register. Most instructions are one to
 * a few SSE4.1 instructions on the registers; lane masks and other 16-byte
 * constants live in a pool after the function's code (16-byte aligned, so SSE
 * may read them as memory operands; frame slots are only 8-aligned and are read
 * with movdqu).
 *
 * Only the 8-bit shifts by a computed count call C, simd.h's lane functions: x86
 * has no 8-bit lane shifts (by a constant they are 16-bit shifts and a mask). */
#ifdef __x86_64__ /* (the whole file: the mode exists on x86-64 only) */
#include "modes/fast-jit/compile.h"
#include "modes/simd.h"
#include "wasm/leb.h"
#include "wasm/opcodes.h"

/* ---- 8-bit shifts by a computed count: simd.h's, called ----------------------- */

static wr_v128 shl8(wr_v128 a, uint64_t n) { return wr_simd_I8X16_SHL(a, n); }
static wr_v128 shr8_s(wr_v128 a, uint64_t n) { return wr_simd_I8X16_SHR_S(a, n); }
static wr_v128 shr8_u(wr_v128 a, uint64_t n) { return wr_simd_I8X16_SHR_U(a, n); }

/* Calls fn(v128 below, count on top) with the C calling convention (the vector in
 * xmm0, the count in rdi, the result in xmm0), every register spilled first as for
 * the other helpers and the pinned XMM locals kept. */
static void call_shift8(jc *t, wr_v128 (*fn)(wr_v128, uint64_t)) {
  fj_spill_regs(t);
  fj_load_into(t, XMM(0), t->h - 2);
  fj_load_into(t, RDI, t->h - 1);
  fj_save_pinned_xmm(t, false);
  fj_mov_imm(t, RAX, (uint64_t)(uintptr_t)fn);
  x_rm(E(t), XF_CALL_RM64, 0, xr(RAX));
  fj_save_pinned_xmm(t, true);
  fj_popn(t, 2);
  int r = fj_alloc_xmm(t);
  rr(t, XF_MOVAPS_X_X, r - 16, 0);
  fj_push_reg(t, T_V128, r);
}

/* ---- the constant pool ------------------------------------------------------- */

/* The memory operand of a 16-byte constant of the pool (its address in rax). A
 * constant is shared with an equal one among the last few made (masks repeat
 * close together; a longer search would be quadratic in a function's size). */
static xrm pool(jc *t, const void *bytes) {
  uint32_t k = t->nvc > 32 ? t->nvc - 32 : 0;
  while (k < t->nvc && memcmp(t->vc[k].bytes, bytes, 16) != 0) k++;
  if (k == t->nvc) {
    if (t->nvc == t->capvc) {
      uint32_t cap = t->capvc ? t->capvc * 2 : 8;
      vconst *v = realloc(t->vc, cap * sizeof *v);
      if (!v) {
        t->oom = true;
        return xm(RAX, 0);
      }
      t->vc = v;
      t->capvc = cap;
    }
    memcpy(t->vc[k].bytes, bytes, 16);
    t->vc[k].refs = NONE;
    t->nvc++;
  }
  size_t end = wr_xemit(E(t), XF_LEA_R64_RIP, RAX, xr(0), 0, 0);
  t->vc[k].refs = fj_new_patch(t, end - 4, end, t->vc[k].refs);
  return xm(RAX, 0);
}

/* A constant of 16 equal bytes / 8 equal 16-bit lanes. */
static xrm splat8(jc *t, uint8_t v) {
  uint8_t b[16];
  memset(b, v, 16);
  return pool(t, b);
}
static xrm splat16(jc *t, uint16_t v) {
  uint16_t b[8];
  for (int i = 0; i < 8; i++) b[i] = v;
  return pool(t, b);
}

/* After the function's code: the pool, 16-byte aligned. */
void fj_emit_vconsts(jc *t) {
  if (!t->nvc) return;
  while (E(t)->len % 16 && wr_xbuf_reserve(E(t), 1)) E(t)->p[E(t)->len++] = 0xCC;
  for (uint32_t k = 0; k < t->nvc; k++) {
    if (!wr_xbuf_reserve(E(t), 16)) return;
    fj_label_here(t, t->vc[k].refs);
    memcpy(E(t)->p + E(t)->len, t->vc[k].bytes, 16);
    E(t)->len += 16;
  }
}

/* ---- operands ------------------------------------------------------------------ */

/* The XMM register number holding entry i: its own, or scratch xmm `scratch`. */
static int src(jc *t, uint32_t i, int scratch) { return fj_xmm_of(t, i, scratch); }
/* A register (16+XMM) the result may be built in, holding entry i's value. */
static int dest(jc *t, uint32_t i) { return fj_dest_reg(t, i); }
static void lock2(jc *t) {
  fj_lock(t, t->h - 1);
  fj_lock(t, t->h - 2);
}
/* Pops n entries and pushes register r as the v128 result. */
static void done(jc *t, uint32_t n, int r) {
  fj_popn(t, n);
  fj_push_reg(t, T_V128, r);
}
static void ones(jc *t, int x) { rr(t, XF_PCMPEQD, x, x); }
static void not_reg(jc *t, int x) {
  ones(t, 0);
  rr(t, XF_PXOR, x, 0);
}

/* a = a OP b (swap: b = b OP a), with an imm8 when imm >= 0; then NOT when inv. */
static void bin(jc *t, int form, bool swap, int imm, bool inv) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (swap) ai = t->h - 1, bi = t->h - 2;
  lock2(t);
  int b = src(t, bi, 1);
  int r = dest(t, ai);
  wr_xemit(E(t), form, r - 16, xr(b), imm < 0 ? 0 : imm, 0);
  if (inv) not_reg(t, r - 16);
  done(t, 2, r);
}

/* Unsigned a >= b (a == max(a, b)) or a <= b (a == min(a, b)), NOT when inv. */
static void cmp_u(jc *t, int minmax, int eq, bool inv) {
  lock2(t);
  int b = src(t, t->h - 1, 1);
  int r = dest(t, t->h - 2);
  rr(t, XF_MOVAPS_X_X, 0, r - 16);
  rr(t, minmax, 0, b);
  rr(t, eq, r - 16, 0);
  if (inv) not_reg(t, r - 16);
  done(t, 2, r);
}

/* r = form(r, r[, imm]): one instruction on the operand in place. */
static void un(jc *t, int form, int imm) {
  int r = dest(t, t->h - 1);
  wr_xemit(E(t), form, r - 16, xr(r - 16), imm < 0 ? 0 : imm, 0);
  done(t, 1, r);
}

/* 0 - a */
static void neg(jc *t, int sub) {
  int r = dest(t, t->h - 1);
  rr(t, XF_PXOR, 0, 0);
  rr(t, sub, 0, r - 16);
  rr(t, XF_MOVAPS_X_X, r - 16, 0);
  done(t, 1, r);
}

/* Float abs / neg: and with ~sign / xor with sign, the mask made in xmm0. */
static void fsign(jc *t, bool d, bool negate) {
  int r = dest(t, t->h - 1);
  ones(t, 0);
  if (negate) {
    mi(t, d ? XF_PSLLQ_I : XF_PSLLD_I, xr(0), d ? 63 : 31);
    rr(t, XF_XORPS, r - 16, 0);
  } else {
    mi(t, d ? XF_PSRLQ_I : XF_PSRLD_I, xr(0), 1);
    rr(t, XF_ANDPS, r - 16, 0);
  }
  done(t, 1, r);
}

/* wasm's float min/max: NaN if either is NaN (canonical), -0 < +0. The two
 * orders of minps/maxps differ only for NaNs and zeros of both signs: or-ing
 * them gives -0 for min, and-ing gives +0 for max; lanes with a NaN operand are
 * then made the canonical NaN. */
static void fminmax(jc *t, bool d, bool max) {
  int op = max ? (d ? XF_MAXPD : XF_MAXPS) : (d ? XF_MINPD : XF_MINPS);
  lock2(t);
  int b = src(t, t->h - 1, 1);
  int r = dest(t, t->h - 2) - 16;
  int tmp = fj_alloc_xmm(t) - 16;
  rr(t, XF_MOVAPS_X_X, tmp, b);
  rr(t, op, tmp, r); /* op(b, a) */
  rr(t, XF_MOVAPS_X_X, 0, r);
  wr_xemit(E(t), d ? XF_CMPPD : XF_CMPPS, 0, xr(b), 3, 0); /* unordered(a, b) */
  rr(t, op, r, b);                                           /* op(a, b) */
  rr(t, max ? XF_ANDPS : XF_ORPS, r, tmp);
  rr(t, XF_ORPS, r, 0);
  mi(t, d ? XF_PSRLQ_I : XF_PSRLD_I, xr(0), d ? 13 : 10); /* NaN lanes: all but sign, exponent, quiet bit */
  rr(t, XF_ANDNPS, 0, r);
  rr(t, XF_MOVAPS_X_X, r, 0);
  done(t, 2, r + 16);
}

/* Shift by the scalar on top, modulo the lane width. */
static void shift(jc *t, int by_xmm, int by_imm, unsigned bits) {
  uint32_t ci = t->h - 1, vi = t->h - 2;
  ventry *c = &t->st[ci];
  lock2(t);
  if (c->kind == L_CONST) {
    int r = dest(t, vi);
    mi(t, by_imm, xr(r - 16), (int64_t)(c->val & (bits - 1)));
    done(t, 2, r);
    return;
  }
  int r = dest(t, vi);
  fj_load_into(t, RCX, ci);
  mi(t, XF_AND_RM32_I8, xr(RCX), bits - 1);
  rr(t, XF_MOVD_X_RM32, 0, RCX);
  rr(t, by_xmm, r - 16, 0);
  done(t, 2, r);
}

/* Extends the low (or, high: the high) half of each operand, then multiplies. */
static void extmul(jc *t, int ext, int mul, bool high) {
  lock2(t);
  int b = src(t, t->h - 1, 1);
  int r = dest(t, t->h - 2) - 16;
  if (high) {
    wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0xEE, 0);
    wr_xemit(E(t), XF_PSHUFD, 1, xr(b), 0xEE, 0);
    b = 1;
  }
  rr(t, ext, r, r);
  rr(t, ext, 1, b);
  rr(t, mul, r, 1);
  done(t, 2, r + 16);
}

/* The low or high half extended. */
static void extend(jc *t, int ext, bool high) {
  int r = dest(t, t->h - 1) - 16;
  if (high) wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0xEE, 0);
  rr(t, ext, r, r);
  done(t, 1, r + 16);
}

/* all_true: no lane equal to zero (ZF of ptest on the lanes-equal-zero mask). */
static void all_true(jc *t, int eq) {
  int x = src(t, t->h - 1, 1);
  rr(t, XF_PXOR, 0, 0);
  rr(t, eq, 0, x);
  rr(t, XF_PTEST, 0, 0);
  fj_pop(t);
  fj_push_flags(t, CC_E);
}

static void bitmask(jc *t, int form, bool words) {
  int x = src(t, t->h - 1, 0);
  int r = fj_alloc_gp(t);
  if (words) { /* the 16-bit lanes' signs saturated into bytes */
    if (x != 0) rr(t, XF_MOVAPS_X_X, 0, x);
    rr(t, XF_PACKSSWB, 0, 0);
    x = 0;
  }
  rr(t, form, r, x);
  if (words) rr(t, XF_MOVZX_R32_RM8, r, r);
  fj_pop(t);
  fj_push_reg(t, T_I32, r);
}

static void splat_gp(jc *t, int64_t op) {
  uint32_t i = t->h - 1;
  fj_lock(t, i);
  xrm s = fj_rm_of(t, i, RCX);
  int r = fj_alloc_xmm(t) - 16;
  rm(t, op == WR_OP_I64X2_SPLAT ? XF_MOVQ_X_RM64 : XF_MOVD_X_RM32, r, s);
  switch (op) {
    case WR_OP_I8X16_SPLAT:
      rr(t, XF_PXOR, 0, 0);
      rr(t, XF_PSHUFB, r, 0);
      break;
    case WR_OP_I16X8_SPLAT:
      wr_xemit(E(t), XF_PSHUFLW, r, xr(r), 0, 0);
      wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0, 0);
      break;
    case WR_OP_I32X4_SPLAT: wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0, 0); break;
    default: rr(t, XF_PUNPCKLQDQ, r, r); break;
  }
  done(t, 1, r + 16);
}

static void extract(jc *t, uint32_t op, unsigned l) {
  uint32_t i = t->h - 1;
  if (op == WR_OP_F32X4_EXTRACT_LANE || op == WR_OP_F64X2_EXTRACT_LANE) {
    int r = dest(t, i) - 16;
    if (op == WR_OP_F32X4_EXTRACT_LANE) /* lane l to lane 0, the others zero (the f32 invariant) */
      wr_xemit(E(t), XF_INSERTPS, r, xr(r), (int64_t)(l << 6 | 0x0E), 0);
    else if (l == 1)
      rr(t, XF_MOVHLPS, r, r);
    fj_pop(t);
    fj_push_reg(t, op == WR_OP_F32X4_EXTRACT_LANE ? T_F32 : T_F64, r + 16);
    return;
  }
  int x = src(t, i, 0);
  int r = fj_alloc_gp(t);
  uint8_t type = T_I32;
  switch (op) {
    case WR_OP_I8X16_EXTRACT_LANE_S:
    case WR_OP_I8X16_EXTRACT_LANE_U:
      wr_xemit(E(t), XF_PEXTRB, x, xr(r), l, 0);
      if (op == WR_OP_I8X16_EXTRACT_LANE_S) rr(t, XF_MOVSX_R32_RM8, r, r);
      break;
    case WR_OP_I16X8_EXTRACT_LANE_S:
    case WR_OP_I16X8_EXTRACT_LANE_U:
      wr_xemit(E(t), XF_PEXTRW_R, r, xr(x), l, 0);
      if (op == WR_OP_I16X8_EXTRACT_LANE_S) rr(t, XF_MOVSX_R32_RM16, r, r);
      break;
    case WR_OP_I32X4_EXTRACT_LANE:
      if (l == 0) rm(t, XF_MOVD_RM32_X, x, xr(r));
      else wr_xemit(E(t), XF_PEXTRD, x, xr(r), l, 0);
      break;
    default: /* i64x2 */
      type = T_I64;
      if (l == 0) rm(t, XF_MOVQ_RM64_X, x, xr(r));
      else wr_xemit(E(t), XF_PEXTRQ, x, xr(r), l, 0);
      break;
  }
  fj_pop(t);
  fj_push_reg(t, type, r);
}

static void replace(jc *t, uint32_t op, unsigned l) {
  uint32_t xi = t->h - 1, vi = t->h - 2;
  lock2(t);
  if (op == WR_OP_F32X4_REPLACE_LANE || op == WR_OP_F64X2_REPLACE_LANE) {
    int s = src(t, xi, 1);
    int r = dest(t, vi) - 16;
    if (op == WR_OP_F32X4_REPLACE_LANE) wr_xemit(E(t), XF_INSERTPS, r, xr(s), (int64_t)(l << 4), 0);
    else rr(t, l == 0 ? XF_MOVSD_X_RM : XF_MOVLHPS, r, s);
    done(t, 2, r + 16);
    return;
  }
  xrm s = fj_rm_of(t, xi, RCX);
  int r = dest(t, vi);
  int form = op == WR_OP_I8X16_REPLACE_LANE   ? XF_PINSRB
             : op == WR_OP_I16X8_REPLACE_LANE ? XF_PINSRW
             : op == WR_OP_I32X4_REPLACE_LANE ? XF_PINSRD
                                               : XF_PINSRQ;
  wr_xemit(E(t), form, r - 16, s, l, 0);
  done(t, 2, r);
}

static void shuffle(jc *t, const uint8_t *lanes) {
  uint8_t ma[16], mb[16];
  bool any_a = false, any_b = false;
  for (int k = 0; k < 16; k++) {
    ma[k] = lanes[k] < 16 ? lanes[k] : 0x80;
    mb[k] = lanes[k] >= 16 ? lanes[k] - 16 : 0x80;
    any_a |= lanes[k] < 16;
    any_b |= lanes[k] >= 16;
  }
  lock2(t);
  if (!any_b || !any_a) { /* from one operand */
    int r = dest(t, any_a ? t->h - 2 : t->h - 1);
    rm(t, XF_PSHUFB, r - 16, pool(t, any_a ? ma : mb));
    done(t, 2, r);
    return;
  }
  int b = src(t, t->h - 1, 1);
  int r = dest(t, t->h - 2) - 16;
  rm(t, XF_PSHUFB, r, pool(t, ma));
  if (b != 1) rr(t, XF_MOVAPS_X_X, 1, b);
  rm(t, XF_PSHUFB, 1, pool(t, mb));
  rr(t, XF_POR, r, 1);
  done(t, 2, r + 16);
}

/* 8-bit lanes shifted by a constant: 16-bit shifts, then the bits that crossed
 * from the neighbouring lane masked off (shl, shr_u), or (shr_s) each byte
 * widened into the top of a 16-bit lane, shifted arithmetically and packed back.
 * Returns false for a count that is not a constant (the caller's helper then). */
static bool shift8(jc *t, uint32_t op) {
  ventry *c = &t->st[t->h - 1];
  if (c->kind != L_CONST) return false;
  unsigned n = (unsigned)c->val & 7;
  lock2(t);
  int r = dest(t, t->h - 2) - 16;
  if (op == WR_OP_I8X16_SHR_S) {
    rr(t, XF_MOVAPS_X_X, 0, r);
    rr(t, XF_PUNPCKHBW, 0, 0);
    rr(t, XF_PUNPCKLBW, r, r);
    mi(t, XF_PSRAW_I, xr(0), 8 + n);
    mi(t, XF_PSRAW_I, xr(r), 8 + n);
    rr(t, XF_PACKSSWB, r, 0);
  } else {
    bool left = op == WR_OP_I8X16_SHL;
    mi(t, left ? XF_PSLLW_I : XF_PSRLW_I, xr(r), n);
    rm(t, XF_PAND, r, splat8(t, (uint8_t)(left ? 0xFF << n : 0xFF >> n)));
  }
  done(t, 2, r + 16);
  return true;
}

/* Signed a > b of 64-bit lanes without SSE4.2's pcmpgtq: where the high halves
 * differ their order decides, where they are equal the borrow of b - a (its high
 * half is all ones exactly when a's low half is the larger). Swapped for lt,
 * negated (inv) for le and ge. */
static void gt64(jc *t, bool swap, bool inv) {
  uint32_t ai = t->h - 2, bi = t->h - 1;
  if (swap) ai = t->h - 1, bi = t->h - 2;
  lock2(t);
  int b = src(t, bi, 1);
  int r = dest(t, ai) - 16;
  int tmp = fj_alloc_xmm(t) - 16;
  rr(t, XF_MOVAPS_X_X, 0, b);
  rr(t, XF_PSUBQ, 0, r); /* b - a */
  rr(t, XF_MOVAPS_X_X, tmp, r);
  rr(t, XF_PCMPEQD, tmp, b);
  rr(t, XF_PAND, tmp, 0);
  rr(t, XF_PCMPGTD, r, b);
  rr(t, XF_POR, r, tmp);
  wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0xF5, 0); /* each high half's answer to both halves */
  if (inv) not_reg(t, r);
  done(t, 2, r + 16);
}

/* i64x2.shr_s: a logical shift, with the sign (made from each lane's high half)
 * shifted left by 64 - n into the vacated bits (by 64: nothing, for n = 0). */
static void sar64(jc *t) {
  uint32_t ci = t->h - 1, vi = t->h - 2;
  ventry *c = &t->st[ci];
  lock2(t);
  int r = dest(t, vi) - 16;
  wr_xemit(E(t), XF_PSHUFD, 1, xr(r), 0xF5, 0);
  mi(t, XF_PSRAD_I, xr(1), 31);
  if (c->kind == L_CONST) {
    unsigned n = (unsigned)c->val & 63;
    if (n) {
      mi(t, XF_PSRLQ_I, xr(r), n);
      mi(t, XF_PSLLQ_I, xr(1), 64 - n);
      rr(t, XF_POR, r, 1);
    }
  } else {
    fj_load_into(t, RCX, ci);
    mi(t, XF_AND_RM32_I8, xr(RCX), 63);
    rr(t, XF_MOVD_X_RM32, 0, RCX);
    rr(t, XF_PSRLQ, r, 0);
    wr_xemit(E(t), XF_NEG_RM32, 0, xr(RCX), 0, 0);
    mi(t, XF_ADD_RM32_I8, xr(RCX), 64);
    rr(t, XF_MOVD_X_RM32, 0, RCX);
    rr(t, XF_PSLLQ, 1, 0);
    rr(t, XF_POR, r, 1);
  }
  done(t, 2, r + 16);
}

/* Constants of four f32 / two f64 lanes (bit patterns). */
static xrm splat32(jc *t, uint32_t v) {
  uint32_t b[4] = {v, v, v, v};
  return pool(t, b);
}
static xrm splat64(jc *t, uint64_t v) {
  uint64_t b[2] = {v, v};
  return pool(t, b);
}

/* ---- memory -------------------------------------------------------------------- */

static void load(jc *t, uint32_t op, uint32_t off) {
  xrm a = fj_address(t, off);
  int r = fj_alloc_xmm(t) - 16;
  switch (op) {
    case WR_OP_V128_LOAD: rm(t, XF_MOVDQU_X_RM, r, a); break;
    case WR_OP_V128_LOAD8X8_S: rm(t, XF_PMOVSXBW, r, a); break;
    case WR_OP_V128_LOAD8X8_U: rm(t, XF_PMOVZXBW, r, a); break;
    case WR_OP_V128_LOAD16X4_S: rm(t, XF_PMOVSXWD, r, a); break;
    case WR_OP_V128_LOAD16X4_U: rm(t, XF_PMOVZXWD, r, a); break;
    case WR_OP_V128_LOAD32X2_S: rm(t, XF_PMOVSXDQ, r, a); break;
    case WR_OP_V128_LOAD32X2_U: rm(t, XF_PMOVZXDQ, r, a); break;
    case WR_OP_V128_LOAD8_SPLAT:
      wr_xemit(E(t), XF_PINSRB, r, a, 0, 0);
      rr(t, XF_PXOR, 0, 0);
      rr(t, XF_PSHUFB, r, 0);
      break;
    case WR_OP_V128_LOAD16_SPLAT:
      wr_xemit(E(t), XF_PINSRW, r, a, 0, 0);
      wr_xemit(E(t), XF_PSHUFLW, r, xr(r), 0, 0);
      rr(t, XF_PUNPCKLQDQ, r, r);
      break;
    case WR_OP_V128_LOAD32_SPLAT:
      rm(t, XF_MOVD_X_RM32, r, a);
      wr_xemit(E(t), XF_PSHUFD, r, xr(r), 0, 0);
      break;
    case WR_OP_V128_LOAD64_SPLAT:
      rm(t, XF_MOVQ_X_RM64, r, a);
      rr(t, XF_PUNPCKLQDQ, r, r);
      break;
    case WR_OP_V128_LOAD32_ZERO: rm(t, XF_MOVD_X_RM32, r, a); break;
    default: rm(t, XF_MOVQ_X_RM64, r, a); break; /* load64_zero */
  }
  fj_pop(t);
  fj_push_reg(t, T_V128, r + 16);
}

/* Stores and lane loads and stores: the index under the v128 on top. */
static void lane_access(jc *t, uint32_t op, uint32_t off, unsigned l) {
  uint32_t vi = t->h - 1;
  fj_lock(t, vi);
  t->h--; /* the index is on top while the address is made */
  xrm a = fj_address(t, off);
  t->h++;
  switch (op) {
    case WR_OP_V128_LOAD8_LANE: case WR_OP_V128_LOAD16_LANE: case WR_OP_V128_LOAD32_LANE:
    case WR_OP_V128_LOAD64_LANE: {
      static const uint16_t ins[] = {XF_PINSRB, XF_PINSRW, XF_PINSRD, XF_PINSRQ};
      int r = dest(t, vi);
      wr_xemit(E(t), ins[op - WR_OP_V128_LOAD8_LANE], r - 16, a, l, 0);
      done(t, 2, r);
      return;
    }
    case WR_OP_V128_STORE: rm(t, XF_MOVDQU_M_X, src(t, vi, 0), a); break;
    default: { /* store lanes */
      static const uint16_t ext[] = {XF_PEXTRB, XF_PEXTRW_M, XF_PEXTRD, XF_PEXTRQ};
      wr_xemit(E(t), ext[op - WR_OP_V128_STORE8_LANE], src(t, vi, 0), a, l, 0);
      break;
    }
  }
  fj_popn(t, 2);
}

/* ---- the instructions ------------------------------------------------------------ */

/* One-instruction a = a OP b rows. */
static const uint16_t binops[256] = {
    [WR_OP_V128_AND] = XF_PAND, [WR_OP_V128_OR] = XF_POR, [WR_OP_V128_XOR] = XF_PXOR,
    [WR_OP_I8X16_ADD] = XF_PADDB, [WR_OP_I16X8_ADD] = XF_PADDW, [WR_OP_I32X4_ADD] = XF_PADDD,
    [WR_OP_I64X2_ADD] = XF_PADDQ, [WR_OP_I8X16_SUB] = XF_PSUBB, [WR_OP_I16X8_SUB] = XF_PSUBW,
    [WR_OP_I32X4_SUB] = XF_PSUBD, [WR_OP_I64X2_SUB] = XF_PSUBQ, [WR_OP_I16X8_MUL] = XF_PMULLW,
    [WR_OP_I32X4_MUL] = XF_PMULLD, [WR_OP_I8X16_ADD_SAT_S] = XF_PADDSB, [WR_OP_I8X16_ADD_SAT_U] = XF_PADDUSB,
    [WR_OP_I16X8_ADD_SAT_S] = XF_PADDSW, [WR_OP_I16X8_ADD_SAT_U] = XF_PADDUSW,
    [WR_OP_I8X16_SUB_SAT_S] = XF_PSUBSB, [WR_OP_I8X16_SUB_SAT_U] = XF_PSUBUSB,
    [WR_OP_I16X8_SUB_SAT_S] = XF_PSUBSW, [WR_OP_I16X8_SUB_SAT_U] = XF_PSUBUSW,
    [WR_OP_I8X16_MIN_S] = XF_PMINSB, [WR_OP_I8X16_MIN_U] = XF_PMINUB, [WR_OP_I8X16_MAX_S] = XF_PMAXSB,
    [WR_OP_I8X16_MAX_U] = XF_PMAXUB, [WR_OP_I16X8_MIN_S] = XF_PMINSW, [WR_OP_I16X8_MIN_U] = XF_PMINUW,
    [WR_OP_I16X8_MAX_S] = XF_PMAXSW, [WR_OP_I16X8_MAX_U] = XF_PMAXUW, [WR_OP_I32X4_MIN_S] = XF_PMINSD,
    [WR_OP_I32X4_MIN_U] = XF_PMINUD, [WR_OP_I32X4_MAX_S] = XF_PMAXSD, [WR_OP_I32X4_MAX_U] = XF_PMAXUD,
    [WR_OP_I8X16_AVGR_U] = XF_PAVGB, [WR_OP_I16X8_AVGR_U] = XF_PAVGW, [WR_OP_I32X4_DOT_I16X8_S] = XF_PMADDWD,
    [WR_OP_I8X16_NARROW_I16X8_S] = XF_PACKSSWB, [WR_OP_I8X16_NARROW_I16X8_U] = XF_PACKUSWB,
    [WR_OP_I16X8_NARROW_I32X4_S] = XF_PACKSSDW, [WR_OP_I16X8_NARROW_I32X4_U] = XF_PACKUSDW,
    [WR_OP_I8X16_EQ] = XF_PCMPEQB, [WR_OP_I16X8_EQ] = XF_PCMPEQW, [WR_OP_I32X4_EQ] = XF_PCMPEQD,
    [WR_OP_I64X2_EQ] = XF_PCMPEQQ, [WR_OP_I8X16_GT_S] = XF_PCMPGTB, [WR_OP_I16X8_GT_S] = XF_PCMPGTW,
    [WR_OP_I32X4_GT_S] = XF_PCMPGTD, [WR_OP_F32X4_ADD] = XF_ADDPS, [WR_OP_F32X4_SUB] = XF_SUBPS,
    [WR_OP_F32X4_MUL] = XF_MULPS, [WR_OP_F32X4_DIV] = XF_DIVPS, [WR_OP_F64X2_ADD] = XF_ADDPD,
    [WR_OP_F64X2_SUB] = XF_SUBPD, [WR_OP_F64X2_MUL] = XF_MULPD, [WR_OP_F64X2_DIV] = XF_DIVPD,
};

/* Returns -1 for a row the compiler does not know (none: every row is here). */
int fj_simd(jc *t, uint32_t op, const uint8_t **ip) {
  if (op < 256 && binops[op]) {
    bin(t, binops[op], false, -1, false);
    return 0;
  }
  switch (op) {
    case WR_OP_V128_LOAD: case WR_OP_V128_LOAD8X8_S: case WR_OP_V128_LOAD8X8_U: case WR_OP_V128_LOAD16X4_S:
    case WR_OP_V128_LOAD16X4_U: case WR_OP_V128_LOAD32X2_S: case WR_OP_V128_LOAD32X2_U:
    case WR_OP_V128_LOAD8_SPLAT: case WR_OP_V128_LOAD16_SPLAT: case WR_OP_V128_LOAD32_SPLAT:
    case WR_OP_V128_LOAD64_SPLAT: case WR_OP_V128_LOAD32_ZERO: case WR_OP_V128_LOAD64_ZERO: {
      wr_uleb32_unchecked(ip);
      load(t, op, wr_uleb32_unchecked(ip));
      return 0;
    }
    case WR_OP_V128_STORE: {
      wr_uleb32_unchecked(ip);
      lane_access(t, op, wr_uleb32_unchecked(ip), 0);
      return 0;
    }
    case WR_OP_V128_LOAD8_LANE: case WR_OP_V128_LOAD16_LANE: case WR_OP_V128_LOAD32_LANE:
    case WR_OP_V128_LOAD64_LANE: case WR_OP_V128_STORE8_LANE: case WR_OP_V128_STORE16_LANE:
    case WR_OP_V128_STORE32_LANE: case WR_OP_V128_STORE64_LANE: {
      wr_uleb32_unchecked(ip);
      uint32_t off = wr_uleb32_unchecked(ip);
      lane_access(t, op, off, *(*ip)++);
      return 0;
    }
    case WR_OP_V128_CONST: {
      const uint8_t *c = *ip;
      *ip += 16;
      bool zero = true, all = true;
      for (int k = 0; k < 16; k++) zero &= c[k] == 0, all &= c[k] == 0xFF;
      int r = fj_alloc_xmm(t) - 16;
      if (zero) rr(t, XF_PXOR, r, r);
      else if (all) ones(t, r);
      else rm(t, XF_MOVDQU_X_RM, r, pool(t, c));
      fj_push_reg(t, T_V128, r + 16);
      return 0;
    }
    case WR_OP_I8X16_SHUFFLE:
      shuffle(t, *ip);
      *ip += 16;
      return 0;
    case WR_OP_I8X16_SWIZZLE: { /* indices >= 16 select 0: saturating +0x70 sets their top bit */
      lock2(t);
      int s = src(t, t->h - 1, 1);
      int r = dest(t, t->h - 2);
      if (s != 1) rr(t, XF_MOVAPS_X_X, 1, s);
      rm(t, XF_PADDUSB, 1, splat8(t, 0x70));
      rr(t, XF_PSHUFB, r - 16, 1);
      done(t, 2, r);
      return 0;
    }
    case WR_OP_I8X16_SPLAT: case WR_OP_I16X8_SPLAT: case WR_OP_I32X4_SPLAT: case WR_OP_I64X2_SPLAT:
      splat_gp(t, op);
      return 0;
    case WR_OP_F32X4_SPLAT: case WR_OP_F64X2_SPLAT: {
      int r = dest(t, t->h - 1);
      if (op == WR_OP_F32X4_SPLAT) wr_xemit(E(t), XF_SHUFPS, r - 16, xr(r - 16), 0, 0);
      else rr(t, XF_PUNPCKLQDQ, r - 16, r - 16);
      done(t, 1, r);
      return 0;
    }
    case WR_OP_I8X16_EXTRACT_LANE_S: case WR_OP_I8X16_EXTRACT_LANE_U: case WR_OP_I16X8_EXTRACT_LANE_S:
    case WR_OP_I16X8_EXTRACT_LANE_U: case WR_OP_I32X4_EXTRACT_LANE: case WR_OP_I64X2_EXTRACT_LANE:
    case WR_OP_F32X4_EXTRACT_LANE: case WR_OP_F64X2_EXTRACT_LANE:
      extract(t, op, *(*ip)++);
      return 0;
    case WR_OP_I8X16_REPLACE_LANE: case WR_OP_I16X8_REPLACE_LANE: case WR_OP_I32X4_REPLACE_LANE:
    case WR_OP_I64X2_REPLACE_LANE: case WR_OP_F32X4_REPLACE_LANE: case WR_OP_F64X2_REPLACE_LANE:
      replace(t, op, *(*ip)++);
      return 0;

    /* comparisons */
    case WR_OP_I8X16_NE: bin(t, XF_PCMPEQB, false, -1, true); return 0;
    case WR_OP_I16X8_NE: bin(t, XF_PCMPEQW, false, -1, true); return 0;
    case WR_OP_I32X4_NE: bin(t, XF_PCMPEQD, false, -1, true); return 0;
    case WR_OP_I64X2_NE: bin(t, XF_PCMPEQQ, false, -1, true); return 0;
    case WR_OP_I8X16_LT_S: bin(t, XF_PCMPGTB, true, -1, false); return 0;
    case WR_OP_I16X8_LT_S: bin(t, XF_PCMPGTW, true, -1, false); return 0;
    case WR_OP_I32X4_LT_S: bin(t, XF_PCMPGTD, true, -1, false); return 0;
    case WR_OP_I8X16_LE_S: bin(t, XF_PCMPGTB, false, -1, true); return 0;
    case WR_OP_I16X8_LE_S: bin(t, XF_PCMPGTW, false, -1, true); return 0;
    case WR_OP_I32X4_LE_S: bin(t, XF_PCMPGTD, false, -1, true); return 0;
    case WR_OP_I8X16_GE_S: bin(t, XF_PCMPGTB, true, -1, true); return 0;
    case WR_OP_I16X8_GE_S: bin(t, XF_PCMPGTW, true, -1, true); return 0;
    case WR_OP_I32X4_GE_S: bin(t, XF_PCMPGTD, true, -1, true); return 0;
    case WR_OP_I8X16_GE_U: cmp_u(t, XF_PMAXUB, XF_PCMPEQB, false); return 0;
    case WR_OP_I16X8_GE_U: cmp_u(t, XF_PMAXUW, XF_PCMPEQW, false); return 0;
    case WR_OP_I32X4_GE_U: cmp_u(t, XF_PMAXUD, XF_PCMPEQD, false); return 0;
    case WR_OP_I8X16_LE_U: cmp_u(t, XF_PMINUB, XF_PCMPEQB, false); return 0;
    case WR_OP_I16X8_LE_U: cmp_u(t, XF_PMINUW, XF_PCMPEQW, false); return 0;
    case WR_OP_I32X4_LE_U: cmp_u(t, XF_PMINUD, XF_PCMPEQD, false); return 0;
    case WR_OP_I8X16_LT_U: cmp_u(t, XF_PMAXUB, XF_PCMPEQB, true); return 0;
    case WR_OP_I16X8_LT_U: cmp_u(t, XF_PMAXUW, XF_PCMPEQW, true); return 0;
    case WR_OP_I32X4_LT_U: cmp_u(t, XF_PMAXUD, XF_PCMPEQD, true); return 0;
    case WR_OP_I8X16_GT_U: cmp_u(t, XF_PMINUB, XF_PCMPEQB, true); return 0;
    case WR_OP_I16X8_GT_U: cmp_u(t, XF_PMINUW, XF_PCMPEQW, true); return 0;
    case WR_OP_I32X4_GT_U: cmp_u(t, XF_PMINUD, XF_PCMPEQD, true); return 0;
    case WR_OP_F32X4_EQ: bin(t, XF_CMPPS, false, 0, false); return 0;
    case WR_OP_F32X4_NE: bin(t, XF_CMPPS, false, 4, false); return 0;
    case WR_OP_F32X4_LT: bin(t, XF_CMPPS, false, 1, false); return 0;
    case WR_OP_F32X4_LE: bin(t, XF_CMPPS, false, 2, false); return 0;
    case WR_OP_F32X4_GT: bin(t, XF_CMPPS, true, 1, false); return 0;
    case WR_OP_F32X4_GE: bin(t, XF_CMPPS, true, 2, false); return 0;
    case WR_OP_F64X2_EQ: bin(t, XF_CMPPD, false, 0, false); return 0;
    case WR_OP_F64X2_NE: bin(t, XF_CMPPD, false, 4, false); return 0;
    case WR_OP_F64X2_LT: bin(t, XF_CMPPD, false, 1, false); return 0;
    case WR_OP_F64X2_LE: bin(t, XF_CMPPD, false, 2, false); return 0;
    case WR_OP_F64X2_GT: bin(t, XF_CMPPD, true, 1, false); return 0;
    case WR_OP_F64X2_GE: bin(t, XF_CMPPD, true, 2, false); return 0;

    /* bitwise */
    case WR_OP_V128_NOT: {
      int r = dest(t, t->h - 1);
      not_reg(t, r - 16);
      done(t, 1, r);
      return 0;
    }
    case WR_OP_V128_ANDNOT: bin(t, XF_PANDN, true, -1, false); return 0; /* ~b & a */
    case WR_OP_V128_BITSELECT: { /* ((a ^ b) & c) ^ b */
      fj_lock(t, t->h - 3);
      lock2(t);
      int r = dest(t, t->h - 3) - 16;
      int b = src(t, t->h - 2, 0);
      int c = src(t, t->h - 1, 1);
      rr(t, XF_PXOR, r, b);
      rr(t, XF_PAND, r, c);
      rr(t, XF_PXOR, r, b);
      done(t, 3, r + 16);
      return 0;
    }
    case WR_OP_V128_ANY_TRUE: {
      int x = src(t, t->h - 1, 0);
      rr(t, XF_PTEST, x, x);
      fj_pop(t);
      fj_push_flags(t, CC_NE);
      return 0;
    }
    case WR_OP_I8X16_ALL_TRUE: all_true(t, XF_PCMPEQB); return 0;
    case WR_OP_I16X8_ALL_TRUE: all_true(t, XF_PCMPEQW); return 0;
    case WR_OP_I32X4_ALL_TRUE: all_true(t, XF_PCMPEQD); return 0;
    case WR_OP_I64X2_ALL_TRUE: all_true(t, XF_PCMPEQQ); return 0;
    case WR_OP_I8X16_BITMASK: bitmask(t, XF_PMOVMSKB, false); return 0;
    case WR_OP_I16X8_BITMASK: bitmask(t, XF_PMOVMSKB, true); return 0;
    case WR_OP_I32X4_BITMASK: bitmask(t, XF_MOVMSKPS, false); return 0;
    case WR_OP_I64X2_BITMASK: bitmask(t, XF_MOVMSKPD, false); return 0;

    /* integer arithmetic */
    case WR_OP_I8X16_ABS: un(t, XF_PABSB, -1); return 0;
    case WR_OP_I16X8_ABS: un(t, XF_PABSW, -1); return 0;
    case WR_OP_I32X4_ABS: un(t, XF_PABSD, -1); return 0;
    case WR_OP_I64X2_ABS: { /* (a ^ s) - s with s the sign of each lane */
      int r = dest(t, t->h - 1) - 16;
      wr_xemit(E(t), XF_PSHUFD, 0, xr(r), 0xF5, 0);
      mi(t, XF_PSRAD_I, xr(0), 31);
      rr(t, XF_PXOR, r, 0);
      rr(t, XF_PSUBQ, r, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I8X16_NEG: neg(t, XF_PSUBB); return 0;
    case WR_OP_I16X8_NEG: neg(t, XF_PSUBW); return 0;
    case WR_OP_I32X4_NEG: neg(t, XF_PSUBD); return 0;
    case WR_OP_I64X2_NEG: neg(t, XF_PSUBQ); return 0;
    case WR_OP_I16X8_SHL: shift(t, XF_PSLLW, XF_PSLLW_I, 16); return 0;
    case WR_OP_I16X8_SHR_S: shift(t, XF_PSRAW, XF_PSRAW_I, 16); return 0;
    case WR_OP_I16X8_SHR_U: shift(t, XF_PSRLW, XF_PSRLW_I, 16); return 0;
    case WR_OP_I32X4_SHL: shift(t, XF_PSLLD, XF_PSLLD_I, 32); return 0;
    case WR_OP_I32X4_SHR_S: shift(t, XF_PSRAD, XF_PSRAD_I, 32); return 0;
    case WR_OP_I32X4_SHR_U: shift(t, XF_PSRLD, XF_PSRLD_I, 32); return 0;
    case WR_OP_I64X2_SHL: shift(t, XF_PSLLQ, XF_PSLLQ_I, 64); return 0;
    case WR_OP_I64X2_SHR_U: shift(t, XF_PSRLQ, XF_PSRLQ_I, 64); return 0;
    case WR_OP_I64X2_SHR_S: sar64(t); return 0;
    case WR_OP_I64X2_GT_S: gt64(t, false, false); return 0;
    case WR_OP_I64X2_LT_S: gt64(t, true, false); return 0;
    case WR_OP_I64X2_LE_S: gt64(t, false, true); return 0;
    case WR_OP_I64X2_GE_S: gt64(t, true, true); return 0;
    case WR_OP_I8X16_SHL: case WR_OP_I8X16_SHR_S: case WR_OP_I8X16_SHR_U:
      if (!shift8(t, op))
        call_shift8(t, op == WR_OP_I8X16_SHL ? shl8 : op == WR_OP_I8X16_SHR_S ? shr8_s : shr8_u);
      return 0;
    case WR_OP_I8X16_POPCNT: { /* the two nibbles' counts from a 16-entry table (pshufb) */
      static const uint8_t nibble[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_MOVAPS_X_X, 1, r);
      mi(t, XF_PSRLW_I, xr(1), 4);
      rm(t, XF_PAND, 1, splat8(t, 0x0F));
      rm(t, XF_PAND, r, splat8(t, 0x0F));
      rm(t, XF_MOVDQU_X_RM, 0, pool(t, nibble));
      rr(t, XF_PSHUFB, 0, r);
      rm(t, XF_MOVDQU_X_RM, r, pool(t, nibble));
      rr(t, XF_PSHUFB, r, 1);
      rr(t, XF_PADDB, r, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I64X2_MUL: { /* lo*lo + ((hi(a)*lo(b) + lo(a)*hi(b)) << 32), with pmuludq */
      lock2(t);
      int b = dest(t, t->h - 1) - 16;
      int r = dest(t, t->h - 2) - 16;
      rr(t, XF_MOVAPS_X_X, 0, r);
      mi(t, XF_PSRLQ_I, xr(0), 32);
      rr(t, XF_PMULUDQ, 0, b);
      rr(t, XF_MOVAPS_X_X, 1, b);
      mi(t, XF_PSRLQ_I, xr(1), 32);
      rr(t, XF_PMULUDQ, 1, r);
      rr(t, XF_PADDQ, 0, 1);
      mi(t, XF_PSLLQ_I, xr(0), 32);
      rr(t, XF_PMULUDQ, r, b);
      rr(t, XF_PADDQ, r, 0);
      done(t, 2, r + 16);
      return 0;
    }
    case WR_OP_I16X8_Q15MULR_SAT_S: { /* pmulhrsw, except that -1 * -1 gives 0x8000: made 0x7FFF */
      lock2(t);
      int b = src(t, t->h - 1, 1);
      int r = dest(t, t->h - 2) - 16;
      rr(t, XF_PMULHRSW, r, b);
      rm(t, XF_MOVDQU_X_RM, 0, splat16(t, 0x8000));
      rr(t, XF_PCMPEQW, 0, r);
      rr(t, XF_PXOR, r, 0);
      done(t, 2, r + 16);
      return 0;
    }
    case WR_OP_I16X8_EXTMUL_LOW_I8X16_S: extmul(t, XF_PMOVSXBW, XF_PMULLW, false); return 0;
    case WR_OP_I16X8_EXTMUL_HIGH_I8X16_S: extmul(t, XF_PMOVSXBW, XF_PMULLW, true); return 0;
    case WR_OP_I16X8_EXTMUL_LOW_I8X16_U: extmul(t, XF_PMOVZXBW, XF_PMULLW, false); return 0;
    case WR_OP_I16X8_EXTMUL_HIGH_I8X16_U: extmul(t, XF_PMOVZXBW, XF_PMULLW, true); return 0;
    case WR_OP_I32X4_EXTMUL_LOW_I16X8_S: extmul(t, XF_PMOVSXWD, XF_PMULLD, false); return 0;
    case WR_OP_I32X4_EXTMUL_HIGH_I16X8_S: extmul(t, XF_PMOVSXWD, XF_PMULLD, true); return 0;
    case WR_OP_I32X4_EXTMUL_LOW_I16X8_U: extmul(t, XF_PMOVZXWD, XF_PMULLD, false); return 0;
    case WR_OP_I32X4_EXTMUL_HIGH_I16X8_U: extmul(t, XF_PMOVZXWD, XF_PMULLD, true); return 0;
    case WR_OP_I64X2_EXTMUL_LOW_I32X4_S: extmul(t, XF_PMOVSXDQ, XF_PMULDQ, false); return 0;
    case WR_OP_I64X2_EXTMUL_HIGH_I32X4_S: extmul(t, XF_PMOVSXDQ, XF_PMULDQ, true); return 0;
    case WR_OP_I64X2_EXTMUL_LOW_I32X4_U: extmul(t, XF_PMOVZXDQ, XF_PMULUDQ, false); return 0;
    case WR_OP_I64X2_EXTMUL_HIGH_I32X4_U: extmul(t, XF_PMOVZXDQ, XF_PMULUDQ, true); return 0;
    case WR_OP_I16X8_EXTEND_LOW_I8X16_S: extend(t, XF_PMOVSXBW, false); return 0;
    case WR_OP_I16X8_EXTEND_HIGH_I8X16_S: extend(t, XF_PMOVSXBW, true); return 0;
    case WR_OP_I16X8_EXTEND_LOW_I8X16_U: extend(t, XF_PMOVZXBW, false); return 0;
    case WR_OP_I16X8_EXTEND_HIGH_I8X16_U: extend(t, XF_PMOVZXBW, true); return 0;
    case WR_OP_I32X4_EXTEND_LOW_I16X8_S: extend(t, XF_PMOVSXWD, false); return 0;
    case WR_OP_I32X4_EXTEND_HIGH_I16X8_S: extend(t, XF_PMOVSXWD, true); return 0;
    case WR_OP_I32X4_EXTEND_LOW_I16X8_U: extend(t, XF_PMOVZXWD, false); return 0;
    case WR_OP_I32X4_EXTEND_HIGH_I16X8_U: extend(t, XF_PMOVZXWD, true); return 0;
    case WR_OP_I64X2_EXTEND_LOW_I32X4_S: extend(t, XF_PMOVSXDQ, false); return 0;
    case WR_OP_I64X2_EXTEND_HIGH_I32X4_S: extend(t, XF_PMOVSXDQ, true); return 0;
    case WR_OP_I64X2_EXTEND_LOW_I32X4_U: extend(t, XF_PMOVZXDQ, false); return 0;
    case WR_OP_I64X2_EXTEND_HIGH_I32X4_U: extend(t, XF_PMOVZXDQ, true); return 0;
    case WR_OP_I16X8_EXTADD_PAIRWISE_I8X16_S: { /* pmaddubsw(1s as unsigned, a as signed) */
      int a = src(t, t->h - 1, 1);
      int r = fj_alloc_xmm(t) - 16;
      rm(t, XF_MOVDQU_X_RM, r, splat8(t, 1));
      rr(t, XF_PMADDUBSW, r, a);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I16X8_EXTADD_PAIRWISE_I8X16_U: { /* pmaddubsw(a as unsigned, 1s) */
      int r = dest(t, t->h - 1);
      rm(t, XF_PMADDUBSW, r - 16, splat8(t, 1));
      done(t, 1, r);
      return 0;
    }
    case WR_OP_I32X4_EXTADD_PAIRWISE_I16X8_S: {
      int r = dest(t, t->h - 1);
      rm(t, XF_PMADDWD, r - 16, splat16(t, 1));
      done(t, 1, r);
      return 0;
    }
    case WR_OP_I32X4_EXTADD_PAIRWISE_I16X8_U: { /* (a - 0x8000) + (b - 0x8000) + 0x10000 */
      static const uint32_t bias[4] = {0x10000, 0x10000, 0x10000, 0x10000};
      int r = dest(t, t->h - 1) - 16;
      rm(t, XF_PXOR, r, splat16(t, 0x8000));
      rm(t, XF_PMADDWD, r, splat16(t, 1));
      rm(t, XF_PADDD, r, pool(t, bias));
      done(t, 1, r + 16);
      return 0;
    }

    /* floating point */
    case WR_OP_F32X4_ABS: fsign(t, false, false); return 0;
    case WR_OP_F32X4_NEG: fsign(t, false, true); return 0;
    case WR_OP_F64X2_ABS: fsign(t, true, false); return 0;
    case WR_OP_F64X2_NEG: fsign(t, true, true); return 0;
    case WR_OP_F32X4_SQRT: un(t, XF_SQRTPS, -1); return 0;
    case WR_OP_F64X2_SQRT: un(t, XF_SQRTPD, -1); return 0;
    case WR_OP_F32X4_CEIL: un(t, XF_ROUNDPS, 10); return 0;
    case WR_OP_F32X4_FLOOR: un(t, XF_ROUNDPS, 9); return 0;
    case WR_OP_F32X4_TRUNC: un(t, XF_ROUNDPS, 11); return 0;
    case WR_OP_F32X4_NEAREST: un(t, XF_ROUNDPS, 8); return 0;
    case WR_OP_F64X2_CEIL: un(t, XF_ROUNDPD, 10); return 0;
    case WR_OP_F64X2_FLOOR: un(t, XF_ROUNDPD, 9); return 0;
    case WR_OP_F64X2_TRUNC: un(t, XF_ROUNDPD, 11); return 0;
    case WR_OP_F64X2_NEAREST: un(t, XF_ROUNDPD, 8); return 0;
    case WR_OP_F32X4_MIN: fminmax(t, false, false); return 0;
    case WR_OP_F32X4_MAX: fminmax(t, false, true); return 0;
    case WR_OP_F64X2_MIN: fminmax(t, true, false); return 0;
    case WR_OP_F64X2_MAX: fminmax(t, true, true); return 0;
    case WR_OP_F32X4_PMIN: bin(t, XF_MINPS, true, -1, false); return 0; /* b < a ? b : a */
    case WR_OP_F32X4_PMAX: bin(t, XF_MAXPS, true, -1, false); return 0; /* a < b ? b : a */
    case WR_OP_F64X2_PMIN: bin(t, XF_MINPD, true, -1, false); return 0;
    case WR_OP_F64X2_PMAX: bin(t, XF_MAXPD, true, -1, false); return 0;
    case WR_OP_F32X4_CONVERT_I32X4_S: un(t, XF_CVTDQ2PS, -1); return 0;
    case WR_OP_F32X4_CONVERT_I32X4_U: { /* high 16 bits * 65536 (exact) + low 16 bits: one rounding */
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_MOVAPS_X_X, 0, r);
      mi(t, XF_PSRLD_I, xr(0), 16);
      mi(t, XF_PSLLD_I, xr(r), 16);
      mi(t, XF_PSRLD_I, xr(r), 16);
      rr(t, XF_CVTDQ2PS, 0, 0);
      rm(t, XF_MULPS, 0, splat32(t, 0x47800000)); /* 65536.0f */
      rr(t, XF_CVTDQ2PS, r, r);
      rr(t, XF_ADDPS, r, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_F64X2_CONVERT_LOW_I32X4_U: { /* 2^52 + x as a double's bits, minus 2^52 */
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_PMOVZXDQ, r, r);
      rm(t, XF_POR, r, splat64(t, UINT64_C(0x4330000000000000)));
      rm(t, XF_SUBPD, r, splat64(t, UINT64_C(0x4330000000000000)));
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I32X4_TRUNC_SAT_F32X4_S: { /* NaN lanes zeroed; cvttps2dq's 0x80000000 for >= 2^31 flipped */
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_MOVAPS_X_X, 0, r);
      wr_xemit(E(t), XF_CMPPS, 0, xr(r), 0, 0); /* ordered lanes */
      rr(t, XF_ANDPS, r, 0);
      rr(t, XF_MOVAPS_X_X, 0, r);
      wr_xemit(E(t), XF_CMPPS, 0, splat32(t, 0x4F000000), 5, 0); /* !(x < 2^31) */
      rr(t, XF_CVTTPS2DQ, r, r);
      rr(t, XF_PXOR, r, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: { /* NaN lanes zeroed, clamped above; below, cvttpd2dq gives INT_MIN */
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_MOVAPS_X_X, 0, r);
      wr_xemit(E(t), XF_CMPPD, 0, xr(r), 0, 0);
      rr(t, XF_ANDPS, r, 0);
      rm(t, XF_MINPD, r, splat64(t, UINT64_C(0x41DFFFFFFFC00000))); /* 2147483647.0 */
      rr(t, XF_CVTTPD2DQ, r, r);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I32X4_TRUNC_SAT_F32X4_U: {
      /* NaN and negative lanes to 0; below 2^31 cvttps2dq is right; from 2^31 it
       * gives 0x80000000, to which the conversion of x - 2^31 is or-ed; from 2^32
       * all ones */
      int r = dest(t, t->h - 1) - 16;
      int tmp = fj_alloc_xmm(t) - 16;
      rr(t, XF_PXOR, 0, 0);
      rr(t, XF_MAXPS, r, 0);
      rr(t, XF_MOVAPS_X_X, 1, r);
      rm(t, XF_SUBPS, 1, splat32(t, 0x4F000000)); /* 2^31 */
      rr(t, XF_CVTTPS2DQ, 1, 1);
      rr(t, XF_MOVAPS_X_X, 0, r);
      wr_xemit(E(t), XF_CMPPS, 0, splat32(t, 0x4F800000), 5, 0); /* !(x < 2^32) */
      rr(t, XF_CVTTPS2DQ, r, r);
      rr(t, XF_MOVAPS_X_X, tmp, r);
      mi(t, XF_PSRAD_I, xr(tmp), 31);
      rr(t, XF_PAND, 1, tmp);
      rr(t, XF_POR, r, 1);
      rr(t, XF_POR, r, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: {
      /* clamped to [0, 2^32 - 1] (NaN to 0), truncated, plus 2^52: the integer is
       * then the low half of each double, moved to lanes 0 and 1 */
      int r = dest(t, t->h - 1) - 16;
      rr(t, XF_PXOR, 0, 0);
      rr(t, XF_MAXPD, r, 0);
      rm(t, XF_MINPD, r, splat64(t, UINT64_C(0x41EFFFFFFFE00000))); /* 4294967295.0 */
      wr_xemit(E(t), XF_ROUNDPD, r, xr(r), 11, 0);
      rm(t, XF_ADDPD, r, splat64(t, UINT64_C(0x4330000000000000))); /* 2^52 */
      rr(t, XF_PXOR, 0, 0);
      wr_xemit(E(t), XF_SHUFPS, r, xr(0), 0x08, 0);
      done(t, 1, r + 16);
      return 0;
    }
    case WR_OP_F64X2_CONVERT_LOW_I32X4_S: un(t, XF_CVTDQ2PD, -1); return 0;
    case WR_OP_F32X4_DEMOTE_F64X2_ZERO: un(t, XF_CVTPD2PS, -1); return 0;
    case WR_OP_F64X2_PROMOTE_LOW_F32X4: un(t, XF_CVTPS2PD, -1); return 0;
  }
  return -1; /* (no 0xFD row is left: a row opcodes.def gains later) */
}

#endif
