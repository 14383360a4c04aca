"""Tests of hmlib.wakesleep and hmlib.evaluation.

References: numbers worked out by hand (one wake step, one sleep step), plain loops over every
hidden configuration (exact KL and NLL), exact enumeration (importance sampling, the wake rule's
average against dF/dtheta).
"""

import itertools
import math

import numpy as np
import pytest

from hmlib import evaluation, exact
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import (
    WakeSleepSettings,
    paper_initialisation,
    sleep_gradient,
    train,
    train_with_pilots,
    wake_gradient,
)

BIG = 40.0  # sigma(40) == 1.0 and sigma(-40) ~ 4e-18 in float64: such a unit's sample is determined


def _machine_2_1_1(theta, theta_bias, phi, phi_bias):
    return HelmholtzMachine(
        [np.array(t, float) for t in theta],
        [np.array(b, float) for b in theta_bias],
        [np.array(p, float) for p in phi],
        [np.array(c, float) for c in phi_bias],
    )


def _one_step(hm, data, seed=0):
    settings = WakeSleepSettings(
        examples=1, batch_size=1, lr_visible=0.2, lr_hidden=0.01, positive_visible_weights=False
    )
    machine, _ = train(hm, np.array(data, float), settings, seed=seed)
    return machine


def test_one_wake_step_by_hand():
    # Machine 2-1-1. Recognition biases of +40 make Q put s2 = 1 and s3 = 1 for sure, so the wake
    # step is determined. Data x = (1, 0).
    # Layer 1: input (0.5, 0) + s2 * (1, -1) = (1.5, -1); p = (sigma(1.5), sigma(-1))
    #          = (0.8175744762, 0.2689414214); error x - p = (0.1824255238, -0.2689414214).
    #          lr 0.2 (to the input): theta[0] += 0.2 * 1 * error = (+0.0364851048, -0.0537882843),
    #          theta_bias[0] gets the same increments.
    # Layer 2: input 0 + s3 * 0 = 0, p = 0.5, error 1 - 0.5 = 0.5; lr 0.01:
    #          theta[1] += 0.005, theta_bias[1] += 0.005.
    # Layer 3 (top prior): p = sigma(0) = 0.5, error 0.5, theta_bias[2] += 0.005.
    hm = _machine_2_1_1(
        theta=[[[1.0, -1.0]], [[0.0]]],
        theta_bias=[[0.5, 0.0], [0.0], [0.0]],
        phi=[[[0.0], [0.0]], [[0.0]]],
        phi_bias=[[BIG], [BIG]],
    )
    after = _one_step(hm, [[1.0, 0.0]])
    np.testing.assert_allclose(after.theta[0], [[1.0364851048, -1.0537882843]], atol=1e-9)
    np.testing.assert_allclose(after.theta_bias[0], [0.5364851048, -0.0537882843], atol=1e-9)
    np.testing.assert_allclose(after.theta[1], [[0.005]], atol=1e-12)
    np.testing.assert_allclose(after.theta_bias[1], [0.005], atol=1e-12)
    np.testing.assert_allclose(after.theta_bias[2], [0.005], atol=1e-12)


def test_one_sleep_step_by_hand():
    # Machine 2-1-1 whose generative weights of +-40 make the fantasy determined:
    # s3 = 1 (bias 40), s2 = 1 (weight 40), x = (1, 0) (weights (40, -40)). The wake step before
    # it moves these by at most 0.2, which keeps the fantasy determined.
    # Layer 2: q = sigma(0.25 + 1 * 0.5 + 0 * (-1)) = sigma(0.75) = 0.6791786992;
    #          error 1 - q = 0.3208213008; lr 0.2 (from the input):
    #          phi[0] += 0.2 * (1, 0) * error = (+0.0641642602, 0), phi_bias[0] += 0.0641642602.
    # Layer 3: q = sigma(0 + 1 * (-0.5)) = 0.3775406688; error 0.6224593312; lr 0.01:
    #          phi[1] += 0.0062245933, phi_bias[1] += 0.0062245933.
    hm = _machine_2_1_1(
        theta=[[[BIG, -BIG]], [[BIG]]],
        theta_bias=[[0.0, 0.0], [0.0], [BIG]],
        phi=[[[0.5], [-1.0]], [[-0.5]]],
        phi_bias=[[0.25], [0.0]],
    )
    after = _one_step(hm, [[0.0, 1.0]])
    np.testing.assert_allclose(after.phi[0], [[0.5641642602], [-1.0]], atol=1e-9)
    np.testing.assert_allclose(after.phi_bias[0], [0.3141642602], atol=1e-9)
    np.testing.assert_allclose(after.phi[1], [[-0.4937754067]], atol=1e-9)
    np.testing.assert_allclose(after.phi_bias[1], [0.0062245933], atol=1e-9)


