"""Notebook 07: the deterministic machine trained on the shifter. Its generative weights drawn like
Fig. 4 of Dayan, Hinton, Neal & Zemel (1995), learning curves of F, and the top units'
recognition means by shift direction.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot``; the maths comes
from ``hmlib.meanfield`` and ``hmlib.meanfield_fit``. ``FIGURES`` maps the file names that
``make figures`` writes to functions that take no arguments.
"""


import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from hmlib import data, meanfield
from hmlib._checks import as_count, as_data, as_int, as_machine, as_real
from hmlib.model import HelmholtzMachine
from hmlib.results import results_dir
from hmlib.views._common import (
    DIVERGING_MAP,
    EQ11_COLOUR,
    NAIVE_COLOUR,
    SIGMOID_COLOUR,
    SMALL_FONT_SIZE,
    as_list,
    as_mapping,
    as_value,
    as_vector,
    new_figure,
    styled,
)

RULE_COLOURS = {"eq11": EQ11_COLOUR, "naive": NAIVE_COLOUR, "sigmoid": SIGMOID_COLOUR}
RULE_STYLES = {"eq11": "-", "naive": "--", "sigmoid": ":"}  # so that the rules differ without colour too
RULE_LABELS = {"eq11": "Eq. (11)", "naive": "naive odds", "sigmoid": "sigmoid"}
LEFT_COLOUR, RIGHT_COLOUR = NAIVE_COLOUR, EQ11_COLOUR  # histograms of left- and right-shifted patterns
MAX_LOG_LIMIT = 100.0  # largest colour limit |ln theta| in shifter_weights
MAX_TOP_UNITS = 10  # histograms (one per top unit) in top_means_by_direction


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


