#!/bin/sh
# exit-status.sh: the command's exit statuses and one-line errors (DESIGN.md §8)
# for what exists today: running _start, --invoke, missing/malformed/invalid/
# unlinkable modules, traps, bad options, and truncated modules (never a crash).
# Needs WASM_RUN and WAT2WASM (set by `make check`).
set -u
: "${WASM_RUN:?}" "${WAT2WASM:?}" "${srcdir:=.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME STATUS STDOUT STDERR-PATTERN -- COMMAND...: runs COMMAND, checks the
# exit status, the exact stdout, and that stderr is empty or one line matching.
expect() {
  name=$1 status=$2 out=$3 err=$4
  shift 5
  "$@" >"$tmp/out" 2>"$tmp/err"
  st=$?
  ok=1
  [ "$st" = "$status" ] || { echo "FAIL $name: exit status $st, expected $status"; ok=0; }
  [ "$(cat "$tmp/out")" = "$out" ] || { echo "FAIL $name: stdout '$(cat "$tmp/out")', expected '$out'"; ok=0; }
  if [ -z "$err" ]; then
    [ ! -s "$tmp/err" ] || { echo "FAIL $name: unexpected stderr: $(cat "$tmp/err")"; ok=0; }
  else
    lines=$(wc -l <"$tmp/err")
    [ "$lines" = 1 ] || { echo "FAIL $name: stderr has $lines lines, expected 1: $(cat "$tmp/err")"; ok=0; }
    grep -Eq -- "$err" "$tmp/err" || { echo "FAIL $name: stderr '$(cat "$tmp/err")' does not match '$err'"; ok=0; }
  fi
  [ $ok = 1 ] && echo "ok $name" || fails=$((fails + 1))
}

wat() { "$WAT2WASM" "$1" -o "$2" || { echo "FAIL: wat2wasm $1"; exit 1; }; }

fib="$tmp/fib.wasm"
wat "$srcdir/examples/fib.wat" "$fib"

expect "run _start" 0 "" "" -- "$WASM_RUN" --mode=classic "$fib"
expect "invoke fib 20" 0 "6765" "" -- "$WASM_RUN" --mode=classic --invoke=fib "$fib" 20
expect "invoke fib_iter 90 (i64 result)" 0 "2880067194370816120" "" -- "$WASM_RUN" --mode=classic --invoke=fib_iter "$fib" 90
expect "mode classic" 0 "6765" "" -- "$WASM_RUN" --mode=classic --invoke=fib "$fib" 20
expect "invoke: missing argument" 125 "" "^wasm-run: .*--invoke=fib: the function takes 1 arguments, 0 given$" -- "$WASM_RUN" --mode=classic --invoke=fib "$fib"
expect "invoke: bad argument" 125 "" "^wasm-run: .*argument \"x1\": not a valid i32$" -- "$WASM_RUN" --mode=classic --invoke=fib "$fib" x1
expect "invoke: i32 out of range" 125 "" "not a valid i32" -- "$WASM_RUN" --mode=classic --invoke=fib "$fib" 4294967296
expect "invoke: unknown export" 125 "" "^wasm-run: .*--invoke=nope: the module exports no function of that name$" -- "$WASM_RUN" --mode=classic --invoke=nope "$fib"
expect "missing module" 127 "" "^wasm-run: $tmp/none.wasm: cannot read the module: No such file or directory$" -- "$WASM_RUN" --mode=classic "$tmp/none.wasm"
expect "directory as module" 127 "" "^wasm-run: $tmp: cannot read the module: Is a directory$" -- "$WASM_RUN" --mode=classic "$tmp"
expect "no module" 125 "" "^wasm-run: no module given" -- "$WASM_RUN"
expect "unknown option" 125 "" "^wasm-run: --bogus: unknown option" -- "$WASM_RUN" --mode=classic --bogus "$fib"
expect "unknown mode" 125 "" "^wasm-run: --mode=turbo: unknown mode" -- "$WASM_RUN" --mode=turbo "$fib"
expect "--opt=4" 125 "" "^wasm-run: --opt=4: expected an optimisation level from 0 to 3$" -- "$WASM_RUN" --opt=4 "$fib"
expect "--opt=-1" 125 "" "^wasm-run: --opt=-1: expected an optimisation level from 0 to 3$" -- "$WASM_RUN" --opt=-1 "$fib"
expect "--opt=02" 125 "" "^wasm-run: --opt=02: expected an optimisation level from 0 to 3$" -- "$WASM_RUN" --opt=02 "$fib"
expect "--opt= (empty)" 125 "" "^wasm-run: --opt=: expected an optimisation level from 0 to 3$" -- "$WASM_RUN" --opt= "$fib"
expect "--opt=3 in classic" 0 "6765" "" -- "$WASM_RUN" --opt=3 --invoke=fib "$fib" 20
expect "option without value" 125 "" "^wasm-run: --mode: option needs a value$" -- "$WASM_RUN" --mode