def test_delta_rules_match_a_plain_loop():
    hm = HelmholtzMachine.random((3, 2, 2), seed=1)
    states = hm.sample_generative(5, seed=2)
    wake = wake_gradient(hm, states)
    sleep = sleep_gradient(hm, states)
    sig = lambda a: 1.0 / (1.0 + math.exp(-a))  # noqa: E731
    for l in range(2):  # layer of connections l: theta[l] (layer l+2 -> l+1), phi[l] (l+1 -> l+2)
        for k in range(hm.sizes[l + 1]):
            for j in range(hm.sizes[l]):
                total = 0.0
                for b in range(5):
                    u = hm.theta_bias[l][j] + sum(states[l + 1][b, m] * hm.theta[l][m, j] for m in range(hm.sizes[l + 1]))
                    total += states[l + 1][b, k] * (states[l][b, j] - sig(u))
                assert wake["theta"][l][k, j] == pytest.approx(total, abs=1e-12)
        for i in range(hm.sizes[l]):
            for j in range(hm.sizes[l + 1]):
                total = 0.0
                for b in range(5):
                    u = hm.phi_bias[l][j] + sum(states[l][b, m] * hm.phi[l][m, j] for m in range(hm.sizes[l]))
                    total += states[l][b, i] * (states[l + 1][b, j] - sig(u))
                assert sleep["phi"][l][i, j] == pytest.approx(total, abs=1e-12)


def test_average_wake_rule_is_minus_the_free_energy_gradient():
    # Averaged over Q (enumerated exactly), the wake delta rule is -dF/dtheta.
    hm = HelmholtzMachine.random((4, 3, 2), seed=3)
    x = np.array([[1, 0, 1, 1], [0, 0, 1, 0]], float)
    grads = exact.free_energy_gradients(hm, x)
    configs = exact.hidden_configurations(hm.sizes)  # (2^H, H)
    q = exact.recognition_distribution(hm, x)  # (batch, 2^H)
    expected = {"theta": [np.zeros_like(t) for t in hm.theta], "theta_bias": [np.zeros_like(b) for b in hm.theta_bias]}
    for b in range(len(x)):
        for c, config in enumerate(configs):
            states = [x[b : b + 1]] + [s[c : c + 1] for s in exact.layer_states(hm.sizes, configs)]
            g = wake_gradient(hm, states)
            for key in expected:
                for arr, inc in zip(expected[key], g[key]):
                    arr += q[b, c] * inc
    for key in expected:
        for ours, theirs in zip(expected[key], grads[key]):
            np.testing.assert_allclose(ours, -theirs, atol=1e-10)


def _bars_like_data():
    return np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]], float)


def test_training_is_reproducible_from_a_seed():
    hm = HelmholtzMachine.random((4, 3, 1), seed=0, scale=0.1)
    settings = WakeSleepSettings(examples=400, batch_size=4)
    monitor = lambda m: {"t0": float(m.theta[0].sum())}  # noqa: E731
    a, ha = train(hm, _bars_like_data(), settings, seed=7, monitor=monitor, report_every=100)
    b, hb = train(hm, _bars_like_data(), settings, seed=7, monitor=monitor, report_every=100)
    c, _ = train(hm, _bars_like_data(), settings, seed=8)
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for u, v in zip(getattr(a, name), getattr(b, name)):
            np.testing.assert_array_equal(u, v)
    assert ha.examples == hb.examples == [0, 100, 200, 300, 400]
    assert ha.records == hb.records
    assert not np.array_equal(a.phi[0], c.phi[0]), "a different seed should give a different run"


