"""Min-norm gradient descent in NumPy, in d-space: the linear model from w = 0,
w ← w − η·Xᵀ(Xw − y)/n, recording train MSE, test MSE and ‖w‖ at step 0 and
every `every` steps through the last.

    python gd_numpy.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
"""
import argparse
import json
import time

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--steps", type=int, default=5000)
parser.add_argument("--every", type=int, default=50)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()

start = time.perf_counter()
with h5py.File(f"{args.data}/train.h5") as f:
    X, y = f["X"][()], f["y"][()]
with h5py.File(f"{args.data}/test.h5") as f:
    X_test, y_test = f["X"][()], f["y"][()]
loaded = time.perf_counter()

n, d = X.shape
w = np.zeros(d)
records = []
for t in range(args.steps + 1):
    r = X @ w - y
    if t % args.every == 0:
        e = X_test @ w - y_test
        records.append((r @ r / n, e @ e / len(y_test), np.sqrt(w @ w)))
    if t == args.steps:
        break
    w -= args.lr * (X.T @ r) / n
done = time.perf_counter()

train_mse, test_mse, l2_norm = np.array(records).T
np.savez(args.out, weights=w, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
print(json.dumps({"load_seconds": loaded - start, "compute_seconds": done - loaded}))
