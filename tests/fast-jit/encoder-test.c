/* encoder-test.c: emits every form of the fast-jit encoder (XFORMS) with every
 * register it may take and every shape of memory operand the compiler makes (each
 * base register, with and without an index register, no/8-bit/32-bit
 * displacement), disassembles the bytes with LLVM's llvm-mc, and compares each
 * instruction with the text the form's table row says it is. Exits 77 (skipped)
 * when no llvm-mc is installed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modes/fast-jit/encoder.h"

static const char *const gp64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const gp32[16] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
                                     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const gp16[16] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                     "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const gp8[16] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const ccs[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                    "s", "ns", "p", "np", "l", "ge", "le", "g"};

static const char *reg_name(int cls, int r) {
  static char x[8];
  switch (cls) {
    case 8: return gp8[r];
    case 16: return gp16[r];
    case 32: return gp32[r];
    case 64: return gp64[r];
  }
  snprintf(x, sizeof x, "xmm%d", r);
  return x;
}

/* The r/m operand's text. cls: the form's r/m class; reg_cls: the class of a
 * register r/m (XMM for the SSE forms that take f/d/128 memory). */
static void rm_text(char *out, size_t n, const xform *x, xrm rm) {
  int cls = x->mclass;
  if (!rm.mem) {
    int rcls = cls == 'f' || cls == 'd' || cls == 128 ? 'x' : cls == 'b' || cls == 'w' ? 32 : cls;
    if (x->rclass == 'x' && (cls == 32 || cls == 64) && (x->text[0] == 'm' && x->text[3] == 's')) rcls = 'x';
    snprintf(out, n, "%s", reg_name(rcls, rm.reg));
    return;
  }
  const char *size = "";
  switch (cls) {
    case 8: case 'b': size = "byte ptr "; break;
    case 16: case 'w': size = "word ptr "; break;
    case 32: case 'f': size = "dword ptr "; break;
    case 64: case 'd': size = "qword ptr "; break;
    case 128: size = "xmmword ptr "; break;
  }
  char disp[32] = "";
  if (rm.disp > 0) snprintf(disp, sizeof disp, " + %" PRId32, rm.disp);
  else if (rm.disp < 0) snprintf(disp, sizeof disp, " - %" PRId64, -(int64_t)rm.disp);
  if (rm.index >= 0)
    snprintf(out, n, "%s[%s + %s%s]", size, gp64[rm.base], gp64[rm.index], disp);
  else
    snprintf(out, n, "%s[%s%s]", size, gp64[rm.base], disp);
}

typedef struct expect {
  char text[160];
  int form;
} expect;

static expect *want;
static size_t nwant, capwant;
static xbuf buf;
static size_t *ends;

