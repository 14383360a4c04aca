"""Figures of notebooks 08-09: wake-sleep training curves and the bars machine's generative fields.

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
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hmlib._checks import as_array, as_count, as_data, as_instance, as_int, as_machine, as_real, describe
from hmlib.data import BARS_SHAPE
from hmlib.model import HelmholtzMachine
from hmlib.plots import (
    MAX_PATTERNS_SHOWN,
    ROUNDOFF,
    _as_array_or_inf,
    _as_list,
    _as_mapping,
    _as_text,
    _as_value,
    _as_vector,
    _check_figure_size,
    _check_range,
    _check_same_length,
)

PAPER_KL_BITS = 0.10  # Hinton, Dayan, Frey & Neal (1995): KL[p_data || p_model] after training
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "bars"
NEG_F_COLOUR = "#2ca02c"  # green: -F (the colours of hmlib.plots)
KL_COLOUR = "#ff7f0e"  # orange: KL(Q||P)
LOG_Z_COLOUR = "black"
MAX_HINTON_CELLS = 4096  # squares one Hinton diagram draws (64 x 64), each a matplotlib patch
MAX_FIELDS = 32  # layer-2 units drawn by generative_fields, one 4x4 field each


def _figure(width=6.0, height=3.5):
    return Figure(figsize=(width, height), layout="constrained")


def load_bars_runs(directory=RESULTS):
    """The saved bars runs: ``(meta, machines)``.

    meta : dict from ``runs.json`` (keys ``command``, ``settings``, ``runs``, ``curves``).
    machines : dict seed -> HelmholtzMachine, from ``seed-<seed>.npz``.

    directory : str or path of a folder written by ``benchmarks/bars.py --save``.
    """
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
        _as_mapping(run, f"runs[{i}] of {runs_file}", ("seed",))
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
    x0, y0 = _as_point(origin, "origin")
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


def _as_point(point, name, low=None, high=None):
    """A point (x, y) of two finite floats within [low, high]."""
    point = as_array(point, name, ndim=1)
    if point.shape != (2,):
        raise ValueError(f"{name} has shape {point.shape}; expected a point (x, y)")
    _check_range(point, name, low, high)
    return float(point[0]), float(point[1])


def generative_fields(hm, title=None):
    """The generative weights of a 16-n_2-1 bars machine drawn as in the paper's Fig. 2.

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
        _as_text(title, "title")
    n2 = hm.sizes[1]
    fields = hm.theta[0].reshape(n2, *BARS_SHAPE)  # (n_2, 4, 4)
    field_scale = max(np.abs(fields).max(), np.abs(hm.theta_bias[0]).max(), 1e-12)
    top = np.stack([hm.theta_bias[1], hm.theta[1][0]], axis=1)  # (n_2, 2): bias, weight from top
    top_scale = max(np.abs(top).max(), 1e-12)
    fig = _figure(0.95 * (n2 + 1), 2.3)
    ax = fig.add_subplot()
    gap = 1.0
    hinton(ax, hm.theta_bias[0].reshape(BARS_SHAPE), field_scale, origin=(0.0, 0.0))
    ax.text(2.0, -0.5, "input\nbiases", ha="center", va="top", fontsize=8)
    for k in range(n2):
        x0 = (k + 1) * (4 + gap)
        hinton(ax, fields[k], field_scale, origin=(x0, 0.0))
        hinton(ax, top[k][None, :], top_scale, origin=(x0 + 1.0, 4.6))
        ax.text(x0 + 2.0, -0.5, f"unit {k + 1}", ha="center", va="top", fontsize=8)
    ax.text(4 + gap / 2, 5.1, "bias, top→", ha="right", va="center", fontsize=8)
    ax.set_xlim(-0.3, (n2 + 1) * (4 + gap))
    ax.set_ylim(-1.6, 5.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        title or f"generative weights (white > 0, black < 0); largest field weight {field_scale:.2f}, "
        f"largest top weight {top_scale:.2f}",
        fontsize=9,
    )
    return fig


