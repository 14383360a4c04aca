"""The importance-weighted bound L_K, exact by enumeration, and the bias of K-sample weights (notebook 11).

Burda, Grosse & Salakhutdinov (2016), "Importance weighted autoencoders", ICLR:

    L_K = E_{z_1, ..., z_K ~ Q} [ log (1/K) sum_k p(x, z_k) / Q(z_k | x) ].

L_1 = -F, the negative free energy of Eq. (6) with its entropy term (the ELBO);
L_K <= L_{K+1} <= log p(x) = log Z; and L_K -> log Z as K grows.

On a machine with H hidden units Q^K has 2^(H K) K-tuples, few enough to enumerate for H = 4,
K <= 4: :func:`importance_bound` sums over all of them. :func:`expected_weights` gives, for every
configuration z, the expected total normalised weight E[sum_k omega_k 1{z_k = z}] that the
K-sample estimate puts on z; the exact average of the K-sample theta update of reweighted
wake-sleep (:mod:`hmlib.rws`) is the sum of d log p(x, z)/d theta with these weights
(:func:`expected_theta_update`), while the exact gradient of log p(x) uses the posterior P(z | x)
(:func:`log_evidence_gradient`). Their difference is the bias of self-normalised importance
weights (:func:`gradient_bias`): it is the wake phase's for K = 1 and vanishes as K grows. The
same average is exactly the gradient of L_K in theta (Q does not depend on theta): the K-sample
theta step is unbiased for L_K and biased only for log p(x) (Burda et al. 2016, Section 3).

How fast L_K closes on log Z: :func:`chi_square` gives chi^2(P || Q) = Var_Q(w) / p(x)^2, and
log Z - L_K ~ chi^2 / (2K) once K is well above chi^2; :func:`importance_bound_quadrature`
computes L_K exactly (up to a one-dimensional integral) for any K, far beyond enumeration.
"""

import numpy as np
from scipy import integrate
from scipy.special import logsumexp

from hmlib import exact
from hmlib._checks import as_array, as_count, as_data, as_int, as_machine, as_rng, check_bytes
from hmlib.rws import weighted_wake_direction

MAX_QUADRATURE_K = 10**9  # importance_bound_quadrature: far beyond any K whose gap is visible in float64
MAX_TUPLES = 2**24  # K-tuples enumerated per data vector: 2^24 take seconds; more would take minutes
_CHUNK = 2**18  # K-tuples per working array (a few MB)


def _prepare(hm, x, k):
    """Check the arguments; return x (batch, n_1) and k, refusing 2^(H K) > MAX_TUPLES first."""
    as_machine(hm)
    x = as_data(x, hm.sizes[0])
    k = as_int(k, "k (samples per data vector)", low=1)
    n_tuples = 2 ** (hm.n_hidden * k)  # a Python int: no overflow
    if n_tuples > MAX_TUPLES:
        raise ValueError(
            f"k is {k} and the machine has {hm.n_hidden} hidden units: enumerating Q^k means "
            f"2^({hm.n_hidden} x {k}) K-tuples; the limit is MAX_TUPLES = 2^24 (use a smaller k or "
            f"machine, or the Monte-Carlo importance_bound_estimate)"
        )
    check_bytes((_CHUNK, k), "one chunk of K-tuples (k columns)")
    return x, k


def log_weights(hm, x):
    """log p(x, z) and log Q(z | x) for every hidden configuration, each of shape (batch, 2^H).

    In the configuration order of :mod:`hmlib.exact`.
    """
    as_machine(hm)
    x = as_data(x, hm.sizes[0])
    hidden = exact._split_layers(hm.sizes, exact.hidden_configurations(hm))
    return exact.log_joint(hm, x), exact._recognition_log_prob(hm, x, hidden)


