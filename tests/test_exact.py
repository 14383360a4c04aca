"""Exact enumeration against a plain-loop reference, and the identities notebooks 01-05 teach."""

import itertools
import tracemalloc

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import chisquare

from hmlib import exact
from hmlib.model import HelmholtzMachine
from tests import reference

IMAGING = ("sigmoid", "odds")
SIZES = [(3, 2), (4, 2, 2), (3, 2, 1, 2)]  # machines of 2, 3 and 4 layers


def machine(sizes, imaging, seed=0, scale=1.0):
    return HelmholtzMachine.random(sizes, imaging=imaging, seed=seed, scale=scale)


@pytest.mark.parametrize("imaging", IMAGING)
@pytest.mark.parametrize("sizes", SIZES)
def test_every_quantity_matches_the_plain_loop_reference(sizes, imaging):
    hm = machine(sizes, imaging, seed=3)
    x = exact.binary_patterns(sizes[0])
    got = {
        "log_joint": exact.log_joint(hm, x),
        "log_z": exact.log_evidence(hm, x),
        "posterior": exact.posterior(hm, x),
        "q": exact.recognition_distribution(hm, x),
        "free_energy": exact.free_energy(hm, x),
        "kl": exact.kl_divergence(hm, x),
    }
    for row, pattern in enumerate(x):
        want = reference.quantities(hm, pattern)
        for key, value in got.items():
            np.testing.assert_allclose(value[row], want[key], rtol=0, atol=1e-12, err_msg=f"{key}, row {row}")


