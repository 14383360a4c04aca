"""Benchmark: wake-sleep against reweighted wake-sleep on the bars problem (issue 15, notebook 11).

Trains the paper's 16-8-1 sigmoid machine from the paper's initialisation once per seed (seeds
0..N-1) and per method, without pilots (no model selection), and scores it by the exact
asymmetric divergence KL[p_data || p_model] in bits (the 1995 paper reports 0.10 bits):

- ``wake-sleep``: :func:`hmlib.wakesleep.train` with the bars settings of benchmarks/bars.py;
- ``rws-wake-q``: :func:`hmlib.rws.train`, K = 5, Q learned by the wake-phase Q update only;
- ``rws-both``: the same with the wake-phase and the sleep-phase Q updates (Bornschein & Bengio 2015).

Every method sees the same number of data vectors (2 x 10^6) at the same rates and minibatch size.

    python benchmarks/rws.py --seeds 10 --json --save benchmarks/results/rws

The last line printed is JSON:
{"problem": "bars", "runs": [{"method": ..., "k": ..., "seed": ..., "kl_bits": ..., "seconds": ..., "examples": ...}, ...]}
``k`` is 1 for wake-sleep. ``seconds`` is the wall-clock time of training alone.
With ``--save DIR`` it writes ``DIR/<method>-seed-<seed>.npz`` (HelmholtzMachine.save) and ``DIR/runs.json``
(command, settings and runs), which notebook 11 loads.

``--problem digits`` instead trains one 64-16-16-4 machine per digit class on the split of
benchmarks/digits.py (issue 14) by each method, from the same starting machine
(``wakesleep.initial_machine``, seed = the class), with the same settings, validation scores and
early stopping as that benchmark's "wake-sleep per digit" row; RWS uses K = 5 and the same rates.
Test digits are scored as there (``hmlib.evaluation.log_evidence``, ``--samples`` importance
samples per digit, seed = the class).

    python benchmarks/rws.py --problem digits --json --save benchmarks/results/rws

ends with {"problem": "digits", "rows": [{"method", "k", "test_bits", "stderr_bits", "seconds"}, ...]}
(``seconds``: fitting all ten machines, validation included) and with ``--save DIR`` writes
``DIR/digits.json`` (command, settings, rows, every method's bits for each test digit, the paired
difference of each RWS variant from wake-sleep with its standard error, the validation curves).
"""

import argparse
import importlib.util
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from hmlib import rws, wakesleep
from hmlib.data import bars, bars_distribution
from hmlib.evaluation import kl_data_model_bits

EXAMPLES = 2_000_000  # the paper's bars run
BATCH_SIZE = 50  # as benchmarks/bars.py
K = 5  # importance samples per data vector for RWS
METHODS = ("wake-sleep", "rws-wake-q", "rws-both")


def wake_sleep_settings(examples, batch_size):
    """The bars settings of benchmarks/bars.py (the paper's, in minibatches)."""
    if hasattr(wakesleep.WakeSleepSettings, "bars_paper"):
        return replace(wakesleep.WakeSleepSettings.bars_paper(), examples=examples, batch_size=batch_size)
    return wakesleep.WakeSleepSettings(
        examples=examples, batch_size=batch_size, lr_visible=0.2, lr_hidden=0.001, positive_visible_weights=True
    )


def rws_settings(q_update, examples, batch_size, k):
    """The same rates and minibatches for reweighted wake-sleep."""
    return rws.RWSSettings(
        examples=examples, batch_size=batch_size, k=k, lr_visible=0.2, lr_hidden=0.001,
        q_update=q_update, positive_visible_weights=True,
    )


def _sample_bars(n, rng):
    return bars(n, seed=rng)[0]


def run(method, seed, examples, batch_size, k):
    """Train one machine; return ``(machine, kl_bits, seconds)``."""
    start = time.perf_counter()
    hm = wakesleep.paper_initialisation((16, 8, 1))
    if method == "wake-sleep":
        machine, _ = wakesleep.train(hm, _sample_bars, wake_sleep_settings(examples, batch_size), seed=seed)
    else:
        q_update = "wake" if method == "rws-wake-q" else "both"
        machine, _ = rws.train(hm, _sample_bars, rws_settings(q_update, examples, batch_size, k), seed=seed)
    seconds = time.perf_counter() - start
    patterns, probs = bars_distribution()
    return machine, kl_data_model_bits(machine, patterns, probs), seconds


def _digits_benchmark():
    """benchmarks/digits.py as a module, for its split, settings and scoring (not copied here)."""
    spec = importlib.util.spec_from_file_location("digits_benchmark", Path(__file__).resolve().parent / "digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digits_rws_settings(q_update, k, ws_settings):
    """RWS with the digits benchmark's wake-sleep settings: rates, minibatches, validation, patience."""
    return rws.RWSSettings(
        examples=ws_settings.examples, batch_size=ws_settings.batch_size, k=k, lr_visible=ws_settings.lr_visible,
        lr_hidden=ws_settings.lr_hidden, q_update=q_update, positive_visible_weights=ws_settings.positive_visible_weights,
        validate_every=ws_settings.validate_every, patience=ws_settings.patience,
    )


def _mean_and_stderr(values):
    return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(len(values)))


