"""Tests of hmlib.rws: reweighted wake-sleep.

References: the public delta rules of hmlib.wakesleep applied row by row and weighted by hand;
importance weights worked out by hand; one training step replayed with the machine's own samplers
and log-probabilities from the same random stream; the exact KL on a tiny data set. For the
stalled bars runs of notebook 11 (benchmarks/rws.py --problem stalls): the rule on made-up runs, the
Hessian against second differences of the exact log-likelihood, the saved long ascent replayed.
"""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from hmlib import exact, rws
from hmlib.evaluation import kl_data_model_bits
from hmlib.model import HelmholtzMachine
from hmlib.wakesleep import sleep_gradient, wake_gradient


def _machine(seed=0, sizes=(4, 3, 2)):
    return HelmholtzMachine.random(sizes, seed=seed, scale=1.0)


def _states(hm, rows, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((rows, n)) < 0.5).astype(float) for n in hm.sizes]


def _row(states, i):
    return [s[i : i + 1] for s in states]


# ---------------------------------------------------------------------- weights and delta rules
def test_importance_weights_by_hand():
    # w = p / Q = (1, 2, 1) / (1, 1, 1) -> omega = (1/4, 1/2, 1/4)
    omega = rws.importance_weights(np.log([[0.1, 0.2, 0.1]]), np.log([[0.1, 0.1, 0.1]]))
    np.testing.assert_allclose(omega, [[0.25, 0.5, 0.25]], atol=1e-15)


def test_importance_weights_survive_huge_log_weights():
    omega = rws.importance_weights(np.array([[-2000.0, -2000.0 + math.log(3)]]), np.zeros((1, 2)))
    np.testing.assert_allclose(omega, [[0.25, 0.75]], atol=1e-15)


def test_weighted_wake_direction_is_weighted_sum_of_wake_gradients():
    hm = _machine(1)
    states = _states(hm, 5)
    weights = np.array([0.1, 0.0, 0.5, 0.3, 0.1])
    d_theta, d_bias = rws.weighted_wake_direction(hm.theta, hm.theta_bias, states, weights)
    for name, got in (("theta", d_theta), ("theta_bias", d_bias)):
        want = [sum(w * wake_gradient(hm, _row(states, i))[name][l] for i, w in enumerate(weights)) for l in range(len(got))]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-12)


def test_weighted_recognition_direction_is_weighted_sum_of_sleep_gradients():
    hm = _machine(2)
    states = _states(hm, 4, seed=3)
    weights = np.array([0.7, 0.2, 0.0, 0.1])
    d_phi, d_bias = rws.weighted_recognition_direction(hm.phi, hm.phi_bias, states, weights)
    for name, got in (("phi", d_phi), ("phi_bias", d_bias)):
        want = [sum(w * sleep_gradient(hm, _row(states, i))[name][l] for i, w in enumerate(weights)) for l in range(len(got))]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-12)


# ---------------------------------------------------------------------- one step, replayed
def _replay_one_step(hm, patterns, settings, seed):
    """One step of rws.train rebuilt from the machine's public samplers and delta rules."""
    rng = np.random.default_rng(seed)
    B, K = settings.batch_size, settings.k
    rates = [settings.lr_visible] + [settings.lr_hidden] * (len(hm.sizes) - 2)
    x = np.repeat(patterns[rng.integers(0, len(patterns), size=B)], K, axis=0)
    states = hm.sample_recognition(x, seed=rng)  # draws layer by layer, as train does
    log_w = (hm.generative_log_prob(states) - hm.recognition_log_prob(states)).reshape(B, K)
    omega = np.exp(log_w) / np.exp(log_w).sum(axis=1, keepdims=True)  # small machine: no overflow
    omega = omega.ravel()
    new = hm.copy()
    for i, w in enumerate(omega):
        g = wake_gradient(hm, _row(states, i))
        for l in range(len(hm.theta)):
            new.theta[l] += rates[l] * w * g["theta"][l]
        for l in range(len(hm.theta_bias)):
            new.theta_bias[l] += rates[min(l, len(rates) - 1)] * w * g["theta_bias"][l]
        if settings.q_update in ("wake", "both"):
            g = sleep_gradient(hm, _row(states, i))
            for l in range(len(hm.phi)):
                new.phi[l] += rates[l] * w * g["phi"][l]
                new.phi_bias[l] += rates[l] * w * g["phi_bias"][l]
    if settings.q_update in ("sleep", "both"):
        after_wake = HelmholtzMachine(new.theta, new.theta_bias, hm.phi, hm.phi_bias)
        dream = after_wake.sample_generative(B, seed=rng)
        g = sleep_gradient(after_wake, dream)
        for l in range(len(hm.phi)):
            new.phi[l] += rates[l] * g["phi"][l]
            new.phi_bias[l] += rates[l] * g["phi_bias"][l]
    return new


