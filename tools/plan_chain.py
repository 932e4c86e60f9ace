"""The layer specs of a convroof measurement plan (`convroof plan`), parsed as the measurement tools
need them: each measurement's chain of one-line specs ("conv2d filters=64 kernel=3 padding=same
input=56x56x32", "depthwise_conv2d kernel=3 stride=2") becomes Conv objects with every shape
resolved. Shared by tools/measure_torch.py and tools/measure_vela.py; standard library only.
"""
import re

CONV_KEYS = {"name", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "input"}
DEPTHWISE_KEYS = {"name", "kernel", "stride", "padding", "dilation", "depth_multiplier", "bias", "input"}


class PlanError(Exception):
    """A problem with the plan; the message names the measurement and layer."""


def parse_pair(text, key):
    """'3', '3x5' or '[3,5]' -> (3, 5)."""
    match = re.fullmatch(r"(\d+)|(\d+)x(\d+)|\[(\d+),(\d+)\]", text)
    if not match:
        raise PlanError(f"'{key}' must be N, HxW or [H,W], got '{text}'")
    if match.group(1):
        return int(match.group(1)), int(match.group(1))
    numbers = [int(group) for group in match.groups()[1:] if group is not None]
    return numbers[0], numbers[1]


def parse_padding(text):
    """'same' | 'valid' | 'N' | '[t,b,l,r]' -> 'same' or (t, b, l, r)."""
    if text == "same":
        return "same"
    if text == "valid":
        return (0, 0, 0, 0)
    if re.fullmatch(r"\d+", text):
        return (int(text),) * 4
    match = re.fullmatch(r"\[(\d+),(\d+),(\d+),(\d+)\]", text)
    if not match:
        raise PlanError(f"'padding' must be same, valid, N or [t,b,l,r], got '{text}'")
    return tuple(int(group) for group in match.groups())


def positive_int(text, key):
    if not re.fullmatch(r"\d+", text) or int(text) < 1:
        raise PlanError(f"'{key}' must be a positive integer, got '{text}'")
    return int(text)


def same_pads(size, kernel, stride, dilation):
    """TensorFlow 'same': total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0), extra at the end."""
    total = max((-(-size // stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class Conv:
    """One convolution of a chain, shapes resolved: channels in and out, H x W in and out.
    Subclasses add what their tool builds from it (torch modules, TFLite operators)."""

    def __init__(self, spec, shape):
        if not isinstance(spec, str):
            raise PlanError("a layer must be a one-line spec string")
        words = spec.split()
        if not words or words[0] not in ("conv2d", "depthwise_conv2d"):
            raise PlanError(f"'{words[0] if words else ''}' is not a convolution (conv2d, depthwise_conv2d)")
        self.op = words[0]
        fields = {}
        for word in words[1:]:
            key, equals, value = word.partition("=")
            allowed = CONV_KEYS if self.op == "conv2d" else DEPTHWISE_KEYS
            if not equals or key not in allowed:
                raise PlanError(f"unknown key '{key}' for {self.op} (valid: {', '.join(sorted(allowed))})")
            fields[key] = value
        if "kernel" not in fields:
            raise PlanError(f"{self.op} needs 'kernel'")
        if "input" in fields:
            if shape is not None:
                raise PlanError("only a chain's first layer takes 'input'; later layers read the previous output")
            match = re.fullmatch(r"(\d+)x(\d+)x(\d+)", fields["input"])
            if not match:
                raise PlanError(f"'input' must be HxWxC, got '{fields['input']}'")
            shape = tuple(int(group) for group in match.groups())
        if shape is None:
            raise PlanError("the chain's first layer needs input=HxWxC")
        self.in_h, self.in_w, self.in_channels = shape
        self.kernel = parse_pair(fields["kernel"], "kernel")
        self.stride = parse_pair(fields.get("stride", "1"), "stride")
        self.dilation = parse_pair(fields.get("dilation", "1"), "dilation")
        if fields.get("bias", "false") not in ("true", "false"):
            raise PlanError(f"'bias' must be true or false, got '{fields['bias']}'")
        self.bias = fields.get("bias") == "true"
        self.multiplier = 1
        if self.op == "conv2d":
            if "filters" not in fields:
                raise PlanError("conv2d needs 'filters'")
            self.out_channels = positive_int(fields["filters"], "filters")
            self.groups = positive_int(fields.get("groups", "1"), "groups")
        else:
            self.groups = self.in_channels
            self.multiplier = positive_int(fields.get("depth_multiplier", "1"), "depth_multiplier")
            self.out_channels = self.in_channels * self.multiplier
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise PlanError(f"groups {self.groups} must divide {self.in_channels} channels "
                            f"and {self.out_channels} filters")
        padding = parse_padding(fields.get("padding", "valid"))
        if padding == "same":
            top, bottom = same_pads(self.in_h, self.kernel[0], self.stride[0], self.dilation[0])
            left, right = same_pads(self.in_w, self.kernel[1], self.stride[1], self.dilation[1])
            padding = (top, bottom, left, right)
        self.padding = padding
        self.out_h = self.out_extent(self.in_h, padding[0] + padding[1], 0)
        self.out_w = self.out_extent(self.in_w, padding[2] + padding[3], 1)

    def out_extent(self, size, pads, axis):
        dilated = (self.kernel[axis] - 1) * self.dilation[axis] + 1
        if size + pads < dilated:
            raise PlanError(f"kernel {dilated} (dilated) is larger than the padded input {size + pads}")
        return (size + pads - dilated) // self.stride[axis] + 1

    def output_shape(self):
        return self.out_h, self.out_w, self.out_channels

    def macs(self):
        return self.out_h * self.out_w * self.out_channels * self.kernel[0] * self.kernel[1] * \
            (self.in_channels // self.groups if self.op == "conv2d" else 1)
