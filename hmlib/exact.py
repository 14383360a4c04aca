"""Exact quantities of a small Helmholtz machine, by enumerating every hidden configuration.

Notebooks 01-05 derive these; the tests check them against plain loops.

Order of the hidden configurations
----------------------------------
A configuration z is the concatenation (s^2, s^3, ..., s^L) of all H = n_2 + ... + n_L hidden
units, layer 2 first. Configuration k is the binary expansion of k with the *first* unit as the
most significant bit, i.e. the order of ``itertools.product((0, 1), repeat=H)``. So the
configurations that share a layer-2 state are contiguous.

Memory
------
Everything is computed in chunks of configurations, so the working memory stays around
``_CHUNK_ELEMENTS`` floats per array (tens of MB) whatever H is. Functions that *return* an
array over all configurations (``log_joint``, ``posterior``, ...) refuse, before allocating,
to build a result larger than ``MAX_RESULT_BYTES``; every function refuses H > ``MAX_HIDDEN``.

All arguments ``x`` are binary arrays of shape (batch, n_1); results are per row.

Patterns the machine cannot generate
------------------------------------
With odds imaging an input of 0 means a unit is never on, so a pattern can have p(x) = 0 (for
instance x_j = 1 where every top-down odds into unit j and its bias are 0). For such a row
``log_evidence`` is -inf and ``free_energy`` +inf: these are the correct values. The posterior
p(z | x) = p(x, z) / p(x) is then 0/0, and so are the KL divergence to it and the gradient of F:
``posterior``, ``kl_divergence`` and ``free_energy_gradients`` raise a ``ValueError`` naming the
rows with p(x) = 0 instead of returning NaN.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.special import expit, logsumexp

from hmlib._checks import as_count, as_data, as_int, as_machine, describe
from hmlib.model import HelmholtzMachine

MAX_HIDDEN = 24  # 2^24 configurations: the per-configuration vector is 128 MB, run time minutes
MAX_RESULT_BYTES = 2**30  # 1 GiB: the largest (batch, 2^H) array a function will return
_CHUNK_ELEMENTS = 2**21  # floats per working array in a chunk (16 MB; smaller chunks pay BLAS call overhead)
_THREADS = min(4, os.cpu_count() or 1)  # numpy ufuncs release the GIL, so chunks run in parallel


# ---------------------------------------------------------------------- configurations
def _check_n_hidden(n_hidden):
    if n_hidden > MAX_HIDDEN:
        raise ValueError(
            f"the machine has {n_hidden} hidden units; exact enumeration supports at most "
            f"MAX_HIDDEN = {MAX_HIDDEN} (2^{n_hidden} configurations)"
        )


def _check_result_bytes(rows, columns, what):
    n_bytes = 8 * rows * columns
    if n_bytes > MAX_RESULT_BYTES:
        raise ValueError(
            f"{what} would be a ({rows}, {columns}) array of {n_bytes / 2**30:.1f} GiB; the limit is "
            f"MAX_RESULT_BYTES = {MAX_RESULT_BYTES / 2**30:.0f} GiB (use fewer rows or hidden units, "
            f"or a function that reduces over configurations such as log_evidence)"
        )


def _bits(start, stop, n_units):
    """Rows start..stop-1 of the enumeration of ``n_units`` binary units, shape (stop-start, n_units)."""
    k = np.arange(start, stop, dtype=np.int64)
    shifts = np.arange(n_units - 1, -1, -1, dtype=np.int64)
    return ((k[:, None] >> shifts) & 1).astype(float)


def binary_patterns(n):
    """All 2^n binary patterns of n units, shape (2^n, n), first unit most significant."""
    n = as_int(n, "n", low=1)
    if n > MAX_HIDDEN:
        raise ValueError(f"n is {n}; binary_patterns enumerates at most MAX_HIDDEN = {MAX_HIDDEN} units")
    _check_result_bytes(2**n, n, "binary_patterns")
    return _bits(0, 2**n, int(n))


def hidden_configurations(sizes):
    """All hidden configurations z = (s^2, ..., s^L) of a machine of layer sizes ``sizes``.

    Returns
    -------
    ndarray, shape (2^H, H), H = n_2 + ... + n_L, in the order described in the module docstring.
    """
    sizes = _sizes(sizes)
    n_hidden = sum(sizes[1:])
    _check_n_hidden(n_hidden)
    _check_result_bytes(2**n_hidden, n_hidden, "hidden_configurations")
    return _bits(0, 2**n_hidden, n_hidden)


def layer_states(sizes, configs):
    """Split configurations (c, H) into the list of layer states [s^2 (c, n_2), ..., s^L (c, n_L)].

    configs : array_like, shape (c, H), binary, H = n_2 + ... + n_L.
    """
    sizes = _sizes(sizes)
    return _split_layers(sizes, as_data(configs, sum(sizes[1:]), "configs"))


def _split_layers(sizes, configs):
    edges = np.cumsum(sizes[1:])[:-1]
    return np.split(configs, edges, axis=1)


def _sizes(sizes):
    """Layer sizes from a HelmholtzMachine or a sequence of at least two positive ints."""
    if isinstance(sizes, HelmholtzMachine):
        return sizes.sizes
    if isinstance(sizes, (str, bytes, dict, set)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes is {describe(sizes)}; expected a HelmholtzMachine or a sequence of layer sizes")
    sizes = tuple(as_count(n, f"sizes[{i}]") for i, n in enumerate(sizes))
    if len(sizes) < 2:
        raise ValueError(f"sizes is {sizes}; expected at least two positive layer sizes")
    return sizes


def _chunks(total, width):
    """(start, stop) ranges over ``total`` items so a (chunk, width) array has ~_CHUNK_ELEMENTS floats."""
    step = max(1, _CHUNK_ELEMENTS // max(width, 1))
    for start in range(0, total, step):
        yield start, min(total, start + step)


def _prepare(hm, x):
    as_machine(hm)
    _check_n_hidden(hm.n_hidden)
    return as_data(x, hm.sizes[0])


# ---------------------------------------------------------------------- the pieces of log p and log Q
def _softplus(u):
    """log(1 + e^u), stable for any u: max(u, 0) + log1p(e^-|u|) (faster than logaddexp here)."""
    out = np.exp(-np.abs(u))
    np.log1p(out, out=out)
    out += np.maximum(u, 0.0)
    return out


def _log_bernoulli_sum(states, u, imaging):
    """sum_j log p(s_j | u_j), shape (c,), for config-only states (c, n) and inputs (c, n) or (n,)."""
    if imaging == "sigmoid":
        # log sigma(u) = u - softplus(u), log(1 - sigma(u)) = -softplus(u)
        return (states * u).sum(axis=-1) - _softplus(u).sum(axis=-1) * np.ones(len(states))
    log_off = -np.log1p(u)
    with np.errstate(divide="ignore"):
        log_on = np.log(u) + log_off
    return np.where(states > 0.5, log_on, log_off).sum(axis=-1)


def _hidden_log_prior(hm, hidden):
    """log p(s^2, ..., s^L) of configurations; ``hidden`` = [s^2, ..., s^L], each (c, n_l). Returns (c,)."""
    L = len(hm.sizes)
    total = _log_bernoulli_sum(hidden[-1], hm.theta_bias[-1], hm.imaging)
    for layer in range(2, L):
        u = hm._generative_input(layer, hidden[layer - 1])  # (c, n_layer)
        total = total + _log_bernoulli_sum(hidden[layer - 2], u, hm.imaging)
    return total


def _visible_log_likelihood(hm, s2, x):
    """log p(x | s^2) for every row of x and every layer-2 state, shape (batch, c).

    Sigmoid: log p(x | s^2) = x . u - sum_j softplus(u_j) with u = s^2 theta + b, and
    x . u = (x theta^T) . s^2 + x . b, so the (batch, c) part is a product with n_2 columns.
    """
    u = hm._generative_input(1, s2)  # (c, n_1)
    if hm.imaging == "sigmoid":
        data = (x @ hm.theta[0].T) @ s2.T + (x @ hm.theta_bias[0])[:, None]  # (batch, c)
        return data - _softplus(u).sum(axis=1)[None, :]
    log_off = -np.log1p(u)  # (c, n_1), finite because u >= 0
    impossible = u == 0  # unit can never be on: log p(on) = -inf
    with np.errstate(divide="ignore"):
        log_odds = np.where(impossible, 0.0, np.log(u))  # log p(on) - log p(off) = log u
    result = x @ log_odds.T + log_off.sum(axis=1)[None, :]  # (batch, c)
    if impossible.any():
        result[(x @ impossible.T.astype(float)) > 0] = -np.inf
    return result


def _recognition_log_prob(hm, x, hidden):
    """log Q(z | x), shape (batch, c), for configurations ``hidden`` = [s^2, ..., s^L], Eqs. (7)-(8)."""
    a2 = hm._recognition_input(2, x)  # (batch, n_2)
    result = a2 @ hidden[0].T - _softplus(a2).sum(axis=1)[:, None]  # (batch, c)
    upper = np.zeros(len(hidden[0]))
    for layer in range(3, len(hm.sizes) + 1):
        logits = hm._recognition_input(layer, hidden[layer - 3])  # (c, n_layer)
        upper += _log_bernoulli_sum(hidden[layer - 2], logits, "sigmoid")
    return result + upper[None, :]


def _chunk_terms(hm, x, start, stop):
    """Layer states, log p(x, z) and log Q(z | x) for configurations start..stop-1."""
    hidden = _split_layers(hm.sizes, _bits(start, stop, hm.n_hidden))
    log_joint = _visible_log_likelihood(hm, hidden[0], x) + _hidden_log_prior(hm, hidden)[None, :]
    return hidden, log_joint, _recognition_log_prob(hm, x, hidden)


def _config_chunks(hm, x):
    return _chunks(2**hm.n_hidden, max(len(x), max(hm.sizes)))


# ---------------------------------------------------------------------- public quantities
def log_joint(hm, x):
    """log p(x, z) = -E_z for every hidden configuration, Eq. (2) (notebook 02).

    Parameters
    ----------
    hm : HelmholtzMachine
    x : array_like, shape (batch, n_1), binary.

    Returns
    -------
    ndarray, shape (batch, 2^H): entry [b, k] is log p(x_b, z_k); -inf where p(x_b, z_k) = 0.
    """
    x = _prepare(hm, x)
    _check_result_bytes(len(x), 2**hm.n_hidden, "log_joint")
    out = np.empty((len(x), 2**hm.n_hidden))
    for start, stop in _config_chunks(hm, x):
        out[:, start:stop] = _chunk_terms(hm, x, start, stop)[1]
    return out


def log_evidence(hm, x):
    """log p(x) = log sum_z p(x, z) = log Z, Eqs. (1) and (3) (notebooks 01-02).

    Computed without building the (batch, 2^H) array: the prior of layer 2 is first summed over
    the layers above it, then log p(x | s^2) + log p(s^2) is summed over s^2 chunk by chunk.

    Parameters
    ----------
    hm : HelmholtzMachine
    x : array_like, shape (batch, n_1), binary.

    Returns
    -------
    ndarray, shape (batch,); -inf for a pattern the machine cannot generate (p(x) = 0, possible
    with odds imaging; see the module docstring).
    """
    x = _prepare(hm, x)
    n2 = hm.sizes[1]
    n_upper = hm.n_hidden - n2
    # log p(s^2) for all 2^{n_2} layer-2 states: sum the joint prior over the upper layers
    prior = np.empty(2**hm.n_hidden)
    for start, stop in _chunks(2**hm.n_hidden, max(hm.sizes[1:])):
        prior[start:stop] = _hidden_log_prior(hm, _split_layers(hm.sizes, _bits(start, stop, hm.n_hidden)))
    log_p_s2 = logsumexp(prior.reshape(2**n2, 2**n_upper), axis=1) if n_upper else prior  # (2^n2,)
    del prior
    # log-sum-exp over layer-2 states, chunk by chunk, the chunks shared among threads
    def partial_sum(chunks):
        best, total = np.full(len(x), -np.inf), np.zeros(len(x))
        for start, stop in chunks:
            terms = _visible_log_likelihood(hm, _bits(start, stop, n2), x) + log_p_s2[None, start:stop]
            best, total = _accumulate_logsumexp(best, total, terms)
        return best, total

    chunks = list(_chunks(2**n2, max(len(x), hm.sizes[0])))
    if len(chunks) > 1 and _THREADS > 1:
        with ThreadPoolExecutor(_THREADS) as pool:
            parts = list(pool.map(partial_sum, [chunks[i::_THREADS] for i in range(_THREADS)]))
    else:
        parts = [partial_sum(chunks)]
    best = np.max([b for b, _ in parts], axis=0)
    with np.errstate(invalid="ignore"):
        total = sum(np.where(np.isfinite(b), t * np.exp(b - np.where(np.isfinite(best), best, 0.0)), 0.0) for b, t in parts)
    with np.errstate(divide="ignore"):
        return best + np.log(total)


def _accumulate_logsumexp(best, total, terms):
    """Fold ``terms`` (batch, c) into a running log-sum-exp kept as best + log(total), per row."""
    chunk_best = terms.max(axis=1)
    new_best = np.maximum(best, chunk_best)
    finite = np.isfinite(new_best)
    shift = np.where(finite, new_best, 0.0)
    with np.errstate(invalid="ignore"):
        total = total * np.exp(np.where(finite, best - shift, 0.0)) + np.exp(terms - shift[:, None]).sum(axis=1)
    return new_best, np.where(finite, total, 0.0)


def _refuse_impossible(log_z, what):
    """Raise ``ValueError`` if any row has log p(x) = -inf, where ``what`` is undefined."""
    rows = np.flatnonzero(np.isneginf(log_z))
    if rows.size:
        shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if rows.size > 10 else "")
        raise ValueError(
            f"p(x) = 0 for row(s) {shown} of x: the machine cannot generate that pattern (log_evidence "
            f"is -inf there), so {what} is undefined for it; leave such rows out"
        )


def posterior(hm, x):
    """The exact posterior P_z = p(z | x) = exp(-E_z) / Z, Eq. (3) (notebook 02).

    Returns ndarray, shape (batch, 2^H); each row sums to 1. Raises ``ValueError`` naming the
    rows with p(x) = 0, where the posterior is 0/0 (see the module docstring).
    """
    lj = log_joint(hm, x)
    log_z = logsumexp(lj, axis=1, keepdims=True)  # (batch, 1)
    _refuse_impossible(log_z[:, 0], "the posterior p(z | x)")
    return np.exp(lj - log_z)


def recognition_distribution(hm, x):
    """Q_z of the stochastic factorial recognition model, Eqs. (7)-(8) (notebook 05).

    Q(z | x) = prod_{l>=2} prod_j q_j^l^{s_j^l} (1 - q_j^l)^{1 - s_j^l}, q^l = sigma(s^{l-1} phi + c).

    Returns ndarray, shape (batch, 2^H); each row sums to 1.
    """
    x = _prepare(hm, x)
    _check_result_bytes(len(x), 2**hm.n_hidden, "recognition_distribution")
    out = np.empty((len(x), 2**hm.n_hidden))
    for start, stop in _config_chunks(hm, x):
        hidden = _split_layers(hm.sizes, _bits(start, stop, hm.n_hidden))
        out[:, start:stop] = np.exp(_recognition_log_prob(hm, x, hidden))
    return out


def _expectation_under_q(log_q, values):
    """sum_z Q(z) values(z) per row, with 0 * anything = 0 (so 0 * log 0 and 0 * inf vanish)."""
    q = np.exp(log_q)
    with np.errstate(invalid="ignore"):
        return np.where(q > 0, q * values, 0.0).sum(axis=1)


def free_energy(hm, x):
    """The Helmholtz free energy F = <E_z>_Q - H(Q) = sum_z Q(z) [log Q(z) - log p(x, z)].

    This is Eq. (6) corrected: the design document's -F omits the entropy term. F >= -log Z,
    with equality iff Q is the exact posterior (notebook 04). In nats.

    Returns ndarray, shape (batch,); +inf where Q puts mass on a configuration with p(x, z) = 0,
    in particular for a pattern with p(x) = 0 (-log p(x) is +inf too, so F >= -log Z still holds).
    """
    x = _prepare(hm, x)
    total = np.zeros(len(x))
    for start, stop in _config_chunks(hm, x):
        _, lj, lq = _chunk_terms(hm, x, start, stop)
        total += _expectation_under_q(lq, lq - lj)
    return total


def kl_divergence(hm, x):
    """KL(Q || P) = sum_z Q(z) log(Q(z) / P_z) between the recognition distribution and the
    exact posterior, Eq. (6) (notebook 04). KL >= 0, = 0 iff Q = P. In nats.

    The sum of terms of both signs can round to a tiny negative number (-3e-14) when Q is
    (almost) P; the result is clamped at 0, so KL >= 0 holds exactly as printed.

    Returns ndarray, shape (batch,), >= 0; +inf where Q puts mass on a configuration with
    p(x, z) = 0. Raises ``ValueError`` naming the rows with p(x) = 0, where the posterior, and so
    KL(Q || P), is undefined (see the module docstring).
    """
    x = _prepare(hm, x)
    log_z = log_evidence(hm, x)
    _refuse_impossible(log_z, "KL(Q || P), a divergence from the posterior p(z | x),")
    total = np.zeros(len(x))
    for start, stop in _config_chunks(hm, x):
        _, lj, lq = _chunk_terms(hm, x, start, stop)
        total += _expectation_under_q(lq, lq - (lj - log_z[:, None]))
    return np.maximum(total, 0.0)


# ---------------------------------------------------------------------- gradient of F
def _dlog_du(states, u, imaging):
    """d log p(s | u) / du elementwise: s - sigma(u) (sigmoid), s/u - 1/(1+u) (odds)."""
    if imaging == "sigmoid":
        return states - expit(u)
    with np.errstate(divide="ignore"):
        return np.where(states > 0.5, 1.0 / u, 0.0) - 1.0 / (1.0 + u)


def free_energy_gradients(hm, x):
    """Gradient of the exact free energy F, summed over the rows of x, w.r.t. every parameter.

    dF/dphi = sum_z Q(z) [log Q(z) - log p(x, z)] d log Q(z)/dphi   (the score-function form;
    sum_z dQ = 0 removes the derivative of log Q itself), and
    dF/dtheta = -sum_z Q(z) d log p(x, z)/dtheta. Used for exact gradient ascent on -F
    (notebook 04's explorer) and to show that the wake phase follows dF/dtheta (notebook 08).

    Returns
    -------
    dict with keys ``"theta"``, ``"theta_bias"``, ``"phi"``, ``"phi_bias"``, each a list of
    arrays shaped like the machine's parameters.

    Raises ``ValueError`` naming the rows where F is +inf, because Q puts mass on a
    configuration with p(x, z) = 0 (odds imaging), in particular the rows with p(x) = 0: the
    gradient is undefined there (see the module docstring).
    """
    x = _prepare(hm, x)
    L = len(hm.sizes)
    grads = {name: [np.zeros_like(a) for a in getattr(hm, name)] for name in ("theta", "theta_bias", "phi", "phi_bias")}
    q2 = expit(hm._recognition_input(2, x))  # (batch, n_2)
    for start, stop in _config_chunks(hm, x):
        hidden, lj, lq = _chunk_terms(hm, x, start, stop)
        q = np.exp(lq)  # (batch, c)
        infinite = np.any((q > 0) & np.isneginf(lj), axis=1)  # (batch,): rows whose F is +inf
        if infinite.any():
            _refuse_infinite_free_energy(hm, x, infinite)
        with np.errstate(invalid="ignore"):
            w = np.where(q > 0, q * (lq - lj), 0.0)  # F's integrand, (batch, c)
        w_config = w.sum(axis=0)  # (c,)
        q_config = q.sum(axis=0)  # (c,)
        # recognition layer 2: d log Q / d a2 = s2 - q2, with a2 = x phi + c
        delta = w @ hidden[0] - w.sum(axis=1)[:, None] * q2  # (batch, n_2)
        grads["phi"][0] += x.T @ delta
        grads["phi_bias"][0] += delta.sum(axis=0)
        # recognition layers 3..L: inputs depend on the configuration only
        for layer in range(3, L + 1):
            below, here = hidden[layer - 3], hidden[layer - 2]
            delta = here - expit(hm._recognition_input(layer, below))  # (c, n_layer)
            grads["phi"][layer - 2] += (below * w_config[:, None]).T @ delta
            grads["phi_bias"][layer - 2] += w_config @ delta
        # generative hidden layers 2..L: F contains -log p, so the sign is minus
        for layer in range(2, L + 1):
            parent = hidden[layer - 1] if layer < L else None
            delta = _dlog_du(hidden[layer - 2], hm._generative_input(layer, parent), hm.imaging)  # (c, n_layer)
            delta = np.where(q_config[:, None] > 0, delta, 0.0)  # configurations Q never visits (1/0 for odds)
            grads["theta_bias"][layer - 1] -= q_config @ delta
            if layer < L:
                grads["theta"][layer - 1] -= (parent * q_config[:, None]).T @ delta
        # visible layer: d log p(x | u) / du separates into a data part and a configuration part
        u1 = hm._generative_input(1, hidden[0])  # (c, n_1)
        qx = q.T @ x  # (c, n_1): sum_b Q_b(z) x_b
        if hm.imaging == "sigmoid":
            data_part, config_part = qx, expit(u1)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                data_part = np.where(qx > 0, qx / u1, 0.0)
            config_part = 1.0 / (1.0 + u1)
        delta = data_part - q_config[:, None] * config_part  # (c, n_1)
        grads["theta"][0] -= hidden[0].T @ delta
        grads["theta_bias"][0] -= delta.sum(axis=0)
    return grads


def _refuse_infinite_free_energy(hm, x, infinite):
    """Raise ``ValueError`` for the rows ``infinite`` (bool, (batch,)) whose F is +inf."""
    rows = np.flatnonzero(infinite)
    log_z = np.zeros(len(x))
    log_z[rows] = log_evidence(hm, x[rows])
    _refuse_impossible(log_z, "the gradient of F")  # rows with p(x) = 0 get that message
    shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if rows.size > 10 else "")
    raise ValueError(
        f"F is +inf for row(s) {shown} of x: Q puts mass on hidden configurations with p(x, z) = 0 "
        f"(an odds unit that would have to be on with input 0), so the gradient of F is undefined there"
    )
