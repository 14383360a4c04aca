"""Figures of notebooks 00-05: the two networks, the flat identity line, the free-energy trade-off.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot`` (so nothing is
left open in a global figure list); a notebook displays it by leaving it as the last expression
of a cell, and ``figure_to_png`` turns it into PNG bytes for a widget. The maths comes from
``hmlib.exact``; this module only draws.

``FIGURES`` maps the file names that ``make figures`` writes into ``figures/`` to functions that
take no arguments and draw a fixed, seeded example.

Every public function checks its arguments with the shared checks of ``hmlib._checks`` and raises
``TypeError`` (wrong kind) or ``ValueError`` (wrong value, shape or size) naming the argument. The
checks private to the views (figure sizes, text, equal lengths) are at the top of this module and
are shared by ``meanfield_plots`` and ``wakesleep_plots``.
"""

import sys
from collections.abc import Mapping
from io import BytesIO

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from hmlib import exact
from hmlib._checks import as_array, as_count, as_data, as_index, as_instance, as_int, as_real, describe
from hmlib.model import HelmholtzMachine

# Colours that survive a projector and colour-blindness (the first ones of the "tab10" cycle).
RECOGNITION_COLOUR = "#1f77b4"  # blue: bottom-up, phi
GENERATIVE_COLOUR = "#d62728"  # red: top-down, theta
NEG_F_COLOUR = "#2ca02c"  # green: -F
KL_COLOUR = "#ff7f0e"  # orange: KL(Q||P)
LOG_Z_COLOUR = "black"


def figure_to_png(fig, dpi=80):
    """PNG bytes of ``fig`` at ``dpi`` dots per inch; the figure is closed afterwards.

    This is how every widget in hmlib turns its figure into the bytes of an ``ipywidgets.Image``.
    ``dpi`` : at least ``MIN_DPI``, and small enough for at most ``MAX_PIXELS`` pixels a side.
    """
    as_instance(fig, Figure, "fig")
    dpi = _check_dpi(fig, dpi)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    _close(fig)
    return buffer.getvalue()


def _close(fig):
    """Release a figure: close it in pyplot if pyplot knows it, and drop its artists."""
    pyplot = sys.modules.get("matplotlib.pyplot")  # only if somebody already imported pyplot
    if pyplot is not None and pyplot.fignum_exists(getattr(fig, "number", -1)):
        pyplot.close(fig)
    fig.clear()


def _figure(width=6.0, height=3.5):
    return Figure(figsize=(width, height), layout="constrained")


# ---------------------------------------------------------------------------- argument checks
MAX_FIGURE_INCHES = 40.0  # the widest or tallest figure a view draws: a wall poster, not a typo
MAX_PIXELS = 2**14  # the most pixels a PNG may have on a side (a 2^14 x 2^14 RGBA image is 1 GiB)
MIN_DPI = 20.0  # below about 6 dots per inch FreeType cannot draw the labels at all
ROUNDOFF = 1e-9  # a computed KL may come out this far below 0, a computed probability this far outside [0, 1]
MAX_PLOTTED = 1e100  # largest |value| drawn: nothing in the course comes near; axes overflow near 1e300
MAX_PATTERNS_SHOWN = 256  # bars, grid cells or tick labels one figure draws, one per pattern
MAX_PATTERN_UNITS = 64  # units of a pattern written out as a tick label such as "1011"


def _as_inches(value, name):
    """A figure width or height in inches, > 0 and at most MAX_FIGURE_INCHES."""
    return as_real(value, name, low=0.0, low_open=True, high=MAX_FIGURE_INCHES)


def _check_figure_size(width, height, cause):
    """Refuse a figure whose size the data set (``cause`` names the arguments) beyond MAX_FIGURE_INCHES."""
    if max(width, height) > MAX_FIGURE_INCHES:
        raise ValueError(
            f"{cause} would make a figure of {width:.3g} x {height:.3g} inches; expected at most "
            f"{MAX_FIGURE_INCHES:g} inches a side (draw fewer at a time)"
        )


