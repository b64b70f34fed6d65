/* fingerprint.c: the compiler fingerprint of a cache key (DESIGN.md §6), without
 * LLVM. The CPU's identity and the feature words that decide which instructions
 * LLVM may emit for the host come from cpuid; xgetbv says which of those register
 * files the OS saves, because a CPU with AVX-512 under a kernel that does not save
 * it gets different code. LLVM's version and triple are the build's (configure). */
#include "aot-cache/fingerprint.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* The image ABI this build's aot compiler and loader agree on. */
#ifndef WR_IMAGE_ABI
#define WR_IMAGE_ABI 1
#endif
/* The revision of the code the LLVM backend makes for a module: raised with every
 * change to what that code does (a fix to the translation), so that images made
 * before the change are compiled again rather than run. 2: SIMD loads and stores
 * volatile (an unused out-of-bounds v128 load traps). */
#define WR_CODEGEN_REV 2
/* configure defines these from llvm-config; a --disable-llvm build has no compiler. */
#ifndef WR_LLVM_VERSION
#define WR_LLVM_VERSION "none"
#endif
#ifndef WR_TARGET_TRIPLE
#define WR_TARGET_TRIPLE "none"
#endif

void wr_cpu_signature(uint32_t a, unsigned *family, unsigned *model, unsigned *stepping) {
  unsigned base_family = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
  *family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
  *model = base_family == 0x6 || base_family == 0xf ? base_model | (((a >> 16) & 0xf) << 4) : base_model;
  *stepping = a & 0xf;
}

void wr_cpu_id_read(wr_cpu_id *id) {
  memset(id, 0, sizeof *id);
  unsigned a, b, c, d;
  unsigned max = __get_cpuid_max(0, NULL);
  if (max == 0) return;
  __cpuid(0, a, b, c, d);
  memcpy(id->vendor, &b, 4);
  memcpy(id->vendor + 4, &d, 4);
  memcpy(id->vendor + 8, &c, 4);
  __cpuid(1, a, b, c, d);
  wr_cpu_signature(a, &id->family, &id->model, &id->stepping);
  id->l1_ecx = c;
  id->l1_edx = d;
  if (max >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    id->l7_ebx = b, id->l7_ecx = c, id->l7_edx = d;
    if (a >= 1) {
      __cpuid_count(7, 1, a, b, c, d);
      id->l7_1_eax = a;
    }
  }
  if (__get_cpuid_max(0x80000000, NULL) >= 0x80000001) {
    __cpuid(0x80000001, a, b, c, d);
    id->x1_ecx = c, id->x1_edx = d;
  }
  if (id->l1_ecx & bit_OSXSAVE) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    id->xcr0 = (uint64_t)hi << 32 | lo;
  }
}

int wr_fingerprint_format(const wr_cpu_id *cpu, int opt, const char *extra, char *out, size_t size, wr_error *err) {
  if (opt < 0 || opt > 3) return wr_err(err, WR_ERR_USAGE, "--opt=%d: expected an optimisation level from 0 to 3", opt);
  if (size > WR_FINGERPRINT_MAX) size = WR_FINGERPRINT_MAX;
  int n = snprintf(out, size,
                   "wasm-run %s; image-abi %d; codegen %d; llvm %s; %s; cpu %s %u %u %u; "
                   "features %08x.%08x.%08x.%08x.%08x.%08x.%08x.%08x.%016llx; opt %d%s%s",
                   PACKAGE_VERSION, WR_IMAGE_ABI, WR_CODEGEN_REV, WR_LLVM_VERSION, WR_TARGET_TRIPLE, cpu->vendor[0] ? cpu->vendor : "unknown",
                   cpu->family, cpu->model, cpu->stepping, cpu->l1_ecx, cpu->l1_edx, cpu->l7_ebx, cpu->l7_ecx,
                   cpu->l7_edx, cpu->l7_1_eax, cpu->x1_ecx, cpu->x1_edx, (unsigned long long)cpu->xcr0, opt,
                   extra && *extra ? "; test " : "", extra && *extra ? extra : "");
  if (n < 0 || (size_t)n >= size)
    return wr_err(err, WR_ERR_USAGE, "compiler fingerprint: longer than %zu bytes (is $WASM_RUN_TEST_FINGERPRINT too long?)",
                  size - 1);
  return 0;
}

int wr_fingerprint(int opt, char *out, size_t size, wr_error *err) {
  wr_cpu_id cpu;
  wr_cpu_id_read(&cpu);
  return wr_fingerprint_format(&cpu, opt, getenv("WASM_RUN_TEST_FINGERPRINT"), out, size, err);
}
