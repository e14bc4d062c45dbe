"""Student's t quantiles t_{0.975, ν} for ν = 1…200 by SciPy, as JSON, for
regime's 95% intervals (Report's Aggregation)."""
import json

from scipy import stats

print(json.dumps({"quantiles": [repr(float(stats.t.ppf(0.975, v))) for v in range(1, 201)]}))
