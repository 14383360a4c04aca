"""Notebook 10: handwritten digits. Grids of 8x8 binary digits (data and fantasies), the table of
code lengths as bars with their error bars, and the validation curves of wake-sleep with early
stopping (Hinton, Dayan, Frey & Neal 1995; Frey, Hinton & Dayan 1996).

Every function returns a ``CourseFigure`` built without ``pyplot``, with a text alternative that
states what it draws and its key numbers. The numbers come
from ``hmlib.baselines``, ``hmlib.wakesleep`` and ``hmlib.evaluation``, or from the runs saved by
``python benchmarks/digits.py --json --save benchmarks/results/digits`` (:func:`load_digits_runs`).
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import numpy as np

from hmlib._checks import as_count, as_data
from hmlib._checks import describe as describe_value
from hmlib.data import DIGITS_SHAPE
from hmlib.model import HelmholtzMachine
from hmlib.results import results_dir
from hmlib.views._common import (
    BLUE,
    FIGURE_WIDTH,
    MAX_PATTERNS_SHOWN,
    VERMILLION,
    MAX_ALT_CHARACTERS,
    as_text,
    check_figure_size,
    count_text,
    describe,
    fixed_decimals,
    new_figure,
    numpy_significant,
    plural,
    styled,
)

HM_COLOUR = VERMILLION  # the Helmholtz machines' rows and curves
OTHER_COLOUR = BLUE  # every other model
GAP_GREY = "#999999"  # between the digits of a grid: neither on (black) nor off (white)


def load_digits_runs(directory=None):
    """The saved digits runs: ``(meta, machines)``.

    meta : dict from ``runs.json`` (keys ``command``, ``rows``, ``test_bits_per_digit``, ``curves``, ...).
    machines : dict with keys 0..9 (the per-digit wake-sleep machines), ``"all"`` (one machine
        for all digits) and ``("meanfield", c)`` (the mean-field machines), each a HelmholtzMachine.

    directory : str or path of a folder written by ``benchmarks/digits.py --save`` (default: the
        course's saved runs, ``hmlib.results.results_dir("digits")``).
    """
    if directory is None:
        directory = results_dir("digits")
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory is {describe_value(directory)}; expected a folder name (str or Path)")
    directory = Path(directory)
    runs_file = directory / "runs.json"
    if not runs_file.is_file():
        raise ValueError(f"directory is {str(directory)!r}, which has no runs.json; expected a folder written by "
                         f"benchmarks/digits.py --save")
    try:
        meta = json.loads(runs_file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{runs_file} is not valid JSON ({error}); expected the file written by "
                         f"benchmarks/digits.py --save") from None
    if not isinstance(meta, Mapping) or not isinstance(meta.get("rows"), list):
        raise ValueError(f"{runs_file} has no list 'rows'; expected the file written by benchmarks/digits.py --save")
    machines = {"all": HelmholtzMachine.load(directory / "all-digits.npz")}
    for c in range(10):
        machines[c] = HelmholtzMachine.load(directory / f"digit-{c}.npz")
        machines["meanfield", c] = HelmholtzMachine.load(directory / f"meanfield-{c}.npz")
    return meta, machines


@styled
def digit_grid(patterns, title, n_cols=10):
    """8x8 digits in a grid (black on, white off; grey between for probabilities).

    patterns : (n, 64), values in [0, 1], 1 <= n <= MAX_PATTERNS_SHOWN; title : str;
    n_cols : digits per row, an int >= 1.
    """
    patterns = as_data(patterns, DIGITS_SHAPE[0] * DIGITS_SHAPE[1], "patterns", binary=False)
    if len(patterns) > MAX_PATTERNS_SHOWN:
        raise ValueError(f"patterns has {len(patterns)} rows; expected at most {MAX_PATTERNS_SHOWN}")
    as_text(title, "title")
    n_cols = as_count(n_cols, "n_cols")
    cols = min(n_cols, len(patterns))
    n_rows = -(-len(patterns) // cols)
    cell = min(FIGURE_WIDTH / cols, 1.2)  # inches per digit
    width, height = cell * cols, cell * n_rows + 0.5
    check_figure_size(width, height, f"n_cols = {n_cols} with {len(patterns)} patterns")
    fig = new_figure(height, width)
    ax = fig.add_subplot()
    # One image of all the digits, one pixel of grey between them: a hundred small axes cost seconds to draw
    rows, columns = DIGITS_SHAPE
    mosaic = np.full((n_rows * (rows + 1) - 1, cols * (columns + 1) - 1), np.nan)
    for i, pattern in enumerate(patterns):
        top, left = (i // cols) * (rows + 1), (i % cols) * (columns + 1)
        mosaic[top:top + rows, left:left + columns] = pattern.reshape(DIGITS_SHAPE)
    cmap = matplotlib.colormaps["gray_r"].with_extremes(bad=GAP_GREY)
    ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    title = title if "black" in title else f"{title} (black = on)"
    fig.suptitle(title)
    return describe(fig, _grid_text(patterns, title, cols, n_rows))


def _grid_text(patterns, title, cols, n_rows):
    """What ``digit_grid`` draws: how many images, in which layout, and how much ink they carry
    (pixels on; the mean grey level if they are probabilities)."""
    n, pixels = patterns.shape
    text = (f"{title}: {plural(n, 'image')} of {DIGITS_SHAPE[0]}x{DIGITS_SHAPE[1]} pixels, in "
            f"{plural(n_rows, 'row')} of {cols}, read row by row.")
    if np.all((patterns == 0) | (patterns == 1)):
        on = patterns.sum(axis=1)  # (n,): pixels on in each image
        text += f" Pixels on per image: {on.mean():.0f} of {pixels} on average, from {on.min():.0f} to {on.max():.0f}"
        return text + "."
    return text + (f" Grey levels between 0 and 1: {numpy_significant(patterns.mean())} on average, from "
                   f"{numpy_significant(patterns.min())} to {numpy_significant(patterns.max())}.")


@styled
def code_lengths(rows):
    """The table as horizontal bars: test bits per digit of every model, with two standard errors.

    rows : list of dicts with ``"model"``, ``"test_bits"``, ``"stderr_bits"`` (None: no error bar)
    and optionally ``"label_bits"`` (None or absent: the model is not told the class), as in
    ``runs.json``. A per-class model's bar is extended by its label bits, hatched: what it must pay
    to be compared with the models that are not told the class. The Helmholtz machines' rows
    (wake-sleep and the deterministic machine) are drawn in HM_COLOUR.
    """
    if not isinstance(rows, list) or not rows:
        raise TypeError(f"rows is {describe_value(rows)}; expected a non-empty list of table rows (dicts)")
    names = [as_text(row["model"], "model") for row in rows]
    bits = np.array([float(row["test_bits"]) for row in rows])
    labels = np.array([float(row.get("label_bits") or 0.0) for row in rows])
    errors = np.array([2 * float(row["stderr_bits"]) if row["stderr_bits"] is not None else 0.0 for row in rows])
    fig = new_figure(0.45 * len(rows) + 1.4)
    ax = fig.add_subplot()
    colours = [HM_COLOUR if name.startswith("wake-sleep") or name == "deterministic machine" else OTHER_COLOUR
               for name in names]
    y = np.arange(len(rows))[::-1]
    ax.barh(y, bits, color=colours)
    if labels.any():
        ax.barh(y, labels, left=bits, color="white", edgecolor=colours, hatch="///",
                label=r"the class, $-\log_2 P(c)$: what a per-class model pays to be compared with the others")
    spread = errors > 0  # gzip codes the test set as one file: no error bar
    ax.errorbar((bits + labels)[spread], y[spread], xerr=errors[spread], fmt="none", color="black", ecolor="black", capsize=3)
    for yi, b, lab, e in zip(y, bits, labels, errors):
        text = f"{b:.1f} + {lab:.1f} = {b + lab:.1f}" if lab else f"{b:.1f}"
        ax.text(b + lab + e + 0.5, yi, text, va="center")
    ax.set_yticks(y, names)
    ax.set_xlabel("bits per test digit (error bars: ± 2 standard errors)")
    ax.set_xlim(0, (bits + labels).max() * 1.3)
    if labels.any():
        fig.legend(loc="outside lower center", frameon=False)
    ax.set_title("test code length per digit (red: Helmholtz machines; fewer bits is better)")
    return describe(fig, _code_lengths_text(names, bits, labels, errors, colours))


def _code_lengths_text(names, bits, labels, errors, colours):
    """What ``code_lengths`` draws: each model's bar as it is labelled (bits, plus the class's bits
    for a per-class model), its error bar, and which model codes a digit in the fewest bits."""
    paid = bits + labels  # (n,): the length of each bar
    entries = []
    for name, b, lab, total, e, colour in zip(names, bits, labels, paid, errors, colours):
        entry = (f"{name}, {fixed_decimals(b, 1)} + {fixed_decimals(lab, 1)} = {fixed_decimals(total, 1)}" if lab
                 else f"{name}, {fixed_decimals(b, 1)}")
        entry += f" ± {fixed_decimals(e, 1)}" if e > 0 else ""
        entry += " (Helmholtz machine)" if colour == HM_COLOUR else ""
        entries.append(entry)
    best = int(np.argmin(paid))
    text = (
        f"Horizontal bars: test code length in bits per digit of {plural(len(names), 'model')}, fewer bits is "
        "better; Helmholtz machines in red, the others in blue; error bars ± 2 standard errors"
        + ("; a hatched extension adds the class's bits, −log₂ P(c), to a model told the class"
           if labels.any() else "")
        + ". From top to bottom: " + "; ".join(entries)
        + f". Shortest{' once the class is paid' if labels.any() else ''}: {names[best]}, "
        f"{fixed_decimals(paid[best], 1)} bits."
    )
    return text if len(text) <= MAX_ALT_CHARACTERS else (
        f"Horizontal bars: test code length in bits per digit of {plural(len(names), 'model')}, from "
        f"{fixed_decimals(paid.min(), 1)} to {fixed_decimals(paid.max(), 1)} bits; shortest: {names[best]}, "
        f"{fixed_decimals(paid[best], 1)} bits.")


@styled
def validation_curves(curves):
    """Validation bits against examples seen, one line per digit, the best point of each marked.

    curves : list of dicts with ``"digit"``, ``"examples"``, ``"validation_bits"`` and
    ``"best_examples"``, as in ``runs.json``.
    """
    if not isinstance(curves, list) or not curves:
        raise TypeError(f"curves is {describe_value(curves)}; expected a non-empty list of curves (dicts)")
    fig = new_figure(4.2)
    ax = fig.add_subplot()
    for curve in curves:
        examples = np.asarray(curve["examples"], float) / 1000
        bits = np.asarray(curve["validation_bits"], float)
        line, = ax.plot(examples, bits, lw=1.2)
        best = int(np.argmin(bits))
        ax.plot(examples[best], bits[best], "o", color=line.get_color(), ms=5)
        ax.text(examples[-1] + 1, bits[-1], str(curve["digit"]), va="center", color=line.get_color())
    ax.set_xlabel("training examples seen (thousands)")
    ax.set_ylabel("validation bits per digit")
    ax.set_title("wake-sleep per digit: the score on held-out digits (dots: the machines kept)")
    return describe(fig, _validation_text(curves))


def _validation_text(curves):
    """What ``validation_curves`` draws: for each digit's curve its first score, its lowest (the
    dot) and where, and its last; then how many curves end above their lowest point."""
    parts, rising = [], 0
    for curve in curves:
        examples = np.asarray(curve["examples"], float) / 1000  # (m,), thousands, as on the axis
        bits = np.asarray(curve["validation_bits"], float)  # (m,)
        best = int(np.argmin(bits))
        rising += bits[-1] > bits[best]
        parts.append(f"digit {curve['digit']} from {fixed_decimals(bits[0], 1)}, lowest "
                     f"{fixed_decimals(bits[best], 1)} at {count_text(examples[best], numpy_style=True)}k, last "
                     f"{fixed_decimals(bits[-1], 1)} at {count_text(examples[-1], numpy_style=True)}k")
    text = (
        f"Validation bits per digit against training examples seen (thousands), one line per digit, labelled at its "
        f"end, with a dot at its lowest point, the machine kept. For each digit, the first score, the lowest and "
        f"the last, in bits: {'; '.join(parts)}. {rising} of {len(curves)} curves end above their lowest point: the score "
        "on held-out digits falls, then rises."
    )
    if rising == 0:
        text = text.replace(": the score on held-out digits falls, then rises.", ".")
    return text if len(text) <= MAX_ALT_CHARACTERS else text.split(" For each digit")[0] + (
        f" {rising} of {len(curves)} curves end above their lowest point.")


