#!/bin/bash
# run.sh: the sandbox seen from outside while a guest runs, and the supervisor's
# contract: /proc/PID/status of the sandboxed process (seccomp, no_new_privs, no
# capabilities) and its namespaces, signal forwarding to a guest that is PID 1,
# --timeout, exit statuses, only the preopens reachable, --net=host, and
# tests/sandbox/deny (the denied operations). Runs as whoever starts it;
# unprivileged.sh runs it again as an unprivileged user. Needs WASM_RUN; skips (77)
# when clang-19 or wasi-libc is missing.
set -u
: "${WASM_RUN:?}" "${srcdir:=.}"
builddir=${top_builddir:-.}
deny=${SANDBOX_DENY:-$builddir/tests/sandbox/deny}
tmp=$(mktemp -d)
chmod 755 "$tmp"
wr=
trap 'rm -rf "$tmp"; [ -n "$wr" ] && kill -9 "$wr" 2>/dev/null' EXIT
sleeper=${SLEEPER:-}
if [ -z "$sleeper" ]; then
  cc=${WASI_CC:-clang-19}
  sysroot=${WASI_SYSROOT:-/usr}
  command -v "$cc" >/dev/null && [ -f "$sysroot/lib/wasm32-wasi/libc.a" ] || { echo "SKIP: $cc or wasi-libc missing"; exit 77; }
  sleeper=$tmp/sleeper.wasm
  "$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -Wall -o "$sleeper" "$srcdir/tests/sandbox/sleeper.c" ||
    { echo "FAIL: cannot compile sleeper.c"; exit 1; }
fi
echo "# as $(id -un) (uid $(id -u))"
fails=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { # name status expected
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: exit status $2, expected $3"; fi
}

# Starts the sleeper in the background ($wr: wasm-run) and waits until the guest runs
# ($child: the sandboxed process, PID 1 of its namespace).
start_sleeper() {
  "$WASM_RUN" --mode=classic "$@" "$sleeper" sleep 30 >"$tmp/out" 2>"$tmp/err" &
  wr=$!
  for _ in $(seq 100); do
    grep -q sleeping "$tmp/out" 2>/dev/null && break
    sleep 0.05
  done
  child=$(pgrep -P "$wr" | head -1)
  [ -n "$child" ] && grep -q sleeping "$tmp/out"
}
stop_sleeper() { # signal expected-status name
  kill -"$1" "$wr"
  wait "$wr"
  expect "$3" $? "$2"
  wr=
}

if start_sleeper; then
  st=/proc/$child/status
  field() { awk -v k="$1:" '$1 == k { print $2 }' "$st"; }
  [ "$(field Seccomp)" = 2 ] && ok "Seccomp: 2" || fail "Seccomp: $(field Seccomp), expected 2"
  [ "$(field NoNewPrivs)" = 1 ] && ok "NoNewPrivs: 1" || fail "NoNewPrivs: $(field NoNewPrivs), expected 1"
  for c in CapEff CapPrm CapBnd CapInh CapAmb; do
    [ "$(field $c)" = 0000000000000000 ] && ok "$c: 0" || fail "$c: $(field $c), expected all zero"
  done
  for ns in user mnt pid net ipc uts cgroup; do
    theirs=$(readlink "/proc/$child/ns/$ns")
    ours=$(readlink "/proc/self/ns/$ns")
    [ -n "$theirs" ] && [ "$theirs" != "$ours" ] && ok "own $ns namespace" ||
      fail "$ns namespace: guest ${theirs:-unreadable}, ours $ours"
  done
  [ "$(awk '$1 == "NSpid:" { print $NF }' "$st")" = 1 ] && ok "the guest is PID 1 of its namespace" ||
    fail "NSpid: $(awk '$1 == "NSpid:"' "$st")"
  stop_sleeper TERM 143 "SIGTERM forwarded to PID 1: 143"
else
  fail "the sleeper did not start: $(cat "$tmp/err")"
  [ -n "$wr" ] && kill -9 "$wr"
  wr=
fi
if start_sleeper; then stop_sleeper HUP 129 "SIGHUP forwarded: 129"; else fail "sleeper (HUP)"; fi

