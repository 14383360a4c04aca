"""Properties that hold for every machine, checked by Hypothesis over many random ones.

Machines have 2-4 layers of 1-3 units, either imaging model, and weights up to magnitude 50
(odds machines: generative weights in [0, 50] and biases in [0.01, 50], so that no pattern is
impossible). The examples are drawn deterministically (the profile in ``tests/conftest.py``).
"""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import logsumexp

from hmlib import evaluation, exact, meanfield
from hmlib.model import HelmholtzMachine

MAX_WEIGHT = 50.0
PARAMETERS = ("theta", "theta_bias", "phi", "phi_bias")


def _weights(shape, low, high):
    return arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, allow_infinity=False))


@st.composite
def machines(draw, imaging=st.sampled_from(["sigmoid", "odds"]), impossible_patterns=False):
    """Random machines; with ``impossible_patterns`` odds biases may be 0, so p(x) = 0 can occur."""
    imaging = draw(imaging)
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    if imaging == "odds":
        gen_weight, gen_bias = (0.0, MAX_WEIGHT), (0.0 if impossible_patterns else 0.01, MAX_WEIGHT)
    else:
        gen_weight = gen_bias = (-MAX_WEIGHT, MAX_WEIGHT)
    rec = (-MAX_WEIGHT, MAX_WEIGHT)
    L = len(sizes)
    theta = [draw(_weights((sizes[l + 1], sizes[l]), *gen_weight)) for l in range(L - 1)]
    theta_bias = [draw(_weights((n,), *gen_bias)) for n in sizes]
    phi = [draw(_weights((sizes[l], sizes[l + 1]), *rec)) for l in range(L - 1)]
    phi_bias = [draw(_weights((n,), *rec)) for n in sizes[1:]]
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging=imaging)


@st.composite
def machines_and_data(draw):
    hm = draw(machines())
    batch = draw(st.integers(1, 4))
    x = draw(arrays(np.float64, (batch, hm.sizes[0]), elements=st.sampled_from([0.0, 1.0])))
    return hm, x


def _scale(values):
    """Tolerance scale: the identities hold to round-off relative to the size of the terms."""
    return 1.0 + np.max(np.abs(values))


@given(machines_and_data())
def test_log_z_is_minus_f_plus_kl(case):
    hm, x = case
    log_z = exact.log_evidence(hm, x)
    f = exact.free_energy(hm, x)
    kl = exact.kl_divergence(hm, x)
    assert np.all(np.isfinite(log_z))
    np.testing.assert_allclose(-f + kl, log_z, rtol=0, atol=1e-9 * _scale([log_z, f]))


@given(machines())
def test_evidence_sums_to_one_over_every_pattern(hm):
    x = exact.binary_patterns(hm.sizes[0])
    assert abs(logsumexp(exact.log_evidence(hm, x))) < 1e-9


@given(machines_and_data())
def test_kl_is_never_negative_and_f_bounds_log_z(case):
    hm, x = case
    # kl_divergence clamps at 0, so Gibbs' inequality is checked on F + log Z, computed without it.
    f, log_z = exact.free_energy(hm, x), exact.log_evidence(hm, x)
    assert np.all(f + log_z >= -1e-9 * _scale([f, log_z]))
    assert np.all(exact.kl_divergence(hm, x) >= 0.0)