# --help and --version print to stdout and exit 0; --help and the manual describe
# every long option the parser knows (read from src/cli.c, so a new option without
# documentation fails here).
"$WASM_RUN" --help >"$tmp/help" 2>&1
[ $? = 0 ] && echo "ok --help exits 0" || { echo "FAIL --help status"; fails=$((fails + 1)); }
for opt in $(sed -n 's/^ *{"\([a-z][a-z0-9-]*\)",.*/\1/p' "$srcdir/src/cli.c"); do
  grep -q -- "--$opt" "$tmp/help" || { echo "FAIL --help does not mention --$opt"; fails=$((fails + 1)); }
  grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$srcdir/man/wasm-run.1" ||
    { echo "FAIL man/wasm-run.1 does not mention --$opt"; fails=$((fails + 1)); }
done
expect "--version" 0 "wasm-run $(sed -n 's/^AC_INIT(\[wasm-run\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")" "" -- "$WASM_RUN" --version

printf 'not wasm' >"$tmp/garbage.wasm"
expect "malformed: bad magic" 126 "" "^wasm-run: .*garbage.wasm: header: magic header not detected$" -- "$WASM_RUN" --mode=classic "$tmp/garbage.wasm"
printf '\0asm\1\0\0\0\1\5\1\140\0' >"$tmp/short.wasm"
expect "malformed: section runs past the end" 126 "" "^wasm-run: .*short.wasm: section type at offset 0x[0-9a-f]+: " -- "$WASM_RUN" --mode=classic "$tmp/short.wasm"

cat >"$tmp/invalid.wat" <<'WAT'
(module (func (result i32) (i64.const 1)))
WAT
"$WAT2WASM" --no-check "$tmp/invalid.wat" -o "$tmp/invalid.wasm"
expect "invalid: type mismatch" 126 "" "^wasm-run: .*invalid.wasm: function 0 .*: type mismatch" -- "$WASM_RUN" --mode=classic "$tmp/invalid.wasm"

cat >"$tmp/import.wat" <<'WAT'
(module (import "env" "f" (func)) (func (export "_start") (call 0)))
WAT
wat "$tmp/import.wat" "$tmp/import.wasm"
expect "unlinkable: unknown import" 126 "" "^wasm-run: .*import.wasm: unknown import \"env\" \"f\"" -- "$WASM_RUN" --mode=classic "$tmp/import.wasm"

cat >"$tmp/trap.wat" <<'WAT'
(module
  (memory 1)
  (func $inner (export "inner") unreachable)
  (func (export "_start") (call $inner))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $rec (export "rec") (call $rec)))
WAT
wat "$tmp/trap.wat" "$tmp/trap.wasm"
expect "trap in _start names the function" 134 "" '^wasm-run: trap: unreachable in function inner$' -- "$WASM_RUN" --mode=classic "$tmp/trap.wasm"
expect "trap: divide by zero" 134 "" '^wasm-run: trap: integer divide by zero in function div$' -- "$WASM_RUN" --mode=classic --invoke=div "$tmp/trap.wasm" 1 0
expect "trap: overflow" 134 "" '^wasm-run: trap: integer overflow in function div$' -- "$WASM_RUN" --mode=classic --invoke=div "$tmp/trap.wasm" -2147483648 -1
expect "trap: out of bounds load" 134 "" '^wasm-run: trap: out of bounds memory access in function load$' -- "$WASM_RUN" --mode=classic --invoke=load "$tmp/trap.wasm" 65533
expect "in bounds load" 0 "0" "" -- "$WASM_RUN" --mode=classic --invoke=load "$tmp/trap.wasm" 65532
expect "trap: stack exhausted" 134 "" '^wasm-run: trap: call stack exhausted in function rec$' -- "$WASM_RUN" --mode=classic --invoke=rec "$tmp/trap.wasm"

