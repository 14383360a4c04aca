"""Notebook 05, Eqs. (7)-(9): the factorial recognition model. Mean-field means against the exact
E_Q[s_j], the exact posterior against the best factorial Q, and the factorial-gap widget.

The computing is in ``hmlib.recognition_fit`` and ``hmlib.exact``; this module only draws and
builds controls. Every figure carries a text alternative (``fig.alt``) that states its numbers;
the widget shows it with the PNG (``set_figure``). ``FIGURES`` maps the file names that ``make
figures`` writes to functions that take no arguments.
"""

import numpy as np
from matplotlib.ticker import MaxNLocator

from hmlib._checks import as_count
from hmlib.recognition_fit import VISIBLE_UNITS, best_factorial_fit, pattern_string
from hmlib.views._common import (
    BLUE,
    FIGURE_WIDTH,
    GREEN,
    ORANGE,
    PURPLE,
    RECOGNITION_COLOUR,
    VERMILLION,
    Repainter,
    as_inches,
    as_probabilities,
    as_vector,
    check_same_length,
    describe,
    fixed_decimals,
    listing,
    new_figure,
    plural,
    png_bytes,
    set_tick_size,
    significant,
    sizes_text,
    style,
    styled,
)
from hmlib.views._controls import (
    N_SEEDS,
    READOUT_STYLE,
    Widget,
    format_number,
    int_slider,
)

MAX_CONFIGS = 32  # configurations drawn by posterior_against_q: the most probable ones
LAYER_STYLES = {2: ("o", BLUE), 3: ("s", VERMILLION), 4: ("^", GREEN), 5: ("D", PURPLE)}
OTHER_LAYER_STYLE = ("o", ORANGE)  # layers above 5
MARKER_NAMES = {2: "circles", 3: "squares", 4: "triangles", 5: "diamonds"}  # for the text alternative
OTHER_MARKER_NAME = "orange circles"
ON_DIAGONAL = 5e-4  # |q_j - E_Q[s_j]| below which the text says "on the diagonal": 0.000 to 3 decimals
UNITS_LISTED = 4  # a layer with more units than this is summarised by its farthest point
LAYERS_LISTED = 4  # more layers than this are summarised together
FACTORIAL_COLOUR = VERMILLION


# ---------------------------------------------------------------------------- mean field
@styled
def meanfield_against_expectation(expected, meanfield, layer_of_unit):
    """Eq. (9)'s mean-field means against the exact E_Q[s_j] of every hidden unit (notebook 05).

    expected, meanfield : ndarrays, shape (H,), probabilities in [0, 1]; layer_of_unit : ints >= 2
    (hidden layers), shape (H,).
    """
    expected = as_probabilities(expected, "expected")
    meanfield = as_probabilities(meanfield, "meanfield")
    layer_of_unit = as_vector(layer_of_unit, "layer_of_unit", low=2)
    check_same_length([expected, meanfield, layer_of_unit], ["expected", "meanfield", "layer_of_unit"])
    fractional = layer_of_unit != np.round(layer_of_unit)
    if np.any(fractional):
        raise ValueError(f"layer_of_unit contains {layer_of_unit[fractional][0]:g}; expected layer numbers (integers)")
    layer_of_unit = layer_of_unit.astype(int)
    fig = new_figure(4.4)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="0.6", lw=1.2, label="$q_j = E_Q[s_j]$")
    for layer in np.unique(layer_of_unit):
        mask = layer_of_unit == layer
        marker, colour = LAYER_STYLES.get(int(layer), OTHER_LAYER_STYLE)
        ax.plot(expected[mask], meanfield[mask], marker, ms=10, color=colour, mec="black", ls="none",
                label=f"layer {layer}", alpha=0.85)
    ax.set_xlabel("exact $E_Q[s_j]$ (Eqs. (7)-(8))")
    ax.set_ylabel("mean-field $q_j$ (Eq. (9))")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return describe(fig, _meanfield_text(expected, meanfield, layer_of_unit))


