"""Tries to open an HDF5 file read-only from a second process with HDF5 file
locking on (h5py's locking=True) and prints "opened" or "refused: <reason>"."""
import sys

import h5py

try:
    with h5py.File(sys.argv[1], "r", locking=True):
        print("opened")
except OSError as error:
    print("refused:", error)
