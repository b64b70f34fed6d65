;; simd-regs.wast: pins what a compiler keeping v128 values in XMM registers must get
;; right, beyond simd-slots.wast: more v128 values live at once than there are
;; registers (spills, reloads, a pending read of a local that is then overwritten);
;; i32/i64/f32/f64/v128 params, locals, results and stack values interleaved (v128
;; takes two slots, so every later slot shifts); v128 values and locals live across
;; direct and indirect calls to callees that use every XMM register; v128 values
;; carried by br, br_if and br_table out of nested blocks and through if/loop params;
;; selects whose condition comes straight from a comparison; local.tee with old
;; values still pending; mutable v128 globals changed by a callee; a v128 load that
;; must not be re-read after a store; unaligned and offset loads and stores; and every
;; extract_lane shape of such results.

(module
  (type $v2v (func (param v128) (result v128)))
  (type $mix (func (param i32 v128 f64 v128 i64) (result v128 i32 v128)))
  (memory 1)
  ;; bytes 0..31 hold their own address
  (data (i32.const 0) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f"
                      "\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f")
  (table funcref (elem $spill $mix5 $rev))
  (global $ga (mut v128) (v128.const i32x4 1 2 3 4))
  (global $gb (mut v128) (v128.const i32x4 10 20 30 40))

  ;; $spill: 20 values x+k (k = 1..20) live at once, folded from the top as
  ;; v1 + 2*(v2 + 2*(v3 + ...)) = sum 2^(k-1)*(x+k) = x*(2^20-1) + 19*2^20+1 per i32 lane.
  ;; A value reloaded from the wrong slot or two values swapped change the result.
  (func $spill (export "spill") (param $x v128) (result v128)
    (i32x4.add (local.get $x) (v128.const i32x4 1 1 1 1))
    (i32x4.add (local.get $x) (v128.const i32x4 2 2 2 2))
    (i32x4.add (local.get $x) (v128.const i32x4 3 3 3 3))
    (i32x4.add (local.get $x) (v128.const i32x4 4 4 4 4))
    (i32x4.add (local.get $x) (v128.const i32x4 5 5 5 5))
    (i32x4.add (local.get $x) (v128.const i32x4 6 6 6 6))
    (i32x4.add (local.get $x) (v128.const i32x4 7 7 7 7))
    (i32x4.add (local.get $x) (v128.const i32x4 8 8 8 8))
    (i32x4.add (local.get $x) (v128.const i32x4 9 9 9 9))
    (i32x4.add (local.get $x) (v128.const i32x4 10 10 10 10))
    (i32x4.add (local.get $x) (v128.const i32x4 11 11 11 11))
    (i32x4.add (local.get $x) (v128.const i32x4 12 12 12 12))
    (i32x4.add (local.get $x) (v128.const i32x4 13 13 13 13))
    (i32x4.add (local.get $x) (v128.const i32x4 14 14 14 14))
    (i32x4.add (local.get $x) (v128.const i32x4 15 15 15 15))
    (i32x4.add (local.get $x) (v128.const i32x4 16 16 16 16))
    (i32x4.add (local.get $x) (v128.const i32x4 17 17 17 17))
    (i32x4.add (local.get $x) (v128.const i32x4 18 18 18 18))
    (i32x4.add (local.get $x) (v128.const i32x4 19 19 19 19))
    (i32x4.add (local.get $x) (v128.const i32x4 20 20 20 20))
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add) (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add)
    (i32x4.shl (i32.const 1)) (i32x4.add))

  ;; $spill8: an old read of x pending at the bottom, 17 values splat(n+k) - x computed
  ;; with scalar work between them, then x overwritten with C, then
  ;; select(C, -C, n < 50) from a comparison while 18 v128 values are live; the 19
  ;; values are folded with i8x16.sub from the top: v0 - v1 + v2 - ... - v17 + v18.
  (func $spill8 (export "spill8") (param $x v128) (param $n i32) (result v128)
    (local.get $x)
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 1))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 2))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 3))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 4))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 5))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 6))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 7))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 8))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 9))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 10))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 11))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 12))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 13))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 14))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 15))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 16))) (local.get $x))
    (i8x16.sub (i8x16.splat (i32.add (local.get $n) (i32.const 17))) (local.get $x))
    (local.set $x (v128.const i8x16 0 16 32 48 64 80 96 112 128 144 160 176 192 208 224 240))
    (select (result v128) (local.get $x) (i8x16.neg (local.get $x))
      (i32.lt_u (local.get $n) (i32.const 50)))
    (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub)
    (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub)
    (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub) (i8x16.sub))

  ;; $mix5: params in slots 0 (i32), 1-2 (v128), 3 (f64), 4-5 (v128), 6 (i64), then
  ;; f32, v128, i64, v128 locals. Returns (b+d with i64 lane 1 replaced by e+a,
  ;; trunc(c)+a, d-b with f32 lane 3 replaced by demote(c)).
  (func $mix5 (export "mix5") (type $mix)
    (local $f f32) (local $g v128) (local $h i64) (local $k v128)
    (local.set $f (f32.demote_f64 (local.get 2)))
    (local.set $g (i32x4.add (local.get 1) (local.get 3)))
    (local.set $h (i64.add (local.get 4) (i64.extend_i32_s (local.get 0))))
    (local.set $k (f32x4.replace_lane 3 (i32x4.sub (local.get 3) (local.get 1)) (local.get $f)))
    (i64x2.replace_lane 1 (local.get $g) (local.get $h))
    (i32.add (i32.trunc_f64_s (local.get 2)) (local.get 0))
    (local.get $k))

  ;; scalars and a computed v128 (v+v) below a call of $mix5 (direct when i is 0,
  ;; through the table otherwise, inside an if with five params) stay under its results.
  (func (export "call-mix") (param $v v128) (param $i i32) (result f32 v128 i64 v128 i32 v128 f64)
    (f32.const -0.5)
    (i8x16.add (local.get $v) (local.get $v))
    (i64.const -3)
    (i32.const 7) (local.get $v) (f64.const 2.75) (v128.const i32x4 100 200 300 400)
    (i64.const 0x100000000)
    (if (param i32 v128 f64 v128 i64) (result v128 i32 v128) (local.get $i)
      (then (call_indirect (type $mix) (local.get $i)))
      (else (call $mix5)))
    (f64.const 6.5))

  ;; call_indirect of type $mix through table[i] under a live v128 S = splat(i):
  ;; returns S lane 2 + r2 = i + trunc(1.5) + 40 (traps unless table[i] is $mix5)
  (func (export "mix-indirect") (param $i i32) (result i32)
    (local $r i32)
    (i32x4.splat (local.get $i))
    (call_indirect (type $mix) (i32.const 40) (v128.const i32x4 1 2 3 4) (f64.const 1.5)
      (v128.const i32x4 0 0 0 0) (i64.const 0) (local.get $i))
    (drop) (local.set $r) (drop)
    (i32.add (i32x4.extract_lane 2) (local.get $r)))

  ;; $rev: the bytes of x in reverse order
  (func $rev (param $x v128) (result v128)
    (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $x) (local.get $x)))

  ;; A = x*x, B = x+1 (i16 lanes), local l = 3x and f64 d live across a direct call of
  ;; $spill and a call_indirect of table[i] (both use every XMM register).
  ;; Returns (A, B - spill(x), table[i](l) xor l, d * 2).
  (func (export "across-calls") (param $x v128) (param $d f64) (param $i i32)
    (result v128 v128 v128 f64)
    (local $l v128)
    (local.set $l (i32x4.mul (local.get $x) (v128.const i32x4 3 3 3 3)))
    (i32x4.mul (local.get $x) (local.get $x))
    (i16x8.add (local.get $x) (v128.const i16x8 1 1 1 1 1 1 1 1))
    (call $spill (local.get $x))
    (i32x4.sub)
    (call_indirect (type $v2v) (local.get $l) (local.get $i))
    (v128.xor (local.get $l))
    (f64.add (local.get $d) (local.get $d)))

  ;; br_table out of three nested blocks carrying (v128 i32), under a v128 P = x*x
  ;; (i16) that must survive. v = x + (1 2 3 4). s=0: (neg8(v<<1), 1110);
  ;; s=1: (neg8(v), 1010); s>=2: (v, 10).
  (func (export "br-nested") (param $x v128) (param $s i32) (result v128 v128 i32)
    (local $t i32)
    (i16x8.mul (local.get $x) (local.get $x))
    (block $out (result v128 i32)
      (block $mid (result v128 i32)
        (block $in (result v128 i32)
          (i32x4.add (local.get $x) (v128.const i32x4 1 2 3 4))
          (i32.const 10)
          (br_table $in $mid $out (local.get $s)))
        (local.set $t (i32.add (i32.const 100)))
        (i32x4.shl (i32.const 1))
        (local.get $t))
      (local.set $t (i32.add (i32.const 1000)))
      (i8x16.neg)
      (local.get $t)))

  ;; br_if carrying (v128 i32), taken or not: c<0: (2x, 1); c>0: (x, 2); c=0: (x*x, 3)
  (func (export "br-if") (param $x v128) (param $c i32) (result v128 i32)
    (block $b (result v128 i32)
      (i32x4.add (local.get $x) (local.get $x))
      (i32.const 1)
      (br_if $b (i32.lt_s (local.get $c) (i32.const 0)))
      (drop)
      (i32x4.sub (local.get $x))
      (i32.const 2)
      (br_if $b (local.get $c))
      (drop)
      (i32x4.mul (local.get $x))
      (i32.const 3)))

  ;; an if with params (v128 i32 v128), condition n > 5: (x-y, f64 n); else (x*y, n/2)
  (func (export "if-multi") (param $x v128) (param $y v128) (param $n i32) (result v128 f64)
    (local $t v128)
    (local.get $x) (local.get $n) (local.get $y)
    (if (param v128 i32 v128) (result v128 f64) (i32.gt_s (local.get $n) (i32.const 5))
      (then (local.set $t) (local.set $n) (i32x4.sub (local.get $t))
            (f64.convert_i32_s (local.get $n)))
      (else (local.set $t) (local.set $n) (i32x4.mul (local.get $t))
            (f64.mul (f64.convert_i32_s (local.get $n)) (f64.const 0.5)))))

  ;; a loop with params (a, b) -> (b, a+b) in i64 lanes, starting from lanes (0, 1) and
  ;; (1, 1), n >= 1 times; $acc adds every old b. Returns (a, b, acc): Fibonacci
  ;; numbers F(n), F(n+1) in lane 0 and F(n+1), F(n+2) in lane 1, acc = F(n+2)-1 and
  ;; F(n+3)-2, wrapping at 2^64 (F(100) mod 2^64 = 3736710778780434371).
  (func (export "loop-fib") (param $n i32) (result v128 v128 v128)
    (local $acc v128) (local $a v128) (local $b v128)
    (v128.const i64x2 0 1) (v128.const i64x2 1 1)
    (loop $l (param v128 v128) (result v128 v128)
      (local.set $b) (local.set $a)
      (local.get $b)
      (i64x2.add (local.get $a) (local.get $b))
      (local.set $acc (i64x2.add (local.get $acc) (local.get $b)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))

  ;; typed select by i32.lt_s(a, b), untyped select by the local a, typed select by
  ;; f64.lt and by i64.eqz, all straight from the comparison:
  ;; (a<b ? x : y, a ? x+y : x-y, d<0 ? y : x, (i64)a==0 ? x : y)
  (func (export "select-cmp") (param $x v128) (param $y v128) (param $a i32) (param $b i32)
    (param $d f64) (result v128 v128 v128 v128)
    (select (result v128) (local.get $x) (local.get $y) (i32.lt_s (local.get $a) (local.get $b)))
    (select (i32x4.add (local.get $x) (local.get $y)) (i32x4.sub (local.get $x) (local.get $y))
      (local.get $a))
    (select (result v128) (local.get $y) (local.get $x) (f64.lt (local.get $d) (f64.const 0)))
    (select (local.get $x) (local.get $y) (i64.eqz (i64.extend_i32_u (local.get $a)))))

  ;; two pending reads of old x, then x := old*(2 3 4 5) by local.tee, then a read of
  ;; the new x; [o, o, n, n] folds to o * (o - (n + n)). Then x read, x := C by a tee
  ;; nested in the add (the read must keep n): n + C (i8), and x read again: C.
  (func (export "tee") (param $x v128) (result v128 v128 v128)
    (local.get $x) (local.get $x)
    (local.tee $x (i32x4.mul (local.get $x) (v128.const i32x4 2 3 4 5)))
    (local.get $x)
    (i32x4.add) (i32x4.sub) (i32x4.mul)
    (i8x16.add (local.get $x) (local.tee $x (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)))
    (local.get $x))

  ;; $bump doubles $gb
  (func $bump (global.set $gb (i32x4.shl (global.get $gb) (i32.const 1))))
  ;; swaps $ga and $gb through the stack (both old values pending while set), then
  ;; ga := ga + x and a call of $bump; returns (old gb, 2 * old ga, old gb + x).
  (func (export "globals") (param $x v128) (result v128 v128 v128)
    (global.get $ga) (global.get $gb)
    (global.set $ga) (global.set $gb)
    (global.get $ga)
    (global.set $ga (i32x4.add (global.get $ga) (local.get $x)))
    (call $bump)
    (global.get $gb)
    (global.get $ga))

  ;; 16 bytes from a+3 (any alignment); from a+16 (last valid a: 65504)
  (func (export "load3") (param $a i32) (result v128) (v128.load offset=3 align=1 (local.get $a)))
  (func (export "load16") (param $a i32) (result v128) (v128.load offset=16 (local.get $a)))
  ;; stores v at a+5 (unaligned), returns its two halves and the bytes at a+4 and a+21,
  ;; which stay as they were
  (func (export "store5") (param $a i32) (param $v v128) (result i64 i64 i32 i32)
    (v128.store offset=5 align=4 (local.get $a) (local.get $v))
    (i64.load offset=5 (local.get $a)) (i64.load offset=13 (local.get $a))
    (i32.load8_u offset=4 (local.get $a)) (i32.load8_u offset=21 (local.get $a)))
  ;; a loaded value stays as loaded after a store to the same bytes: (old, old + 1 (i8))
  (func (export "load-store") (param $a i32) (result v128 v128)
    (v128.load (local.get $a))
    (v128.store (local.get $a) (i8x16.add (v128.load (local.get $a)) (i8x16.splat (i32.const 1))))
    (v128.load (local.get $a)))

  ;; every extract_lane shape applied to s = $spill(x), its i32 lanes also converted to
  ;; f32 and f64: (i8 lane 14 signed, i8 lane 15 unsigned, i16 lane 4 signed, i16 lane 7
  ;; unsigned, i32 lane 3, i64 lane 1, f32 lane 0 (rounded to even), f64 lane 1)
  (func (export "lanes") (param $x v128) (result i32 i32 i32 i32 i32 i64 f32 f64)
    (local $s v128)
    (local.set $s (call $spill (local.get $x)))
    (i8x16.extract_lane_s 14 (local.get $s))
    (i8x16.extract_lane_u 15 (local.get $s))
    (i16x8.extract_lane_s 4 (local.get $s))
    (i16x8.extract_lane_u 7 (local.get $s))
    (i32x4.extract_lane 3 (local.get $s))
    (i64x2.extract_lane 1 (local.get $s))
    (f32x4.extract_lane 0 (f32x4.convert_i32x4_s (local.get $s)))
    (f64x2.extract_lane 1 (f64x2.convert_low_i32x4_s (local.get $s))))
)

;; spills: x*(2^20-1) + 19922945 per lane, wrapping
(assert_return (invoke "spill" (v128.const i32x4 0 1 -1 1000))
  (v128.const i32x4 19922945 20971520 18874370 1068497945))
(assert_return (invoke "spill" (v128.const i32x4 0x7fffffff 0x80000000 5 -20))
  (v128.const i32x4 -2128609278 -2127560703 25165820 -1048555))
;; lane 0 for n=3: 0 + sum (-1)^k (3+k) for k=1..17 + 0 = 8 - 20 = -12
(assert_return (invoke "spill8" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15) (i32.const 3))
  (v128.const i8x16 -12 6 24 42 60 78 96 114 -124 -106 -88 -70 -52 -34 -16 2))
