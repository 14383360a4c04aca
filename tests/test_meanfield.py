"""Tests of hmlib.meanfield (Eqs. (9), (11), (12)) and hmlib.meanfield_fit.

Oracles: plain loops over units written from the formulas with the ``math`` module (they share no
code with hmlib.meanfield), central finite differences for every gradient, and hmlib.exact where
the mean-field free energy must agree with the exact one (recognition means saturated at 0 or 1).
"""

import math

import numpy as np
import pytest

from hmlib import exact, meanfield
from hmlib.meanfield_fit import FitSettings, fit, initial_machine
from hmlib.model import HelmholtzMachine
from tests.reference import central_differences

RULE_IMAGING = {"sigmoid": "sigmoid", "eq11": "odds", "naive": "odds"}


# ---------------------------------------------------------------------------- plain-loop reference
def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def _reference_means(hm, x_row):
    """Eq. (9), one unit at a time."""
    q = [list(x_row)]
    for layer in range(2, len(hm.sizes) + 1):
        below = q[-1]
        units = []
        for j in range(hm.sizes[layer - 1]):
            a = hm.phi_bias[layer - 2][j] + sum(below[i] * hm.phi[layer - 2][i][j] for i in range(len(below)))
            units.append(_sigmoid(a))
        q.append(units)
    return q


def _reference_p(hm, layer, parents, j, rule):
    """Generative mean of unit j of ``layer`` (1-based) from its parents' means, by the formulas."""
    b = hm.theta_bias[layer - 1][j]
    if layer == len(hm.sizes):
        return _sigmoid(b) if rule == "sigmoid" else b / (1.0 + b)
    column = [hm.theta[layer - 1][k][j] for k in range(len(parents))]
    u = b + sum(q * t for q, t in zip(parents, column))
    if rule == "sigmoid":
        return _sigmoid(u)
    if rule == "naive":
        return 1.0 - 1.0 / (1.0 + u)
    product = 1.0
    for q, t in zip(parents, column):
        product *= 1.0 - q * t / (1.0 + t)
    return (1.0 - 1.0 / (1.0 + u)) * (1.0 - product / (1.0 + b))  # Eq. (11), bias as an always-on parent


def _xlogy(a, b):
    return 0.0 if a == 0 else a * math.log(b)


def _reference_free_energy(hm, x_row, rule):
    """Eq. (12) with the sign corrected: data cross-entropy + Bernoulli KL of every hidden unit."""
    q = _reference_means(hm, x_row)
    total = 0.0
    for layer in range(1, len(hm.sizes) + 1):
        parents = q[layer] if layer < len(hm.sizes) else []
        for j in range(hm.sizes[layer - 1]):
            p = _reference_p(hm, layer, parents, j, rule)
            s = q[layer - 1][j]
            total += _xlogy(s, s) + _xlogy(1 - s, 1 - s) - _xlogy(s, p) - _xlogy(1 - s, 1 - p)
    return total


def _machine(rule, sizes=(5, 4, 3), seed=0, scale=1.0):
    return HelmholtzMachine.random(sizes, imaging=RULE_IMAGING[rule], seed=seed, scale=scale)


def _patterns(n, width, seed):
    return (np.random.default_rng(seed).random((n, width)) < 0.5).astype(float)


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("rule", ["sigmoid", "eq11", "naive"])
def test_free_energy_matches_plain_loop_reference(rule):
    hm = _machine(rule, sizes=(5, 4, 3), seed=1)
    x = _patterns(6, 5, seed=2)
    got = meanfield.free_energy(hm, x, rule)
    expected = [_reference_free_energy(hm, row, rule) for row in x]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rule", ["sigmoid", "eq11", "naive"])
