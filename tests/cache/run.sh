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

# The mode auto starts in when it does not wait for a compile: fast-jit where this
# build has it and may use it, else fast.
now=fast
"$WASM_RUN" --mode=fast-jit --invoke=fib "$tmp/fib.wasm" 20 >/dev/null 2>&1 && now=fast-jit

# Without the compiler (its plugin missing), auto runs at once, silently unless -v.
mkdir "$tmp/bin" && cp "$WASM_RUN" "$tmp/bin/wasm-run"
check "no compiler: runs at once, silently" 0 "6765" "" -- \
  env WASM_RUN_LLVM_PLUGIN="$tmp/none.so" WASM_RUN_CACHE="$tmp/nocc" "$tmp/bin/wasm-run" --invoke=fib "$tmp/fib.wasm" 20
env WASM_RUN_LLVM_PLUGIN="$tmp/none.so" WASM_RUN_CACHE="$tmp/nocc" "$tmp/bin/wasm-run" -v --invoke=fib "$tmp/fib.wasm" 20 \
  2>"$tmp/err" >/dev/null
grep -qx "wasm-run: auto: miss, no AOT compiler in this build, running in $now" "$tmp/err" &&
  [ "$(find "$tmp/nocc" -name '*.wrimg' | wc -l)" = 0 ] && ok "no compiler: -v says so" || fail "no compiler: $(cat "$tmp/err")"

# ---- the cache at work (needs the AOT compiler) ----------------------------------------
if ! "$WASM_RUN" compile --cache-dir="$tmp/probe" "$tmp/fib.wasm" >/dev/null 2>"$tmp/err"; then
  echo "skip the compiling tests: $(cat "$tmp/err")"
  echo "run.sh: $fails failed"
  [ "$fails" = 0 ]
  exit
fi
export WASM_RUN_CACHE="$tmp/cache"
entries() { find "$WASM_RUN_CACHE/v1" -name '*.wrimg' 2>/dev/null | wc -l; }
# Waits (up to 60 s) until the cache holds N images.
wait_entries() { for _ in $(seq 600); do [ "$(entries)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
# A module whose compile takes a while: a chain of N functions.
big() {
  awk -v n="$1" -f "$srcdir/bench/chain.awk" >"$2.wat" && "$WAT2WASM" "$2.wat" -o "$2"
}

# Miss, then hit: the first start runs at once (fast) and compiles in the
# background; once the image is there, the next start runs it as aot.
check "miss: output" 0 "6765" "" -- "$WASM_RUN" --invoke=fib "$tmp/fib.wasm" 20
wait_entries 1 && ok "the background compile published the image" || fail "no image after the background compile"
"$WASM_RUN" -v --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 6765 ] && grep -qx "wasm-run: auto: cache hit" "$tmp/err" &&
  grep -qx "wasm-run: $tmp/fib.wasm: 152 bytes, mode aot" "$tmp/err" && ok "hit: runs as aot, -v says so" ||
  fail "hit: $(cat "$tmp/out") $(cat "$tmp/err")"
cp "$tmp/fib.wasm" "$tmp/fib2.wasm"
"$WASM_RUN" -v --invoke=fib "$tmp/fib2.wasm" 20 2>"$tmp/err" >/dev/null
grep -qx "wasm-run: auto: cache hit" "$tmp/err" && ok "the key is the content, not the path" || fail "copy missed: $(cat "$tmp/err")"
"$WASM_RUN" cache ls >"$tmp/ls"
[ "$(wc -l <"$tmp/ls")" = 1 ] && grep -Eq '^[0-9a-f]{64} +[0-9]+ [0-9T:-]+ ready$' "$tmp/ls" && ok "cache ls" ||
  fail "cache ls: $(cat "$tmp/ls")"

# The key changes with the opt level and with the fingerprint (the test override
# stands for another CPU or compiler): a miss each time, never a stale image.
"$WASM_RUN" compile --opt=3 "$tmp/fib.wasm" >"$tmp/p3" && "$WASM_RUN" compile --opt=2 "$tmp/fib.wasm" >"$tmp/p2" &&
  [ "$(cat "$tmp/p3")" != "$(cat "$tmp/p2")" ] && [ "$(entries)" = 2 ] && ok "opt level changes the key" ||
  fail "opt level: $(cat "$tmp/p3") $(cat "$tmp/p2")"
WASM_RUN_TEST_FINGERPRINT="other cpu" "$WASM_RUN" -v --compile=wait --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 6765 ] && grep -qx "wasm-run: auto: miss, compiled" "$tmp/err" && [ "$(entries)" = 3 ] &&
  ok "another fingerprint misses; --compile=wait compiles, then runs aot" || fail "fingerprint: $(cat "$tmp/err")"
