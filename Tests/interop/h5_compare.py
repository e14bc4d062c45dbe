"""Compares every dataset of two HDF5 files bit for bit (shape, dtype and
bytes; strings as decoded text) and prints JSON: how many datasets there are
and which differ. Attributes are not compared (`created` always differs)."""
import json
import sys

import h5py
import numpy as np


def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                if h5py.check_string_dtype(obj.dtype) is not None:
                    found[name] = ("str", obj.shape, [s for s in obj.asstr()[()].reshape(-1).tolist()])
                else:
                    data = obj[()]
                    found[name] = (str(data.dtype), data.shape, np.ascontiguousarray(data).tobytes())
        f.visititems(visit)
    return found


a, b = datasets(sys.argv[1]), datasets(sys.argv[2])
different = sorted(name for name in set(a) | set(b) if a.get(name) != b.get(name))
json.dump({"datasets": len(a), "different": different}, sys.stdout)
