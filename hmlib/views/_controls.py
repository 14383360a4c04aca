"""What every widget shares: accessible sliders sized for a projector, the readout, the figure, and
the box that holds them. Private to ``hmlib.views``.

The controls are anywidget widgets (a few lines of JavaScript and CSS below) built on the browser's
own ``<input type="range">``, because the noUiSlider handle of ipywidgets' sliders cannot be given
an accessible name. A native range input is reached with Tab, moved one step by the arrow keys,
named by its ``<label>`` and drawn with a focus ring by the browser, in every screen reader.

DOM contract (the browser tests rely on it):

- the outer box is an ipywidgets VBox with the class ``hm-widget``;
- each numeric control is an element with the class ``hm-control`` holding a visible
  ``<label for=...>`` (its description), an ``<input type="range" class="hm-slider">`` whose
  ``min``, ``max`` and ``step`` are the slider's, and the value: an ``<output class="hm-slider-value">``,
  or, for more than ``MAX_SLIDER_POSITIONS`` positions, an ``<input type="number" class="hm-value">``
  named "<description>, value" to type a value into (Enter confirms it). A change reaches Python
  on the ``change`` event (arrow key, mouse release, Enter), never while the slider is dragged;
- the readout is an element with the class ``hm-readout``, ``role="status"`` and
  ``aria-live="polite"`` that stays in the page (only its content changes), so that a screen
  reader announces every new readout;
- the figure is an ``<img class="hm-figure" alt="...">``; ``Widget.set_figure(png, alt)`` sends
  the PNG and its text alternative together.

Python side: ``widget.controls[name]`` has ``value``, ``min``, ``max``, ``step``, ``description``
and ``observe(..., names="value")`` as an ipywidgets slider has; a value set there, or typed into
the number box, is clamped to the range and rounded to the nearest step (``Slider.snap``).
``widget.readout.value`` is the readout's HTML and ``widget.values`` the last numbers shown.
Updates are synchronous.

Sizes, in pixels so that they do not follow the font: each control is ``ROW_WIDTH`` wide with a
``DESCRIPTION_WIDTH`` label, which leaves a track of at least 250 pixels beside the value or the
number box (``track_pixels``). Text is at least 13 pixels; colours come from JupyterLab's theme
variables (with fallbacks), so the controls read in the dark theme too.
"""

import math
import re

import anywidget
import ipywidgets
import traitlets

from hmlib._checks import as_instance, as_int, as_real
from hmlib._checks import describe as describe_value

N_SEEDS = 20  # the seed sliders of notebooks 04 and 05 run over 0..N_SEEDS-1
MAX_SLIDER_POSITIONS = 20  # more positions than this are fiddly to hit with a mouse: add a number box
DESCRIPTION_WIDTH = "150px"  # the longest description, "pattern x (index)", is about 125 pixels at 14 px
ROW_WIDTH = 530  # pixels: description + track + value (or number box)
BOX_WIDTH = 90  # pixels: the number box, wide enough for "10.00" and its spinner
VALUE_WIDTH = 64  # pixels: the value shown beside a slider without a number box
GAP = 8  # pixels between the label, the track and the value
FONT_PIXELS = 14  # the controls' text; the course's smallest text on screen is 13 pixels
READOUT_STYLE = "font-family: monospace; font-size: 14px; line-height: 1.6"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def track_pixels(boxed):
    """Width of a control's range track, in pixels: what the label, the gaps and the value (or the
    number box, when ``boxed``) leave of ``ROW_WIDTH``."""
    return ROW_WIDTH - int(DESCRIPTION_WIDTH.removesuffix("px")) - 2 * GAP - (BOX_WIDTH if boxed else VALUE_WIDTH)


def format_number(value):
    """A number with 4 decimals and an ASCII minus sign, never '-0.0000'; ``value`` a finite float."""
    text = f"{as_real(value, 'value'):.4f}"
    return "0.0000" if text == "-0.0000" else text


