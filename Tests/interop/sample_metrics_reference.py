"""Sample metrics by NumPy and SciPy, independently of regime's.

IN.h5: /samples (S × d), /train (N × d), /test (M × d); attribute components k.
Prints JSON: memorization_rate (nearest training image closer than 1/3 of the
second nearest), nearest_train_distance, nearest_test_distance (means of
Euclidean distances, by brute force), frechet_distance (Gaussians fitted with
numpy.cov to the samples and the test images projected on the training images'
top-k principal components from numpy.linalg.svd; the matrix square root by
scipy.linalg.sqrtm, as the FID reference computation does).
"""
import json
import sys

import h5py
import numpy as np
from scipy.linalg import sqrtm

with h5py.File(sys.argv[1], "r") as f:
    samples, train, test = f["samples"][()], f["train"][()], f["test"][()]
    k = int(f.attrs["components"])

def distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))

dt = np.sort(distances(samples, train), axis=1)
memorized = np.mean(dt[:, 0] < dt[:, 1] / 3)
mean = train.mean(axis=0)
_, _, vt = np.linalg.svd(train - mean, full_matrices=False)
basis = vt[:k].T
a, b = (samples - mean) @ basis, (test - mean) @ basis
ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
root = sqrtm(ca @ cb).real
frechet = float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * root))
print(json.dumps({
    "memorization_rate": repr(float(memorized)),
    "nearest_train_distance": repr(float(dt[:, 0].mean())),
    "nearest_test_distance": repr(float(distances(samples, test).min(axis=1).mean())),
    "frechet_distance": repr(frechet),
}))
