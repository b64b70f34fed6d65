#!/bin/sh
# mdwe.sh: under PR_SET_MDWE no process may make executable memory; each JIT mode
# this build has (fast-jit, llvm-jit) must say so once and run the module in fast
# mode, with the right output. Without MDWE (inside the default sandbox, whose
# seccomp policy lets JIT modes map code) the same run compiles: no fallback line.
set -u
top_builddir=${top_builddir:-$(pwd)}
WASM_RUN=${WASM_RUN:-$top_builddir/wasm-run}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0 ran=0
for mode in fast-jit llvm-jit; do
  if ! "$WASM_RUN" --mode=$mode --version >/dev/null 2>&1; then
    echo "mdwe.sh: this build has no $mode mode: skipping it"
    continue
  fi
  # --sandbox=none: the sandbox's own seccomp policy is not what this test is about.
  "$top_builddir/tests/llvm/mdwe-exec" "$WASM_RUN" --sandbox=none --mode=$mode --invoke=fib \
    "$top_builddir/examples/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 77 ] && { echo "mdwe.sh: no MDWE in this kernel: skipping"; exit 77; }
  ran=1
  [ $rc -eq 0 ] || { echo "mdwe.sh: $mode: exit status $rc, expected 0"; fail=1; }
  [ "$(cat "$tmp/out")" = 6765 ] || { echo "mdwe.sh: $mode: output '$(cat "$tmp/out")', expected 6765"; fail=1; }
  want="wasm-run: $mode: executable memory is not allowed here (PR_SET_MDWE is set); running in fast mode"
  grep -qxF "$want" "$tmp/err" || { echo "mdwe.sh: $mode: the fallback line is missing; stderr was:"; cat "$tmp/err"; fail=1; }
  [ "$(grep -c 'executable memory' "$tmp/err")" -le 1 ] || { echo "mdwe.sh: $mode: the fallback line is repeated"; fail=1; }
  "$WASM_RUN" --mode=$mode --invoke=fib "$top_builddir/examples/fib.wasm" 20 >"$tmp/out2" 2>"$tmp/err2"
  [ "$(cat "$tmp/out2")" = 6765 ] || { echo "mdwe.sh: $mode without MDWE: output '$(cat "$tmp/out2")'"; fail=1; }
  grep -q 'executable memory' "$tmp/err2" && { echo "mdwe.sh: $mode without MDWE, stderr:"; cat "$tmp/err2"; fail=1; }
done
[ $ran = 1 ] || exit 77
exit $fail