grep -qx "wasm-run: $tmp/fib.wasm: 152 bytes, mode aot" "$tmp/err" && ok "--compile=wait runs aot" || fail "wait: $(cat "$tmp/err")"
WASM_RUN_TEST_FINGERPRINT="yet another" "$WASM_RUN" -v --compile=never --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 6765 ] && grep -qx "wasm-run: auto: --compile=never, running in $now" "$tmp/err" &&
  [ "$(entries)" = 3 ] && ok "--compile=never: fast, nothing compiled" || fail "never: $(cat "$tmp/err")"
"$WASM_RUN" -v --no-cache --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 6765 ] && grep -qx "wasm-run: auto: --no-cache, running in $now" "$tmp/err" &&
  ok "--no-cache: not even a hit" || fail "--no-cache: $(cat "$tmp/err")"

# A flipped byte in an image is seen at the next start: the image is removed with
# a warning, the start runs from a new compile, and the rebuilt image is good.
img=$(cat "$tmp/p2")
chmod u+w "$img" && printf '\001' | dd of="$img" bs=1 seek=5000 conv=notrunc status=none && chmod u-w "$img"
"$WASM_RUN" --compile=wait --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = 6765 ] &&
  grep -Eq "^wasm-run: warning: cache entry $img is damaged \(.*\): removed, it will be compiled again$" "$tmp/err" &&
  ok "flipped byte: warned, removed, rebuilt" || fail "flipped byte: $(cat "$tmp/out") $(cat "$tmp/err")"
chmod u+w "$img" && printf '\002' | dd of="$img" bs=1 seek=5000 conv=notrunc status=none && chmod u-w "$img"
check "-q: a damaged image is rebuilt silently" 0 "6765" "" -- "$WASM_RUN" -q --compile=wait --invoke=fib "$tmp/fib.wasm" 20
"$WASM_RUN" cache verify >"$tmp/out" && [ "$(cat "$tmp/out")" = "checked 3 images, 0 damaged" ] &&
  ok "the rebuilt image verifies" || fail "verify: $(cat "$tmp/out")"
chmod u+w "$img" && printf '\001' | dd of="$img" bs=1 seek=5000 conv=notrunc status=none && chmod u-w "$img"
"$WASM_RUN" cache verify >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && [ "$(cat "$tmp/out")" = "checked 3 images, 1 damaged (removed)" ] && grep -q "is damaged" "$tmp/err" &&
  [ "$(entries)" = 2 ] && ok "cache verify finds and removes it" || fail "verify damaged: $(cat "$tmp/out") $(cat "$tmp/err")"

# A module the compiler cannot compile (here an invalid one: the interpreter then
# refuses it just the same) is tried once: the failure is remembered for this
# compiler, later starts do not retry.
cat >"$tmp/simd.wat" <<'WAT'
(module (func (export "_start") (drop (i32.add (i32.const 1)))))
WAT
"$WAT2WASM" --no-check "$tmp/simd.wat" -o "$tmp/simd.wasm"
export WASM_RUN_CACHE="$tmp/simdcache"
"$WASM_RUN" --mode=fast "$tmp/simd.wasm" >/dev/null 2>&1; want=$?
"$WASM_RUN" -v --compile=wait "$tmp/simd.wasm" >/dev/null 2>"$tmp/err"; got=$?
[ $got = $want ] && grep -q "^wasm-run: auto: miss, the image cannot be made (.*), running in $now$" "$tmp/err" &&
  ok "a module the compiler refuses runs in fast" || fail "simd, wait: $(cat "$tmp/err")"