def _tuples(n_configs, k):
    """Chunks of all K-tuples of configuration indices, each of shape (chunk, k), base-n digits."""
    total = n_configs**k
    powers = n_configs ** np.arange(k - 1, -1, -1, dtype=np.int64)  # (k,)
    for start in range(0, total, _CHUNK):
        index = np.arange(start, min(total, start + _CHUNK), dtype=np.int64)
        yield (index[:, None] // powers[None, :]) % n_configs  # (chunk, k)


def _row_terms(log_joint, log_q):
    """Support of Q for one row: log Q and log w = log p - log Q on the configurations with Q > 0."""
    keep = np.isfinite(log_q)
    return np.flatnonzero(keep), log_q[keep], log_joint[keep] - log_q[keep]


def importance_bound(hm, x, k):
    """The importance-weighted bound L_K of Burda et al. (2016), exact, per row of x.

    L_K = sum over all K-tuples (z_1..z_K) of prod_k Q(z_k | x) * log (1/K) sum_k p(x, z_k)/Q(z_k | x).

    Parameters
    ----------
    hm : HelmholtzMachine, H hidden units with 2^(H k) <= MAX_TUPLES.
    x : array_like, shape (batch, n_1), binary.
    k : int >= 1, samples per data vector.

    Returns
    -------
    ndarray, shape (batch,), nats. L_1 = -F (:func:`hmlib.exact.free_energy`); L_K <= log p(x).
    """
    x, k = _prepare(hm, x, k)
    log_joint, log_q = log_weights(hm, x)
    out = np.empty(len(x))
    for b in range(len(x)):
        _, lq, lw = _row_terms(log_joint[b], log_q[b])
        total = 0.0
        for t in _tuples(len(lq), k):
            value = logsumexp(lw[t], axis=1) - np.log(k)  # (chunk,)
            prob = np.exp(lq[t].sum(axis=1))  # (chunk,)
            with np.errstate(invalid="ignore"):  # prob > 0 everywhere, so prob * -inf = -inf
                total += np.sum(prob * value)
        out[b] = total
    return out


def expected_weights(hm, x, k):
    """E_{Q^K}[sum_k omega_k 1{z_k = z}] for every configuration z: shape (batch, 2^H), rows sum to 1.

    omega_k = w_k / sum_j w_j are the normalised importance weights of K samples from Q. For K = 1
    this is Q(z | x); as K grows it tends to the posterior P(z | x). Rows with p(x) = 0 (every
    weight 0) are refused, where the weights are 0/0.
    """
    x, k = _prepare(hm, x, k)
    log_joint, log_q = log_weights(hm, x)
    exact._refuse_impossible(logsumexp(log_joint, axis=1), "the normalised importance weights")
    out = np.zeros(log_q.shape)
    for b in range(len(x)):
        support, lq, lw = _row_terms(log_joint[b], log_q[b])
        if not np.isfinite(lw).any():  # Q misses every configuration with p(x, z) > 0: omega is 0/0
            raise ValueError(f"row {b} of x: Q gives probability 0 to every z with p(x, z) > 0; omega is undefined")
        for t in _tuples(len(lq), k):
            prob = np.exp(lq[t].sum(axis=1))  # (chunk,)
            lw_t = lw[t]  # (chunk, k)
            norm = logsumexp(lw_t, axis=1, keepdims=True)  # (chunk, 1)
            with np.errstate(invalid="ignore"):  # tuples of weight 0 only: omega 0/0, given weight 0 here
                omega = np.where(np.isfinite(norm), np.exp(lw_t - norm), 0.0)  # (chunk, k)
            # tuples whose every weight is 0 cannot carry an estimate; their probability goes nowhere,
            # so rows where that happens do not sum to 1 (only possible when p(x, z) = 0 for some z)
            np.add.at(out[b], support[t.ravel()], (omega * prob[:, None]).ravel())
    return out


def _config_gradients(hm, x_row, weights):
    """sum_z weights[z] * d log p(x, z)/d theta for one data vector x_row (n_1,), weights (2^H,)."""
    configs = exact.hidden_configurations(hm)  # (2^H, H)
    states = [np.repeat(x_row[None, :], len(configs), axis=0)] + exact._split_layers(hm.sizes, configs)
    return weighted_wake_direction(hm.theta, hm.theta_bias, states, weights)


def _summed_gradients(hm, x, weights):
    """Sum over rows b of sum_z weights[b, z] d log p(x_b, z)/d theta, as a dict like wake_gradient's."""
    d_theta = [np.zeros_like(a) for a in hm.theta]
    d_bias = [np.zeros_like(a) for a in hm.theta_bias]
    for b in range(len(x)):
        g_theta, g_bias = _config_gradients(hm, x[b], weights[b])
        for total, g in zip(d_theta + d_bias, g_theta + g_bias):
            total += g
    return {"theta": d_theta, "theta_bias": d_bias}


def _check_sigmoid(hm):
    if as_machine(hm).imaging != "sigmoid":
        raise ValueError(f"the machine uses imaging {hm.imaging!r}; the theta updates here need 'sigmoid'")


def expected_theta_update(hm, x, k):
    """The K-sample theta update sum_k omega_k d log p(x, z_k)/d theta, averaged exactly over Q^K.

    Summed over the rows of x. It equals dL_K/dtheta exactly (the update is unbiased for the bound;
    tests/test_iwae.py checks it against central differences of :func:`importance_bound`). For
    K = 1 it is the expected wake-phase update, -dF/dtheta; as K grows it tends to
    :func:`log_evidence_gradient`.

    Returns dict with ``"theta"`` and ``"theta_bias"``, lists shaped like the machine's.
    """
    _check_sigmoid(hm)
    x, k = _prepare(hm, x, k)
    return _summed_gradients(hm, x, expected_weights(hm, x, k))


def log_evidence_gradient(hm, x, weights=None):
    """d log p(x)/d theta = E_{P(z | x)}[d log p(x, z)/d theta], exact, summed over the rows of x.

    weights : None (every row counts once) or array_like, shape (batch,), >= 0: the sum is
    sum_b weights[b] d log p(x_b)/d theta, e.g. the data probabilities, for the gradient of the
    average log-likelihood under a data distribution (notebook 11).

    Returns dict with ``"theta"`` and ``"theta_bias"``, lists shaped like the machine's.
    """
    _check_sigmoid(hm)
    x = as_data(x, hm.sizes[0])
    posterior = exact.posterior(hm, x)  # (batch, 2^H)
    if weights is not None:
        weights = as_array(weights, "weights", ndim=1)
        if weights.shape != (len(x),) or np.any(weights < 0):
            raise ValueError(f"weights has shape {weights.shape} and minimum {weights.min(initial=0.0)}; "
                             f"expected ({len(x)},) non-negative numbers, one per row of x")
        posterior = posterior * weights[:, None]
    return _summed_gradients(hm, x, posterior)


def _flat(grads):
    return np.concatenate([a.ravel() for a in grads["theta"] + grads["theta_bias"]])


def gradient_bias(hm, x, k):
    """|| E_{Q^K}[K-sample theta update] - d log p(x)/d theta ||, the Euclidean norm over all of theta.

    Both summed over the rows of x. The bias of self-normalised importance weights; for K = 1 it is
    the norm of dKL(Q || P)/dtheta, the wake phase's bias. Returns a float >= 0.
    """
    return float(np.linalg.norm(_flat(expected_theta_update(hm, x, k)) - _flat(log_evidence_gradient(hm, x))))


def importance_bound_estimate(hm, x, k, n_samples=1000, seed=None):
    """Monte-Carlo estimate of L_K: the average of log (1/K) sum_k w_k over n_samples K-tuples from Q.

    Returns ``(estimate, standard_error)``, each of shape (batch,), nats.
    """
    as_machine(hm)
    x = as_data(x, hm.sizes[0])
    k = as_count(k, "k (samples per data vector)")
    n_samples = as_count(n_samples, "n_samples")
    check_bytes((len(x) * n_samples * k, sum(hm.sizes)), "the samples (rows of x x n_samples x k)")
    rng = as_rng(seed)
    rows = np.repeat(x, n_samples * k, axis=0)  # (batch * n_samples * k, n_1)
    states = hm._sample_recognition(rows, rng)
    log_w = hm._generative_log_prob(states) - hm._recognition_log_prob(states)
    values = logsumexp(log_w.reshape(len(x), n_samples, k), axis=2) - np.log(k)  # (batch, n_samples)
    spread = values.std(axis=1, ddof=1) if n_samples > 1 else np.full(len(x), np.inf)
    return values.mean(axis=1), spread / np.sqrt(n_samples)


# ---------------------------------------------------------------------- how fast L_K closes the gap
def chi_square(hm, x):
    """chi^2(P || Q) = sum_z P(z | x)^2 / Q(z | x) - 1 = Var_Q(w) / p(x)^2, exact, per row of x.

    The variance under Q of the normalised importance weight w / p(x) = P(z | x) / Q(z | x)
    (its mean is 1). By the delta method, log Z - L_K ~ chi^2 / (2K) as K grows (notebook 11):
    this, not KL(Q || P), sets how fast the bound closes at large K.

    Returns
    -------
    ndarray, shape (batch,), >= 0; +inf where Q(z | x) = 0 for a configuration with P(z | x) > 0.
    Raises ``ValueError`` for rows with p(x) = 0 (as :func:`hmlib.exact.posterior`).
    """
    log_joint, log_q = log_weights(hm, x)
    log_z = logsumexp(log_joint, axis=1)  # (batch,)
    exact._refuse_impossible(log_z, "chi^2(P || Q), a divergence of the posterior p(z | x),")
    log_p = log_joint - log_z[:, None]  # log P(z | x), (batch, 2^H)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(np.isneginf(log_p), -np.inf, 2 * log_p - log_q)  # P = 0 adds nothing, even where Q = 0
    return np.maximum(np.expm1(logsumexp(terms, axis=1)), 0.0)  # rounding can give -1e-16 when Q = P


def importance_bound_quadrature(hm, x, k):
    """L_K for any K, exact up to a one-dimensional quadrature, per row of x (nats).

    With S = (1/K) sum_k w_k / p(x) and Frullani's integral log s = int_0^inf (e^-t - e^-st) dt/t,
    the K independent samples factorise:

        log Z - L_K = -E[log S] = int_0^inf (M(t/K)^K - e^-t) dt/t,   M(tau) = E_Q[exp(-tau w / p(x))],

    and M is a sum over the 2^H configurations. The integral is taken over u = log t with
    ``scipy.integrate.quad``; tests/test_iwae.py checks it against :func:`importance_bound` (every
    K-tuple) to 1e-9 nats and against the binomial closed form of one hidden unit up to K = 200.
    It reaches K far beyond enumeration (notebook 11).

    Parameters
    ----------
    hm : HelmholtzMachine with at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
    x : array_like, shape (batch, n_1), binary.
    k : int, 1 <= k <= MAX_QUADRATURE_K.

    Returns
    -------
    ndarray, shape (batch,): L_K <= log p(x); -inf where Q puts mass on a configuration with
    p(x, z) = 0 (all K samples there has probability > 0, and log 0 = -inf).
    """
    k = as_int(k, "k (samples per data vector)", low=1, high=MAX_QUADRATURE_K)
    log_joint, log_q = log_weights(hm, x)
    log_z = logsumexp(log_joint, axis=1)  # (batch,)
    exact._refuse_impossible(log_z, "L_K")
    out = np.empty(len(log_z))
    for b in range(len(out)):
        _, lq, lw = _row_terms(log_joint[b], log_q[b])  # the support of Q
        out[b] = -np.inf if np.isneginf(lw).any() else log_z[b] - _gap_integral(lq, np.exp(lw - log_z[b]), k)
    return out


def _gap_integral(log_q, w, k):
    """int_0^inf (M(t/k)^k - e^-t) dt/t for weights w > 0 (mean 1 under Q), over u = log t.

    Written as e^-t expm1(k log E_Q[exp(-(t/k)(w - 1))]), a small number computed without
    subtracting two numbers near e^-t.
    """
    q = np.exp(log_q - logsumexp(log_q))  # Q sums to 1 to the last bit
    excess = w - 1.0  # (configurations,), mean 0 under Q, > -1

    def integrand(u):
        t = np.exp(u)
        tau = t / k
        if tau < 1.0:  # log E_Q[e^(-tau excess)] = log1p(sum Q expm1(-tau excess)): no k * 1e-16 round-off
            a = k * np.log1p(q @ np.expm1(-tau * excess))
        else:
            a = k * logsumexp(log_q - tau * excess)
        # a = log(M(tau)^k e^t) >= 0 and a - t = k log M(tau) <= 0
        return np.exp(-t) * np.expm1(a) if a < 1.0 else np.exp(a - t) - np.exp(-t)

    # below t = 1e-6 k / max w the integrand is below ~1e-12 t^2 (it starts as t^2 chi^2 / 2k); above
    # t = 40 k / min w every term of M^k is below e^-40k, and e^-t below e^-40
    low, high = np.log(1e-6 * k / w.max()), np.log(max(40.0 * k / w.min(), 40.0))
    bends = np.log(k / w)  # where each configuration's term exp(-t w / k) falls off
    points = np.unique(bends[(bends > low) & (bends < high)])
    value, _ = integrate.quad(integrand, low, high, points=points, limit=1000, epsabs=1e-12, epsrel=1e-9)
    return max(value, 0.0)  # the gap is >= 0 (Jensen); quadrature can leave -1e-16 when Q = P
