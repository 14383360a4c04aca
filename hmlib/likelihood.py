"""The average log-likelihood of a data distribution, its exact gradient in theta, and projected
gradient ascent on it (notebook 11).

For a data distribution that gives pattern x_i the probability p_i,

    l(theta) = sum_i p_i log p(x_i)                                (nats)
    dl/dtheta = sum_i p_i E_{P(z | x_i)}[d log p(x_i, z)/dtheta]    (differentiate log sum_z p(x, z))

and KL[p_data || p_model] = -H(p_data) - l, so ascending l is descending the KL that notebooks 09
and 11 report (Dayan, Hinton, Neal & Zemel 1995; Hinton, Dayan, Frey & Neal 1995). Only the
generative parameters theta (weights and biases) enter; the recognition model Q plays no part.

Notebook 11 starts :func:`projected_ascent` at machines where wake-sleep or reweighted wake-sleep
stalled: exact steps on l, with the generative weights to the pixels kept >= 0 as in training
(``positive_visible_weights``), show how far log p itself lets a machine climb from there;
:func:`projected_gradient_length` says whether a point is stationary under that constraint.
tests/test_likelihood.py checks the gradient against central differences of plain loops.

Sigmoid machines only (Eq. (10)); every hidden configuration is enumerated, so the machine may
have at most :data:`hmlib.exact.MAX_HIDDEN` hidden units, and the working arrays are refused
before allocation if they would exceed :data:`hmlib._checks.MAX_ARRAY_BYTES`.
"""

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

from hmlib import exact
from hmlib._checks import as_count, as_machine, as_real, check_bytes, describe
from hmlib.evaluation import check_distribution
from hmlib.exact import _softplus
from hmlib.model import HelmholtzMachine

STEP_SIZE = 2.0  # nats^-1: every stalled bars machine of notebook 11 climbs monotonically at this step
_KEYS = ("theta", "theta_bias")


def _logsumexp_rows(a):
    """log sum_j exp(a[i, j]) per row of a finite (rows, columns) array; scipy's logsumexp costs
    more in checks than in arithmetic at these sizes, a thousand steps in a row."""
    top = a.max(axis=1)  # (rows,)
    return top + np.log(np.exp(a - top[:, None]).sum(axis=1))


class _Tables:
    """The hidden configurations of a machine of ``sizes``, indexed for :func:`_value_and_gradient`.

    ``states[i]`` (2^{n_{i+2}}, n_{i+2}): every state of hidden layer i+2 (i = 0 for layer 2);
    ``index[i]`` (2^H,): the state of that layer in each configuration, configurations in the
    order of :mod:`hmlib.exact` (layer 2 most significant, so the 2^{H - n_2} configurations that
    share a layer-2 state are contiguous); ``pair[i]`` (2^H,): the (state of layer i+2, state of
    its parent i+3) of each configuration, as one index into a (2^{n_{i+2}}, 2^{n_{i+3}}) table.
    """

    def __init__(self, sizes, n_patterns):
        hidden = sizes[1:]
        exact._check_n_hidden(sum(hidden))
        check_bytes((2 ** sum(hidden),), "one number per hidden configuration of the machine")
        check_bytes((n_patterns, 2 ** hidden[0]), "the posterior of every pattern over the layer-2 states")
        for n, parent in zip(hidden, hidden[1:] + (0,)):
            check_bytes((2**n, 2**parent + n), "the states of a hidden layer and its table of pairs")
        self.sizes = sizes
        self.states = [exact.binary_patterns(n) for n in hidden]
        self.n_upper = 2 ** sum(hidden[1:])  # configurations of the layers above layer 2 (1 if none)
        config = np.arange(2 ** sum(hidden), dtype=np.intp)  # intp: np.bincount's index type, 32 bits in the browser
        shift = np.cumsum([0] + list(hidden[::-1]))[::-1][1:]  # bits below each layer's block
        self.index = [(config >> int(b)) & (2**n - 1) for b, n in zip(shift, hidden)]
        self.pair = [self.index[i] * 2 ** hidden[i + 1] + self.index[i + 1] for i in range(len(hidden) - 1)]


