"""The widgets of notebooks 04-06, driven headless: their numbers against hmlib.exact, their
controls sized for a projector, the number boxes of the long sliders, and the controls of
hmlib.views._controls themselves (values clamped and rounded to the step, the figure and its
text alternative sent together, arguments checked). What the browser shows of them is tested in
tests/browser/test_browser_widgets.py.

The oracle is ``hmlib.exact`` (itself tested against plain loops in tests/test_exact.py) and
central finite differences; the widgets compute on their own (2^{n_2}, 2^{n_3}) grid.
"""

import io
import re

import ipywidgets
import numpy as np
import pytest
import traitlets
from PIL import Image

from hmlib import exact
from hmlib import recognition_fit as R
from hmlib.model import HelmholtzMachine
from hmlib.views import _controls, factorial, free_energy, imaging
from hmlib.views._controls import float_slider, int_slider

NUMBER = r"(-?\d+\.\d{4})"


def readout_numbers(html):
    """The three numbers of the explorer's readout, parsed as a browser test would."""
    found = {}
    for key, label in (("log_z", r"log Z = "), ("neg_f", r"-F = "), ("kl", r"KL = ")):
        matches = re.findall(label + NUMBER, html)
        assert len(matches) == 1, f"expected exactly one '{label}<number>' in the readout, found {matches}"
        found[key] = float(matches[0])
    return found


def machine_with(hm, phi, phi_bias):
    return HelmholtzMachine(hm.theta, hm.theta_bias, phi, phi_bias, imaging=hm.imaging)


def random_recognition(sizes, rng, scale=1.5):
    phi = [rng.normal(0, scale, (sizes[0], sizes[1])), rng.normal(0, scale, (sizes[1], sizes[2]))]
    phi_bias = [rng.normal(0, scale, sizes[1]), rng.normal(0, scale, sizes[2])]
    return phi, phi_bias


