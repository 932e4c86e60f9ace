#!/usr/bin/env python3
"""convroof's Ethos-U cycles against Vela 3.10's estimator (docs/validation.md, "Vela").

    tools/validate_vela.py CONVROOF [-o docs/validation/vela.md] [--check docs/validation/vela.md]

Reads what tools/measure_vela.py recorded from Vela (docs/validation/vela-u55-{128,256}.measured.json:
57 single layers and 19 two-layer chains per NPU; docs/validation/vela-models.json: the TFLite
fixtures compiled whole) and what `CONVROOF validate` and `CONVROOF analyze --format json` predict
for them, and writes the table of per-layer and whole-model error. --check fails (exit 1) when the
file differs from what would be written or a target of issue 19 is missed: per-layer cycles within
5 % of Vela's on >= 90 % of the single-layer shapes on each NPU, whole models within 5 %, seed 004's
pair within 5 % of Vela's 931,186 / 772,544 cycles. Vela itself is never run here.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NPUS = ("128", "256")
CLOCK = 500e6


def run_json(convroof, *args):
    out = subprocess.run([convroof, *args, "--format", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def percent(x):
    return f"{x * 100:+.2f} %"


def summary(errors):
    absolute = sorted(abs(e) for e in errors)
    within = sum(1 for e in absolute if e <= 0.05)
    return statistics.median(absolute), absolute[-1], within, len(absolute)


def build(convroof):
    lines = ["# convroof against Vela 3.10's estimator (Ethos-U55)", "",
             "Written by `tools/validate_vela.py build/convroof -o docs/validation/vela.md` from Vela's figures in",
             "docs/validation/vela-u55-{128,256}.measured.json and vela-models.json (tools/measure_vela.py) and",
             "convroof's predictions (`convroof validate FILE --hw ethos-u55-N`, `convroof analyze MODEL.tflite`).",
             "Error = (convroof - Vela) / Vela on total cycles (Vela: max of NPU, SRAM and flash access cycles).", ""]
    failures = []
    lines += ["| NPU | set | shapes | median abs. error | worst | within 5 % |", "|---|---|---:|---:|---:|---:|"]
    rows = []
    for npu in NPUS:
        path = os.path.join(ROOT, "docs", "validation", f"vela-u55-{npu}.measured.json")
        result = run_json(convroof, "validate", path, "--hw", f"ethos-u55-{npu}")
        single = [m["error"] for m in result["measurements"] if len(m["layers"]) == 1]
        chains = [m["error"] for m in result["measurements"] if len(m["layers"]) > 1]
        for label, errors in (("single layers", single), ("dw+pw chains", chains)):
            median, worst, within, count = summary(errors)
            lines.append(f"| U55-{npu} | {label} | {count} | {median * 100:.2f} % | {worst * 100:.2f} % | "
                         f"{within} of {count} |")
            if label == "single layers" and within < 0.9 * count:
                failures.append(f"U55-{npu}: {within} of {count} single layers within 5 %")
        rows += [(npu, m) for m in result["measurements"] if m["name"].startswith("seed004")]
    lines += ["", "Whole models (the TFLite fixtures, `convroof analyze tests/fixtures/tflite/MODEL --hw ethos-u55-N`):",
              "", "| model | NPU | Vela cycles | convroof cycles | error |", "|---|---|---:|---:|---:|"]
    models = json.load(open(os.path.join(ROOT, "docs", "validation", "vela-models.json")))
    for entry in models["models"]:
        npu = entry["accelerator_config"].rsplit("_", 1)[1]
        report = run_json(convroof, "analyze", os.path.join(ROOT, "tests", "fixtures", "tflite", entry["model"]),
                          "--hw", f"ethos-u55-{npu}")
        ours = report["totals"]["time"]["total"] * CLOCK
        error = (ours - entry["total_cycles"]) / entry["total_cycles"]
        lines.append(f"| {entry['model']} | U55-{npu} | {entry['total_cycles']:,.0f} | {ours:,.0f} | {percent(error)} |")
        if abs(error) > 0.05:
            failures.append(f"{entry['model']} on U55-{npu}: {percent(error)}")
    lines += ["", "Seed 004's layers (`convroof validate docs/validation/vela-u55-N.measured.json --hw ethos-u55-N`):",
              "", "| NPU | measurement | Vela cycles | convroof cycles | error |", "|---|---|---:|---:|---:|"]
    for npu, m in rows:
        vela, ours = m["measured_s"] * CLOCK, m["predicted_s"] * CLOCK
        lines.append(f"| U55-{npu} | {m['name']} | {vela:,.0f} | {ours:,.0f} | {percent(m['error'])} |")
        if abs(m["error"]) > 0.05:
            failures.append(f"{m['name']} on U55-{npu}: {percent(m['error'])}")
    return "\n".join(lines) + "\n", failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("convroof")
    parser.add_argument("-o", "--output")
    parser.add_argument("--check")
    args = parser.parse_args()
    text, failures = build(args.convroof)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    if args.check:
        with open(args.check, encoding="utf-8") as current:
            if current.read() != text:
                print(f"{args.check} is out of date: run tools/validate_vela.py {args.convroof} -o {args.check}",
                      file=sys.stderr)
                return 1
    if not args.output and not args.check:
        sys.stdout.write(text)
    for failure in failures:
        print(f"target missed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
