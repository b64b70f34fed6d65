;; pinned-locals.wast: i32 and i64 locals and parameters used inside loops, which
;; fast-jit keeps for the whole function in the callee-saved registers rbx, r12, r13
;; and rbp (up to four per function, the most used in loops; the others stay in frame
;; slots). Covers: more hot locals than registers; pinned parameters read before and
;; after being overwritten; references to a pinned local still on the operand stack
;; when local.set/tee overwrites it; direct, indirect, recursive and host calls from
;; loops into callees that pin the same registers; a trapping callee; pinned locals as
;; memory addresses, shift counts, divisors, in i64/i32 conversions, sign extensions
;; (rbp's low byte) and int-to-float conversions, reinterpreted to and from floats, in
;; select/br_if/br_table; nested loops; v128 locals shifting the frame slots; stack
;; exhaustion; functions with more parameters than argument registers.

(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (memory 1)
  (type $ii_i (func (param i32 i32) (result i32)))
  (table funcref (elem $tri $mix))

  ;; Seven hot locals in one loop (at most four pinned): a running mix of i32 and i64
  ;; sums, products, rotations and xors over i = 0 .. n-1 (the body runs at least once).
  (func (export "hot7") (param $n i32) (result i64)
    (local $i i32) (local $a i32) (local $b i64) (local $c i32) (local $d i64)
    (local $e i32) (local $f i64)
    (loop $l
      (local.set $a (i32.add (local.get $a) (local.get $i)))
      (local.set $b (i64.add (local.get $b) (i64.mul (i64.extend_i32_u (local.get $a)) (i64.const 3))))
      (local.set $c (i32.add (i32.mul (local.get $c) (i32.const 31)) (local.get $i)))
      (local.set $d (i64.sub (local.get $d) (i64.extend_i32_s (local.get $c))))
      (local.set $e (i32.xor (i32.rotl (local.get $e) (i32.const 1)) (local.get $a)))
      (local.set $f (i64.xor (local.get $f) (i64.add (local.get $b) (local.get $d))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add
      (i64.add (i64.add (local.get $b) (i64.mul (local.get $d) (i64.const 7))) (local.get $f))
      (i64.add (i64.add (i64.extend_i32_u (local.get $a)) (i64.extend_i32_u (local.get $c)))
               (i64.extend_i32_u (local.get $e)))))

  ;; Pinned parameters: acc starts from x and y as passed; the loop then overwrites
  ;; both n times (y = 3y+1, x = x-7) while adding them into acc.
  (func (export "params") (param $x i32) (param $y i64) (param $n i32) (result i64)
    (local $acc i64) (local $i i32)
    (local.set $acc (i64.add (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 1000)) (local.get $y)))
    (loop $l
      (local.set $acc (i64.add (i64.add (local.get $acc) (local.get $y)) (i64.extend_i32_s (local.get $x))))
      (local.set $y (i64.add (i64.mul (local.get $y) (i64.const 3)) (i64.const 1)))
      (local.set $x (i32.sub (local.get $x) (i32.const 7)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.xor (i64.xor (local.get $acc) (local.get $y)) (i64.extend_i32_u (local.get $x))))

  ;; Pending references: per iteration, with p and q as they were, s = 7s + p + 100q
  ;; + i(i+1) while p becomes q and q becomes 3q, then p and q are swapped through
  ;; the stack; six iterations. Every read below a local.set/tee of the same local
  ;; must see the old value.
  (func (export "pending") (param $p i32) (param $q i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.get $p)          ;; p as it was
      (local.get $q)
      (local.set $p)          ;; p = q
      (local.get $q)          ;; q as it was
      (local.get $p)
      (i32.const 3)
      (i32.mul)
      (local.set $q)          ;; q = 3 * old q
      (i32.const 100)
      (i32.mul)
      (i32.add)               ;; old p + 100 * old q
      (local.get $s)
      (i32.const 7)
      (i32.mul)
      (i32.add)
      (local.get $i)          ;; i as it was
      (local.get $i)
      (i32.const 1)
      (i32.add)
      (local.tee $i)          ;; i = i + 1; the tee leaves the new value
      (i32.mul)
      (i32.add)
      (local.tee $s)
      (local.set $s)          ;; s = s (the same value)
      (local.get $p) (local.get $q) (local.set $p) (local.set $q) ;; swap p and q
      (br_if $l (i32.lt_u (local.get $i) (i32.const 6))))
    (i32.add (local.get $s) (i32.mul (i32.sub (local.get $p) (local.get $q)) (i32.const 5))))

  ;; a*b + b*(b-1)/2 by a loop adding a+k for k < b: all four of its locals pinned.
  (func $tri (param $a i32) (param $b i32) (result i32)
    (local $k i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $b)))
        (local.set $s (i32.add (local.get $s) (i32.add (local.get $a) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (local.get $s))
  ;; Four rounds of a = 3a xor b.
  (func $mix (param $a i32) (param $b i32) (result i32)
    (local $k i32)
    (loop $l
      (local.set $a (i32.xor (i32.mul (local.get $a) (i32.const 3)) (local.get $b)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 4))))
    (local.get $a))
  ;; rec(0) = 1, rec(n) = sum over j < 3 of (j*n + rec(n-1)) = 3n + 3 rec(n-1): the
  ;; recursive call is inside the loop, with j and t pinned.
  (func $rec (export "rec") (param $n i32) (result i32)
    (local $j i32) (local $t i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
    (loop $l
      (local.set $t (i32.add (local.get $t)
        (i32.add (i32.mul (local.get $j) (local.get $n)) (call $rec (i32.sub (local.get $n) (i32.const 1))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $j) (i32.const 3))))
    (local.get $t))

  ;; Calls from a loop whose pinned locals must survive them: for i < n,
  ;; x += tri(i, 3); y ^= table[i & 1](x, i); acc += x + y*65536 + rec(i & 3).
  (func (export "calls") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $y i32) (local $acc i64)
    (loop $l
      (local.set $x (i32.add (local.get $x) (call $tri (local.get $i) (i32.const 3))))
      (local.set $y (i32.xor (local.get $y)
        (call_indirect (type $ii_i) (local.get $x) (local.get $i) (i32.and (local.get $i) (i32.const 1)))))
      (local.set $acc (i64.add (local.get $acc)
        (i64.add (i64.add (i64.extend_i32_u (local.get $x)) (i64.mul (i64.extend_i32_u (local.get $y)) (i64.const 65536)))
                 (i64.extend_i32_u (call $rec (i32.and (local.get $i) (i32.const 3)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; The host function print_i32 called from a loop: prints i*i for i < n and returns
  ;; the sum of (i*i) xor s over the iterations, s the running result.
  (func (export "print-loop") (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $sq i32)
    (loop $l
      (local.set $sq (i32.mul (local.get $i) (local.get $i)))
      (call $print (local.get $sq))
      (local.set $s (i32.add (local.get $s) (i32.xor (local.get $sq) (local.get $s))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  ;; A callee with pinned locals that divides: sum over k < 3 of a / (b + k) (signed).
  (func $divloop (param $a i32) (param $b i32) (result i32)
    (local $k i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.div_s (local.get $a) (i32.add (local.get $b) (local.get $k)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 3))))
    (local.get $s))
  ;; Sum over i < 4 of divloop(1000, z - i*3): traps when some z - 3i + k is 0.
  (func (export "trap-callee") (param $z i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (call $divloop (i32.const 1000) (i32.sub (local.get $z) (i32.mul (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))

  ;; A pinned pointer: for i < n at p = base + 8i, stores i*3+5 at p+4 (i32), i at p+1
  ;; (i8) and the i64 y at p+16, then sums the i32 at p+4, the u8 at p+1 and the low
  ;; half of the i64 at p+16 read back; y grows by 0x100000001 per step.
  (func (export "mem") (param $base i32) (param $n i32) (result i32)
    (local $p i32) (local $i i32) (local $s i32) (local $y i64)
    (local.set $p (local.get $base))
    (local.set $y (i64.const 0x1_0000_0001))
    (loop $l
      (i32.store offset=4 (local.get $p) (i32.add (i32.mul (local.get $i) (i32.const 3)) (i32.const 5)))
      (i32.store8 offset=1 (local.get $p) (local.get $i))
      (i64.store offset=16 (local.get $p) (local.get $y))
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.add (i32.load offset=4 (local.get $p)) (i32.load8_u offset=1 (local.get $p)))
                 (i32.wrap_i64 (i64.load offset=16 (local.get $p))))))
      (local.set $y (i64.add (local.get $y) (i64.const 0x1_0000_0001)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "load") (param $a i32) (result i32) (i32.load (local.get $a)))

  ;; Pinned shift counts k = 0, 7, ..., 63 (masked by each shift): the sum of
  ;; x shl k, x shr_s k (i32), y shr_u k, y rotl k and y shl (k + 32) (i64).
  (func (export "shifts") (param $x i32) (param $y i64) (result i64)
    (local $k i32) (local $kk i64) (local $s i64)
    (loop $l
      (local.set $kk (i64.extend_i32_u (local.get $k)))
      (local.set $s (i64.add (local.get $s)
        (i64.add
          (i64.add (i64.extend_i32_u (i32.shl (local.get $x) (local.get $k)))
                   (i64.extend_i32_u (i32.shr_s (local.get $x) (local.get $k))))
          (i64.add (i64.add (i64.shr_u (local.get $y) (local.get $kk)) (i64.rotl (local.get $y) (local.get $kk)))
                   (i64.shl (local.get $y) (i64.add (local.get $kk) (i64.const 32)))))))
      (local.set $k (i32.add (local.get $k) (i32.const 7)))
      (br_if $l (i32.le_u (local.get $k) (i32.const 63))))
    (local.get $s))

  ;; Pinned divisors d - i for i < 4: the sum of a div_s, a rem_u (i32) and the
  ;; i64 b div_u, rem_s by extend_s(d - i).
  (func (export "divs") (param $a i32) (param $d i32) (param $b i64) (result i64)
    (local $i i32) (local $q i32) (local $dd i64) (local $s i64)
    (loop $l
      (local.set $q (i32.sub (local.get $d) (local.get $i)))
      (local.set $dd (i64.extend_i32_s (local.get $q)))
      (local.set $s (i64.add (local.get $s)
        (i64.add
          (i64.extend_i32_u (i32.add (i32.div_s (local.get $a) (local.get $q)) (i32.rem_u (local.get $a) (local.get $q))))
          (i64.add (i64.div_u (local.get $b) (local.get $dd)) (i64.rem_s (local.get $b) (local.get $dd))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))

  ;; i64 and i32 mixed on pinned locals, 5 rounds: w = wrap(x); x = (x + extend_s(w))
  ;; rotl 13; v = v xor extend_u(w); returns wrap(x) + wrap(v >> 32) + wrap(v).
  (func (export "mix64") (param $x i64) (result i32)
    (local $w i32) (local $v i64) (local $i i32)
    (loop $l
      (local.set $w (i32.wrap_i64 (local.get $x)))
      (local.set $x (i64.rotl (i64.add (local.get $x) (i64.extend_i32_s (local.get $w))) (i64.const 13)))
      (local.set $v (i64.xor (local.get $v) (i64.extend_i32_u (local.get $w))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
    (i32.add (i32.add (i32.wrap_i64 (local.get $x)) (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32))))
             (i32.wrap_i64 (local.get $v))))

  ;; Reinterpretation of pinned locals, 3 rounds: the f32 in b's bits gets +1 (b
  ;; rewritten by i32.reinterpret_f32), the f64 in c's bits doubles. "reinterp" returns
  ;; the f32 of b promoted plus the f64 of c; "reinterp-bits" returns b's bits.
  (func $reinterp (param $b i32) (param $c i64) (result i32 i64)
    (local $i i32)
    (loop $l
      (local.set $b (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get $b)) (f32.const 1))))
      (local.set $c (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get $c)) (f64.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $b) (local.get $c))
  (func (export "reinterp") (param $b i32) (param $c i64) (result f64)
    (local $r i32) (local $s i64)
    (call $reinterp (local.get $b) (local.get $c))
    (local.set $s) (local.set $r)
    (f64.add (f64.promote_f32 (f32.reinterpret_i32 (local.get $r))) (f64.reinterpret_i64 (local.get $s))))
  (func (export "reinterp-bits") (param $b i32) (result i32)
    (call $reinterp (local.get $b) (i64.const 0)) (drop))

  ;; Control on pinned locals, i < n: s += select(a, b, i & 1); then br_table on
  ;; i mod 3 adds 1, 10 or 100 to a; br_if on the pinned flag f (f = i & 2) skips
  ;; b += 1000.
  (func (export "ctl") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $s i32) (local $f i32)
    (local.set $a (i32.const 3))
    (local.set $b (i32.const 5))
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (select (local.get $a) (local.get $b) (i32.and (local.get $i) (i32.const 1)))))
      (block $end (block $c2 (block $c1 (block $c0
        (br_table $c0 $c1 $c2 (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $a (i32.add (local.get $a) (i32.const 1))) (br $end))
        (local.set $a (i32.add (local.get $a) (i32.const 10))) (br $end))
        (local.set $a (i32.add (local.get $a) (i32.const 100))))
      (local.set $f (i32.and (local.get $i) (i32.const 2)))
      (block $skip
        (br_if $skip (local.get $f))
        (local.set $b (i32.add (local.get $b) (i32.const 1000))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (i32.add (local.get $a) (local.get $b))))

  ;; Five nested loops, each index from 0 to n-1 (n >= 1): acc (i64) sums
  ;; i + 3j + 9k + 27l + 81m over all n^5 points, cnt counts them; returns
  ;; acc * 1000 + cnt.
  (func (export "nest5") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $k i32) (local $l i32) (local $m i32)
    (local $acc i64) (local $cnt i32)
    (loop $li
      (local.set $j (i32.const 0))
      (loop $lj
        (local.set $k (i32.const 0))
        (loop $lk
          (local.set $l (i32.const 0))
          (loop $ll
            (local.set $m (i32.const 0))
            (loop $lm
              (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u
                (i32.add (i32.add (i32.add (local.get $i) (i32.mul (local.get $j) (i32.const 3)))
                                  (i32.add (i32.mul (local.get $k) (i32.const 9)) (i32.mul (local.get $l) (i32.const 27))))
                         (i32.mul (local.get $m) (i32.const 81))))))
              (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
              (local.set $m (i32.add (local.get $m) (i32.const 1)))
              (br_if $lm (i32.lt_u (local.get $m) (local.get $n))))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br_if $ll (i32.lt_u (local.get $l) (local.get $n))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $lk (i32.lt_u (local.get $k) (local.get $n))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $lj (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $li (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (i64.mul (local.get $acc) (i64.const 1000)) (i64.extend_i32_u (local.get $cnt))))

  ;; v128 locals before and between the pinned ones (each takes two frame slots):
  ;; for i < n, v += splat(i) lane-wise, w ^= v, s += lane 2 of v; returns
  ;; s + lane 3 of w + x, x a pinned i64 counting the iterations.
  (func (export "vloop") (param $n i32) (result i32)
    (local $v v128) (local $i i32) (local $w v128) (local $s i32) (local $x i64)
    (local.set $v (v128.const i32x4 1 2 3 4))
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (local.set $w (v128.xor (local.get $w) (local.get $v)))
      (local.set $s (i32.add (local.get $s) (i32x4.extract_lane 2 (local.get $v))))
      (local.set $x (i64.add (local.get $x) (i64.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (i32.add (local.get $s) (i32x4.extract_lane 3 (local.get $w))) (i32.wrap_i64 (local.get $x))))

  ;; Unbounded recursion from inside a loop with pinned locals.
  (func $deep (export "deep") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
    (i32.add (local.get $s) (call $deep (i32.add (local.get $n) (local.get $i)))))

  ;; Sign extension and int-to-float conversion straight from pinned registers: in
  ;; ext8 and ext64 the loop counter i and s and t rank first (ties go to the lower
  ;; index), so the parameter, used once, is pinned last, in rbp (its low byte bpl
  ;; needs a REX prefix). Three rounds of s += 2t + i with t = extend8_s(x): 6t + 3.
  (func (export "ext8") (param $x i32) (result i32)
    (local $i i32) (local $s i32) (local $t i32)
    (loop $l
      (local.set $t (i32.extend8_s (local.get $x)))
      (local.set $s (i32.add (local.get $s) (i32.add (local.get $t) (local.get $t))))
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))
  ;; The same with i64.extend8_s, plus extend16_s and extend32_s of y once after.
  (func (export "ext64") (param $y i64) (result i64)
    (local $i i32) (local $s i64) (local $t i64)
    (loop $l
      (local.set $t (i64.extend8_s (local.get $y)))
      (local.set $s (i64.add (local.get $s) (i64.add (local.get $t) (local.get $t))))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (i64.add (local.get $s)
      (i64.add (i64.mul (i64.extend16_s (local.get $y)) (i64.const 1000)) (i64.extend32_s (local.get $y)))))
  ;; Two rounds of d += convert_i32_s(x) + convert_i64_s(y) + convert_i32_u(x), x and
  ;; y pinned, d (f64) in its slot.
  (func (export "cvt") (param $x i32) (param $y i64) (result f64)
    (local $i i32) (local $d f64)
    (loop $l
      (local.set $d (f64.add (local.get $d)
        (f64.add (f64.add (f64.convert_i32_s (local.get $x)) (f64.convert_i64_s (local.get $y)))
                 (f64.convert_i32_u (local.get $x)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
    (local.get $d))

  ;; Nine parameters (more than the six argument registers): the loop uses p2, p5,
  ;; p7 and p8 (pinned), the others are read once. For k < 4: p7 = p7*2 + p2,
  ;; p8 = p8 + extend_u(p5) (i64), p5 = p5 xor k, p2 = p2 + 1. The result weights
  ;; every parameter by its position.
  (func (export "many") (param $p0 i32) (param $p1 i64) (param $p2 i32) (param $p3 i64)
    (param $p4 i32) (param $p5 i32) (param $p6 i64) (param $p7 i32) (param $p8 i64) (result i64)
    (local $k i32)
    (loop $l
      (local.set $p7 (i32.add (i32.mul (local.get $p7) (i32.const 2)) (local.get $p2)))
      (local.set $p8 (i64.add (local.get $p8) (i64.extend_i32_u (local.get $p5))))
      (local.set $p5 (i32.xor (local.get $p5) (local.get $k)))
      (local.set $p2 (i32.add (local.get $p2) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 4))))
    (i64.add
      (i64.add (i64.add (i64.extend_i32_u (local.get $p0)) (i64.mul (local.get $p1) (i64.const 2)))
               (i64.add (i64.mul (i64.extend_i32_u (local.get $p2)) (i64.const 3)) (i64.mul (local.get $p3) (i64.const 4))))
      (i64.add
        (i64.add (i64.mul (i64.extend_i32_u (local.get $p4)) (i64.const 5)) (i64.mul (i64.extend_i32_u (local.get $p5)) (i64.const 6)))
        (i64.add (i64.mul (local.get $p6) (i64.const 7))
                 (i64.add (i64.mul (i64.extend_i32_u (local.get $p7)) (i64.const 8)) (i64.mul (local.get $p8) (i64.const 9)))))))
)

(assert_return (invoke "hot7" (i32.const 0)) (i64.const 0))
(assert_return (invoke "hot7" (i32.const 10)) (i64.const -2195404427))
(assert_return (invoke "hot7" (i32.const 1000)) (i64.const -110972591160))
(assert_return (invoke "params" (i32.const 5) (i64.const -2) (i32.const 10)) (i64.const 4294851783))
(assert_return (invoke "params" (i32.const 0x7fffffff) (i64.const 0x123456789) (i32.const 3)) (i64.const 2317846163945))
(assert_return (invoke "params" (i32.const -1) (i64.const -1) (i32.const 1)) (i64.const -4290672329709))
(assert_return (invoke "pending" (i32.const 1) (i32.const 2)) (i32.const 3962851))
(assert_return (invoke "pending" (i32.const -7) (i32.const 1000)) (i32.const 1969102969))
(assert_return (invoke "pending" (i32.const 0) (i32.const 0)) (i32.const 7618))
(assert_return (invoke "rec" (i32.const 0)) (i32.const 1))
(assert_return (invoke "rec" (i32.const 4)) (i32.const 255))
(assert_return (invoke "rec" (i32.const 6)) (i32.const 2358))
(assert_return (invoke "calls" (i32.const 1)) (i64.const 4))
(assert_return (invoke "calls" (i32.const 5)) (i64.const 475988186))
(assert_return (invoke "calls" (i32.const 40)) (i64.const 129694862056))
(assert_return (invoke "print-loop" (i32.const 4)) (i32.const 21))

;; A trap three calls deep (divloop by zero) with pinned registers live in both.
(assert_return (invoke "trap-callee" (i32.const 20)) (i32.const 755))
(assert_trap (invoke "trap-callee" (i32.const 5)) "integer divide by zero")
(assert_return (invoke "trap-callee" (i32.const -3)) (i32.const -3100))
(assert_trap (invoke "trap-callee" (i32.const 0)) "integer divide by zero")
(assert_return (invoke "trap-callee" (i32.const 100)) (i32.const 118))
(assert_return (invoke "calls" (i32.const 5)) (i64.const 475988186))

(assert_return (invoke "mem" (i32.const 0) (i32.const 3)) (i32.const 33))
(assert_return (invoke "mem" (i32.const 100) (i32.const 10)) (i32.const 285))
(assert_return (invoke "mem" (i32.const 65512) (i32.const 1)) (i32.const 6)) ;; the i64 ends at 65536
;; Second iteration: p = 65516; the i32 at 65520 is stored (8), the i64 at 65532 traps.
(assert_trap (invoke "mem" (i32.const 65508) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65520)) (i32.const 8))
(assert_trap (invoke "mem" (i32.const -1) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "mem" (i32.const 0) (i32.const 3)) (i32.const 33))

(assert_return (invoke "shifts" (i32.const 1) (i64.const 1)) (i64.const -7988747428930746092))
(assert_return (invoke "shifts" (i32.const -305419896) (i64.const 0x0123456789abcdef)) (i64.const -2223292557689439584))
(assert_return (invoke "shifts" (i32.const 0x80000000) (i64.const -1)) (i64.const -1016749632822429603))

(assert_return (invoke "divs" (i32.const 1000) (i32.const 10) (i64.const 123456789012)) (i64.const 59131883170))
(assert_return (invoke "divs" (i32.const -1000) (i32.const -2) (i64.const -5)) (i64.const 17179866464))
(assert_return (invoke "divs" (i32.const 7) (i32.const 100) (i64.const -1)) (i64.const 749202890657768598))
(assert_trap (invoke "divs" (i32.const 1) (i32.const 2) (i64.const 1)) "integer divide by zero")
(assert_trap (invoke "divs" (i32.const 0x80000000) (i32.const -1) (i64.const 1)) "integer overflow")
(assert_return (invoke "divs" (i32.const 1000) (i32.const 10) (i64.const 123456789012)) (i64.const 59131883170))

(assert_return (invoke "mix64" (i64.const 1)) (i32.const 268451857))
(assert_return (invoke "mix64" (i64.const 0x0123456789abcdef)) (i32.const 853202324))
(assert_return (invoke "mix64" (i64.const -1)) (i32.const -268443658))

;; 1.5 + 3 = 4.5 (bits 0x40900000), 0.75 * 8 = 6; -0.25 + 3 = 2.75 (0x40300000);
;; 1e300 * 8 (exact: a power of two); 1e308 * 8 overflows to infinity.
(assert_return (invoke "reinterp" (i32.const 0x3fc00000) (i64.const 0x3fe8000000000000)) (f64.const 10.5))
(assert_return (invoke "reinterp-bits" (i32.const 0x3fc00000)) (i32.const 0x40900000))
(assert_return (invoke "reinterp-bits" (i32.const 0xbe800000)) (i32.const 0x40300000))
(assert_return (invoke "reinterp" (i32.const 0xbe800000) (i64.const 9094988921128908188)) (f64.const 0x1.7e43c8800759cp+999))
(assert_return (invoke "reinterp" (i32.const 0) (i64.const 9214871658872686752)) (f64.const inf))

(assert_return (invoke "ctl" (i32.const 1)) (i32.const 1014))
(assert_return (invoke "ctl" (i32.const 7)) (i32.const 12494))
(assert_return (invoke "ctl" (i32.const 100)) (i32.const 1394952))

(assert_return (invoke "nest5" (i32.const 1)) (i64.const 1))
(assert_return (invoke "nest5" (i32.const 3)) (i64.const 29403243)) ;; 81 * 3 * 121 = 29403, 243 points
(assert_return (invoke "nest5" (i32.const 5)) (i64.const 756253125))

(assert_return (invoke "vloop" (i32.const 1)) (i32.const 8))
(assert_return (invoke "vloop" (i32.const 10)) (i32.const 254))
(assert_return (invoke "vloop" (i32.const 100)) (i32.const 168438))

(assert_exhaustion (invoke "deep" (i32.const 0)) "call stack exhausted")
(assert_return (invoke "calls" (i32.const 40)) (i64.const 129694862056))
(assert_return (invoke "rec" (i32.const 6)) (i32.const 2358))

(assert_return (invoke "many" (i32.const 1) (i64.const 2) (i32.const 3) (i64.const 4) (i32.const 5)
                              (i32.const 6) (i64.const 7) (i32.const 8) (i64.const 9)) (i64.const 1921))
(assert_return (invoke "many" (i32.const -1) (i64.const -2) (i32.const 0x7fffffff) (i64.const 0x100000000)
                              (i32.const -5) (i32.const 0xfff0) (i64.const 3) (i32.const -9) (i64.const 0x10000000000))
               (i64.const 9962179393764))
;; extend8_s(0x1ff80) = -128: 6 * -128 + 3; extend8_s(0x7f) = 127.
(assert_return (invoke "ext8" (i32.const 0x1ff80)) (i32.const -765))
(assert_return (invoke "ext8" (i32.const 0x7f)) (i32.const 765))
;; y = 0x1_8000_ff80: extend8_s -128 (6 * -128 + 3 = -765), extend16_s -128
;; (* 1000), extend32_s -2147418240 (0x8000ff80).
(assert_return (invoke "ext64" (i64.const 0x18000ff80)) (i64.const -2147547005))
(assert_return (invoke "ext64" (i64.const 0x7f)) (i64.const 127892))
;; 2 * (-3 - 5 + 4294967293)
(assert_return (invoke "cvt" (i32.const -3) (i64.const -5)) (f64.const 8589934570))
