#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (fuzz/README.md).
#
#   bash scripts/fuzz.sh BUILD_DIR [--seconds N] [--jobs N] [--only TARGET] [--merge] [--keep-going]
#
# BUILD_DIR was configured with clang and -DCONVROOF_FUZZ=ON -DCONVROOF_SANITIZE=ON (scripts/dev.sh
# test does that in build-sanitize). For each target the script assembles a corpus in a
# temporary directory from
#   - its seeds: the built-in files, the test fixtures and bad-input catalogue, fuzz/seeds/TARGET,
#   - fuzz/corpus/TARGET: inputs earlier long runs found that reach new code,
#   - fuzz/regressions/TARGET: every input that once failed, kept after its fix.
# libFuzzer first runs every one of them (the replay), then mutates them for N seconds (default
# 30) with fuzz/convroof.dict. A crash, a sanitizer report, an escaping exception other than
# convroof::Error, an input taking over 10 s or a run over 2 GB fails; the input is kept in
# BUILD_DIR/fuzz-artifacts/TARGET/ (add it to fuzz/regressions/TARGET once fixed).
# --merge copies the new inputs that add coverage into fuzz/corpus/TARGET. --keep-going (for
# long runs) fuzzes in libFuzzer's fork mode, which goes on after a finding and keeps every
# one; the run then fails if any was kept (and still merges what it found).
# Prints one line per target (executions, corpus, result); exits 1 if any target failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS=(quantity hardware runtime workload layer_line report onnx tflite)
seconds=30
jobs=$(nproc)
only=""
merge=0
keep_going=0
build=""
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --only) only=$2; shift ;;
    --merge) merge=1 ;;
    --keep-going) keep_going=1 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
if [ -z "$build" ]; then
  echo "usage: bash scripts/fuzz.sh BUILD_DIR [--seconds N] [--jobs N] [--only TARGET] [--merge]" >&2
  exit 2
fi
[ -n "$only" ] && TARGETS=("$only")

# The seed files of a target, one path per line.
seeds() {
  case $1 in
    quantity) ls fuzz/seeds/quantity/* ;;
    hardware) ls hardware/*.yaml tests/bad/*.hw.yaml ;;
    runtime) ls runtimes/*.yaml tests/bad/*.runtime.yaml ;;
    workload) ls workloads/*.yaml tests/bad/*.workload.yaml tests/fixtures/onnx/twin.yaml ;;
    layer_line) ls fuzz/seeds/layer_line/* ;;
    report) ls tests/golden/*.json tests/bad/*.json examples/ci/baseline.json ;;
    onnx) find tests/fixtures/onnx -name "*.onnx" -size -200k | sort ;;  # the zoo's large graphs (ViT, Swin) slow every run
    tflite) ls tests/fixtures/tflite/*.tflite ;;
  esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"

# fuzz_one TARGET: assemble, replay and fuzz; the log goes to $work/TARGET.log.
fuzz_one() {
  local target=$1 bin="$build/fuzz/fuzz_$1" corpus="$work/$1" file
  rm -rf "${artifacts:?}/$target"  # it holds this run's findings only
  mkdir -p "$corpus" "$artifacts/$target"
  while read -r file; do cp "$file" "$corpus/seed-$(echo "$file" | tr '/' '_')"; done < <(seeds "$target")
  for file in fuzz/corpus/"$target"/* fuzz/regressions/"$target"/*; do
    [ -f "$file" ] && cp "$file" "$corpus/kept-$(basename "$file")"
  done
  ls "$corpus" >"$work/$target.before"
  local mode=()
  ((keep_going)) && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  "$bin" "${mode[@]}" -dict=fuzz/convroof.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target/" "$corpus" >"$work/$target.log" 2>&1
  local status=$?
  # Fork mode exits 0 after findings it kept: count those as a failure.
  local kind
  for kind in crash timeout oom leak; do
    compgen -G "$artifacts/$target/$kind-*" >/dev/null && status=1
  done
  echo "$status" >"$work/$target.status"
}

for target in "${TARGETS[@]}"; do
  if [ ! -x "$build/fuzz/fuzz_$target" ]; then
    echo "fuzz.sh: $build/fuzz/fuzz_$target is not built (configure with -DCONVROOF_FUZZ=ON)" >&2
    exit 2
  fi
done

running=0
for target in "${TARGETS[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
for target in "${TARGETS[@]}"; do
  status=$(cat "$work/$target.status")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log" | tail -1)
  # Fork mode reports progress lines "#N: cov: … exec/s: …" instead.
  [ -z "$execs" ] && execs=$(sed -n 's/^#\([0-9][0-9]*\): cov.*/\1/p' "$work/$target.log" | tail -1)
  inputs=$(ls "$work/$target" | wc -l)
  if [ "$status" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status)"
    failed=1
  fi
  printf 'fuzz_%-10s %6s s  %10s executions  %5s inputs  %s\n' "$target" "$seconds" "${execs:-?}" "$inputs" "$result"
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR|fuzz finding|runtime error|Test unit written|terminate|what\(\)" "$work/$target.log" | head -20 | sed 's/^/    /'
  fi
  if [ "$merge" -eq 1 ] && { [ "$status" -eq 0 ] || [ "$keep_going" -eq 1 ]; }; then
    # Merge the run's inputs into a copy of what was kept, then keep what the merge added.
    mkdir -p "$work/merge-$target" "fuzz/corpus/$target"
    while read -r file; do cp "$work/$target/$file" "$work/merge-$target/"; done <"$work/$target.before"
    "$build/fuzz/fuzz_$target" -merge=1 -timeout=10 -rss_limit_mb=2048 "$work/merge-$target" "$work/$target" \
      >"$work/merge-$target.log" 2>&1
    added=0
    for file in "$work/merge-$target"/*; do
      name=$(basename "$file")
      if ! grep -qx "$name" "$work/$target.before"; then
        cp "$file" "fuzz/corpus/$target/$name"
        added=$((added + 1))
      fi
    done
    echo "    merged: $added new inputs into fuzz/corpus/$target"
  fi
done
exit $failed
