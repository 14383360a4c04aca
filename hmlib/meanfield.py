"""The deterministic (mean-field) Helmholtz machine: Eqs. (9), (11) and (12) of the design document.

Notebooks 06 and 07. Every stochastic state is replaced by its mean:

- recognition means, Eq. (9):  q^1 = x,  q^l = sigma(q^{l-1} @ phi^{l-1,l} + c^l)  for l = 2..L;
- generative means p^l of layer l, computed from the *recognition* means q^{l+1} of its parents
  (Eq. (10) with the parent index corrected to l+1), by one of three rules:

  ``"sigmoid"``  p = sigma(b + q @ theta)                                  (any real weights)
  ``"eq11"``     p = (1 - 1/(1 + u)) * (1 - 1/(1 + b) * prod_k [1 - q_k theta_k/(1 + theta_k)])
                 with u = b + q @ theta: Eq. (11) with the bias as an always-on parent (notes section 3)
  ``"naive"``    p = 1 - 1/(1 + u): the odds rule evaluated at the mean input, the "obvious"
                 analogue of Eq. (9) that the paper rejects (it lies above the exact E_Q[p], Jensen).

  ``"eq11"`` and ``"naive"`` need theta >= 0 and b >= 0, so they need a machine with
  ``imaging="odds"`` (whose constructor enforces it). The top layer L has no parents: its mean is
  the imaging model of its bias alone, sigma(b) or b/(1 + b) (there is nothing to average, so the
  three odds rules coincide there).

- free energy, Eq. (12) with the sign corrected (it is +F, the quantity to *minimise*):

  F(x) = sum_{l>=2} sum_j KL(q_j^l || p_j^l) - sum_j [x_j log p_j^1 + (1 - x_j) log(1 - p_j^1)]  >= 0

  where KL(q||p) = q log(q/p) + (1-q) log((1-q)/(1-p)) with 0 log 0 = 0. It is the *mean-field*
  free energy: it uses log p(<s>) in place of <log p(s)>, so it approximates the exact F of
  ``hmlib.exact.free_energy``; it is not equal to it.

Everything is computed in log space from logits / odds; probabilities are never clipped. With the
odds rules a unit whose input is exactly 0 (no bias, no active parent) has p = 0: its log p is
-inf and F is +inf for a row that needs the unit on, never NaN.

Where the mean-field p(x) is 0 (F = +inf) the gradient of F is undefined: ``gradients`` and
``free_energy_and_gradients`` raise a ``ValueError`` naming those rows instead of returning NaN.
"""

import numpy as np

from hmlib._checks import as_array, as_data, as_machine, as_real, describe
from hmlib.imaging import log_on_off, on_probability

RULES = ("sigmoid", "eq11", "naive")
MAX_PARENTS = 20  # unit_probabilities sums over 2^K parent states: 2^20 x 20 floats is 160 MB


def check_rule(hm, rule):
    """Return the generative rule to use for machine ``hm``: ``rule``, or the machine's default.

    Default: ``"sigmoid"`` for ``hm.imaging == "sigmoid"``, ``"eq11"`` for ``hm.imaging == "odds"``.
    ``"eq11"`` and ``"naive"`` need an odds machine (theta >= 0, b >= 0); ``"sigmoid"`` needs a
    sigmoid machine.
    """
    as_machine(hm)
    if rule is None:
        return "sigmoid" if hm.imaging == "sigmoid" else "eq11"
    if not isinstance(rule, str):
        raise TypeError(f"rule is {describe(rule)}; expected one of {RULES} (or None for the machine's default)")
    if rule not in RULES:
        raise ValueError(f"rule is {rule!r}; expected one of {RULES} (or None for the machine's default)")
    needed = "sigmoid" if rule == "sigmoid" else "odds"
    if hm.imaging != needed:
        raise ValueError(
            f"rule {rule!r} needs a machine with imaging={needed!r}; this machine has imaging={hm.imaging!r}"
        )
    return rule


