"""Loading with h5py: X (n × d) and y into NumPy arrays.

    python load_h5py.py FILE.h5
"""
import json
import sys
import time

import h5py

start = time.perf_counter()
with h5py.File(sys.argv[1]) as f:
    X, y = f["X"][()], f["y"][()]
print(json.dumps({"seconds": time.perf_counter() - start, "shape": X.shape}))
