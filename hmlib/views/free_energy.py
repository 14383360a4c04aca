"""Notebook 04, Eq. (6): log Z = -F + KL. The explorer's figure and the free-energy explorer.

- ``ExplorerView`` / ``explorer_figure``: the identity as a waterfall (-F, then KL added to it,
  giving log Z) beside the training trajectory of exact gradient ascent on -F: -F rises, KL
  falls, log Z stays put.
- ``free_energy_explorer()``: the widget; its sliders choose the machine, the pattern x, the seed
  and the number of training steps, and it redraws the view in place.

The computing is in ``hmlib.recognition_fit``; this module only draws and builds controls. The
figure carries a text alternative (``fig.alt``) that states its numbers; the widget shows it with
the PNG (``set_figure``), after the setting it was drawn for.
"""

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from hmlib._checks import as_index
from hmlib.model import HelmholtzMachine
from hmlib.recognition_fit import (
    MAX_LAYER_UNITS,
    N_STEPS,
    VISIBLE_UNITS,
    explorer_trajectory,
    pattern_string,
)
from hmlib.views._common import (
    FIGURE_WIDTH,
    KL_COLOUR,
    KL_HATCH,
    LOG_Z_COLOUR,
    NEG_F_COLOUR,
    ROUNDOFF,
    SMALL_FONT_SIZE,
    Repainter,
    as_inches,
    as_vector,
    change_text,
    check_same_length,
    describe,
    fixed_decimals,
    minus,
    new_figure,
    png_bytes,
    set_tick_size,
    sizes_text,
    style,
)
from hmlib.views._controls import (
    N_SEEDS,
    READOUT_STYLE,
    Widget,
    format_number,
    int_slider,
)

BAR_WIDTH = 0.6  # of each waterfall bar; the bars stand at x = 0, 1, 2


