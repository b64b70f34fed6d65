/* opcodes.c: per-instruction properties, generated from opcodes.def. */
#include "opcodes.h"

#include <stddef.h>

/* One table for the three opcode spaces: plain bytes at 0..255, 0xFC sub-opcodes at
 * 256.., 0xFD sub-opcodes at 512.. (all sub-opcodes in Wasm 2.0 are below 256). */
#define SLOT(prefix, code) ((prefix) == 0 ? (code) : (prefix) == 0xFC ? 256 + (code) : 512 + (code))

static const wr_opinfo op_table[768] = {
#define OP(name, text, prefix, code, imm, align, lanes, ...) \
  [SLOT(prefix, code)] = {text, WR_IMM_##imm, align, lanes},
#include "opcodes.def"
#undef OP
};

const wr_opinfo *wr_opcode_info(uint8_t prefix, uint32_t code) {
  if (code > 255) return NULL;
  if (prefix != 0 && prefix != 0xFC && prefix != 0xFD) return NULL;
  const wr_opinfo *info = &op_table[SLOT(prefix, code)];
  return info->text ? info : NULL;
}
