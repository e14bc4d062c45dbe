"""Min-norm gradient descent in NumPy, in d-space: the linear model from w = 0,
w ← w − η·Xᵀ(Xw − y)/n, recording train MSE, test MSE and ‖w‖ at step 0 and
every `every` steps through the last.

    python gd_numpy.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
"""
import numpy as np

from peer import Peer

run = Peer(steps=5000, every=50, lr=0.05)
args = run.args
X, y = run.X, run.y
X_test, y_test = run.X_test, run.y_test

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
run.stop()

train_mse, test_mse, l2_norm = np.array(records).T
run.finish(weights=w, train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