(assert_return (invoke "spill8" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15) (i32.const 200))
  (v128.const i8x16 47 33 19 5 -9 -23 -37 -51 -65 -79 -93 -107 -121 121 107 93))
(assert_return (invoke "spill8" (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 9 10 11 12 13 14 15 16) (i32.const 49))
  (v128.const i8x16 -60 -46 -32 -18 -4 10 24 38 88 106 124 -114 -96 -78 -60 -42))

;; mixed slots; f32 -7.9 is 0xc0fccccd, 2.75 is 0x40300000
(assert_return (invoke "mix5" (i32.const -4) (v128.const i32x4 1 2 3 4) (f64.const -7.9)
    (v128.const i32x4 10 20 30 40) (i64.const 100))
  (v128.const i32x4 11 22 96 0) (i32.const -11) (v128.const i32x4 9 18 27 0xc0fccccd))
(assert_return (invoke "call-mix" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (i32.const 0))
  (f32.const -0.5) (v128.const i8x16 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 32) (i64.const -3)
  (v128.const i32x4 0x04030265 0x080706cd 7 1) (i32.const 9)
  (v128.const i32x4 -67305885 -134677821 -202049757 0x40300000) (f64.const 6.5))
(assert_return (invoke "call-mix" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (i32.const 1))
  (f32.const -0.5) (v128.const i8x16 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 32) (i64.const -3)
  (v128.const i32x4 0x04030265 0x080706cd 7 1) (i32.const 9)
  (v128.const i32x4 -67305885 -134677821 -202049757 0x40300000) (f64.const 6.5))
