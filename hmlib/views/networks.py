"""Figures of notebooks 00 and 01: the machine's two networks, ancestral samples against the exact
p(x) of Eq. (1), and the cost of summing over every hidden configuration.

Every function returns a ``CourseFigure`` built without ``pyplot``, with a text alternative that
states what it draws and its key numbers; a notebook shows it by leaving it last in a cell.
``FIGURES`` maps the file names that ``make figures`` writes to functions that take no arguments.
"""

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from hmlib._checks import as_array, as_count, as_data, as_int
from hmlib._checks import describe as describe_value
from hmlib.views._common import (
    FIGURE_WIDTH,
    GENERATIVE_COLOUR,
    MAX_PATTERN_UNITS,
    MAX_PATTERNS_SHOWN,
    RECOGNITION_COLOUR,
    as_probabilities,
    as_vector,
    check_same_length,
    count_text,
    describe,
    new_figure,
    plural,
    significant,
    sizes_text,
    styled,
)

MAX_DRAWN_UNITS = 10  # units of one layer in ``two_networks``: more arrows than that are unreadable
MAX_DRAWN_LAYERS = 8  # layers in ``two_networks``: the figure grows with the number of layers
UNIT_SPACING = 0.9  # distance between neighbouring units of a layer, in layer heights
RADIUS = 0.18  # of a unit's circle, in layer heights


# ---------------------------------------------------------------------------- notebook 00
def _layer_positions(sizes):
    """{(layer, unit): (x, y)} with layer 1 at the bottom and each layer centred on x = 0."""
    positions = {}
    for layer, n in enumerate(sizes, start=1):
        for unit in range(n):
            positions[(layer, unit)] = ((unit - (n - 1) / 2) * UNIT_SPACING, float(layer))
    return positions


def _half_width(sizes):
    """Half the width of the drawing of ``sizes``, in layer heights."""
    return max(sizes) * UNIT_SPACING / 2 + 0.4


def _draw_network(ax, sizes, direction, colour, title):
    positions = _layer_positions(sizes)
    for layer in range(1, len(sizes)):
        for i in range(sizes[layer - 1]):
            for j in range(sizes[layer]):
                below, above = positions[(layer, i)], positions[(layer + 1, j)]
                start, end = (below, above) if direction == "up" else (above, below)
                ax.add_patch(
                    FancyArrowPatch(
                        start, end, arrowstyle="-|>", mutation_scale=12, color=colour, lw=1.0,
                        alpha=0.75, shrinkA=RADIUS * 60, shrinkB=RADIUS * 60,
                    )
                )
    for (layer, _), (x, y) in positions.items():
        face = "0.8" if layer == 1 else "white"
        ax.add_patch(Circle((x, y), RADIUS, facecolor=face, edgecolor="black", lw=1.4, zorder=3))
    width = _half_width(sizes)
    ax.set_xlim(-width, width)
    ax.set_ylim(0.5, len(sizes) + 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks(range(1, len(sizes) + 1))
    ax.set_yticklabels(
        [f"layer {l}" + (" (data x)" if l == 1 else " (top)" if l == len(sizes) else "")
         for l in range(1, len(sizes) + 1)]
    )
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, color=colour)