def test_means_match_plain_loop_reference(rule):
    hm = _machine(rule, sizes=(4, 3, 2, 2), seed=3)
    x = _patterns(5, 4, seed=4)
    q = meanfield.recognition_means(hm, x)
    p = meanfield.generative_means(hm, q, rule)
    for n, row in enumerate(x):
        ref_q = _reference_means(hm, row)
        for layer in range(1, 5):
            np.testing.assert_allclose(q[layer - 1][n], ref_q[layer - 1], rtol=1e-12)
            parents = ref_q[layer] if layer < 4 else []
            ref_p = [_reference_p(hm, layer, parents, j, rule) for j in range(hm.sizes[layer - 1])]
            got = p[layer - 1] if layer == 4 else p[layer - 1][n]
            np.testing.assert_allclose(got, ref_p, rtol=1e-10)


def test_eq11_with_one_parent_fully_on_is_the_square_of_the_odds_rule():
    # notes section 3: with b = 0 and one parent on, Eq. (11) gives (theta/(1+theta))^2
    theta = 3.0
    hm = HelmholtzMachine([[[theta]]], [[0.0], [1.0]], [[[0.0]]], [[0.0]], imaging="odds")
    p = meanfield.generative_means(hm, [np.zeros((1, 1)), np.ones((1, 1))], "eq11")
    assert p[0][0, 0] == pytest.approx((theta / (1 + theta)) ** 2, rel=1e-12)


@pytest.mark.parametrize("rule", ["sigmoid", "eq11", "naive"])
def test_free_energy_is_non_negative(rule):
    for seed in range(5):
        hm = _machine(rule, sizes=(6, 4, 2), seed=seed, scale=2.0)
        F = meanfield.free_energy(hm, _patterns(20, 6, seed=10 + seed), rule)
        assert np.all(F >= 0), "the sum of Bernoulli KL terms and a cross-entropy cannot be negative"


@pytest.mark.parametrize("rule", ["sigmoid", "naive"])
def test_free_energy_equals_exact_free_energy_when_q_is_a_point_mass(rule):
    # With recognition logits of size 60 every q is 0 or 1 to 1e-26, Q puts all its mass on one
    # configuration, and the mean-field F becomes the exact F = -log p(x, z*) (Eq. (12) vs Eq. (6)).
    hm = _machine(rule, sizes=(4, 3, 2), seed=5)
    rng = np.random.default_rng(6)
    hm.phi = [60.0 * np.sign(rng.normal(size=w.shape)) for w in hm.phi]
    hm.phi_bias = [30.0 * np.sign(rng.normal(size=b.shape)) + 1.0 for b in hm.phi_bias]
    x = exact.binary_patterns(4)
    np.testing.assert_allclose(meanfield.free_energy(hm, x, rule), exact.free_energy(hm, x), rtol=1e-9)


def test_free_energy_is_infinite_not_nan_when_a_needed_unit_has_probability_zero():
    # odds rule, visible unit 0 has bias 0 and no weights: p = 0 exactly
    hm = _machine("eq11", sizes=(3, 2), seed=7)
    hm.theta[0][:, 0] = 0.0
    hm.theta_bias[0][0] = 0.0
    x = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    for rule in ("eq11", "naive"):
        with np.errstate(all="raise"):
            F = meanfield.free_energy(hm, x, rule)
        assert F[0] == math.inf and np.isfinite(F[1])


def test_free_energy_of_the_top_layer_alone_with_zero_bias_is_infinite():
    # Eq. (11) with b = 0 and no parent on gives p = 0 (notes section 3): a layer-2 unit
    # with mean q > 0 then costs q log(q / 0) = inf
    hm = HelmholtzMachine([[[1.0, 1.0]], [[1.0]]], [[0.1, 0.1], [0.0], [0.0]],
                          [[[0.0], [0.0]], [[0.0]]], [[0.0], [0.0]], imaging="odds")
    F = meanfield.free_energy(hm, np.array([[1.0, 1.0]]), "eq11")
    assert F[0] == math.inf


# ---------------------------------------------------------------------------- gradients
def _central_differences(hm, x, rule, weights, h=1e-6):
    return central_differences(hm, lambda machine: weights @ meanfield.free_energy(machine, x, rule),
                               names=("theta", "theta_bias", "phi", "phi_bias"), h=h)


