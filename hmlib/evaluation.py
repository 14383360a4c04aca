"""How good is a trained generative model? Exact scores for small machines, estimates for large ones.

- :func:`kl_data_model_bits`: the asymmetric divergence KL[p_data || p_model] in bits, for a
  data distribution known exactly (bars, shifter); the paper's bars figure is 0.10 bits
  (notes section 4, notebook 09).
- :func:`log_evidence`: the average log p(x) of a data set in bits or nats, with its standard
  error: exact by enumeration for machines of at most ``EXACT_HIDDEN`` hidden units, else by
  importance sampling in bounded memory. The one call for any machine (notebook 10).
- :func:`exact_nll`: the average code length -log p(x) of a data set, exact by enumeration.
- :func:`importance_log_evidence`: an importance-sampling estimate of log p(x) = log Z (Eq. (6))
  with the recognition model Q as proposal, and its standard error, for machines too large to
  enumerate (notebook 09); with ``return_diagnostics=True`` also the effective sample size and
  the number of distinct hidden configurations drawn, which say when the estimate cannot be
  trusted (:class:`ImportanceDiagnostics`).

The exact ones enumerate the hidden states through :func:`hmlib.exact.log_evidence`, so they
accept machines with at most ``hmlib.exact.MAX_HIDDEN`` hidden units.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from hmlib import exact
from hmlib._checks import as_array, as_choice, as_count, as_data, as_machine, as_rng, check_bytes

_UNITS = {"bits": np.log(2.0), "nats": 1.0}
_CHUNK_ELEMENTS = 2**21  # floats per working array in a chunk of importance_log_evidence (16 MB)
MIN_ESS = 5.0  # fewer effective samples than this: the spread of the weights is no error bar
# log_evidence enumerates machines with at most this many hidden units: 2^20 configurations cost
# about as much as 1000 importance samples per pattern, with no error at all.
EXACT_HIDDEN = 20
METHODS = ("auto", "exact", "importance")
_HASH_SEED = 20240601  # fixed: the configuration hashes must not consume the caller's random stream


def _check_unit(unit):
    return _UNITS[as_choice(unit, "unit", tuple(_UNITS))]


def check_distribution(patterns, probs, width):
    """Return ``(patterns, probs)`` as checked float arrays, or raise ``ValueError``.

    patterns : array_like, shape (k, width), binary, no repeated rows.
    probs : array_like, shape (k,), >= 0, summing to 1 (to within 1e-9).
    """
    patterns = as_data(patterns, width, "patterns")
    probs = as_array(probs, "probs")
    if probs.shape != (len(patterns),):
        raise ValueError(f"probs has shape {probs.shape}; expected ({len(patterns)},), one per pattern")
    if np.any(probs < 0):
        raise ValueError(f"probs contains {probs[probs < 0][0]}; expected probabilities >= 0")
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
    float, >= 0 (up to rounding); +inf if the model gives probability 0 to a pattern the data
    has (possible with odds imaging).
    """
    hm = as_machine(hm)
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
    float; +inf if the model gives probability 0 to a row of x (possible with odds imaging).
    """
    hm = as_machine(hm)
    per_nat = _check_unit(unit)
    x = as_data(x, hm.sizes[0])
    return float(-exact.log_evidence(hm, x).mean() / per_nat)


def log_evidence(hm, x, unit="bits", n_samples=1000, seed=None, method="auto", per_row=False):
    """The average log-likelihood (1/n) sum_i log p(x_i) of the rows of x, and its standard error.

    log p(x) = log Z of Eq. (6). ``method="auto"`` enumerates every hidden configuration
    (:func:`hmlib.exact.log_evidence`: no error, standard error 0) when the machine has at most
    ``EXACT_HIDDEN`` hidden units, and otherwise estimates it by importance sampling with the
    recognition model as proposal (:func:`importance_log_evidence`, ``n_samples`` draws per
    row; biased low for small K). The rows are sampled a block at a time, so the memory used
    stays below about 100 MB whatever ``n_samples`` and the number of rows.

    The standard error is the Monte Carlo error of the estimate for *these* rows,
    sqrt(sum_i se_i^2) / n; it is not the spread you would see on new data. For comparing models
    on a test set, ask for ``per_row=True`` and use the spread of the rows (notebook 10).

    Parameters
    ----------
    hm : HelmholtzMachine.
    x : array_like, shape (n, n_1), binary.
    unit : ``"bits"`` (log base 2) or ``"nats"``.
    n_samples : int K >= 2, importance samples per row (unused when exact).
    seed : None, int or np.random.Generator (unused when exact).
    method : ``"auto"``, ``"exact"`` (at most ``hmlib.exact.MAX_HIDDEN`` hidden units) or ``"importance"``.
    per_row : bool; True returns one value and one standard error per row instead of the averages.

    Returns
    -------
    mean : float, the average log p(x) (<= 0) in ``unit``; or ndarray, shape (n,), with ``per_row``.
    stderr : float, its standard error (0.0 when exact); or ndarray, shape (n,), with ``per_row``.
    """
    hm = as_machine(hm)
    per_nat = _check_unit(unit)
    x = as_data(x, hm.sizes[0])
    K = as_count(n_samples, "n_samples")
    if K < 2:
        raise ValueError(f"n_samples is {K}; expected at least 2 (a standard error needs two samples)")
    rng = as_rng(seed)
    method = as_choice(method, "method", METHODS)
    if not isinstance(per_row, (bool, np.bool_)):
        raise TypeError(f"per_row is {per_row!r}; expected True or False")
    if method == "exact" or (method == "auto" and hm.n_hidden <= EXACT_HIDDEN):
        log_p = exact.log_evidence(hm, x)  # (n,), nats
        stderr = np.zeros(len(x))
    else:
        block = max(1, _CHUNK_ELEMENTS // K)  # rows per call: K x block log-weights, at most 16 MB
        log_p, stderr = np.empty(len(x)), np.empty(len(x))
        for first in range(0, len(x), block):
            rows = slice(first, first + block)
            log_p[rows], stderr[rows] = importance_log_evidence(hm, x[rows], n_samples=K, seed=rng)
    log_p, stderr = log_p / per_nat, stderr / per_nat
    if per_row:
        return log_p, stderr
    return float(log_p.mean()), float(np.sqrt(np.sum(stderr**2)) / len(x))


@dataclass(frozen=True)
class ImportanceDiagnostics:
    """What the draws of :func:`importance_log_evidence` can and cannot vouch for, per row of x.

    ess : ndarray, shape (batch,)
        Kish's effective sample size (sum w)^2 / sum w^2, from 1 (one draw carries all the
        weight) to K (all weights equal); 0 where every weight is 0.
    distinct : ndarray of int, shape (batch,)
        How many different hidden configurations z were drawn among the K samples.
    n_samples : int
        K.
    reliable : ndarray of bool, shape (batch,)
        False where the estimate cannot be trusted, whatever its standard error says: only one
        configuration was drawn (``distinct == 1``: the estimate is log p(x, z) - log Q(z | x) of
        that z, a lower bound that ignores every other z), or fewer than ``MIN_ESS`` effective
        samples carry the weight (a few draws decide the estimate, and their spread is no error
        bar). True is necessary, not sufficient: no finite sample can reveal mass of the
        posterior where Q never proposes.
    """

    ess: np.ndarray
    distinct: np.ndarray
    n_samples: int
    reliable: np.ndarray


def _hidden_codes(states, rng_codes):
    """One 64-bit code per row for the hidden configuration (s^2, ..., s^L), shape (rows,).

    A random linear hash modulo 2^64: distinct configurations collide with probability 2^-64.
    """
    hidden = np.hstack(states[1:]).astype(np.uint64)  # (rows, H)
    return hidden @ rng_codes  # uint64 arithmetic wraps: a hash, not a number


def importance_log_evidence(hm, x, n_samples=1000, seed=None, return_diagnostics=False):
    """Importance-sampling estimate of log p(x), with the recognition model as proposal.

    log p(x) = log E_{z~Q(.|x)}[p(x, z) / Q(z|x)] is estimated by
    log[(1/K) sum_k w_k] with w_k = p(x, z_k) / Q(z_k | x) and z_1..z_K drawn from Q (Eqs. (7)-(8)).
    Its standard error is the delta-method one, sd(w) / (sqrt(K) mean(w)). The estimate is
    consistent but biased low for small K (Jensen); with K = 1 its mean is -F (Eq. (6)).

    **What the standard error does not say.** It measures only the spread of the weights that
    were drawn. It says nothing about posterior mass where Q (almost) never proposes: when Q is
    (nearly) deterministic, every draw is the same z, every weight is equal, the standard error
    is 0, and yet the estimate is log p(x, z) - log Q(z | x) for that one z, which can be
    thousands of nats below log p(x). Ask for ``return_diagnostics=True`` and read
    :class:`ImportanceDiagnostics`: the effective sample size, the number of distinct
    configurations drawn and a ``reliable`` flag.

    **Rows where no draw can generate x.** If every one of the K weights is 0 (p(x, z_k) = 0,
    possible with odds imaging), the estimate is ``-inf`` and the standard error ``+inf``: the
    draws cannot tell p(x) = 0 from mass that Q missed, so no error bar is claimed (0 would
    claim certainty). The ESS is 0 and ``reliable`` False there.

    Parameters
    ----------
    hm : HelmholtzMachine (any size).
    x : array_like, shape (batch, n_1), binary.
    n_samples : int K >= 2, proposals per pattern. The K x batch log-weights may take at most
        1 GiB, which is checked before anything is allocated; the samples are drawn in chunks of
        about ``_CHUNK_ELEMENTS`` floats (16 MB per working array).
    seed : None, int or np.random.Generator.
    return_diagnostics : bool. If True, also return an :class:`ImportanceDiagnostics`.

    Returns
    -------
    log_p : ndarray, shape (batch,), nats.
    stderr : ndarray, shape (batch,), nats.
    diagnostics : ImportanceDiagnostics, only if ``return_diagnostics`` is True.
    """
    hm = as_machine(hm)
    x = as_data(x, hm.sizes[0])
    K = as_count(n_samples, "n_samples")
    if K < 2:
        raise ValueError(f"n_samples is {K}; expected at least 2 (a standard error needs two samples)")
    if not isinstance(return_diagnostics, (bool, np.bool_)):
        raise TypeError(f"return_diagnostics is {return_diagnostics!r}; expected True or False")
    diagnose = bool(return_diagnostics)
    batch = len(x)
    check_bytes((K, batch), "the log-weights (n_samples x rows of x)", itemsize=16 if diagnose else 8)
    rng = as_rng(seed)
    width = sum(hm.sizes)  # columns of the states of one draw
    rows_per_chunk = max(1, min(200_000, _CHUNK_ELEMENTS // width))  # draws (rows of states) per pass
    row_block = min(batch, rows_per_chunk)  # rows of x per pass; all of them unless x is huge
    codes_hash = np.random.default_rng(_HASH_SEED).integers(0, 2**63, size=hm.n_hidden, dtype=np.uint64)
    log_w = np.empty((K, batch))
    codes = np.empty((K, batch), dtype=np.uint64) if diagnose else None
    for first in range(0, batch, row_block):
        rows = x[first : first + row_block]  # (r, n_1)
        chunk = max(1, rows_per_chunk // len(rows))  # samples per pass
        for start in range(0, K, chunk):
            k = min(chunk, K - start)
            xs = np.tile(rows, (k, 1))  # (k * r, n_1), sample-major
            states = hm._sample_recognition(xs, rng)
            lw = hm._generative_log_prob(states) - hm._recognition_log_prob(states)  # (k * r,)
            log_w[start : start + k, first : first + len(rows)] = lw.reshape(k, len(rows))
            if diagnose:
                codes[start : start + k, first : first + len(rows)] = _hidden_codes(states, codes_hash).reshape(k, len(rows))
    log_p = logsumexp(log_w, axis=0) - np.log(K)  # (batch,); -inf where every weight is 0
    possible = np.isfinite(log_p)
    top = np.where(possible, log_w.max(axis=0), 0.0)
    w = np.exp(log_w - top)  # (K, batch), scaled so the largest is 1; all 0 in impossible rows
    with np.errstate(invalid="ignore", divide="ignore"):
        stderr = np.where(possible, w.std(axis=0, ddof=1) / (np.sqrt(K) * w.mean(axis=0)), np.inf)
        ess = np.where(possible, w.sum(axis=0) ** 2 / (w**2).sum(axis=0), 0.0)
    if not diagnose:
        return log_p, stderr
    ordered = np.sort(codes, axis=0)  # (K, batch)
    distinct = 1 + (ordered[1:] != ordered[:-1]).sum(axis=0)
    reliable = possible & (distinct > 1) & (ess >= MIN_ESS)
    return log_p, stderr, ImportanceDiagnostics(ess=ess, distinct=distinct, n_samples=K, reliable=reliable)


def factorial_kls(p, q):
    """Both directions of KL between a distribution p over H binary units and factorial
    distributions with marginals q (notes section 5, notebook 08).

    KL(P || Q) is what the sleep phase minimises (maximum likelihood for Q on fantasies); its
    minimum over factorial Q is at the marginals of P ("mode averaging"). KL(Q || P) is what
    -F of Eq. (6) penalises; its minima sit on single modes of P.

    Parameters
    ----------
    p : array_like, shape (2^H,), a distribution over the configurations in
        ``hmlib.exact.binary_patterns(H)`` order, H <= ``hmlib.exact.MAX_HIDDEN``.
    q : array_like, shape (..., H), marginal on-probabilities in [0, 1]. The factorial
        distributions, shape (..., 2^H), may take at most 1 GiB (checked before allocating);
        they are built a chunk of rows at a time.

    Returns
    -------
    kl_pq, kl_qp : ndarrays, shape (...), in nats (inf where one puts mass the other lacks).
    """
    q = as_array(q, "q")
    p = as_array(p, "p", ndim=1)
    H = q.shape[-1] if q.ndim else 0
    if H == 0 or p.shape != (2**H,):
        raise ValueError(f"p has shape {p.shape} and q {q.shape}; expected p of shape (2^H,) for q of shape (..., H)")
    if np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(f"p sums to {p.sum()} or has negative entries; expected a probability distribution")
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"q has the entry {q[(q < 0) | (q > 1)][0]}, outside [0, 1]; expected marginal probabilities")
    check_bytes(q.shape[:-1] + (2**H,), "the factorial distributions Q (one row of 2^H per marginal vector in q)")
    configs = exact.binary_patterns(H)  # (2^H, H)
    on = configs > 0.5  # (2^H, H)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)  # (2^H,)
    flat = q.reshape(-1, H)  # (rows, H)
    kl_pq, kl_qp = np.zeros(len(flat)), np.zeros(len(flat))
    # blocks of (rows, configurations) whose (b, c, H) working array holds ~_CHUNK_ELEMENTS floats
    c_step = min(2**H, max(1, _CHUNK_ELEMENTS // H))
    r_step = max(1, _CHUNK_ELEMENTS // (c_step * H))
    for r0 in range(0, len(flat), r_step):
        block = flat[r0 : r0 + r_step]  # (b, H)
        with np.errstate(divide="ignore"):
            log_q_on, log_q_off = np.log(block), np.log1p(-block)  # (b, H)
        for c0 in range(0, 2**H, c_step):
            s_on, p_c, log_p_c = on[c0 : c0 + c_step], p[c0 : c0 + c_step], log_p[c0 : c0 + c_step]  # (c, H), (c,)
            # log Q(z) = sum_j s_j log q_j + (1 - s_j) log(1 - q_j), with 0 * log 0 = 0
            log_Q = (np.where(s_on, log_q_on[:, None, :], 0.0) + np.where(s_on, 0.0, log_q_off[:, None, :])).sum(-1)
            Q = np.exp(log_Q)  # (b, c)
            with np.errstate(invalid="ignore"):
                kl_pq[r0 : r0 + r_step] += np.where(p_c > 0, p_c * (log_p_c - log_Q), 0.0).sum(-1)
                kl_qp[r0 : r0 + r_step] += np.where(Q > 0, Q * (log_Q - log_p_c), 0.0).sum(-1)
    return kl_pq.reshape(q.shape[:-1]), kl_qp.reshape(q.shape[:-1])
