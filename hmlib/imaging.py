"""Imaging models: how a generative unit turns the input from its parents into log-probabilities.

Notebook 06 and the notes (section 3) compare them. With the bias treated as a parent
that is always on, the *input* of unit j is ``u_j = b_j + sum_k s_k theta_kj`` and

- ``"sigmoid"`` (wake-sleep paper):  p_j = sigma(u_j), any real weights;
- ``"odds"`` (Dayan-Zemel rule, paper eq 18):  p_j = u_j / (1 + u_j) = 1 - 1/(1 + u_j),
  with theta >= 0 and b >= 0 read as odds.

Everything is returned in log space, computed from the input without clipping:
log sigma(u) = -logaddexp(0, -u); log(u / (1 + u)) = log u - log1p(u).
"""

import numpy as np

IMAGING_MODELS = ("sigmoid", "odds")


def check_imaging(imaging):
    """Return ``imaging`` if it names a known imaging model, else raise ``ValueError``."""
    if imaging not in IMAGING_MODELS:
        raise ValueError(f"imaging is {imaging!r}; expected one of {IMAGING_MODELS}")
    return imaging


def log_on_off(u, imaging):
    """Log-probabilities that a unit is on and off, given its total input ``u``.

    Parameters
    ----------
    u : ndarray, any shape: ``b + s @ theta`` (an odds for ``"odds"``, a logit for ``"sigmoid"``).
    imaging : ``"sigmoid"`` or ``"odds"``.

    Returns
    -------
    log_on, log_off : ndarrays shaped like ``u``. For ``"odds"`` with ``u == 0`` the unit is
        never on, and ``log_on`` is ``-inf`` (exactly, not a clipped number).
    """
    if imaging == "sigmoid":
        return -np.logaddexp(0.0, -u), -np.logaddexp(0.0, u)
    log_off = -np.log1p(u)
    with np.errstate(divide="ignore"):
        log_on = np.log(u) + log_off
    return log_on, log_off


def on_probability(u, imaging):
    """Probability that a unit is on given its total input ``u`` (shape kept)."""
    if imaging == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -u))
    return u / (1.0 + u)


def log_bernoulli(states, u, imaging):
    """log p(states | input u), summed over the last axis.

    Parameters
    ----------
    states : ndarray, shape (..., n), binary.
    u : ndarray, shape (..., n), broadcastable against ``states``.

    Returns
    -------
    ndarray, shape (...): sum_j s_j log p_j + (1 - s_j) log(1 - p_j), with 0 * log 0 = 0.
    """
    log_on, log_off = log_on_off(u, imaging)
    terms = np.where(states > 0.5, log_on, log_off)  # never multiplies 0 by -inf
    return terms.sum(axis=-1)