def _meanfield_text(expected, meanfield, layer_of_unit):
    """What ``meanfield_against_expectation`` draws: each layer's points, where they lie against
    the diagonal (listed one by one in a small layer, else the farthest one)."""
    layers = np.unique(layer_of_unit)
    text = (
        "Scatter plot of the mean-field mean q_j of Eq. (9) (vertical) against the exact E_Q[s_j] of "
        f"Eqs. (7)\u2013(8) (horizontal), both from 0 to 1, for {plural(expected.size, 'hidden unit')}; points on "
        "the grey diagonal agree."
    )
    if layers.size > LAYERS_LISTED:
        return text + f" {layers.size} layers, {layers[0]} to {layers[-1]}: {_points_text(expected, meanfield)}."
    for layer in layers:
        mask = layer_of_unit == layer
        name = MARKER_NAMES.get(int(layer), OTHER_MARKER_NAME)
        points = _points_text(expected[mask], meanfield[mask])
        text += f" Layer {layer} ({name}), {plural(int(mask.sum()), 'unit')}: {points}."
    return text


def _points_text(expected, meanfield):
    """Where the points (expected, meanfield) lie: one by one if there are at most UNITS_LISTED,
    else their range if all are on the diagonal, else how many are on it and the farthest from it."""
    distance = meanfield - expected  # (n,), vertical distance from the diagonal
    on = np.abs(distance) < ON_DIAGONAL
    if on.all() and on.size > UNITS_LISTED:
        return f"all on the diagonal, from {fixed_decimals(expected.min(), 2)} to {fixed_decimals(expected.max(), 2)}"
    if on.all():
        at = listing([fixed_decimals(e, 2) for e in expected])
        return f"{'on' if on.size == 1 else 'all on'} the diagonal, at {at}"
    if on.size <= UNITS_LISTED:
        return "; ".join(f"on the diagonal at {fixed_decimals(e, 2)}" if near else _point_text(e, m)
                         for e, m, near in zip(expected, meanfield, on))
    far = int(np.argmax(np.abs(distance)))
    return f"{int(on.sum())} of {on.size} on the diagonal; the farthest: {_point_text(expected[far], meanfield[far])}"


def _point_text(expected, meanfield):
    """ "exact 0.30, mean field 0.15, 0.14 below the diagonal"."""
    side = "below" if meanfield < expected else "above"
    return (f"exact {fixed_decimals(expected, 2)}, mean field {fixed_decimals(meanfield, 2)}, "
            f"{significant(abs(meanfield - expected))} {side} the diagonal")


def _small(value):
    """A probability that may be too small to see: "less than 0.001", else two significant digits."""
    return "less than 0.001" if value < 0.001 else significant(value)


