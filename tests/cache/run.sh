#!/bin/bash
# run.sh: the AOT image cache through the command: `wasm-run cache` (ls, gc,
# clear, verify, their errors), the refusal of a cache directory others can
# write, --cache-dir / $WASM_RUN_CACHE, and --mode=auto's choices (-v lines).
# Needs WASM_RUN and WAT2WASM (set by `make check`). Each check uses a cache
# directory of its own under a temporary directory.
set -u
: "${WASM_RUN:?}" "${WAT2WASM:?}" "${srcdir:=.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset WASM_RUN_CACHE
fails=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
# check NAME STATUS EXPECTED-STDOUT EXPECTED-STDERR -- COMMAND...: exact comparison.
check() {
  local name=$1 status=$2 out=$3 err=$4
  shift 5
  "$@" >"$tmp/out" 2>"$tmp/err"
  local st=$?
  if [ "$st" = "$status" ] && [ "$(cat "$tmp/out")" = "$out" ] && [ "$(cat "$tmp/err")" = "$err" ]; then
    ok "$name"
  else
    fail "$name: status $st (want $status), stdout '$(cat "$tmp/out")' (want '$out'), stderr '$(cat "$tmp/err")' (want '$err')"
  fi
}

"$WAT2WASM" "$srcdir/examples/fib.wat" -o "$tmp/fib.wasm" || { echo "FAIL: wat2wasm"; exit 1; }

# ---- wasm-run cache --------------------------------------------------------------
c="$tmp/c1"
check "ls of a new cache" 0 "" "" -- "$WASM_RUN" cache ls --cache-dir="$c"
[ "$(stat -c %a "$c")" = 700 ] && [ "$(stat -c %a "$c/v1")" = 700 ] && ok "made 0700" || fail "cache modes"
check "gc of an empty cache" 0 "removed 0 images (0 bytes)" "" -- "$WASM_RUN" cache gc --cache-dir="$c" --max-size=1M
check "clear of an empty cache" 0 "removed 0 images" "" -- "$WASM_RUN" cache clear --cache-dir="$c"
WASM_RUN_CACHE="$tmp/c2" "$WASM_RUN" cache ls >/dev/null && [ -d "$tmp/c2/v1" ] && ok "\$WASM_RUN_CACHE" ||
  fail "\$WASM_RUN_CACHE not used"
XDG_CACHE_HOME="$tmp/xdg" "$WASM_RUN" cache ls >/dev/null && [ -d "$tmp/xdg/wasm-run/v1" ] && ok "\$XDG_CACHE_HOME" ||
  fail "\$XDG_CACHE_HOME not used"
WASM_RUN_CACHE="$tmp/c2" "$WASM_RUN" cache ls --cache-dir="$tmp/c3" >/dev/null && [ -d "$tmp/c3/v1" ] &&
  ok "--cache-dir over \$WASM_RUN_CACHE" || fail "--cache-dir not preferred"
check "no action" 125 "" "wasm-run: cache: no action given (expected ls, gc, clear or verify)" -- "$WASM_RUN" cache
check "unknown action" 125 "" "wasm-run: cache: prune: unknown action (expected ls, gc, clear or verify)" -- \
  "$WASM_RUN" cache prune --cache-dir="$c"
check "two actions" 125 "" "wasm-run: cache: one action expected, got \"ls\" and more" -- \
  "$WASM_RUN" cache ls gc --cache-dir="$c"
check "bad --max-size" 125 "" "wasm-run: --max-size=12Q: expected a size such as 1048576, 500M or 2G" -- \
  "$WASM_RUN" cache gc --max-size=12Q --cache-dir="$c"
check "--max-size outside gc" 125 "" "wasm-run: cache ls: --max-size is an option of gc only" -- \
  "$WASM_RUN" cache ls --max-size=1G --cache-dir="$c"
check "unknown option" 125 "" "wasm-run: cache: --bogus: unknown option (see wasm-run cache --help)" -- \
  "$WASM_RUN" cache ls --bogus
"$WASM_RUN" cache --help >"$tmp/help" && grep -q -- "--max-size" "$tmp/help" && ok "cache --help" || fail "cache --help"

# A cache directory that another user, or every user, can write is refused by
# every command that would use it, naming it, and nothing in it is touched.
mkdir -p "$tmp/open/v1" && chmod 0777 "$tmp/open"
check "others can write the cache: cache ls" 125 "" \
  "wasm-run: cache: $tmp/open: refused: writable by every user (mode 0777)" -- "$WASM_RUN" cache ls --cache-dir="$tmp/open"
chmod 0775 "$tmp/open"
check "its group can write the cache: cache gc" 125 "" \
  "wasm-run: cache: $tmp/open: refused: writable by its group (mode 0775)" -- "$WASM_RUN" cache gc --cache-dir="$tmp/open"
chmod 0700 "$tmp/open" && chmod 0757 "$tmp/open/v1"
check "others can write v1" 125 "" \
  "wasm-run: cache: $tmp/open/v1: refused: writable by every user (mode 0757)" -- "$WASM_RUN" cache ls --cache-dir="$tmp/open"
if [ "$(id -u)" = 0 ]; then
  chmod 0700 "$tmp/open/v1" && chown 65534 "$tmp/open"
  check "another user's cache" 125 "" \
    "wasm-run: cache: $tmp/open: refused: owned by uid 65534, not by us (uid 0)" -- "$WASM_RUN" cache ls --cache-dir="$tmp/open"
fi

# ---- running: the options ------------------------------------------------------------
check "--compile=x" 125 "" "wasm-run: --compile=x: expected background, wait or never" -- \
  "$WASM_RUN" --compile=x "$tmp/fib.wasm"
check "--cache-dir=" 125 "" "wasm-run: --cache-dir=: expected a directory" -- "$WASM_RUN" --cache-dir= "$tmp/fib.wasm"
check "--no-cache runs" 0 "6765" "" -- "$WASM_RUN" --no-cache --invoke=fib "$tmp/fib.wasm" 20
check "--compile=never runs" 0 "6765" "" -- "$WASM_RUN" --compile=never --invoke=fib "$tmp/fib.wasm" 20

echo "run.sh: $fails failed"
[ "$fails" = 0 ]
