"""Tests of hmlib.wakesleep and hmlib.evaluation.

References: numbers worked out by hand (one wake step, one sleep step), plain loops over every
hidden configuration (exact KL and NLL), exact enumeration (importance sampling, the wake rule's
average against dF/dtheta).
"""

import itertools
import math

import numpy as np
import pytest

from hmlib import evaluation, exact, meanfield_fit, wakesleep
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import (
    WakeSleepSettings,
    paper_initialisation,
    sleep_gradient,
    train,
    train_with_pilots,
    wake_gradient,
)
from tests import reference

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
    """log p(x) in nats by the plain-loop reference (math module only, no hmlib code)."""
    return reference.quantities(hm, x_row)["log_z"]


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

    from hmlib.views import wakesleep as wakesleep_views

    meta, machines = wakesleep_views.load_bars_runs()
    assert sorted(machines) == [run["seed"] for run in meta["runs"]]
    for name, make in wakesleep_views.FIGURES.items():
        assert isinstance(make(), Figure), name
    with pytest.raises(ValueError, match="16-n-1"):
        wakesleep_views.generative_fields(paper_initialisation((4, 2, 1)))


# ---------------------------------------------------------------------- issue 14: data of your own
def _clusters(n, seed, width=6):
    """Two prototypes (all on, all off) with 10% pixel noise: data a 6-2-1 machine can learn."""
    rng = np.random.default_rng(seed)
    on = rng.random(n) < 0.5
    return np.where(on[:, None], rng.random((n, width)) < 0.9, rng.random((n, width)) < 0.1).astype(float)


def test_bars_paper_settings_are_the_papers_recipe():
    paper = WakeSleepSettings.bars_paper()
    # Hinton, Dayan, Frey & Neal (1995): 2 x 10^6 examples online, rates 0.2 / 0.001, weights to the input >= 0
    assert (paper.examples, paper.batch_size, paper.lr_visible, paper.lr_hidden) == (2_000_000, 1, 0.2, 0.001)
    assert paper.positive_visible_weights and paper.patience is None
    assert paper.layer_rates(3) == (0.2, 0.001)
    fifty = WakeSleepSettings.bars_paper(batch_size=50)
    assert fifty.batch_size == 50 and fifty.lr_hidden == 0.001
    with pytest.raises(TypeError, match="lr_hiden"):
        WakeSleepSettings.bars_paper(lr_hiden=0.1)


def test_the_defaults_learn_real_digits_where_the_bars_recipe_does_not():
    # regression (issue 14, friction 3): the old defaults (the bars recipe) coded test digits in
    # more bits than independent pixels; the new defaults beat them clearly
    from hmlib.baselines import base_rates
    from hmlib.data import digits

    data = digits()
    x, x_valid, x_test = (data.of_class(part, 3) for part in ("train", "valid", "test"))
    base = base_rates(x).bits(x_test).mean()
    machine, _ = wakesleep.fit(x, sizes=(64, 16, 16, 4), seed=0, validation=x_valid)
    assert -evaluation.log_evidence(machine, x_test, n_samples=100, seed=0)[0] < base - 3.0
    paper = WakeSleepSettings.bars_paper(examples=50_000, batch_size=10)
    machine, _ = wakesleep.fit(x, sizes=(64, 16, 16, 4), seed=0, settings=paper)
    assert -evaluation.log_evidence(machine, x_test, n_samples=100, seed=0)[0] > base


def test_fit_learns_two_clusters_near_their_entropy():
    from hmlib.baselines import base_rates

    x, x_valid, x_test = _clusters(200, 0), _clusters(60, 1), _clusters(200, 2)
    machine, _ = wakesleep.fit(x, sizes=(6, 2, 1), seed=0, validation=x_valid)
    machine_bits = -evaluation.log_evidence(machine, x_test)[0]  # exact: 3 hidden units
    # the data's own code length, by hand: p(x) = 1/2 prod 0.9^on 0.1^off + 1/2 prod 0.1^on 0.9^off
    k = x_test.sum(axis=1)
    true_bits = -np.log2(0.5 * 0.9**k * 0.1 ** (6 - k) + 0.5 * 0.1**k * 0.9 ** (6 - k)).mean()
    assert machine_bits < base_rates(x).bits(x_test).mean() - 1.0
    assert machine_bits < true_bits + 0.3