def test_train_does_not_modify_the_starting_machine_or_the_data():
    hm = HelmholtzMachine.random((4, 3, 1), seed=0)
    before = hm.copy()
    data = _bars_like_data()
    data_before = data.copy()
    train(hm, data, WakeSleepSettings(examples=50, batch_size=5), seed=0)
    np.testing.assert_array_equal(data, data_before)
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for u, v in zip(getattr(hm, name), getattr(before, name)):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("positive", [True, False])
def test_positivity_constraint_on_weights_into_the_visible_layer(positive):
    hm = HelmholtzMachine.random((4, 3, 1), seed=5, scale=2.0)  # starts with negative theta[0]
    assert np.any(hm.theta[0] < 0)
    minima = []
    settings = WakeSleepSettings(examples=2000, batch_size=10, positive_visible_weights=positive)
    final, _ = train(
        hm, _bars_like_data(), settings, seed=0, callback=lambda p: minima.append(p.machine.theta[0].min()), report_every=200
    )
    if positive:
        assert min(minima) >= 0.0 and final.theta[0].min() >= 0.0
    else:
        assert final.theta[0].min() < 0.0, "without the constraint some weight should stay negative"


def test_callback_reports_progress_and_history_matches():
    seen = []
    hm = paper_initialisation((4, 2, 1))
    machine, history = train(
        hm,
        _bars_like_data(),
        WakeSleepSettings(examples=100, batch_size=10),
        seed=0,
        callback=lambda p: seen.append((p.examples, p.total)),
        monitor=lambda m: {"bias": float(m.theta_bias[1][0])},
        report_every=30,  # rounded up to 3 minibatches of 10
    )
    assert seen == [(0, 100), (30, 100), (60, 100), (90, 100), (100, 100)]
    assert history.examples == [0, 30, 60, 90, 100]
    assert history.records["bias"][0] == -3.0
    assert history.records["bias"][-1] == machine.theta_bias[1][0]


def test_train_with_pilots_continues_the_best_pilot():
    hm = paper_initialisation((4, 2, 1))
    settings = WakeSleepSettings(examples=600, batch_size=10)
    seen = []
    machine, history, info = train_with_pilots(
        hm, _bars_like_data(), settings, seed=3, pilots=3, pilot_examples=200, score_examples=50,
        callback=lambda p: seen.append(p.examples), monitor=lambda m: {"b": float(m.theta_bias[0][0])}, report_every=100,
    )
    assert info["chosen"] == int(np.argmax(info["scores"])) and len(info["scores"]) == 3
    assert info["examples"] == 3 * 200 + 400
    assert history.examples == [0, 100, 200, 300, 400, 500, 600]
    assert seen == [200, 300, 400, 500, 600], "the continuation reports examples counted from the start"
    assert history.records["b"][-1] == machine.theta_bias[0][0]
    again, _, info_again = train_with_pilots(
        hm, _bars_like_data(), settings, seed=3, pilots=3, pilot_examples=200, score_examples=50
    )
    assert info_again["scores"] == info["scores"]
    np.testing.assert_array_equal(again.theta[0], machine.theta[0])
    with pytest.raises(ValueError, match="pilot_examples"):
        train_with_pilots(hm, _bars_like_data(), settings, pilot_examples=600)


def test_paper_initialisation():
    hm = paper_initialisation()
    assert hm.sizes == (16, 8, 1)
    np.testing.assert_array_equal(hm.theta_bias[1], np.full(8, -3.0))
    for arrays in (hm.theta, hm.phi, hm.phi_bias, [hm.theta_bias[0], hm.theta_bias[2]]):
        for arr in arrays:
            assert not arr.any()


