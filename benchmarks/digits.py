"""Benchmark: Helmholtz machines on real handwritten digits (Hinton, Dayan, Frey & Neal 1995;
Frey, Hinton & Dayan 1996; issue 14), against the models they have to beat.

    python benchmarks/digits.py --json --save benchmarks/results/digits

Data: ``hmlib.data.digits()``, scikit-learn's 8x8 digits, a pixel on when its grey level is above 7,
split per class into training (1/2), validation (1/6) and test (1/3) digits. Every model is fitted
on the training digits; the validation digits only make choices (mixture components, mean-field
weight decay, when wake-sleep stops); the test digits only score. The rows, in bits per test digit:

- base rates per class / pooled: independent pixels, Laplace-smoothed (``hmlib.baselines``);
- mixture: a mixture of Bernoullis per class by EM, its number of components chosen on validation;
- gzip: the concatenated test bits at gzip's best level and packing;
- wake-sleep per digit: one 64-16-16-4 machine per class, ``hmlib.wakesleep.fit`` with the default
  settings and early stopping on that class's validation digits;
- wake-sleep one machine: one 64-16-16-4 machine for all digits, likewise;
- mean field: one 64-16-16-4 deterministic machine per class (notebook 07, sigmoid rule,
  ``hmlib.meanfield_fit.fit``), its weight decay chosen on validation.

Machines are scored by ``hmlib.evaluation.log_evidence`` (importance sampling, ``--samples`` draws
per digit); classification (each test digit to the class with the highest log p(x) + log prior)
uses ``--class-samples`` draws per digit and class.

The last line printed is JSON:
{"problem": "digits", "threshold": 7, "rows": [{"model", "test_bits", "stderr_bits", "train_bits",
"error_rate", "seconds"}, ...]}
``stderr_bits`` is the standard error of ``test_bits`` as an average over the test digits
(sd / sqrt(n) of the per-digit code lengths, importance-sampling noise included); null for gzip,
which codes the test set as one file. ``error_rate`` is null for the models without classes.
``seconds`` is the wall-clock time of fitting (for wake-sleep: all ten machines together, validation
scores included), not of scoring. With ``--save DIR`` it writes the machines
(``digit-<c>.npz``, ``all-digits.npz``, ``meanfield-<c>.npz``) and ``DIR/runs.json`` (the command,
settings, load average, every row, each model's bits for every test digit, the validation curves),
which notebook 10 reads.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small matrices: threads only fight over the cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without installing hmlib

import numpy as np  # noqa: E402

from hmlib import baselines, evaluation, meanfield_fit, wakesleep  # noqa: E402
from hmlib.data import DIGITS_THRESHOLD, digits  # noqa: E402

SIZES = (64, 16, 16, 4)  # the papers' network for one digit class
SETTINGS = wakesleep.WakeSleepSettings(validate_every=4_000)  # the defaults for ordinary binary data
MIXTURE_COMPONENTS = (1, 2, 3, 4, 6, 8, 12, 16)
MEANFIELD_DECAYS = (0.001, 0.003, 0.01)  # without decay Eq. (12) drives the weights up without bound
MEANFIELD_ITERATIONS = 300
ONE_MACHINE_SEED = 10
ROW_KEYS = ("model", "test_bits", "stderr_bits", "train_bits", "error_rate", "seconds")


def _summary(model, test, train, seconds, error_rate=None, stderr=True):
    """One row of the table from the per-digit test and train code lengths (arrays, bits)."""
    return {
        "model": model,
        "test_bits": round(float(np.mean(test)), 4),
        "stderr_bits": round(float(np.std(test, ddof=1) / np.sqrt(len(test))), 4) if stderr else None,
        "train_bits": round(float(np.mean(train)), 4),
        "error_rate": None if error_rate is None else round(float(error_rate), 4),
        "seconds": round(float(seconds), 2),
    }


def _per_class(split, part, bits_of_class):
    """Concatenate bits_of_class(c, x of class c in ``part``) over the classes, in the split's row order."""
    return np.concatenate([bits_of_class(c, split.of_class(part, c)) for c in range(10)])


