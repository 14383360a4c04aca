"""Notebooks 08 and 09: wake-sleep. Training curves (-F, log Z and the gap KL(Q||P)), both
directions of KL over a factorial Q, and the bars experiment of Hinton, Dayan, Frey & Neal (1995):
generative fields as Hinton diagrams, pattern grids and KL[p_data || p_model] curves.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot``. The maths comes
from ``hmlib.wakesleep`` and ``hmlib.evaluation``; this module only draws. ``FIGURES`` maps file
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
    describe,
)
from hmlib.data import BARS_SHAPE
from hmlib.model import HelmholtzMachine
from hmlib.results import results_dir
from hmlib.views._common import (
    BLUE,
    FIGURE_WIDTH,
    KL_COLOUR,
    LOG_Z_COLOUR,
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
    check_figure_size,
    check_range,
    check_same_length,
    new_figure,
    plain_log_ticks,
    styled,
)

PAPER_KL_BITS = 0.10  # Hinton, Dayan, Frey & Neal (1995): KL[p_data || p_model] after training
RUN_COLOUR = BLUE  # every run of kl_curves, thin ...
HIGHLIGHT_COLOUR = VERMILLION  # ... except the highlighted one
MAX_HINTON_CELLS = 4096  # squares one Hinton diagram draws (64 x 64), each a matplotlib patch
MAX_FIELDS = 32  # layer-2 units drawn by generative_fields, one 4x4 field each


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
        raise TypeError(f"directory is {describe(directory)}; expected a folder name (str or Path)")
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
    return fig


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
    return fig


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
    return fig


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
    return fig


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
        raise ValueError(f"grid is {describe(grid)}; expected at least two increasing q values")
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
        raise TypeError(f"points is {describe(points)}; expected a dict label -> (q_1, q_2)")
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
    return fig


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