(assert_return (invoke "mix-indirect" (i32.const 1)) (i32.const 42))
(assert_trap (invoke "mix-indirect" (i32.const 2)) "indirect call type mismatch")
(assert_trap (invoke "mix-indirect" (i32.const 3)) "undefined element")

;; across calls: x = (1 2 3 -4), l = (3 6 9 -12)
(assert_return (invoke "across-calls" (v128.const i32x4 1 2 3 -4) (f64.const 1.25) (i32.const 0))
  (v128.const i32x4 1 4 9 16) (v128.const i32x4 -20905982 -21954556 -23003130 -15663112)
  (v128.const i32x4 23068669 26214397 29360113 -7340039) (f64.const 2.5))
;; rev(l) xor l: lane 0 is 0xf4ffffff xor 3
(assert_return (invoke "across-calls" (v128.const i32x4 1 2 3 -4) (f64.const -0.75) (i32.const 2))
  (v128.const i32x4 1 4 9 16) (v128.const i32x4 -20905982 -21954556 -23003130 -15663112)
  (v128.const i32x4 0xf4fffffc 0x09000006 0x06000009 0xfcfffff4) (f64.const -1.5))

;; branches: x = (5 -6 7 127), P = x*x in i16 lanes, v = (6 -4 10 131)
(assert_return (invoke "br-nested" (v128.const i32x4 5 -6 7 127) (i32.const 0))
  (v128.const i16x8 25 0 36 1 49 0 16129 0) (v128.const i8x16 -12 0 0 0 8 1 1 1 -20 0 0 0 -6 -1 0 0)
  (i32.const 1110))
