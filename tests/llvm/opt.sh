#!/bin/sh
# opt.sh: llvm-jit at every --opt level runs examples/fib.wasm right, and with the
# test thresholds (WR_LLVM_TEST_PART_CODE, WR_LLVM_TEST_BIG_CODE) a small module
# takes the paths of a big one: several parts on several threads, both tiers, calls
# across parts; WR_LLVM_STATS prints its one line.
set -u
top_builddir=${top_builddir:-$(pwd)}
WASM_RUN=${WASM_RUN:-$top_builddir/wasm-run}
if ! "$WASM_RUN" --mode=llvm-jit --version >/dev/null 2>&1; then
  echo "opt.sh: this build has no llvm-jit mode: skipping"
  exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fib=$top_builddir/examples/fib.wasm
fails=0
check() { # NAME WANT: compares $tmp/out
  if [ "$(cat "$tmp/out")" = "$2" ]; then echo "ok $1"; else
    echo "FAIL $1: '$(cat "$tmp/out")', expected '$2'; stderr: $(cat "$tmp/err")"
    fails=$((fails + 1))
  fi
}
for level in 0 1 2 3; do
  "$WASM_RUN" --mode=llvm-jit --opt=$level --invoke=fib "$fib" 25 >"$tmp/out" 2>"$tmp/err"
  check "--opt=$level fib 25" 75025
  "$WASM_RUN" --mode=llvm-jit --opt=$level --invoke=fib_iter "$fib" 90 >"$tmp/out" 2>"$tmp/err"
  check "--opt=$level fib_iter 90" 2880067194370816120
done
WR_LLVM_TEST_PART_CODE=1 WR_LLVM_TEST_BIG_CODE=20 WR_LLVM_THREADS=2 WR_LLVM_STATS=1 \
  "$WASM_RUN" --mode=llvm-jit --invoke=fib "$fib" 24 >"$tmp/out" 2>"$tmp/err"
check "two parts, two tiers" 46368
if grep -Eq '^wasm-run: llvm-jit: compiled [0-9]+ functions \([0-9]+ bytes of wasm code\) in [0-9.]+ ms on [0-9]+ threads, [0-9]+ KB/s \(' "$tmp/err"; then
  echo "ok WR_LLVM_STATS line"
else
  echo "FAIL WR_LLVM_STATS line: $(cat "$tmp/err")"
  fails=$((fails + 1))
fi
[ $fails = 0 ]
