/* image.h: the AOT image format (DESIGN.md section 6): what the compiler side
 * writes (writer.c, from the relocatable object LLVM emits) and what the loader
 * reads, checks and maps (image.c). Neither side needs LLVM.
 *
 * An image is an ELF64 x86-64 file of type ET_DYN with no dynamic section, no
 * interpreter and no undefined symbol. Its address space starts at 0 and every
 * address equals its file offset:
 *
 *   0           ELF header, then WR_IMAGE_NPHDR program headers
 *   232         the note (PT_NOTE) "wasm-run", type WR_IMAGE_NOTE_TYPE, whose
 *               descriptor is wr_image_header (at WR_IMAGE_HEADER_OFF)
 *   text_off    page aligned: the one R+X PT_LOAD: code, then read-only data
 *               (constant pools, jump tables, unwind tables); mapped from the file
 *               PROT_READ|PROT_EXEC, never written
 *   data_off    page aligned, when data_memsz > 0: the RW PT_LOAD, the only part
 *               patched at load (relocs: absolute addresses in data)
 *   then        the function table, the load-time relocations, the embedded wasm
 *               module, .symtab/.strtab (one symbol per wasm function) and the
 *               section headers
 *
 * All integers are little-endian. The digest is SHA-256 of the whole file with
 * the 32 bytes of wr_image_header.digest taken as zero. */
#ifndef WR_AOT_IMAGE_H
#define WR_AOT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/error.h"
#include "wasm/module.h"

#define WR_IMAGE_ABI 1
#define WR_IMAGE_MAGIC "WRAOTIMG" /* 8 bytes, no NUL */
#define WR_IMAGE_NOTE_NAME "wasm-run"
#define WR_IMAGE_NOTE_TYPE 0x57520001u
#define WR_IMAGE_NPHDR 3
#define WR_IMAGE_NOTE_OFF 232u   /* 64 + 3 * 56 */
#define WR_IMAGE_HEADER_OFF 256u /* the note's descriptor: 12 bytes of note header, 12 of name */
#define WR_IMAGE_PAGE 4096u
#define WR_IMAGE_NO_NATIVE UINT64_MAX
#define WR_IMAGE_NO_ENTRY UINT64_MAX /* a function never entered from outside its module */
#define WR_IMAGE_CPU_WORDS 8

typedef struct wr_image_header {
  char magic[8];             /* WR_IMAGE_MAGIC */
  uint32_t abi;              /* WR_IMAGE_ABI */
  uint32_t header_size;      /* sizeof(wr_image_header) */
  uint8_t key[32];           /* the cache key it was compiled for; zero for `compile -o` files */
  uint8_t digest[32];        /* see above */
  char fingerprint[512];     /* the compiler fingerprint, NUL-terminated */
  uint64_t file_size;
  uint64_t text_off, text_size;                 /* the R+X segment */
  uint64_t data_off, data_filesz, data_memsz;   /* the RW segment (memsz 0: none) */
  uint64_t funcs_off;        /* wr_image_func[nfuncs] */
  uint32_t nfuncs;           /* the module's defined functions */
  uint32_t nimported;        /* its imported functions (function index = nimported + i) */
  uint64_t relocs_off, nrelocs; /* wr_image_reloc[nrelocs] */
  uint64_t wasm_off, wasm_size; /* the module's bytes */
  /* The cpuid feature words of the compiling host (see image.c): the code may use
   * any of them, so a host must have them all. */
  uint32_t cpu_words[WR_IMAGE_CPU_WORDS];
  uint64_t reserved[4];      /* zero */
} wr_image_header;

/* Per defined function: addresses (= offsets) inside the text segment of its
 * uniform entry (wasm_entry_N: void (wr_ctx *, uint64_t *args_results)) and of its
 * native entry (WR_IMAGE_NO_NATIVE when LLVM inlined it into the uniform one). Only
 * the functions wr_module_func_entered() names have a uniform entry; the others
 * have WR_IMAGE_NO_ENTRY. */
typedef struct wr_image_func {
  uint64_t entry;
  uint64_t native;
} wr_image_func;

/* A load-time fix-up in the RW segment: the 8 bytes at `where` become the load
 * address of the image plus `addend`. */
