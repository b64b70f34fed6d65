/* writer.c: the image writer. It turns the ELF relocatable object that LLVM emits
 * for a module (position-independent code, small code model, every function
 * internal but the wasm_entry_N) into an image (image.h) without any linker:
 *
 *   - places the object's allocated sections: executable ones first, then
 *     read-only data (constant pools, jump tables, unwind tables) in the one R+X
 *     segment; writable ones (none in practice) in the RW segment;
 *   - resolves every relocation itself. The code model leaves PC-relative ones
 *     (R_X86_64_PC32, PLT32 to a defined function, PC64), which are final once
 *     the layout is fixed; an absolute R_X86_64_64 is allowed only in the RW
 *     segment and becomes a load-time relocation. Any other type, a reference to
 *     an undefined symbol (the code must reach the runtime only through wr_ctx)
 *     or a section kind it cannot place (TLS, constructors) is refused by name,
 *     never written wrongly;
 *   - writes the function table, the embedded module, a symbol table with one
 *     symbol per wasm function (its name-section name, else wasm_func_N; the
 *     uniform entries as wasm_entry_N) and section headers, so that readelf, nm,
 *     perf and gdb see the code as they see a shared object's;
 *   - computes the digest last. */
#include "aot-cache/image.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a growing byte buffer ---------------------------------------------------- */

typedef struct buf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} buf;

static size_t buf_reserve(buf *b, size_t n) {
  if (b->oom) return 0;
  if (n > SIZE_MAX / 2 - b->len) {
    b->oom = true;
    return 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return 0;
    }
    memset(p + b->cap, 0, cap - b->cap);
    b->p = p;
    b->cap = cap;
  }
  size_t at = b->len;
  b->len += n;
  return at;
}

static size_t buf_add(buf *b, const void *data, size_t n) {
  size_t at = buf_reserve(b, n);
  if (!b->oom && n) memcpy(b->p + at, data, n);
  return at;
}

static void buf_align(buf *b, size_t a) {
  size_t pad = (a - b->len % a) % a;
  buf_reserve(b, pad);
}

static uint32_t str_add(buf *b, const char *s) { return (uint32_t)buf_add(b, s, strlen(s) + 1); }

/* ---- the input object --------------------------------------------------------- */

enum { SEG_NONE, SEG_TEXT, SEG_RODATA, SEG_DATA, SEG_BSS };

typedef struct in_sec {
  const Elf64_Shdr *sh;
  const char *name;
  int seg;
  uint64_t addr;    /* in the image */
  uint32_t out_idx; /* its section header in the image */
} in_sec;

typedef struct obj {
  const uint8_t *p;
  size_t len;
  const Elf64_Ehdr *eh;
  const Elf64_Shdr *sh;
  uint32_t nsec;
  in_sec *secs;
  const Elf64_Sym *syms;
  uint32_t nsyms;
  const char *strtab;
  size_t strtab_len;
} obj;

static bool range_ok(size_t len, uint64_t off, uint64_t size) { return off <= len && size <= len - off; }

static int obj_bad(wr_error *err, const char *what) {
  return wr_err(err, WR_ERR_IO, "aot: the object LLVM emitted cannot be read: %s", what);
}

static const char *sec_name(const obj *o, const Elf64_Shdr *shstr, uint32_t off) {
  if (!shstr || off >= shstr->sh_size) return "?";
  const char *s = (const char *)o->p + shstr->sh_offset + off;
  return memchr(s, 0, shstr->sh_size - off) ? s : "?";
}

