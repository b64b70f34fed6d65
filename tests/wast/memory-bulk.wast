;; memory-bulk.wast: memory.copy, memory.fill and memory.init at their edges. Copies
;; between overlapping ranges behave like memmove in both directions (including the
;; one-byte shifts a naive word-at-a-time loop gets wrong); a range that ends exactly
;; at the memory's end is fine, one byte further traps "out of bounds memory access"
;; before any byte is written (Wasm 2.0 checks the whole range first); zero lengths
;; are fine at the end and trap past it; offset + length does not wrap at 2^32.

(module
  (memory 1)
  (data $d "\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa")
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  ;; bytes i..i+n-1 become 1..n
  (func (export "number") (param $i i32) (param $n i32) (local $k i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (i32.store8 (i32.add (local.get $i) (local.get $k)) (i32.add (local.get $k) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l))))
)

;; forward overlap by one byte: 1..16 at 0, copy 0..14 to 1..15
(assert_return (invoke "number" (i32.const 0) (i32.const 16)))
(assert_return (invoke "copy" (i32.const 1) (i32.const 0) (i32.const 15)))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x0706050403020101))
(assert_return (invoke "load64" (i32.const 8)) (i64.const 0x0f0e0d0c0b0a0908))
;; backward overlap by one byte
(assert_return (invoke "number" (i32.const 0) (i32.const 16)))
(assert_return (invoke "copy" (i32.const 0) (i32.const 1) (i32.const 15)))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x0908070605040302))
(assert_return (invoke "load64" (i32.const 8)) (i64.const 0x10100f0e0d0c0b0a))
;; overlap by more than a word, both ways
(assert_return (invoke "number" (i32.const 0) (i32.const 32)))
(assert_return (invoke "copy" (i32.const 11) (i32.const 0) (i32.const 21)))
(assert_return (invoke "load64" (i32.const 8)) (i64.const 0x05040302010b0a09))
(assert_return (invoke "load64" (i32.const 24)) (i64.const 0x1514131211100f0e))
(assert_return (invoke "number" (i32.const 0) (i32.const 32)))
(assert_return (invoke "copy" (i32.const 0) (i32.const 11) (i32.const 21)))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x131211100f0e0d0c))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x181716201f1e1d1c))
;; copy onto itself
(assert_return (invoke "copy" (i32.const 3) (i32.const 3) (i32.const 5)))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x131211100f0e0d0c))

;; at the end of memory: exactly to the end is fine
(assert_return (invoke "number" (i32.const 0xfff0) (i32.const 16)))
(assert_return (invoke "copy" (i32.const 0xfff8) (i32.const 0xfff0) (i32.const 8)))
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0x0807060504030201))
(assert_return (invoke "copy" (i32.const 0) (i32.const 0xfff8) (i32.const 8)))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x0807060504030201))
;; one byte past the end, as source or destination: a trap, and no byte written
(assert_return (invoke "store64" (i32.const 0xfff8) (i64.const 0x1111111111111111)))
(assert_trap (invoke "copy" (i32.const 0xfff8) (i32.const 0) (i32.const 9)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0x1111111111111111))
(assert_trap (invoke "copy" (i32.const 0xfff0) (i32.const 0xfff8) (i32.const 9)) "out of bounds memory access")
(assert_return (invoke "store64" (i32.const 0) (i64.const 0x2222222222222222)))
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0xfff8) (i32.const 9)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x2222222222222222))
;; an overlapping copy whose end is out of bounds writes nothing either
(assert_trap (invoke "copy" (i32.const 0xfff9) (i32.const 0xfff8) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0x1111111111111111))
;; offset + length past 2^32 must not wrap around to a small address
(assert_trap (invoke "copy" (i32.const 0xffffffff) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0xffffffff) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0x200) (i32.const 8) (i32.const 0xfffffff8)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 0x200)) (i64.const 0))
;; zero length: fine at the end (even with the other address in range), a trap past it
(assert_return (invoke "copy" (i32.const 0x10000) (i32.const 0) (i32.const 0)))
(assert_return (invoke "copy" (i32.const 0) (i32.const 0x10000) (i32.const 0)))
(assert_trap (invoke "copy" (i32.const 0x10001) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0x10001) (i32.const 0)) "out of bounds memory access")

;; fill: the value is the low byte of the i32
(assert_return (invoke "fill" (i32.const 0x20) (i32.const 0x1ff) (i32.const 3)))
(assert_return (invoke "load64" (i32.const 32)) (i64.const 0x0000000000ffffff))
(assert_return (invoke "fill" (i32.const 0xfff8) (i32.const 0x33) (i32.const 8)))
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0x3333333333333333))
(assert_trap (invoke "fill" (i32.const 0xfff0) (i32.const 0x44) (i32.const 17)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 0xfff0)) (i64.const 0x0807060504030201))
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0x3333333333333333))
(assert_trap (invoke "fill" (i32.const 0x100) (i32.const 0x44) (i32.const 0xffffff00)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 256)) (i64.const 0x0000000000000000))
(assert_return (invoke "fill" (i32.const 0x10000) (i32.const 0x44) (i32.const 0)))
(assert_trap (invoke "fill" (i32.const 0x10001) (i32.const 0x44) (i32.const 0)) "out of bounds memory access")

;; init from a passive segment of 10 bytes: ranges in the segment and in memory
(assert_return (invoke "init" (i32.const 0x40) (i32.const 2) (i32.const 8)))
(assert_return (invoke "load64" (i32.const 64)) (i64.const 0xaaa9a8a7a6a5a4a3))
(assert_return (invoke "init" (i32.const 0xfff6) (i32.const 0) (i32.const 10)))
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0xaaa9a8a7a6a5a4a3))
(assert_trap (invoke "init" (i32.const 0x50) (i32.const 2) (i32.const 9)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0xfff7) (i32.const 0) (i32.const 10)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0x50) (i32.const 0xffffffff) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 80)) (i64.const 0x0000000000000000))
(assert_return (invoke "load64" (i32.const 0xfff8)) (i64.const 0xaaa9a8a7a6a5a4a3))
(assert_return (invoke "init" (i32.const 0x10000) (i32.const 10) (i32.const 0)))
(assert_trap (invoke "init" (i32.const 0x10000) (i32.const 11) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0x10001) (i32.const 0) (i32.const 0)) "out of bounds memory access")
