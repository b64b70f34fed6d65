/* image.c: reading, checking and mapping AOT images (the format is in image.h).
 *
 * Nothing of an image is trusted before it is checked: wr_image_check validates
 * every header field, offset and size against the bytes actually there, with
 * overflow-safe arithmetic, before any of them is used, and is written to be fed
 * arbitrary bytes (the aot-image fuzz harness). The digest is checked before the
 * structure, so that damage anywhere in a file is reported the same way. The code
 * is mapped from the file PROT_READ|PROT_EXEC and is never writable: loading needs
 * no writable+executable memory and no mprotect, and works under PR_SET_MDWE.
 *
 * An image is native code: running one is trusting whoever wrote it, as with any
 * executable. The checks here keep a damaged or hostile *file* from crashing or
 * confusing the loader; the digest detects accidental damage, not forgery. */
/* SHA256_Init/Update/Final: deprecated in OpenSSL 3, but EVP's first use sets up
 * the provider machinery, about 0.5 ms of every start (see aot-cache/cache.c). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "aot-cache/image.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modes/aot.h"

#define MAX_DATA_MEMSZ (UINT64_C(1) << 30) /* far beyond what a module's constants need */

static int bad(wr_error *err, const char *what) {
  return wr_err(err, WR_ERR_MALFORMED, "damaged AOT image: %s", what);
}

/* [off, off+size) lies inside [0, len). */
static bool in_file(uint64_t off, uint64_t size, uint64_t len) { return off <= len && size <= len - off; }

static uint64_t page_up(uint64_t v) { return (v + WR_IMAGE_PAGE - 1) & ~(uint64_t)(WR_IMAGE_PAGE - 1); }

int wr_image_sniff(const uint8_t *buf, size_t len) {
  if (len < WR_IMAGE_HEADER_OFF + sizeof(wr_image_header)) return 0;
  Elf64_Nhdr nh;
  memcpy(&nh, buf + WR_IMAGE_NOTE_OFF, sizeof nh);
  return memcmp(buf, ELFMAG, SELFMAG) == 0 && nh.n_type == WR_IMAGE_NOTE_TYPE &&
         memcmp(buf + WR_IMAGE_NOTE_OFF + sizeof nh, WR_IMAGE_NOTE_NAME, sizeof WR_IMAGE_NOTE_NAME) == 0 &&
         memcmp(buf + WR_IMAGE_HEADER_OFF, WR_IMAGE_MAGIC, 8) == 0;
}

