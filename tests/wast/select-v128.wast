;; select-v128.wast: typed select of v128 values moves all 128 bits (both halves),
;; whatever the condition's upper bits. Kept apart from select.wast so that a mode
;; without SIMD skips only this file.

(module
  (func (export "v128") (param v128 v128 i32) (result v128)
    (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "v128-lanes") (param i32) (result i64 i64)
    (local v128)
    (local.set 1 (select (result v128)
      (v128.const i64x2 0x0123456789abcdef 0xfedcba9876543210)
      (v128.const i64x2 -1 0)
      (local.get 0)))
    (i64x2.extract_lane 0 (local.get 1))
    (i64x2.extract_lane 1 (local.get 1)))
)
(assert_return (invoke "v128" (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8) (i32.const 1))
  (v128.const i32x4 1 2 3 4))
(assert_return (invoke "v128" (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8) (i32.const 0))
  (v128.const i32x4 5 6 7 8))
(assert_return (invoke "v128" (v128.const i64x2 -1 0x8000000000000000) (v128.const i64x2 0 0) (i32.const 0x80000000))
  (v128.const i64x2 -1 0x8000000000000000))
(assert_return (invoke "v128-lanes" (i32.const 1)) (i64.const 0x0123456789abcdef) (i64.const 0xfedcba9876543210))
(assert_return (invoke "v128-lanes" (i32.const 0)) (i64.const -1) (i64.const 0))
