"""W1 in NumPy, batched the way a careful hand-written script would be: the 64
points (α over logspace(−3, 0, 16) × λ ∈ {0, 1e−4, 1e−3, 1e−2}) of the
depth-2 diagonal model w = u∘u − v∘v from u = v = α are the columns of d × K
matrices, two matrix products per step, recording the objective, test MSE,
‖w‖₁ and ‖w‖₂ at step 0 and every `every` steps, as regime does.

    python w1_numpy.py DATA_DIR OUT.npz [--steps 2000] [--every 20] [--lr 0.01]
"""
import numpy as np

from peer import Peer

run = Peer(steps=2000, every=20, lr=0.01)
args = run.args
X, y = run.X, run.y
X_test, y_test = run.X_test, run.y_test

n, d = X.shape
alphas = np.repeat(np.logspace(-3, 0, 16), 4)
lambdas = np.tile([0, 1e-4, 1e-3, 1e-2], 16)
lr = args.lr
U = np.tile(alphas, (d, 1))
V = U.copy()
records = []
for t in range(args.steps + 1):
    W = U * U - V * V
    R = X @ W - y[:, None]
    if t % args.every == 0:
        squares = (W * W).sum(0)
        E = X_test @ W - y_test[:, None]
        records.append(((R * R).sum(0) / (2 * n) + 0.5 * lambdas * squares, (E * E).mean(0),
                        np.abs(W).sum(0), np.sqrt(squares)))
    if t == args.steps:
        break
    G = X.T @ R / n + lambdas * W
    U -= lr * 2 * U * G
    V += lr * 2 * V * G
run.stop()

objective, test_mse, l1_norm, l2_norm = np.array(records).transpose(1, 2, 0)  # each K × T
run.finish(init_scale=alphas, l2=lambdas, weights=W.T, objective=objective, test_mse=test_mse,
         l1_norm=l1_norm, l2_norm=l2_norm)