@styled
def two_networks(sizes=(4, 3, 2)):
    """The Helmholtz machine's two networks side by side (notebook 00).

    Left: the recognition network, weights phi^{l-1,l} carrying the data upwards (Eqs. (7)-(8)).
    Right: the generative network, weights theta^{l+1,l} carrying causes downwards (Eq. (10)).
    Every unit is a circle (the data layer is grey), every weight an arrow, so the figure has
    ``2 * sum(sizes)`` circles and ``2 * sum(n_l * n_{l+1})`` arrows.

    sizes : sequence of ints (n_1, ..., n_L), two to MAX_DRAWN_LAYERS layers of 1 to
        MAX_DRAWN_UNITS units each.
    """
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if not isinstance(sizes, (list, tuple)):
        raise TypeError(f"sizes is {describe_value(sizes)}; expected a tuple of layer sizes such as (4, 3, 2)")
    if not 2 <= len(sizes) <= MAX_DRAWN_LAYERS:
        raise ValueError(f"sizes is {tuple(sizes)}; expected 2 to {MAX_DRAWN_LAYERS} layers of 1 to {MAX_DRAWN_UNITS} units each")
    sizes = tuple(as_int(n, f"sizes[{i}]", low=1, high=MAX_DRAWN_UNITS) for i, n in enumerate(sizes))
    # Each panel is as wide as the drawing allows: about 4 inches beside 1.6 inches of layer names,
    # and as tall as its aspect (2 * half width : number of layers) asks, at most 1.1 inches a layer.
    panel_width = (FIGURE_WIDTH - 1.6) / 2
    layer_height = min(1.1, panel_width / (2 * _half_width(sizes)))
    fig = new_figure(0.7 + layer_height * len(sizes))
    ax_rec, ax_gen = fig.subplots(1, 2, sharey=True)
    _draw_network(ax_rec, sizes, "up", RECOGNITION_COLOUR, "recognition network: $\\phi$, bottom-up")
    _draw_network(ax_gen, sizes, "down", GENERATIVE_COLOUR, "generative network: $\\theta$, top-down")
    ax_gen.tick_params(labelleft=False, left=False)
    ax_rec.tick_params(left=False)
    return describe(fig, _two_networks_text(sizes))


def _two_networks_text(sizes):
    """What ``two_networks`` draws: the units of each layer, and the arrows between layers."""
    links = list(zip(sizes[:-1], sizes[1:]))  # (n_l, n_{l+1}) for l = 1..L-1
    n_arrows = sum(a * b for a, b in links)
    between = ", ".join(f"{a} \u00d7 {b} from layer {layer} to layer {layer + 1}"
                        for layer, (a, b) in enumerate(links, start=1))
    return (
        f"Two diagrams of the same {sizes_text(sizes)} Helmholtz machine side by side, each with "
        f"{sum(sizes)} units drawn as circles in {len(sizes)} rows: layer 1 (the data x, "
        f"{plural(sizes[0], 'grey circle')}) at the bottom, layer {len(sizes)} "
        f"({plural(sizes[-1], 'unit')}) at the top. Left, the recognition network (weights \u03c6, blue): "
        f"{n_arrows} arrows pointing up ({between}). Right, the generative network (weights \u03b8, red): "
        f"the same {n_arrows} connections as arrows pointing down, from each layer to the one below. "
        "Both networks join the same units, with separate weights."
    )


# ---------------------------------------------------------------------------- notebook 01
@styled
def sample_frequencies(patterns, probabilities, frequencies, n_samples):
    """Exact p(x) (Eq. (1)) next to the frequencies of ``n_samples`` ancestral samples (notebook 01).

    patterns : ndarray, shape (K, n_1), binary, K <= MAX_PATTERNS_SHOWN, n_1 <= MAX_PATTERN_UNITS.
    probabilities, frequencies : ndarrays, shape (K,), values in [0, 1]. n_samples : int >= 1.
    """
    patterns = as_array(patterns, "patterns", ndim=2)
    patterns = as_data(patterns, patterns.shape[1], "patterns")
    if len(patterns) > MAX_PATTERNS_SHOWN or patterns.shape[1] > MAX_PATTERN_UNITS:
        raise ValueError(
            f"patterns has shape {patterns.shape}; expected at most {MAX_PATTERNS_SHOWN} patterns of at most "
            f"{MAX_PATTERN_UNITS} units (one labelled bar each)"
        )
    probabilities = as_probabilities(probabilities, "probabilities")
    frequencies = as_probabilities(frequencies, "frequencies")
    check_same_length([patterns[:, 0], probabilities, frequencies], ["patterns", "probabilities", "frequencies"])
    n_samples = as_count(n_samples, "n_samples")
    k = np.arange(len(probabilities))
    fig = new_figure(4.2)
    ax = fig.subplots()
    ax.bar(k - 0.2, probabilities, width=0.4, color="0.35", label="exact p(x), Eq. (1)")
    ax.bar(k + 0.2, frequencies, width=0.4, color=RECOGNITION_COLOUR, label=f"frequency in {n_samples} samples")
    ax.set_xticks(k)
    ax.set_xticklabels(["".join(str(int(v)) for v in row) for row in patterns], fontfamily="monospace",
                       rotation=0 if len(k) * (patterns.shape[1] + 2) <= 100 else 90)  # upright if they fit
    ax.set_xlim(-0.7, len(k) - 0.3)
    ax.set_xlabel("visible pattern x")
    ax.set_ylabel("probability")
    # above the plot: inside, it would cover the bars of some pattern
    ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, frameon=False)
    labels = ["".join(str(int(v)) for v in row) for row in patterns]
    return describe(fig, _frequencies_text(labels, probabilities, frequencies, n_samples))


