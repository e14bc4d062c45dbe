"""Random linear-algebra problems of several shapes, with NumPy's answers,
written to an HDF5 file (one group per shape) for regime's LinearAlgebra tests.

Every product, solve and decomposition regime does through BLAS and LAPACK is
computed here by NumPy independently.
"""
import sys

import h5py
import numpy as np

SHAPES = [(1, 1), (5, 3), (3, 5), (40, 100), (100, 40), (64, 64)]

rng = np.random.default_rng(7)
with h5py.File(sys.argv[1], "w") as f:
    for m, n in SHAPES:
        g = f.create_group(f"{m}x{n}")
        A = rng.standard_normal((m, n))
        B = rng.standard_normal((n, 7))
        Bt = rng.standard_normal((7, n))
        C0 = rng.standard_normal((m, 7))
        x = rng.standard_normal(n)
        xm = rng.standard_normal(m)
        x2 = rng.standard_normal(n)
        S = rng.standard_normal((n, n))
        sym = (S + S.T) / 2
        spd = A.T @ A + np.eye(n)
        rhs = rng.standard_normal((n, 3))
        b = rng.standard_normal(m)
        for name, value in dict(A=A, B=B, Bt=Bt, C0=C0, x=x, xm=xm, x2=x2, sym=sym, spd=spd, rhs=rhs, b=b).items():
            g[name] = value
        g["ab"] = A @ B
        g["abt"] = A @ Bt.T
        g["ata"] = A.T @ A
        g["scaled"] = 0.5 * (A @ B) + 2.0 * C0
        g["ax"] = A @ x
        g["atxm"] = A.T @ xm
        g["dot"] = np.dot(x, x2)
        g["nrm2"] = np.linalg.norm(x)
        g["asum"] = np.abs(x).sum()
        g["posv"] = np.linalg.solve(spd, rhs)
        g["lstsq"] = np.linalg.lstsq(A, b, rcond=None)[0]
        g["pinv_b"] = np.linalg.pinv(A) @ b
        values, vectors = np.linalg.eigh(sym)
        g["eig_values"] = values
        g["eig_vectors"] = vectors
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
        g["svd_u"] = U
        g["svd_s"] = s
        g["svd_vt"] = Vt