class ExplorerView:
    """The free-energy explorer's figure (notebook 04), kept and redrawn in place.

    Left, a waterfall that reads from left to right as -F + KL = log Z (Eq. (6)), in nats:
    the bar "-F" from 0 down to -F; the bar "+ KL" from -F up by KL (hatched); the bar "= log Z"
    from 0 down to log Z, whose end is level with the top of the KL bar (dotted connectors show
    it). For binary data -F <= log Z <= 0, so the bars hang down from 0. The names and values
    are the tick labels under the bars, so they never overlap a bar or each other.
    Right: the training trajectory, -F (line), KL (the hatched band from -F up to log Z) and
    log Z (dashed) against the step, with the current step marked; the legend sits above the plot.

    ``update`` also sets the figure's text alternative (``fig.alt``): the three values of the
    waterfall, and where each curve starts and ends.

    The figure and its artists are made once and only their data change, and the layout is fixed
    (no layout engine): a widget redraws this on every control change, and ``png()`` repaints
    only the artists that change (see ``Repainter``).
    """

    def __init__(self, width=FIGURE_WIDTH, height=4.0):
        width, height = as_inches(width, "width"), as_inches(height, "height")
        with style():
            self.fig = new_figure(height, width, layout=None)
            # margins in inches, so that the labels fit at any figure size
            self.fig.subplots_adjust(left=0.65 / width, right=1 - 0.2 / width, bottom=0.72 / height,
                                     top=1 - 0.5 / height, wspace=0.12)
            self.ax_bar, self.ax_traj = self.fig.subplots(1, 2, width_ratios=(1, 2.2))
            self._make_waterfall(self.ax_bar)
            self._make_trajectory(self.ax_traj)
        set_tick_size(self.fig)
        changing = [self.bar_neg_f, self.bar_kl, self.bar_log_z, self.zero_line, self.link_neg_f, self.link_log_z,
                    *self.values_text, self.band, self.line_neg_f, self.line_log_z, self.step_line, self.step_marker,
                    self.ax_bar.yaxis, self.ax_traj.yaxis]
        self._repainter = Repainter(self.fig, changing)

    def _make_waterfall(self, ax):
        self.bar_neg_f = ax.bar([0], [-1.0], width=BAR_WIDTH, color=NEG_F_COLOUR, edgecolor="black", lw=1)[0]
        self.bar_kl = ax.bar([1], [0.5], bottom=[-1.0], width=BAR_WIDTH, facecolor=KL_COLOUR, edgecolor="black",
                             hatch=KL_HATCH, lw=1)[0]
        self.bar_log_z = ax.bar([2], [-0.5], width=BAR_WIDTH, facecolor="0.85", edgecolor=LOG_Z_COLOUR,
                                ls="--", lw=1.5)[0]
        self.zero_line = ax.axhline(0.0, color="0.4", lw=0.8)
        edge = BAR_WIDTH / 2
        (self.link_neg_f,) = ax.plot([edge, 1 - edge], [-1.0, -1.0], ":", color="black", lw=1.5)
        (self.link_log_z,) = ax.plot([1 + edge, 2 - edge], [-0.5, -0.5], ":", color="black", lw=1.5)
        ax.set_xlim(-0.5, 2.5)
        ax.set_xticks([0, 1, 2], ["\u2212F", "+ KL", "= log Z"])
        ax.tick_params(axis="x", length=0, pad=6)
        # the values, under the names: offsets in points keep them clear of the names at any size
        self.values_text = [ax.annotate("", xy=(i, 0.0), xycoords=("data", "axes fraction"), xytext=(0, -24),
                                        textcoords="offset points", ha="center", va="top", fontsize=SMALL_FONT_SIZE)
                            for i in range(3)]
        ax.set_ylabel("nats")
        ax.set_title("\u2212F + KL = log Z")
        ax.yaxis.set_major_locator(MaxNLocator(5))  # few tick labels: text is most of the drawing time

    def _make_trajectory(self, ax):
        self.band = ax.fill_between([0, 1], [0, 0], [0, 0], facecolor=(*_rgb(KL_COLOUR), 0.35), edgecolor=KL_COLOUR,
                                    hatch=KL_HATCH, lw=0)
        (self.line_neg_f,) = ax.plot([0, 1], [0, 0], color=NEG_F_COLOUR, lw=2.5)
        (self.line_log_z,) = ax.plot([0, 1], [0, 0], color=LOG_Z_COLOUR, ls="--", lw=1.5)
        self.step_line = ax.axvline(0, color="0.4", lw=1)
        (self.step_marker,) = ax.plot([0], [0], "o", ms=8, color=NEG_F_COLOUR, mec="black")
        ax.set_xlabel("gradient steps on the recognition weights")
        ax.tick_params(labelleft=False)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        handles = [Line2D([], [], color=NEG_F_COLOUR, lw=2.5),
                   Patch(facecolor=(*_rgb(KL_COLOUR), 0.35), edgecolor=KL_COLOUR, hatch=KL_HATCH, lw=0),
                   Line2D([], [], color=LOG_Z_COLOUR, ls="--", lw=1.5)]
        self.legend = ax.legend(handles, ["\u2212F (rises)", "KL (falls)", "log Z (stays)"], ncols=3,
                                loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, frameon=False)

    def update(self, neg_f, kl, log_z, step):
        """Show the trajectory ``neg_f``, ``kl``, ``log_z`` (shape (N+1,), finite, nats, KL >= 0) at
        ``step``, an int from 0 to N."""
        neg_f = as_vector(neg_f, "neg_f")
        kl = as_vector(kl, "kl", low=-ROUNDOFF)
        log_z = as_vector(log_z, "log_z")
        check_same_length([neg_f, kl, log_z], ["neg_f", "kl", "log_z"])
        step = as_index(step, "step", neg_f.size)
        steps = np.arange(neg_f.size)
        f_now, kl_now, z_now = float(neg_f[step]), float(kl[step]), float(log_z[step])
        self.bar_neg_f.set_height(f_now)
        self.bar_kl.set_y(f_now)
        self.bar_kl.set_height(kl_now)
        self.bar_log_z.set_height(z_now)
        self.link_neg_f.set_ydata([f_now, f_now])
        self.link_log_z.set_ydata([f_now + kl_now] * 2)
        for text, value in zip(self.values_text, (f_now, kl_now, z_now)):
            text.set_text(minus(f"{value:.3f}"))
        # the band between -F and -F + KL: out along -F, back along -F + KL; (2N+2, 2). set_verts,
        # not FillBetweenPolyCollection.set_data, which matplotlib 3.8 (Pyodide's) lacks
        upper = neg_f + kl
        self.band.set_verts([np.concatenate([np.column_stack([steps, neg_f]),
                                             np.column_stack([steps[::-1], upper[::-1]])])])
        self.line_neg_f.set_data(steps, neg_f)
        self.line_log_z.set_data(steps, log_z)
        self.step_line.set_xdata([step, step])
        self.step_marker.set_data([step], [f_now])
        xlim = (-0.02 * steps[-1], 1.02 * max(steps[-1], 1))  # room for the marker at either end
        if xlim != self.ax_traj.get_xlim():  # the step axis is in the cached picture: draw it again
            self.ax_traj.set_xlim(xlim)
            self._repainter.invalidate()
        # one scale for the whole trajectory, so that moving the step moves the bars, not the axes
        low = min(0.0, float(np.min(neg_f)), float(np.min(log_z)))
        high = max(0.0, float(np.max(neg_f + kl)), float(np.max(log_z)))
        pad = 0.06 * (high - low) + 1e-3
        for ax in (self.ax_bar, self.ax_traj):
            ax.set_ylim(low - pad, high + pad)
        describe(self.fig, _explorer_text(neg_f, kl, log_z, step))
        return self

    def png(self, dpi=None):
        """PNG bytes of the current view at ``dpi`` (default: the figure's; the fast repaint is
        only possible there). The figure stays open for the next update."""
        if dpi is None or dpi == self.fig.dpi:
            return self._repainter.png()
        return png_bytes(self.fig, dpi)