def recognition_logits(hm, x):
    """Logits a^l = q^{l-1} @ phi^{l-1,l} + c^l of the recognition means, Eq. (9).

    Returns a list of L-1 arrays, ``a[l-2]`` of shape (batch, n_l) for l = 2..L.
    """
    as_machine(hm)
    x = as_data(x, hm.sizes[0], binary=False)
    logits = []
    q = x
    for layer in range(2, len(hm.sizes) + 1):
        a = hm.recognition_input(layer, q)  # (batch, n_l)
        logits.append(a)
        q = on_probability(a, "sigmoid")
    return logits


def recognition_means(hm, x):
    """Recognition means q^l = sigma(q^{l-1} @ phi^{l-1,l} + c^l), Eq. (9) of the design document, notebook 06.

    Parameters
    ----------
    hm : HelmholtzMachine
    x : array_like, shape (batch, n_1), values in [0, 1] (binary for the data sets).

    Returns
    -------
    list of L arrays: ``q[0]`` is a copy of x, ``q[l-1]`` has shape (batch, n_l).
    """
    as_machine(hm)
    x = as_data(x, hm.sizes[0], binary=False)
    return [x] + [on_probability(a, "sigmoid") for a in recognition_logits(hm, x)]


# ---------------------------------------------------------------------------- generative means
def _odds_terms(hm, layer, parent):
    """The pieces of Eq. (11) for generative layer ``layer`` given parent means.

    u = b + q @ theta and S = log[1/(1+b) prod_k (1 - q_k theta_k/(1+theta_k))]. Each factor is
    computed as 1/(1+theta) + (1 - q) theta/(1+theta), a sum of non-negative terms, so there is no
    cancellation when theta is large and q is close to 1.
    parent : (batch, n_{l+1}) means, or None for the top layer.
    Returns u, S (shape (batch, n_l); for the top layer u has shape (n_l,) and S is None) and the
    factors 1 - q_k theta_kj/(1 + theta_kj), shape (batch, n_{l+1}, n_l) (None for the top layer).
    """
    b = hm.theta_bias[layer - 1]
    if layer == len(hm.sizes):
        return b.copy(), None, None
    theta = hm.theta[layer - 1]  # (n_{l+1}, n_l)
    u = parent @ theta + b  # (batch, n_l)
    r = theta / (1.0 + theta)  # (n_{l+1}, n_l), in [0, 1)
    factors = np.multiply((1.0 - parent)[:, :, None], r)  # (batch, K, J): (1 - q_k) r_kj ...
    factors += 1.0 / (1.0 + theta)  # ... + 1/(1 + theta_kj), in place (far faster than a broadcast sum)
    with np.errstate(divide="ignore"):
        S = np.log(factors.prod(axis=1)) - np.log1p(b)  # (batch, n_l); each factor is in (0, 1]
    return u, S, factors


def _log_on_off_from(u, S, rule):
    """log p and log(1 - p) of the odds rules from u and S (``_odds_terms``)."""
    log_off = -np.log1p(u)
    with np.errstate(divide="ignore"):
        log_on = np.log(u) + log_off  # -inf exactly where u == 0
        if S is None or rule == "naive":
            return log_on, log_off
        # Eq. (11): p = A B with A = u/(1+u), B = 1 - e^S;  1 - p = (1 + u e^S)/(1 + u)
        log_b = np.log(-np.expm1(S))  # -inf exactly where S == 0 (b = 0 and no parent on)
    return log_on + log_b, np.log1p(u * np.exp(S)) + log_off


def _log_on_off(hm, layer, parent, rule):
    """log p and log(1 - p) of generative layer ``layer`` given parent means, shape (batch, n_l)."""
    if rule == "sigmoid":
        u = hm.generative_input(layer, parent)
        return log_on_off(u, "sigmoid")
    if rule == "naive" or layer == len(hm.sizes):
        return _log_on_off_from(hm.generative_input(layer, parent), None, rule)
    u, S, _ = _odds_terms(hm, layer, parent)
    return _log_on_off_from(u, S, rule)


def _parents(hm, q, layer):
    return None if layer == len(hm.sizes) else q[layer]