static int obj_parse(obj *o, wr_error *err) {
  if (o->len < sizeof(Elf64_Ehdr)) return obj_bad(err, "too short");
  o->eh = (const Elf64_Ehdr *)o->p;
  const Elf64_Ehdr *eh = o->eh;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_REL || eh->e_machine != EM_X86_64)
    return obj_bad(err, "not an x86-64 ELF relocatable object");
  if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
      !range_ok(o->len, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) || eh->e_shstrndx >= eh->e_shnum)
    return obj_bad(err, "section headers");
  o->sh = (const Elf64_Shdr *)(o->p + eh->e_shoff);
  o->nsec = eh->e_shnum;
  o->secs = calloc(o->nsec, sizeof *o->secs);
  if (!o->secs) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  const Elf64_Shdr *shstr = &o->sh[eh->e_shstrndx];
  if (!range_ok(o->len, shstr->sh_offset, shstr->sh_size)) return obj_bad(err, "section names");
  for (uint32_t i = 0; i < o->nsec; i++) {
    const Elf64_Shdr *s = &o->sh[i];
    in_sec *is = &o->secs[i];
    is->sh = s;
    is->name = sec_name(o, shstr, s->sh_name);
    if (s->sh_type != SHT_NOBITS && !range_ok(o->len, s->sh_offset, s->sh_size)) return obj_bad(err, is->name);
    if (s->sh_type == SHT_SYMTAB) {
      if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_link >= o->nsec || s->sh_offset % 8)
        return obj_bad(err, "symbol table");
      const Elf64_Shdr *st = &o->sh[s->sh_link];
      if (!range_ok(o->len, st->sh_offset, st->sh_size) || st->sh_size == 0) return obj_bad(err, "string table");
      o->syms = (const Elf64_Sym *)(o->p + s->sh_offset);
      o->nsyms = (uint32_t)(s->sh_size / sizeof(Elf64_Sym));
      o->strtab = (const char *)o->p + st->sh_offset;
      o->strtab_len = st->sh_size;
    }
    if (!(s->sh_flags & SHF_ALLOC) || s->sh_size == 0) continue;
    if (s->sh_flags & SHF_TLS)
      return wr_err(err, WR_ERR_IO, "aot: section %s: thread-local data cannot be in an image", is->name);
    switch (s->sh_type) {
    case SHT_PROGBITS:
    case SHT_X86_64_UNWIND:
      is->seg = s->sh_flags & SHF_EXECINSTR ? SEG_TEXT : s->sh_flags & SHF_WRITE ? SEG_DATA : SEG_RODATA;
      break;
    case SHT_NOBITS: is->seg = SEG_BSS; break;
    default:
      return wr_err(err, WR_ERR_IO, "aot: section %s: section type %u cannot be in an image", is->name,
                    (unsigned)s->sh_type);
    }
    if (is->seg == SEG_TEXT && (s->sh_flags & SHF_WRITE))
      return wr_err(err, WR_ERR_IO, "aot: section %s is writable code", is->name);
    if (s->sh_addralign > WR_IMAGE_PAGE)
      return wr_err(err, WR_ERR_IO, "aot: section %s: alignment %llu", is->name, (unsigned long long)s->sh_addralign);
  }
  if (!o->syms) return obj_bad(err, "no symbol table");
  return 0;
}

static const char *sym_name(const obj *o, const Elf64_Sym *s) {
  if (s->st_name >= o->strtab_len) return "?";
  const char *n = o->strtab + s->st_name;
  return memchr(n, 0, o->strtab_len - s->st_name) ? n : "?";
}

/* ---- defined symbols of every object, by name --------------------------------- */

typedef struct def {
  const char *name; /* NULL: empty slot */
  uint32_t obj;
  const Elf64_Sym *sym;
} def;

typedef struct symmap {
  def *slots;
  size_t cap; /* a power of two */
} symmap;

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull;
  while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

/* Every defined function (local or global) and every defined global symbol: the
 * former name the wasm functions, the latter resolve references between objects.
 * A name defined twice keeps its first definition, and a global wins over a local. */
static int symmap_build(symmap *map, obj *os, size_t nobjs, wr_error *err) {
  size_t n = 0;
  for (size_t k = 0; k < nobjs; k++) n += os[k].nsyms;
  map->cap = 16;
  while (map->cap < 2 * n) map->cap *= 2;
  if (!(map->slots = calloc(map->cap, sizeof *map->slots))) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < nobjs; k++) {
    obj *o = &os[k];
    for (uint32_t i = 1; i < o->nsyms; i++) {
      const Elf64_Sym *s = &o->syms[i];
      int bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);
      if (s->st_shndx == SHN_UNDEF || s->st_shndx >= o->nsec || o->secs[s->st_shndx].seg == SEG_NONE) continue;
      if (bind == STB_LOCAL && type != STT_FUNC) continue;
      const char *name = sym_name(o, s);
      if (!*name || strcmp(name, "?") == 0) continue;
      size_t at = hash_name(name) & (map->cap - 1);
      while (map->slots[at].name && strcmp(map->slots[at].name, name) != 0) at = (at + 1) & (map->cap - 1);
      def *d = &map->slots[at];
      if (d->name && !(ELF64_ST_BIND(d->sym->st_info) == STB_LOCAL && bind != STB_LOCAL)) continue;
      *d = (def){name, (uint32_t)k, s};
    }
  }
  return 0;
}

