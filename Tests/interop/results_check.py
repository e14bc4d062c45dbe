"""Reads a regime results file and its CSV export the way a researcher
would — h5py, xarray (h5netcdf) and pandas — and prints what they see as JSON,
floats as exact repr strings."""
import json
import math
import sys

import h5py
import numpy as np
import pandas as pd
import xarray as xr

path, csv = sys.argv[1], sys.argv[2]
out = {}
with h5py.File(path, "r") as f:
    out["attrs"] = {k: type(v).__name__ for k, v in f.attrs.items()}
    out["members"] = list(f.keys())
    out["summary"] = list(f["summary"].keys())
    out["shapes"] = {name: list(f[name].shape) for name in ["weights", "truth", "references/min_l2", "references/min_l1",
                                                             "references/ridge", "trajectories/step", "trajectories/train_mse"]}
    steps = f["summary/steps"][()]
    recorded = f["trajectories/step"][()]
    mse = f["trajectories/train_mse"][()]
    # NaN exactly after each point's last recorded step.
    out["nan_after_stop"] = bool(all(
        np.all(np.isnan(mse[p, recorded > steps[p]])) and np.all(np.isfinite(mse[p, recorded <= steps[p]]))
        for p in range(len(steps))))
    out["status"] = f["summary/status"].asstr()[()].tolist()
    out["roles"] = {name: f["summary"][name].attrs.get("role") for name in f["summary"] if name != "point"}
    summary = {name: f["summary"][name][()] for name in f["summary"] if h5py.check_string_dtype(f["summary"][name].dtype) is None}
frame = pd.read_csv(csv, float_precision="round_trip")
out["csv_columns"] = list(frame.columns)
out["csv_matches"] = bool(all(
    np.array_equal(frame[name].to_numpy(dtype=float), summary[name], equal_nan=True)
    for name in summary if name != "point"))
out["xarray_summary_dims"] = list(xr.open_dataset(path, engine="h5netcdf", group="summary").dims)
out["xarray_trajectory_dims"] = list(xr.open_dataset(path, engine="h5netcdf", group="trajectories")["train_mse"].dims)
out["xarray_root_dims"] = list(xr.open_dataset(path, engine="h5netcdf")["weights"].dims)
json.dump(out, sys.stdout)