@pytest.mark.parametrize("rule", ["sigmoid", "eq11", "naive"])
@pytest.mark.parametrize("sizes", [(5, 4, 3), (4, 3, 2, 2)])
def test_every_gradient_matches_central_differences(rule, sizes):
    hm = _machine(rule, sizes=sizes, seed=8)
    x = _patterns(7, sizes[0], seed=9)
    x[0] = 0.3  # mean-field inputs may be probabilities, not only 0/1
    weights = np.random.default_rng(10).random(7)
    analytic = meanfield.gradients(hm, x, rule, weights=weights)
    numeric = _central_differences(hm, x, rule, weights)
    for name in numeric:
        assert len(analytic[name]) == len(getattr(hm, name))
        for got, want in zip(analytic[name], numeric[name]):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{rule} {name}")


def test_gradient_without_weights_is_the_gradient_of_the_plain_sum():
    hm = _machine("eq11", seed=11)
    x = _patterns(4, 5, seed=12)
    plain = meanfield.gradients(hm, x)
    weighted = meanfield.gradients(hm, x, weights=np.ones(4))
    for name in plain:
        for a, b in zip(plain[name], weighted[name]):
            np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- training
def test_fit_lowers_free_energy_and_keeps_odds_weights_non_negative_throughout():
    x = _patterns(12, 6, seed=13)
    start = initial_machine((6, 4, 2), "eq11", seed=14)
    seen = []

    def check(iteration, bits, machine):
        seen.append(bits)
        assert all(np.all(t >= 0) for t in machine.theta), f"negative odds weight at iteration {iteration}"
        assert all(np.all(b > 0) for b in machine.theta_bias)

    before = meanfield.free_energy(start, x).mean() / math.log(2)
    fitted, history = fit(x, start, settings=FitSettings(max_iter=60, fixed_theta_bias=(1, 2)), callback=check)
    assert len(seen) == len(history.iterations) > 10
    assert history.free_energy_bits[-1] < before - 1.0
    assert history.free_energy_bits[-1] == pytest.approx(meanfield.free_energy(fitted, x).mean() / math.log(2))
    for layer in (1, 2):  # fixed generative biases are untouched
        np.testing.assert_array_equal(fitted.theta_bias[layer - 1], start.theta_bias[layer - 1])
    assert not np.array_equal(fitted.theta_bias[2], start.theta_bias[2])


def test_fit_does_not_modify_the_starting_machine_and_is_reproducible():
    x = _patterns(8, 5, seed=15)
    start = initial_machine((5, 3), "sigmoid", seed=16)
    saved = start.copy()
    a, _ = fit(x, start, settings=FitSettings(max_iter=20))
    b, _ = fit(x, sizes=(5, 3), rule="sigmoid", seed=16, settings=FitSettings(max_iter=20))
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for s, t in zip(getattr(start, name), getattr(saved, name)):
            np.testing.assert_array_equal(s, t)
        for s, t in zip(getattr(a, name), getattr(b, name)):
            np.testing.assert_array_equal(s, t)


def test_fit_with_probability_weights_equals_fit_on_repeated_rows():
    x = _patterns(3, 4, seed=17)
    repeated = np.repeat(x, [1, 2, 3], axis=0)
    start = initial_machine((4, 2), "naive", seed=18)
    a, ha = fit(x, start, weights=[1 / 6, 2 / 6, 3 / 6], settings=FitSettings(max_iter=15))
    b, hb = fit(repeated, start, settings=FitSettings(max_iter=15))
    np.testing.assert_allclose(ha.free_energy_bits, hb.free_energy_bits, rtol=1e-8)


# ---------------------------------------------------------------------------- bad input
def test_rules_need_the_matching_imaging_model():
    with pytest.raises(ValueError, match="imaging='odds'"):
        meanfield.free_energy(_machine("sigmoid"), _patterns(2, 5, 0), "eq11")
    with pytest.raises(ValueError, match="imaging='sigmoid'"):
        meanfield.gradients(_machine("eq11"), _patterns(2, 5, 0), "sigmoid")
    with pytest.raises(ValueError, match="rule"):
        meanfield.free_energy(_machine("eq11"), _patterns(2, 5, 0), "noisy-or")


