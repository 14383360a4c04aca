"""Notebook 07: the deterministic machine trained on the shifter. Its generative weights drawn like
Fig. 4 of Dayan, Hinton, Neal & Zemel (1995), learning curves of F, and the top units'
recognition means by shift direction.

Every function returns a ``CourseFigure`` built without ``pyplot``, with a text alternative that
states what it draws and its key numbers; the maths comes from ``hmlib.meanfield`` and
``hmlib.shifter``. ``FIGURES`` maps the file names that ``make figures`` writes to functions that
take no arguments.
"""


import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from hmlib import data, meanfield, shifter
from hmlib._checks import as_count, as_data, as_int, as_machine, as_real
from hmlib.model import HelmholtzMachine
from hmlib.results import results_dir
from hmlib.views._common import (
    DIVERGING_MAP,
    EQ11_COLOUR,
    MAX_ALT_CHARACTERS,
    NAIVE_COLOUR,
    SIGMOID_COLOUR,
    SMALL_FONT_SIZE,
    as_list,
    as_mapping,
    as_value,
    as_vector,
    describe,
    fixed_decimals,
    new_figure,
    numpy_significant,
    plural,
    short_number,
    sizes_text,
    styled,
    value_range,
)

RULE_COLOURS = {"eq11": EQ11_COLOUR, "naive": NAIVE_COLOUR, "sigmoid": SIGMOID_COLOUR}
RULE_STYLES = {"eq11": "-", "naive": "--", "sigmoid": ":"}  # so that the rules differ without colour too
RULE_LINES = {"eq11": "solid", "naive": "dashed", "sigmoid": "dotted"}  # RULE_STYLES in words, for the text
RULE_LABELS = {"eq11": "Eq. (11)", "naive": "naive odds", "sigmoid": "sigmoid"}
LEFT_COLOUR, RIGHT_COLOUR = NAIVE_COLOUR, EQ11_COLOUR  # histograms of left- and right-shifted patterns
MAX_LOG_LIMIT = 100.0  # largest colour limit |ln theta| in shifter_weights
MAX_TOP_UNITS = 10  # histograms (one per top unit) in top_means_by_direction
STRONG_THETA = 10.0  # a top unit "turns on" a layer-2 unit in the text of shifter_weights: odds above 10


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
    return describe(fig, _weights_text(hm, limit, cols))


def _weights_text(hm, limit, cols):
    """What ``shifter_weights`` draws, read the way notebook 07 reads Fig. 4: which layer-2 units
    each top unit turns on, which layer-2 units are clean pixel-pair detectors of which shift
    (``hmlib.shifter.pair_detectors``), and how pure each top unit is (``top_unit_purity``).
    Lists of units are left out if the text would grow past MAX_ALT_CHARACTERS."""
    n2, n3 = hm.sizes[1], hm.sizes[2]
    detectors = shifter.pair_detectors(hm)
    purity, tuned = shifter.top_unit_purity(hm)
    strong = hm.theta[1] > STRONG_THETA  # (n3, n2): top unit k turns layer-2 unit j on
    clean = [np.flatnonzero(detectors["clean"] & (detectors["direction"] == d)) for d in (0, 1)]  # by direction
    blank = np.flatnonzero(hm.theta[0].max(axis=1) <= 1.0)  # layer-2 units drawn all blue: no theta above 1
    shared = np.flatnonzero(strong.sum(axis=0) > 1) if n3 > 1 else np.array([], int)  # turned on by several top units

    def text(detail):
        """detail 2: unit lists and one sentence per top unit; 1: counts only; 0: ranges over the top units."""
        units = (lambda indices: f" ({_units(indices)})") if detail == 2 else (lambda indices: "")
        counts = strong.sum(axis=1)  # (n3,)
        if detail:
            turned_on = "; ".join(f"from top unit {k + 1} to {plural(int(counts[k]), 'unit')}"
                                  f"{units(np.flatnonzero(strong[k]))}" for k in range(n3))
        else:
            turned_on = f"from each top unit to {counts.min()} to {counts.max()} units"
        out = (
            f"ln θ of the generative weights of the {sizes_text(hm.sizes)} odds machine, like Fig. 4 of Dayan et al. "
            f"(1995); colour from {numpy_significant(-limit, 2)} (blue, θ near 0) through white (θ = 1) to "
            f"{numpy_significant(limit, 2)} (red), "
            f"weights beyond drawn at the ends. Top strip, from the {n3} top units to the {n2} layer-2 units: "
            f"θ above {STRONG_THETA:g} {turned_on}. Below, one 4x8 image per layer-2 unit, {min(cols, n2)} to a row: its "
            f"ln θ to the pixels (rows: shifted, shifted, source, source). {int(detectors['clean'].sum())} of {n2} are "
            f"clean pair detectors (at least {shifter.CLEAN_SHARE:.0%} of their weight on one source pixel and its shifted "
            f"neighbour): {len(clean[0])} for a left shift{units(clean[0])}, {len(clean[1])} for a right "
            f"shift{units(clean[1])}."
        )
        if blank.size:
            out += (f" {plural(len(blank), 'unit')}{units(blank)} {'has' if len(blank) == 1 else 'have'} no pixel "
                    "weight above θ = 1 (all blue).")
        if detail:
            out += " Share of each top unit's weight on clean detectors of one shift: " + ", ".join(
                f"top unit {k + 1} {purity[k]:.0%} ({shifter.DIRECTIONS[tuned[k]]})" for k in range(n3)) + "."
        else:
            out += (f" Each top unit gives {purity.min():.0%} to {purity.max():.0%} of its weight to clean "
                    "detectors of one shift.")
        if shared.size:
            kinds = [f"unit {j + 1}, {'a clean' if detectors['clean'][j] else 'no'} pair detector" for j in shared]
            out += (f" Turned on by more than one top unit: {'; '.join(kinds)}." if detail == 2 else
                    f" {plural(len(shared), 'layer-2 unit')} turned on by more than one top unit.")
        return out

    for detail in (2, 1):
        if len(candidate := text(detail)) <= MAX_ALT_CHARACTERS:
            return candidate
    return text(0)


