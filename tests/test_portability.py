"""Portability of the fits whose numbers the notebooks print (issue 10, notebook 07).

A stored output is compared on every student's CPU, whose round-off differs in the last bits. A fit
whose weights run away never converges, and where it stops then depends on that round-off; the
weight penalty of ``FitSettings.weight_decay`` gives Eq. (12) a minimum at finite weights, which a
converged fit reaches on every machine. These tests emulate another CPU by perturbing the start by
one part in 10^12, and check the penalty against the stationarity condition worked out by hand.
"""

import math

import numpy as np
import pytest

from hmlib import meanfield
from hmlib.meanfield_fit import FitSettings, fit, initial_machine

# The four two-bit patterns of notebook 07, section 2: a 4-3-2 sigmoid machine can autoencode them.
TOY = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float)
CONVERGED = dict(weight_decay=1e-3, gtol=1e-9, ftol=1e-15)  # the settings notebook 07 uses


def _perturbed(hm, seed, relative=1e-12):
    """A copy of hm with every recognition parameter and generative weight changed by ~1e-12 relative."""
    rng = np.random.default_rng(seed)
    other = hm.copy()
    for name in ("theta", "phi", "phi_bias"):
        for arr in getattr(other, name):
            arr *= 1.0 + relative * rng.standard_normal(arr.shape)
    return other


def _largest_weight(hm):
    return max(np.abs(w).max() for w in hm.theta + hm.phi)


def test_without_weight_decay_the_toy_fit_runs_away_and_depends_on_round_off():
    start = initial_machine((4, 3, 2), "sigmoid", seed=0)
    a, _ = fit(TOY, start, settings=FitSettings(max_iter=300))
    b, _ = fit(TOY, _perturbed(start, seed=1), settings=FitSettings(max_iter=300))
    assert _largest_weight(a) > 100, "the weights grow without bound"
    # a change in the 12th digit of the start moves the weights by far more than round-off after 300 steps
    assert abs(_largest_weight(a) - _largest_weight(b)) > 1e-3


@pytest.mark.parametrize("rule", ["sigmoid", "naive", "eq11"])
def test_weight_decay_gives_a_converged_fit_that_a_perturbed_start_reproduces(rule):
    fixed = (1, 2) if rule != "sigmoid" else ()
    settings = FitSettings(fixed_theta_bias=fixed, **CONVERGED)
    start = initial_machine((4, 3, 2), rule, seed=0)
    a, history = fit(TOY, start, rule=rule, settings=settings)
    b, _ = fit(TOY, _perturbed(start, seed=2), rule=rule, settings=settings)
    assert history.success, history.message
    assert _largest_weight(a) < 20, "the penalty keeps the weights finite"
    f_a = meanfield.free_energy(a, TOY, rule).mean()
    f_b = meanfield.free_energy(b, TOY, rule).mean()
    assert abs(f_a - f_b) < 1e-5, "a converged fit forgets a change in the 12th digit of its start"


def test_weight_decay_optimum_is_stationary_for_f_plus_the_penalty():
    # Sigmoid rule: no bounds, so at the optimum d/dw [mean F + decay * sum w^2] = 0, i.e. the gradient
    # of the mean F (meanfield.gradients with weights 1/4) equals -2 * decay * w for every weight, and 0
    # for every bias (the biases are not penalised).
    decay = 1e-2
    fitted, history = fit(TOY, sizes=(4, 3, 2), rule="sigmoid", seed=0,
                          settings=FitSettings(weight_decay=decay, gtol=1e-9, ftol=1e-15))
    assert history.success, history.message
    grads = meanfield.gradients(fitted, TOY, "sigmoid", weights=np.full(4, 0.25))
    for name in ("theta", "phi"):
        for g, w in zip(grads[name], getattr(fitted, name)):
            np.testing.assert_allclose(g, -2 * decay * w, rtol=0, atol=1e-6)
    for name in ("theta_bias", "phi_bias"):
        for g in grads[name]:
            np.testing.assert_allclose(g, 0.0, rtol=0, atol=1e-6)


def test_history_records_f_plus_the_penalty_in_bits():
    decay = 0.05
    fitted, history = fit(TOY, sizes=(4, 3, 2), rule="sigmoid", seed=0,
                          settings=FitSettings(max_iter=5, weight_decay=decay))
    penalty = decay * sum(float((w ** 2).sum()) for w in fitted.theta + fitted.phi)
    by_hand = (meanfield.free_energy(fitted, TOY, "sigmoid").mean() + penalty) / math.log(2)
    assert history.free_energy_bits[-1] == pytest.approx(by_hand, rel=1e-12)


def test_zero_weight_decay_is_the_plain_objective():
    start = initial_machine((4, 3, 2), "eq11", seed=3)
    plain, _ = fit(TOY, start, settings=FitSettings(max_iter=10, fixed_theta_bias=(1, 2)))
    zero, _ = fit(TOY, start, settings=FitSettings(max_iter=10, fixed_theta_bias=(1, 2), weight_decay=0.0))
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for p, z in zip(getattr(plain, name), getattr(zero, name)):
            np.testing.assert_array_equal(p, z)


@pytest.mark.parametrize(
    "value, error, fragment",
    [(-1e-3, ValueError, "weight_decay is -0.001"), (float("nan"), ValueError, "weight_decay is nan"),
     ("0.001", TypeError, "weight_decay"), (True, TypeError, "weight_decay")],
)
def test_bad_weight_decay_is_refused(value, error, fragment):
    with pytest.raises(error, match=fragment):
        fit(TOY, sizes=(4, 3, 2), rule="sigmoid", seed=0, settings=FitSettings(max_iter=2, weight_decay=value))
