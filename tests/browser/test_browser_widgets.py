"""The widgets of notebooks 04, 05 and 06 answer the keyboard, and a screen reader can use them.

Notebook 04's free-energy explorer is walked with the keyboard alone, as a student who does not use
a mouse would: Tab from the start of the widget to its first control, ArrowRight, Tab to the
second control, ArrowRight, Tab on to "training steps", ArrowRight, Tab into its number box, type
a value and Enter. After each step the ``hm-readout`` must show new numbers, and those numbers
must be the ones ``hmlib.exact`` gives for the settings the controls now show (computed here, not
read from the page). Every control must be found by its accessible name, as a screen reader finds
it (``get_by_role``), and the focused control must draw a focus ring at least 2 px wide with a
contrast of at least 3:1 against what is behind it (WCAG 2.4.7, 1.4.11). The readout must be one
``role="status"`` ``aria-live="polite"`` element that stays in the page, and the figure's text
alternative must follow the figure. The same controls are checked again in JupyterLab's dark theme.

For notebooks 05 and 06, ArrowRight on the first slider of the first widget changes its readout.
Screenshots of the walked widgets go to tests/browser/artifacts/.
"""

import re

import pytest

from hmlib import exact
from hmlib.model import HelmholtzMachine
from hmlib.recognition_fit import N_STEPS, explorer_trajectory, pattern_string
from jupyterlab_driver import NOTEBOOK_DIR

PRINTED_TOLERANCE = 2e-4  # three numbers each rounded to 4 decimals: |error| <= 1.5e-4
SHOWN_TOLERANCE = 0.5e-4 + 1e-9  # one number rounded to 4 decimals
EXPLORER_NUMBERS = {"log_z": r"log Z = (-?\d+\.\d+)", "neg_f": r"-F = (-?\d+\.\d+)",
                    "kl": r"KL = (-?\d+\.\d+)"}
EXPLORER_CONTROLS = ["layer 2 units", "layer 3 units", "pattern x (index)", "seed", "training steps"]
STEPS_BOX = "training steps, value"  # the accessible name of the number box beside "training steps"
MIN_FOCUS_RING_PX = 2
MIN_NON_TEXT_CONTRAST = 3.0  # WCAG 1.4.11: focus rings and control boundaries
MIN_TEXT_CONTRAST = 4.5  # WCAG 1.4.3: labels and readout


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


def expected_explorer(settings):
    """What the explorer must show for `settings` ({control description: value}), from hmlib.exact
    on the machine of those settings after that many training steps."""
    trajectory = explorer_trajectory(settings["layer 2 units"], settings["layer 3 units"],
                                     settings["pattern x (index)"], settings["seed"])
    hm, x = trajectory["machine"], trajectory["x"]
    trained = HelmholtzMachine(hm.theta, hm.theta_bias, *trajectory["params"][settings["training steps"]],
                               imaging=hm.imaging)
    return {"log_z": exact.log_evidence(trained, x)[0], "neg_f": -exact.free_energy(trained, x)[0],
            "kl": exact.kl_divergence(trained, x)[0], "x": pattern_string(x), "sizes": trained.sizes}


def assert_readout_matches(lab, explorer, when):
    """The explorer's readout shows what hmlib.exact gives for the settings its controls show."""
    settings = {name: int(value) for name, value in lab.slider_values(explorer).items()}
    readout = lab.readout(explorer)
    shown, expected = explorer_numbers(readout), expected_explorer(settings)
    assert_identity(shown, when)
    for key in EXPLORER_NUMBERS:
        assert abs(shown[key] - expected[key]) <= SHOWN_TOLERANCE, (
            f"{when}: the readout shows {key} = {shown[key]}, hmlib.exact gives {expected[key]:.6f} "
            f"for {settings}; readout {readout!r}")
    sizes = "\u2013".join(str(n) for n in expected["sizes"])
    where = f"x = {expected['x']} \u00b7 machine {sizes} \u00b7 step {settings['training steps']} of {N_STEPS}"
    assert where in readout, f"{when}: expected {where!r} in the readout {readout!r}"
    return shown


