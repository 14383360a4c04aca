"""Tests of hmlib.likelihood: the average log-likelihood, its exact theta gradient, projected ascent.

References: the plain-loop log p(x) of tests/reference.py (no code shared with hmlib); central
finite differences of that average; hmlib.iwae.log_evidence_gradient (a separate, per-pattern
computation of the same gradient); one ascent step worked out by hand.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hmlib import exact, iwae, likelihood
from hmlib.data import bars_distribution
from hmlib.evaluation import kl_data_model_bits
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import paper_initialisation
from tests import reference

PATTERNS = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0]], float)
PROBS = np.array([0.4, 0.1, 0.3, 0.2])


def _loop_average(hm, patterns, probs):
    """sum_i p_i log p(x_i) with the plain loops of tests/reference.py."""
    return sum(p * reference.quantities(hm, x)["log_z"] for x, p in zip(patterns, probs))


def _exact_average(hm, patterns, probs):
    """sum_i p_i log p(x_i) with hmlib.exact.log_evidence (vectorised, not hmlib.likelihood)."""
    return float(probs @ exact.log_evidence(hm, patterns))


def _central_differences(hm, patterns, probs, average=_loop_average, h=1e-5):
    """d/dtheta of ``average`` by central differences, as a dict like the gradient's."""
    return reference.central_differences(hm, lambda machine: average(machine, patterns, probs), h=h)


def _flat(grads):
    return np.concatenate([a.ravel() for a in grads["theta"] + grads["theta_bias"]])


