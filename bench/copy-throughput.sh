#!/bin/sh
# copy-throughput.sh WASM_RUN [SIZE_MIB] [MODE]: copies a SIZE_MIB (default 1024)
# file through fd_read/fd_write in 64 KiB chunks under wasm-run and natively, in a
# directory on tmpfs (/dev/shm, else $TMPDIR), and prints both times and the ratio.
set -eu
wasm_run=${1:?usage: copy-throughput.sh WASM_RUN [SIZE_MIB] [MODE]}
size=${2:-1024}
mode=${3:-classic}
here=$(cd "$(dirname "$0")" && pwd)
base=/dev/shm; [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/wr-copy.XXXXXX")
trap 'rm -rf "$dir"' EXIT
CC=${CC:-cc}
CLANG=${CLANG:-clang-19}
SYSROOT=${WASI_SYSROOT:-/usr}
$CC -O2 -o "$dir/copy-native" "$here/copy.c"
$CLANG -O2 --target=wasm32-wasi --sysroot="$SYSROOT" -o "$dir/copy.wasm" "$here/copy.c"
head -c $((size * 1024 * 1024)) /dev/urandom >"$dir/in"
best() { # best of three wall times, in seconds
  b=""
  for i in 1 2 3; do
    s=$(date +%s.%N); "$@"; e=$(date +%s.%N)
    t=$(awk "BEGIN { print $e - $s }")
    if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then b=$t; fi
  done
  echo "$b"
}
tn=$(best "$dir/copy-native" "$dir/in" "$dir/out")
cmp -s "$dir/in" "$dir/out" || { echo "native copy differs"; exit 1; }
rm -f "$dir/out"
tw=$(best "$wasm_run" --mode="$mode" --dir="$dir::/d" "$dir/copy.wasm" /d/in /d/out)
cmp -s "$dir/in" "$dir/out" || { echo "wasm copy differs"; exit 1; }
echo "copy of $size MiB in 64 KiB chunks: native ${tn}s, wasm-run --mode=$mode ${tw}s, throughput $(awk "BEGIN { printf \"%d\", 100 * $tn / $tw }")% of native"