static void add(int f, int reg, xrm rm, int64_t imm, int cc) {
  const xform *x = &wr_xforms[f];
  if (nwant == capwant) {
    capwant = capwant ? capwant * 2 : 4096;
    want = realloc(want, capwant * sizeof *want);
    ends = realloc(ends, capwant * sizeof *ends);
    if (!want || !ends) exit(99);
  }
  char mn[40], r[8], m[48], immt[24];
  snprintf(mn, sizeof mn, "%s%s", x->text,
           f == XF_SETCC_RM8 || f == XF_CMOVCC_R32_RM || f == XF_CMOVCC_R64_RM || f == XF_JCC_REL32 ? ccs[cc] : "");
  /* cmpps/cmppd print their predicate (0..7) in the mnemonic */
  static const char *const preds[8] = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};
  bool cmp = f == XF_CMPPS || f == XF_CMPPD;
  if (cmp) snprintf(mn, sizeof mn, "cmp%s%s", preds[imm & 7], f == XF_CMPPS ? "ps" : "pd");
  snprintf(r, sizeof r, "%s", x->rclass ? reg_name(x->rclass, reg) : "");
  rm_text(m, sizeof m, x, rm);
  /* Immediates as LLVM prints them: sign-extended to the operand size. */
  int64_t v = imm;
  if (x->imm == 1) v = (int8_t)imm;
  if (x->imm == 1 && x->op[0] != 0x83) v = (uint8_t)imm; /* shift counts, bit numbers */
  if (x->imm == 4) v = x->mclass == 32 || x->rclass == 32 ? (int64_t)(uint32_t)imm : (int32_t)imm;
  if (f == XF_ROUNDSS || f == XF_ROUNDSD) v = (uint8_t)imm;
  snprintf(immt, sizeof immt, "%" PRId64, v);
  want[nwant].form = f;
  char *t = want[nwant].text;
  size_t n = sizeof want[nwant].text;
  switch (x->shape) {
    case XS_NONE: snprintf(t, n, "%s", mn); break;
    case XS_RM: snprintf(t, n, "%s %s, %s", mn, r, m); break;
    case XS_MR: snprintf(t, n, "%s %s, %s", mn, m, r); break;
    case XS_DM: snprintf(t, n, "%s %s", mn, m); break;
    case XS_DMI: snprintf(t, n, "%s %s, %s", mn, m, immt); break;
    case XS_RMI:
      if (cmp) snprintf(t, n, "%s %s, %s", mn, r, m);
      else snprintf(t, n, "%s %s, %s, %s", mn, r, m, immt);
      break;
    case XS_MRI: snprintf(t, n, "%s %s, %s, %s", mn, m, r, immt); break;
    case XS_OI: snprintf(t, n, "%s %s, %s", mn, r, immt); break;
    case XS_O: snprintf(t, n, "%s %s", mn, r); break;
    case XS_L: snprintf(t, n, "%s %s", mn, immt); break;
    case XS_MCL: snprintf(t, n, "%s %s, cl", mn, m); break;
    case XS_RIP:
      if (v == 0) snprintf(t, n, "%s %s, [rip]", mn, r);
      else snprintf(t, n, "%s %s, [rip %c %" PRId64 "]", mn, r, v < 0 ? '-' : '+', v < 0 ? -v : v);
      break;
  }
  ends[nwant] = wr_xemit(&buf, f, reg, rm, imm, cc);
  nwant++;
}

/* Every r/m operand a form is tested with. */
static void each_rm(int f, int reg, int64_t imm, int cc) {
  const xform *x = &wr_xforms[f];
  bool reg_ok = x->mclass != 'm' && f != XF_MOVQ_M_X;
  /* (register-only forms: the memory encoding is another instruction, or none) */
  bool mem_ok = f != XF_MOVAPS_X_X && f != XF_MOVHLPS && f != XF_MOVLHPS && f != XF_PEXTRW_R && f != XF_PMOVMSKB &&
                f != XF_MOVMSKPS && f != XF_MOVMSKPD && !(x->shape == XS_DMI && x->mclass == 128);
  if (reg_ok)
    for (int r = 0; r < 16; r++) add(f, reg, xr(r), imm, cc);
  if (!mem_ok) return;
  static const int32_t disps[] = {0, 8, -128, 127, 4096, -70000};
  for (int b = 0; b < 16; b++)
    for (size_t d = 0; d < sizeof disps / sizeof *disps; d++) add(f, reg, xm(b, disps[d]), imm, cc);
  static const int bases[] = {RAX, RSP, RBP, R12, R13, R14, R15};
  for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
    for (int i = 0; i < 16; i++) {
      if (i == RSP) continue; /* no index register */
      add(f, reg, xmi(bases[b], i, 0), imm, cc);
      add(f, reg, xmi(bases[b], i, 100), imm, cc);
      add(f, reg, xmi(bases[b], i, -300000), imm, cc);
    }
}