def test_visible_log_odds_and_initial_machine_by_hand():
    x = np.array([[1, 0], [1, 0], [0, 0]], float)
    # pixel 1: 2 on, 1 off -> log(3/2); pixel 2: 0 on, 3 off -> log(1/4)
    np.testing.assert_allclose(wakesleep.visible_log_odds(x), [math.log(3 / 2), math.log(1 / 4)])
    hm = wakesleep.initial_machine((2, 3, 1), x, seed=0)
    np.testing.assert_allclose(hm.theta_bias[0], [math.log(3 / 2), math.log(1 / 4)])
    assert hm.sizes == (2, 3, 1) and not hm.theta_bias[1].any() and not hm.phi_bias[0].any()
    assert 0 < np.abs(hm.theta[0]).max() < 0.1, "small random weights"
    assert not wakesleep.initial_machine((2, 3), seed=0).theta_bias[0].any()
    with pytest.raises(ValueError, match="x has 2 columns"):
        wakesleep.initial_machine((3, 2), x)
    with pytest.raises(ValueError, match="x contains the value 0.5"):
        wakesleep.visible_log_odds([[0.5, 1.0]])


def test_validation_keeps_the_best_machine_and_stops_early():
    x, x_valid = _clusters(40, 3), _clusters(30, 4)
    settings = WakeSleepSettings(examples=50_000, validate_every=1_000, patience=3, lr_visible=0.3, lr_hidden=0.3)
    machine, history = wakesleep.fit(x, sizes=(6, 2, 1), seed=1, settings=settings, validation=x_valid)
    bits = history.validation_bits
    best = int(np.argmin(bits))
    assert history.stopped_early and history.examples[-1] < 50_000
    assert len(bits) - 1 - best == 3, "it stops after 3 scores without a new best"
    assert history.best_examples == history.validation_examples[best]
    assert history.validation_examples == [1000 * i for i in range(len(bits))]
    # the machine returned is the best one: its exact validation score is the best score
    assert -evaluation.log_evidence(machine, x_valid)[0] == pytest.approx(bits[best], abs=1e-12)
    without, plain = wakesleep.fit(x, sizes=(6, 2, 1), seed=1, settings=settings)
    assert plain.validation_bits == [] and plain.examples[-1] == 50_000 and not plain.stopped_early


def test_progress_reports_the_validation_score_and_the_final_report():
    seen = []
    settings = WakeSleepSettings(examples=2_000, validate_every=500)
    wakesleep.fit(_clusters(20, 5), sizes=(6, 2), seed=0, settings=settings, validation=_clusters(10, 6),
                  callback=lambda p: seen.append((p.examples, p.validation_bits, p.final)), report_every=500)
    assert [s[0] for s in seen] == [0, 500, 1000, 1500, 2000]
    assert all(s[1] is not None for s in seen)
    assert [s[2] for s in seen] == [False, False, False, False, True]


def test_fit_reads_like_meanfield_fit_and_train_like_train():
    x = _clusters(30, 7)
    settings = WakeSleepSettings(examples=500)
    a, _ = wakesleep.fit(x, sizes=(6, 2), seed=4, settings=settings)
    rng = np.random.default_rng(4)  # fit = initial_machine from the seed's generator, then train with it
    b, _ = train(wakesleep.initial_machine((6, 2), x, seed=rng), x, settings, seed=rng)
    np.testing.assert_array_equal(a.theta[0], b.theta[0])
    start = HelmholtzMachine.random((6, 2), seed=0)
    c, _ = wakesleep.fit(x, start, seed=4, settings=settings)
    d, _ = train(start, x, settings, seed=4)
    np.testing.assert_array_equal(c.phi[0], d.phi[0])
    # the mean-field side: meanfield_fit.train(hm, x, settings) is meanfield_fit.fit(x, hm, settings=settings)
    fit_settings = meanfield_fit.FitSettings(max_iter=5)
    e, _ = meanfield_fit.train(start, x, fit_settings, rule="sigmoid")
    f, _ = meanfield_fit.fit(x, start, rule="sigmoid", settings=fit_settings)
    np.testing.assert_array_equal(e.theta[0], f.theta[0])


def test_fit_and_validation_refuse_bad_arguments():
    x = _clusters(10, 8)
    with pytest.raises(ValueError, match="sizes is None and machine is None"):
        wakesleep.fit(x)
    with pytest.raises(ValueError, match="sizes is"):
        wakesleep.fit(x, HelmholtzMachine.random((6, 2), seed=0), sizes=(6, 3))
    with pytest.raises(ValueError, match="validation has 5 columns"):
        wakesleep.fit(x, sizes=(6, 2), settings=WakeSleepSettings(examples=10), validation=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="patience"):
        wakesleep.fit(x, sizes=(6, 2), settings=WakeSleepSettings(examples=10, patience=0))
    with pytest.raises(TypeError, match="validate_every"):
        wakesleep.fit(x, sizes=(6, 2), settings=WakeSleepSettings(examples=10, validate_every=2.5))
    with pytest.raises(TypeError, match="hm is a str"):
        meanfield_fit.train("machine", x)