(assert_return (invoke "br-nested" (v128.const i32x4 5 -6 7 127) (i32.const 1))
  (v128.const i16x8 25 0 36 1 49 0 16129 0) (v128.const i8x16 -6 0 0 0 4 1 1 1 -10 0 0 0 125 0 0 0)
  (i32.const 1010))
(assert_return (invoke "br-nested" (v128.const i32x4 5 -6 7 127) (i32.const 2))
  (v128.const i16x8 25 0 36 1 49 0 16129 0) (v128.const i32x4 6 -4 10 131) (i32.const 10))
(assert_return (invoke "br-nested" (v128.const i32x4 5 -6 7 127) (i32.const -1))
  (v128.const i16x8 25 0 36 1 49 0 16129 0) (v128.const i32x4 6 -4 10 131) (i32.const 10))
(assert_return (invoke "br-if" (v128.const i32x4 3 -4 5 6) (i32.const -1)) (v128.const i32x4 6 -8 10 12) (i32.const 1))
(assert_return (invoke "br-if" (v128.const i32x4 3 -4 5 6) (i32.const 7)) (v128.const i32x4 3 -4 5 6) (i32.const 2))
(assert_return (invoke "br-if" (v128.const i32x4 3 -4 5 6) (i32.const 0)) (v128.const i32x4 9 16 25 36) (i32.const 3))
(assert_return (invoke "if-multi" (v128.const i32x4 10 20 30 40) (v128.const i32x4 1 -2 3 -4) (i32.const 6))
  (v128.const i32x4 9 22 27 44) (f64.const 6))