def test_negative_odds_weights_are_rejected():
    # Eq. (11) leaves [0, 1] for negative weights: q = (1, 1), theta = (-0.9, 0.1) gives about 32
    with pytest.raises(ValueError, match="negative"):
        HelmholtzMachine([[[-0.9], [0.1]]], [[0.0], [1.0, 1.0]], [[[0.0, 0.0]]], [[0.0, 0.0]], imaging="odds")


@pytest.mark.parametrize(
    "call",
    [
        lambda hm: meanfield.free_energy(hm, np.zeros((2, 4))),  # wrong width
        lambda hm: meanfield.free_energy(hm, np.full((2, 5), 1.5)),  # not a probability
        lambda hm: meanfield.recognition_means(hm, np.zeros(5)),  # 1-D
        lambda hm: meanfield.gradients(hm, np.zeros((2, 5)), weights=[1.0, -1.0]),
        lambda hm: meanfield.gradients(hm, np.zeros((2, 5)), weights=[1.0]),
        lambda hm: meanfield.generative_means(hm, [np.zeros((1, 5))]),  # too few layers
        lambda hm: fit(np.zeros((2, 5)), hm, settings=FitSettings(fixed_theta_bias=(4,))),
        lambda hm: fit(np.zeros((2, 5))),  # neither a machine nor sizes
        lambda hm: initial_machine((5, 3), "odds"),  # an imaging model, not a rule
    ],
)
def test_bad_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call(_machine("eq11"))


# ---------------------------------------------------------------------------- one unit (notebook 06)
def test_unit_probabilities_against_a_loop_over_parent_states_and_jensen():
    rng = np.random.default_rng(19)
    for _ in range(20):
        q, theta, b = rng.random(3), rng.exponential(2.0, 3), 0.05
        expected = 0.0
        for s in [(a, c, d) for a in (0, 1) for c in (0, 1) for d in (0, 1)]:
            prob = math.prod(qk if sk else 1 - qk for qk, sk in zip(q, s))
            u = b + sum(sk * tk for sk, tk in zip(s, theta))
            expected += prob * u / (1 + u)
        got = meanfield.unit_probabilities(q, theta, b)
        assert got["exact"] == pytest.approx(expected, rel=1e-12)
        assert got["naive"] >= got["exact"] - 1e-12, "Jensen: the odds rule is concave"
        hm = HelmholtzMachine([theta[:, None]], [[b], np.ones(3)], [np.zeros((1, 3))], [np.zeros(3)], imaging="odds")
        p = meanfield.generative_means(hm, [np.zeros((1, 1)), q[None, :]], "eq11")[0][0, 0]
        assert got["eq11"] == pytest.approx(p, rel=1e-12)


def test_unit_probabilities_rejects_negative_weights():
    with pytest.raises(ValueError, match="theta"):
        meanfield.unit_probabilities([1.0, 1.0], [-0.9, 0.1], 0.0)


def test_imaging_explorer_follows_the_widget_contract_and_updates_synchronously():
    from hmlib.views import _controls
    from hmlib.views.imaging import imaging_explorer

    w = imaging_explorer()
    assert "hm-widget" in w._dom_classes
    assert isinstance(w.readout, _controls.Readout) and isinstance(w.figure, _controls.FigureImage)
    assert all(not c.continuous_update for c in w.controls.values())
    w.controls["q1"].value = 1.0
    w.controls["q2"].value = 0.0
    u = w.controls["bias"].value + w.controls["theta1"].value
    assert w.values["exact"] == pytest.approx(u / (1 + u), rel=1e-12)  # certain parents: nothing to average
    assert w.values["naive"] == pytest.approx(w.values["exact"], rel=1e-12)
    assert f"{w.values['exact']:.4f}" in w.readout.value


