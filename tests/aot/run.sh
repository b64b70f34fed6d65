#!/bin/bash
# run.sh: the aot mode and its images. `wasm-run compile -o` then the image run
# alone: without LLVM mapped (/proc/PID/maps of the running guest), with its code
# mapped read+execute from the file, under PR_SET_MDWE; --mode=aot on a .wasm;
# a flipped byte and a truncated file refused with their one-line messages; the
# symbol table naming the wasm functions (readelf, nm); the compile command's
# errors; our .wast files and tests/llvm's in aot. Skips (77) without LLVM, and the
# parts needing clang-19/wasi-libc or wat2wasm without them.
set -u
: "${WASM_RUN:?}" "${srcdir:=.}"
builddir=${top_builddir:-.}
WAT2WASM=${WAT2WASM:-wat2wasm}
tmp=$(mktemp -d)
wr=
trap 'rm -rf "$tmp"; [ -n "$wr" ] && kill -9 "$wr" 2>/dev/null' EXIT
fails=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { # name got want
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

if ! "$WASM_RUN" compile --help >/dev/null 2>&1 || ! "$WASM_RUN" compile "$builddir/examples/fib.wasm" -o "$tmp/probe.wrimg" 2>"$tmp/err"; then
  if grep -q 'has no LLVM\|cannot load the LLVM part' "$tmp/err"; then echo "SKIP: no AOT compiler in this build"; exit 77; fi
  fail "compile examples/fib.wasm: $(cat "$tmp/err")"
  exit 1
fi

# ---- compile -o, run the image ---------------------------------------------------
fib=$tmp/fib.wrimg
"$WASM_RUN" compile "$builddir/examples/fib.wasm" -o "$fib"
expect "compile -o: status" $? 0
expect "compile -o: no temporary file left" "$(ls "$tmp" | grep -c tmp)" 0
expect "image: --invoke=fib 20" "$("$WASM_RUN" --invoke=fib "$fib" 20)" 6765
expect "image with --mode=aot" "$("$WASM_RUN" --mode=aot --invoke=fib "$fib" 25)" 75025
expect "image with --mode=fast runs the module it embeds" "$("$WASM_RUN" --mode=fast --invoke=fib "$fib" 20)" 6765
expect "--mode=aot on a .wasm" "$("$WASM_RUN" --mode=aot --invoke=fib "$builddir/examples/fib.wasm" 21)" 10946
for o in 0 1 3; do
  "$WASM_RUN" compile --opt=$o "$builddir/examples/fib.wasm" -o "$tmp/fib$o.wrimg"
  expect "compile --opt=$o" "$("$WASM_RUN" --invoke=fib "$tmp/fib$o.wrimg" 22)" 17711
done
# Split into parts (as big modules are), the calls between parts resolved by the writer.
WR_AOT_PARTS=2 "$WASM_RUN" compile "$builddir/examples/fib.wasm" -o "$tmp/fib-parts.wrimg"
expect "two parts: fib" "$("$WASM_RUN" --invoke=fib "$tmp/fib-parts.wrimg" 20)" 6765
expect "two parts: fib_iter" "$("$WASM_RUN" --invoke=fib_iter "$tmp/fib-parts.wrimg" 90)" 2880067194370816120
expect "image is ELF" "$(head -c 4 "$fib" | od -An -c | tr -d ' ')" '177ELF'

# ---- the image's structure as tools see it ----------------------------------------
if command -v readelf >/dev/null; then
  phdrs=$(readelf -lW "$fib")
  expect "one R+X segment" "$(echo "$phdrs" | grep -c ' LOAD .* R E ')" 1
  expect "no W+X segment" "$(echo "$phdrs" | grep -Ec ' LOAD .* RWE ')" 0
  expect "no interpreter" "$(echo "$phdrs" | grep -c INTERP)" 0
  expect "no undefined symbols" "$(readelf -sW "$fib" | awk '$7 == "UND" && $8 != ""' | wc -l)" 0
  expect "a symbol for each function" "$(readelf -sW "$fib" | awk '$4 == "FUNC" { print $8 }' | grep -cx 'wasm_func_[01]')" 2
fi
if command -v "$WAT2WASM" >/dev/null; then
  cat >"$tmp/names.wat" <<'EOF'
(module
  (func $outer (export "outer") (param i32) (result i32)
    (call $inner (local.get 0)))
  (func $inner (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "anon") (result i32) (i32.const 7)))
EOF
  "$WAT2WASM" --debug-names "$tmp/names.wat" -o "$tmp/names.wasm" && "$WASM_RUN" compile --opt=0 "$tmp/names.wasm" -o "$tmp/names.wrimg"
  expect "names: compile" $? 0
  if command -v nm >/dev/null; then
    syms=$(nm "$tmp/names.wrimg" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')
    # $inner (function 1) is neither exported nor referenced: no uniform entry.
    expect "nm: one symbol per function and entry" "$syms" "inner outer wasm_entry_0 wasm_entry_2 wasm_func_2 "
  fi
  expect "names: run" "$("$WASM_RUN" --invoke=outer "$tmp/names.wrimg" 5)" 15
  expect "names: unnamed function" "$("$WASM_RUN" --invoke=anon "$tmp/names.wrimg")" 7
fi

# perf names guest functions from the image's symbols (where perf may record).
if command -v perf >/dev/null && command -v "$WAT2WASM" >/dev/null; then
  cat >"$tmp/spin.wat" <<'EOF'
(module
  (func $hot_loop (export "spin") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.rotl (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const 2654435761)))
                                (i32.const 5)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
EOF
  "$WAT2WASM" --debug-names "$tmp/spin.wat" -o "$tmp/spin.wasm" && "$WASM_RUN" compile "$tmp/spin.wasm" -o "$tmp/spin.wrimg"
  if perf record -q -F 2000 -o "$tmp/perf.data" "$WASM_RUN" --invoke=spin "$tmp/spin.wrimg" 300000000 >/dev/null 2>&1; then
    top=$(perf report -i "$tmp/perf.data" --stdio 2>/dev/null | awk '!/^#/ && NF { print $3, $5; exit }')
    expect "perf: the hottest symbol" "$top" "spin.wrimg hot_loop"
  else
    echo "skip perf: perf record is not allowed here"
  fi
fi

# Traps from image code through the command (sandbox on): the guard region's fault,
# the native stack check, an explicit check; the same lines as classic.
if command -v "$WAT2WASM" >/dev/null; then
  cat >"$tmp/trap.wat" <<'EOF'
(module
  (memory 1)
  (func $oob (export "oob") (result i32) (i32.load (i32.const 70000)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $div (export "div") (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0))))
EOF
  "$WAT2WASM" --debug-names "$tmp/trap.wat" -o "$tmp/trap.wasm" && "$WASM_RUN" compile "$tmp/trap.wasm" -o "$tmp/trap.wrimg"
  for t in "oob:out of bounds memory access in function oob" "deep 0:call stack exhausted in function deep" \
    "div 0:integer divide by zero in function div"; do
    call=${t%%:*}
    # shellcheck disable=SC2086 # "deep 0": the export, then its argument after the module
    "$WASM_RUN" --invoke=${call%% *} "$tmp/trap.wrimg" $([ "$call" != "${call#* }" ] && echo "${call#* }") \
      >/dev/null 2>"$tmp/err"
    expect "trap: ${t%%:*}" "$? $(cat "$tmp/err")" "134 wasm-run: trap: ${t#*:}"
  done
fi

# ---- damaged images ----------------------------------------------------------------
size=$(stat -c %s "$fib")
cp "$fib" "$tmp/flip.wrimg"
off=$((4096 + 17)) # a byte of the code
b=$(od -An -tu1 -j $off -N1 "$fib" | tr -d ' ')
printf "$(printf '\\%03o' $(((b ^ 0x40) & 255)))" | dd of="$tmp/flip.wrimg" bs=1 seek=$off conv=notrunc status=none
"$WASM_RUN" --invoke=fib "$tmp/flip.wrimg" 20 >"$tmp/out" 2>"$tmp/err"
expect "flipped byte: status" $? 126
expect "flipped byte: message" "$(cat "$tmp/err")" "wasm-run: $tmp/flip.wrimg: damaged AOT image: digest mismatch"
cp "$fib" "$tmp/flip2.wrimg"
printf 'X' | dd of="$tmp/flip2.wrimg" bs=1 seek=$((size - 3)) conv=notrunc status=none
"$WASM_RUN" --invoke=fib "$tmp/flip2.wrimg" 20 >/dev/null 2>"$tmp/err"
expect "flipped byte in the section headers" "$(cat "$tmp/err")" "wasm-run: $tmp/flip2.wrimg: damaged AOT image: digest mismatch"
head -c $((size - 100)) "$fib" >"$tmp/trunc.wrimg"
"$WASM_RUN" --invoke=fib "$tmp/trunc.wrimg" 20 >"$tmp/out" 2>"$tmp/err"
expect "truncated: status" $? 126
expect "truncated: message" "$(cat "$tmp/err")" \
  "wasm-run: $tmp/trunc.wrimg: damaged AOT image: truncated ($((size - 100)) of $size bytes)"
head -c 600 "$fib" >"$tmp/short.wrimg"
"$WASM_RUN" --invoke=fib "$tmp/short.wrimg" 20 >/dev/null 2>"$tmp/err"
expect "truncated in the header" "$(cat "$tmp/err")" "wasm-run: $tmp/short.wrimg: damaged AOT image: truncated (600 bytes)"
"$WASM_RUN" --mode=aot --invoke=fib "$tmp/short.wrimg" 20 >/dev/null 2>"$tmp/err"
expect "--mode=aot on a truncated image" "$?" 126

# ---- the compile command's errors --------------------------------------------------
# Without -o the image goes into the cache (tests/cache/run.sh tests that side).
out=$("$WASM_RUN" compile --cache-dir="$tmp/cache" "$builddir/examples/fib.wasm" 2>"$tmp/err")
expect "compile without -o: status" $? 0
expect "compile without -o: into the cache" "$(echo "$out" | grep -Ec "^$tmp/cache/v1/[0-9a-f]{2}/[0-9a-f]{62}\.wrimg$")" 1
"$WASM_RUN" compile --opt=7 "$builddir/examples/fib.wasm" -o "$tmp/x.wrimg" 2>"$tmp/err"
expect "compile --opt=7" "$(cat "$tmp/err")" "wasm-run: compile: --opt=7: expected 0, 1, 2 or 3"
"$WASM_RUN" compile "$tmp/missing.wasm" -o "$tmp/x.wrimg" 2>"$tmp/err"
expect "compile of a missing file: status" $? 127
printf '\0asm\1\0\0\0\1' >"$tmp/bad.wasm"
"$WASM_RUN" compile "$tmp/bad.wasm" -o "$tmp/x.wrimg" 2>"$tmp/err"
expect "compile of a malformed module: status" $? 126
expect "compile of a malformed module: nothing written" "$(ls "$tmp" | grep -c '^x.wrimg')" 0

# ---- a running image: no LLVM mapped, code R+X from the file, under MDWE ------------
cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
if command -v "$cc" >/dev/null && [ -f "$sysroot/lib/wasm32-wasi/libc.a" ]; then
  "$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -o "$tmp/sleeper.wasm" "$srcdir/tests/sandbox/sleeper.c" &&
    "$WASM_RUN" compile "$tmp/sleeper.wasm" -o "$tmp/sleeper.wrimg"
  expect "sleeper: compile" $? 0
  nfuncs=$(nm "$tmp/sleeper.wrimg" | awk '$2 == "T" && $3 ~ /^wasm_func_[0-9]+$/' | wc -l)
  [ "$nfuncs" -gt 10 ] && ok "sleeper: $nfuncs functions in .symtab" || fail "sleeper: $nfuncs functions in .symtab"
  WASM_RUN_LLVM_PLUGIN=/nonexistent "$WASM_RUN" "$tmp/sleeper.wrimg" sleep 30 >"$tmp/out" 2>"$tmp/err" &
  wr=$!
  for _ in $(seq 100); do
    grep -q sleeping "$tmp/out" 2>/dev/null && break
    sleep 0.05
  done
  child=$(cat /proc/$wr/task/$wr/children 2>/dev/null | awk '{ print $1 }')
  if [ -n "$child" ] && grep -q sleeping "$tmp/out"; then
    maps=$(cat /proc/$child/maps)
    expect "running image: no libLLVM mapped" "$(echo "$maps" | grep -ci 'libLLVM\|wasm-run-llvm')" 0
    expect "running image: code r-xp from the file" "$(echo "$maps" | grep -c "r-xp .*sleeper.wrimg")" 1
    expect "running image: nothing of it writable and executable" "$(echo "$maps" | grep -c 'wxp\|rwx')" 0
  else
    fail "running image: the guest did not start ($(cat "$tmp/err"))"
  fi
  kill "$wr"
  wait "$wr" 2>/dev/null
  wr=
  "$WASM_RUN" "$tmp/sleeper.wrimg" exit 3
  expect "image: the guest's exit status" $? 3
  WR_AOT_PARTS=5 "$WASM_RUN" compile "$tmp/sleeper.wasm" -o "$tmp/sleeper5.wrimg" && "$WASM_RUN" "$tmp/sleeper5.wrimg" exit 4
  expect "five parts: the guest's exit status" $? 4
  if [ -x "$builddir/tests/llvm/mdwe-exec" ]; then
    "$builddir/tests/llvm/mdwe-exec" "$WASM_RUN" "$tmp/sleeper.wrimg" exit 5 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 77 ]; then
      echo "skip MDWE: not in this kernel"
    else
      expect "image under PR_SET_MDWE (sandbox on)" "$rc $(cat "$tmp/err")" "5 "
      "$builddir/tests/llvm/mdwe-exec" "$WASM_RUN" --sandbox=none --invoke=fib "$fib" 20 >"$tmp/out" 2>"$tmp/err"
      expect "image under PR_SET_MDWE (no sandbox)" "$? $(cat "$tmp/out") $(grep -v 'sandbox=none' "$tmp/err")" "0 6765 "
    fi
  fi
else
  echo "skip running-image checks: $cc or wasi-libc missing"
fi

# ---- the spec-style tests in aot ---------------------------------------------------
if command -v "${WAST2JSON:-wast2json}" >/dev/null; then
  sh "$srcdir/tests/spec/check-spec.sh" "$srcdir/tests/llvm" "$builddir" aot >"$tmp/spec" 2>&1
  expect "tests/llvm/*.wast in aot" "$? $(tail -1 "$tmp/spec" | sed 's/ passed.*//;s/.*/passed/')" "0 passed"
  [ "$(tail -1 "$tmp/spec" | grep -c ' 0 failed')" = 1 ] || { cat "$tmp/spec"; fail "tests/llvm in aot"; }
fi
exit $((fails > 0))
