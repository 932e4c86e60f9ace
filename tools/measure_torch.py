#!/usr/bin/env python3
"""Times a convroof measurement plan on a CUDA GPU with PyTorch (cuDNN), the GPU counterpart
of convroof-bench (docs/validation.md).

    python3 tools/measure_torch.py plan.json -o measured.json [--runs 50] [--warmup 10]
                                   [--device cuda:0] [--warm-cache]
    python3 tools/measure_torch.py plan.json --dry-run    # parse and print the modules; no torch

The plan is a `convroof.measured/1` file without times (`convroof plan`); the output is the same
file with `tool`, `machine` (GPU, torch, CUDA, cuDNN, driver, method) and, per measurement,
`time_s` (median, min, p10, p90 in seconds, runs) and `implementation`. Pairs are kept as read.

Method: each measurement's chain of one-line layer specs becomes successive torch modules
(Conv2d; a ZeroPad2d before it where the padding is asymmetric, as TensorFlow's 'same' can be),
in the measurement's precision (fp16 when the plan gives none; fp32 runs without TF32), with
weights and input in channels_last memory format, torch.backends.cudnn.benchmark on (the warm-up
runs pick cuDNN's algorithms) and torch.inference_mode. Each run is timed alone with CUDA events
recorded around the chain's forward and synchronized before the next run, so a chain's time
includes the launch gaps eager PyTorch has between its kernels. Before every run, warm-up
included, a buffer twice the size of the GPU's L2 is zeroed outside the events, so each run reads
its weights and input from device memory as the roofline model assumes (--warm-cache skips that:
the same buffers every run, flattering layers that fit in L2). Fused dw-pw measurements are
skipped (eager PyTorch has no fused depthwise + pointwise kernel) and left without `time_s`, as
are integer precisions. Standard library only, besides torch, which --dry-run never imports.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan_chain  # noqa: E402
from plan_chain import PlanError  # noqa: E402

PRECISIONS = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


class TorchConv(plan_chain.Conv):
    """A convolution of the chain as torch modules."""

    def symmetric(self):
        top, bottom, left, right = self.padding
        return top == bottom and left == right

    def modules_text(self):
        """The modules as torch prints them (Conv2d.extra_repr, ZeroPad2d.extra_repr)."""
        top, bottom, left, right = self.padding
        padding = (top, left) if self.symmetric() else (0, 0)
        text = f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel}, stride={self.stride}"
        if padding != (0, 0):
            text += f", padding={padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if not self.bias:
            text += ", bias=False"
        text += ")"
        return ([] if self.symmetric() else [f"ZeroPad2d({(left, right, top, bottom)})"]) + [text]

    def modules(self, torch):
        conv = torch.nn.Conv2d(self.in_channels, self.out_channels, self.kernel, stride=self.stride,
                               padding=(self.padding[0], self.padding[2]) if self.symmetric() else 0,
                               dilation=self.dilation, groups=self.groups, bias=self.bias)
        if self.symmetric():
            return [conv]
        top, bottom, left, right = self.padding
        return [torch.nn.ZeroPad2d((left, right, top, bottom)), conv]


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
            self.precision = entry.get("precision", "fp16")
            self.chain, shape = [], None
            for number, spec in enumerate(entry["layers"], 1):
                try:
                    self.chain.append(TorchConv(spec, shape))
                except PlanError as error:
                    raise PlanError(f"layer {number} '{spec}': {error}") from None
                shape = self.chain[-1].output_shape()
        except PlanError as error:
            raise PlanError(f"measurement '{self.name}': {error}") from None
        self.skip = None
        if entry.get("fuse", "none") != "none":
            self.skip = f"fuse '{entry['fuse']}': eager PyTorch has no fused depthwise + pointwise kernel"
        elif self.precision not in PRECISIONS:
            self.skip = f"precision '{self.precision}': only {', '.join(PRECISIONS)} convolutions run in eager PyTorch"

    def input_text(self):
        first = self.chain[0]
        return f"{self.batch}x{first.in_channels}x{first.in_h}x{first.in_w}"

    def describe(self):
        """The dry-run text: a header line, then each module with its output shape."""
        lines = [f"{self.name}: batch {self.batch}, {self.precision}, input {self.input_text()} (NCHW, channels_last)"]
        if self.skip:
            return lines + [f"  skip: {self.skip}"]
        for conv in self.chain:
            out = f"{self.batch}x{conv.out_channels}x{conv.out_h}x{conv.out_w}"
            lines += [f"  {module}" for module in conv.modules_text()[:-1]]
            lines.append(f"  {conv.modules_text()[-1]} -> {out}")
        return lines


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


def order_statistics(times):
    """median, min, p10, p90 by linear interpolation between order statistics."""
    ordered = sorted(times)

    def quantile(fraction):
        position = fraction * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {"median": quantile(0.5), "min": ordered[0], "p10": quantile(0.1), "p90": quantile(0.9),
            "runs": len(ordered)}


def driver_version():
    try:
        result = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=30, check=True)
        return result.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def measure(plan, measurements, args):
    import torch  # only here: --dry-run works without torch

    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False  # fp32 means fp32
    properties = torch.cuda.get_device_properties(device)
    flush_bytes = 2 * getattr(properties, "L2_cache_size", 64 << 20)
    flush = None if args.warm_cache else torch.empty(flush_bytes, dtype=torch.uint8, device=device)
    cache = ("warm: the same buffers every run" if args.warm_cache
             else f"cold: {flush_bytes >> 20} MiB zeroed before every run")
    plan["tool"] = "measure_torch.py"
    plan["machine"] = {
        "gpu": properties.name,
        "torch": torch.__version__,
        "cuda": str(torch.version.cuda),
        "cudnn": str(torch.backends.cudnn.version()),
        "driver": driver_version(),
        "method": f"cuDNN via eager PyTorch, channels_last, cudnn.benchmark, TF32 off; {args.warmup} warm-up + "
                  f"{args.runs} timed runs, CUDA events around each; L2 {cache}",
    }
    for done, measurement in enumerate(measurements, 1):
        entry = measurement.entry
        entry.pop("time_s", None)
        if measurement.skip:
            entry["implementation"] = f"not measured: {measurement.skip}"
            print(f"[{done}/{len(measurements)}] skip {measurement.name}: {measurement.skip}", file=sys.stderr)
            continue
        dtype = getattr(torch, PRECISIONS[measurement.precision])
        model = torch.nn.Sequential(*[module for conv in measurement.chain for module in conv.modules(torch)])
        model = model.to(device=device, dtype=dtype, memory_format=torch.channels_last).eval()
        first = measurement.chain[0]
        data = torch.randn(measurement.batch, first.in_channels, first.in_h, first.in_w, device=device, dtype=dtype)
        data = data.contiguous(memory_format=torch.channels_last)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        times = []
        with torch.inference_mode():
            for run in range(args.warmup + args.runs):
                if flush is not None:
                    flush.zero_()
                start.record()
                model(data)
                end.record()
                end.synchronize()
                if run >= args.warmup:
                    times.append(start.elapsed_time(end) / 1e3)  # ms -> s
        entry["implementation"] = f"cudnn {measurement.precision} channels_last"
        entry["time_s"] = order_statistics(times)
        print(f"[{done}/{len(measurements)}] {measurement.name}: {entry['time_s']['median'] * 1e6:.1f} us",
              file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", help="convroof.measured/1 plan (convroof plan)")
    parser.add_argument("-o", "--output", help="measured JSON to write")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (default 50)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs first (default 10)")
    parser.add_argument("--device", default="cuda:0", help="CUDA device (default cuda:0)")
    parser.add_argument("--warm-cache", action="store_true", help="do not flush the L2 between runs")
    parser.add_argument("--dry-run", action="store_true", help="parse the plan and print the modules; no torch")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    if not args.dry_run and not args.output:
        parser.error("-o/--output is required (or --dry-run)")
    try:
        plan, measurements = read_plan(args.plan)
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        for measurement in measurements:
            print("\n".join(measurement.describe()))
        return 0
    measure(plan, measurements, args)
    document = {"schema": "convroof.measured/1", "tool": plan["tool"], "machine": plan["machine"],
                "measurements": [measurement.entry for measurement in measurements], "pairs": plan.get("pairs", [])}
    with open(args.output, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
