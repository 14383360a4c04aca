"""The notebooks as live slides: notebook 04 presented with jupyterlab-slideshow, stepped with the keyboard.

After *Run All Cells* the first cell is selected and "Start Deck" starts presentation mode, as a
teacher does from the command palette or the deck button of the notebook toolbar. Space steps
forward through slides, sub-slides and fragments, as a clicker does: each press must show the next
cells, in order, never the skipped imports; Shift+Space steps back. On the slide of the
free-energy explorer a slider moved with the keyboard must change the readout without leaving the
slide; the time from the key press to the new readout is printed. Nothing may reach the browser
console or come back from the kernel as an error. "Stop Deck" always ends the test, because the
extension remembers presentation mode in the user settings that later tests share.

`test_slide_metadata` checks every notebook's slide types without a browser: a slide per heading,
the imports skipped, and no cell marked "-", which jupyterlab-slideshow would hide (a cell that
continues a slide has no slide type; JupyterLab's property inspector shows that as "-").
"""

import json

import nbformat
import pytest

from jupyterlab_driver import ARTIFACTS, NOTEBOOK_DIR, notebook_names
from test_browser_widgets import notebook, run_notebook

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes"}
MAX_STEPS = 80  # Space presses allowed to reach the explorer's slide in notebook 04
MIN_STEPS = 10  # notebook 04 has at least this many slides and fragments before the explorer
SANITY_MS = 5000  # a key press that takes longer than this to change the readout is broken


def press(lab, key):
    """Press `key` on the page (the deck listens on the notebook) and return the deck's state."""
    lab.page.keyboard.press(key)
    lab.page.wait_for_timeout(300)  # the deck scrolls to the new slide
    return lab.deck_state()


def visible_text(lab):
    return " ".join(lab.page.locator(".jp-deck-mod-visible").all_inner_texts())


def test_slideshow_of_notebook_04_steps_and_its_explorer_answers(lab, capsys):
    name = notebook("04_")
    run_notebook(lab, name)
    try:
        state = lab.start_deck()
        assert state["presenting"] and state["visible"] == [0], f"the deck did not start at the title: {state}"
        skipped = 1  # the imports
        shown, seen_quote = [state["visible"]], False
        for _ in range(MAX_STEPS):
            new = press(lab, "Space")
            assert new["active"] >= state["active"], f"Space went backwards: {state} -> {new}"
            assert skipped not in new["visible"], f"the deck shows the skipped imports: {new}"
            if new["visible"] != shown[-1]:
                shown.append(new["visible"])
            seen_quote |= "The design document, Eq. (6), as written" in visible_text(lab)
            state = new
            if lab.page.locator(".jp-deck-mod-visible .hm-widget").count():
                break
        else:
            pytest.fail(f"{MAX_STEPS} presses of Space never reached the explorer; slides shown: {shown}")
        assert len(shown) >= MIN_STEPS, f"only {len(shown)} steps before the explorer: {shown}"
        assert seen_quote, "no slide showed the design document's Eq. (6) as written"
        lab.screenshot_element(lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)"), "04_slide_explorer")

        back = press(lab, "Shift+Space")
        assert back["active"] < state["active"], f"Shift+Space did not step back: {state} -> {back}"
        again = press(lab, "Space")
        assert again["visible"] == state["visible"], f"Space after Shift+Space: {again}, expected {state}"

        widget = lab.hm_widgets().first
        before = lab.readout(widget)
        latency = lab.time_key(widget_index=0, slider_index=0)
        after = lab.readout(widget)
        on_slide = lab.deck_state()
        with capsys.disabled():
            print(f"\n[slideshow] {name}: {len(shown)} steps to the explorer; key press to new readout "
                  f"on the slide: {latency:.0f} ms" if latency is not None else "\n[slideshow] no change")
        assert latency is not None and after != before, f"the slider on the slide left the readout at {before!r}"
        assert latency < SANITY_MS, f"the readout took {latency:.0f} ms to change"
        assert on_slide["presenting"] and set(state["visible"]) <= set(on_slide["visible"]), (
            f"moving the slider left the explorer's slide: {state} -> {on_slide}")
        lab.screenshot_element(lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)"), "04_slide_after_keyboard")
        assert lab.kernel_messages() == []
        assert lab.console_errors == [], lab.console_errors
    finally:
        lab.stop_deck()
    (ARTIFACTS / "slideshow.json").write_text(json.dumps({"notebook": name, "steps": shown, "latency_ms": latency}))


@pytest.mark.parametrize("name", notebook_names() or ["<no notebook found in notebooks/>"])
def test_slide_metadata(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    types = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells]
    assert types[0] == "slide", f"{name}: the title cell is not a slide"
    for index, (cell, kind) in enumerate(zip(nb.cells, types)):
        where = f"{name} cell {index}"
        assert kind is None or kind in SLIDE_TYPES, (
            f"{where} has slide_type {kind!r}; a cell that continues a slide has none "
            "(jupyterlab-slideshow hides a cell marked '-')")
        if cell.cell_type == "markdown" and cell.source.startswith(("# ", "## ")):
            assert kind == "slide", f"{where} starts a section ({cell.source.splitlines()[0]!r}) but is not a slide"
    first_code = types[next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")]
    assert first_code == "skip", f"{name}: the first code cell (the imports) is not skipped in the slideshow"
    assert types.count("slide") >= 3, f"{name} has fewer than 3 slides"
