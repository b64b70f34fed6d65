/* opcodes.c: per-instruction properties, generated from opcodes.def, and the
 * stepping over an instruction's immediates that every translator needs. */
#include "opcodes.h"

#include <stddef.h>

#include "leb.h"

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

void wr_skip_imm(const uint8_t **ip, uint8_t imm) {
  switch (imm) {
    case WR_IMM_NONE: break;
    case WR_IMM_BLOCK:
      if (**ip == 0x40 || (**ip >= 0x6F && **ip <= 0x7F)) (*ip)++;
      else wr_sleb64_unchecked(ip);
      break;
    case WR_IMM_BR_TABLE: {
      uint32_t n = wr_uleb32_unchecked(ip);
      for (uint32_t i = 0; i <= n; i++) wr_uleb32_unchecked(ip);
      break;
    }
    case WR_IMM_SELECT_T: {
      uint32_t n = wr_uleb32_unchecked(ip);
      *ip += n;
      break;
    }
    case WR_IMM_MEMIDX: case WR_IMM_REFTYPE: case WR_IMM_LANE: (*ip)++; break;
    case WR_IMM_V128: case WR_IMM_SHUFFLE: *ip += 16; break;
    case WR_IMM_MEMARG_LANE:
      wr_uleb32_unchecked(ip);
      wr_uleb32_unchecked(ip);
      (*ip)++;
      break;
    case WR_IMM_I32: case WR_IMM_I64: wr_sleb64_unchecked(ip); break;
    case WR_IMM_F32: *ip += 4; break;
    case WR_IMM_F64: *ip += 8; break;
    case WR_IMM_MEMORY_INIT: wr_uleb32_unchecked(ip); (*ip)++; break;
    case WR_IMM_MEMORY_COPY: *ip += 2; break;
    case WR_IMM_CALL_INDIRECT: case WR_IMM_MEMARG: case WR_IMM_TABLE_INIT: case WR_IMM_TABLE_COPY:
      wr_uleb32_unchecked(ip);
      wr_uleb32_unchecked(ip);
      break;
    default: wr_uleb32_unchecked(ip); break; /* one index */
  }
}

bool wr_skip_dead(const uint8_t **ip, uint8_t prefix, uint32_t code, uint32_t *depth) {
  if (prefix == 0 && (code == 0x02 || code == 0x03 || code == 0x04)) { /* block, loop, if */
    (*depth)++;
    wr_skip_imm(ip, WR_IMM_BLOCK);
    return true;
  }
  if (prefix == 0 && (code == 0x05 || code == 0x0B)) { /* else, end */
    if (*depth == 0) return false;
    if (code == 0x0B) (*depth)--;
    return true;
  }
  const wr_opinfo *info = wr_opcode_info(prefix, code);
  wr_skip_imm(ip, info ? info->imm : WR_IMM_NONE);
  return true;
}