def run_digits(args):
    """Per-digit wake-sleep and RWS machines on the digits; returns the JSON summary."""
    bench = _digits_benchmark()
    split = bench.digits(bench.DIGITS_THRESHOLD)
    ws_settings = bench.SETTINGS
    rows, per_digit, curves, meta_settings = [], {}, {}, {"wake-sleep": asdict(ws_settings)}
    for method in METHODS:
        machines, curves[method], start = [], [], time.perf_counter()
        for c in range(10):
            x, x_valid = split.of_class("train", c), split.of_class("valid", c)
            rng = np.random.default_rng(c)  # as wakesleep.fit(seed=c): the same start for every method
            start_machine = wakesleep.initial_machine(bench.SIZES, x, seed=rng)
            if method == "wake-sleep":
                machine, history = wakesleep.train(start_machine, x, ws_settings, seed=rng, validation=x_valid)
            else:
                settings = digits_rws_settings("wake" if method == "rws-wake-q" else "both", args.k, ws_settings)
                meta_settings[method] = asdict(settings)
                machine, history = rws.train(start_machine, x, settings, seed=rng, validation=x_valid)
            machines.append(machine)
            curves[method].append({"digit": c, "examples": history.validation_examples,
                                   "validation_bits": [round(b, 4) for b in history.validation_bits],
                                   "best_examples": history.best_examples, "stopped_early": history.stopped_early})
        seconds = time.perf_counter() - start
        test = bench._per_class(
            split, "test", lambda c, x, fitted=machines: bench._machine_bits(fitted[c], x, args.samples, seed=c))
        per_digit[method] = test
        mean, stderr = _mean_and_stderr(test)
        k = 1 if method == "wake-sleep" else args.k
        rows.append({"method": method, "k": k, "test_bits": round(mean, 4), "stderr_bits": round(stderr, 4),
                     "seconds": round(seconds, 2)})
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            for c in range(10):
                machines[c].save(args.save / f"digits-{method}-{c}.npz")
        if not args.json:
            print(f"{method}: {mean:.3f} +- {stderr:.3f} bits per test digit, {seconds:.1f} s", file=sys.stderr)
    paired = {}
    for method in METHODS[1:]:
        mean, stderr = _mean_and_stderr(per_digit[method] - per_digit["wake-sleep"])
        paired[method] = {"minus_wake_sleep_bits": round(mean, 4), "stderr_bits": round(stderr, 4)}
    if args.save is not None:
        command = "python benchmarks/rws.py " + " ".join(args.argv)
        meta = {
            "command": command, "threshold": bench.DIGITS_THRESHOLD, "sizes": list(bench.SIZES),
            "samples": args.samples, "settings": meta_settings, "load_average": [round(v, 2) for v in os.getloadavg()],
            "rows": rows, "paired_difference": paired,
            "test_bits_per_digit": {m: [round(float(b), 4) for b in v] for m, v in per_digit.items()},
            "curves": curves,
        }
        (args.save / "digits.json").write_text(json.dumps(meta, indent=1) + "\n")
    if not args.json:
        for method, d in paired.items():
            print(f"{method} - wake-sleep: {d['minus_wake_sleep_bits']:+.3f} +- {d['stderr_bits']:.3f} bits", file=sys.stderr)
    return {"problem": "digits", "rows": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", choices=("bars", "digits"), default="bars", help="the bars (default) or the digits")
    parser.add_argument("--samples", type=int, default=1000, help="digits: importance samples per test digit")
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1)")
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for the machines and runs.json")
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="training data vectors per run")
    parser.add_argument("--k", type=int, default=K, help="importance samples per data vector (RWS)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds is {args.seeds}; expected a positive integer")
    if args.examples < 1 or args.k < 1:
        parser.error(f"--examples is {args.examples} and --k is {args.k}; expected positive integers")
    if args.samples < 2:
        parser.error(f"--samples is {args.samples}; expected an integer of at least 2")
    if args.problem == "digits":
        args.argv = list(argv if argv is not None else sys.argv[1:])
        summary = run_digits(args)
        print(json.dumps(summary) if args.json else "\n".join(
            f"{r['method']:12s} {r['test_bits']:7.3f} +- {r['stderr_bits']:.3f} bits per test digit" for r in summary["rows"]))
        return

    runs = []
    for method in METHODS:
        for seed in range(args.seeds):
            machine, kl, seconds = run(method, seed, args.examples, BATCH_SIZE, args.k)
            if args.save is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                machine.save(args.save / f"{method}-seed-{seed}.npz")
            k = 1 if method == "wake-sleep" else args.k
            runs.append({"method": method, "k": k, "seed": seed, "kl_bits": round(kl, 6),
                         "seconds": round(seconds, 2), "examples": args.examples})
            if not args.json:
                print(f"{method} seed {seed}: KL {kl:.4f} bits, {seconds:.1f} s", file=sys.stderr)
    if args.save is not None:
        command = "python benchmarks/rws.py " + " ".join(argv if argv is not None else sys.argv[1:])
        meta = {
            "command": command,
            "wake_sleep_settings": asdict(wake_sleep_settings(args.examples, BATCH_SIZE)),
            "rws_settings": asdict(rws_settings("both", args.examples, BATCH_SIZE, args.k)),
            "runs": runs,
        }
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / "runs.json").write_text(json.dumps(meta, indent=1) + "\n")
    if args.json:
        print(json.dumps({"problem": "bars", "runs": runs}))
    else:
        for method in METHODS:
            kls = sorted(r["kl_bits"] for r in runs if r["method"] == method)
            median = (kls[(len(kls) - 1) // 2] + kls[len(kls) // 2]) / 2
            print(f"{method}: median KL {median:.4f} bits over {len(kls)} seeds, max {kls[-1]:.4f}")


if __name__ == "__main__":
    main()
