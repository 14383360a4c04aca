"""Notebook 06, Eqs. (10)-(11): imaging models. The sigmoid against the odds rule, Eq. (11) and the
naive expression against the exact E_Q[p], and the imaging explorer: one odds unit with two
parents, three answers to "how likely is it on?".

The maths comes from ``hmlib.meanfield`` (``unit_probabilities``); this module only draws and
builds controls. Every figure carries a text alternative (``fig.alt``) that states its numbers;
the widget shows it with the PNG (``set_figure``). ``FIGURES`` maps the file names that ``make
figures`` writes to functions that take no arguments.
"""

import numpy as np

from hmlib import meanfield
from hmlib._checks import as_count, as_index, as_real, as_rng
from hmlib.views._common import (
    EQ11_COLOUR,
    EXACT_COLOUR,
    FIGURE_WIDTH,
    NAIVE_COLOUR,
    ROUNDOFF,
    SIGMOID_COLOUR,
    Repainter,
    as_inches,
    as_mapping,
    as_probabilities,
    as_vector,
    change_text,
    check_same_length,
    describe,
    fixed_decimals,
    minus,
    new_figure,
    plural,
    png_bytes,
    set_tick_size,
    significant,
    style,
    styled,
)
from hmlib.views._controls import READOUT_STYLE, Widget, float_slider, format_number

# Eq. (11)'s exact E_Q[p] sums over all 2^K states of a unit's K parents (meanfield.unit_probabilities):
MAX_PARENTS = 16  # 2^16 parent states, 8 MB and a tenth of a second per unit
MAX_ENUMERATED_STATES = 2**22  # parent states summed over in one figure: a few seconds
MAX_UNITS = 10_000  # random units in random_unit_comparison
MAX_ODDS = 1e6  # largest weight, bias or mean weight: p = 1 - 1e-6 already, and sums stay finite
SWEEP_POINTS = 41  # values of the swept mean, 0 to 1 in steps of 0.025
MAX_WEIGHT = 10.0  # the widget's weights: odds up to 10, p = 10/11 for one parent alone, enough to see saturation
MAX_BIAS = 2.0
CURVE_POINTS = (1.0, 4.0, 12.0)  # summed inputs at which the text alternative compares the two imaging rules
NEAR_ONE = 0.8  # the text alternative of eq11_against_exact reports the gaps of the units above this
SUBSCRIPTS = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")


def _check_enumeration(n_units, n_parents, cause):
    """Refuse, before any work, more than MAX_ENUMERATED_STATES parent states in all (``cause`` names the arguments)."""
    if n_units * 2**n_parents > MAX_ENUMERATED_STATES:
        raise ValueError(
            f"{cause} would sum over {n_units} x 2^{n_parents} = {n_units * 2**n_parents:,} parent states; "
            f"expected at most {MAX_ENUMERATED_STATES:,} (2^22)"
        )


# ---------------------------------------------------------------------------- figures
def _sigmoid(u):
    """The sigmoid imaging rule: p = 1 / (1 + exp(-u)), for any summed input u."""
    return 1 / (1 + np.exp(-u))


def _odds(u):
    """The odds rule of Dayan & Zemel (1995): p = u / (1 + u), for u >= 0 (the odds of being on are u)."""
    return u / (1 + u)


@styled
def imaging_curves():
    """p of one unit against its summed input u: the sigmoid sigma(u) and the odds rule u/(1+u)."""
    fig = new_figure(4.0)
    ax = fig.add_subplot()
    u = np.linspace(-6, 12, 400)
    ax.plot(u, _sigmoid(u), color=SIGMOID_COLOUR, lw=2.5, label="sigmoid  $\\sigma(u)$, any $u$")
    v = np.linspace(0.0, 12.0, 300)  # the odds rule is defined for u >= 0 only
    ax.plot(v, _odds(v), color=EQ11_COLOUR, lw=2.5, ls="--",
            label="odds rule  $u/(1+u)$, $u = b + \\sum s\\theta \\geq 0$")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("summed input $u$ (bias + weighted parents)")
    ax.set_ylabel("$p$(unit on)")
    ax.legend(loc="lower right")
    return describe(fig, _curves_text(u, v))


