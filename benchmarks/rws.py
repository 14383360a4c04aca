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

``--problem stalls`` continues, for many more steps, the exact ascent that notebook 11 runs for
1000 steps from the stalled bars machines: it reads ``benchmarks/results/rws/runs.json`` and the
machines beside it (``--runs DIR`` to read another folder), calls a run stalled when its KL is more
than twice the median KL of its method (the notebook's rule), and from each stalled machine runs
:func:`hmlib.likelihood.projected_ascent` (step 2, pixel weights >= 0) for ``--steps`` steps
(default 100 000, about half a minute per machine), recording the KL after 10^3, 3 x 10^3, 10^4, ...
steps. It then finishes the climb with L-BFGS-B (Byrd et al. 1995; scipy, the same bounds) until it
converges, and reports there the KL, the length of the projected gradient and the largest and
smallest eigenvalues of the Hessian of the average log-likelihood over the coordinates not held at
0 (central differences of the exact gradient). A largest eigenvalue at or below 0 (to round-off)
means no direction leads uphill to second order: a local optimum, flat along the directions whose
eigenvalue is 0.

    python benchmarks/rws.py --problem stalls --json --save benchmarks/results/rws

ends with {"problem": "stalls", "stalled": [{"method", "seed", "kl_bits", "checkpoints", "kl_bits_at",
"rises_every_step", "converged_kl_bits", "lbfgsb_iterations", "lbfgsb_message", "gradient_length",
"largest_eigenvalue", "smallest_eigenvalue", "seconds"}, ...]} and with ``--save DIR`` writes it,
with the command and the settings, to ``DIR/stalls.json``.
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

from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from hmlib import likelihood, rws, wakesleep
from hmlib.data import bars, bars_distribution
from hmlib.evaluation import kl_data_model_bits
from hmlib.model import HelmholtzMachine

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


def stalled(runs):
    """The runs whose KL is more than twice the median KL of their method (notebook 11's rule)."""
    medians = {m: float(np.median([r["kl_bits"] for r in runs if r["method"] == m])) for m in {r["method"] for r in runs}}
    return [r for r in runs if r["kl_bits"] > 2 * medians[r["method"]]]


def _curvature(machine, patterns, probs, h=1e-5):
    """Largest and smallest eigenvalues of the Hessian of sum_x p(x) log p(x) over theta, leaving out
    the visible weights held at 0: central differences of the exact gradient, symmetrised."""
    def gradient(m):
        g = likelihood.average_log_likelihood_gradient(m, patterns, probs)
        return np.concatenate([a.ravel() for a in g["theta"] + g["theta_bias"]])

    slots = [(name, layer, index) for name in ("theta", "theta_bias") for layer, a in enumerate(getattr(machine, name))
             for index in np.ndindex(a.shape)]
    free = [i for i, (name, layer, index) in enumerate(slots) if not (name == "theta" and layer == 0 and machine.theta[0][index] <= 0)]
    columns = []
    for i in free:
        name, layer, index = slots[i]
        up, down = machine.copy(), machine.copy()
        getattr(up, name)[layer][index] += h
        getattr(down, name)[layer][index] -= h
        columns.append((gradient(up) - gradient(down))[free] / (2 * h))
    hessian = np.array(columns)
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    return float(eigenvalues[-1]), float(eigenvalues[0])


def _converge(machine, patterns, probs):
    """L-BFGS-B on sum_x p(x) log p(x) over theta from ``machine``, visible weights >= 0, to convergence.

    Returns ``(machine, result)`` (scipy's OptimizeResult)."""
    slots = [(name, layer) for name in ("theta", "theta_bias") for layer in range(len(getattr(machine, name)))]
    shapes = [getattr(machine, name)[layer].shape for name, layer in slots]
    sizes = [int(np.prod(shape)) for shape in shapes]

    def unpack(vector):
        out, pieces = machine.copy(), np.split(vector, np.cumsum(sizes)[:-1])
        for (name, layer), shape, piece in zip(slots, shapes, pieces):
            getattr(out, name)[layer] = piece.reshape(shape).copy()
        return out

    def objective(vector):
        m = unpack(vector)
        g = likelihood.average_log_likelihood_gradient(m, patterns, probs)
        flat = np.concatenate([a.ravel() for a in g["theta"] + g["theta_bias"]])
        return -likelihood.average_log_likelihood(m, patterns, probs), -flat

    start = np.concatenate([getattr(machine, name)[layer].ravel() for name, layer in slots])
    bounds = [(0.0, None)] * sizes[0] + [(None, None)] * (len(start) - sizes[0])
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only add overhead
        result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": 100_000, "maxfun": 200_000, "gtol": 1e-12, "ftol": 1e-16})
    return unpack(result.x), result


def run_stalls(args):
    """Long exact ascent from every stalled bars machine; returns the JSON summary."""
    saved = json.loads((args.runs / "runs.json").read_text())
    patterns, probs = bars_distribution()
    entropy = -float(probs @ np.log(probs))  # nats
    checkpoints = [c for c in (1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000) if c < args.steps] + [args.steps]
    meta_settings = {"steps": args.steps, "step_size": likelihood.STEP_SIZE}
    rows = []
    for run in stalled(saved["runs"]):
        start = time.perf_counter()
        machine = HelmholtzMachine.load(args.runs / f"{run['method']}-seed-{run['seed']}.npz")
        climbed, log_likelihood = likelihood.projected_ascent(machine, patterns, probs, steps=args.steps,
                                                              step_size=likelihood.STEP_SIZE)
        kl_at = [(-entropy - log_likelihood[c]) / np.log(2) for c in checkpoints]
        converged, result = _converge(climbed, patterns, probs)
        grads = likelihood.average_log_likelihood_gradient(converged, patterns, probs)
        largest, smallest = _curvature(converged, patterns, probs)
        rows.append({"method": run["method"], "seed": run["seed"], "kl_bits": run["kl_bits"], "checkpoints": checkpoints,
                     "kl_bits_at": [round(float(v), 6) for v in kl_at],
                     "rises_every_step": bool(np.all(np.diff(log_likelihood) > 0)),
                     "converged_kl_bits": round(kl_data_model_bits(converged, patterns, probs), 6),
                     "lbfgsb_iterations": int(result.nit), "lbfgsb_message": str(result.message),
                     "gradient_length": float(likelihood.projected_gradient_length(converged, grads)),
                     "largest_eigenvalue": largest, "smallest_eigenvalue": smallest,
                     "seconds": round(time.perf_counter() - start, 1)})
        if not args.json:
            print(f"{run['method']} seed {run['seed']}: {run['kl_bits']:.3f} -> {kl_at[-1]:.4f} -> "
                  f"{rows[-1]['converged_kl_bits']:.4f} bits, eigenvalues {smallest:.2e} .. {largest:.2e}", file=sys.stderr)
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        meta = {"command": "python benchmarks/rws.py " + " ".join(args.argv), **meta_settings,
                "rule": "KL more than twice the median KL of the method", "stalled": rows}
        (args.save / "stalls.json").write_text(json.dumps(meta, indent=1) + "\n")
    return {"problem": "stalls", "stalled": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", choices=("bars", "digits", "stalls"), default="bars",
                        help="the bars (default), the digits, or long exact ascent from the stalled bars machines")
    parser.add_argument("--steps", type=int, default=100_000, help="stalls: steps of exact ascent per machine")
    parser.add_argument("--runs", type=Path, default=Path(__file__).resolve().parent / "results" / "rws",
                        help="stalls: the folder of runs.json and the saved bars machines")
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
    if args.steps < 1:
        parser.error(f"--steps is {args.steps}; expected a positive integer")
    if args.problem == "stalls":
        args.argv = list(argv if argv is not None else sys.argv[1:])
        summary = run_stalls(args)
        print(json.dumps(summary) if args.json else "\n".join(
            f"{r['method']:12s} seed {r['seed']}: {r['kl_bits']:.3f} -> {r['kl_bits_at'][-1]:.4f} after {r['checkpoints'][-1]} "
            f"steps -> {r['converged_kl_bits']:.4f} bits converged" for r in summary["stalled"]))
        return
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