@styled
def shifter_weights(hm, limit=None, cols=6):
    """The generative weights of a 32-n-2 odds machine drawn like Fig. 4 of Dayan et al. (1995).

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
    cmap = matplotlib.colormaps[DIVERGING_MAP].with_extremes(bad="white")
    pixels = _log_weights(hm.theta[0], -limit).reshape((n2,) + data.SHIFTER_SHAPE)  # (n2, 4, 8)
    mosaic = _mosaic(pixels, cols)
    # the mosaic keeps its pixels square: its height follows from the width left beside the colour bar
    mosaic_height = 8.0 * mosaic.shape[0] / mosaic.shape[1]
    fig = new_figure(min(1.6 + mosaic_height, 12.0) + 1.0)
    top, bottom = fig.subplots(2, 1, height_ratios=[1.0, max(mosaic_height, 1.0)])
    image = top.imshow(_log_weights(hm.theta[1], -limit), cmap=cmap, norm=norm, aspect="auto")
    top.set_yticks(range(hm.sizes[2]), [f"top {k + 1}" for k in range(hm.sizes[2])])
    step = 1 if n2 <= 24 else 2 if n2 <= 48 else 5  # tick labels of at most 11 points must not touch
    top.set_xticks(range(0, n2, step), [str(j + 1) for j in range(0, n2, step)])
    top.set_title(f"ln $\\theta$ from the top units to layer-2 units 1-{n2}")
    bottom.imshow(mosaic, cmap=cmap, norm=norm)
    bottom.set_axis_off()
    bottom.set_title(f"ln $\\theta$ from each layer-2 unit to the 4x8 pixels (units 1-{min(cols, n2)} in the first row)")
    fig.colorbar(image, ax=[top, bottom], shrink=0.8, label="ln $\\theta$ (0: $\\theta$ = 1)")
    return fig


@styled
def free_energy_curves(runs, entropy_bits=None, every=50):
    """F (bits per image) against L-BFGS-B iteration for saved runs (``benchmarks/shifter.py --save``).

    runs : non-empty list of dicts with "imaging" (a key of RULE_COLOURS) and "free_energy_curve"
    (one value every ``every`` iterations, finite bits). entropy_bits : None or a float >= 0.
    """
    as_list(runs, "runs")
    curves, rules = [], []
    for i, run in enumerate(runs):
        as_mapping(run, f"runs[{i}]", ("imaging", "free_energy_curve"))
        if run["imaging"] not in RULE_COLOURS:
            raise ValueError(f"runs[{i}]['imaging'] is {run['imaging']!r}; expected one of {tuple(RULE_COLOURS)}")
        curves.append(as_vector(run["free_energy_curve"], f"runs[{i}]['free_energy_curve']"))
        rules.append(run["imaging"])
    if entropy_bits is not None:
        entropy_bits = as_value(entropy_bits, "entropy_bits", low=0.0)
    every = as_count(every, "every")
    fig = new_figure(4.4)
    ax = fig.add_subplot()
    seen = set()
    for curve, rule in zip(curves, rules):
        ax.plot(np.arange(curve.size) * every + 1, curve, color=RULE_COLOURS[rule], ls=RULE_STYLES[rule], lw=1.5,
                alpha=0.85, label=None if rule in seen else RULE_LABELS[rule])
        seen.add(rule)
    if entropy_bits is not None:
        ax.axhline(entropy_bits, color="black", ls=(0, (1, 3)), lw=1.5, label=f"data entropy {entropy_bits:.3f} bits")
    ax.set_ylim(bottom=min(5.5, ax.get_ylim()[0]), top=min(ax.get_ylim()[1], 16))
    ax.set_xlabel("L-BFGS-B iteration")
    ax.set_ylabel("mean-field F (bits per image)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig


@styled
def top_means_by_direction(hm, patterns, direction):
    """Histogram of each top unit's recognition mean (Eq. (9)) on left- and right-shifted patterns.

    hm : a HelmholtzMachine with at most MAX_TOP_UNITS top units; patterns : (batch, n_1), binary;
    direction : (batch,), 0 (shifted left) or 1 (shifted right).
    """
    as_machine(hm)
    if hm.sizes[-1] > MAX_TOP_UNITS:
        raise ValueError(f"hm has {hm.sizes[-1]} top units; expected at most {MAX_TOP_UNITS} (one histogram each)")
    patterns = as_data(patterns, hm.sizes[0], "patterns")
    direction = as_vector(direction, "direction")
    if direction.size != len(patterns):
        raise ValueError(
            f"direction has {direction.size} entries and patterns {len(patterns)} rows; expected one per pattern"
        )
    if not np.all((direction == 0) | (direction == 1)):
        bad = direction[(direction != 0) & (direction != 1)][0]
        raise ValueError(f"direction contains {bad:g}; expected 0 (shifted left) or 1 (shifted right)")
    top = meanfield.recognition_means(hm, patterns)[-1]
    fig = new_figure(3.8)
    axes = np.atleast_1d(fig.subplots(1, top.shape[1], sharey=True))
    bins = np.linspace(0, 1, 41)
    for k, ax in enumerate(axes):
        ax.hist(top[direction == 0, k], bins=bins, color=LEFT_COLOUR, alpha=0.7, label="shifted left")
        ax.hist(top[direction == 1, k], bins=bins, color=RIGHT_COLOUR, alpha=0.7, hatch="//", label="shifted right")
        ax.axvline(0.5, color="grey", lw=1)
        ax.set_xlabel(f"recognition mean of top unit {k + 1}")
    axes[0].set_ylabel("patterns")
    axes[0].legend(fontsize=SMALL_FONT_SIZE)
    return fig


def _saved_shifter_machine(seed=0):
    return HelmholtzMachine.load(results_dir("shifter") / f"eq11_seed{seed}.npz")  # saved by benchmarks/shifter.py --save


def _shifter_weights_figure():
    return shifter_weights(_saved_shifter_machine())


FIGURES = {"meanfield_shifter_weights.png": _shifter_weights_figure}