"$WASM_RUN" -v "$tmp/simd.wasm" >/dev/null 2>"$tmp/err"
grep -q "^wasm-run: auto: miss, the image cannot be made (.*), running in $now$" "$tmp/err" &&
  ! grep -q "compiling in background" "$tmp/err" && ok "... and is not compiled again" || fail "simd, again: $(cat "$tmp/err")"
"$WASM_RUN" cache ls | grep -q " failed$" && ok "cache ls shows the failure" || fail "simd ls: $("$WASM_RUN" cache ls)"
"$WASM_RUN" cache clear >/dev/null && [ -z "$("$WASM_RUN" cache ls)" ] && ok "cache clear forgets it" ||
  fail "simd clear: $("$WASM_RUN" cache ls)"
export WASM_RUN_CACHE="$tmp/cache"

# A cache directory others can write is refused by a run too.
mkdir -p "$tmp/shared" && chmod 0777 "$tmp/shared"
check "run with a cache others can write" 125 "" \
  "wasm-run: cache: $tmp/shared: refused: writable by every user (mode 0777)" -- \
  "$WASM_RUN" --cache-dir="$tmp/shared" --invoke=fib "$tmp/fib.wasm" 20

# A cache that cannot be made costs the speed, not the run.
: >"$tmp/afile"
check "unusable cache: runs without it" 0 "6765" \
  "wasm-run: warning: cache: $tmp/afile/c: cannot make the directory: Not a directory: running without it" -- \
  "$WASM_RUN" --cache-dir="$tmp/afile/c" --invoke=fib "$tmp/fib.wasm" 20

# Images run mapped from the cache's files: a cache on a noexec mount is not used.
mkdir "$tmp/nx"
if mount -t tmpfs -o noexec tmpfs "$tmp/nx" 2>/dev/null; then
  check "cache on a noexec mount: auto runs without it" 0 "6765" \
    "wasm-run: warning: cache: $tmp/nx/c: on a noexec mount, where images cannot run: running without it" -- \
    "$WASM_RUN" --cache-dir="$tmp/nx/c" --invoke=fib "$tmp/fib.wasm" 20
  check "cache on a noexec mount: --mode=aot refuses" 125 "" \
    "wasm-run: cache: $tmp/nx/c: on a noexec mount, where images cannot run (see --cache-dir)" -- \
    "$WASM_RUN" --mode=aot --cache-dir="$tmp/nx/c" --invoke=fib "$tmp/fib.wasm" 20
  umount "$tmp/nx"
else
  echo "skip noexec: cannot mount a tmpfs here"
fi

# gc --max-size keeps the most recently used images that fit.
export WASM_RUN_CACHE="$tmp/gc"
"$WASM_RUN" compile --opt=0 "$tmp/fib.wasm" >/dev/null && sleep 1.1 && "$WASM_RUN" compile --opt=1 "$tmp/fib.wasm" >"$tmp/newest"
size=$(stat -c %s "$(cat "$tmp/newest")")
check "gc --max-size" 0 "removed 1 image ($(stat -c %s "$(find "$tmp/gc/v1" -name '*.wrimg' ! -path "$(cat "$tmp/newest")")") bytes)" "" -- \
  "$WASM_RUN" cache gc --max-size="$size"
[ "$(find "$tmp/gc/v1" -name '*.wrimg')" = "$(cat "$tmp/newest")" ] && ok "gc kept the newest" || fail "gc kept the wrong one"
export WASM_RUN_CACHE="$tmp/cache"

