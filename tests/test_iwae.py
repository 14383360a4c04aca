"""Tests of hmlib.iwae: the importance-weighted bound and the bias of K-sample weights.

References: plain loops over every K-tuple with itertools.product, scoring each configuration with
the machine's own log p and log Q (not hmlib.exact); the exact free energy and its gradient
(hmlib.exact); the binomial closed form for one hidden unit; central finite differences of
log p(x) and of L_K; chi^2 as a plain sum over configurations and as Var_Q(w) / p(x)^2.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import logsumexp

from hmlib import exact, iwae
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import wake_gradient
from tests.reference import central_differences

X4 = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 1]], float)


def _machine(seed, sizes=(4, 2, 2), scale=1.5):
    return HelmholtzMachine.random(sizes, seed=seed, scale=scale)


def _per_config(hm, x_row):
    """log p(x, z) and log Q(z | x) for every configuration, from the machine's own methods."""
    configs = [np.array(c, float) for c in itertools.product((0, 1), repeat=hm.n_hidden)]
    log_p, log_q = [], []
    for z in configs:
        states, start = [x_row[None, :]], 0
        for n in hm.sizes[1:]:
            states.append(z[None, start : start + n])
            start += n
        log_p.append(hm.generative_log_prob(states)[0])
        log_q.append(hm.recognition_log_prob(states)[0])
    return configs, np.array(log_p), np.array(log_q)


def _loop_bound(hm, x_row, k):
    """L_K by a plain loop over every K-tuple."""
    _, log_p, log_q = _per_config(hm, x_row)
    total = 0.0
    for t in itertools.product(range(len(log_p)), repeat=k):
        prob = math.exp(sum(log_q[i] for i in t))
        total += prob * math.log(sum(math.exp(log_p[i] - log_q[i]) for i in t) / k)
    return total


def _one_hidden_unit(q_on, theta_bias_top=0.3, theta=(1.0, -2.0), x=(1.0, 0.0)):
    """A 2-1 machine whose Q(s=1 | x) is q_on for x = (1, 0): phi = 0, bias logit(q_on)."""
    return HelmholtzMachine(
        [np.array([list(theta)])], [np.array([0.2, -0.4]), np.array([theta_bias_top])],
        [np.zeros((2, 1))], [np.array([math.log(q_on / (1 - q_on))])],
    )


