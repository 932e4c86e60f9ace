#!/usr/bin/env python3
"""Writes quantized TFLite flatbuffers the way the TensorFlow Lite converter lays them out, for test
fixtures and for compiling single layers with Vela (tools/make_tflite_fixtures.py,
tools/measure_vela.py). Standard library plus the `flatbuffers` Python runtime (Debian's
python3-flatbuffers 2.0.8 is enough); no generated schema code.

    from tflite_writer import Model
    model = Model((1, 224, 224, 3))                      # int8 input, NHWC
    x = model.conv2d(32, 3, stride=2, padding="same", act="relu6")
    x = model.depthwise(3, stride=1, padding="same", act="relu6")
    y = model.conv2d(64, 1)
    z = model.add(x, x=y)                                # y + x: any handle can be an operand
    data = model.to_bytes()                              # identical bytes on every run

Every layer method takes its input as `x=` (default: the last output) and returns the handle of its
output tensor. Weights are deterministic pseudo-random int8 (random.Random(seed + tensor index), -128
mapped to -127 so they are symmetric as the converter's are), biases int32; conv (and transpose conv)
weights are quantized per output channel (quantized_dimension 0), depthwise weights per channel on
dimension 3, fully connected weights and activations per tensor. Explicit padding (t, b, l, r) is
written as SAME or VALID when it is what TFLite's SAME or VALID means, else as a PAD op before a
VALID convolution (`Model.padded_ops` lists those). Fields equal to their schema default are left
out, as the converter's flatbuffer writer does (e.g. padding SAME = 0, ADD's opcode 0, version 1).

The layout follows tensorflow/lite/schema/schema.fbs (schema version 3); the field slots below are
that schema's field ids, in declaration order, as in the generated code Vela 3.10 carries
(ethosu/vela/tflite/*.py, e.g. Conv2DOptions.py: padding 0, stride_w 1, stride_h 2,
fused_activation_function 3, dilation_w_factor 4, dilation_h_factor 5):

    Model            version 0, operator_codes 1, subgraphs 2, description 3, buffers 4
    OperatorCode     deprecated_builtin_code 0 (int8), custom_code 1, version 2, builtin_code 3 (int32)
    SubGraph         tensors 0, inputs 1, outputs 2, operators 3, name 4
    Tensor           shape 0, type 1, buffer 2, name 3, quantization 4, sparsity 6
    SparsityParameters  traversal_order 0, block_map 1, dim_metadata 2
    DimensionMetadata  format 0, dense_size 1, array_segments_type 2, array_segments 3,
                     array_indices_type 4, array_indices 5 (SparseIndexVector: Int32Vector 1,
                     Uint16Vector 2, Uint8Vector 3, each values 0)
    QuantizationParameters  min 0, max 1, scale 2 (float), zero_point 3 (int64), details_type 4,
                     details 5, quantized_dimension 6
    Operator         opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4,
                     custom_options 5
    Buffer           data 0 (ubyte, 16-byte aligned here as the converter does)
    Conv2DOptions    padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5
    DepthwiseConv2DOptions  padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
                     fused_activation_function 4, dilation_w 5, dilation_h 6
    Pool2DOptions    padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_activation_function 5
    FullyConnectedOptions  fused_activation_function 0, weights_format 1, keep_num_dims 2
    SoftmaxOptions   beta 0          ConcatenationOptions  axis 0, fused_activation_function 1
    AddOptions, SubOptions, MulOptions  fused_activation_function 0
    ReshapeOptions   new_shape 0     ReducerOptions  keep_dims 0
    TransposeConvOptions  padding 0, stride_w 1, stride_h 2, fused_activation_function 3
    PadOptions, QuantizeOptions, DequantizeOptions, HardSwishOptions, DensifyOptions: no fields

Custom operators (an operator code of builtin CUSTOM naming it in custom_code) carry their
parameters in custom_options: Convolution2DTransposeBias (MediaPipe) the 12 raw bytes of
TfLiteTransposeConvParams (int32 padding 1 SAME / 2 VALID, stride_width, stride_height).
"""
import random
import struct

import flatbuffers

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# TensorType (schema.fbs enum TensorType : byte)
FLOAT32, INT32, UINT8, INT16, INT8 = 0, 2, 3, 7, 9
TYPE_NAMES = {FLOAT32: "FLOAT32", INT32: "INT32", UINT8: "UINT8", INT16: "INT16", INT8: "INT8"}
TYPE_SIZE = {FLOAT32: 4, INT32: 4, UINT8: 1, INT16: 2, INT8: 1}