# kill -9 in the middle of a compile, waiting or in the background, leaves no
# image, and the next start compiles afresh and runs right.
big 400 "$tmp/big.wasm" || fail "making big.wasm"
want=$("$WASM_RUN" --mode=classic "$tmp/big.wasm"; echo $?)
nice_of() { awk '{ print $19 }' "/proc/$1/stat" 2>/dev/null || echo -1; }
# Waits (up to 30 s) until a compile has its temporary file.
wait_tmp() { for _ in $(seq 300); do [ -n "$(find "$WASM_RUN_CACHE/v1" -name '.tmp-*' 2>/dev/null)" ] && return 0; sleep 0.1; done; return 1; }
"$WASM_RUN" compile "$tmp/big.wasm" >/dev/null 2>&1 &
pid=$!
wait_tmp || fail "no temporary file seen"
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.3
n=$(entries)
"$WASM_RUN" -v --compile=never "$tmp/big.wasm" 2>/dev/null; got=$?
[ "$n" = 2 ] && [ "$got" = "$want" ] && ok "kill -9 of a waiting compile: no image" || fail "kill -9 (wait): $n images"
"$WASM_RUN" -v "$tmp/big.wasm" 2>"$tmp/err"; got=$?
bg=$(sed -n 's/.*compiling in background (pid \([0-9]*\))$/\1/p' "$tmp/err")
[ -n "$bg" ] && [ "$got" = "$want" ] && ok "miss on a big module: output at once ($want)" ||
  fail "big miss: $got, $(cat "$tmp/err")"
# The run did not wait: its output came while the compile still runs, which
# `cache ls` shows (unless the compile was quicker than the run itself).
"$WASM_RUN" cache ls >"$tmp/ls"
if grep -q " compiling$" "$tmp/ls"; then
  ok "output before the image is published; cache ls shows it compiling"
elif [ "$(entries)" = 3 ]; then
  echo "skip output before publish: the compile was quicker than the run"
else
  fail "cache ls during a background compile: $(cat "$tmp/ls")"
