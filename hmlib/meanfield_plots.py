"""Figures of notebooks 06 and 07: imaging models, Eq. (11) against the exact expectation, the
shifter machine's weights drawn like the paper's Fig. 4, and learning curves.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot``; the maths comes
from ``hmlib.meanfield`` and ``hmlib.meanfield_fit``. ``FIGURES`` maps the file names that
``make figures`` writes to functions that take no arguments.
"""

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from hmlib import data, meanfield
from hmlib._checks import as_count, as_data, as_index, as_int, as_machine, as_real, as_rng
from hmlib.model import HelmholtzMachine
from hmlib.plots import (
    _as_inches,
    _as_list,
    _as_mapping,
    _as_probabilities,
    _as_value,
    _as_vector,
    _check_same_length,
)

EQ11_COLOUR = "#d62728"  # red
EXACT_COLOUR = "black"
NAIVE_COLOUR = "#1f77b4"  # blue
SIGMOID_COLOUR = "#2ca02c"  # green
RULE_COLOURS = {"eq11": EQ11_COLOUR, "naive": NAIVE_COLOUR, "sigmoid": SIGMOID_COLOUR}
RULE_LABELS = {"eq11": "Eq. (11)", "naive": "naive odds", "sigmoid": "sigmoid"}
# Saved by ``benchmarks/shifter.py --save``; notebook 07 and the Fig. 4 figure read them.
SHIFTER_RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "shifter"


# Eq. (11)'s exact E_Q[p] sums over all 2^K states of a unit's K parents (meanfield.unit_probabilities):
MAX_PARENTS = 16  # 2^16 parent states, 8 MB and a tenth of a second per unit
MAX_ENUMERATED_STATES = 2**22  # parent states summed over in one figure: a few seconds
MAX_UNITS = 10_000  # random units in random_unit_comparison
MAX_ODDS = 1e6  # largest weight, bias or mean weight: p = 1 - 1e-6 already, and sums stay finite
MAX_LOG_LIMIT = 100.0  # largest colour limit |ln theta| in shifter_weights
MAX_TOP_UNITS = 10  # histograms (one per top unit) in top_means_by_direction


def _figure(width=6.0, height=3.5):
    return Figure(figsize=(width, height), layout="constrained")


def _check_enumeration(n_units, n_parents, cause):
    """Refuse, before any work, more than MAX_ENUMERATED_STATES parent states in all (``cause`` names the arguments)."""
    if n_units * 2**n_parents > MAX_ENUMERATED_STATES:
        raise ValueError(
            f"{cause} would sum over {n_units} x 2^{n_parents} = {n_units * 2**n_parents:,} parent states; "
            f"expected at most {MAX_ENUMERATED_STATES:,} (2^22)"
        )


