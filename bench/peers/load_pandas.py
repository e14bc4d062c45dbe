"""Loading a CSV with pandas: every column but the target into X, the target
into y, both NumPy float64 arrays.

    python load_pandas.py FILE.csv [--target y]
"""
import argparse
import json
import time

import pandas as pd

parser = argparse.ArgumentParser()
parser.add_argument("path")
parser.add_argument("--target", default="y")
args = parser.parse_args()

start = time.perf_counter()
frame = pd.read_csv(args.path)
y = frame.pop(args.target).to_numpy(dtype="float64")
X = frame.to_numpy(dtype="float64")
print(json.dumps({"seconds": time.perf_counter() - start, "shape": X.shape}))
