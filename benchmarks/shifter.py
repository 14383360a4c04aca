"""The shifter experiment of Dayan et al. (1995): do the deterministic 32-24-2 machines find the shift?

Usage:  python benchmarks/shifter.py --seeds 10 --json [--save benchmarks/results/shifter]
        [--rules sigmoid,naive,eq11] [--max-iter 2000] [--scale 0.5]

For every generative rule (sigmoid, naive odds, Eq. (11)) and seed 0..N-1 it fits the mean-field
machine to the exact shifter distribution (``hmlib.meanfield_fit.fit_shifter``: 508 images weighted
by their probabilities, L-BFGS-B) and judges it on 1,000 fresh patterns whose direction is
identifiable (``shifter_test_set``):

- "solved" (the issue's definition): some top-layer unit's recognition mean, thresholded at 0.5,
  gives the shift direction with at least 95 % accuracy;
- "separated" (saved with --save, not in the JSON line): the same with each unit's best threshold.

Progress goes to stderr; the last line on stdout is JSON:
{"problem": "shifter", "runs": [{"imaging": ..., "seed": ..., "solved": ..., "free_energy_bits": ...,
"seconds": ...}, ...]}. With --save DIR it also writes DIR/runs.json (every number, and each run's
free energy every 50 iterations) and DIR/eq11_seed{S}.npz (the fitted Eq. (11) machines), which
notebook 07 loads.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small matrices: threads only fight over the 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from hmlib.meanfield_fit import SHIFTER_SCALE, direction_accuracy, fit_shifter, shifter_test_set  # noqa: E402

RULES = ("sigmoid", "naive", "eq11")
SOLVED_ACCURACY = 0.95


def run(rule, seed, max_iter, scale, test_patterns, test_direction):
    start = time.perf_counter()
    machine, history = fit_shifter(rule, seed, max_iter=max_iter, scale=scale)
    seconds = time.perf_counter() - start
    at_half = direction_accuracy(machine, test_patterns, test_direction, threshold=0.5)
    best = direction_accuracy(machine, test_patterns, test_direction, threshold=None)
    record = {
        "imaging": rule,
        "seed": seed,
        "solved": bool(at_half.max() >= SOLVED_ACCURACY),
        "free_energy_bits": round(history.free_energy_bits[-1], 4),
        "seconds": round(seconds, 1),
    }
    details = dict(
        record,
        separated=bool(best.max() >= SOLVED_ACCURACY),
        accuracy_at_half=[round(float(a), 4) for a in at_half],
        accuracy_best_threshold=[round(float(a), 4) for a in best],
        iterations=len(history.iterations),
        evaluations=history.n_evaluations,
        message=history.message,
        free_energy_curve=[round(f, 4) for f in history.free_energy_bits[::50]],
    )
    return record, details, machine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for runs.json and machines")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=SHIFTER_SCALE, help="scale of the random starting weights")
    args = parser.parse_args(argv)
    rules = args.rules.split(",")
    for rule in rules:
        if rule not in RULES:
            parser.error(f"unknown rule {rule!r}; expected some of {RULES}")

    test_patterns, test_direction = shifter_test_set()
    records, details = [], []
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    for rule in rules:
        for seed in range(args.seeds):
            record, detail, machine = run(rule, seed, args.max_iter, args.scale, test_patterns, test_direction)
            records.append(record)
            details.append(detail)
            print(json.dumps(detail), file=sys.stderr, flush=True)
            if args.save:
                if rule == "eq11":
                    machine.save(args.save / f"eq11_seed{seed}.npz")
                settings = {"max_iter": args.max_iter, "scale": args.scale, "solved_accuracy": SOLVED_ACCURACY, "test_patterns": len(test_patterns)}
                (args.save / "runs.json").write_text(json.dumps({"settings": settings, "runs": details}, indent=1))
    for rule in rules:
        mine = [r for r in records if r["imaging"] == rule]
        solved = sum(r["solved"] for r in mine)
        separated = sum(d["separated"] for d in details if d["imaging"] == rule)
        median = float(np.median([r["seconds"] for r in mine]))
        print(f"{rule}: solved {solved}/{len(mine)}, separated {separated}/{len(mine)}, median {median:.1f} s", file=sys.stderr)
    if args.json:
        print(json.dumps({"problem": "shifter", "runs": records}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