# ---------------------------------------------------------------------------- P against Q
class PosteriorQView:
    """The exact posterior P_z (grey bars) next to the best layer-wise factorial Q (Eq. (7), dots)
    and the best fully factorial Q (crosses), over the ``max_configs`` most probable
    configurations (notebook 05), kept and redrawn in place like ``ExplorerView``.

    The legend stands above the plot, so it never hides a bar; the x axis always spans
    ``max_configs`` places, so only the y axis and the x label change between updates. ``update``
    also sets the figure's text alternative (``fig.alt``).
    """

    def __init__(self, max_configs=MAX_CONFIGS, width=FIGURE_WIDTH, height=4.0):
        self.max_configs = as_count(max_configs, "max_configs")
        width, height = as_inches(width, "width"), as_inches(height, "height")
        k = np.arange(self.max_configs)
        with style():
            self.fig = new_figure(height, width, layout=None)
            self.fig.subplots_adjust(left=0.7 / width, right=1 - 0.3 / width, bottom=0.75 / height,
                                     top=1 - 0.45 / height)
            ax = self.ax = self.fig.subplots()
            self.bars = ax.bar(k, np.zeros(k.size), width=0.8, color="0.7", label="exact posterior $P_z$")
            (self.line_layerwise,) = ax.plot(k, np.zeros(k.size), "o", color=RECOGNITION_COLOUR, ms=7,
                                             label="best layer-wise $Q_z$, Eq. (7)")
            (self.line_factorial,) = ax.plot(k, np.zeros(k.size), "x", color=FACTORIAL_COLOUR, ms=9, mew=2.5,
                                             label="best fully factorial $Q_z$")
            ax.set_xlim(-0.7, self.max_configs - 0.3)
            ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
            ax.set_ylabel("probability")
            self.xlabel = ax.set_xlabel(" ")
            ax.legend([self.bars, self.line_layerwise, self.line_factorial],
                      [artist.get_label() for artist in (self.bars, self.line_layerwise, self.line_factorial)],
                      ncols=3, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, frameon=False,
                      handletextpad=0.4, columnspacing=1.2)
        set_tick_size(self.fig)
        self._repainter = Repainter(self.fig, [*self.bars, self.line_layerwise, self.line_factorial, ax.yaxis,
                                               self.xlabel])

    def update(self, posterior, q_layerwise, q_factorial):
        """Show ``posterior``, ``q_layerwise``, ``q_factorial`` (ndarrays, shape (K,), probabilities
        in [0, 1]), the ``max_configs`` most probable configurations of the posterior first."""
        names = ["posterior", "q_layerwise", "q_factorial"]
        posterior, q_layerwise, q_factorial = arrays = [
            as_probabilities(a, name) for a, name in zip((posterior, q_layerwise, q_factorial), names)
        ]
        check_same_length(arrays, names)
        order = np.argsort(-posterior, kind="stable")[: self.max_configs]
        shown = order.size
        for i, bar in enumerate(self.bars):
            bar.set_height(posterior[order[i]] if i < shown else 0.0)
        k = np.arange(shown)
        self.line_layerwise.set_data(k, q_layerwise[order])
        self.line_factorial.set_data(k, q_factorial[order])
        top = max(float(posterior[order].max()), float(q_layerwise[order].max()), float(q_factorial[order].max()))
        self.ax.set_ylim(0.0, 1.08 * max(top, 1e-3))
        self.xlabel.set_text(f"configurations z, most probable first ({shown} of {posterior.size} shown)")
        shown_text = _posterior_q_text(posterior[order], q_layerwise[order], q_factorial[order], posterior.size)
        describe(self.fig, shown_text)
        return self

    def png(self, dpi=None):
        """PNG bytes of the current view at ``dpi`` (default: the figure's; see ``ExplorerView.png``)."""
        if dpi is None or dpi == self.fig.dpi:
            return self._repainter.png()
        return png_bytes(self.fig, dpi)


def _posterior_q_text(posterior, q_layerwise, q_factorial, total):
    """What ``PosteriorQView`` shows, given the shown configurations most probable first (shape
    (shown,) each) out of ``total``: the tallest bars with their Q, and how far each family
    misses the bars."""
    shown = posterior.size
    what = f"all {total}" if shown == total else f"the {shown} most probable of {total}"
    rows = [f"{significant(p)}, {significant(lw)} and {significant(ff)}"
            for p, lw, ff in zip(posterior[:3], q_layerwise[:3], q_factorial[:3])]
    names = ["the most probable", "the second", "the third"][:len(rows)]
    text = (
        f"Bar chart of the exact posterior P_z over {what} hidden configurations z, most probable first, from "
        f"{significant(posterior[0])} down to {_small(posterior[-1])}. On each bar, a dot for the best layer-wise Q_z "
        "of Eq. (7) and a cross for the best fully factorial Q_z. P_z, layer-wise Q_z and fully factorial Q_z "
        "of " + "; of ".join(f"{name}: {row}" for name, row in zip(names, rows)) + "."
    )
    for family, q in (("dots", q_layerwise), ("crosses", q_factorial)):
        miss = np.abs(q - posterior)  # (shown,)
        worst = int(np.argmax(miss))
        text += (f" The {family} miss a bar by at most {significant(miss[worst])} (bar {worst + 1}), "
                 f"by {significant(miss.sum())} summed over the bars.")
    return text


