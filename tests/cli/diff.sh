#!/usr/bin/env bash
# `convroof diff`: exit codes for equal, regressed, improved, verdict-flip, hardware-change and
# malformed reports, the three formats, and the example CI job against a doctored baseline.
# Reports are generated with the binary itself. Usage: diff.sh BIN PROJECT_DIR
set -u
bin=$1
project=$2
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report() {  # NAME, analyze arguments after the model...: writes $scratch/NAME.json
  local name=$1
  shift
  "$bin" analyze mobilenet_v1 --hw orin --runtime none --format json -o "$scratch/$name.json" "$@" ||
    { echo "FAIL could not generate $name.json"; exit 1; }
}

report base
report slower --set bandwidth=180GB/s  # every memory term 204.8/180 = 1.14x longer; no verdict changes
report batch2 --batch 2                # bytes and FLOPs grow too
report no_overhead --set overhead=0us  # overhead-bound layers become memory-bound: verdicts flip
"$bin" analyze mobilenet_v1 --hw orin-nx --runtime none --format json -o "$scratch/other_hw.json"
cd "$scratch" || exit 1

expect "equal reports" 0 "$bin" diff base.json base.json
contains "equal reports say so" "diff: no regressions"
expect "regressed time" 1 "$bin" diff base.json slower.json
contains "regression names the metric" "FAIL total time +"
lacks "a slower memory system flips no verdict here" "verdict flipped"
expect "improved (swapped)" 0 "$bin" diff slower.json base.json
expect "regression within --threshold (every layer under +13.8 %)" 0 "$bin" diff base.json slower.json --threshold 15%
expect "regression over --threshold in some layers" 1 "$bin" diff base.json slower.json --threshold 5%
contains "a layer over the threshold is named" "FAIL layer '"
expect "per-metric threshold: time allowed, bytes still 0%" 0 "$bin" diff base.json slower.json --threshold time=20%
expect "threshold for another metric does not cover time" 1 "$bin" diff base.json slower.json --threshold bytes=50%
expect "batch 2 regresses bytes and FLOPs" 1 "$bin" diff base.json batch2.json --threshold time=1000% --ignore-verdict
contains "batch 2 names bytes" "FAIL total bytes +"
contains "batch 2 names flops" "FAIL total flops +"
contains "batch 2 is a noted option change" "option 'batch' differs: OLD 1, NEW 2"

expect "verdict flip (overhead removed)" 1 "$bin" diff base.json no_overhead.json
contains "flip is named" "FAIL total verdict flipped: overhead -> memory"
lacks "less time is no time failure" "time +"
expect "--ignore-verdict" 0 "$bin" diff base.json no_overhead.json --ignore-verdict

expect "hardware change" 2 "$bin" diff base.json other_hw.json
contains "hardware change names NEW's hardware.id" "other_hw.json:"
expect "--allow-hardware-change" 1 "$bin" diff base.json other_hw.json --allow-hardware-change --ignore-verdict
contains "hardware change is a note" "note: hardware differs: OLD orin"
"$bin" diff base.json other_hw.json --allow-hardware-change >/dev/null 2>&1
[ $? -ne 2 ] && passed=$((passed + 1)) || { echo "FAIL --allow-hardware-change still exits 2"; failed=$((failed + 1)); }

# Malformed inputs: exit 2 with file:line:col.
head -c 400 base.json >truncated.json
expect "truncated report" 2 "$bin" diff base.json truncated.json
contains "truncated report has a position" "truncated.json:"
sed 's#"convroof.report/1"#"convroof.report/2"#' base.json >v2.json
expect "other schema version" 2 "$bin" diff base.json v2.json
contains "schema version is named" "different schema version 'convroof.report/2'"
"$bin" compare blog_conv --hw orin --format json >compare.json
expect "a compare report against an analyze report" 2 "$bin" diff compare.json base.json
contains "the analyze report is named" "base.json:2:13: error: 'convroof.report/1' is not a compare report"
: >empty.json
expect "empty report" 2 "$bin" diff base.json empty.json
expect "missing report" 2 "$bin" diff base.json nonesuch.json
expect "directory" 2 "$bin" diff base.json .
expect "bad threshold" 2 "$bin" diff base.json base.json --threshold 5
expect "bad format" 2 "$bin" diff base.json base.json --format xml

