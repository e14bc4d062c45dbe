"""Min-norm gradient descent in NumPy, in the row space: from w = 0 every
iterate is w = Xᵀb, so with K = XXᵀ the step is b ← b − η·(Kb − y)/n, test
predictions are (X_test·Xᵀ)·b and ‖w‖² = bᵀKb — n-vectors instead of
d-vectors. Records train MSE, test MSE and ‖w‖ as gd_numpy.py does.

    python gd_rowspace.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
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

n = X.shape[0]
K, K_test = X @ X.T, X_test @ X.T
b = np.zeros(n)
records = []
for t in range(args.steps + 1):
    r = K @ b - y
    if t % args.every == 0:
        e = K_test @ b - y_test
        records.append((r @ r / n, e @ e / len(y_test), np.sqrt(b @ K @ b)))
    if t == args.steps:
        break
    b -= args.lr * r / n
w = X.T @ b
done = time.perf_counter()

train_mse, test_mse, l2_norm = np.array(records).T
np.savez(args.out, weights=w, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
print(json.dumps({"load_seconds": loaded - start, "compute_seconds": done - loaded}))
