"""How good is a trained generative model? Exact scores for small machines, estimates for large ones.

- :func:`kl_data_model_bits`: the asymmetric divergence KL[p_data || p_model] in bits, for a
  data distribution known exactly (bars, shifter); the paper's bars figure is 0.10 bits
  (notes section 4, notebook 09).
- :func:`exact_nll`: the average code length -log p(x) of a data set, exact by enumeration.
- :func:`importance_log_evidence`: an importance-sampling estimate of log p(x) = log Z (Eq. (6))
  with the recognition model Q as proposal, and its standard error, for machines too large to
  enumerate (notebook 09).

The exact ones enumerate the hidden states through :func:`hmlib.exact.log_evidence`, so they
accept machines with at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
"""

import numpy as np
from scipy.special import logsumexp

from hmlib import exact
from hmlib._checks import as_count, as_data, as_rng
from hmlib.model import HelmholtzMachine

_UNITS = {"bits": np.log(2.0), "nats": 1.0}


def _check_machine(hm):
    if not isinstance(hm, HelmholtzMachine):
        raise ValueError(f"hm is a {type(hm).__name__}; expected a HelmholtzMachine")
    return hm


def _check_unit(unit):
    if unit not in _UNITS:
        raise ValueError(f"unit is {unit!r}; expected 'bits' or 'nats'")
    return _UNITS[unit]


def check_distribution(patterns, probs, width):
    """Return ``(patterns, probs)`` as checked float arrays, or raise ``ValueError``.

    patterns : array_like, shape (k, width), binary, no repeated rows.
    probs : array_like, shape (k,), >= 0, summing to 1 (to within 1e-9).
    """
    patterns = as_data(patterns, width, "patterns")
    probs = np.array(probs, dtype=float)
    if probs.shape != (len(patterns),):
        raise ValueError(f"probs has shape {probs.shape}; expected ({len(patterns)},), one per pattern")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise ValueError(f"probs contains {probs[~(probs >= 0)][:1]}; expected finite probabilities >= 0")
    if abs(probs.sum() - 1.0) > 1e-9:
        raise ValueError(f"probs sums to {probs.sum()}; expected 1")
    if len(np.unique(patterns, axis=0)) != len(patterns):
        raise ValueError("patterns has repeated rows; expected each pattern once, with its total probability")
    return patterns, probs


def kl_data_model_bits(hm, patterns, probs):
    """KL[p_data || p_model] = sum_x p_data(x) log2(p_data(x) / p_model(x)), in bits.

    p_model(x) = Z of Eq. (6), computed exactly by :func:`hmlib.exact.log_evidence`. Patterns of
    probability 0 contribute nothing. This is the extra code length per example, above the
    data's entropy, of coding data with the model.

    Parameters
    ----------
    hm : HelmholtzMachine with at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
    patterns : ndarray, shape (k, n_1), every pattern of the data distribution once.
    probs : ndarray, shape (k,), their probabilities (summing to 1).

    Returns
    -------
    float, >= 0 (up to rounding).
    """
    hm = _check_machine(hm)
    patterns, probs = check_distribution(patterns, probs, hm.sizes[0])
    keep = probs > 0
    log_model = exact.log_evidence(hm, patterns[keep])  # (k,), nats
    return float(np.sum(probs[keep] * (np.log(probs[keep]) - log_model)) / np.log(2.0))


def exact_nll(hm, x, unit="bits"):
    """Average negative log-likelihood -(1/n) sum_i log p(x_i), exact by enumeration.

    Parameters
    ----------
    hm : HelmholtzMachine with at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
    x : array_like, shape (n, n_1), binary.
    unit : ``"bits"`` or ``"nats"``.

    Returns
    -------
    float.
    """
    hm = _check_machine(hm)
    per_nat = _check_unit(unit)
    x = as_data(x, hm.sizes[0])
    return float(-exact.log_evidence(hm, x).mean() / per_nat)


