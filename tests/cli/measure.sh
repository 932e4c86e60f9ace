#!/usr/bin/env bash
# The measurement commands without oneDNN: `convroof probe` end to end (its spec loads and
# analyzes), `convroof plan` (what to measure), `convroof validate` and `convroof calibrate` on a
# small measured file made here by hand and on the committed validation data, and the GPU tool's
# dry run on a plan (tools/measure_torch.py parses every layer spec without torch).
# Usage: measure.sh CONVROOF PROJECT_DIR (about 10 s: the probe's default run).
set -u
convroof=$(realpath "$1")
project=$(realpath "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$scratch" || exit 1

json_check() {  # description, file, Python expression on the parsed document `d`
  if python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert $3" "$2" 2>"$scratch/out"; then
    passed=$((passed + 1)); else echo "FAIL $1"; head -5 "$scratch/out"; failed=$((failed + 1)); fi
}

# A default probe of this machine: a spec that loads, names its method, and analyzes.
expect "probe" 0 "$convroof" probe --quiet --id ci-probe -o probe.yaml
lacks "probe: quiet" "measuring"
expect "probed spec shows" 0 "$convroof" hw show ./probe.yaml
contains "probed spec: its method" "STREAM triad"
expect "probed spec analyzes" 0 "$convroof" analyze blog_conv --hw ./probe.yaml
contains "probed spec: used" "blog_conv on ci-probe"

# A plan: blog_conv at batch 1 and 16 is 4 measurements (standard, dw, pw, fused) per batch.
expect "plan" 0 "$convroof" plan blog_conv --batch 1,16 -o plan.json
json_check "plan: 8 measurements, none timed" plan.json \
  'len(d["measurements"]) == 8 and not any("time_s" in m for m in d["measurements"])'
json_check "plan: 4 pairs" plan.json 'len(d["pairs"]) == 4'
expect "the same plan twice" 0 "$convroof" plan blog_conv --batch 1,16 -o plan2.json
if cmp -s plan.json plan2.json; then passed=$((passed + 1)); else echo "FAIL plan not deterministic"; failed=$((failed + 1)); fi
expect "a channel sweep" 0 "$convroof" plan --layer "conv2d filters=8 kernel=3 padding=same input=56x56x8" \
  --vary channels=8:32:x2 -o sweep.json
json_check "sweep: 3 values x (std, dw, pw, fused)" sweep.json 'len(d["measurements"]) == 12'
expect "a plan validates to nothing" 2 "$convroof" validate plan.json --hw orin
contains "says it is a plan" "plan.json: error: no measurement has a time: this is a plan"
expect "plan without a model" 2 "$convroof" plan
expect "vary without a layer" 2 "$convroof" plan blog_conv --vary channels=8:16:x2

# Measured times made up so the errors are known: on orin the engine predicts T for each
# measurement; the file says 2 T (error -50 %) for every one, so every error is -0.5 and every
# pair speedup is exact.
"$convroof" validate <(python3 - plan.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["measurements"]:
    m["time_s"] = {"median": 1.0, "min": 1.0, "p10": 1.0, "p90": 1.0, "runs": 1}
json.dump(d, sys.stdout)
PY
) --hw orin --format json -o unit.json >/dev/null 2>&1
python3 - unit.json plan.json >measured.json <<'PY'
import json, sys
report, plan = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
predicted = {m["name"]: m["predicted_s"] for m in report["measurements"]}
for m in plan["measurements"]:
    t = 2 * predicted[m["name"]]
    m["time_s"] = {"median": t, "min": t, "p10": t, "p90": t, "runs": 1}
json.dump(plan, sys.stdout, indent=1)
PY
expect "validate" 0 "$convroof" validate measured.json --hw orin --format json -o report.json
json_check "every error -50 %" report.json 'all(abs(m["error"] + 0.5) < 1e-9 for m in d["measurements"])'
json_check "every speedup exact" report.json 'all(abs(p["error"]) < 1e-9 and p["winner_agrees"] for p in d["pairs"])'
json_check "summary" report.json 'd["summary"]["count"] == 8 and abs(d["summary"]["median_abs_error"] - 0.5) < 1e-9'
expect "validate table" 0 "$convroof" validate measured.json --hw orin
contains "table: summary line" "per measurement (8): median |error| 50 %"
contains "table: pairs" "winner agrees in 4 of 4"

# Calibrate: with every time doubled, the fit must lower the error and write a spec that
# loads back; bad flags leave no file.
expect "calibrate" 0 "$convroof" calibrate measured.json --hw orin --runtime none -o calibrated.yaml --format json --report cal.json
json_check "calibration improves" cal.json \
  'd["after"]["summary"]["median_abs_error"] < d["before"]["summary"]["median_abs_error"]'
json_check "calibrated id" cal.json 'd["calibrated_id"] == "orin-calibrated"'
expect "the calibrated spec loads" 0 "$convroof" analyze blog_conv --hw ./calibrated.yaml
expect "calibrate needs -o" 2 "$convroof" calibrate measured.json --hw orin
expect "one fold is too few" 2 "$convroof" calibrate measured.json --hw orin -o x.yaml --folds 1
[ -e x.yaml ] && { echo "FAIL --folds 1 left x.yaml"; failed=$((failed + 1)); } || passed=$((passed + 1))

# docs/validation.md's tables come from committed measurements: validating and calibrating them
# again must give the committed reports byte for byte (a change to the engine that moves them
# must regenerate them: the commands are in docs/validation.md).
validation="docs/validation/xeon-spr-2c"
(cd "$project" && "$convroof" validate $validation.measured.json --hw $validation.probed.yaml) >validation.txt 2>&1
if cmp -s validation.txt "$project/$validation.validation.txt"; then passed=$((passed + 1)); else
  echo "FAIL $validation.validation.txt is stale"; diff validation.txt "$project/$validation.validation.txt" | head -5
  failed=$((failed + 1)); fi
(cd "$project" && "$convroof" calibrate $validation.measured.json --hw $validation.probed.yaml \
  -o "$scratch/calibrated.yaml" --report "$scratch/calibration.txt") >/dev/null 2>&1
for file in calibration.txt calibrated.yaml; do
  if cmp -s "$file" "$project/$validation.$file"; then passed=$((passed + 1)); else
    echo "FAIL $validation.$file is stale"; diff "$file" "$project/$validation.$file" | head -5; failed=$((failed + 1)); fi
done

# The committed GPU plan is what convroof plan makes today.
(cd "$project" && "$convroof" plan blog_conv mobilenet_v1 --layer "conv2d filters=128 kernel=3 padding=same input=224x224x128" \
  --vary channels=8:2048:x2 --batch 1,16 --precision fp16) >gpu-plan-now.json 2>&1
if cmp -s gpu-plan-now.json "$project/docs/validation/gpu-plan.json"; then passed=$((passed + 1)); else
  echo "FAIL docs/validation/gpu-plan.json is stale"; failed=$((failed + 1)); fi

# The GPU tool's dry run: every layer of a plan parses and maps to a torch module; fused
# measurements are skipped with a reason; torch is never imported (a torch.py that fails on
# import sits first on the path).
"$convroof" plan blog_conv mobilenet_v1 --batch 1,16 --precision fp16 -o gpu-plan.json
mkdir -p fake && echo 'raise ImportError("the dry run must not import torch")' >fake/torch.py
expect "torch dry run" 0 env PYTHONPATH=fake python3 "$project/tools/measure_torch.py" gpu-plan.json --dry-run
contains "dry run: a 3x3 conv" "Conv2d(128, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
contains "dry run: skips fused" "skip: fuse 'dw-pw'"
sed 's/filters=128 kernel=3x3/filterz=128 kernel=3x3/' plan.json >bad-plan.json
expect "dry run: bad spec" 2 python3 "$project/tools/measure_torch.py" bad-plan.json --dry-run
contains "dry run: names the measurement" "measurement 'blog_conv/b1/conv'"

finish
