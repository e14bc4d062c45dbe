"""The early-stopping sweep in JAX: kernel-rich's depth-2 diagonal model
w = u∘u − v∘v from u = v = α, α over logspace(−3, 0.5, 16), each point
trained until ‖Xw − y‖ ≤ tol·‖y‖ or the step budget, with regime's `lr: auto`
rule η = 1/(8·max(α², 1)·λ_max(XᵀX/n)) (λ_max exact, by eigvalsh).

One point's loop is a lax.while_loop that stops at convergence; jax.vmap
batches it over α (XLA then runs the batch while any point is still going,
holding the converged ones fixed), inside a lax.scan over record blocks that
records the test MSE every `every` steps (NaN once a point has stopped, as
regime does). Float64; the time includes compilation.

    python es_jax.py DATA_DIR OUT.npz [--steps 50000] [--every 1000] [--tol 1e-6] [--points 16]
"""
import jax
import jax.numpy as jnp
import numpy as np

from peer import Peer

jax.config.update("jax_enable_x64", True)

run = Peer(steps=50000, every=1000, tol=1e-6, points=16)
args = run.args
X, y = run.X, run.y
X_test, y_test = jnp.asarray(run.X_test), jnp.asarray(run.y_test)

n, d = X.shape
alphas = np.logspace(-3, 0.5, args.points)
lrs = 1 / (8 * np.maximum(alphas ** 2, 1) * np.linalg.eigvalsh(X @ X.T / n)[-1])
threshold = (args.tol * np.linalg.norm(y)) ** 2
every = args.every
X, y = jnp.asarray(X), jnp.asarray(y)


def one_point(alpha, lr):
    def going(state):
        u, v, r, t, end = state
        return (t < end) & (r @ r > threshold)

    def gd_step(state):
        u, v, r, t, end = state
        g = X.T @ r / n
        u, v = u - lr * 2 * u * g, v + lr * 2 * v * g
        return u, v, X @ (u * u - v * v) - y, t + 1, end

    def record(state, at):
        u, v, r, t = state
        e = X_test @ (u * u - v * v) - y_test
        return jnp.where(t == at, e @ e / len(y_test), jnp.nan)

    def block(state, at):
        test_mse = record(state, at)
        u, v, r, t, _ = jax.lax.while_loop(going, gd_step, (*state, at + every))
        return (u, v, r, t), test_mse

    u0 = jnp.full(d, alpha)
    state = (u0, u0, -y, 0)  # w₀ = u₀∘u₀ − v₀∘v₀ = 0: the residual is −y
    state, records = jax.lax.scan(block, state, jnp.arange(0, args.steps, every))
    u, v, r, t = state
    e = X_test @ (u * u - v * v) - y_test
    return u * u - v * v, t, jnp.append(records, record(state, args.steps)), e @ e / len(y_test)


W, steps, test_mse, final_test_mse = jax.block_until_ready(
    jax.jit(jax.vmap(one_point))(jnp.asarray(alphas), jnp.asarray(lrs)))
run.stop()

run.finish(init_scale=alphas, lr=lrs, weights=np.asarray(W), steps=np.asarray(steps),
         test_mse=np.asarray(test_mse), final_test_mse=np.asarray(final_test_mse))