def importance_log_evidence(hm, x, n_samples=1000, seed=None):
    """Importance-sampling estimate of log p(x), with the recognition model as proposal.

    log p(x) = log E_{z~Q(.|x)}[p(x, z) / Q(z|x)] is estimated by
    log[(1/K) sum_k w_k] with w_k = p(x, z_k) / Q(z_k | x) and z_1..z_K drawn from Q (Eqs. (7)-(8)).
    Its standard error is the delta-method one, sd(w) / (sqrt(K) mean(w)). The estimate is
    consistent but biased low for small K (Jensen); with K = 1 its mean is -F (Eq. (6)).

    Parameters
    ----------
    hm : HelmholtzMachine (any size).
    x : array_like, shape (batch, n_1), binary.
    n_samples : int K >= 2, proposals per pattern.
    seed : None, int or np.random.Generator.

    Returns
    -------
    log_p : ndarray, shape (batch,), nats.
    stderr : ndarray, shape (batch,), nats.
    """
    hm = _check_machine(hm)
    x = as_data(x, hm.sizes[0])
    K = as_count(n_samples, "n_samples")
    if K < 2:
        raise ValueError(f"n_samples is {K}; expected at least 2 (a standard error needs two samples)")
    rng = as_rng(seed)
    batch = len(x)
    chunk = max(1, 200_000 // batch)  # samples per pass, bounding memory at ~200k rows
    log_w = np.empty((K, batch))
    for start in range(0, K, chunk):
        k = min(chunk, K - start)
        xs = np.tile(x, (k, 1))  # (k * batch, n_1), sample-major
        states = hm.sample_recognition(xs, seed=rng)
        lw = hm.generative_log_prob(states) - hm.recognition_log_prob(states)  # (k * batch,)
        log_w[start : start + k] = lw.reshape(k, batch)
    log_p = logsumexp(log_w, axis=0) - np.log(K)  # (batch,)
    w = np.exp(log_w - log_w.max(axis=0))  # (K, batch), scaled so the largest is 1
    stderr = w.std(axis=0, ddof=1) / (np.sqrt(K) * w.mean(axis=0))
    return log_p, stderr


def factorial_kls(p, q):
    """Both directions of KL between a distribution p over H binary units and factorial
    distributions with marginals q (notes section 5, notebook 08).

    KL(P || Q) is what the sleep phase minimises (maximum likelihood for Q on fantasies); its
    minimum over factorial Q is at the marginals of P ("mode averaging"). KL(Q || P) is what
    -F of Eq. (6) penalises; its minima sit on single modes of P.

    Parameters
    ----------
    p : array_like, shape (2^H,), a distribution over the configurations in
        ``hmlib.exact.binary_patterns(H)`` order.
    q : array_like, shape (..., H), marginal on-probabilities in [0, 1].

    Returns
    -------
    kl_pq, kl_qp : ndarrays, shape (...), in nats (inf where one puts mass the other lacks).
    """
    p = np.array(p, dtype=float)
    q = np.array(q, dtype=float)
    H = q.shape[-1] if q.ndim else 0
    if p.shape != (2**H,) or H == 0:
        raise ValueError(f"p has shape {p.shape} and q {q.shape}; expected p of shape (2^H,) for q of shape (..., H)")
    if np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(f"p sums to {p.sum()} or has negative entries; expected a probability distribution")
    if np.any((q < 0) | (q > 1)):
        raise ValueError("q has entries outside [0, 1]; expected marginal probabilities")
    configs = exact.binary_patterns(H)  # (2^H, H)
    with np.errstate(divide="ignore"):
        log_q_on, log_q_off = np.log(q), np.log1p(-q)  # (..., H)
        log_p = np.log(p)  # (2^H,)
    # log Q(z) for every configuration: sum_j s_j log q_j + (1 - s_j) log(1 - q_j), with 0 * log 0 = 0
    on = np.where(configs > 0.5, 1.0, 0.0)  # (2^H, H)
    log_Q = (np.where(on > 0, log_q_on[..., None, :], 0.0) + np.where(on > 0, 0.0, log_q_off[..., None, :])).sum(-1)
    Q = np.exp(log_Q)  # (..., 2^H)
    with np.errstate(invalid="ignore"):
        kl_pq = np.where(p > 0, p * (log_p - log_Q), 0.0).sum(-1)
        kl_qp = np.where(Q > 0, Q * (log_Q - log_p), 0.0).sum(-1)
    return kl_pq, kl_qp
