"""Interactive widgets of notebooks 04 and 05: the free-energy explorer and the factorial gap.

- ``free_energy_explorer()`` (notebook 04, Eq. (6)): log Z = -F + KL for the current recognition
  weights, and the trajectory of exact gradient ascent on -F: -F rises, KL falls, log Z stays put.
- ``factorial_gap_explorer()`` (notebook 05, Eqs. (7)-(8)): how far the best Q of the layer-wise
  factorial family (Eq. (7)), and of the fully factorial family, are from the exact posterior.

The computing is in ``hmlib.recognition_fit``; this module only builds controls and views.

Widget contract (the browser tests rely on it): the outermost box has the class ``hm-widget``,
the numbers are in an ``ipywidgets.HTML`` with class ``hm-readout``, the figure is an
``ipywidgets.Image`` with class ``hm-figure``; controls have ``continuous_update=False`` and are
in ``widget.controls``; ``widget.values`` holds the last numbers shown. Updates are synchronous.

The initial values given to a constructor are checked against the sliders' ranges: an integer
outside a range raises ``ValueError`` (it is never clamped to the nearest end), anything but an
integer ``TypeError``.
"""

import ipywidgets

from hmlib._checks import as_int, as_real
from hmlib.model import HelmholtzMachine
from hmlib.plots import ExplorerView, figure_to_png, posterior_against_q
from hmlib.recognition_fit import (
    MAX_LAYER_UNITS,
    N_STEPS,
    VISIBLE_UNITS,
    best_factorial_fit,
    explorer_trajectory,
    pattern_string,
)

N_SEEDS = 20  # the seed slider runs over 0..N_SEEDS-1


def format_number(value):
    """A number with 4 decimals and an ASCII minus sign, never '-0.0000'; ``value`` a finite float."""
    text = f"{as_real(value, 'value'):.4f}"
    return "0.0000" if text == "-0.0000" else text


def _slider(description, low, high, value, name):
    """An integer slider over low..high starting at ``value``, which must lie in that range
    (ipywidgets would silently clamp it); ``name`` is the constructor argument it comes from."""
    value = as_int(value, name, low=low, high=high)
    return ipywidgets.IntSlider(
        value=value, min=low, max=high, step=1, description=description, continuous_update=False,
        style={"description_width": "9em"}, layout=ipywidgets.Layout(width="21em"),
    )


class _Widget(ipywidgets.VBox):
    """Shared plumbing: controls, readout and figure in one VBox with the class ``hm-widget``."""

    def __init__(self, controls, explanation):
        self.controls = controls
        self.readout = ipywidgets.HTML()
        self.readout.add_class("hm-readout")
        self.figure = ipywidgets.Image(format="png")
        self.figure.add_class("hm-figure")
        self.values = {}
        note = ipywidgets.HTML(f"<div style=\"line-height: 1.35\"><small>{explanation}</small></div>")
        left = ipywidgets.VBox(list(controls.values()) + [note], layout=ipywidgets.Layout(width="23em"))
        # flex-start: show the PNG at its own size instead of stretching it to the box's width
        super().__init__(children=[ipywidgets.HBox([left, self.readout]), self.figure],
                         layout=ipywidgets.Layout(align_items="flex-start"))
        self.add_class("hm-widget")
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()


