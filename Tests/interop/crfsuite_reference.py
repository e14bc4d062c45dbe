"""CRFsuite (python-crfsuite) on the same sequences, as the reference for
regime's linear-chain CRF.

IN.h5: /train_x (n × d), /train_labels (n), /train_lengths, /test_x,
/test_lengths; attributes c1, c2 (CRFsuite's: loss = −Σ log p + c1‖w‖₁ +
c2‖w‖², summed over sequences), states L. Each token's attributes are its d
features, named f0…f(d−1), with their values; every (attribute, label) pair and
every transition is a feature (feature.possible_states and
possible_transitions), trained by L-BFGS (OWL-QN when c1 > 0) to a tight
tolerance (feature.minfreq very negative, see below). Prints JSON: predictions (test labels, concatenated), emissions
(L × d, row-major: the weight of attribute j for label i) and transitions
(L × L, from i to j), each as repr strings.
"""
import json
import os
import sys
import tempfile

import h5py
import numpy as np
import pycrfsuite

with h5py.File(sys.argv[1], "r") as f:
    x, labels, lengths = f["train_x"][()], f["train_labels"][()], f["train_lengths"][()]
    tx, tlengths = f["test_x"][()], f["test_lengths"][()]
    c1, c2, states = float(f.attrs["c1"]), float(f.attrs["c2"]), int(f.attrs["states"])
d = x.shape[1]


def tokens(rows):
    return [{f"f{j}": float(row[j]) for j in range(d)} for row in rows]


trainer = pycrfsuite.Trainer(verbose=False)
start = 0
for length in lengths:
    trainer.append(tokens(x[start:start + length]), [str(int(v)) for v in labels[start:start + length]])
    start += length
# CRFsuite counts a feature's frequency as the sum of its attribute's values and
# drops those below feature.minfreq: with real features of either sign that sum
# is often negative, so a large negative minfreq keeps every (attribute, label) pair.
trainer.set_params({"c1": c1, "c2": c2, "max_iterations": 5000, "epsilon": 1e-10, "period": 10, "delta": 1e-14,
                    "feature.possible_states": 1, "feature.possible_transitions": 1, "feature.minfreq": -1e9})
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, "model.crfsuite")
    trainer.train(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    predictions = []
    start = 0
    for length in tlengths:
        predictions += [int(v) for v in tagger.tag(tokens(tx[start:start + length]))]
        start += length
    info = tagger.info()
    emissions = np.zeros((states, d))
    for (attribute, label), weight in info.state_features.items():
        emissions[int(label), int(attribute[1:])] = weight
    transitions = np.zeros((states, states))
    for (a, b), weight in info.transitions.items():
        transitions[int(a), int(b)] = weight
    tagger.close()
json.dump({"predictions": predictions, "emissions": [repr(float(v)) for v in emissions.ravel()],
           "transitions": [repr(float(v)) for v in transitions.ravel()]}, sys.stdout)
