#!/usr/bin/env bash
# CLI behaviour: subcommands, exit codes, -o, built-ins usable from any directory.
# Usage: commands.sh BIN PROJECT_DIR
set -u
bin=$1
project=$2
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --version: the version and the commit built from (cmake/build_info.cmake).
expect "--version" 0 "$bin" --version
if command -v git >/dev/null && [ "$(git -C "$project" rev-parse --show-toplevel 2>/dev/null)" -ef "$project" ]; then
  contains "--version names the commit" "convroof 0.1.0 (commit $(git -C "$project" rev-parse --short=12 HEAD)"
else
  contains "--version outside git" "convroof 0.1.0 (commit unknown)"
fi
# build_info.cmake: "unknown" outside a checkout (even one nested in another checkout's tree),
# the commit in one, "+dirty" when a tracked file has changed.
info() {  # source dir -> the commit string build_info.cmake writes for it
  cmake -DSOURCE_DIR="$1" -DOUTPUT="$scratch/build_info.cpp" -P "$project/cmake/build_info.cmake" &&
    sed -n 's/.*return "\(.*\)";/\1/p' "$scratch/build_info.cpp"
}
mkdir -p "$scratch/plain"
expect "build_info outside git" 0 test "$(info "$scratch/plain")" = unknown
if command -v git >/dev/null; then
  repo=$scratch/repo
  git init -q "$repo" && echo a >"$repo/f" && git -C "$repo" add f &&
    git -C "$repo" -c user.name=t -c user.email=t@t commit -qm one
  expect "build_info in a checkout" 0 test "$(info "$repo")" = "$(git -C "$repo" rev-parse --short=12 HEAD)"
  echo b >"$repo/f"
  expect "build_info with a change" 0 test "$(info "$repo")" = "$(git -C "$repo" rev-parse --short=12 HEAD)+dirty"
  mkdir -p "$repo/sub"
  expect "build_info in a folder of another checkout" 0 test "$(info "$repo/sub")" = unknown
fi
expect "--help" 0 "$bin" --help
contains "--help has examples" "convroof analyze mobilenet_v1 --hw orin"
expect "no subcommand is a usage error" 2 "$bin"
expect "unknown flag is a usage error" 2 "$bin" analyze blog_conv --hw orin --frobnicate
expect "analyze without --hw" 2 "$bin" analyze blog_conv

expect "hw list" 0 "$bin" hw list
for id in h100 orin orin-nx cortex-m7 ethos-u55-128 ethos-u55-256 v100 a100 tpu-v2 xeon-e5-2698v4 rpi5; do
  contains "hw list has $id" "$id "
done
expect "hw show orin" 0 "$bin" hw show orin
contains "hw show prints the spec with its sources" "schema: convroof.hardware/1"
expect "hw show unknown" 2 "$bin" hw show nonesuch
expect "workloads list" 0 "$bin" workloads list
for id in mobilenet_v1 resnet50 vgg16 blog_conv blog_dwsep cifar_cnn cifar_cnn_dwsep u55_conv u55_dwsep; do
  contains "workloads list has $id" "$id "
done

expect "workloads kinds" 0 "$bin" workloads kinds
contains "workloads kinds lists depthwise with its keys" "depth_multiplier"
contains "workloads kinds lists a kind's ONNX op types from the importer's table" "ONNX: Conv ConvInteger QLinearConv"
contains "workloads kinds lists the element-wise kind's ONNX ops" "ONNX: Sub Div Mod"

# Built-ins are embedded: they work from any directory.
(cd "$scratch" && "$bin" analyze blog_conv --hw orin >"$scratch/out" 2>&1)
if [ $? -eq 0 ]; then passed=$((passed + 1)); else echo "FAIL built-ins from another directory"; failed=$((failed + 1)); fi

# -o writes exactly what stdout would have, and nothing on stdout.
"$bin" analyze blog_dwsep --hw orin --format json >"$scratch/stdout.json"
expect "-o writes the report" 0 "$bin" analyze blog_dwsep --hw orin --format json -o "$scratch/report.json"
if cmp -s "$scratch/stdout.json" "$scratch/report.json" && [ ! -s "$scratch/out" ]; then passed=$((passed + 1)); else
  echo "FAIL -o content differs from stdout"; failed=$((failed + 1)); fi
