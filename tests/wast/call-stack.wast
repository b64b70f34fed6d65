;; call-stack.wast: unbounded recursion ends in the trap "call stack exhausted", never
;; in a crash: direct, mutual (three functions), through call_indirect, with big frames
;; (many locals) and with many arguments. Afterwards the instance is intact and deep
;; (but finite) recursion still works, so the exhaustion left no depth or stack
;; accounting behind. 10000 frames is a depth real programs reach (recursive descent
;; parsers, tree walks), so running out before it is a bug here, not a limit.

(module
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 0) $indirect $depth-ind)
  (global $calls (mut i32) (i32.const 0))

  (func $self (export "self") (call $self))
  (func $self-count (export "self-count")
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $self-count))
  (func (export "calls-over") (param i32) (result i32) (i32.gt_u (global.get $calls) (local.get 0)))

  (func $ping (export "ping") (param i32) (result i32) (call $pong (i32.add (local.get 0) (i32.const 1))))
  (func $pong (param i32) (result i32) (call $pang (local.get 0)))
  (func $pang (param i32) (result i32) (i32.add (call $ping (local.get 0)) (i32.const 1)))

  (func $indirect (export "indirect") (call_indirect (type $v) (i32.const 0)))

  (func $big-frame (export "big-frame") (param i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (i64.add (call $big-frame (i64.add (local.get 0) (i64.const 1))) (local.get 16)))

  (func $many-args (export "many-args")
    (param i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 i32 i32 i32 i32)
    (result i64)
    (call $many-args
      (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
      (local.get 7) (local.get 0) (local.get 9) (local.get 10) (local.get 11) (local.get 12)
      (local.get 13) (local.get 14) (local.get 15) (local.get 8) (local.get 17) (local.get 18)
      (local.get 19) (local.get 16)))

  ;; deep but finite: depth(n) = n, recursing n times, with a value live across each call
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
  ;; the same through call_indirect, where the callee is found at run time
  (func $depth-ind (export "depth-ind") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
        (call_indirect (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1))))))
)
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_exhaustion (invoke "self-count") "call stack exhausted")
;; the calls before the exhaustion did happen (over 10000 of them), and their global
;; updates were kept
(assert_return (invoke "calls-over" (i32.const 10000)) (i32.const 1))
(assert_return (invoke "depth" (i32.const 10000)) (i32.const 10000))
(assert_exhaustion (invoke "ping" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "indirect") "call stack exhausted")
(assert_exhaustion (invoke "big-frame" (i64.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "many-args"
  (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
  (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5) (f64.const 6) (f64.const 7) (f64.const 8)
  (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)) "call stack exhausted")
;; repeated exhaustion leaks nothing: deep recursion still works afterwards
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_return (invoke "depth" (i32.const 10000)) (i32.const 10000))
(assert_return (invoke "depth-ind" (i32.const 10000)) (i32.const 10000))
(assert_return (invoke "depth" (i32.const 0)) (i32.const 0))
