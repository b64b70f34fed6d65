;; call-indirect-link.wast: call_indirect through a table shared by two modules.
;; Signatures are compared structurally, not by type index (the modules number their
;; types differently); a mismatch in a parameter, a result or the arity traps with
;; "indirect call type mismatch"; an index past the end is "undefined element" and a
;; null entry "uninitialized element". A function reached through the table runs in
;; its own instance: it sees its own memory and globals, not the caller's.

(module $A
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\0a\00\00\00")
  (global $base (mut i32) (i32.const 1000))
  (table (export "tab") 8 funcref)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $f64-id (param f64) (result f64) (local.get 0))
  ;; reads A's memory and global
  (func $a-state (type $ii) (i32.add (i32.add (i32.load (i32.const 0)) (global.get $base)) (local.get 0)))
  (elem (i32.const 0) $inc $f64-id $a-state)
  (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 0) (local.get 1)))
  (func (export "call-ii-i") (param i32 i32 i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "set-base") (param i32) (global.set $base (local.get 0)))
)
(register "A" $A)

(module $B
  (type $x (func (param i64) (result i64)))
  (type $y (func (param i32 i32) (result i32)))
  (type $ii (func (param i32) (result i32)))
  (type $i-l (func (param i32) (result i64)))
  (type $i-v (func (param i32)))
  (import "A" "tab" (table 8 funcref))
  (memory 1)
  (data (i32.const 0) "\14\00\00\00")
  (global $base (mut i32) (i32.const 2000))
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $neg64 (type $x) (i64.sub (i64.const 0) (local.get 0)))
  (func $add (type $y) (i32.add (local.get 0) (local.get 1)))
  (func $to64 (type $i-l) (i64.extend_i32_s (local.get 0)))
  (func $sink (type $i-v))
  (elem (i32.const 3) $dbl $neg64 $add $to64 $sink)
  (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 0) (local.get 1)))
)

;; across modules in both directions, with differently numbered but equal types
(assert_return (invoke $B "call" (i32.const 5) (i32.const 0)) (i32.const 6))
(assert_return (invoke $A "call" (i32.const 5) (i32.const 3)) (i32.const 10))
(assert_return (invoke $B "call" (i32.const 5) (i32.const 3)) (i32.const 10))
(assert_return (invoke $A "call-ii-i" (i32.const 5) (i32.const 6) (i32.const 5)) (i32.const 11))
;; the callee's own state: A's memory (10) and global (1000), whoever calls
(assert_return (invoke $B "call" (i32.const 1) (i32.const 2)) (i32.const 1011))
(assert_return (invoke $A "set-base" (i32.const 3000)))
(assert_return (invoke $B "call" (i32.const 1) (i32.const 2)) (i32.const 3011))
;; mismatches: another parameter type, another result type, no result, other arity
(assert_trap (invoke $A "call" (i32.const 5) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke $B "call" (i32.const 5) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke $A "call" (i32.const 5) (i32.const 4)) "indirect call type mismatch")
(assert_trap (invoke $B "call" (i32.const 5) (i32.const 6)) "indirect call type mismatch")
(assert_trap (invoke $B "call" (i32.const 5) (i32.const 7)) "indirect call type mismatch")
(assert_trap (invoke $A "call" (i32.const 5) (i32.const 5)) "indirect call type mismatch")
(assert_trap (invoke $A "call-ii-i" (i32.const 5) (i32.const 6) (i32.const 0)) "indirect call type mismatch")
;; past the end, and a null entry
(assert_trap (invoke $A "call" (i32.const 5) (i32.const 8)) "undefined element")
(assert_trap (invoke $B "call" (i32.const 5) (i32.const -1)) "undefined element")
(assert_trap (invoke $B "call" (i32.const 5) (i32.const 0x80000000)) "undefined element")
;; all eight slots are filled now; a module with a shorter table sees a null there
(module $C
  (type $ii (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $id)
  (func $id (type $ii) (local.get 0))
  (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 0) (local.get 1)))
)
(assert_return (invoke $C "call" (i32.const 9) (i32.const 0)) (i32.const 9))
(assert_trap (invoke $C "call" (i32.const 9) (i32.const 1)) "uninitialized element")
(assert_trap (invoke $C "call" (i32.const 9) (i32.const 2)) "undefined element")

;; a type mismatch between the import's declared signature and the export's
(assert_unlinkable
  (module (import "A" "tab" (table 9 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "A" "tab" (table 1 externref)))
  "incompatible import type")