# BuiltinOperator (enum BuiltinOperator : int32)
BUILTIN = {
    "ADD": 0, "AVERAGE_POOL_2D": 1, "CONCATENATION": 2, "CONV_2D": 3, "DEPTHWISE_CONV_2D": 4,
    "DEQUANTIZE": 6, "FULLY_CONNECTED": 9, "L2_NORMALIZATION": 11, "LOGISTIC": 14, "MAX_POOL_2D": 17, "MUL": 18, "RELU": 19,
    "RELU6": 21, "RESHAPE": 22, "SOFTMAX": 25, "TANH": 28, "PAD": 34, "MEAN": 40, "SUB": 41,
    "TRANSPOSE_CONV": 67, "QUANTIZE": 114, "HARD_SWISH": 117, "DENSIFY": 124,
}
CUSTOM = 32  # BuiltinOperator CUSTOM: the operator code names the op in custom_code

# BuiltinOptions union member index (union BuiltinOptions); 0 is NONE
OPTIONS = {
    "Conv2DOptions": 1, "DepthwiseConv2DOptions": 2, "Pool2DOptions": 5, "FullyConnectedOptions": 8,
    "SoftmaxOptions": 9, "ConcatenationOptions": 10, "AddOptions": 11, "ReshapeOptions": 17,
    "MulOptions": 21, "PadOptions": 22, "ReducerOptions": 27, "SubOptions": 28, "DequantizeOptions": 38,
    "TransposeConvOptions": 49, "QuantizeOptions": 89, "HardSwishOptions": 91, "DensifyOptions": 99,
}

# int fields whose schema default is 1 (the dilation factors); every other default is 0
DEFAULT_ONE = {("Conv2DOptions", 4), ("Conv2DOptions", 5), ("DepthwiseConv2DOptions", 5),
               ("DepthwiseConv2DOptions", 6)}

# DimensionType (enum DimensionType : byte) of a sparse tensor's dim_metadata
DENSE, SPARSE_CSR = 0, 1

# Padding (enum Padding : byte) and ActivationFunctionType (enum : byte)
SAME, VALID = 0, 1
ACTIVATIONS = {None: 0, "none": 0, "relu": 1, "relu_n1_to_1": 2, "relu6": 3, "tanh": 4}

ACT_SCALE = 0.05  # per-tensor scale of int8 activations (zero point 0, or -128 after a ReLU)