# ---------------------------------------------------------------------- evaluation
def _plain_log_evidence(hm, x_row):
    """log p(x) by a plain loop over every hidden configuration, with the model's own log p."""
    terms = []
    for bits in itertools.product((0.0, 1.0), repeat=hm.n_hidden):
        states, start = [np.array([x_row], float)], 0
        for n in hm.sizes[1:]:
            states.append(np.array([bits[start : start + n]]))
            start += n
        terms.append(float(hm.generative_log_prob(states)[0]))
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms))


def test_exact_kl_and_nll_match_a_plain_loop():
    hm = HelmholtzMachine.random((4, 2, 1), seed=11)
    patterns = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]], float)
    probs = np.array([0.5, 0.3, 0.2])
    logp = [_plain_log_evidence(hm, row) for row in patterns]
    kl = sum(p * (math.log(p) - lp) for p, lp in zip(probs, logp)) / math.log(2)
    assert evaluation.kl_data_model_bits(hm, patterns, probs) == pytest.approx(kl, abs=1e-10)
    data = patterns[[0, 0, 1, 2]]
    nll_nats = -(2 * logp[0] + logp[1] + logp[2]) / 4
    assert evaluation.exact_nll(hm, data, unit="nats") == pytest.approx(nll_nats, abs=1e-10)
    assert evaluation.exact_nll(hm, data) == pytest.approx(nll_nats / math.log(2), abs=1e-10)


def test_kl_is_zero_only_for_a_perfect_model():
    # a 1-1 machine with top prior sigma(0) = 1/2 and x = s2 (weights 40): p_model(x) = 1/2 each
    hm = HelmholtzMachine([[[2 * BIG]]], [[-BIG], [0.0]], [[[0.0]]], [[0.0]])
    patterns = np.array([[0.0], [1.0]])
    assert evaluation.kl_data_model_bits(hm, patterns, [0.5, 0.5]) == pytest.approx(0.0, abs=1e-12)
    expected = 0.9 * math.log2(0.9 / 0.5) + 0.1 * math.log2(0.1 / 0.5)
    assert evaluation.kl_data_model_bits(hm, patterns, [0.9, 0.1]) == pytest.approx(expected, abs=1e-12)


def test_importance_sampling_converges_to_the_exact_log_evidence():
    hm = HelmholtzMachine.random((5, 3, 2), seed=4, scale=1.5)
    x = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 1, 1], [1, 1, 1, 1, 1]], float)
    exact_logp = exact.log_evidence(hm, x)
    errors, stderrs = [], []
    for k in (100, 10000):
        est, se = evaluation.importance_log_evidence(hm, x, n_samples=k, seed=0)
        assert np.all(np.abs(est - exact_logp) < 4 * se + 1e-12), "estimate should lie within 4 standard errors"
        errors.append(np.abs(est - exact_logp).mean())
        stderrs.append(se)
    assert errors[1] < errors[0], "the error should shrink with more samples"
    ratio = stderrs[1] / stderrs[0]
    assert np.all((ratio > 0.05) & (ratio < 0.3)), f"standard errors should shrink like 1/sqrt(K) (x0.1): {ratio}"


def test_importance_sampling_is_exact_when_q_is_the_posterior():
    # one hidden unit that is independent of x under both models: Q = prior = posterior
    hm = HelmholtzMachine([np.zeros((1, 2))], [np.array([0.3, -0.2]), np.array([0.4])], [np.zeros((2, 1))], [np.array([0.4])])
    x = np.array([[1.0, 0.0]])
    est, se = evaluation.importance_log_evidence(hm, x, n_samples=10, seed=0)
    expected = -math.log1p(math.exp(-0.3)) - math.log1p(math.exp(-0.2))  # log sigma(0.3) + log(1 - sigma(-0.2))
    assert est[0] == pytest.approx(expected, abs=1e-12)
    assert se[0] == pytest.approx(0.0, abs=1e-12)


