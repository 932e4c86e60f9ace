#!/usr/bin/env python3
"""Estimates a convroof measurement plan on an Arm Ethos-U NPU with Vela, Arm's compiler for it,
whose performance estimate stands in for a measurement (docs/validation.md).

    python3 tools/measure_vela.py plan.json -o measured.json [--accelerator-config ethos-u55-128]
                                  [--vela-path DIR] [--work-dir DIR] [--system-config NAME]
                                  [--memory-mode NAME] [--optimise Performance]
    python3 tools/measure_vela.py plan.json --dry-run [--work-dir DIR]   # write the TFLite files; no Vela
    python3 tools/measure_vela.py --models a.tflite b.tflite --accelerator-config ethos-u55-128,ethos-u55-256
                                  -o vela-models.json                   # whole models, per layer

The plan is a `convroof.measured/1` file without times (`convroof plan`); the output is the same
file with `tool`, `machine` (tool, vela_commit, accelerator_config, system_config, memory_mode,
core_clock, method) and, per measurement, `time_s` (median = min = p10 = p90 = Vela's total cycles /
core clock, runs 1), `implementation`, and a `vela` object that convroof's reader ignores:
total / npu / sram_access / dram_access / on_chip_flash_access / off_chip_flash_access cycles, MACs,
and per layer (Vela's per-layer CSV row: operator, cycles, MACs, utilisation) with the block config
Vela chose ([ofm_h, ofm_w, ifm_depth, ofm_depth], from --verbose-schedule). Pairs are kept as read.

Method: each measurement's chain of one-line layer specs becomes an int8 TFLite file
(tools/tflite_writer.py: per-channel int8 weights, deterministic pseudo-random, int32 bias as the
TFLite converter always writes one (the plan's bias=false cannot be expressed), no fused
activation), input 1xHxWxC. Explicit padding [t,b,l,r] is written as SAME when it equals TFLite's
SAME padding for that layer, as VALID when it is all zero, else as a PAD op before a VALID
convolution (`implementation` then names the padded layers; Vela fuses such a PAD into the
convolution's own padding where it can). A fused dw-pw measurement is the same two-layer file as
its chain, and Vela runs it as two NPU operations: with the default memory mode its SRAM limit
(4 GiB) keeps the unfused 'max' schedule (scheduler.py, optimize_schedule), so nothing is cascaded.
Such a measurement is written with fuse 'runtime' (the ethos-u runtime's patterns, which have no
dw-pw), and its pair's name ends in 'chain' rather than 'fused'. Each file is compiled
once: `vela FILE --accelerator-config CFG --optimise Performance --verbose-performance
--verbose-schedule` with Vela's default system config and memory mode unless given (for the U55
these are Vela's 'internal-default' values, identical to vela.ini's Ethos_U55_High_End_Embedded:
500 MHz, SRAM 4 GB/s on AXI0, off-chip flash 0.5 GB/s on AXI1; and Shared_Sram: weights in flash,
tensor arena in SRAM). The numbers are read from Vela's `<name>_per-layer.csv` (one row per NPU
operation: 'Op Cycles', 'NPU', 'SRAM AC', 'DRAM AC', 'OnFlash AC', 'OffFlash AC', 'MAC Count',
'Util%', 'Name') and the chain's total is the sum of its rows, which is Vela's network 'Total
cycles'. Vela's estimate is deterministic, hence runs 1. Batch must be 1 and precision int8; other
measurements are left without `time_s`. Standard library and flatbuffers only, besides Vela, which
--dry-run never runs.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan_chain  # noqa: E402
from plan_chain import PlanError  # noqa: E402
from tflite_writer import Model  # noqa: E402

VELA_TOOL = "Vela 3.10.0 (8cb3c36)"


class VelaConv(plan_chain.Conv):
    """A convolution of the chain as a TFLite operator."""

    def __init__(self, spec, shape):
        super().__init__(spec, shape)
        if self.op == "conv2d" and self.groups != 1:
            raise PlanError("grouped convolutions (groups > 1) have no TFLite CONV_2D form here")

    def add_to(self, model, name):
        if self.op == "conv2d":
            model.conv2d(self.out_channels, self.kernel, self.stride, self.padding, dilation=self.dilation, name=name)
        else:
            model.depthwise(self.kernel, self.stride, self.padding, self.multiplier, dilation=self.dilation,
                            name=name)


class Measurement:
    """A plan entry: its JSON object, the parsed chain, and why it is skipped (or None)."""

    def __init__(self, entry, index):
        self.entry = entry
        self.name = entry.get("name", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        try:
            if not isinstance(entry, dict) or not isinstance(entry.get("layers"), list) or not entry["layers"]:
                raise PlanError("needs a non-empty 'layers' list")
            self.batch = entry.get("batch", 1)
            if not isinstance(self.batch, int) or self.batch < 1:
                raise PlanError(f"'batch' must be a positive integer, got {self.batch!r}")
            self.precision = entry.get("precision", "int8")
            self.chain, shape = [], None
            for number, spec in enumerate(entry["layers"], 1):
                try:
                    self.chain.append(VelaConv(spec, shape))
                except PlanError as error:
                    raise PlanError(f"layer {number} '{spec}': {error}") from None
                shape = self.chain[-1].output_shape()
        except PlanError as error:
            raise PlanError(f"measurement '{self.name}': {error}") from None
        self.skip = None
        if self.precision != "int8":
            self.skip = f"precision '{self.precision}': only int8 chains are compiled for the NPU"
        elif self.batch != 1:
            self.skip = f"batch {self.batch}: the TFLite files here have batch 1"

    def model(self):
        first = self.chain[0]
        model = Model((1, first.in_h, first.in_w, first.in_channels),
                      description=f"convroof tools/measure_vela.py: {self.name}")
        for number, conv in enumerate(self.chain, 1):
            conv.add_to(model, f"layer{number}_{'dw' if conv.op == 'depthwise_conv2d' else 'conv'}")
        return model

    def file_stem(self, index):
        return f"{index:03d}_" + re.sub(r"[^A-Za-z0-9]+", "_", self.name).strip("_")[:80]


def read_plan(path):
    try:
        with open(path, encoding="utf-8") as file:
            plan = json.load(file)
    except (OSError, json.JSONDecodeError) as error:
        raise PlanError(f"{path}: {error}") from None
    schema = plan.get("schema") if isinstance(plan, dict) else None
    if schema != "convroof.measured/1":
        raise PlanError(f"{path}: not a convroof.measured/1 file (schema {schema!r})")
    entries = plan.get("measurements")
    if not isinstance(entries, list):
        raise PlanError(f"{path}: 'measurements' must be a list")
    return plan, [Measurement(entry, index) for index, entry in enumerate(entries)]


def json_text(value, indent=0):
    """JSON with 2-space indents, except that an object or list holding only scalars (and lists of
    scalars) is written on one line (one line per layer row, as compact as the CSV it comes from),
    unless it holds a long string (the machine description) or is a list of strings (the chain)."""
    def flat(item):
        if isinstance(item, dict):
            return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(
                not isinstance(e, (dict, list)) for e in v)) for v in item.values())
        if isinstance(item, list):
            return all(not isinstance(e, (dict, list)) for e in item)
        return True

    if flat(value) and not (isinstance(value, list) and any(isinstance(e, str) for e in value)) and not (
            isinstance(value, dict) and any(isinstance(v, str) and len(v) > 60 for v in value.values())):
        return json.dumps(value, separators=(", ", ": "))
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {json_text(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}" if items else "{}"
    items = [f"{inner}{json_text(v, indent + 2)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{pad}]" if items else "[]"


def write_json(document, path):
    with open(path, "w", encoding="utf-8") as file:
        file.write(json_text(document) + "\n")


# ---- Vela ------------------------------------------------------------------------------------------
def number(text):
    value = round(float(text), 3)
    return int(value) if value == int(value) else value


def read_per_layer_csv(path):
    """Vela's <name>_per-layer.csv (npu_performance.print_performance): a header row, then one row
    per NPU operation; a second header row starts each further NPU subgraph."""
    rows = []
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = None
        for row in reader:
            if row and row[0].endswith("_operator"):
                header = row
                continue
            if not row or header is None:
                continue
            record = dict(zip(header, row))
            rows.append({
                "name": record["Name"],
                "op": record[header[0]],
                "vela_op": record["NNG Operator"],
                "total_cycles": number(record["Op Cycles"]),
                "npu_cycles": number(record["NPU"]),
                "sram_access_cycles": number(record["SRAM AC"]),
                "dram_access_cycles": number(record["DRAM AC"]),
                "on_chip_flash_access_cycles": number(record["OnFlash AC"]),
                "off_chip_flash_access_cycles": number(record["OffFlash AC"]),
                "macs": int(record["MAC Count"]),
                "utilisation_percent": round(float(row[header.index("Util%")]), 4),
                "sram_usage_bytes": int(float(record["SRAM Usage"])),
            })
    return rows


def read_block_configs(stdout):
    """From --verbose-schedule: '\\t0: Operation NAME  - OFM <Shape4D ...>' then
    '\\t\\tBlock Config = [h, w, ifm_depth, ofm_depth]'."""
    configs, current = {}, None
    for line in stdout.splitlines():
        match = re.match(r"\s*\d+: Operation (.*?)\s+- OFM ", line)
        if match:
            current = match.group(1)
            continue
        match = re.match(r"\s*Block Config = \[([\d, ]+)\]", line)
        if match and current is not None:
            configs[current] = [int(v) for v in match.group(1).split(",")]
            current = None
    return configs


def read_summary(stdout):
    """The network summary Vela prints: 'Total cycles   N cycles/batch' and the configuration lines."""
    summary = {}
    for key, pattern in [("total_cycles", r"^Total cycles\s+(\d+)"), ("npu_cycles", r"^NPU cycles\s+(\d+)"),
                         ("macs", r"^Neural network macs\s+(\d+)"),
                         ("accelerator_configuration", r"^Accelerator configuration\s+(\S+)"),
                         ("system_configuration", r"^System configuration\s+(\S+)"),
                         ("memory_mode", r"^Memory mode\s+(\S+)"),
                         ("clock_mhz", r"^Accelerator clock\s+(\d+) MHz"),
                         ("cpu_operators", r"^CPU operators = (\d+)")]:
        match = re.search(pattern, stdout, re.MULTILINE)
        if match:
            summary[key] = match.group(1)
    return summary


def vela_command(args):
    if args.vela_path:
        return [sys.executable, "-m", "ethosu.vela"], dict(os.environ, PYTHONPATH=os.path.abspath(args.vela_path))
    return [sys.executable, "-m", "ethosu.vela"], dict(os.environ)


def compile_file(path, out_dir, args):
    command, env = vela_command(args)
    command = command + [path, "--accelerator-config", args.accelerator_config, "--optimise", args.optimise,
                         "--verbose-performance", "--verbose-schedule", "--output-dir", out_dir]
    if args.system_config:
        command += ["--system-config", args.system_config]
    if args.memory_mode:
        command += ["--memory-mode", args.memory_mode]
    if args.config:
        command += ["--config", args.config]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    with open(os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0] + ".stdout"), "w",
              encoding="utf-8") as file:
        file.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"vela failed on {path} (exit {result.returncode}): "
                           f"{(result.stdout + result.stderr).strip().splitlines()[-1:]}")
    stem = os.path.splitext(os.path.basename(path))[0]
    layers = read_per_layer_csv(os.path.join(out_dir, stem + "_per-layer.csv"))
    blocks = read_block_configs(result.stdout)
    for layer in layers:
        if layer["name"] in blocks:
            layer["block_config"] = blocks[layer["name"]]
    return layers, read_summary(result.stdout)


def vela_version(args):
    command, env = vela_command(args)
    result = subprocess.run(command + ["--version"], capture_output=True, text=True, env=env)
    return result.stdout.strip() or "unknown"


def chain_pair(pair):
    """A plan's 'fused' pair as Vela runs it: a chain of two operations (see the docstring)."""
    if isinstance(pair, dict) and isinstance(pair.get("name"), str):
        return dict(pair, name=re.sub(r" fused$", " chain", pair["name"]))
    return pair


