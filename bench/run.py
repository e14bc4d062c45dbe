"""make bench: regime side by side with a researcher's own NumPy, scikit-learn
and JAX scripts (issue 9), in one session, written to bench/RESULTS.md.

Every measurement is a whole process — `regime run` of a pipeline in
bench/pipelines/ from a fresh directory with no cache, or `python
bench/peers/<script>.py`, interpreter start and data load included — with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the environment of both,
the same thread count for both, regime and its peers alternating, --reps
repetitions each. The data are written once by NumPy into a scratch directory
(HDF5 training and test files that regime reads with `load` and its `test:`
key, and the peers with h5py), so both sides see the same bits; regime's
results file is then read with h5py and compared with the NumPy peer's output.
The scratch directory is removed at the end. Missed targets are results, not
errors; the exit status is 1 when a run failed or an agreement check is off.

    .venv/bin/python bench/run.py [--reps 3] [--quick] [--threads N] [--regime PATH] [--regime-bench PATH]
                                  [--only ridge,gd,load,w1,es,scale,flow,engine] [--out bench/RESULTS.md] [--keep]
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bench = os.path.join(root, "bench")
python = sys.executable

FULL = dict(n=200, d=2000, m=1000, lambdas=100, gd_steps=5000, gd_every=50, gd_lr=0.05,
            load_rows=20000, load_cols=1000, csv_rows=5000, w1_steps=2000, w1_every=20,
            es_n=100, es_d=1000, es_m=1000, es_steps=50000, es_every=1000, es_points=16,
            scale_sizes=[1000, 3000, 10000], scale_steps=500, flow_gd_steps=1_000_000, flow_peer_timeout=180)
QUICK = dict(n=100, d=500, m=200, lambdas=20, gd_steps=500, gd_every=50, gd_lr=0.05,
             load_rows=4000, load_cols=500, csv_rows=2000, w1_steps=200, w1_every=20,
             es_n=50, es_d=300, es_m=200, es_steps=5000, es_every=500, es_points=16,
             scale_sizes=[100, 300, 1000], scale_steps=50, flow_gd_steps=100_000, flow_peer_timeout=60)
WORKLOADS = ["ridge", "gd", "load", "w1", "es", "scale", "flow", "engine"]


# ---------------------------------------------------------------------------
# Processes

class Run:
    """One whole process: wall seconds, peak RSS (bytes), exit code, output."""

    def __init__(self, seconds, rss, code, stdout, stderr):
        self.seconds, self.rss, self.code, self.stdout, self.stderr = seconds, rss, code, stdout, stderr

    def json(self):
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def launch(command, cwd, env, timeout=None):
    """Runs `command` to completion: the wall time from start to reaping, and
    the peak RSS of that process alone. The RSS comes from GNU time, which
    starts the command from its own small process: wait4's rusage of a child
    forked from this Python process would count the parent's pages, since
    Linux carries the high-water mark across exec."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        start = time.perf_counter()
        try:
            child = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + command, cwd=cwd, env=env,
                                   stdout=out, stderr=err, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Run(time.perf_counter() - start, 0, "timeout", "", f"killed after {timeout} s")
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        # GNU time writes "Command exited with non-zero status N" before the number.
        kilobytes = [line for line in rss.read().split() if line.isdigit()]
        return Run(seconds, int(kilobytes[-1]) * 1024 if kilobytes else 0, child.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = QUICK if args.quick else FULL
        self.reps = 1 if args.quick and not args.reps_given else args.reps
        self.threads = args.threads
        self.cores = os.cpu_count()
        self.scratch = tempfile.mkdtemp(prefix="regime-bench-")
        self.data = os.path.join(self.scratch, "data")
        os.makedirs(self.data)
        self.counter = 0
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        t = str(self.threads)
        env.update(OPENBLAS_NUM_THREADS=t, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t, PYTHONDONTWRITEBYTECODE="1")
        self.env = env
        # Fewer threads than cores: every process (regime, NumPy, XLA's own pool)
        # is pinned to the first `threads` CPUs.
        self.pin = ["taskset", "-c", f"0-{self.threads - 1}"] if self.threads < self.cores else []
        self.removed = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        self.sections = []      # markdown per workload
        self.summary = []       # rows of the summary table
        self.regime_blas = None
        self.summary_agreement = []   # per workload: every agreement check within tolerance
        self.bare = None
        self.blas_lines = []

    # -- running -------------------------------------------------------------

    def regime(self, pipeline, sets=(), name=None, command="run"):
        """`regime run` of bench/pipelines/<pipeline> from a fresh directory
        beside the data (so no cache exists): returns the Run, with .dir."""
        self.counter += 1
        directory = os.path.join(self.scratch, f"run-{self.counter:03d}-{name or pipeline.split('.')[0]}")
        os.makedirs(directory)
        shutil.copy(os.path.join(bench, "pipelines", pipeline), directory)
        arguments = [self.args.regime, command, pipeline]
        trace = os.path.join(self.scratch, f"trace-{self.counter:03d}.jsonl")
        if command == "run":
            arguments += ["--jobs", str(self.threads), "--trace", trace]
        for s in sets:
            arguments += ["--set", s]
        run = launch(self.pin + arguments, directory, self.env)
        run.dir = directory
        run.trace = trace
        run.label = "regime"
        if run.code != 0:
            print(f"  regime {command} {pipeline} failed ({run.code}): {run.stderr.strip()[-2000:]}", file=sys.stderr)
        if self.regime_blas is None:
            found = re.search(r"\((OpenBLAS[^)]*)\)", run.stderr)
            if found:
                self.regime_blas = found.group(1)
        return run

    def peer(self, script, *arguments, timeout=None):
        out = os.path.join(self.scratch, f"peer-{self.counter:03d}-{script.replace('.py', '')}.npz")
        self.counter += 1
        command = self.pin + [python, os.path.join(bench, "peers", script)] + [str(a) for a in arguments]
        command = [c.replace("{out}", out) for c in command]
        run = launch(command, self.scratch, self.env, timeout=timeout)
        run.out = out
        run.label = script
        if run.code != 0:
            print(f"  {script} failed ({run.code}): {run.stderr.strip()[-2000:]}", file=sys.stderr)
        return run

    def alternate(self, contenders):
        """contenders: [(name, thunk)], run in turn, reps rounds: {name: [Run]}."""
        runs = {name: [] for name, _ in contenders}
        for rep in range(self.reps):
            for name, thunk in contenders:
                run = thunk()
                # Only the last run's outputs are compared: remove the one before
                # (a load run's cache holds a copy of the data).
                if runs[name]:
                    previous = runs[name][-1]
                    if hasattr(previous, "dir"):
                        shutil.rmtree(previous.dir, ignore_errors=True)
                    if hasattr(previous, "out") and os.path.exists(previous.out):
                        os.remove(previous.out)
                runs[name].append(run)
                status = "" if run.code == 0 else f"  FAILED (exit {run.code})"
                print(f"  [{rep + 1}/{self.reps}] {name:<34} {run.seconds:8.3f} s  {run.rss / 2**20:8.1f} MiB{status}",
                      flush=True)
        return runs

    # -- data ----------------------------------------------------------------

    def write_split(self, name, X, y, n):
        directory = os.path.join(self.data, name)
        os.makedirs(directory, exist_ok=True)
        for file, rows in (("train.h5", slice(0, n)), ("test.h5", slice(n, None))):
            with h5py.File(os.path.join(directory, file), "w") as f:
                f["X"], f["y"] = X[rows], y[rows]
        return directory

    def make_data(self):
        c = self.cfg
        # W1's definition (bench/regime-bench, issue 3): X ~ N(0, 1), a 10-sparse
        # ±1 truth, noise 0.1; the first n rows train, the next m test.
        rng = np.random.default_rng(1)
        X = rng.standard_normal((c["n"] + c["m"], c["d"]))
        truth = np.zeros(c["d"])
        truth[rng.choice(c["d"], 10, replace=False)] = rng.choice([-1.0, 1.0], 10)
        y = X @ truth + 0.1 * rng.standard_normal(c["n"] + c["m"])
        self.d2000 = self.write_split("d2000", X, y, c["n"])
        self.d2000_arrays = (X[:c["n"]], y[:c["n"]], X[c["n"]:], y[c["n"]:])
        # kernel-rich's: noiseless, 5 nonzeros of 1/√5.
        rng = np.random.default_rng(7)
        X = rng.standard_normal((c["es_n"] + c["es_m"], c["es_d"]))
        truth = np.zeros(c["es_d"])
        truth[rng.choice(c["es_d"], 5, replace=False)] = 1 / np.sqrt(5)
        self.kr1000 = self.write_split("kr1000", X, X @ truth, c["es_n"])

    def make_load_data(self):
        c = self.cfg
        directory = os.path.join(self.data, "load")
        os.makedirs(directory, exist_ok=True)
        rng = np.random.default_rng(3)
        X = rng.standard_normal((c["load_rows"], c["load_cols"]))
        y = X[:, :10].sum(1) + rng.standard_normal(c["load_rows"])
        with h5py.File(os.path.join(directory, "contiguous.h5"), "w") as f:
            f["X"], f["y"] = X, y
        with h5py.File(os.path.join(directory, "chunked.h5"), "w") as f:
            f.create_dataset("X", data=X, chunks=(min(256, len(X)), c["load_cols"]), compression="gzip",
                             compression_opts=4)
            f.create_dataset("y", data=y, chunks=True, compression="gzip", compression_opts=4)
        # The CSV: the first csv_rows rows, every value in its shortest
        # round-trip form (what Python's repr writes), so that a correct parser
        # reads back the same doubles.
        rows = c["csv_rows"]
        with open(os.path.join(directory, "data.csv"), "w") as f:
            f.write(",".join([f"x{j}" for j in range(c["load_cols"])] + ["y"]) + "\n")
            block = np.column_stack([X[:rows], y[:rows]])
            for row in block.tolist():
                f.write(",".join(map(repr, row)) + "\n")
        self.load_arrays = (X, y, rows)
        self.load_dir = directory

    # -- reading and comparing -------------------------------------------------

    @staticmethod
    def results(run):
        with h5py.File(os.path.join(run.dir, "results.h5")) as f:
            summary = {k: f["summary"][k][()] for k in f["summary"]}
            weights = f["weights"][()] if "weights" in f and isinstance(f["weights"], h5py.Dataset) else None
            trajectories = ({k: f["trajectories"][k][()] for k in f["trajectories"]}
                            if "trajectories" in f else {})
            attributes = dict(f.attrs)
        return summary, weights, trajectories, attributes

    @staticmethod
    def trace_profile(run):
        """Where a regime run's time went, from its --trace: wall time, the
        time each stage's units spent (count, summed, their span) and the time
        outside every unit (start, planning, cache, exit)."""
        path = run.trace
        if not os.path.exists(path):
            return "no trace"
        units = [json.loads(line) for line in open(path)]
        if not units:
            return "no units ran"
        stages = {}
        for u in units:
            s = stages.setdefault((u["stage"], u["kind"]), [0, 0.0, float("inf"), 0.0])
            s[0] += 1
            s[1] += u["end"] - u["start"]
            s[2] = min(s[2], u["start"])
            s[3] = max(s[3], u["end"])
        intervals = sorted((u["start"], u["end"]) for u in units)
        covered, reach = 0.0, 0.0
        for a, b in intervals:
            a = max(a, reach)
            if b > a:
                covered += b - a
                reach = b
        parts = [f"{stage} ({kind}, {count} unit{'s' if count > 1 else ''}): {total:.3f} s"
                 + (f" summed, {last - first:.3f} s span" if count > 1 else "")
                 for (stage, kind), (count, total, first, last) in stages.items()]
        return (f"wall {run.seconds:.3f} s = units {covered:.3f} s (" + "; ".join(parts) +
                f") + outside units {run.seconds - covered:.3f} s (process start, plan, cache, exit)")

    # -- reporting -------------------------------------------------------------

    @staticmethod
    def stats(runs):
        ok = [r.seconds for r in runs if r.code == 0]
        if len(ok) < len(runs) or not ok:
            return None
        return statistics.median(ok), min(ok), max(ok)

    def timing_table(self, runs, reference, flops=None, extra=None):
        """Rows: median, min–max, ratio regime/that, peak RSS (median), GFLOP/s,
        and for the peers their own timers of the data load and the compute
        (the rest of the wall time is the interpreter, imports and exit)."""
        head = "| implementation | median s | min–max s | regime ÷ this | peak RSS MiB |"
        rule = "|---|---:|---:|---:|---:|"
        if flops:
            head += " GFLOP/s |"
            rule += "---:|"
        if extra:
            head += f" {extra[0]} |"
            rule += "---|"
        head += " inside the script: load + compute s |"
        rule += "---:|"
        lines = [head, rule]
        base = self.stats(runs[reference])
        for name, rs in runs.items():
            s = self.stats(rs)
            rss = statistics.median(r.rss for r in rs) / 2**20
            if s is None:
                line = f"| {name} | failed | — | — | {rss:.0f} |"
            else:
                ratio = f"{base[0] / s[0]:.2f}×" if base else "—"
                line = f"| {name} | {s[0]:.3f} | {s[1]:.3f}–{s[2]:.3f} | {ratio} | {rss:.0f} |"
            if flops:
                line += f" {flops / s[0] / 1e9:.1f} |" if s and flops else " — |"
            if extra:
                line += f" {extra[1](name, rs)} |"
            inside = [r.json() for r in rs if r.code == 0 and getattr(r, "label", "") != "regime"]
            if inside and all("compute_seconds" in j for j in inside):
                line += (f" {statistics.median(j['load_seconds'] for j in inside):.3f} + "
                         f"{statistics.median(j['compute_seconds'] for j in inside):.3f} |")
            elif inside and all("seconds" in j for j in inside):
                line += f" {statistics.median(j['seconds'] for j in inside):.3f} |"
            else:
                line += " — |"
            lines.append(line)
        return "\n".join(lines)

    def target(self, workload, measure, value, limit, comparison="≤", unit="×", missing="FAILED TO RUN", detail=""):
        if value is None:
            verdict, shown = missing, "—"
        else:
            met = value <= limit if comparison == "≤" else value >= limit
            verdict = "MET" if met else "MISSED"
            shown = f"{value:.3g}{unit}" if unit == "×" else f"{value:.3g} {unit}"
        self.summary.append((workload, measure, shown, f"{comparison} {limit:g}{'×' if unit == '×' else ' ' + unit}",
                             verdict, detail))
        return verdict

    def ratio(self, runs, a, b):
        """The ratio of medians a ÷ b, and both medians in words."""
        sa, sb = self.stats(runs[a]), self.stats(runs[b])
        if not (sa and sb):
            return None, ""
        return sa[0] / sb[0], f"{sa[0]:.3g} s vs {sb[0]:.3g} s"

    @staticmethod
    def normwise(a, b):
        """max |a − b| / max |b| (NaN entries, where both are NaN, skipped)."""
        a, b = np.asarray(a, float), np.asarray(b, float)
        both = np.isnan(a) & np.isnan(b)
        if np.any(np.isnan(a) != np.isnan(b)):
            return float("inf")
        a, b = a[~both], b[~both]
        scale = np.max(np.abs(b)) if b.size else 0
        return float(np.max(np.abs(a - b)) / scale) if scale > 0 else float(np.max(np.abs(a - b), initial=0))

    @staticmethod
    def rowwise(a, b):
        """max over rows of ‖a_i − b_i‖ / ‖b_i‖ (weights: per point)."""
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        return float(np.max(np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-300)))

    def agreement(self, rows, tolerance, why):
        """rows: [(what, value)] or [(what, value, own tolerance)] → markdown
        lines with OK / OFF against the tolerance."""
        lines = [f"Agreement (tolerance {tolerance:g} unless a line says otherwise: {why}):", ""]
        good = True
        for what, value, *own in rows:
            limit = own[0] if own else tolerance
            if value is None:
                lines.append(f"- {what}: not available")
                continue
            good = good and value <= limit
            lines.append(f"- {what}: {value:.2e} {'OK' if value <= limit else 'OFF'}"
                         + (f" (tolerance {limit:g})" if own else ""))
        self.summary_agreement.append(good)
        return "\n".join(lines)

    # =========================================================================
    # Workloads

    def ridge(self):
        c = self.cfg
        print(f"ridge path: {c['lambdas']} λ, n={c['n']} d={c['d']} m={c['m']}", flush=True)
        sets = [] if not self.args.quick else [f"fit.sweep.l2={{logspace: [-6, 2, {c['lambdas']}]}}"]
        runs = self.alternate([
            ("regime (method: exact)", lambda: self.regime("ridge-path.yaml", sets)),
            ("NumPy thin SVD", lambda: self.peer("ridge_svd.py", self.d2000, "{out}", "--lambdas", c["lambdas"])),
            ("scikit-learn Ridge loop", lambda: self.peer("ridge_sklearn.py", self.d2000, "{out}", "--lambdas",
                                                          c["lambdas"])),
        ])
        ratio, detail = self.ratio(runs, "regime (method: exact)", "NumPy thin SVD")
        verdict = self.target("1. ridge path", "regime ÷ NumPy SVD", ratio, 1.0, detail=detail)
        text = [f"## 1. Ridge path — {verdict}", "",
                f"{c['lambdas']} λ over logspace(−6, 2), linear model, `optimizer: {{method: exact}}`, n = {c['n']}, "
                f"d = {c['d']}, {c['m']} test rows (pipelines/ridge-path.yaml; peers/ridge_svd.py, "
                f"peers/ridge_sklearn.py). Target: regime ≤ 1.0× NumPy thin SVD.", "",
                self.timing_table(runs, "regime (method: exact)"), ""]
        text.append(self.profile_line(runs["regime (method: exact)"]))
        r = runs["regime (method: exact)"][-1]
        if r.code == 0:
            summary, weights, _, _ = self.results(r)
            order = np.argsort(summary["l2"])
            rows = []
            X = self.d2000_arrays[0]
            s = np.linalg.svd(X, compute_uv=False)
            for name in ("NumPy thin SVD", "scikit-learn Ridge loop"):
                p = runs[name][-1]
                if p.code != 0:
                    continue
                ref = np.load(p.out)
                rows.append((f"weights vs {name} (per λ, ‖Δw‖/‖w‖, worst λ)",
                             self.rowwise(weights[order], ref["weights"])))
                for metric in ("train_mse", "test_mse", "l2_norm", "l1_norm"):
                    rows.append((f"{metric} vs {name} (normwise over λ)", self.normwise(summary[metric][order],
                                                                                       ref[metric])))
            n = X.shape[0]
            lam = np.logspace(-6, 2, c["lambdas"])
            cond = (s[0] ** 2 + n * lam[0]) / (s[-1] ** 2 + n * lam[0])
            text += ["", self.agreement(rows, 1e-9,
                     f"a closed form on a well-conditioned system — cond(XXᵀ + nλI) ≤ {cond:.1f} here — so two "
                     f"correct float64 solvers agree to ~1e-13; 1e-9 allows other factorizations and still catches "
                     f"a wrong λ convention or a wrong metric")]
        self.sections.append("\n".join(text))

    def gd(self):
        c = self.cfg
        print(f"min-norm GD: {c['gd_steps']} steps, lr {c['gd_lr']}, every {c['gd_every']}", flush=True)
        sets = [] if not self.args.quick else [f"fit.optimizer.steps={c['gd_steps']}"]
        options = ["--steps", c["gd_steps"], "--every", c["gd_every"], "--lr", c["gd_lr"]]
        runs = self.alternate([
            ("regime (linear, gd)", lambda: self.regime("min-norm-gd.yaml", sets)),
            ("NumPy d-space loop", lambda: self.peer("gd_numpy.py", self.d2000, "{out}", *options)),
            ("JAX jit (scan of fori_loop)", lambda: self.peer("gd_jax.py", self.d2000, "{out}", *options)),
            ("NumPy row space (w = Xᵀb)", lambda: self.peer("gd_rowspace.py", self.d2000, "{out}", *options)),
        ])
        n, d, m = c["n"], c["d"], c["m"]
        records = c["gd_steps"] // c["gd_every"] + 1
        flops = c["gd_steps"] * 4 * n * d + records * 2 * m * d
        ratio, detail = self.ratio(runs, "regime (linear, gd)", "NumPy row space (w = Xᵀb)")
        verdict = self.target("2. min-norm GD", "regime ÷ NumPy row space", ratio, 1.0, detail=detail)
        text = [f"## 2. Min-norm gradient descent — {verdict}", "",
                f"Linear model from w = 0, one point, lr {c['gd_lr']}, {c['gd_steps']} steps, train MSE, test MSE "
                f"and ‖w‖ every {c['gd_every']} steps, n = {n}, d = {d}, {m} test rows (pipelines/min-norm-gd.yaml; "
                f"peers/gd_numpy.py, gd_jax.py, gd_rowspace.py). Target: regime ≤ 1.0× NumPy row space. GFLOP/s "
                f"counts the d-space work ({flops / 1e9:.2f} GFLOP: two products of X per step, one of X_test per "
                f"record) for every implementation — for the row-space one it is an equivalent rate, not what it "
                f"computes. regime runs this single point as one unit on one BLAS thread (`--jobs` parallelizes "
                f"units); the NumPy peers' OpenBLAS uses {self.threads} threads.", "",
                self.timing_table(runs, "regime (linear, gd)", flops=flops), ""]
        text.append(self.profile_line(runs["regime (linear, gd)"]))
        text.append(self.dgemm_context())
        r = runs["regime (linear, gd)"][-1]
        if r.code == 0:
            summary, weights, trajectories, _ = self.results(r)
            rows = []
            for name in ("NumPy d-space loop", "JAX jit (scan of fori_loop)", "NumPy row space (w = Xᵀb)"):
                p = runs[name][-1]
                if p.code != 0:
                    continue
                ref = np.load(p.out)
                rows.append((f"final w vs {name} (‖Δw‖/‖w‖)", self.rowwise(weights, ref["weights"][None])))
                for metric in ("train_mse", "test_mse", "l2_norm"):
                    rows.append((f"{metric} trajectory vs {name} (normwise, {records} records)",
                                 self.normwise(trajectories[metric][0], ref[metric])))
            text += ["", self.agreement(rows, 1e-9,
                     "gradient descent with a stable step on a convex quadratic is a contraction, so rounding "
                     "differences do not grow; float64 implementations agree to ~1e-12 and 1e-9 still catches a "
                     "wrong step, record step or metric")]
        self.sections.append("\n".join(text))

    def load(self):
        c = self.cfg
        print("load: writing the files", flush=True)
        self.make_load_data()
        X, y, csv_rows = self.load_arrays
        sizes = {name: os.path.getsize(os.path.join(self.load_dir, name))
                 for name in ("contiguous.h5", "chunked.h5", "data.csv")}
        data_bytes = X.nbytes + y.nbytes
        csv_bytes = (csv_rows * (c["load_cols"] + 1)) * 8
        text = [f"## 3. Loading", "",
                f"X {c['load_rows']:,} × {c['load_cols']:,} float64 and y ({data_bytes / 1e6:.0f} MB of doubles) in a "
                f"contiguous HDF5 file ({sizes['contiguous.h5'] / 1e6:.0f} MB), the same chunked (256 rows) with "
                f"gzip level 4 ({sizes['chunked.h5'] / 1e6:.0f} MB), and the first {csv_rows:,} rows as CSV with "
                f"every value in its shortest round-trip form ({sizes['data.csv'] / 1e6:.0f} MB on disk, "
                f"{csv_bytes / 1e6:.0f} MB of doubles). regime runs pipelines/load.yaml — a single `load` stage, "
                f"the smallest valid pipeline — and, alternating with it, pipelines/load-fit.yaml, which also "
                f"trains the linear model one step from 0 (w = η·Xᵀy/n) and writes it, so that the values regime "
                f"read are checked and the peak memory of a run that trains on the data is measured; h5py and "
                f"pandas read into NumPy arrays (peers/load_h5py.py, peers/load_pandas.py). The files are in the "
                f"page cache for every process. Targets: load only ≤ 1.25× h5py (≥ 0.8× its throughput) for both "
                f"HDF5 files and ≤ 1.25× pandas for the CSV; peak RSS ≤ 1.5× the data + the trainer's buffers.", ""]
        cases = [("contiguous HDF5", "contiguous.h5", "h5py", "load_h5py.py", [], data_bytes, c["load_rows"]),
                 ("chunked + gzip HDF5", "chunked.h5", "h5py", "load_h5py.py", [], data_bytes, c["load_rows"]),
                 ("CSV", "data.csv", "pandas.read_csv", "load_pandas.py", ["data.target=y"], csv_bytes, csv_rows)]
        only, step = "regime (load only)", "regime (load, 1 step, write)"
        for label, file, peer_name, script, extra_sets, nbytes, rows_used in cases:
            print(f"load: {label}", flush=True)
            path = os.path.join(self.load_dir, file)
            sets = [f"data.path=../data/load/{file}"] + extra_sets
            runs = self.alternate([
                (only, lambda: self.regime("load.yaml", sets, name="load")),
                (step, lambda: self.regime("load-fit.yaml", sets, name="load-fit")),
                (peer_name, lambda: self.peer(script, path)),
            ])
            # A load nobody reads might one day be skipped: then the load-only
            # time measures nothing, and the run that trains on the data counts.
            read = all(self.unit_seconds(r, "data") for r in runs[only] if r.code == 0)
            timed = only if read else step
            ratio, detail = self.ratio(runs, timed, peer_name)
            verdict = self.target(f"3. load {label}", f"{timed} ÷ {peer_name}", ratio, 1.25, detail=detail)
            throughput = ("MB of doubles per s (whole process)",
                          lambda name, rs: f"{nbytes / self.stats(rs)[0] / 1e6:.0f} MB/s" if self.stats(rs) else "—")
            text += [f"### {label} — {verdict}", "",
                     self.timing_table(runs, only, extra=throughput), "",
                     f"- {only}: " + self.profile_line(runs[only]),
                     f"- {step}: " + self.profile_line(runs[step]), ""]
            if not read:
                text += ["regime's load-only run computed no `data` unit (its trace): the target uses the run that "
                         "trains on the data instead.", ""]
            # Peak memory: the issue's bound is 1.5× the data plus the trainer's
            # documented buffers (Trainer.swift: about 5·d·K + (2n + m)·K doubles
            # for the linear model in d-space, K = 1 here, no test rows, no records).
            d = c["load_cols"]
            buffers = 8 * (5 * d + 2 * rows_used)
            bound = 1.5 * nbytes + buffers
            rss_only = statistics.median(r.rss for r in runs[only])
            rss_step = statistics.median(r.rss for r in runs[step])
            estimate = self.memory_estimate("load-fit.yaml", sets)
            verdict = self.target(f"3. load {label}", f"peak RSS ÷ (1.5 × data + trainer buffers)",
                                  rss_step / bound, 1.0,
                                  detail=f"{rss_step / 2**20:.0f} MiB vs {bound / 2**20:.0f} MiB")
            text += [f"Peak RSS: {rss_only / 2**20:.0f} MiB loading only ({rss_only / nbytes:.2f}× the data's "
                     f"{nbytes / 2**20:.0f} MiB), {rss_step / 2**20:.0f} MiB loading and training one step "
                     f"({rss_step / nbytes:.2f}×), against 1.5 × the data + the trainer's documented buffers "
                     f"(5·d·K + (2n + m)·K doubles, {buffers / 2**20:.1f} MiB) = {bound / 2**20:.0f} MiB: {verdict}. "
                     f"`regime check` estimates the run at {estimate}.", ""]
            # What regime read, through the step written out: w = η·Xᵀy/n from 0.
            check = runs[step][-1]
            if check.code == 0:
                summary, weights, _, _ = self.results(check)
                Xr, yr = X[:rows_used], y[:rows_used]
                w = 0.001 * (Xr.T @ yr) / rows_used
                r = Xr @ w - yr
                rows = [("w = η·Xᵀy/n (‖Δw‖/‖w‖)", self.rowwise(weights, w[None])),
                        ("train_mse after the step (relative)", abs(summary["train_mse"][0] - r @ r / rows_used)
                         / (r @ r / rows_used))]
                text += [self.agreement(rows, 1e-12,
                         "the same doubles through one gradient step differ only by summation order "
                         "(~1e-15); a misread value, row or column shows at 1e-6 or more"), ""]
            for r in (runs[only][-1], runs[step][-1]):
                shutil.rmtree(r.dir, ignore_errors=True)
        self.sections.append("\n".join(text))

    def regime_bench(self):
        """regime-bench's W1: the trainer in-process and the bare dgemm calls it
        makes, in regime's layout at --jobs threads (threads batches × 1 BLAS thread)."""
        if not os.path.exists(self.args.regime_bench):
            return None
        command = self.pin + [self.args.regime_bench, "w1", "--threads", str(self.threads), "--batches",
                              str(self.threads), "--reps", str(self.reps)]
        run = launch(command, root, self.env)
        if run.code != 0:
            print(f"  regime-bench failed: {run.stderr[-1000:]}", file=sys.stderr)
            return None
        records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        return {"header": records[0], "square": next(r for r in records if r.get("kind") == "square dgemm"),
                "regime": next(r for r in records if r.get("kind") == "regime")}

    def blas_context(self):
        """Square 2000³ dgemm at `threads` threads: regime's OpenBLAS with the
        kernels regime runs (like `regime run`, regime-bench restarts itself with
        the kernels the CPU supports when OpenBLAS fell back to generic ones),
        the same library with OpenBLAS's own choice (context only), and NumPy's."""
        rows = []
        if os.path.exists(self.args.regime_bench):
            for label, flags in (("regime's OpenBLAS, the kernels `regime run` uses (every target)", []),
                                 ("regime's OpenBLAS, OpenBLAS's own choice without regime's restart (context)",
                                  ["--openblas-choice"])):
                run = launch(self.pin + [self.args.regime_bench, "dgemm", "--threads", str(self.threads)] + flags,
                             root, self.env)
                record = run.json() if run.code == 0 else {}
                rows.append((label, record.get("blas", "failed: " + run.stderr.strip()[-200:]), record.get("gflops")))
        code = ("import json, time, numpy as np, threadpoolctl\n"
                "a = np.full((2000, 2000), 0.5); b = np.full((2000, 2000), 0.25); a @ b\n"
                "start = time.perf_counter()\n"
                "for _ in range(5): a @ b\n"
                "seconds = time.perf_counter() - start\n"
                "info = [i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'][0]\n"
                "print(json.dumps({'gflops': 5 * 2 * 2000 ** 3 / seconds / 1e9,"
                " 'blas': f\"OpenBLAS {info['version']} {info['architecture']}\"}))\n")
        run = launch(self.pin + [python, "-c", code], root, self.env)
        record = run.json() if run.code == 0 else {}
        rows.append(("NumPy's OpenBLAS, as it picks its kernels (the peers)", record.get("blas", "failed"),
                     record.get("gflops")))
        lines = [f"Square 2000 × 2000 dgemm at {self.threads} threads, the mean of five products after a warm-up:", "",
                 "| library | configuration | GFLOP/s |", "|---|---|---:|"]
        lines += [f"| {label} | {blas} | {gflops:.1f} |" if gflops else f"| {label} | {blas} | — |"
                  for label, blas, gflops in rows]
        self.blas_lines = lines

    def w1(self):
        c = self.cfg
        print(f"W1: 64 points, {c['w1_steps']} steps", flush=True)
        sets = [] if not self.args.quick else [f"fit.optimizer.steps={c['w1_steps']}"]
        options = ["--steps", c["w1_steps"], "--every", c["w1_every"]]
        runs = self.alternate([
            ("regime (64 points, 2 batches)", lambda: self.regime("w1.yaml", sets)),
            ("NumPy, batched d × K", lambda: self.peer("w1_numpy.py", self.d2000, "{out}", *options)),
            ("JAX jit + vmap", lambda: self.peer("w1_jax.py", self.d2000, "{out}", *options)),
        ])
        n, d, m, K = c["n"], c["d"], c["m"], 64
        flops = 4.0 * n * d * K * c["w1_steps"] + 2.0 * m * d * K * (c["w1_steps"] // c["w1_every"] + 1)
        ratio, detail = self.ratio(runs, "regime (64 points, 2 batches)", "JAX jit + vmap")
        verdict = self.target("4. W1", "regime ÷ JAX jit+vmap", ratio, 0.95, detail=detail)
        text = [f"## 4. W1 — {verdict}", "",
                f"64 points of the depth-2 diagonal model, α over logspace(−3, 0, 16) × λ ∈ {{0, 1e−4, 1e−3, "
                f"1e−2}}, lr 0.01, {c['w1_steps']} steps, objective, test MSE and norms every {c['w1_every']} steps, "
                f"n = {n}, d = {d}, {m} test rows ({flops / 1e9:.0f} GFLOP of products); pipelines/w1.yaml, "
                f"peers/w1_numpy.py, peers/w1_jax.py. Target: regime ≤ 0.95× JAX jit+vmap, and regime's trainer "
                f"at ≥ 95% of the bare dgemm rate measured in the same run.", "",
                self.timing_table(runs, "regime (64 points, 2 batches)", flops=flops), "",
                self.profile_line(runs["regime (64 points, 2 batches)"]), ""]
        if not self.bare:
            self.target("4. W1", "regime trainer GEMM rate ÷ bare dgemm", None, 95, "≥", "%",
                        missing="NOT MEASURED (--quick)" if self.args.quick else "FAILED TO RUN")
            why = "--quick" if self.args.quick else f"no binary at {self.args.regime_bench}, or it failed"
            text += [f"regime-bench was not run ({why}): no bare dgemm rate in this run.", ""]
        else:
            b = self.bare["regime"]
            fraction = b["gemm_seconds"] / b["seconds"]
            verdict = self.target("4. W1", "regime trainer GEMM rate ÷ bare dgemm", fraction * 100, 95, "≥", "%",
                                  detail=f"{b['gflops']:.1f} vs {b['gemm_gflops']:.1f} GFLOP/s")
            s = self.stats(runs["regime (64 points, 2 batches)"])
            text += [f"regime-bench (the same run, {b['batches']} batches × {b['blas_threads']} BLAS thread, as "
                     f"`regime run --jobs {self.threads}` trains them; its own synthetic data of the same shape; "
                     f"best of {self.reps}; BLAS: {self.bare['header']['blas']}):", "",
                     "| measurement | seconds | GFLOP/s |", "|---|---:|---:|",
                     f"| regime's trainer, in process | {b['seconds']:.2f} | {b['gflops']:.1f} |",
                     f"| bare dgemm, the same products as two whole-matrix calls a step | {b['gemm_seconds']:.2f} | {b['gemm_gflops']:.1f} |",
                     f"| whole `regime run` (median above) | {s[0]:.2f} | {flops / 1e9 / s[0]:.1f} |" if s else
                     "| whole `regime run` | failed | — |",
                     f"| square 2000³ dgemm at {self.threads} threads (peak, context) | — | "
                     f"{self.bare['square']['gflops']:.1f} |", "",
                     f"regime's trainer at {100 * fraction:.0f}% of the bare dgemm rate: {verdict} (≥ 95%).", ""]
        r = runs["regime (64 points, 2 batches)"][-1]
        if r.code == 0:
            summary, weights, trajectories, _ = self.results(r)
            rows = []
            for name in ("NumPy, batched d × K", "JAX jit + vmap"):
                p = runs[name][-1]
                if p.code != 0:
                    continue
                ref = np.load(p.out)
                same = (np.allclose(summary["init_scale"], ref["init_scale"], rtol=1e-14)
                        and np.allclose(summary["l2"], ref["l2"], rtol=1e-14))
                if not same:
                    rows.append((f"point order vs {name} differs", float("inf")))
                    continue
                rows.append((f"final w vs {name} (‖Δw‖/‖w‖, worst point)", self.rowwise(weights, ref["weights"])))
                for metric in ("objective", "test_mse", "l1_norm", "l2_norm"):
                    rows.append((f"{metric} trajectories vs {name} (normwise per point, worst)",
                                 max(self.normwise(trajectories[metric][k], ref[metric][k]) for k in range(K))))
            text.append(self.agreement(rows, 1e-9,
                        "2,000 steps of a smooth map with a small step: rounding differences grow only by the "
                        "Jacobian's product, far from the saddle's escape at these α and step counts; observed "
                        "~1e-13, and a wrong step, penalty or record shows at 1e-4 or more"))
        self.sections.append("\n".join(text))

    def es(self):
        c = self.cfg
        print(f"early stopping: {c['es_points']} α, budget {c['es_steps']}", flush=True)
        sets = [] if not self.args.quick else [f"fit.optimizer.steps={c['es_steps']}",
                                                f"fit.record.every={c['es_every']}"]
        runs = self.alternate([
            ("regime (stops each point)", lambda: self.regime("early-stopping.yaml", sets)),
            ("JAX jit + vmap (while_loop)", lambda: self.peer(
                "es_jax.py", self.kr1000, "{out}", "--steps", c["es_steps"], "--every", c["es_every"],
                "--points", c["es_points"])),
        ])
        ratio, detail = self.ratio(runs, "regime (stops each point)", "JAX jit + vmap (while_loop)")
        verdict = self.target("5. early-stopping sweep", "regime ÷ JAX", ratio, 0.5, detail=detail)
        text = [f"## 5. Early-stopping sweep — {verdict}", "",
                f"kernel-rich's sweep: depth-2 diagonal model, α over logspace(−3, 0.5, {c['es_points']}), lr auto "
                f"(η = 1/(8·max(α², 1)·λ_max(XᵀX/n)), which the JAX peer computes with an exact λ_max), stop at "
                f"‖Xw − y‖ ≤ 1e−6·‖y‖ or {c['es_steps']:,} steps, test MSE every {c['es_every']} steps; noiseless "
                f"n = {c['es_n']}, d = {c['es_d']}, 5-sparse truth, {c['es_m']} test rows (pipelines/"
                f"early-stopping.yaml, peers/es_jax.py). The JAX peer vmaps a per-point lax.while_loop that stops "
                f"at convergence (XLA runs the batch while any point goes on and holds the converged ones), inside "
                f"a scan over record blocks. That is the faster of the two natural idioms here: the same script with "
                f"the convergence test dropped from the while_loop's condition (every point runs the whole budget) "
                f"took 11.4–11.6 s against 10.5–10.9 s for the masked one in development, since the smallest α do not "
                f"converge within the budget and the batch runs all of it either way. regime trains the {c['es_points']} points as one "
                f"batch (batch_width 32), one unit on one BLAS thread. Target: regime ≤ 0.5× JAX.", "",
                self.timing_table(runs, "regime (stops each point)"), "",
                self.profile_line(runs["regime (stops each point)"]), ""]
        r = runs["regime (stops each point)"][-1]
        p = runs["JAX jit + vmap (while_loop)"][-1]
        if r.code == 0:
            summary, weights, trajectories, _ = self.results(r)
            steps = summary["steps"]
            stops = [s.decode() if isinstance(s, bytes) else str(s) for s in summary["stop"]]
            text += ["Steps each point took in regime: " + ", ".join(
                f"α={a:.3g}: {int(s)}{'' if why == 'residual' else ' (' + why + ')'}"
                for a, s, why in zip(summary["init_scale"], steps, stops)) +
                f" — {int(steps.sum()):,} point-steps of {len(steps) * c['es_steps']:,} at the budget.", ""]
            if p.code == 0:
                ref = np.load(p.out)
                rows = [("lr vs the exact rule (relative, worst point)",
                         float(np.max(np.abs(summary["lr"] - ref["lr"]) / ref["lr"])), 1e-8),
                        ("stopping step vs JAX (largest difference, steps)",
                         float(np.max(np.abs(steps - ref["steps"]))), 1),
                        ("final w vs JAX (‖Δw‖/‖w‖, worst point)", self.rowwise(weights, ref["weights"])),
                        ("final test_mse vs JAX (normwise)", self.normwise(summary["test_mse"], ref["final_test_mse"])),
                        ("test_mse trajectories vs JAX (normwise per point, worst)",
                         max(self.normwise(trajectories["test_mse"][k], ref["test_mse"][k]) for k in range(len(steps))))]
                text.append(self.agreement(rows, 1e-6,
                            "regime's λ_max comes from power iteration (stopped at a relative change of 1e-10), the "
                            "peer's from eigvalsh, so the step sizes differ at ~1e-9 (1e-8 allowed) and a point may "
                            "stop one step earlier or later (1 step allowed); one step at a residual of 1e-6·‖y‖ moves "
                            "w by ~1e-7 relative, hence 1e-6 for weights and metrics"))
        self.sections.append("\n".join(text))

    def flow(self):
        c = self.cfg
        tol = 1e-8  # kernel-rich's flow study stops there; the limits are compared at it
        print(f"flow: regime-bench flow (GD budget {c['flow_gd_steps']:,} steps)", flush=True)
        probe = launch(self.pin + [self.args.regime_bench, "flow", self.kr1000, "--gd-steps", str(c["flow_gd_steps"]),
                                   "--tol", str(tol)], root, self.env)
        cases = [json.loads(line) for line in probe.stdout.splitlines() if line.startswith('{"alpha"')]
        text = ["## 7. Gradient flow against GD and diffrax", "",
                f"kernel-rich's diagonal model on its data (n = {c['es_n']}, d = {c['es_d']}, noiseless, 5-sparse), "
                f"α ∈ {{0.001, 0.01, 0.1}}, depths 2 and 3, every point until ‖Xw − y‖ ≤ {tol:g}·‖y‖. regime's "
                f"`method: flow` (SUNDIALS CVODE on the n-dimensional row-space ODE, ode_rtol 1e-8) against regime's "
                f"own GD at `lr: auto` (budget {c['flow_gd_steps']:,} steps), one point at a time on one BLAS thread "
                f"(regime-bench flow). Products are n·d-sized matrix-vector products: GD 2 per step + 1; the flow 2 "
                f"per gradient evaluation (its integrator's and the stopping check after each step) and (n + 1)/2 + 2 "
                f"per Jacobian (a dsyrk). Target: ≥ 100× fewer products than GD at α ≤ 0.01.", ""]
        if probe.code != 0 or len(cases) != 6:
            text.append(f"regime-bench flow failed ({probe.code}): `{probe.stderr.strip()[-800:]}`")
            self.target("7. flow", "GD products ÷ flow products, α ≤ 0.01", None, 100, comparison="≥")
            self.sections.append("\n".join(text))
            return
        text += ["| depth | α | flow: steps | evaluations | Jacobians | products | s | GD: steps | products | s | "
                 "GD ÷ flow products | GD ÷ flow s | ‖w_GD − w_flow‖/‖w_flow‖ |",
                 "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        worst = None
        for case in cases:
            f, g = case["flow"], case["gd"]
            bound = "≥ " if g["stop"] != "residual" else ""
            products, seconds = g["products"] / f["products"], g["seconds"] / f["seconds"]
            gap = np.linalg.norm(np.array(g["weights"]) - f["weights"]) / np.linalg.norm(f["weights"])
            text.append(f"| {case['depth']} | {case['alpha']:g} | {f['steps']:,} | {f['evaluations']:,} | "
                        f"{f['jacobians']} | {f['products']:,.0f} | {f['seconds']:.3f} | {g['steps']:,}"
                        f"{'' if g['stop'] == 'residual' else ' (budget)'} | {g['products']:,.0f} | {g['seconds']:.2f} | "
                        f"{bound}{products:,.0f}× | {bound}{seconds:,.0f}× | {gap:.1e} |")
            if case["alpha"] <= 0.01:
                worst = products if worst is None else min(worst, products)
        text += ["", "A GD point that ends on its budget has not reached the residual: its ratios are lower bounds, "
                 "and its distance to the flow's limit is that of an unfinished run. Elsewhere GD and the flow stop "
                 "at the same residual and differ by GD's O(η) path error.", ""]
        self.target("7. flow", "GD products ÷ flow products, worst α ≤ 0.01", worst, 100, comparison="≥",
                    detail="per point, at the same residual")

        # Whole processes: regime run of the six points against diffrax, case by case.
        print("flow: regime run against diffrax", flush=True)
        runs = self.alternate([("regime run, method flow", lambda: self.regime("flow.yaml"))])
        regime_runs = runs["regime run, method flow"]
        peer_rows, peer_total, finished = [], 0.0, True
        for depth in (2, 3):
            for alpha in (0.1, 0.01, 0.001):
                run = self.peer("flow_diffrax.py", self.kr1000, "{out}", "--tol", tol, "--alphas", alpha,
                                "--depths", depth, timeout=c["flow_peer_timeout"])
                peer_total += run.seconds
                if run.code != 0:
                    finished = False
                peer_rows.append((depth, alpha, run))
                print(f"  diffrax depth {depth}, α = {alpha:g}: {run.seconds:.1f} s"
                      + ("" if run.code == 0 else f" ({run.code})"), flush=True)
                if run.code != 0:
                    break  # smaller α are stiffer still
        s = self.stats(regime_runs)
        text += [f"Whole processes (pinned to {self.threads} CPU(s)): `regime run bench/pipelines/flow.yaml` (the six "
                 f"points, ode_rtol 1e-8) against peers/flow_diffrax.py, diffrax {self.diffrax_version()}'s Kvaerno5 "
                 f"(implicit ESDIRK, Jacobian of the 2d-dimensional (u, v) field by autodiff) with a PID controller at "
                 f"rtol 1e-8, atol 1e-12 (regime's defaults) and an Event at the same residual, one process per case (compilation "
                 f"included), each stopped after {c['flow_peer_timeout']} s; once a case is stopped, the smaller α of "
                 f"that depth (stiffer) are not run.", "",
                 self.timing_table(runs, "regime run, method flow"), "",
                 "| depth | α | diffrax s | diffrax steps | stopped at t | regime's flow t | ‖w_regime − w_diffrax‖/‖w‖ |",
                 "|---:|---:|---:|---:|---:|---:|---:|"]
        regime_out = self.results(regime_runs[-1]) if regime_runs[-1].code == 0 else None
        gaps = []
        for depth, alpha, run in peer_rows:
            if run.code != 0:
                text.append(f"| {depth} | {alpha:g} | > {run.seconds:.0f} (stopped) | — | — | — | — |")
                continue
            ref = np.load(run.out)
            line = f"| {depth} | {alpha:g} | {run.seconds:.1f} | {int(ref['steps'][0])} | {float(ref['time'][0]):.4g} |"
            if regime_out:
                summary, weights, _, _ = regime_out
                row = [k for k in range(len(summary["depth"]))
                       if summary["depth"][k] == depth and abs(summary["init_scale"][k] - alpha) < 1e-12 * alpha][0]
                gap = float(np.linalg.norm(weights[row] - ref["weights"][0]) / np.linalg.norm(weights[row]))
                gaps.append(gap)
                line += f" {summary['time'][row]:.4g} | {gap:.1e} |"
            else:
                line += " — | — |"
            text.append(line)
        verdict = self.target("7. flow", "regime run (6 points) ÷ diffrax (cases it finished)",
                              s[0] / peer_total if s else None, 1.0,
                              detail=f"{s[0]:.2f} s vs {peer_total:.0f} s" + ("" if finished else " (diffrax stopped; a lower bound)") if s else "")
        text += ["", f"regime's six points ÷ diffrax's wall time over the cases it ran: {verdict} (target: faster, < 1×)."
                 + ("" if finished else " diffrax was stopped on a case, so its total is a lower bound."), ""]
        if gaps:
            text.append(self.agreement([("final w vs diffrax (‖Δw‖/‖w‖, worst case it finished)", max(gaps))], 1e-3,
                                       "both stop at the first time the relative residual is ≤ 1e-8 on their own "
                                       "integration grids; the flow moves w by about residual ÷ the smallest singular "
                                       "value of the active block there, hence 1e-3"))
        text.append(self.profile_line(regime_runs))
        self.sections.append("\n".join(text))

    def diffrax_version(self):
        probe = launch([python, "-c", "import diffrax; print(diffrax.__version__)"], root, self.env)
        return probe.stdout.strip() or "(version unknown)"

    def scale(self):
        c = self.cfg
        text = ["## 6. Scale", ""]
        rows = []
        for size in c["scale_sizes"]:
            count = size // 100
            sets = [f"fit.sweep.init_scale={{linspace: [0, 1, {count}]}}"]
            if self.args.quick:
                sets.append(f"fit.optimizer.steps={c['scale_steps']}")
            print(f"scale: {size} points", flush=True)
            runs = self.alternate([(f"regime, {size:,} points", lambda: self.regime("scale.yaml", sets))])
            rs = runs[f"regime, {size:,} points"]
            s = self.stats(rs)
            rss = statistics.median(r.rss for r in rs)
            size_mb = os.path.getsize(os.path.join(rs[-1].dir, "results.h5")) / 1e6 if s else float("nan")
            rows.append((size, s, rss, size_mb, self.profile_line(rs)))
            shutil.rmtree(rs[-1].dir, ignore_errors=True)
        text += [f"The linear model from w₀ = α·1 swept over init_scale × l2 (N/100 × 100 points), n = 100 (+ 100 "
                 f"test rows), d = 500, {c['scale_steps']} steps, every metric every 50 steps, weights and "
                 f"trajectories written (pipelines/scale.yaml). Peak RSS must be flat in the number of points: "
                 f"MET when the largest sweep peaks at ≤ 1.25× the smallest.", "",
                 "| points | median s | min–max s | s per 1,000 points | peak RSS MiB | results file MB |",
                 "|---:|---:|---:|---:|---:|---:|"]
        for size, s, rss, size_mb, _ in rows:
            if s:
                text.append(f"| {size:,} | {s[0]:.2f} | {s[1]:.2f}–{s[2]:.2f} | {1000 * s[0] / size:.2f} | "
                            f"{rss / 2**20:.0f} | {size_mb:.1f} |")
            else:
                text.append(f"| {size:,} | failed | — | — | {rss / 2**20:.0f} | — |")
        text += [""] + [f"- {size:,} points: {profile}" for size, _, _, _, profile in rows] + [""]
        growth = rows[-1][2] / rows[0][2] if rows[0][1] and rows[-1][1] else None
        verdict = self.target("6. scale", f"peak RSS {c['scale_sizes'][-1]:,} ÷ {c['scale_sizes'][0]:,} points",
                              growth, 1.25, detail=f"{rows[-1][2] / 2**20:.0f} MiB vs {rows[0][2] / 2**20:.0f} MiB")
        text.append(f"Peak RSS at {c['scale_sizes'][-1]:,} points ÷ at {c['scale_sizes'][0]:,}: "
                    f"{growth:.2f}× — {verdict}." if growth else "Peak RSS: a run failed.")
        print("scale: regime check of a 100,000-point sweep", flush=True)
        runs = self.alternate([("regime check, 100,000 points", lambda: self.regime("check-100k.yaml",
                                                                                     command="check"))])
        rs = runs["regime check, 100,000 points"]
        s = self.stats(rs)
        verdict = self.target("6. scale", "`regime check`, 100,000 points", s[0] if s else None, 2.0, unit="s")
        text += ["", f"`regime check` of a 100,000-point sweep (pipelines/check-100k.yaml, 1,000 × 100): "
                 + (f"median {s[0]:.3f} s (min–max {s[1]:.3f}–{s[2]:.3f}), peak RSS "
                    f"{statistics.median(r.rss for r in rs) / 2**20:.0f} MiB — {verdict} (< 2 s)." if s
                    else f"failed: `{rs[-1].stderr.strip()[-500:]}`")]
        self.sections.append("\n".join(text))

    def engine(self):
        print("engine: bench/engine.py", flush=True)
        run = launch(self.pin + [python, os.path.join(bench, "engine.py"), "--regime", self.args.regime], root,
                     self.env)
        body = run.stdout.strip() if run.code == 0 else f"engine.py failed ({run.code}):\n{run.stderr[-2000:]}"
        self.sections.append("## The engine's own speed (bench/engine.py, best of 5 or 3)\n\n```\n" + body + "\n```")

    # -- helpers for the text ----------------------------------------------------

    @staticmethod
    def unit_seconds(run, stage):
        """The seconds a regime run's units of `stage` took (its --trace)."""
        if not os.path.exists(run.trace):
            return 0.0
        units = [json.loads(line) for line in open(run.trace)]
        return sum(u["end"] - u["start"] for u in units if u["stage"] == stage)

    def memory_estimate(self, pipeline, sets):
        """What `regime check` says the run needs ("about … at most (…)")."""
        run = self.regime(pipeline, sets, name="check", command="check")
        shutil.rmtree(run.dir, ignore_errors=True)
        found = re.search(r"memory: (about [^\n]*)", run.stdout + run.stderr)
        return (found.group(1).strip() if found else "nothing (no estimate printed)") + \
            f"; `regime check` itself, which reads no data, peaks at {run.rss / 2**20:.0f} MiB"

    def profile_line(self, runs):
        ok = [r for r in runs if r.code == 0]
        if not ok:
            return f"regime failed: `{runs[-1].stderr.strip()[-800:]}`"
        median = sorted(ok, key=lambda r: r.seconds)[len(ok) // 2]
        return "Where regime's time goes (its --trace, median run): " + self.trace_profile(median) + "."

    def dgemm_context(self):
        if getattr(self, "bare", None):
            b = self.bare
            return (f"Bare dgemm in the same run (regime-bench): {b['regime']['gemm_gflops']:.1f} GFLOP/s in W1's "
                    f"layout, {b['square']['gflops']:.1f} GFLOP/s square.")
        return ""

    def environment(self):
        probe = launch([python, "-c", "import json, numpy, threadpoolctl, jax, jaxlib, scipy, sklearn, pandas, h5py;"
                        "print(json.dumps({'numpy': numpy.__version__, 'scipy': scipy.__version__,"
                        "'sklearn': sklearn.__version__, 'pandas': pandas.__version__, 'h5py': h5py.__version__,"
                        "'jax': jax.__version__, 'jaxlib': jaxlib.__version__, 'hdf5': h5py.version.hdf5_version,"
                        "'blas': [(i['filepath'].split('/')[-2], i['version'], i['architecture'], i['num_threads'])"
                        " for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']}))"],
                       root, self.env)
        info = probe.json()
        version = launch([self.args.regime, "--version"], root, self.env).stdout.strip()
        built = datetime.datetime.fromtimestamp(os.path.getmtime(self.args.regime), datetime.timezone.utc)
        git = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"], capture_output=True, text=True)
        commit = git.stdout.strip() or "unknown"
        binary = os.path.relpath(self.args.regime, root) if self.args.regime.startswith(root + "/") else self.args.regime
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                   platform.processor())
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        removed = ", ".join(f"{k}={v}" for k, v in self.removed.items()) or "neither was set"
        blas = "; ".join(f"OpenBLAS {v} from {where}, {arch} kernels, {t} threads"
                         for where, v, arch, t in info.get("blas", []))
        return [f"- Machine: {cpu}, {self.cores} cores, {memory:.0f} GiB; {platform.platform()}.",
                f"- regime {version}, `{binary}` "
                f"built {built:%Y-%m-%d %H:%M} UTC, work tree {commit}: {self.regime_blas or 'BLAS unknown'} "
                f"(from its run log).",
                f"- Python {platform.python_version()}: NumPy {info.get('numpy')}, BLAS loaded by the peers: {blas}; "
                f"SciPy {info.get('scipy')}, "
                f"scikit-learn {info.get('sklearn')}, pandas {info.get('pandas')}, h5py {info.get('h5py')} "
                f"(HDF5 {info.get('hdf5')}), JAX {info.get('jax')} / jaxlib {info.get('jaxlib')} (XLA CPU, float64).",
                f"- Threads: {self.threads} for everyone — `regime run --jobs {self.threads}` (units in parallel, one "
                f"BLAS thread each), OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = {self.threads} for "
                f"every process, and XLA's own pool, which has a thread per core"
                + (f"; every process pinned to CPUs 0–{self.threads - 1} with taskset." if self.pin else
                   f" ({self.cores} here, so no pinning)."),
                f"- OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from every process's environment "
                f"(in the calling environment: {removed}).",
                f"- {self.reps} repetition(s) each, regime and its peers alternating (round by round: regime, then "
                f"each peer); every regime run cold, from a fresh directory without a `.regime/` cache.",
                ]

    def write(self, started):
        c = self.cfg
        lines = ["# regime benchmarks (issues 9 and 10)", "",
                 f"Written by `make bench` (bench/run.py{' --quick' if self.args.quick else ''}) on "
                 f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC in "
                 f"{(time.perf_counter() - started) / 60:.1f} minutes."
                 + (" **Quick run: smaller sizes and 1 repetition; not the numbers to quote.**" if self.args.quick
                    else ""), ""]
        lines += self.environment()
        lines += [""] + self.blas_lines
        lines += ["", "Times are whole processes: `regime run` from start to exit, `python script.py` with its "
                  "interpreter start, imports and data load. Ratios are of medians, regime ÷ peer (below 1: regime "
                  "faster). Peak RSS is the process's maximum resident set (GNU time's %M).", "",
                  "## Summary", "", "| workload | measure | value | target | verdict | medians |",
                  "|---|---|---:|---|---|---|"]
        lines += [f"| {w} | {m} | {v} | {t} | {verdict} | {detail} |" for w, m, v, t, verdict, detail in self.summary]
        agreed = self.summary_agreement
        lines += ["", f"Agreement of regime's outputs with the NumPy (and JAX) peers: {sum(agreed)} of {len(agreed)} "
                  f"workloads within their tolerance (each check and its tolerance under the workload).", ""]
        lines += [s + "\n" for s in self.sections]
        lines += ["## How the data are made", "",
                  f"bench/run.py writes every data file with NumPy into a scratch directory, removed at the end: "
                  f"W1's definition (X ~ N(0, 1), {c['n']} + {c['m']} rows × {c['d']}, a 10-sparse ±1 truth, noise "
                  f"0.1, seed 1) as train.h5 and test.h5 for workloads 1, 2 and 4; kernel-rich's (noiseless, 5 "
                  f"nonzeros of 1/√5, {c['es_n']} + {c['es_m']} rows × {c['es_d']}, seed 7) for workloads 5 and 7; the "
                  f"loading files for workload 3. regime reads them with `load` and `test: {{path: …}}` (no split), "
                  f"the peers with h5py, so both train on the same bits. Workload 6 synthesizes inside regime (it "
                  f"has no peer).", ""]
        with open(self.args.out, "w") as f:
            f.write("\n".join(lines))
        print(f"wrote {self.args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, 1 repetition (development)")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count()))
    parser.add_argument("--regime", default=os.path.join(root, ".build", "release", "regime"))
    parser.add_argument("--regime-bench", default=os.path.join(root, ".build", "release", "regime-bench"))
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--out", default=os.path.join(bench, "RESULTS.md"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (development)")
    args = parser.parse_args()
    args.reps_given = args.reps is not None
    args.reps = args.reps or 3
    args.regime = os.path.abspath(args.regime)
    args.regime_bench = os.path.abspath(args.regime_bench)
    if not os.access(args.regime, os.X_OK):
        sys.exit(f"bench/run.py: no regime binary at {args.regime} (make release, or --regime PATH)")
    only = args.only.split(",")
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        sys.exit(f"bench/run.py: unknown workload(s) {', '.join(sorted(unknown))}; choose from {', '.join(WORKLOADS)}")
    started = time.perf_counter()
    b = Bench(args)
    print(f"bench: scratch {b.scratch}; {b.reps} rep(s), {b.threads} thread(s)", flush=True)
    try:
        b.make_data()
        # W1's bare dgemm rate, once, before the workloads that quote it.
        b.bare = b.regime_bench() if ("w1" in only or "gd" in only) and not args.quick else None
        b.blas_context()
        for workload in WORKLOADS:
            if workload in only:
                getattr(b, workload)()
        b.write(started)
        failed = [f"{w}: {m}" for w, m, _, _, verdict, _ in b.summary if verdict == "FAILED TO RUN"]
        if failed or not all(b.summary_agreement):
            # Missed targets are results; a run that failed or disagrees with NumPy is not.
            print("bench: " + "; ".join(failed + (["an agreement check is OFF"] if not all(b.summary_agreement)
                                                  else [])), file=sys.stderr)
            sys.exit(1)
    finally:
        if args.keep:
            print(f"kept {b.scratch}")
        else:
            shutil.rmtree(b.scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