@pytest.mark.parametrize("q_update", rws.Q_UPDATES)
def test_one_step_matches_replay(q_update):
    hm = _machine(4)
    patterns = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]], float)
    settings = rws.RWSSettings(examples=3, batch_size=3, k=4, lr_visible=0.3, lr_hidden=0.05,
                               q_update=q_update, positive_visible_weights=False)
    got, _ = rws.train(hm, patterns, settings, seed=11)
    want = _replay_one_step(hm, patterns, settings, seed=11)
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for g, w in zip(getattr(got, name), getattr(want, name)):
            np.testing.assert_allclose(g, w, atol=1e-12, err_msg=name)


def test_k1_wake_step_is_the_wake_phase():
    # K = 1: omega = 1, so the theta update is the wake delta rule on one sample from Q
    hm = _machine(5)
    patterns = np.array([[1, 0, 1, 0]], float)
    settings = rws.RWSSettings(examples=1, batch_size=1, k=1, lr_visible=0.1, lr_hidden=0.1,
                               q_update="wake", positive_visible_weights=False)
    got, _ = rws.train(hm, patterns, settings, seed=2)
    rng = np.random.default_rng(2)
    rng.integers(0, 1, size=1)
    states = hm.sample_recognition(patterns, seed=rng)
    g = wake_gradient(hm, states)
    np.testing.assert_allclose(got.theta[0], hm.theta[0] + 0.1 * g["theta"][0], atol=1e-12)


# ---------------------------------------------------------------------- training
def test_training_fits_a_tiny_distribution():
    patterns = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], float)
    probs = np.array([0.5, 0.5])
    hm = _machine(6, sizes=(4, 2, 1))
    before = kl_data_model_bits(hm, patterns, probs)
    settings = rws.RWSSettings(examples=20_000, batch_size=20, k=5, lr_visible=0.05, lr_hidden=0.05)
    trained, history = rws.train(hm, patterns, settings, seed=0)
    after = kl_data_model_bits(trained, patterns, probs)
    assert before > 0.5 and after < 0.1, (before, after)


def test_history_callback_monitor_and_reproducibility():
    hm = _machine(7)
    patterns = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], float)
    settings = rws.RWSSettings(examples=100, batch_size=10, k=3)
    seen = []
    m1, h1 = rws.train(hm, patterns, settings, seed=3, callback=seen.append,
                       monitor=lambda m: {"log_z": float(exact.log_evidence(m, patterns).sum())}, report_every=50)
    m2, _ = rws.train(hm, patterns, settings, seed=3)
    assert h1.examples == [0, 50, 100]
    assert [p.examples for p in seen] == [0, 50, 100] and seen[-1].total == 100
    assert len(h1.records["log_z"]) == 3
    assert all(np.array_equal(a, b) for a, b in zip(m1.theta + m1.phi, m2.theta + m2.phi))


def test_inputs_not_modified():
    hm = _machine(8)
    before = [a.copy() for a in hm.theta + hm.theta_bias + hm.phi + hm.phi_bias]
    patterns = np.array([[1, 0, 0, 1]], float)
    kept = patterns.copy()
    rws.train(hm, patterns, rws.RWSSettings(examples=20, batch_size=5), seed=0)
    assert np.array_equal(patterns, kept)
    assert all(np.array_equal(a, b) for a, b in zip(before, hm.theta + hm.theta_bias + hm.phi + hm.phi_bias))


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "change, error, fragment",
    [
        ({"q_update": "dream"}, ValueError, "q_update"),
        ({"k": 0}, ValueError, "k"),
        ({"k": 2.5}, TypeError, "k"),
        ({"k": rws.MAX_K + 1}, ValueError, "k"),
        ({"examples": 0}, ValueError, "examples"),
        ({"batch_size": "50"}, TypeError, "batch_size"),
        ({"lr_visible": -0.1}, ValueError, "lr_visible"),
        ({"positive_visible_weights": 1}, TypeError, "positive_visible_weights"),
    ],
)
def test_bad_settings_raise(change, error, fragment):
    settings = rws.RWSSettings(**change)
    with pytest.raises(error, match=fragment):
        rws.train(_machine(), np.zeros((1, 4)), settings)


