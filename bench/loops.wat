;; loops.wat: loop-heavy kernels for comparing the interpreters.
;;   wasm-run --mode=fast --invoke=sieve bench/loops.wasm 2000      (memory, branches)
;;   wasm-run --mode=fast --invoke=mix bench/loops.wasm 100000000   (integer arithmetic)
;;   wasm-run --mode=fast --invoke=dot bench/loops.wasm 20000        (f64 loads, multiply-add)
(module
  (memory 16)

  ;; Counts primes below 100000, `reps` times over: stores, loads, nested loops.
  (func (export "sieve") (param $reps i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32) (local $n i32)
    (local.set $n (i32.const 100000))
    (loop $rep
      (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
      (local.set $count (i32.const 0))
      (local.set $i (i32.const 2))
      (block $done
        (loop $outer
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (if (i32.load8_u (local.get $i))
            (then
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (local.set $j (i32.mul (local.get $i) (local.get $i)))
              (block $inner_done
                (loop $inner
                  (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
                  (i32.store8 (local.get $j) (i32.const 0))
                  (local.set $j (i32.add (local.get $j) (local.get $i)))
                  (br $inner)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $outer)))
      (local.set $reps (i32.sub (local.get $reps) (i32.const 1)))
      (br_if $rep (i32.gt_s (local.get $reps) (i32.const 0))))
    (local.get $count))

  ;; An xorshift-style mix over n iterations: pure register arithmetic.
  (func (export "mix") (param $n i32) (result i32)
    (local $x i32) (local $acc i32)
    (local.set $x (i32.const 12345))
    (loop $l
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $acc (i32.add (local.get $acc) (i32.and (local.get $x) (i32.const 255))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l))
    (local.get $acc))

  ;; Dot product of two 4096-element f64 vectors, `reps` times.
  (func (export "dot") (param $reps i32) (result f64)
    (local $i i32) (local $s f64)
    (loop $rep
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.load (local.get $i)) (f64.load offset=32768 (local.get $i)))))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 32768))))
      (br_if $rep (local.tee $reps (i32.sub (local.get $reps) (i32.const 1)))))
    (local.get $s)))
