"""What every training peer shares: its command line (DATA_DIR OUT.npz and
--options), the train.h5 and test.h5 bench/run.py writes into DATA_DIR (X and
y, read with h5py into NumPy arrays), and its report — the outputs as an .npz
for the agreement checks and one JSON line of load and compute seconds.

    run = Peer(steps=5000, every=50, lr=0.05)   # parses, loads, starts the clock
    ... run.X, run.y, run.X_test, run.y_test, run.args.steps ...
    run.stop()                                  # the computation ends here
    run.finish(weights=w, train_mse=...)        # writes the outputs, reports the times
"""
import argparse
import json
import time

import h5py
import numpy as np


class Peer:
    def __init__(self, **options):
        """Options are --name value pairs, typed by their defaults."""
        parser = argparse.ArgumentParser()
        parser.add_argument("data")
        parser.add_argument("out")
        for name, default in options.items():
            parser.add_argument("--" + name, type=type(default), default=default)
        self.args = parser.parse_args()
        self.start = time.perf_counter()
        with h5py.File(f"{self.args.data}/train.h5") as f:
            self.X, self.y = f["X"][()], f["y"][()]
        with h5py.File(f"{self.args.data}/test.h5") as f:
            self.X_test, self.y_test = f["X"][()], f["y"][()]
        self.loaded = time.perf_counter()

    def stop(self):
        """Ends the computed part (what follows, building the outputs, is not timed)."""
        self.done = time.perf_counter()

    def finish(self, **outputs):
        """After stop(): writes the outputs and the JSON line."""
        np.savez(self.args.out, **outputs)
        print(json.dumps({"load_seconds": self.loaded - self.start, "compute_seconds": self.done - self.loaded}))
