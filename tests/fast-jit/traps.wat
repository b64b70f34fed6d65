;; traps.wat: traps deep inside compiled code, for tests/fast-jit/run.sh: each must be
;; reported in the function it happens in, as the interpreters report it.
(module
  (memory 1)
  (func $inner (param i32) (result i32) (i32.load (local.get 0)))
  (func $divz (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func $deep (param i32) (result i32) (call $deep (i32.add (local.get 0) (i32.const 1))))
  (func (export "oob") (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func (export "div") (param i32) (result i32) (call $divz (local.get 0)))
  (func (export "deep") (param i32) (result i32) (call $deep (local.get 0)))
)
