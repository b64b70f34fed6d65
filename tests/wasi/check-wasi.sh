#!/bin/bash
# check-wasi.sh SUITE WASM_RUN [MODES...]: runs every test of the official WASI
# preview 1 testsuite (SUITE/tests/*/testsuite/*/X.wasm, specified by X.json) through
# the wasm-run command in each mode, the way upstream's wasmtime adapter does:
#   wasm-run [--env=K=V]... [--dir=ROOT::/] X.wasm ARGS...
# on a fresh copy of ROOT, stdin an empty pipe. Prints one line per failure and ends
# with "N passed, N failed".
set -u
suite=$1
wasm_run=$2
shift 2
modes=${*:-classic}
command -v jq >/dev/null || { echo "check-wasi: jq is needed to read the tests' JSON"; echo "0 passed, 1 failed"; exit 1; }
[ -d "$suite/tests" ] || { echo "check-wasi: $suite/tests: no such directory"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
fail() { echo "FAIL: $mode: $name: $*"; failed=$((failed + 1)); }

for mode in $modes; do
  for wasm in "$suite"/tests/*/testsuite/*/*.wasm; do
    dir=$(dirname "$wasm")
    name=$(basename "$(dirname "$(dirname "$dir")")")/$(basename "$wasm" .wasm)
    json=${wasm%.wasm}.json
    [ -f "$json" ] || json=/dev/null
    spec=$(cat "$json")
    [ -n "$spec" ] || spec='{}'
    opts=(--mode="$mode")
    while IFS= read -r -d '' kv; do opts+=(--env="$kv"); done \
      < <(jq -j '(.env // {}) | to_entries[] | "\(.key)=\(.value)\u0000"' <<<"$spec")
    args=()
    while IFS= read -r -d '' a; do args+=("$a"); done < <(jq -j '(.args // [])[] | "\(.)\u0000"' <<<"$spec")
    rm -rf "$work/run"
    mkdir -p "$work/run"
    root=$(jq -r '.root // empty' <<<"$spec")
    if [ -n "$root" ]; then
      cp -a "$dir/$root" "$work/run/root" && chmod -R u+w "$work/run/root"
      opts+=(--dir="$work/run/root::/")
    fi
    while IFS= read -r -d '' d; do # the older "dirs" form: each under its own name
      cp -a "$dir/$d" "$work/run/$d" && chmod -R u+w "$work/run/$d"
      opts+=(--dir="$work/run/$d::$d")
    done < <(jq -j '(.dirs // [])[] | "\(.)\u0000"' <<<"$spec")
    want_code=$(jq -r '.exit_code // 0' <<<"$spec")
    : | timeout 30 "$wasm_run" "${opts[@]}" "$wasm" "${args[@]}" >"$work/stdout" 2>"$work/stderr"
    code=$?
    ok=1
    if [ "$code" != "$want_code" ]; then
      fail "exit status $code, expected $want_code ($(head -c 300 "$work/stderr" | tr '\n' ' '))"
      continue
    fi
    for stream in stdout stderr; do
      [ "$(jq -r --arg s "$stream" '.[$s] != null' <<<"$spec")" = true ] || continue
      want=$(jq -r --arg s "$stream" '.[$s]' <<<"$spec")
      got=$(head -c "${#want}" "$work/$stream")
      if [ "$got" != "$want" ]; then
        fail "$stream \"$got\", expected \"$want\""
        ok=0
        break
      fi
    done
    [ $ok = 1 ] && passed=$((passed + 1))
  done
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