(assert_return (invoke "if-multi" (v128.const i32x4 10 20 30 40) (v128.const i32x4 1 -2 3 -4) (i32.const 5))
  (v128.const i32x4 10 -40 90 -160) (f64.const 2.5))
(assert_return (invoke "if-multi" (v128.const i32x4 10 20 30 40) (v128.const i32x4 1 -2 3 -4) (i32.const -3))
  (v128.const i32x4 10 -40 90 -160) (f64.const -1.5))
(assert_return (invoke "loop-fib" (i32.const 1)) (v128.const i64x2 1 1) (v128.const i64x2 1 2) (v128.const i64x2 1 1))
(assert_return (invoke "loop-fib" (i32.const 10)) (v128.const i64x2 55 89) (v128.const i64x2 89 144)
  (v128.const i64x2 143 231))
(assert_return (invoke "loop-fib" (i32.const 100))
  (v128.const i64x2 3736710778780434371 1298777728820984005)
  (v128.const i64x2 1298777728820984005 5035488507601418376)
  (v128.const i64x2 5035488507601418375 6334266236422402379))

;; selects: x = (1 2 3 4), y = (10 20 30 40); a=-3 < b=2 signed but not unsigned
(assert_return (invoke "select-cmp" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)
    (i32.const 1) (i32.const 2) (f64.const -1))
  (v128.const i32x4 1 2 3 4) (v128.const i32x4 11 22 33 44) (v128.const i32x4 10 20 30 40)
  (v128.const i32x4 10 20 30 40))
