#!/usr/bin/env python3
"""Write a copy of tests/fixtures/onnx/resnet50.onnx whose every initializer carries its data.

The committed fixture keeps only the initializers' dims: their payloads point at an external
file (resnet50.weights) that is not in the repository. For end-to-end timing (bench/e2e.sh)
we need a realistic file: this script fills every initializer with deterministic float32
data stored inline (raw_data), so the result is one self-contained ~100 MB .onnx file
(ResNet-50: 25.5 M parameters x 4 bytes). It is generated at bench time and never committed.

Usage: python3 bench/make_weighted_onnx.py OUT.onnx [--source MODEL.onnx] [--seed N]

Needs only the standard library and the onnx package (Debian: apt-get install -y python3-onnx).
The data are pseudo-random N(0, 0.05) values from random.Random(seed): one block is drawn and
reused cyclically at a different offset per tensor, so generation takes a second or two and
the same seed always gives the same bytes.
"""

import argparse
import array
import math
import os
import random
import sys

try:
    import onnx
    from onnx import TensorProto
except ImportError:
    sys.exit(
        "make_weighted_onnx.py: the Python 'onnx' package is missing for "
        f"{sys.executable}.\n"
        "  Debian/Ubuntu: apt-get install -y python3-onnx   (then run it with /usr/bin/python3)\n"
        "  elsewhere:     python3 -m pip install onnx"
    )

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, os.pardir, "tests", "fixtures", "onnx", "resnet50.onnx")

# Bytes per element of the types an initializer may have; floats get the random pattern,
# every other type is zero-filled (a valid value for indices, shapes and quantized weights
# alike, though ResNet-50 has only float32 initializers).
ELEMENT_BYTES = {
    TensorProto.FLOAT: 4, TensorProto.DOUBLE: 8, TensorProto.FLOAT16: 2, TensorProto.BFLOAT16: 2,
    TensorProto.INT8: 1, TensorProto.UINT8: 1, TensorProto.INT16: 2, TensorProto.UINT16: 2,
    TensorProto.INT32: 4, TensorProto.UINT32: 4, TensorProto.INT64: 8, TensorProto.UINT64: 8,
    TensorProto.BOOL: 1,
}

BLOCK_FLOATS = 1 << 16  # pattern length: 256 KiB of float32


def pattern_block(seed):
    """One block of pseudo-random float32 bytes, drawn deterministically from the seed."""
    rng = random.Random(seed)
    block = array.array("f", (rng.gauss(0.0, 0.05) for _ in range(BLOCK_FLOATS)))
    if sys.byteorder != "little":  # ONNX raw_data is little-endian
        block.byteswap()
    return block.tobytes()


def cyclic_bytes(block, start, length):
    """`length` bytes of `block` repeated end to end, starting at byte `start`."""
    start %= len(block)
    repeats = (start + length) // len(block) + 1
    return (block * repeats)[start:start + length]


def fill_initializers(model, seed):
    """Give every initializer inline data of its dims; return (tensors, elements, bytes)."""
    block = pattern_block(seed)
    offset_rng = random.Random(seed + 1)
    count = elements = total = 0
    for tensor in model.graph.initializer:
        if tensor.data_type not in ELEMENT_BYTES:
            sys.exit(f"make_weighted_onnx.py: initializer {tensor.name!r} has data type "
                     f"{TensorProto.DataType.Name(tensor.data_type)}, which this script cannot fill")
        n = math.prod(tensor.dims)
        size = n * ELEMENT_BYTES[tensor.data_type]
        # Drop whatever payload or external reference it had, then store the data inline.
        for field in ("float_data", "double_data", "int32_data", "int64_data", "uint64_data",
                      "string_data", "external_data"):
            tensor.ClearField(field)
        tensor.data_location = TensorProto.DEFAULT
        if tensor.data_type == TensorProto.FLOAT:
            # Start on an element boundary so every value is a whole pattern float.
            start = offset_rng.randrange(BLOCK_FLOATS) * 4
            tensor.raw_data = cyclic_bytes(block, start, size)
        else:
            tensor.raw_data = bytes(size)
        count += 1
        elements += n
        total += size
    return count, elements, total


def main():
    """Parse arguments, fill the model, write it, and report what was written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", metavar="OUT.onnx", help="where to write the weighted model")
    parser.add_argument("--source", default=os.path.normpath(DEFAULT_SOURCE),
                        help="model whose initializers get data (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=20240601, help="data seed (default: %(default)s)")
    args = parser.parse_args()

    # load_external_data=False: the fixture's external weights file does not exist.
    model = onnx.load(args.source, load_external_data=False)
    count, elements, total = fill_initializers(model, args.seed)
    if count == 0:
        sys.exit(f"make_weighted_onnx.py: {args.source} has no initializers to fill")

    # Write to a temporary name, then rename: a half-written file never carries OUT's name.
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, args.out)
    size = os.path.getsize(args.out)
    print(f"{args.out}: {count} initializers, {elements:,} elements ({total / 1e6:.1f} MB of data), "
          f"file {size:,} bytes, seed {args.seed}", file=sys.stderr)


if __name__ == "__main__":
    main()