def _check_dpi(fig, dpi):
    """``dpi`` as a float >= MIN_DPI with which ``fig`` fits in MAX_PIXELS a side."""
    dpi = as_real(dpi, "dpi", low=MIN_DPI)
    width, height = (float(size) for size in fig.get_size_inches())
    if max(width, height) * dpi > MAX_PIXELS:
        raise ValueError(
            f"dpi is {dpi:g}; the {width:.3g} x {height:.3g}-inch figure would be "
            f"{width * dpi:.0f} x {height * dpi:.0f} pixels; expected at most {MAX_PIXELS} pixels a side"
        )
    return dpi


def _as_text(value, name):
    """A title or label: a ``str``, else ``TypeError``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} is {describe(value)}; expected a string")
    return value


def _as_value(value, name, low=-MAX_PLOTTED, high=MAX_PLOTTED, low_open=False):
    """A finite float to draw, within [low, high] (by default at most MAX_PLOTTED in magnitude)."""
    return as_real(value, name, low=low, high=high, low_open=low_open)


def _as_vector(values, name, low=None, high=None):
    """A new 1-D float array, not empty, with every entry within [low, high] (either may be None)
    and at most MAX_PLOTTED in magnitude."""
    arr = as_array(values, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected at least one value")
    _check_range(arr, name, -MAX_PLOTTED if low is None else low, MAX_PLOTTED if high is None else high)
    return arr


def _as_probabilities(values, name):
    """A new 1-D float array of probabilities: in [0, 1] up to ROUNDOFF (sums of products may reach 1 + 1e-16)."""
    return _as_vector(values, name, low=-ROUNDOFF, high=1.0 + ROUNDOFF)


def _check_range(arr, name, low=None, high=None):
    """Refuse an entry of ``arr`` below ``low`` or above ``high`` (either may be None)."""
    bad = np.zeros(arr.shape, dtype=bool)
    if low is not None:
        bad |= arr < low
    if high is not None:
        bad |= arr > high
    if np.any(bad):
        limits = " and ".join(t for t in (low is not None and f">= {low:g}", high is not None and f"<= {high:g}") if t)
        raise ValueError(f"{name} contains the value {arr[bad][0]:g}; expected values {limits}")


def _check_same_length(arrays, names):
    """Check that 1-D arrays have equal lengths; the first one sets the length."""
    for arr, name in zip(arrays[1:], names[1:]):
        if arr.size != arrays[0].size:
            raise ValueError(f"{name} has {arr.size} entries and {names[0]} {arrays[0].size}; expected equal lengths")


def _as_array_or_inf(values, name, ndim):
    """``as_array``, except that +inf is allowed (a KL is +inf where one distribution puts mass the
    other lacks); NaN and -inf are still refused."""
    if values is None or isinstance(values, (str, bytes, dict, set)):
        return as_array(values, name, ndim)  # raises the TypeError
    try:
        raw = np.asarray(values)
    except ValueError:
        return as_array(values, name, ndim)  # raises the ValueError of a ragged array
    if raw.dtype.kind != "f":
        return as_array(raw, name, ndim)
    infinite = np.isposinf(raw)
    arr = as_array(np.where(infinite, 0.0, raw), name, ndim)  # refuses NaN, -inf, the wrong ndim
    _check_range(arr, name, -MAX_PLOTTED, MAX_PLOTTED)
    arr[infinite] = np.inf
    return arr


def _as_mapping(value, name, keys):
    """A mapping (dict) that has every key in ``keys``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} is {describe(value)}; expected a dict with the keys {tuple(keys)}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise ValueError(f"{name} has no key {missing[0]!r}; expected a dict with the keys {tuple(keys)}")
    return value


