"""Notebook 11: the importance-weighted bound and reweighted wake-sleep.

- ``bound_figure``: L_1 = -F <= L_2 <= ... against the constant log Z (the picture of notebook 04,
  continued), beside the bias of the K-sample theta update against K.
- ``gap_figure``: log Z - L_K against K on log-log axes, with its asymptote chi^2 / 2K.
- ``bars_kl_figure``: the final KL[p_data || p_model] of every seed, one column per method.

Every function returns a ``CourseFigure`` with a text alternative that states what it draws and
its key numbers. The computing is in ``hmlib.iwae`` and ``hmlib.rws``; this module only draws.
"""

import numpy as np
from matplotlib.ticker import MaxNLocator

from hmlib.views._common import (
    BLUE,
    CYCLE,
    MAX_ALT_CHARACTERS,
    FIGURE_WIDTH,
    LOG_Z_COLOUR,
    NEG_F_COLOUR,
    VERMILLION,
    as_inches,
    as_list,
    as_mapping,
    as_value,
    as_vector,
    check_same_length,
    count_text,
    describe,
    fixed_decimals,
    minus,
    new_figure,
    numpy_significant,
    plain_log_ticks,
    plural,
    styled,
)

PAPER_KL = 0.10  # bits: Hinton, Dayan, Frey & Neal (1995) on the bars
MAX_LISTED = 10  # bound_figure's text lists every value for at most this many K


@styled
def bound_figure(ks, bounds, log_z, biases, width=FIGURE_WIDTH, height=3.8):
    """Left: L_K against K (dots and line), -F = L_1 marked, log Z dashed; right: the bias of the
    K-sample theta step g_K as an estimate of d log p(x)/d theta.

    ks : sequence of K values (>= 1), increasing; bounds : L_K for each (nats, <= log Z);
    log_z : float, log p(x); biases : || E[K-sample theta update] - d log p(x)/d theta || for each K.
    """
    ks = as_vector(ks, "ks", low=1)
    bounds = as_vector(bounds, "bounds")
    biases = as_vector(biases, "biases", low=0.0)
    check_same_length([ks, bounds, biases], ["ks", "bounds", "biases"])
    log_z = as_value(log_z, "log_z")
    fig = new_figure(as_inches(height, "height"), as_inches(width, "width"))
    ax_bound, ax_bias = fig.subplots(1, 2)
    ax_bound.axhline(log_z, color=LOG_Z_COLOUR, linestyle="--", label=minus(f"log Z = {log_z:.3f}"))
    ax_bound.plot(ks, bounds, "o-", color=NEG_F_COLOUR, label="$L_K$")
    ax_bound.annotate(minus(f"L₁ = −F = {bounds[0]:.3f}"), (ks[0], bounds[0]), xytext=(10, 0),
                      textcoords="offset points", va="center", ha="left")
    low, high = min(bounds.min(), log_z), max(bounds.max(), log_z)
    ax_bound.set_ylim(low - 0.08 * (high - low + 1e-12), high + 0.12 * (high - low + 1e-12))
    ax_bound.set_xlabel("K, samples from Q")
    ax_bound.set_ylabel("nats")
    ax_bound.set_title("the bound tightens towards log Z")
    ax_bound.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_bound.legend(loc="lower right")
    ax_bias.plot(ks, biases, "o-", color=CYCLE[0])
    ax_bias.set_xlabel("K, samples from Q")
    ax_bias.set_ylabel("‖E[g_K] − ∇ log p(x)‖")
    ax_bias.set_title("the θ step's bias for log p, against K")
    ax_bias.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_bias.set_ylim(0, None)
    return describe(fig, _bound_text(ks, bounds, log_z, biases))


def _bound_text(ks, bounds, log_z, biases):
    """What ``bound_figure`` draws: L_K at every K against log Z, the gap at the first and last K,
    and the bias at every K (as ranges when the lists would be too long)."""
    below = bool(np.all(bounds <= log_z))
    listed = len(ks) <= MAX_LISTED
    values = (", ".join(f"{_value(b)}" for b in bounds) if listed
              else f"from {_value(bounds[0])} to {_value(bounds[-1])}")
    bias_values = (", ".join(f"{_value(b)}" for b in biases) if listed
                   else f"from {_value(biases[0])} to {_value(biases[-1])}")
    first, last = (count_text(k, numpy_style=True) for k in (ks[0], ks[-1]))
    text = (
        f"Two panels against K, the number of samples from Q, {first} to {last}. Left, in nats: the "
        f"importance-weighted bound L_K (green dots and line) {_trend(bounds)}: {values}; L₁ = −F = {_value(bounds[0])}. "
        f"The dashed line is log Z = {_value(log_z)}, "
        + ("above every L_K" if below else "below some L_K")
        + f"; the gap log Z − L_K is {_value(log_z - bounds[0])} at K = {first} and {_value(log_z - bounds[-1])} "
        f"at K = {last}. Right: the bias of the K-sample θ step for log p(x), ‖E[g_K] − ∇ log p(x)‖, "
        f"{_trend(biases)}: {bias_values}."
    )
    return text


def _trend(values):
    """ "rises", "falls", "stays constant" or "goes up and down", from the signs of the steps of ``values``."""
    steps = np.diff(values)
    if values.size < 2 or np.all(steps == 0):
        return "stays constant"
    if np.all(steps >= 0):
        return "rises"
    if np.all(steps <= 0):
        return "falls"
    return "goes up and down"


def _value(value):
    """A value as the notebook prints it: three decimals, with a typographic minus, never "−0.000"."""
    return fixed_decimals(value, 3)