(assert_return (invoke "select-cmp" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)
    (i32.const 0) (i32.const -5) (f64.const 0))
  (v128.const i32x4 10 20 30 40) (v128.const i32x4 -9 -18 -27 -36) (v128.const i32x4 1 2 3 4)
  (v128.const i32x4 1 2 3 4))
(assert_return (invoke "select-cmp" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)
    (i32.const -3) (i32.const 2) (f64.const nan))
  (v128.const i32x4 1 2 3 4) (v128.const i32x4 11 22 33 44) (v128.const i32x4 1 2 3 4)
  (v128.const i32x4 10 20 30 40))

;; tee: x = (1 -2 3 0x10000), n = (2 -6 12 0x50000); o*(o-2n) = (-3 -20 -63 0)
(assert_return (invoke "tee" (v128.const i32x4 1 -2 3 0x10000))
  (v128.const i32x4 -3 -20 -63 0) (v128.const i8x16 3 2 3 4 -1 5 6 7 21 10 11 12 13 14 20 16)
  (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))

;; globals start as ga = (1 2 3 4), gb = (10 20 30 40); the second call sees the first's
(assert_return (invoke "globals" (v128.const i32x4 5 5 5 5))
  (v128.const i32x4 10 20 30 40) (v128.const i32x4 2 4 6 8) (v128.const i32x4 15 25 35 45))
(assert_return (invoke "globals" (v128.const i32x4 0 0 0 -1))
  (v128.const i32x4 2 4 6 8) (v128.const i32x4 30 50 70 90) (v128.const i32x4 2 4 6 7))

;; memory
(assert_return (invoke "load3" (i32.const 0)) (v128.const i8x16 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18))
(assert_return (invoke "load3" (i32.const 65517)) (v128.const i64x2 0 0))
(assert_trap (invoke "load3" (i32.const 65518)) "out of bounds memory access")
(assert_return (invoke "load16" (i32.const 65504)) (v128.const i64x2 0 0))
(assert_trap (invoke "load16" (i32.const 65505)) "out of bounds memory access")
(assert_trap (invoke "load16" (i32.const -16)) "out of bounds memory access")
(assert_return (invoke "store5" (i32.const 10)
    (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 -16))
  (i64.const 0xf8f9fafbfcfdfeff) (i64.const 0xf0f1f2f3f4f5f6f7) (i32.const 14) (i32.const 31))
(assert_return (invoke "load3" (i32.const 12))
  (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 -16))
;; bytes 1..16 now hold 1..14 and the first two stored bytes
(assert_return (invoke "load-store" (i32.const 1))
  (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 -1 -2)
  (v128.const i8x16 2 3 4 5 6 7 8 9 10 11 12 13 14 15 0 -1))
(assert_return (invoke "load3" (i32.const 0)) (v128.const i8x16 4 5 6 7 8 9 10 11 12 13 14 15 0 -1 -3 -4))

;; lanes of $spill(x), see the first two assertions
(assert_return (invoke "lanes" (v128.const i32x4 0 1 -1 1000))
  (i32.const -81) (i32.const 63) (i32.const 2) (i32.const 16303) (i32.const 1068497945)
  (i64.const 4589163729637081090) (f32.const 19922944) (f64.const 20971520))
(assert_return (invoke "lanes" (v128.const i32x4 0x7fffffff 0x80000000 5 -20))
  (i32.const -16) (i32.const 255) (i32.const -4) (i32.const 65520) (i32.const -1048555)
  (i64.const -4503509407891460) (f32.const -2128609280) (f64.const -2127560703))
