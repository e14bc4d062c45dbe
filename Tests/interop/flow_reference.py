"""Gradient flow in parameter space by SciPy, independently of regime's
row-space reduction: solve_ivp with Radau (implicit, order 5) at rtol 1e-12,
atol 1e-14 on θ′ = −∇_θ L(φ(θ)) − λθ for the model regime names.

IN.h5: /x, /y, /times; attributes model (linear, squared, diagonal), depth,
alpha, decay (λ on the parameters; for linear, l2 + weight decay on w) and
loss (squared: 1/(2n)‖Xw − y‖², logistic: mean log(1 + exp(−y·Xw))).
OUT.h5: /w, one row of weights per time.
"""
import sys

import h5py
import numpy as np
from scipy.integrate import solve_ivp

source, target = sys.argv[1], sys.argv[2]
with h5py.File(source, "r") as f:
    X, y, times = f["x"][()], f["y"][()], f["times"][()]
    model, loss = f.attrs["model"], f.attrs["loss"]
    depth, alpha, decay = int(f.attrs["depth"]), float(f.attrs["alpha"]), float(f.attrs["decay"])
n, d = X.shape


def weight_gradient(w):
    p = X @ w
    r = p - y if loss == "squared" else -y / (1 + np.exp(y * p))
    return X.T @ r / n


if model == "linear":
    start = np.zeros(d)
    weights = lambda theta: theta
    def rhs(t, theta):
        return -weight_gradient(theta) - decay * theta
elif model == "squared":
    start = np.full(d, alpha)
    weights = lambda theta: theta ** 2
    def rhs(t, theta):
        return -2 * theta * weight_gradient(theta ** 2) - decay * theta
else:
    start = np.full(2 * d, alpha)
    weights = lambda theta: theta[:d] ** depth - theta[d:] ** depth
    def rhs(t, theta):
        u, v = theta[:d], theta[d:]
        g = weight_gradient(u ** depth - v ** depth)
        return np.concatenate([-depth * u ** (depth - 1) * g - decay * u, depth * v ** (depth - 1) * g - decay * v])

solution = solve_ivp(rhs, (0, times[-1]), start, method="Radau", t_eval=times, rtol=1e-12, atol=1e-14)
assert solution.success, solution.message
with h5py.File(target, "w") as out:
    out["w"] = np.array([weights(solution.y[:, i]) for i in range(len(times))])
