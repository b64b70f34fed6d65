;; memory-grow.wast: memory.grow and memory.size at the limits: up to the full 4 GiB
;; (65536 pages) and not one page more, the last byte 0xffffffff usable and every
;; access that reaches past it trapping; growth against a declared maximum (failure
;; returns -1 and changes nothing); new pages read as zero; a delta with the top bit
;; set is a huge unsigned count, not a negative one; a memory shared by two modules
;; grows for both.

;; 4 GiB: from 1 page grow by 65535
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load8_u-off") (param i32) (result i32) (i32.load8_u offset=1 (local.get 0)))
  (func (export "load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 65536)) (i32.const -1))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 65535)) (i32.const 1))
(assert_return (invoke "size") (i32.const 65536))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 65536))
(assert_return (invoke "size") (i32.const 65536))
;; the new pages read as zero, at both ends of the grown range
(assert_return (invoke "load32" (i32.const 0x10000)) (i32.const 0))
(assert_return (invoke "load8_u" (i32.const -1)) (i32.const 0))
;; the last byte, and the last 2, 4 and 8 bytes, are in bounds
(assert_return (invoke "store8" (i32.const -1) (i32.const 0xab)))
(assert_return (invoke "load8_u" (i32.const -1)) (i32.const 0xab))
(assert_return (invoke "load16_u" (i32.const -2)) (i32.const 0xab00))
(assert_return (invoke "load32" (i32.const -4)) (i32.const 0xab000000))
(assert_return (invoke "load64" (i32.const -8)) (i64.const 0xab00000000000000))
(assert_return (invoke "store32" (i32.const -4) (i32.const 0x11223344)))
(assert_return (invoke "load8_u" (i32.const -1)) (i32.const 0x11))
(assert_return (invoke "load8_u" (i32.const 0x80000000)) (i32.const 0))
;; anything reaching byte 2^32 traps
(assert_trap (invoke "load32" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load32" (i32.const -3)) "out of bounds memory access")
(assert_trap (invoke "load16_u" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load64" (i32.const -7)) "out of bounds memory access")
(assert_trap (invoke "load8_u-off" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load8_u-off" (i32.const -2)) (i32.const 0x11))
(assert_trap (invoke "store32" (i32.const -2) (i32.const 0)) "out of bounds memory access")
;; a trapping store wrote nothing
(assert_return (invoke "load16_u" (i32.const -2)) (i32.const 0x1122))
;; bulk access at the very end
(assert_return (invoke "fill" (i32.const -16) (i32.const 0x5a) (i32.const 16)))
(assert_return (invoke "load64" (i32.const -8)) (i64.const 0x5a5a5a5a5a5a5a5a))
(assert_trap (invoke "fill" (i32.const -16) (i32.const 0) (i32.const 17)) "out of bounds memory access")
(assert_return (invoke "load8_u" (i32.const -1)) (i32.const 0x5a))
(assert_return (invoke "fill" (i32.const 0) (i32.const 0) (i32.const 0)))

;; 4 GiB from nothing, as one step, with the maximum declared as 65536
(module
  (memory 0 65536)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_trap (invoke "load8_u" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 65537)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "size") (i32.const 65536))
(assert_return (invoke "load8_u" (i32.const -1)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))

;; a declared maximum
(module
  (memory 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
)
(assert_return (invoke "grow" (i32.const 3)) (i32.const -1))
(assert_return (invoke "size") (i32.const 1))
(assert_trap (invoke "load32" (i32.const 0x10000)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "load32" (i32.const 0x1fffc)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 0x1fffd)) "out of bounds memory access")
(assert_return (invoke "store32" (i32.const 0x1fffc) (i32.const 0x01020304)))
(assert_return (invoke "grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x80000000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))
(assert_trap (invoke "load32" (i32.const 0x20000)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke "load32" (i32.const 0x1fffc)) (i32.const 0x01020304))
(assert_return (invoke "load32" (i32.const 0x2fffc)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 0x2fffd)) "out of bounds memory access")

;; maximum 0: nothing ever fits
(module
  (memory 0 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke "load8_u" (i32.const 0)) "out of bounds memory access")

;; a memory shared through import and export grows for both modules, and each sees
;; the other's stores in the new pages
(module $M
  (memory (export "mem") 1 4)
  (func (export "size") (result i32) (memory.size))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(register "M" $M)
(module $N
  (import "M" "mem" (memory 1 4))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke $N "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke $M "size") (i32.const 3))
(assert_return (invoke $N "store32" (i32.const 0x2fffc) (i32.const 77)))
(assert_return (invoke $M "load32" (i32.const 0x2fffc)) (i32.const 77))
(assert_return (invoke $M "grow" (i32.const 1)) (i32.const 3))
(assert_return (invoke $N "size") (i32.const 4))
(assert_return (invoke $N "load32" (i32.const 0x3fffc)) (i32.const 0))
(assert_return (invoke $N "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke $N "load32" (i32.const 0x40000)) "out of bounds memory access")
;; the import's declared limits are checked against the current size and the maximum
(assert_unlinkable
  (module (import "M" "mem" (memory 5)))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "mem" (memory 1 3)))
  "incompatible import type")
(module (import "M" "mem" (memory 4 4)))
