;; int-div-rem.wast: integer division and remainder at their edges: the two traps and
;; which one wins, rounding toward zero, the sign of a remainder, the unsigned reading
;; of negative operands, and INT_MIN % -1 (defined as 0, unlike in C where it traps
;; on x86). Operands come from parameters so that no compiler can fold them.

(module
  (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "i32.div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "i32.rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "i64.rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))

  ;; Constant operands: what a compiler may fold must give the same results and traps.
  (func (export "i32.div_s-const-overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "i32.rem_s-const-min") (result i32) (i32.rem_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "i64.div_s-const-overflow") (result i64)
    (i64.div_s (i64.const 0x8000000000000000) (i64.const -1)))
  (func (export "i64.rem_u-const-zero") (result i64) (i64.rem_u (i64.const 1) (i64.const 0)))
  ;; Division by a power of two is commonly strength-reduced to a shift, which rounds
  ;; toward minus infinity for negative dividends unless corrected.
  (func (export "i32.div_s-by-4") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 4)))
  (func (export "i32.rem_s-by-4") (param i32) (result i32) (i32.rem_s (local.get 0) (i32.const 4)))
  (func (export "i64.div_s-by-8") (param i64) (result i64) (i64.div_s (local.get 0) (i64.const 8)))
  (func (export "i32.div_u-by-4") (param i32) (result i32) (i32.div_u (local.get 0) (i32.const 4)))
)

;; divide by zero traps for every form, even with INT_MIN as dividend (zero wins)
(assert_trap (invoke "i32.div_s" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "i32.div_s" (i32.const 0x80000000) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "i32.div_u" (i32.const 0) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "i32.rem_s" (i32.const 0x80000000) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "i32.rem_u" (i32.const -1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "i64.div_s" (i64.const 0x8000000000000000) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "i64.div_u" (i64.const -1) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "i64.rem_s" (i64.const 0) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "i64.rem_u" (i64.const 7) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "i64.rem_u-const-zero") "integer divide by zero")

;; a zero divisor in the upper half only is not zero
(assert_return (invoke "i64.div_u" (i64.const 0x100000000) (i64.const 0x100000000)) (i64.const 1))
(assert_return (invoke "i64.rem_u" (i64.const 0x100000005) (i64.const 0x100000000)) (i64.const 5))

;; signed overflow: only div_s of INT_MIN by -1 traps
(assert_trap (invoke "i32.div_s" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_trap (invoke "i64.div_s" (i64.const 0x8000000000000000) (i64.const -1)) "integer overflow")
(assert_trap (invoke "i32.div_s-const-overflow") "integer overflow")
(assert_trap (invoke "i64.div_s-const-overflow") "integer overflow")
(assert_return (invoke "i32.rem_s" (i32.const 0x80000000) (i32.const -1)) (i32.const 0))
(assert_return (invoke "i64.rem_s" (i64.const 0x8000000000000000) (i64.const -1)) (i64.const 0))
(assert_return (invoke "i32.rem_s-const-min") (i32.const 0))
(assert_return (invoke "i32.div_u" (i32.const 0x80000000) (i32.const -1)) (i32.const 0))
(assert_return (invoke "i32.rem_u" (i32.const 0x80000000) (i32.const -1)) (i32.const 0x80000000))
(assert_return (invoke "i64.div_u" (i64.const 0x8000000000000000) (i64.const -1)) (i64.const 0))
(assert_return (invoke "i32.div_s" (i32.const 0x80000000) (i32.const 1)) (i32.const 0x80000000))
(assert_return (invoke "i32.div_s" (i32.const 0x80000001) (i32.const -1)) (i32.const 0x7fffffff))
(assert_return (invoke "i64.div_s" (i64.const 0x8000000000000001) (i64.const -1)) (i64.const 0x7fffffffffffffff))

;; signed division truncates toward zero; the remainder takes the dividend's sign
(assert_return (invoke "i32.div_s" (i32.const -7) (i32.const 2)) (i32.const -3))
(assert_return (invoke "i32.div_s" (i32.const 7) (i32.const -2)) (i32.const -3))
(assert_return (invoke "i32.div_s" (i32.const -7) (i32.const -2)) (i32.const 3))
(assert_return (invoke "i32.rem_s" (i32.const -7) (i32.const 2)) (i32.const -1))
(assert_return (invoke "i32.rem_s" (i32.const 7) (i32.const -2)) (i32.const 1))
(assert_return (invoke "i32.rem_s" (i32.const -7) (i32.const -2)) (i32.const -1))
(assert_return (invoke "i32.rem_s" (i32.const -8) (i32.const 2)) (i32.const 0))
(assert_return (invoke "i64.div_s" (i64.const -7) (i64.const 2)) (i64.const -3))
(assert_return (invoke "i64.rem_s" (i64.const -7) (i64.const 2)) (i64.const -1))
(assert_return (invoke "i64.rem_s" (i64.const 7) (i64.const -2)) (i64.const 1))
(assert_return (invoke "i32.div_s" (i32.const 1) (i32.const 0x80000000)) (i32.const 0))
(assert_return (invoke "i32.rem_s" (i32.const 1) (i32.const 0x80000000)) (i32.const 1))
(assert_return (invoke "i32.rem_s" (i32.const 0x80000000) (i32.const 0x80000000)) (i32.const 0))

;; unsigned forms read negative operands as large values
(assert_return (invoke "i32.div_u" (i32.const -1) (i32.const 2)) (i32.const 0x7fffffff))
(assert_return (invoke "i32.rem_u" (i32.const -1) (i32.const 2)) (i32.const 1))
(assert_return (invoke "i32.div_u" (i32.const -7) (i32.const 2)) (i32.const 0x7ffffffc))
(assert_return (invoke "i32.rem_u" (i32.const -7) (i32.const 2)) (i32.const 1))
(assert_return (invoke "i32.div_u" (i32.const 7) (i32.const -1)) (i32.const 0))
(assert_return (invoke "i32.rem_u" (i32.const 7) (i32.const -1)) (i32.const 7))
(assert_return (invoke "i64.div_u" (i64.const -1) (i64.const 2)) (i64.const 0x7fffffffffffffff))
(assert_return (invoke "i64.rem_u" (i64.const -1) (i64.const 10)) (i64.const 5))
(assert_return (invoke "i64.div_u" (i64.const -1) (i64.const -1)) (i64.const 1))
;; 32-bit unsigned division must not see a sign-extended 64-bit operand
(assert_return (invoke "i32.div_u" (i32.const 0x80000000) (i32.const 2)) (i32.const 0x40000000))

;; strength-reduced forms
(assert_return (invoke "i32.div_s-by-4" (i32.const -1)) (i32.const 0))
(assert_return (invoke "i32.div_s-by-4" (i32.const -5)) (i32.const -1))
(assert_return (invoke "i32.div_s-by-4" (i32.const 0x80000000)) (i32.const 0xe0000000))
(assert_return (invoke "i32.rem_s-by-4" (i32.const -5)) (i32.const -1))
(assert_return (invoke "i32.rem_s-by-4" (i32.const -8)) (i32.const 0))
(assert_return (invoke "i32.rem_s-by-4" (i32.const 0x80000001)) (i32.const -3))
(assert_return (invoke "i64.div_s-by-8" (i64.const -9)) (i64.const -1))
(assert_return (invoke "i64.div_s-by-8" (i64.const -7)) (i64.const 0))
(assert_return (invoke "i32.div_u-by-4" (i32.const -5)) (i32.const 0x3ffffffe))
