"""Min-norm gradient descent in NumPy, in the row space: from w = 0 every
iterate is w = Xᵀb, so with K = XXᵀ the step is b ← b − η·(Kb − y)/n, test
predictions are (X_test·Xᵀ)·b and ‖w‖² = bᵀKb — n-vectors instead of
d-vectors. Records train MSE, test MSE and ‖w‖ as gd_numpy.py does.

    python gd_rowspace.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
"""
import numpy as np

from peer import Peer

run = Peer(steps=5000, every=50, lr=0.05)
args = run.args
X, y = run.X, run.y
X_test, y_test = run.X_test, run.y_test

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
run.stop()

train_mse, test_mse, l2_norm = np.array(records).T
run.finish(weights=w, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
