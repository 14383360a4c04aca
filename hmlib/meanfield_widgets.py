"""The widget of notebook 06: one odds unit with two parents, three answers to "how likely is it on?".

``imaging_explorer()`` shows, for parent means q_1, q_2, weights theta_1, theta_2 >= 0 and bias b,
Eq. (11), the exact E_Q[p] of the odds rule (both parents independent, on with probabilities q)
and the naive value 1 - 1/(1 + b + q theta), from ``hmlib.meanfield.unit_probabilities``; the
figure sweeps q_1 from 0 to 1 with the other settings fixed.

Widget contract (the browser tests rely on it): the outermost box has the class ``hm-widget``,
the numbers are in an ``ipywidgets.HTML`` with class ``hm-readout``, the figure is an
``ipywidgets.Image`` with class ``hm-figure``; controls have ``continuous_update=False`` and are
in ``widget.controls``; ``widget.values`` holds the last numbers shown. Updates are synchronous.
"""

import ipywidgets

from hmlib import meanfield
from hmlib._checks import as_real
from hmlib.meanfield_plots import unit_probability_sweep
from hmlib.plots import figure_to_png
from hmlib.widgets import format_number

MAX_WEIGHT = 10.0  # odds up to 10: p = 10/11 for one parent alone, enough to see saturation
MAX_BIAS = 2.0


def _slider(description, value, high, step, name):
    """A slider over 0..high starting at ``value``, which must lie in that range (ipywidgets would
    silently clamp it); ``name`` is the constructor argument it comes from."""
    value = as_real(value, name, low=0.0, high=high)
    return ipywidgets.FloatSlider(
        value=value, min=0.0, max=high, step=step, description=description, continuous_update=False,
        readout_format=".2f", style={"description_width": "9em"}, layout=ipywidgets.Layout(width="22em"),
    )


class ImagingExplorer(ipywidgets.VBox):
    """Eq. (11) against the exact E_Q[p] and the naive expression (build with ``imaging_explorer()``).

    Controls (``self.controls``): ``"q1"``, ``"q2"`` (parent means, 0..1), ``"theta1"``,
    ``"theta2"`` (weights, 0..MAX_WEIGHT) and ``"bias"`` (0..MAX_BIAS); an initial value outside
    its range raises ``ValueError``, one that is not a real number ``TypeError``. ``self.values``
    holds ``eq11``, ``exact``, ``naive`` (probabilities), ``jensen_gap`` = naive - exact (>= 0) and
    ``eq11_error`` = eq11 - exact.
    """

    def __init__(self, q1=0.5, q2=0.5, theta1=3.0, theta2=1.0, bias=0.05):
        self.controls = {
            "q1": _slider("parent 1 mean q₁", q1, 1.0, 0.05, "q1"),
            "q2": _slider("parent 2 mean q₂", q2, 1.0, 0.05, "q2"),
            "theta1": _slider("weight θ₁", theta1, MAX_WEIGHT, 0.1, "theta1"),
            "theta2": _slider("weight θ₂", theta2, MAX_WEIGHT, 0.1, "theta2"),
            "bias": _slider("bias b", bias, MAX_BIAS, 0.05, "bias"),
        }
        self.readout = ipywidgets.HTML()
        self.readout.add_class("hm-readout")
        self.figure = ipywidgets.Image(format="png")
        self.figure.add_class("hm-figure")
        self.values = {}
        note = ipywidgets.HTML(
            "<div style='line-height: 1.35'><small>Two parents, on independently with probabilities q₁ and q₂; the unit follows the "
            "odds rule p = 1 &minus; 1/(1 + b + &Sigma; s&theta;). The naive value never falls below the "
            "exact one (Jensen).</small></div>"
        )
        left = ipywidgets.VBox(list(self.controls.values()) + [note], layout=ipywidgets.Layout(width="24em"))
        # flex-start: the figure keeps its own pixel size instead of stretching to the cell's width
        super().__init__(children=[ipywidgets.HBox([left, self.readout]), self.figure],
                         layout=ipywidgets.Layout(align_items="flex-start"))
        self.add_class("hm-widget")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()

    def update(self):
        """Recompute the three probabilities and redraw (synchronously)."""
        c = {name: float(control.value) for name, control in self.controls.items()}
        q, theta = [c["q1"], c["q2"]], [c["theta1"], c["theta2"]]
        result = meanfield.unit_probabilities(q, theta, c["bias"])
        self.values = dict(result, jensen_gap=result["naive"] - result["exact"], eq11_error=result["eq11"] - result["exact"])
        self.readout.value = (
            "<div style='font-family: monospace; line-height: 1.6'>"
            f"exact E_Q[p] = {format_number(result['exact'])}<br>"
            f"naive &nbsp;&nbsp;&nbsp;&nbsp; = {format_number(result['naive'])} "
            f"(gap {format_number(self.values['jensen_gap'])})<br>"
            f"Eq. (11) &nbsp;&nbsp; = {format_number(result['eq11'])} "
            f"(error {format_number(self.values['eq11_error'])})</div>"
        )
        self.figure.value = figure_to_png(unit_probability_sweep(q, theta, c["bias"], unit=0, marker=c["q1"]), dpi=80)


def imaging_explorer(**initial):
    """Build the imaging explorer of notebook 06; display it by leaving it last in a cell.

    Keyword arguments set the initial control values (q1, q2, theta1, theta2, bias).
    """
    return ImagingExplorer(**initial)
