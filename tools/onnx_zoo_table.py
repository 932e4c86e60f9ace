#!/usr/bin/env python3
"""The table of docs/onnx-zoo.md: every zoo fixture's MACs and parameters as convroof imports them,
next to PyTorch's own counts (tests/fixtures/onnx/zoo/expected.json, tools/make_onnx_fixtures.py --zoo).

    python3 tools/onnx_zoo_table.py BIN                  print the table (Markdown)
    python3 tools/onnx_zoo_table.py BIN --check DOC      exit 1 when DOC's table (between the
                                                         <!-- zoo-table --> markers) differs from it
    python3 tools/onnx_zoo_table.py BIN --update DOC     rewrite DOC's table

BIN is the convroof binary. Each fixture is analyzed as a user would (`convroof analyze FILE --hw orin --format
json`, with `--input` for the ones whose height and width are symbolic), and its JSON layers are summed:
convolution and dense (weight) MACs, matmul (activation x activation) MACs, and the totals' params. Needs only
Python 3's standard library.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ZOO = os.path.join(ROOT, "tests", "fixtures", "onnx", "zoo")
BEGIN, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"


def counts(binary, name, entry):
    command = [binary, "analyze", os.path.join(ZOO, name + ".onnx"), "--hw", "orin", "--format", "json"]
    if entry["dynamic_hw"]:
        command += ["--input", "input=" + "x".join(map(str, entry["input"]))]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip().splitlines()[0]
    report = json.loads(run.stdout)
    weighted = sum(layer["macs"] for layer in report["layers"] if layer["op"] != "matmul")
    attention = sum(layer["macs"] for layer in report["layers"] if layer["op"] == "matmul")
    return {"layers": len(report["layers"]), "macs": weighted, "attention_macs": attention,
            "params": report["totals"]["params"], "unmodeled": len(report["unmodeled"])}, None


def table(binary):
    with open(os.path.join(ZOO, "expected.json")) as f:
        expected = json.load(f)
    rows = ["| fixture | opset | input (NCHW) | layers | MACs: convroof = PyTorch | attention MACs | params: convroof | "
            "params: PyTorch | result |",
            "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    equal = 0
    for name in sorted(expected):
        entry = expected[name]
        got, error = counts(binary, name, entry)
        shape = "x".join(map(str, entry["input"])) + (" (`--input`)" if entry["dynamic_hw"] else "")
        if got is None:
            rows.append(f"| {name} | {entry['opset']} | {shape} | | | | | {entry['params']:,} | **error**: {error} |")
            continue
        problems = []
        if got["macs"] != entry["macs"]:
            problems.append(f"MACs {got['macs']:,} vs {entry['macs']:,}")
        if got["attention_macs"] != entry["attention_macs"]:
            problems.append(f"attention MACs {got['attention_macs']:,} vs {entry['attention_macs']:,}")
        if got["params"] != entry["stored_params"]:
            problems.append(f"params {got['params']:,} vs the file's {entry['stored_params']:,}")
        if got["unmodeled"]:
            problems.append(f"{got['unmodeled']} unmodeled op types")
        if problems:
            result = "**differs**: " + "; ".join(problems)
        elif entry["stored_params"] != entry["params"]:
            result = f"equal; the file stores {entry['stored_params'] - entry['params']:+,} params (below)"
            equal += 1
        else:
            result = "equal"
            equal += 1
        macs = f"{got['macs']:,}" if got["macs"] == entry["macs"] else f"{got['macs']:,} ≠ {entry['macs']:,}"
        rows.append(f"| {name} | {entry['opset']} | {shape} | {got['layers']} | {macs} | {got['attention_macs']:,} | "
                    f"{got['params']:,} | {entry['params']:,} | {result} |")
    rows.append("")
    rows.append(f"{equal} of {len(expected)} fixtures equal PyTorch's counts.")
    return "\n".join(rows) + "\n"


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("--"):
        sys.exit(__doc__)
    text = table(args[0])
    if len(args) == 1:
        sys.stdout.write(text)
        return
    if len(args) != 3 or args[1] not in ("--check", "--update"):
        sys.exit(__doc__)
    with open(args[2]) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{args[2]}: no {BEGIN} … {END} markers")
    head, rest = doc.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    if args[1] == "--update":
        with open(args[2], "w") as f:
            f.write(head + BEGIN + "\n" + text + END + tail)
        return
    if old.strip() != text.strip():
        sys.stdout.write(text)
        sys.exit(f"{args[2]}: the zoo table differs from the import (above); rerun with --update and review")
    print(f"{args[2]}: the zoo table matches the import")


if __name__ == "__main__":
    main()
