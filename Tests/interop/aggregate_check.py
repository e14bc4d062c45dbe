"""The aggregated view of a results file computed with pandas and SciPy, for
regime show --aggregate: rows grouped by every coordinate and stage column
(by each column's role attribute), n, and per metric the mean, the sample
standard deviation and t_{0.975, n−1}·sd/√n. Prints JSON: one record per group,
in the order groups first appear, with the group's coordinate texts.

    python aggregate_check.py RESULTS.h5 METRIC
"""
import json
import sys

import h5py
import numpy as np
import pandas as pd
from scipy import stats

path, metric = sys.argv[1], sys.argv[2]
with h5py.File(path, "r") as f:
    group = f["summary"]
    columns = {name: group[name][()] for name in group if name != "point"}
    roles = {name: group[name].attrs["role"] for name in columns}
frame = pd.DataFrame({k: (v.astype(str) if v.dtype.kind in "OS" else v) for k, v in columns.items()})
keys = [name for name in columns if roles[name] in ("coordinate", "stage")]
records = []
for key, rows in frame.groupby(keys, sort=False):
    values = rows[metric].dropna().to_numpy()
    n = len(rows)
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    half = stats.t.ppf(0.975, len(values) - 1) * sd / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    records.append({"key": [repr(k) for k in (key if isinstance(key, tuple) else (key,))], "n": n,
                    "mean": repr(float(values.mean())), "sd": repr(float(sd)), "ci95": repr(float(half))})
print(json.dumps({"groups": records}))
