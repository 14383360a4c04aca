"""Benchmark: Helmholtz machines on real handwritten digits (Hinton, Dayan, Frey & Neal 1995;
Frey, Hinton & Dayan 1996; issues 14 and 18), against the models they have to beat.

    python benchmarks/digits.py --json --save benchmarks/results/digits      # train and score (minutes)
    python benchmarks/digits.py --json --rescore benchmarks/results/digits   # score the saved machines again

Data: ``hmlib.data.digits()``, scikit-learn's 8x8 digits, a pixel on when its grey level is above 7,
split per class into training (1/2), validation (1/6) and test (1/3) digits. Every model is fitted
on the training digits; the validation digits only make choices (mixture components, gzip's
setting, the deterministic machine's weight decay, when wake-sleep stops); the test digits only
score. The rows, in bits per test digit:

- base rates per class / pooled: independent pixels, Laplace-smoothed (``hmlib.baselines``);
- mixture: a mixture of Bernoullis per class by EM, its number of components chosen on validation;
- gzip, class order / gzip, shuffled: the concatenated test bits, at the level and packing that
  compress the validation digits best, once in the split's order (sorted by class) and once in a
  random order (``GZIP_SHUFFLE_SEED``; validation and training digits shuffled alike);
- wake-sleep per digit: one 64-16-16-4 machine per class, ``hmlib.wakesleep.fit`` with the default
  settings and early stopping on that class's validation digits;
- wake-sleep one machine: one 64-16-16-4 machine for all digits, likewise;
- deterministic machine: one 64-16-16-4 machine per class trained as the deterministic machine of
  notebook 07 (Eq. (12), sigmoid rule, ``hmlib.meanfield_fit.fit``), its weight decay chosen on
  validation, scored like the others as a stochastic machine.

The per-class rows are told each test digit's class. ``label_bits`` is what coding that class costs,
-log2 P(c) averaged over the test digits with P the training frequencies
(``hmlib.baselines.label_bits``); add it before comparing them with the rows that are not told the
class (pooled base rates, gzip, one machine), for which it is null.

Machines are scored by ``hmlib.evaluation.log_evidence`` (importance sampling, ``--samples`` draws
per digit); classification (each test digit to the class with the highest log p(x) + log prior)
uses ``--class-samples`` draws per digit and class. Every two classifiers are compared by the exact
McNemar test on the test digits (``hmlib.baselines.mcnemar_test``).

The last line printed is JSON:
{"problem": "digits", "threshold": 7, "rows": [{"model", "test_bits", "stderr_bits", "train_bits",
"label_bits", "error_rate", "seconds"}, ...], "paired_tests": [{"a", "b", "only_a_wrong",
"only_b_wrong", "p_value"}, ...]}
``stderr_bits`` is the standard error of ``test_bits`` as an average over the test digits
(sd / sqrt(n) of the per-digit code lengths, importance-sampling noise included); null for gzip,
which codes the test set as one file. ``error_rate`` is null for the models without classes.
``seconds`` is the wall-clock time of fitting (for wake-sleep: all ten machines together, validation
scores included), not of scoring. With ``--save DIR`` it writes the machines
(``digit-<c>.npz``, ``all-digits.npz``, ``meanfield-<c>.npz``) and ``DIR/runs.json`` (the command,
settings, load average, every row, each model's bits for every test digit, each classifier's
prediction for every test digit, the paired tests, gzip's settings, the validation curves), which
notebook 10 reads.

``--rescore DIR`` trains nothing: it loads the machines saved in DIR, keeps what training recorded
in DIR/runs.json (command, settings, curves, weight decays, training seconds) and the threshold and
sample counts used then, fits the cheap models (base rates, mixtures, gzip) again, scores every
model again with the same seeds, and rewrites DIR/runs.json (with ``rescore_command``).
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
from hmlib.model import HelmholtzMachine  # noqa: E402

SIZES = (64, 16, 16, 4)  # the papers' network for one digit class
SETTINGS = wakesleep.WakeSleepSettings(validate_every=4_000)  # the defaults for ordinary binary data
MIXTURE_COMPONENTS = (1, 2, 3, 4, 6, 8, 12, 16)
MEANFIELD_DECAYS = (0.001, 0.003, 0.01)  # without decay Eq. (12) drives the weights up without bound
MEANFIELD_ITERATIONS = 300
ONE_MACHINE_SEED = 10
GZIP_SHUFFLE_SEED = 0  # the random order of the "gzip, shuffled" row
ROW_KEYS = ("model", "test_bits", "stderr_bits", "train_bits", "label_bits", "error_rate", "seconds")
CLASSIFIERS = ("base rates per class", "mixture", "wake-sleep per digit", "deterministic machine")
TRAINING_KEYS = ("command", "settings", "meanfield_iterations", "load_average", "wake_sleep_seconds",
                 "wake_sleep_cpu_seconds", "curves", "one_machine_curve", "meanfield_decays")  # kept by --rescore


def _summary(model, test, train, seconds, error_rate=None, stderr=True, label=None):
    """One row of the table from the per-digit test and train code lengths (arrays, bits)."""
    return {
        "model": model,
        "test_bits": round(float(np.mean(test)), 4),
        "stderr_bits": round(float(np.std(test, ddof=1) / np.sqrt(len(test))), 4) if stderr else None,
        "train_bits": round(float(np.mean(train)), 4),
        "label_bits": None if label is None else round(float(np.mean(label)), 4),
        "error_rate": None if error_rate is None else round(float(error_rate), 4),
        "seconds": round(float(seconds), 2),
    }


def _per_class(split, part, bits_of_class):
    """Concatenate bits_of_class(c, x of class c in ``part``) over the classes, in the split's row order."""
    return np.concatenate([bits_of_class(c, split.of_class(part, c)) for c in range(10)])