def same_pads(size, kernel, stride, dilation=1):
    """TFLite SAME: total = max((ceil(in/s) - 1)*s + (k - 1)*d + 1 - in, 0), the odd one at the end."""
    total = max((-(-size // stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def out_extent(size, kernel, stride, pads, dilation=1):
    return (size + pads - (kernel - 1) * dilation - 1) // stride + 1


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


class Tensor:
    """A tensor handle: its index in the subgraph, shape (NHWC), type and quantization."""

    def __init__(self, index, shape, dtype, name, scale, zero_point, quantized_dimension=0, data=None):
        self.index, self.shape, self.dtype, self.name = index, tuple(shape), dtype, name
        self.scale, self.zero_point, self.quantized_dimension = scale, zero_point, quantized_dimension
        self.data = data  # bytes for constants, None for activations
        self.buffer = 0
        self.sparsity = None  # a sparse constant: Model.sparse_constant's dict

    def __repr__(self):
        return f"Tensor({self.index}, {self.name}, {self.shape}, {TYPE_NAMES[self.dtype]})"


class Model:
    """One subgraph under construction; see the module docstring."""

    def __init__(self, input_shape, dtype=INT8, scale=ACT_SCALE, zero_point=0, seed=4, name="input",
                 description="convroof tools/tflite_writer.py", float_weights=False):
        self.tensors, self.operators, self.opcodes = [], [], []
        self.seed, self.description = seed, description
        self.float_weights = float_weights  # float32 weights and biases, no quantization (a float model)
        self.padded_ops = []  # names of convolutions written as PAD + VALID
        self.input = self._tensor(input_shape, dtype, name, *(([scale], [zero_point]) if scale is not None else ()))
        self.inputs = [self.input]
        self.outputs = None  # default: the last output
        self.last = self.input
        self.counts = {}

    # ---- tensors ----------------------------------------------------------------------------
    def _tensor(self, shape, dtype, name, scale=None, zero_point=None, quantized_dimension=0, data=None):
        tensor = Tensor(len(self.tensors), shape, dtype, name, scale, zero_point, quantized_dimension, data)
        self.tensors.append(tensor)
        return tensor

    def _random(self, count):
        return random.Random(self.seed * 1000003 + len(self.tensors)).randbytes(count)

    def _weights(self, shape, name, dimension):
        count = 1
        for extent in shape:
            count *= extent
        if self.float_weights:
            values = [(b - 128) / 512 for b in self._random(count)]
            return self._tensor(shape, FLOAT32, name, data=struct.pack(f"<{count}f", *values))
        data = self._random(count).translate(bytes([0x81 if b == 0x80 else b for b in range(256)]))
        if dimension is None:  # per tensor
            scale = [round(1.0 / (64 * (count // shape[0]) ** 0.5), 9)]
            return self._tensor(shape, INT8, name, scale, [0], 0, data)
        channels = shape[dimension]
        fan_in = count // channels
        scale = [round(1.0 / (64 * fan_in ** 0.5) * (1 + (c % 7) / 16), 9) for c in range(channels)]
        return self._tensor(shape, INT8, name, scale, [0] * channels, dimension, data)

    def _bias(self, count, name, input_scale, weight_scale):
        values = random.Random(self.seed * 7919 + len(self.tensors)).choices(range(-512, 513), k=count)
        if self.float_weights:
            return self._tensor((count,), FLOAT32, name, data=struct.pack(f"<{count}f", *[v / 1024 for v in values]))
        scale = [input_scale[0] * s for s in weight_scale]
        return self._tensor((count,), INT32, name, scale, [0] * count, 0, struct.pack(f"<{count}i", *values))

    def constant_int32(self, values, name, shape=None):
        values = list(values)
        return self._tensor(shape or (len(values),), INT32, name, data=struct.pack(f"<{len(values)}i", *values))

    def activation(self, shape, name, dtype=INT8, scale=ACT_SCALE, zero_point=0):
        return self._tensor(shape, dtype, name, [scale], [zero_point])

    def _name(self, kind, name):
        if name:
            return name
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{kind}_{self.counts[kind]}"

    def _out(self, shape, name, act=None, like=None, scale=None, zero_point=None, dtype=None):
        like = like or self.last
        if self.float_weights and like.dtype == FLOAT32:  # a float model's activations: no quantization
            return self._tensor(shape, FLOAT32, name)
        if zero_point is None:
            zero_point = -128 if act in ("relu", "relu6") else (like.zero_point[0] if like.zero_point else 0)
        return self.activation(shape, name, dtype if dtype is not None else like.dtype,
                               scale if scale is not None else ACT_SCALE, zero_point)

    # ---- operators --------------------------------------------------------------------------
    def _op(self, op, inputs, outputs, options=None, fields=(), custom_options=None):
        """op: a BUILTIN name, or ("custom", custom_code); options: BuiltinOptions member name;
        fields: (kind, slot, value) with kind in 'byte', 'bool', 'int', 'float', 'ints' (an int32
        vector); custom_options: the bytes of Operator.custom_options."""
        if op not in self.opcodes:
            self.opcodes.append(op)
        self.operators.append((self.opcodes.index(op), [t.index if t is not None else -1 for t in inputs],
                               [t.index for t in outputs], options, tuple(fields), custom_options))
        self.last = outputs[0]
        return outputs[0]

    def _resolve_padding(self, x, kernel, stride, dilation, padding, name):
        """-> (TFLite padding, the input after any PAD op, output H, output W)."""
        n, h, w, c = x.shape
        same = same_pads(h, kernel[0], stride[0], dilation[0]) + same_pads(w, kernel[1], stride[1], dilation[1])
        requested_same = padding == "same"
        if requested_same:
            padding = same
        elif padding == "valid":
            padding = (0, 0, 0, 0)
        padding = tuple(padding)
        if padding == (0, 0, 0, 0) and not requested_same:
            kind = VALID
        elif padding == same:
            kind = SAME
        else:
            x = self.pad(padding, x=x, name=f"{name}/pad")
            self.padded_ops.append(name)
            kind = VALID
            n, h, w, c = x.shape
        if kind == SAME:
            out_h, out_w = -(-h // stride[0]), -(-w // stride[1])
        else:
            out_h = out_extent(h, kernel[0], stride[0], 0, dilation[0])
            out_w = out_extent(w, kernel[1], stride[1], 0, dilation[1])
        return kind, x, out_h, out_w

    def conv2d(self, filters, kernel, stride=1, padding="same", act=None, dilation=1, bias=True, x=None,
               name=None, weights=None):
        """CONV_2D; weights [filters, kh, kw, in_c] (OHWI; `weights`: a tensor of that shape, e.g. a
        DENSIFY output), bias [filters]."""
        x = x or self.last
        kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
        name = self._name("conv", name)
        kind, x, out_h, out_w = self._resolve_padding(x, kernel, stride, dilation, padding, name)
        weights = weights or self._weights((filters, kernel[0], kernel[1], x.shape[3]), f"{name}/weights", 0)
        b = self._bias(filters, f"{name}/bias", x.scale, weights.scale) if bias else None
        out = self._out((x.shape[0], out_h, out_w, filters), name, act, like=x)
        return self._op("CONV_2D", [x, weights, b], [out], "Conv2DOptions",
                        [("byte", 0, kind), ("int", 1, stride[1]), ("int", 2, stride[0]),
                         ("byte", 3, ACTIVATIONS[act]), ("int", 4, dilation[1]), ("int", 5, dilation[0])])

    def depthwise(self, kernel, stride=1, padding="same", multiplier=1, act=None, dilation=1, bias=True,
                  x=None, name=None):
        """DEPTHWISE_CONV_2D; weights [1, kh, kw, C*multiplier], per channel on dimension 3."""
        x = x or self.last
        kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
        name = self._name("depthwise", name)
        kind, x, out_h, out_w = self._resolve_padding(x, kernel, stride, dilation, padding, name)
        channels = x.shape[3] * multiplier
        weights = self._weights((1, kernel[0], kernel[1], channels), f"{name}/weights", 3)
        b = self._bias(channels, f"{name}/bias", x.scale, weights.scale) if bias else None
        out = self._out((x.shape[0], out_h, out_w, channels), name, act, like=x)
        return self._op("DEPTHWISE_CONV_2D", [x, weights, b], [out], "DepthwiseConv2DOptions",
                        [("byte", 0, kind), ("int", 1, stride[1]), ("int", 2, stride[0]), ("int", 3, multiplier),
                         ("byte", 4, ACTIVATIONS[act]), ("int", 5, dilation[1]), ("int", 6, dilation[0])])

    def transpose_conv(self, filters, kernel, stride=2, padding="same", bias=True, x=None, name=None):
        """TRANSPOSE_CONV; inputs output_shape (int32), weights [filters, kh, kw, in_c], input, bias."""
        x = x or self.last
        kernel, stride = pair(kernel), pair(stride)
        name = self._name("transpose_conv", name)
        n, h, w, c = x.shape
        if padding == "same":
            kind, out_h, out_w = SAME, h * stride[0], w * stride[1]
        else:
            kind = VALID
            out_h, out_w = (h - 1) * stride[0] + kernel[0], (w - 1) * stride[1] + kernel[1]
        shape = self.constant_int32((n, out_h, out_w, filters), f"{name}/output_shape")
        weights = self._weights((filters, kernel[0], kernel[1], c), f"{name}/weights", 0)
        b = self._bias(filters, f"{name}/bias", x.scale, weights.scale) if bias else None
        out = self._out((n, out_h, out_w, filters), name, like=x)
        return self._op("TRANSPOSE_CONV", [shape, weights, x] + ([b] if b else []), [out], "TransposeConvOptions",
                        [("byte", 0, kind), ("int", 1, stride[1]), ("int", 2, stride[0])])

    def transpose_conv_bias(self, filters, kernel, stride=2, padding="same", x=None, name=None, options=None):
        """MediaPipe's custom op Convolution2DTransposeBias; inputs input, weights [filters, kh, kw,
        in_c] (OHWI), bias [filters]; custom_options the raw TfLiteTransposeConvParams MediaPipe's
        kernel casts them to: int32 padding (1 SAME, 2 VALID), stride_width, stride_height
        (`options`: other bytes, for bad fixtures). Output size as MediaPipe's Prepare computes it:
        s*(in - 1) + k, less max(0, k - (in - 1) % s - 1) for SAME."""
        x = x or self.last
        kernel, stride = pair(kernel), pair(stride)
        name = self._name("transpose_conv_bias", name)
        n, h, w, c = x.shape
        extent = []
        for size, k, s in ((h, kernel[0], stride[0]), (w, kernel[1], stride[1])):
            trim = max(0, k - (size - 1) % s - 1) if padding == "same" else 0
            extent.append(s * (size - 1) + k - trim)
        weights = self._weights((filters, kernel[0], kernel[1], c), f"{name}/weights", 0)
        b = self._bias(filters, f"{name}/bias", x.scale, weights.scale)
        out = self._out((n, extent[0], extent[1], filters), name, like=x)
        if options is None:
            options = struct.pack("<3i", 1 if padding == "same" else 2, stride[1], stride[0])
        return self._op(("custom", "Convolution2DTransposeBias"), [x, weights, b], [out], custom_options=options)

    def sparse_constant(self, shape, name, values, traversal_order, dim_metadata, block_map=None,
                        dtype=FLOAT32):
        """A constant stored sparse (TFLite SparsityParameters): `values` numbers of `dtype` in the
        buffer; dim_metadata one dict per traversal_order entry: {"format": DENSE, "dense_size": n}
        or {"format": SPARSE_CSR, "segments": (kind, [...]), "indices": (kind, [...])} with kind
        "int32", "uint16" or "uint8"."""
        code = {FLOAT32: "f", INT8: "b"}[dtype]
        data = struct.pack(f"<{len(values)}{code}", *values)
        tensor = self._tensor(shape, dtype, name, data=data)
        tensor.sparsity = {"traversal_order": list(traversal_order), "block_map": list(block_map or []),
                           "dim_metadata": list(dim_metadata)}
        return tensor

    def densify(self, sparse, name=None):
        """DENSIFY of a sparse constant: its output, the dense tensor, has no buffer."""
        name = self._name("densify", name)
        out = self._tensor(sparse.shape, sparse.dtype, name)
        last = self.last
        self._op("DENSIFY", [sparse], [out], "DensifyOptions")
        self.last = last  # a weight, not the chain's next input
        return out

    def fully_connected(self, units, act=None, bias=True, x=None, name=None, weights=None):
        """FULLY_CONNECTED; weights [units, in] quantized per tensor (the TFLite int8 spec; Vela
        rejects per-axis FC weights), bias [units], the input flattened to [batch, in]."""
        x = x or self.last
        name = self._name("fc", name)
        depth = 1
        for extent in x.shape[1:]:
            depth *= extent
        weights = weights or self._weights((units, depth), f"{name}/weights", None)
        b = self._bias(units, f"{name}/bias", x.scale, (weights.scale or []) * units) if bias else None
        out = self._out((x.shape[0], units), name, act, like=x)
        return self._op("FULLY_CONNECTED", [x, weights, b], [out], "FullyConnectedOptions",
                        [("byte", 0, ACTIVATIONS[act])])

    def _pool(self, op, kernel, stride, padding, act, x, name):
        x = x or self.last
        kernel, stride = pair(kernel), pair(stride)
        name = self._name(op.lower(), name)
        n, h, w, c = x.shape
        if padding == "same":
            kind, out_h, out_w = SAME, -(-h // stride[0]), -(-w // stride[1])
        else:
            kind, out_h, out_w = VALID, out_extent(h, kernel[0], stride[0], 0), out_extent(w, kernel[1], stride[1], 0)
        out = self._out((n, out_h, out_w, c), name, act, like=x, scale=x.scale[0], zero_point=x.zero_point[0])
        return self._op(op, [x], [out], "Pool2DOptions",
                        [("byte", 0, kind), ("int", 1, stride[1]), ("int", 2, stride[0]), ("int", 3, kernel[1]),
                         ("int", 4, kernel[0]), ("byte", 5, ACTIVATIONS[act])])

    def average_pool(self, kernel, stride=1, padding="valid", act=None, x=None, name=None):
        return self._pool("AVERAGE_POOL_2D", kernel, stride, padding, act, x, name)

    def max_pool(self, kernel, stride=1, padding="valid", act=None, x=None, name=None):
        return self._pool("MAX_POOL_2D", kernel, stride, padding, act, x, name)

    def _binary(self, op, options, other, act, x, name):
        x = x or self.last
        name = self._name(op.lower(), name)
        shape = tuple(max(a, b) for a, b in zip(x.shape, other.shape))
        out = self._out(shape, name, act, like=x)
        return self._op(op, [x, other], [out], options, [("byte", 0, ACTIVATIONS[act])])

    def add(self, other, act=None, x=None, name=None):
        return self._binary("ADD", "AddOptions", other, act, x, name)

    def mul(self, other, act=None, x=None, name=None):
        return self._binary("MUL", "MulOptions", other, act, x, name)

    def sub(self, other, act=None, x=None, name=None):
        return self._binary("SUB", "SubOptions", other, act, x, name)

    def _unary(self, op, x, name, options=None, scale=None, zero_point=None):
        x = x or self.last
        name = self._name(op.lower(), name)
        out = self._out(x.shape, name, like=x, scale=scale if scale is not None else x.scale[0],
                        zero_point=zero_point if zero_point is not None else x.zero_point[0])
        return self._op(op, [x], [out], options)

    def relu(self, x=None, name=None):
        return self._unary("RELU", x, name, zero_point=-128)

    def relu6(self, x=None, name=None):
        return self._unary("RELU6", x, name, zero_point=-128)

    def logistic(self, x=None, name=None):  # int8 output quantization fixed by TFLite: 1/256, -128
        return self._unary("LOGISTIC", x, name, scale=1.0 / 256, zero_point=-128)

    def tanh(self, x=None, name=None):  # int8 output quantization fixed by TFLite: 1/128, 0
        return self._unary("TANH", x, name, scale=1.0 / 128, zero_point=0)

    def hard_swish(self, x=None, name=None):
        return self._unary("HARD_SWISH", x, name, "HardSwishOptions", scale=ACT_SCALE, zero_point=0)

    def softmax(self, beta=1.0, x=None, name=None):  # int8 output: 1/256, -128
        x = x or self.last
        name = self._name("softmax", name)
        out = self._out(x.shape, name, like=x, scale=1.0 / 256, zero_point=-128)
        return self._op("SOFTMAX", [x], [out], "SoftmaxOptions", [("float", 0, beta)])

    def reshape(self, shape, x=None, name=None):
        """RESHAPE with the new shape both as a constant int32 input and in ReshapeOptions."""
        x = x or self.last
        name = self._name("reshape", name)
        new_shape = self.constant_int32(shape, f"{name}/shape")
        out = self._out(tuple(shape), name, like=x, scale=x.scale[0] if x.scale else None,
                        zero_point=x.zero_point[0] if x.zero_point else 0)
        return self._op("RESHAPE", [x, new_shape], [out], "ReshapeOptions", [("ints", 0, list(shape))])

    def pad(self, padding, x=None, name=None):
        """PAD of H and W by (t, b, l, r) with the input's zero point; paddings int32 [4, 2]."""
        x = x or self.last
        name = self._name("pad", name)
        top, bottom, left, right = padding
        paddings = self.constant_int32((0, 0, top, bottom, left, right, 0, 0), f"{name}/paddings", (4, 2))
        n, h, w, c = x.shape
        out = self._out((n, h + top + bottom, w + left + right, c), name, like=x, scale=x.scale[0],
                        zero_point=x.zero_point[0])
        return self._op("PAD", [x, paddings], [out], "PadOptions")

    def concatenation(self, others, axis=3, act=None, x=None, name=None):
        x = x or self.last
        name = self._name("concat", name)
        parts = [x] + list(others)
        shape = list(x.shape)
        shape[axis] = sum(t.shape[axis] for t in parts)
        out = self._out(tuple(shape), name, act, like=x, scale=x.scale[0], zero_point=x.zero_point[0])
        return self._op("CONCATENATION", parts, [out], "ConcatenationOptions",
                        [("int", 0, axis), ("byte", 1, ACTIVATIONS[act])])

    def mean(self, axes=(1, 2), keep_dims=True, x=None, name=None):
        x = x or self.last
        name = self._name("mean", name)
        axis = self.constant_int32(axes, f"{name}/axis")
        shape = [1 if i in axes else e for i, e in enumerate(x.shape)] if keep_dims else \
            [e for i, e in enumerate(x.shape) if i not in axes]
        out = self._out(tuple(shape), name, like=x, scale=x.scale[0], zero_point=x.zero_point[0])
        return self._op("MEAN", [x, axis], [out], "ReducerOptions", [("bool", 0, keep_dims)])

    def quantize(self, dtype=INT8, scale=ACT_SCALE, zero_point=0, x=None, name=None):
        x = x or self.last
        name = self._name("quantize", name)
        out = self.activation(x.shape, name, dtype, scale, zero_point)
        return self._op("QUANTIZE", [x], [out], "QuantizeOptions")

    def dequantize(self, x=None, name=None):
        x = x or self.last
        name = self._name("dequantize", name)
        out = self._tensor(x.shape, FLOAT32, name)
        return self._op("DEQUANTIZE", [x], [out], "DequantizeOptions")

    # ---- serialisation ----------------------------------------------------------------------
    def to_bytes(self):
        builder = flatbuffers.Builder(1024 + sum(len(t.data) for t in self.tensors if t.data))

        def int_vector(values, size=4, prepend="PrependInt32"):
            builder.StartVector(size, len(values), size)
            for value in reversed(values):
                getattr(builder, prepend)(value)
            return builder.EndVector()

        def offset_vector(offsets):
            builder.StartVector(4, len(offsets), 4)
            for offset in reversed(offsets):
                builder.PrependUOffsetTRelative(offset)
            return builder.EndVector()

        def aligned_bytes(data):
            builder.StartVector(1, len(data), 16)
            builder.head = builder.head - len(data)
            builder.Bytes[builder.head:builder.head + len(data)] = data
            return builder.EndVector()

        # buffers: 0 is the empty buffer every tensor without data points at
        buffer_data = [None]
        for tensor in self.tensors:
            if tensor.data is not None:
                tensor.buffer = len(buffer_data)
                buffer_data.append(tensor.data)
            else:
                tensor.buffer = 0
        buffers = []
        for data in buffer_data:
            vector = aligned_bytes(data) if data else None
            builder.StartObject(3)
            if vector is not None:
                builder.PrependUOffsetTRelativeSlot(0, vector, 0)
            buffers.append(builder.EndObject())

        def index_vector(kind, values):  # a SparseIndexVector member table -> (union type, offset)
            member, size, prepend = {"int32": (1, 4, "PrependInt32"), "uint16": (2, 2, "PrependUint16"),
                                     "uint8": (3, 1, "PrependUint8")}[kind]
            builder.StartVector(size, len(values), 4)  # force_align: 4, as schema.fbs asks
            for value in reversed(values):
                getattr(builder, prepend)(value)
            vector = builder.EndVector()
            builder.StartObject(1)
            builder.PrependUOffsetTRelativeSlot(0, vector, 0)
            return member, builder.EndObject()

        def sparsity_table(sparsity):
            levels = []
            for level in sparsity["dim_metadata"]:
                segments = index_vector(*level["segments"]) if "segments" in level else None
                indices = index_vector(*level["indices"]) if "indices" in level else None
                builder.StartObject(6)
                builder.PrependInt8Slot(0, level.get("format", DENSE), 0)
                builder.PrependInt32Slot(1, level.get("dense_size", 0), 0)
                for slot, vector in ((2, segments), (4, indices)):
                    if vector is not None:
                        builder.PrependUint8Slot(slot, vector[0], 0)
                        builder.PrependUOffsetTRelativeSlot(slot + 1, vector[1], 0)
                levels.append(builder.EndObject())
            order = int_vector(sparsity["traversal_order"])
            block_map = int_vector(sparsity["block_map"]) if sparsity.get("block_map") else None
            level_vector = offset_vector(levels)
            builder.StartObject(3)
            builder.PrependUOffsetTRelativeSlot(0, order, 0)
            if block_map is not None:
                builder.PrependUOffsetTRelativeSlot(1, block_map, 0)
            builder.PrependUOffsetTRelativeSlot(2, level_vector, 0)
            return builder.EndObject()

        tensors = []
        for tensor in self.tensors:
            sparsity = sparsity_table(tensor.sparsity) if tensor.sparsity else None
            name = builder.CreateString(tensor.name)
            shape = int_vector(list(tensor.shape))
            quantization = None
            if tensor.scale is not None:
                scale = int_vector(tensor.scale, 4, "PrependFloat32")
                zero_point = int_vector(tensor.zero_point, 8, "PrependInt64")
                builder.StartObject(7)
                builder.PrependUOffsetTRelativeSlot(2, scale, 0)
                builder.PrependUOffsetTRelativeSlot(3, zero_point, 0)
                builder.PrependInt32Slot(6, tensor.quantized_dimension, 0)
                quantization = builder.EndObject()
            builder.StartObject(10)
            builder.PrependUOffsetTRelativeSlot(0, shape, 0)
            builder.PrependInt8Slot(1, tensor.dtype, 0)
            builder.PrependUint32Slot(2, tensor.buffer, 0)
            builder.PrependUOffsetTRelativeSlot(3, name, 0)
            if quantization is not None:
                builder.PrependUOffsetTRelativeSlot(4, quantization, 0)
            if sparsity is not None:
                builder.PrependUOffsetTRelativeSlot(6, sparsity, 0)
            tensors.append(builder.EndObject())

        operators = []
        for opcode_index, inputs, outputs, options, fields, custom_options in self.operators:
            options_table = None
            if options is not None:
                vectors = {slot: int_vector(value) for kind, slot, value in fields if kind == "ints"}
                builder.StartObject(max([slot for _, slot, _ in fields], default=-1) + 1)
                for kind, slot, value in fields:
                    # a field equal to its schema default is left out, as the converter's writer does
                    if kind == "byte":
                        builder.PrependInt8Slot(slot, value, 0)
                    elif kind == "bool":
                        builder.PrependBoolSlot(slot, value, False)
                    elif kind == "int":
                        default = 1 if (options, slot) in DEFAULT_ONE else 0
                        builder.PrependInt32Slot(slot, value, default)
                    elif kind == "float":
                        builder.PrependFloat32Slot(slot, value, 0.0)
                    elif kind == "ints":
                        builder.PrependUOffsetTRelativeSlot(slot, vectors[slot], 0)
                options_table = builder.EndObject()
            input_vector, output_vector = int_vector(inputs), int_vector(outputs)
            custom_vector = builder.CreateByteVector(custom_options) if custom_options is not None else None
            builder.StartObject(9)
            builder.PrependUint32Slot(0, opcode_index, 0)
            builder.PrependUOffsetTRelativeSlot(1, input_vector, 0)
            builder.PrependUOffsetTRelativeSlot(2, output_vector, 0)
            if options_table is not None:
                builder.PrependUint8Slot(3, OPTIONS[options], 0)
                builder.PrependUOffsetTRelativeSlot(4, options_table, 0)
            if custom_vector is not None:
                builder.PrependUOffsetTRelativeSlot(5, custom_vector, 0)
            operators.append(builder.EndObject())

        outputs = self.outputs or [self.last]
        tensor_vector = offset_vector(tensors)
        input_vector = int_vector([t.index for t in self.inputs])
        output_vector = int_vector([t.index for t in outputs])
        operator_vector = offset_vector(operators)
        subgraph_name = builder.CreateString("main")
        builder.StartObject(5)
        builder.PrependUOffsetTRelativeSlot(0, tensor_vector, 0)
        builder.PrependUOffsetTRelativeSlot(1, input_vector, 0)
        builder.PrependUOffsetTRelativeSlot(2, output_vector, 0)
        builder.PrependUOffsetTRelativeSlot(3, operator_vector, 0)
        builder.PrependUOffsetTRelativeSlot(4, subgraph_name, 0)
        subgraph = builder.EndObject()

        opcodes = []
        for op in self.opcodes:
            custom_code = builder.CreateString(op[1]) if isinstance(op, tuple) else None
            code = CUSTOM if custom_code else BUILTIN[op]
            builder.StartObject(4)
            builder.PrependInt8Slot(0, min(code, 127), 0)
            if custom_code:
                builder.PrependUOffsetTRelativeSlot(1, custom_code, 0)
            builder.PrependInt32Slot(2, 1, 1)  # version 1 (the default, so left out)
            builder.PrependInt32Slot(3, code, 0)
            opcodes.append(builder.EndObject())

        opcode_vector = offset_vector(opcodes)
        subgraph_vector = offset_vector([subgraph])
        description = builder.CreateString(self.description)
        buffer_vector = offset_vector(buffers)
        builder.StartObject(8)
        builder.PrependUint32Slot(0, SCHEMA_VERSION, 0)
        builder.PrependUOffsetTRelativeSlot(1, opcode_vector, 0)
        builder.PrependUOffsetTRelativeSlot(2, subgraph_vector, 0)
        builder.PrependUOffsetTRelativeSlot(3, description, 0)
        builder.PrependUOffsetTRelativeSlot(4, buffer_vector, 0)
        model = builder.EndObject()
        builder.Finish(model, file_identifier=FILE_IDENTIFIER)
        return bytes(builder.Output())

    def write(self, path):
        data = self.to_bytes()
        with open(path, "wb") as file:
            file.write(data)
        return data
