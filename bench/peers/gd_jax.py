"""Min-norm gradient descent in JAX (float64, jit): the d-space loop of
gd_numpy.py as a lax.scan over record blocks of a lax.fori_loop of steps.
The time includes compilation, as a user's run does.

    python gd_jax.py DATA_DIR OUT.npz [--steps 5000] [--every 50] [--lr 0.05]
"""
import argparse
import json
import time

import h5py
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--steps", type=int, default=5000)
parser.add_argument("--every", type=int, default=50)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()

start = time.perf_counter()
with h5py.File(f"{args.data}/train.h5") as f:
    X, y = jnp.asarray(f["X"][()]), jnp.asarray(f["y"][()])
with h5py.File(f"{args.data}/test.h5") as f:
    X_test, y_test = jnp.asarray(f["X"][()]), jnp.asarray(f["y"][()])
loaded = time.perf_counter()
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
done = time.perf_counter()

train_mse, test_mse, l2_norm = np.asarray(records).T
np.savez(args.out, weights=np.asarray(w), train_mse=train_mse, test_mse=test_mse, l2_norm=l2_norm)
print(json.dumps({"load_seconds": loaded - start, "compute_seconds": done - loaded}))
