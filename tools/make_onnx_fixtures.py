#!/usr/bin/python3
"""Builds the ONNX fixtures under tests/fixtures/onnx/ (committed; CI never runs this).

Needs Debian's python3-torchvision and python3-onnx (no downloads, random init):
    apt-get install python3-torchvision python3-onnx
    /usr/bin/python3 tools/make_onnx_fixtures.py [OUTPUT_DIR] [--no-torch]

1. Real architectures from torchvision, exported at 1x3x224x224 with a symbolic batch
   dimension ('batch'), opset 14, batch norm kept as BatchNormalization nodes (as
   torchvision counts its parameters). Each weight payload is then replaced by an
   external-data reference to a file that is never written: dims and types stay, the
   fixture is a few tens of KB, and it doubles as the "external weights are absent" case.
   expected.json records, per model, MACs and parameters counted by PyTorch itself
   (forward hooks on Conv2d and Linear modules; parameters from model.parameters()), an
   independent check of the importer.
2. Small hand-built graphs (onnx.helper): every mapped op with hand-countable sizes, a
   QDQ and a QLinear int8 model, an unmodeled op, and malformed models for the error tests.
Output is deterministic for a given torch/onnx version.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ARGS = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
OUT = ARGS[0] if ARGS else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "onnx")
ARCHITECTURES = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "resnet50", "efficientnet_b0", "vgg16",
                 "squeezenet1_1"]


def strip_payloads(model, name):
    """Moves every floating-point initializer's payload to an external file that is not written."""
    offset = 0
    for tensor in model.graph.initializer:
        if tensor.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
            continue
        size = int(np.prod(tensor.dims)) * (2 if tensor.data_type == TensorProto.FLOAT16 else 4)
        tensor.ClearField("raw_data")
        tensor.ClearField("float_data")
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        for key, value in (("location", name + ".weights"), ("offset", str(offset)), ("length", str(size))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        offset += size


def torch_counts(model, torch):
    """MACs of Conv2d/Linear modules for one 224x224 sample, and the parameter count."""
    macs = [0]

    def conv_hook(module, inputs, output):
        kh, kw = module.kernel_size
        macs[0] += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        macs[0] += output.numel() * module.in_features

    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_hook(conv_hook)
        elif isinstance(module, torch.nn.Linear):
            module.register_forward_hook(linear_hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    return {"macs": macs[0], "params": sum(p.numel() for p in model.parameters())}


def export_architectures():
    import torch
    import torchvision

    torch.manual_seed(0)
    expected = {}
    for arch in ARCHITECTURES:
        model = getattr(torchvision.models, arch)().eval()
        path = os.path.join(OUT, arch + ".onnx")
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), path, opset_version=14,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        proto = onnx.load(path)
        strip_payloads(proto, arch)
        proto.producer_name, proto.producer_version = "torch.onnx (tools/make_onnx_fixtures.py)", torch.__version__
        onnx.save(proto, path)
        expected[arch] = torch_counts(model, torch)
        print(f"{arch}: {os.path.getsize(path)} bytes, {expected[arch]}")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


def weight(name, shape, dtype=np.float32):
    return numpy_helper.from_array(np.zeros(shape, dtype=dtype), name)


def scalar(name, value, dtype):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def save(graph, name, opset=14, check=True):
    model = helper.make_model(graph, producer_name="tools/make_onnx_fixtures.py",
                              opset_imports=[helper.make_opsetid("", opset)])
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def value(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def node(op, inputs, outputs, name, **attrs):
    return helper.make_node(op, inputs, outputs, name=name, **attrs)


def build_twin():
    """The same network as tests/fixtures/onnx/twin.yaml, for the ONNX = YAML test."""
    nodes = [
        node("Conv", ["input", "w1", "b1"], ["c1"], "conv1", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "g1", "be1", "m1", "v1"], ["n1"], "bn1"),
        node("Clip", ["n1", "zero", "six"], ["r1"], "relu1"),
        node("Conv", ["r1", "w2"], ["c2"], "dw2", kernel_shape=[3, 3], group=16, pads=[1, 1, 1, 1]),
        node("Relu", ["c2"], ["r2"], "relu2"),
        node("Conv", ["r2", "w3"], ["c3"], "pw3", kernel_shape=[1, 1]),
        node("Add", ["c3", "r1"], ["a3"], "add3"),
        node("MaxPool", ["a3"], ["p4"], "pool4", kernel_shape=[2, 2], strides=[2, 2]),
        node("HardSwish", ["p4"], ["h4"], "hswish4"),
        node("GlobalAveragePool", ["h4"], ["g5"], "gap5"),
        node("Flatten", ["g5"], ["f5"], "flatten5"),
        node("Gemm", ["f5", "w6", "b6"], ["fc6"], "fc6", transB=1),
        node("Softmax", ["fc6"], ["logits"], "softmax6", axis=1),
    ]
    initializers = [weight("w1", [16, 3, 3, 3]), weight("b1", [16]), weight("g1", [16]), weight("be1", [16]),
                    weight("m1", [16]), weight("v1", [16]), scalar("zero", 0, np.float32),
                    scalar("six", 6, np.float32), weight("w2", [16, 1, 3, 3]), weight("w3", [16, 16, 1, 1]),
                    weight("w6", [10, 16]), weight("b6", [10])]
    graph = helper.make_graph(nodes, "twin", [value("input", [1, 3, 32, 32])], [value("logits", [1, 10])],
                              initializers)
    save(graph, "twin.onnx")


def build_ops():
    """One node per mapped op with sizes small enough to count by hand (test_onnx.cpp)."""
    nodes = [
        node("Conv", ["input", "wc"], ["conv"], "conv", kernel_shape=[3, 3], auto_pad="SAME_UPPER"),  # 8x8x4 -> 8x8x8
        node("ConvTranspose", ["conv", "wt", "bt"], ["up"], "deconv", kernel_shape=[2, 2], strides=[2, 2]),  # 16x16x4
        node("Pad", ["up", "pads"], ["padded"], "pad"),  # 18x18x4
        node("AveragePool", ["padded"], ["avg"], "avgpool", kernel_shape=[3, 3], strides=[3, 3]),  # 6x6x4
        node("Resize", ["avg", "", "scales"], ["big"], "resize", mode="linear"),  # 12x12x4
        node("Sigmoid", ["big"], ["sig"], "sigmoid"),
        node("Mul", ["big", "sig"], ["silu"], "mul"),
        node("HardSigmoid", ["silu"], ["hsig"], "hardsigmoid"),
        node("Mul", ["hsig", "channel_scale"], ["scaled"], "mul_const"),  # constant [1,4,1,1] operand
        node("Concat", ["scaled", "silu"], ["cat"], "concat", axis=1),  # 12x12x8
        node("Transpose", ["cat"], ["nhwc"], "transpose", perm=[0, 2, 3, 1]),  # [1,12,12,8]
        node("Reshape", ["nhwc", "shape"], ["tokens"], "reshape"),  # [1,144,8]
        node("MatMul", ["tokens", "wm"], ["proj"], "matmul"),  # [1,144,6]
        node("Transpose", ["proj"], ["projt"], "transpose2", perm=[0, 2, 1]),  # [1,6,144]
        node("MatMul", ["proj", "projt"], ["gram"], "gram"),  # [1,144,144]
        node("Softmax", ["gram"], ["attn"], "softmax", axis=-1),
        node("ReduceMean", ["attn"], ["mean"], "reducemean", axes=[2], keepdims=0),  # [1,144]
        node("Unsqueeze", ["mean", "axis0"], ["mean3"], "unsqueeze"),  # [1,1,144]
        node("Squeeze", ["mean3", "axis0"], ["mean2"], "squeeze"),  # [1,144]
        node("Gemm", ["mean2", "wg"], ["logits"], "gemm"),  # [1,10], no bias
    ]
    initializers = [weight("wc", [8, 4, 3, 3]), weight("wt", [8, 4, 2, 2]), weight("bt", [4]),
                    numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "pads"),
                    numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales"),
                    weight("channel_scale", [1, 4, 1, 1]),
                    numpy_helper.from_array(np.array([1, 144, 8], dtype=np.int64), "shape"),
                    weight("wm", [8, 6]), numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
                    weight("wg", [144, 10])]
    graph = helper.make_graph(nodes, "ops", [value("input", [1, 4, 8, 8])], [value("logits", [1, 10])],
                              initializers)
    save(graph, "ops.onnx")


