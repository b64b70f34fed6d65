;; multi-value.wast: blocks, ifs and loops with parameters and several results;
;; functions with many results of mixed types (more than fit in registers); branches
;; that carry several values out of nested blocks while dropping what lies beneath
;; them; br_if, br_table and call_indirect with several values.

(module
  (type $t3 (func (param i32) (result i32 i64 f64)))
  (table 1 funcref)
  (elem (i32.const 0) $three)

  (func $three (type $t3) (local.get 0) (i64.extend_i32_s (local.get 0)) (f64.convert_i32_s (local.get 0)))

  ;; 20 results of four types in one function; callers must get them in order
  (func $many (param i32) (result i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
    (i32.add (local.get 0) (i32.const 1)) (i64.const 2) (f32.const 3) (f64.const 4)
    (i32.add (local.get 0) (i32.const 5)) (i64.const 6) (f32.const 7) (f64.const 8)
    (i32.add (local.get 0) (i32.const 9)) (i64.const 10) (f32.const 11) (f64.const 12)
    (i32.add (local.get 0) (i32.const 13)) (i64.const 14) (f32.const 15) (f64.const 16)
    (i32.add (local.get 0) (i32.const 17)) (i64.const 18) (f32.const 19) (f64.const -nan:0x1))
  (func (export "many") (param i32) (result i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
    (call $many (local.get 0)))
  ;; a wasm caller consumes all 20 (folding each type's results into a local)
  (func (export "many-internal") (param i32) (result i32 i64 f32 f64)
    (local $i i32) (local $l i64) (local $f f32) (local $d f64)
    (call $many (local.get 0))
    (drop) ;; the NaN
    (local.set $f) (local.set $l) (local.set $i)
    (local.set $d (f64.add (local.get $d))) (local.set $f (f32.add (local.get $f)))
    (local.set $l (i64.add (local.get $l))) (local.set $i (i32.add (local.get $i)))
    (local.set $d (f64.add (local.get $d))) (local.set $f (f32.add (local.get $f)))
    (local.set $l (i64.add (local.get $l))) (local.set $i (i32.add (local.get $i)))
    (local.set $d (f64.add (local.get $d))) (local.set $f (f32.add (local.get $f)))
    (local.set $l (i64.add (local.get $l))) (local.set $i (i32.add (local.get $i)))
    (local.set $d (f64.add (local.get $d))) (local.set $f (f32.add (local.get $f)))
    (local.set $l (i64.add (local.get $l))) (local.set $i (i32.add (local.get $i)))
    (local.get $i) (local.get $l) (local.get $f) (local.get $d))

  ;; a block with two params and three results
  (func (export "block-params") (param i32 i32) (result i32 i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32 i32)
      (i32.add) (i32.const 10) (i32.const 20)))
  ;; br out of three nested blocks carrying three values, dropping the values above the
  ;; target block's base and keeping the one beneath it
  (func (export "br-deep") (param i32) (result i32 i32 i64 f32)
    (i32.const 111) ;; beneath the outer block: must survive
    (block $out (result i32 i64 f32)
      (i64.const 999) (drop)
      (f64.const 1.5) ;; dropped by the branch
      (block (result f64)
        (i32.const 7) (i32.const 8) ;; dropped by the branch
        (block (result i32)
          (f32.const -1) ;; dropped by the branch
          (br $out (local.get 0) (i64.const -2) (f32.const 2.5)))
        (drop) (drop) (drop) (f64.const 0))
      (drop) (drop) (i32.const -1) (i64.const -1) (f32.const -1)))

  ;; br_if with values: not taken, the values stay for the fallthrough
  (func (export "br_if-values") (param i32) (result i32 i32)
    (block (result i32 i32)
      (i32.const 1) (i32.const 2) (local.get 0)
      (br_if 0)
      (i32.add) (i32.const 100)))
  ;; br_table with two values to one of three blocks
  (func (export "br_table-values") (param i32) (result i32 i32)
    (block (result i32 i32)
      (block (result i32 i32)
        (block (result i32 i32)
          (i32.const 5) (i32.const 6) (local.get 0)
          (br_table 0 1 2 2))
        (i32.add) (i32.const 1000) (return))
      (i32.sub) (i32.const 2000) (return))
    (i32.mul) (i32.const 3000))

  ;; if with a param and two results, both arms
  (func (export "if-params") (param i32 i32) (result i32 i32)
    (local.get 1)
    (if (param i32) (result i32 i32) (local.get 0)
      (then (i32.const 1))
      (else (i32.const 2) (i32.mul) (i32.const 3))))

  ;; loop with params: the branch back carries the loop's parameters
  ;; fib(n) by iterating (a, b) -> (b, a + b) n times, count in a local
  (func (export "loop-fib") (param $n i32) (result i64)
    (i64.const 0) (i64.const 1)
    (loop $l (param i64 i64) (result i64 i64)
      (local.get $n)
      (if (param i64 i64) (result i64 i64) (i32.eqz)
        (then)
        (else
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (call $step)
          (br $l))))
    (drop))
  (func $step (param i64 i64) (result i64 i64) (local.get 1) (i64.add (local.get 0) (local.get 1)))
  ;; br_if back to a loop with params and an out-of-loop value beneath
  (func (export "loop-sum") (param $n i32) (result i32 i32)
    (i32.const 77)
    (i32.const 0) (local.get $n)
    (loop $l (param i32 i32) (result i32 i32)
      ;; (acc, k) -> (acc + k, k - 1) while k > 0
      (local.set $n)
      (i32.add (local.get $n))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $n) (i32.const -1)))
      )
    (drop))

  ;; multiple results through call_indirect and a return from inside blocks
  (func (export "call_indirect-three") (param i32) (result i32 i64 f64)
    (call_indirect (type $t3) (local.get 0) (i32.const 0)))
  (func (export "return-from-block") (param i32) (result i32 i32)
    (block (result i32)
      (block (result i32)
        (i32.const 9)
        (return (local.get 0) (i32.const 8))))
    (i32.const 0))
)

