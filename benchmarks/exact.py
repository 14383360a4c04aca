"""How fast is exact enumeration? ``python benchmarks/exact.py [--repeats N]``

Times ``hmlib.exact.log_evidence`` for a machine with 64 visible and 20 hidden units on 100
data vectors, and, in the same run, the bare BLAS product of a (2^20, 64) matrix with a
(64, 100) one: the product any enumeration that forms every configuration's visible input
would do. The two are timed alternately and the medians compared. The last line is JSON.
"""

import argparse
import json
import platform
import time

import numpy as np

from hmlib import exact
from hmlib.model import HelmholtzMachine


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hidden", type=int, nargs="+", default=[20], help="hidden layer sizes above the 64 visible units")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    sizes = (64, *args.hidden)
    hm = HelmholtzMachine.random(sizes, seed=1)
    x = (rng.random((100, 64)) < 0.5).astype(float)
    configs = rng.random((2 ** hm.n_hidden, 64))
    data = x.T.copy()

    exact.log_evidence(hm, x)  # warm-up: page in the code paths and allocator
    configs @ data
    enum_times, blas_times = [], []
    for _ in range(args.repeats):  # alternate so that load from other processes hits both alike
        enum_times += median_seconds(lambda: exact.log_evidence(hm, x), 1)[1]
        blas_times += median_seconds(lambda: configs @ data, 1)[1]
    enum, blas = float(np.median(enum_times)), float(np.median(blas_times))
    ratio = enum / blas
    print(f"machine {sizes} ({hm.n_hidden} hidden units, 2^{hm.n_hidden} configurations), 100 data vectors")
    print(f"log_evidence:           median {enum:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in enum_times)})")
    print(f"BLAS (2^{hm.n_hidden},64)@(64,100): median {blas:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in blas_times)})")
    print(f"ratio log_evidence / BLAS = {ratio:.2f} (goal: at most 3)")
    print(json.dumps({
        "benchmark": "exact.log_evidence",
        "sizes": list(sizes),
        "batch": 100,
        "log_evidence_seconds": round(enum, 4),
        "blas_seconds": round(blas, 4),
        "ratio": round(ratio, 3),
        "repeats": args.repeats,
        "machine": platform.machine(),
    }))


if __name__ == "__main__":
    main()