/* The fixed part: ELF header, note, magic, ABI. len is the real file size. */
static int check_header(const uint8_t *buf, size_t len, wr_image_header *h, wr_error *err) {
  if (len < WR_IMAGE_HEADER_OFF + sizeof *h) {
    if (len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0)
      return wr_err(err, WR_ERR_MALFORMED, "damaged AOT image: truncated (%zu bytes)", len);
    return wr_err(err, WR_ERR_MALFORMED, "not an AOT image of wasm-run (too short)");
  }
  if (!wr_image_sniff(buf, len)) return wr_err(err, WR_ERR_MALFORMED, "not an AOT image of wasm-run (no image note)");
  Elf64_Ehdr eh;
  memcpy(&eh, buf, sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
    return wr_err(err, WR_ERR_UNSUPPORTED, "the AOT image is not for x86-64");
  memcpy(h, buf + WR_IMAGE_HEADER_OFF, sizeof *h);
  if (h->abi != WR_IMAGE_ABI)
    return wr_err(err, WR_ERR_UNSUPPORTED, "AOT image of format %u; this wasm-run reads format %u (compile it again)",
                  h->abi, WR_IMAGE_ABI);
  if (h->header_size != sizeof *h) return bad(err, "header size");
  if (h->file_size != len) {
    if (h->file_size > len)
      return wr_err(err, WR_ERR_MALFORMED, "damaged AOT image: truncated (%zu of %llu bytes)", len,
                    (unsigned long long)h->file_size);
    return wr_err(err, WR_ERR_MALFORMED, "damaged AOT image: %zu bytes where the header says %llu", len,
                  (unsigned long long)h->file_size);
  }
  return 0;
}

int wr_image_check(const uint8_t *buf, size_t len, wr_image_header *out, wr_error *err) {
  wr_image_header h;
  int rc = check_header(buf, len, &h, err);
  if (rc < 0) return rc;
  Elf64_Ehdr eh;
  memcpy(&eh, buf, sizeof eh);
  if (eh.e_type != ET_DYN || eh.e_phoff != sizeof eh || eh.e_phnum != WR_IMAGE_NPHDR ||
      eh.e_phentsize != sizeof(Elf64_Phdr))
    return bad(err, "ELF header");
  Elf64_Nhdr nh;
  memcpy(&nh, buf + WR_IMAGE_NOTE_OFF, sizeof nh);
  if (nh.n_namesz != sizeof WR_IMAGE_NOTE_NAME || nh.n_descsz != sizeof h) return bad(err, "note");
  if (memchr(h.fingerprint, 0, sizeof h.fingerprint) == NULL) return bad(err, "fingerprint");
  for (size_t i = 0; i < sizeof h.reserved / sizeof *h.reserved; i++)
    if (h.reserved[i]) return bad(err, "reserved header fields");
  /* The code: page aligned, after the headers, inside the file, not empty. */
  if (h.text_off % WR_IMAGE_PAGE || h.text_off < WR_IMAGE_PAGE || h.text_size == 0 ||
      !in_file(h.text_off, h.text_size, len))
    return bad(err, "code segment out of range");
  uint64_t text_end = h.text_off + h.text_size;
  if (h.data_memsz) {
    if (h.data_off % WR_IMAGE_PAGE || h.data_off < page_up(text_end) || h.data_filesz > h.data_memsz ||
        h.data_memsz > MAX_DATA_MEMSZ || !in_file(h.data_off, h.data_filesz, len))
      return bad(err, "data segment out of range");
  } else if (h.data_filesz || h.data_off || h.nrelocs) {
    return bad(err, "data segment out of range");
  }
  if (h.nfuncs == 0 || h.funcs_off % 8 || !in_file(h.funcs_off, (uint64_t)h.nfuncs * sizeof(wr_image_func), len))
    return bad(err, "function table out of range");
  if ((uint64_t)h.nimported + h.nfuncs > UINT32_MAX) return bad(err, "function count");
  for (uint32_t i = 0; i < h.nfuncs; i++) {
    wr_image_func f;
    memcpy(&f, buf + h.funcs_off + (uint64_t)i * sizeof f, sizeof f);
    if (f.entry != WR_IMAGE_NO_ENTRY && (f.entry < h.text_off || f.entry >= text_end))
      return bad(err, "function entry out of range");
    if (f.native != WR_IMAGE_NO_NATIVE && (f.native < h.text_off || f.native >= text_end))
      return bad(err, "function entry out of range");
  }
  if (h.nrelocs > len / sizeof(wr_image_reloc) || h.relocs_off % 8 ||
      !in_file(h.relocs_off, h.nrelocs * sizeof(wr_image_reloc), len))
    return bad(err, "relocations out of range");
  uint64_t span = h.data_memsz ? page_up(h.data_off + h.data_memsz) : page_up(text_end);
  for (uint64_t i = 0; i < h.nrelocs; i++) {
    wr_image_reloc r;
    memcpy(&r, buf + h.relocs_off + i * sizeof r, sizeof r);
    if (r.where % 8 || r.where < h.data_off || r.where - h.data_off > h.data_memsz - 8 || h.data_memsz < 8 ||
        r.addend >= span)
      return bad(err, "relocation out of range");
  }
  if (h.wasm_size < 8 || !in_file(h.wasm_off, h.wasm_size, len)) return bad(err, "embedded module out of range");
  if (out) *out = h;
  return 0;
}

/* SHA-256 of buf with the digest field taken as zero. */
static int digest_of(const uint8_t *buf, size_t len, uint8_t out[32], wr_error *err) {
  static const uint8_t zero[32];
  size_t d = WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, digest);
  SHA256_CTX c;
  bool ok = SHA256_Init(&c) && SHA256_Update(&c, buf, d) && SHA256_Update(&c, zero, sizeof zero) &&
            SHA256_Update(&c, buf + d + 32, len - d - 32) && SHA256_Final(out, &c);
  return ok ? 0 : wr_err(err, WR_ERR_NOMEM, "SHA-256 (libcrypto) failed");
}

int wr_image_digest(const uint8_t *buf, size_t len, uint8_t out[32], wr_error *err) {
  if (len < WR_IMAGE_HEADER_OFF + sizeof(wr_image_header)) return bad(err, "truncated");
  return digest_of(buf, len, out, err);
}

static void fill_info(const wr_image_header *h, wr_image_info *info) {
  if (!info) return;
  memcpy(info->key, h->key, 32);
  memcpy(info->digest, h->digest, 32);
  memcpy(info->fingerprint, h->fingerprint, sizeof info->fingerprint);
  info->fingerprint[sizeof info->fingerprint - 1] = 0;
  info->file_size = h->file_size;
}

