"""W1 in JAX: one point's gradient descent on the depth-2 diagonal model
written once, batched over the 64 points with jax.vmap and compiled with
jax.jit (XLA), in float64, recording the objective, test MSE, ‖w‖₁ and ‖w‖₂
every `every` steps as w1_numpy.py does. The time includes compilation.

    python w1_jax.py DATA_DIR OUT.npz [--steps 2000] [--every 20] [--lr 0.01]
"""
import jax
import jax.numpy as jnp
import numpy as np

from peer import Peer

jax.config.update("jax_enable_x64", True)

run = Peer(steps=2000, every=20, lr=0.01)
args = run.args
X, y = jnp.asarray(run.X), jnp.asarray(run.y)
X_test, y_test = jnp.asarray(run.X_test), jnp.asarray(run.y_test)

n, d = X.shape
alphas = np.repeat(np.logspace(-3, 0, 16), 4)
lambdas = np.tile([0, 1e-4, 1e-3, 1e-2], 16)
lr, every = args.lr, args.every


def one_point(alpha, lam):
    def gd_step(_, state):
        u, v = state
        w = u * u - v * v
        g = X.T @ (X @ w - y) / n + lam * w
        return u - lr * 2 * u * g, v + lr * 2 * v * g

    def metrics(u, v):
        w = u * u - v * v
        r, e = X @ w - y, X_test @ w - y_test
        return jnp.stack([r @ r / (2 * n) + 0.5 * lam * (w @ w), e @ e / len(y_test), jnp.abs(w).sum(),
                          jnp.sqrt(w @ w)])

    def block(state, _):
        return jax.lax.fori_loop(0, every, gd_step, state), metrics(*state)

    u0 = jnp.full(d, alpha)
    (u, v), records = jax.lax.scan(block, (u0, u0), None, length=args.steps // every)
    return u * u - v * v, jnp.concatenate([records, metrics(u, v)[None]])


W, records = jax.block_until_ready(jax.jit(jax.vmap(one_point))(jnp.asarray(alphas), jnp.asarray(lambdas)))
run.stop()

objective, test_mse, l1_norm, l2_norm = np.asarray(records).transpose(2, 0, 1)  # each K × T
run.finish(init_scale=alphas, l2=lambdas, weights=np.asarray(W), objective=objective, test_mse=test_mse,
         l1_norm=l1_norm, l2_norm=l2_norm)
