"""Denoisers of diffusion data by NumPy and scikit-learn, independently of
regime's eigenbasis solutions.

IN.h5: /images (N × d training images), /sigmas (T), per step t = 1…T the
training pairs /train/<t>/noisy and /train/<t>/noise (n × d) and the test pairs
/test/<t>/noisy, /test/<t>/noise; optional random features /A (p × d) and /c (p);
attributes lambda, rate, steps (GD), alpha (W₀ = alpha everywhere).
OUT.h5, per step t: /<t>/ridge_W, /<t>/ridge_b (scikit-learn Ridge on the
features, alpha = n·λ, intercept fitted), /<t>/lstsq_W (the minimum-norm
least-squares solution on centred features, numpy.linalg.lstsq), /<t>/gd_W,
/<t>/gd_b (a plain GD loop), /<t>/ridge_train_loss, /<t>/ridge_test_loss
(per-pixel MSE), /<t>/empirical (the empirical-optimal denoiser on the test
inputs, computed directly: log-sum-exp weights over the images), /<t>/wiener
(σ_t²(C + S_t I)⁻¹(x − μ) on the test inputs, by numpy.linalg.solve).
"""
import sys

import h5py
import numpy as np
from scipy.special import logsumexp
from sklearn.linear_model import Ridge

source, target = sys.argv[1], sys.argv[2]
with h5py.File(source, "r") as f:
    images, sigmas = f["images"][()], f["sigmas"][()]
    A = f["A"][()] if "A" in f else None
    c = f["c"][()] if "c" in f else None
    lam, rate, steps, alpha = (float(f.attrs["lambda"]), float(f.attrs["rate"]), int(f.attrs["steps"]),
                               float(f.attrs["alpha"]))
    pairs = {(part, t): (f[f"{part}/{t}/noisy"][()], f[f"{part}/{t}/noise"][()])
             for part in ("train", "test") for t in range(1, len(sigmas) + 1)}

N, d = images.shape
mu = images.mean(axis=0)
v = ((images - mu) ** 2).mean()
S = np.concatenate([[0.0], np.cumsum(sigmas ** 2)])
C = (images - mu).T @ (images - mu) / N


def features(x, t):
    if A is None:
        return x
    z = (x - mu) / np.sqrt(v + S[t])
    return np.maximum(z @ A.T + c, 0)


with h5py.File(target, "w") as out:
    for t in range(1, len(sigmas) + 1):
        x, e = pairs[("train", t)]
        xt, et = pairs[("test", t)]
        phi, phit = features(x, t), features(xt, t)
        n = phi.shape[0]
        g = out.create_group(str(t))
        ridge = Ridge(alpha=n * lam, fit_intercept=True, solver="svd").fit(phi, e)
        g["ridge_W"], g["ridge_b"] = ridge.coef_.T, ridge.intercept_ + ridge.coef_ @ phi.mean(axis=0)
        g["ridge_train_loss"] = np.mean((ridge.predict(phi) - e) ** 2)
        g["ridge_test_loss"] = np.mean((ridge.predict(phit) - et) ** 2)
        center = phi.mean(axis=0)
        pc, ec = phi - center, e - e.mean(axis=0)
        g["lstsq_W"] = np.linalg.lstsq(pc, ec, rcond=None)[0]
        W, b = np.full((phi.shape[1], d), alpha), np.zeros(d)
        for _ in range(steps):
            residual = pc @ W + b - e
            W, b = W - rate * (pc.T @ residual / n + lam * W), b - rate * residual.mean(axis=0)
        g["gd_W"], g["gd_b"] = W, b
        logits = -((xt[:, None, :] - images[None, :, :]) ** 2).sum(axis=2) / (2 * S[t])
        weights = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
        g["empirical"] = sigmas[t - 1] ** 2 / S[t] * (xt - weights @ images)
        g["wiener"] = sigmas[t - 1] ** 2 * np.linalg.solve(C + S[t] * np.eye(d), (xt - mu).T).T
