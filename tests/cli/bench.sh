#!/usr/bin/env bash
# convroof-bench on one small layer: it times the layer's standard and separable forms with oneDNN
# and writes a measured file (convroof.measured/1, a positive time for every unfused measurement;
# a fused dw-pw one is timed or says why not) and a validation report (convroof.validation/1);
# re-validating the saved file, with convroof-bench or with `convroof validate`, gives the same
# report byte for byte; a plan from `convroof plan` runs; fp16 and bad input exit 2.
# Usage: bench.sh CONVROOF_BENCH CONVROOF PROJECT_DIR (a few seconds).
set -u
bench=$(realpath "$1")
convroof=$(realpath "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$scratch" || exit 1
hw=xeon-e5-2698v4
layer="conv2d filters=16 kernel=3 padding=same input=32x32x16"

json_check() {  # description, file, Python expression on the parsed document `d`
  if python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert $3" "$2" 2>"$scratch/out"; then
    passed=$((passed + 1)); else echo "FAIL $1"; head -5 "$scratch/out"; failed=$((failed + 1)); fi
}

expect "time a layer" 0 "$bench" --layer "$layer" --hw $hw --runs 5 --warmup 1 --save-measured m.json \
  --format json -o report.json
json_check "measured schema" m.json 'd["schema"] == "convroof.measured/1" and d["measurements"]'
json_check "every unfused measurement timed" m.json \
  'all(m["time_s"]["median"] > 0 and m["time_s"]["min"] > 0 and m["time_s"]["runs"] == 5
       for m in d["measurements"] if m["fuse"] == "none")'
json_check "order statistics in order" m.json \
  'all(t["min"] <= t["p10"] <= t["median"] <= t["p90"] for t in (m["time_s"] for m in d["measurements"] if "time_s" in m))'
json_check "implementation recorded" m.json 'all(m["implementation"] for m in d["measurements"])'
json_check "a fused dw-pw is timed or says why not" m.json \
  'all("time_s" in m or m["implementation"].startswith("not measured: ") for m in d["measurements"])'
json_check "machine names oneDNN" m.json '"onednn" in d["machine"] and "cpu" in d["machine"]'
json_check "validation schema" report.json 'd["schema"] == "convroof.validation/1"'

expect "re-validate the saved measurements" 0 "$bench" --measured m.json --hw $hw --format json -o again.json
if cmp -s report.json again.json; then passed=$((passed + 1)); else
  echo "FAIL --measured gives another report"; failed=$((failed + 1)); fi
expect "convroof validate reads it" 0 "$convroof" validate m.json --hw $hw --format json -o validate.json
if cmp -s report.json validate.json; then passed=$((passed + 1)); else
  echo "FAIL convroof validate gives another report"; failed=$((failed + 1)); fi
expect "table" 0 "$bench" --measured m.json --hw $hw
lacks "no error in the table" "error:"

expect "a plan from convroof plan" 0 "$convroof" plan --layer "$layer" -o plan.json
expect "time the plan" 0 "$bench" --plan plan.json --hw $hw --runs 2 --warmup 0 --warm-caches --quiet
expect "fp16 plan" 0 "$convroof" plan --layer "$layer" --precision fp16 -o plan16.json
expect "fp16 is not timed on the CPU" 2 "$bench" --plan plan16.json --hw $hw --runs 1
contains "says fp32 only" "fp32 only"
expect "nothing to time" 2 "$bench" --layer "maxpool kernel=2 input=8x8x4" --hw $hw --runs 1 --warmup 0
expect "missing measured file" 2 "$bench" --measured nonesuch.json --hw $hw
contains "names the file" "nonesuch.json"
expect "zero runs" 2 "$bench" --layer "$layer" --hw $hw --runs 0

finish
