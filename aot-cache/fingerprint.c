/* fingerprint.c: the compiler fingerprint without LLVM: the version numbers this
 * build was made with, and the CPU from cpuid (the code is compiled for it). */
#include "aot-cache/fingerprint.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot-cache/image.h"
#include "config.h"

#ifndef WR_LLVM_VERSION
#define WR_LLVM_VERSION "none"
#endif
#ifndef WR_TARGET_TRIPLE
#define WR_TARGET_TRIPLE "x86_64-pc-linux-gnu"
#endif

int wr_fingerprint(int opt, char *buf, size_t size, wr_error *err) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char vendor[13] = "unknown";
  unsigned family = 0, model = 0, stepping = 0;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
  }
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    family = (a >> 8) & 0xf;
    model = (a >> 4) & 0xf;
    stepping = a & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model |= ((a >> 16) & 0xf) << 4;
  }
  uint32_t w[WR_IMAGE_CPU_WORDS];
  wr_image_cpu_words(w);
  char feat[WR_IMAGE_CPU_WORDS * 9 + 1];
  for (int i = 0; i < WR_IMAGE_CPU_WORDS; i++) snprintf(feat + i * 8, 9, "%08x", w[i]);
  const char *extra = getenv("WASM_RUN_TEST_FINGERPRINT");
  int n = snprintf(buf, size, "wasm-run %s; image-abi %d; llvm %s; %s; cpu %s %u %u %u; features %s; opt %d%s%s",
                   PACKAGE_VERSION, WR_IMAGE_ABI, WR_LLVM_VERSION, WR_TARGET_TRIPLE, vendor, family, model, stepping,
                   feat, opt, extra && *extra ? "; " : "", extra && *extra ? extra : "");
  if (n < 0 || (size_t)n >= size) return wr_err(err, WR_ERR_USAGE, "the compiler fingerprint is too long");
  return 0;
}