# ---------------------------------------------------------------------------- notebook 06
def imaging_curves():
    """p of one unit against its summed input: sigmoid sigma(u) and the odds rule u/(1+u) (notes section 3)."""
    fig = _figure(6.0, 3.0)
    ax = fig.add_subplot()
    u = np.linspace(-6, 12, 400)
    ax.plot(u, 1 / (1 + np.exp(-u)), color=SIGMOID_COLOUR, label="sigmoid  $\\sigma(u)$, any $u$")
    v = np.linspace(0.0, 12.0, 300)  # the odds rule is defined for u >= 0 only
    ax.plot(v, v / (1 + v), color=EQ11_COLOUR, label="odds rule  $u/(1+u)$, $u = b + \\sum s\\theta \\geq 0$")
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("summed input $u$ (bias + weighted parents)")
    ax.set_ylabel("$p$(unit on)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def random_unit_comparison(n=400, n_parents=4, bias=0.05, mean_weight=2.0, seed=0):
    """Eq. (11) and the naive expression against the exact E_Q[p], for random units.

    Each unit has ``n_parents`` parents with means ~ Uniform(0, 1) and weights ~ Exponential(mean
    ``mean_weight``), bias ``bias``. Returns a dict of arrays "exact", "eq11", "naive", shape (n,).

    n : 1..MAX_UNITS; n_parents : 1..MAX_PARENTS, with n * 2^n_parents <= MAX_ENUMERATED_STATES
    (the exact value enumerates every parent state); bias, mean_weight : floats in [0, MAX_ODDS].
    """
    n = as_count(n, "n", maximum=MAX_UNITS)
    n_parents = as_count(n_parents, "n_parents", maximum=MAX_PARENTS)
    _check_enumeration(n, n_parents, f"n = {n} units with n_parents = {n_parents}")
    bias = as_real(bias, "bias", low=0.0, high=MAX_ODDS)
    mean_weight = as_real(mean_weight, "mean_weight", low=0.0, high=MAX_ODDS)
    rng = as_rng(seed)
    rows = [meanfield.unit_probabilities(rng.random(n_parents), rng.exponential(mean_weight, n_parents), bias) for _ in range(n)]
    return {key: np.array([r[key] for r in rows]) for key in ("exact", "eq11", "naive")}


def eq11_against_exact(comparison=None):
    """Scatter of Eq. (11) and the naive value against the exact E_Q[p] (``random_unit_comparison``).

    comparison : None (a fresh ``random_unit_comparison()``) or a dict of equally long 1-D arrays
    "exact", "eq11", "naive" of probabilities in [0, 1].
    """
    if comparison is None:
        comparison = random_unit_comparison()
    keys = ("exact", "eq11", "naive")
    _as_mapping(comparison, "comparison", keys)
    arrays = [_as_probabilities(comparison[key], f"comparison[{key!r}]") for key in keys]
    _check_same_length(arrays, [f"comparison[{key!r}]" for key in keys])
    comparison = dict(zip(keys, arrays))
    fig = _figure(4.6, 4.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=EXACT_COLOUR, lw=1, label="exact $E_Q[p]$")
    ax.scatter(comparison["exact"], comparison["naive"], s=8, color=NAIVE_COLOUR, label="naive $1-1/(1+b+q\\theta)$")
    ax.scatter(comparison["exact"], comparison["eq11"], s=8, color=EQ11_COLOUR, marker="^", label="Eq. (11)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("exact $E_Q[p(s)]$ of the odds rule")
    ax.set_ylabel("mean-field value")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def unit_probability_sweep(q, theta, b, unit=0, marker=None, width=5.6, height=3.0):
    """Eq. (11), exact E_Q[p] and naive value as the mean of parent ``unit`` sweeps 0..1 (widget of notebook 06).

    q : parent means in [0, 1], shape (K,), K <= MAX_PARENTS; theta : weights in [0, MAX_ODDS],
    shape (K,); b : bias in [0, MAX_ODDS]; unit : index of the swept parent; marker : None or the
    q value to mark, in [0, 1].
    """
    q = _as_vector(q, "q", low=0.0, high=1.0)  # a copy: the sweep writes into it
    if q.size > MAX_PARENTS:
        raise ValueError(f"q has {q.size} entries; expected at most MAX_PARENTS = {MAX_PARENTS} parents (2^K states each)")
    theta = _as_vector(theta, "theta", low=0.0, high=MAX_ODDS)
    _check_same_length([q, theta], ["q", "theta"])
    b = as_real(b, "b", low=0.0, high=MAX_ODDS)
    unit = as_index(unit, "unit", q.size)
    if marker is not None:
        marker = as_real(marker, "marker", low=0.0, high=1.0)
    width, height = _as_inches(width, "width"), _as_inches(height, "height")
    grid = np.linspace(0.0, 1.0, 41)
    curves = {"eq11": [], "exact": [], "naive": []}
    for value in grid:
        q[unit] = value
        result = meanfield.unit_probabilities(q, theta, b)
        for key in curves:
            curves[key].append(result[key])
    fig = _figure(width, height)
    ax = fig.add_subplot()
    ax.plot(grid, curves["exact"], color=EXACT_COLOUR, label="exact $E_Q[p]$")
    ax.plot(grid, curves["naive"], color=NAIVE_COLOUR, ls="--", label="naive")
    ax.plot(grid, curves["eq11"], color=EQ11_COLOUR, ls="-.", label="Eq. (11)")
    if marker is not None:
        ax.axvline(marker, color="grey", lw=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"mean $q_{unit + 1}$ of parent {unit + 1}")
    ax.set_ylabel("$p$(unit on)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


# ---------------------------------------------------------------------------- notebook 07
def _log_weights(theta, floor):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(theta), floor)  # theta = 0 (a bound reached) is drawn at the floor


def _mosaic(images, cols, gap=1):
    """Tile images (n, h, w) into one array with NaN gaps, ``cols`` per row."""
    n, h, w = images.shape
    rows = int(np.ceil(n / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = image
    return out


def shifter_weights(hm, limit=None, cols=6):
    """The generative weights of a 32-n-2 odds machine drawn like the paper's Fig. 4.

    Top: ln theta from the top units to the layer-2 units (one column per layer-2 unit). Below: for
    each layer-2 unit (numbered left to right, top to bottom), ln theta to the 32 pixels as a 4x8
    image (rows: shifted, shifted, source, source). Diverging map centred on ln theta = 0
    (theta = 1), symmetric limits ``+-limit`` (default: the largest |ln theta|, at most 6, or 1 if
    every theta is 0 or 1); smaller weights, including theta = 0 (a bound reached), are drawn at
    -limit. ``limit`` : None or a float in (0, MAX_LOG_LIMIT]; ``cols`` : images per row, 1 to max(6, n).
    """
    as_machine(hm)
    if hm.imaging != "odds" or hm.sizes[0] != 32 or len(hm.sizes) != 3:
        raise ValueError(f"machine has sizes {hm.sizes} and imaging {hm.imaging!r}; expected a 32-n-m odds machine")
    n2 = hm.sizes[1]
    cols = as_int(cols, "cols", low=1, high=max(6, n2))
    if limit is None:
        logs = np.concatenate([np.abs(np.log(t[t > 0])) for t in hm.theta])  # |ln theta| of every theta > 0
        limit = float(min(6.0, logs.max())) if logs.size and logs.max() > 0 else 1.0
    else:
        limit = as_real(limit, "limit", low=0.0, low_open=True, high=MAX_LOG_LIMIT)
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[1, 4])
    image = top.imshow(_log_weights(hm.theta[1], -limit), cmap=cmap, norm=norm, aspect="auto")
    top.set_yticks(range(hm.sizes[2]), [f"top {k + 1}" for k in range(hm.sizes[2])], fontsize=7)
    top.set_xticks(range(n2), [str(j + 1) for j in range(n2)], fontsize=6)
    top.set_title("ln $\\theta$ from the top units to layer-2 units 1-%d" % n2, fontsize=8)
    pixels = _log_weights(hm.theta[0], -limit).reshape((n2,) + data.SHIFTER_SHAPE)  # (n2, 4, 8)
    bottom.imshow(_mosaic(pixels, cols), cmap=cmap, norm=norm)
    bottom.set_axis_off()
    bottom.set_title(f"ln $\\theta$ from each layer-2 unit to the 4x8 pixels (units 1-{cols} in the first row)", fontsize=8)
    fig.colorbar(image, ax=[top, bottom], shrink=0.7, label="ln $\\theta$")
    return fig


def free_energy_curves(runs, entropy_bits=None, every=50):
    """F (bits per image) against L-BFGS-B iteration for saved runs (``benchmarks/shifter.py --save``).

    runs : non-empty list of dicts with "imaging" (a key of RULE_COLOURS) and "free_energy_curve"
    (one value every ``every`` iterations, finite bits). entropy_bits : None or a float >= 0.
    """
    _as_list(runs, "runs")
    curves, rules = [], []
    for i, run in enumerate(runs):
        _as_mapping(run, f"runs[{i}]", ("imaging", "free_energy_curve"))
        if run["imaging"] not in RULE_COLOURS:
            raise ValueError(f"runs[{i}]['imaging'] is {run['imaging']!r}; expected one of {tuple(RULE_COLOURS)}")
        curves.append(_as_vector(run["free_energy_curve"], f"runs[{i}]['free_energy_curve']"))
        rules.append(run["imaging"])
    if entropy_bits is not None:
        entropy_bits = _as_value(entropy_bits, "entropy_bits", low=0.0)
    every = as_count(every, "every")
    fig = _figure(6.0, 3.2)
    ax = fig.add_subplot()
    seen = set()
    for curve, rule in zip(curves, rules):
        ax.plot(np.arange(curve.size) * every + 1, curve, color=RULE_COLOURS[rule], lw=0.8, alpha=0.8,
                label=None if rule in seen else RULE_LABELS[rule])
        seen.add(rule)
    if entropy_bits is not None:
        ax.axhline(entropy_bits, color="black", ls=":", label=f"data entropy {entropy_bits:.3f} bits")
    ax.set_ylim(bottom=min(5.5, ax.get_ylim()[0]), top=min(ax.get_ylim()[1], 16))
    ax.set_xlabel("L-BFGS-B iteration")
    ax.set_ylabel("mean-field F (bits per image)")
    ax.legend(fontsize=8)
    return fig


def top_means_by_direction(hm, patterns, direction):
    """Histogram of each top unit's recognition mean (Eq. (9)) on left- and right-shifted patterns.

    hm : a HelmholtzMachine with at most MAX_TOP_UNITS top units; patterns : (batch, n_1), binary;
    direction : (batch,), 0 (shifted left) or 1 (shifted right).
    """
    as_machine(hm)
    if hm.sizes[-1] > MAX_TOP_UNITS:
        raise ValueError(f"hm has {hm.sizes[-1]} top units; expected at most {MAX_TOP_UNITS} (one histogram each)")
    patterns = as_data(patterns, hm.sizes[0], "patterns")
    direction = _as_vector(direction, "direction")
    if direction.size != len(patterns):
        raise ValueError(
            f"direction has {direction.size} entries and patterns {len(patterns)} rows; expected one per pattern"
        )
    if not np.all((direction == 0) | (direction == 1)):
        bad = direction[(direction != 0) & (direction != 1)][0]
        raise ValueError(f"direction contains {bad:g}; expected 0 (shifted left) or 1 (shifted right)")
    top = meanfield.recognition_means(hm, patterns)[-1]
    fig = _figure(6.0, 2.6)
    axes = fig.subplots(1, top.shape[1], sharey=True)
    bins = np.linspace(0, 1, 41)
    for k, ax in enumerate(np.atleast_1d(axes)):
        ax.hist(top[direction == 0, k], bins=bins, color=NAIVE_COLOUR, alpha=0.7, label="shifted left")
        ax.hist(top[direction == 1, k], bins=bins, color=EQ11_COLOUR, alpha=0.7, label="shifted right")
        ax.axvline(0.5, color="grey", lw=0.8)
        ax.set_xlabel(f"recognition mean of top unit {k + 1}")
    np.atleast_1d(axes)[0].set_ylabel("patterns")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    return fig


def _saved_shifter_machine(seed=0):
    return HelmholtzMachine.load(SHIFTER_RESULTS / f"eq11_seed{seed}.npz")


def _shifter_weights_figure():
    return shifter_weights(_saved_shifter_machine())


FIGURES = {
    "meanfield_imaging_curves.png": imaging_curves,
    "meanfield_eq11_vs_exact.png": eq11_against_exact,
    "meanfield_shifter_weights.png": _shifter_weights_figure,
}
