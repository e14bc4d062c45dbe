"""Ridge path with scikit-learn: a Ridge fit per λ (alpha = nλ, no intercept,
solver chosen by scikit-learn), with train and test MSE and the norms.

    python ridge_sklearn.py DATA_DIR OUT.npz [--lambdas 100]
"""
import argparse
import json
import time

import h5py
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--lambdas", type=int, default=100)
args = parser.parse_args()

start = time.perf_counter()
with h5py.File(f"{args.data}/train.h5") as f:
    X, y = f["X"][()], f["y"][()]
with h5py.File(f"{args.data}/test.h5") as f:
    X_test, y_test = f["X"][()], f["y"][()]
loaded = time.perf_counter()

n = X.shape[0]
lambdas = np.logspace(-6, 2, args.lambdas)
rows = []
for lam in lambdas:
    model = Ridge(alpha=n * lam, fit_intercept=False).fit(X, y)
    w = model.coef_
    rows.append((w, mean_squared_error(y, model.predict(X)), mean_squared_error(y_test, model.predict(X_test))))
done = time.perf_counter()

W = np.array([r[0] for r in rows])
np.savez(args.out, l2=lambdas, weights=W, train_mse=np.array([r[1] for r in rows]),
         test_mse=np.array([r[2] for r in rows]), l2_norm=np.linalg.norm(W, axis=1), l1_norm=np.abs(W).sum(1))
print(json.dumps({"load_seconds": loaded - start, "compute_seconds": done - loaded}))
