"""Regression tests for issue 10, section 2, in the learning modules: hmlib.meanfield,
hmlib.meanfield_fit, hmlib.wakesleep and hmlib.recognition_fit.

One test per failure class found by throwing bad inputs at every public function: each asserts the
exception type and a fragment of its message. Expected values are worked out by hand in comments.
"""

import numpy as np
import pytest

from hmlib import meanfield
from hmlib import recognition_fit as R
from hmlib.meanfield_fit import FitSettings, direction_accuracy, fit, initial_machine
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import (
    WakeSleepSettings,
    paper_initialisation,
    sleep_gradient,
    train,
    train_with_pilots,
    wake_gradient,
)


def _odds_machine_where_unit_0_never_fires():
    """An odds machine (2, 1): visible unit 0 has bias 0 and weight 0 from its parent, so its
    input u = 0 + q * 0 = 0 and p = u / (1 + u) = 0 for every recognition mean q."""
    return HelmholtzMachine([[[0.0, 1.0]]], [[0.0, 0.3], [1.0]], [[[0.5], [-0.5]]], [[0.2]], imaging="odds")


# ---------------------------------------------------------------------------- silent NaN
@pytest.mark.parametrize("rule", ["eq11", "naive"])
def test_gradient_where_the_mean_field_p_of_x_is_zero_names_the_row(rule):
    hm = _odds_machine_where_unit_0_never_fires()
    x = np.array([[0.0, 1.0], [1.0, 1.0]])  # row 1 needs unit 0 on: p(x) = 0, F = +inf
    F = meanfield.free_energy(hm, x, rule)
    assert np.isfinite(F[0]) and F[1] == np.inf, "+inf is the documented F of an impossible row"
    with pytest.raises(ValueError, match=r"p\(x\) = 0 for row\(s\) 1 of x"):
        meanfield.gradients(hm, x, rule)
    with pytest.raises(ValueError, match=r"p\(x\) = 0 for row\(s\) 1 of x"):
        meanfield.free_energy_and_gradients(hm, x, rule, weights=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"p\(x\) = 0"):  # the L-BFGS run stops with the reason, not NaN
        fit(x, hm, rule=rule, settings=FitSettings(max_iter=5, fixed_theta_bias=(1,)))


@pytest.mark.parametrize("rule", ["eq11", "naive"])
def test_gradient_of_a_unit_that_never_fires_and_is_never_needed_is_finite(rule):
    """The 0/0 of Eq. (11) that stopped an L-BFGS run: u = 0 but x_0 = 0 in every row, so F is
    finite and its one-sided derivative in the unit's bias exists (F contains log1p(u) there)."""
    hm = _odds_machine_where_unit_0_never_fires()
    x = np.array([[0.0, 1.0], [0.0, 0.0]])
    grads = meanfield.gradients(hm, x, rule)
    assert all(np.all(np.isfinite(g)) for arrays in grads.values() for g in arrays)
    h = 1e-7
    for name, index in (("theta_bias", (0, 0)), ("theta", (0, 0, 0))):
        shifted = hm.copy()
        getattr(shifted, name)[index[0]][index[1:]] += h  # forward difference: b, theta >= 0
        slope = (meanfield.free_energy(shifted, x, rule).sum() - meanfield.free_energy(hm, x, rule).sum()) / h
        assert grads[name][index[0]][index[1:]] == pytest.approx(slope, rel=1e-4, abs=1e-6)


def test_gradient_where_a_hidden_mean_has_underflowed_onto_p_zero_is_refused():
    # layer 2 of this (2, 1, 1) odds machine has input 0 + q_3 * 0 = 0, so p_2 = 0, and its
    # recognition mean sigma(-1000) underflows to exactly 0: F is finite in floating point, but its
    # gradient would be (a - logit p) * q (1 - q) = inf * 0
    hm = HelmholtzMachine(
        [[[1.0, 1.0]], [[0.0]]], [[0.5, 0.5], [0.0], [1.0]], [np.zeros((2, 1)), np.zeros((1, 1))], [[-1000.0], [0.0]],
        imaging="odds",
    )
    x = np.array([[1.0, 0.0]])
    assert np.isfinite(meanfield.free_energy(hm, x)[0])
    with pytest.raises(ValueError, match=r"not finite for row\(s\) 0"):
        meanfield.gradients(hm, x)


