"""The shifter experiment of Dayan et al. (1995), measured honestly: how often does each mean-field
32-24-2 machine discover the shift direction, and what has it learned?

Usage (from the repository root):
    python benchmarks/shifter.py --seeds 10 --rules eq11,naive,sigmoid --json [--save benchmarks/results/shifter]
        [--first-seed K] [--jobs 2] [--max-iter N] [--starts S] [--start-iter N] [--biases all|below_top]
        [--parameterisation log|bounded] [--guard-every N] [--summary FILE]

For every rule (Eq. (11), the naive odds expression, the sigmoid) and seed K..K+N-1 it fits a machine
with ``hmlib.meanfield_fit.fit_shifter`` (the exact shifter distribution, L-BFGS-B, the recipe
``ShifterRecipe`` unless an option overrides it) and scores it with ``hmlib.shifter.score`` on the
exact distribution:

- discovered: some top unit's recognition mean separates left from right on the identifiable
  images, weighted by probability, with best-threshold accuracy >= 0.95;
- the best top unit's accuracy at its best threshold and at 0.5;
- the structure of the paper's Fig. 4: each top unit's purity, and how many layer-2 units are clean
  pixel-pair detectors;
- the mean-field F (bits per image) and -log2 p(x) of the machine used as a stochastic model
  (importance-sampled, with its standard error), against the data's entropy of 6.606 bits.

"seconds" is the wall-clock time of the fit alone (all random starts included), with at most
``--jobs`` fits running at once; the load average is saved alongside. Progress goes to stderr; the
last line on stdout is JSON:
{"problem": "shifter", "runs": [{"rule", "seed", "discovered", "best_threshold_accuracy",
"half_threshold_accuracy", "purity", "pair_detectors", "f_bits", "nll_bits", "nll_stderr_bits",
"iterations", "seconds"}, ...]}.
With --save DIR it writes DIR/<rule>_seed<k>.npz (``HelmholtzMachine.save``) and DIR/runs.json
(the settings, every field of ``hmlib.shifter.score`` for every run, each run's F every 50
iterations), which notebook 07 reads. With --summary FILE it writes the settings and the summary
lines alone, a small JSON ({"settings", "runs"}); notebook 07 reads
benchmarks/results/shifter/eq11_seeds10-19.json, written by
    nice python benchmarks/shifter.py --seeds 10 --first-seed 10 --rules eq11 --jobs 1 \\
        --summary benchmarks/results/shifter/eq11_seeds10-19.json

The settings record the data's entropy and the least mean-field F of a machine whose recognition
states are binary and whose two top units code the direction one-hot
(``hmlib.shifter.deterministic_code_bound_bits``): at the best factorial top prior, and at the
prior of top biases fixed at 0.05 (odds).
"""

import argparse
import dataclasses
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small matrices: threads only fight over the 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without installing hmlib

import numpy as np

from hmlib import data, shifter
from hmlib.imaging import on_probability
from hmlib.meanfield_fit import (
    PARAMETERISATIONS,
    SHIFTER_BIAS_READINGS,
    SHIFTER_FIXED_BIAS,
    ShifterRecipe,
    fit_shifter,
)

RULES = ("eq11", "naive", "sigmoid")
SUMMARY_KEYS = ("rule", "seed", "discovered", "best_threshold_accuracy", "half_threshold_accuracy", "purity",
                "pair_detectors", "f_bits", "nll_bits", "nll_stderr_bits", "iterations", "seconds")
CURVE_EVERY = 50  # iterations between the saved values of F (notebook 07 draws the curves)


def _rounded(value, digits=4):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    return value


def one_hot_code_bounds():
    """Least average F (bits) of a binary one-hot direction code: at the best top prior, at top biases 0.05."""
    patterns, probs = data.shifter_distribution()
    code = shifter.one_hot_direction_code(patterns)
    fixed_prior = np.full(2, float(on_probability(SHIFTER_FIXED_BIAS, "odds")))  # 0.05/1.05
    return {
        "best_top_prior": shifter.deterministic_code_bound_bits(code, probs)["total_bits"],
        "top_bias_0.05": shifter.deterministic_code_bound_bits(code, probs, fixed_prior)["total_bits"],
    }


