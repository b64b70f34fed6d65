#!/bin/bash
# run-bench.sh SRCDIR OUTDIR WASM_RUN MODE...: the `make bench` driver. Builds each
# benchmark program SRCDIR/*.c (except copy.c) natively ($CC -O2) and for wasm32-wasi
# ($WASI_CC -O2) into OUTDIR, runs it natively, under `WASM_RUN --mode=M` for each MODE
# and under each runtime of $BENCH_PEERS, checks that every run prints what the native
# one prints, and prints one table of the best wall time over $BENCH_RUNS rounds
# (default 3; rounds go over all programs and runners in turn, so a change in machine
# load hits every column alike), ratios to native and to classic, geometric means, the
# wasm code section size and the fast mode's translated size (WR_FAST_STATS=1); for
# llvm-jit also its compile time (best of the rounds) and the wasm code it compiles
# per second, from the line WR_LLVM_STATS=1 makes it print.
# The aot mode runs images made once beforehand by `WASM_RUN compile` (the table
# gives each image's size and compile time): its column is what a start without
# compilation runs.
# BENCH_PEERS is a list of commands or NAME=COMMAND words, e.g.
#   BENCH_PEERS="wasm3 iwasm-fast=/opt/wamr/iwasm wasmtime"
# wasmtime is run as `wasmtime run P.wasm`, every other peer as `PEER P.wasm`.
# Programs named simd-*.c are built with -msimd128 for wasm and -msse4.1 natively, and
# a second time without either as simd-*-nosimd, whose times give the speed-up of
# SIMD per runner (printed under the table).
# BENCH_NAMES="crc32 fib" restricts the programs; BENCH_CFLAGS adds compiler flags to
# both builds: each program's size is a macro, so a quick smoke test is
#   BENCH_CFLAGS="-DREPS=1 -DLIMIT=2000 -DSTEPS=1000 -DFIB_N=20 -DACK_REPS=1 -DTAK_X=12" Exit status 1 if a run fails or
# prints something else than the native program.
set -u
srcdir=${1:?usage: run-bench.sh SRCDIR OUTDIR WASM_RUN MODE...}
outdir=${2:?} wasm_run=${3:?}
shift 3
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(classic fast)
runs=${BENCH_RUNS:-3}
cc=${CC:-cc}
wasi_cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
mkdir -p "$outdir" || exit 1

if ! command -v "$wasi_cc" >/dev/null || [ ! -f "$sysroot/lib/wasm32-wasi/libc.a" ]; then
  echo "run-bench.sh: needs $wasi_cc and wasi-libc under $sysroot (set WASI_CC, WASI_SYSROOT)" >&2
  exit 1
fi