def _explorer_text(neg_f, kl, log_z, step):
    """What ``ExplorerView`` shows: the waterfall's three values as its labels write them (3
    decimals), and the trajectory from its first step to its last (2 decimals)."""
    f_now, kl_now, z_now = (_nats(a[step], 3) for a in (neg_f, kl, log_z))
    level = _nats(neg_f[step] + kl[step], 3) == z_now
    text = (
        f"Left, a waterfall in nats that reads \u2212F + KL = log Z, at step {step}: the bar \u2212F goes from 0 "
        f"{_way(neg_f[step])} to {f_now}, the hatched bar + KL adds {kl_now} to it, and the bar = log Z goes "
        f"from 0 {_way(log_z[step])} to {z_now}, {'level' if level else 'not level'} with the top of the KL bar. "
    )
    n = neg_f.size - 1
    if n == 0:
        return text + "Right, the trajectory has a single point, step 0, before any gradient step."
    return text + (
        f"Right, the trajectory over {n} gradient step{'' if n == 1 else 's'} on the recognition weights, "
        f"with step {step} marked: \u2212F (line) {change_text(neg_f, _nats)}, KL (the hatched band above the "
        f"\u2212F line) {change_text(kl, _nats)}, log Z (dashed line) {change_text(log_z, _nats)}."
    )


def _way(value):
    """Which way a bar goes from 0: "down" (for binary data -F <= log Z <= 0) or "up"."""
    return "down" if value < 0 else "up"


def _nats(value, decimals=2):
    """A value in nats with ``decimals`` decimals and every digit, however large, as the
    waterfall's labels write it (``fixed_decimals`` without its scientific form)."""
    return fixed_decimals(value, decimals, scientific=False)


def _rgb(colour):
    """The (r, g, b) of a '#rrggbb' colour, each in [0, 1]."""
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def explorer_figure(neg_f, kl, log_z, step, width=FIGURE_WIDTH, height=4.0):
    """The free-energy explorer's view (notebook 04) as a new Figure: see ``ExplorerView``.

    neg_f, kl, log_z : ndarrays, shape (N+1,), their values after 0..N gradient steps (nats).
    """
    return ExplorerView(width, height).update(neg_f, kl, log_z, step).fig


def free_energy_tradeoff():
    """FIGURES entry: the explorer's view for its default settings after 20 gradient steps."""
    trajectory = explorer_trajectory(n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0)
    return explorer_figure(trajectory["neg_f"], trajectory["kl"], trajectory["log_z"], step=20)


