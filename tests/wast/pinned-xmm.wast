;; pinned-xmm.wast: f32, f64 and v128 locals used in loops, which fast-jit keeps in
;; xmm12..xmm15 for a whole function. Their values must survive every call the loop
;; makes: of compiled functions that pin the same registers, and of C (numeric
;; helpers, memory.grow, table.size, SIMD helpers, the call_indirect path for a type
;; declared twice, which enters compiled code again from C); a read still pending
;; when the local is overwritten keeps the old value; a trap leaves nothing behind.
(module
  (memory 1)
  (type $ff (func (param f64) (result f64)))
  (type $ff2 (func (param f64) (result f64))) ;; the same type under another index
  (table 2 funcref)
  (elem (i32.const 0) $half $inner)

  ;; x / 2
  (func $half (type $ff) (f64.mul (local.get 0) (f64.const 0.5)))

  ;; 10a, as a + 2a + 3a + 4a in a loop that pins a, s and k itself
  (func $inner (type $ff)
    (local $s f64) (local $k f64)
    (loop $l
      (local.set $k (f64.add (local.get $k) (f64.const 1)))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.get 0) (local.get $k))))
      (br_if $l (f64.lt (local.get $k) (f64.const 4))))
    (local.get $s))

  ;; sum over x = 1..n of inner(x) + half(x) = 10.5 * n(n+1)/2, with helper calls
  ;; (f64.min, memory.grow, table.size) between the updates of s and x
  (func (export "f64-calls") (param $n i32) (result f64)
    (local $s f64) (local $x f64) (local $i i32)
    (loop $l
      (local.set $x (f64.add (local.get $x) (f64.const 1)))
      (local.set $s (f64.add (local.get $s) (call $inner (local.get $x))))
      (local.set $s (f64.min (local.get $s) (f64.const 1e300)))
      (drop (memory.grow (i32.const 0)))
      (drop (table.size 0))
      (local.set $s (f64.add (local.get $s)
        (call_indirect (type $ff2) (local.get $x) (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $s))

  ;; a = 1.5, 3, ..., 1.5n; b = max of them (f32.max: a helper); t = sum of trunc(a)
  ;; (a trapping helper); returns b + t
  (func (export "f32-loop") (param $n i32) (result f32)
    (local $a f32) (local $b f32) (local $t i32) (local $i i32)
    (loop $l
      (local.set $a (f32.add (local.get $a) (f32.const 1.5)))
      (local.set $b (f32.max (local.get $b) (local.get $a)))
      (local.set $t (i32.add (local.get $t) (i32.trunc_f32_s (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (f32.add (local.get $b) (f32.convert_i32_s (local.get $t))))

  ;; v += splat(i) for i = 1..n; w = v << z with z = 0 from a local (a computed count:
  ;; fast-jit's SIMD helper); returns v + w = 2v, each lane n(n+1)
  (func (export "v128-loop") (param $n i32) (result v128)
    (local $v v128) (local $w v128) (local $i i32) (local $z i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (local.set $w (i8x16.shl (local.get $v) (local.get $z)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (i32x4.add (local.get $v) (local.get $w)))

  ;; the old v pending under a tee of the new: each step adds old + new, new = old + 1
  ;; per lane; from 0 over n steps: sum of (2k - 1) for k = 1..n = n^2
  (func (export "v128-pending") (param $n i32) (result i32)
    (local $v v128) (local $acc v128) (local $i i32)
    (loop $l
      (local.set $acc (i32x4.add (local.get $acc)
        (i32x4.add (local.get $v)
          (local.tee $v (i32x4.add (local.get $v) (v128.const i32x4 1 1 1 1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (i32x4.extract_lane 3 (local.get $acc)))

  ;; y_old - (y_old + 100) = -100 per step, y overwritten while its read is pending
  (func (export "f64-pending") (param $n i32) (result f64)
    (local $y f64) (local $s f64) (local $i i32)
    (loop $l
      (local.set $s (f64.add (local.get $s)
        (f64.sub (local.get $y)
          (block (result f64)
            (local.set $y (f64.add (local.get $y) (f64.const 100)))
            (local.get $y)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (f64.add (local.get $s) (local.get $y)))

  ;; x doubles from 1 each step; i32.trunc_f64_s traps once x reaches 2^31
  (func (export "trap-in-loop") (param $n i32) (result i32)
    (local $x f64) (local $t i32) (local $i i32)
    (local.set $x (f64.const 1))
    (loop $l
      (local.set $t (i32.add (local.get $t) (i32.trunc_f64_s (local.get $x))))
      (local.set $x (f64.mul (local.get $x) (f64.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $t))

  ;; a recursive function with a pinned f64: depth d returns d + the deeper result
  ;; after its own loop, so every frame's pinned register must come back intact
  (func $rec (export "rec") (param $d i32) (result f64)
    (local $acc f64) (local $k i32)
    (if (i32.eqz (local.get $d)) (then (return (f64.const 0))))
    (loop $l
      (local.set $acc (f64.add (local.get $acc) (f64.const 0.25)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $k) (i32.const 4))))
    (f64.add (f64.mul (local.get $acc) (f64.convert_i32_s (local.get $d)))
             (call $rec (i32.sub (local.get $d) (i32.const 1)))))
)

(assert_return (invoke "f64-calls" (i32.const 1)) (f64.const 10.5))
(assert_return (invoke "f64-calls" (i32.const 4)) (f64.const 105))
(assert_return (invoke "f32-loop" (i32.const 4)) (f32.const 20))
(assert_return (invoke "f32-loop" (i32.const 1)) (f32.const 2.5))
(assert_return (invoke "v128-loop" (i32.const 4)) (v128.const i32x4 20 20 20 20))
(assert_return (invoke "v128-loop" (i32.const 10)) (v128.const i32x4 110 110 110 110))
(assert_return (invoke "v128-pending" (i32.const 5)) (i32.const 25))
(assert_return (invoke "f64-pending" (i32.const 3)) (f64.const 0))
(assert_return (invoke "trap-in-loop" (i32.const 31)) (i32.const 2147483647))
(assert_trap (invoke "trap-in-loop" (i32.const 32)) "integer overflow")
(assert_return (invoke "f64-calls" (i32.const 4)) (f64.const 105))
(assert_return (invoke "rec" (i32.const 3)) (f64.const 6))
(assert_return (invoke "rec" (i32.const 100)) (f64.const 5050))
