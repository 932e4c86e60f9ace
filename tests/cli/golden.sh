#!/usr/bin/env bash
# Golden CLI tests: the binary's table and JSON output for fixed inputs, byte for byte.
# The numbers inside are checked independently by the unit tests (tests/unit/test_seeds.cpp
# derives the blog layer and the seed-001 lumped model by hand); these files pin the format.
# Usage: golden.sh BIN TESTS_DIR [--update]
set -u
bin=$1
tests_dir=$2
update=${3:-}
cd "$tests_dir/.." || exit 2
golden=tests/golden
passed=0
failed=0
diff_file=$(mktemp)
trap 'rm -f "$diff_file"' EXIT
check() {  # name, then the convroof arguments
  local name=$1
  shift
  local actual
  actual=$("$bin" "$@" 2>&1)
  local rc=$?
  if [ "$update" = "--update" ]; then
    printf '%s\n' "$actual" >"$golden/$name"
  fi
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: exit code $rc"
    failed=$((failed + 1))
  elif ! diff -u "$golden/$name" <(printf '%s\n' "$actual") >"$diff_file" 2>&1; then
    echo "FAIL $name: output differs from $golden/$name"
    head -40 "$diff_file"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}
check blog_dwsep.v100.table.txt analyze blog_dwsep --hw v100 --runtime none
check blog_dwsep.v100.json analyze blog_dwsep --hw v100 --format json --runtime none
check seed001.h100.table.txt analyze --layer "lumped flops=4GFLOP bytes=100MB" --hw examples/hardware/seed001-h100.yaml --runtime none
check seed001.cortex-m7.json analyze --layer "lumped flops=4GFLOP bytes=100MB" --hw examples/hardware/seed001-cortex-m7.yaml --format json --runtime none
check mobilenet_v1.orin.table.txt analyze mobilenet_v1 --hw orin --runtime none
check mobilenet_v1.orin.fused-tiled.table.txt analyze mobilenet_v1 --hw orin --fuse all --traffic tiled --runtime none
check u55_dwsep.ethos-u55-128.json analyze u55_dwsep --hw ethos-u55-128 --format json --runtime none
check blog_conv.paradox.compare.txt compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128 --runtime none
check blog_dwsep.orin.compare.json compare blog_dwsep --hw orin --format json --runtime none
check seed000.no-reuse.explain.txt explain --layer "depthwise_conv2d kernel=3 padding=same input=224x224x128" --hw examples/hardware/seed000-orin.yaml --traffic no-reuse --runtime none
check seed000.fused.explain.md explain --layer "depthwise_conv2d name=dw kernel=3 padding=same input=224x224x128" --layer "conv2d name=pw filters=128 kernel=1" --name dw --fuse dw-pw --hw examples/hardware/seed000-orin.yaml --format markdown --runtime none
check seed001.cortex-m7.explain.txt explain --layer "lumped flops=4GFLOP bytes=100MB" --hw examples/hardware/seed001-cortex-m7.yaml --runtime none
check u55_dwsep.explain.txt explain u55_dwsep --name depthwise --hw ethos-u55-128 --runtime none
check u55_dwsep.block.explain.txt explain u55_dwsep --block 1 --hw ethos-u55-128
check mobilenet_v2.onnx.block2.explain.md explain tests/fixtures/onnx/mobilenet_v2.onnx --block 2 --hw orin --fuse dw-pw --format md
check resnet50.onnx.orin.table.txt analyze tests/fixtures/onnx/resnet50.onnx --hw orin --runtime none
check ops.onnx.orin.json analyze tests/fixtures/onnx/ops.onnx --hw orin --precision fp16 --format json --runtime none
check unmodeled.onnx.orin.table.txt analyze tests/fixtures/onnx/unmodeled.onnx --hw orin --batch 2 --runtime none
check mobilenet_v2.onnx.compare.txt compare tests/fixtures/onnx/mobilenet_v2.onnx --hw orin,ethos-u55-128 --runtime none
check blog_dwsep.v100.csv analyze blog_dwsep --hw v100 --format csv --runtime none
check blog_dwsep.v100.md analyze blog_dwsep --hw v100 --format md --runtime none
check mobilenet_v1.orin.fused.md analyze mobilenet_v1 --hw orin --fuse all --format md --runtime none
check blog_conv.paradox.compare.csv compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128 --format csv --runtime none
check blog_conv.paradox.compare.md compare blog_conv --hw v100,h100,orin,xeon-e5-2698v4,ethos-u55-128 --format md --runtime none
check blog_conv.channels.v100.sweep.txt sweep --layer "conv2d kernel=3 input=224x224x128" --vary channels=8:2048:x2 --hw v100 --runtime none
# The same analyses under each hardware's default runtime (runtimes/*.yaml): TensorRT-like on
# Orin (residual fusion, L2 residency, its launch cost), TFLite Micro on a 280 MHz Cortex-M7
# (--set clock), oneDNN's SIMD lanes on a 3-channel depthwise layer.
check mobilenet_v1.orin.tensorrt.table.txt analyze mobilenet_v1 --hw orin
check resnet50.onnx.orin.tensorrt.table.txt analyze tests/fixtures/onnx/resnet50.onnx --hw orin
check resnet8.cortex-m7.280mhz.table.txt analyze docs/validation/models/mlperf_tiny_resnet8.yaml --hw cortex-m7 --set clock=280MHz
check mobilenet_v1.orin.tensorrt.explain.txt explain mobilenet_v1 --name conv_pw_1 --hw orin
check dw3.xeon.onednn.explain.txt explain --layer "depthwise_conv2d kernel=3 stride=2 padding=same input=224x224x3" --hw xeon-e5-2698v4
check blog_dwsep.orin.tensorrt.json analyze blog_dwsep --hw orin --format json
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