def measure(plan, measurements, args):
    version = vela_version(args)
    if version != "3.10.0":
        print(f"warning: Vela reports version {version}, not 3.10.0", file=sys.stderr)
    clock = None
    plan["tool"] = "measure_vela.py"
    for done, (index, measurement) in enumerate(measurements, 1):
        entry = measurement.entry
        if entry.get("fuse") == "dw-pw":  # Vela does not cascade the pair (the docstring says why)
            entry["fuse"] = "runtime"
        entry.pop("time_s", None)
        entry.pop("vela", None)
        if measurement.skip:
            entry["implementation"] = f"not measured: {measurement.skip}"
            print(f"[{done}/{len(measurements)}] skip {measurement.name}: {measurement.skip}", file=sys.stderr)
            continue
        model = measurement.model()
        stem = measurement.file_stem(index)
        path = os.path.join(args.work_dir, stem + ".tflite")
        model.write(path)
        out_dir = os.path.join(args.work_dir, stem)
        os.makedirs(out_dir, exist_ok=True)
        layers, summary = compile_file(path, out_dir, args)
        mhz = float(summary.get("clock_mhz", 0)) * 1e6
        clock = clock or mhz
        total = sum(layer["total_cycles"] for layer in layers)
        if "total_cycles" in summary and abs(int(summary["total_cycles"]) - total) > 1:
            print(f"warning: {measurement.name}: per-layer sum {total} != Vela's total {summary['total_cycles']}",
                  file=sys.stderr)
        seconds = total / mhz
        entry["implementation"] = "Vela int8 estimate" + (
            f"; PAD before {', '.join(model.padded_ops)}" if model.padded_ops else "") + (
            f"; {summary['cpu_operators']} CPU operators" if summary.get("cpu_operators", "0") != "0" else "")
        entry["time_s"] = {"median": seconds, "min": seconds, "p10": seconds, "p90": seconds, "runs": 1}
        keys = ["total_cycles", "npu_cycles", "sram_access_cycles", "dram_access_cycles",
                "on_chip_flash_access_cycles", "off_chip_flash_access_cycles", "macs"]
        entry["vela"] = dict({key: number(round(sum(layer[key] for layer in layers), 3)) for key in keys},
                             formula_macs=sum(conv.macs() for conv in measurement.chain), layers=layers)
        print(f"[{done}/{len(measurements)}] {measurement.name}: {total} cycles, {seconds * 1e6:.1f} us",
              file=sys.stderr)
        plan["machine"] = {
            "tool": VELA_TOOL,
            "vela_version": version,
            "accelerator_config": summary.get("accelerator_configuration", args.accelerator_config),
            "system_config": summary.get("system_configuration", args.system_config or "internal-default"),
            "memory_mode": summary.get("memory_mode", args.memory_mode or "internal-default"),
            "core_clock": f"{clock / 1e6:g} MHz",
            "method": "Vela performance estimate (not a measurement): int8 TFLite per chain (tools/tflite_writer.py), "
                      f"vela --accelerator-config {args.accelerator_config} --optimise {args.optimise}; "
                      "time = sum of the per-layer CSV's Op Cycles / core clock"
                      + ("; internal-default = vela.ini Ethos_U55_High_End_Embedded / Shared_Sram values"
                         if not args.system_config and not args.memory_mode else ""),
        }