def _value_and_gradient(theta, theta_bias, tables, x, probs):
    """l = sum_i p_i log p(x_i) and dl/dtheta, for raw parameter lists (no checks).

    p(x) = sum_{s^2} p(x | s^2) p(s^2): the visible term is computed once per layer-2 state and the
    prior p(s^2) = sum over the layers above of p(s^2, ..., s^L), as in :func:`hmlib.exact.log_evidence`;
    each hidden layer's term log p(s^l | s^{l+1}) once per (state, parent state) pair. The
    posterior factorises as P(s^2 | x) P(s^3, ..., s^L | s^2), the second factor free of x.
    """
    states, n_hidden = tables.states, len(tables.states)
    # log p(s^2, ..., s^L) for every configuration, (2^H,): the top layer's prior, then each layer given its parent
    top = states[-1]  # (2^{n_L}, n_L)
    log_prior = (top @ theta_bias[-1] - _softplus(theta_bias[-1]).sum())[tables.index[-1]]
    on = []  # sigma(u) of each hidden layer below the top, one row per parent state
    for i in range(n_hidden - 1):  # layer i+2 given its parent, layer i+3
        u = states[i + 1] @ theta[i + 1] + theta_bias[i + 1]  # (2^{n_{i+3}}, n_{i+2}): one row per parent state
        softplus = _softplus(u)
        on.append(np.exp(u - softplus))  # sigma(u), from the softplus already computed
        table = states[i] @ u.T - softplus.sum(axis=1)[None, :]  # (2^{n_{i+2}}, 2^{n_{i+3}})
        log_prior = log_prior + table.ravel()[tables.pair[i]]
    by_s2 = log_prior.reshape(len(states[0]), tables.n_upper)  # (2^{n_2}, configurations above)
    log_p_s2 = _logsumexp_rows(by_s2)  # (2^{n_2},)
    upper_given_s2 = np.exp(by_s2 - log_p_s2[:, None])  # P(s^3..s^L | s^2), rows sum to 1
    # log p(x | s^2) + log p(s^2), (batch, 2^{n_2})
    u1 = states[0] @ theta[0] + theta_bias[0]  # (2^{n_2}, n_1)
    softplus = _softplus(u1)
    log_joint = x @ u1.T + (log_p_s2 - softplus.sum(axis=1))[None, :]
    top_x = log_joint.max(axis=1)  # (batch,)
    joint = np.exp(log_joint - top_x[:, None])  # p(x, s^2) / max
    total = joint.sum(axis=1)  # p(x) / max, (batch,)
    weights = joint * (probs / total)[:, None]  # p_i P(s^2 | x_i), (batch, 2^{n_2})
    r = weights.sum(axis=0)  # (2^{n_2},)
    # visible layer: d log p(x | s^2)/du1 = x - sigma(u1)
    delta = weights.T @ x - r[:, None] * np.exp(u1 - softplus)  # (2^{n_2}, n_1)
    d_theta, d_bias = [states[0].T @ delta], [delta.sum(axis=0)]
    # hidden layers: every configuration weighted by sum_i p_i P(z | x_i), summed per (state, parent state)
    w = (r[:, None] * upper_given_s2).ravel()  # (2^H,)
    for i in range(n_hidden - 1):
        shape = (len(states[i]), len(states[i + 1]))
        pair_weight = np.bincount(tables.pair[i], weights=w, minlength=shape[0] * shape[1]).reshape(shape)
        parent_weight = pair_weight.sum(axis=0)  # (2^{n_{i+3}},)
        delta = pair_weight.T @ states[i] - parent_weight[:, None] * on[i]  # (2^{n_{i+3}}, n_{i+2})
        d_theta.append(states[i + 1].T @ delta)
        d_bias.append(delta.sum(axis=0))
    top_weight = np.bincount(tables.index[-1], weights=w, minlength=len(top))  # (2^{n_L},)
    d_bias.append(top_weight @ top - top_weight.sum() * expit(theta_bias[-1]))  # the top layer's prior
    return float(probs @ (top_x + np.log(total))), {"theta": d_theta, "theta_bias": d_bias}


def _check(hm, patterns, probs):
    hm = as_machine(hm)
    if hm.imaging != "sigmoid":
        raise ValueError(f"the machine uses imaging {hm.imaging!r}; the exact theta gradient here needs 'sigmoid'")
    exact._check_n_hidden(hm.n_hidden)
    patterns, probs = check_distribution(patterns, probs, hm.sizes[0])
    return hm, patterns, probs, _Tables(hm.sizes, len(patterns))


