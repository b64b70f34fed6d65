#!/bin/bash
# start.sh SRCDIR OUTDIR WASM_RUN: the start-up rows of `make bench` for --mode=auto.
# For a module whose compile takes long (a chain of $BENCH_START_FUNCS functions,
# default 3000, made here) and for the largest bench program, the median wall time
# over $BENCH_RUNS rounds (default 5) of:
#   now     wasm-run --mode=NOW M.wasm, NOW the mode auto starts a miss in
#           (fast-jit where built and allowed, else fast): a start without waiting
#   first   wasm-run M.wasm on an empty cache: runs in NOW and starts the
#           background compile (its start-up included; the compile is not waited for)
#   second  wasm-run M.wasm once the image is in the cache (aot, a hit)
#   aot     wasm-run M.wrimg, an image made by `compile -o` (no cache at all)
#   compile wasm-run compile M.wasm -o M.wrimg
# and the ratios first/now and second/aot (issue 13 asks at most 1.5 and 1.1). Every
# run's output is compared with --mode=classic's. Exit status 1 if a run fails or
# differs.
set -u
srcdir=${1:?usage: start.sh SRCDIR OUTDIR WASM_RUN}
outdir=${2:?} wasm_run=${3:?}
runs=${BENCH_RUNS:-5}
[ "$runs" -ge 1 ] 2>/dev/null || runs=5
nfuncs=${BENCH_START_FUNCS:-3000}
wasi_cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
mkdir -p "$outdir" || exit 1
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

# The chain (chain.awk): function i calls i-1; _start exits with a value of them all.
awk -v n="$nfuncs" -f "$srcdir/chain.awk" >"$outdir/chain$nfuncs.wat" || exit 1
wat2wasm=${WAT2WASM:-wat2wasm}
"$wat2wasm" "$outdir/chain$nfuncs.wat" -o "$outdir/chain$nfuncs.wasm" || { echo "start.sh: wat2wasm failed" >&2; exit 1; }
mods=("$outdir/chain$nfuncs.wasm")

# The largest bench program, built if run-bench.sh has not.
largest=
if command -v "$wasi_cc" >/dev/null && [ -f "$sysroot/lib/wasm32-wasi/libc.a" ]; then
  for c in "$srcdir"/*.c; do
    p=$(basename "$c" .c)
    [ "$p" = copy ] && continue
    [ -f "$outdir/$p.wasm" ] || "$wasi_cc" -O2 -std=c11 --target=wasm32-wasi --sysroot="$sysroot" -o "$outdir/$p.wasm" "$c" ||
      { echo "start.sh: cannot build $p.wasm" >&2; exit 1; }
    if [ -z "$largest" ] || [ "$(stat -c %s "$outdir/$p.wasm")" -gt "$(stat -c %s "$largest")" ]; then largest=$outdir/$p.wasm; fi
  done
  mods+=("$largest")
fi

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Runs "$@" and checks its output and status against the reference; prints its ms.
timed() {
  local t0 out st
  t0=$(date +%s%N)
  out=$("$@" 2>/dev/null; echo "status $?")
  local t=$(ms "$t0")
  [ "$out" = "$ref" ] || { echo "start.sh: $* printed something else" >&2; : >"$cache/bad"; }
  echo "$t"
}
idle() { # waits until no compile runs in the cache
  for _ in $(seq 1200); do "$wasm_run" cache ls --cache-dir="$cache/c" | grep -q ' compiling$' || return 0; sleep 0.1; done
}

now=fast
# (125: the build has no fast-jit; the module's own exit status is anything else)
"$wasm_run" --mode=fast-jit "${mods[0]}" >/dev/null 2>&1; [ $? != 125 ] && now=fast-jit
printf '%-22s %8s %8s %8s %8s %8s %11s %11s\n' "start-up (ms, median)" "$now" first second aot "compile" first/now second/aot
for m in "${mods[@]}"; do
  name=$(basename "$m")
  ref=$("$wasm_run" --mode=classic "$m" 2>/dev/null; echo "status $?")
  t0=$(date +%s%N)
  if ! "$wasm_run" compile "$m" -o "$cache/img.wrimg" >/dev/null 2>"$cache/err"; then
    grep -q "has no LLVM" "$cache/err" && { echo "start.sh: no AOT compiler in this build: no start-up rows"; exit 0; }
    echo "start.sh: cannot compile $name: $(cat "$cache/err")" >&2
    exit 1
  fi
  compile=$(ms "$t0")
  f=() s=() a=() fa=()
  for _ in $(seq "$runs"); do
    fa+=("$(timed "$wasm_run" --mode="$now" "$m")")
    rm -rf "$cache/c"
    f+=("$(WASM_RUN_CACHE="$cache/c" timed "$wasm_run" "$m")")
    idle
    s+=("$(WASM_RUN_CACHE="$cache/c" timed "$wasm_run" "$m")")
    a+=("$(timed "$wasm_run" "$cache/img.wrimg")")
  done
  mf=$(echo "${fa[*]}" | median) m1=$(echo "${f[*]}" | median) m2=$(echo "${s[*]}" | median) ma=$(echo "${a[*]}" | median)
  printf '%-22s %8s %8s %8s %8s %8s %11s %11s\n' "$name ($(($(stat -c %s "$m") / 1024)) KB)" "$mf" "$m1" "$m2" "$ma" "$compile" \
    "$(awk -v a="$m1" -v b="$mf" 'BEGIN { printf "%.2f", a / (b ? b : 1) }')" \
    "$(awk -v a="$m2" -v b="$ma" 'BEGIN { printf "%.2f", a / (b ? b : 1) }')"
done
[ ! -e "$cache/bad" ]