def _predictions(split, log2_p_of_class):
    """The classifier argmax_c log2 p(x | c) + log2 P(c) on the test digits, shape (n_test,)."""
    log_p = np.column_stack([log2_p_of_class(c, split.x_test) for c in range(10)])  # (n_test, 10)
    return baselines.classify(log_p, baselines.class_log_prior(split.y_train))


def _machine_bits(machine, x, samples, seed):
    return -evaluation.log_evidence(machine, x, unit="bits", n_samples=samples, seed=seed, per_row=True)[0]


def gzip_orders(split, seed=GZIP_SHUFFLE_SEED):
    """The (validation, training, test) digits as gzip sees them: {row name: (x_valid, x_train, x_test)}.

    "gzip, class order": the split's order, sorted by class; "gzip, shuffled": each part in a
    random order (one generator, seeded, permuting validation, training and test digits in turn).
    """
    rng = np.random.default_rng(seed)
    parts = (split.x_valid, split.x_train, split.x_test)
    return {"gzip, class order": parts, "gzip, shuffled": tuple(x[rng.permutation(len(x))] for x in parts)}


def train(split, args):
    """Train the machines (minutes): the three kinds of Helmholtz machine and what training records."""
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

    start = time.perf_counter()
    one, history = wakesleep.fit(split.x_train, sizes=SIZES, seed=ONE_MACHINE_SEED, settings=settings,
                                 validation=split.x_valid)
    one_seconds = time.perf_counter() - start
    one_curve = {"examples": history.validation_examples,
                 "validation_bits": [round(b, 4) for b in history.validation_bits],
                 "best_examples": history.best_examples}

    # the deterministic (mean-field) machine, sigmoid rule, one per digit, weight decay chosen on validation
    start = time.perf_counter()
    fitted, decays = [], []
    for c in range(10):
        candidates = []
        for decay in MEANFIELD_DECAYS:
            fit_settings = meanfield_fit.FitSettings(max_iter=args.meanfield_iterations, weight_decay=decay)
            machine, _ = meanfield_fit.fit(split.of_class("train", c), sizes=SIZES, rule="sigmoid", seed=c,
                                           settings=fit_settings)
            valid_bits = _machine_bits(machine, split.of_class("valid", c), args.class_samples, seed=c).mean()
            candidates.append((valid_bits, decay, machine))
        _, decay, machine = min(candidates, key=lambda item: item[0])
        fitted.append(machine)
        decays.append(decay)
    meanfield_seconds = time.perf_counter() - start
    return {
        "per_digit": machines, "one": one, "deterministic": fitted,
        "seconds": {"wake-sleep per digit": sum(seconds_each), "wake-sleep one machine": one_seconds,
                    "deterministic machine": meanfield_seconds},
        "meta": {"command": "python benchmarks/digits.py " + " ".join(args.argv), "settings": asdict(settings),
                 "meanfield_iterations": args.meanfield_iterations,
                 "load_average": [round(v, 2) for v in os.getloadavg()],
                 "wake_sleep_seconds": [round(s, 2) for s in seconds_each], "wake_sleep_cpu_seconds": round(cpu, 2),
                 "curves": curves, "one_machine_curve": one_curve, "meanfield_decays": decays},
    }


