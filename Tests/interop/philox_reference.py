"""Raw 64-bit outputs of NumPy's Philox4x64-10 for a key and a substream, as
regime's RandomStream numbers them: block b of substream s is the Philox
function at counter (b, s, 0, 0). NumPy increments its counter before each
block, so it starts one below. Prints JSON: decimal strings (exact)."""
import json
import sys

import numpy as np

k0, k1, substream, count = (int(v) for v in sys.argv[1:5])
counter = ((substream << 64) - 1) % (1 << 256)
# The key as one 128-bit integer (word 0 low): NumPy turns a list of Python
# ints into float64 first, which loses the low bits of large words.
generator = np.random.Philox(key=k0 | (k1 << 64), counter=counter)
json.dump({"raw": [str(int(v)) for v in generator.random_raw(count)]}, sys.stdout)
