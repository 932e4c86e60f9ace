#!/usr/bin/env bash
# Determinism: the same input gives the same bytes. Usage: determinism.sh BIN PROJECT_DIR [OTHER_BIN]
# For each machine-readable output below, three checks:
#   1. BIN twice gives identical bytes;
#   2. BIN under LC_ALL=de_DE.UTF-8 (decimal comma, other collation) gives the same bytes as under C;
#   3. OTHER_BIN, convroof built another way (scripts/dev.sh test passes the Release build to the
#      Debug + sanitizer build's run), gives the same bytes.
# The German locale must exist (scripts/dev.sh test generates it): a missing one is a failure,
# not a skip. Without OTHER_BIN check 3 is reported as not run.
set -u
bin=$1
project=$2
other=${3:-}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$project" || exit 2

if ! locale -a 2>/dev/null | grep -qiE '^de_DE\.utf-?8$'; then
  echo "FAIL the de_DE.UTF-8 locale is not installed (scripts/dev.sh test generates it with locale-gen)"
  failed=$((failed + 1))
fi

cases=(
  "analyze mobilenet_v1 --hw orin --format json"
  "analyze resnet50 --hw h100 --precision fp16 --batch 8 --traffic tiled --fuse all --format json"
  "analyze u55_dwsep --hw ethos-u55-128 --format json"
  "analyze tests/fixtures/onnx/efficientnet_b0.onnx --hw orin --format json"
  "analyze blog_dwsep --hw v100 --format csv"
  "analyze cifar_cnn --hw cortex-m7 --format md"
  "compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128 --format json"
  "explain mobilenet_v1 --name conv_dw_1 --hw orin --fuse all --format markdown"
  "sweep --layer conv2d@kernel=3@input=56x56x8 --vary channels=8:2048:x2 --hw v100,orin --format json"
  "analyze mobilenet_v1 --hw orin --format svg"
  "validate docs/validation/xeon-spr-2c.measured.json --hw docs/validation/xeon-spr-2c.probed.yaml --format json"
)
# A TFLite model through the Vela port (floating-point cycle arithmetic, compared across compilers
# below), when this build reads TFLite (libflatbuffers-dev).
if "$bin" analyze tests/fixtures/tflite/conv1x1.tflite --hw orin >/dev/null 2>&1; then
  cases+=("analyze tests/fixtures/tflite/mobilenet_v2.tflite --hw ethos-u55-256 --format json")
else
  echo "note: this convroof reads no TFLite; its case is not run"
fi
n=0
for spec in "${cases[@]}"; do
  n=$((n + 1))
  read -r -a args <<<"$spec"
  args=("${args[@]//@/ }")  # '@' stands for a space inside one argument
  "$bin" "${args[@]}" >"$scratch/a.$n" 2>&1 || { echo "FAIL $spec: exit $?"; head -3 "$scratch/a.$n"; failed=$((failed + 1)); continue; }
  "$bin" "${args[@]}" >"$scratch/b.$n" 2>&1
  if cmp -s "$scratch/a.$n" "$scratch/b.$n"; then passed=$((passed + 1)); else
    echo "FAIL $spec: two runs differ"; failed=$((failed + 1)); fi
  LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 "$bin" "${args[@]}" >"$scratch/de.$n" 2>&1
  if cmp -s "$scratch/a.$n" "$scratch/de.$n"; then passed=$((passed + 1)); else
    echo "FAIL $spec: LC_ALL=de_DE.UTF-8 changes the output"; diff "$scratch/a.$n" "$scratch/de.$n" | head -4
    failed=$((failed + 1)); fi
  if [ -n "$other" ]; then
    "$other" "${args[@]}" >"$scratch/other.$n" 2>&1
    if cmp -s "$scratch/a.$n" "$scratch/other.$n"; then passed=$((passed + 1)); else
      echo "FAIL $spec: $other gives other bytes"; diff "$scratch/a.$n" "$scratch/other.$n" | head -4
      failed=$((failed + 1)); fi
  fi
done
[ -z "$other" ] && echo "note: no other build given, so Debug vs Release was not compared here"
finish