# ---------------------------------------------------------------------------- the look
# One style sheet for the three kinds of widget (anywidget adds it to the page once per class).
# Colours are JupyterLab's theme variables, so light and dark themes both work; the fallbacks are
# for pages without them. The focus ring, --jp-brand-color1, is #1976d2 on white in the light theme
# (4.6:1) and #2196f3 on #111 in the dark one (6.0:1): WCAG asks 3:1 of it (non-text contrast), and
# so of the number box's border, --jp-ui-font-color2 (4.6:1 on white).
_CSS = f"""
.hm-control {{
  display: flex; align-items: center; gap: {GAP}px; width: {ROW_WIDTH}px; min-height: 36px;
  font-size: {FONT_PIXELS}px; color: var(--jp-ui-font-color1, #1a1a1a);
}}
.hm-control label {{
  flex: 0 0 {DESCRIPTION_WIDTH}; text-align: right;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;  /* a cut label is measurable */
}}
.hm-control .hm-slider {{
  flex: 1 1 auto; min-width: 0; height: 28px; margin: 0; background: transparent;
  accent-color: var(--jp-brand-color1, #1976d2); cursor: pointer;
}}
.hm-control .hm-slider-value {{ flex: 0 0 {VALUE_WIDTH}px; font-variant-numeric: tabular-nums; }}
.hm-control .hm-value {{
  flex: 0 0 {BOX_WIDTH}px; box-sizing: border-box; height: 28px; padding: 2px 4px;
  font: inherit; color: inherit; background: var(--jp-layout-color1, #ffffff);
  border: 1px solid var(--jp-ui-font-color2, #616161); border-radius: 2px;  /* 3:1 or more */
}}
.hm-control input:focus-visible {{
  outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 2px;
}}
.hm-readout {{ color: var(--jp-ui-font-color1, #1a1a1a); font-size: {FONT_PIXELS}px; padding: 0 8px; }}
.hm-figure {{ display: block; max-width: 100%; height: auto; }}
"""

# A numeric control. Python is the authority on the value; the view snaps a typed value the same
# way (Slider.snap) so that what it sends is already a position of the slider.
_SLIDER_ESM = """
// keys the control answers itself: keep them from JupyterLab's notebook shortcuts
const OWN_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
                          "Home", "End", "PageUp", "PageDown", "Enter"]);

function snap(model, x) {  // clamp to [min, max], round to the nearest step (as Slider.snap)
  const min = model.get("min"), max = model.get("max"), step = model.get("step");
  const clamped = Math.min(max, Math.max(min, x));
  return Number((min + Math.floor((clamped - min) / step + 0.5) * step).toFixed(10));
}

function format(model, x) {  // readout_format is "d" or ".<n>f"
  const match = /^\\.(\\d+)f$/.exec(model.get("readout_format"));
  return match ? x.toFixed(Number(match[1])) : String(x);
}

function render({ model, el }) {
  // an id of its own for <label for>: the same model can be shown in several places
  const id = "hm-slider-" + Math.random().toString(36).slice(2);
  const root = el.appendChild(document.createElement("div"));
  root.className = "hm-control";
  root.addEventListener("keydown", (event) => {
    if (OWN_KEYS.has(event.key)) event.stopPropagation();
  });
  let slider, shown, box;  // the range input; the <output> or the number box; the box or null

  function send(x) {
    model.set("value", snap(model, x));
    model.save_changes();
    show();  // even when the snapped value is the one the slider had
  }

  function show() {  // the model's numbers into the elements (min, max, step before the value)
    for (const input of box ? [slider, box] : [slider]) {
      input.min = String(model.get("min"));
      input.max = String(model.get("max"));
      input.step = String(model.get("step"));
    }
    slider.value = String(model.get("value"));
    shown.value = format(model, model.get("value"));
  }

  function build() {  // the elements, again when the description or the kind of value changes
    root.replaceChildren();
    const label = root.appendChild(document.createElement("label"));
    label.htmlFor = id;
    label.textContent = model.get("description");
    slider = root.appendChild(document.createElement("input"));
    Object.assign(slider, { type: "range", id: id, className: "hm-slider" });
    // while dragging, only the value beside the track follows; Python hears the release
    slider.addEventListener("input", () => { shown.value = format(model, slider.valueAsNumber); });
    slider.addEventListener("change", () => send(slider.valueAsNumber));
    if (model.get("boxed")) {
      box = shown = root.appendChild(document.createElement("input"));
      Object.assign(box, { type: "number", className: "hm-value", title: "type a value, then press Enter" });
      box.setAttribute("aria-label", model.get("description") + ", value");
      box.addEventListener("change", () => {
        if (Number.isNaN(box.valueAsNumber)) show();  // not a number: put the value back
        else send(box.valueAsNumber);
      });
    } else {
      box = null;
      shown = root.appendChild(document.createElement("output"));
      shown.className = "hm-slider-value";
      shown.htmlFor = id;
      // the slider itself tells a screen reader its value; an <output> would say it twice
      shown.setAttribute("aria-hidden", "true");
    }
    show();
  }

  const NUMBERS = ["value", "min", "max", "step", "readout_format"];
  build();
  model.on("change:description", build);
  model.on("change:boxed", build);
  for (const name of NUMBERS) model.on("change:" + name, show);
  return () => {
    model.off("change:description", build);
    model.off("change:boxed", build);
    for (const name of NUMBERS) model.off("change:" + name, show);
  };
}
export default { render };
"""

