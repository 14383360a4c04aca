"""Reweighted wake-sleep for the stochastic sigmoid Helmholtz machine (notebook 11).

Bornschein & Bengio (2015), "Reweighted wake-sleep", ICLR. One step on a minibatch of data x:

- draw K hidden configurations z_1, ..., z_K from the recognition model Q(z | x) (Eqs. (7)-(8))
  for every data vector, and normalise their importance weights
  ``omega_k = w_k / sum_j w_j`` with ``w_k = p(x, z_k) / Q(z_k | x)``;
- **theta**: ``theta += lr * sum_k omega_k d log p(x, z_k) / d theta``, the wake delta rule of
  :mod:`hmlib.wakesleep` with every sample weighted by omega_k. Its average over Q^K is exactly
  the gradient of the importance-weighted bound, dL_K / d theta (Burda et al. 2016, Section 3;
  :func:`hmlib.iwae.expected_theta_update`), so the step is unbiased for L_K and biased for
  d log p(x) / d theta, to which it tends as K grows; for K = 1 it is the wake phase, the gradient of -F;
- **phi**, one of three variants (``RWSSettings.q_update``):
  ``"wake"``: ``phi += lr * sum_k omega_k d log Q(z_k | x) / d phi`` on the data, a step on
  KL(P || Q) at the data instead of at fantasies; ``"sleep"``: the classic sleep phase of
  :func:`hmlib.wakesleep.train` (one fantasy per data vector); ``"both"``: the sum of the two,
  as in the paper's experiments.

With K = 1 and ``q_update="sleep"`` a step is a wake-sleep step. :func:`train` follows the
conventions of :func:`hmlib.wakesleep.train` (settings, seed, minibatches, callback, monitor,
history); it never prints.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from hmlib._checks import (
    as_choice,
    as_count,
    as_data,
    as_instance,
    as_real,
    as_rng,
    check_bytes,
    describe,
)
from hmlib.wakesleep import (
    VALIDATIONS_PER_RUN,
    WakeSleepHistory,
    _as_sampler,
    _Bookkeeping,
    _check_callbacks,
    _check_machine,
    _sleep_direction,
    _snapshot,
)

MAX_K = 10_000  # importance samples per data vector; more is a typo (each costs a pass through Q)
Q_UPDATES = ("wake", "sleep", "both")


@dataclass
class RWSSettings:
    """Settings of :func:`train`. The defaults are the bars run of :mod:`hmlib.wakesleep`'s
    benchmark (paper rates, minibatches of 50) with K = 5 and the paper's Q update.

    Learning rates are per data vector: a step applies the sum over its minibatch of each data
    vector's update (itself a weighted average over K samples), so the rates mean the same as in
    :class:`hmlib.wakesleep.WakeSleepSettings`.
    """

    examples: int = 2_000_000  # data vectors, as many as the wake-sleep bars run
    batch_size: int = 50  # as the wake-sleep bars benchmark; 1 = online
    k: int = 5  # Bornschein & Bengio found K = 5 already close to their best
    lr_visible: float = 0.2  # wake-sleep paper: 0.2 for the weights to and from the input units
    lr_hidden: float = 0.001  # wake-sleep paper: 0.001 for every other weight
    q_update: str = "both"  # "wake", "sleep" or "both"; the paper's experiments use both
    positive_visible_weights: bool = True  # as wake-sleep on the bars: generative weights to the input >= 0
    validate_every: int = None  # as WakeSleepSettings: examples between validation scores; None: ~50 per run
    patience: int = 10  # as WakeSleepSettings: stop after this many scores without a new best; None: never

    def check(self):
        """Raise ``TypeError``/``ValueError`` if a setting is of the wrong kind or out of range; return self."""
        as_count(self.examples, "examples")
        as_count(self.batch_size, "batch_size")
        as_count(self.k, "k (importance samples per data vector)", maximum=MAX_K)
        as_real(self.lr_visible, "lr_visible (a learning rate)", low=0.0)
        as_real(self.lr_hidden, "lr_hidden (a learning rate)", low=0.0)
        as_choice(self.q_update, "q_update", Q_UPDATES)
        if not isinstance(self.positive_visible_weights, (bool, np.bool_)):
            raise TypeError(f"positive_visible_weights is {describe(self.positive_visible_weights)}; expected True or False")
        if self.validate_every is not None:
            as_count(self.validate_every, "validate_every (examples between validation scores)")
        if self.patience is not None:
            as_count(self.patience, "patience (validation scores without improvement)")
        return self


# ---------------------------------------------------------------------- weighted delta rules
# wakesleep's _wake_direction sums its rows with weight 1; here every row carries a weight omega.
def weighted_wake_direction(theta, theta_bias, states, weights):
    """sum_rows weights * d log p(s^1, ..., s^L) / d theta: the wake delta rule, row-weighted.

    states : list of L arrays, ``states[l]`` of shape (rows, n_{l+1}); weights : shape (rows,).
    Returns ``(d_theta, d_bias)`` shaped like ``theta`` and ``theta_bias``.
    """
    L = len(theta_bias)
    d_theta, d_bias = [], []
    for l in range(L - 1):
        err = states[l] - expit(states[l + 1] @ theta[l] + theta_bias[l])  # (rows, n_{l+1})
        d_theta.append((states[l + 1] * weights[:, None]).T @ err)  # (n_{l+2}, n_{l+1})
        d_bias.append(weights @ err)
    d_bias.append(weights @ (states[L - 1] - expit(theta_bias[L - 1])))  # the top layer's prior
    return d_theta, d_bias


def weighted_recognition_direction(phi, phi_bias, states, weights):
    """sum_rows weights * d log Q(s^2, ..., s^L | s^1) / d phi: the sleep delta rule, row-weighted."""
    d_phi, d_bias = [], []
    for l in range(len(phi)):
        err = states[l + 1] - expit(states[l] @ phi[l] + phi_bias[l])  # (rows, n_{l+2})
        d_phi.append((states[l] * weights[:, None]).T @ err)  # (n_{l+1}, n_{l+2})
        d_bias.append(weights @ err)
    return d_phi, d_bias


def _log_bernoulli(states, logits):
    """sum_j log p(s_j | logit_j) per row: s . a - sum softplus(a), shape (rows,)."""
    return (states * logits).sum(axis=1) - np.logaddexp(0.0, logits).sum(axis=1)


def _sample_q(phi, phi_bias, x, rng):
    """Hidden states from Q given x (rows, n_1) and log Q(z | x) (rows,)."""
    states, log_q = [x], np.zeros(len(x))
    for l in range(len(phi)):
        a = states[l] @ phi[l] + phi_bias[l]  # (rows, n_{l+2})
        s = (rng.random(a.shape) < expit(a)).astype(float)
        log_q += _log_bernoulli(s, a)
        states.append(s)
    return states, log_q


def _log_joint(theta, theta_bias, states):
    """log p(s^1, ..., s^L) per row, Eq. (10), shape (rows,)."""
    L = len(theta_bias)
    total = _log_bernoulli(states[L - 1], np.broadcast_to(theta_bias[L - 1], states[L - 1].shape))
    for l in range(L - 1):
        total += _log_bernoulli(states[l], states[l + 1] @ theta[l] + theta_bias[l])
    return total


def _fantasy(theta, theta_bias, n, rng):
    """n ancestral samples of the generative model, list of L arrays (n, n_l)."""
    L = len(theta_bias)
    states = [None] * L
    states[L - 1] = (rng.random((n, len(theta_bias[L - 1]))) < expit(theta_bias[L - 1])).astype(float)
    for l in range(L - 2, -1, -1):
        p = expit(states[l + 1] @ theta[l] + theta_bias[l])  # (n, n_{l+1})
        states[l] = (rng.random(p.shape) < p).astype(float)
    return states


def importance_weights(log_joint, log_q):
    """Normalised importance weights omega_k = w_k / sum_j w_j along the last axis, w = p/Q.

    log_joint, log_q : arrays of the same shape (..., K). Computed in log space
    (omega = exp(log w - logsumexp(log w))), so huge or tiny weights do not overflow.
    """
    log_w = log_joint - log_q
    return np.exp(log_w - logsumexp(log_w, axis=-1, keepdims=True))


# ---------------------------------------------------------------------- training
def _check_settings(settings):
    if settings is None:
        return RWSSettings()
    return as_instance(settings, RWSSettings, "settings").check()


def train(hm, data, settings=None, seed=None, callback=None, monitor=None, report_every=None, validation=None):
    """Train a sigmoid Helmholtz machine by reweighted wake-sleep; returns ``(machine, history)``.

    Parameters are those of :func:`hmlib.wakesleep.train`, with ``settings`` an
    :class:`RWSSettings` (None: its defaults). See the module docstring for one step.

    With ``validation`` data (array_like, shape (n_valid, n_1), binary) the run scores them, keeps
    the best machine and stops early exactly as :func:`hmlib.wakesleep.train` does, with
    ``settings.validate_every`` and ``settings.patience``.

    Returns
    -------
    machine : HelmholtzMachine, the trained copy (``hm`` is not modified; with ``validation``:
        the best-scoring one).
    history : hmlib.wakesleep.WakeSleepHistory, one entry per report (with ``validation`` also the
        scores, the examples seen by the machine returned and whether the run stopped early).
    """
    _check_machine(hm)
    settings = _check_settings(settings)
    _check_callbacks(callback, monitor)
    x_valid = None if validation is None else as_data(validation, hm.sizes[0], "validation")
    L = len(hm.sizes)
    B, K = settings.batch_size, settings.k
    check_bytes((B * K, 4 * sum(hm.sizes)), "the samples of one minibatch (batch_size x k rows)")
    sample = _as_sampler(data, hm.sizes[0])
    rng = as_rng(seed)
    rates = (settings.lr_visible,) + (settings.lr_hidden,) * (L - 2)  # one per layer of connections
    n_steps = -(-settings.examples // B)  # ceil
    report_steps = max(1, n_steps // 100) if report_every is None else max(1, -(-as_count(report_every, "report_every") // B))
    if settings.validate_every is None:
        validate_steps = max(1, n_steps // VALIDATIONS_PER_RUN)
    else:
        validate_steps = max(1, -(-settings.validate_every // B))
    theta = [a.copy() for a in hm.theta]
    theta_bias = [a.copy() for a in hm.theta_bias]
    phi = [a.copy() for a in hm.phi]
    phi_bias = [a.copy() for a in hm.phi_bias]
    if settings.positive_visible_weights:
        np.maximum(theta[0], 0.0, out=theta[0])
    wake_q = settings.q_update in ("wake", "both")
    sleep_q = settings.q_update in ("sleep", "both")
    history = WakeSleepHistory()
    book = _Bookkeeping(history, B, n_steps, callback, monitor, x_valid, settings.patience)

    def report(step, final=False):
        book.report(step, _snapshot(theta, theta_bias, phi, phi_bias), final)

    def validate(step):
        return book.validate(step, _snapshot(theta, theta_bias, phi, phi_bias))

    def apply(params, biases, d_params, d_biases):
        for l in range(L - 1):
            params[l] += rates[l] * d_params[l]
        for l, d in enumerate(d_biases):
            biases[l] += rates[min(l, L - 2)] * d  # the top generative bias uses the last rate

    if x_valid is not None:
        validate(0)
    report(0)
    last = n_steps
    for step in range(n_steps):
        x = np.repeat(sample(B, rng), K, axis=0)  # (B*K, n_1): each data vector K times
        states, log_q = _sample_q(phi, phi_bias, x, rng)
        omega = importance_weights(_log_joint(theta, theta_bias, states).reshape(B, K), log_q.reshape(B, K)).ravel()
        d_theta, d_theta_bias = weighted_wake_direction(theta, theta_bias, states, omega)
        if wake_q:
            d_phi, d_phi_bias = weighted_recognition_direction(phi, phi_bias, states, omega)
        apply(theta, theta_bias, d_theta, d_theta_bias)
        if settings.positive_visible_weights:
            np.maximum(theta[0], 0.0, out=theta[0])
        if sleep_q:  # a fantasy from the updated theta, as in wake-sleep; both Q updates at the same phi
            dream = _fantasy(theta, theta_bias, B, rng)
            d_sleep, d_sleep_bias = _sleep_direction(phi, phi_bias, dream)
        if wake_q:
            apply(phi, phi_bias, d_phi, d_phi_bias)
        if sleep_q:
            apply(phi, phi_bias, d_sleep, d_sleep_bias)
        done = step + 1
        validating = x_valid is not None and (done % validate_steps == 0 or done == n_steps)
        if validating and validate(done) and done < n_steps:  # validate first: the last score counts too
            history.stopped_early, last = True, done
            break
        if done % report_steps == 0 and done < n_steps:
            report(done)
    report(last, final=True)
    if x_valid is not None:
        return book.best_machine, history
    return _snapshot(theta, theta_bias, phi, phi_bias), history