progs=()
for c in "$srcdir"/*.c; do
  for p in $(basename "$c" .c) $(basename "$c" .c)-nosimd; do
    [[ $p == *-nosimd && $p != simd-* ]] && continue
    [ "$p" = copy ] && continue # copy.c belongs to copy-throughput.sh
    if [ -n "${BENCH_NAMES:-}" ] && [[ " $BENCH_NAMES " != *" $p "* ]]; then continue; fi
    progs+=("$p")
  done
done

# The runners: label and command prefix (the .wasm file is appended).
labels=() cmds=() exts=()
has_aot=
for m in "${modes[@]}"; do
  if [ "$m" = aot ]; then
    labels+=(aot) cmds+=("$wasm_run") exts+=(wrimg) has_aot=1
  else
    labels+=("$m") cmds+=("$wasm_run --mode=$m") exts+=(wasm)
  fi
done
for peer in ${BENCH_PEERS:-}; do
  if [[ $peer == *=* ]]; then name=${peer%%=*} cmd=${peer#*=}; else name=$(basename "$peer") cmd=$peer; fi
  command -v "$cmd" >/dev/null || { echo "run-bench.sh: peer $cmd not found" >&2; exit 1; }
  [ "$(basename "$cmd")" = wasmtime ] && cmd="$cmd run"
  labels+=("$name") cmds+=("$cmd") exts+=(wasm)
done
nr=${#labels[@]}

echo "Building ${#progs[@]} programs in $outdir"
for p in "${progs[@]}"; do
  src=${p%-nosimd} nflags='' wflags=''
  [[ $p == simd-* && $p != *-nosimd ]] && nflags=-msse4.1 wflags=-msimd128
  # shellcheck disable=SC2086 # BENCH_CFLAGS is a list of flags
  "$cc" -O2 -std=c11 -Wall -Wextra $nflags ${BENCH_CFLAGS:-} -o "$outdir/$p" "$srcdir/$src.c" -lm ||
    { echo "run-bench.sh: cannot build $p natively" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$wasi_cc" -O2 -std=c11 -Wall -Wextra $wflags ${BENCH_CFLAGS:-} --target=wasm32-wasi --sysroot="$sysroot" -o "$outdir/$p.wasm" "$srcdir/$src.c" ||
    { echo "run-bench.sh: cannot build $p.wasm" >&2; exit 1; }
done

# aot: each program compiled once into an image (timed).
declare -A compile_s image_size
if [ -n "$has_aot" ]; then
  for p in "${progs[@]}"; do
    t0=$(date +%s%N)
    "$wasm_run" compile "$outdir/$p.wasm" -o "$outdir/$p.wrimg" ||
      { echo "run-bench.sh: cannot compile $p.wasm into an image" >&2; exit 1; }
    t1=$(date +%s%N)
    compile_s[$p]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    image_size[$p]=$(stat -c %s "$outdir/$p.wrimg")
  done
fi

# The size of the code section (id 10) of a .wasm file.
code_size() {
  od -An -v -tu1 "$1" | awk '
    { for (i = 1; i <= NF; i++) b[n++] = $i }
    END {
      p = 8
      while (p < n) {
        id = b[p++]; size = 0; shift = 1
        do { v = b[p++]; size += (v % 128) * shift; shift *= 128 } while (v >= 128)
        if (id == 10) { print size; exit }
        p += size
      }
      print "-"
    }'
}

# run_once KEY CMD...: one timed run; sets $elapsed (seconds) or returns 1 when the
# run fails or its output differs from the native run's.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_once() {
  local key=$1 st
  shift
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$tmp/$key.out" 2>"$tmp/$key.err" </dev/null
  st=$?
  t1=$(date +%s%N)
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  return $st
}

declare -A best=() failed=() fastsize=() compile_ms=() compile_bytes=() jitw=() jitm=() jitms=()
failures=0
fail() { # key message
  [ -n "${failed[$1]:-}" ] && return
  failed[$1]=1
  failures=$((failures + 1))
  echo "FAIL: $2"
}
keep_best() { # key
  if [ -z "${best[$1]:-}" ] || awk -v a="$elapsed" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then
    best[$1]=$elapsed
  fi
}

echo "Running: native ${labels[*]}; best of $runs rounds (load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
for ((round = 1; round <= runs; round++)); do
  for p in "${progs[@]}"; do
    if run_once "$p.native" "$outdir/$p"; then keep_best "$p.native"; else fail "$p.native" "$p natively: exit status $?"; fi
    cp "$tmp/$p.native.out" "$tmp/$p.expected" 2>/dev/null
    for ((r = 0; r < nr; r++)); do
      key=$p.$r
      [ -n "${failed[$key]:-}" ] && continue
      # The fast mode reports its translated size when asked; translating every
      # function up front costs well under a millisecond for these modules.
      if [ "${labels[r]}" = fast ] && [ "$round" = 1 ]; then
        # shellcheck disable=SC2086 # the command prefix is split on purpose
        WR_FAST_STATS=1 run_once "$key" ${cmds[r]} "$outdir/$p.${exts[r]}"
      elif [ "${labels[r]}" = llvm-jit ]; then
        # shellcheck disable=SC2086
        WR_LLVM_STATS=1 run_once "$key" ${cmds[r]} "$outdir/$p.${exts[r]}"
      elif [ "${labels[r]}" = fast-jit ] && [ "$round" = 1 ]; then
        # -v: fast-jit reports its machine code size and compile time
        # shellcheck disable=SC2086
        run_once "$key" ${cmds[r]} -v "$outdir/$p.${exts[r]}"
      else
        # shellcheck disable=SC2086
        run_once "$key" ${cmds[r]} "$outdir/$p.${exts[r]}"
      fi
      st=$?
      if [ $st != 0 ]; then
        fail "$key" "$p under ${labels[r]}: exit status $st: $(head -c 200 "$tmp/$key.err")"
      elif ! cmp -s "$tmp/$key.out" "$tmp/$p.expected"; then
        fail "$key" "$p under ${labels[r]}: prints $(head -c 100 "$tmp/$key.out"), native prints $(head -c 100 "$tmp/$p.expected")"
      else
        keep_best "$key"
      fi
      if [ "${labels[r]}" = llvm-jit ]; then
        # "wasm-run: llvm-jit: compiled F functions (B bytes of wasm code) in T ms on N threads, ..."
        stats=$(sed -n 's/^wasm-run: llvm-jit: compiled [0-9]* functions (\([0-9]*\) bytes of wasm code) in \([0-9.]*\) ms .*/\1 \2/p' "$tmp/$key.err")
        if [ -n "$stats" ]; then
          compile_bytes[$p]=${stats% *}
          ms=${stats#* }
          if [ -z "${compile_ms[$p]:-}" ] || awk -v a="$ms" -v b="${compile_ms[$p]}" 'BEGIN { exit !(a < b) }'; then
            compile_ms[$p]=$ms
          fi
        fi
      fi
      if [ "${labels[r]}" = fast-jit ] && [ "$round" = 1 ]; then
        read -r jitw[$p] jitm[$p] jitms[$p] < <(sed -n 's/^wasm-run: fast-jit: [0-9]* functions, \([0-9]*\) bytes of wasm code -> \([0-9]*\) bytes of machine code in \([0-9.]*\) ms.*/\1 \2 \3/p' "$tmp/$key.err")
      fi
      if [ "${labels[r]}" = fast ] && [ "$round" = 1 ]; then
        fastsize[$p]=$(sed -n 's/^fast: wasm code [0-9]* bytes, translated \([0-9]*\) bytes$/\1/p' "$tmp/$key.err")
      fi
    done
  done
  echo "  round $round of $runs done"
done

# The table: one row per program, geometric means in the last row.
classic=-1
for ((r = 0; r < nr; r++)); do [ "${labels[r]}" = classic ] && classic=$r; done
{
  printf 'program\tcode KB\tfast KB\tfast/code\tjit KB\tjit/code'
  [ -n "$has_aot" ] && printf '\twasm KB\timage KB\tcompile s'
  printf '\tnative s'
  for ((r = 0; r < nr; r++)); do
    printf '\t%s s\t/native' "${labels[r]}"
    [ $classic -ge 0 ] && [ $r != $classic ] && printf '\tvs classic'
    [ "${labels[r]}" = llvm-jit ] && printf '\tcompile s\tcompile KB/s'
  done
  printf '\n'
  for p in "${progs[@]}"; do
    cs=$(code_size "$outdir/$p.wasm")
    fs=${fastsize[$p]:-}
    printf '%s\t%s\t%s\t%s\t%s\t%s' "$p" \
      "$(awk -v c="$cs" 'BEGIN { if (c == "-") print "-"; else printf "%.1f", c / 1024 }')" \
      "$(awk -v f="$fs" 'BEGIN { if (f == "") print "-"; else printf "%.1f", f / 1024 }')" \
      "$(awk -v c="$cs" -v f="$fs" 'BEGIN { if (f == "" || c == "-") print "-"; else printf "%.2f", f / c }')" \
      "$(awk -v j="${jitm[$p]:-}" 'BEGIN { if (j == "") print "-"; else printf "%.1f", j / 1024 }')" \
      "$(awk -v w="${jitw[$p]:-}" -v j="${jitm[$p]:-}" 'BEGIN { if (j == "" || w == 0) print "-"; else printf "%.2f", j / w }')"
    [ -n "$has_aot" ] && printf '\t%s\t%s\t%s' "$(awk -v s="$(stat -c %s "$outdir/$p.wasm")" 'BEGIN { printf "%.1f", s / 1024 }')" \
      "$(awk -v s="${image_size[$p]}" 'BEGIN { printf "%.1f", s / 1024 }')" "${compile_s[$p]}"
    printf '\t%s' "${best[$p.native]:--}"
    for ((r = 0; r < nr; r++)); do
      printf '\t%s\t%s' "${best[$p.$r]:-FAIL}" "${best[$p.$r]:+R:$p.native:$p.$r}"
      [ $classic -ge 0 ] && [ $r != $classic ] && printf '\t%s' "${best[$p.$r]:+S:$p.$classic:$p.$r}"
      if [ "${labels[r]}" = llvm-jit ]; then
        awk -v ms="${compile_ms[$p]:-}" -v b="${compile_bytes[$p]:-}" 'BEGIN {
          if (ms == "" || ms + 0 == 0) printf "\t-\t-"; else printf "\t%.3f\t%.0f", ms / 1000, b / 1024 / (ms / 1000) }'
      fi
    done
    printf '\n'
  done
} >"$tmp/table"