def _curves_text(u, v):
    """What ``imaging_curves`` draws over the inputs ``u`` (sigmoid) and ``v`` (odds rule): where
    each curve starts, and both at the inputs CURVE_POINTS."""
    points = ", ".join(f"{point:g}" for point in CURVE_POINTS[:-1]) + f" and {CURVE_POINTS[-1]:g}"
    sigmoid, odds = ([fixed_decimals(rule(point), 2) for point in CURVE_POINTS] for rule in (_sigmoid, _odds))
    return (
        "Two curves of p(unit on), from 0 to 1, against the summed input u (bias plus weighted parents). "
        f"The sigmoid \u03c3(u) (solid line) is drawn for every u from {minus(f'{u[0]:g}')} to {u[-1]:g}: it rises "
        f"from {significant(_sigmoid(u[0]))}, through {fixed_decimals(_sigmoid(0.0), 2)} at u = 0, "
        "symmetric about that point. "
        f"The odds rule u/(1+u) (dashed line) is drawn only for u from {v[0]:g} to {v[-1]:g}: it starts at "
        f"{fixed_decimals(_odds(v[0]), 2)} at u = {v[0]:g} and is {fixed_decimals(_odds(1.0), 2)} at u = 1. "
        f"At u = {points} the sigmoid is {', '.join(sigmoid[:-1])} and {sigmoid[-1]}, the odds rule "
        f"{', '.join(odds[:-1])} and {odds[-1]}: the odds rule approaches 1 much more slowly."
    )


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
    rows = [meanfield.unit_probabilities(rng.random(n_parents), rng.exponential(mean_weight, n_parents), bias)
            for _ in range(n)]
    return {key: np.array([r[key] for r in rows]) for key in ("exact", "eq11", "naive")}