def average_log_likelihood(hm, patterns, probs):
    """sum_i p_i log p(x_i), exact, in nats: minus the cross-entropy of the data under the model.

    Parameters
    ----------
    hm : HelmholtzMachine, sigmoid, at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
    patterns : array_like, shape (k, n_1), binary, every pattern once.
    probs : array_like, shape (k,), their probabilities (>= 0, summing to 1).

    Returns
    -------
    float, <= 0. KL[p_data || p_model] in nats is -H(p_data) minus it.
    """
    hm, patterns, probs, tables = _check(hm, patterns, probs)
    return _value_and_gradient(hm.theta, hm.theta_bias, tables, patterns, probs)[0]


def average_log_likelihood_gradient(hm, patterns, probs):
    """d/dtheta of sum_i p_i log p(x_i) = sum_i p_i E_{P(z | x_i)}[d log p(x_i, z)/dtheta], exact.

    The same as :func:`hmlib.iwae.log_evidence_gradient` with ``weights=probs``, computed once per
    layer-2 state instead of once per pattern (fast enough for a thousand steps of ascent).
    Parameters as :func:`average_log_likelihood`.

    Returns
    -------
    dict with ``"theta"`` and ``"theta_bias"``, lists of arrays shaped like the machine's.
    """
    hm, patterns, probs, tables = _check(hm, patterns, probs)
    return _value_and_gradient(hm.theta, hm.theta_bias, tables, patterns, probs)[1]


def projected_gradient_length(hm, grads, nonnegative_visible=True):
    """The Euclidean length of the gradient over every theta, with the components that would push
    a visible weight already at 0 below it set to 0 (the step the constraint allows).

    grads : dict with ``"theta"`` and ``"theta_bias"`` shaped like ``hm``'s (as returned above).
    Returns a float >= 0; 0 at a stationary point of the constrained problem.
    """
    hm = as_machine(hm)
    parts = [np.asarray(g, float).ravel() for key in _KEYS for g in grads[key]]
    if nonnegative_visible:
        blocked = (hm.theta[0] <= 0) & (np.asarray(grads["theta"][0]) < 0)
        parts[0] = np.where(blocked.ravel(), 0.0, parts[0])
    return float(np.linalg.norm(np.concatenate(parts)))


def projected_ascent(hm, patterns, probs, steps=1000, step_size=STEP_SIZE, nonnegative_visible=True):
    """Exact projected gradient ascent on l = sum_i p_i log p(x_i) in theta, from ``hm``.

    Each step: theta += step_size * dl/dtheta (every generative weight and bias), then, with
    ``nonnegative_visible``, the weights to the visible units theta[0] are set to max(theta[0], 0)
    (the constraint of wake-sleep and reweighted wake-sleep on the bars; a start that breaks it is
    projected first). phi is not touched. Deterministic: no sampling.

    Parameters
    ----------
    hm : HelmholtzMachine, sigmoid, at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
    patterns, probs : the data distribution, as :func:`average_log_likelihood`.
    steps : int >= 1.
    step_size : float > 0. The default, 2, is small enough that l rises at every step from each
        stalled bars machine of notebook 11.
    nonnegative_visible : bool.

    Returns
    -------
    machine : HelmholtzMachine, the machine after the last step (a copy; ``hm`` is not modified).
    log_likelihood : ndarray, shape (steps + 1,), l in nats before each step and after the last.
    """
    hm, patterns, probs, tables = _check(hm, patterns, probs)
    steps = as_count(steps, "steps", maximum=10**7)
    step_size = as_real(step_size, "step_size", low=0.0, low_open=True)
    if not isinstance(nonnegative_visible, (bool, np.bool_)):
        raise TypeError(f"nonnegative_visible is {describe(nonnegative_visible)}; expected True or False")
    theta = [a.copy() for a in hm.theta]
    theta_bias = [a.copy() for a in hm.theta_bias]
    if nonnegative_visible:
        np.maximum(theta[0], 0.0, out=theta[0])
    values = np.empty(steps + 1)
    # the matrices are small: extra BLAS threads only add overhead (and spin on a loaded machine)
    with threadpool_limits(limits=1, user_api="blas"):
        for step in range(steps):
            values[step], grads = _value_and_gradient(theta, theta_bias, tables, patterns, probs)
            for param, g in zip(theta + theta_bias, grads["theta"] + grads["theta_bias"]):
                param += step_size * g
            if nonnegative_visible:
                np.maximum(theta[0], 0.0, out=theta[0])
        values[steps] = _value_and_gradient(theta, theta_bias, tables, patterns, probs)[0]
    return HelmholtzMachine(theta, theta_bias, hm.phi, hm.phi_bias, imaging="sigmoid"), values
