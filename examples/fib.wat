;; fib.wat: the example module of the README.
;;   wasm-run --invoke=fib examples/fib.wasm 20     prints 6765
;;   wasm-run --invoke=fib_iter examples/fib.wasm 90  prints 2880067194370816120
(module
  ;; Recursive Fibonacci: a call-heavy loop for measuring the interpreters.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; Iterative Fibonacci over i64.
  (func (export "fib_iter") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))

  ;; _start runs when no --invoke is given; it traps if fib is wrong.
  (func (export "_start")
    (if (i32.ne (call $fib (i32.const 20)) (i32.const 6765))
      (then unreachable))))