/* Reads [off, off+len) of fd. */
static int read_at(int fd, uint8_t *buf, size_t len, uint64_t off, wr_error *err) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return wr_err(err, WR_ERR_IO, "reading the AOT image: %s", strerror(errno));
    if (n == 0) return wr_err(err, WR_ERR_MALFORMED, "damaged AOT image: truncated while reading");
    got += (size_t)n;
  }
  return 0;
}

static int file_size(int fd, size_t *size, wr_error *err) {
  struct stat st;
  if (fstat(fd, &st) < 0) return wr_err(err, WR_ERR_IO, "reading the AOT image: %s", strerror(errno));
  if (!S_ISREG(st.st_mode)) return wr_err(err, WR_ERR_IO, "the AOT image is not a regular file");
  if ((uint64_t)st.st_size > SIZE_MAX / 2) return wr_err(err, WR_ERR_NOMEM, "the AOT image is too large");
  *size = (size_t)st.st_size;
  return 0;
}

int wr_image_read_info(int fd, wr_image_info *info, wr_error *err) {
  size_t size;
  int rc = file_size(fd, &size, err);
  if (rc < 0) return rc;
  uint8_t head[WR_IMAGE_HEADER_OFF + sizeof(wr_image_header)];
  size_t n = size < sizeof head ? size : sizeof head;
  if ((rc = read_at(fd, head, n, 0, err)) < 0) return rc;
  wr_image_header h;
  /* check_header compares the header's file_size with the real size. */
  if (n < sizeof head) return check_header(head, n, &h, err);
  if ((rc = check_header(head, size, &h, err)) < 0) return rc;
  fill_info(&h, info);
  return 0;
}

struct wr_image {
  int fd;
  uint8_t *buf; /* the whole file */
  size_t len;
  wr_image_header h;
  wr_image_info info;
  uint8_t *base; /* the mapping, span bytes; NULL until mapped */
  size_t span;
  void **entries; /* per defined function */
};

/* Reads and checks a whole image: digest first (unless skipped), then the
 * structure. */
static int load_checked(int fd, bool digest, uint8_t **bufp, size_t *lenp, wr_image_header *h, wr_error *err) {
  size_t size;
  int rc = file_size(fd, &size, err);
  if (rc < 0) return rc;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return wr_err(err, WR_ERR_NOMEM, "out of memory reading the AOT image");
  if ((rc = read_at(fd, buf, size, 0, err)) < 0 || (rc = check_header(buf, size, h, err)) < 0) goto fail;
  uint8_t d[32];
  if (digest && (rc = digest_of(buf, size, d, err)) < 0) goto fail;
  if (digest && memcmp(d, h->digest, 32) != 0) {
    rc = bad(err, "digest mismatch");
    goto fail;
  }
  if ((rc = wr_image_check(buf, size, h, err)) < 0) goto fail;
  *bufp = buf;
  *lenp = size;
  return 0;
fail:
  free(buf);
  return rc;
}

int wr_image_verify(int fd, wr_image_info *info, wr_error *err) {
  uint8_t *buf;
  size_t len;
  wr_image_header h;
  int rc = load_checked(fd, true, &buf, &len, &h, err);
  if (rc < 0) return rc;
  free(buf);
  fill_info(&h, info);
  return 0;
}

int wr_image_open_flags(int fd, unsigned flags, wr_image **out, wr_error *err) {
  wr_image *img = calloc(1, sizeof *img);
  if (!img) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  int rc = load_checked(fd, !(flags & WR_IMAGE_SKIP_DIGEST), &img->buf, &img->len, &img->h, err);
  if (rc < 0) {
    free(img);
    return rc;
  }
  img->fd = fd;
  fill_info(&img->h, &img->info);
  *out = img;
  return 0;
}

/* The words recorded and compared: cpuid leaf 1 ecx/edx, leaf 7 subleaf 0
 * ebx/ecx/edx, leaf 0x80000001 ecx/edx, and XCR0 (which register states the
 * kernel saves: AVX code needs them even where the CPU has AVX). Bits that say
 * nothing about instructions are cleared: leaf 1 ecx 27 (OSXSAVE, in XCR0's place)
 * and 31 (running under a hypervisor), leaf 7 edx 15 (hybrid part). */