def pattern_grid(patterns, title, n_cols=12):
    """Binary 4x4 patterns in a grid (black on, white off).

    patterns : (n, 16), values in [0, 1] (grey between), 1 <= n <= MAX_PATTERNS_SHOWN;
    title : a string; n_cols : patterns per row, an int >= 1.
    """
    patterns = as_data(patterns, BARS_SHAPE[0] * BARS_SHAPE[1], "patterns", binary=False)
    if len(patterns) > MAX_PATTERNS_SHOWN:
        raise ValueError(
            f"patterns has {len(patterns)} rows; expected at most {MAX_PATTERNS_SHOWN} (one small image each)"
        )
    _as_text(title, "title")
    n_cols = as_count(n_cols, "n_cols")
    n = len(patterns)
    n_rows = -(-n // n_cols)
    width, height = 0.5 * n_cols + 0.2, 0.55 * n_rows + 0.4
    _check_figure_size(width, height, f"n_cols = {n_cols} with {n} patterns")
    fig = _figure(width, height)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i < n:
            ax.imshow(patterns[i].reshape(BARS_SHAPE), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("0.6")
        else:
            ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return fig


def kl_curves(curves, paper=PAPER_KL_BITS, highlight=None, ylabel="KL[p_data ‖ p_model] (bits)"):
    """KL against examples seen, one line per run, on a log scale, with the paper's value dashed.

    curves : non-empty list of dicts with ``"seed"`` (an int), ``"examples"`` and ``"kl_bits"``
    (equally long 1-D arrays, KL >= 0), as in runs.json. The first point (0 examples) is left out.
    paper : None or a KL > 0 in bits, drawn dashed. highlight : a seed drawn thicker, or None.
    ylabel : a string.
    """
    _as_list(curves, "curves")
    checked = []
    for i, curve in enumerate(curves):
        name = f"curves[{i}]"
        _as_mapping(curve, name, ("seed", "examples", "kl_bits"))
        seed = as_int(curve["seed"], f"{name}['seed']")
        examples = _as_vector(curve["examples"], f"{name}['examples']", low=0.0)
        kl = _as_vector(curve["kl_bits"], f"{name}['kl_bits']", low=-ROUNDOFF)
        _check_same_length([examples, kl], [f"{name}['examples']", f"{name}['kl_bits']"])
        checked.append((seed, examples, kl))
    if paper is not None:
        paper = _as_value(paper, "paper", low=0.0, low_open=True)
    if highlight is not None:
        highlight = as_int(highlight, "highlight")
    _as_text(ylabel, "ylabel")
    fig = _figure(6.0, 3.5)
    ax = fig.add_subplot()
    for seed, examples, kl in checked:
        thick = seed == highlight
        ax.plot(examples[1:], kl[1:], lw=2.2 if thick else 1.0, alpha=1.0 if thick else 0.6,
                label=f"seed {seed}" if thick else None)
    if paper is not None:
        ax.axhline(paper, color="black", ls="--", lw=1, label=f"paper: {paper:.2f} bits")
    ax.set_yscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return fig


def live_curves(examples, neg_f, log_z, kl, ceiling=None):
    """Training curves of notebook 08: -F and log Z (nats per pattern) and KL(Q||P) = log Z - (-F).

    examples, neg_f, log_z, kl : 1-D sequences of equal length (averages over the data); the
    report at 0 examples is left out so that the x axis can be logarithmic.
    ceiling : the largest possible average log Z, -H(p_data) in nats, drawn dashed; or None.
    Every value must be finite, ``examples`` >= 0 with at least one > 0.
    """
    names = ["examples", "neg_f", "log_z", "kl"]
    examples = _as_vector(examples, "examples", low=0.0)
    neg_f, log_z, kl = (_as_vector(a, name) for a, name in zip((neg_f, log_z, kl), names[1:]))
    _check_same_length([examples, neg_f, log_z, kl], names)
    if ceiling is not None:
        ceiling = _as_value(ceiling, "ceiling")
    keep = examples > 0
    if not np.any(keep):
        raise ValueError("examples has no entry > 0; expected reports after some training (the x axis is logarithmic)")
    fig = _figure(6.4, 3.2)
    left, right = fig.subplots(1, 2)
    left.plot(examples[keep], log_z[keep], color=LOG_Z_COLOUR, label="log Z (exact)")
    left.plot(examples[keep], neg_f[keep], color=NEG_F_COLOUR, label="−F")
    if ceiling is not None:
        left.axhline(ceiling, color="0.5", ls="--", lw=1, label="−H(p_data)")
    left.set_ylabel("nats per pattern")
    left.legend(fontsize=8)
    right.plot(examples[keep], kl[keep], color=KL_COLOUR)
    right.set_ylabel("KL(Q‖P) (nats per pattern)")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("training examples")
    return fig


def kl_landscapes(grid, kl_pq, kl_qp, points=None):
    """Both directions of KL over factorial Q(q_1, q_2), side by side (notebook 08).

    grid : 1-D array of the q values on both axes; kl_pq, kl_qp : arrays (len(grid), len(grid))
    indexed [i_1, i_2], in nats: >= 0, +inf allowed (where one distribution lacks the other's
    mass), at least one finite. points : None or a dict label (str) -> (q_1, q_2) in [0, 1]^2,
    marked on both panels.
    """
    grid = _as_vector(grid, "grid", low=0.0, high=1.0)
    if grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError(f"grid is {describe(grid)}; expected at least two increasing q values")
    tables = []
    for name, values in (("kl_pq", kl_pq), ("kl_qp", kl_qp)):
        values = _as_array_or_inf(values, name, ndim=2)
        if values.shape != (grid.size, grid.size):
            raise ValueError(
                f"{name} has shape {values.shape}; expected ({grid.size}, {grid.size}), one value per grid point"
            )
        _check_range(values, name, low=-ROUNDOFF)
        if not np.any(np.isfinite(values)):
            raise ValueError(f"{name} is +inf everywhere; expected at least one finite KL")
        tables.append(values)
    kl_pq, kl_qp = tables
    if points is None:
        points = {}
    if not isinstance(points, Mapping):
        raise TypeError(f"points is {describe(points)}; expected a dict label -> (q_1, q_2)")
    points = {_as_text(label, "a label of points"): _as_point(point, f"points[{label!r}]", 0.0, 1.0)
              for label, point in points.items()}
    fig = _figure(6.6, 3.1)
    axes = fig.subplots(1, 2)
    for ax, values, title in ((axes[0], kl_pq, "KL(P‖Q): sleep phase"), (axes[1], kl_qp, "KL(Q‖P): the gap in Eq. (6)")):
        shown = np.minimum(values, np.nanmin(values) + 1.0)  # clip the colour scale 1 nat above the minimum
        image = ax.pcolormesh(grid, grid, shown.T, cmap="viridis", shading="auto")
        fig.colorbar(image, ax=ax, shrink=0.85, label="nats")
        for label, (q1, q2) in points.items():
            ax.plot(q1, q2, "o", mfc="white", mec="black", ms=6)
            ax.annotate(label, (q1, q2), textcoords="offset points", xytext=(6, -12), fontsize=8, color="white")
        ax.set_xlabel("q₁ = Q(cause 1 on | x = 1)")
        ax.set_ylabel("q₂")
        ax.set_title(title, fontsize=9)
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
