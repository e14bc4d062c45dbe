"""scikit-learn's RidgeClassifier and PCA reconstruction, for regime's
class-agreement classifier and latent space.

IN.h5: /train (n × d), /labels (n), /test (m × d); attributes lambda (regime's
λ: alpha = n·λ) and components k. Prints JSON: predictions (RidgeClassifier's
classes of the test rows) and reconstruction (the test rows projected on the
training rows' top-k principal components and mapped back, by
sklearn.decomposition.PCA, row-major).
"""
import json
import sys

import h5py
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeClassifier

with h5py.File(sys.argv[1], "r") as f:
    train, labels, test = f["train"][()], f["labels"][()], f["test"][()]
    lam, k = float(f.attrs["lambda"]), int(f.attrs["components"])
classifier = RidgeClassifier(alpha=len(train) * lam, solver="cholesky").fit(train, labels)
pca = PCA(n_components=k, svd_solver="full").fit(train)
print(json.dumps({
    "predictions": [int(c) for c in classifier.predict(test)],
    "reconstruction": [repr(float(v)) for v in pca.inverse_transform(pca.transform(test)).ravel()],
}))
