#!/usr/bin/env python3
"""SVG charts and sweeps through the binary, checked against its own JSON reports.

Usage: charts.py BIN ARTIFACT_DIR

- Every SVG parses as XML; rsvg-convert (librsvg2-bin) renders it to a PNG of the
  declared size (skipped with a message when rsvg-convert is absent).
- analyze --format svg: one point per layer with FLOPs, bytes and time of its own, one
  roof per (unit, precision) the layers use, one slope per memory level with a bandwidth;
  every point sits where the axis's own decade ticks put its JSON intensity and attained
  FLOP/s.
- compare --format svg: one arrow per block and hardware; plot: one legend entry per hardware.
- sweep: every JSON point equals a single `analyze` of the varied layer (standard, and
  --transform to-dwsep), and the CSV holds the same rows.
Needs only Python's standard library.
"""
import csv
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL " + message)


def run(binary, *args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def render_png(svg_path, width, height, artifacts):
    if not shutil.which("rsvg-convert"):
        print("SKIP rendering %s: rsvg-convert (librsvg2-bin) is absent" % svg_path)
        return
    png = os.path.join(artifacts, os.path.basename(svg_path) + ".png")
    subprocess.run(["rsvg-convert", svg_path, "-o", png], check=True)
    with open(png, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", "%s: rsvg-convert did not write a PNG" % svg_path)
    size = struct.unpack(">II", head[16:24])
    check(size == (width, height), "%s renders at %s, expected %sx%s" % (svg_path, size, width, height))


def parse_svg(path, width, height, artifacts):
    root = ET.parse(path).getroot()  # raises on malformed XML
    check(root.tag == SVG + "svg", "%s: root is %s" % (path, root.tag))
    check((root.get("width"), root.get("height")) == (str(width), str(height)), "%s: declared size" % path)
    render_png(path, width, height, artifacts)
    return root


def by_class(root, tag, name):
    return [e for e in root.iter(SVG + tag) if e.get("class") == name]


def tick_mapping(root, klass, coordinate):
    """pixel = a + b * log10(value), fitted from two labelled decade ticks."""
    ticks = [(float(e.get(coordinate)) if coordinate == "x" else float(e.get("y")) - 4, e.text)
             for e in by_class(root, "text", klass)]
    prefixes = {"m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15}

    def value(label):
        number = label.split(" ")[0]
        digits = number.rstrip("mkMGTP")
        unit_prefix = label.split(" ")[1][0] if " " in label and label.split(" ")[1][0] in prefixes else ""
        return float(digits) * 10 ** (prefixes[number[len(digits):]] + prefixes[unit_prefix])

    (p0, l0), (p1, l1) = ticks[0], ticks[-1]
    v0, v1 = math.log10(value(l0)), math.log10(value(l1))
    slope = (p1 - p0) / (v1 - v0)
    return lambda v: p0 + slope * (math.log10(v) - v0)


def marker_centre(path):
    # Circle markers: "M{x-r},{y} a{r},{r} …"
    move, arc = path.split(" ")[0:2]
    x, y = (float(v) for v in move[1:].split(","))
    r = float(arc[1:].split(",")[0])
    return x + r, y


def main():
    binary, artifacts = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(artifacts, exist_ok=True)

    # --- analyze --format svg
    svg_path = os.path.join(artifacts, "mobilenet_v1.orin.svg")
    run(binary, "analyze", "mobilenet_v1", "--hw", "orin", "--format", "svg", "-o", svg_path)
    report = json.loads(run(binary, "analyze", "mobilenet_v1", "--hw", "orin", "--format", "json"))
    root = parse_svg(svg_path, 960, 600, artifacts)
    plotted = [l for l in report["layers"] if l["flops"] > 0 and l["bytes"]["total"] > 0 and l["time"]["total"] > 0]
    points = by_class(root, "path", "point")
    check(len(points) == len(plotted), "analyze svg: %d points for %d plottable layers" % (len(points), len(plotted)))
    roofs = {(l["unit"], l["dtype"]) for l in report["layers"] if l["flops"] > 0}
    check(len(by_class(root, "line", "roof")) == len(roofs), "analyze svg: roofs %s" % sorted(roofs))
    levels = [level for level in report["hardware"]["memory"] if level.get("bandwidth_bytes_per_s")]
    check(len(by_class(root, "line", "slope")) == len(levels), "analyze svg: one slope per memory level")
    x_at = tick_mapping(root, "x-tick", "x")
    y_at = tick_mapping(root, "y-tick", "y")
    layers = {l["name"]: l for l in plotted}
    for point in points:
        layer = layers[point.get("data-layer")]
        cx, cy = marker_centre(point.get("d"))
        intensity = layer["flops"] / layer["bytes"]["total"]
        attained = layer["flops"] / layer["time"]["total"]
        check(abs(cx - x_at(intensity)) < 0.02 and abs(cy - y_at(attained)) < 0.02,
              "analyze svg: %s at (%.2f, %.2f), its JSON puts it at (%.2f, %.2f)"
              % (layer["name"], cx, cy, x_at(intensity), y_at(attained)))
    check(run(binary, "analyze", "mobilenet_v1", "--hw", "orin", "--format", "svg") == open(svg_path).read(),
          "analyze svg: stdout and -o differ, or the output is not deterministic")

    # --- compare --format svg and plot
    compare_path = os.path.join(artifacts, "mobilenet_v1.compare.svg")
    run(binary, "compare", "mobilenet_v1", "--hw", "orin,ethos-u55-128", "--format", "svg", "-o", compare_path)
    comparison = json.loads(run(binary, "compare", "mobilenet_v1", "--hw", "orin,ethos-u55-128", "--format", "json"))
    root = parse_svg(compare_path, 960, 600, artifacts)
    blocks = sum(len(block["results"]) for block in comparison["blocks"])
    check(len(by_class(root, "line", "arrow")) == blocks, "compare svg: one arrow per block and hardware (%d)" % blocks)
    plot_path = os.path.join(artifacts, "blog_conv.plot.svg")
    run(binary, "plot", "blog_conv", "--hw", "v100,h100,orin", "-o", plot_path)
    root = parse_svg(plot_path, 960, 600, artifacts)
    hardware = {p.get("data-hardware") for p in by_class(root, "path", "point")}
    check(hardware == {"v100", "h100", "orin"}, "plot: points of every hardware, got %s" % sorted(hardware))

    # --- sweep
    layer = "conv2d kernel=3 input=224x224x128"
    sweep_path = os.path.join(artifacts, "channels.sweep.svg")
    run(binary, "sweep", "--layer", layer, "--vary", "channels=8:2048:x2", "--hw", "v100", "--format", "svg",
        "-o", sweep_path)
    root = parse_svg(sweep_path, 960, 660, artifacts)
    check(len(by_class(root, "path", "line")) == 4, "sweep svg: two panels x two forms")
    sweep = json.loads(run(binary, "sweep", "--layer", layer, "--vary", "channels=16,256", "--hw", "v100,orin",
                           "--format", "json"))
    check(len(sweep["points"]) == 8, "sweep json: 2 values x 2 hardware x 2 forms")
    for point in sweep["points"]:
        c = point["value"]
        args = ["analyze", "--layer", "conv2d kernel=3 filters=%d input=224x224x%d" % (c, c), "--hw",
                point["hardware"], "--format", "json"]
        if point["form"] == "separable":
            args += ["--transform", "to-dwsep"]
        single = json.loads(run(binary, *args))["totals"]
        same = (single["macs"] == point["macs"] and single["bytes"]["total"] == point["bytes"]
                and single["time"]["total"] == point["time"] and single["bound"] == point["bound"])
        check(same, "sweep point %s %s C=%d differs from analyze" % (point["hardware"], point["form"], c))
    rows = list(csv.DictReader(io.StringIO(run(binary, "sweep", "--layer", layer, "--vary", "channels=16,256",
                                                "--hw", "v100,orin", "--format", "csv"))))
    check([(r["hardware"], int(r["value"]), r["form"], float(r["time_s"])) for r in rows]
          == [(p["hardware"], p["value"], p["form"], p["time"]) for p in sweep["points"]], "sweep csv = json")

    print("%s" % ("charts: %d checks failed" % len(failures) if failures else "charts: all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
