"""scikit-learn's own copy of the 8×8 digits (sklearn.datasets.load_digits), as
JSON: images (1,797 × 64 pixel values, row by row) and labels — what
data/digits.h5 must hold."""
import json
import sys

from sklearn.datasets import load_digits

digits = load_digits()
json.dump({"images": [int(v) for v in digits.images.reshape(-1)], "labels": [int(v) for v in digits.target]}, sys.stdout)