# The readout: one live region that stays in the page; only its content changes.
_READOUT_ESM = """
function render({ model, el }) {
  const status = el.appendChild(document.createElement("div"));
  status.className = "hm-readout";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");  // read the whole readout, not just what changed
  const show = () => { status.innerHTML = model.get("value"); };
  show();
  model.on("change:value", show);
  return () => model.off("change:value", show);
}
export default { render };
"""

# The figure: PNG bytes (a DataView here) shown through a blob URL, with its text alternative.
_FIGURE_ESM = """
function render({ model, el }) {
  const img = el.appendChild(document.createElement("img"));
  img.className = "hm-figure";
  let png = null, url = null;
  function show() {  // value and alt arrive together (Widget.set_figure): set both at once
    img.alt = model.get("alt");
    if (model.get("value") === png) return;
    png = model.get("value");
    const old = url;
    url = png && png.byteLength ? URL.createObjectURL(new Blob([png], { type: "image/png" })) : null;
    if (url) img.src = url; else img.removeAttribute("src");
    if (old) URL.revokeObjectURL(old);
  }
  show();
  model.on("change:value", show);
  model.on("change:alt", show);
  return () => {
    model.off("change:value", show);
    model.off("change:alt", show);
    if (url) URL.revokeObjectURL(url);
  };
}
export default { render };
"""


# ---------------------------------------------------------------------------- the controls
class Slider(anywidget.AnyWidget):
    """A slider over ``min``..``max`` in steps of ``step`` (floats), with a visible label
    ``description`` and, for more than MAX_SLIDER_POSITIONS positions, a number box (``boxed``).

    Every value it takes, set in Python or sent by the browser, is clamped to the range and
    rounded to the nearest step (``snap``). Build one with ``float_slider`` or ``int_slider``,
    which check their arguments.
    """

    _esm = _SLIDER_ESM
    _css = _CSS
    value = traitlets.Float(0.0).tag(sync=True)
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.1).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    readout_format = traitlets.Unicode(".2f").tag(sync=True)  # how the value is shown: "d" or ".<n>f"
    boxed = traitlets.Bool(False, read_only=True).tag(sync=True)  # show a number box (set from the range)
    continuous_update = False  # the browser sends a value on an arrow key, a release or Enter, never while dragging

    def __init__(self, **traits):
        super().__init__(**traits)
        self._set_boxed()

    def positions(self):
        """How many values the slider can take."""
        return round((self.max - self.min) / self.step) + 1

    def snap(self, x):
        """``x`` clamped to [min, max] and rounded to the nearest step, half a step rounding up
        (as the browser side does); a float is rounded to 10 decimals, so that 7 steps of 0.05 are
        0.35 and not 0.35000000000000003."""
        x = as_real(x, "value")
        clamped = min(max(x, self.min), self.max)
        position = math.floor((clamped - self.min) / self.step + 0.5)
        return round(self.min + position * self.step, 10)

    @traitlets.validate("value")
    def _snap_value(self, proposal):
        return self.snap(proposal["value"])

    @traitlets.validate("step")
    def _positive_step(self, proposal):
        step = as_real(proposal["value"], "step", low=0, low_open=True)
        # an IntSlider's step is an Int trait: older traitlets (the browser-only site's) refuse 1.0
        return int(step) if isinstance(self, IntSlider) else step

    @traitlets.validate("readout_format")
    def _known_format(self, proposal):
        if not re.fullmatch(r"d|\.\d+f", proposal["value"]):
            raise ValueError(f"readout_format is {proposal['value']!r}; expected 'd' or '.<n>f', e.g. '.2f'")
        return proposal["value"]

    @traitlets.observe("min", "max", "step")
    def _range_changed(self, change):
        self._set_boxed()
        self.value = self.snap(self.value)

    def _set_boxed(self):
        self.set_trait("boxed", self.positions() > MAX_SLIDER_POSITIONS)


class IntSlider(Slider):
    """A Slider over integers."""

    value = traitlets.Int(0).tag(sync=True)
    min = traitlets.Int(0).tag(sync=True)
    max = traitlets.Int(1).tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    readout_format = traitlets.Unicode("d").tag(sync=True)

    def snap(self, x):
        """``x`` clamped to [min, max] and rounded to the nearest step, as an int."""
        return int(super().snap(x))


def _check_description(description):
    """``description``, the control's visible label and accessible name, if it is a non-empty string."""
    if not isinstance(description, str):
        raise TypeError(f"description is {describe_value(description)}; expected a string (the control's label)")
    if not description.strip():
        raise ValueError(f"description is {description!r}; expected a label that says what the control sets")
    return description