def test_bad_arguments_raise():
    hm = _machine()
    with pytest.raises(TypeError, match="settings"):
        rws.train(hm, np.zeros((1, 4)), {"k": 5})
    with pytest.raises(ValueError, match="data"):
        rws.train(hm, np.zeros((1, 5)), rws.RWSSettings(examples=1))
    with pytest.raises(TypeError, match="callback"):
        rws.train(hm, np.zeros((1, 4)), rws.RWSSettings(examples=1), callback=3)
    with pytest.raises(TypeError, match="hm"):
        rws.train("machine", np.zeros((1, 4)))
    with pytest.raises(ValueError, match="sigmoid"):
        rws.train(HelmholtzMachine.random((4, 2), imaging="odds", seed=0), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="batch_size x k"):
        rws.train(hm, np.zeros((1, 4)), rws.RWSSettings(batch_size=10**6, k=10**4))


# ---------------------------------------------------------------------- the views of notebook 11
def test_views_draw_and_refuse_bad_arguments():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from hmlib.views import rws as views

    fig = views.bound_figure([1, 2, 3], [-3.0, -2.5, -2.2], -2.0, [1.0, 0.6, 0.4])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    runs = [{"method": "a", "kl_bits": 0.05}, {"method": "b", "kl_bits": 0.6}]
    assert isinstance(views.bars_kl_figure(runs, ["a", "b"]), Figure)
    with pytest.raises(ValueError, match="biases"):
        views.bound_figure([1, 2], [-3.0, -2.5], -2.0, [1.0])
    with pytest.raises(ValueError, match="ks"):
        views.bound_figure([0, 1], [-3.0, -2.5], -2.0, [1.0, 0.5])
    with pytest.raises(TypeError, match="log_z"):
        views.bound_figure([1, 2], [-3.0, -2.5], "-2", [1.0, 0.5])
    with pytest.raises(TypeError, match="runs"):
        views.bars_kl_figure([("a", 0.1)], ["a"])
    with pytest.raises(ValueError, match="'c'"):
        views.bars_kl_figure(runs, ["c"])
    fig = views.gap_figure([1, 10, 100], [0.5, 0.2, 0.03], 4.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
    assert len(lines) == 2 and lines[0].get_linestyle() != lines[1].get_linestyle()
    np.testing.assert_allclose(lines[1].get_ydata(), [2.0, 0.2, 0.02])  # chi^2 / 2K
    with pytest.raises(ValueError, match="gaps"):
        views.gap_figure([1, 10], [0.5], 4.0)
    with pytest.raises(ValueError, match="gaps"):
        views.gap_figure([1, 10], [0.5, 0.0], 4.0)
    with pytest.raises(ValueError, match="chi_square"):
        views.gap_figure([1, 10], [0.5, 0.2], 0.0)


# ---------------------------------------------------------------------- validation and early stopping (digits)
def _exact_bits(hm, x):
    """Average -log2 p(x) of the rows of x by enumerating every hidden configuration."""
    return -float(np.mean(exact.log_evidence(hm, x))) / math.log(2)


def test_validation_without_learning_stops_after_patience_scores():
    # with zero rates the machine never changes, so only the first score is a best: the run
    # scores at 0, 100, 200, 300 examples and stops there, returning the starting machine
    hm = _machine(9)
    train = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], float)
    valid = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 1]], float)
    settings = rws.RWSSettings(examples=1000, batch_size=10, k=3, lr_visible=0.0, lr_hidden=0.0,
                               positive_visible_weights=False, validate_every=100, patience=3)
    seen = []
    machine, history = rws.train(hm, train, settings, seed=0, validation=valid, callback=seen.append)
    assert history.validation_examples == [0, 100, 200, 300]
    assert history.stopped_early and history.best_examples == 0
    np.testing.assert_allclose(history.validation_bits, [_exact_bits(hm, valid)] * 4, atol=1e-10)
    assert all(np.array_equal(a, b) for a, b in zip(machine.theta + machine.phi, hm.theta + hm.phi))
    assert seen[-1].final and seen[-1].examples == 300


def test_validation_returns_the_best_scoring_machine():
    hm = _machine(10)
    train = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], float)
    valid = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]], float)
    settings = rws.RWSSettings(examples=1000, batch_size=10, k=3, lr_visible=0.1, lr_hidden=0.1,
                               validate_every=100, patience=None)
    machine, history = rws.train(hm, train, settings, seed=1, validation=valid)
    assert history.validation_examples == list(range(0, 1001, 100)) and not history.stopped_early
    best = int(np.argmin(history.validation_bits))
    assert history.best_examples == history.validation_examples[best]
    assert _exact_bits(machine, valid) == pytest.approx(min(history.validation_bits), abs=1e-10)
    assert _exact_bits(machine, valid) < _exact_bits(hm, valid)


