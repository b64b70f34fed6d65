;; trap-state.wast: a trap deep in a chain of calls ends the whole invocation (no
;; caller code after the call runs), and what the code did before the trap stays
;; done: memory stores, global sets, table sets, and growth; in this instance, in
;; another instance through imports, and in a start function that traps during
;; instantiation. Each kind of trap is raised from a nested call, and after each the
;; instance keeps working.

(module $S
  (memory (export "mem") 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  (table $t (export "tab") 2 funcref)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)
(register "S" $S)

(module
  (import "S" "mem" (memory 1))
  (import "S" "g" (global $g (mut i32)))
  (global $own (export "own") (mut i64) (i64.const 0))
  (table $t 4 funcref)
  (elem (i32.const 0) $inner)
  (func $inner (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (global.set $g (local.get 0))
    (global.set $own (i64.extend_i32_u (local.get 0)))
    (drop (memory.grow (i32.const 1)))
    (table.set $t (i32.const 1) (table.get $t (i32.const 0)))
    (unreachable)
    (global.set $g (i32.const -1)))
  (func $middle (param i32)
    (call $inner (local.get 0))
    (i32.store (i32.const 0) (i32.const -1))
    (global.set $g (i32.const -2)))
  (func (export "outer") (param i32)
    (i32.store (i32.const 4) (i32.const 7))
    (call $middle (local.get 0))
    (i32.store (i32.const 4) (i32.const -3)))
  (func (export "table-1-set") (result i32) (i32.eqz (ref.is_null (table.get $t (i32.const 1)))))

  ;; a counting loop that traps part way: the iterations before the trap stay done
  (func (export "count-then-trap") (param $n i32) (local $i i32)
    (loop $l
      (i32.store8 offset=100 (local.get $i) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eq (local.get $i) (local.get $n)) (then (drop (i32.div_u (i32.const 1) (i32.const 0)))))
      (br $l)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))

  ;; each trap kind from two calls deep
  (func $divz (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func $ovf (param i32) (result i32) (i32.div_s (i32.const 0x80000000) (local.get 0)))
  (func $conv (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func $oob (param i32) (result i32) (i32.load (local.get 0)))
  (func $tget (param i32) (result funcref) (table.get $t (local.get 0)))
  (func $ind (param i32) (call_indirect (param i32) (i32.const 0) (local.get 0)))
  (func $ind-type (param i32) (result i64) (call_indirect (result i64) (local.get 0)))
  (func (export "nested-divz") (result i32) (i32.add (call $divz (i32.const 0)) (i32.const 1)))
  (func (export "nested-ovf") (result i32) (i32.add (call $ovf (i32.const -1)) (i32.const 1)))
  (func (export "nested-conv") (result i32) (i32.add (call $conv (f32.const nan)) (i32.const 1)))
  (func (export "nested-conv-ovf") (result i32) (i32.add (call $conv (f32.const 3e9)) (i32.const 1)))
  (func (export "nested-oob") (param i32) (result i32) (i32.add (call $oob (local.get 0)) (i32.const 1)))
  (func (export "nested-table-oob") (result i32) (ref.is_null (call $tget (i32.const 4))))
  (func (export "nested-undefined") (call $ind (i32.const 4)))
  (func (export "nested-uninitialized") (call $ind (i32.const 2)))
  (func (export "nested-type") (result i64) (call $ind-type (i32.const 0)))
  (func (export "nested-ok") (result i32) (call $divz (i32.const 1)))
)
(assert_trap (invoke "outer" (i32.const 5)) "unreachable")
;; the stores, sets and growth before the trap happened; nothing after it ran
(assert_return (invoke $S "load" (i32.const 0)) (i32.const 5))
(assert_return (invoke $S "load" (i32.const 4)) (i32.const 7))
(assert_return (get $S "g") (i32.const 5))
(assert_return (get "own") (i64.const 5))
(assert_return (invoke $S "size") (i32.const 2))
(assert_return (invoke "table-1-set") (i32.const 1))

(assert_trap (invoke "count-then-trap" (i32.const 10)) "integer divide by zero")
(assert_return (invoke "load8" (i32.const 100)) (i32.const 1))
(assert_return (invoke "load8" (i32.const 109)) (i32.const 1))
(assert_return (invoke "load8" (i32.const 110)) (i32.const 0))

(assert_trap (invoke "nested-divz") "integer divide by zero")
(assert_trap (invoke "nested-ovf") "integer overflow")
(assert_trap (invoke "nested-conv") "invalid conversion to integer")
(assert_trap (invoke "nested-conv-ovf") "integer overflow")
(assert_trap (invoke "nested-oob" (i32.const 0x20000)) "out of bounds memory access")
(assert_trap (invoke "nested-oob" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "nested-oob" (i32.const 0x1fffc)) (i32.const 1))
(assert_trap (invoke "nested-table-oob") "out of bounds table access")
(assert_trap (invoke "nested-undefined") "undefined element")
(assert_trap (invoke "nested-uninitialized") "uninitialized element")
(assert_trap (invoke "nested-type") "indirect call type mismatch")
(assert_return (invoke "nested-ok") (i32.const 1))

;; a start function that traps: the instantiation fails, but the segments applied
;; before it and the start function's own writes to imported state are kept
(assert_trap
  (module
    (import "S" "mem" (memory 1))
    (import "S" "g" (global $g (mut i32)))
    (import "S" "tab" (table 2 funcref))
    (data (i32.const 16) "\2a")
    (elem (i32.const 0) $f)
    (func $f
      (i32.store8 (i32.const 17) (i32.const 0x2b))
      (global.set $g (i32.add (global.get $g) (i32.const 94)))
      (unreachable))
    (start $f))
  "unreachable")
(assert_return (invoke $S "load" (i32.const 16)) (i32.const 0x2b2a))
(assert_return (get $S "g") (i32.const 99))
;; the element the failed instance wrote to the shared table is still callable, and
;; runs the failed instance's own function again, with that instance's imports
(module
  (import "S" "tab" (table 2 funcref))
  (func (export "call0") (call_indirect (i32.const 0))))
(assert_trap (invoke "call0") "unreachable")
(assert_return (get $S "g") (i32.const 193))