def test_factorial_kls_match_a_plain_loop_and_the_marginals_minimise_kl_pq():
    p = np.array([0.01, 0.45, 0.44, 0.10])  # over z = 00, 01, 10, 11
    q = np.array([0.3, 0.8])
    kl_pq = kl_qp = 0.0
    for k, (z1, z2) in enumerate(itertools.product((0, 1), repeat=2)):
        qz = (q[0] if z1 else 1 - q[0]) * (q[1] if z2 else 1 - q[1])
        kl_pq += p[k] * math.log(p[k] / qz)
        kl_qp += qz * math.log(qz / p[k])
    ours_pq, ours_qp = evaluation.factorial_kls(p, q)
    assert ours_pq == pytest.approx(kl_pq, abs=1e-12) and ours_qp == pytest.approx(kl_qp, abs=1e-12)
    marginals = np.array([p[2] + p[3], p[1] + p[3]])
    grid = np.stack(np.meshgrid(np.linspace(0.01, 0.99, 99), np.linspace(0.01, 0.99, 99), indexing="ij"), -1)
    best = evaluation.factorial_kls(p, marginals)[0]
    assert np.all(evaluation.factorial_kls(p, grid)[0] >= best - 1e-12), "the marginals minimise KL(P||Q)"


# ---------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_value_error():
    hm = paper_initialisation((4, 2, 1))
    data = _bars_like_data()
    with pytest.raises(ValueError, match="batch_size"):
        train(hm, data, WakeSleepSettings(batch_size=0))
    with pytest.raises(ValueError, match="learning_rates"):
        train(hm, data, WakeSleepSettings(examples=10, learning_rates=(0.1,)))
    with pytest.raises(ValueError, match="learning rate"):
        train(hm, data, WakeSleepSettings(examples=10, lr_visible=-0.1))
    with pytest.raises(ValueError, match="final_lr_factor"):
        train(hm, data, WakeSleepSettings(examples=10, final_lr_factor=0.0))
    with pytest.raises(ValueError, match="columns"):
        train(hm, np.ones((3, 5)), WakeSleepSettings(examples=10))
    with pytest.raises(ValueError, match="data sampler"):
        train(hm, lambda n, rng: np.ones((n, 3)), WakeSleepSettings(examples=10))
    with pytest.raises(ValueError, match="sigmoid"):
        train(HelmholtzMachine.random((4, 2), imaging="odds", seed=0), data, WakeSleepSettings(examples=10))
    with pytest.raises(TypeError, match="HelmholtzMachine"):
        train("not a machine", data)
    with pytest.raises(ValueError, match="layers"):
        wake_gradient(hm, [data])
    with pytest.raises(ValueError, match="sums to"):
        evaluation.kl_data_model_bits(hm, data, [0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="shape"):
        evaluation.kl_data_model_bits(hm, data, [0.5, 0.5])
    with pytest.raises(ValueError, match="repeated"):
        evaluation.kl_data_model_bits(hm, data[[0, 0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="unit"):
        evaluation.exact_nll(hm, data, unit="decibels")
    with pytest.raises(ValueError, match="n_samples"):
        evaluation.importance_log_evidence(hm, data, n_samples=1)
    with pytest.raises(ValueError, match="binary"):
        evaluation.importance_log_evidence(hm, data * 0.5)
    with pytest.raises(ValueError, match="shape"):
        evaluation.factorial_kls([0.5, 0.5], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="outside"):
        evaluation.factorial_kls([0.25] * 4, [1.5, 0.2])


def test_figures_draw_from_the_saved_bars_runs():
    from matplotlib.figure import Figure

    from hmlib import wakesleep_plots

    meta, machines = wakesleep_plots.load_bars_runs()
    assert sorted(machines) == [run["seed"] for run in meta["runs"]]
    for name, make in wakesleep_plots.FIGURES.items():
        assert isinstance(make(), Figure), name
    with pytest.raises(ValueError, match="16-n-1"):
        wakesleep_plots.generative_fields(paper_initialisation((4, 2, 1)))
