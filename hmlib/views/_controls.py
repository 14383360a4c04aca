"""What every widget shares: sliders sized for a projector, a box to type the value into, and the
box that holds controls, readout and figure. Private to ``hmlib.views``.

Widget contract (the browser tests rely on it): the outermost box has the class ``hm-widget``,
the numbers are in an ``ipywidgets.HTML`` with class ``hm-readout``, the figure is an
``ipywidgets.Image`` with class ``hm-figure``; controls are sliders with
``continuous_update=False`` in ``widget.controls``; a slider with more than
``MAX_SLIDER_POSITIONS`` positions has a value box (class ``hm-value``) beside it, in
``widget.value_boxes``, which the student types a value into and confirms with Enter; it is
rounded to the slider's step. ``widget.values`` holds the last numbers shown. Updates are
synchronous.

Sizes, in pixels so that they do not follow the font: each slider row is ``ROW_WIDTH`` wide with a
``DESCRIPTION_WIDTH`` label, which leaves a track of about 290 pixels (at least 250) beside the
readout or the value box.
"""

import ipywidgets

from hmlib._checks import as_int, as_real

N_SEEDS = 20  # the seed sliders of notebooks 04 and 05 run over 0..N_SEEDS-1
MAX_SLIDER_POSITIONS = 20  # more positions than this are fiddly to hit with a mouse: add a value box
DESCRIPTION_WIDTH = "150px"  # the longest description, "pattern x (index)", is about 120 pixels
ROW_WIDTH = 530  # pixels: description + track + readout (or value box)
BOX_WIDTH = 90  # pixels: the value box, wide enough for "10.00" and its spinner
READOUT_STYLE = "font-family: monospace; font-size: 14px; line-height: 1.6"


def format_number(value):
    """A number with 4 decimals and an ASCII minus sign, never '-0.0000'; ``value`` a finite float."""
    text = f"{as_real(value, 'value'):.4f}"
    return "0.0000" if text == "-0.0000" else text


def int_slider(description, low, high, value, name):
    """An integer slider over low..high starting at ``value``, which must lie in that range
    (ipywidgets would silently clamp it); ``name`` is the constructor argument it comes from."""
    value = as_int(value, name, low=low, high=high)
    return _sized(ipywidgets.IntSlider(value=value, min=low, max=high, step=1), description, high - low + 1)


def float_slider(description, low, high, step, value, name):
    """A slider over low..high in steps of ``step``, starting at ``value``, which must lie in that
    range; ``name`` is the constructor argument it comes from."""
    value = as_real(value, name, low=low, high=high)
    slider = ipywidgets.FloatSlider(value=value, min=low, max=high, step=step, readout_format=".2f")
    return _sized(slider, description, round((high - low) / step) + 1)


def _sized(slider, description, positions):
    """Give ``slider`` its description, projector size and update policy; a slider that will get a
    value box shows no readout of its own (the box shows the value)."""
    boxed = positions > MAX_SLIDER_POSITIONS
    slider.description = description
    slider.continuous_update = False
    slider.readout = not boxed
    slider.style = {"description_width": DESCRIPTION_WIDTH}
    slider.layout = ipywidgets.Layout(width=f"{ROW_WIDTH - BOX_WIDTH if boxed else ROW_WIDTH}px")
    return slider


def positions(slider):
    """How many values ``slider`` can take."""
    return round((slider.max - slider.min) / slider.step) + 1


def value_box(slider):
    """A box, linked both ways to ``slider``, to type its value into (Enter or leaving the box
    confirms it). A typed value is clamped to the slider's range and rounded to its step."""
    kind = ipywidgets.BoundedIntText if isinstance(slider, ipywidgets.IntSlider) else ipywidgets.BoundedFloatText
    box = kind(value=slider.value, min=slider.min, max=slider.max, step=slider.step, continuous_update=False,
               tooltip=f"type a value for '{slider.description}', then press Enter",
               layout=ipywidgets.Layout(width=f"{BOX_WIDTH}px"))
    box.add_class("hm-value")

    def to_slider(change):
        steps = round((change["new"] - slider.min) / slider.step)
        snapped = slider.min + steps * slider.step
        slider.value = snapped if isinstance(slider, ipywidgets.IntSlider) else round(snapped, 10)
        if box.value != slider.value:  # rounded to the step: show what the slider took
            box.value = slider.value

    def to_box(change):
        box.value = change["new"]

    box.observe(to_slider, names="value")
    slider.observe(to_box, names="value")
    return box


class Widget(ipywidgets.VBox):
    """Controls and a note on the left, the readout on the right, the figure below; one VBox with
    the class ``hm-widget``. A subclass defines ``update()``, which fills ``self.readout.value``
    and ``self.figure.value``; it runs once here and again whenever a control changes."""

    def __init__(self, controls, explanation):
        self.controls = controls
        self.value_boxes = {name: value_box(slider) for name, slider in controls.items()
                            if positions(slider) > MAX_SLIDER_POSITIONS}
        self.readout = ipywidgets.HTML()
        self.readout.add_class("hm-readout")
        self.figure = ipywidgets.Image(format="png")
        self.figure.add_class("hm-figure")
        self.values = {}
        rows = [ipywidgets.HBox([slider, self.value_boxes[name]]) if name in self.value_boxes else slider
                for name, slider in controls.items()]
        note = ipywidgets.HTML(f"<div style='line-height: 1.4; font-size: 13px'>{explanation}</div>",
                               layout=ipywidgets.Layout(width=f"{ROW_WIDTH}px"))
        left = ipywidgets.VBox(rows + [note], layout=ipywidgets.Layout(width=f"{ROW_WIDTH + 20}px"))
        # flex-start: show the PNG at its own size instead of stretching it to the box's width
        super().__init__(children=[ipywidgets.HBox([left, self.readout]), self.figure],
                         layout=ipywidgets.Layout(align_items="flex-start"))
        self.add_class("hm-widget")
        self.update()
        for control in controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, change):
        self.update()

    def set_figure(self, png, alt):
        """Show the PNG bytes ``png`` with its text alternative ``alt`` (what the figure shows and
        its key numbers, as for a static figure: see ``_common.describe``)."""
        self.figure.value = png
        self.figure_alt = alt

    def update(self):  # pragma: no cover - every widget defines it
        raise NotImplementedError