def test_direction_accuracy_at_half_and_at_the_best_threshold():
    from hmlib.meanfield_fit import direction_accuracy

    # pattern 0 is shifted right, pattern 1 left; layer-2 unit 1 is on (mean 1 - 2e-9) only for
    # pattern 0, and the top unit's logit is 4 q_1 + c
    patterns, direction = np.eye(2), np.array([1, 0])

    def machine(c):
        return HelmholtzMachine([np.ones((2, 2)), np.ones((1, 2))], [np.ones(2), np.ones(2), np.ones(1)],
                                [np.array([[20.0, 0.0], [-20.0, 0.0]]), np.array([[4.0], [0.0]])],
                                [np.zeros(2), np.array([c])], imaging="odds")

    # c = -2: means sigma(2) = 0.88 and sigma(-2) = 0.12, so 0.5 separates the directions
    np.testing.assert_allclose(direction_accuracy(machine(-2.0), patterns, direction, threshold=0.5), [1.0])
    # c = +1: means 0.99 and 0.73 are both above 0.5 (accuracy 1/2), but a threshold between them separates
    np.testing.assert_allclose(direction_accuracy(machine(1.0), patterns, direction, threshold=0.5), [0.5])
    np.testing.assert_allclose(direction_accuracy(machine(1.0), patterns, direction, threshold=None), [1.0])


def test_meanfield_figures_build_and_shifter_weights_checks_its_machine():
    from matplotlib.figure import Figure

    from hmlib.views import shifter as shifter_views

    for name, make in shifter_views.FIGURES.items():
        assert isinstance(make(), Figure), name
    with pytest.raises(ValueError, match="odds"):
        shifter_views.shifter_weights(_machine("sigmoid", sizes=(32, 4, 2)))


# ---------------------------------------------------------------------------- the shifter recipe (issue 13)
def test_fit_with_the_log_parameterisation_converges_where_theta_times_the_gradient_vanishes():
    # with theta = exp(w), dF/dw = theta dF/dtheta; a wrong chain rule would stop L-BFGS-B elsewhere
    from hmlib.meanfield_fit import LOG_THETA_RANGE

    x = _patterns(10, 5, seed=21)
    decay = 1e-3  # a finite optimum (see FitSettings.weight_decay)
    settings = FitSettings(max_iter=2000, fixed_theta_bias=(1,), parameterisation="log", weight_decay=decay)
    fitted, history = fit(x, initial_machine((5, 3, 2), "eq11", seed=22), settings=settings)
    assert "CONVERGENCE" in history.message
    g = meanfield.gradients(fitted, x, weights=np.full(10, 0.1))
    for i, theta in enumerate(fitted.theta):
        assert np.all(theta > 0)
        inside = np.log(theta) > LOG_THETA_RANGE[0] + 1  # away from the lower bound of w
        assert inside.sum() >= 4
        assert np.abs((theta * (g["theta"][i] + 2 * decay * theta))[inside]).max() < 1e-4
    for i in (1, 2):
        b = fitted.theta_bias[i]
        inside = b > 2 * settings.min_odds_bias
        assert np.abs((b * g["theta_bias"][i])[inside]).max() < 1e-4
    for dphi, phi in zip(g["phi"], fitted.phi):
        assert np.abs(dphi + 2 * decay * phi).max() < 1e-4


def test_frozen_arrays_keep_their_starting_values():
    x = _patterns(8, 5, seed=23)
    start = initial_machine((5, 3, 2), "eq11", seed=24)
    fitted, _ = fit(x, start, settings=FitSettings(max_iter=20, frozen=(("theta", 1), ("phi", 1), ("phi_bias", 1))))
    for name in ("theta", "phi", "phi_bias"):
        np.testing.assert_array_equal(getattr(fitted, name)[1], getattr(start, name)[1])
        assert not np.array_equal(getattr(fitted, name)[0], getattr(start, name)[0])
    with pytest.raises(ValueError, match="frozen contains"):
        fit(x, start, settings=FitSettings(max_iter=2, frozen=(("weights", 0),)))
    with pytest.raises(ValueError, match=r"the machine has 2 theta arrays"):
        fit(x, start, settings=FitSettings(max_iter=2, frozen=(("theta", 2),)))
    with pytest.raises(ValueError, match="parameterisation"):
        fit(x, start, settings=FitSettings(max_iter=2, parameterisation="exp"))


