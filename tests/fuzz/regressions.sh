#!/bin/sh
# regressions.sh: every input in tests/fuzz/regressions/ that once crashed the
# runtime must now end as a well-formed outcome of ./wasm-run: 0 (ran), 126 (the
# module cannot be run) or 134 (the guest trapped), in every mode of $MODES.
# Anything else, a signal above all, fails the test.
dir=${srcdir:-.}/tests/fuzz/regressions
[ -n "$WASM_RUN" ] || { echo "regressions.sh: WASM_RUN not set" >&2; exit 99; }
fail=0 n=0
for f in "$dir"/*.wasm; do
  [ -f "$f" ] || continue
  for mode in ${MODES:-classic}; do
    n=$((n + 1))
    # timeout(1): a hang is a failure too (exit 124), not a stuck make check.
    timeout 30 "$WASM_RUN" --mode="$mode" "$f" >/dev/null 2>&1
    rc=$?
    case $rc in
      0|126|134) ;;
      *) echo "FAIL: $(basename "$f") in $mode: exit $rc"; fail=$((fail + 1)) ;;
    esac
  done
done
echo "regressions.sh: $n runs, $fail failed"
[ "$fail" -eq 0 ]
