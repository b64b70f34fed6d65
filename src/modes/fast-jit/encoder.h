/* encoder.h: the x86-64 instruction encoder of the fast-jit mode: exactly the
 * instruction forms its compiler emits, described once in a table (XFORMS) of
 * prefix, REX.W, opcode bytes, ModRM digit, operand shape and immediate size, and
 * encoded by one routine. The table's text column is the instruction as LLVM's
 * disassembler prints it in Intel syntax, which the encoder's test compares
 * against (tests/fast-jit/encoder-test.c). */
#ifndef WR_FASTJIT_ENCODER_H
#define WR_FASTJIT_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers: the hardware numbers (GP and XMM share 0..15). */
enum {
  RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Operand shapes. R: a register in ModRM.reg; M: ModRM.rm (register or memory);
 * D: ModRM.reg holds the form's digit; O: register in the opcode's low bits;
 * I: an immediate; L: a rel32 branch displacement. Letters after the first say the
 * operand classes the test prints: g8/16/32/64 GP register of that width, x XMM. */
enum {
  XS_NONE,  /* ret, cdq */
  XS_RM,    /* reg <- r/m (or r/m, reg for stores: the text says which comes first) */
  XS_MR,    /* r/m first in the text, reg second (stores, ALU r/m, r) */
  XS_DM,    /* /digit r/m */
  XS_DMI,   /* /digit r/m, imm */
  XS_RMI,   /* reg, r/m, imm */
  XS_OI,    /* opcode+reg, imm */
  XS_O,     /* opcode+reg */
  XS_L,     /* rel32 */
  XS_MCL,   /* /digit r/m, cl */
  XS_RIP,   /* reg, [rip + disp32] (the displacement is the immediate) */
};

/* X(id, text, prefix, rex_w, nopc, op0, op1, op2, digit, shape, imm bytes, reg class, r/m class)
 * text: the mnemonic. prefix: 0 or 0x66/0xF2/0xF3. nopc opcode bytes op0..op2.
 * Classes: 8/16/32/64 GP width, 'x' XMM, 0 none; for r/m the width is also the memory
 * operand's size. */
#define XFORMS(X)                                                                       \
  X(MOV_R32_RM, "mov", 0, 0, 1, 0x8B, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(MOV_R64_RM, "mov", 0, 1, 1, 0x8B, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(MOV_RM32_R, "mov", 0, 0, 1, 0x89, 0, 0, 0, XS_MR, 0, 32, 32)                        \
  X(MOV_RM64_R, "mov", 0, 1, 1, 0x89, 0, 0, 0, XS_MR, 0, 64, 64)                        \
  X(MOV_RM8_R, "mov", 0, 0, 1, 0x88, 0, 0, 0, XS_MR, 0, 8, 8)                           \
  X(MOV_RM16_R, "mov", 0x66, 0, 1, 0x89, 0, 0, 0, XS_MR, 0, 16, 16)                     \
  X(MOV_R32_I, "mov", 0, 0, 1, 0xB8, 0, 0, 0, XS_OI, 4, 32, 0)                          \
  X(MOV_R64_I64, "movabs", 0, 1, 1, 0xB8, 0, 0, 0, XS_OI, 8, 64, 0)                     \
  X(MOV_RM64_I32, "mov", 0, 1, 1, 0xC7, 0, 0, 0, XS_DMI, 4, 0, 64)                      \
  X(MOV_RM32_I32, "mov", 0, 0, 1, 0xC7, 0, 0, 0, XS_DMI, 4, 0, 32)                      \
  X(MOVZX_R32_RM8, "movzx", 0, 0, 2, 0x0F, 0xB6, 0, 0, XS_RM, 0, 32, 8)                 \
  X(MOVZX_R32_RM16, "movzx", 0, 0, 2, 0x0F, 0xB7, 0, 0, XS_RM, 0, 32, 16)               \
  X(MOVSX_R32_RM8, "movsx", 0, 0, 2, 0x0F, 0xBE, 0, 0, XS_RM, 0, 32, 8)                 \
  X(MOVSX_R32_RM16, "movsx", 0, 0, 2, 0x0F, 0xBF, 0, 0, XS_RM, 0, 32, 16)               \
  X(MOVSX_R64_RM8, "movsx", 0, 1, 2, 0x0F, 0xBE, 0, 0, XS_RM, 0, 64, 8)                 \
  X(MOVSX_R64_RM16, "movsx", 0, 1, 2, 0x0F, 0xBF, 0, 0, XS_RM, 0, 64, 16)               \
  X(MOVSXD_R64_RM32, "movsxd", 0, 1, 1, 0x63, 0, 0, 0, XS_RM, 0, 64, 32)                \
  X(LEA_R64_M, "lea", 0, 1, 1, 0x8D, 0, 0, 0, XS_RM, 0, 64, 'm')                        \
  X(LEA_R64_RIP, "lea", 0, 1, 1, 0x8D, 0, 0, 0, XS_RIP, 4, 64, 0)                       \
  X(ADD_R32_RM, "add", 0, 0, 1, 0x03, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(ADD_R64_RM, "add", 0, 1, 1, 0x03, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(OR_R32_RM, "or", 0, 0, 1, 0x0B, 0, 0, 0, XS_RM, 0, 32, 32)                          \
  X(OR_R64_RM, "or", 0, 1, 1, 0x0B, 0, 0, 0, XS_RM, 0, 64, 64)                          \
  X(AND_R32_RM, "and", 0, 0, 1, 0x23, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(AND_R64_RM, "and", 0, 1, 1, 0x23, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(SUB_R32_RM, "sub", 0, 0, 1, 0x2B, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(SUB_R64_RM, "sub", 0, 1, 1, 0x2B, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(XOR_R32_RM, "xor", 0, 0, 1, 0x33, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(XOR_R64_RM, "xor", 0, 1, 1, 0x33, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(CMP_R32_RM, "cmp", 0, 0, 1, 0x3B, 0, 0, 0, XS_RM, 0, 32, 32)                        \
  X(CMP_R64_RM, "cmp", 0, 1, 1, 0x3B, 0, 0, 0, XS_RM, 0, 64, 64)                        \
  X(TEST_RM32_R, "test", 0, 0, 1, 0x85, 0, 0, 0, XS_MR, 0, 32, 32)                      \
  X(TEST_RM64_R, "test", 0, 1, 1, 0x85, 0, 0, 0, XS_MR, 0, 64, 64)                      \
  X(ADD_RM32_I8, "add", 0, 0, 1, 0x83, 0, 0, 0, XS_DMI, 1, 0, 32)                       \
  X(ADD_RM64_I8, "add", 0, 1, 1, 0x83, 0, 0, 0, XS_DMI, 1, 0, 64)                       \
  X(ADD_RM32_I32, "add", 0, 0, 1, 0x81, 0, 0, 0, XS_DMI, 4, 0, 32)                      \
  X(ADD_RM64_I32, "add", 0, 1, 1, 0x81, 0, 0, 0, XS_DMI, 4, 0, 64)                      \
  X(OR_RM32_I8, "or", 0, 0, 1, 0x83, 0, 0, 1, XS_DMI, 1, 0, 32)                         \
  X(OR_RM64_I8, "or", 0, 1, 1, 0x83, 0, 0, 1, XS_DMI, 1, 0, 64)                         \
  X(OR_RM32_I32, "or", 0, 0, 1, 0x81, 0, 0, 1, XS_DMI, 4, 0, 32)                        \
  X(OR_RM64_I32, "or", 0, 1, 1, 0x81, 0, 0, 1, XS_DMI, 4, 0, 64)                        \
  X(AND_RM32_I8, "and", 0, 0, 1, 0x83, 0, 0, 4, XS_DMI, 1, 0, 32)                       \
  X(AND_RM64_I8, "and", 0, 1, 1, 0x83, 0, 0, 4, XS_DMI, 1, 0, 64)                       \
  X(AND_RM32_I32, "and", 0, 0, 1, 0x81, 0, 0, 4, XS_DMI, 4, 0, 32)                      \
  X(AND_RM64_I32, "and", 0, 1, 1, 0x81, 0, 0, 4, XS_DMI, 4, 0, 64)                      \
  X(SUB_RM32_I8, "sub", 0, 0, 1, 0x83, 0, 0, 5, XS_DMI, 1, 0, 32)                       \
  X(SUB_RM64_I8, "sub", 0, 1, 1, 0x83, 0, 0, 5, XS_DMI, 1, 0, 64)                       \
  X(SUB_RM32_I32, "sub", 0, 0, 1, 0x81, 0, 0, 5, XS_DMI, 4, 0, 32)                      \
  X(SUB_RM64_I32, "sub", 0, 1, 1, 0x81, 0, 0, 5, XS_DMI, 4, 0, 64)                      \
  X(XOR_RM32_I8, "xor", 0, 0, 1, 0x83, 0, 0, 6, XS_DMI, 1, 0, 32)                       \
  X(XOR_RM64_I8, "xor", 0, 1, 1, 0x83, 0, 0, 6, XS_DMI, 1, 0, 64)                       \
  X(XOR_RM32_I32, "xor", 0, 0, 1, 0x81, 0, 0, 6, XS_DMI, 4, 0, 32)                      \
  X(XOR_RM64_I32, "xor", 0, 1, 1, 0x81, 0, 0, 6, XS_DMI, 4, 0, 64)                      \
  X(CMP_RM32_I8, "cmp", 0, 0, 1, 0x83, 0, 0, 7, XS_DMI, 1, 0, 32)                       \
  X(CMP_RM64_I8, "cmp", 0, 1, 1, 0x83, 0, 0, 7, XS_DMI, 1, 0, 64)                       \
  X(CMP_RM32_I32, "cmp", 0, 0, 1, 0x81, 0, 0, 7, XS_DMI, 4, 0, 32)                      \
  X(CMP_RM64_I32, "cmp", 0, 1, 1, 0x81, 0, 0, 7, XS_DMI, 4, 0, 64)                      \
  X(IMUL_R32_RM, "imul", 0, 0, 2, 0x0F, 0xAF, 0, 0, XS_RM, 0, 32, 32)                   \
  X(IMUL_R64_RM, "imul", 0, 1, 2, 0x0F, 0xAF, 0, 0, XS_RM, 0, 64, 64)                   \
  X(IMUL_R32_RM_I32, "imul", 0, 0, 1, 0x69, 0, 0, 0, XS_RMI, 4, 32, 32)                 \
  X(IMUL_R64_RM_I32, "imul", 0, 1, 1, 0x69, 0, 0, 0, XS_RMI, 4, 64, 64)                 \
  X(NEG_RM32, "neg", 0, 0, 1, 0xF7, 0, 0, 3, XS_DM, 0, 0, 32)                           \
  X(NEG_RM64, "neg", 0, 1, 1, 0xF7, 0, 0, 3, XS_DM, 0, 0, 64)                           \
  X(DIV_RM32, "div", 0, 0, 1, 0xF7, 0, 0, 6, XS_DM, 0, 0, 32)                           \
  X(DIV_RM64, "div", 0, 1, 1, 0xF7, 0, 0, 6, XS_DM, 0, 0, 64)                           \
  X(IDIV_RM32, "idiv", 0, 0, 1, 0xF7, 0, 0, 7, XS_DM, 0, 0, 32)                         \
  X(IDIV_RM64, "idiv", 0, 1, 1, 0xF7, 0, 0, 7, XS_DM, 0, 0, 64)                         \
  X(CDQ, "cdq", 0, 0, 1, 0x99, 0, 0, 0, XS_NONE, 0, 0, 0)                               \
  X(CQO, "cqo", 0, 1, 1, 0x99, 0, 0, 0, XS_NONE, 0, 0, 0)                               \
  X(ROL_RM32_CL, "rol", 0, 0, 1, 0xD3, 0, 0, 0, XS_MCL, 0, 0, 32)                       \
  X(ROL_RM64_CL, "rol", 0, 1, 1, 0xD3, 0, 0, 0, XS_MCL, 0, 0, 64)                       \
  X(ROR_RM32_CL, "ror", 0, 0, 1, 0xD3, 0, 0, 1, XS_MCL, 0, 0, 32)                       \
  X(ROR_RM64_CL, "ror", 0, 1, 1, 0xD3, 0, 0, 1, XS_MCL, 0, 0, 64)                       \
  X(SHL_RM32_CL, "shl", 0, 0, 1, 0xD3, 0, 0, 4, XS_MCL, 0, 0, 32)                       \
  X(SHL_RM64_CL, "shl", 0, 1, 1, 0xD3, 0, 0, 4, XS_MCL, 0, 0, 64)                       \
  X(SHR_RM32_CL, "shr", 0, 0, 1, 0xD3, 0, 0, 5, XS_MCL, 0, 0, 32)                       \
  X(SHR_RM64_CL, "shr", 0, 1, 1, 0xD3, 0, 0, 5, XS_MCL, 0, 0, 64)                       \
  X(SAR_RM32_CL, "sar", 0, 0, 1, 0xD3, 0, 0, 7, XS_MCL, 0, 0, 32)                       \
  X(SAR_RM64_CL, "sar", 0, 1, 1, 0xD3, 0, 0, 7, XS_MCL, 0, 0, 64)                       \
  X(ROL_RM32_I8, "rol", 0, 0, 1, 0xC1, 0, 0, 0, XS_DMI, 1, 0, 32)                       \
  X(ROL_RM64_I8, "rol", 0, 1, 1, 0xC1, 0, 0, 0, XS_DMI, 1, 0, 64)                       \
  X(ROR_RM32_I8, "ror", 0, 0, 1, 0xC1, 0, 0, 1, XS_DMI, 1, 0, 32)                       \
  X(ROR_RM64_I8, "ror", 0, 1, 1, 0xC1, 0, 0, 1, XS_DMI, 1, 0, 64)                       \
  X(SHL_RM32_I8, "shl", 0, 0, 1, 0xC1, 0, 0, 4, XS_DMI, 1, 0, 32)                       \
  X(SHL_RM64_I8, "shl", 0, 1, 1, 0xC1, 0, 0, 4, XS_DMI, 1, 0, 64)                       \
  X(SHR_RM32_I8, "shr", 0, 0, 1, 0xC1, 0, 0, 5, XS_DMI, 1, 0, 32)                       \
  X(SHR_RM64_I8, "shr", 0, 1, 1, 0xC1, 0, 0, 5, XS_DMI, 1, 0, 64)                       \
  X(SAR_RM32_I8, "sar", 0, 0, 1, 0xC1, 0, 0, 7, XS_DMI, 1, 0, 32)                       \
  X(SAR_RM64_I8, "sar", 0, 1, 1, 0xC1, 0, 0, 7, XS_DMI, 1, 0, 64)                       \
  X(BTC_RM64_I8, "btc", 0, 1, 2, 0x0F, 0xBA, 0, 7, XS_DMI, 1, 0, 64)                    \
  X(BTR_RM64_I8, "btr", 0, 1, 2, 0x0F, 0xBA, 0, 6, XS_DMI, 1, 0, 64)                    \
  X(LZCNT_R32_RM, "lzcnt", 0xF3, 0, 2, 0x0F, 0xBD, 0, 0, XS_RM, 0, 32, 32)              \
  X(LZCNT_R64_RM, "lzcnt", 0xF3, 1, 2, 0x0F, 0xBD, 0, 0, XS_RM, 0, 64, 64)              \
  X(TZCNT_R32_RM, "tzcnt", 0xF3, 0, 2, 0x0F, 0xBC, 0, 0, XS_RM, 0, 32, 32)              \
  X(TZCNT_R64_RM, "tzcnt", 0xF3, 1, 2, 0x0F, 0xBC, 0, 0, XS_RM, 0, 64, 64)              \
  X(POPCNT_R32_RM, "popcnt", 0xF3, 0, 2, 0x0F, 0xB8, 0, 0, XS_RM, 0, 32, 32)            \
  X(POPCNT_R64_RM, "popcnt", 0xF3, 1, 2, 0x0F, 0xB8, 0, 0, XS_RM, 0, 64, 64)            \
  X(SETCC_RM8, "set", 0, 0, 2, 0x0F, 0x90, 0, 0, XS_DM, 0, 0, 8)                        \
  X(CMOVCC_R32_RM, "cmov", 0, 0, 2, 0x0F, 0x40, 0, 0, XS_RM, 0, 32, 32)                 \
  X(CMOVCC_R64_RM, "cmov", 0, 1, 2, 0x0F, 0x40, 0, 0, XS_RM, 0, 64, 64)                 \
  X(JCC_REL32, "j", 0, 0, 2, 0x0F, 0x80, 0, 0, XS_L, 4, 0, 0)                           \
  X(JMP_REL32, "jmp", 0, 0, 1, 0xE9, 0, 0, 0, XS_L, 4, 0, 0)                            \
  X(CALL_REL32, "call", 0, 0, 1, 0xE8, 0, 0, 0, XS_L, 4, 0, 0)                          \
  X(CALL_RM64, "call", 0, 0, 1, 0xFF, 0, 0, 2, XS_DM, 0, 0, 64)                         \
  X(JMP_RM64, "jmp", 0, 0, 1, 0xFF, 0, 0, 4, XS_DM, 0, 0, 64)                           \
  X(PUSH_R64, "push", 0, 0, 1, 0x50, 0, 0, 0, XS_O, 0, 64, 0)                           \
  X(POP_R64, "pop", 0, 0, 1, 0x58, 0, 0, 0, XS_O, 0, 64, 0)                             \
  X(RET, "ret", 0, 0, 1, 0xC3, 0, 0, 0, XS_NONE, 0, 0, 0)                               \
  X(REP_STOSQ, "rep stosq qword ptr es:[rdi], rax", 0xF3, 1, 1, 0xAB, 0, 0, 0, XS_NONE, 0, 0, 0)                \
  X(MOVSS_X_RM, "movss", 0xF3, 0, 2, 0x0F, 0x10, 0, 0, XS_RM, 0, 'x', 32)               \
  X(MOVSD_X_RM, "movsd", 0xF2, 0, 2, 0x0F, 0x10, 0, 0, XS_RM, 0, 'x', 64)               \
  X(MOVSS_M_X, "movss", 0xF3, 0, 2, 0x0F, 0x11, 0, 0, XS_MR, 0, 'x', 32)                \
  X(MOVQ_M_X, "movq", 0x66, 0, 2, 0x0F, 0xD6, 0, 0, XS_MR, 0, 'x', 64)                  \
  X(MOVAPS_X_X, "movaps", 0, 0, 2, 0x0F, 0x28, 0, 0, XS_RM, 0, 'x', 128)                \
  X(MOVD_X_RM32, "movd", 0x66, 0, 2, 0x0F, 0x6E, 0, 0, XS_RM, 0, 'x', 32)               \
  X(MOVQ_X_RM64, "movq", 0x66, 1, 2, 0x0F, 0x6E, 0, 0, XS_RM, 0, 'x', 64)               \
  X(MOVD_RM32_X, "movd", 0x66, 0, 2, 0x0F, 0x7E, 0, 0, XS_MR, 0, 'x', 32)               \
  X(MOVQ_RM64_X, "movq", 0x66, 1, 2, 0x0F, 0x7E, 0, 0, XS_MR, 0, 'x', 64)               \
  X(ADDSS, "addss", 0xF3, 0, 2, 0x0F, 0x58, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(ADDSD, "addsd", 0xF2, 0, 2, 0x0F, 0x58, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(MULSS, "mulss", 0xF3, 0, 2, 0x0F, 0x59, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(MULSD, "mulsd", 0xF2, 0, 2, 0x0F, 0x59, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(SUBSS, "subss", 0xF3, 0, 2, 0x0F, 0x5C, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(SUBSD, "subsd", 0xF2, 0, 2, 0x0F, 0x5C, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(DIVSS, "divss", 0xF3, 0, 2, 0x0F, 0x5E, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(DIVSD, "divsd", 0xF2, 0, 2, 0x0F, 0x5E, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(MINSS, "minss", 0xF3, 0, 2, 0x0F, 0x5D, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(MINSD, "minsd", 0xF2, 0, 2, 0x0F, 0x5D, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(MAXSS, "maxss", 0xF3, 0, 2, 0x0F, 0x5F, 0, 0, XS_RM, 0, 'x', 'f')                   \
  X(MAXSD, "maxsd", 0xF2, 0, 2, 0x0F, 0x5F, 0, 0, XS_RM, 0, 'x', 'd')                   \
  X(SQRTSS, "sqrtss", 0xF3, 0, 2, 0x0F, 0x51, 0, 0, XS_RM, 0, 'x', 'f')                 \
  X(SQRTSD, "sqrtsd", 0xF2, 0, 2, 0x0F, 0x51, 0, 0, XS_RM, 0, 'x', 'd')                 \
  X(UCOMISS, "ucomiss", 0, 0, 2, 0x0F, 0x2E, 0, 0, XS_RM, 0, 'x', 'f')                  \
  X(UCOMISD, "ucomisd", 0x66, 0, 2, 0x0F, 0x2E, 0, 0, XS_RM, 0, 'x', 'd')               \
  X(ANDPS, "andps", 0, 0, 2, 0x0F, 0x54, 0, 0, XS_RM, 0, 'x', 128)                      \
  X(ORPS, "orps", 0, 0, 2, 0x0F, 0x56, 0, 0, XS_RM, 0, 'x', 128)                        \
  X(XORPS, "xorps", 0, 0, 2, 0x0F, 0x57, 0, 0, XS_RM, 0, 'x', 128)                      \
  X(CVTSS2SD, "cvtss2sd", 0xF3, 0, 2, 0x0F, 0x5A, 0, 0, XS_RM, 0, 'x', 'f')             \
  X(CVTSD2SS, "cvtsd2ss", 0xF2, 0, 2, 0x0F, 0x5A, 0, 0, XS_RM, 0, 'x', 'd')             \
  X(CVTSI2SS_R32, "cvtsi2ss", 0xF3, 0, 2, 0x0F, 0x2A, 0, 0, XS_RM, 0, 'x', 32)          \
  X(CVTSI2SS_R64, "cvtsi2ss", 0xF3, 1, 2, 0x0F, 0x2A, 0, 0, XS_RM, 0, 'x', 64)          \
  X(CVTSI2SD_R32, "cvtsi2sd", 0xF2, 0, 2, 0x0F, 0x2A, 0, 0, XS_RM, 0, 'x', 32)          \
  X(CVTSI2SD_R64, "cvtsi2sd", 0xF2, 1, 2, 0x0F, 0x2A, 0, 0, XS_RM, 0, 'x', 64)          \
  X(ROUNDSS, "roundss", 0x66, 0, 3, 0x0F, 0x3A, 0x0A, 0, XS_RMI, 1, 'x', 'f')           \
  X(ROUNDSD, "roundsd", 0x66, 0, 3, 0x0F, 0x3A, 0x0B, 0, XS_RMI, 1, 'x', 'd')

enum {
#define X(id, ...) XF_##id,
  XFORMS(X)
#undef X
  XF_COUNT
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum {
  CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
  CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

typedef struct xform {
  const char *text;
  uint8_t prefix, rex_w, nopc, op[3], digit, shape, imm;
  uint8_t rclass, mclass;
  bool cc; /* the condition code is added to the last opcode byte */
} xform;
extern const xform wr_xforms[XF_COUNT];

/* A register or memory operand: [base + index + disp] (index -1: none; scale 1). */
typedef struct xrm {
  bool mem;
  int8_t reg;          /* !mem */
  int8_t base, index;  /* mem */
  int32_t disp;
} xrm;
static inline xrm xr(int reg) { return (xrm){false, (int8_t)reg, -1, -1, 0}; }
static inline xrm xm(int base, int32_t disp) { return (xrm){true, -1, (int8_t)base, -1, disp}; }
static inline xrm xmi(int base, int index, int32_t disp) {
  return (xrm){true, -1, (int8_t)base, (int8_t)index, disp};
}

/* The growable code buffer: reserve before writing, oom once allocation failed
 * (then writing continues into the start of the old buffer and is discarded). */
typedef struct xbuf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
  bool mapped; /* p is an anonymous mapping (grown with mremap), else malloc'd */
} xbuf;
bool wr_xbuf_grow(xbuf *b, size_t n);
static inline bool wr_xbuf_reserve(xbuf *b, size_t n) { return b->len + n <= b->cap || wr_xbuf_grow(b, n); }

/* Emits form f. reg: the ModRM.reg / opcode register operand (ignored for digit
 * and operand-less forms); rm: the ModRM.rm operand; imm: the immediate or rel32;
 * cc: the condition of the CC forms. Returns the offset just after the instruction
 * (for rel32: the end the displacement is relative to). */
size_t wr_xemit(xbuf *b, int f, int reg, xrm rm, int64_t imm, int cc);

/* Convenience forms. */
static inline void x_rr(xbuf *b, int f, int reg, int rm) { wr_xemit(b, f, reg, xr(rm), 0, 0); }
static inline void x_rm(xbuf *b, int f, int reg, xrm rm) { wr_xemit(b, f, reg, rm, 0, 0); }
static inline void x_mi(xbuf *b, int f, xrm rm, int64_t imm) { wr_xemit(b, f, 0, rm, imm, 0); }
static inline void x_ri(xbuf *b, int f, int reg, int64_t imm) { wr_xemit(b, f, reg, xr(0), imm, 0); }
static inline void x_op(xbuf *b, int f) { wr_xemit(b, f, 0, xr(0), 0, 0); }

#endif