static void each_imm(int f, int reg, int cc) {
  const xform *x = &wr_xforms[f];
  static const int64_t i1[] = {5, 31, 63}, i1s[] = {5, 127, -1}, i4[] = {0, 305419896, -2}, i8[] = {0, -1, 578437695752307201};
  static const int64_t round[] = {9, 10, 11, 12};
  const int64_t *v = NULL;
  size_t n = 1;
  static const int64_t preds[] = {0, 1, 2, 3, 4, 5, 6, 7};
  if (x->imm == 1) v = f == XF_ROUNDSS || f == XF_ROUNDSD ? round : x->op[0] == 0x83 ? i1s : i1, n = 3 + (v == round);
  if (f == XF_CMPPS || f == XF_CMPPD) v = preds, n = 8;
  if (x->imm == 4) v = i4, n = 3;
  if (x->imm == 8) v = i8, n = 3;
  for (size_t i = 0; i < n; i++) {
    int64_t imm = v ? v[i] : 0;
    switch (x->shape) {
      case XS_NONE: add(f, 0, xr(0), imm, cc); break;
      case XS_OI: case XS_O: case XS_RIP:
        for (int r = 0; r < 16; r++) add(f, r, xr(0), imm, cc);
        break;
      case XS_L: {
        static const int64_t rel[] = {0, 16, -5, 74565};
        for (size_t k = 0; k < 4; k++) add(f, 0, xr(0), rel[k], cc);
        return;
      }
      case XS_DM: case XS_DMI: case XS_MCL: each_rm(f, 0, imm, cc); break;
      default:
        for (int r = 0; r < 16; r++) each_rm(f, r, imm, cc);
    }
  }
}

static void normalize(char *s) {
  /* tabs and runs of blanks to one space; no leading/trailing blanks */
  char *o = s, *p = s;
  bool sp = false;
  while (*p == ' ' || *p == '\t') p++;
  for (; *p && *p != '\n' && *p != '#'; p++) {
    if (*p == ' ' || *p == '\t') {
      sp = true;
      continue;
    }
    if (sp && o != s) *o++ = ' ';
    sp = false;
    *o++ = *p;
  }
  *o = 0;
}

int main(void) {
  const char *mc = getenv("LLVM_MC");
  static const char *const cands[] = {"llvm-mc-19", "llvm-mc"};
  char path[256] = "";
  if (mc && *mc) {
    snprintf(path, sizeof path, "%s", mc);
  } else {
    for (size_t i = 0; i < 2 && !*path; i++) {
      char cmd[128];
      snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", cands[i]);
      if (system(cmd) == 0) snprintf(path, sizeof path, "%s", cands[i]);
    }
  }
  if (!*path) {
    printf("encoder-test: no llvm-mc found (set LLVM_MC): skipping\n");
    return 77;
  }
  for (int f = 0; f < XF_COUNT; f++) {
    bool has_cc = f == XF_SETCC_RM8 || f == XF_CMOVCC_R32_RM || f == XF_CMOVCC_R64_RM || f == XF_JCC_REL32;
    for (int cc = 0; cc < (has_cc ? 16 : 1); cc++) each_imm(f, 0, cc);
  }
  if (buf.oom) return 99;
  char in[] = "/tmp/wr-encoder-test-XXXXXX";
  int fd = mkstemp(in);
  if (fd < 0) return 99;
  FILE *fp = fdopen(fd, "w");
  size_t start = 0;
  for (size_t i = 0; i < nwant; i++) {
    for (size_t k = start; k < ends[i]; k++) fprintf(fp, "0x%02x ", buf.p[k]);
    fputc('\n', fp);
    start = ends[i];
  }
  fclose(fp);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s --disassemble -triple=x86_64 -output-asm-variant=1 < %s 2>&1", path, in);
  FILE *out = popen(cmd, "r");
  if (!out) return 99;
  char line[256];
  size_t i = 0, bad = 0;
  int last_bad = -1;
  while (fgets(line, sizeof line, out)) {
    normalize(line);
    if (!*line || line[0] == '.') continue;
    if (i >= nwant) {
      printf("extra output: %s\n", line);
      bad++;
      continue;
    }
    if (strcmp(line, want[i].text) != 0) {
      if (want[i].form != last_bad) printf("%s: want '%s', got '%s'\n", wr_xforms[want[i].form].text, want[i].text, line);
      last_bad = want[i].form;
      bad++;
    }
    i++;
  }
  pclose(out);
  unlink(in);
  if (i != nwant) {
    printf("llvm-mc decoded %zu of %zu instructions\n", i, nwant);
    bad++;
  }
  printf("encoder-test: %zu instructions of %d forms, %zu mismatches\n", nwant, XF_COUNT, bad);
  return bad ? 1 : 0;
}