# Formats: table lists only changed layers unless --all; Markdown; JSON convroof.diff/1.
expect "table of a flip" 1 "$bin" diff base.json no_overhead.json
contains "table marks a flip" "overhead -> memory !"
"$bin" diff base.json base.json >"$scratch/out"
contains "no changed layers" "0 of 84 matched layers changed"
lacks "unchanged layers are not listed" "conv_dw_1 "
"$bin" diff base.json base.json --all >"$scratch/out"
contains "--all lists every layer" "conv_dw_1 "
expect "markdown" 1 "$bin" diff base.json slower.json --format md
contains "markdown heading" "### convroof diff:"
contains "markdown table" "|---|"
expect "json" 1 "$bin" diff base.json slower.json --format json -o diff.json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="convroof.diff/1" and d["passed"] is False and d["failures"]' diff.json 2>"$scratch/out"; then
  passed=$((passed + 1)); else echo "FAIL json diff content"; cat "$scratch/out"; failed=$((failed + 1)); fi
"$bin" diff base.json slower.json --format json >again.json
if cmp -s diff.json again.json; then passed=$((passed + 1)); else echo "FAIL json diff not deterministic"; failed=$((failed + 1)); fi

# The example CI job passes against its baseline and fails against a doctored one (10 % faster).
example="$project/examples/ci"
CONVROOF=$bin bash "$example/check.sh" >"$scratch/out" 2>&1
rc=$?
[ $rc -eq 0 ] && passed=$((passed + 1)) || { echo "FAIL example job: exit $rc"; head -20 "$scratch/out"; failed=$((failed + 1)); }
mkdir -p doctored
cp "$example/check.sh" doctored/
python3 - "$example/baseline.json" doctored/baseline.json <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
report["totals"]["time"]["total"] *= 0.9
json.dump(report, open(sys.argv[2], "w"), indent=2)
EOF
CONVROOF=$bin bash doctored/check.sh >"$scratch/out" 2>&1
rc=$?
[ $rc -eq 1 ] && passed=$((passed + 1)) || { echo "FAIL example job vs doctored baseline: exit $rc, expected 1"; head -20 "$scratch/out"; failed=$((failed + 1)); }
contains "example job prints the Markdown failure" "FAIL total time +11.1 %"

# Two compare reports: the winner per block and hardware. blog_dwsep on H100: separable 1.04x faster
# under TensorRT, standard faster without a runtime (two bare launches of 5 us against one): a flip.
"$bin" compare blog_dwsep --hw h100,orin --format json -o "$scratch/compare_trt.json"
"$bin" compare blog_dwsep --hw h100,orin --runtime none --format json -o "$scratch/compare_none.json"
expect "compare reports: equal" 0 "$bin" diff compare_trt.json compare_trt.json
contains "compare reports: equal say so" "diff: no regressions"
expect "compare reports: a winner flip fails" 1 "$bin" diff compare_trt.json compare_none.json
contains "compare reports: the flip is named" "whole model"
contains "compare reports: the flip fails" "FAIL winner flipped"
expect "compare reports: --ignore-verdict" 0 "$bin" diff compare_trt.json compare_none.json --ignore-verdict
expect "compare reports: JSON" 1 "$bin" diff compare_trt.json compare_none.json --format json
contains "compare reports: JSON schema" '"schema": "convroof.compare-diff/1"'
expect "compare and analyze reports do not mix" 2 "$bin" diff compare_trt.json base.json
contains "the mix is named" "is not a compare report and the other is"
finish
