"""Describes an HDF5 file as h5py sees it, as JSON on stdout.

For each dataset: shape, dtype, string encoding and length, chunks, filters,
values, dimension labels and attached scales; for each object: its attributes
with the Python type h5py returns (so a test can require `str`, not `bytes`).
Used by regime's tests to check files regime writes against a real reader.
"""
import json
import math
import sys

import h5py
import numpy as np


def finite_json(value):
    """Floats as their repr strings: exact (the reader parses them with a
    correctly rounded parser, which JSON libraries need not be), and NaN and
    infinities survive (JSON has no literal for them)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    return value


def plain(value):
    if isinstance(value, bytes):
        return {"bytes": value.decode("utf-8", "replace")}
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind != "O" else [plain(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def attributes(obj):
    out = {}
    for name, value in obj.attrs.items():
        if isinstance(value, np.ndarray):
            kind = "ndarray[" + (type(value.flat[0]).__name__ if value.size else "") + "]"
        else:
            kind = type(value).__name__
        try:
            converted = plain(value)
            json.dumps(converted)
        except TypeError:  # object references of dimension scales, compound types
            out[name] = {"type": kind}
            continue
        out[name] = {"type": kind, "value": converted}
    return out


def describe(path):
    result = {"datasets": {}, "groups": {}}
    with h5py.File(path, "r") as f:
        result["groups"]["/"] = {"attrs": attributes(f), "members": list(f.keys())}

        def visit(name, obj):
            full = "/" + name
            if isinstance(obj, h5py.Group):
                result["groups"][full] = {"attrs": attributes(obj), "members": list(obj.keys())}
                return
            info = h5py.check_string_dtype(obj.dtype)
            entry = {
                "shape": list(obj.shape),
                "dtype": str(obj.dtype),
                "string": None if info is None else {"encoding": info.encoding, "length": info.length},
                "chunks": list(obj.chunks) if obj.chunks else None,
                "compression": obj.compression,
                "compression_opts": obj.compression_opts,
                "shuffle": obj.shuffle,
                "maxshape": [m for m in obj.maxshape],
                "attrs": attributes(obj),
                "is_scale": bool(h5py.h5ds.is_scale(obj.id)),
                "dims": [{"label": d.label, "scales": [s.name for s in d.values()]} for d in obj.dims],
            }
            if info is not None:
                entry["values"] = [v for v in obj.asstr()[()].reshape(-1).tolist()] if obj.shape != () else obj.asstr()[()]
                entry["raw_type"] = type(obj[()].reshape(-1)[0] if obj.shape != () else obj[()]).__name__ if obj.size else None
            else:
                data = obj[()]
                entry["values"] = plain(np.asarray(data).reshape(-1)) if obj.shape != () else plain(data)
            result["datasets"][full] = entry

        f.visititems(visit)
    return result


if __name__ == "__main__":
    json.dump(finite_json(describe(sys.argv[1])), sys.stdout)