def relative_luminance(css):
    """WCAG 2.1 relative luminance of a CSS colour 'rgb(r, g, b)' or 'rgba(r, g, b, a)'."""
    channels = [float(c) / 255 for c in re.findall(r"[\d.]+", css)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    """WCAG 2.1 contrast ratio of two CSS colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def assert_focused(lab, role_name, kind="range"):
    """The focused element is the `kind` input named `role_name`, with a visible focus ring."""
    focused = lab.focused()
    assert focused and focused["tag"] == "input" and focused["type"] == kind, (
        f"expected the {kind} input {role_name!r} to have the focus, found {focused}")
    assert focused["name"] == role_name, f"Tab reached {focused['name']!r}, expected {role_name!r}"
    assert focused["focusVisible"], f"{role_name!r}: keyboard focus does not match :focus-visible"
    assert focused["outlineStyle"] not in ("none", "hidden"), f"{role_name!r}: no focus outline: {focused}"
    assert focused["outlineWidth"] >= MIN_FOCUS_RING_PX, f"{role_name!r}: focus outline {focused['outlineWidth']} px"
    ratio = contrast(focused["outlineColor"], focused["background"])
    assert ratio >= MIN_NON_TEXT_CONTRAST, (
        f"{role_name!r}: focus outline {focused['outlineColor']} on {focused['background']} has contrast {ratio:.2f}")
    return focused


def find_explorer(lab, name):
    widgets = lab.hm_widgets()
    explorers = [widgets.nth(i) for i in range(widgets.count())
                 if all(re.search(p, lab.readout(widgets.nth(i))) for p in EXPLORER_NUMBERS.values())]
    assert explorers, f"{name}: no hm-widget whose readout shows log Z, -F and KL"
    return explorers[0]


def test_free_energy_explorer_walked_with_the_keyboard_alone(lab):
    name = notebook("04_")
    run_notebook(lab, name)
    explorer = find_explorer(lab, name)
    stem = name.removesuffix(".ipynb")

    # A screen reader finds each control by its visible label, and the number box by its own name.
    assert lab.slider_labels(explorer) == EXPLORER_CONTROLS
    for label in EXPLORER_CONTROLS:
        assert explorer.get_by_role("slider", name=label, exact=True).count() == 1, f"no slider named {label!r}"
    assert explorer.get_by_role("spinbutton", name=STEPS_BOX, exact=True).count() == 1, f"no box named {STEPS_BOX!r}"
    region = lab.readout_region(explorer)
    assert (region["role"], region["live"]) == ("status", "polite"), f"the readout is no polite live region: {region}"
    lab.mark_readout(explorer)
    assert_readout_matches(lab, explorer, "as the notebook left it")
    alts = [lab.figure_alt(explorer)]

    # Tab into the widget, then one step on each of the first two controls.
    lab.focus_start_of(explorer)
    for label in EXPLORER_CONTROLS[:2]:
        lab.page.keyboard.press("Tab")
        assert_focused(lab, label)
        old_value = lab.slider_values(explorer)[label]
        key = lab.arrow_for(explorer.get_by_role("slider", name=label, exact=True))
        before, after, src_before, src_after = lab.press_and_wait(explorer, key)
        assert after != before, f"{key} on {label!r} left the readout at {before!r}; kernel: {lab.kernel_messages()}"
        assert src_after != src_before, f"{key} on {label!r} left the figure as it was"
        assert lab.slider_values(explorer)[label] == old_value + (1 if key == "ArrowRight" else -1)
        assert_focused(lab, label)  # the key press kept the focus where it was
        old, new = explorer_numbers(before), assert_readout_matches(lab, explorer, f"after {key} on {label!r}")
        assert old != new, f"the numbers did not change: {old}"
        alts.append(lab.figure_alt(explorer))
    lab.screenshot_element(explorer, f"{stem}_explorer_after_keyboard")

    # On to "training steps": one more step moves only the recognition weights.
    for label in EXPLORER_CONTROLS[2:]:
        lab.page.keyboard.press("Tab")
        assert_focused(lab, label)
    before, after, src_before, src_after = lab.press_and_wait(explorer, "ArrowRight")
    old, new = explorer_numbers(before), assert_readout_matches(lab, explorer, "after one training step")
    assert old != new, f"ArrowRight on 'training steps' changed nothing: {old}"
    assert new["log_z"] == old["log_z"], f"log Z moved with the recognition weights: {old} {new}"
    assert new["neg_f"] >= old["neg_f"], f"-F fell during training: {old} -> {new}"
    assert src_after != src_before, "the figure did not follow the training step"
    lab.screenshot_element(explorer, f"{stem}_explorer_after_training_step")

    # The number box: a typed value is taken on Enter, one beyond the range is clamped to it.
    lab.page.keyboard.press("Tab")
    assert_focused(lab, STEPS_BOX, kind="number")
    for typed, taken in (("12", 12), ("99", N_STEPS)):
        lab.page.keyboard.press("Control+A")
        lab.page.keyboard.type(typed)
        lab.press_and_wait(explorer, "Enter")
        assert lab.slider_values(explorer)["training steps"] == taken, f"typed {typed}: the slider did not follow"
        assert lab.focused()["value"] == str(taken), f"typed {typed}: the box shows {lab.focused()['value']!r}"
        assert_readout_matches(lab, explorer, f"after typing {typed} and Enter")

    region = lab.readout_region(explorer)
    assert region["mark"], "the hm-readout element was replaced: a screen reader would not announce the change"
    assert all(alts), f"the explorer's figure has no text alternative: {alts}"
    assert len(set(alts)) == len(alts), f"the figure's text alternative did not follow the figure: {alts}"
    assert lab.problems() == []

    # The dark theme: focus ring, labels and readout keep their contrast.
    try:
        lab.set_theme("JupyterLab Dark")
        lab.focus_start_of(explorer)
        lab.page.keyboard.press("Tab")
        assert_focused(lab, EXPLORER_CONTROLS[0])
        colours = lab.widget_colours(explorer)
        for part in ("label", "readout"):
            ratio = contrast(colours[part], colours["background"])
            assert ratio >= MIN_TEXT_CONTRAST, (
                f"dark theme: {part} {colours[part]} on {colours['background']}: contrast {ratio:.2f}")
        lab.screenshot_element(explorer, f"{stem}_explorer_dark_theme")
    finally:
        lab.set_theme("JupyterLab Light")


@pytest.mark.parametrize("prefix", ["05_", "06_"])
def test_a_widget_answers_the_keyboard(lab, prefix):
    check_first_widget(lab, notebook(prefix), screenshot=f"{prefix}widget_after_keyboard")


def check_first_widget(lab, name, screenshot):
    """Run `name`; ArrowRight on the first slider of its first hm-widget changes the readout."""
    run_notebook(lab, name)
    widgets = lab.hm_widgets()
    with_sliders = [widgets.nth(i) for i in range(widgets.count())
                    if lab.sliders(widgets.nth(i)).count() and lab.readout(widgets.nth(i))]
    assert with_sliders, f"{name}: no hm-widget with a slider and an hm-readout"
    widget = with_sliders[0]
    for label in lab.slider_labels(widget):
        assert widget.get_by_role("slider", name=label, exact=True).count() == 1, f"{name}: no slider named {label!r}"
    before, after, src_before, src_after, key = lab.nudge_slider(widget, 0)
    lab.screenshot_element(widget, screenshot)
    assert after != before, (f"{name}: {key} on the first slider left the readout at {before!r}; "
                             f"kernel errors: {lab.kernel_messages()}")
    assert re.search(r"\d", after), f"{name}: the readout shows no numbers: {after!r}"
    assert lab.problems() == []