def load_trained(directory):
    """What :func:`train` returns, from a folder written by ``--save`` (no training)."""
    meta = json.loads((directory / "runs.json").read_text())
    missing = [key for key in TRAINING_KEYS + ("rows", "threshold", "samples", "class_samples") if key not in meta]
    if missing:
        raise SystemExit(f"{directory / 'runs.json'} lacks {missing}; train again with --save")
    seconds = {row["model"]: row["seconds"] for row in meta["rows"]}
    return {
        "per_digit": [HelmholtzMachine.load(directory / f"digit-{c}.npz") for c in range(10)],
        "one": HelmholtzMachine.load(directory / "all-digits.npz"),
        "deterministic": [HelmholtzMachine.load(directory / f"meanfield-{c}.npz") for c in range(10)],
        "seconds": {name: seconds[name] for name in ("wake-sleep per digit", "wake-sleep one machine",
                                                     "deterministic machine")},
        "meta": {key: meta[key] for key in TRAINING_KEYS},
        "scoring": {key: meta[key] for key in ("threshold", "samples", "class_samples")},
    }


def score(split, trained, args):
    """Fit the cheap models, score every model on the test digits; (rows, per-digit bits, predictions, extras)."""
    rows, per_digit, predicted, extra = [], {}, {}, {}
    labels = baselines.label_bits(split.y_test, baselines.class_log_prior(split.y_train))  # (n_test,)

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
        train_bits = _per_class(split, "train", lambda c, x: models[c].bits(x))
        predicted[name] = _predictions(split, lambda c, x: -models[c].bits(x))
        rows.append(_summary(name, test, train_bits, seconds, np.mean(predicted[name] != split.y_test), label=labels))
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

    # gzip: the setting chosen on the validation digits, the test set coded as one file, in two orders
    extra["gzip_settings"] = {}
    for name, (x_valid, x_train, x_test) in gzip_orders(split).items():
        start = time.perf_counter()
        setting, _ = baselines.choose_gzip(x_valid)
        seconds = time.perf_counter() - start
        rows.append(_summary(name, [baselines.gzip_bits(x_test, **setting)], [baselines.gzip_bits(x_train, **setting)],
                             seconds, stderr=False))
        extra["gzip_settings"][name] = setting
        _log(args, rows[-1])
    extra["gzip_shuffle_seed"] = GZIP_SHUFFLE_SEED

    # the machines, per class and one for all digits
    samples, class_samples = args.samples, args.class_samples
    for name, machines in (("wake-sleep per digit", trained["per_digit"]),
                           ("deterministic machine", trained["deterministic"])):
        test = _per_class(split, "test", lambda c, x: _machine_bits(machines[c], x, samples, seed=c))
        train_bits = _per_class(split, "train", lambda c, x: _machine_bits(machines[c], x, samples, seed=c))
        predicted[name] = _predictions(split, lambda c, x: -_machine_bits(machines[c], x, class_samples, seed=c))
        row = _summary(name, test, train_bits, trained["seconds"][name], np.mean(predicted[name] != split.y_test),
                       label=labels)
        rows.append(row)
        per_digit[name] = test
        _log(args, row)
        if name == "wake-sleep per digit":  # the table's order: per digit, one machine, deterministic
            one = trained["one"]
            test = _machine_bits(one, split.x_test, samples, seed=ONE_MACHINE_SEED)
            rows.append(_summary("wake-sleep one machine", test, _machine_bits(one, split.x_train, samples, 0),
                                 trained["seconds"]["wake-sleep one machine"]))
            per_digit["wake-sleep one machine"] = test
            _log(args, rows[-1])

    tests = []
    for i, a in enumerate(CLASSIFIERS):
        for b in CLASSIFIERS[i + 1:]:
            result = baselines.mcnemar_test(predicted[a], predicted[b], split.y_test)
            tests.append({"a": a, "b": b, "only_a_wrong": result.only_a_wrong, "only_b_wrong": result.only_b_wrong,
                          "p_value": float(f"{result.p_value:.3g}")})
    return rows, per_digit, predicted, tests, extra


