#!/bin/sh
# check-spec.sh: converts a directory tree of .wast files with wast2json (into
# BUILD_DIR/spec-json, only when the .wast changed) and runs wr-spec over all of them.
#
#   check-spec.sh WAST_DIR BUILD_DIR [MODES...]
#
# A file wast2json cannot convert is one failing line and counts as one failure in the
# final `N passed, N failed, N skipped`. WAST2JSON overrides the tool; WR_SPEC_FLAGS
# adds options to wr-spec (e.g. --verbose, --timeout=600).
set -u

me=check-spec.sh
if [ $# -lt 2 ]; then
  echo "usage: $me WAST_DIR BUILD_DIR [MODES...]" >&2
  exit 2
fi
wast_dir=${1%/}
build_dir=$2
shift 2
[ -n "$wast_dir" ] || wast_dir=/
wast2json=${WAST2JSON:-wast2json}
runner=$build_dir/tests/spec/wr-spec
out_dir=$build_dir/spec-json

if [ ! -d "$wast_dir" ]; then
  echo "$me: $wast_dir: not a directory" >&2
  exit 2
fi
if ! command -v "$wast2json" >/dev/null 2>&1; then
  echo "$me: $wast2json not found: install wabt or set WAST2JSON" >&2
  exit 2
fi
if [ ! -x "$runner" ]; then
  echo "$me: $runner not found: run make tests/spec/wr-spec first" >&2
  exit 2
fi
mkdir -p "$out_dir" || exit 2

# MODES may come as separate words or as one "classic fast" argument.
mode_args=
# shellcheck disable=SC2048 # splitting "classic fast" into words is the point
for m in ${*:-classic}; do
  mode_args="$mode_args --mode=$m"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-spec.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
find "$wast_dir" -type f -name '*.wast' | LC_ALL=C sort >"$tmp/wast"

# Converts one .wast; prints the .json path, or else a failure line.
convert() {
  wast=$1
  rel=${wast#"$wast_dir"/}
  json=$out_dir/${rel%.wast}.json
  dir=$(dirname "$json")
  # Up to date: newer than the .wast and made from this very file (BUILD_DIR may have
  # served another WAST_DIR before).
  if [ -f "$json" ] && [ -z "$(find "$wast" -prune -newer "$json")" ] &&
    head -c 4096 "$json" | grep -qF "\"source_filename\": \"$wast\""; then
    echo "$json"
    return 0
  fi
  mkdir -p "$dir" || return 1
  # wast2json reports some valid modules as errors under --enable-all yet writes them;
  # only its exit status decides, its messages go to a log beside the output.
  "$wast2json" --enable-all "$wast" -o "$json" >"${json%.json}.log" 2>&1
  status=$?
  if [ "$status" -eq 0 ]; then
    echo "$json"
    return 0
  fi
  rm -f "$json"
  why=$(grep -m1 'error' "${json%.json}.log")
  echo "$wast:0: wast2json: expected a JSON script, got ${why:-exit status $status}"
  return 1
}

bad=0
set --
while IFS= read -r wast; do
  if json=$(convert "$wast"); then
    set -- "$@" "$json"
  else
    echo "$json"
    bad=$((bad + 1))
  fi
done <"$tmp/wast"

if [ $# -eq 0 ]; then
  [ -s "$tmp/wast" ] || echo "$me: no .wast files under $wast_dir"
  echo "0 passed, $bad failed, 0 skipped"
  [ "$bad" -eq 0 ]
  exit
fi

# Stream wr-spec's output, adding the conversion failures to its summary line.
# shellcheck disable=SC2086 # mode_args and WR_SPEC_FLAGS are lists of words
{ "$runner" $mode_args ${WR_SPEC_FLAGS:-} "$@"; echo $? >"$tmp/rc"; } | awk -v bad="$bad" '
  /^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ {
    $3 = $3 + bad
  }
  { print; fflush() }'
rc=$(cat "$tmp/rc" 2>/dev/null || echo 2)
if [ "$rc" -gt 2 ]; then
  echo "$me: wr-spec died with status $rc before its summary" >&2
fi
if [ "$rc" -eq 0 ] && [ "$bad" -gt 0 ]; then
  rc=1
fi
exit "$rc"