@st.composite
def sigmoid_cases(draw):
    """A sigmoid machine of 2-4 layers of 1-3 units, weights in [-5, 5], and a data distribution
    over 1-4 distinct patterns (some probabilities may be 0)."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    weight = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
    L = len(sizes)
    theta = [draw(arrays(np.float64, (sizes[l + 1], sizes[l]), elements=weight)) for l in range(L - 1)]
    theta_bias = [draw(arrays(np.float64, (n,), elements=weight)) for n in sizes]
    phi = [np.zeros((sizes[l], sizes[l + 1])) for l in range(L - 1)]
    phi_bias = [np.zeros(n) for n in sizes[1:]]
    hm = HelmholtzMachine(theta, theta_bias, phi, phi_bias)
    codes = draw(st.lists(st.integers(0, 2 ** sizes[0] - 1), min_size=1, max_size=4, unique=True))
    patterns = np.array([[(c >> (sizes[0] - 1 - j)) & 1 for j in range(sizes[0])] for c in codes], float)
    raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=len(codes), max_size=len(codes))))
    probs = np.full(len(codes), 1.0 / len(codes)) if raw.sum() < 1e-3 else raw / raw.sum()
    return hm, patterns, probs


# ---------------------------------------------------------------------- value and gradient
@given(sigmoid_cases())
def test_average_matches_plain_loops(case):
    hm, patterns, probs = case
    assert likelihood.average_log_likelihood(hm, patterns, probs) == pytest.approx(
        _loop_average(hm, patterns, probs), abs=1e-10)


@given(sigmoid_cases())
def test_gradient_matches_central_differences(case):
    hm, patterns, probs = case
    got = _flat(likelihood.average_log_likelihood_gradient(hm, patterns, probs))
    want = _flat(_central_differences(hm, patterns, probs, average=_exact_average))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)


@pytest.mark.parametrize("sizes", [(3, 2), (3, 2, 2), (3, 1, 2, 1)])
def test_gradient_matches_central_differences_of_plain_loops(sizes):
    hm = HelmholtzMachine.random(sizes, seed=7, scale=2.0)
    got = _flat(likelihood.average_log_likelihood_gradient(hm, PATTERNS, PROBS))
    np.testing.assert_allclose(got, _flat(_central_differences(hm, PATTERNS, PROBS)), rtol=0, atol=1e-8)


@pytest.mark.parametrize("sizes", [(3, 2), (3, 2, 2), (3, 1, 2, 1)])
def test_gradient_matches_the_per_pattern_posterior_gradient(sizes):
    hm = HelmholtzMachine.random(sizes, seed=4, scale=1.5)
    got = _flat(likelihood.average_log_likelihood_gradient(hm, PATTERNS, PROBS))
    want = _flat(iwae.log_evidence_gradient(hm, PATTERNS, weights=PROBS))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_bars_machine_gradient_matches_the_per_pattern_gradient():
    # the machine of notebook 11: 16-8-1, the bars distribution, a trained-looking random start
    patterns, probs = bars_distribution()
    hm = HelmholtzMachine.random((16, 8, 1), seed=0, scale=1.0)
    got = _flat(likelihood.average_log_likelihood_gradient(hm, patterns, probs))
    want = _flat(iwae.log_evidence_gradient(hm, patterns, weights=probs))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    kl_nats = float(probs @ np.log(probs)) - likelihood.average_log_likelihood(hm, patterns, probs)
    assert kl_nats / math.log(2) == pytest.approx(kl_data_model_bits(hm, patterns, probs), abs=1e-10)


# ---------------------------------------------------------------------- projected ascent
def test_one_step_by_hand():
    # theta <- max(theta + step * gradient, 0) for the visible weights, theta + step * gradient elsewhere
    hm = HelmholtzMachine.random((3, 2, 1), seed=1, scale=2.0)
    hm.theta[0] = np.abs(hm.theta[0])  # a machine that satisfies the constraint
    hm.theta[0][0, 0] = 0.01
    grads = likelihood.average_log_likelihood_gradient(hm, PATTERNS, PROBS)
    assert grads["theta"][0][0, 0] < -0.01 / 0.5, "the step pushes this weight below 0"
    step = 0.5
    got, values = likelihood.projected_ascent(hm, PATTERNS, PROBS, steps=1, step_size=step)
    want_visible = np.maximum(hm.theta[0] + step * grads["theta"][0], 0.0)
    assert want_visible[0, 0] == 0.0
    np.testing.assert_allclose(got.theta[0], want_visible, atol=1e-15)
    np.testing.assert_allclose(got.theta[1], hm.theta[1] + step * grads["theta"][1], atol=1e-15)
    for g, b, d in zip(got.theta_bias, hm.theta_bias, grads["theta_bias"]):
        np.testing.assert_allclose(g, b + step * d, atol=1e-15)
    assert values.shape == (2,)
    assert values[0] == pytest.approx(_loop_average(hm, PATTERNS, PROBS), abs=1e-12)
    assert values[1] == pytest.approx(_loop_average(got, PATTERNS, PROBS), abs=1e-12)
    for a, b in zip(got.phi + got.phi_bias, hm.phi + hm.phi_bias):
        assert np.array_equal(a, b), "phi is not touched"


def test_unconstrained_step_may_go_negative():
    hm = HelmholtzMachine.random((3, 2), seed=2, scale=2.0)
    grads = likelihood.average_log_likelihood_gradient(hm, PATTERNS, PROBS)
    got, _ = likelihood.projected_ascent(hm, PATTERNS, PROBS, steps=1, step_size=1.0, nonnegative_visible=False)
    np.testing.assert_allclose(got.theta[0], hm.theta[0] + grads["theta"][0], atol=1e-15)
    assert np.any(got.theta[0] < 0)


def test_ascent_climbs_keeps_visible_weights_nonnegative_and_reaches_a_stationary_point():
    hm = HelmholtzMachine.random((3, 2, 1), seed=3, scale=1.0)
    machine, values = likelihood.projected_ascent(hm, PATTERNS, PROBS, steps=3000, step_size=1.0)
    assert np.all(np.diff(values) >= -1e-15), "a small step never lowers the log-likelihood"
    assert values[-1] > values[0] + 0.1
    assert np.all(machine.theta[0] >= 0)
    grads = likelihood.average_log_likelihood_gradient(machine, PATTERNS, PROBS)
    full = np.linalg.norm(_flat(grads))
    projected = likelihood.projected_gradient_length(machine, grads)
    assert projected < 1e-3 and projected <= full


def test_projected_gradient_length_drops_only_blocked_components():
    hm = HelmholtzMachine.random((3, 2), seed=5)
    hm.theta[0][:] = [[0.0, 1.0, 0.0], [2.0, 0.0, 0.5]]
    grads = {"theta": [np.array([[-1.0, -2.0, 3.0], [4.0, -5.0, 0.0]])], "theta_bias": [np.ones(3), np.ones(2)]}
    # blocked: (0, 0) (at 0, pushed down) and (1, 1); (0, 2) is at 0 but pushed up; 1.0 and 2.0 are free
    want = math.sqrt(2.0**2 + 3.0**2 + 4.0**2 + 5 * 1.0)
    assert likelihood.projected_gradient_length(hm, grads) == pytest.approx(want, abs=1e-14)
    all_terms = math.sqrt(1 + 4 + 9 + 16 + 25 + 5)
    assert likelihood.projected_gradient_length(hm, grads, nonnegative_visible=False) == pytest.approx(all_terms)


def test_paper_start_on_the_bars_climbs():
    patterns, probs = bars_distribution()
    start = paper_initialisation((16, 8, 1))
    machine, values = likelihood.projected_ascent(start, patterns, probs, steps=20)
    assert np.all(np.diff(values) > 0)
    assert kl_data_model_bits(machine, patterns, probs) < kl_data_model_bits(start, patterns, probs)


def test_inputs_not_modified():
    hm = HelmholtzMachine.random((3, 2, 1), seed=6, scale=1.0)
    hm.theta[0][0, 0] = -0.5
    before = [a.copy() for a in hm.theta + hm.theta_bias + hm.phi + hm.phi_bias]
    patterns, probs = PATTERNS.copy(), PROBS.copy()
    likelihood.projected_ascent(hm, patterns, probs, steps=3)
    likelihood.average_log_likelihood_gradient(hm, patterns, probs)
    assert np.array_equal(patterns, PATTERNS) and np.array_equal(probs, PROBS)
    assert all(np.array_equal(a, b) for a, b in zip(before, hm.theta + hm.theta_bias + hm.phi + hm.phi_bias))


# ---------------------------------------------------------------------- bad inputs
def test_bad_arguments_raise():
    hm = HelmholtzMachine.random((3, 2), seed=0)
    with pytest.raises(TypeError, match="hm"):
        likelihood.average_log_likelihood("machine", PATTERNS, PROBS)
    with pytest.raises(ValueError, match="sigmoid"):
        likelihood.average_log_likelihood_gradient(HelmholtzMachine.random((3, 2), imaging="odds", seed=0), PATTERNS, PROBS)
    with pytest.raises(ValueError, match="probs"):
        likelihood.average_log_likelihood(hm, PATTERNS, [0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="patterns"):
        likelihood.average_log_likelihood(hm, np.ones((4, 5)), PROBS)
    with pytest.raises(ValueError, match="steps"):
        likelihood.projected_ascent(hm, PATTERNS, PROBS, steps=0)
    with pytest.raises(TypeError, match="steps"):
        likelihood.projected_ascent(hm, PATTERNS, PROBS, steps=2.5)
    with pytest.raises(ValueError, match="step_size"):
        likelihood.projected_ascent(hm, PATTERNS, PROBS, step_size=0.0)
    with pytest.raises(TypeError, match="nonnegative_visible"):
        likelihood.projected_ascent(hm, PATTERNS, PROBS, nonnegative_visible=1)


def test_too_many_hidden_units_refused_before_allocating():
    hm = HelmholtzMachine.random((2, 13, 12), seed=0)  # 25 hidden units > MAX_HIDDEN
    with pytest.raises(ValueError, match="MAX_HIDDEN"):
        likelihood.average_log_likelihood(hm, np.zeros((1, 2)), [1.0])
