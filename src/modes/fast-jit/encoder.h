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
  XS_MRI,   /* r/m, reg, imm (pextr*: encoded as XS_RMI, printed the other way round) */
};

/* X(id, text, prefix, rex_w, nopc, op0, op1, op2, digit, shape, imm bytes, reg class, r/m class)
 * text: the mnemonic. prefix: 0 or 0x66/0xF2/0xF3. nopc opcode bytes op0..op2.
 * Classes: 8/16/32/64 GP width, 'x' XMM, 0 none; for r/m the width is also the memory
 * operand's size. r/m classes of the SSE forms: 128 XMM or xmmword memory; 'f'/'d' XMM
 * or dword/qword memory; 'b'/'w' a 32-bit GP register or byte/word memory (pinsrb,
 * pextrw...). */
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
  X(ROUNDSD, "roundsd", 0x66, 0, 3, 0x0F, 0x3A, 0x0B, 0, XS_RMI, 1, 'x', 'd') \
  X(MOVDQU_X_RM, "movdqu", 0xF3, 0, 2, 0x0F, 0x6F, 0, 0, XS_RM, 0, 'x', 128) \
  X(MOVDQU_M_X, "movdqu", 0xF3, 0, 2, 0x0F, 0x7F, 0, 0, XS_MR, 0, 'x', 128) \
  X(MOVHLPS, "movhlps", 0, 0, 2, 0x0F, 0x12, 0, 0, XS_RM, 0, 'x', 128) \
  X(MOVLHPS, "movlhps", 0, 0, 2, 0x0F, 0x16, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDB, "paddb", 0x66, 0, 2, 0x0F, 0xFC, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDW, "paddw", 0x66, 0, 2, 0x0F, 0xFD, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDD, "paddd", 0x66, 0, 2, 0x0F, 0xFE, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDQ, "paddq", 0x66, 0, 2, 0x0F, 0xD4, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBB, "psubb", 0x66, 0, 2, 0x0F, 0xF8, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBW, "psubw", 0x66, 0, 2, 0x0F, 0xF9, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBD, "psubd", 0x66, 0, 2, 0x0F, 0xFA, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBQ, "psubq", 0x66, 0, 2, 0x0F, 0xFB, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMULLW, "pmullw", 0x66, 0, 2, 0x0F, 0xD5, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMULHW, "pmulhw", 0x66, 0, 2, 0x0F, 0xE5, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMULHUW, "pmulhuw", 0x66, 0, 2, 0x0F, 0xE4, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMULUDQ, "pmuludq", 0x66, 0, 2, 0x0F, 0xF4, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMADDWD, "pmaddwd", 0x66, 0, 2, 0x0F, 0xF5, 0, 0, XS_RM, 0, 'x', 128) \
  X(PAND, "pand", 0x66, 0, 2, 0x0F, 0xDB, 0, 0, XS_RM, 0, 'x', 128) \
  X(PANDN, "pandn", 0x66, 0, 2, 0x0F, 0xDF, 0, 0, XS_RM, 0, 'x', 128) \
  X(POR, "por", 0x66, 0, 2, 0x0F, 0xEB, 0, 0, XS_RM, 0, 'x', 128) \
  X(PXOR, "pxor", 0x66, 0, 2, 0x0F, 0xEF, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDSB, "paddsb", 0x66, 0, 2, 0x0F, 0xEC, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDSW, "paddsw", 0x66, 0, 2, 0x0F, 0xED, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDUSB, "paddusb", 0x66, 0, 2, 0x0F, 0xDC, 0, 0, XS_RM, 0, 'x', 128) \
  X(PADDUSW, "paddusw", 0x66, 0, 2, 0x0F, 0xDD, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBSB, "psubsb", 0x66, 0, 2, 0x0F, 0xE8, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBSW, "psubsw", 0x66, 0, 2, 0x0F, 0xE9, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBUSB, "psubusb", 0x66, 0, 2, 0x0F, 0xD8, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSUBUSW, "psubusw", 0x66, 0, 2, 0x0F, 0xD9, 0, 0, XS_RM, 0, 'x', 128) \
  X(PAVGB, "pavgb", 0x66, 0, 2, 0x0F, 0xE0, 0, 0, XS_RM, 0, 'x', 128) \
  X(PAVGW, "pavgw", 0x66, 0, 2, 0x0F, 0xE3, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMINUB, "pminub", 0x66, 0, 2, 0x0F, 0xDA, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMAXUB, "pmaxub", 0x66, 0, 2, 0x0F, 0xDE, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMINSW, "pminsw", 0x66, 0, 2, 0x0F, 0xEA, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMAXSW, "pmaxsw", 0x66, 0, 2, 0x0F, 0xEE, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPEQB, "pcmpeqb", 0x66, 0, 2, 0x0F, 0x74, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPEQW, "pcmpeqw", 0x66, 0, 2, 0x0F, 0x75, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPEQD, "pcmpeqd", 0x66, 0, 2, 0x0F, 0x76, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPGTB, "pcmpgtb", 0x66, 0, 2, 0x0F, 0x64, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPGTW, "pcmpgtw", 0x66, 0, 2, 0x0F, 0x65, 0, 0, XS_RM, 0, 'x', 128) \
  X(PCMPGTD, "pcmpgtd", 0x66, 0, 2, 0x0F, 0x66, 0, 0, XS_RM, 0, 'x', 128) \
  X(PACKSSWB, "packsswb", 0x66, 0, 2, 0x0F, 0x63, 0, 0, XS_RM, 0, 'x', 128) \
  X(PACKUSWB, "packuswb", 0x66, 0, 2, 0x0F, 0x67, 0, 0, XS_RM, 0, 'x', 128) \
  X(PACKSSDW, "packssdw", 0x66, 0, 2, 0x0F, 0x6B, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKLBW, "punpcklbw", 0x66, 0, 2, 0x0F, 0x60, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKHBW, "punpckhbw", 0x66, 0, 2, 0x0F, 0x68, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKLWD, "punpcklwd", 0x66, 0, 2, 0x0F, 0x61, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKHWD, "punpckhwd", 0x66, 0, 2, 0x0F, 0x69, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKLDQ, "punpckldq", 0x66, 0, 2, 0x0F, 0x62, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKHDQ, "punpckhdq", 0x66, 0, 2, 0x0F, 0x6A, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKLQDQ, "punpcklqdq", 0x66, 0, 2, 0x0F, 0x6C, 0, 0, XS_RM, 0, 'x', 128) \
  X(PUNPCKHQDQ, "punpckhqdq", 0x66, 0, 2, 0x0F, 0x6D, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSLLW, "psllw", 0x66, 0, 2, 0x0F, 0xF1, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSLLD, "pslld", 0x66, 0, 2, 0x0F, 0xF2, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSLLQ, "psllq", 0x66, 0, 2, 0x0F, 0xF3, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSRLW, "psrlw", 0x66, 0, 2, 0x0F, 0xD1, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSRLD, "psrld", 0x66, 0, 2, 0x0F, 0xD2, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSRLQ, "psrlq", 0x66, 0, 2, 0x0F, 0xD3, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSRAW, "psraw", 0x66, 0, 2, 0x0F, 0xE1, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSRAD, "psrad", 0x66, 0, 2, 0x0F, 0xE2, 0, 0, XS_RM, 0, 'x', 128) \
  X(ADDPD, "addpd", 0x66, 0, 2, 0x0F, 0x58, 0, 0, XS_RM, 0, 'x', 128) \
  X(SUBPD, "subpd", 0x66, 0, 2, 0x0F, 0x5C, 0, 0, XS_RM, 0, 'x', 128) \
  X(MULPD, "mulpd", 0x66, 0, 2, 0x0F, 0x59, 0, 0, XS_RM, 0, 'x', 128) \
  X(DIVPD, "divpd", 0x66, 0, 2, 0x0F, 0x5E, 0, 0, XS_RM, 0, 'x', 128) \
  X(MINPD, "minpd", 0x66, 0, 2, 0x0F, 0x5D, 0, 0, XS_RM, 0, 'x', 128) \
  X(MAXPD, "maxpd", 0x66, 0, 2, 0x0F, 0x5F, 0, 0, XS_RM, 0, 'x', 128) \
  X(SQRTPD, "sqrtpd", 0x66, 0, 2, 0x0F, 0x51, 0, 0, XS_RM, 0, 'x', 128) \
  X(CVTPD2PS, "cvtpd2ps", 0x66, 0, 2, 0x0F, 0x5A, 0, 0, XS_RM, 0, 'x', 128) \
  X(CVTTPD2DQ, "cvttpd2dq", 0x66, 0, 2, 0x0F, 0xE6, 0, 0, XS_RM, 0, 'x', 128) \
  X(PSHUFB, "pshufb", 0x66, 0, 3, 0x0F, 0x38, 0, 0, XS_RM, 0, 'x', 128) \
  X(PMULHRSW, "pmulhrsw", 0x66, 0, 3, 0x0F, 0x38, 0x0B, 0, XS_RM, 0, 'x', 128) \
  X(PABSB, "pabsb", 0x66, 0, 3, 0x0F, 0x38, 0x1C, 0, XS_RM, 0, 'x', 128) \
  X(PABSW, "pabsw", 0x66, 0, 3, 0x0F, 0x38, 0x1D, 0, XS_RM, 0, 'x', 128) \
  X(PABSD, "pabsd", 0x66, 0, 3, 0x0F, 0x38, 0x1E, 0, XS_RM, 0, 'x', 128) \
  X(PTEST, "ptest", 0x66, 0, 3, 0x0F, 0x38, 0x17, 0, XS_RM, 0, 'x', 128) \
  X(PMULDQ, "pmuldq", 0x66, 0, 3, 0x0F, 0x38, 0x28, 0, XS_RM, 0, 'x', 128) \
  X(PCMPEQQ, "pcmpeqq", 0x66, 0, 3, 0x0F, 0x38, 0x29, 0, XS_RM, 0, 'x', 128) \
  X(PACKUSDW, "packusdw", 0x66, 0, 3, 0x0F, 0x38, 0x2B, 0, XS_RM, 0, 'x', 128) \
  X(PMINSB, "pminsb", 0x66, 0, 3, 0x0F, 0x38, 0x38, 0, XS_RM, 0, 'x', 128) \
  X(PMINSD, "pminsd", 0x66, 0, 3, 0x0F, 0x38, 0x39, 0, XS_RM, 0, 'x', 128) \
  X(PMINUW, "pminuw", 0x66, 0, 3, 0x0F, 0x38, 0x3A, 0, XS_RM, 0, 'x', 128) \
  X(PMINUD, "pminud", 0x66, 0, 3, 0x0F, 0x38, 0x3B, 0, XS_RM, 0, 'x', 128) \
  X(PMAXSB, "pmaxsb", 0x66, 0, 3, 0x0F, 0x38, 0x3C, 0, XS_RM, 0, 'x', 128) \
  X(PMAXSD, "pmaxsd", 0x66, 0, 3, 0x0F, 0x38, 0x3D, 0, XS_RM, 0, 'x', 128) \
  X(PMAXUW, "pmaxuw", 0x66, 0, 3, 0x0F, 0x38, 0x3E, 0, XS_RM, 0, 'x', 128) \
  X(PMAXUD, "pmaxud", 0x66, 0, 3, 0x0F, 0x38, 0x3F, 0, XS_RM, 0, 'x', 128) \
  X(PMULLD, "pmulld", 0x66, 0, 3, 0x0F, 0x38, 0x40, 0, XS_RM, 0, 'x', 128) \
  X(PMADDUBSW, "pmaddubsw", 0x66, 0, 3, 0x0F, 0x38, 0x04, 0, XS_RM, 0, 'x', 128) \
  X(PMOVSXBW, "pmovsxbw", 0x66, 0, 3, 0x0F, 0x38, 0x20, 0, XS_RM, 0, 'x', 'd') \
  X(PMOVSXWD, "pmovsxwd", 0x66, 0, 3, 0x0F, 0x38, 0x23, 0, XS_RM, 0, 'x', 'd') \
  X(PMOVSXDQ, "pmovsxdq", 0x66, 0, 3, 0x0F, 0x38, 0x25, 0, XS_RM, 0, 'x', 'd') \
  X(PMOVZXBW, "pmovzxbw", 0x66, 0, 3, 0x0F, 0x38, 0x30, 0, XS_RM, 0, 'x', 'd') \
  X(PMOVZXWD, "pmovzxwd", 0x66, 0, 3, 0x0F, 0x38, 0x33, 0, XS_RM, 0, 'x', 'd') \
  X(PMOVZXDQ, "pmovzxdq", 0x66, 0, 3, 0x0F, 0x38, 0x35, 0, XS_RM, 0, 'x', 'd') \
  X(ADDPS, "addps", 0, 0, 2, 0x0F, 0x58, 0, 0, XS_RM, 0, 'x', 128) \
  X(SUBPS, "subps", 0, 0, 2, 0x0F, 0x5C, 0, 0, XS_RM, 0, 'x', 128) \
  X(MULPS, "mulps", 0, 0, 2, 0x0F, 0x59, 0, 0, XS_RM, 0, 'x', 128) \
  X(DIVPS, "divps", 0, 0, 2, 0x0F, 0x5E, 0, 0, XS_RM, 0, 'x', 128) \
  X(MINPS, "minps", 0, 0, 2, 0x0F, 0x5D, 0, 0, XS_RM, 0, 'x', 128) \
  X(MAXPS, "maxps", 0, 0, 2, 0x0F, 0x5F, 0, 0, XS_RM, 0, 'x', 128) \
  X(SQRTPS, "sqrtps", 0, 0, 2, 0x0F, 0x51, 0, 0, XS_RM, 0, 'x', 128) \
  X(ANDNPS, "andnps", 0, 0, 2, 0x0F, 0x55, 0, 0, XS_RM, 0, 'x', 128) \
  X(CVTDQ2PS, "cvtdq2ps", 0, 0, 2, 0x0F, 0x5B, 0, 0, XS_RM, 0, 'x', 128) \
  X(CVTTPS2DQ, "cvttps2dq", 0xF3, 0, 2, 0x0F, 0x5B, 0, 0, XS_RM, 0, 'x', 128) \
  X(CVTPS2PD, "cvtps2pd", 0, 0, 2, 0x0F, 0x5A, 0, 0, XS_RM, 0, 'x', 'd') \
  X(CVTDQ2PD, "cvtdq2pd", 0xF3, 0, 2, 0x0F, 0xE6, 0, 0, XS_RM, 0, 'x', 'd') \
  X(CMPPS, "cmpps", 0, 0, 2, 0x0F, 0xC2, 0, 0, XS_RMI, 1, 'x', 128) \
  X(CMPPD, "cmppd", 0x66, 0, 2, 0x0F, 0xC2, 0, 0, XS_RMI, 1, 'x', 128) \
  X(SHUFPS, "shufps", 0, 0, 2, 0x0F, 0xC6, 0, 0, XS_RMI, 1, 'x', 128) \
  X(PSHUFD, "pshufd", 0x66, 0, 2, 0x0F, 0x70, 0, 0, XS_RMI, 1, 'x', 128) \
  X(PSHUFLW, "pshuflw", 0xF2, 0, 2, 0x0F, 0x70, 0, 0, XS_RMI, 1, 'x', 128) \
  X(PSHUFHW, "pshufhw", 0xF3, 0, 2, 0x0F, 0x70, 0, 0, XS_RMI, 1, 'x', 128) \
  X(ROUNDPS, "roundps", 0x66, 0, 3, 0x0F, 0x3A, 0x08, 0, XS_RMI, 1, 'x', 128) \
  X(ROUNDPD, "roundpd", 0x66, 0, 3, 0x0F, 0x3A, 0x09, 0, XS_RMI, 1, 'x', 128) \
  X(INSERTPS, "insertps", 0x66, 0, 3, 0x0F, 0x3A, 0x21, 0, XS_RMI, 1, 'x', 'f') \
  X(PINSRB, "pinsrb", 0x66, 0, 3, 0x0F, 0x3A, 0x20, 0, XS_RMI, 1, 'x', 'b') \
  X(PINSRW, "pinsrw", 0x66, 0, 2, 0x0F, 0xC4, 0, 0, XS_RMI, 1, 'x', 'w') \
  X(PINSRD, "pinsrd", 0x66, 0, 3, 0x0F, 0x3A, 0x22, 0, XS_RMI, 1, 'x', 32) \
  X(PINSRQ, "pinsrq", 0x66, 1, 3, 0x0F, 0x3A, 0x22, 0, XS_RMI, 1, 'x', 64) \
  X(PEXTRB, "pextrb", 0x66, 0, 3, 0x0F, 0x3A, 0x14, 0, XS_MRI, 1, 'x', 'b') \
  X(PEXTRW_M, "pextrw", 0x66, 0, 3, 0x0F, 0x3A, 0x15, 0, XS_MRI, 1, 'x', 'w') \
  X(PEXTRD, "pextrd", 0x66, 0, 3, 0x0F, 0x3A, 0x16, 0, XS_MRI, 1, 'x', 32) \
  X(PEXTRQ, "pextrq", 0x66, 1, 3, 0x0F, 0x3A, 0x16, 0, XS_MRI, 1, 'x', 64) \
  X(PEXTRW_R, "pextrw", 0x66, 0, 2, 0x0F, 0xC5, 0, 0, XS_RMI, 1, 32, 128) \
  X(PMOVMSKB, "pmovmskb", 0x66, 0, 2, 0x0F, 0xD7, 0, 0, XS_RM, 0, 32, 128) \
  X(MOVMSKPS, "movmskps", 0, 0, 2, 0x0F, 0x50, 0, 0, XS_RM, 0, 32, 128) \
  X(MOVMSKPD, "movmskpd", 0x66, 0, 2, 0x0F, 0x50, 0, 0, XS_RM, 0, 32, 128) \
  X(PSRLW_I, "psrlw", 0x66, 0, 2, 0x0F, 0x71, 0, 2, XS_DMI, 1, 0, 128) \
  X(PSRAW_I, "psraw", 0x66, 0, 2, 0x0F, 0x71, 0, 4, XS_DMI, 1, 0, 128) \
  X(PSLLW_I, "psllw", 0x66, 0, 2, 0x0F, 0x71, 0, 6, XS_DMI, 1, 0, 128) \
  X(PSRLD_I, "psrld", 0x66, 0, 2, 0x0F, 0x72, 0, 2, XS_DMI, 1, 0, 128) \
  X(PSRAD_I, "psrad", 0x66, 0, 2, 0x0F, 0x72, 0, 4, XS_DMI, 1, 0, 128) \
  X(PSLLD_I, "pslld", 0x66, 0, 2, 0x0F, 0x72, 0, 6, XS_DMI, 1, 0, 128) \
  X(PSRLQ_I, "psrlq", 0x66, 0, 2, 0x0F, 0x73, 0, 2, XS_DMI, 1, 0, 128) \
  X(PSRLDQ_I, "psrldq", 0x66, 0, 2, 0x0F, 0x73, 0, 3, XS_DMI, 1, 0, 128) \
  X(PSLLQ_I, "psllq", 0x66, 0, 2, 0x0F, 0x73, 0, 6, XS_DMI, 1, 0, 128) \
  X(PSLLDQ_I, "pslldq", 0x66, 0, 2, 0x0F, 0x73, 0, 7, XS_DMI, 1, 0, 128)

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
