"""Imaging models: how a generative unit turns the input from its parents into log-probabilities.

Notebook 06 and the notes (section 3) compare them. With the bias treated as a parent
that is always on, the *input* of unit j is ``u_j = b_j + sum_k s_k theta_kj`` and

- ``"sigmoid"`` (wake-sleep paper):  p_j = sigma(u_j), any real weights;
- ``"odds"`` (Dayan-Zemel rule, paper eq 18):  p_j = u_j / (1 + u_j) = 1 - 1/(1 + u_j),
  with theta >= 0 and b >= 0 read as odds, so u_j >= 0.

Everything is returned in log space, computed from the input without clipping:
log sigma(u) = -logaddexp(0, -u); log(u / (1 + u)) = log u - log1p(u).

The public functions check their arguments (a known imaging name, real inputs without NaN, odds
inputs >= 0, binary states); the underscored ones skip the checks, for callers inside hmlib that
have already made them.
"""

import numpy as np

from hmlib._checks import as_choice, describe

IMAGING_MODELS = ("sigmoid", "odds")


def check_imaging(imaging):
    """Return ``imaging`` if it names a known imaging model.

    ``TypeError`` if it is not a string, ``ValueError`` if it is not one of ``IMAGING_MODELS``.
    """
    return as_choice(imaging, "imaging", IMAGING_MODELS)


def _as_input(u, imaging, name="u"):
    """``u`` as a float array (not copied if it already is one), checked for ``imaging``."""
    if u is None or isinstance(u, (str, bytes, dict, set)):
        raise TypeError(f"{name} is {describe(u)}; expected an array of real numbers")
    u = np.asarray(u)
    if u.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {u.dtype}; expected real numbers (bool, int or float)")
    u = u.astype(float, copy=False)
    if np.isnan(u).any():
        raise ValueError(f"{name} contains NaN; expected the real-valued input of a unit")
    if imaging == "odds" and (u < 0).any():
        raise ValueError(
            f"{name} contains the negative value {u[u < 0].min()}; the odds imaging model needs an input "
            f"(an odds) >= 0"
        )
    return u


def _log_on_off(u, imaging):
    if imaging == "sigmoid":
        return -np.logaddexp(0.0, -u), -np.logaddexp(0.0, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_off = -np.log1p(u)
        log_on = np.log(u) + log_off  # -inf where u == 0; inf - inf where u == inf, fixed below
    if np.isinf(u).any():
        log_on = np.where(np.isinf(u), 0.0, log_on)  # infinite odds: the unit is surely on
    return log_on, log_off


def log_on_off(u, imaging):
    """Log-probabilities that a unit is on and off, given its total input ``u``.

    Parameters
    ----------
    u : array_like, any shape: ``b + s @ theta`` (an odds >= 0 for ``"odds"``, a logit for
        ``"sigmoid"``). NaN is refused, and so is a negative odds.
    imaging : ``"sigmoid"`` or ``"odds"``.

    Returns
    -------
    log_on, log_off : ndarrays shaped like ``u``. For ``"odds"`` with ``u == 0`` the unit is
        never on, and ``log_on`` is ``-inf`` (exactly, not a clipped number).
    """
    imaging = check_imaging(imaging)
    return _log_on_off(_as_input(u, imaging), imaging)


def _on_probability(u, imaging):
    if imaging == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -u))
    with np.errstate(invalid="ignore"):
        p = u / (1.0 + u)
    return np.where(np.isinf(u), 1.0, p) if np.isinf(u).any() else p


def on_probability(u, imaging):
    """Probability that a unit is on given its total input ``u`` (shape kept).

    ``u`` as in :func:`log_on_off`: real, no NaN, and >= 0 for ``"odds"``.
    """
    imaging = check_imaging(imaging)
    return _on_probability(_as_input(u, imaging), imaging)


def _log_bernoulli(states, u, imaging):
    log_on, log_off = _log_on_off(u, imaging)
    terms = np.where(states > 0.5, log_on, log_off)  # never multiplies 0 by -inf
    return terms.sum(axis=-1)


def log_bernoulli(states, u, imaging):
    """log p(states | input u), summed over the last axis.

    Parameters
    ----------
    states : array_like, shape (..., n), binary (0 or 1).
    u : array_like, shape (..., n), broadcastable against ``states``.
    imaging : ``"sigmoid"`` or ``"odds"``.

    Returns
    -------
    ndarray, shape (...): sum_j s_j log p_j + (1 - s_j) log(1 - p_j), with 0 * log 0 = 0.
    """
    imaging = check_imaging(imaging)
    u = _as_input(u, imaging)
    states = _as_input(states, "sigmoid", name="states")
    if not np.all((states == 0) | (states == 1)):
        bad = states[(states != 0) & (states != 1)][0]
        raise ValueError(f"states contains the value {bad}; expected binary states (0 or 1)")
    if states.ndim == 0 or u.ndim == 0 or states.shape[-1] != u.shape[-1]:
        raise ValueError(f"states has shape {states.shape} and u {u.shape}; expected the same number of units (last axis)")
    try:
        np.broadcast_shapes(states.shape, u.shape)
    except ValueError:
        raise ValueError(f"states has shape {states.shape} and u {u.shape}; expected shapes that broadcast") from None
    return _log_bernoulli(states, u, imaging)
