"""W1 in JAX: one point's gradient descent written once, batched over the 64
points with jax.vmap and compiled with jax.jit (XLA), in float64, recording the
same metrics every 20 steps. Compilation is excluded (a warm-up call first);
prints the best of three wall-clock times as JSON. Threads: XLA_FLAGS (set by
the caller)."""
import json
import time

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

n, d, m, steps, every = 200, 2000, 1000, 2000, 20
rng = np.random.default_rng(1)
X = rng.standard_normal((n + m, d))
w_true = np.zeros(d)
w_true[rng.choice(d, 10, replace=False)] = rng.choice([-1.0, 1.0], 10)
y = X @ w_true + 0.1 * rng.standard_normal(n + m)
Xtr, ytr, Xte, yte = (jnp.asarray(a) for a in (X[:n], y[:n], X[n:], y[n:]))
alphas = jnp.asarray(np.repeat(np.logspace(-3, 0, 16), 4))
lambdas = jnp.asarray(np.tile([0, 1e-4, 1e-3, 1e-2], 16))
lr = 0.01


def one_point(alpha, lam):
    def gd_step(_, state):
        u, v = state
        w = u * u - v * v
        g = Xtr.T @ (Xtr @ w - ytr) / n + lam * w
        return u - lr * 2 * u * g, v + lr * 2 * v * g

    def metrics(u, v):
        w = u * u - v * v
        r = Xtr @ w - ytr
        t = Xte @ w - yte
        return jnp.stack([r @ r / (2 * n) + 0.5 * lam * (w @ w), (t @ t) / m, jnp.abs(w).sum(), jnp.sqrt(w @ w)])

    def block(state, _):
        u, v = state
        record = metrics(u, v)
        return jax.lax.fori_loop(0, every, gd_step, (u, v)), record

    u0 = jnp.full(d, alpha)
    (u, v), records = jax.lax.scan(block, (u0, u0), None, length=steps // every)
    return jnp.concatenate([records, metrics(u, v)[None]])


run = jax.jit(jax.vmap(one_point))
run(alphas, lambdas).block_until_ready()
times = []
for _ in range(3):
    start = time.perf_counter()
    run(alphas, lambdas).block_until_ready()
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times)}))
