#!/bin/sh
# make-corpus.sh TESTSUITE OUT: the seed corpus of the module harnesses, every
# module of the spec testsuite's .wast files (top level and simd/) as wast2json
# writes them. Made at build time because the testsuite is not ours to commit.
suite=$1 out=$2
WAST2JSON=${WAST2JSON:-wast2json}
command -v "$WAST2JSON" >/dev/null 2>&1 || { echo "make-corpus.sh: wast2json not found (install wabt)" >&2; exit 1; }
[ -d "$suite" ] || { echo "make-corpus.sh: $suite: no such directory" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for w in "$suite"/*.wast "$suite"/simd/*.wast; do
  [ -f "$w" ] || continue
  base=$(basename "$w" .wast)
  # Some files use proposals wast2json refuses; their modules are simply missing.
  (cd "$tmp" && "$WAST2JSON" --enable-all "$w" -o "$base.json" >/dev/null 2>&1)
done
n=0
for f in "$tmp"/*.wasm; do
  [ -f "$f" ] || continue
  cp "$f" "$out/" && n=$((n + 1))
done
echo "make-corpus.sh: $n modules in $out"
