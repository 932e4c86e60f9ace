#!/usr/bin/python3
"""Builds the ONNX fixtures under tests/fixtures/onnx/ (committed; CI never runs this).

Needs Debian's python3-torchvision and python3-onnx (no downloads, random init):
    apt-get install python3-torchvision python3-onnx
    /usr/bin/python3 tools/make_onnx_fixtures.py [OUTPUT_DIR] [--no-torch]
    /usr/bin/python3 tools/make_onnx_fixtures.py [OUTPUT_DIR] --zoo [--only=NAME,...]

1. Real architectures from torchvision, exported at 1x3x224x224 with a symbolic batch
   dimension ('batch'), opset 14, batch norm kept as BatchNormalization nodes (as
   torchvision counts its parameters). Each weight payload is then replaced by an
   external-data reference to a file that is never written: dims and types stay, the
   fixture is a few tens of KB, and it doubles as the "external weights are absent" case.
   expected.json records, per model, MACs and parameters counted by PyTorch itself
   (forward hooks on Conv2d and Linear modules; parameters from model.parameters()), an
   independent check of the importer.
2. Small hand-built graphs (onnx.helper): every mapped op with hand-countable sizes, a
   QDQ and a QLinear int8 model, custom-domain (unmodeled) ops, and malformed models for the error tests.
3. --zoo (only this; the fixtures above are left alone): the architectures of ZOO below (classification nets,
   segmentation nets returning out["out"], detectors' .backbone returning one output per feature map) exported to
   OUTPUT_DIR/zoo/<name>.onnx at batch 1, at the input size, opset (11, 13, 14 or 17) and dynamic axes ZOO gives
   (symbolic batch; also symbolic height and width for the *_dynamic_hw ones), from eval() models with random init
   (torch.manual_seed(0), weights=None, weights_backbone=None, aux_loss=False, aux_logits=False; distinct_values() keeps
   equal-valued initializers from being merged), batch norm kept,
   constant folding on, input named "input". Float initializers of more than 64 elements get the external-data
   treatment of 1.; integer and smaller float initializers (Resize scales, scalar constants) keep their data.
   zoo/expected.json gives per fixture: arch, input (the concrete shape counted, also for the dynamic ones),
   opset, dynamic_hw, and PyTorch's counts:
     macs            convolutions (output elements x Cin/groups x kernel elements) and matrix products with a
                     weight operand (nn.Linear, and F.linear in MultiheadAttention's in_proj/out_proj and
                     Swin's qkv/proj), batch x rows x cols x inner dimension;
     attention_macs  matrix products of two activations (Q.K^T, attn.V);
     params          sum(p.numel() for p in model.parameters()) (batch norm weight and bias, no running stats);
     stored_params   the same, but for a parameter the exporter stores expanded (swin_t: stored_params()).
   The MACs are counted on the aten ops (a TorchDispatchMode over aten.convolution, mm, addmm, bmm, baddbmm; an
   operand is a weight when its storage is one of a parameter's; any other matmul- or convolution-like op stops
   the script), in grad mode so that nn.MultiheadAttention runs decomposed rather than as the fused
   aten._native_multi_head_attention. Forward hooks on Conv2d/Linear modules check them: they agree on every
   model except vit_b_16 and swin_t, whose attention projections are F.linear calls that no hook sees.
   --only=NAME,... re-exports just those fixtures and updates their entries in zoo/expected.json.
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


def strip_payloads(model, name, keep_up_to=None):
    """Moves every floating-point initializer's payload to an external file that is not written.

    With keep_up_to=N, float initializers of at most N elements (Resize scales, scalar constants, small
    biases) keep their data inline; integer initializers always do."""
    offset = 0
    for tensor in model.graph.initializer:
        if tensor.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
            continue
        if keep_up_to is not None and int(np.prod(tensor.dims)) <= keep_up_to:
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
        model = distinct_values(getattr(torchvision.models, arch)().eval(), torch)
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


def build_standard_ops():
    """The standard ops of transformers and segmentation heads (opset 17), sizes to count by hand (test_onnx.cpp):
    batch norm, layer and instance norm, an element-wise transcendental, a scalar constant, an Einsum attention
    product, two MatMuls sharing one weight, Split, Gather, a variadic Sum, ReduceSum with axes as an input, Slice,
    Softmax."""
    ints = lambda name, values: numpy_helper.from_array(np.array(values, dtype=np.int64), name)
    nodes = [
        node("BatchNormalization", ["input", "g", "b", "m", "v"], ["bn"], "bn"),
        node("LayerNormalization", ["bn", "lns", "lnb"], ["ln"], "ln", axis=-1),
        node("InstanceNormalization", ["ln", "ins", "inb"], ["inorm"], "inorm"),
        node("Erf", ["inorm"], ["erf"], "erf"),
        node("Mul", ["erf", "half"], ["half_out"], "half"),
        node("Einsum", ["half_out", "half_out"], ["attn"], "attn", equation="bhid,bhjd->bhij"),
        node("MatMul", ["attn", "ws"], ["p1"], "p1"),
        node("MatMul", ["p1", "ws"], ["p2"], "p2"),
        node("Split", ["p2", "split"], ["s1", "s2"], "split", axis=1),
        node("Gather", ["s2", "index"], ["gathered"], "gather", axis=1),
        node("Sum", ["s1", "gathered", "s1"], ["sum"], "sum"),
        node("ReduceSum", ["sum", "axis3"], ["reduced"], "reducesum", keepdims=1),
        node("Slice", ["reduced", "starts", "ends", "axis2"], ["sliced"], "slice"),
        node("Softmax", ["sliced"], ["output"], "softmax", axis=2),
    ]
    initializers = [weight("g", [8]), weight("b", [8]), weight("m", [8]), weight("v", [8]), weight("lns", [4]),
                    weight("lnb", [4]), weight("ins", [8]), weight("inb", [8]), scalar("half", 0.5, np.float32),
                    weight("ws", [4, 4]), ints("split", [2, 6]), ints("index", [0, 5]), ints("axis3", [3]),
                    ints("starts", [1]), ints("ends", [3]), ints("axis2", [2])]
    graph = helper.make_graph(nodes, "standard_ops", [value("input", [1, 8, 4, 4])], [value("output", [1, 2, 2, 1])],
                              initializers)
    save(graph, "standard_ops.onnx", opset=17)


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


def build_detection_transform():
    """torchvision's GeneralizedRCNNTransform as exported at a fixed input size (opset 13), then a small backbone and a
    tail that mimics the ROI part of a two-stage detector (test_onnx.cpp derives every size by hand):
      - normalize: (x - mean) / std, per channel;
      - resize (torchvision's _resize_image_and_masks when tracing, min_size 320, max_size 512):
        scale = min(min_size / min(H, W), max_size / max(H, W)) from Shape -> Slice -> Cast -> ReduceMin/ReduceMax ->
        Div -> Min, then each side Shape -> Gather -> Cast -> Mul(scale) -> Floor -> Cast -> Unsqueeze, and
        sizes = Concat(N, C, h, w) -> Resize(sizes, bilinear);
      - pad to a multiple of 32 (torchvision's _onnx_batch_images, size_divisible 32): per side
        Cast(Ceil(Div(Cast(size), 32)) * 32) - size, and the pads built as PyTorch's Pad export builds them
        (Concat with ConstantOfShape zeros, Reshape [-1, 2], Slice with step -1, Transpose, Reshape [-1]);
      - backbone: two 3x3 stride-2 convolutions with ReLU; heads: 1x1 convolutions for 4 box values and 1 score per
        position;
      - the ROI part: NonMaxSuppression over the boxes (as many as pass, known at run time), Gather of the kept boxes,
        and a Gemm on them: sizes the data decides, which convroof does not count."""
    ints = lambda name, values: numpy_helper.from_array(np.array(values, dtype=np.int64), name)
    floats = lambda name, values: numpy_helper.from_array(np.array(values, dtype=np.float32), name)
    nodes = [
        node("Sub", ["images", "mean"], ["centered"], "normalize_sub"),
        node("Div", ["centered", "std"], ["normalized"], "normalize_div"),
        # scale = min(320 / min(H, W), 512 / max(H, W))
        node("Shape", ["images"], ["image_shape"], "image_shape"),
        node("Slice", ["image_shape", "two", "four"], ["hw"], "hw"),
        node("Cast", ["hw"], ["hw_float"], "hw_float", to=TensorProto.FLOAT),
        node("ReduceMin", ["hw_float"], ["min_side"], "min_side", keepdims=0),
        node("ReduceMax", ["hw_float"], ["max_side"], "max_side", keepdims=0),
        node("Div", ["min_size", "min_side"], ["scale_min"], "scale_min"),
        node("Div", ["max_size", "max_side"], ["scale_max"], "scale_max"),
        node("Min", ["scale_min", "scale_max"], ["scale"], "scale"),
    ]
    for axis, side in ((2, "h"), (3, "w")):
        nodes += [
            node("Gather", ["image_shape", "index_" + side], [side], "gather_" + side, axis=0),
            node("Cast", [side], [side + "_float"], "cast_" + side, to=TensorProto.FLOAT),
            node("Mul", [side + "_float", "scale"], [side + "_scaled"], "mul_" + side),
            node("Floor", [side + "_scaled"], [side + "_floor"], "floor_" + side),
            node("Cast", [side + "_floor"], [side + "_int"], "cast_int_" + side, to=TensorProto.INT64),
            node("Unsqueeze", [side + "_int", "axis0"], [side + "_new"], "unsqueeze_" + side),
        ]
    nodes += [
        node("Slice", ["image_shape", "zero", "two"], ["nc"], "nc"),
        node("Concat", ["nc", "h_new", "w_new"], ["sizes"], "sizes", axis=0),
        node("Resize", ["normalized", "", "", "sizes"], ["resized"], "resize", mode="linear"),
        node("Shape", ["resized"], ["resized_shape"], "resized_shape"),
    ]
    for side in ("h", "w"):
        nodes += [
            node("Gather", ["resized_shape", "index_" + side], ["r" + side], "gather_r" + side, axis=0),
            node("Cast", ["r" + side], ["r" + side + "_float"], "cast_r" + side, to=TensorProto.FLOAT),
            node("Div", ["r" + side + "_float", "stride"], ["r" + side + "_div"], "div_r" + side),
            node("Ceil", ["r" + side + "_div"], ["r" + side + "_ceil"], "ceil_r" + side),
            node("Mul", ["r" + side + "_ceil", "stride"], ["r" + side + "_padded"], "mul_r" + side),
            node("Cast", ["r" + side + "_padded"], ["r" + side + "_padded_int"], "cast_r" + side + "_int",
                 to=TensorProto.INT64),
            node("Sub", ["r" + side + "_padded_int", "r" + side], ["pad_" + side], "pad_" + side),
            node("Unsqueeze", ["pad_" + side, "axis0"], ["pad_" + side + "_1"], "unsqueeze_pad_" + side),
        ]
    nodes += [
        # PyTorch's pad list, last axis first: (0, pad_w, 0, pad_h), extended with zeros for N and C.
        node("Concat", ["zero", "pad_w_1", "zero", "pad_h_1"], ["torch_pads"], "torch_pads", axis=0),
        node("ConstantOfShape", ["four_1"], ["zero_pads"], "zero_pads",
             value=numpy_helper.from_array(np.array([0], dtype=np.int64))),
        node("Concat", ["torch_pads", "zero_pads"], ["pads_8"], "pads_8", axis=0),
        node("Reshape", ["pads_8", "pairs"], ["pads_pairs"], "pads_pairs"),
        node("Slice", ["pads_pairs", "minus_one", "most_negative", "zero", "minus_one"], ["pads_flipped"],
             "pads_flipped"),
        node("Transpose", ["pads_flipped"], ["pads_t"], "pads_t", perm=[1, 0]),
        node("Reshape", ["pads_t", "minus_one"], ["pads"], "pads"),
        node("Pad", ["resized", "pads"], ["batched"], "pad"),
        # backbone and heads
        node("Conv", ["batched", "w1", "b1"], ["c1"], "conv1", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("Relu", ["c1"], ["r1"], "relu1"),
        node("Conv", ["r1", "w2", "b2"], ["c2"], "conv2", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("Relu", ["c2"], ["features"], "relu2"),
        node("Conv", ["features", "wbox"], ["box_map"], "head_box", kernel_shape=[1, 1]),
        node("Conv", ["features", "wscore"], ["score_map"], "head_score", kernel_shape=[1, 1]),
        node("Reshape", ["box_map", "box_shape"], ["box_rows"], "box_rows"),
        node("Transpose", ["box_rows"], ["boxes"], "boxes", perm=[0, 2, 1]),
        node("Reshape", ["score_map", "score_shape"], ["scores"], "scores"),
        node("Reshape", ["boxes", "flat_shape"], ["boxes_flat"], "boxes_flat"),
        # the ROI part: counts the data decides
        node("NonMaxSuppression", ["boxes", "scores", "max_boxes", "iou", "min_score"], ["selected"], "nms"),
        node("Gather", ["selected", "two_scalar"], ["box_index"], "box_index", axis=1),
        node("Gather", ["boxes_flat", "box_index"], ["rois"], "rois", axis=0),
        node("Gemm", ["rois", "wroi"], ["roi_features"], "roi_head"),
    ]
    initializers = [
        floats("mean", np.array([0.485, 0.456, 0.406]).reshape(3, 1, 1)),
        floats("std", np.array([0.229, 0.224, 0.225]).reshape(3, 1, 1)),
        ints("zero", [0]), ints("two", [2]), ints("four", [4]), ints("four_1", [4]), ints("axis0", [0]),
        ints("minus_one", [-1]), ints("most_negative", [-(2**63 - 1)]), ints("pairs", [-1, 2]),
        numpy_helper.from_array(np.array(2, dtype=np.int64), "index_h"),
        numpy_helper.from_array(np.array(3, dtype=np.int64), "index_w"),
        numpy_helper.from_array(np.array(2, dtype=np.int64), "two_scalar"),
        scalar("min_size", 320, np.float32), scalar("max_size", 512, np.float32), scalar("stride", 32, np.float32),
        weight("w1", [8, 3, 3, 3]), weight("b1", [8]), weight("w2", [16, 8, 3, 3]), weight("b2", [16]),
        weight("wbox", [4, 16, 1, 1]), weight("wscore", [1, 16, 1, 1]),
        ints("box_shape", [1, 4, -1]), ints("score_shape", [1, 1, -1]), ints("flat_shape", [-1, 4]),
        ints("max_boxes", [100]), floats("iou", [0.5]), floats("min_score", [0.05]),
        weight("wroi", [4, 8]),
    ]
    graph = helper.make_graph(nodes, "detection_transform", [value("images", [1, 3, 480, 640])],
                              [value("roi_features", ["detections", 8])], initializers)
    save(graph, "detection_transform.onnx", opset=13)


def build_unmodeled():
    """Ops of a custom domain convroof cannot model (com.example Warp twice, Swirl once) between modeled ones; their
    output shapes come from value_info, with the symbolic batch of the input."""
    custom = lambda op, inputs, outputs, name: helper.make_node(op, inputs, outputs, name=name, domain="com.example")
    nodes = [
        node("Conv", ["input", "w"], ["c"], "conv", kernel_shape=[1, 1]),
        custom("Warp", ["c"], ["l1"], "warp1"), custom("Warp", ["l1"], ["l2"], "warp2"),
        custom("Swirl", ["l2"], ["s"], "swirl"), node("Relu", ["s"], ["output"], ""),  # unnamed: named by its output
    ]
    graph = helper.make_graph(nodes, "unmodeled", [value("input", ["batch", 4, 8, 8])],
                              [value("output", ["batch", 4, 8, 8])], [weight("w", [4, 4, 1, 1])],
                              value_info=[value(name, ["batch", 4, 8, 8]) for name in ("l1", "l2", "s")])
    model = helper.make_model(graph, producer_name="tools/make_onnx_fixtures.py",
                              opset_imports=[helper.make_opsetid("", 14), helper.make_opsetid("com.example", 1)])
    onnx.save(model, os.path.join(OUT, "unmodeled.onnx"))


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
    # A Conv with strides 0 (an output size divides by the stride).
    graph = helper.make_graph([node("Conv", ["input", "w"], ["output"], "conv", kernel_shape=[3, 3], strides=[0, 0])],
                              "stride_zero", [value("input", [1, 3, 8, 8])], [value("output", None)],
                              [weight("w", [8, 3, 3, 3])])
    save(graph, "bad_stride_zero.onnx", check=False)
    # A Slice whose starts initializer keeps its payload in an external file that is not there: its values (which the
    # output shape depends on) cannot be read.
    starts = numpy_helper.from_array(np.array([1], dtype=np.int64), "starts")
    onnx.external_data_helper.set_external_data(starts, "absent.bin", offset=0, length=8)
    starts.ClearField("raw_data")
    nodes = [node("Slice", ["input", "starts", "ends", "axes"], ["output"], "slice")]
    graph = helper.make_graph(nodes, "slice_no_data", [value("input", [1, 3, 8, 8])], [value("output", None)],
                              [starts, numpy_helper.from_array(np.array([4], dtype=np.int64), "ends"),
                               numpy_helper.from_array(np.array([2], dtype=np.int64), "axes")])
    save(graph, "bad_slice_no_data.onnx", check=False)
    # A Reshape to 10^12 x 10^12 elements, of a shape computed from constants.
    nodes = [node("Mul", ["big", "big"], ["dims"], "square"), node("Reshape", ["input", "dims"], ["output"], "reshape")]
    graph = helper.make_graph(nodes, "huge_reshape", [value("input", [1, 3, 8, 8])], [value("output", None)],
                              [numpy_helper.from_array(np.array([1000000, 1000000], dtype=np.int64), "big")])
    save(graph, "bad_huge_reshape.onnx", check=False)
    # A ConstantOfShape of a negative dimension.
    nodes = [node("ConstantOfShape", ["dims"], ["zeros"], "zeros"), node("Add", ["input", "zeros"], ["output"], "add")]
    graph = helper.make_graph(nodes, "negative_dim", [value("input", [1, 3, 8, 8])], [value("output", None)],
                              [numpy_helper.from_array(np.array([1, 3, -8, 8], dtype=np.int64), "dims")])
    save(graph, "bad_negative_dim.onnx", check=False)
    # A real model cut short: the first 2000 of twin.onnx's bytes.
    with open(os.path.join(OUT, "twin.onnx"), "rb") as f:
        head = f.read(2000)
    with open(os.path.join(OUT, "bad_truncated.onnx"), "wb") as f:
        f.write(head)
    # Not a protobuf at all: a PNG signature followed by text.
    with open(os.path.join(OUT, "bad_magic.onnx"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"not an onnx model\n" * 4)


# ---------------------------------------------------------------------------------------------------------------
# --zoo: many torchvision architectures, each with PyTorch's own MAC and parameter counts
# ---------------------------------------------------------------------------------------------------------------
# (fixture, torchvision builder, extra builder arguments, kind, input [N, C, H, W], opset, dynamic height and width)
# kind: "cls" returns the logits, "seg" returns out["out"], "backbone" is the detector's .backbone, whose dict of
# feature maps becomes one ONNX output per key (named feat_<key>).
ZOO = [
    ("alexnet", "alexnet", {}, "cls", [1, 3, 224, 224], 14, False),
    ("vgg11", "vgg11", {}, "cls", [1, 3, 224, 224], 13, False),
    ("vgg11_bn", "vgg11_bn", {}, "cls", [1, 3, 224, 224], 11, False),
    ("resnet18", "resnet18", {}, "cls", [1, 3, 224, 224], 14, False),
    ("resnet18_dynamic_hw", "resnet18", {}, "cls", [1, 3, 256, 320], 14, True),
    ("resnet34", "resnet34", {}, "cls", [1, 3, 224, 224], 11, False),
    ("resnet50", "resnet50", {}, "cls", [1, 3, 224, 224], 17, False),
    ("resnet50_320", "resnet50", {}, "cls", [1, 3, 320, 320], 13, False),
    ("resnet101", "resnet101", {}, "cls", [1, 3, 224, 224], 13, False),
    ("resnext50_32x4d", "resnext50_32x4d", {}, "cls", [1, 3, 224, 224], 14, False),
    ("wide_resnet50_2", "wide_resnet50_2", {}, "cls", [1, 3, 224, 224], 14, False),
    ("densenet121", "densenet121", {}, "cls", [1, 3, 224, 224], 13, False),
    ("googlenet", "googlenet", {"aux_logits": False}, "cls", [1, 3, 224, 224], 14, False),
    ("inception_v3", "inception_v3", {"aux_logits": False}, "cls", [1, 3, 299, 299], 14, False),
    ("mobilenet_v2", "mobilenet_v2", {}, "cls", [1, 3, 224, 224], 11, False),
    ("mobilenet_v2_160", "mobilenet_v2", {}, "cls", [1, 3, 160, 160], 14, False),
    ("mobilenet_v3_small", "mobilenet_v3_small", {}, "cls", [1, 3, 224, 224], 14, False),
    ("mobilenet_v3_large", "mobilenet_v3_large", {}, "cls", [1, 3, 224, 224], 13, False),
    ("mnasnet0_5", "mnasnet0_5", {}, "cls", [1, 3, 224, 224], 14, False),
    ("mnasnet1_0", "mnasnet1_0", {}, "cls", [1, 3, 224, 224], 11, False),
    ("shufflenet_v2_x0_5", "shufflenet_v2_x0_5", {}, "cls", [1, 3, 224, 224], 14, False),
    ("shufflenet_v2_x1_0", "shufflenet_v2_x1_0", {}, "cls", [1, 3, 224, 224], 13, False),
    ("squeezenet1_0", "squeezenet1_0", {}, "cls", [1, 3, 224, 224], 13, False),
    ("squeezenet1_1", "squeezenet1_1", {}, "cls", [1, 3, 224, 224], 11, False),
    ("efficientnet_b0", "efficientnet_b0", {}, "cls", [1, 3, 224, 224], 14, False),
    ("efficientnet_b1", "efficientnet_b1", {}, "cls", [1, 3, 240, 240], 13, False),
    ("efficientnet_b2", "efficientnet_b2", {}, "cls", [1, 3, 260, 260], 14, False),
    ("efficientnet_b3", "efficientnet_b3", {}, "cls", [1, 3, 300, 300], 11, False),
    ("efficientnet_v2_s", "efficientnet_v2_s", {}, "cls", [1, 3, 384, 384], 14, False),
    ("regnet_x_400mf", "regnet_x_400mf", {}, "cls", [1, 3, 224, 224], 14, False),
    ("regnet_y_400mf", "regnet_y_400mf", {}, "cls", [1, 3, 224, 224], 13, False),
    ("convnext_tiny", "convnext_tiny", {}, "cls", [1, 3, 224, 224], 17, False),
    ("convnext_tiny_opset14", "convnext_tiny", {}, "cls", [1, 3, 224, 224], 14, False),
    ("vit_b_16", "vit_b_16", {}, "cls", [1, 3, 224, 224], 14, False),
    ("vit_b_16_opset17", "vit_b_16", {}, "cls", [1, 3, 224, 224], 17, False),
    ("swin_t", "swin_t", {}, "cls", [1, 3, 224, 224], 17, False),
    # maxvit_t exports (opset 17, with 44 Einsum nodes) but its 4,394-node graph is 1.1 MB even without payloads:
    # left out to keep the zoo under 6 MB.
    ("fcn_resnet50", "fcn_resnet50", {"aux_loss": False, "weights_backbone": None}, "seg", [1, 3, 256, 256], 14,
     False),
    ("deeplabv3_resnet50", "deeplabv3_resnet50", {"aux_loss": False, "weights_backbone": None}, "seg",
     [1, 3, 256, 256], 13, False),
    ("deeplabv3_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", {"aux_loss": False, "weights_backbone": None},
     "seg", [1, 3, 256, 256], 14, False),
    ("lraspp_mobilenet_v3_large", "lraspp_mobilenet_v3_large", {"weights_backbone": None}, "seg", [1, 3, 256, 256],
     13, False),
    ("lraspp_mobilenet_v3_large_dynamic_hw", "lraspp_mobilenet_v3_large", {"weights_backbone": None}, "seg",
     [1, 3, 320, 480], 14, True),
    ("fasterrcnn_mobilenet_v3_large_fpn_backbone", "fasterrcnn_mobilenet_v3_large_fpn", {"weights_backbone": None},
     "backbone", [1, 3, 320, 320], 14, False),
    ("fasterrcnn_resnet50_fpn_backbone", "fasterrcnn_resnet50_fpn", {"weights_backbone": None}, "backbone",
     [1, 3, 512, 512], 11, False),
    ("retinanet_resnet50_fpn_backbone", "retinanet_resnet50_fpn", {"weights_backbone": None}, "backbone",
     [1, 3, 512, 512], 13, False),
    ("ssdlite320_mobilenet_v3_large_backbone", "ssdlite320_mobilenet_v3_large", {"weights_backbone": None},
     "backbone", [1, 3, 320, 320], 14, False),
    ("ssd300_vgg16_backbone", "ssd300_vgg16", {"weights_backbone": None}, "backbone", [1, 3, 300, 300], 13, False),
]
ZOO_KEEP_INLINE = 64  # float initializers of at most this many elements keep their data


def distinct_values(model, torch):
    """Adds uniform noise in [0, 1e-3) to every floating parameter and buffer, in place.

    At random init every batch-norm weight is all ones and every bias all zeros (ConvNeXt's layer scales all 1e-6):
    torch.onnx.export merges initializers of equal value into one, fed to the others through Identity nodes, so the
    file would store fewer tensors than model.parameters() counts. Trained weights never coincide; the noise makes
    these stand in for them (running variances stay positive)."""
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            if tensor.is_floating_point():
                tensor.add_(torch.rand_like(tensor) * 1e-3)
    return model


def build_zoo_model(torch, torchvision, arch, kwargs, kind, shape):
    """The eval() module to export and count, and its output names."""
    model, outputs = build_zoo_module(torch, torchvision, arch, kwargs, kind, shape)
    return distinct_values(model, torch), outputs


def build_zoo_module(torch, torchvision, arch, kwargs, kind, shape):
    torch.manual_seed(0)
    if kind == "cls":
        return getattr(torchvision.models, arch)(weights=None, **kwargs).eval(), ["logits"]
    if kind == "seg":
        class Out(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, x):
                return self.model(x)["out"]

        return Out(getattr(torchvision.models.segmentation, arch)(weights=None, **kwargs)).eval(), ["out"]
    backbone = getattr(torchvision.models.detection, arch)(weights=None, **kwargs).backbone.eval()
    with torch.no_grad():
        keys = list(backbone(torch.zeros(*shape)).keys())

    class Features(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            out = self.model(x)
            return tuple(out[key] for key in keys)

    return Features(backbone).eval(), ["feat_" + str(key) for key in keys]


def dispatch_counts(model, shape, torch):
    """(macs, attention_macs) of one forward pass, counted on the aten ops themselves.

    Convolutions (aten.convolution): output elements x Cin/groups x kernel elements. Matrix products (aten.mm,
    addmm, bmm, baddbmm): rows x cols x inner dimension, batched; one with an operand whose storage is a model
    parameter's counts in macs (nn.Linear, F.linear, MultiheadAttention in_proj/out_proj), one whose two operands are
    activations in attention_macs (Q.K^T, attn.V). Grad mode stays on so that nn.MultiheadAttention takes its
    decomposed path, not the fused aten._native_multi_head_attention; any other matmul-like or convolution-like op
    stops the count."""
    from torch.utils._python_dispatch import TorchDispatchMode

    parameter_storages = {p.storage().data_ptr() for p in model.parameters()}
    aten = torch.ops.aten
    counted = {aten.convolution, aten.mm, aten.addmm, aten.bmm, aten.baddbmm}
    forbidden = {"mv", "addmv", "dot", "vdot", "matmul", "linear", "bilinear", "_trilinear", "einsum", "tensordot",
                 "addbmm", "addr", "outer", "ger", "inner", "kron", "chain_matmul", "linalg_multi_dot"}
    totals = {"macs": 0, "attention_macs": 0}

    def is_parameter(tensor):
        return tensor.storage().data_ptr() in parameter_storages

    class Count(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            packet = func.overloadpacket
            if packet in counted:
                if packet is aten.convolution:
                    x, w, transposed = args[0], args[1], args[6]
                    if not is_parameter(w):
                        raise RuntimeError("convolution with an activation as its weight")
                    kernel = int(np.prod(w.shape[2:]))
                    macs = (x.numel() * w.shape[1] if transposed else out.numel() * w.shape[1]) * kernel
                    totals["macs"] += int(macs)
                else:
                    a, b = (args[0], args[1]) if packet in (aten.mm, aten.bmm) else (args[1], args[2])
                    macs = out.numel() * a.shape[-1]
                    totals["macs" if is_parameter(a) or is_parameter(b) else "attention_macs"] += int(macs)
            elif (packet.__name__ in forbidden or packet.__name__.endswith("mm") or "conv" in packet.__name__
                  or "attention" in packet.__name__):
                raise RuntimeError(f"uncounted op {func}")
            return out

    with torch.enable_grad(), Count():
        model(torch.zeros(*shape))
    return totals["macs"], totals["attention_macs"]


def hook_counts(model, shape, torch):
    """MACs of the Conv2d and Linear modules' forward calls (forward hooks): the cross-check."""
    macs = [0]

    def conv_hook(module, inputs, output):
        macs[0] += output.numel() * (module.in_channels // module.groups) * int(np.prod(module.kernel_size))

    def linear_hook(module, inputs, output):
        macs[0] += output.numel() * module.in_features

    handles = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(*shape))
    for handle in handles:
        handle.remove()
    return macs[0]


def stored_params(model, params, torch, torchvision):
    """The parameters the exported file stores: model.parameters(), except where the exporter stores a parameter
    expanded. Swin's attention adds relative_position_bias_table[relative_position_index] (a (2w-1)^2 x heads table
    gathered by a constant index): constant folding stores the gathered [1, heads, w^2, w^2] bias in place of the
    table, w^2 - (2w-1)^2 more values per head (49^2 - 13^2 = 2,232 for w = 7)."""
    from torchvision.models.swin_transformer import ShiftedWindowAttention
    for module in model.modules():
        if isinstance(module, ShiftedWindowAttention):
            table = module.relative_position_bias_table  # [(2w-1)^2, heads]
            window = module.window_size[0] * module.window_size[1]
            params += table.shape[1] * window * window - table.numel()
    return params


def export_zoo():
    import torch
    import torchvision

    only = [arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--only=")]
    only = set(",".join(only).split(",")) if only else None
    out_dir = os.path.join(OUT, "zoo")
    os.makedirs(out_dir, exist_ok=True)
    manifest = os.path.join(out_dir, "expected.json")
    expected = {}
    if only and os.path.exists(manifest):
        with open(manifest) as f:
            expected = json.load(f)
    for name, arch, kwargs, kind, shape, opset, dynamic_hw in ZOO:
        if only and name not in only:
            continue
        model, outputs = build_zoo_model(torch, torchvision, arch, kwargs, kind, shape)
        axes = {0: "batch", 2: "height", 3: "width"} if dynamic_hw else {0: "batch"}
        out_axes = axes if dynamic_hw and kind == "seg" else {0: "batch"}
        dynamic_axes = {"input": axes, **{output: out_axes for output in outputs}}
        path = os.path.join(out_dir, name + ".onnx")
        torch.manual_seed(0)
        torch.onnx.export(model, torch.zeros(*shape), path, opset_version=opset,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=outputs, dynamic_axes=dynamic_axes)
        proto = onnx.load(path)
        strip_payloads(proto, name, keep_up_to=ZOO_KEEP_INLINE)
        proto.producer_name, proto.producer_version = "torch.onnx (tools/make_onnx_fixtures.py --zoo)", torch.__version__
        onnx.save(proto, path)
        macs, attention_macs = dispatch_counts(model, shape, torch)
        hooks = hook_counts(model, shape, torch)
        params = sum(p.numel() for p in model.parameters())
        expected[name] = {"arch": arch, "input": shape, "opset": opset, "dynamic_hw": dynamic_hw, "macs": macs,
                          "attention_macs": attention_macs, "params": params,
                          "stored_params": stored_params(model, params, torch, torchvision)}
        agree = "hooks agree" if hooks == macs else f"HOOKS {hooks} differ by {macs - hooks}"
        print(f"{name}: {os.path.getsize(path)} bytes, {expected[name]}, {agree}", flush=True)
    with open(manifest, "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    if "--zoo" in sys.argv:
        export_zoo()
        sys.exit(0)
    build_twin()
    build_ops()
    build_standard_ops()
    build_detection_transform()
    build_qdq()
    build_qlinear()
    build_unmodeled()
    build_malformed()
    if "--no-torch" not in sys.argv:
        export_architectures()