def int_slider(description, low, high, value, name):
    """An integer slider over low..high starting at ``value``, which must lie in that range (it
    is not silently clamped); ``name`` is the constructor argument it comes from."""
    description = _check_description(description)
    low = as_int(low, "low")
    high = as_int(high, "high", low=low + 1)
    value = as_int(value, name, low=low, high=high)
    return IntSlider(value=value, min=low, max=high, step=1, description=description)


def float_slider(description, low, high, step, value, name):
    """A slider over low..high in steps of ``step``, starting at ``value``, which must be one of
    its positions (it is not silently clamped or rounded); ``name`` is the constructor argument
    it comes from."""
    description = _check_description(description)
    low = as_real(low, "low")
    high = as_real(high, "high", low=low, low_open=True)
    step = as_real(step, "step", low=0, low_open=True)
    steps = (high - low) / step
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise ValueError(f"step is {step}; expected a step that divides high - low = {high - low}")
    value = as_real(value, name, low=low, high=high)
    position = (value - low) / step
    if abs(position - round(position)) > 1e-9 * max(1.0, position):
        raise ValueError(f"{name} is {value}; expected one of {low}, {low + step:g}, ..., {high} "
                         f"(steps of {step})")
    return Slider(value=value, min=low, max=high, step=step, description=description, readout_format=".2f")


# ---------------------------------------------------------------------------- readout and figure
class Readout(anywidget.AnyWidget):
    """The widget's numbers: ``value`` is HTML, shown in a live region (class ``hm-readout``,
    role status, polite) that a screen reader announces whenever it changes."""

    _esm = _READOUT_ESM
    _css = _CSS
    value = traitlets.Unicode("").tag(sync=True)


class FigureImage(anywidget.AnyWidget):
    """The widget's figure: ``value`` the PNG bytes, ``alt`` its text alternative (what the figure
    shows and its key numbers); set both with ``Widget.set_figure``."""

    _esm = _FIGURE_ESM
    _css = _CSS
    value = traitlets.Bytes(b"").tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)


# ---------------------------------------------------------------------------- the widget
class Widget(ipywidgets.VBox):
    """Controls and a note on the left, the readout on the right, the figure below; one VBox with
    the class ``hm-widget``. A subclass defines ``update()``, which fills ``self.readout.value``
    and calls ``self.set_figure(png, alt)``; it runs once here and again whenever a control changes.

    ``controls``: a dict name -> control (a Slider from ``int_slider``/``float_slider``, or an
    ipywidgets Dropdown), in the order shown; ``explanation``: HTML shown below the controls.
    """

    def __init__(self, controls, explanation):
        as_instance(controls, dict, "controls")
        if not controls:
            raise ValueError("controls is empty; expected at least one control")
        for name, control in controls.items():
            if not isinstance(control, (Slider, ipywidgets.Dropdown)):
                raise TypeError(f"controls[{name!r}] is {describe_value(control)}; expected a Slider "
                                "(from int_slider or float_slider) or an ipywidgets Dropdown")
        as_instance(explanation, str, "explanation")
        self.controls = controls
        self.readout = Readout()
        self.figure = FigureImage()
        self.values = {}
        note = ipywidgets.HTML(f"<div style='line-height: 1.4; font-size: 13px'>{explanation}</div>",
                               layout=ipywidgets.Layout(width=f"{ROW_WIDTH}px"))
        left = ipywidgets.VBox(list(controls.values()) + [note],
                               layout=ipywidgets.Layout(width=f"{ROW_WIDTH + 20}px"))
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
        its key numbers, as for a static figure: see ``_common.describe``), sent to the browser in
        one message so that the picture and its description never disagree."""
        if not isinstance(png, bytes):
            raise TypeError(f"png is {describe_value(png)}; expected the bytes of a PNG image")
        if not png.startswith(PNG_SIGNATURE):
            raise ValueError(f"png starts with {png[:8]!r}; expected the PNG signature {PNG_SIGNATURE!r}")
        if not isinstance(alt, str):
            raise TypeError(f"alt is {describe_value(alt)}; expected a string saying what the figure shows")
        alt = " ".join(alt.split())
        if not alt:
            raise ValueError("alt is empty; expected a sentence saying what the figure shows")
        with self.figure.hold_sync():
            self.figure.value = png
            self.figure.alt = alt

    @property
    def figure_alt(self):
        """The text alternative of the figure shown now."""
        return self.figure.alt

    def update(self):  # pragma: no cover - every widget defines it
        raise NotImplementedError