def _check_means(hm, q):
    if not isinstance(q, (list, tuple)):
        raise TypeError(
            f"q is {describe(q)}; expected a list of {len(hm.sizes)} arrays of means (as returned by recognition_means)"
        )
    if len(q) != len(hm.sizes):
        raise ValueError(
            f"q is a {type(q).__name__} of length {len(q)}; "
            f"expected a list of {len(hm.sizes)} arrays of means (as returned by recognition_means)"
        )
    checked = [as_data(q[0], hm.sizes[0], name="q[0]", binary=False)]
    batch = checked[0].shape[0]
    for i in range(1, len(q)):
        arr = as_data(q[i], hm.sizes[i], name=f"q[{i}]", binary=False)
        if arr.shape[0] != batch:
            raise ValueError(f"q[{i}] has {arr.shape[0]} rows; q[0] has {batch}")
        checked.append(arr)
    return checked


def generative_log_means(hm, q, rule=None):
    """log p^l and log(1 - p^l) of every layer given the parents' means (Eqs. (10)-(11)).

    Parameters
    ----------
    q : list of L arrays of means, ``q[l-1]`` of shape (batch, n_l) (``recognition_means``).
    rule : ``"sigmoid"``, ``"eq11"``, ``"naive"`` or None (the machine's default, ``check_rule``).

    Returns
    -------
    log_on, log_off : lists of L arrays, ``[l-1]`` of shape (batch, n_l); the top layer's is (n_L,).
    """
    rule = check_rule(hm, rule)
    q = _check_means(hm, q)
    log_on, log_off = [], []
    for layer in range(1, len(hm.sizes) + 1):
        on, off = _log_on_off(hm, layer, _parents(hm, q, layer), rule)
        log_on.append(on)
        log_off.append(off)
    return log_on, log_off


def generative_means(hm, q, rule=None):
    """Generative means p^l of every layer from the parents' means: Eq. (11) of the design document, notebook 06.

    ``rule="eq11"`` is Eq. (11) with the bias as an always-on parent,
    p = (1 - 1/(1 + b + q theta)) (1 - 1/(1 + b) prod_k [1 - q_k theta_k/(1 + theta_k)]);
    ``"naive"`` is 1 - 1/(1 + b + q theta); ``"sigmoid"`` is sigma(b + q theta).

    Parameters
    ----------
    q : list of L arrays of means, ``q[l-1]`` of shape (batch, n_l) (``recognition_means``).
    rule : ``"sigmoid"``, ``"eq11"``, ``"naive"`` or None (the machine's default).

    Returns
    -------
    list of L arrays, ``p[l-1]`` of shape (batch, n_l) for l < L and (n_L,) for the top layer.
    """
    log_on, _ = generative_log_means(hm, q, rule)
    return [np.exp(v) for v in log_on]


# ---------------------------------------------------------------------------- free energy
def _bernoulli_terms(q, log_q, log_1mq, log_p, log_1mp):
    """sum_j q log(q/p) + (1-q) log((1-q)/(1-p)), with 0 log 0 = 0 and 0 * (-inf) = 0.  (batch,)"""
    with np.errstate(invalid="ignore"):
        on = np.where(q > 0, q * (log_q - log_p), 0.0)
        off = np.where(q < 1, (1.0 - q) * (log_1mq - log_1mp), 0.0)
    return (on + off).sum(axis=-1)


def _check_weights(weights, batch):
    """``weights`` as a new array of shape (batch,), finite and >= 0 (all ones for None)."""
    if weights is None:
        return np.ones(batch)
    w = as_array(weights, "weights")
    if w.shape != (batch,):
        raise ValueError(f"weights has shape {w.shape}; expected shape ({batch},), one weight per row of x")
    if np.any(w < 0):
        raise ValueError(f"weights contains the negative value {w[w < 0][0]}; expected weights >= 0")
    return w


def _rows(rows):
    """'3, 7, 9' (at most ten row numbers) for an error message."""
    return ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")