static const def *symmap_find(const symmap *map, const char *name) {
  size_t at = hash_name(name) & (map->cap - 1);
  while (map->slots[at].name) {
    if (strcmp(map->slots[at].name, name) == 0) return &map->slots[at];
    at = (at + 1) & (map->cap - 1);
  }
  return NULL;
}

static uint64_t def_addr(const obj *os, const def *d) { return os[d->obj].secs[d->sym->st_shndx].addr + d->sym->st_value; }

/* The image address of symbol i of o: defined in o, or a global symbol another
 * object defines; anything else is refused. */
static int sym_addr(const obj *os, const obj *o, const symmap *map, uint32_t i, uint64_t *addr, wr_error *err) {
  if (i >= o->nsyms) return obj_bad(err, "relocation symbol index");
  const Elf64_Sym *s = &o->syms[i];
  if (s->st_shndx == SHN_UNDEF) {
    const def *d = symmap_find(map, sym_name(o, s));
    if (!d || ELF64_ST_BIND(d->sym->st_info) == STB_LOCAL)
      return wr_err(err, WR_ERR_IO,
                    "aot: the code needs the symbol %s from outside the module, which an image cannot have "
                    "(everything must go through wr_ctx)",
                    sym_name(o, s));
    *addr = def_addr(os, d);
    return 0;
  }
  if (s->st_shndx >= o->nsec || o->secs[s->st_shndx].seg == SEG_NONE)
    return wr_err(err, WR_ERR_IO, "aot: symbol %s is not in a section the image holds", sym_name(o, s));
  *addr = o->secs[s->st_shndx].addr + s->st_value;
  return 0;
}

/* ---- the image ---------------------------------------------------------------- */

static uint64_t page_up(uint64_t v) { return (v + WR_IMAGE_PAGE - 1) & ~(uint64_t)(WR_IMAGE_PAGE - 1); }

/* An output section: every input section of one name in one segment, placed
 * together. */
typedef struct out_sec {
  const char *name;
  int seg;
  uint64_t addr, end;
  const Elf64_Shdr *first; /* for type, flags, alignment */
} out_sec;

/* Lays out the sections of segment seg from *at, those of one name together (one
 * output section each, appended to outs), copying their bytes into img. */
static int place(obj *os, size_t nobjs, buf *img, int seg, uint64_t *at, out_sec **outs, uint32_t *nouts,
                 wr_error *err) {
  for (size_t k = 0; k < nobjs; k++)
    for (uint32_t i = 0; i < os[k].nsec; i++) {
      in_sec *first = &os[k].secs[i];
      if (first->seg != seg || first->out_idx) continue;
      out_sec *o = realloc(*outs, (*nouts + 1) * sizeof *o);
      if (!o) return wr_err(err, WR_ERR_NOMEM, "out of memory");
      *outs = o;
      uint32_t idx = ++*nouts; /* section header index: 0 is the null header */
      out_sec *os_ = &o[idx - 1];
      *os_ = (out_sec){.name = first->name, .seg = seg, .first = first->sh};
      for (size_t k2 = k; k2 < nobjs; k2++)
        for (uint32_t i2 = k2 == k ? i : 0; i2 < os[k2].nsec; i2++) {
          in_sec *is = &os[k2].secs[i2];
          if (is->seg != seg || is->out_idx || strcmp(is->name, first->name) != 0) continue;
          uint64_t a = is->sh->sh_addralign ? is->sh->sh_addralign : 1;
          *at = (*at + a - 1) / a * a;
          is->addr = *at;
          is->out_idx = idx;
          if (is == first) os_->addr = *at;
          *at += is->sh->sh_size;
          os_->end = *at;
          if (seg != SEG_BSS) {
            if (img->len < is->addr) buf_reserve(img, is->addr - img->len);
            buf_add(img, os[k2].p + is->sh->sh_offset, is->sh->sh_size);
          }
        }
    }
  return img->oom ? wr_err(err, WR_ERR_NOMEM, "out of memory") : 0;
}