def _as_list(value, name):
    """A non-empty list or tuple (of runs, curves...)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} is {describe(value)}; expected a list")
    if not value:
        raise ValueError(f"{name} is empty; expected at least one entry")
    return value


# ---------------------------------------------------------------------------- notebook 00
def _layer_positions(sizes, x_centre):
    """{(layer, unit): (x, y)} with layer 1 at the bottom; units spread around ``x_centre``."""
    positions = {}
    for layer, n in enumerate(sizes, start=1):
        for unit in range(n):
            positions[(layer, unit)] = (x_centre + (unit - (n - 1) / 2) * 0.9, float(layer))
    return positions


def _draw_network(ax, sizes, direction, colour, title):
    radius = 0.18
    positions = _layer_positions(sizes, 0.0)
    for layer in range(1, len(sizes)):
        for i in range(sizes[layer - 1]):
            for j in range(sizes[layer]):
                below, above = positions[(layer, i)], positions[(layer + 1, j)]
                start, end = (below, above) if direction == "up" else (above, below)
                ax.add_patch(
                    FancyArrowPatch(
                        start, end, arrowstyle="-|>", mutation_scale=9, color=colour, lw=0.8,
                        alpha=0.7, shrinkA=radius * 40, shrinkB=radius * 40,
                    )
                )
    for (layer, _), (x, y) in positions.items():
        face = "0.85" if layer == 1 else "white"
        ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="black", lw=1.2, zorder=3))
    width = max(sizes) * 0.9 / 2 + 0.4
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
    ax.set_title(title, color=colour, fontsize=10)


MAX_DRAWN_UNITS = 10  # units of one layer in ``two_networks``: more arrows than that are unreadable
MAX_DRAWN_LAYERS = 8  # layers in ``two_networks``: the figure grows 0.8 inches a layer


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
        raise TypeError(f"sizes is {describe(sizes)}; expected a tuple of layer sizes such as (4, 3, 2)")
    if not 2 <= len(sizes) <= MAX_DRAWN_LAYERS:
        raise ValueError(f"sizes is {tuple(sizes)}; expected 2 to {MAX_DRAWN_LAYERS} layers of 1 to {MAX_DRAWN_UNITS} units each")
    sizes = tuple(as_int(n, f"sizes[{i}]", low=1, high=MAX_DRAWN_UNITS) for i, n in enumerate(sizes))
    fig = _figure(7.0, 0.5 + 0.8 * len(sizes))
    ax_rec, ax_gen = fig.subplots(1, 2, sharey=True)
    _draw_network(ax_rec, sizes, "up", RECOGNITION_COLOUR, "recognition network: $\\phi$, bottom-up")
    _draw_network(ax_gen, sizes, "down", GENERATIVE_COLOUR, "generative network: $\\theta$, top-down")
    ax_gen.tick_params(labelleft=False, left=False)
    ax_rec.tick_params(left=False)
    return fig


# ---------------------------------------------------------------------------- notebook 01
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
    probabilities = _as_probabilities(probabilities, "probabilities")
    frequencies = _as_probabilities(frequencies, "frequencies")
    _check_same_length([patterns[:, 0], probabilities, frequencies], ["patterns", "probabilities", "frequencies"])
    n_samples = as_count(n_samples, "n_samples")
    k = np.arange(len(probabilities))
    fig = _figure(7.0, 3.2)
    ax = fig.subplots()
    ax.bar(k - 0.2, probabilities, width=0.4, color="0.3", label="exact p(x), Eq. (1)")
    ax.bar(k + 0.2, frequencies, width=0.4, color=RECOGNITION_COLOUR, label=f"frequency in {n_samples} samples")
    ax.set_xticks(k)
    ax.set_xticklabels(["".join(str(int(v)) for v in row) for row in patterns], rotation=90, fontsize=8)
    ax.set_xlabel("visible pattern x")
    ax.set_ylabel("probability")
    ax.legend(fontsize=8)
    return fig


def enumeration_cost(n_hidden, n_terms):
    """Number of terms in the sum of Eq. (1) against the number of hidden units (log scale).

    n_hidden, n_terms : 1-D arrays of equal length; n_terms > 0 (the axis is logarithmic).
    """
    n_hidden = _as_vector(n_hidden, "n_hidden")
    n_terms = _as_vector(n_terms, "n_terms")
    _check_same_length([n_hidden, n_terms], ["n_hidden", "n_terms"])
    if np.any(n_terms <= 0):
        raise ValueError(f"n_terms contains the value {n_terms[n_terms <= 0][0]:g}; expected counts > 0 (log scale)")
    fig = _figure(5.0, 3.0)
    ax = fig.subplots()
    ax.semilogy(n_hidden, n_terms, "o-", color=RECOGNITION_COLOUR)
    ax.set_xlabel("hidden units H")
    ax.set_ylabel("configurations z to sum over")
    ax.grid(True, which="major", alpha=0.3)
    return fig


# ---------------------------------------------------------------------------- notebook 02
def posterior_grid(posterior, product_of_marginals, labels=("cause A", "cause B")):
    """The exact 2x2 posterior of two causes next to the product of its marginals (notebook 02).

    posterior, product_of_marginals : ndarrays, shape (2, 2), indexed [state of A, state of B],
    probabilities in [0, 1]. labels : two strings, the names of the causes.
    """
    tables = []
    for name, table in (("posterior", posterior), ("product_of_marginals", product_of_marginals)):
        table = as_array(table, name)
        if table.shape != (2, 2):
            raise ValueError(f"{name} has shape {table.shape}; expected (2, 2), indexed [state of A, state of B]")
        _check_range(table, name, -ROUNDOFF, 1.0 + ROUNDOFF)
        tables.append(table)
    posterior, product_of_marginals = tables
    if not isinstance(labels, (list, tuple)):
        raise TypeError(f"labels is {describe(labels)}; expected two strings such as ('cause A', 'cause B')")
    if len(labels) != 2:
        raise ValueError(f"labels has {len(labels)} entries; expected two, one per cause")
    labels = [_as_text(label, f"labels[{i}]") for i, label in enumerate(labels)]
    fig = _figure(6.0, 2.8)
    axes = fig.subplots(1, 2)
    for ax, table, title in zip(axes, (posterior, product_of_marginals),
                                ("exact posterior $P_z$, Eq. (3)", "product of its marginals")):
        image = ax.imshow(np.asarray(table), cmap="viridis", vmin=0.0, vmax=1.0, origin="lower")
        for (a, b), value in np.ndenumerate(np.asarray(table)):
            ax.text(b, a, f"{value:.2f}", ha="center", va="center",
                    color="white" if value < 0.6 else "black", fontsize=11)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_xlabel(f"{labels[1]} (0 = off, 1 = on)")
        ax.set_ylabel(f"{labels[0]}")
        ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=axes, shrink=0.8, label="probability")
    return fig


# ---------------------------------------------------------------------------- notebook 03
def identity_flat_line_plot(log_joint, log_posterior, log_z):
    """-E_z, log P_z and their difference -E_z - log P_z over every configuration z (notebook 03).

    The first two vary wildly with z; their difference is the same number, log Z, for every z:
    Eq. (4). log_joint, log_posterior : ndarrays, shape (K,), finite; log_z : float.
    """
    log_joint = _as_vector(log_joint, "log_joint")
    log_posterior = _as_vector(log_posterior, "log_posterior")
    _check_same_length([log_joint, log_posterior], ["log_joint", "log_posterior"])
    log_z = _as_value(log_z, "log_z")
    k = np.arange(log_joint.size)
    fig = _figure(6.0, 3.5)
    ax = fig.subplots()
    ax.plot(k, log_joint, "o", ms=4, color=GENERATIVE_COLOUR, label="$-\\mathcal{E}_z = \\log p(x, z)$")
    ax.plot(k, log_posterior, "s", ms=4, color=RECOGNITION_COLOUR, label="$\\log P_z$")
    ax.plot(k, log_joint - log_posterior, "-", lw=2.5, color=NEG_F_COLOUR,
            label="$-\\mathcal{E}_z - \\log P_z$")
    ax.axhline(log_z, color=LOG_Z_COLOUR, ls="--", lw=1, zorder=3, label=f"$\\log Z$ = {log_z:.3f}")
    ax.set_xlabel("hidden configuration z (index)")
    ax.set_ylabel("nats")
    ax.legend(fontsize=8, loc="lower left")
    return fig


def identity_flat_line():
    """FIGURES entry: the flat line of Eq. (4) for a seeded 4-2-2 machine and x = 1011.

    log P_z is the log of ``exact.posterior`` (the normalised joint), not log p(x, z) - log Z, so
    the flatness of the line is a check, not a construction.
    """
    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    log_joint = exact.log_joint(hm, x)[0]  # (16,)
    log_posterior = np.log(exact.posterior(hm, x)[0])  # (16,)
    return identity_flat_line_plot(log_joint, log_posterior, float(exact.log_evidence(hm, x)[0]))


# ---------------------------------------------------------------------------- notebook 04
class ExplorerView:
    """The free-energy explorer's figure (notebook 04), kept and redrawn in place.

    Left: -F as a bar down from 0 with KL stacked on it, meeting the dashed line log Z (Eq. (6));
    all in nats, and -F <= log Z <= 0 for binary data, so the -F bar points down. Right: the
    training trajectory, -F (line), KL (the band above it) and log Z (dashed) against the step.

    The figure and its artists are made once and only their data change, and the labels are
    plain text (no mathtext): a widget redraws this on every control change.
    """

    def __init__(self, width=6.4, height=3.0):
        width, height = _as_inches(width, "width"), _as_inches(height, "height")
        self.fig = Figure(figsize=(width, height), dpi=80)
        self.fig.subplots_adjust(left=0.11, right=0.98, bottom=0.16, top=0.9, wspace=0.22)
        self.ax_bar, self.ax_traj = self.fig.subplots(1, 2, width_ratios=(1, 2.8))
        ax = self.ax_bar
        self.bar_neg_f = ax.bar([0], [-1.0], width=0.6, color=NEG_F_COLOUR)[0]
        self.bar_kl = ax.bar([0], [0.5], bottom=[-1.0], width=0.6, color=KL_COLOUR)[0]
        self.bar_log_z = ax.axhline(-0.5, color=LOG_Z_COLOUR, ls="--", lw=1.5)
        ax.axhline(0.0, color="0.6", lw=0.8)
        self.text_neg_f = ax.text(0.33, -0.5, "\u2212F", va="center", fontsize=9, color=NEG_F_COLOUR)
        self.text_kl = ax.text(0.33, -0.75, "KL", va="center", fontsize=9, color=KL_COLOUR)
        self.text_log_z = ax.text(-0.3, -0.5, "log Z", va="bottom", fontsize=9)
        ax.set_xlim(-0.45, 0.6)
        ax.set_xticks([])
        ax.set_ylabel("nats")
        ax.set_title("log Z = \u2212F + KL", fontsize=10)
        ax = self.ax_traj
        self.band = None
        (self.line_neg_f,) = ax.plot([0, 1], [0, 0], color=NEG_F_COLOUR, lw=2)
        (self.line_log_z,) = ax.plot([0, 1], [0, 0], color=LOG_Z_COLOUR, ls="--", lw=1.5)
        self.step_line = ax.axvline(0, color="0.4", lw=1)
        (self.step_marker,) = ax.plot([0], [0], "o", color=NEG_F_COLOUR)
        ax.set_xlabel("gradient steps on the recognition weights")
        ax.set_title("training Q: \u2212F rises, KL falls, log Z stays", fontsize=10)
        ax.tick_params(labelleft=False)
        for axis in (ax.xaxis, ax.yaxis, self.ax_bar.yaxis):
            axis.set_major_locator(MaxNLocator(5))  # few tick labels: text is most of the drawing time
        # direct labels at the right end of the curves instead of a legend (cheaper to draw)
        self.label_neg_f = ax.text(0, 0, "\u2212F", ha="right", va="top", fontsize=9, color=NEG_F_COLOUR)
        self.label_kl = ax.text(0, 0, "KL", ha="left", va="center", fontsize=9, color=KL_COLOUR)
        self.label_log_z = ax.text(0, 0, "log Z", ha="right", va="bottom", fontsize=9)

    def update(self, neg_f, kl, log_z, step):
        """Show the trajectory ``neg_f``, ``kl``, ``log_z`` (shape (N+1,), finite, nats, KL >= 0) at
        ``step``, an int from 0 to N."""
        neg_f = _as_vector(neg_f, "neg_f")
        kl = _as_vector(kl, "kl", low=-ROUNDOFF)
        log_z = _as_vector(log_z, "log_z")
        _check_same_length([neg_f, kl, log_z], ["neg_f", "kl", "log_z"])
        step = as_index(step, "step", neg_f.size)
        steps = np.arange(neg_f.size)
        f_now, kl_now, z_now = float(neg_f[step]), float(kl[step]), float(log_z[step])
        self.bar_neg_f.set_height(f_now)
        self.bar_kl.set_y(f_now)
        self.bar_kl.set_height(kl_now)
        self.bar_log_z.set_ydata([z_now, z_now])
        self.text_neg_f.set_y(f_now / 2)
        self.text_kl.set_y(f_now + kl_now / 2)
        self.text_log_z.set_y(z_now)
        if self.band is not None:
            self.band.remove()
        self.band = self.ax_traj.fill_between(steps, neg_f, neg_f + kl, color=KL_COLOUR, alpha=0.35, lw=0)
        self.line_neg_f.set_data(steps, neg_f)
        self.line_log_z.set_data(steps, log_z)
        self.step_line.set_xdata([step, step])
        self.step_marker.set_data([step], [f_now])
        self.ax_traj.set_xlim(0, max(steps[-1], 1))
        end, scale = steps[-1], abs(float(neg_f.min()))
        self.label_neg_f.set_position((end, float(neg_f[-1]) - 0.02 * scale))
        self.label_kl.set_position((0.3, float(neg_f[0] + kl[0] / 2)))  # the band is widest at the start
        self.label_kl.set_visible(float(kl[0]) > 0.1 * scale)  # only where the band is wide enough
        self.label_log_z.set_position((end, float(log_z[-1])))
        low = min(float(np.min(neg_f)), float(np.min(log_z)))
        for ax in (self.ax_bar, self.ax_traj):
            ax.set_ylim(1.08 * low, 0.05 * abs(low) + 1e-3)
        return self

    def png(self, dpi=80):
        """PNG bytes of the current view (the figure stays open for the next update)."""
        dpi = _check_dpi(self.fig, dpi)
        buffer = BytesIO()
        self.fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})  # fast to encode
        return buffer.getvalue()


def explorer_figure(neg_f, kl, log_z, step, width=6.4, height=3.0):
    """The free-energy explorer's view (notebook 04) as a new Figure: see ``ExplorerView``.

    neg_f, kl, log_z : ndarrays, shape (N+1,), their values after 0..N gradient steps (nats).
    """
    return ExplorerView(width, height).update(neg_f, kl, log_z, step).fig


def free_energy_tradeoff():
    """FIGURES entry: the explorer's view for its default settings after 20 gradient steps."""
    from hmlib.widgets import explorer_trajectory

    trajectory = explorer_trajectory(n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0)
    return explorer_figure(trajectory["neg_f"], trajectory["kl"], trajectory["log_z"], step=20)