def build_qdq():
    """int8 QDQ: Q/DQ pairs around a conv, a depthwise conv and a fully connected layer."""
    q = lambda x, y, n: node("QuantizeLinear", [x, "s", "zp"], [y], n)
    dq = lambda x, y, n: node("DequantizeLinear", [x, "s", "zp"], [y], n)
    nodes = [
        q("input", "xq", "q_in"), dq("xq", "x", "dq_in"),
        dq("w1q", "w1", "dq_w1"), node("Conv", ["x", "w1"], ["c1"], "conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Relu", ["c1"], ["r1"], "relu1"), q("r1", "r1q", "q1"), dq("r1q", "r1d", "dq1"),
        dq("w2q", "w2", "dq_w2"), node("Conv", ["r1d", "w2"], ["c2"], "dw2", kernel_shape=[3, 3], group=8,
                                       pads=[1, 1, 1, 1]),
        q("c2", "c2q", "q2"), dq("c2q", "c2d", "dq2"),
        node("GlobalAveragePool", ["c2d"], ["g"], "gap"), node("Flatten", ["g"], ["f"], "flatten"),
        q("f", "fq", "q3"), dq("fq", "fd", "dq3"), dq("w3q", "w3", "dq_w3"),
        node("Gemm", ["fd", "w3"], ["logits"], "fc", transB=1),
    ]
    initializers = [scalar("s", 0.05, np.float32), scalar("zp", 0, np.int8), weight("w1q", [8, 3, 3, 3], np.int8),
                    weight("w2q", [8, 1, 3, 3], np.int8), weight("w3q", [10, 8], np.int8)]
    graph = helper.make_graph(nodes, "qdq_int8", [value("input", [1, 3, 16, 16])], [value("logits", [1, 10])],
                              initializers)
    save(graph, "qdq_int8.onnx")