def run(args):
    if args.rescore is not None:
        trained = load_trained(args.rescore)
        args.threshold, args.samples, args.class_samples = (trained["scoring"][key] for key in
                                                            ("threshold", "samples", "class_samples"))
        split = digits(args.threshold)
    else:
        split = digits(args.threshold)
        trained = train(split, args)
    rows, per_digit, predicted, tests, extra = score(split, trained, args)

    directory = args.rescore if args.rescore is not None else args.save
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        if args.rescore is None:
            for c in range(10):
                trained["per_digit"][c].save(directory / f"digit-{c}.npz")
                trained["deterministic"][c].save(directory / f"meanfield-{c}.npz")
            trained["one"].save(directory / "all-digits.npz")
        training = trained["meta"]
        meta = {
            "command": training["command"], "threshold": args.threshold, "sizes": list(SIZES),
            "settings": training["settings"], "samples": args.samples, "class_samples": args.class_samples,
            "meanfield_iterations": training["meanfield_iterations"], "load_average": training["load_average"],
            "rows": rows, "test_bits_per_digit": {k: [round(float(b), 4) for b in v] for k, v in per_digit.items()},
            **extra, **{key: training[key] for key in TRAINING_KEYS[4:]},
            "test_predictions": {k: [int(p) for p in v] for k, v in predicted.items()}, "paired_tests": tests,
        }
        if args.rescore is not None:
            meta["rescore_command"] = "python benchmarks/digits.py " + " ".join(args.argv)
        (directory / "runs.json").write_text(json.dumps(meta, indent=1) + "\n")
    return {"problem": "digits", "threshold": args.threshold, "rows": rows, "paired_tests": tests}


def _log(args, row):
    if not args.json:
        print(", ".join(f"{k} {row[k]}" for k in ROW_KEYS), file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for the machines and runs.json")
    parser.add_argument("--rescore", type=Path, default=None,
                        help="score the machines saved in this directory again, without training, "
                             "and rewrite its runs.json")
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
    if args.rescore is not None and args.save is not None:
        parser.error("--rescore rewrites the runs.json of its own directory; leave out --save")
    summary = run(args)
    if args.json:
        print(json.dumps(summary))
    else:
        for row in summary["rows"]:
            print(f"{row['model']:24s} {row['test_bits']:7.2f} bits per test digit")


if __name__ == "__main__":
    main()