# ---------------------------------------------------------------------------- the grid
@pytest.mark.parametrize("n2, n3, pattern, seed", [(1, 1, 0, 0), (2, 3, 11, 1), (4, 2, 6, 2), (3, 5, 15, 3)])
def test_grid_matches_exact(n2, n3, pattern, seed):
    hm = R.explorer_machine(n2, n3, seed)
    x = R.visible_pattern(pattern)
    grid = R.ThreeLayerEnumeration(hm, x)
    np.testing.assert_allclose(grid.log_joint.ravel(), exact.log_joint(hm, x)[0], rtol=0, atol=1e-10)
    assert abs(grid.log_z - exact.log_evidence(hm, x)[0]) < 1e-10
    phi, phi_bias = random_recognition(hm.sizes, np.random.default_rng(seed))
    other = machine_with(hm, phi, phi_bias)
    result = grid.evaluate(phi, phi_bias)
    assert abs(result["free_energy"] - exact.free_energy(other, x)[0]) < 1e-10
    assert abs(result["kl"] - exact.kl_divergence(other, x)[0]) < 1e-10
    np.testing.assert_allclose(grid.recognition_distribution(phi, phi_bias).ravel(),
                               exact.recognition_distribution(other, x)[0], rtol=0, atol=1e-12)
    reference = exact.free_energy_gradients(other, x)
    for ours, theirs in zip(result["phi_grad"] + result["bias_grad"], reference["phi"] + reference["phi_bias"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


def test_grid_gradient_against_central_differences():
    hm = R.explorer_machine(3, 2, 4)
    grid = R.ThreeLayerEnumeration(hm, R.visible_pattern(9))
    phi, phi_bias = random_recognition(hm.sizes, np.random.default_rng(4), scale=1.0)
    phi_grad, bias_grad = grid.free_energy_gradients(phi, phi_bias)
    h = 1e-5
    for group, grads in ((phi, phi_grad), (phi_bias, bias_grad)):
        for array, grad in zip(group, grads):
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + h
                f_plus = grid.free_energy(phi, phi_bias)
                array[index] = saved - h
                f_minus = grid.free_energy(phi, phi_bias)
                array[index] = saved
                assert abs((f_plus - f_minus) / (2 * h) - grad[index]) < 1e-6


def test_grid_rejects_other_machines():
    with pytest.raises(ValueError, match="three layers"):
        R.ThreeLayerEnumeration(HelmholtzMachine.random((4, 2), seed=0), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="shape"):
        R.ThreeLayerEnumeration(R.explorer_machine(2, 2, 0), np.zeros((2, 4)))


def test_patterns_and_machine_arguments():
    np.testing.assert_array_equal(R.visible_pattern(11), [[1.0, 0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(R.visible_pattern(0), [[0.0, 0.0, 0.0, 0.0]])
    assert R.pattern_string(R.visible_pattern(6)) == "0110"
    for bad in (-1, 16):
        with pytest.raises(ValueError, match="pattern"):
            R.visible_pattern(bad)
    with pytest.raises(TypeError, match="pattern is 2.0; expected an integer"):
        R.visible_pattern(2.0)
    for bad in (0, 9):
        with pytest.raises(ValueError, match="n_hidden_2"):
            R.explorer_machine(bad, 2, 0)
    assert R.explorer_machine(8, 8, 0).sizes == (4, 8, 8)


# ---------------------------------------------------------------------------- training
@pytest.mark.parametrize("n2, n3, pattern, seed", [(3, 2, 11, 0), (8, 8, 5, 3), (1, 1, 0, 7)])
def test_trajectory_neg_f_never_falls_and_log_z_stays(n2, n3, pattern, seed):
    trajectory = R.explorer_trajectory(n2, n3, pattern, seed)
    neg_f, kl, log_z = trajectory["neg_f"], trajectory["kl"], trajectory["log_z"]
    assert neg_f.shape == kl.shape == log_z.shape == (R.N_STEPS + 1,)
    # the step-halving rule only accepts steps that do not increase F
    assert np.all(np.diff(neg_f) >= -1e-12), "-F decreased along the trajectory"
    assert np.all(log_z == log_z[0]), "log Z moved, but it does not depend on the recognition weights"
    np.testing.assert_allclose(neg_f + kl, log_z, rtol=0, atol=1e-9)
    assert np.all(kl >= -1e-12), "Gibbs' inequality: KL >= 0"
    assert kl[-1] < kl[0], "forty exact gradient steps should lower KL from a random start"


def test_trajectory_points_against_exact():
    trajectory = R.explorer_trajectory(2, 3, 13, 5)
    hm, x = trajectory["machine"], trajectory["x"]
    assert abs(trajectory["log_z"][0] - exact.log_evidence(hm, x)[0]) < 1e-10
    for step in (0, 1, 7, R.N_STEPS):
        trained = machine_with(hm, *trajectory["params"][step])
        assert abs(trajectory["neg_f"][step] + exact.free_energy(trained, x)[0]) < 1e-10
        assert abs(trajectory["kl"][step] - exact.kl_divergence(trained, x)[0]) < 1e-10


def test_each_step_is_a_gradient_step():
    """Step k+1 = step k - eta dF/dphi, with dF/dphi from hmlib.exact and the recorded eta."""
    trajectory = R.explorer_trajectory(3, 3, 2, 1)
    hm, x = trajectory["machine"], trajectory["x"]
    for step in (0, 5, 20):
        (phi, phi_bias), (phi_next, bias_next) = trajectory["params"][step], trajectory["params"][step + 1]
        eta = trajectory["eta"][step + 1]
        assert 0 < eta <= R.STEP_SIZE
        grads = exact.free_energy_gradients(machine_with(hm, phi, phi_bias), x)
        for old, new, grad in zip(phi + phi_bias, phi_next + bias_next, grads["phi"] + grads["phi_bias"]):
            np.testing.assert_allclose(new, old - eta * grad, rtol=0, atol=1e-10)


def test_step_halving_never_increases_f_even_with_a_huge_step():
    hm = R.explorer_machine(3, 2, 0)
    grid = R.ThreeLayerEnumeration(hm, R.visible_pattern(11))
    points = R.gradient_ascent_on_neg_f(grid, hm.phi, hm.phi_bias, n_steps=10, step_size=1e3)
    f = np.array([p["free_energy"] for p in points])
    assert np.all(np.diff(f) <= 1e-12)
    assert f[-1] < f[0]
    assert min(p["eta"] for p in points[1:]) < 1e3, "some step of 1000 should have been halved"


# ---------------------------------------------------------------------------- the explorer widget
def test_explorer_contract():
    w = free_energy.free_energy_explorer()
    assert "hm-widget" in w._dom_classes
    assert isinstance(w.readout, _controls.Readout) and isinstance(w.figure, _controls.FigureImage)
    assert w.figure.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(w.controls) == {"n_hidden_2", "n_hidden_3", "pattern", "seed", "steps"}
    for control in w.controls.values():
        assert isinstance(control, _controls.IntSlider) and control.description
    assert (w.controls["n_hidden_2"].min, w.controls["n_hidden_2"].max) == (1, 8)
    assert (w.controls["n_hidden_3"].min, w.controls["n_hidden_3"].max) == (1, 8)
    assert (w.controls["pattern"].min, w.controls["pattern"].max) == (0, 15)


SETTINGS = [
    {},
    {"steps": 12},
    {"n_hidden_2": 8, "n_hidden_3": 8, "steps": 3},
    {"n_hidden_2": 1, "pattern": 0, "seed": 4, "steps": 40},
    {"n_hidden_3": 5, "pattern": 7, "seed": 19, "steps": 0},
]


@pytest.mark.parametrize("setting", SETTINGS)
def test_explorer_readout_satisfies_the_identity_and_matches_exact(setting):
    w = free_energy.free_energy_explorer()
    for name, value in setting.items():
        w.controls[name].value = value
    shown = readout_numbers(w.readout.value)
    # each number is rounded to 4 decimals, so the identity holds to 1.5e-4 at worst
    assert abs(shown["neg_f"] + shown["kl"] - shown["log_z"]) <= 1.5e-4
    hm, x = w.machine(), w.values["x"]
    assert hm.sizes == w.values["sizes"] == (4, w.controls["n_hidden_2"].value, w.controls["n_hidden_3"].value)
    np.testing.assert_array_equal(x, R.visible_pattern(w.controls["pattern"].value))
    truth = {"log_z": exact.log_evidence(hm, x)[0], "neg_f": -exact.free_energy(hm, x)[0],
             "kl": exact.kl_divergence(hm, x)[0]}
    for key in truth:
        assert abs(shown[key] - truth[key]) <= 0.5e-4 + 1e-9, f"{key}: shown {shown[key]}, exact {truth[key]}"
        assert abs(w.values[key] - truth[key]) < 1e-10


def test_explorer_training_steps_move_f_and_kl_but_not_log_z():
    w = free_energy.free_energy_explorer(steps=0)
    before, picture = readout_numbers(w.readout.value), w.figure.value
    w.controls["steps"].value = 20
    after = readout_numbers(w.readout.value)
    assert after["log_z"] == before["log_z"]
    assert after["neg_f"] > before["neg_f"] and after["kl"] < before["kl"]
    assert w.figure.value != picture


def test_explorer_does_not_change_the_cached_machine():
    w = free_energy.free_energy_explorer(steps=30)
    trajectory = w.trajectory()
    phi0 = [p.copy() for p in trajectory["machine"].phi]
    w.controls["steps"].value = 0
    w.controls["steps"].value = 30
    for a, b in zip(phi0, trajectory["machine"].phi):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- notebook 05
def test_one_unit_per_layer_the_layerwise_family_is_exact():
    """With n_2 = n_3 = 1 every distribution is Q(s2) Q(s3|s2) of Eq. (7): the best KL is 0."""
    fit = R.best_factorial_fit(1, 1, 11, 0)
    assert fit["kl_layerwise"] < 1e-6
    np.testing.assert_allclose(fit["q_layerwise"], fit["posterior"], atol=1e-3)


@pytest.mark.parametrize("n2, n3, pattern, seed", [(2, 2, 11, 0), (3, 2, 5, 2)])
def test_best_factorial_fit(n2, n3, pattern, seed):
    fit = R.best_factorial_fit(n2, n3, pattern, seed)
    hm, x = fit["machine"], fit["x"]
    assert 0 <= fit["kl_layerwise"] <= fit["kl_factorial"] + 1e-12
    for name in ("layerwise", "factorial"):
        fitted = machine_with(hm, *fit[f"phi_{name}"])
        assert abs(fit[f"kl_{name}"] - exact.kl_divergence(fitted, x)[0]) < 1e-10
        np.testing.assert_allclose(fit[f"q_{name}"], exact.recognition_distribution(fitted, x)[0], atol=1e-12)
        # a minimum: the gradient of F with respect to the fitted parameters is (almost) zero
        grads = exact.free_energy_gradients(fitted, x)
        assert np.max(np.abs(grads["phi_bias"][0])) < 1e-4 and np.max(np.abs(grads["phi_bias"][1])) < 1e-4
    np.testing.assert_allclose(fit["posterior"], exact.posterior(hm, x)[0], atol=1e-12)
    # fully factorial: Q(z) is the product of its own marginals over all hidden units
    configs = exact.hidden_configurations(hm.sizes)
    marginals = fit["q_factorial"] @ configs
    product = np.prod(np.where(configs > 0.5, marginals, 1 - marginals), axis=1)
    np.testing.assert_allclose(fit["q_factorial"], product, atol=1e-12)


def test_factorial_gap_widget():
    w = factorial.factorial_gap_explorer()
    assert "hm-widget" in w._dom_classes and isinstance(w.readout, _controls.Readout)
    w.controls["n_hidden_3"].value = 3
    fit = R.best_factorial_fit(2, 3, 11, 0)
    layerwise = float(re.findall(r"KL layer-wise = " + NUMBER, w.readout.value)[0])
    fully_factorial = float(re.findall(r"KL fully factorial = " + NUMBER, w.readout.value)[0])
    assert abs(layerwise - fit["kl_layerwise"]) <= 0.5e-4 + 1e-9
    assert abs(fully_factorial - fit["kl_factorial"]) <= 0.5e-4 + 1e-9
    assert w.values["sizes"] == (4, 2, 3)


# ---------------------------------------------------------------------------- controls for a projector
WIDGETS = {
    "free-energy explorer (04)": free_energy.free_energy_explorer,
    "factorial gap (05)": factorial.factorial_gap_explorer,
    "imaging explorer (06)": imaging.imaging_explorer,
}
CHARACTER_PIXELS = 8.5  # a generous average width of a character of the controls' 14-pixel font


@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_controls_leave_tracks_of_at_least_250_pixels_and_whole_descriptions(name):
    description = float(_controls.DESCRIPTION_WIDTH.removesuffix("px"))
    for control in WIDGETS[name]().controls.values():
        # the row: label, gap, track, gap, number box (or the value shown beside the track)
        beside = _controls.BOX_WIDTH if control.boxed else _controls.VALUE_WIDTH
        track = _controls.ROW_WIDTH - description - 2 * _controls.GAP - beside
        assert track >= 250, f"{control.description!r}: a track of about {track:.0f} pixels"
        assert _controls.track_pixels(control.boxed) == track
        assert len(control.description) * CHARACTER_PIXELS <= description, f"{control.description!r} is cut off"


@pytest.mark.parametrize("name, boxed", [
    ("free-energy explorer (04)", {"steps"}),  # 41 positions; the others have 8, 8, 16 or 20
    ("factorial gap (05)", set()),  # 6, 6, 16 and 20 positions
    ("imaging explorer (06)", {"q1", "q2", "theta1", "theta2", "bias"}),  # 21, 21, 101, 101 and 41 positions
])
def test_sliders_of_more_than_20_positions_and_only_they_have_a_number_box(name, boxed):
    w = WIDGETS[name]()
    assert {key for key, control in w.controls.items() if control.boxed} == boxed
    for control in w.controls.values():
        count = len(np.arange(control.min, control.max + control.step / 2, control.step))
        assert control.positions() == count
        assert control.boxed == (count > 20)


def test_notebook_06_try_it_theta_10_and_0_typed_into_the_boxes():
    """Try-it of notebook 06: theta_1 = 10, theta_2 = 0, with q_1 = q_2 = 1/2 and b = 0.05."""
    w = imaging.imaging_explorer(q1=0.5, q2=0.5, theta1=3.0, theta2=1.0, bias=0.05)
    w.controls["theta1"].value = 10.0
    w.controls["theta2"].value = 0.0
    # by hand: parent 2 has weight 0; parent 1 is on with probability 1/2, when u = b + 10
    exact_p = 0.5 * (10.05 / 11.05) + 0.5 * (0.05 / 1.05)
    naive_p = 1 - 1 / (1 + 0.05 + 0.5 * 10.0)
    assert w.values["exact"] == pytest.approx(exact_p, rel=1e-12)
    assert w.values["naive"] == pytest.approx(naive_p, rel=1e-12)
    assert f"exact E_Q[p] = {exact_p:.4f}" in w.readout.value


def test_a_typed_value_is_clamped_to_the_range_and_rounded_to_the_step():
    w = imaging.imaging_explorer()
    w.controls["theta1"].value = 2.37
    assert w.controls["theta1"].value == 2.4
    w.controls["q1"].value = 0.35  # 7 steps of 0.05, not 0.35000000000000003
    assert w.controls["q1"].value == 0.35 and w.values["exact"] == pytest.approx(
        imaging.meanfield.unit_probabilities([0.35, 0.5], [2.4, 1.0], 0.05)["exact"], rel=1e-12)
    w.controls["bias"].value = 99.0  # beyond the range: clamped to its maximum
    assert w.controls["bias"].value == imaging.MAX_BIAS
    w.controls["theta2"].value = -3.0
    assert w.controls["theta2"].value == 0.0
    steps = free_energy.free_energy_explorer().controls["steps"]
    steps.value = 45
    assert steps.value == 40 and isinstance(steps.value, int)


# ---------------------------------------------------------------------------- _controls on its own
def tiny_png(width):
    """A PNG of `width` x 1 grey pixels, made without hmlib."""
    buffer = io.BytesIO()
    Image.new("L", (width, 1), 128).save(buffer, format="PNG")
    return buffer.getvalue()


class Square(_controls.Widget):
    """n and n squared, and a picture n + 1 pixels wide: a widget made only of _controls."""

    def __init__(self, n=2):
        super().__init__({"n": _controls.int_slider("n", 0, 30, n, "n")}, "n and its square")

    def update(self):
        n = self.controls["n"].value
        self.readout.value = f"n = {n}, n squared = {n * n}"
        self.set_figure(tiny_png(n + 1), f"A bar {n + 1} pixels wide for n = {n}")


def sent_messages(widget):
    """The messages `widget` sends to the browser from now on, as (message, buffers)."""
    sent = []
    widget._send = lambda msg, buffers=None: sent.append((msg, buffers))
    return sent


def test_a_control_set_in_python_updates_the_view_and_redraws_once():
    w = Square()
    calls, sent = [], sent_messages(w.controls["n"])
    original = w.update
    w.update = lambda: calls.append(1) or original()
    w.controls["n"].value = 7
    assert len(calls) == 1
    assert [m["state"] for m, _ in sent] == [{"value": 7}]
    assert w.readout.value == "n = 7, n squared = 49"
    assert w.figure.alt == w.figure_alt == "A bar 8 pixels wide for n = 7"


def test_set_figure_sends_the_picture_and_its_text_in_one_message():
    w = Square()
    sent = sent_messages(w.figure)
    w.set_figure(tiny_png(40), "  A bar 40 pixels\nwide  ")
    assert w.figure.value == tiny_png(40) and w.figure.alt == "A bar 40 pixels wide"
    assert len(sent) == 1, f"expected one message, got {[m for m, _ in sent]}"
    message, buffers = sent[0]
    assert message["method"] == "update" and message["state"]["alt"] == "A bar 40 pixels wide"
    assert message["buffer_paths"] == [["value"]] and bytes(buffers[0]) == tiny_png(40)


def test_a_value_from_the_browser_is_snapped_and_the_snapped_value_sent_back():
    """What the number box sends comes back as the slider's position, even when that position is
    the one the slider already had (ipywidgets sends a validated value that differs from the
    browser's)."""
    slider = _controls.float_slider("weight", 0.0, 10.0, 0.1, 3.0, "theta")
    sent = sent_messages(slider)
    slider.set_state({"value": 2.37})
    assert slider.value == 2.4
    assert [m["state"]["value"] for m, _ in sent if m["method"] == "update"] == [2.4]
    slider.value = 10.0
    sent.clear()
    slider.set_state({"value": 12.0})
    assert slider.value == 10.0
    assert [m["state"]["value"] for m, _ in sent if m["method"] == "update"] == [10.0]


def test_changing_the_range_updates_the_number_box_and_the_value():
    slider = _controls.int_slider("units", 1, 8, 5, "n")
    assert not slider.boxed and slider.readout_format == "d"
    slider.max = 40
    assert slider.boxed and slider.positions() == 40
    slider.max = 4
    assert not slider.boxed and slider.value == 4


@pytest.mark.parametrize("call, error, message", [
    (lambda: int_slider(3, 0, 5, 1, "n"), TypeError, "description is 3; expected a string"),
    (lambda: int_slider("  ", 0, 5, 1, "n"), ValueError, "description is '  '; expected a label"),
    (lambda: int_slider("n", 0.0, 5, 1, "n"), TypeError, "low is 0.0; expected an integer"),
    (lambda: int_slider("n", 5, 5, 5, "n"), ValueError, "high is 5; expected an integer >= 6"),
    (lambda: int_slider("n", 0, 5, 6, "count"), ValueError, "count is 6; expected an integer from 0 to 5"),
    (lambda: float_slider("q", 1.0, 0.0, 0.1, 0.5, "q1"), ValueError, r"high is 0.0; expected a number > 1.0"),
    (lambda: float_slider("q", 0.0, 1.0, 0.0, 0.5, "q1"), ValueError, r"step is 0.0; expected a number > 0"),
    (lambda: float_slider("q", 0.0, 1.0, 0.3, 0.3, "q1"), ValueError,
     "step is 0.3; expected a step that divides"),
    (lambda: float_slider("q", 0.0, 1.0, 0.05, 0.33, "q1"), ValueError,
     r"q1 is 0.33; expected one of 0.0, 0.05, \.\.\., 1.0"),
    (lambda: float_slider("q", 0.0, 1.0, 0.05, "0.5", "q1"), TypeError, "q1 is '0.5'"),
    (lambda: setattr(Square().controls["n"], "step", 0), ValueError, "step is 0.0; expected a number > 0"),
    (lambda: setattr(Square().controls["n"], "readout_format", "%d"), ValueError, "readout_format is '%d'"),
    (lambda: setattr(float_slider("q", 0.0, 1.0, 0.05, 0.5, "q1"), "value", float("nan")), ValueError,
     "value is nan"),
    (lambda: Square().set_figure("figure.png", "a bar"), TypeError,
     "png is 'figure.png'; expected the bytes of a PNG"),
    (lambda: Square().set_figure(b"GIF89a\x01\x00", "a bar"), ValueError, "png starts with b'GIF89a"),
    (lambda: Square().set_figure(tiny_png(3), None), TypeError, "alt is None"),
    (lambda: Square().set_figure(tiny_png(3), " \n"), ValueError, "alt is empty"),
    (lambda: _controls.Widget({}, "no controls"), ValueError, "controls is empty"),
    (lambda: _controls.Widget({"n": ipywidgets.IntSlider()}, "x"), TypeError, r"controls\['n'\] is .*IntSlider"),
])
def test_bad_arguments_raise_errors_that_name_them(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_value_of_the_wrong_kind_is_refused_by_the_trait():
    with pytest.raises(traitlets.TraitError, match="'value' trait of an IntSlider"):
        Square().controls["n"].value = 2.5


def test_an_int_sliders_step_stays_an_int():
    """traitlets 5.14 (the browser-only site's) refuses a float for an Int trait such as the step."""
    slider = _controls.int_slider("n", 0, 10, 3, "n")
    slider.step = 1.0
    assert type(slider.step) is int and slider.step == 1
