/* template.h: a small AOT image made without LLVM, for tests/aot/writer-test.c and
 * the aot-image fuzz harness: an ELF relocatable object assembled by hand, as LLVM
 * would emit it for a module of one function `f` () -> i64, that the image writer
 * turns into an image. Its wasm_entry_0 loads, PC-relatively, a pointer from .data
 * (which a load-time R_X86_64_64 relocation points at .rodata) and stores the
 * 8 bytes there, TEMPLATE_VALUE, as the function's result: running it checks the
 * mapping and every kind of relocation the writer resolves. (The module's own body
 * returns 0, so a result of TEMPLATE_VALUE also shows the image's code ran.) */
#ifndef WR_TESTS_AOT_TEMPLATE_H
#define WR_TESTS_AOT_TEMPLATE_H

#include <elf.h>
#include <stdint.h>
#include <string.h>

#define TEMPLATE_VALUE UINT64_C(0x1122334455667788)

static const uint8_t template_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e,       /* type 0: [] -> [i64] */
    0x03, 0x02, 0x01, 0x00,                         /* func 0: type 0 */
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,       /* export "f" = func 0 */
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b, /* body: i64.const 0 */
};

static const uint8_t template_text[] = {
    0x48, 0x8b, 0x05, 0, 0, 0, 0, /* mov rax, [rip + .data]   (R_X86_64_PC32) */
    0x48, 0x8b, 0x00,             /* mov rax, [rax] */
    0x48, 0x89, 0x06,             /* mov [rsi], rax           (args_results[0]) */
    0xc3,                         /* ret */
};

/* The object, 8-aligned in *buf (at least 2048 bytes); returns its length.
 * text_reloc: the type of the relocation in .text (R_X86_64_PC32 for the good
 * object); undefined: make the .data symbol it refers to an undefined "memcpy". */
static size_t template_object(uint8_t *buf, uint32_t text_reloc, int undefined) {
  static const char shstr[] = "\0.text\0.rodata\0.data\0.rela.text\0.rela.data\0.symtab\0.strtab\0.shstrtab";
  static const char str[] = "\0wasm_entry_0\0memcpy";
  enum { S_TEXT = 1, S_RODATA, S_DATA, S_RELA_TEXT, S_RELA_DATA, S_SYMTAB, S_STRTAB, S_SHSTRTAB, NSEC };
  uint64_t value = TEMPLATE_VALUE;
  Elf64_Rela rtext = {.r_offset = 3, .r_info = ELF64_R_INFO(2, text_reloc), .r_addend = -4};
  Elf64_Rela rdata = {.r_offset = 0, .r_info = ELF64_R_INFO(1, R_X86_64_64), .r_addend = 0};
  Elf64_Sym syms[4] = {
      {0},
      {.st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION), .st_shndx = S_RODATA},
      {.st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION), .st_shndx = S_DATA},
      {.st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_other = STV_HIDDEN, .st_shndx = S_TEXT,
       .st_size = sizeof template_text},
  };
  if (undefined) syms[2] = (Elf64_Sym){.st_name = 14, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE)};
  Elf64_Shdr sh[NSEC];
  memset(sh, 0, sizeof sh);
  size_t at = sizeof(Elf64_Ehdr);
#define PUT(idx, name_off, type, flags, data, size, align)                                                     \
  do {                                                                                                         \
    at = (at + 15) & ~(size_t)15;                                                                              \
    sh[idx] = (Elf64_Shdr){.sh_name = name_off, .sh_type = type, .sh_flags = flags, .sh_offset = at,            \
                           .sh_size = size, .sh_addralign = align};                                            \
    memcpy(buf + at, data, size);                                                                              \
    at += size;                                                                                                \
  } while (0)
  PUT(S_TEXT, 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, template_text, sizeof template_text, 16);
  PUT(S_RODATA, 7, SHT_PROGBITS, SHF_ALLOC, &value, 8, 8);
  uint64_t zero = 0;
  PUT(S_DATA, 15, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, &zero, 8, 8);
  PUT(S_RELA_TEXT, 21, SHT_RELA, 0, &rtext, sizeof rtext, 8);
  PUT(S_RELA_DATA, 32, SHT_RELA, 0, &rdata, sizeof rdata, 8);
  PUT(S_SYMTAB, 43, SHT_SYMTAB, 0, syms, sizeof syms, 8);
  PUT(S_STRTAB, 51, SHT_STRTAB, 0, str, sizeof str, 1);
  PUT(S_SHSTRTAB, 59, SHT_STRTAB, 0, shstr, sizeof shstr, 1);
#undef PUT
  sh[S_RELA_TEXT].sh_link = sh[S_RELA_DATA].sh_link = S_SYMTAB;
  sh[S_RELA_TEXT].sh_info = S_TEXT;
  sh[S_RELA_DATA].sh_info = S_DATA;
  sh[S_RELA_TEXT].sh_entsize = sh[S_RELA_DATA].sh_entsize = sizeof(Elf64_Rela);
  sh[S_SYMTAB].sh_link = S_STRTAB;
  sh[S_SYMTAB].sh_info = 3;
  sh[S_SYMTAB].sh_entsize = sizeof(Elf64_Sym);
  at = (at + 7) & ~(size_t)7;
  memcpy(buf + at, sh, sizeof sh);
  Elf64_Ehdr eh = {.e_type = ET_REL, .e_machine = EM_X86_64, .e_version = EV_CURRENT, .e_shoff = at,
                   .e_ehsize = sizeof eh, .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = NSEC,
                   .e_shstrndx = S_SHSTRTAB};
  memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  memcpy(buf, &eh, sizeof eh);
  return at + sizeof sh;
}

#endif