def _frequencies_text(labels, probabilities, frequencies, n_samples):
    """What ``sample_frequencies`` draws: how closely the pairs of bars agree, and the tallest and
    shortest exact bars (a list of all K pairs would be too long to listen to)."""
    k = len(labels)
    order = np.argsort(-probabilities, kind="stable")  # most probable first
    gap = np.abs(frequencies - probabilities)  # (K,)
    worst = int(np.argmax(gap))
    top = ", ".join(f"{labels[i]} ({significant(probabilities[i])})" for i in order[:3])
    text = (
        f"Bar chart over {plural(k, 'visible pattern')} x, {labels[0]} to {labels[-1]}: for each, "
        f"the exact p(x) of Eq. (1) (grey bar) beside its frequency in {n_samples:,} samples (blue bar). "
        f"The largest difference between the two bars of a pattern is {significant(gap[worst])}, "
        f"at {labels[worst]} (p = {significant(probabilities[worst])}, frequency {significant(frequencies[worst])}). "
        f"Most probable: {top}."
    )
    if k > 3:
        text += f" Least probable: {labels[order[-1]]} ({significant(probabilities[order[-1]])})."
    return text


@styled
def enumeration_cost(n_hidden, n_terms):
    """Number of terms in the sum of Eq. (1) against the number of hidden units (log scale).

    n_hidden, n_terms : 1-D arrays of equal length; n_terms > 0 (the axis is logarithmic).
    """
    n_hidden = as_vector(n_hidden, "n_hidden")
    n_terms = as_vector(n_terms, "n_terms")
    check_same_length([n_hidden, n_terms], ["n_hidden", "n_terms"])
    if np.any(n_terms <= 0):
        raise ValueError(f"n_terms contains the value {n_terms[n_terms <= 0][0]:g}; expected counts > 0 (log scale)")
    fig = new_figure(3.8)
    ax = fig.subplots()
    ax.semilogy(n_hidden, n_terms, "o-", color=RECOGNITION_COLOUR, ms=7, lw=2)
    ax.set_xlabel("hidden units H")
    ax.set_ylabel("configurations z to sum over")
    ax.grid(True, which="major", alpha=0.3)
    return describe(fig, _cost_text(n_hidden, n_terms))


def _cost_text(n_hidden, n_terms):
    """What ``enumeration_cost`` draws: the first and last point, and, when the points lie on one
    straight line of the log scale, the factor per hidden unit."""
    text = (
        "Line plot with a logarithmic vertical axis: the number of hidden configurations z to sum over "
        f"in Eq. (1) against the number of hidden units H, from {count_text(n_terms[0], 2)} at "
        f"H = {count_text(n_hidden[0], 2)} to {count_text(n_terms[-1], 2)} at H = {count_text(n_hidden[-1], 2)}."
    )
    span = n_hidden[-1] - n_hidden[0]
    if span != 0:
        slope = (np.log(n_terms[-1]) - np.log(n_terms[0])) / span  # log of the factor per unit
        line = np.log(n_terms[0]) + slope * (n_hidden - n_hidden[0])  # (K,)
        if np.allclose(np.log(n_terms), line, rtol=0, atol=1e-6):
            text += (f" The points lie on a straight line: each extra hidden unit multiplies the count by "
                     f"{significant(np.exp(slope))}, exponential growth.")
    return text


FIGURES = {"two_networks.png": two_networks}