static int relocate(const obj *os, const obj *o, const symmap *map, buf *img, buf *relocs, wr_error *err) {
  for (uint32_t i = 0; i < o->nsec; i++) {
    const Elf64_Shdr *rs = &o->sh[i];
    if (rs->sh_type == SHT_REL)
      return wr_err(err, WR_ERR_IO, "aot: section %s: REL relocations are not used on x86-64", o->secs[i].name);
    if (rs->sh_type != SHT_RELA) continue;
    if (rs->sh_info >= o->nsec || rs->sh_entsize != sizeof(Elf64_Rela) || rs->sh_offset % 8)
      return obj_bad(err, "relocation section");
    in_sec *t = &o->secs[rs->sh_info];
    if (t->seg == SEG_NONE) continue; /* relocations of what the image does not hold (debug info) */
    if (t->seg == SEG_BSS) return obj_bad(err, "relocations in .bss");
    const Elf64_Rela *r = (const Elf64_Rela *)(o->p + rs->sh_offset);
    size_t n = rs->sh_size / sizeof *r;
    for (size_t k = 0; k < n; k++) {
      uint32_t type = ELF64_R_TYPE(r[k].r_info);
      if (type == R_X86_64_NONE) continue;
      size_t width = type == R_X86_64_64 || type == R_X86_64_PC64 ? 8 : 4;
      if (r[k].r_offset > t->sh->sh_size || width > t->sh->sh_size - r[k].r_offset)
        return obj_bad(err, "relocation offset");
      uint64_t P = t->addr + r[k].r_offset, S = 0;
      int rc = sym_addr(os, o, map, (uint32_t)ELF64_R_SYM(r[k].r_info), &S, err);
      if (rc < 0) return rc;
      uint64_t v = S + (uint64_t)r[k].r_addend;
      switch (type) {
      case R_X86_64_PC32:
      case R_X86_64_PLT32: { /* PLT32: to a function defined in the image, so directly */
        int64_t d = (int64_t)(v - P);
        if (d != (int32_t)d) return wr_err(err, WR_ERR_IO, "aot: a PC-relative reference spans more than 2 GiB");
        int32_t d32 = (int32_t)d;
        memcpy(img->p + P, &d32, 4);
        break;
      }
      case R_X86_64_PC64: {
        uint64_t d = v - P;
        memcpy(img->p + P, &d, 8);
        break;
      }
      case R_X86_64_64: {
        if (t->seg != SEG_DATA)
          return wr_err(err, WR_ERR_IO,
                        "aot: section %s: an absolute address in read-only code or data (the code model should "
                        "not make one)",
                        t->name);
        wr_image_reloc ir = {.where = P, .addend = v};
        buf_add(relocs, &ir, sizeof ir);
        memset(img->p + P, 0, 8);
        break;
      }
      default:
        return wr_err(err, WR_ERR_IO, "aot: section %s: relocation type %u is not one an image can hold", t->name,
                      type);
      }
    }
  }
  return 0;
}

/* The defined function `name` (wasm_entry_N or wasm_func_N) in the code. */
static const def *find_func(const obj *os, const symmap *map, const char *name) {
  const def *d = symmap_find(map, name);
  return d && ELF64_ST_TYPE(d->sym->st_info) == STT_FUNC && os[d->obj].secs[d->sym->st_shndx].seg == SEG_TEXT ? d
                                                                                                              : NULL;
}

static int write_all(int fd, const uint8_t *p, size_t len, wr_error *err) {
  if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
    return wr_err(err, WR_ERR_IO, "writing the AOT image: %s", strerror(errno));
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return wr_err(err, WR_ERR_IO, "writing the AOT image: %s", n < 0 ? strerror(errno) : "short write");
    done += (size_t)n;
  }
  return 0;
}

