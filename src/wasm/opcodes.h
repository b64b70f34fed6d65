/* opcodes.h: names and properties of instructions, expanded from opcodes.def. */
#ifndef WR_OPCODES_H
#define WR_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

enum wr_imm_kind {
  WR_IMM_NONE, WR_IMM_BLOCK, WR_IMM_LABEL, WR_IMM_BR_TABLE, WR_IMM_FUNC, WR_IMM_CALL_INDIRECT,
  WR_IMM_LOCAL, WR_IMM_GLOBAL, WR_IMM_TABLE, WR_IMM_MEMARG, WR_IMM_MEMIDX, WR_IMM_I32,
  WR_IMM_I64, WR_IMM_F32, WR_IMM_F64, WR_IMM_SELECT_T, WR_IMM_REFTYPE, WR_IMM_TABLE_INIT,
  WR_IMM_TABLE_COPY, WR_IMM_MEMORY_INIT, WR_IMM_MEMORY_COPY, WR_IMM_DATA, WR_IMM_ELEM,
  WR_IMM_V128, WR_IMM_LANE, WR_IMM_MEMARG_LANE, WR_IMM_SHUFFLE,
};

/* One-byte opcodes: WR_OP_I32_ADD == 0x6A. */
enum wr_opcode {
#define OP(name, text, prefix, code, ...) WR_OPX_##name = ((prefix) << 16) | (code),
#include "opcodes.def"
#undef OP
};

/* The byte value of one-byte opcodes and the sub-opcode of prefixed ones. */
#define OP(name, text, prefix, code, ...) enum { WR_OP_##name = (code) };
#include "opcodes.def"
#undef OP

enum { WR_PREFIX_FC = 0xFC, WR_PREFIX_SIMD = 0xFD };

typedef struct wr_opinfo {
  const char *text;
  uint8_t imm;   /* wr_imm_kind */
  uint8_t align; /* log2 natural alignment of memory accesses */
  uint8_t lanes; /* lane count of lane instructions */
} wr_opinfo;

/* Information on an instruction, or NULL when (prefix, code) is not one. prefix is
 * 0 for one-byte opcodes. */
const wr_opinfo *wr_opcode_info(uint8_t prefix, uint32_t code);

/* Steps *ip over the immediates of kind imm (wr_opinfo.imm) of an instruction in
 * validated code (no bounds checks). */
void wr_skip_imm(const uint8_t **ip, uint8_t imm);

/* For a translator in unreachable code of a validated function, *ip just after the
 * opcode (prefix, code) of an instruction: follows the nesting of the blocks opened
 * inside the dead code (*depth) and steps over immediates. Returns false for the
 * else or end that ends the dead code (at depth 0), which the caller handles; true
 * for any other instruction, consumed. */
bool wr_skip_dead(const uint8_t **ip, uint8_t prefix, uint32_t code, uint32_t *depth);

#endif
