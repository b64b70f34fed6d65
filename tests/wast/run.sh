#!/bin/sh
# run.sh: the `make check` entry for tests/wast: every .wast file in this directory
# through the spec runner (tests/spec/check-spec.sh, which converts with wast2json and
# runs tests/spec/wr-spec) in each mode of $MODES (default: classic). The exit status
# is check-spec.sh's: 0 only when every command of every file passed in every mode.
# Skips (77) when wast2json is not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
wast2json=${WAST2JSON:-wast2json}
if ! command -v "$wast2json" >/dev/null 2>&1; then
  echo "run.sh: $wast2json not found (install wabt): skipping the .wast tests"
  exit 77
fi
WAST2JSON=$wast2json
export WAST2JSON
# shellcheck disable=SC2086 # MODES is a list of words
exec sh "$srcdir/tests/spec/check-spec.sh" "$here" "$top_builddir" ${MODES:-classic}