# ---------------------------------------------------------------------------- sizes refused before allocating
def test_unit_probabilities_refuses_too_many_parents_before_allocating():
    with pytest.raises(ValueError, match="MAX_PARENTS"):
        meanfield.unit_probabilities(np.full(30, 0.5), np.ones(30), 0.1)  # 2^30 x 30 floats = 240 GiB


def test_three_layer_enumeration_refuses_a_large_grid_and_non_binary_x():
    with pytest.raises(ValueError, match="MAX_GRID_HIDDEN"):
        R.ThreeLayerEnumeration(HelmholtzMachine.random((4, 20, 20), seed=0), [[1.0, 0.0, 1.0, 1.0]])  # 2^40 cells
    hm = R.explorer_machine(2, 2, 0)
    for bad in (-1.0, 0.5, 2.0):
        with pytest.raises(ValueError, match=f"x contains the value {bad}"):
            R.ThreeLayerEnumeration(hm, [[1.0, 0.0, bad, 1.0]])
    with pytest.raises(ValueError, match="non-finite"):
        R.ThreeLayerEnumeration(hm, [[1.0, 0.0, np.nan, 1.0]])


def test_train_refuses_a_huge_batch_before_allocating():
    with pytest.raises(ValueError, match=r"batch_size rows\).*GiB"):
        train(paper_initialisation((4, 2, 1)), np.eye(4), WakeSleepSettings(examples=10**9, batch_size=10**9))


# ---------------------------------------------------------------------------- wrong kinds of argument
NOT_A_MACHINE = {"theta": []}


@pytest.mark.parametrize(
    "call",
    [
        lambda hm: meanfield.check_rule(hm, None),
        lambda hm: meanfield.recognition_means(hm, [[1.0, 0.0]]),
        lambda hm: meanfield.generative_means(hm, [[[1.0, 0.0]], [[0.5]]]),
        lambda hm: meanfield.free_energy(hm, [[1.0, 0.0]]),
        lambda hm: meanfield.gradients(hm, [[1.0, 0.0]]),
        lambda hm: fit([[1.0, 0.0]], hm),
        lambda hm: direction_accuracy(hm, [[1.0, 0.0]], [1]),
        lambda hm: wake_gradient(hm, [[[1.0, 0.0]], [[1.0]]]),
        lambda hm: sleep_gradient(hm, [[[1.0, 0.0]], [[1.0]]]),
        lambda hm: train(hm, [[1.0, 0.0]], WakeSleepSettings(examples=10)),
        lambda hm: train_with_pilots(hm, [[1.0, 0.0]], WakeSleepSettings(examples=10), pilot_examples=5),
        lambda hm: R.ThreeLayerEnumeration(hm, [[1.0, 0.0, 1.0, 1.0]]),
    ],
)
def test_a_non_machine_is_a_type_error(call):
    with pytest.raises(TypeError, match="expected a HelmholtzMachine"):
        call(NOT_A_MACHINE)


def test_settings_given_as_a_dict_are_a_type_error():
    with pytest.raises(TypeError, match="expected a FitSettings"):
        fit([[1.0, 0.0, 1.0, 1.0]], sizes=(4, 2), seed=0, settings={"max_iter": 5})
    with pytest.raises(TypeError, match="expected a WakeSleepSettings"):
        train(paper_initialisation((4, 2, 1)), np.eye(4), {"examples": 10})


ODDS = HelmholtzMachine.random((4, 3, 2), "odds", seed=0)
WAKE_SLEEP = paper_initialisation((4, 2, 1))