@pytest.mark.parametrize("imaging", IMAGING)
def test_large_weights_give_finite_correct_values(imaging):
    # weights of magnitude ~50: sigmoids saturate to within e^-50 of 0 or 1
    hm = machine((4, 3, 2), imaging, seed=5, scale=50.0)
    x = exact.binary_patterns(4)
    log_z = exact.log_evidence(hm, x)
    f = exact.free_energy(hm, x)
    kl = exact.kl_divergence(hm, x)
    assert np.all(np.isfinite(log_z)) and np.all(np.isfinite(f)) and np.all(np.isfinite(kl))
    for row, pattern in enumerate(x):
        want = reference.quantities(hm, pattern)
        np.testing.assert_allclose(log_z[row], want["log_z"], rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(f[row], want["free_energy"], rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(kl[row], want["kl"], rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("imaging", IMAGING)
@pytest.mark.parametrize("sizes", SIZES + [(5, 3, 3, 2)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_z_equals_minus_f_plus_kl(sizes, imaging, seed):
    hm = machine(sizes, imaging, seed=seed)
    x = exact.binary_patterns(sizes[0])
    log_z = exact.log_evidence(hm, x)
    np.testing.assert_allclose(-exact.free_energy(hm, x) + exact.kl_divergence(hm, x), log_z, rtol=0, atol=1e-10)


@pytest.mark.parametrize("imaging", IMAGING)
@pytest.mark.parametrize("sizes", SIZES)
def test_distributions_are_normalised_and_kl_is_non_negative(sizes, imaging):
    hm = machine(sizes, imaging, seed=7)
    x = exact.binary_patterns(sizes[0])
    assert np.exp(exact.log_evidence(hm, x)).sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(exact.posterior(hm, x).sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(exact.recognition_distribution(hm, x).sum(axis=1), 1.0, atol=1e-12)
    # -F is a lower bound on log Z (Gibbs' inequality); kl_divergence clamps at 0, so KL >= 0 is
    # checked on log Z + F, which is computed without the clamp, and KL must agree with it.
    gap = exact.log_evidence(hm, x) + exact.free_energy(hm, x)
    assert np.all(gap >= -1e-12)
    np.testing.assert_allclose(exact.kl_divergence(hm, x), np.maximum(gap, 0.0), rtol=0, atol=1e-10)


def test_free_energy_equals_minus_log_z_when_q_is_the_exact_posterior_sigmoid():
    # One hidden unit h, sigmoid imaging. Worked out by hand:
    # log p(x, h=1) - log p(x, h=0) = b_h + sum_j [x_j theta_j - softplus(b_j + theta_j) + softplus(b_j)],
    # which is linear in x, so Q(h=1 | x) = sigma(x phi + c) equals the posterior exactly with
    # phi_j = theta_j and c = b_h + sum_j [softplus(b_j) - softplus(b_j + theta_j)].
    rng = np.random.default_rng(11)
    theta = rng.normal(size=(1, 4))
    b_visible, b_hidden = rng.normal(size=4), rng.normal(size=1)
    softplus = lambda a: np.logaddexp(0.0, a)  # noqa: E731
    c = b_hidden + (softplus(b_visible) - softplus(b_visible + theta[0])).sum()
    hm = HelmholtzMachine([theta], [b_visible, b_hidden], [theta.T], [c])
    x = exact.binary_patterns(4)
    np.testing.assert_allclose(exact.free_energy(hm, x), -exact.log_evidence(hm, x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact.kl_divergence(hm, x), 0.0, atol=1e-12)


def test_free_energy_equals_minus_log_z_when_q_is_the_exact_posterior_odds():
    # Odds imaging, one hidden unit: p(x_j = 1 | h) = u/(1+u) with u = b_j + h theta_j, p(h=1) = b_h/(1+b_h).
    # The posterior log-odds are log b_h + sum_j [x_j log((b_j+theta_j)/b_j) - log((1+b_j+theta_j)/(1+b_j))],
    # linear in x again.
    rng = np.random.default_rng(12)
    theta = rng.exponential(2.0, size=(1, 3))
    b_visible, b_hidden = rng.exponential(0.5, size=3), rng.exponential(1.0, size=1)
    phi = np.log((b_visible + theta[0]) / b_visible)[:, None]
    c = np.log(b_hidden) - np.log((1 + b_visible + theta[0]) / (1 + b_visible)).sum()
    hm = HelmholtzMachine([theta], [b_visible, b_hidden], [phi], [c], imaging="odds")
    x = exact.binary_patterns(3)
    np.testing.assert_allclose(exact.free_energy(hm, x), -exact.log_evidence(hm, x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("imaging", IMAGING)
def test_generative_samples_match_enumerated_probabilities(imaging):
    hm = machine((3, 2, 2), imaging, seed=4)
    patterns = exact.binary_patterns(3)
    p = np.exp(exact.log_evidence(hm, patterns))
    x = hm.sample_generative(20000, seed=123)[0]
    index = (x @ (2 ** np.arange(2, -1, -1))).astype(int)  # first unit most significant
    counts = np.bincount(index, minlength=8)
    assert chisquare(counts, 20000 * p).pvalue > 1e-3


def test_recognition_samples_match_the_recognition_distribution():
    hm = machine((3, 2, 2), "sigmoid", seed=8)
    x = np.tile([[1.0, 0.0, 1.0]], (20000, 1))
    states = hm.sample_recognition(x, seed=321)
    z = np.hstack(states[1:])
    index = (z @ (2 ** np.arange(3, -1, -1))).astype(int)
    counts = np.bincount(index, minlength=16)
    q = exact.recognition_distribution(hm, x[:1])[0]
    assert chisquare(counts, 20000 * q).pvalue > 1e-3


def test_configuration_order_is_itertools_product():
    sizes = (2, 2, 1)
    configs = exact.hidden_configurations(sizes)
    np.testing.assert_array_equal(configs, np.array(list(itertools.product((0, 1), repeat=3)), dtype=float))
    s2, s3 = exact.layer_states(sizes, configs)
    assert s2.shape == (8, 2) and s3.shape == (8, 1)


@pytest.mark.parametrize("imaging", IMAGING)
def test_chunked_enumeration_matches_a_single_chunk(monkeypatch, imaging):
    hm = machine((4, 3, 3), imaging, seed=9)
    x = exact.binary_patterns(4)
    whole = [exact.log_evidence(hm, x), exact.free_energy(hm, x), exact.kl_divergence(hm, x)]
    monkeypatch.setattr(exact, "_CHUNK_ELEMENTS", 7)  # chunks of one or two configurations
    chunked = [exact.log_evidence(hm, x), exact.free_energy(hm, x), exact.kl_divergence(hm, x)]
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("imaging", IMAGING)
def test_free_energy_gradients_match_central_differences(imaging):
    hm = machine((3, 2, 2), imaging, seed=6)
    x = exact.binary_patterns(3)[[1, 4, 6]]
    grads = exact.free_energy_gradients(hm, x)
    h = 1e-6
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for i, array in enumerate(getattr(hm, name)):
            for idx in np.ndindex(array.shape):
                plus, minus = hm.copy(), hm.copy()
                getattr(plus, name)[i][idx] += h
                getattr(minus, name)[i][idx] -= h
                fd = (exact.free_energy(plus, x).sum() - exact.free_energy(minus, x).sum()) / (2 * h)
                assert grads[name][i][idx] == pytest.approx(fd, abs=1e-7), f"{name}[{i}]{idx}"


def test_odds_unit_that_can_never_be_on_gives_minus_infinity():
    # all generative weights and the visible bias are 0, so p(x_1 = 1) = 0 exactly
    hm = HelmholtzMachine([np.zeros((1, 1))], [np.zeros(1), np.ones(1)], [np.zeros((1, 1))], [np.zeros(1)], imaging="odds")
    log_z = exact.log_evidence(hm, np.array([[0.0], [1.0]]))
    assert log_z[0] == 0.0 and log_z[1] == -np.inf
    assert exact.free_energy(hm, np.array([[1.0]]))[0] == np.inf


def test_sigmoid_visible_term_agrees_with_expit():
    # a cross-check of the log-space visible likelihood with probabilities computed by expit
    hm = machine((3, 2), "sigmoid", seed=10)
    x = exact.binary_patterns(3)
    configs = exact.hidden_configurations(hm.sizes)
    p = expit(configs @ hm.theta[0] + hm.theta_bias[0])  # (4, 3)
    prior = np.prod(np.where(configs > 0, expit(hm.theta_bias[1]), 1 - expit(hm.theta_bias[1])), axis=1)
    lik = np.prod(np.where(x[:, None, :] > 0, p[None], 1 - p[None]), axis=2)  # (8, 4)
    np.testing.assert_allclose(exact.log_joint(hm, x), np.log(lik * prior), atol=1e-12)
    joint = lik * prior  # (8, 4)
    np.testing.assert_allclose(exact.posterior(hm, x), joint / joint.sum(axis=1, keepdims=True), atol=1e-12)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "x, message",
    [
        (np.array([[0.0, 0.5, 1.0]]), "binary"),
        (np.array([[0.0, 1.0]]), "2 columns"),
        (np.array([0.0, 1.0, 1.0]), "2-D"),
        (np.array([[0.0, np.nan, 1.0]]), "non-finite"),
        (np.zeros((0, 3)), "no rows"),
    ],
)
def test_bad_data_raises_value_error(x, message):
    hm = machine((3, 2), "sigmoid")
    for function in (exact.log_evidence, exact.log_joint, exact.posterior, exact.free_energy, exact.kl_divergence):
        with pytest.raises(ValueError, match=message):
            function(hm, x)


def test_too_many_hidden_units_is_refused_before_allocating():
    hm = HelmholtzMachine.random((2, 30, 10), seed=0)  # 40 hidden units: 2^40 configurations
    tracemalloc.start()
    for function in (exact.log_evidence, exact.free_energy, exact.posterior):
        with pytest.raises(ValueError, match="40 hidden units"):
            function(hm, np.zeros((1, 2)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10 * 2**20
    with pytest.raises(ValueError, match="hidden units"):
        exact.hidden_configurations((2, 30, 10))


def test_a_result_over_the_memory_limit_is_refused(monkeypatch):
    hm = machine((3, 10), "sigmoid")
    monkeypatch.setattr(exact, "MAX_RESULT_BYTES", 1000)
    with pytest.raises(ValueError, match="GiB"):
        exact.log_joint(hm, np.zeros((2, 3)))
    exact.log_evidence(hm, np.zeros((2, 3)))  # reduces over configurations: no large result


def test_inputs_are_not_modified():
    hm = machine((3, 2, 2), "sigmoid", seed=1)
    before = [a.copy() for a in hm.theta + hm.phi]
    x = exact.binary_patterns(3)
    x_before = x.copy()
    exact.free_energy_gradients(hm, x)
    exact.kl_divergence(hm, x)
    np.testing.assert_array_equal(x, x_before)
    for a, b in zip(before, hm.theta + hm.phi):
        np.testing.assert_array_equal(a, b)


def test_twenty_hidden_units_normalise_within_bounded_memory():
    # 3 visible and 12 + 8 hidden units: 2^20 configurations for each of the 8 visible patterns
    hm = machine((3, 12, 8), "sigmoid", seed=13)
    x = exact.binary_patterns(3)
    tracemalloc.start()
    log_z = exact.log_evidence(hm, x)
    f = exact.free_energy(hm, x[:1])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.exp(log_z).sum() == pytest.approx(1.0, abs=1e-10)
    assert np.all(-f <= log_z[:1] + 1e-10)
    assert peak < 512 * 2**20, f"peak memory {peak / 2**20:.0f} MiB"
