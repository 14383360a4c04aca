"""Figures of notebooks 00-05: the two networks, the flat identity line, the free-energy trade-off.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot`` (so nothing is
left open in a global figure list); a notebook displays it by leaving it as the last expression
of a cell, and ``figure_to_png`` turns it into PNG bytes for a widget. The maths comes from
``hmlib.exact``; this module only draws.

``FIGURES`` maps the file names that ``make figures`` writes into ``figures/`` to functions that
take no arguments and draw a fixed, seeded example.
"""

import sys
from io import BytesIO

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from hmlib import exact
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
    """
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


def two_networks(sizes=(4, 3, 2)):
    """The Helmholtz machine's two networks side by side (notebook 00).

    Left: the recognition network, weights phi^{l-1,l} carrying the data upwards (Eqs. (7)-(8)).
    Right: the generative network, weights theta^{l+1,l} carrying causes downwards (Eq. (10)).
    Every unit is a circle (the data layer is grey), every weight an arrow, so the figure has
    ``2 * sum(sizes)`` circles and ``2 * sum(n_l * n_{l+1})`` arrows.

    sizes : sequence of ints (n_1, ..., n_L), at least two layers, each at most 10 units.
    """
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2 or min(sizes) < 1 or max(sizes) > 10:
        raise ValueError(f"sizes is {sizes}; expected at least two layers of 1 to 10 units each")
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

    patterns : ndarray, shape (K, n_1), binary; probabilities, frequencies : ndarrays, shape (K,).
    """
    patterns = np.asarray(patterns)
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
    """Number of terms in the sum of Eq. (1) against the number of hidden units (log scale)."""
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

    posterior, product_of_marginals : ndarrays, shape (2, 2), indexed [state of A, state of B].
    """
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
    Eq. (4). log_joint, log_posterior : ndarrays, shape (K,); log_z : float.
    """
    log_joint = np.asarray(log_joint, dtype=float)
    log_posterior = np.asarray(log_posterior, dtype=float)
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
        """Show the trajectory ``neg_f``, ``kl``, ``log_z`` (shape (N+1,), nats) at ``step``."""
        neg_f, kl, log_z = (np.asarray(a, dtype=float) for a in (neg_f, kl, log_z))
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

    expected, meanfield : ndarrays, shape (H,); layer_of_unit : ints, shape (H,).
    """
    expected = np.asarray(expected, dtype=float)
    meanfield = np.asarray(meanfield, dtype=float)
    layer_of_unit = np.asarray(layer_of_unit)
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

    posterior, q_layerwise, q_factorial : ndarrays, shape (K,).
    """
    posterior = np.asarray(posterior, dtype=float)
    order = np.argsort(-posterior, kind="stable")[:max_configs]
    k = np.arange(order.size)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    ax.bar(k, posterior[order], width=0.8, color="0.75", label="exact posterior $P_z$")
    ax.plot(k, np.asarray(q_layerwise)[order], "o", color=RECOGNITION_COLOUR, ms=5,
            label="best layer-wise $Q_z$, Eq. (7)")
    ax.plot(k, np.asarray(q_factorial)[order], "x", color=KL_COLOUR, ms=6, mew=2,
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