void wr_image_cpu_words(uint32_t w[WR_IMAGE_CPU_WORDS]) {
  unsigned a, b, c, d;
  memset(w, 0, WR_IMAGE_CPU_WORDS * sizeof *w);
  unsigned max = __get_cpuid_max(0, NULL);
  if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
    w[0] = c & ~((1u << 27) | (1u << 31));
    w[1] = d;
    if (c & (1u << 27)) { /* OSXSAVE: xgetbv is there */
      unsigned lo, hi;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      w[7] = lo;
    }
  }
  if (max >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    w[2] = b;
    w[3] = c;
    w[4] = d & ~(1u << 15);
  }
  if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u && __get_cpuid(0x80000001u, &a, &b, &c, &d)) {
    w[5] = c;
    w[6] = d;
  }
}

static int check_cpu(const wr_image_header *h, wr_error *err) {
  uint32_t have[WR_IMAGE_CPU_WORDS];
  wr_image_cpu_words(have);
  for (int i = 0; i < WR_IMAGE_CPU_WORDS; i++) {
    uint32_t missing = h->cpu_words[i] & ~have[i];
    if (missing)
      return wr_err(err, WR_ERR_UNSUPPORTED,
                    "the AOT image was compiled for a CPU with features this one lacks (word %d: %#x); compile it "
                    "again here",
                    i, missing);
  }
  return 0;
}

int wr_image_map(wr_image *img, wr_error *err) {
  if (img->base) return 0;
  const wr_image_header *h = &img->h;
  int rc = check_cpu(h, err);
  if (rc < 0) return rc;
  uint64_t text_end = h->text_off + h->text_size;
  size_t span = h->data_memsz ? page_up(h->data_off + h->data_memsz) : page_up(text_end);
  /* One reservation keeps the segments at their distances (the code reaches its
   * data PC-relatively); the headers' page stays inaccessible. */
  uint8_t *base = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return wr_err(err, WR_ERR_NOMEM, "reserving the AOT image: %s", strerror(errno));
  if (mmap(base + h->text_off, h->text_size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, img->fd,
           (off_t)h->text_off) == MAP_FAILED) {
    rc = wr_err(err, WR_ERR_IO, "mapping the code of the AOT image: %s", strerror(errno));
    goto fail;
  }
  if (h->data_memsz) {
    uint8_t *data = base + h->data_off;
    if (mmap(data, page_up(h->data_memsz), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) ==
        MAP_FAILED) {
      rc = wr_err(err, WR_ERR_NOMEM, "mapping the data of the AOT image: %s", strerror(errno));
      goto fail;
    }
    memcpy(data, img->buf + h->data_off, h->data_filesz);
    for (uint64_t i = 0; i < h->nrelocs; i++) {
      wr_image_reloc r;
      memcpy(&r, img->buf + h->relocs_off + i * sizeof r, sizeof r);
      uint64_t v = (uint64_t)(uintptr_t)base + r.addend;
      memcpy(base + r.where, &v, 8);
    }
  }
  img->entries = calloc(h->nfuncs, sizeof *img->entries);
  if (!img->entries) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto fail;
  }
  for (uint32_t i = 0; i < h->nfuncs; i++) {
    wr_image_func f;
    memcpy(&f, img->buf + h->funcs_off + (uint64_t)i * sizeof f, sizeof f);
    img->entries[i] = f.entry == WR_IMAGE_NO_ENTRY ? NULL : base + f.entry;
  }
  img->base = base;
  img->span = span;
  return 0;
fail:
  munmap(base, span);
  return rc;
}

int wr_image_open(int fd, wr_image **out, wr_error *err) { return wr_image_open_flags(fd, 0, out, err); }

void wr_image_free(wr_image *img) {
  if (!img) return;
  if (img->base) munmap(img->base, img->span);
  free(img->entries);
  free(img->buf);
  free(img);
}

void wr_image_module(const wr_image *img, const uint8_t **wasm, size_t *len) {
  *wasm = img->buf + img->h.wasm_off;
  *len = img->h.wasm_size;
}

const wr_image_info *wr_image_get_info(const wr_image *img) { return &img->info; }

void *const *wr_image_entries(const wr_image *img, uint32_t *n) {
  if (n) *n = img->h.nfuncs;
  return img->entries;
}

uint32_t wr_image_nimported(const wr_image *img) { return img->h.nimported; }

int wr_image_bind(const wr_image *img, const wr_module *m, wr_error *err) {
  if (!img->entries) return wr_err(err, WR_ERR_USAGE, "aot: the image is not mapped");
  if (img->h.nimported != m->nimported_funcs)
    return wr_err(err, WR_ERR_MALFORMED, "aot: the image was compiled for %u imported functions, the module has %u",
                  img->h.nimported, m->nimported_funcs);
  return wr_aot_bind(m, img->entries, img->h.nfuncs, err);
}
