"""Opens a group of an HDF5 file with xarray's h5netcdf engine and prints, as
JSON, each variable's dimension names and shape: what regime's dimension
scales must give a researcher who types xr.open_dataset(path, group=...)."""
import json
import sys

import xarray as xr

path, group = sys.argv[1], sys.argv[2]
with xr.open_dataset(path, engine="h5netcdf", group=group, phony_dims="access") as ds:
    json.dump({name: {"dims": list(var.dims), "shape": list(var.shape)} for name, var in ds.variables.items()},
              sys.stdout)