# ---------------------------------------------------------------------------- notebook 05
def meanfield_against_expectation(expected, meanfield, layer_of_unit):
    """Eq. (9)'s mean-field means against the exact E_Q[s_j] of every hidden unit (notebook 05).

    expected, meanfield : ndarrays, shape (H,), probabilities in [0, 1]; layer_of_unit : ints >= 2
    (hidden layers), shape (H,).
    """
    expected = _as_probabilities(expected, "expected")
    meanfield = _as_probabilities(meanfield, "meanfield")
    layer_of_unit = _as_vector(layer_of_unit, "layer_of_unit", low=2)
    _check_same_length([expected, meanfield, layer_of_unit], ["expected", "meanfield", "layer_of_unit"])
    fractional = layer_of_unit != np.round(layer_of_unit)
    if np.any(fractional):
        raise ValueError(f"layer_of_unit contains {layer_of_unit[fractional][0]:g}; expected layer numbers (integers)")
    layer_of_unit = layer_of_unit.astype(int)
    fig = _figure(4.2, 3.6)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="0.6", lw=1)
    markers = {2: "o", 3: "s", 4: "^", 5: "D"}
    for layer in np.unique(layer_of_unit):
        mask = layer_of_unit == layer
        ax.plot(expected[mask], meanfield[mask], markers.get(int(layer), "o"), ms=7,
                label=f"layer {layer}", alpha=0.8)
    ax.set_xlabel("exact $E_Q[s_j]$ (Eqs. (7)-(8))")
    ax.set_ylabel("mean-field $q_j$ (Eq. (9))")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
    return fig