def _error_rate(split, log2_p_of_class):
    """Error rate of the classifier argmax_c log2 p(x | c) + log2 P(c) on the test digits."""
    log_p = np.column_stack([log2_p_of_class(c, split.x_test) for c in range(10)])  # (n_test, 10)
    predicted = baselines.classify(log_p, baselines.class_log_prior(split.y_train))
    return float(np.mean(predicted != split.y_test))


def _machine_bits(machine, x, samples, seed):
    return -evaluation.log_evidence(machine, x, unit="bits", n_samples=samples, seed=seed, per_row=True)[0]


def run(args):
    split = digits(args.threshold)
    rows, per_digit, extra = [], {}, {}

    # base rates and mixtures: per class, fitted on the training digits
    for name, fit in (
        ("base rates per class", lambda c: baselines.base_rates(split.of_class("train", c))),
        ("mixture", lambda c: baselines.choose_mixture(
            split.of_class("train", c), split.of_class("valid", c), MIXTURE_COMPONENTS, seed=c)[0]),
    ):
        start = time.perf_counter()
        models = [fit(c) for c in range(10)]
        seconds = time.perf_counter() - start
        test = _per_class(split, "test", lambda c, x: models[c].bits(x))
        train = _per_class(split, "train", lambda c, x: models[c].bits(x))
        error = _error_rate(split, lambda c, x: -models[c].bits(x))
        rows.append(_summary(name, test, train, seconds, error))
        per_digit[name] = test
        if name == "mixture":
            extra["mixture_components"] = [m.n_components for m in models]
        _log(args, rows[-1])
    start = time.perf_counter()
    pooled = baselines.base_rates(split.x_train)
    rows.insert(1, _summary("base rates pooled", pooled.bits(split.x_test), pooled.bits(split.x_train),
                            time.perf_counter() - start))
    per_digit["base rates pooled"] = pooled.bits(split.x_test)
    _log(args, rows[1])

    # gzip at its best setting, on the whole test set at once
    start = time.perf_counter()
    test_gzip, setting = baselines.gzip_bits(split.x_test)
    seconds = time.perf_counter() - start
    train_gzip, _ = baselines.gzip_bits(split.x_train)
    rows.append(_summary("gzip", [test_gzip], [train_gzip], seconds, stderr=False))
    extra["gzip_setting"] = setting
    _log(args, rows[-1])

    # wake-sleep: one machine per digit, each stopped early on its own validation digits
    settings = replace(SETTINGS, examples=args.examples)
    machines, curves, seconds_each = [], [], []
    cpu = time.process_time()
    for c in range(10):
        start = time.perf_counter()
        machine, history = wakesleep.fit(split.of_class("train", c), sizes=SIZES, seed=c, settings=settings,
                                         validation=split.of_class("valid", c))
        seconds_each.append(time.perf_counter() - start)
        machines.append(machine)
        curves.append({"digit": c, "examples": history.validation_examples,
                       "validation_bits": [round(b, 4) for b in history.validation_bits],
                       "best_examples": history.best_examples, "stopped_early": history.stopped_early})
    cpu = time.process_time() - cpu
    test = _per_class(split, "test", lambda c, x: _machine_bits(machines[c], x, args.samples, seed=c))
    train = _per_class(split, "train", lambda c, x: _machine_bits(machines[c], x, args.samples, seed=c))
    error = _error_rate(split, lambda c, x: -_machine_bits(machines[c], x, args.class_samples, seed=c))
    rows.append(_summary("wake-sleep per digit", test, train, sum(seconds_each), error))
    per_digit["wake-sleep per digit"] = test
    extra.update(wake_sleep_seconds=[round(s, 2) for s in seconds_each], wake_sleep_cpu_seconds=round(cpu, 2),
                 curves=curves)
    _log(args, rows[-1])

    # wake-sleep: one machine for all digits
    start = time.perf_counter()
    one, history = wakesleep.fit(split.x_train, sizes=SIZES, seed=ONE_MACHINE_SEED, settings=settings,
                                 validation=split.x_valid)
    seconds = time.perf_counter() - start
    test = _machine_bits(one, split.x_test, args.samples, seed=ONE_MACHINE_SEED)
    rows.append(_summary("wake-sleep one machine", test, _machine_bits(one, split.x_train, args.samples, 0), seconds))
    per_digit["wake-sleep one machine"] = test
    extra["one_machine_curve"] = {"examples": history.validation_examples,
                                  "validation_bits": [round(b, 4) for b in history.validation_bits],
                                  "best_examples": history.best_examples}
    _log(args, rows[-1])

    # the deterministic (mean-field) machine, sigmoid rule, one per digit, weight decay chosen on validation
    start = time.perf_counter()
    fitted, decays = [], []
    for c in range(10):
        candidates = []
        for decay in MEANFIELD_DECAYS:
            fit_settings = meanfield_fit.FitSettings(max_iter=args.meanfield_iterations, weight_decay=decay)
            machine, _ = meanfield_fit.fit(split.of_class("train", c), sizes=SIZES, rule="sigmoid", seed=c,
                                           settings=fit_settings)
            score = _machine_bits(machine, split.of_class("valid", c), args.class_samples, seed=c).mean()
            candidates.append((score, decay, machine))
        score, decay, machine = min(candidates, key=lambda item: item[0])
        fitted.append(machine)
        decays.append(decay)
    seconds = time.perf_counter() - start
    test = _per_class(split, "test", lambda c, x: _machine_bits(fitted[c], x, args.samples, seed=c))
    train = _per_class(split, "train", lambda c, x: _machine_bits(fitted[c], x, args.samples, seed=c))
    error = _error_rate(split, lambda c, x: -_machine_bits(fitted[c], x, args.class_samples, seed=c))
    rows.append(_summary("mean field", test, train, seconds, error))
    per_digit["mean field"] = test
    extra["meanfield_decays"] = decays
    _log(args, rows[-1])

    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        for c in range(10):
            machines[c].save(args.save / f"digit-{c}.npz")
            fitted[c].save(args.save / f"meanfield-{c}.npz")
        one.save(args.save / "all-digits.npz")
        command = "python benchmarks/digits.py " + " ".join(args.argv)
        meta = {
            "command": command, "threshold": args.threshold, "sizes": list(SIZES), "settings": asdict(settings),
            "samples": args.samples, "class_samples": args.class_samples,
            "meanfield_iterations": args.meanfield_iterations, "load_average": [round(v, 2) for v in os.getloadavg()],
            "rows": rows, "test_bits_per_digit": {k: [round(float(b), 4) for b in v] for k, v in per_digit.items()},
            **extra,
        }
        (args.save / "runs.json").write_text(json.dumps(meta, indent=1) + "\n")
    return {"problem": "digits", "threshold": args.threshold, "rows": rows}


def _log(args, row):
    if not args.json:
        print(", ".join(f"{k} {row[k]}" for k in ROW_KEYS), file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for the machines and runs.json")
    parser.add_argument("--threshold", type=int, default=DIGITS_THRESHOLD, help="a pixel is on above this grey level")
    parser.add_argument("--examples", type=int, default=SETTINGS.examples, help="most examples per wake-sleep run")
    parser.add_argument("--samples", type=int, default=1000, help="importance samples per test digit")
    parser.add_argument("--class-samples", type=int, default=100, help="importance samples per digit and class")
    parser.add_argument("--meanfield-iterations", type=int, default=MEANFIELD_ITERATIONS, help="L-BFGS-B iterations")
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    for name in ("examples", "samples", "class_samples", "meanfield_iterations"):
        if getattr(args, name) < (2 if "samples" in name else 1):
            parser.error(f"--{name.replace('_', '-')} is {getattr(args, name)}; expected a larger positive integer")
    summary = run(args)
    if args.json:
        print(json.dumps(summary))
    else:
        for row in summary["rows"]:
            print(f"{row['model']:24s} {row['test_bits']:7.2f} bits per test digit")


if __name__ == "__main__":
    main()
