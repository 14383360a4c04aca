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
"""

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