def posterior_against_q(posterior, q_layerwise, q_factorial, max_configs=MAX_CONFIGS, width=FIGURE_WIDTH,
                        height=4.0):
    """The exact posterior P_z next to the best layer-wise factorial Q (Eq. (7)) and the best
    fully factorial Q, over the ``max_configs`` most probable configurations (notebook 05), as a
    new Figure: see ``PosteriorQView``.

    posterior, q_layerwise, q_factorial : ndarrays, shape (K,), probabilities in [0, 1].
    max_configs : int >= 1. width, height : inches.
    """
    return PosteriorQView(max_configs, width, height).update(posterior, q_layerwise, q_factorial).fig


def factorial_gap_example():
    """FIGURES entry: P_z against the best Q_z for a seeded 4-3-2 machine (notebook 05)."""
    fit = best_factorial_fit(n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0)
    return posterior_against_q(fit["posterior"], fit["q_layerwise"], fit["q_factorial"])


FIGURES = {"factorial_gap.png": factorial_gap_example}


# ---------------------------------------------------------------------------- the widget
class FactorialGapExplorer(Widget):
    """How far the best factorial Q is from the exact posterior (notebook 05).

    Controls: ``"n_hidden_2"``, ``"n_hidden_3"`` (1..6 units), ``"pattern"`` (0..15), ``"seed"``
    (0..N_SEEDS-1); an initial value outside its range raises ``ValueError``.
    ``self.values`` holds ``kl_layerwise``, ``kl_factorial``, ``log_z`` (nats), ``x`` and ``sizes``.
    """

    MAX_UNITS = 6  # each fit runs BFGS on up to 2^12 configurations: under a second

    def __init__(self, n_hidden_2=2, n_hidden_3=2, pattern=11, seed=0):
        controls = {
            "n_hidden_2": int_slider("layer 2 units", 1, self.MAX_UNITS, n_hidden_2, "n_hidden_2"),
            "n_hidden_3": int_slider("layer 3 units", 1, self.MAX_UNITS, n_hidden_3, "n_hidden_3"),
            "pattern": int_slider("pattern x (index)", 0, 2**VISIBLE_UNITS - 1, pattern, "pattern"),
            "seed": int_slider("seed", 0, N_SEEDS - 1, seed, "seed"),
        }
        self._view = PosteriorQView()  # one figure per widget, redrawn in place
        super().__init__(
            controls,
            "Both Q are fitted to this x by minimising F. The layer-wise family (Eq. (7)) contains "
            "the fully factorial one, so its KL is never larger.",
        )

    def update(self):
        c = {name: control.value for name, control in self.controls.items()}
        fit = best_factorial_fit(c["n_hidden_2"], c["n_hidden_3"], c["pattern"], c["seed"])
        self.values = {"kl_layerwise": fit["kl_layerwise"], "kl_factorial": fit["kl_factorial"],
                       "log_z": fit["log_z"], "x": fit["x"].copy(), "sizes": fit["machine"].sizes}
        sizes = "&ndash;".join(str(n) for n in fit["machine"].sizes)
        self.readout.value = (
            f"<div style='{READOUT_STYLE}'>"
            f"x = {pattern_string(fit['x'])} &middot; machine {sizes}<br>"
            f"log Z = {format_number(fit['log_z'])}<br>"
            f"KL layer-wise = {format_number(fit['kl_layerwise'])}<br>"
            f"KL fully factorial = {format_number(fit['kl_factorial'])}<br><small>(nats)</small></div>"
        )
        self._view.update(fit["posterior"], fit["q_layerwise"], fit["q_factorial"])
        setting = (f"Machine {sizes_text(fit['machine'].sizes)}, x = {pattern_string(fit['x'])}, "
                   f"seed {c['seed']}: "
                   f"smallest KL found {significant(fit['kl_layerwise'])} nats for the layer-wise Q, "
                   f"{significant(fit['kl_factorial'])} nats for the fully factorial Q.")
        self.set_figure(self._view.png(), f"{setting} {self._view.fig.alt}")


def factorial_gap_explorer(**initial):
    """Build the widget of notebook 05 (keyword arguments: n_hidden_2, n_hidden_3, pattern, seed)."""
    return FactorialGapExplorer(**initial)