def test_dead_units_are_the_ones_whose_mean_never_changes_and_revival_redraws_them():
    from hmlib.meanfield_fit import _revive, dead_units

    hm = initial_machine((5, 3, 2), "eq11", seed=25)
    hm.phi[0][:, 1] = 0.0
    hm.phi_bias[0][1] = -50.0  # layer-2 unit 1: mean sigma(-50) for every pattern
    hm.phi[1][:, 0] = 0.0  # top unit 0: mean sigma(c) for every pattern
    x = _patterns(6, 5, seed=26)
    assert dead_units(hm, x) == [(2, 1), (3, 0)]
    revived = _revive(hm, [(2, 1)], np.random.default_rng(0), 0.5, odds=True)
    assert dead_units(revived, x) == [(3, 0)]
    assert not np.array_equal(revived.theta[0][1], hm.theta[0][1])  # its generative weights to the pixels
    assert not np.array_equal(revived.theta[1][:, 1], hm.theta[1][:, 1])  # and from the top
    np.testing.assert_array_equal(revived.theta[0][0], hm.theta[0][0])  # the other units keep theirs


@pytest.mark.parametrize("biases, fixed_top", [("all", True), ("below_top", False)])
def test_fit_shifter_fixes_the_biases_its_reading_names(biases, fixed_top):
    from hmlib.meanfield_fit import SHIFTER_FIXED_BIAS, ShifterRecipe, fit_shifter

    hm, history = fit_shifter("eq11", 0, max_iter=5, recipe=ShifterRecipe(biases=biases))
    np.testing.assert_array_equal(hm.theta_bias[0], np.full(32, SHIFTER_FIXED_BIAS))
    np.testing.assert_array_equal(hm.theta_bias[1], np.full(24, SHIFTER_FIXED_BIAS))
    if fixed_top:
        np.testing.assert_array_equal(hm.theta_bias[2], [SHIFTER_FIXED_BIAS] * 2)
    else:
        assert not np.allclose(hm.theta_bias[2], 1.0)  # learned, from 1
    assert history.iterations == [1, 2, 3, 4, 5]


def test_fit_shifter_with_several_starts_keeps_the_one_with_the_lowest_free_energy():
    from hmlib.meanfield_fit import ShifterRecipe, fit_shifter

    recipe = ShifterRecipe(starts=3, start_iter=4, max_iter=6)
    _, history = fit_shifter("eq11", 1, recipe=recipe)
    assert len(history.start_free_energy_bits) == 3
    assert len(history.iterations) == 3 * 4 + 2
    chosen = int(np.argmin(history.start_free_energy_bits))
    assert history.free_energy_bits[4 * chosen + 3] == pytest.approx(min(history.start_free_energy_bits), rel=1e-12)
    for k, f in enumerate(history.start_free_energy_bits):  # each start's F at the choice, from its own history
        assert history.free_energy_bits[4 * k + 3] == pytest.approx(f, rel=1e-12)
    # the continuation starts from the chosen machine: its first F is at most the chosen one's
    assert history.free_energy_bits[12] <= min(history.start_free_energy_bits) + 1e-9


def test_shifter_recipe_refuses_bad_settings():
    from hmlib.meanfield_fit import ShifterRecipe, fit_shifter

    with pytest.raises(ValueError, match="recipe.biases"):
        fit_shifter("eq11", 0, recipe=ShifterRecipe(biases="layer 2"))
    with pytest.raises(TypeError, match="recipe is a dict"):
        fit_shifter("eq11", 0, recipe={"max_iter": 5})
    with pytest.raises(ValueError, match="recipe.starts"):
        fit_shifter("eq11", 0, recipe=ShifterRecipe(starts=0))
    with pytest.raises(TypeError, match="callback"):
        fit_shifter("eq11", 0, max_iter=2, callback=3)