typedef struct wr_image_reloc {
  uint64_t where;
  uint64_t addend;
} wr_image_reloc;

typedef struct wr_image_info {
  uint8_t key[32];            /* cache key the image was compiled for (zero for -o files) */
  char fingerprint[512];      /* compiler fingerprint string */
  uint8_t digest[32];         /* SHA-256 of the image (see above for which bytes) */
  uint64_t file_size;
} wr_image_info;

/* Checks the header and structure of an image held in buf (everything but the
 * digest): every offset and size against len. Pure: no I/O, safe on any bytes.
 * On success fills *hdr (a copy; may be NULL). */
int wr_image_check(const uint8_t *buf, size_t len, wr_image_header *hdr, wr_error *err);

/* Reads and checks the header/note only (cheap), fills info. */
int wr_image_read_info(int fd, wr_image_info *info, wr_error *err);
/* Full check: header, digest over the whole image, structure. */
int wr_image_verify(int fd, wr_image_info *info, wr_error *err);
/* Whether the first bytes of a file (at least 4 KiB, or the whole file) are those
 * of an image (ELF with our note), as opposed to a wasm module. */
int wr_image_sniff(const uint8_t *buf, size_t len);

/* A checked image, read into memory; its code mapped once wr_image_map succeeds. */
typedef struct wr_image wr_image;
/* Reads the whole file, checks it as wr_image_verify does. Maps nothing. */
int wr_image_open(int fd, wr_image **out, wr_error *err);
/* The same; with WR_IMAGE_SKIP_DIGEST the digest is not computed (for a store that
 * checked it when the file was made and keeps it where only its owner writes):
 * the structure is still checked in full. */
#define WR_IMAGE_SKIP_DIGEST 1u
int wr_image_open_flags(int fd, unsigned flags, wr_image **out, wr_error *err);
/* Maps the code PROT_READ|PROT_EXEC from fd (the one given to wr_image_open) and the
 * data read-write with its relocations applied; checks the CPU can run the code. */
int wr_image_map(wr_image *img, wr_error *err);
void wr_image_free(wr_image *img);
/* The embedded module bytes (valid while img lives). */
void wr_image_module(const wr_image *img, const uint8_t **wasm, size_t *len);
const wr_image_info *wr_image_get_info(const wr_image *img);
/* After wr_image_map: makes the aot mode run m (the module the image embeds) with
 * the image's code (modes/aot.h); wr_aot_unbind(m) before freeing either. */
int wr_image_bind(const wr_image *img, const wr_module *m, wr_error *err);
/* After wr_image_map: per defined function, its uniform compiled entry. */
void *const *wr_image_entries(const wr_image *img, uint32_t *n);

/* writer.c: turns the ELF relocatable objects LLVM made for module m (between
 * them one wasm_entry_N per defined function, and wasm_func_N where not inlined;
 * references between objects by global symbol) into an image embedding
 * wasm[0..len), and writes it to out_fd from offset 0 (truncating it). Refuses,
 * with a message naming it, any section, symbol or relocation type it cannot place
 * correctly. */
typedef struct wr_image_obj {
  const uint8_t *p; /* 8-byte aligned */
  size_t len;
} wr_image_obj;
int wr_image_write(const wr_image_obj *objs, size_t nobjs, const wr_module *m, const uint8_t *wasm, size_t len,
                   const uint8_t key[32], const char *fingerprint, int out_fd, wr_error *err);

/* SHA-256 of an image in memory, with its digest field taken as zero. */
int wr_image_digest(const uint8_t *buf, size_t len, uint8_t out[32], wr_error *err);
/* The number of imported functions of the module the image was compiled from. */
uint32_t wr_image_nimported(const wr_image *img);

/* SHA-256 of an image in memory, with its digest field taken as zero. */
int wr_image_digest(const uint8_t *buf, size_t len, uint8_t out[32], wr_error *err);
/* The number of imported functions of the module the image was compiled from. */
uint32_t wr_image_nimported(const wr_image *img);

/* The cpuid feature words of this host (x86-64), as wr_image_header.cpu_words. */
void wr_image_cpu_words(uint32_t words[WR_IMAGE_CPU_WORDS]);

#endif
