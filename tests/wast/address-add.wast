;; address-add.wast: a load whose address is `i32.add` of a value and a constant.
;; fast fuses the add into the load; the sum must still wrap at 32 bits before the
;; static offset is added (which does not wrap), so a wrapped sum is a small, valid
;; address, and a sum plus offset past the memory traps. Both operand orders, every
;; load width, the add's input from the previous instruction (acc), and the loaded
;; value feeding the next instruction.

(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (data (i32.const 65528) "\f1\f2\f3\f4\f5\f6\f7\f8")
  (func (export "u8") (param i32) (result i32) (i32.load8_u (i32.add (local.get 0) (i32.const 5))))
  (func (export "s8-const-first") (param i32) (result i32) (i32.load8_s (i32.add (i32.const -3) (local.get 0))))
  (func (export "u16-offset") (param i32) (result i32) (i32.load16_u offset=2 (i32.add (local.get 0) (i32.const 1))))
  (func (export "i32") (param i32) (result i32) (i32.load (i32.add (local.get 0) (i32.const 0x7fffffff))))
  (func (export "i64-offset") (param i32) (result i64) (i64.load offset=65520 (i32.add (local.get 0) (i32.const 8))))
  (func (export "f64") (param i32) (result i64)
    (i64.reinterpret_f64 (f64.load (i32.add (local.get 0) (i32.const 8)))))
  ;; the add's input made just before (from acc), the load's result used next
  (func (export "chain") (param i32 i32) (result i32)
    (i32.add (i32.load8_u (i32.add (i32.mul (local.get 0) (local.get 1)) (i32.const 1))) (i32.const 100)))
  ;; offset past 4 GiB with a sum that wrapped: must trap, not wrap again
  (func (export "wrap-then-offset") (param i32) (result i32)
    (i32.load offset=4294967295 (i32.add (local.get 0) (i32.const 1))))
)

(assert_return (invoke "u8" (i32.const 0)) (i32.const 6))
(assert_return (invoke "u8" (i32.const -5)) (i32.const 1))          ;; wraps to 0
(assert_return (invoke "u8" (i32.const -1)) (i32.const 5))          ;; wraps to 4
(assert_trap (invoke "u8" (i32.const 65531)) "out of bounds memory access")
(assert_return (invoke "s8-const-first" (i32.const 65531)) (i32.const -15))  ;; 65528: 0xf1
(assert_return (invoke "s8-const-first" (i32.const 3)) (i32.const 1))
(assert_trap (invoke "s8-const-first" (i32.const 2)) "out of bounds memory access") ;; 0xffffffff
(assert_return (invoke "u16-offset" (i32.const -1)) (i32.const 0x0403))
(assert_trap (invoke "u16-offset" (i32.const 65532)) "out of bounds memory access")
(assert_return (invoke "i32" (i32.const 0x80000001)) (i32.const 0x04030201)) ;; wraps to 0
(assert_trap (invoke "i32" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "i64-offset" (i32.const 0)) (i64.const 0xf8f7f6f5f4f3f2f1))
(assert_return (invoke "i64-offset" (i32.const -8)) (i64.const 0))
(assert_trap (invoke "i64-offset" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "f64" (i32.const -8)) (i64.const 0x0807060504030201))
(assert_return (invoke "chain" (i32.const 3) (i32.const 4)) (i32.const 114)) ;; byte 13 is 0x0e
(assert_return (invoke "chain" (i32.const -1) (i32.const 1)) (i32.const 101)) ;; wraps to 0
(assert_trap (invoke "wrap-then-offset" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "wrap-then-offset" (i32.const 0)) "out of bounds memory access")