def _layer_backward(hm, layer, parent, q_child, w, rule, cache):
    """Gradients of sum_n w_n (the generative terms of layer ``layer`` in F).

    The terms are -q log p - (1-q) log(1-p) (the q log q parts of Eq. (12) do not depend on p),
    with q the child means (the data x for layer 1). ``cache`` = (u, S, factors) from the forward
    pass. Returns d_theta (n_{l+1}, n_l) or None, d_bias (n_l,), d_parent (batch, n_{l+1}) or None.
    """
    top = layer == len(hm.sizes)
    g_on = -w[:, None] * q_child  # dF/dlog p,      (batch, n_l)
    g_off = -w[:, None] * (1.0 - q_child)  # dF/dlog(1-p), (batch, n_l)
    u, S, factors = cache
    b = hm.theta_bias[layer - 1]
    if rule == "sigmoid":
        p = on_probability(u, "sigmoid")
        g_u = g_on * (1.0 - p) - g_off * p  # dF/du = w (p - q)
    else:
        # A unit with u = 0 (or S = 0) has p = 0: d log p is infinite there. F is finite only if
        # the unit's mean q is 0 (g_on = 0), and then the term q log p is 0 for every u, so its
        # derivative is 0, not 0 * inf (rows with q > 0 have F = +inf and were refused before).
        with np.errstate(divide="ignore", invalid="ignore"):
            dlog1mp_du = -1.0 / (1.0 + u)  # odds rule: log(1-p) = -log1p(u), log p = log u - log1p(u)
            g_u = np.where(g_on == 0, 0.0, g_on * (1.0 / (u * (1.0 + u)))) + g_off * dlog1mp_du
            if S is not None:  # Eq. (11): log p gains log(1 - e^S), log(1-p) gains log1p(u e^S)
                eS = np.exp(S)
                denom = 1.0 + u * eS
                g_u = g_u + g_off * (eS / denom)
                d_on_dS = np.where(g_on == 0, 0.0, g_on * (-1.0 / np.expm1(-S)))
                g_S = d_on_dS + g_off * (u * eS / denom)  # dF/dS, (batch, n_l)
    if top:
        return None, g_u.sum(axis=0), None
    theta = hm.theta[layer - 1]  # (K, J) = (n_{l+1}, n_l)
    d_theta = parent.T @ g_u
    d_parent = g_u @ theta.T
    d_bias = g_u.sum(axis=0)
    if rule == "eq11":
        # S = sum_k log f_kj - log1p(b_j) with f_kj = 1 - q_k theta_kj/(1 + theta_kj):
        # dS/dtheta_kj = -q_k / ((1 + theta_kj)^2 f_kj),  dS/dq_k = -theta_kj / ((1 + theta_kj) f_kj)
        scaled = g_S[:, None, :] / factors  # (batch, K, J)
        by_parent = scaled.transpose(1, 0, 2)  # (K, batch, J), batched matrix products below
        d_theta -= (parent.T[:, None, :] @ by_parent)[:, 0, :] / (1.0 + theta) ** 2  # sum over the batch
        d_parent -= (by_parent @ (theta / (1.0 + theta))[:, :, None])[:, :, 0].T  # sum over the children
        d_bias -= g_S.sum(axis=0) / (1.0 + b)  # dS/db = -1/(1+b)
    return d_theta, d_bias, d_parent


