"""W1 in NumPy, batched the way a careful hand-written script would be: the 64
points are the columns of d × K matrices, two matrix products per step, the
same metrics recorded every 20 steps as regime records. Prints the best of
three wall-clock times as JSON. Threads: OPENBLAS_NUM_THREADS (set by the caller)."""
import json
import time

import numpy as np

n, d, m, steps, every = 200, 2000, 1000, 2000, 20
rng = np.random.default_rng(1)
X = rng.standard_normal((n + m, d))
w_true = np.zeros(d)
w_true[rng.choice(d, 10, replace=False)] = rng.choice([-1.0, 1.0], 10)
y = X @ w_true + 0.1 * rng.standard_normal(n + m)
Xtr, ytr, Xte, yte = X[:n], y[:n], X[n:], y[n:]
alphas = np.repeat(np.logspace(-3, 0, 16), 4)
lambdas = np.tile([0, 1e-4, 1e-3, 1e-2], 16)
lr = 0.01


def run():
    U = np.tile(alphas, (d, 1))
    V = U.copy()
    records = []
    for t in range(steps + 1):
        W = U * U - V * V
        R = Xtr @ W - ytr[:, None]
        if t % every == 0:
            loss = (R * R).sum(0) / (2 * n)
            squares = (W * W).sum(0)
            test = Xte @ W - yte[:, None]
            records.append((loss + 0.5 * lambdas * squares, (test * test).mean(0), np.abs(W).sum(0), np.sqrt(squares)))
        if t == steps:
            break
        G = Xtr.T @ R / n + lambdas * W
        U -= lr * 2 * U * G
        V += lr * 2 * V * G
    return records


times = []
for _ in range(3):
    start = time.perf_counter()
    run()
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times)}))
