"""The engine's own speed (issue 4): regime check of a 1,000-point sweep, a
no-op rerun of a 64-point sweep, and the scheduler's overhead per unit — each
the best of five runs of the release binary, in a scratch copy of bench/."""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
regime = os.path.join(root, ".build", "release", "regime")


def timed(arguments, cwd, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([regime] + arguments, cwd=cwd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    global regime
    parser = argparse.ArgumentParser()
    parser.add_argument("--regime", default=regime)
    regime = os.path.abspath(parser.parse_args().regime)
    scratch = tempfile.mkdtemp(prefix="regime-bench-")
    try:
        for name in os.listdir(os.path.join(root, "bench", "pipelines")):
            shutil.copy(os.path.join(root, "bench", "pipelines", name), scratch)
        check = timed(["check", "sweep-1000.yaml"], scratch)
        subprocess.run([regime, "run", "sweep-64.yaml", "--quiet"], cwd=scratch, check=True)
        noop = timed(["run", "sweep-64.yaml"], scratch)
        # Overhead: wall time of a cold run minus the time its units spent
        # working, per unit (one job, so nothing overlaps).
        best = None
        for _ in range(3):
            shutil.rmtree(os.path.join(scratch, ".regime"), ignore_errors=True)
            trace = os.path.join(scratch, "trace.jsonl")
            if os.path.exists(trace):
                os.remove(trace)
            start = time.perf_counter()
            subprocess.run([regime, "run", "many-instances.yaml", "--jobs", "1", "--quiet", "--trace", trace],
                           cwd=scratch, check=True)
            wall = time.perf_counter() - start
            units = [json.loads(line) for line in open(trace)]
            work = sum(u["end"] - u["start"] for u in units)
            batch = [u["end"] - u["start"] for u in units if u["kind"] == "batch"]
            result = (wall, work, len(units), (wall - work) / len(units), sum(batch) / len(batch))
            best = result if best is None or result[0] < best[0] else best
        wall, work, count, per_unit, per_batch = best
        print(f"regime check, 1,000-point sweep (1,013 instances):   {check * 1000:7.1f} ms")
        print(f"regime run, no-op rerun of a 64-point sweep:          {noop * 1000:7.1f} ms")
        print(f"scheduler + cache overhead per unit ({count} units, 1 job): {per_unit * 1000:5.2f} ms "
              f"(wall {wall:.2f} s, units working {work:.2f} s; a one-step fit batch alone takes {per_batch * 1000:.2f} ms)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