def _units(indices):
    """Unit numbers counted from 1, runs of three or more written as ranges ("4–6, 12"), or "none"."""
    numbers = [int(j) + 1 for j in indices]
    if not numbers:
        return "none"
    runs, start = [], 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
            run = numbers[start:i]
            runs.append(f"{run[0]}–{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)))
            start = i
    return ", ".join(runs)


def _bits(value):
    """A code length as the notebook's tables print it: two decimals ("5.50", "16.00"), or two
    significant digits below 0.1 bits ("0.0059")."""
    return fixed_decimals(value, 2) if abs(value) >= 0.1 else numpy_significant(value, 2)


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
    return describe(fig, _curves_text(curves, rules, entropy_bits, every, ax.get_ylim()[1]))


def _curves_text(curves, rules, entropy_bits, every, top):
    """What ``free_energy_curves`` draws: the runs of each rule and where their curves end,
    against the entropy; where the curves start if that is above the axis (``top``, bits)."""
    last = max(curve.size for curve in curves)
    text = (f"Learning curves: mean-field F in bits per image against the L-BFGS-B iteration, from 1 to "
            f"{(last - 1) * every + 1}, one line per run: ")
    groups = [(rule, [c for c, r in zip(curves, rules) if r == rule]) for rule in RULE_COLOURS]
    groups = [(rule, group) for rule, group in groups if group]
    text += ", ".join(f"{plural(len(group), RULE_LABELS[rule] + ' run')} ({RULE_LINES[rule]})"
                      for rule, group in groups)
    if entropy_bits is not None:
        text += f"; a dotted black line at the data entropy, {fixed_decimals(entropy_bits, 3)} bits"
    text += "."
    starts = np.array([curve[0] for curve in curves])
    if starts.max() > top:
        text += (f" The curves start at {value_range(starts, _bits)} bits, above the "
                 f"top of the axis ({short_number(top)} bits), and fall from there.")
    text += " At the last point drawn:"
    for rule, group in groups:
        ends = np.array([curve[-1] for curve in group])
        text += f" {RULE_LABELS[rule]} {value_range(ends, _bits)} bits"
        if entropy_bits is not None:
            text += f", {int((ends < entropy_bits).sum())} of {len(group)} below the entropy"
        text += ";"
    return text[:-1] + "."


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
    return describe(fig, _top_means_text(top, direction))


def _top_means_text(top, direction):
    """What ``top_means_by_direction`` draws: for each top unit and each direction, where its
    recognition means lie (median and range) and how many of them pass 0.5."""
    counts = [int((direction == d).sum()) for d in (0, 1)]
    text = (
        f"Histograms of the recognition mean (Eq. (9)) of each of the {plural(top.shape[1], 'top unit')}, "
        f"one panel per unit, over {plural(len(top), 'pattern')}: {counts[0]} shifted left (blue bars) and "
        f"{counts[1]} shifted right (orange, hatched bars), in 40 bins from 0 to 1 (the lowest bin: below 0.025), with a grey line at 0.5."
    )
    for k in range(top.shape[1]):
        parts = []
        for d, name in ((0, "left"), (1, "right")):
            means = top[direction == d, k]
            if means.size:
                parts.append(f"shifted {name}, median {np.median(means):.2f}, from {means.min():.2f} "
                             f"to {means.max():.2f}, {int((means < 1 / 40).sum())} in the lowest bin, "
                             f"{int((means > 0.5).sum())} above 0.5")
        text += f" Top unit {k + 1}: {'; '.join(parts)}."
    return text


def _saved_shifter_machine(seed=0):
    return HelmholtzMachine.load(results_dir("shifter") / f"eq11_seed{seed}.npz")  # saved by benchmarks/shifter.py --save


def _shifter_weights_figure():
    return shifter_weights(_saved_shifter_machine())


FIGURES = {"meanfield_shifter_weights.png": _shifter_weights_figure}