# Resolve R:a:b (time b / time a) and S:a:b (time a / time b), then add the geometric
# means: of each column's values over the programs where that column has a number.
for k in "${!best[@]}"; do echo "$k ${best[$k]}"; done >"$tmp/times"
awk -F'\t' -v OFS='\t' '
  FNR == NR { split($0, kv, " "); t[kv[1]] = kv[2]; next }
  FNR == 1 { print; ncol = NF; for (i = 1; i <= NF; i++) fmt[i] = $i ~ / s$/ ? "%.3f" : "%.2f"; next }
  {
    for (i = 2; i <= NF; i++) {
      if ($i ~ /^[RS]:/) {
        split($i, k, ":")
        a = t[k[2]]; b = t[k[3]]
        if (a == "" || b == "" || a + 0 == 0 || b + 0 == 0) $i = "-"
        else $i = sprintf("%.2f", $i ~ /^R/ ? b / a : a / b)
      }
      if ($i ~ /^[0-9.]+$/ && $i + 0 > 0) { sum[i] += log($i); cnt[i]++ }
    }
    print
  }
  END {
    printf "geomean"
    for (i = 2; i <= ncol; i++) printf "\t%s", cnt[i] ? sprintf(fmt[i], exp(sum[i] / cnt[i])) : "-"
    printf "\n"
  }' "$tmp/times" "$tmp/table" >"$tmp/table2"
