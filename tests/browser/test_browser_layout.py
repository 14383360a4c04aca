"""The widgets of notebooks 04, 05 and 06 fit a projector, and answer a key press quickly.

At a 1280x800 viewport (a common projector), after *Run All Cells*, every ``hm-widget`` is
measured in the browser: each slider track is at least 250 px wide, no label is cut
(scrollWidth <= clientWidth), every slider with more than 20 positions has an editable value box
beside it, and each figure is at least 80% as wide as the notebook column. A test fails if any of
them shrinks (`projector_problems` in jupyterlab_driver.py; the canary shows the check can fail).

Then one control is timed end to end: from the keydown event of ArrowRight on the first slider to
the changed readout, in the page's own clock. The time is printed (and written to
tests/browser/artifacts/) for the record; only a generous sanity bound is asserted, because
wall-clock time depends on the machine and its load.
"""

import json

import pytest

from jupyterlab_driver import ARTIFACTS, PROJECTOR_VIEWPORT, projector_problems
from test_browser_widgets import notebook, run_notebook

SANITY_MS = 5000  # a key press that takes longer than this to change the readout is broken


@pytest.mark.parametrize("prefix", ["04_", "05_", "06_"])
def test_widgets_fit_a_projector_and_answer_quickly(lab, prefix, capsys):
    lab.page.set_viewport_size(PROJECTOR_VIEWPORT)
    name = notebook(prefix)
    run_notebook(lab, name)
    measurements = lab.measure_widgets()
    assert measurements, f"{name}: no hm-widget to measure"
    latency = lab.time_key(widget_index=0, slider_index=0)

    tracks = [slider["track"] for widget in measurements for slider in widget["sliders"]]
    fills = [figure["shown"] / widget["column"] for widget in measurements for figure in widget["figures"]]
    boxed = [slider["label"] for widget in measurements for slider in widget["sliders"] if slider["box"]]
    summary = {"notebook": name, "viewport": PROJECTOR_VIEWPORT, "column_px": measurements[0]["column"],
               "narrowest_track_px": min(tracks), "figure_fill": [round(f, 3) for f in fills],
               "sliders_with_value_box": boxed, "key_to_readout_ms": latency, "widgets": measurements}
    (ARTIFACTS / f"projector_{prefix.rstrip('_')}.json").write_text(json.dumps(summary, indent=1))
    with capsys.disabled():
        shown = "no change" if latency is None else f"{latency:.0f} ms"
        print(f"\n[projector] {name}: column {measurements[0]['column']} px, narrowest track {min(tracks):.0f} px, "
              f"figure fill {', '.join(f'{f:.0%}' for f in fills)}, value boxes on {boxed}; "
              f"first slider, key press to new readout: {shown}")

    problems = projector_problems(measurements)
    assert not problems, f"{name} at {PROJECTOR_VIEWPORT}:\n  " + "\n  ".join(problems)
    assert latency is not None, f"{name}: ArrowRight on the first slider did not change the readout"
    assert latency < SANITY_MS, f"{name}: the readout took {latency:.0f} ms to change"
    assert lab.problems() == []
