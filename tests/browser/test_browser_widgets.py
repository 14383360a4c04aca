"""Sliders moved with the keyboard change what the widgets of notebooks 04, 05 and 06 display.

A slider handle is focused and ArrowRight pressed, as a student using the keyboard would; the
widget's ``hm-readout`` must show different numbers afterwards. For the free-energy explorer of
notebook 04 the readout must also still satisfy -F + KL = log Z (Eq. (6)) to its printed four
decimals and its ``hm-figure`` image must change; one more training step must leave log Z where
it was and not lower -F. Screenshots of the moved widgets go to tests/browser/artifacts/.
"""

import re

import pytest

from jupyterlab_driver import NOTEBOOK_DIR

PRINTED_TOLERANCE = 2e-4  # three numbers each rounded to 4 decimals: |error| <= 1.5e-4
EXPLORER_NUMBERS = {"log_z": r"log Z = (-?\d+\.\d+)", "neg_f": r"-F = (-?\d+\.\d+)",
                    "kl": r"KL = (-?\d+\.\d+)"}


def notebook(prefix):
    """The notebook whose name starts with `prefix` (e.g. '04_'); fails when there is none."""
    names = sorted(p.name for p in NOTEBOOK_DIR.glob(f"{prefix}*.ipynb"))
    assert len(names) == 1, f"expected one notebook {prefix}*.ipynb in notebooks/, found {names}"
    return names[0]


def run_notebook(lab, name):
    """Open and run `name`; fail with the problems list if it does not run cleanly."""
    lab.open_notebook(name)
    lab.run_all()
    problems = lab.problems()
    assert not problems, f"{name} did not run cleanly:\n  " + "\n  ".join(problems)


def explorer_numbers(readout):
    """{'log_z', 'neg_f', 'kl'} parsed from the explorer's readout text."""
    numbers = {}
    readout = readout.replace("\u2212", "-")  # a typographic minus reads as an ASCII one
    for key, pattern in EXPLORER_NUMBERS.items():
        match = re.search(pattern, readout)
        assert match, f"no {pattern!r} in the explorer's readout {readout!r}"
        numbers[key] = float(match.group(1))
    return numbers


def assert_identity(numbers, when):
    gap = numbers["neg_f"] + numbers["kl"] - numbers["log_z"]
    assert abs(gap) <= PRINTED_TOLERANCE, (
        f"{when}: -F + KL - log Z = {gap:.6f} from the readout {numbers}")


def test_free_energy_explorer_answers_the_keyboard(lab):
    check_explorer(lab, notebook("04_"))


@pytest.mark.parametrize("prefix", ["05_", "06_"])
def test_a_widget_answers_the_keyboard(lab, prefix):
    check_first_widget(lab, notebook(prefix), screenshot=f"{prefix}widget_after_keyboard")


def check_explorer(lab, name):
    """Run `name`, find the free-energy explorer, move two of its sliders, check what it shows."""
    run_notebook(lab, name)
    widgets = lab.hm_widgets()
    explorers = [widgets.nth(i) for i in range(widgets.count())
                 if all(re.search(p, lab.readout(widgets.nth(i)))
                        for p in EXPLORER_NUMBERS.values())]
    assert explorers, f"{name}: no hm-widget whose readout shows log Z, -F and KL"
    explorer = explorers[0]
    assert lab.sliders(explorer).count() >= 1, "the explorer has no slider"

    before, after, src_before, src_after, key = lab.nudge_slider(explorer, 0)
    lab.screenshot_element(explorer, name.removesuffix(".ipynb") + "_explorer_after_keyboard")
    assert after != before, (f"{key} on the explorer's first slider left the readout at "
                             f"{before!r}; kernel errors: {lab.kernel_messages()}")
    assert src_after != src_before, f"{key} on the explorer's first slider left the figure as it was"
    old, new = explorer_numbers(before), explorer_numbers(after)
    assert_identity(old, "before the slider moved")
    assert_identity(new, f"after {key} on the first slider")
    assert old != new, f"the numbers did not change: {old}"

    # Training steps move only the recognition weights: -F rises (never falls), log Z stays.
    steps = lab.slider_index(explorer, "training steps")
    assert steps is not None, "the explorer has no slider labelled 'training steps'"
    before, after, src_before, src_after, key = lab.nudge_slider(explorer, steps)
    lab.screenshot_element(explorer, name.removesuffix(".ipynb") + "_explorer_after_training_step")
    old, new = explorer_numbers(before), explorer_numbers(after)
    assert key == "ArrowRight" and old != new, f"{key} on 'training steps' changed nothing: {old}"
    assert_identity(new, "after one more training step")
    assert new["log_z"] == old["log_z"], f"log Z moved with the recognition weights: {old} {new}"
    assert new["neg_f"] >= old["neg_f"], f"-F fell during training: {old} -> {new}"
    assert src_after != src_before, "the figure did not follow the training step"
    assert lab.problems() == []


def check_first_widget(lab, name, screenshot):
    """Run `name`; ArrowRight on the first slider of its first hm-widget changes the readout."""
    run_notebook(lab, name)
    widgets = lab.hm_widgets()
    with_sliders = [widgets.nth(i) for i in range(widgets.count())
                    if lab.sliders(widgets.nth(i)).count() and lab.readout(widgets.nth(i))]
    assert with_sliders, f"{name}: no hm-widget with a slider and an hm-readout"
    widget = with_sliders[0]
    before, after, src_before, src_after, key = lab.nudge_slider(widget, 0)
    lab.screenshot_element(widget, screenshot)
    assert after != before, (f"{name}: {key} on the first slider left the readout at {before!r}; "
                             f"kernel errors: {lab.kernel_messages()}")
    assert re.search(r"\d", after), f"{name}: the readout shows no numbers: {after!r}"
    assert lab.problems() == []