def compile_models(paths, args):
    """--models: compile whole TFLite models on each accelerator; per layer as in the plan output,
    with the MACs of the fixtures' expected.json (hand formulas) beside Vela's where it has them."""
    accelerators = args.accelerator_config.split(",")
    version = vela_version(args)
    document = {"schema": "convroof.vela-models/1", "tool": VELA_TOOL, "vela_version": version, "models": []}
    for accelerator in accelerators:
        for path in paths:
            expected_path = os.path.join(os.path.dirname(path), "expected.json")
            expected = {}
            if os.path.exists(expected_path):
                with open(expected_path, encoding="utf-8") as file:
                    expected = json.load(file).get("files", {}).get(os.path.basename(path), {})
            formula = {layer["name"]: layer["macs"] for layer in expected.get("layers", [])}
            stem = os.path.splitext(os.path.basename(path))[0]
            out_dir = os.path.join(args.work_dir, accelerator)
            os.makedirs(out_dir, exist_ok=True)
            local = argparse.Namespace(**vars(args))
            local.accelerator_config = accelerator
            layers, summary = compile_file(path, out_dir, local)
            for layer in layers:
                if layer["name"] in formula:
                    layer["formula_macs"] = formula[layer["name"]]
            keys = ["total_cycles", "npu_cycles", "sram_access_cycles", "dram_access_cycles",
                    "on_chip_flash_access_cycles", "off_chip_flash_access_cycles", "macs"]
            entry = {"model": os.path.basename(path), "accelerator_config": summary.get("accelerator_configuration"),
                     "system_config": summary.get("system_configuration"), "memory_mode": summary.get("memory_mode"),
                     "core_clock": f"{summary.get('clock_mhz')} MHz",
                     "vela_total_cycles": int(summary.get("total_cycles", -1)),
                     "vela_macs": int(summary.get("macs", -1)),
                     "cpu_operators": int(summary.get("cpu_operators", 0))}
            entry.update({key: number(round(sum(layer[key] for layer in layers), 3)) for key in keys})
            if expected.get("total_macs") is not None:
                entry["formula_total_macs"] = expected["total_macs"]
            entry["layers"] = layers
            document["models"].append(entry)
            print(f"{accelerator} {stem}: {entry['vela_total_cycles']} cycles, {entry['cpu_operators']} CPU ops",
                  file=sys.stderr)
    return document


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", help="convroof.measured/1 plan (convroof plan)")
    parser.add_argument("--models", nargs="+", metavar="TFLITE",
                        help="instead of a plan: compile these models (--accelerator-config may list several, "
                             "comma-separated) and write convroof.vela-models/1 JSON")
    parser.add_argument("-o", "--output", help="measured JSON to write")
    parser.add_argument("--accelerator-config", default="ethos-u55-128",
                        help="Vela accelerator (default ethos-u55-128; with --models, a comma-separated list)")
    parser.add_argument("--system-config", help="Vela system config (default: Vela's internal default)")
    parser.add_argument("--memory-mode", help="Vela memory mode (default: Vela's internal default)")
    parser.add_argument("--config", help="Vela .ini file for --system-config / --memory-mode")
    parser.add_argument("--optimise", default="Performance", choices=["Performance", "Size"])
    parser.add_argument("--vela-path", help="directory holding the ethosu package (default: importable)")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "measure_vela"),
                        help="where the TFLite files and Vela's outputs go (default: TMPDIR/measure_vela)")
    parser.add_argument("--dry-run", action="store_true", help="write the TFLite files and print them; no Vela")
    args = parser.parse_args()
    if not args.dry_run and not args.output:
        parser.error("-o/--output is required (or --dry-run)")
    if args.models:
        try:
            document = compile_models(args.models, args)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        write_json(document, args.output)
        return 0
    if not args.plan:
        parser.error("a plan (or --models) is required")
    try:
        plan, measurements = read_plan(args.plan)
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.work_dir, exist_ok=True)
    indexed = list(enumerate(measurements))
    if args.dry_run:
        for index, measurement in indexed:
            if measurement.skip:
                print(f"{measurement.name}: skip: {measurement.skip}")
                continue
            model = measurement.model()
            path = os.path.join(args.work_dir, measurement.file_stem(index) + ".tflite")
            data = model.write(path)
            shapes = " -> ".join("x".join(map(str, conv.output_shape())) for conv in measurement.chain)
            pads = f", PAD before {', '.join(model.padded_ops)}" if model.padded_ops else ""
            print(f"{measurement.name}: {path} ({len(data)} bytes), outputs {shapes}{pads}")
        return 0
    try:
        measure(plan, indexed, args)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    document = {"schema": "convroof.measured/1", "tool": plan["tool"], "machine": plan.get("machine", {}),
                "measurements": [measurement.entry for measurement in measurements], "pairs": [chain_pair(pair) for pair in plan.get("pairs", [])]}
    write_json(document, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