def run(rule, seed, recipe):
    """Fit and score one machine; returns (summary, details, machine)."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    machine, history = fit_shifter(rule, seed, recipe=recipe)
    seconds = time.perf_counter() - start
    load_after = os.getloadavg()[0]
    start = time.perf_counter()
    scores = shifter.score(machine, rule)
    score_seconds = time.perf_counter() - start
    summary = {"rule": rule, "seed": seed, **{k: scores[k] for k in SUMMARY_KEYS[2:10]},
               "iterations": len(history.iterations), "seconds": round(seconds, 1)}
    details = dict(
        summary,
        **{k: v for k, v in scores.items() if k not in summary},
        evaluations=history.n_evaluations,
        message=history.message,
        start_f_bits=[float(f) for f in history.start_free_energy_bits],
        revived=[list(r) for r in history.revived],
        load_average=[round(load_before, 2), round(load_after, 2)],
        score_seconds=round(score_seconds, 1),
        free_energy_curve=[float(f) for f in history.free_energy_bits[::CURVE_EVERY]],
        # the names notebook 07 read before this benchmark measured "discovered"
        imaging=rule,
        free_energy_bits=scores["f_bits"],
        solved=bool(max(scores["accuracy_at_half"]) >= shifter.DISCOVERED_ACCURACY),
        separated=scores["discovered"],
    )
    return _rounded(summary), _rounded(details), machine


def _job(args):
    rule, seed, recipe = args
    return run(rule, seed, recipe)


def main(argv=None):
    defaults = ShifterRecipe()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for runs.json and the machines")
    parser.add_argument("--jobs", type=int, default=2, help="fits at once (the machine has 2 cores)")
    parser.add_argument("--max-iter", type=int, default=defaults.max_iter)
    parser.add_argument("--starts", type=int, default=defaults.starts)
    parser.add_argument("--start-iter", type=int, default=defaults.start_iter)
    parser.add_argument("--biases", choices=tuple(SHIFTER_BIAS_READINGS), default=defaults.biases)
    parser.add_argument("--parameterisation", choices=PARAMETERISATIONS, default=defaults.parameterisation)
    parser.add_argument("--guard-every", type=int, default=defaults.guard_every)
    parser.add_argument("--scale", type=float, default=defaults.scale)
    parser.add_argument("--summary", type=Path, default=None,
                        help="write the settings and the summary lines to this JSON file")
    args = parser.parse_args(argv)
    rules = args.rules.split(",")
    for rule in rules:
        if rule not in RULES:
            parser.error(f"unknown rule {rule!r}; expected some of {RULES}")
    if not 1 <= args.jobs <= 8:
        parser.error(f"--jobs is {args.jobs}; expected 1 to 8")
    recipe = ShifterRecipe(biases=args.biases, parameterisation=args.parameterisation, max_iter=args.max_iter,
                           scale=args.scale, guard_every=args.guard_every, starts=args.starts,
                           start_iter=args.start_iter).check()

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    tasks = [(rule, seed, recipe) for rule in rules for seed in seeds]
    records, details = [], []
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    settings = {"recipe": dataclasses.asdict(recipe), "jobs": args.jobs, "cpus": os.cpu_count(),
                "discovered_accuracy": shifter.DISCOVERED_ACCURACY, "clean_share": shifter.CLEAN_SHARE,
                "nll_samples": shifter.NLL_SAMPLES, "entropy_bits": data.entropy_bits(data.shifter_distribution()[1]),
                "independent_pixel_bits": shifter.independent_pixel_bits(),
                "one_hot_code_bound_bits": one_hot_code_bounds(),
                "command": "python benchmarks/shifter.py " + " ".join(sys.argv[1:] if argv is None else argv)}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for record, detail, machine in pool.map(_job, tasks):
            records.append(record)
            details.append(detail)
            print(json.dumps(detail), file=sys.stderr, flush=True)
            if args.save:
                machine.save(args.save / f"{record['rule']}_seed{record['seed']}.npz")
                (args.save / "runs.json").write_text(json.dumps({"settings": settings, "runs": details}, indent=1))
    for rule in rules:
        mine = [r for r in records if r["rule"] == rule]
        found = sum(r["discovered"] for r in mine)
        median = float(np.median([r["seconds"] for r in mine]))
        print(f"{rule}: discovered {found}/{len(mine)}, median {median:.1f} s per run", file=sys.stderr)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps({"settings": settings, "runs": records}, indent=1) + "\n")
    if args.json:
        print(json.dumps({"problem": "shifter", "runs": records}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
