#!/usr/bin/env bash
# The example CI job: analyze mobilenet_v1 on orin and diff the report against the committed
# baseline (examples/ci/baseline.json) with a 2 % threshold; print the diff as Markdown (for a
# PR comment) and exit with diff's code: 0 no regression, 1 a regression or a verdict flip,
# 2 bad input. Builds convroof with CMake unless $CONVROOF names a binary. Writes report.json and
# diff.md to $OUT_DIR (default: a temporary directory, removed afterwards). Runs from any directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)

if [ -n "${CONVROOF:-}" ]; then
  convroof=$CONVROOF
else
  build_dir=${BUILD_DIR:-$project/build}
  cmake -S "$project" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target convroof -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
  convroof=$build_dir/convroof
fi
case $convroof in /*) ;; */*) convroof=$PWD/$convroof ;; esac  # still valid after the cd below

if [ -n "${OUT_DIR:-}" ]; then
  mkdir -p "$OUT_DIR"
  out=$(cd "$OUT_DIR" && pwd)
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

cd "$here"  # the baseline is named relative to this folder in the output
"$convroof" analyze mobilenet_v1 --hw orin --format json -o "$out/report.json"
status=0
"$convroof" diff baseline.json "$out/report.json" --threshold 2% --format md -o "$out/diff.md" || status=$?
[ -f "$out/diff.md" ] && cat "$out/diff.md"
exit $status
