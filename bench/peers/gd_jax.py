"""Min-norm gradient descent in JAX (float64, jit): the d-space loop of
gd_numpy.py as a lax.scan over record blocks of a lax.fori_loop of steps.
The time includes compilation, as a user's run does.

    python gd_jax.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
"""
import jax
import jax.numpy as jnp
import numpy as np

from peer import Peer

jax.config.update("jax_enable_x64", True)

run = Peer(steps=5000, every=50, lr=0.05)
args = run.args
X, y = jnp.asarray(run.X), jnp.asarray(run.y)
X_test, y_test = jnp.asarray(run.X_test), jnp.asarray(run.y_test)
n, d = X.shape
lr, every = args.lr, args.every


@jax.jit
def train():
    def metrics(w):
        r, e = X @ w - y, X_test @ w - y_test
        return jnp.stack([r @ r / n, e @ e / len(y_test), jnp.sqrt(w @ w)])

    def step(_, w):
        return w - lr * (X.T @ (X @ w - y)) / n

    def block(w, _):
        return jax.lax.fori_loop(0, every, step, w), metrics(w)

    w, records = jax.lax.scan(block, jnp.zeros(d), None, length=args.steps // every)
    return w, jnp.concatenate([records, metrics(w)[None]])


w, records = jax.block_until_ready(train())
run.stop()

train_mse, test_mse, l2_norm = np.asarray(records).T
run.finish(weights=np.asarray(w), train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