# ---------------------------------------------------------------------- L_K
@pytest.mark.parametrize("seed", range(4))
def test_l1_is_minus_free_energy(seed):
    hm = _machine(seed)
    np.testing.assert_allclose(iwae.importance_bound(hm, X4, 1), -exact.free_energy(hm, X4), rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_bound_matches_plain_loop_over_tuples(seed):
    hm = _machine(seed, sizes=(4, 2, 1))
    for k in (1, 2, 3):
        got = iwae.importance_bound(hm, X4, k)
        want = [_loop_bound(hm, x, k) for x in X4]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_bound_increases_with_k_and_stays_below_log_z(seed):
    hm = _machine(seed)
    log_z = exact.log_evidence(hm, X4)
    bounds = np.array([iwae.importance_bound(hm, X4, k) for k in range(1, 5)])  # (4, batch)
    assert np.all(np.diff(bounds, axis=0) >= -1e-12), "L_K <= L_{K+1}"
    assert np.all(bounds <= log_z[None, :] + 1e-12), "L_K <= log Z"
    assert np.all(np.diff(bounds, axis=0) > 1e-6), "with Q != P the bound strictly tightens"


ONE_UNIT_X = np.array([[1.0, 0.0]])


def _one_unit_closed_form(k):
    """L_K of ``_one_hidden_unit(0.3)`` at ONE_UNIT_X in closed form: a K-tuple is fixed by j, the
    number of samples with s = 1, so L_K = sum_j C(K, j) q^j (1-q)^(K-j) log((j w1 + (K-j) w0) / K);
    the binomial weights are taken through lgamma, so that no term overflows at large K."""
    _, log_p, log_q = _per_config(_one_hidden_unit(0.3), ONE_UNIT_X[0])
    w0, w1 = np.exp(log_p - log_q)
    q = math.exp(log_q[1])
    return sum(math.exp(math.lgamma(k + 1) - math.lgamma(j + 1) - math.lgamma(k - j + 1) + j * math.log(q)
                        + (k - j) * math.log(1 - q)) * math.log((j * w1 + (k - j) * w0) / k) for j in range(k + 1))


def test_bound_matches_binomial_closed_form_for_one_hidden_unit():
    hm = _one_hidden_unit(0.3)
    for k in (1, 2, 5, 12):
        assert abs(iwae.importance_bound(hm, ONE_UNIT_X, k)[0] - _one_unit_closed_form(k)) < 1e-10


def test_bound_tends_to_log_z():
    hm = _one_hidden_unit(0.3)
    x = np.array([[1.0, 0.0]])
    log_z = exact.log_evidence(hm, x)[0]
    gaps = np.array([log_z - iwae.importance_bound(hm, x, k)[0] for k in (1, 2, 4, 8, 16)])
    assert np.all(np.diff(gaps) < 0) and gaps[0] > 0.05
    # the gap falls like Var_Q(w) / (2 K p(x)^2) (delta method): halving it per doubling of K
    _, log_p, log_q = _per_config(hm, x[0])
    w = np.exp(log_p - log_q)
    q = np.exp(log_q)
    limit = (q @ w**2 - (q @ w) ** 2) / (2 * math.exp(log_z) ** 2)
    assert abs(16 * gaps[-1] - limit) < 0.1 * limit


def test_bound_equals_log_z_when_q_is_the_posterior():
    hm0 = _one_hidden_unit(0.5)
    x = np.array([[1.0, 0.0]])
    p_on = exact.posterior(hm0, x)[0, 1]
    hm = _one_hidden_unit(p_on)
    log_z = exact.log_evidence(hm, x)[0]
    for k in (1, 3, 6):
        assert abs(iwae.importance_bound(hm, x, k)[0] - log_z) < 1e-10


def test_monte_carlo_estimate_within_standard_errors():
    hm = _machine(1)
    for k in (1, 3):
        estimate, se = iwae.importance_bound_estimate(hm, X4, k, n_samples=4000, seed=7)
        exact_value = iwae.importance_bound(hm, X4, k)
        assert np.all(se > 0)
        assert np.all(np.abs(estimate - exact_value) < 4 * se)


# ---------------------------------------------------------------------- the bias of K-sample weights
def _loop_expected_update(hm, x_row, k):
    """E_{Q^K}[sum_k omega_k d log p(x, z_k)/d theta] by a loop over K-tuples, flattened."""
    configs, log_p, log_q = _per_config(hm, x_row)
    grads = []
    for z in configs:
        states, start = [x_row[None, :]], 0
        for n in hm.sizes[1:]:
            states.append(z[None, start : start + n])
            start += n
        g = wake_gradient(hm, states)
        grads.append(np.concatenate([a.ravel() for a in g["theta"] + g["theta_bias"]]))
    total = np.zeros_like(grads[0])
    for t in itertools.product(range(len(configs)), repeat=k):
        prob = math.exp(sum(log_q[i] for i in t))
        w = np.array([math.exp(log_p[i] - log_q[i]) for i in t])
        for i, omega in zip(t, w / w.sum()):
            total += prob * omega * grads[i]
    return total


def _flat(g):
    return np.concatenate([a.ravel() for a in g["theta"] + g["theta_bias"]])


def test_expected_weights_k1_is_q_and_rows_sum_to_one():
    hm = _machine(2)
    np.testing.assert_allclose(iwae.expected_weights(hm, X4, 1), exact.recognition_distribution(hm, X4), atol=1e-12)
    for k in (2, 3):
        np.testing.assert_allclose(iwae.expected_weights(hm, X4, k).sum(axis=1), 1.0, atol=1e-12)


def test_expected_update_matches_plain_loop():
    hm = _machine(3, sizes=(4, 2, 1))
    for k in (1, 2, 3):
        got = _flat(iwae.expected_theta_update(hm, X4[:1], k))
        np.testing.assert_allclose(got, _loop_expected_update(hm, X4[0], k), rtol=0, atol=1e-10)


def test_expected_update_k1_is_minus_free_energy_gradient():
    hm = _machine(0)
    grads = exact.free_energy_gradients(hm, X4)
    want = -np.concatenate([a.ravel() for a in grads["theta"] + grads["theta_bias"]])
    np.testing.assert_allclose(_flat(iwae.expected_theta_update(hm, X4, 1)), want, rtol=0, atol=1e-10)


def test_log_evidence_gradient_matches_finite_differences():
    hm = _machine(4)
    got = iwae.log_evidence_gradient(hm, X4)
    h = 1e-6
    for name in ("theta", "theta_bias"):
        for layer, array in enumerate(getattr(hm, name)):
            for index in np.ndindex(array.shape):
                plus, minus = hm.copy(), hm.copy()
                getattr(plus, name)[layer][index] += h
                getattr(minus, name)[layer][index] -= h
                fd = (exact.log_evidence(plus, X4).sum() - exact.log_evidence(minus, X4).sum()) / (2 * h)
                assert abs(got[name][layer][index] - fd) < 1e-6, (name, layer, index)


def test_gradient_bias_shrinks_with_k_and_vanishes_in_the_limit():
    hm = _machine(5)
    biases = [iwae.gradient_bias(hm, X4, k) for k in (1, 2, 3, 4)]
    assert np.all(np.diff(biases) < 0) and biases[0] > 0.01
    # one hidden unit: E[omega on s=1] = sum_j C(K,j) q^j (1-q)^(K-j) j w1 / (j w1 + (K-j) w0) -> P(s=1 | x)
    hm1 = _one_hidden_unit(0.3)
    x = np.array([[1.0, 0.0]])
    _, log_p, log_q = _per_config(hm1, x[0])
    w0, w1 = np.exp(log_p - log_q)
    q = math.exp(log_q[1])
    p_on = exact.posterior(hm1, x)[0, 1]
    for k in (1, 4, 16):
        want = sum(math.comb(k, j) * q**j * (1 - q) ** (k - j) * j * w1 / (j * w1 + (k - j) * w0) for j in range(1, k + 1))
        assert abs(iwae.expected_weights(hm1, x, k)[0, 1] - want) < 1e-10
    errors = [abs(iwae.expected_weights(hm1, x, k)[0, 1] - p_on) for k in (1, 4, 16)]
    assert errors[0] > 0.1 and errors[2] < errors[0] / 8
    assert iwae.gradient_bias(_one_hidden_unit(p_on), x, 3) < 1e-12  # Q = P: no bias for any K


# ---------------------------------------------------------------------- the theta step is unbiased for L_K
def _theta_differences(hm, bound, h=1e-5):
    """Central differences of ``bound(machine)`` (a float) w.r.t. every theta, flattened like _flat."""
    numeric = central_differences(hm, bound, h=h)
    return np.concatenate([a.ravel() for a in numeric["theta"] + numeric["theta_bias"]])


def test_expected_theta_update_is_the_gradient_of_the_bound():
    # Q does not depend on theta, so d L_K/d theta = E[d log (1/K sum_k w_k)/d theta] = E[sum_k omega_k
    # d log p(x, z_k)/d theta]: the K-sample theta step is unbiased for the gradient of L_K (Burda et
    # al. 2016, Section 3), and biased only as an estimate of d log p(x)/d theta
    hm = _machine(8, sizes=(4, 2, 1))
    x = X4[0]
    exact_gradient = _flat(iwae.log_evidence_gradient(hm, X4[:1]))
    for k in (1, 2, 3):
        of_bound = _theta_differences(hm, lambda m: _loop_bound(m, x, k))
        np.testing.assert_allclose(_loop_expected_update(hm, x, k), of_bound, rtol=0, atol=1e-8)
        np.testing.assert_allclose(_flat(iwae.expected_theta_update(hm, X4[:1], k)), of_bound, rtol=0, atol=1e-8)
        assert np.linalg.norm(of_bound - exact_gradient) > 1e-2, "the bound's gradient is not log p's"


@st.composite
def _small_machines(draw):
    """Sigmoid machines of 2-3 layers, at most 4 hidden units, weights in [-4, 4]."""
    sizes = [draw(st.integers(1, 3))] + draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))
    weight = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False)
    L = len(sizes)
    theta = [draw(arrays(np.float64, (sizes[l + 1], sizes[l]), elements=weight)) for l in range(L - 1)]
    theta_bias = [draw(arrays(np.float64, (n,), elements=weight)) for n in sizes]
    phi = [draw(arrays(np.float64, (sizes[l], sizes[l + 1]), elements=weight)) for l in range(L - 1)]
    phi_bias = [draw(arrays(np.float64, (n,), elements=weight)) for n in sizes[1:]]
    x = draw(arrays(np.float64, (1, sizes[0]), elements=st.sampled_from([0.0, 1.0])))
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias), x, draw(st.integers(1, 2))


