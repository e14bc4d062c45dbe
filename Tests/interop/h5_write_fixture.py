"""Writes an HDF5 file the way h5py users do, for regime to read.

Float32, int16, int64 and uint8 arrays, a bool array, gzip-compressed data,
variable-length and fixed-length strings (ASCII and UTF-8), and attributes of
each kind. Prints the values it wrote as JSON so the test compares against
them, not against constants.
"""
import json
import sys

import h5py
import numpy as np

path = sys.argv[1]
rng = np.random.default_rng(20261129)
x32 = rng.standard_normal((7, 3)).astype(np.float32)
i16 = rng.integers(-300, 300, size=(4, 5)).astype(np.int16)
i64 = rng.integers(-2**40, 2**40, size=6).astype(np.int64)
u8 = rng.integers(0, 255, size=9).astype(np.uint8)
flags = np.array([True, False, True, True])
big = rng.standard_normal((200, 30))
vlen = ["alpha", "λ = 10⁻³", "", "w*"]
fixed = np.array([b"ab", b"cdef", b"g"], dtype="S6")

with h5py.File(path, "w") as f:
    f["x32"] = x32
    f["group/i16"] = i16
    f["i64"] = i64
    f["u8"] = u8
    f["flags"] = flags
    f.create_dataset("big", data=big, chunks=(50, 30), compression="gzip", compression_opts=6, shuffle=True)
    f.create_dataset("vlen", data=vlen, dtype=h5py.string_dtype("utf-8"))
    f.create_dataset("vlen_ascii", data=["a", "bc"], dtype=h5py.string_dtype("ascii"))
    f.create_dataset("fixed", data=fixed)
    fixed_utf8 = f.create_dataset("fixed_utf8", shape=(2,), dtype=h5py.string_dtype("utf-8", 4))
    raw = np.array(["é".encode(), b"ab"], dtype="S4")
    fixed_utf8.id.write(h5py.h5s.ALL, h5py.h5s.ALL, raw, mtype=fixed_utf8.id.get_type())
    f.attrs["title"] = "a run"
    f.attrs["count"] = np.int64(42)
    f.attrs["scale"] = 0.25
    f.attrs["vector"] = np.array([1.5, 2.5])
    f.attrs["labels"] = ["x", "yz"]
    f["x32"].attrs["fixed_attr"] = np.bytes_(b"fixed")

def exact(values):
    """Floats as repr strings, which the test parses exactly."""
    return [repr(float(v)) for v in values]


json.dump({
    "x32": exact(x32.astype(np.float64).reshape(-1)),
    "i16": i16.reshape(-1).tolist(),
    "i64": i64.tolist(),
    "u8": u8.tolist(),
    "flags": flags.tolist(),
    "big": exact(big.reshape(-1)),
    "vlen": vlen,
    "fixed": [s.decode() for s in fixed],
}, sys.stdout)
