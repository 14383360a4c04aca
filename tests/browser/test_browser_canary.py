"""The browser checks can fail: they pass on a small sound notebook and catch a broken one.

Throwaway notebooks are written into the server's temporary copy (never into the repository).
Their widgets are built from ``hmlib.views._controls``, as the course's are (accessible range
inputs with labels, a ``role="status"`` readout, an ``img.hm-figure`` whose alt is set with
``Widget.set_figure``), so the checks are exercised on the markup the students get:
- ``sound.ipynb``: a widget as it should be (n and n squared, and a bar n high);
- ``broken.ipynb``: the same widget broken on purpose (a callback that raises, a figure stretched
  beyond its pixels with a description cut off, a figure shown without its text alternative, an
  empty readout, no figure at all), next to generic faults: a widget whose view name was renamed
  so the browser cannot build it, an hm-widget without controls, and a cell that raises;
- ``projector.ipynb``: a widget built for a projector (a 530 px control row with the number box of
  a 41-position slider, a 960 px figure) and a cramped one (a 400 px row, the same 41 positions
  without the number box, a 300 px figure); the projector checks of test_browser_layout.py pass
  the first and name every fault of the second.

The faults that _controls itself refuses (a figure without alt, a many-position slider without
its box) are made by setting the traits directly, as a topic module that bypasses
``set_figure`` would. The faults that need a wrong layout (a stretched figure, a narrow row) are
made with a style sheet shown by the cell, scoped to that widget by a class of its own.
"""

import nbformat

from jupyterlab_driver import PROJECTOR_VIEWPORT, projector_problems

FIGURE_INCHES, FIGURE_DPI = 2, 60  # the canary's bar: 120 pixels wide

WIDGET_SOURCE = f'''\
import io
import ipywidgets as widgets
from IPython.display import HTML, display
from matplotlib.figure import Figure
from hmlib.views import _controls


def bar_png(height):
    """A bar `height` high on a 0..30 axis (one step of n moves its top by 3 pixels), as PNG bytes
    {FIGURE_INCHES * FIGURE_DPI} pixels wide."""
    fig = Figure(figsize=({FIGURE_INCHES}, 2))
    ax = fig.add_subplot()
    ax.bar([0], [height])
    ax.set_ylim(0, 30)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi={FIGURE_DPI})
    return buffer.getvalue()


class Square(_controls.Widget):
    """n and n squared, and a bar n high. `fault` breaks it on purpose: "raise" (the
    callback raises after the first drawing), "no alt" (the PNG is set without its text),
    "no readout" (the readout stays empty), "no figure" (nothing is drawn)."""

    def __init__(self, description="n", fault=None):
        self.fault = fault
        super().__init__({{"n": _controls.int_slider(description, 0, 30, 2, "n")}}, "n and its square")

    def update(self):
        n = self.controls["n"].value
        if self.fault == "raise" and self.values:
            raise RuntimeError("callback broken on purpose")
        self.values = {{"n": n}}
        if self.fault != "no readout":
            self.readout.value = f"n = {{n}}, n squared = {{n * n}}"
        if self.fault == "no alt":
            self.figure.value = bar_png(n)  # the picture without its text: set_figure bypassed
        elif self.fault != "no figure":
            self.set_figure(bar_png(n), f"A bar {{n}} high on a scale of 0 to 30")
'''

RENAMED_VIEW = '''\
# NBVAL_IGNORE_OUTPUT
renamed = widgets.IntSlider(description="renamed", continuous_update=False)
renamed._view_name = "IntSliderViewRenamedOnPurpose"  # the browser has no such view
widgets.VBox([renamed, widgets.HTML("x = 1").add_class("hm-readout")]).add_class("hm-widget")
'''

STRETCHED = '''\
# NBVAL_IGNORE_OUTPUT
stretched = Square(description="a description far too long for its box")
stretched.layout.align_items = "stretch"  # the figure's box fills the width...
stretched.add_class("hm-canary-stretched")  # ...and the image fills its box: upscaled, blurred
display(HTML("<style>.hm-canary-stretched img.hm-figure { width: 100%; }</style>"))
stretched
'''


def _write(server, name, cells):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    folder = server.root / "canary"
    folder.mkdir(exist_ok=True)
    nbformat.write(notebook, folder / name)
    return f"canary/{name}"


def test_sound_widget_passes_every_check(lab):
    path = _write(lab.server, "sound.ipynb", [WIDGET_SOURCE, "# NBVAL_IGNORE_OUTPUT\nSquare()"])
    lab.open_notebook(path)
    lab.run_all()
    assert lab.problems() == []
    widget = lab.hm_widgets().first
    assert lab.slider_labels(widget) == ["n"]
    alt_before = lab.figure_alt(widget)
    before, after, src_before, src_after, key = lab.nudge_slider(widget)
    assert (before, after, key) == ("n = 2, n squared = 4", "n = 3, n squared = 9", "ArrowRight")
    assert src_before.startswith(("data:image/png", "blob:")), src_before[:40]
    assert src_after != src_before, "the figure did not change"
    assert (alt_before, lab.figure_alt(widget)) == ("A bar 2 high on a scale of 0 to 30",
                                                    "A bar 3 high on a scale of 0 to 30")
    assert lab.problems() == []