def _evaluate(hm, x, rule, w=None):
    """F per row (Eq. (12)) and, if ``w`` is given, the gradient of sum_n w_n F_n.

    Raises ``ValueError`` if F is NaN, or if a gradient is asked for rows where F is +inf.
    """
    L = len(hm.sizes)
    logits = recognition_logits(hm, x)
    q = [x] + [on_probability(a, "sigmoid") for a in logits]
    total = np.zeros(x.shape[0])
    caches, logit_p = [], []
    for layer in range(1, L + 1):
        parent = _parents(hm, q, layer)
        if rule == "eq11" and layer < L:
            cache = _odds_terms(hm, layer, parent)
        else:
            cache = (hm.generative_input(layer, parent), None, None)
        if rule == "sigmoid":
            log_p, log_1mp = log_on_off(cache[0], "sigmoid")
        else:
            log_p, log_1mp = _log_on_off_from(cache[0], cache[1], rule)
        caches.append(cache)
        if layer == 1:
            total += _bernoulli_terms(x, 0.0, 0.0, log_p, log_1mp)  # cross-entropy of the data
        else:
            a = logits[layer - 2]
            total += _bernoulli_terms(q[layer - 1], *log_on_off(a, "sigmoid"), log_p, log_1mp)
            with np.errstate(invalid="ignore"):
                logit_p.append(log_p - log_1mp)
    if np.isnan(total).any():  # not expected: the machine keeps every input finite (MAX_ABS_INPUT)
        raise ValueError(f"the mean-field F is NaN for row(s) {_rows(np.flatnonzero(np.isnan(total)))} of x")
    if w is None:
        return total, None
    infinite = np.flatnonzero(np.isinf(total))
    if infinite.size:
        raise ValueError(
            f"the mean-field p(x) = 0 for row(s) {_rows(infinite)} of x: F is +inf there (a unit that x or a "
            f"recognition mean needs on has mean-field probability exactly 0, an odds unit with input 0), so "
            f"the gradient of F is undefined; leave such rows out or give the unit a positive bias"
        )

    grads = {"theta": [None] * (L - 1), "theta_bias": [None] * L, "phi": [None] * (L - 1), "phi_bias": [None] * (L - 1)}
    d_q = [np.zeros_like(v) for v in q]  # dF/dq^l, accumulated, (batch, n_l)
    for layer in range(1, L + 1):
        d_theta, d_bias, d_parent = _layer_backward(
            hm, layer, _parents(hm, q, layer), q[layer - 1], w, rule, caches[layer - 1]
        )
        grads["theta_bias"][layer - 1] = d_bias
        if layer < L:
            grads["theta"][layer - 1] = d_theta
            d_q[layer] += d_parent
        if layer >= 2:
            # direct term of KL(q||p) in q: log q - log(1-q) - logit p = a - logit p
            d_q[layer - 1] += w[:, None] * (logits[layer - 2] - logit_p[layer - 2])
    for layer in range(L, 1, -1):  # back through Eq. (9), top layer first
        qa = q[layer - 1]
        d_a = d_q[layer - 1] * qa * (1.0 - qa)  # dF/da^l, (batch, n_l)
        grads["phi"][layer - 2] = q[layer - 2].T @ d_a
        grads["phi_bias"][layer - 2] = d_a.sum(axis=0)
        if layer > 2:
            d_q[layer - 2] += d_a @ hm.phi[layer - 2].T
    return total, grads


def free_energy(hm, x, rule=None):
    """Mean-field free energy F per pattern, in nats: Eq. (12) of the design document with the sign corrected, notebook 07.

    F = sum_{l>=2} sum_j KL(q_j^l || p_j^l) - sum_j [x_j log p_j^1 + (1 - x_j) log(1 - p_j^1)],
    with q from Eq. (9) and p from ``generative_means`` (``rule``). F >= 0; it is +inf for a
    pattern that needs a unit whose probability is exactly 0 (odds rules with b = 0).

    Parameters
    ----------
    x : array_like, shape (batch, n_1), values in [0, 1].
    rule : ``"sigmoid"``, ``"eq11"``, ``"naive"`` or None (the machine's default).

    Returns
    -------
    ndarray, shape (batch,).
    """
    rule = check_rule(hm, rule)
    x = as_data(x, hm.sizes[0], binary=False)
    return _evaluate(hm, x, rule)[0]


def gradients(hm, x, rule=None, weights=None):
    """Gradient of the batch-summed mean-field F (Eq. (12)) by the chain rule, notebook 07.

    Differentiates sum_n w_n F(x_n) (``free_energy``) with respect to every parameter. Raises
    ``ValueError`` naming the rows of x where the mean-field p(x) = 0 (F = +inf), where the
    gradient is undefined, rather than returning NaN.

    Parameters
    ----------
    x : array_like, shape (batch, n_1), values in [0, 1].
    rule : ``"sigmoid"``, ``"eq11"``, ``"naive"`` or None (the machine's default).
    weights : array_like, shape (batch,), non-negative, or None (all ones: the plain sum).

    Returns
    -------
    dict with keys ``"theta"``, ``"theta_bias"``, ``"phi"``, ``"phi_bias"``: lists of arrays
    shaped like the machine's parameters.
    """
    return free_energy_and_gradients(hm, x, rule, weights)[1]


