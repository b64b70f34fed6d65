#!/bin/bash
# run.sh: WASI programs in C (tests/wasi/*.c), compiled for wasm32-wasi at test time
# and run through the wasm-run command: files and directories, escapes from the
# preopen, args/env/clocks/random/poll/EFAULT, stdin/stdout piping and EPIPE, and a
# TCP echo server under --listen. Needs WASM_RUN (set by `make check`); skips (77)
# when clang-19 or wasi-libc is missing.
set -u
: "${WASM_RUN:?}" "${srcdir:=.}"
cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
src=$srcdir/tests/wasi
out=${top_builddir:-.}/tests/wasi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null' EXIT
command -v "$cc" >/dev/null && [ -f "$sysroot/lib/wasm32-wasi/libc.a" ] || { echo "SKIP: $cc or wasi-libc missing"; exit 77; }
fails=0
for c in files escape misc cat echo_server memcap; do
  "$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -Wall -o "$out/$c.wasm" "$src/$c.c" || { echo "FAIL: cannot compile $c.c"; exit 1; }
done
result() { # name status expected-status
  if [ "$2" = "$3" ]; then echo "ok $1"; else echo "FAIL $1: exit status $2, expected $3"; fails=$((fails + 1)); fi
}

mkdir "$tmp/box"
"$WASM_RUN" --mode=classic --dir="$tmp/box::/sandbox" "$out/files.wasm" </dev/null
result files $? 0
[ -z "$(ls -A "$tmp/box")" ] || { echo "FAIL files: left $(ls -A "$tmp/box")"; fails=$((fails + 1)); }

echo "do not touch" >"$tmp/secret"
"$WASM_RUN" --mode=classic --dir="$tmp/box::/sandbox" "$out/escape.wasm" </dev/null
result escape $? 0
[ "$(cat "$tmp/secret")" = "do not touch" ] && [ ! -e "$tmp/made" ] && [ ! -e "$tmp/box/stolen" ] ||
  { echo "FAIL escape: something outside the preopen changed"; fails=$((fails + 1)); }

: | env HOME=/root "$WASM_RUN" --mode=classic --env=FOO=bar "$out/misc.wasm" one "two words"
result misc $? 7

head -c 5000000 /dev/urandom >"$tmp/data"
"$WASM_RUN" --mode=classic "$out/cat.wasm" <"$tmp/data" | cmp -s - "$tmp/data"
result "cat (piping 5 MB)" $? 0
# A reader that goes away: the guest sees EPIPE (exit 3), the runtime does not die.
"$WASM_RUN" --mode=classic "$out/cat.wasm" <"$tmp/data" | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
result "cat (EPIPE)" "$st" 3

# Options: one-line errors and exit 125 for unusable values; --max-memory; "--".
usage_error() { # name pattern -- command...
  local name=$1 pat=$2
  shift 3
  "$@" </dev/null >/dev/null 2>"$tmp/err"
  local st=$?
  if [ $st = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q -- "^wasm-run: .*$pat" "$tmp/err"; then
    echo "ok $name"
  else
    echo "FAIL $name: exit status $st, stderr: $(cat "$tmp/err")"
    fails=$((fails + 1))
  fi
}
usage_error "--dir missing" "--dir=$tmp/nope: cannot open" -- "$WASM_RUN" --mode=classic --dir="$tmp/nope" "$out/cat.wasm"
usage_error "--dir empty" "--dir=::/x: expected" -- "$WASM_RUN" --mode=classic --dir=::/x "$out/cat.wasm"
usage_error "--env empty name" "--env==x: expected" -- "$WASM_RUN" --mode=classic --env==x "$out/cat.wasm"
usage_error "--listen bad port" "--listen=99999: the port" -- "$WASM_RUN" --mode=classic --listen=99999 "$out/cat.wasm"
usage_error "--listen bad address" "--listen=no.such.host.invalid:80: cannot resolve" -- "$WASM_RUN" --mode=classic --listen=no.such.host.invalid:80 "$out/cat.wasm"
usage_error "--max-memory bad" "--max-memory=12Q: expected" -- "$WASM_RUN" --mode=classic --max-memory=12Q "$out/cat.wasm"
"$WASM_RUN" --mode=classic --max-memory=2M "$out/memcap.wasm"
result "--max-memory caps growth" $? 0
"$WASM_RUN" --mode=classic "$out/memcap.wasm" >/dev/null
result "no --max-memory" $? 1
[ "$(echo hi | "$WASM_RUN" --mode=classic -- "$out/cat.wasm")" = hi ]
result "-- ends options" $? 0

# The echo server: find a free port by trying a few.
for port in $((20000 + RANDOM % 20000)) $((20000 + RANDOM % 20000)) $((20000 + RANDOM % 20000)); do
  "$WASM_RUN" --mode=classic --listen=127.0.0.1:$port "$out/echo_server.wasm" 2>"$tmp/srv.err" &
  srv=$!
  sleep 0.3
  kill -0 "$srv" 2>/dev/null && break
  srv=
done
if [ -z "$srv" ]; then
  echo "FAIL echo server: could not start: $(cat "$tmp/srv.err")"
  fails=$((fails + 1))
else
  usage_error "--listen port in use" "--listen=127.0.0.1:$port: cannot listen: Address already in use" -- \
    "$WASM_RUN" --mode=classic --listen=127.0.0.1:$port "$out/echo_server.wasm"
  reply=$(exec 9<>"/dev/tcp/127.0.0.1/$port" && printf 'hello wasi\n' >&9 && head -n 1 <&9)
  wait "$srv"
  st=$?
  srv=
  [ "$reply" = "hello wasi" ] || { echo "FAIL echo server: replied '$reply'"; fails=$((fails + 1)); }
  result "echo server" $st 0
fi
[ $fails = 0 ]
