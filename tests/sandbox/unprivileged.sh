#!/bin/bash
# unprivileged.sh: tests/sandbox/run.sh again as an unprivileged user (rootless).
# As root it creates the user wasmrun-test when absent; skips (77) when not run as
# root, or when that user cannot be made or cannot reach the build tree.
set -u
: "${WASM_RUN:?}" "${srcdir:=.}"
builddir=${top_builddir:-.}
user=wasmrun-test
[ "$(id -u)" = 0 ] || { echo "SKIP: not root (run.sh already ran as this user)"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null ||
    { echo "SKIP: cannot create the user $user"; exit 77; }
fi
cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
command -v "$cc" >/dev/null && [ -f "$sysroot/lib/wasm32-wasi/libc.a" ] || { echo "SKIP: $cc or wasi-libc missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
"$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -Wall -o "$tmp/sleeper.wasm" "$srcdir/tests/sandbox/sleeper.c" ||
  { echo "FAIL: cannot compile sleeper.c"; exit 1; }
as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups -- "$@"; }
as_user test -x "$WASM_RUN" -a -r "$srcdir/tests/sandbox/run.sh" -a -x "$builddir/tests/sandbox/deny" ||
  { echo "SKIP: $user cannot reach $WASM_RUN or the tests"; exit 77; }
as_user env SLEEPER="$tmp/sleeper.wasm" WASM_RUN="$WASM_RUN" srcdir="$srcdir" top_builddir="$builddir" \
  bash "$srcdir/tests/sandbox/run.sh"
