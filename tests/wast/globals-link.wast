;; globals-link.wast: globals exported and imported between modules. A mutable global
;; is one object: a set through any importer or re-exporter is seen by every other
;; holder. Immutable imports feed constant expressions (other globals' initialisers,
;; data and element offsets). Import matching requires the same value type and the
;; same mutability. Values of every type, including NaN payloads and references, pass
;; through bit for bit.

(module $A
  (global (export "mi32") (mut i32) (i32.const 1))
  (global (export "mi64") (mut i64) (i64.const 0x100000002))
  (global (export "mf32") (mut f32) (f32.const nan:0x1))
  (global (export "mf64") (mut f64) (f64.const -nan:0x2))
  (global (export "mext") (mut externref) (ref.null extern))
  (global (export "ci32") i32 (i32.const 16))
  (global (export "cf64") f64 (f64.const -0.0))
  (func (export "get-mi32") (result i32) (global.get 0))
  (func (export "get-mi64") (result i64) (global.get 1))
  (func (export "get-mf32") (result f32) (global.get 2))
  (func (export "get-mext") (result externref) (global.get 4))
)
(register "A" $A)

(module $B
  (import "A" "mi32" (global $mi32 (mut i32)))
  (import "A" "mi64" (global $mi64 (mut i64)))
  (import "A" "mf32" (global $mf32 (mut f32)))
  (import "A" "mf64" (global $mf64 (mut f64)))
  (import "A" "mext" (global $mext (mut externref)))
  (import "A" "ci32" (global $ci32 i32))
  (import "A" "cf64" (global $cf64 f64))
  ;; initialisers and segment offsets from an imported constant
  (global $copy (export "copy") i32 (global.get $ci32))
  (global $copyf (export "copyf") f64 (global.get $cf64))
  (memory 1)
  (data (global.get $ci32) "\2a")
  (table 32 funcref)
  (elem (global.get $ci32) $seven)
  (func $seven (result i32) (i32.const 7))
  ;; re-export the imported mutable global
  (export "re-mi32" (global $mi32))
  (func (export "set-mi32") (param i32) (global.set $mi32 (local.get 0)))
  (func (export "set-mi64") (param i64) (global.set $mi64 (local.get 0)))
  (func (export "set-mf32") (param f32) (global.set $mf32 (local.get 0)))
  (func (export "set-mf64") (param f64) (global.set $mf64 (local.get 0)))
  (func (export "set-mext") (param externref) (global.set $mext (local.get 0)))
  (func (export "get-mf64") (result f64) (global.get $mf64))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
)
(register "B" $B)

;; initial values arrive intact, NaN payloads included
(assert_return (get $B "copy") (i32.const 16))
(assert_return (get $B "copyf") (f64.const -0.0))
(assert_return (get $A "mf32") (f32.const nan:0x1))
(assert_return (invoke $B "get-mf64") (f64.const -nan:0x2))
(assert_return (invoke $B "load8" (i32.const 16)) (i32.const 0x2a))
(assert_return (invoke $B "load8" (i32.const 15)) (i32.const 0))
(assert_return (invoke $B "call" (i32.const 16)) (i32.const 7))
(assert_trap (invoke $B "call" (i32.const 15)) "uninitialized element")

;; sets through the importer are seen by the exporter, both by its code and by get
(assert_return (invoke $B "set-mi32" (i32.const -7)))
(assert_return (invoke $A "get-mi32") (i32.const -7))
(assert_return (get $A "mi32") (i32.const -7))
(assert_return (get $B "re-mi32") (i32.const -7))
(assert_return (invoke $B "set-mi64" (i64.const 0x8000000000000001)))
(assert_return (invoke $A "get-mi64") (i64.const 0x8000000000000001))
(assert_return (invoke $B "set-mf32" (f32.const -nan:0x3)))
(assert_return (invoke $A "get-mf32") (f32.const -nan:0x3))
(assert_return (invoke $B "set-mf64" (f64.const 0x1p-1074)))
(assert_return (get $A "mf64") (f64.const 0x1p-1074))
(assert_return (invoke $B "set-mext" (ref.extern 5)))
(assert_return (invoke $A "get-mext") (ref.extern 5))
(assert_return (get $A "mext") (ref.extern 5))

;; a third module imports the re-export: still the same global
(module $C
  (import "B" "re-mi32" (global $g (mut i32)))
  (func (export "inc") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "get") (result i32) (global.get $g))
)
(assert_return (invoke $C "get") (i32.const -7))
(assert_return (invoke $C "inc"))
(assert_return (invoke $A "get-mi32") (i32.const -6))
(assert_return (get $B "re-mi32") (i32.const -6))
(assert_return (invoke $B "set-mi32" (i32.const 100)))
(assert_return (invoke $C "get") (i32.const 100))

;; matching: type and mutability must both agree
(assert_unlinkable (module (import "A" "mi32" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "A" "ci32" (global (mut i32)))) "incompatible import type")
(assert_unlinkable (module (import "A" "mi32" (global (mut i64)))) "incompatible import type")
(assert_unlinkable (module (import "A" "ci32" (global f32))) "incompatible import type")
(assert_unlinkable (module (import "A" "mext" (global (mut funcref)))) "incompatible import type")
(assert_unlinkable (module (import "A" "get-mi32" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "A" "nope" (global i32))) "unknown import")
;; an immutable import used as a data offset that lands out of bounds fails instantiation
(module $D (global (export "big") i32 (i32.const 0x10000)))
(register "D" $D)
(assert_trap
  (module
    (import "D" "big" (global $big i32))
    (memory 1)
    (data (global.get $big) "\01"))
  "out of bounds memory access")
(module
  (import "D" "big" (global $big i32))
  (memory 1)
  (data (global.get $big) "")
  (func (export "ok") (result i32) (i32.const 1)))
(assert_return (invoke "ok") (i32.const 1))