def free_energy_and_gradients(hm, x, rule=None, weights=None):
    """``free_energy`` (shape (batch,)) and ``gradients`` from one forward pass; what training calls.

    Raises ``ValueError`` for rows with F = +inf, or whose gradient is not finite (see ``gradients``).
    """
    rule = check_rule(hm, rule)
    x = as_data(x, hm.sizes[0], binary=False)
    w = _check_weights(weights, x.shape[0])
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite gradient is refused just below
        total, grads = _evaluate(hm, x, rule, w)
    if not _all_finite(grads):
        _refuse_non_finite_gradient(hm, x, rule, w)
    return total, grads


def _all_finite(grads):
    return all(np.all(np.isfinite(g)) for arrays in grads.values() for g in arrays)


def _refuse_non_finite_gradient(hm, x, rule, w):
    """Raise ``ValueError`` naming the rows of x whose own gradient (weight 1) is not finite."""
    bad = []
    with np.errstate(invalid="ignore", over="ignore"):
        for n in range(x.shape[0]):
            if not _all_finite(_evaluate(hm, x[n : n + 1], rule, np.ones(1))[1]):
                bad.append(n)
    if not bad:
        raise ValueError(
            f"weights (largest {w.max():.3g}) make the gradient of F overflow; expected smaller weights "
            f"(for example probabilities that sum to 1)"
        )
    raise ValueError(
        f"the gradient of the mean-field F is not finite for row(s) {_rows(bad)} of x: a unit's generative "
        f"probability is exactly 0 or 1 where its recognition mean has underflowed to the same value, so F is "
        f"at the edge of +inf and has no gradient there"
    )


# ---------------------------------------------------------------------------- one unit, three answers
def _check_unit(q, theta, b):
    q = as_array(q, "q", ndim=1)
    theta = as_array(theta, "theta", ndim=1)
    if theta.shape != q.shape or q.size == 0:
        raise ValueError(f"q has shape {q.shape} and theta {theta.shape}; expected two 1-D arrays of the same length")
    if q.size > MAX_PARENTS:
        raise ValueError(
            f"q has {q.size} parents; unit_probabilities sums over all 2^K parent states and takes at most "
            f"MAX_PARENTS = {MAX_PARENTS} (2^{q.size} states would not fit in memory)"
        )
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"q contains the value {q[(q < 0) | (q > 1)][0]}; expected probabilities in [0, 1]")
    if np.any(theta < 0):
        raise ValueError(f"theta contains the negative value {theta[theta < 0][0]}; the odds rule needs weights >= 0")
    b = as_real(b, "b", low=0.0)  # the odds rule needs a finite bias >= 0
    if not np.isfinite(b + theta.sum()):
        raise ValueError(f"b + sum(theta) overflows to {b + theta.sum()}; expected an input that stays finite")
    return q, theta, b


def unit_probabilities(q, theta, b):
    """One odds unit with K independent parents: Eq. (11), the exact E_Q[p] and the naive value (notebook 06).

    The parents are on independently with probabilities q; the unit follows the odds rule
    p(s) = 1 - 1/(1 + b + s @ theta) (notes section 3).

    Parameters
    ----------
    q : array_like, shape (K,), parent means in [0, 1]; K <= ``MAX_PARENTS`` (20).
    theta : array_like, shape (K,), weights >= 0.
    b : float >= 0, the bias.

    Returns
    -------
    dict with floats ``"eq11"`` (Eq. (11) with the bias as an always-on parent), ``"exact"``
    (E_Q[p(s)], summed over all 2^K parent states) and ``"naive"`` (1 - 1/(1 + b + q @ theta),
    which Jensen's inequality keeps >= ``"exact"`` because the odds rule is concave in its input).
    """
    q, theta, b = _check_unit(q, theta, b)
    states = ((np.arange(2 ** q.size)[:, None] >> np.arange(q.size)[None, :]) & 1).astype(float)  # (2^K, K)
    prob = np.prod(np.where(states == 1, q, 1.0 - q), axis=1)  # Q(s), (2^K,)
    u_states = b + states @ theta
    exact_p = float(prob @ (u_states / (1.0 + u_states)))
    u = b + q @ theta
    naive = u / (1.0 + u)
    eq11 = naive * (1.0 - np.prod(1.0 - q * theta / (1.0 + theta)) / (1.0 + b))
    return {"eq11": float(eq11), "exact": exact_p, "naive": float(naive)}
