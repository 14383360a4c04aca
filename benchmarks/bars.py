"""Benchmark: wake-sleep on the bars problem (Hinton, Dayan, Frey & Neal 1995, Fig. 2; issue 6).

Trains the paper's 16-8-1 sigmoid machine once per seed (seeds 0..N-1) and scores it by the exact
asymmetric divergence KL[p_data || p_model] in bits; the paper reports 0.10 bits.

    python benchmarks/bars.py --seeds 10 --json --save benchmarks/results/bars

The last line printed is JSON:
{"problem": "bars", "runs": [{"seed": ..., "kl_bits": ..., "seconds": ..., "examples": ...}, ...]}
``seconds`` is the wall-clock time of training alone (the KL curve's evaluations are subtracted).
With ``--save DIR`` it writes ``DIR/seed-<seed>.npz`` (HelmholtzMachine.save) and ``DIR/runs.json``
(settings, command, and each run's KL curve), which notebook 09 loads.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from hmlib.data import bars, bars_distribution
from hmlib.evaluation import kl_data_model_bits
from hmlib.wakesleep import WakeSleepSettings, paper_initialisation, train, train_with_pilots

# The paper's recipe (WakeSleepSettings.bars_paper: 2 x 10^6 examples, rates 0.2 / 0.001, weights
# to the input kept >= 0) except the batch size: minibatches of 50 examples, each applying the sum
# of its examples' delta rules at the paper's per-example rates, make 2 x 10^6 examples fit the
# 30 s budget; online learning (batch 1) takes minutes in numpy.
SETTINGS = WakeSleepSettings.bars_paper(batch_size=50)
CURVE_POINTS = 40  # exact KL evaluations along each run, for notebook 09's curve


def _sample_bars(n, rng):
    return bars(n, seed=rng)[0]


def run(seed, settings, pilots=1, pilot_examples=100_000):
    """Train one machine; return (machine, seconds, kl_bits, examples used, curve examples, curve KLs).

    The exact KL is evaluated about CURVE_POINTS times along the run; that time is measured and
    subtracted, so ``seconds`` is the time of wake-sleep itself (and of scoring the pilots).
    With ``pilots > 1`` it is :func:`hmlib.wakesleep.train_with_pilots`, and the examples used
    include the discarded pilots'.
    """
    patterns, probs = bars_distribution()
    monitor_seconds = [0.0]

    def monitor(machine):
        tick = time.perf_counter()
        kl = kl_data_model_bits(machine, patterns, probs)
        monitor_seconds[0] += time.perf_counter() - tick
        return {"kl_bits": kl}

    start = time.perf_counter()
    every = max(1, settings.examples // CURVE_POINTS)
    if pilots == 1:
        machine, history = train(
            paper_initialisation((16, 8, 1)), _sample_bars, settings, seed=seed, monitor=monitor, report_every=every
        )
        used = settings.examples
    else:
        machine, history, info = train_with_pilots(
            paper_initialisation((16, 8, 1)), _sample_bars, settings, seed=seed, pilots=pilots,
            pilot_examples=pilot_examples, monitor=monitor, report_every=every,
        )
        used = info["examples"]
    seconds = time.perf_counter() - start - monitor_seconds[0]
    kls = history.records["kl_bits"]
    return machine, seconds, kls[-1], used, history.examples, kls


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1)")
    parser.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    parser.add_argument("--save", type=Path, default=None, help="directory for seed-<seed>.npz and runs.json")
    parser.add_argument("--examples", type=int, default=SETTINGS.examples, help="training examples per run")
    parser.add_argument("--batch-size", type=int, default=SETTINGS.batch_size, help="examples per minibatch")
    parser.add_argument("--pilots", type=int, default=1, help="1 = plain wake-sleep (the paper); N > 1 = best of N "
                        "pilot runs (scored on training examples), continued (hmlib.wakesleep.train_with_pilots)")
    parser.add_argument("--pilot-examples", type=int, default=100_000, help="examples per pilot run")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds is {args.seeds}; expected a positive integer")
    settings = WakeSleepSettings.bars_paper(**{**asdict(SETTINGS), "examples": args.examples, "batch_size": args.batch_size})

    runs, curves = [], []
    for seed in range(args.seeds):
        machine, seconds, kl, used, examples, kls = run(seed, settings, args.pilots, args.pilot_examples)
        runs.append({"seed": seed, "kl_bits": round(kl, 6), "seconds": round(seconds, 2), "examples": used})
        curves.append({"seed": seed, "examples": examples, "kl_bits": [round(k, 6) for k in kls]})
        if not args.json:
            print(f"seed {seed}: KL {kl:.4f} bits, {seconds:.1f} s", file=sys.stderr)
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            machine.save(args.save / f"seed-{seed}.npz")
    if args.save is not None:
        command = "python benchmarks/bars.py " + " ".join(argv if argv is not None else sys.argv[1:])
        meta = {"command": command, "settings": asdict(settings), "pilots": args.pilots,
                "pilot_examples": args.pilot_examples if args.pilots > 1 else 0, "runs": runs, "curves": curves}
        (args.save / "runs.json").write_text(json.dumps(meta, indent=1) + "\n")
    summary = {"problem": "bars", "runs": runs}
    if args.json:
        print(json.dumps(summary))
    else:
        kls = sorted(r["kl_bits"] for r in runs)
        median = (kls[(len(kls) - 1) // 2] + kls[len(kls) // 2]) / 2
        print(f"median KL {median:.4f} bits over {len(kls)} seeds")


if __name__ == "__main__":
    main()
