"""Latency of the widgets of notebooks 04-06, driven headless (no browser, no kernel).

Usage: python benchmarks/widgets.py [--changes N] [--seed S]

For each control of the free-energy explorer, set it N times to random values (seeded) while
the other controls sit at their largest setting (two layers of 8 hidden units, H = 16, unless
the control is a layer size), and time each change from ``slider.value = v`` until the readout
and the PNG are updated (the observer is synchronous). The trajectory cache starts empty, so
the layer-size, pattern and seed controls mostly pay for a new trajectory, and the step
control pays only for a redraw; revisiting a setting hits the cache. The worst case, a setting
never seen before at H = 16, is timed separately with the cache cleared before each change.
The notebook-05 widget (layer sizes 1-6) and the notebook-06 imaging explorer are timed like the
explorer. Wall-clock and CPU time are both reported: on a shared machine they differ. The goal
(issue 12) is a median of at most TARGET_MEDIAN_MS and a 90th percentile of at most TARGET_P90_MS
for every control.

Prints one line per control (median and 90th percentile in ms), then, as the last line, a JSON
object {"benchmark": "widgets", "explorer": {control: {...}}, "factorial_gap": {...},
"imaging": {...}, "meets_target": bool, ...}.
"""

import argparse
import json
import time

import numpy as np

from hmlib import recognition_fit as R
from hmlib.views import factorial, free_energy, imaging

TARGET_MEDIAN_MS = 100
TARGET_P90_MS = 150


def drive(widget, name, values):
    """Set ``widget.controls[name]`` to each value; return wall and CPU seconds per change."""
    wall, cpu = [], []
    for value in values:
        if widget.controls[name].value == value:  # not a change: the observer would not fire
            continue
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        widget.controls[name].value = value
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    return np.array(wall), np.array(cpu)


def summary(wall, cpu):
    ms = 1000.0
    return {
        "changes": int(wall.size),
        "median_ms": round(float(np.median(wall)) * ms, 1),
        "p90_ms": round(float(np.percentile(wall, 90)) * ms, 1),
        "median_cpu_ms": round(float(np.median(cpu)) * ms, 1),
        "p90_cpu_ms": round(float(np.percentile(cpu, 90)) * ms, 1),
    }


def random_values(rng, control, n):
    """``n`` random positions of ``control``'s slider, as the values it takes (ints or floats)."""
    positions = rng.integers(0, round((control.max - control.min) / control.step) + 1, size=n)
    if isinstance(control.value, int):
        return [int(control.min + p * control.step) for p in positions]
    return [round(control.min + p * control.step, 10) for p in positions]


def report(widget, name, stats):
    print(f"{widget:<13} {name:<11} median {stats['median_ms']:7.1f} ms   p90 {stats['p90_ms']:7.1f} ms   "
          f"(CPU median {stats['median_cpu_ms']:.1f} ms, p90 {stats['p90_cpu_ms']:.1f} ms, "
          f"{stats['changes']} changes)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40, help="changes per control (default 40)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    results = {"benchmark": "widgets", "changes_per_control": args.changes, "explorer": {}, "factorial_gap": {},
               "imaging": {}}

    R._TRAJECTORY_CACHE.clear()
    start = time.perf_counter()
    explorer = free_energy.free_energy_explorer(n_hidden_2=8, n_hidden_3=8, steps=R.N_STEPS // 2)
    results["explorer_build_ms"] = round((time.perf_counter() - start) * 1000, 1)
    for name in ("steps", "pattern", "seed", "n_hidden_2", "n_hidden_3"):
        for other in ("n_hidden_2", "n_hidden_3"):
            explorer.controls[other].value = R.MAX_LAYER_UNITS  # H = 16 unless this is the one we vary
        values = random_values(rng, explorer.controls[name], args.changes)
        stats = summary(*drive(explorer, name, values))
        results["explorer"][name] = stats
        report("explorer", name, stats)

    # Worst case: every change is a setting never seen before at H = 16 (cache cleared each time).
    for name in ("n_hidden_2", "n_hidden_3"):
        explorer.controls[name].value = R.MAX_LAYER_UNITS
    explorer.controls["seed"].value = 0
    wall, cpu = [], []
    for seed in range(1, 11):
        R._TRAJECTORY_CACHE.clear()
        w, c = drive(explorer, "seed", [seed])
        wall.extend(w)
        cpu.extend(c)
    stats = summary(np.array(wall), np.array(cpu))
    results["explorer_new_setting_h16"] = stats
    print(f"explorer      new setting, H = 16, empty cache: median {stats['median_ms']:7.1f} ms   "
          f"p90 {stats['p90_ms']:7.1f} ms   (CPU median {stats['median_cpu_ms']:.1f} ms)")

    R._FIT_CACHE.clear()
    gap = factorial.factorial_gap_explorer(n_hidden_2=3, n_hidden_3=3)
    for name in ("pattern", "seed", "n_hidden_2", "n_hidden_3"):
        values = random_values(rng, gap.controls[name], max(args.changes // 4, 5))
        stats = summary(*drive(gap, name, values))
        results["factorial_gap"][name] = stats
        report("factorial gap", name, stats)

    explorer_06 = imaging.imaging_explorer()
    for name in ("q1", "q2", "theta1", "theta2", "bias"):
        stats = summary(*drive(explorer_06, name, random_values(rng, explorer_06.controls[name], args.changes)))
        results["imaging"][name] = stats
        report("imaging", name, stats)

    controls = [s for widget in ("explorer", "factorial_gap", "imaging") for s in results[widget].values()]
    results["worst_median_ms"] = max(s["median_ms"] for s in controls)
    results["worst_p90_ms"] = max(s["p90_ms"] for s in controls)
    results["target_ms"] = {"median": TARGET_MEDIAN_MS, "p90": TARGET_P90_MS}
    results["meets_target"] = bool(results["worst_median_ms"] <= TARGET_MEDIAN_MS
                                   and results["worst_p90_ms"] <= TARGET_P90_MS)
    print(f"worst median {results['worst_median_ms']} ms, worst p90 {results['worst_p90_ms']} ms: "
          f"{'meets' if results['meets_target'] else 'misses'} the target")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