@styled
def gap_figure(ks, gaps, chi_square, width=FIGURE_WIDTH, height=3.8):
    """log Z - L_K against K (circles, solid line) and the asymptote chi^2 / 2K (dashed), log-log;
    a dotted vertical line at K = chi^2, below which the asymptote overstates the gap.

    ks : sequence of K values (>= 1), increasing; gaps : log Z - L_K for each (nats, > 0);
    chi_square : float > 0, chi^2(P || Q) = Var_Q(w) / p(x)^2.
    """
    ks = as_vector(ks, "ks", low=1)
    gaps = as_vector(gaps, "gaps", low=1e-300)
    check_same_length([ks, gaps], ["ks", "gaps"])
    chi_square = as_value(chi_square, "chi_square", low=0.0, low_open=True)
    fig = new_figure(as_inches(height, "height"), as_inches(width, "width"))
    ax = fig.subplots()
    ax.plot(ks, gaps, "o-", color=BLUE, label="log Z − $L_K$, exact")
    ax.plot(ks, chi_square / (2 * ks), "--", color=VERMILLION, linewidth=2, label=minus(f"χ²/2K, χ² = {chi_square:.1f}"))
    ax.axvline(chi_square, color=LOG_Z_COLOUR, linestyle=":", label="K = χ²")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis, counts=True)
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("K, samples from Q")
    ax.set_ylabel("gap to log Z, nats")
    ax.set_title("the gap falls like 1/K only once K is well above χ²")
    ax.legend(loc="lower left")
    return describe(fig, _gap_text(ks, gaps, chi_square))


def _gap_text(ks, gaps, chi_square):
    """What ``gap_figure`` draws: the exact gap against the asymptote chi^2/2K at the first K, at
    the K nearest chi^2 and at the last K, as the ratio gap / asymptote."""
    asymptote = chi_square / (2 * ks)  # (m,)
    ratio = gaps / asymptote  # (m,)
    near = int(np.argmin(np.abs(np.log(ks / chi_square))))  # the K nearest chi^2 on the log axis
    shown = sorted({0, near, len(ks) - 1})
    points = "; ".join(f"K = {count_text(ks[i], numpy_style=True)}: gap {numpy_significant(gaps[i])}, "
                       f"asymptote {numpy_significant(asymptote[i])}, ratio {fixed_decimals(ratio[i], 2)}"
                       for i in shown)
    over = int(np.sum(asymptote > gaps))
    return (
        f"Log-log plot against K, the number of samples from Q, {count_text(ks[0], numpy_style=True)} to "
        f"{count_text(ks[-1], numpy_style=True)}: the exact gap log Z − L_K in nats (blue circles and line) and "
        f"the asymptote χ²/2K with χ² = {fixed_decimals(chi_square, 1)} (dashed "
        f"vermilion line, slope −1), with a dotted vertical line at K = χ². The gap {_trend(gaps)}. {points}. "
        f"The asymptote lies above the gap at {over} of {len(ks)} values of K; the ratio gap / asymptote "
        f"{_trend(ratio)}."
    )


@styled
def bars_kl_figure(runs, methods, width=FIGURE_WIDTH, height=3.6):
    """The final KL of every run, one column of dots per method, on a log scale; 0.10 bits dashed.

    runs : list of dicts with keys ``"method"`` and ``"kl_bits"``; methods : the columns, in order.
    """
    runs = [as_mapping(r, f"runs[{i}]", ("method", "kl_bits")) for i, r in enumerate(as_list(runs, "runs"))]
    methods = as_list(methods, "methods")
    fig = new_figure(as_inches(height, "height"), as_inches(width, "width"))
    ax = fig.subplots()
    for column, method in enumerate(methods):
        kls = as_vector([r["kl_bits"] for r in runs if r["method"] == method], f"the KLs of method {method!r}", low=1e-12)
        offsets = np.linspace(-0.15, 0.15, len(kls)) if len(kls) > 1 else np.zeros(1)
        ax.plot(column + offsets, kls, "o", color=CYCLE[column % len(CYCLE)], alpha=0.8)
        ax.plot([column - 0.25, column + 0.25], [np.median(kls)] * 2, color="black", linewidth=2)
    ax.axhline(PAPER_KL, color=LOG_Z_COLOUR, linestyle="--")
    ax.annotate("the 1995 paper: 0.10 bits", (0.5, PAPER_KL), xycoords=("axes fraction", "data"),
                xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ax.set_xticks(range(len(methods)), methods)
    ax.set_xlim(-0.6, len(methods) - 0.4)
    ax.set_ylabel("KL[p_data‖p_model], bits")
    ax.set_title("bars: final KL of every seed (bar = median)")
    return describe(fig, _bars_kl_text(runs, methods))


def _bars_kl_text(runs, methods):
    """What ``bars_kl_figure`` draws: for each method, its median (the black bar), how many of its
    runs are at or below the paper's 0.10 bits, and its range."""
    parts = []
    for method in methods:
        kls = np.array([float(r["kl_bits"]) for r in runs if r["method"] == method])  # (n,)
        parts.append(f"{method}, {plural(len(kls), 'run')}: median {numpy_significant(np.median(kls))}, "
                     f"{int(np.sum(kls <= PAPER_KL))} at or below {PAPER_KL:.2f}, from "
                     f"{numpy_significant(kls.min())} to {numpy_significant(kls.max())}")
    text = (
        f"Final KL[p_data‖p_model] in bits of every run on the bars, one column of dots per method, on a "
        f"logarithmic axis, a black bar at each median and a dashed line at the 1995 paper's {PAPER_KL:.2f} bits. "
        + "; ".join(parts) + "."
    )
    return text if len(text) <= MAX_ALT_CHARACTERS else text.split(" bits. ")[0] + " bits."