@pytest.mark.parametrize("x", [[["0", "1", "0", "1"]], np.array([[1 + 2j, 0, 0, 1]])])
@pytest.mark.parametrize(
    "call",
    [
        lambda x: meanfield.recognition_means(ODDS, x),
        lambda x: meanfield.free_energy(ODDS, x),
        lambda x: meanfield.free_energy_and_gradients(ODDS, x),
        lambda x: fit(x, ODDS, settings=FitSettings(max_iter=2)),
        lambda x: direction_accuracy(ODDS, x, [1]),
        lambda x: wake_gradient(WAKE_SLEEP, [x, [[1.0, 0.0]], [[1.0]]]),
        lambda x: train(WAKE_SLEEP, x, WakeSleepSettings(examples=10)),
        lambda x: train(WAKE_SLEEP, lambda n, rng: np.repeat(np.asarray(x), n, axis=0), WakeSleepSettings(examples=10)),
        lambda x: R.ThreeLayerEnumeration(R.explorer_machine(2, 2, 0), x),
        lambda x: R.pattern_string(x),
    ],
)
def test_digit_strings_and_complex_numbers_are_a_type_error(call, x):
    with pytest.raises(TypeError, match="dtype"):
        call(x)


def test_wrong_lengths_and_non_sequences_get_hmlib_messages_not_numpy_ones():
    with pytest.raises(TypeError, match="sizes is 5; expected a sequence"):
        initial_machine(5)  # was "'int' object is not iterable"
    with pytest.raises(TypeError, match="sizes is 5; expected a sequence"):
        paper_initialisation(5)
    with pytest.raises(ValueError, match=r"states have \[2, 1, 2\] rows"):  # was "matmul: Input operand..."
        wake_gradient(WAKE_SLEEP, [np.eye(4)[:2], np.ones((1, 2)), np.ones((2, 1))])
    with pytest.raises(TypeError, match="states is an array"):
        sleep_gradient(WAKE_SLEEP, np.eye(4))
    with pytest.raises(TypeError, match="q is an array"):
        meanfield.generative_means(ODDS, np.ones((2, 4)))
    with pytest.raises(TypeError, match="rule is 3"):
        meanfield.free_energy(ODDS, np.eye(4), 3)
    grid = R.ThreeLayerEnumeration(R.explorer_machine(2, 2, 0), [[1.0, 0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match="phi has 1 arrays; expected two"):  # was IndexError
        grid.free_energy([np.zeros((4, 2))], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match=r"phi\[0\] has shape \(4, 3\); expected \(4, 2\)"):  # was a matmul error
        grid.evaluate([np.zeros((4, 3)), np.zeros((2, 2))], [np.zeros(2), np.zeros(2)])
    with pytest.raises(TypeError, match="monitor returned 1.0"):  # was "'float' object is not iterable"
        train(WAKE_SLEEP, np.eye(4), WakeSleepSettings(examples=10), monitor=lambda machine: 1.0)
    with pytest.raises(TypeError, match="callback is 3"):  # was "'int' object is not callable"
        fit(np.eye(4), ODDS, settings=FitSettings(max_iter=2), callback=3)
    with pytest.raises(TypeError, match="seed is None; expected an integer"):  # was int(None)
        R.explorer_trajectory(2, 2, 11, None)


# ---------------------------------------------------------------------------- silently accepted values
def test_direction_accuracy_checks_direction_and_threshold():
    hm = initial_machine((4, 2), "eq11", seed=0)
    patterns = np.eye(4)[:3]
    with pytest.raises(ValueError, match=r"direction has shape \(1,\); expected \(3,\)"):  # was broadcast
        direction_accuracy(hm, patterns, [1])
    with pytest.raises(ValueError, match="direction contains the value 7"):
        direction_accuracy(hm, patterns, [7, 0, 1])
    with pytest.raises(ValueError, match="threshold is nan"):
        direction_accuracy(hm, patterns, [1, 0, 1], threshold=float("nan"))


@pytest.mark.parametrize("bad", [np.full((8192, 4), 0.5), np.full((8192, 4), 2.0)])
def test_train_refuses_non_binary_examples_from_a_sampler(bad):
    with pytest.raises(ValueError, match=r"the output of the data sampler data\(8192, rng\) contains the value"):
        train(WAKE_SLEEP, lambda n, rng: bad[:n], WakeSleepSettings(examples=10))


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"examples": -5}, "examples is -5"),
        ({"lr_visible": float("nan")}, "lr_visible"),
        ({"lr_hidden": float("inf")}, "lr_hidden"),
        ({"learning_rates": (float("nan"), 0.1)}, r"learning_rates\[0\] is nan"),
        ({"warmup": float("nan")}, "warmup"),
        ({"sleep_lr_factor": -1.0}, "sleep_lr_factor"),
    ],
)
def test_wake_sleep_settings_refuse_negative_counts_and_nan_rates(settings, fragment):
    with pytest.raises(ValueError, match=fragment):
        train(WAKE_SLEEP, np.eye(4), WakeSleepSettings(**settings))


