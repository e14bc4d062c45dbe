"""scikit-learn's answers for regime's split and standardization tests.

  standardize IN.h5 OUT.h5: fits StandardScaler on /train_x, transforms
      /train_x and /test_x; writes mean, scale and both transforms.
  kfold N K: prints the KFold test-fold sizes for N rows as JSON.
  test_count N FRACTION: prints train_test_split's test size as JSON.
"""
import json
import sys

import h5py
import numpy as np
from sklearn.model_selection import KFold, train_test_split
from sklearn.preprocessing import StandardScaler

command = sys.argv[1]
if command == "standardize":
    with h5py.File(sys.argv[2], "r") as f:
        train, test = f["train_x"][()], f["test_x"][()]
    scaler = StandardScaler().fit(train)
    with h5py.File(sys.argv[3], "w") as out:
        out["mean"] = scaler.mean_
        out["scale"] = scaler.scale_
        out["train"] = scaler.transform(train)
        out["test"] = scaler.transform(test)
elif command == "kfold":
    n, k = int(sys.argv[2]), int(sys.argv[3])
    sizes = [len(test) for _, test in KFold(n_splits=k).split(np.zeros(n))]
    json.dump({"sizes": sizes}, sys.stdout)
elif command == "test_count":
    n, fraction = int(sys.argv[2]), float(sys.argv[3])
    _, test = train_test_split(np.arange(n), test_size=fraction, random_state=0)
    json.dump({"count": len(test)}, sys.stdout)
