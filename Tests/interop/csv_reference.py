"""Reads a CSV file with pandas and with Python's csv module (which must
agree), and prints X (every column but the target) and y as exact repr
strings, with the column names, as JSON."""
import csv
import json
import sys

import pandas as pd

path, target = sys.argv[1], sys.argv[2]
frame = pd.read_csv(path)
features = [c for c in frame.columns if c != target]
with open(path, newline="") as handle:
    rows = list(csv.DictReader(handle))
for i, row in enumerate(rows):
    for column in frame.columns:
        assert float(row[column]) == float(frame[column].iloc[i]), (i, column)
json.dump({
    "features": features,
    "x": [repr(float(v)) for v in frame[features].to_numpy().reshape(-1)],
    "y": [repr(float(v)) for v in frame[target].to_numpy()],
}, sys.stdout)