# --net=host keeps our network namespace, nothing else.
if start_sleeper --net=host; then
  [ "$(readlink /proc/$child/ns/net)" = "$(readlink /proc/self/ns/net)" ] && ok "--net=host: our network namespace" ||
    fail "--net=host: another network namespace"
  [ "$(readlink /proc/$child/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && ok "--net=host: own mount namespace" ||
    fail "--net=host: our mount namespace"
  stop_sleeper KILL 137 "SIGKILL to the supervisor"
  sleep 0.2
  # Dead means gone or a zombie waiting for whoever inherited it.
  state=$(awk '$1 == "State:" { print $2 }' "/proc/$child/status" 2>/dev/null)
  [ -z "$state" ] || [ "$state" = Z ] && ok "the guest dies with its supervisor" ||
    fail "the guest outlived its supervisor (state $state)"
else
  fail "sleeper (--net=host)"
fi

# --timeout: SIGKILL, a line saying so, 137.
"$WASM_RUN" --mode=classic --timeout=300ms "$sleeper" sleep 30 >/dev/null 2>"$tmp/err"
expect "--timeout=300ms" $? 137
[ "$(cat "$tmp/err")" = "wasm-run: timeout: killed after 300ms" ] && ok "--timeout message" ||
  fail "--timeout message: $(cat "$tmp/err")"
"$WASM_RUN" --mode=classic --timeout=10s "$sleeper" exit 3 >/dev/null 2>&1
expect "--timeout not reached: the guest's status" $? 3
"$WASM_RUN" --mode=classic --timeout=soon "$sleeper" exit 0 2>"$tmp/err"
expect "--timeout=soon refused" $? 125
"$WASM_RUN" --mode=classic "$sleeper" exit 42
expect "exit status of the guest" $? 42

# Only the preopens are reachable.
mkdir "$tmp/box"
echo hi >"$tmp/box/inside"
out=$("$WASM_RUN" --mode=classic --dir="$tmp/box::/box" "$sleeper" ls /box)
expect "ls a preopen" $? 0
echo "$out" | grep -qx inside && ok "a preopen lists its file" || fail "the preopen lists: $out"
for p in / /etc /proc "$tmp" /box/..; do
  "$WASM_RUN" --mode=classic --dir="$tmp/box::/box" "$sleeper" ls "$p" >/dev/null 2>&1
  expect "$p is not reachable" $? 1
done

# Option errors: one line, 125.
for o in --sandbox=half --net=bridge; do
  "$WASM_RUN" --mode=classic "$o" "$sleeper" exit 0 2>"$tmp/err"
  st=$?
  [ $st = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && ok "$o refused" || fail "$o: status $st, $(cat "$tmp/err")"
done
"$WASM_RUN" --mode=classic --sandbox=none "$sleeper" exit 5 2>"$tmp/err"
expect "--sandbox=none runs" $? 5
grep -qx "wasm-run: warning: --sandbox=none: running without the sandbox (unsafe for untrusted modules)" "$tmp/err" &&
  [ "$(wc -l <"$tmp/err")" = 1 ] && ok "--sandbox=none warns once" || fail "--sandbox=none warning: $(cat "$tmp/err")"

# cgroup v2 limits. Where a delegated cgroup exists (-v says where the limits went)
# the guest runs in wasm-run-PID beneath ours with the limits written, and the
# cgroup is gone afterwards; where none exists, explicit limits stop the run with
# one line and 125, and the default one is only mentioned under -v.
"$WASM_RUN" -v --mode=classic "$sleeper" exit 0 2>"$tmp/err"
if grep -q "^wasm-run: sandbox: cgroup /" "$tmp/err"; then
  if start_sleeper --memory-limit=64M --pids-limit=20; then
    cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$child/cgroup")
    mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    # The guest sees its cgroup as / (own cgroup namespace): read ours of it.
    dir=$(grep -rl "^$child\$" "$mnt"/ --include=cgroup.procs 2>/dev/null | head -1 | xargs -r dirname)
    [ "$(basename "$dir")" = "wasm-run-$wr" ] && ok "the guest runs in cgroup wasm-run-PID" ||
      fail "the guest's cgroup: ${dir:-not found} ($cg)"
    [ "$(cat "$dir/memory.max")" = 67108864 ] && ok "--memory-limit=64M: memory.max" ||
      fail "memory.max: $(cat "$dir/memory.max")"
    [ "$(cat "$dir/pids.max")" = 20 ] && ok "--pids-limit=20: pids.max" || fail "pids.max: $(cat "$dir/pids.max")"
    stop_sleeper TERM 143 "SIGTERM in a cgroup"
    [ ! -e "$dir" ] && ok "the cgroup is removed after the run" || fail "$dir left behind"
  else
    fail "sleeper (--memory-limit)"
  fi
else
  why=$(sed -n 's/^wasm-run: sandbox: cgroup: limits not applied: //p' "$tmp/err")
  [ -n "$why" ] && ok "no delegated cgroup: -v says why ($why)" || fail "-v says nothing of cgroup limits: $(cat "$tmp/err")"
  for o in --memory-limit=64M --pids-limit=20; do
    "$WASM_RUN" --mode=classic "$o" "$sleeper" exit 0 2>"$tmp/err"
    st=$?
    # The reason names the first controller missing, memory before pids.
    want="wasm-run: sandbox: cgroup: ${o%%=*} needs a delegated cgroup v2: "
    [ $st = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ "$(cut -c1-${#want} "$tmp/err")" = "$want" ] &&
      [ "$(wc -c <"$tmp/err")" -gt $((${#want} + 10)) ] && ok "$o without a delegated cgroup: 125, one line" ||
      fail "$o: status $st, $(cat "$tmp/err")"
  done
fi
for o in --memory-limit=12 --memory-limit=lots --pids-limit=0; do
  "$WASM_RUN" --mode=classic "$o" "$sleeper" exit 0 2>"$tmp/err"
  st=$?
  [ $st = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^wasm-run: ${o%%=*}=" "$tmp/err" && ok "$o refused" ||
    fail "$o: status $st, $(cat "$tmp/err")"
done

# Where user namespaces are disabled (here: none may be made inside a namespace of
# our own with user.max_user_namespaces=0), the error says so and names the way out.
if unshare -Ur true 2>/dev/null; then
  unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --mode=classic "$1" exit 0' \
    "$WASM_RUN" "$sleeper" 2>"$tmp/err"
  st=$?
  [ $st = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q "^wasm-run: sandbox: namespaces: .*user namespaces are disabled.*--sandbox=none" "$tmp/err" &&
    ok "user namespaces disabled: said so, 125" || fail "user namespaces disabled: status $st, $(cat "$tmp/err")"
else
  echo "skip user namespaces disabled: unshare -Ur is not possible here"
fi

# The denied operations, from inside the same sandbox.
mkdir "$tmp/scratch"
if [ -x "$deny" ]; then
  "$deny" "$tmp/scratch" >"$tmp/deny" 2>&1
  st=$?
  sed 's/^/  deny: /' "$tmp/deny"
  expect "tests/sandbox/deny" $st 0
else
  fail "$deny is missing"
fi

echo "$fails failed"
[ $fails = 0 ]