int wr_image_write(const wr_image_obj *objs, size_t nobjs, const wr_module *m, const uint8_t *wasm, size_t len,
                   const uint8_t key[32], const char *fingerprint, int out_fd, wr_error *err) {
  buf img = {0}, relocs = {0}, funcs = {0}, syms = {0}, strs = {0}, shstr = {0}, shdrs = {0};
  symmap map = {0};
  out_sec *outs = NULL;
  uint32_t nouts = 0;
  int rc = 0;
  uint32_t ndef = m->nfuncs - m->nimported_funcs;
  if (ndef == 0) return wr_err(err, WR_ERR_USAGE, "aot: the module defines no function: nothing to compile");
  if (strlen(fingerprint) >= sizeof((wr_image_header *)0)->fingerprint)
    return wr_err(err, WR_ERR_USAGE, "aot: the compiler fingerprint is too long");
  if (nobjs == 0) return obj_bad(err, "no object");
  obj *os = calloc(nobjs, sizeof *os);
  if (!os) return wr_err(err, WR_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < nobjs && rc == 0; k++) {
    os[k] = (obj){.p = objs[k].p, .len = objs[k].len};
    rc = ((uintptr_t)objs[k].p) % 8 ? obj_bad(err, "misaligned buffer") : obj_parse(&os[k], err);
  }
  if (rc < 0) goto out;

  /* Layout: headers, then the segments. */
  buf_reserve(&img, WR_IMAGE_PAGE);
  uint64_t at = WR_IMAGE_PAGE;
  if ((rc = place(os, nobjs, &img, SEG_TEXT, &at, &outs, &nouts, err)) < 0 ||
      (rc = place(os, nobjs, &img, SEG_RODATA, &at, &outs, &nouts, err)) < 0)
    goto out;
  uint64_t text_off = WR_IMAGE_PAGE, text_size = at - text_off;
  if (text_size == 0) {
    rc = obj_bad(err, "no code");
    goto out;
  }
  uint64_t data_off = page_up(at);
  at = data_off;
  if ((rc = place(os, nobjs, &img, SEG_DATA, &at, &outs, &nouts, err)) < 0) goto out;
  uint64_t data_filesz = at - data_off;
  if ((rc = place(os, nobjs, &img, SEG_BSS, &at, &outs, &nouts, err)) < 0) goto out;
  uint64_t data_memsz = at - data_off;
  if (data_memsz == 0) data_off = 0;
  if ((rc = symmap_build(&map, os, nobjs, err)) < 0) goto out;
  for (size_t k = 0; k < nobjs; k++)
    if ((rc = relocate(os, &os[k], &map, &img, &relocs, err)) < 0) goto out;
  if (relocs.len && !data_memsz) { /* cannot happen: relocate refuses R_X86_64_64 outside data */
    rc = obj_bad(err, "relocations without data");
    goto out;
  }

  /* Section headers: null, the placed sections, then ours. */
  buf_add(&shstr, "", 1);
  Elf64_Shdr null_sh = {0};
  buf_add(&shdrs, &null_sh, sizeof null_sh);
  for (uint32_t i = 0; i < nouts; i++) {
    const Elf64_Shdr *f = outs[i].first;
    Elf64_Shdr sh = {.sh_name = str_add(&shstr, outs[i].name), .sh_type = f->sh_type,
                     .sh_flags = f->sh_flags & (SHF_ALLOC | SHF_EXECINSTR | SHF_WRITE | SHF_MERGE | SHF_STRINGS),
                     .sh_addr = outs[i].addr, .sh_offset = outs[i].seg == SEG_BSS ? img.len : outs[i].addr,
                     .sh_size = outs[i].end - outs[i].addr, .sh_addralign = f->sh_addralign,
                     .sh_entsize = f->sh_entsize};
    buf_add(&shdrs, &sh, sizeof sh);
  }
  uint32_t nout = nouts + 1;

  /* The function table and the symbols. */
  buf_add(&strs, "", 1);
  Elf64_Sym null_sym = {0};
  buf_add(&syms, &null_sym, sizeof null_sym);
  for (uint32_t i = 0; i < ndef; i++) {
    uint32_t f = m->nimported_funcs + i;
    char ename[40], nname[40];
    snprintf(ename, sizeof ename, "wasm_entry_%u", f);
    snprintf(nname, sizeof nname, "wasm_func_%u", f);
    const def *es = find_func(os, &map, ename), *ns = find_func(os, &map, nname);
    if (!es) {
      rc = wr_err(err, WR_ERR_IO, "aot: the object has no %s", ename);
      goto out;
    }
    wr_image_func fe = {.entry = def_addr(os, es), .native = ns ? def_addr(os, ns) : WR_IMAGE_NO_NATIVE};
    buf_add(&funcs, &fe, sizeof fe);
    const char *wname = m->func_names && m->func_names[f] && *m->func_names[f] ? m->func_names[f] : nname;
    /* The body gets the wasm name; the uniform entry its own, unless LLVM inlined
     * the body into it. */
    Elf64_Sym sy = {.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_other = STV_DEFAULT};
    if (ns) {
      sy.st_name = str_add(&strs, wname);
      sy.st_value = fe.native;
      sy.st_size = ns->sym->st_size;
      sy.st_shndx = (uint16_t)os[ns->obj].secs[ns->sym->st_shndx].out_idx;
      buf_add(&syms, &sy, sizeof sy);
    }
    sy.st_name = str_add(&strs, ns ? ename : wname);
    sy.st_value = fe.entry;
    sy.st_size = es->sym->st_size;
    sy.st_shndx = (uint16_t)os[es->obj].secs[es->sym->st_shndx].out_idx;
    buf_add(&syms, &sy, sizeof sy);
  }

  /* The tail of the file: function table, relocations, module, symbols, names,
   * from a page of its own: the code's last page, mapped executable whole, must
   * hold nothing else (not the module's bytes above all). */
  buf_reserve(&img, page_up(img.len) - img.len);
  uint64_t funcs_off = buf_add(&img, funcs.p, funcs.len);
  buf_align(&img, 8);
  uint64_t relocs_off = relocs.len ? buf_add(&img, relocs.p, relocs.len) : img.len;
  uint64_t wasm_off = buf_add(&img, wasm, len);
  buf_align(&img, 8);
  uint64_t symtab_off = buf_add(&img, syms.p, syms.len);
  uint64_t strtab_off = buf_add(&img, strs.p, strs.len);
  struct {
    const char *name;
    uint32_t type;
    uint64_t off, size, flags, align, entsize;
    uint32_t link, info;
  } ours[] = {
      {".note.wasm-run", SHT_NOTE, WR_IMAGE_NOTE_OFF, 24 + sizeof(wr_image_header), 0, 4, 0, 0, 0},
      {".wasm-run.funcs", SHT_PROGBITS, funcs_off, funcs.len, 0, 8, sizeof(wr_image_func), 0, 0},
      {".wasm-run.relocs", SHT_PROGBITS, relocs_off, relocs.len, 0, 8, sizeof(wr_image_reloc), 0, 0},
      {".wasm-run.module", SHT_PROGBITS, wasm_off, len, 0, 1, 0, 0, 0},
      {".symtab", SHT_SYMTAB, symtab_off, syms.len, 0, 8, sizeof(Elf64_Sym), nout + 5, 1},
      {".strtab", SHT_STRTAB, strtab_off, strs.len, 0, 1, 0, 0, 0},
      {".shstrtab", SHT_STRTAB, 0, 0, 0, 1, 0, 0, 0},
  };
  size_t nours = sizeof ours / sizeof *ours;
  uint32_t name_offs[sizeof ours / sizeof *ours];
  for (size_t k = 0; k < nours; k++) name_offs[k] = str_add(&shstr, ours[k].name);
  ours[nours - 1].off = buf_add(&img, shstr.p, shstr.len);
  ours[nours - 1].size = shstr.len;
  for (size_t k = 0; k < nours; k++) {
    Elf64_Shdr s = {.sh_name = name_offs[k], .sh_type = ours[k].type, .sh_flags = ours[k].flags,
                    .sh_offset = ours[k].off, .sh_size = ours[k].size, .sh_link = ours[k].link,
                    .sh_info = ours[k].info, .sh_addralign = ours[k].align, .sh_entsize = ours[k].entsize};
    buf_add(&shdrs, &s, sizeof s);
  }
  buf_align(&img, 8);
  uint64_t shoff = buf_add(&img, shdrs.p, shdrs.len);
  if (img.oom || syms.oom || strs.oom || shstr.oom || shdrs.oom || funcs.oom || relocs.oom) {
    rc = wr_err(err, WR_ERR_NOMEM, "out of memory");
    goto out;
  }

  /* The headers. */
  Elf64_Ehdr eh = {.e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT, .e_phoff = sizeof eh,
                   .e_shoff = shoff, .e_ehsize = sizeof eh, .e_phentsize = sizeof(Elf64_Phdr),
                   .e_phnum = WR_IMAGE_NPHDR, .e_shentsize = sizeof(Elf64_Shdr),
                   .e_shnum = (uint16_t)(nout + nours), .e_shstrndx = (uint16_t)(nout + nours - 1)};
  memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  memcpy(img.p, &eh, sizeof eh);
  Elf64_Phdr ph[WR_IMAGE_NPHDR] = {
      {.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = text_off, .p_vaddr = text_off, .p_paddr = text_off,
       .p_filesz = text_size, .p_memsz = text_size, .p_align = WR_IMAGE_PAGE},
      {.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = data_off, .p_vaddr = data_off, .p_paddr = data_off,
       .p_filesz = data_filesz, .p_memsz = data_memsz, .p_align = WR_IMAGE_PAGE},
      {.p_type = PT_NOTE, .p_flags = PF_R, .p_offset = WR_IMAGE_NOTE_OFF, .p_filesz = 24 + sizeof(wr_image_header),
       .p_align = 4},
  };
  if (!data_memsz) ph[1].p_type = PT_NULL; /* nothing is patched at load: no RW segment */
  memcpy(img.p + eh.e_phoff, ph, sizeof ph);
  Elf64_Nhdr nh = {.n_namesz = sizeof WR_IMAGE_NOTE_NAME, .n_descsz = sizeof(wr_image_header),
                   .n_type = WR_IMAGE_NOTE_TYPE};
  memcpy(img.p + WR_IMAGE_NOTE_OFF, &nh, sizeof nh);
  memcpy(img.p + WR_IMAGE_NOTE_OFF + sizeof nh, WR_IMAGE_NOTE_NAME, sizeof WR_IMAGE_NOTE_NAME);
  wr_image_header h = {.abi = WR_IMAGE_ABI, .header_size = sizeof h, .file_size = img.len,
                       .text_off = text_off, .text_size = text_size, .data_off = data_off,
                       .data_filesz = data_filesz, .data_memsz = data_memsz, .funcs_off = funcs_off,
                       .nfuncs = ndef, .nimported = m->nimported_funcs, .relocs_off = relocs.len ? relocs_off : 0,
                       .nrelocs = relocs.len / sizeof(wr_image_reloc), .wasm_off = wasm_off, .wasm_size = len};
  memcpy(h.magic, WR_IMAGE_MAGIC, 8);
  if (key) memcpy(h.key, key, 32);
  snprintf(h.fingerprint, sizeof h.fingerprint, "%s", fingerprint);
  wr_image_cpu_words(h.cpu_words);
  memcpy(img.p + WR_IMAGE_HEADER_OFF, &h, sizeof h);
  if ((rc = wr_image_digest(img.p, img.len, h.digest, err)) < 0) goto out;
  memcpy(img.p + WR_IMAGE_HEADER_OFF + offsetof(wr_image_header, digest), h.digest, 32);
  /* What the loader will check, checked here too: a writer bug shows now. */
  if ((rc = wr_image_check(img.p, img.len, NULL, err)) < 0) {
    wr_err_prefix(err, "aot: the image written does not check");
    goto out;
  }
  rc = write_all(out_fd, img.p, img.len, err);
out:
  for (size_t k = 0; k < nobjs; k++) free(os[k].secs);
  free(os);
  free(map.slots);
  free(outs);
  free(img.p);
  free(relocs.p);
  free(funcs.p);
  free(syms.p);
  free(strs.p);
  free(shstr.p);
  free(shdrs.p);
  return rc;
}
