#!/usr/bin/env python3
"""Writes the TFLite test fixtures under tests/fixtures/tflite/ (int8 models as the TFLite
converter lays them out, tools/tflite_writer.py) and expected.json, their MACs by hand formulas.

    /usr/bin/python3 tools/make_tflite_fixtures.py [--out tests/fixtures/tflite]

Deterministic: a second run writes identical bytes. The MACs in expected.json are computed here
from the layer parameters, independently of the writer and of any reader:

    conv             out_h * out_w * filters * kh * kw * in_c / groups
    depthwise        out_h * out_w * C * multiplier * kh * kw
    transpose conv   in_h * in_w * in_c * kh * kw * filters   (every input pixel scatters a kernel;
                     TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias)
    fully connected  in * out
    other ops        0 (pooling, elementwise, activations, reshape, ... count no MACs here)

with out = ceil(in / stride) for SAME and (in - k) / stride + 1 for VALID (a sparse weight behind a
DENSIFY counts at its dense shape). Vela (3.10) reports the
same numbers per layer for the conv, depthwise and FC layers (docs/validation/vela-models.json).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tflite_writer import DENSE, FLOAT32, SPARSE_CSR, Model  # noqa: E402


def ceil_div(a, b):
    return -(-a // b)


class Layers:
    """Shape bookkeeping and MACs by formula, kept next to the model it describes."""

    def __init__(self, h, w, c):
        self.h, self.w, self.c = h, w, c
        self.layers = []

    def _extent(self, size, k, s, padding):
        return ceil_div(size, s) if padding == "same" else (size - k) // s + 1

    def conv(self, name, filters, k, s, padding="same", groups=1):
        oh, ow = self._extent(self.h, k, s, padding), self._extent(self.w, k, s, padding)
        macs = oh * ow * filters * k * k * self.c // groups
        self.layers.append({"name": name, "op": "CONV_2D", "macs": macs,
                            "formula": f"{oh}*{ow}*{filters}*{k}*{k}*{self.c}"})
        self.h, self.w, self.c = oh, ow, filters

    def depthwise(self, name, k, s, padding="same", multiplier=1):
        oh, ow = self._extent(self.h, k, s, padding), self._extent(self.w, k, s, padding)
        macs = oh * ow * self.c * multiplier * k * k
        self.layers.append({"name": name, "op": "DEPTHWISE_CONV_2D", "macs": macs,
                            "formula": f"{oh}*{ow}*{self.c}*{multiplier}*{k}*{k}"})
        self.h, self.w, self.c = oh, ow, self.c * multiplier

    def fc(self, name, units):
        depth = self.h * self.w * self.c
        self.layers.append({"name": name, "op": "FULLY_CONNECTED", "macs": depth * units,
                            "formula": f"{depth}*{units}"})
        self.h, self.w, self.c = 1, 1, units

    def other(self, name, op, h=None, w=None, c=None):
        self.layers.append({"name": name, "op": op, "macs": 0, "formula": "0"})
        self.h, self.w, self.c = h or self.h, w or self.w, c or self.c

    def entry(self, description):
        return {"description": description, "total_macs": sum(layer["macs"] for layer in self.layers),
                "layers": self.layers}


def u55_conv():
    model, ref = Model((1, 160, 240, 16)), Layers(160, 240, 16)
    model.conv2d(16, 3, 1, "same", name="conv")
    ref.conv("conv", 16, 3, 1)
    return model, ref.entry("seed 004: CONV_2D 16 filters 3x3 SAME on 1x160x240x16")


def u55_dwsep():
    model, ref = Model((1, 160, 240, 16)), Layers(160, 240, 16)
    model.depthwise(3, 1, "same", name="dw")
    model.conv2d(16, 1, 1, "same", name="pw")
    ref.depthwise("dw", 3, 1)
    ref.conv("pw", 16, 1, 1)
    return model, ref.entry("seed 004: DEPTHWISE_CONV_2D 3x3 SAME x1, then CONV_2D 16 filters 1x1, 1x160x240x16")


def single(kind, h, w, c, k, s, padding, filters=None, multiplier=1, act=None):
    model, ref = Model((1, h, w, c)), Layers(h, w, c)
    if kind == "conv":
        model.conv2d(filters, k, s, padding, act, name="layer")
        ref.conv("layer", filters, k, s, padding)
        text = f"CONV_2D {filters} filters {k}x{k} stride {s} {padding.upper()} on 1x{h}x{w}x{c}"
    else:
        model.depthwise(k, s, padding, multiplier, act, name="layer")
        ref.depthwise("layer", k, s, padding, multiplier)
        text = f"DEPTHWISE_CONV_2D {k}x{k} stride {s} {padding.upper()} multiplier {multiplier} on 1x{h}x{w}x{c}"
    return model, ref.entry(text + (f", fused {act.upper()}" if act else ""))


def mobilenet_v1():
    """MobileNet-v1 1.0 224 as TF/Keras builds it: SAME padding, RELU6 fused, average pool 7x7,
    then FULLY_CONNECTED 1000, RESHAPE and SOFTMAX."""
    model, ref = Model((1, 224, 224, 3)), Layers(224, 224, 3)
    model.conv2d(32, 3, 2, "same", "relu6", name="conv1")
    ref.conv("conv1", 32, 3, 2)
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for number, (filters, stride) in enumerate(blocks, 1):
        model.depthwise(3, stride, "same", 1, "relu6", name=f"block{number}/dw")
        ref.depthwise(f"block{number}/dw", 3, stride)
        model.conv2d(filters, 1, 1, "same", "relu6", name=f"block{number}/pw")
        ref.conv(f"block{number}/pw", filters, 1, 1)
    model.average_pool(7, 1, "valid", name="avgpool")
    ref.other("avgpool", "AVERAGE_POOL_2D", 1, 1)
    model.reshape((1, 1024), name="flatten")
    ref.other("flatten", "RESHAPE")
    model.fully_connected(1000, name="fc")
    ref.fc("fc", 1000)
    model.softmax(name="softmax")
    ref.other("softmax", "SOFTMAX")
    return model, ref.entry("MobileNet-v1 1.0 224: conv 3x3/2 32, 13 depthwise-separable blocks, "
                            "AVERAGE_POOL_2D 7x7, RESHAPE, FULLY_CONNECTED 1000, SOFTMAX; RELU6 fused")


def mobilenet_v2():
    """MobileNet-v2 1.0 224: inverted residuals (t, c, n, s), RELU6 fused on the expansion and
    depthwise convolutions, linear projections, ADD where stride 1 and channels match."""
    model, ref = Model((1, 224, 224, 3)), Layers(224, 224, 3)
    x = model.conv2d(32, 3, 2, "same", "relu6", name="conv1")
    ref.conv("conv1", 32, 3, 2)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1)]
    channels, number = 32, 0
    for t, c, n, s in settings:
        for i in range(n):
            number += 1
            stride = s if i == 0 else 1
            block = x
            prefix = f"block{number}"
            if t != 1:
                x = model.conv2d(channels * t, 1, 1, "same", "relu6", x=x, name=f"{prefix}/expand")
                ref.conv(f"{prefix}/expand", channels * t, 1, 1)
            x = model.depthwise(3, stride, "same", 1, "relu6", x=x, name=f"{prefix}/dw")
            ref.depthwise(f"{prefix}/dw", 3, stride)
            x = model.conv2d(c, 1, 1, "same", None, x=x, name=f"{prefix}/project")
            ref.conv(f"{prefix}/project", c, 1, 1)
            if stride == 1 and channels == c:
                x = model.add(block, x=x, name=f"{prefix}/add")
                ref.other(f"{prefix}/add", "ADD")
            channels = c
    model.conv2d(1280, 1, 1, "same", "relu6", x=x, name="conv_last")
    ref.conv("conv_last", 1280, 1, 1)
    model.average_pool(7, 1, "valid", name="avgpool")
    ref.other("avgpool", "AVERAGE_POOL_2D", 1, 1)
    model.reshape((1, 1280), name="flatten")
    ref.other("flatten", "RESHAPE")
    model.fully_connected(1000, name="fc")
    ref.fc("fc", 1000)
    model.softmax(name="softmax")
    ref.other("softmax", "SOFTMAX")
    return model, ref.entry("MobileNet-v2 1.0 224: conv 3x3/2 32, 17 inverted-residual blocks with ADD "
                            "residuals, conv 1x1 1280, AVERAGE_POOL_2D 7x7, RESHAPE, FULLY_CONNECTED 1000, SOFTMAX")


def ops():
    """Every supported op at least once, on small shapes: a float32 input QUANTIZEd to int8 and a
    DEQUANTIZE back to float32 at the end."""
    model = Model((1, 8, 8, 4), dtype=FLOAT32, scale=None, zero_point=None)
    ref = Layers(8, 8, 4)
    q = model.quantize(name="quantize")
    ref.other("quantize", "QUANTIZE")
    a = model.conv2d(8, 3, 1, "same", "relu", name="conv")
    ref.conv("conv", 8, 3, 1)
    b = model.depthwise(3, 1, "valid", 2, name="depthwise", x=q)  # 6x6x8
    model.pad((1, 1, 1, 1), name="pad")  # 8x8x8
    b = model.relu6(name="relu6")
    d = Layers(8, 8, 4)
    d.depthwise("depthwise", 3, 1, "valid", 2)
    ref.layers.append(d.layers[0])
    ref.other("pad", "PAD")
    ref.other("relu6", "RELU6")
    s = model.add(b, x=a, name="add")
    ref.other("add", "ADD")
    m = model.mul(b, x=s, name="mul")
    ref.other("mul", "MUL")
    m = model.sub(a, x=m, name="sub")
    ref.other("sub", "SUB")
    r = model.relu(x=m, name="relu")
    ref.other("relu", "RELU")
    lo = model.logistic(x=r, name="logistic")
    ref.other("logistic", "LOGISTIC")
    th = model.tanh(x=r, name="tanh")
    ref.other("tanh", "TANH")
    hs = model.hard_swish(x=r, name="hard_swish")
    ref.other("hard_swish", "HARD_SWISH")
    cat = model.concatenation([th, hs], axis=3, x=lo, name="concat")  # 8x8x24
    ref.other("concat", "CONCATENATION", c=24)
    model.max_pool(2, 2, "valid", x=cat, name="max_pool")  # 4x4x24
    ref.other("max_pool", "MAX_POOL_2D", 4, 4, 24)
    model.average_pool(2, 1, "same", name="average_pool")  # 4x4x24
    ref.other("average_pool", "AVERAGE_POOL_2D")
    model.transpose_conv(8, 3, 2, "same", name="transpose_conv")  # 8x8x8
    ref.layers.append({"name": "transpose_conv", "op": "TRANSPOSE_CONV", "macs": 4 * 4 * 24 * 3 * 3 * 8,
                       "formula": "4*4*24*3*3*8"})
    ref.h, ref.w, ref.c = 8, 8, 8
    model.mean((1, 2), True, name="mean")  # 1x1x1x8
    ref.other("mean", "MEAN", 1, 1)
    model.reshape((1, 8), name="reshape")
    ref.other("reshape", "RESHAPE")
    model.fully_connected(10, name="fc")
    ref.fc("fc", 10)
    model.softmax(name="softmax")
    ref.other("softmax", "SOFTMAX")
    model.dequantize(name="dequantize")
    ref.other("dequantize", "DEQUANTIZE")
    return model, ref.entry("every op the reader knows, small shapes: QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D "
                            "(multiplier 2, VALID), PAD, RELU6, ADD, MUL, SUB, RELU, LOGISTIC, TANH, HARD_SWISH, "
                            "CONCATENATION, MAX_POOL_2D, AVERAGE_POOL_2D, TRANSPOSE_CONV, MEAN, RESHAPE, "
                            "FULLY_CONNECTED, SOFTMAX, DEQUANTIZE")


def mediapipe():
    """A MediaPipe-style float32 segmentation head: CONV_2D down, then three of MediaPipe's custom
    Convolution2DTransposeBias up (SAME 2x2 s2, SAME 3x3 s2, VALID 2x2 s1: each output size by
    MediaPipe's s*(in - 1) + k - trim), LOGISTIC."""
    model = Model((1, 16, 16, 3), dtype=FLOAT32, scale=None, zero_point=None, float_weights=True)
    ref = Layers(16, 16, 3)
    model.conv2d(8, 3, 2, "same", "relu", name="conv")  # 8x8x8
    ref.conv("conv", 8, 3, 2)
    for name, filters, k, s, padding, out in (("up1", 4, 2, 2, "same", 16), ("up2", 2, 3, 2, "same", 32),
                                              ("up3", 1, 2, 1, "valid", 33)):
        model.transpose_conv_bias(filters, k, s, padding, name=name)
        ref.layers.append({"name": name, "op": "Convolution2DTransposeBias",
                           "macs": ref.h * ref.w * ref.c * k * k * filters,
                           "formula": f"{ref.h}*{ref.w}*{ref.c}*{k}*{k}*{filters}"})
        ref.h, ref.w, ref.c = out, out, filters
    model.logistic(name="logistic")
    ref.other("logistic", "LOGISTIC")
    return model, ref.entry("MediaPipe-style float32: CONV_2D 8 3x3/2 SAME RELU on 1x16x16x3, "
                            "Convolution2DTransposeBias 4 2x2/2 SAME, 2 3x3/2 SAME, 1 2x2/1 VALID, LOGISTIC")


def csr(rows, keep):
    """A SPARSE_CSR level over `rows` elements of the levels before, keeping keep(row) coordinates:
    (segments, indices)."""
    segments, indices = [0], []
    for row in range(rows):
        indices += keep(row)
        segments.append(len(indices))
    return segments, indices


def densify():
    """Float32 sparse weights behind DENSIFY: CONV_2D 8 3x3 SAME on 1x4x4x4 whose weights
    [8, 3, 3, 4] keep in-channels 0 and 2 (traversal 0, 1, 2, 3: DENSE 8, 3, 3, SPARSE_CSR over
    the 4 channels: segments int32, indices uint8), RESHAPE to 1x128, FULLY_CONNECTED 16 whose
    weights [16, 128] are 1x4 blocks (block_map [1]: traversal 0, 1, 2 = DENSE 16, SPARSE_CSR
    over the 32 blocks of a row, DENSE 4), each row keeping blocks u % 32 and (u + 16) % 32
    (segments and indices uint16)."""
    model = Model((1, 4, 4, 4), dtype=FLOAT32, scale=None, zero_point=None, float_weights=True)
    ref = Layers(4, 4, 4)
    segments, indices = csr(8 * 3 * 3, lambda row: [0, 2])
    conv_w = model.sparse_constant((8, 3, 3, 4), "conv/weights_sparse", [((i % 13) - 6) / 8 for i in range(len(indices))],
                                   (0, 1, 2, 3), [{"format": DENSE, "dense_size": 8}, {"format": DENSE, "dense_size": 3},
                                                  {"format": DENSE, "dense_size": 3},
                                                  {"format": SPARSE_CSR, "segments": ("int32", segments),
                                                   "indices": ("uint8", indices)}])
    model.conv2d(8, 3, 1, "same", name="conv", weights=model.densify(conv_w, name="conv/weights"))
    ref.conv("conv", 8, 3, 1)
    model.reshape((1, 128), name="flatten")
    ref.other("flatten", "RESHAPE", 1, 1, 128)
    segments, indices = csr(16, lambda u: sorted([u % 32, (u + 16) % 32]))
    fc_w = model.sparse_constant((16, 128), "fc/weights_sparse", [((i % 11) - 5) / 16 for i in range(len(indices) * 4)],
                                 (0, 1, 2), [{"format": DENSE, "dense_size": 16},
                                             {"format": SPARSE_CSR, "segments": ("uint16", segments),
                                              "indices": ("uint16", indices)},
                                             {"format": DENSE, "dense_size": 4}], block_map=(1,))
    model.fully_connected(16, name="fc", weights=model.densify(fc_w, name="fc/weights"))
    ref.fc("fc", 16)
    return model, ref.entry("float32 sparse weights: DENSIFY -> CONV_2D 8 3x3 SAME on 1x4x4x4 (in-channels 0 and 2 "
                            "kept), RESHAPE 1x128, DENSIFY -> FULLY_CONNECTED 16 (1x4 blocks, 2 of 32 per row)")


def bad_cycle():
    """CONV_2D 8 filters 3x3 then RELU, the operator list reversed: RELU (operator 0) reads the
    CONV_2D's output, which operator 1 writes later; no order runs them (TFLite runs file order)."""
    model = Model((1, 8, 8, 4))
    model.conv2d(8, 3, 1, "same", name="conv")
    model.relu(name="relu")
    model.operators.reverse()
    return model.to_bytes()


def bad_tensor_index():
    """CONV_2D 8 filters 3x3 whose input 0 is tensor 99: tensors are input, weights, bias, output."""
    model = Model((1, 8, 8, 4))
    model.conv2d(8, 3, 1, "same", name="conv")
    opcode, inputs, outputs, options, fields, custom = model.operators[0]
    model.operators[0] = (opcode, [99] + inputs[1:], outputs, options, fields, custom)
    return model.to_bytes()


def bad_sparsity():
    """densify.tflite with the conv weights' array_segments not rising: entry 5 (10) set to 7, below
    entry 4 (8)."""
    model, _ = densify()
    conv_w = model.tensors[1]
    level = conv_w.sparsity["dim_metadata"][3]
    segments = list(level["segments"][1])
    segments[5] = 7
    level["segments"] = ("int32", segments)
    return model.to_bytes()


FIXTURES = [
    ("u55_conv.tflite", u55_conv),
    ("u55_dwsep.tflite", u55_dwsep),
    ("conv3x3_s2_valid.tflite", lambda: single("conv", 15, 17, 8, 3, 2, "valid", filters=12)),
    ("conv5x5_s2_same_relu.tflite", lambda: single("conv", 32, 24, 3, 5, 2, "same", filters=16, act="relu")),
    ("conv1x1.tflite", lambda: single("conv", 14, 14, 64, 1, 1, "same", filters=128)),
    ("dw3x3_s2_same.tflite", lambda: single("depthwise", 56, 56, 32, 3, 2, "same", act="relu6")),
    ("dw3x3_mult2.tflite", lambda: single("depthwise", 20, 20, 1, 3, 1, "same", multiplier=2)),
    ("mobilenet_v1.tflite", mobilenet_v1),
    ("mobilenet_v2.tflite", mobilenet_v2),
    ("ops.tflite", ops),
    ("mediapipe_transpose_bias.tflite", mediapipe),
    ("densify.tflite", densify),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "tests", "fixtures", "tflite"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    expected = {"schema": "convroof.tflite-fixtures/1",
                "macs_formula": {"conv": "out_h*out_w*filters*kh*kw*in_c/groups",
                                 "depthwise": "out_h*out_w*C*multiplier*kh*kw",
                                 "transpose_conv": "in_h*in_w*in_c*kh*kw*filters",
                                 "fully_connected": "in*out", "other": "0"},
                "files": {}}
    valid = {}
    for filename, build in FIXTURES:
        model, entry = build()
        data = model.write(os.path.join(args.out, filename))
        entry["bytes"] = len(data)
        if model.padded_ops:
            entry["pad_ops_before"] = model.padded_ops
        expected["files"][filename] = entry
        valid[filename] = data
        print(f"{filename}: {len(data)} bytes, {entry['total_macs']:,} MACs")
    # An operator convroof has no formula for: L2_NORMALIZATION between two RELUs, read as
    # unmodeled (bytes, no FLOPs) with a note. Its MACs are 0 like the other non-MAC ops.
    unknown, ref = Model((1, 4, 4, 8)), Layers(4, 4, 8)
    unknown.relu(name="relu")
    ref.other("relu", "RELU")
    unknown._unary("L2_NORMALIZATION", None, "l2norm", scale=1 / 128, zero_point=0)
    ref.other("l2norm", "L2_NORMALIZATION")
    unknown.relu(name="relu2")
    ref.other("relu2", "RELU")
    data = unknown.write(os.path.join(args.out, "unknown_op.tflite"))
    entry = ref.entry("RELU, L2_NORMALIZATION (no convroof formula: unmodeled), RELU on 1x4x4x8")
    entry["bytes"] = len(data)
    expected["files"]["unknown_op.tflite"] = entry
    print(f"unknown_op.tflite: {len(data)} bytes")

    conv = valid["u55_conv.tflite"]
    bad_custom = {}
    for filename, options, description in (
            ("bad_custom_options_size.tflite", b"\x01\x00\x00\x00\x02\x00\x00\x00",
             "8 bytes: padding SAME and stride_width 2, stride_height missing"),
            ("bad_custom_options_stride.tflite", bytes.fromhex("010000000200000000000000"),
             "padding SAME, stride_width 2, stride_height 0")):
        model = Model((1, 4, 4, 8), dtype=FLOAT32, scale=None, zero_point=None, float_weights=True)
        model.transpose_conv_bias(2, 2, 2, "same", name="up", options=options)
        bad_custom[filename] = (model.to_bytes(), "Convolution2DTransposeBias 2 filters 2x2 on 1x4x4x8 whose "
                                                  f"custom_options are {description}")
    bad = {
        "bad_identifier.tflite": (conv[:4] + b"TFL2" + conv[8:],
                                  "u55_conv.tflite with the file identifier (bytes 4..8) changed to TFL2"),
        "bad_truncated.tflite": (conv[:len(conv) // 2], "u55_conv.tflite cut to its first half"),
        "bad_offset.tflite": ((len(conv) + 64).to_bytes(4, "little") + conv[4:],
                              "u55_conv.tflite with the root offset (bytes 0..4) pointing 64 bytes past the end"),
        "bad_cycle.tflite": (bad_cycle(), "CONV_2D then RELU on 1x8x8x4 with the operators swapped: operator 0 "
                                          "(RELU) reads the tensor operator 1 (CONV_2D) writes"),
        "bad_tensor_index.tflite": (bad_tensor_index(), "CONV_2D on 1x8x8x4 whose input 0 is tensor 99 (the "
                                                        "subgraph has 4: input, weights, bias, output)"),
    }
    bad.update(bad_custom)
    bad["bad_sparsity.tflite"] = (bad_sparsity(), "densify.tflite's CONV_2D weights with array_segments entry 5 "
                                                   "lowered below entry 4")
    for filename, (data, description) in bad.items():
        with open(os.path.join(args.out, filename), "wb") as file:
            file.write(data)
        expected["files"][filename] = {"description": description, "bytes": len(data), "error": True}
        print(f"{filename}: {len(data)} bytes (bad)")
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as file:
        json.dump(expected, file, indent=2)
        file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
