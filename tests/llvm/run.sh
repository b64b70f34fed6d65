#!/bin/sh
# run.sh: the `make check` entry for the llvm-jit mode: tests/llvm/*.wast in classic
# (which checks the files themselves) and llvm-jit, and our own tests/wast/*.wast in
# llvm-jit, once as they come and once split into parts and tiers (tests/llvm also
# with every function in the cheap tier). Skips (77) when this build has no llvm-jit or wast2json is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
WASM_RUN=${WASM_RUN:-$top_builddir/wasm-run}
WAST2JSON=${WAST2JSON:-wast2json}
if ! "$WASM_RUN" --mode=llvm-jit --version >/dev/null 2>&1; then
  echo "run.sh: this build has no llvm-jit mode: skipping"
  exit 77
fi
if ! command -v "$WAST2JSON" >/dev/null 2>&1; then
  echo "run.sh: $WAST2JSON not found (install wabt): skipping"
  exit 77
fi
export WAST2JSON
status=0
sh "$srcdir/tests/spec/check-spec.sh" "$here" "$top_builddir" classic llvm-jit || status=1
sh "$srcdir/tests/spec/check-spec.sh" "$srcdir/tests/wast" "$top_builddir" llvm-jit || status=1
# Again with every module split into parts on two threads and its functions of more
# than 64 bytes in the cheap tier (jit.c's test thresholds).
WR_LLVM_TEST_PART_CODE=1 WR_LLVM_TEST_BIG_CODE=64 WR_LLVM_THREADS=2 \
  sh "$srcdir/tests/spec/check-spec.sh" "$srcdir/tests/wast" "$top_builddir" llvm-jit || status=1
# And these files with every function in the cheap tier (v128 across parts too).
WR_LLVM_TEST_PART_CODE=1 WR_LLVM_TEST_BIG_CODE=1 WR_LLVM_THREADS=2 \
  sh "$srcdir/tests/spec/check-spec.sh" "$here" "$top_builddir" llvm-jit || status=1
exit $status
