#!/bin/sh
# run-fuzz.sh DIR SECONDS HARNESS...: runs each libFuzzer harness DIR/HARNESS for
# SECONDS on its corpus (DIR/corpus/HARNESS, seeded from DIR/seeds where the
# harness reads modules), prints one line per harness and `N passed, N failed`.
# Crash reproducers go to DIR/artifacts/, full logs to DIR/logs/.
dir=$1 seconds=$2
shift 2
mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/logs"
passed=0 failed=0
for h in "$@"; do
  corpus=$dir/corpus/$h
  mkdir -p "$corpus"
  seeds=
  # The differential harness reads generator input, not modules: no seeds; and
  # long inputs from the start, since a few bytes make only a trivial module.
  opts=
  case $h in
    fuzz-differential) opts="-max_len=2048 -len_control=0" ;;
    *) test -d "$dir/seeds" && seeds=$dir/seeds ;;
  esac
  log=$dir/logs/$h.log
  # -timeout: an input running this long is a hang; -rss_limit_mb: memories are
  # reservations, not resident, so the default leaves room.
  "$dir/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 $opts \
    -artifact_prefix="$dir/artifacts/$h-" "$corpus" $seeds >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
  if [ "$rc" -eq 0 ]; then
    result=passed passed=$((passed + 1))
  else
    result="FAILED (exit $rc; see $log and $dir/artifacts/)" failed=$((failed + 1))
    grep -m 3 -E '^(==[0-9]+==ERROR|fuzz-[a-z]*:|SUMMARY)' "$log" | sed 's/^/    /'
  fi
  echo "$h: ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?} edges: $result"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