def posterior_against_q(posterior, q_layerwise, q_factorial, max_configs=32, width=6.4, height=3.0):
    """The exact posterior P_z next to the best layer-wise factorial Q (Eq. (7)) and the best
    fully factorial Q, over the ``max_configs`` most probable configurations (notebook 05).

    posterior, q_layerwise, q_factorial : ndarrays, shape (K,), probabilities in [0, 1].
    max_configs : int >= 1. width, height : inches.
    """
    names = ["posterior", "q_layerwise", "q_factorial"]
    posterior, q_layerwise, q_factorial = arrays = [
        _as_probabilities(a, name) for a, name in zip((posterior, q_layerwise, q_factorial), names)
    ]
    _check_same_length(arrays, names)
    max_configs = as_count(max_configs, "max_configs")
    width, height = _as_inches(width, "width"), _as_inches(height, "height")
    order = np.argsort(-posterior, kind="stable")[:max_configs]
    k = np.arange(order.size)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    ax.bar(k, posterior[order], width=0.8, color="0.75", label="exact posterior $P_z$")
    ax.plot(k, q_layerwise[order], "o", color=RECOGNITION_COLOUR, ms=5,
            label="best layer-wise $Q_z$, Eq. (7)")
    ax.plot(k, q_factorial[order], "x", color=KL_COLOUR, ms=6, mew=2,
            label="best fully factorial $Q_z$")
    ax.set_xlabel(f"configurations z, most probable first (top {order.size} of {posterior.size})")
    ax.set_ylabel("probability")
    ax.legend(fontsize=7)
    return fig


def factorial_gap_example():
    """FIGURES entry: P_z against the best Q_z for a seeded 4-3-2 machine (notebook 05)."""
    from hmlib.widgets import best_factorial_fit

    fit = best_factorial_fit(n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0)
    return posterior_against_q(fit["posterior"], fit["q_layerwise"], fit["q_factorial"])


FIGURES = {
    "two_networks.png": two_networks,
    "identity_flat_line.png": identity_flat_line,
    "free_energy_tradeoff.png": free_energy_tradeoff,
    "factorial_gap.png": factorial_gap_example,
}
