"""Notebooks 08 and 09: wake-sleep. Training curves (-F, log Z and the gap KL(Q||P)), both
directions of KL over a factorial Q, and the bars experiment of Hinton, Dayan, Frey & Neal (1995):
generative fields as Hinton diagrams, pattern grids and KL[p_data || p_model] curves.

Every function returns a ``CourseFigure`` built without ``pyplot``, with a text alternative that
states what it draws and its key numbers. The maths comes from ``hmlib.wakesleep`` and
``hmlib.evaluation``; this module only draws. ``FIGURES`` maps file
names for ``make figures`` to functions without arguments that load the saved bars runs of
``benchmarks/results/bars/`` (written by ``python benchmarks/bars.py --seeds 10 --json --save
benchmarks/results/bars``).
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import EngFormatter

from hmlib._checks import (
    as_array,
    as_count,
    as_data,
    as_instance,
    as_int,
    as_machine,
    as_real,
)
from hmlib._checks import describe as describe_value
from hmlib.data import BARS_SHAPE
from hmlib.model import HelmholtzMachine
from hmlib.results import results_dir
from hmlib.views._common import (
    BLUE,
    FIGURE_WIDTH,
    KL_COLOUR,
    LOG_Z_COLOUR,
    MAX_ALT_CHARACTERS,
    MAX_PATTERNS_SHOWN,
    NEG_F_COLOUR,
    ROUNDOFF,
    SEQUENTIAL_MAP,
    SMALL_FONT_SIZE,
    VERMILLION,
    as_array_or_inf,
    as_list,
    as_mapping,
    as_point,
    as_text,
    as_value,
    as_vector,
    change_text,
    check_figure_size,
    check_range,
    check_same_length,
    count_text,
    describe,
    fixed_decimals,
    listing,
    new_figure,
    numpy_significant,
    plain_log_ticks,
    plural,
    short_number,
    sizes_text,
    styled,
    value_range,
)

PAPER_KL_BITS = 0.10  # Hinton, Dayan, Frey & Neal (1995): KL[p_data || p_model] after training
RUN_COLOUR = BLUE  # every run of kl_curves, thin ...
HIGHLIGHT_COLOUR = VERMILLION  # ... except the highlighted one
MAX_HINTON_CELLS = 4096  # squares one Hinton diagram draws (64 x 64), each a matplotlib patch
MAX_FIELDS = 32  # layer-2 units drawn by generative_fields, one 4x4 field each
FIELD_SHARE = 0.25  # a weight of at least this share of its field's largest |weight| is part of the field's shape
WEAK_FIELD = 0.1  # a field whose largest |weight| is below this share of the largest of all fields is "weak"
MAX_PATTERNS_LISTED = 6  # pattern_grid's text says what each image shows when there are at most this many
MAX_MINIMA_LISTED = 3  # kl_landscapes' text gives the place of at most this many local minima of a panel


def load_bars_runs(directory=None):
    """The saved bars runs: ``(meta, machines)``.

    meta : dict from ``runs.json`` (keys ``command``, ``settings``, ``runs``, ``curves``).
    machines : dict seed -> HelmholtzMachine, from ``seed-<seed>.npz``.

    directory : str or path of a folder written by ``benchmarks/bars.py --save`` (default: the
        course's saved runs, ``hmlib.results.results_dir("bars")``).
    """
    if directory is None:
        directory = results_dir("bars")
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory is {describe_value(directory)}; expected a folder name (str or Path)")
    runs_file = Path(directory) / "runs.json"
    if not runs_file.is_file():
        raise ValueError(
            f"directory is {str(directory)!r}, which has no runs.json; expected a folder written by "
            f"benchmarks/bars.py --save"
        )
    try:
        meta = json.loads(runs_file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{runs_file} is not valid JSON ({error}); expected the file written by benchmarks/bars.py --save"
        ) from None
    if not isinstance(meta, Mapping) or not isinstance(meta.get("runs"), list):
        raise ValueError(f"{runs_file} has no list 'runs'; expected the file written by benchmarks/bars.py --save")
    machines = {}
    for i, run in enumerate(meta["runs"]):
        as_mapping(run, f"runs[{i}] of {runs_file}", ("seed",))
        seed = as_int(run["seed"], f"runs[{i}]['seed'] of {runs_file}")
        machines[seed] = HelmholtzMachine.load(Path(directory) / f"seed-{seed}.npz")
    return meta, machines


def hinton(ax, values, scale, origin=(0.0, 0.0)):
    """Draw a Hinton diagram of ``values`` (rows, cols) on ``ax``: white squares positive, black
    negative, side proportional to sqrt(|value| / scale), on a grey ground (the paper's style).

    values : 1-D or 2-D array of finite numbers, at most MAX_HINTON_CELLS of them; scale : float > 0;
    origin : (x, y), the lower left corner.
    """
    as_instance(ax, Axes, "ax")
    values = np.atleast_2d(as_array(values, "values"))
    if values.ndim != 2 or values.size == 0 or values.size > MAX_HINTON_CELLS:
        raise ValueError(
            f"values has shape {values.shape}; expected a non-empty 1-D or 2-D array of at most "
            f"{MAX_HINTON_CELLS} values"
        )
    scale = as_real(scale, "scale", low=0.0, low_open=True)
    x0, y0 = as_point(origin, "origin")
    rows, cols = values.shape
    ax.add_patch(Rectangle((x0, y0), cols, rows, facecolor="0.55", edgecolor="none"))
    for r in range(rows):
        for c in range(cols):
            v = values[r, c]
            side = (1.0 if abs(v) >= scale else np.sqrt(abs(v) / scale)) * 0.9  # min(1, sqrt(|v|/scale)), no overflow
            if side > 0:
                ax.add_patch(
                    Rectangle(
                        (x0 + c + (1 - side) / 2, y0 + rows - 1 - r + (1 - side) / 2), side, side,
                        facecolor="white" if v > 0 else "black", edgecolor="none",
                    )
                )


@styled
def generative_fields(hm, title=None):
    """The generative weights of a 16-n_2-1 bars machine drawn as in Fig. 2 of Hinton, Dayan,
    Frey & Neal (1995).

    For each layer-2 unit k: its 4x4 field theta^{2,1}[k] (the weights to the input pixels), and
    above it, on its own scale, its generative bias and the weight from the top unit
    theta^{3,2}[0, k]. The left panel shows the input biases. Hinton diagrams: white positive,
    black negative, area proportional to magnitude. hm : a 16-n-1 machine, n <= MAX_FIELDS;
    title : None (a title giving the largest weights) or a string.
    """
    as_machine(hm)
    if hm.sizes[0] != BARS_SHAPE[0] * BARS_SHAPE[1] or len(hm.sizes) != 3 or hm.sizes[2] != 1:
        raise ValueError(f"hm has sizes {hm.sizes}; expected a 16-n-1 bars machine")
    if hm.sizes[1] > MAX_FIELDS:
        raise ValueError(f"hm has sizes {hm.sizes}; expected at most {MAX_FIELDS} layer-2 units (one field each)")
    if title is not None:
        as_text(title, "title")
    n2 = hm.sizes[1]
    fields = hm.theta[0].reshape(n2, *BARS_SHAPE)  # (n_2, 4, 4)
    field_scale = max(np.abs(fields).max(), np.abs(hm.theta_bias[0]).max(), 1e-12)
    top = np.stack([hm.theta_bias[1], hm.theta[1][0]], axis=1)  # (n_2, 2): bias, weight from top
    top_scale = max(np.abs(top).max(), 1e-12)
    gap = 1.0
    x_range, y_range = (n2 + 1) * (4 + gap) + 0.3, 7.9  # of the drawing, in squares
    # as wide as a figure gets, and as tall as the drawing's aspect asks (plus the title)
    fig = new_figure(min(FIGURE_WIDTH * y_range / x_range + 0.6, 8.0))
    ax = fig.add_subplot()
    hinton(ax, hm.theta_bias[0].reshape(BARS_SHAPE), field_scale, origin=(0.0, 0.0))
    ax.text(2.0, -0.5, "input\nbiases", ha="center", va="top", fontsize=SMALL_FONT_SIZE)
    for k in range(n2):
        x0 = (k + 1) * (4 + gap)
        hinton(ax, fields[k], field_scale, origin=(x0, 0.0))
        hinton(ax, top[k][None, :], top_scale, origin=(x0 + 1.0, 4.6))
        name = f"unit {k + 1}" if n2 <= 12 else f"{k + 1}"  # 11-point names must fit under a field
        ax.text(x0 + 2.0, -0.5, name, ha="center", va="top", fontsize=SMALL_FONT_SIZE)
    ax.text(4 + gap / 2, 5.1, "bias, top→", ha="right", va="center", fontsize=SMALL_FONT_SIZE)
    ax.set_xlim(-0.3, (n2 + 1) * (4 + gap))
    ax.set_ylim(-2.0, 5.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        title or f"generative weights (white > 0, black < 0); largest field weight {field_scale:.2f}, "
        f"largest top weight {top_scale:.2f}"
    )
    return describe(fig, _fields_text(hm, ax.get_title()))


def _fields_text(hm, title):
    """What ``generative_fields`` draws, read as notebooks 09 and 11 read it: the shape of each
    field (which bars it draws, or a cross, or nothing), each unit's bias and top weight, and
    whether the top unit's weights split the bars by orientation. Per-unit details are left out if
    the text would grow past MAX_ALT_CHARACTERS."""
    n2 = hm.sizes[1]
    fields = hm.theta[0].reshape(n2, *BARS_SHAPE)  # (n_2, 4, 4)
    largest = np.abs(fields).max()
    shapes = [_field_shape(field, largest) for field in fields]
    biases, tops = hm.theta_bias[1], hm.theta[1][0]  # (n_2,) each
    input_biases = hm.theta_bias[0]
    sign = "all negative: " if input_biases.max() < 0 else "all positive: " if input_biases.min() > 0 else "from "
    head = (
        f"{title}. Hinton diagrams of the generative weights of the {sizes_text(hm.sizes)} machine (white squares "
        f"positive, black negative, area growing with size). Left, the 4x4 input biases, {sign}"
        f"{value_range(input_biases, _weight)}. Then each layer-2 unit's 4x4 field of weights to the pixels (largest "
        f"{_weight(largest)}), with its bias and the top unit's weight to it above. A field's shape: its weights of "
        f"at least {FIELD_SHARE:.0%} of its largest, rows counted from the top, columns from the left."
    )
    bars = {"row": [k for k, sh in enumerate(shapes) if sh.startswith("row ") and " " not in sh[4:]],
            "column": [k for k, sh in enumerate(shapes) if sh.startswith("column ") and " " not in sh[7:]]}
    distinct = len({shapes[k] for k in bars["row"] + bars["column"]})
    singles = len(bars["row"]) + len(bars["column"])
    summary = (f" {plural(singles, 'field')} {'is a single bar' if singles == 1 else 'are single bars'} "
               f"({len(bars['column'])} vertical, {len(bars['row'])} horizontal; {distinct} different), "
               f"{n2 - singles} other.")
    if bars["row"] and bars["column"]:
        for first, second in (("column", "row"), ("row", "column")):
            if np.all(tops[bars[first]] > 0) and np.all(tops[bars[second]] < 0):
                orientation = {"column": "vertical", "row": "horizontal"}
                summary += (f" The top unit's weight is positive to every {orientation[first]}-bar unit and negative "
                            f"to every {orientation[second]}-bar unit.")
    details = [
        "Fields, with (bias, top weight): " + "; ".join(
            f"unit {k + 1}: {shapes[k]} ({_weight(biases[k])}, {_weight(tops[k], sign=True)})" for k in range(n2)),
        "Fields: " + "; ".join(f"unit {k + 1}: {shapes[k]}" for k in range(n2)),
    ]
    for detail in details:
        text = f"{head} {detail}.{summary}"
        if len(text) <= MAX_ALT_CHARACTERS:
            return text
    text = head + summary
    return text if len(text) <= MAX_ALT_CHARACTERS else text[len(title) + 2:]  # a title too long to repeat: it is drawn


def _field_shape(field, largest):
    """A 4x4 field in words: "row 3", "column 2", "row 3 and column 4" (a cross), "column 3 and 3
    pixels of column 4", "weak, largest 1.3". ``largest``: the largest |weight| of all fields."""
    scale = np.abs(field).max()
    if scale < WEAK_FIELD * largest or scale == 0:
        return f"weak, largest {_weight(scale)}"
    strong = field >= FIELD_SHARE * scale  # (4, 4)
    rows = [r for r in range(field.shape[0]) if strong[r].all()]
    cols = [c for c in range(field.shape[1]) if strong[:, c].all()]
    rest = strong.copy()
    rest[rows, :] = False
    rest[:, cols] = False
    parts = [f"{'rows' if len(rows) > 1 else 'row'} {listing([r + 1 for r in rows])}"] if rows else []
    parts += [f"{'columns' if len(cols) > 1 else 'column'} {listing([c + 1 for c in cols])}"] if cols else []
    if rest.any():
        r, c = np.nonzero(rest)
        n = int(rest.sum())
        place = (f" of column {c[0] + 1}" if np.all(c == c[0]) else f" of row {r[0] + 1}" if np.all(r == r[0]) else "")
        parts.append(f"{plural(n, 'pixel' if place else 'scattered pixel')}{place}")
    negative = int((field <= -FIELD_SHARE * scale).sum())
    if negative:
        parts.append(f"{plural(negative, 'strong negative weight')}")
    return " and ".join(parts)


def _weight(value, sign=False):
    """A weight to one decimal, with a typographic minus (and a plus if ``sign``), never "−0.0"."""
    return fixed_decimals(value, 1, sign)


@styled
def pattern_grid(patterns, title, n_cols=12):
    """Binary 4x4 patterns in a grid (black on, white off), as wide as a figure gets.

    patterns : (n, 16), values in [0, 1] (grey between), 1 <= n <= MAX_PATTERNS_SHOWN;
    title : a string, followed by "(black = on)" unless it already says what black means;
    n_cols : patterns per row, an int >= 1 (at most n are used).
    """
    patterns = as_data(patterns, BARS_SHAPE[0] * BARS_SHAPE[1], "patterns", binary=False)
    if len(patterns) > MAX_PATTERNS_SHOWN:
        raise ValueError(
            f"patterns has {len(patterns)} rows; expected at most {MAX_PATTERNS_SHOWN} (one small image each)"
        )
    as_text(title, "title")
    n_cols = as_count(n_cols, "n_cols")
    n = len(patterns)
    cols = min(n_cols, n)
    n_rows = -(-n // cols)
    cell = min(FIGURE_WIDTH / cols, 2.0)  # inches a pattern, with its margin; at most 2 for one or two patterns
    width, height = cell * cols, cell * n_rows + 0.5
    check_figure_size(width, height, f"n_cols = {n_cols} with {n} patterns")
    if "black" not in title:
        title = f"{title} (black = on)"
    fig = new_figure(height, width)
    axes = fig.subplots(n_rows, cols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i < n:
            ax.imshow(patterns[i].reshape(BARS_SHAPE), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("0.6")
        else:
            ax.axis("off")
    fig.suptitle(title)
    return describe(fig, _patterns_text(patterns, title, cols, n_rows))


def _patterns_text(patterns, title, cols, n_rows):
    """What ``pattern_grid`` draws: how many images, and which are bars images of one orientation
    (every column, or every row, all on or all off), counted; each image in words if there are
    at most MAX_PATTERNS_LISTED."""
    n = len(patterns)
    text = f"{title}: {plural(n, 'image')} of 4x4 pixels in {plural(n_rows, 'row')} of {cols}."
    if not np.all((patterns == 0) | (patterns == 1)):
        return text + (f" Pixels are grey levels between 0 and 1: {numpy_significant(patterns.mean())} on average, "
                       f"from {numpy_significant(patterns.min())} to {numpy_significant(patterns.max())}.")
    kinds = [_bars_kind(pattern.reshape(BARS_SHAPE)) for pattern in patterns]
    if n <= MAX_PATTERNS_LISTED:
        return text + " " + "; ".join(f"Image {i + 1}: {kind}" for i, kind in enumerate(kinds)) + "."
    counts = [(sum("vertical" in kind for kind in kinds), "show vertical bars only"),
              (sum("horizontal" in kind for kind in kinds), "horizontal bars only"),
              (kinds.count("blank"), "are blank"), (kinds.count("all on"), "all on")]
    other = n - sum(count for count, _ in counts)
    listed = ", ".join(f"{count} {what}" for count, what in counts if count)
    rest = ("none mixes orientations or has stray pixels" if other == 0 else
            f"{other} {'mixes' if other == 1 else 'mix'} orientations or {'has' if other == 1 else 'have'} stray pixels")
    return text + (f" {listed[0].upper()}{listed[1:]}; " if listed else " ") + rest + "."


def _bars_kind(image):
    """A binary 4x4 image in words: "blank", "all on", "2 vertical bars (columns 1 and 3)", "1
    horizontal bar (row 2)", or "not bars of one orientation (7 pixels on)"."""
    on = int(image.sum())
    if on == 0:
        return "blank"
    if on == image.size:
        return "all on"
    full_rows, full_cols = np.all(image == 1, axis=1), np.all(image == 1, axis=0)  # (4,) each
    if np.all(image == full_rows[:, None]):  # every row all on or all off
        rows = np.flatnonzero(full_rows) + 1
        return f"{plural(len(rows), 'horizontal bar')} ({'rows' if len(rows) > 1 else 'row'} {listing(rows)})"
    if np.all(image == full_cols[None, :]):
        cols = np.flatnonzero(full_cols) + 1
        return f"{plural(len(cols), 'vertical bar')} ({'columns' if len(cols) > 1 else 'column'} {listing(cols)})"
    return f"not bars of one orientation ({plural(on, 'pixel')} on)"


@styled
def kl_curves(curves, paper=PAPER_KL_BITS, highlight=None, ylabel="KL[p_data ‖ p_model] (bits)"):
    """KL against examples seen, one line per run, on a log scale, with the paper's value dashed.

    curves : non-empty list of dicts with ``"seed"`` (an int), ``"examples"`` and ``"kl_bits"``
    (equally long 1-D arrays, KL >= 0), as in runs.json. The first point (0 examples) is left out.
    paper : None or a KL > 0 in bits, drawn dashed. highlight : a seed drawn thicker, or None.
    ylabel : a string.
    """
    as_list(curves, "curves")
    checked = []
    for i, curve in enumerate(curves):
        name = f"curves[{i}]"
        as_mapping(curve, name, ("seed", "examples", "kl_bits"))
        seed = as_int(curve["seed"], f"{name}['seed']")
        examples = as_vector(curve["examples"], f"{name}['examples']", low=0.0)
        kl = as_vector(curve["kl_bits"], f"{name}['kl_bits']", low=-ROUNDOFF)
        check_same_length([examples, kl], [f"{name}['examples']", f"{name}['kl_bits']"])
        checked.append((seed, examples, kl))
    if paper is not None:
        paper = as_value(paper, "paper", low=0.0, low_open=True)
    if highlight is not None:
        highlight = as_int(highlight, "highlight")
    as_text(ylabel, "ylabel")
    fig = new_figure(4.4)
    ax = fig.add_subplot()
    for i, (seed, examples, kl) in enumerate(checked):
        thick = seed == highlight
        label = f"seed {seed}" if thick else f"{len(checked)} runs, one line each" if i == 0 else None
        ax.plot(examples[1:], kl[1:], color=HIGHLIGHT_COLOUR if thick else RUN_COLOUR, lw=3.0 if thick else 1.3,
                alpha=1.0 if thick else 0.6, zorder=3 if thick else 2, label=label)
    if paper is not None:
        ax.axhline(paper, color="black", ls="--", lw=1.5, label=f"Hinton et al. (1995): {paper:.2f} bits")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))  # 500k, 1M, 1.5M instead of an offset "1e6"
    ax.set_xlabel("training examples")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right")  # the curves fall from the upper left
    return describe(fig, _kl_curves_text(checked, paper, highlight, ylabel))


def _kl_curves_text(checked, paper, highlight, ylabel):
    """What ``kl_curves`` draws: the runs' KL at the first point drawn and at the end, split at the
    paper's value, and the median at the end. ``checked``: (seed, examples, kl) per run."""
    firsts = np.array([kl[1] for _, _, kl in checked if kl.size > 1])  # the first point drawn (0 examples left out)
    ends = np.array([kl[-1] for _, _, kl in checked])
    examples = np.concatenate([e[1:] for _, e, _ in checked])
    n = len(checked)
    text = f"{ylabel} against training examples"
    if examples.size:
        text += f", {count_text(examples.min(), numpy_style=True)} to {count_text(examples.max(), numpy_style=True)}"
    text += f", on a logarithmic KL axis: {plural(n, 'run')}, one line each"
    if paper is not None:
        text += f"; a dashed line at Hinton et al. (1995)'s {fixed_decimals(paper, 2)} bits"
    text += "."
    split = paper is not None and firsts.size == n and np.any(ends <= paper) and np.any(ends > paper)
    if firsts.size and not split:
        text += f" At the first point drawn the runs are at {value_range(firsts, numpy_significant)} bits."
    if paper is not None:
        low, high = ends[ends <= paper], ends[ends > paper]
        text += f" At the end, {len(low)} of {n} are at or below {fixed_decimals(paper, 2)} bits"
        text += f" ({value_range(low, numpy_significant)})" if low.size else ""
        text += f" and {len(high)} above ({value_range(high, numpy_significant)})" if high.size else ""
        text += f"; the median is {numpy_significant(np.median(ends))} bits."
        if split:
            text += (f" At the first point drawn, the runs that end below were at "
                     f"{value_range(firsts[ends <= paper], numpy_significant)} bits, those that end above at "
                     f"{value_range(firsts[ends > paper], numpy_significant)}.")
    else:
        text += (f" At the end they are at {value_range(ends, numpy_significant)} bits, median "
                 f"{numpy_significant(np.median(ends))}.")
    for seed, _, kl in checked:
        if seed == highlight:
            text += f" Seed {seed}, drawn thick, ends at {numpy_significant(kl[-1])} bits."
            break
    return text


@styled
def live_curves(examples, neg_f, log_z, kl, ceiling=None):
    """Training curves of notebook 08: -F and log Z (nats per pattern) and KL(Q||P) = log Z - (-F).

    examples, neg_f, log_z, kl : 1-D sequences of equal length (averages over the data); the
    report at 0 examples is left out so that the x axis can be logarithmic.
    ceiling : the largest possible average log Z, -H(p_data) in nats, drawn dashed; or None.
    Every value must be finite, ``examples`` >= 0 with at least one > 0.
    """
    names = ["examples", "neg_f", "log_z", "kl"]
    examples = as_vector(examples, "examples", low=0.0)
    neg_f, log_z, kl = (as_vector(a, name) for a, name in zip((neg_f, log_z, kl), names[1:]))
    check_same_length([examples, neg_f, log_z, kl], names)
    if ceiling is not None:
        ceiling = as_value(ceiling, "ceiling")
    keep = examples > 0
    if not np.any(keep):
        raise ValueError("examples has no entry > 0; expected reports after some training (the x axis is logarithmic)")
    fig = new_figure(4.2)
    left, right = fig.subplots(1, 2)
    left.plot(examples[keep], log_z[keep], color=LOG_Z_COLOUR, lw=2, ls="--", label="log Z (exact)")
    left.plot(examples[keep], neg_f[keep], color=NEG_F_COLOUR, lw=2.5, label="−F")
    if ceiling is not None:
        left.axhline(ceiling, color="0.5", ls=":", lw=1.5, label="−H(p_data)")
    left.set_ylabel("nats per pattern")
    left.legend(loc="lower right")
    right.plot(examples[keep], kl[keep], color=KL_COLOUR, lw=2.5)
    right.set_ylabel("KL(Q‖P) (nats per pattern)")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis, counts=True)
        ax.set_xlabel("training examples")
    return describe(fig, _live_text(examples[keep], neg_f[keep], log_z[keep], kl[keep], ceiling))


def _live_text(examples, neg_f, log_z, kl, ceiling):
    """What ``live_curves`` draws: where log Z, -F and the gap KL(Q||P) start and end, whether -F
    stays below log Z, and how far log Z ends below its ceiling."""

    below = int(np.sum(neg_f <= log_z))
    text = (
        f"Two panels against training examples, {count_text(examples[0], numpy_style=True)} to "
        f"{count_text(examples[-1], numpy_style=True)}, on a logarithmic axis. Left, in nats per pattern: log Z "
        f"(exact, dashed black line) {change_text(log_z, _nats)}, and −F (solid green line) "
        f"{change_text(neg_f, _nats)}; "
        + ("−F is below log Z at every point" if below == len(neg_f) else
           f"−F is below log Z at {below} of {len(neg_f)} points")
    )
    if ceiling is not None:
        text += (f". The dotted line −H(p_data) = {_nats(ceiling)} is the ceiling of log Z; log Z ends "
                 f"{numpy_significant(abs(ceiling - log_z[-1]))} {'below' if log_z[-1] <= ceiling else 'above'} it")
    text += f". Right, the gap KL(Q‖P) = log Z − (−F), in nats per pattern, {change_text(kl, numpy_significant)}"
    if len(kl) > 2:
        text += (f" (smallest {numpy_significant(kl.min())}, largest {numpy_significant(kl.max())}"
                 + (", not steadily" if np.any(np.diff(kl) > 0) and np.any(np.diff(kl) < 0) else "") + ")")
    return text + "."


def _nats(value):
    """An average log-probability in nats, to three significant digits ("−2.56")."""
    return numpy_significant(value, 3)


@styled
def kl_landscapes(grid, kl_pq, kl_qp, points=None):
    """Both directions of KL over factorial Q(q_1, q_2), side by side (notebook 08).

    grid : 1-D array of the q values on both axes; kl_pq, kl_qp : arrays (len(grid), len(grid))
    indexed [i_1, i_2], in nats: >= 0, +inf allowed (where one distribution lacks the other's
    mass), at least one finite. points : None or a dict label (str) -> (q_1, q_2) in [0, 1]^2,
    marked on both panels.
    """
    grid = as_vector(grid, "grid", low=0.0, high=1.0)
    if grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError(f"grid is {describe_value(grid)}; expected at least two increasing q values")
    tables = []
    for name, values in (("kl_pq", kl_pq), ("kl_qp", kl_qp)):
        values = as_array_or_inf(values, name, ndim=2)
        if values.shape != (grid.size, grid.size):
            raise ValueError(
                f"{name} has shape {values.shape}; expected ({grid.size}, {grid.size}), one value per grid point"
            )
        check_range(values, name, low=-ROUNDOFF)
        if not np.any(np.isfinite(values)):
            raise ValueError(f"{name} is +inf everywhere; expected at least one finite KL")
        tables.append(values)
    kl_pq, kl_qp = tables
    if points is None:
        points = {}
    if not isinstance(points, Mapping):
        raise TypeError(f"points is {describe_value(points)}; expected a dict label -> (q_1, q_2)")
    points = {as_text(label, "a label of points"): as_point(point, f"points[{label!r}]", 0.0, 1.0)
              for label, point in points.items()}
    fig = new_figure(4.6)
    axes = fig.subplots(1, 2)
    for ax, values, title in ((axes[0], kl_pq, "KL(P‖Q): sleep phase"), (axes[1], kl_qp, "KL(Q‖P): the gap in Eq. (6)")):
        shown = np.minimum(values, np.nanmin(values) + 1.0)  # clip the colour scale 1 nat above the minimum
        image = ax.pcolormesh(grid, grid, shown.T, cmap=SEQUENTIAL_MAP, shading="auto")
        fig.colorbar(image, ax=ax, shrink=0.85, label="nats")
        for label, (q1, q2) in points.items():
            ax.plot(q1, q2, "o", mfc="white", mec="black", ms=8)
            ax.annotate(label, (q1, q2), textcoords="offset points", xytext=(7, -14), fontsize=SMALL_FONT_SIZE,
                        color="white")
        ax.set_xlabel("q₁ = Q(cause 1 on | x = 1)")
        ax.set_ylabel("q₂")
        ax.set_title(title)
        ax.set_aspect("equal")
    return describe(fig, _landscapes_text(grid, kl_pq, kl_qp, points))


def _landscapes_text(grid, kl_pq, kl_qp, points):
    """What ``kl_landscapes`` draws: for each panel, its local minima on the grid (the one
    minimum of KL(P||Q), the two of KL(Q||P) in notebook 08) and its range, and the marked points."""
    text = (
        f"Two heat maps over every factorial Q, with q₁ = Q(cause 1 on | x = 1) across and q₂ up, each from "
        f"{short_number(grid[0])} to {short_number(grid[-1])} on a grid of {grid.size} by {grid.size}; colour is "
        "KL in nats (viridis, dark small, bright large), clipped 1 nat above each panel's minimum."
    )
    for side, name, values in (("Left", "KL(P‖Q), what the sleep phase minimises", kl_pq),
                               ("Right", "KL(Q‖P), the gap in Eq. (6)", kl_qp)):
        finite = values[np.isfinite(values)]
        text += f" {side}, {name}: "
        if finite.min() == finite.max():
            text += f"{numpy_significant(finite.min())} nats everywhere"
        else:
            minima = _local_minima(values)
            listed = [f"{numpy_significant(values[i, j])} nats at q = ({grid[i]:.2f}, {grid[j]:.2f})"
                      for i, j in minima]
            if len(minima) == 1:
                text += f"one minimum, {listed[0]}"
            elif minima:
                text += f"{len(minima)} local minima, {listing(listed[:MAX_MINIMA_LISTED])}"
                text += f" and {len(minima) - MAX_MINIMA_LISTED} more" if len(minima) > MAX_MINIMA_LISTED else ""
            else:
                text += f"smallest {numpy_significant(finite.min())} nats"
            text += f", up to {numpy_significant(finite.max())} nats"
        infinite = int(np.sum(~np.isfinite(values)))
        text += f", +∞ at {plural(infinite, 'grid point')}." if infinite else "."
    if points:
        def at(table, q1, q2):  # the value of the grid point nearest (q1, q2)
            return numpy_significant(table[np.abs(grid - q1).argmin(), np.abs(grid - q2).argmin()])

        for marks in (
            " Marked on both, with the values there: " + "; ".join(
                f"{label} at ({q1:.2f}, {q2:.2f}), KL(P‖Q) {at(kl_pq, q1, q2)} and KL(Q‖P) {at(kl_qp, q1, q2)} nats"
                for label, (q1, q2) in points.items()) + ".",
            " Marked on both: " + "; ".join(f"{label} at ({q1:.2f}, {q2:.2f})"
                                            for label, (q1, q2) in points.items()) + ".",
            f" {plural(len(points), 'point')} marked on both.",
        ):
            if len(text + marks) <= MAX_ALT_CHARACTERS:
                return text + marks
    return text


def _local_minima(values):
    """Grid points (i, j) whose finite value is below all of their up to eight neighbours, in
    order of i then j; values (n, n), +inf allowed."""
    padded = np.pad(values, 1, constant_values=np.inf)  # (n + 2, n + 2)
    n1, n2 = values.shape
    below = np.isfinite(values)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                below &= values < padded[1 + di : 1 + di + n1, 1 + dj : 1 + dj + n2]
    return [tuple(int(k) for k in index) for index in np.argwhere(below)]


def bars_fields_figure():
    """FIGURES entry: generative fields of the saved bars machine with the median KL (Fig. 2)."""
    meta, machines = load_bars_runs()
    runs = sorted(meta["runs"], key=lambda r: r["kl_bits"])
    median_run = runs[(len(runs) - 1) // 2]
    return generative_fields(
        machines[median_run["seed"]],
        title=f"bars, seed {median_run['seed']}: KL {median_run['kl_bits']:.3f} bits "
        f"(white > 0, black < 0)",
    )


def bars_kl_figure():
    """FIGURES entry: KL[p_data || p_model] during training, every saved seed, against the paper."""
    meta, _ = load_bars_runs()
    return kl_curves(meta["curves"])


FIGURES = {
    "bars_generative_fields.png": bars_fields_figure,
    "bars_kl_curve.png": bars_kl_figure,
}
