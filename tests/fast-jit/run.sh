#!/bin/sh
# run.sh: fast-jit through the command: traps raised inside compiled code name the
# function they happen in (a memory fault is mapped back from its PC), exactly as
# classic says; a function of about 500 KB of wasm (and one of v128 code) compiles
# and runs; -v reports the sizes and the compile time; WASM_RUN_PERFMAP=1 writes
# /tmp/perf-PID.map.
set -u
top_builddir=${top_builddir:-$(pwd)}
srcdir=${srcdir:-.}
WASM_RUN=${WASM_RUN:-$top_builddir/wasm-run}
WAT2WASM=${WAT2WASM:-wat2wasm}
if ! "$WASM_RUN" --mode=fast-jit --version >/dev/null 2>&1; then
  echo "run.sh: this build has no fast-jit mode: skipping"
  exit 77
fi
command -v "$WAT2WASM" >/dev/null 2>&1 || { echo "run.sh: no wat2wasm: skipping"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
"$WAT2WASM" --debug-names "$srcdir/tests/fast-jit/traps.wat" -o "$tmp/traps.wasm" || exit 99

check() { # name expected-stdout expected-stderr expected-status -- wasm-run args
  name=$1 out=$2 err=$3 st=$4
  shift 5
  "$WASM_RUN" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" = "$st" ] || { echo "run.sh: $name: exit status $rc, expected $st"; fail=1; }
  [ "$(cat "$tmp/out")" = "$out" ] || { echo "run.sh: $name: stdout '$(cat "$tmp/out")', expected '$out'"; fail=1; }
  [ "$(cat "$tmp/err")" = "$err" ] || { echo "run.sh: $name: stderr '$(cat "$tmp/err")', expected '$err'"; fail=1; }
}
J="--mode=fast-jit --sandbox=none"
Q="wasm-run: warning: --sandbox=none: running without the sandbox (unsafe for untrusted modules)"
check oob-ok 1 "$Q" 0 -- $J --invoke=oob "$tmp/traps.wasm" 4
check oob "" "$Q
wasm-run: trap: out of bounds memory access in function inner" 134 -- $J --invoke=oob "$tmp/traps.wasm" 70000
check oob-edge "" "$Q
wasm-run: trap: out of bounds memory access in function inner" 134 -- $J --invoke=oob "$tmp/traps.wasm" 65533
check oob-last 1 "$Q" 0 -- $J --invoke=oob "$tmp/traps.wasm" 65532
check div "" "$Q
wasm-run: trap: integer divide by zero in function divz" 134 -- $J --invoke=div "$tmp/traps.wasm" 0
check deep "" "$Q
wasm-run: trap: call stack exhausted in function deep" 134 -- $J --invoke=deep "$tmp/traps.wasm" 0

# One function of 60000 statements (about 540 KB of wasm): compiles (nothing
# quadratic, no fixed-size buffer) and computes 60000 * 7.
{
  echo '(module (func (export "big") (result i32) (local i32)'
  awk 'BEGIN { for (i = 0; i < 60000; i++) print "(local.set 0 (i32.add (local.get 0) (i32.const 7)))" }'
  echo '(local.get 0)))'
} >"$tmp/big.wat"
"$WAT2WASM" "$tmp/big.wat" -o "$tmp/big.wasm" || exit 99
"$WASM_RUN" -v $J --invoke=big "$tmp/big.wasm" >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 420000 ] || { echo "run.sh: big: output '$(cat "$tmp/out")', expected 420000"; cat "$tmp/err"; fail=1; }
grep -Eq '^wasm-run: fast-jit: 1 functions, [0-9]{6} bytes of wasm code -> [0-9]+ bytes of machine code in [0-9.]+ ms of CPU time \([0-9.]+ MB/s\)$' "$tmp/err" ||
  { echo "run.sh: big: no -v line; stderr:"; cat "$tmp/err"; fail=1; }

# The same with v128 values and 40000 distinct v128 constants (the constant pool
# of a function stays linear): lanes sum 0..39999, 40000 ones, 0..39999 and zeros.
{
  echo '(module (func (export "bigsimd") (result v128) (local v128)'
  awk 'BEGIN { for (i = 0; i < 40000; i++) print "(local.set 0 (i32x4.add (local.get 0) (v128.const i32x4 " i " 1 " i " 0)))" }'
  echo '(local.get 0)))'
} >"$tmp/bigsimd.wat"
"$WAT2WASM" "$tmp/bigsimd.wat" -o "$tmp/bigsimd.wasm" || exit 99
"$WASM_RUN" $J --invoke=bigsimd "$tmp/bigsimd.wasm" >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 0x000000002faeb9e000009c402faeb9e0 ] ||
  { echo "run.sh: bigsimd: output '$(cat "$tmp/out")', expected 0x000000002faeb9e000009c402faeb9e0"; cat "$tmp/err"; fail=1; }

# perf map: one line per function, named as the name section says. The module runs
# in a child of the command, whose PID names the file: look for the new one.
touch "$tmp/stamp"
sleep 1
WASM_RUN_PERFMAP=1 "$WASM_RUN" $J --invoke=oob "$tmp/traps.wasm" 4 >"$tmp/out" 2>"$tmp/err"
map=$(find /tmp -maxdepth 1 -name 'perf-*.map' -newer "$tmp/stamp" -exec grep -l 'wasm:divz$' {} + 2>/dev/null | head -1)
if [ -n "$map" ]; then
  n=$(grep -Ec '^[0-9a-f]+ [0-9a-f]+ wasm:(inner|divz|deep|oob|div)$' "$map")
  [ "$n" = 6 ] || { echo "run.sh: perf map has $n of 6 lines:"; cat "$map"; fail=1; }
  rm -f "$map"
else
  echo "run.sh: WASM_RUN_PERFMAP=1 wrote no /tmp/perf-PID.map; stderr:"
  cat "$tmp/err"
  fail=1
fi
exit $fail