FIGURES = {"free_energy_tradeoff.png": free_energy_tradeoff}


class FreeEnergyExplorer(Widget):
    """The free-energy explorer of notebook 04 (build it with ``free_energy_explorer()``).

    Controls (``self.controls``): ``"n_hidden_2"``, ``"n_hidden_3"`` (1..8 units),
    ``"pattern"`` (index of x, 0..15), ``"seed"`` (0..N_SEEDS-1) and ``"steps"`` (0..N_STEPS
    gradient steps on the recognition weights, with a value box); an initial value outside its
    range raises ``ValueError``. ``self.values`` holds ``log_z``, ``neg_f``, ``kl`` (nats),
    ``step``, ``x`` (1, n_1) and ``sizes`` of what is displayed.
    """

    def __init__(self, n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0, steps=0):
        controls = {
            "n_hidden_2": int_slider("layer 2 units", 1, MAX_LAYER_UNITS, n_hidden_2, "n_hidden_2"),
            "n_hidden_3": int_slider("layer 3 units", 1, MAX_LAYER_UNITS, n_hidden_3, "n_hidden_3"),
            "pattern": int_slider("pattern x (index)", 0, 2**VISIBLE_UNITS - 1, pattern, "pattern"),
            "seed": int_slider("seed", 0, N_SEEDS - 1, seed, "seed"),
            "steps": int_slider("training steps", 0, N_STEPS, steps, "steps"),
        }
        self._view = ExplorerView()  # one figure per widget, redrawn in place
        super().__init__(
            controls,
            "Each training step moves the recognition weights &phi; by exact gradient ascent on "
            "&minus;F. log Z depends only on the generative weights, so it does not move. Type a number "
            "of steps into the box and press Enter to jump to it.",
        )

    def trajectory(self):
        """The cached trajectory (see ``explorer_trajectory``) of the current setting."""
        c = {name: control.value for name, control in self.controls.items()}
        return explorer_trajectory(c["n_hidden_2"], c["n_hidden_3"], c["pattern"], c["seed"])

    def machine(self):
        """The HelmholtzMachine shown: the generative weights and the recognition weights after
        the current number of training steps."""
        trajectory = self.trajectory()
        phi, phi_bias = trajectory["params"][self.controls["steps"].value]
        hm = trajectory["machine"]
        return HelmholtzMachine(hm.theta, hm.theta_bias, phi, phi_bias, imaging=hm.imaging)

    def update(self):
        """Recompute (from the cache when only the step changed) and redraw; the figure's text
        alternative names the setting and the numbers drawn."""
        trajectory = self.trajectory()
        step = self.controls["steps"].value
        log_z, neg_f, kl = (float(trajectory[k][step]) for k in ("log_z", "neg_f", "kl"))
        x = trajectory["x"]
        self.values = {"log_z": log_z, "neg_f": neg_f, "kl": kl, "step": step, "x": x.copy(),
                       "sizes": trajectory["machine"].sizes}
        sizes = "&ndash;".join(str(n) for n in trajectory["machine"].sizes)
        self.readout.value = (
            f"<div style='{READOUT_STYLE}'>"
            f"x = {pattern_string(x)} &middot; machine {sizes} &middot; step {step} of {N_STEPS}<br>"
            f"log Z = {format_number(log_z)}<br>-F = {format_number(neg_f)}<br>KL = {format_number(kl)}<br>"
            f"<small>(nats; -F + KL = log Z)</small></div>"
        )
        self._view.update(trajectory["neg_f"], trajectory["kl"], trajectory["log_z"], step)
        setting = (f"Machine {sizes_text(trajectory['machine'].sizes)}, x = {pattern_string(x)}, "
                   f"seed {self.controls['seed'].value}.")
        self.set_figure(self._view.png(), f"{setting} {self._view.fig.alt}")


def free_energy_explorer(**initial):
    """Build the free-energy explorer of notebook 04; display it by leaving it last in a cell.

    Keyword arguments set the initial control values (n_hidden_2, n_hidden_3, pattern, seed, steps).
    """
    return FreeEnergyExplorer(**initial)