def build_qlinear():
    """int8 QLinearConv / QLinearMatMul between one QuantizeLinear and one DequantizeLinear."""
    nodes = [
        node("QuantizeLinear", ["input", "s", "zp"], ["xq"], "quantize"),
        node("QLinearConv", ["xq", "s", "zp", "w1", "s", "zp", "s", "zp", "b1"], ["c1"], "qconv1",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Reshape", ["c1", "shape"], ["flat"], "reshape"),
        node("QLinearMatMul", ["flat", "s", "zp", "w2", "s", "zp", "s", "zp"], ["mm"], "qmatmul"),
        node("DequantizeLinear", ["mm", "s", "zp"], ["logits"], "dequantize"),
    ]
    initializers = [scalar("s", 0.05, np.float32), scalar("zp", 0, np.uint8), weight("w1", [4, 3, 3, 3], np.uint8),
                    weight("b1", [4], np.int32), numpy_helper.from_array(np.array([1, 256], dtype=np.int64), "shape"),
                    weight("w2", [256, 10], np.uint8)]
    graph = helper.make_graph(nodes, "qlinear_int8", [value("input", [1, 3, 8, 8])], [value("logits", [1, 10])],
                              initializers)
    save(graph, "qlinear_int8.onnx")


def build_unmodeled():
    """Two ops convroof does not model (LRN twice, Sin once) between modeled ones."""
    nodes = [
        node("Conv", ["input", "w"], ["c"], "conv", kernel_shape=[1, 1]),
        node("LRN", ["c"], ["l1"], "lrn1", size=3), node("LRN", ["l1"], ["l2"], "lrn2", size=3),
        node("Sin", ["l2"], ["s"], "sin"), node("Relu", ["s"], ["output"], ""),  # unnamed: named by its output
    ]
    graph = helper.make_graph(nodes, "unmodeled", [value("input", ["batch", 4, 8, 8])],
                              [value("output", ["batch", 4, 8, 8])], [weight("w", [4, 4, 1, 1])])
    save(graph, "unmodeled.onnx")


def build_malformed():
    conv = lambda inputs, name: node("Conv", inputs, [name + "_out"], name, kernel_shape=[3, 3])
    # A Conv whose weight expects 4 input channels where the input has 3.
    graph = helper.make_graph([conv(["input", "w"], "conv")], "bad_channels", [value("input", [1, 3, 8, 8])],
                              [value("conv_out", [1, 8, 6, 6])], [weight("w", [8, 4, 3, 3])])
    save(graph, "bad_channels.onnx", check=False)
    # Two Relus reading each other's output: a cycle.
    nodes = [node("Add", ["input", "b_out"], ["a_out"], "a"), node("Relu", ["a_out"], ["b_out"], "b")]
    graph = helper.make_graph(nodes, "cycle", [value("input", [1, 3, 8, 8])], [value("b_out", [1, 3, 8, 8])])
    save(graph, "bad_cycle.onnx", check=False)
    # A node reading a tensor nothing produces.
    graph = helper.make_graph([node("Add", ["input", "ghost"], ["output"], "add")], "dangling",
                              [value("input", [1, 3, 8, 8])], [value("output", [1, 3, 8, 8])])
    save(graph, "bad_dangling.onnx", check=False)
    # A symbolic spatial dimension: only the batch can be set with --batch.
    graph = helper.make_graph([node("Relu", ["input"], ["output"], "relu")], "symbolic",
                              [value("input", ["batch", 3, "height", 8])], [value("output", ["batch", 3, "height", 8])])
    save(graph, "bad_symbolic.onnx")
    # An op of a custom domain: ONNX has no shape function for it, and no value_info gives one.
    nodes = [node("Relu", ["input"], ["r"], "relu"), helper.make_node("MyOp", ["r"], ["output"], name="custom",
                                                                      domain="com.example")]
    graph = helper.make_graph(nodes, "custom", [value("input", [1, 3, 8, 8])], [value("output", None)])
    model = helper.make_model(graph, producer_name="tools/make_onnx_fixtures.py",
                              opset_imports=[helper.make_opsetid("", 14), helper.make_opsetid("com.example", 1)])
    onnx.save(model, os.path.join(OUT, "bad_custom_op.onnx"))
    # A real model cut short: the first 2000 of twin.onnx's bytes.
    with open(os.path.join(OUT, "twin.onnx"), "rb") as f:
        head = f.read(2000)
    with open(os.path.join(OUT, "bad_truncated.onnx"), "wb") as f:
        f.write(head)
    # Not a protobuf at all: a PNG signature followed by text.
    with open(os.path.join(OUT, "bad_magic.onnx"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"not an onnx model\n" * 4)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    build_twin()
    build_ops()
    build_qdq()
    build_qlinear()
    build_unmodeled()
    build_malformed()
    if "--no-torch" not in sys.argv:
        export_architectures()
