"""The browser checks can fail: they pass on a small sound notebook and catch a broken one.

Two throwaway notebooks are written into the server's temporary copy (never into the repository).
Both build the same widget, written inline after the widget contract (an ``hm-widget`` box with an
IntSlider, an ``hm-readout`` HTML and an ``hm-figure`` PNG image):
- ``sound.ipynb``: the widget as it should be;
- ``broken.ipynb``: the same widget with a callback that raises, a widget whose view name was
  renamed so the browser cannot build it, an hm-widget without controls, one whose figure is
  stretched and whose description is cut off, and a cell that raises.

A third, ``projector.ipynb``, holds a widget built for a projector (a 530 px slider row with an
editable value box, a 960 px figure) and a cramped one (a 100 px row, 41 positions and no value
box, a 300 px figure); the projector checks of test_browser_layout.py pass the first and name
every fault of the second.
"""

import nbformat

from jupyterlab_driver import PROJECTOR_VIEWPORT, projector_problems

WIDGET_SOURCE = '''\
import io
import ipywidgets as widgets
from matplotlib.figure import Figure


def square_widget(fail=False):
    """n and n squared, a bar of height n squared; with fail=True the callback raises."""
    slider = widgets.IntSlider(value=2, min=0, max=10, description="n", continuous_update=False)
    readout = widgets.HTML().add_class("hm-readout")
    figure = widgets.Image(format="png").add_class("hm-figure")

    def update(change=None):
        if fail and change is not None:
            raise RuntimeError("callback broken on purpose")
        n = slider.value
        readout.value = f"n = {n}, n squared = {n * n}"
        fig = Figure(figsize=(2, 2))
        ax = fig.add_subplot()
        ax.bar([0], [n * n])
        ax.set_ylim(0, 100)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=60)
        figure.value = buffer.getvalue()

    slider.observe(update, names="value")
    update()
    box = widgets.VBox([slider, readout, figure], layout=widgets.Layout(align_items="flex-start"))
    return box.add_class("hm-widget")
'''

RENAMED_VIEW = '''\
# NBVAL_IGNORE_OUTPUT
renamed = widgets.IntSlider(description="renamed", continuous_update=False)
renamed._view_name = "IntSliderViewRenamedOnPurpose"  # the browser has no such view
widgets.VBox([renamed, widgets.HTML("x = 1").add_class("hm-readout")]).add_class("hm-widget")
'''


STRETCHED = '''\
# NBVAL_IGNORE_OUTPUT
stretched = square_widget()
stretched.layout.align_items = "stretch"  # the image fills the width: upscaled and blurred
stretched.children[0].description = "a description far too long for its box"
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
    path = _write(lab.server, "sound.ipynb", [
        WIDGET_SOURCE, "# NBVAL_IGNORE_OUTPUT\nsquare_widget()"])
    lab.open_notebook(path)
    lab.run_all()
    assert lab.problems() == []
    widget = lab.hm_widgets().first
    before, after, src_before, src_after, key = lab.nudge_slider(widget)
    assert (before, after, key) == ("n = 2, n squared = 4", "n = 3, n squared = 9", "ArrowRight")
    assert src_before.startswith(("data:image/png", "blob:")), src_before[:40]
    assert src_after != src_before, "the figure did not change"
    assert lab.problems() == []


def test_broken_widgets_are_reported(lab):
    path = _write(lab.server, "broken.ipynb", [
        WIDGET_SOURCE,
        "# NBVAL_IGNORE_OUTPUT\nsquare_widget(fail=True)",
        RENAMED_VIEW,
        "# NBVAL_IGNORE_OUTPUT\nrenamed",
        "# NBVAL_IGNORE_OUTPUT\nwidgets.VBox([widgets.HTML('no controls')]).add_class('hm-widget')",
        STRETCHED,
        "1 / 0",
    ])
    lab.open_notebook(path)
    lab.run_all()
    lab.screenshot("canary-broken")
    problems = "\n".join(lab.problems())
    assert "cell 6 ('1 / 0') raised ZeroDivisionError: division by zero" in problems, problems
    assert "cell 2 ('renamed = " in problems, problems
    assert "hm-widget 0 rendered no slider or dropdown" in problems, problems
    assert "cell 3 ('renamed') shows 1 widget(s) that failed to render" in problems, problems
    assert "cell 4 (\"widgets.VBox([widgets.HTML('no controls')" in problems, problems
    assert "IntSliderViewRenamedOnPurpose not found" in problems, problems  # console error
    assert "cell 5 ('stretched = square_widget()') hm-widget 0 stretches its 120 px" in problems
    assert "cuts off the description 'a description far too long for its box'" in problems

    # The widget whose callback raises still renders, but a slider move changes nothing,
    # and the kernel's traceback, which no cell shows, is reported.
    widget = lab.hm_widgets().first
    before, after, src_before, src_after, _ = lab.nudge_slider(widget, timeout=5)
    assert before == "n = 2, n squared = 4"
    assert (after, src_after) == (before, src_before)
    assert lab.kernel_messages() == ["comm_msg: RuntimeError: callback broken on purpose"]


PROJECTOR_SOURCE = '''\
import io
import ipywidgets as widgets
from matplotlib.figure import Figure


def sized_widget(row_px, figure_inches, value_box):
    """A 0..40 slider in a row `row_px` wide (with an editable value box if `value_box`), a readout,
    and a figure `figure_inches` wide at 100 dpi."""
    slider = widgets.IntSlider(value=20, min=0, max=40, description="training steps", continuous_update=False,
                               readout=not value_box, style={"description_width": "150px"}, layout=widgets.Layout(width=f"{row_px}px"))
    readout = widgets.HTML().add_class("hm-readout")
    figure = widgets.Image(format="png").add_class("hm-figure")

    def update(change=None):
        readout.value = f"steps = {slider.value}"
        fig = Figure(figsize=(figure_inches, 1.5), dpi=100)
        fig.add_subplot().plot([0, slider.value])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        figure.value = buffer.getvalue()

    slider.observe(update, names="value")
    update()
    row = slider
    if value_box:
        box = widgets.BoundedIntText(value=20, min=0, max=40, layout=widgets.Layout(width="90px")).add_class("hm-value")
        widgets.jslink((slider, "value"), (box, "value"))
        row = widgets.HBox([slider, box])
    return widgets.VBox([row, readout, figure], layout=widgets.Layout(align_items="flex-start")).add_class("hm-widget")
'''


def test_projector_checks_pass_a_roomy_widget_and_catch_a_cramped_one(lab):
    lab.page.set_viewport_size(PROJECTOR_VIEWPORT)
    path = _write(lab.server, "projector.ipynb", [
        PROJECTOR_SOURCE,
        "# NBVAL_IGNORE_OUTPUT\nsized_widget(row_px=440, figure_inches=9.6, value_box=True)",
        "# NBVAL_IGNORE_OUTPUT\nsized_widget(row_px=200, figure_inches=3.0, value_box=False)",
    ])
    lab.open_notebook(path)
    lab.run_all()
    roomy, cramped = lab.measure_widgets()
    assert projector_problems([roomy]) == []
    problems = "\n".join(projector_problems([cramped]))
    assert "slider 'training steps': track" in problems and "narrower than 250 px" in problems, problems
    assert "41 positions and no editable value box beside it" in problems, problems
    assert "figure 300 px wide, less than 80% of the" in problems, problems
    assert lab.time_key(widget_index=1) is not None, "the cramped widget still answers the keyboard"