class FreeEnergyExplorer(_Widget):
    """The free-energy explorer of notebook 04 (build it with ``free_energy_explorer()``).

    Controls (``self.controls``): ``"n_hidden_2"``, ``"n_hidden_3"`` (1..8 units),
    ``"pattern"`` (index of x, 0..15), ``"seed"`` (0..N_SEEDS-1) and ``"steps"`` (0..N_STEPS
    gradient steps on the recognition weights); an initial value outside its range raises
    ``ValueError``. ``self.values`` holds ``log_z``, ``neg_f``, ``kl`` (nats), ``step``, ``x``
    (1, n_1) and ``sizes`` of what is displayed.
    """

    def __init__(self, n_hidden_2=3, n_hidden_3=2, pattern=11, seed=0, steps=0):
        controls = {
            "n_hidden_2": _slider("layer 2 units", 1, MAX_LAYER_UNITS, n_hidden_2, "n_hidden_2"),
            "n_hidden_3": _slider("layer 3 units", 1, MAX_LAYER_UNITS, n_hidden_3, "n_hidden_3"),
            "pattern": _slider("pattern x (index)", 0, 2**VISIBLE_UNITS - 1, pattern, "pattern"),
            "seed": _slider("seed", 0, N_SEEDS - 1, seed, "seed"),
            "steps": _slider("training steps", 0, N_STEPS, steps, "steps"),
        }
        super().__init__(
            controls,
            "Each training step moves the recognition weights &phi; by exact gradient ascent on "
            "&minus;F. log Z depends only on the generative weights, so it does not move.",
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
        """Recompute (from the cache when only the step changed) and redraw."""
        trajectory = self.trajectory()
        step = self.controls["steps"].value
        log_z, neg_f, kl = (float(trajectory[k][step]) for k in ("log_z", "neg_f", "kl"))
        x = trajectory["x"]
        self.values = {"log_z": log_z, "neg_f": neg_f, "kl": kl, "step": step, "x": x.copy(),
                       "sizes": trajectory["machine"].sizes}
        sizes = "&ndash;".join(str(n) for n in trajectory["machine"].sizes)
        self.readout.value = (
            f"<div style='font-family: monospace; line-height: 1.6'>"
            f"x = {pattern_string(x)} &middot; machine {sizes} &middot; step {step} of {N_STEPS}<br>"
            f"log Z = {format_number(log_z)}<br>-F = {format_number(neg_f)}<br>KL = {format_number(kl)}<br>"
            f"<small>(nats; -F + KL = log Z)</small></div>"
        )
        if not hasattr(self, "_view"):
            self._view = ExplorerView()  # one figure per widget, redrawn in place
        self._view.update(trajectory["neg_f"], trajectory["kl"], trajectory["log_z"], step)
        self.figure.value = self._view.png(dpi=80)


def free_energy_explorer(**initial):
    """Build the free-energy explorer of notebook 04; display it by leaving it last in a cell.

    Keyword arguments set the initial control values (n_hidden_2, n_hidden_3, pattern, seed, steps).
    """
    return FreeEnergyExplorer(**initial)


class FactorialGapExplorer(_Widget):
    """How far the best factorial Q is from the exact posterior (notebook 05).

    Controls: ``"n_hidden_2"``, ``"n_hidden_3"`` (1..6 units), ``"pattern"`` (0..15), ``"seed"``
    (0..N_SEEDS-1); an initial value outside its range raises ``ValueError``.
    ``self.values`` holds ``kl_layerwise``, ``kl_factorial``, ``log_z`` (nats), ``x`` and ``sizes``.
    """

    MAX_UNITS = 6  # each fit runs BFGS on up to 2^12 configurations: under a second

    def __init__(self, n_hidden_2=2, n_hidden_3=2, pattern=11, seed=0):
        controls = {
            "n_hidden_2": _slider("layer 2 units", 1, self.MAX_UNITS, n_hidden_2, "n_hidden_2"),
            "n_hidden_3": _slider("layer 3 units", 1, self.MAX_UNITS, n_hidden_3, "n_hidden_3"),
            "pattern": _slider("pattern x (index)", 0, 2**VISIBLE_UNITS - 1, pattern, "pattern"),
            "seed": _slider("seed", 0, N_SEEDS - 1, seed, "seed"),
        }
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
            f"<div style='font-family: monospace; line-height: 1.6'>"
            f"x = {pattern_string(fit['x'])} &middot; machine {sizes}<br>"
            f"log Z = {format_number(fit['log_z'])}<br>"
            f"KL layer-wise = {format_number(fit['kl_layerwise'])}<br>"
            f"KL fully factorial = {format_number(fit['kl_factorial'])}<br><small>(nats)</small></div>"
        )
        fig = posterior_against_q(fit["posterior"], fit["q_layerwise"], fit["q_factorial"])
        self.figure.value = figure_to_png(fig, dpi=80)


def factorial_gap_explorer(**initial):
    """Build the widget of notebook 05 (keyword arguments: n_hidden_2, n_hidden_3, pattern, seed)."""
    return FactorialGapExplorer(**initial)