@given(_small_machines())
def test_expected_theta_update_is_the_gradient_of_the_bound_for_any_machine(case):
    hm, x, k = case
    of_bound = _theta_differences(hm, lambda m: float(iwae.importance_bound(m, x, k)[0]))
    np.testing.assert_allclose(_flat(iwae.expected_theta_update(hm, x, k)), of_bound, rtol=0, atol=1e-7)


# ---------------------------------------------------------------------- chi^2 and L_K beyond enumeration
def test_chi_square_is_a_plain_sum_and_the_variance_of_the_weights():
    hm = _machine(9)
    got = iwae.chi_square(hm, X4)
    for b, x in enumerate(X4):
        _, log_p, log_q = _per_config(hm, x)
        z = sum(math.exp(v) for v in log_p)
        posterior, q = [math.exp(v) / z for v in log_p], [math.exp(v) for v in log_q]
        assert got[b] == pytest.approx(sum(p * p / qi for p, qi in zip(posterior, q)) - 1.0, abs=1e-10)
        w = [math.exp(a - c) for a, c in zip(log_p, log_q)]
        variance = sum(qi * wi * wi for qi, wi in zip(q, w)) - sum(qi * wi for qi, wi in zip(q, w)) ** 2
        assert got[b] == pytest.approx(variance / z**2, rel=1e-9)
    assert np.all(got > 0)