# v128 arguments and results: 0x and up to 32 hex digits (as results print), or a
# lane shape and one value per lane; in the interpreters and fast-jit (the LLVM modes
# have their own tests).
cat >"$tmp/simd.wat" <<'WAT'
(module
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "sum") (param v128) (result f32 i64)
    (f32.add (f32x4.extract_lane 0 (local.get 0)) (f32x4.extract_lane 3 (local.get 0)))
    (i64x2.extract_lane 1 (local.get 0))))
WAT
wat "$tmp/simd.wat" "$tmp/simd.wasm"
simd_modes="classic fast"
"$WASM_RUN" --mode=fast-jit --version >/dev/null 2>&1 && simd_modes="$simd_modes fast-jit"
for m in $simd_modes; do
  expect "v128 $m: hex" 0 "0x00000004000000030000000200000001" "" -- "$WASM_RUN" --mode=$m --invoke=add "$tmp/simd.wasm" 0x1 i32x4:0,2,3,4
  expect "v128 $m: i32x4 negative" 0 "0x00000000fffffffffffffffe00000000" "" -- "$WASM_RUN" --mode=$m --invoke=add "$tmp/simd.wasm" i32x4:-1,-2,0,0 i32x4:1,0,-1,0
done
expect "v128: i8x16" 0 "0xff80000000000000000000000000017f" "" -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i8x16:127,1,0,0,0,0,0,0,0,0,0,0,0,0,-128,255
expect "v128: i16x8" 0 "0x0008000700060005000400030002ffff" "" -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i16x8:65535,2,3,4,5,6,7,8
expect "v128: i64x2" 0 "0x8000000000000000ffffffffffffffff" "" -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i64x2:-1,0x8000000000000000
expect "v128: f64x2" 0 "0xbff00000000000003ff8000000000000" "" -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" f64x2:1.5,-1
expect "v128: 32 hex digits" 0 "0x0123456789abcdef0123456789abcdef" "" -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" 0x0123456789ABCDEF0123456789abcdef
expect "v128: f32x4 and results of two types" 0 "$(printf '5.5\n4647714816520093696')" "" -- "$WASM_RUN" --invoke=sum "$tmp/simd.wasm" f32x4:1.5,0,2,4
expect "v128: 33 hex digits" 125 "" '^wasm-run: .*argument "0x100000000000000000000000000000000": not a valid v128$' -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" 0x100000000000000000000000000000000
expect "v128: lane out of range" 125 "" '^wasm-run: .*argument "i8x16:256,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0": not a valid v128$' -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i8x16:256,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
expect "v128: too few lanes" 125 "" '^wasm-run: .*argument "i32x4:1,2,3": not a valid v128$' -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i32x4:1,2,3
expect "v128: too many lanes" 125 "" 'not a valid v128$' -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i64x2:1,2,3
expect "v128: unknown shape" 125 "" 'not a valid v128$' -- "$WASM_RUN" --invoke=id "$tmp/simd.wasm" i128:1

# Every truncation of a valid module is refused with one line and status 126, or
# (cut at a section boundary) is a smaller valid module: never a crash or a hang.
size=$(wc -c <"$fib")
bad=0
i=0
while [ $i -lt "$size" ]; do
  head -c $i "$fib" >"$tmp/cut.wasm"
  "$WASM_RUN" --mode=classic "$tmp/cut.wasm" >/dev/null 2>"$tmp/err"
  st=$?
  if { [ $st != 126 ] || [ "$(wc -l <"$tmp/err")" != 1 ]; } && { [ $st != 0 ] || [ -s "$tmp/err" ]; }; then
    echo "FAIL truncated at $i bytes: status $st: $(cat "$tmp/err")"
    bad=1
  fi
  i=$((i + 1))
done
[ $bad = 0 ] && echo "ok every truncation of fib.wasm ($size cuts) exits 126 or is valid" || fails=$((fails + 1))

[ $fails = 0 ] && echo "all passed" || echo "$fails failed"
[ $fails = 0 ]
