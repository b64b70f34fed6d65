/* fingerprint.h: the AOT compiler fingerprint, the part of a cache key that says
 * which compiler made an image for which machine. Computed without loading LLVM:
 * the CPU comes from cpuid, LLVM's version and triple from the build. */
#ifndef WR_FINGERPRINT_H
#define WR_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "wasm/error.h"

/* The longest fingerprint and its NUL (the size of the image note's field). */
#define WR_FINGERPRINT_MAX 512

/* What cpuid (and xgetbv) tell about the CPU that matters to generated code. */
typedef struct wr_cpu_id {
  char vendor[13];             /* "GenuineIntel", "AuthenticAMD", ... */
  unsigned family, model, stepping; /* with the extended fields folded in */
  uint32_t l1_ecx, l1_edx;     /* leaf 1: SSE..SSE4.2, AVX, FMA, F16C, POPCNT, MOVBE, ... */
  uint32_t l7_ebx, l7_ecx, l7_edx; /* leaf 7.0: BMI1/2, AVX2, AVX-512*, ... */
  uint32_t l7_1_eax;           /* leaf 7.1: AVX-VNNI, AVX512-BF16, ... */
  uint32_t x1_ecx, x1_edx;     /* leaf 0x80000001: LZCNT, SSE4A, ... */
  uint64_t xcr0;               /* the register state the OS saves (AVX, AVX-512 usable) */
} wr_cpu_id;

/* Family, model and stepping from the signature (cpuid leaf 1 eax), with the
 * extended family and model folded in as Intel and AMD document. */
void wr_cpu_signature(uint32_t eax, unsigned *family, unsigned *model, unsigned *stepping);

/* Reads the running CPU. */
void wr_cpu_id_read(wr_cpu_id *id);

/* Formats the fingerprint of DESIGN.md §6 for cpu and opt level opt:
 *   "wasm-run VERSION; image-abi N; llvm VERSION; TRIPLE; cpu VENDOR FAMILY MODEL
 *    STEPPING; features L1ECX.L1EDX.L7EBX.L7ECX.L7EDX.L71EAX.X1ECX.X1EDX.XCR0; opt N"
 * (one line; feature words as 8 hex digits, xcr0 as 16), then "; test EXTRA" when
 * extra is not NULL or empty, into out[size]. Returns 0, or WR_ERR_USAGE when it
 * does not fit in size (at most WR_FINGERPRINT_MAX) or opt is not 0..3. */
int wr_fingerprint_format(const wr_cpu_id *cpu, int opt, const char *extra, char *out, size_t size, wr_error *err);

/* The fingerprint of this build on this CPU for opt level opt, with
 * $WASM_RUN_TEST_FINGERPRINT (for tests only: it makes a different key without a
 * different machine) as the extra part. */
int wr_fingerprint(int opt, char *out, size_t size, wr_error *err);

#endif