(assert_return (invoke "many" (i32.const 100))
  (i32.const 101) (i64.const 2) (f32.const 3) (f64.const 4)
  (i32.const 105) (i64.const 6) (f32.const 7) (f64.const 8)
  (i32.const 109) (i64.const 10) (f32.const 11) (f64.const 12)
  (i32.const 113) (i64.const 14) (f32.const 15) (f64.const 16)
  (i32.const 117) (i64.const 18) (f32.const 19) (f64.const -nan:0x1))
(assert_return (invoke "many-internal" (i32.const 100))
  (i32.const 545) (i64.const 50) (f32.const 55) (f64.const 40))
(assert_return (invoke "block-params" (i32.const 3) (i32.const 4)) (i32.const 7) (i32.const 10) (i32.const 20))
(assert_return (invoke "br-deep" (i32.const 42)) (i32.const 111) (i32.const 42) (i64.const -2) (f32.const 2.5))
(assert_return (invoke "br_if-values" (i32.const 1)) (i32.const 1) (i32.const 2))
(assert_return (invoke "br_if-values" (i32.const 0)) (i32.const 3) (i32.const 100))
(assert_return (invoke "br_table-values" (i32.const 0)) (i32.const 11) (i32.const 1000))
(assert_return (invoke "br_table-values" (i32.const 1)) (i32.const -1) (i32.const 2000))
(assert_return (invoke "br_table-values" (i32.const 2)) (i32.const 30) (i32.const 3000))
(assert_return (invoke "br_table-values" (i32.const -1)) (i32.const 30) (i32.const 3000))
(assert_return (invoke "if-params" (i32.const 1) (i32.const 5)) (i32.const 5) (i32.const 1))
(assert_return (invoke "if-params" (i32.const 0) (i32.const 5)) (i32.const 10) (i32.const 3))
(assert_return (invoke "loop-fib" (i32.const 0)) (i64.const 0))
(assert_return (invoke "loop-fib" (i32.const 1)) (i64.const 1))
(assert_return (invoke "loop-fib" (i32.const 10)) (i64.const 55))
(assert_return (invoke "loop-fib" (i32.const 90)) (i64.const 2880067194370816120))
(assert_return (invoke "loop-sum" (i32.const 0)) (i32.const 77) (i32.const 0))
(assert_return (invoke "loop-sum" (i32.const 100)) (i32.const 77) (i32.const 5050))
(assert_return (invoke "call_indirect-three" (i32.const -3)) (i32.const -3) (i64.const -3) (f64.const -3))
(assert_return (invoke "return-from-block" (i32.const 6)) (i32.const 6) (i32.const 8))