# Without --format, -o's extension chooses the format: the same bytes as --format gives on stdout.
for pair in json:json csv:csv md:md markdown:md html:html htm:html txt:table; do
  extension=${pair%%:*} format=${pair##*:}
  "$bin" analyze blog_dwsep --hw orin --format "$format" >"$scratch/expected.$extension"
  expect "-o report.$extension" 0 "$bin" analyze blog_dwsep --hw orin -o "$scratch/report.$extension"
  if cmp -s "$scratch/expected.$extension" "$scratch/report.$extension"; then passed=$((passed + 1)); else
    echo "FAIL -o report.$extension is not --format $format"; failed=$((failed + 1)); fi
done
expect "-o report.yaml (no format's name): the table" 0 "$bin" analyze blog_dwsep --hw orin -o "$scratch/report.yaml"
"$bin" analyze blog_dwsep --hw orin >"$scratch/expected.table"
if cmp -s "$scratch/expected.table" "$scratch/report.yaml"; then passed=$((passed + 1)); else
  echo "FAIL -o report.yaml is not the table"; failed=$((failed + 1)); fi
# --require-fit: exit 1 when the weights or the activations do not fit their level, with the report
# still written and the reason on stderr. ResNet-50's 25.56 MB of int8 weights against the
# Cortex-M7's 2 MiB flash: 12.19x over; on Orin's 64 GB both fit.
expect "--require-fit on cortex-m7" 1 "$bin" analyze resnet50 --hw cortex-m7 --require-fit -o "$scratch/fit.txt"
contains "--require-fit names the level and its ratio" "flash's 2.097 MB: do NOT fit, 12.19x over"
[ -s "$scratch/fit.txt" ] && passed=$((passed + 1)) || { echo "FAIL --require-fit wrote no report"; failed=$((failed + 1)); }
expect "--require-fit on orin" 0 "$bin" analyze resnet50 --hw orin --require-fit -o "$scratch/fit.txt"
# compare and sweep: each form that does not fit is named. ResNet-50's separable form keeps 15.52 MB
# of weights (every 3x3 conv split), still 7.40x the flash; a batch of 64 MobileNet-v1 images needs
# 64 x the activations of one (1.6 MB at N = 1 on the U55: 2 x 112x112x64 int8), 49x its 2 MiB SRAM.
expect "compare --require-fit on cortex-m7" 1 "$bin" compare resnet50 --hw cortex-m7 --require-fit -o "$scratch/fit.txt"
contains "compare --require-fit names the form" "resnet50 (separable form) does not fit cortex-m7: weights 15.52 MB"
expect "compare --require-fit on orin" 0 "$bin" compare resnet50 --hw orin --require-fit -o "$scratch/fit.txt"
expect "sweep --require-fit" 1 "$bin" sweep mobilenet_v1 --vary batch=1,64 --hw ethos-u55-128 --require-fit -o "$scratch/fit.csv"
contains "sweep --require-fit names the point" "batch=64 (standard form) does not fit ethos-u55-128: 49.00x over"
lacks "sweep --require-fit passes batch 1" "batch=1 "
# Determinism: the same input gives the same bytes, also under another locale.
LC_ALL=C.UTF-8 "$bin" analyze blog_dwsep --hw orin --format json >"$scratch/again.json"
if cmp -s "$scratch/stdout.json" "$scratch/again.json"; then passed=$((passed + 1)); else
  echo "FAIL JSON output is not deterministic"; failed=$((failed + 1)); fi
# On error, -o leaves an existing file untouched and creates no temporary files.
echo "keep" >"$scratch/keep.json"
expect "error with -o" 2 "$bin" analyze blog_dwsep --hw nonesuch -o "$scratch/keep.json"
if [ "$(cat "$scratch/keep.json")" = "keep" ] && [ -z "$(ls "$scratch" | grep '\.tmp\.')" ]; then passed=$((passed + 1)); else
  echo "FAIL -o on error touched the destination"; failed=$((failed + 1)); fi
# What-if overrides are echoed and change the result.
expect "--set" 0 "$bin" analyze blog_conv --hw orin --set bandwidth=409.6GB/s --format json
contains "--set is echoed" '"bandwidth=409.6GB/s"'
contains "--set took effect" '"bandwidth_bytes_per_s": 409600000000.0'
# --batch and --precision are echoed in the options.
expect "--batch --precision" 0 "$bin" analyze blog_conv --hw v100 --batch 16 --precision fp32 --format json
contains "batch echoed" '"batch": 16'
contains "precision echoed" '"precision": "fp32"'
contains "batch applied to shapes" '"output_shape": [
        16,'
# A hardware path works as well as an id.
expect "--hw PATH" 0 "$bin" analyze blog_conv --hw "$project/hardware/orin.yaml"

# Sweep progress: on stderr when it is a terminal (script(1) gives one), never in a pipe.
sweep=(sweep --layer "conv2d kernel=3 input=32x32x8" --vary channels=8:32:x2 --hw v100 -o "$scratch/sweep.txt")
expect "sweep without a terminal" 0 "$bin" "${sweep[@]}"
if [ -s "$scratch/out" ]; then echo "FAIL sweep printed progress without a terminal"; failed=$((failed + 1)); fi
if command -v script >/dev/null; then
  expect "sweep on a terminal" 0 script -qec "$(printf '%q ' "$bin" "${sweep[@]}")" /dev/null
  contains "sweep progress on a terminal" "sweep: 6/6 analyses"
fi

# -o onto something that is not a regular file (/dev/null, a FIFO) writes into it: a rename
# over it would replace it with a file (as root, /dev/null itself).
mkfifo "$scratch/fifo"
cat "$scratch/fifo" >"$scratch/from-fifo" &
expect "-o a FIFO" 0 "$bin" analyze blog_conv --hw orin --format json -o "$scratch/fifo"
wait
if [ -p "$scratch/fifo" ] && grep -q '"schema": "convroof.report/1"' "$scratch/from-fifo"; then passed=$((passed + 1)); else
  echo "FAIL -o a FIFO: replaced, or the report did not come through"; failed=$((failed + 1)); fi
expect "-o /dev/null" 0 "$bin" analyze blog_conv --hw orin -o /dev/null
if [ -c /dev/null ]; then passed=$((passed + 1)); else echo "FAIL -o /dev/null replaced the device"; failed=$((failed + 1)); fi

# A SIGINT while the report is being written (injected after the temporary file is complete,
# before the rename) ends the run as SIGINT does (128 + 2), leaves the earlier report as it was
# and no temporary file behind.
echo "earlier report" >"$scratch/interrupted.json"
CONVROOF_TEST_INTERRUPT_WRITE=1 "$bin" analyze blog_conv --hw orin --format json -o "$scratch/interrupted.json" \
  >/dev/null 2>&1
status=$?
leftover=$(ls "$scratch"/interrupted.json.tmp.* 2>/dev/null)
if [ $status -eq 130 ] && [ "$(cat "$scratch/interrupted.json")" = "earlier report" ] && [ -z "$leftover" ]; then
  passed=$((passed + 1))
else
  echo "FAIL SIGINT while writing: exit $status, report '$(head -c 40 "$scratch/interrupted.json")', left: $leftover"
  failed=$((failed + 1))
fi

# An ONNX file with its weights inline reads like one without: the importer skips the
# payloads (same MACs and params as the fixture, whose weights are external); a file cut inside
# a payload is still an error.
py=python3
$py -c "import onnx" 2>/dev/null || py=/usr/bin/python3  # Debian's python3-onnx, when python3 is another one
fixture="$project/tests/fixtures/onnx/squeezenet1_1.onnx"
expect "weighted ONNX made" 0 "$py" "$project/bench/make_weighted_onnx.py" "$scratch/weighted.onnx" --source "$fixture"
totals='import json, sys; t = json.load(sys.stdin)["totals"]; print(t["macs"], t["params"])'
without=$("$bin" analyze "$fixture" --hw orin --format json | python3 -c "$totals")
with=$("$bin" analyze "$scratch/weighted.onnx" --hw orin --format json | python3 -c "$totals")
if [ -n "$with" ] && [ "$with" = "$without" ] && [ "$(stat -c %s "$scratch/weighted.onnx")" -gt 4000000 ]; then
  passed=$((passed + 1)); else echo "FAIL weighted ONNX: '$with' vs '$without'"; failed=$((failed + 1)); fi
head -c 3000000 "$scratch/weighted.onnx" >"$scratch/cut.onnx"
expect "ONNX cut inside a payload" 2 "$bin" analyze "$scratch/cut.onnx" --hw orin
contains "says where the file stops making sense" "runs past the end of its message"

# One format vocabulary (src/cli/formats.hpp): table|md|json|csv|svg|html for every command,
# with "text" and "markdown" accepted as table and md (explain's names before).
layer="depthwise_conv2d kernel=3 input=56x56x32"
"$bin" explain --layer "$layer" --hw orin >"$scratch/default.txt"
for pair in "table text" "md markdown"; do
  set -- $pair
  "$bin" explain --layer "$layer" --hw orin --format "$1" >"$scratch/$1.txt"
  expect "explain --format $2 is --format $1" 0 cmp "$scratch/$1.txt" <("$bin" explain --layer "$layer" --hw orin --format "$2")
  "$bin" analyze mobilenet_v1 --hw orin --format "$1" >"$scratch/analyze-$1.txt"
  expect "analyze --format $2 is --format $1" 0 cmp "$scratch/analyze-$1.txt" <("$bin" analyze mobilenet_v1 --hw orin --format "$2")
done
expect "explain's default is table" 0 cmp "$scratch/default.txt" "$scratch/table.txt"
expect "markdown differs from text" 1 cmp -s "$scratch/table.txt" "$scratch/md.txt"
expect "explain --format xml" 2 "$bin" explain --layer "$layer" --hw orin --format xml
contains "lists the vocabulary's names" "--format: error: unknown value 'xml'; valid: table, md"

finish