def test_gradient_ascent_refuses_negative_step_counts_and_nan_step_sizes():
    hm = R.explorer_machine(2, 2, 0)
    grid = R.ThreeLayerEnumeration(hm, R.visible_pattern(11))
    with pytest.raises(ValueError, match="n_steps is -1"):
        R.gradient_ascent_on_neg_f(grid, hm.phi, hm.phi_bias, n_steps=-1)
    with pytest.raises(ValueError, match="step_size is nan"):
        R.gradient_ascent_on_neg_f(grid, hm.phi, hm.phi_bias, step_size=float("nan"))


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"min_odds_bias": -1.0}, "min_odds_bias is -1.0"),
        ({"min_odds_bias": float("nan")}, "min_odds_bias is nan"),
        ({"gtol": -1e-7}, "gtol is -1e-07"),
        ({"gtol": float("nan")}, "gtol is nan"),
        ({"max_iter": -1}, "max_iter is -1"),
    ],
)
def test_fit_settings_refuse_negative_and_nan_values(settings, fragment):
    with pytest.raises(ValueError, match=fragment):
        fit(np.eye(4), ODDS, settings=FitSettings(**settings))


def test_fit_weights_must_have_a_positive_finite_sum():
    # 1e308 + 1e308 overflows: dividing by the sum would silently make every weight 0
    with pytest.raises(ValueError, match="weights sum to inf"):
        fit(np.eye(4)[:2], ODDS, weights=[1e308, 1e308], settings=FitSettings(max_iter=2))
    with pytest.raises(ValueError, match="weights sum to 0"):
        fit(np.eye(4)[:2], ODDS, weights=[0.0, 0.0], settings=FitSettings(max_iter=2))
    with pytest.raises(ValueError, match="weights contains the negative value -1"):
        fit(np.eye(4)[:2], ODDS, weights=[1.0, -1.0], settings=FitSettings(max_iter=2))
    with pytest.raises(ValueError, match="weights contains the non-finite value nan"):
        meanfield.gradients(ODDS, np.eye(4)[:2], weights=[1.0, np.nan])


# ---------------------------------------------------------------------------- cached results
def test_editing_a_cached_result_does_not_change_the_next_call():
    first = R.explorer_trajectory(2, 2, 11, 0, n_steps=3)
    neg_f, phi_0, machine_phi = first["neg_f"].copy(), first["params"][0][0][0].copy(), first["machine"].phi[0].copy()
    first["neg_f"][:] = 0.0
    first["params"][0][0][0][:] = 99.0
    first["machine"].phi[0][:] = 99.0
    first["log_z"] = None
    again = R.explorer_trajectory(2, 2, 11, 0, n_steps=3)
    np.testing.assert_array_equal(again["neg_f"], neg_f)
    np.testing.assert_array_equal(again["params"][0][0][0], phi_0)
    np.testing.assert_array_equal(again["machine"].phi[0], machine_phi)
    assert again["log_z"] is not None

    fit_1 = R.best_factorial_fit(1, 1, 11, 0)
    posterior = fit_1["posterior"].copy()
    fit_1["posterior"][:] = 0.0
    fit_1["kl_layerwise"] = -1.0
    fit_2 = R.best_factorial_fit(1, 1, 11, 0)
    np.testing.assert_array_equal(fit_2["posterior"], posterior)
    assert fit_2["kl_layerwise"] >= 0.0