def test_bad_validation_arguments_raise():
    hm = _machine()
    with pytest.raises(ValueError, match="validation"):
        rws.train(hm, np.zeros((1, 4)), rws.RWSSettings(examples=10), validation=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="validate_every"):
        rws.train(hm, np.zeros((1, 4)), rws.RWSSettings(examples=10, validate_every=0), validation=np.zeros((2, 4)))
    with pytest.raises(TypeError, match="patience"):
        rws.train(hm, np.zeros((1, 4)), rws.RWSSettings(examples=10, patience=2.5), validation=np.zeros((2, 4)))


# ---------------------------------------------------------------------- the stalled bars runs (notebook 11)
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "rws"


def _rws_benchmark():
    spec = importlib.util.spec_from_file_location("rws_benchmark", ROOT / "benchmarks" / "rws.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stalled_rule_is_twice_the_median_of_each_method():
    runs = [{"method": "a", "kl_bits": v} for v in (1.0, 1.1, 1.2, 2.5)] + [{"method": "b", "kl_bits": v} for v in (0.1, 0.3, 0.2)]
    # medians 1.15 and 0.2: a's 2.5 is over 2.3; b's 0.3 is not over 0.4
    assert [r["kl_bits"] for r in _rws_benchmark().stalled(runs)] == [2.5]


def test_curvature_matches_second_differences_of_the_log_likelihood():
    bench = _rws_benchmark()
    patterns = np.array([[1, 0], [0, 1], [1, 1]], float)
    probs = np.array([0.5, 0.3, 0.2])
    hm = HelmholtzMachine.random((2, 1), seed=3, scale=1.0)
    hm.theta[0][0, 1] = 0.0  # a visible weight held at 0: left out of the Hessian
    slots = [("theta", 0, (0, 0)), ("theta_bias", 0, (0,)), ("theta_bias", 0, (1,)), ("theta_bias", 1, (0,))]

    def value(shifts):
        m = hm.copy()
        for (name, layer, index), d in zip(slots, shifts):
            getattr(m, name)[layer][index] += d
        return float(probs @ exact.log_evidence(m, patterns))

    h, n = 1e-4, len(slots)

    def shifted(i, sign_i, j, sign_j):
        d = np.zeros(n)
        d[i] += sign_i * h
        d[j] += sign_j * h
        return value(d)

    hessian = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            hessian[i, j] = (shifted(i, 1, j, 1) - shifted(i, 1, j, -1) - shifted(i, -1, j, 1) + shifted(i, -1, j, -1)) / (4 * h * h)
    want = np.linalg.eigvalsh(hessian)
    largest, smallest = bench._curvature(hm, patterns, probs)
    assert largest == pytest.approx(want[-1], abs=1e-6) and smallest == pytest.approx(want[0], abs=1e-6)


def test_saved_long_ascent_starts_with_the_notebooks_1000_steps():
    from hmlib import likelihood
    from hmlib.data import bars_distribution

    saved = json.loads((RESULTS / "stalls.json").read_text())
    runs = json.loads((RESULTS / "runs.json").read_text())["runs"]
    bench = _rws_benchmark()
    assert [(r["method"], r["seed"]) for r in saved["stalled"]] == [(r["method"], r["seed"]) for r in bench.stalled(runs)]
    patterns, probs = bars_distribution()
    row = next(r for r in saved["stalled"] if r["method"] == "rws-wake-q")
    machine = HelmholtzMachine.load(RESULTS / f"rws-wake-q-seed-{row['seed']}.npz")
    climbed, _ = likelihood.projected_ascent(machine, patterns, probs, steps=row["checkpoints"][0],
                                             step_size=saved["step_size"])
    assert kl_data_model_bits(climbed, patterns, probs) == pytest.approx(row["kl_bits_at"][0], abs=1e-5)
    for r in saved["stalled"]:
        assert r["rises_every_step"] and r["gradient_length"] < 1e-6 and r["largest_eigenvalue"] < 1e-10
        assert r["converged_kl_bits"] <= min(r["kl_bits_at"]) + 1e-9 and r["kl_bits_at"] == sorted(r["kl_bits_at"], reverse=True)
