"""make bench: regime and its peers, side by side in one session, with ratios.

W1 (issue 3): 64 points of the depth-2 diagonal model on n = 200, d = 2000,
2000 steps, metrics every 20 steps — about 230 GFLOP of gemm. regime-bench
measures regime's trainer and, in the same run, the bare dgemm calls the
trainer makes; the NumPy and JAX peers run the same algorithm.
"""
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
python = os.path.join(root, ".venv", "bin", "python")


def lines(command, env=None):
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def avx512():
    """Whether the CPU has what OpenBLAS's SkylakeX kernels use."""
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return False
    return all(f in flags for f in ("avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"))


def peer(script, threads, kernel_env):
    """A peer's best time on `threads` cores. One-thread runs are pinned to one
    CPU with taskset, which holds whatever threads the peer starts (XLA does
    not honour its thread flags)."""
    env = {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads), **kernel_env}
    command = [python, os.path.join(root, "bench", "peers", script)]
    if threads == 1:
        command = ["taskset", "-c", "0"] + command
    return lines(command, env)[0]["seconds"]


def section(kernel_env, title):
    records = lines([os.path.join(root, ".build", "release", "regime-bench"), "w1"], kernel_env)
    header = records[0]
    gflop = header["gflop"]
    print(f"{title}: {header['blas']}")
    print(f"{'threads':>7}  {'implementation':<38} {'seconds':>8} {'GFLOP/s':>8} {'vs regime':>9}")
    for threads in sorted({r["threads"] for r in records if "threads" in r}):
        rows = [r for r in records if r.get("threads") == threads]
        square = next(r for r in rows if r["kind"] == "square dgemm")
        runs = [r for r in rows if r["kind"] == "regime"]
        best = min(runs, key=lambda r: r["seconds"])
        for r in runs:
            label = f"regime, {r['batches']} batch(es) x {r['blas_threads']} BLAS thread(s)"
            print(f"{threads:>7}  {label:<38} {r['seconds']:8.2f} {r['gflops']:8.1f} {r['seconds'] / best['seconds']:9.2f}")
            print(f"{'':>7}    {'bare dgemm, same calls and layout':<36} {r['gemm_seconds']:8.2f} {r['gemm_gflops']:8.1f}"
                  f"   regime at {100 * r['fraction_of_gemm']:.0f}% of it")
        print(f"{'':>7}    {'square 2000^3 dgemm (peak, context)':<36} {'':>8} {square['gflops']:8.1f}")
        for name, script in [("NumPy, batched d x K matrices", "w1_numpy.py"), ("JAX jit + vmap, float64", "w1_jax.py")]:
            seconds = peer(script, threads, kernel_env)
            print(f"{'':>7}  {name:<38} {seconds:8.2f} {gflop / seconds:8.1f} {seconds / best['seconds']:9.2f}")
    print()
    return header


header = lines([os.path.join(root, ".build", "release", "regime-bench"), "w1-header"])[0]
print(f"W1: 64 diagonal-model points, n=200 d=2000, 2000 steps, {header['gflop']:.0f} GFLOP of gemm; "
      f"{header['cores']} cores. Best of three runs each.")
print()
coretype = os.environ.get("OPENBLAS_CORETYPE")
section({}, "OpenBLAS as configured" + (f" (OPENBLAS_CORETYPE={coretype})" if coretype else ""))
if avx512() and "SkylakeX" not in header["blas"]:
    section({"OPENBLAS_CORETYPE": "SkylakeX"},
            "OpenBLAS with its AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX), which this CPU supports")