echo
column -t -s "$(printf '\t')" "$tmp/table2"
echo
echo "Seconds: best wall time of $runs. /native: time over native time. vs classic: classic's time over"
echo "this one (above 1 = faster than classic). code KB: wasm code section; fast KB: fast mode's"
echo "translated code (WR_FAST_STATS=1), fast/code their ratio. jit KB: fast-jit's machine code,"
echo "jit/code: its bytes per byte of wasm function bodies (both from fast-jit's -v line). compile s:"
echo "llvm-jit's compile time (best of $runs, part of its wall time); compile KB/s: wasm code compiled"
echo "per second (WR_LLVM_STATS=1). aot: wasm KB the module file, image KB the AOT image (which embeds"
echo "the module), compile s the time of wasm-run compile."
if [ ${#jitw[@]} -gt 0 ]; then
  for p in "${!jitw[@]}"; do echo "${jitw[$p]} ${jitms[$p]}"; done | awk '
    { w += $1; ms += $2 }
    END { if (ms > 0) printf "fast-jit compile speed: %.1f KB of wasm code in %.2f ms of CPU time, %.1f MB/s on one core\n", w / 1024, ms, w / ms / 1e3 }'
fi
# The speed-up of SIMD: each simd-* program's time without -msimd128 (-msse4.1
# natively) over its time with it, per runner.
for p in "${progs[@]}"; do
  [[ $p == simd-* && $p != *-nosimd ]] || continue
  [[ " ${progs[*]} " == *" $p-nosimd "* ]] || continue
  line="SIMD speed-up of $p (time of $p-nosimd / time of $p):"
  line="$line native $(awk -v a="${best[$p-nosimd.native]:-}" -v b="${best[$p.native]:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2fx", a / b }')"
  for ((r = 0; r < nr; r++)); do
    line="$line, ${labels[r]} $(awk -v a="${best[$p-nosimd.$r]:-}" -v b="${best[$p.$r]:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2fx", a / b }')"
  done
  echo "$line"
done
[ $failures = 0 ]