def test_broken_widgets_are_reported(lab):
    path = _write(lab.server, "broken.ipynb", [
        WIDGET_SOURCE,
        "# NBVAL_IGNORE_OUTPUT\nSquare(fault='raise')",
        RENAMED_VIEW,
        "# NBVAL_IGNORE_OUTPUT\nrenamed",
        "# NBVAL_IGNORE_OUTPUT\nwidgets.VBox([widgets.HTML('no controls')]).add_class('hm-widget')",
        STRETCHED,
        "# NBVAL_IGNORE_OUTPUT\nSquare(fault='no alt')",
        "# NBVAL_IGNORE_OUTPUT\nSquare(fault='no readout')",
        "# NBVAL_IGNORE_OUTPUT\nSquare(fault='no figure')",
        "1 / 0",
    ])
    lab.open_notebook(path)
    lab.run_all()
    lab.screenshot("canary-broken")
    problems = "\n".join(lab.problems())

    # The widget whose callback raises still renders, but a key press changes nothing,
    # and the kernel's traceback, which no cell shows, is reported.
    widget = lab.hm_widgets().first
    before, after, src_before, src_after, _ = lab.nudge_slider(widget, timeout=5)
    assert before == "n = 2, n squared = 4"
    assert (after, src_after) == (before, src_before)
    assert lab.kernel_messages() == ["comm_msg: RuntimeError: callback broken on purpose"]

    # Each fault is named, in the cell that has it (first lines are cut at 60 characters).
    renamed = "cell 2 ('renamed = widgets.IntSlider(description=\"renamed\", continuou')"
    no_controls = "cell 4 (\"widgets.VBox([widgets.HTML('no controls')]).add_class('hm-wi\") hm-widget 0"
    stretched = "cell 5 ('stretched = Square(description=\"a description far too long f') hm-widget 0"
    expected = [
        "cell 9 ('1 / 0') raised ZeroDivisionError: division by zero",
        f"{renamed} shows 'Click to show javascript error'",
        "cell 3 ('renamed') shows 1 widget(s) that failed to render",
        "browser console error: Error: Class IntSliderViewRenamedOnPurpose not found",
        f"{no_controls} rendered no slider or dropdown",
        f"{stretched} stretches its {FIGURE_INCHES * FIGURE_DPI} px wide figure",
        f"{stretched} cuts off the description 'a description far too long for its box'",
        "cell 6 (\"Square(fault='no alt')\") hm-widget 0 has an hm-figure with an empty alt",
        "cell 7 (\"Square(fault='no readout')\") hm-widget 0 has an empty hm-readout",
        "cell 8 (\"Square(fault='no figure')\") hm-widget 0 has an hm-figure image that did not load",
    ]
    missing = [phrase for phrase in expected if phrase not in problems]
    assert not missing, "not reported:\n  " + "\n  ".join(missing) + "\nreported:\n" + problems


PROJECTOR_SOURCE = '''\
import io
from IPython.display import HTML, display
from matplotlib.figure import Figure
from hmlib.views import _controls


class Steps(_controls.Widget):
    """A "training steps" slider over 0..40 (41 positions, so _controls adds a number box), a
    readout and a line plot `inches` wide at 100 dpi."""

    def __init__(self, inches):
        self.inches = inches
        super().__init__({"steps": _controls.int_slider("training steps", 0, 40, 20, "steps")}, "steps")

    def update(self):
        steps = self.controls["steps"].value
        self.readout.value = f"steps = {steps}"
        fig = Figure(figsize=(self.inches, 1.5), dpi=100)
        fig.add_subplot().plot([0, steps])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        self.set_figure(buffer.getvalue(), f"A line rising from 0 to {steps}")


def cramped(row_px, inches):
    """Steps with its control row `row_px` wide and no number box."""
    widget = Steps(inches)
    widget.controls["steps"].set_trait("boxed", False)  # 41 positions and nothing to type into
    widget.add_class("hm-canary-cramped")
    display(HTML(f"<style>.hm-canary-cramped .hm-control {{ width: {row_px}px; }}</style>"))
    return widget
'''


def test_projector_checks_pass_a_roomy_widget_and_catch_a_cramped_one(lab):
    lab.page.set_viewport_size(PROJECTOR_VIEWPORT)
    path = _write(lab.server, "projector.ipynb", [
        PROJECTOR_SOURCE,
        "# NBVAL_IGNORE_OUTPUT\nSteps(inches=9.6)",
        "# NBVAL_IGNORE_OUTPUT\ncramped(row_px=400, inches=3.0)",
    ])
    lab.open_notebook(path)
    lab.run_all()
    assert lab.problems() == []
    roomy, cramped = lab.measure_widgets()
    assert projector_problems([roomy]) == []
    problems = "\n".join(projector_problems([cramped]))
    expected = [
        "hm-widget 0 slider 'training steps': track ",
        "px, narrower than 250 px",
        "hm-widget 0 slider 'training steps': 41 positions and no editable value box beside it",
        "hm-widget 0: figure 300 px wide, less than 80% of the",
    ]
    missing = [phrase for phrase in expected if phrase not in problems]
    assert not missing, "not reported:\n  " + "\n  ".join(missing) + "\nreported:\n" + problems
    assert lab.time_key(widget_index=1) is not None, "the cramped widget still answers the keyboard"