@styled
def eq11_against_exact(comparison=None):
    """Scatter of Eq. (11) and the naive value against the exact E_Q[p] (``random_unit_comparison``).

    comparison : None (a fresh ``random_unit_comparison()``) or a dict of equally long 1-D arrays
    "exact", "eq11", "naive" of probabilities in [0, 1].
    """
    if comparison is None:
        comparison = random_unit_comparison()
    keys = ("exact", "eq11", "naive")
    as_mapping(comparison, "comparison", keys)
    arrays = [as_probabilities(comparison[key], f"comparison[{key!r}]") for key in keys]
    check_same_length(arrays, [f"comparison[{key!r}]" for key in keys])
    comparison = dict(zip(keys, arrays))
    fig = new_figure(4.6)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=EXACT_COLOUR, lw=1.2, label="exact $E_Q[p]$")
    ax.scatter(comparison["exact"], comparison["naive"], s=18, color=NAIVE_COLOUR, label="naive $1-1/(1+b+q\\theta)$")
    ax.scatter(comparison["exact"], comparison["eq11"], s=22, color=EQ11_COLOUR, marker="^", label="Eq. (11)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("exact $E_Q[p(s)]$ of the odds rule")
    ax.set_ylabel("mean-field value")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return describe(fig, _comparison_text(**comparison))


def _comparison_text(exact, eq11, naive):
    """What ``eq11_against_exact`` draws: on which side of the diagonal each expression lies, by
    how much, and how much near exact values above NEAR_ONE."""
    n = exact.size
    gaps = {"naive": naive - exact, "eq11": eq11 - exact}  # (n,) each
    text = (
        f"Scatter plot of {plural(n, 'random unit')} of the odds rule, each drawn twice at its exact E_Q[p] "
        f"(horizontal, here from {fixed_decimals(exact.min(), 2)} to {fixed_decimals(exact.max(), 2)}): "
        "its naive value 1 \u2212 1/(1 + b + q\u03b8) (circles) and its Eq. (11) value (triangles), against the "
        "diagonal where a value equals the exact one."
    )
    for name, key in (("Naive", "naive"), ("Eq. (11)", "eq11")):
        gap = gaps[key]
        text += (f" {name} \u2212 exact ranges from {significant(gap.min(), sign=True)} to "
                 f"{significant(gap.max(), sign=True)}, mean {significant(gap.mean(), sign=True)}: {_sides(gap)}.")
    near = exact > NEAR_ONE
    if 0 < near.sum() < n:
        closer = all(abs(gap[near].mean()) < abs(gap.mean()) for gap in gaps.values())
        text += (f" {'Near 1 both come closer to the diagonal: for' if closer else 'For'} the "
                 f"{plural(int(near.sum()), 'unit')} with exact E_Q[p] above {NEAR_ONE:g} the mean gaps are "
                 f"{significant(gaps['naive'][near].mean(), sign=True)} (naive) and "
                 f"{significant(gaps['eq11'][near].mean(), sign=True)} (Eq. (11)).")
    return text


def _sides(gap):
    """ "all 400 on or above the diagonal", "all 400 below it", or how many lie on each side."""
    above, n = int(np.sum(gap >= 0)), gap.size
    if above == n:
        return f"{'all ' if n > 1 else ''}{n} on or above the diagonal"
    if above == 0:
        return f"{'all ' if n > 1 else ''}{n} below the diagonal"
    return f"{above} on or above the diagonal, {n - above} below"


def _sweep(q, theta, b, unit):
    """{"eq11", "exact", "naive"}: arrays of shape (SWEEP_POINTS,) as q[unit] runs from 0 to 1
    (``q`` is a copy the sweep may write into)."""
    grid = np.linspace(0.0, 1.0, SWEEP_POINTS)
    curves = {"eq11": [], "exact": [], "naive": []}
    for value in grid:
        q[unit] = value
        result = meanfield.unit_probabilities(q, theta, b)
        for key in curves:
            curves[key].append(result[key])
    return grid, {key: np.array(values) for key, values in curves.items()}


class SweepView:
    """Eq. (11), the exact E_Q[p] and the naive value as the mean of one parent sweeps 0..1, with
    the current value marked; made once and redrawn in place (see ``ExplorerView``)."""

    def __init__(self, unit=0, width=FIGURE_WIDTH, height=3.8):
        width, height = as_inches(width, "width"), as_inches(height, "height")
        self.unit = unit
        with style():
            self.fig = new_figure(height, width, layout=None)
            self.fig.subplots_adjust(left=0.7 / width, right=1 - 0.3 / width, bottom=0.75 / height,
                                     top=1 - 0.45 / height)
            ax = self.ax = self.fig.subplots()
            empty = np.zeros(SWEEP_POINTS)
            (self.line_exact,) = ax.plot(empty, empty, color=EXACT_COLOUR, lw=2.5, label="exact $E_Q[p]$")
            (self.line_naive,) = ax.plot(empty, empty, color=NAIVE_COLOUR, lw=2.5, ls="--", label="naive")
            (self.line_eq11,) = ax.plot(empty, empty, color=EQ11_COLOUR, lw=2.5, ls="-.", label="Eq. (11)")
            self.marker = ax.axvline(0.0, color="grey", lw=1.2, label="current mean")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel(f"mean $q_{unit + 1}$ of parent {unit + 1}")
            ax.set_ylabel("$p$(unit on)")
            ax.legend(ncols=4, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, frameon=False)
        set_tick_size(self.fig)
        self._repainter = Repainter(self.fig, [self.line_exact, self.line_naive, self.line_eq11, self.marker])

    def update(self, grid, curves, marker=None, setting=""):
        """Draw the curves of ``_sweep`` and mark ``marker`` (None: no mark); ``setting`` names the
        fixed parameters ("q\u2082 = 0.50, \u03b8\u2081 = 3, ...") for the text alternative (``fig.alt``)."""
        for line, key in ((self.line_exact, "exact"), (self.line_naive, "naive"), (self.line_eq11, "eq11")):
            line.set_data(grid, curves[key])
        self.marker.set_visible(marker is not None)
        if marker is not None:
            self.marker.set_xdata([marker, marker])
        describe(self.fig, _sweep_text(self.unit, grid, curves, marker, setting))
        return self

    def png(self, dpi=None):
        """PNG bytes of the current view at ``dpi`` (default: the figure's; see ``ExplorerView.png``)."""
        if dpi is None or dpi == self.fig.dpi:
            return self._repainter.png()
        return png_bytes(self.fig, dpi)


def _sweep_text(unit, grid, curves, marker, setting):
    """What ``SweepView`` shows: where each curve starts and ends, the Jensen gap between the naive
    and the exact curve, and the three values at the marked mean, read off the drawn curves (exact
    for a mean on the grid, as the widget's always is), to 3 decimals as notebook 06 writes them."""
    q = f"q{unit + 1}".translate(SUBSCRIPTS)
    text = (f"Three curves of p(unit on), from 0 to 1, as the mean {q} of parent {unit + 1} goes from "
            f"{grid[0]:g} to {grid[-1]:g}" + (f", with {setting}" if setting else "") + ": ")
    names = (("exact", "the exact E_Q[p] (solid)"), ("naive", "the naive value (dashed)"),
             ("eq11", "Eq. (11) (dash-dotted)"))
    text += "; ".join(f"{name} {change_text(curves[key], lambda p: fixed_decimals(p, 2))}"
                      for key, name in names) + ". "
    gap = curves["naive"] - curves["exact"]  # (SWEEP_POINTS,), >= 0 by Jensen's inequality
    widest = int(np.argmax(gap))
    text += ("The naive curve is never below the exact one" if gap.min() >= -ROUNDOFF else
             "The naive curve dips below the exact one")
    text += f"; they are furthest apart, by {fixed_decimals(gap[widest], 2)}, at {q} = {grid[widest]:.3g}."
    if marker is not None:
        at = {key: fixed_decimals(np.interp(marker, grid, curves[key]), 3) for key in ("exact", "naive", "eq11")}
        text += (f" At the current {q} = {fixed_decimals(marker, 2)} (grey vertical line): exact {at['exact']}, "
                 f"naive {at['naive']}, Eq. (11) {at['eq11']}.")
    return text


def _check_sweep(q, theta, b, unit, marker):
    """The arguments of ``unit_probability_sweep``, checked; ``q`` is a new array."""
    q = as_vector(q, "q", low=0.0, high=1.0)  # a copy: the sweep writes into it
    if q.size > MAX_PARENTS:
        raise ValueError(f"q has {q.size} entries; expected at most MAX_PARENTS = {MAX_PARENTS} parents (2^K states each)")
    theta = as_vector(theta, "theta", low=0.0, high=MAX_ODDS)
    check_same_length([q, theta], ["q", "theta"])
    b = as_real(b, "b", low=0.0, high=MAX_ODDS)
    unit = as_index(unit, "unit", q.size)
    if marker is not None:
        marker = as_real(marker, "marker", low=0.0, high=1.0)
    return q, theta, b, unit, marker


def unit_probability_sweep(q, theta, b, unit=0, marker=None, width=FIGURE_WIDTH, height=3.8):
    """Eq. (11), exact E_Q[p] and naive value as the mean of parent ``unit`` sweeps 0..1 (the
    figure of notebook 06's widget), as a new Figure.

    q : parent means in [0, 1], shape (K,), K <= MAX_PARENTS; theta : weights in [0, MAX_ODDS],
    shape (K,); b : bias in [0, MAX_ODDS]; unit : index of the swept parent; marker : None or the
    q value to mark, in [0, 1]. width, height : inches.
    """
    q, theta, b, unit, marker = _check_sweep(q, theta, b, unit, marker)
    width, height = as_inches(width, "width"), as_inches(height, "height")
    setting = _setting_text(np.delete(q, unit), np.delete(np.arange(q.size), unit), theta, b)
    grid, curves = _sweep(q, theta, b, unit)
    return SweepView(unit, width, height).update(grid, curves, marker, setting).fig


def _setting_text(q_fixed, fixed, theta, b):
    """The parameters a sweep keeps fixed: "q\u2082 = 0.50, \u03b8\u2081 = 3, \u03b8\u2082 = 2.5, b = 0.05",
    for the parents ``fixed`` (indices) with means ``q_fixed`` and all the weights ``theta``."""
    means = [f"q{k + 1}".translate(SUBSCRIPTS) + f" = {fixed_decimals(value, 2)}"
             for k, value in zip(fixed, q_fixed)]
    weights = [f"\u03b8{k + 1}".translate(SUBSCRIPTS) + f" = {value:.3g}" for k, value in enumerate(theta)]
    return ", ".join(means + weights + [f"b = {b:.3g}"])


FIGURES = {
    "meanfield_imaging_curves.png": imaging_curves,
    "meanfield_eq11_vs_exact.png": eq11_against_exact,
}


# ---------------------------------------------------------------------------- the widget
class ImagingExplorer(Widget):
    """Eq. (11) against the exact E_Q[p] and the naive expression (build with ``imaging_explorer()``).

    Controls (``self.controls``): ``"q1"``, ``"q2"`` (parent means, 0..1), ``"theta1"``,
    ``"theta2"`` (weights, 0..MAX_WEIGHT) and ``"bias"`` (0..MAX_BIAS), each with a value box; an
    initial value outside its range raises ``ValueError``, one that is not a real number
    ``TypeError``. ``self.values`` holds ``eq11``, ``exact``, ``naive`` (probabilities),
    ``jensen_gap`` = naive - exact (>= 0) and ``eq11_error`` = eq11 - exact.
    """

    def __init__(self, q1=0.5, q2=0.5, theta1=3.0, theta2=1.0, bias=0.05):
        controls = {
            "q1": float_slider("parent 1 mean q₁", 0.0, 1.0, 0.05, q1, "q1"),
            "q2": float_slider("parent 2 mean q₂", 0.0, 1.0, 0.05, q2, "q2"),
            "theta1": float_slider("weight θ₁", 0.0, MAX_WEIGHT, 0.1, theta1, "theta1"),
            "theta2": float_slider("weight θ₂", 0.0, MAX_WEIGHT, 0.1, theta2, "theta2"),
            "bias": float_slider("bias b", 0.0, MAX_BIAS, 0.05, bias, "bias"),
        }
        self._view = SweepView(unit=0)  # one figure per widget, redrawn in place
        super().__init__(
            controls,
            "Two parents, on independently with probabilities q₁ and q₂; the unit follows the odds rule "
            "p = 1 &minus; 1/(1 + b + &Sigma; s&theta;). The naive value never falls below the exact one "
            "(Jensen). Type a value into a box and press Enter to set it exactly.",
        )

    def update(self):
        """Recompute the three probabilities and redraw (synchronously), with a text alternative
        that names the setting and the numbers drawn."""
        c = {name: float(control.value) for name, control in self.controls.items()}
        q, theta = [c["q1"], c["q2"]], [c["theta1"], c["theta2"]]
        result = meanfield.unit_probabilities(q, theta, c["bias"])
        self.values = dict(result, jensen_gap=result["naive"] - result["exact"], eq11_error=result["eq11"] - result["exact"])
        self.readout.value = (
            f"<div style='{READOUT_STYLE}'>"
            f"exact E_Q[p] = {format_number(result['exact'])}<br>"
            f"naive &nbsp;&nbsp;&nbsp;&nbsp; = {format_number(result['naive'])} "
            f"(gap {format_number(self.values['jensen_gap'])})<br>"
            f"Eq. (11) &nbsp;&nbsp; = {format_number(result['eq11'])} "
            f"(error {format_number(self.values['eq11_error'])})</div>"
        )
        grid, curves = _sweep(np.array(q), np.array(theta), c["bias"], 0)
        setting = _setting_text([c["q2"]], [1], theta, c["bias"])
        self._view.update(grid, curves, marker=c["q1"], setting=setting)
        self.set_figure(self._view.png(), self._view.fig.alt)


def imaging_explorer(**initial):
    """Build the imaging explorer of notebook 06; display it by leaving it last in a cell.

    Keyword arguments set the initial control values (q1, q2, theta1, theta2, bias).
    """
    return ImagingExplorer(**initial)