def test_chi_square_is_zero_when_q_is_the_posterior():
    x = np.array([[1.0, 0.0]])
    p_on = exact.posterior(_one_hidden_unit(0.5), x)[0, 1]
    assert iwae.chi_square(_one_hidden_unit(p_on), x)[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_quadrature_bound_matches_enumeration(seed):
    hm = _machine(seed, scale=2.5)
    for k in (1, 2, 3, 4):
        np.testing.assert_allclose(iwae.importance_bound_quadrature(hm, X4, k), iwae.importance_bound(hm, X4, k),
                                   rtol=0, atol=1e-9)


def test_quadrature_bound_matches_binomial_closed_form_at_large_k():
    hm = _one_hidden_unit(0.3)
    for k in (12, 50, 200):
        assert iwae.importance_bound_quadrature(hm, ONE_UNIT_X, k)[0] == pytest.approx(_one_unit_closed_form(k), abs=1e-10)


def test_gap_approaches_chi_square_over_2k():
    hm = _machine(1, sizes=(4, 2, 1), scale=2.0)
    x = X4[:1]
    log_z = exact.log_evidence(hm, x)[0]
    chi2 = iwae.chi_square(hm, x)[0]
    gaps = np.array([log_z - iwae.importance_bound_quadrature(hm, x, k)[0] for k in (10, 100, 1000, 10**5)])
    assert np.all(np.diff(gaps) < 0) and np.all(gaps > 0)
    ratios = gaps * 2 * np.array([10, 100, 1000, 10**5]) / chi2  # the delta method: -> 1 as K grows
    assert np.all(np.diff(np.abs(ratios - 1.0)) < 0)
    assert abs(ratios[-1] - 1.0) < 0.01


def test_quadrature_bound_is_minus_infinity_where_q_proposes_impossible_configurations():
    # odds imaging: with its parent off, the visible unit has input 0 and cannot be on
    hm = HelmholtzMachine([np.array([[1.0]])], [np.array([0.0]), np.array([1.0])], [np.zeros((1, 1))],
                          [np.array([0.0])], imaging="odds")
    x = np.array([[1.0]])
    assert np.isneginf(iwae.importance_bound(hm, x, 2)[0])
    assert np.isneginf(iwae.importance_bound_quadrature(hm, x, 2)[0])
    assert np.isfinite(iwae.chi_square(hm, x)[0]), "Q > 0 wherever P > 0: chi^2 is finite"


def test_bad_quadrature_arguments_raise():
    hm = _machine(0)
    with pytest.raises(ValueError, match="k"):
        iwae.importance_bound_quadrature(hm, X4, 0)
    with pytest.raises(ValueError, match="k"):
        iwae.importance_bound_quadrature(hm, X4, iwae.MAX_QUADRATURE_K + 1)
    with pytest.raises(TypeError, match="k"):
        iwae.importance_bound_quadrature(hm, X4, 2.0)
    with pytest.raises(ValueError, match="x"):
        iwae.chi_square(hm, np.ones((1, 3)))


# ---------------------------------------------------------------------- bad inputs
def test_bad_k_raises():
    hm = _machine(0)
    with pytest.raises(ValueError, match="k"):
        iwae.importance_bound(hm, X4, 0)
    with pytest.raises(TypeError, match="k"):
        iwae.importance_bound(hm, X4, 2.5)
    with pytest.raises(TypeError, match="k"):
        iwae.expected_weights(hm, X4, "2")


def test_too_many_tuples_refused_before_allocating():
    hm = _machine(0, sizes=(4, 6, 4))  # 10 hidden units: k = 3 means 2^30 tuples
    with pytest.raises(ValueError, match="MAX_TUPLES"):
        iwae.importance_bound(hm, X4, 3)
    with pytest.raises(ValueError, match="MAX_TUPLES"):
        iwae.gradient_bias(hm, X4, 10**6)


def test_bad_data_and_machine_raise():
    hm = _machine(0)
    with pytest.raises(ValueError, match="x"):
        iwae.importance_bound(hm, np.ones((2, 5)), 1)
    with pytest.raises(TypeError, match="hm"):
        iwae.importance_bound("machine", X4, 1)
    with pytest.raises(ValueError, match="n_samples"):
        iwae.importance_bound_estimate(hm, X4, 2, n_samples=0)
    with pytest.raises(ValueError, match="the samples"):
        iwae.importance_bound_estimate(hm, X4, 10**5, n_samples=10**5)
    odds = HelmholtzMachine.random((4, 2), imaging="odds", seed=0)
    with pytest.raises(ValueError, match="sigmoid"):
        iwae.expected_theta_update(odds, X4, 1)


def test_inputs_not_modified():
    hm = _machine(0)
    x = X4.copy()
    before = [a.copy() for a in hm.theta + hm.phi]
    iwae.gradient_bias(hm, x, 2)
    iwae.importance_bound_estimate(hm, x, 2, n_samples=10, seed=0)
    assert np.array_equal(x, X4)
    assert all(np.array_equal(a, b) for a, b in zip(before, hm.theta + hm.phi))


def test_weighted_log_evidence_gradient_is_weighted_sum_of_rows():
    hm = _machine(6)
    weights = np.array([0.5, 0.0, 2.0])
    got = _flat(iwae.log_evidence_gradient(hm, X4, weights=weights))
    want = sum(w * _flat(iwae.log_evidence_gradient(hm, X4[i : i + 1])) for i, w in enumerate(weights))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="weights"):
        iwae.log_evidence_gradient(hm, X4, weights=[1.0, -1.0, 0.0])
    with pytest.raises(ValueError, match="weights"):
        iwae.log_evidence_gradient(hm, X4, weights=[1.0, 1.0])
    with pytest.raises(TypeError, match="weights"):
        iwae.log_evidence_gradient(hm, X4, weights="abc")