@given(machines_and_data())
def test_posterior_and_recognition_distribution_sum_to_one(case):
    hm, x = case
    for dist in (exact.posterior(hm, x), exact.recognition_distribution(hm, x)):
        assert np.all(dist >= 0)
        np.testing.assert_allclose(dist.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@given(machines(imaging=st.just("odds"), impossible_patterns=True))
def test_impossible_patterns_get_their_documented_values(hm):
    x = exact.binary_patterns(hm.sizes[0])
    log_z = exact.log_evidence(hm, x)
    assert abs(logsumexp(log_z)) < 1e-9
    impossible = np.isneginf(log_z)
    assert np.all(exact.free_energy(hm, x)[impossible] == np.inf), "F = +inf where p(x) = 0"
    for row in np.flatnonzero(impossible)[:1]:
        for function in (exact.posterior, exact.kl_divergence, exact.free_energy_gradients):
            with pytest.raises(ValueError, match="p\\(x\\) = 0"):
                function(hm, x[row : row + 1])
    possible = x[~impossible]
    kl = exact.kl_divergence(hm, possible)
    f = exact.free_energy(hm, possible)
    finite = np.isfinite(f)
    # KL >= 0 checked on F + log Z, which the clamp inside kl_divergence does not touch.
    assert np.all(f[finite] + log_z[~impossible][finite] >= -1e-9 * _scale(f[finite]) if finite.any() else True)
    assert np.all(np.isinf(kl[~finite])), "F = +inf with p(x) > 0 means KL = +inf"
    np.testing.assert_allclose(-f[finite] + kl[finite], log_z[~impossible][finite], rtol=0,
                               atol=1e-9 * _scale(f[finite]) if finite.any() else 0)


def _snapshot(hm, x):
    return [a.copy() for name in PARAMETERS for a in getattr(hm, name)], x.copy()


@given(machines_and_data())
def test_no_function_modifies_its_inputs(case):
    hm, x = case
    params_before, x_before = _snapshot(hm, x)
    exact.log_joint(hm, x)
    exact.free_energy_gradients(hm, x)
    exact.kl_divergence(hm, x)
    evaluation.exact_nll(hm, x)
    hm.sample_recognition(x, seed=0)
    meanfield.recognition_means(hm, x)
    params_after, x_after = _snapshot(hm, x)
    np.testing.assert_array_equal(x_after, x_before)
    for after, before in zip(params_after, params_before):
        np.testing.assert_array_equal(after, before)


# ---------------------------------------------------------------------- bad inputs must raise
# functions of (hm, x); all but the mean-field one need binary x
DATA_FUNCTIONS = [
    exact.log_joint,
    exact.log_evidence,
    exact.posterior,
    exact.recognition_distribution,
    exact.free_energy,
    exact.kl_divergence,
    exact.free_energy_gradients,
    evaluation.exact_nll,
    meanfield.recognition_means,
]

NON_NUMBERS = st.sampled_from(["0101", "1", "abc", 1 + 1j, None, {"x": 1}, object()])


@st.composite
def bad_data(draw, width, binary):
    """An x that a function taking (hm, x) must refuse, for a visible layer of ``width`` units;
    0.5 is bad only where binary data is needed."""
    kind = draw(st.sampled_from(["value", "nan", "width", "ndim", "empty", "type", "strings", "complex"]))
    batch = draw(st.integers(1, 3))
    x = draw(arrays(np.float64, (batch, width), elements=st.sampled_from([0.0, 1.0])))
    if kind == "value":
        x[draw(st.integers(0, batch - 1)), draw(st.integers(0, width - 1))] = draw(
            st.sampled_from([-1.0, 2.0, 1e300, -0.0001] + ([0.5] if binary else []))
        )
        return x
    if kind == "nan":
        x[0, 0] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        return x
    if kind == "width":
        return np.zeros((batch, width + draw(st.sampled_from([-width, 1, 5]))))
    if kind == "ndim":
        return draw(st.sampled_from([x[0], x[None], np.float64(1.0)]))
    if kind == "empty":
        return np.zeros((0, width))
    if kind == "type":
        return draw(NON_NUMBERS)
    if kind == "strings":
        return x.astype(int).astype(str)  # digit strings "0"/"1"
    return x.astype(complex)


def _name(function):
    return f"{function.__module__}.{function.__name__}"


@pytest.mark.parametrize("function", DATA_FUNCTIONS, ids=_name)
@given(data=st.data())
def test_bad_data_is_refused_with_a_clear_error(function, data):
    hm = data.draw(machines())
    x = data.draw(bad_data(hm.sizes[0], binary=function is not meanfield.recognition_means))
    with pytest.raises((TypeError, ValueError)) as info:
        function(hm, x)
    assert info.type in (TypeError, ValueError)  # not a numpy subclass such as AxisError
    assert "hmlib" in str(info.traceback[-1].path)  # raised by hmlib's checks, not deep inside numpy
    assert re.search(r"\bx\b", str(info.value))  # the message names the argument


@pytest.mark.parametrize("function", DATA_FUNCTIONS, ids=_name)
@given(not_a_machine=st.sampled_from([None, "hm", 3, {"theta": []}, np.zeros((2, 2)), [1, 2]]))
def test_anything_but_a_machine_is_a_type_error(function, not_a_machine):
    with pytest.raises(TypeError, match="hm"):
        function(not_a_machine, np.zeros((1, 2)))


@st.composite
def bad_parameters(draw):
    """Keyword arguments of HelmholtzMachine(...) with one thing wrong, and the word the error must name."""
    hm = draw(machines())
    params = {name: [a.copy() for a in getattr(hm, name)] for name in PARAMETERS}
    params["imaging"] = hm.imaging
    kind = draw(st.sampled_from(["nan", "shape", "count", "negative-odds", "imaging", "strings", "not-a-list"]))
    name = draw(st.sampled_from(PARAMETERS))
    i = draw(st.integers(0, len(params[name]) - 1))
    if kind == "nan":
        params[name][i].flat[0] = draw(st.sampled_from([np.nan, np.inf]))
    elif kind == "shape":
        params[name][i] = np.zeros(params[name][i].shape + (2,))
    elif kind == "count":  # the layer sizes come from theta_bias, so the error may name any list
        params[name] = params[name][:-1] if draw(st.booleans()) else params[name] + [np.zeros(1)]
        name = "|".join(PARAMETERS)
    elif kind == "negative-odds":
        params["imaging"] = "odds"
        name = draw(st.sampled_from(["theta", "theta_bias"]))
        for arr in params[name]:
            np.abs(arr, out=arr)
        params[name][min(i, len(params[name]) - 1)].flat[0] = -0.5
        for other in ("theta", "theta_bias"):
            if other != name:
                params[other] = [np.abs(a) for a in params[other]]
    elif kind == "imaging":
        params["imaging"] = draw(st.sampled_from(["Sigmoid", "noisy-or", "", "odd"]))
        name = "imaging"
    elif kind == "strings":
        params[name][i] = params[name][i].astype(str)
    else:
        params[name] = draw(st.sampled_from([None, 3.0, "theta", np.zeros(3)]))
    return params, name


@given(bad_parameters())
def test_bad_parameters_are_refused_naming_the_argument(case):
    params, name = case
    with pytest.raises((TypeError, ValueError), match=name):
        HelmholtzMachine(**params)
