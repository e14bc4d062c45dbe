#!/usr/bin/env python3
"""Writes data/digits.h5, the 8×8 handwritten digits regime ships for diffusion studies.

The source is the copy of the UCI "Optical Recognition of Handwritten Digits"
test set that scikit-learn distributes (sklearn/datasets/data/digits.csv.gz):
1,797 rows of 64 pixel values (0–16) and a class label (0–9). Run it with the
test virtualenv: .venv/bin/python scripts/make-digits.py (data/README.md).
"""
import gzip
import os
import sys

import h5py
import numpy as np
import sklearn

source = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "digits.csv.gz")
with gzip.open(source, "rt") as f:
    table = np.loadtxt(f, delimiter=",", dtype=np.int64)
if table.shape != (1797, 65):
    sys.exit(f"{source}: expected 1797 rows of 65 values, found {table.shape}")
images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
labels = table[:, 64].astype(np.int64)
assert images.max() <= 16 and set(np.unique(labels)) == set(range(10))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "digits.h5")
# track_times=False: the same bytes every time the script runs.
with h5py.File(out, "w", track_order=True) as f:
    f.attrs["source"] = "UCI Optical Recognition of Handwritten Digits (test set, 1,797 images), as distributed by scikit-learn"
    f.attrs["license"] = "CC BY 4.0 (UCI Machine Learning Repository)"
    f.attrs["pixel_range"] = "0-16: the count of set pixels in each 4x4 block of a 32x32 bitmap"
    f.create_dataset("images", data=images, track_times=False)
    f.create_dataset("labels", data=labels, track_times=False)
print(f"wrote {os.path.normpath(out)}: images {images.shape} uint8, labels {labels.shape}")