fi
wait_tmp || fail "no temporary file seen (background)"
# The compile runs in the sandbox: seccomp, no_new_privs, no capabilities, and in
# its own namespaces, below the detached helper.
cc=
for _ in $(seq 100); do cc=$(pgrep -P "$bg" | head -n 1); [ -n "$cc" ] && grep -q "^Seccomp:[[:space:]]*2" "/proc/$cc/status" 2>/dev/null && break; sleep 0.05; done
if [ -n "$cc" ] && [ -r "/proc/$cc/status" ]; then
  grep -q "^Seccomp:[[:space:]]*2" "/proc/$cc/status" && grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$cc/status" &&
    grep -q "^CapEff:[[:space:]]*0*$" "/proc/$cc/status" && [ "$(readlink "/proc/$cc/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
    [ "$(readlink "/proc/$cc/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
    ok "the background compile runs sandboxed" || fail "compile child: $(grep -E '^(Seccomp|NoNewPrivs|CapEff)' "/proc/$cc/status" | tr '\n' ' ')"
  [ "$(nice_of "$bg")" -ge 10 ] && ok "the background compile is niced" || fail "nice of $bg: $(nice_of "$bg")"
  if [ "$(nproc)" -gt 1 ]; then
    cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$cc/status")
    [[ $cpus =~ ^[0-9]+$ ]] && ok "the background compile keeps to one core ($cpus)" || fail "compile cpus: $cpus"
  fi
else
  echo "skip the compile child's sandbox: it was gone before we looked"
fi
[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
sleep 0.3
[ "$(entries)" = 2 ] && ok "kill -9 of a background compile: no image" || fail "kill -9 (background): $(entries) images"
"$WASM_RUN" -v "$tmp/big.wasm" 2>"$tmp/err"; got=$?
grep -q "auto: miss" "$tmp/err" && [ "$got" = "$want" ] && ok "after the kill: a miss, not a broken hit" ||
  fail "after kill: $(cat "$tmp/err")"
wait_entries 3 && "$WASM_RUN" -v "$tmp/big.wasm" 2>"$tmp/err"; got=$?
grep -qx "wasm-run: auto: cache hit" "$tmp/err" && [ "$got" = "$want" ] && ok "big module: hit after the compile" ||
  fail "big hit: $got, $(cat "$tmp/err")"

# A compile over a second shows its progress when stderr is a terminal (script(1)
# gives it one), and nothing when it is not.
if command -v script >/dev/null; then
  export WASM_RUN_CACHE="$tmp/tty"
  start=$(date +%s%N)
  script -qec "'$WASM_RUN' compile '$tmp/big.wasm'" /dev/null >"$tmp/tty.out" 2>&1
  took=$((($(date +%s%N) - start) / 1000000))
  if grep -q "wasm-run: compiling $tmp/big.wasm: 1 s" "$tmp/tty.out"; then
    ok "progress on a terminal after a second"
  elif [ $took -lt 1500 ]; then
    echo "skip progress: the compile took only $took ms"
  else
    fail "no progress line in $took ms: $(od -c "$tmp/tty.out" | head -n 5)"
  fi
  "$WASM_RUN" cache clear >/dev/null
  "$WASM_RUN" compile "$tmp/big.wasm" >"$tmp/out" 2>"$tmp/err"
  [ ! -s "$tmp/err" ] && ok "no progress without a terminal" || fail "progress without a terminal: $(cat "$tmp/err")"
  export WASM_RUN_CACHE="$tmp/cache"
fi

# 8 concurrent first starts of one module compile it once and all print the right
# output: waiting for the compile, then in the background.
for mode in wait background; do
  export WASM_RUN_CACHE="$tmp/conc-$mode"
  for i in 1 2 3 4 5 6 7 8; do
    "$WASM_RUN" -v --compile=$mode --invoke=fib "$tmp/fib.wasm" 20 >"$tmp/o$i" 2>"$tmp/e$i" &
  done
  wait
  good=0
  for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$tmp/o$i")" = 6765 ] && good=$((good + 1)); done
  if [ $mode = wait ]; then
    compiles=$(cat "$tmp"/e? | grep -c "compile: .* took")
  else
    compiles=$(cat "$tmp"/e? | grep -c "compiling in background (pid")
  fi
  wait_entries 1
  [ $good = 8 ] && [ "$compiles" = 1 ] && [ "$(entries)" = 1 ] && ok "8 concurrent starts ($mode): one compile, 8 right outputs" ||
    fail "8 concurrent ($mode): $good right, $compiles compiles, $(entries) images: $(cat "$tmp"/e?)"
done

# On a cache hit the running guest maps no libLLVM (nor does its supervisor).
export WASM_RUN_CACHE="$tmp/cache"
cat >"$tmp/spin.wat" <<'WAT'
(module (func (export "_start") (loop (br 0))))
WAT
"$WAT2WASM" "$tmp/spin.wat" -o "$tmp/spin.wasm"
"$WASM_RUN" compile "$tmp/spin.wasm" >/dev/null
"$WASM_RUN" -v "$tmp/spin.wasm" 2>"$tmp/err" &
wr=$!
child=
for _ in $(seq 100); do child=$(pgrep -P $wr | head -n 1); [ -n "$child" ] && grep -q "mode aot" "$tmp/err" && break; sleep 0.05; done
sleep 0.2
if [ -n "$child" ] && [ -r /proc/$child/maps ]; then
  grep -q "auto: cache hit" "$tmp/err" && ! grep -qi llvm /proc/$child/maps && ! grep -qi llvm /proc/$wr/maps &&
    ok "cache hit: no libLLVM in /proc/PID/maps" || fail "maps: $(grep -i llvm /proc/$child/maps /proc/$wr/maps | head -n 2) $(cat "$tmp/err")"
else
  fail "the spinning guest did not start: $(cat "$tmp/err")"
fi
kill -9 $wr 2>/dev/null
wait $wr 2>/dev/null

echo "run.sh: $fails failed"
[ "$fails" = 0 ]
