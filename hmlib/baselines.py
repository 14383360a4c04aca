"""The models a Helmholtz machine has to beat on real data (notebook 10; Frey, Hinton & Dayan 1996).

- :func:`base_rates`: independent pixels, each on with its training frequency, Laplace-smoothed:
  p_j = (n_on + 1) / (n + 2).
- :func:`fit_mixture`: a mixture of Bernoullis (independent pixels given one of K hidden
  prototypes), fitted by EM, with the same smoothing; :func:`choose_mixture` picks K by the code
  length of validation data. ``base_rates(x)`` is the mixture with one component.
- :func:`gzip_bits`: what a general-purpose compressor makes of the same bits, at its best setting.
- :func:`classify`: the class whose model gives a pattern the highest log p(x) + log prior.

Code lengths are in bits per pattern, -log2 p(x).
"""

import gzip
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from hmlib._checks import as_array, as_count, as_data, as_int, as_real, as_rng, check_bytes, describe

MAX_COMPONENTS = 10_000  # a mixture with more components than this is a typo
GZIP_LEVELS = tuple(range(1, 10))  # every compression level of gzip
GZIP_PACKINGS = ("one byte per pixel", "eight pixels per byte")


@dataclass(frozen=True)
class BernoulliMixture:
    """p(x) = sum_k w_k prod_j p_kj^x_j (1 - p_kj)^(1 - x_j).

    log_weights : ndarray, shape (K,), log w_k (summing to 1 in probability).
    p : ndarray, shape (K, n_pixels), each component's on-probabilities, strictly inside (0, 1).
    """

    log_weights: np.ndarray
    p: np.ndarray

    @property
    def n_components(self):
        return len(self.log_weights)

    def _log_joint(self, x):
        """log w_k + log p(x | k), shape (n, K), in nats (no checks)."""
        return x @ np.log(self.p).T + (1.0 - x) @ np.log1p(-self.p).T + self.log_weights  # (n, K)

    def log_prob(self, x):
        """log p(x) of every row, shape (n,), in nats. x : array_like, shape (n, n_pixels), binary."""
        x = as_data(x, self.p.shape[1])
        check_bytes((len(x), self.n_components), "the per-component log-probabilities (rows of x x components)")
        return logsumexp(self._log_joint(x), axis=1)

    def bits(self, x):
        """Code length -log2 p(x) of every row, shape (n,)."""
        return -self.log_prob(x) / np.log(2.0)


def base_rates(x):
    """The independent-pixel model of ``x``: pixel j on with probability (n_on + 1) / (n + 2).

    x : array_like, shape (n, n_pixels), binary. Returns a one-component :class:`BernoulliMixture`.
    """
    x = _as_patterns(x)
    p = (x.sum(axis=0) + 1.0) / (len(x) + 2.0)  # (n_pixels,)
    return BernoulliMixture(log_weights=np.zeros(1), p=p[None, :])


def _as_patterns(x, name="x"):
    x = as_array(x, name, ndim=2)
    return as_data(x, x.shape[1], name)


def fit_mixture(x, n_components, seed=None, restarts=3, max_iter=500, tol=1e-8):
    """A mixture of ``n_components`` Bernoulli components fitted to ``x`` by EM; the best of ``restarts`` runs.

    Each run starts from random responsibilities (Dirichlet(1) per pattern) and alternates
    E-step (responsibilities r_ik) and M-step with Laplace's smoothing, which keeps every
    probability inside (0, 1):
    p_kj = (sum_i r_ik x_ij + 1) / (sum_i r_ik + 2),  w_k = (sum_i r_ik + 1) / (n + K).
    With one component this is exactly :func:`base_rates`. A run stops when the average log p(x)
    rises by less than ``tol`` nats per pattern; the run with the highest training log p(x) is kept.

    Parameters
    ----------
    x : array_like, shape (n, n_pixels), binary.
    n_components : int K from 1 to ``MAX_COMPONENTS``.
    seed : None, int or np.random.Generator.
    restarts, max_iter : positive ints. tol : float >= 0.

    Returns a :class:`BernoulliMixture`.
    """
    x = _as_patterns(x)
    K = as_count(n_components, "n_components", maximum=MAX_COMPONENTS)
    restarts = as_count(restarts, "restarts")
    max_iter = as_count(max_iter, "max_iter")
    tol = as_real(tol, "tol", low=0.0)
    check_bytes((len(x), K), "the responsibilities (rows of x x n_components)")
    rng = as_rng(seed)
    n = len(x)
    best, best_score = None, -np.inf
    for _ in range(restarts):
        r = rng.dirichlet(np.ones(K), size=n)  # (n, K) responsibilities
        previous = -np.inf
        for _ in range(max_iter):
            counts = r.sum(axis=0)  # (K,)
            model = BernoulliMixture(
                log_weights=np.log(counts + 1.0) - np.log(n + K), p=(r.T @ x + 1.0) / (counts[:, None] + 2.0)
            )
            joint = model._log_joint(x)  # (n, K)
            log_p = logsumexp(joint, axis=1)  # (n,)
            r = np.exp(joint - log_p[:, None])
            score = float(log_p.mean())
            if score - previous < tol:
                break
            previous = score
        if score > best_score:
            best, best_score = model, score
    return best


def choose_mixture(x_train, x_valid, components=(1, 2, 3, 4, 6, 8, 12, 16), seed=None, restarts=3):
    """Fit a mixture for every K in ``components`` on ``x_train``; keep the K whose mixture codes
    ``x_valid`` in the fewest bits.

    Returns
    -------
    mixture : BernoulliMixture, the chosen one.
    validation_bits : dict K -> average -log2 p of x_valid.
    """
    x_train = _as_patterns(x_train, "x_train")
    x_valid = as_data(x_valid, x_train.shape[1], "x_valid")
    if isinstance(components, (str, bytes, dict, set)) or not hasattr(components, "__iter__"):
        raise TypeError(f"components is {describe(components)}; expected a sequence of component counts")
    components = [as_count(k, "every entry of components", maximum=MAX_COMPONENTS) for k in components]
    if not components:
        raise ValueError("components is empty; expected at least one component count")
    rng = as_rng(seed)
    fitted, scores = {}, {}
    for k in components:
        fitted[k] = fit_mixture(x_train, k, seed=rng, restarts=restarts)
        scores[k] = float(fitted[k].bits(x_valid).mean())
    chosen = min(scores, key=scores.get)
    return fitted[chosen], scores


def gzip_bits(x):
    """Bits per pattern that gzip needs for the rows of ``x`` concatenated, at its best setting.

    Every level 1-9 is tried on two encodings of the bits, one byte per pixel (0 or 1) and eight
    pixels per byte (``np.packbits``); the smallest file (header included) wins. As in Frey,
    Hinton & Dayan (1996), the compressor sees the whole test set at once, so it can exploit
    digits that resemble each other; it has seen no training data.

    x : array_like, shape (n, n_pixels), binary.

    Returns
    -------
    bits : float, 8 x (bytes of the smallest file) / n.
    setting : dict with ``"level"`` and ``"packing"`` of that file.
    """
    x = _as_patterns(x)
    encodings = {
        GZIP_PACKINGS[0]: x.astype(np.uint8).tobytes(),
        GZIP_PACKINGS[1]: np.packbits(x.astype(np.uint8), axis=None).tobytes(),
    }
    sizes = {
        (level, packing): len(gzip.compress(data, compresslevel=level, mtime=0))
        for packing, data in encodings.items()
        for level in GZIP_LEVELS
    }
    level, packing = min(sizes, key=lambda key: (sizes[key], key))
    return 8.0 * sizes[level, packing] / len(x), {"level": level, "packing": packing}


def classify(log_p, log_prior):
    """The class with the highest log p(x | class) + log P(class) for every row, shape (n,).

    log_p : array_like, shape (n, n_classes), any log base (the same for both arguments).
    log_prior : array_like, shape (n_classes,).
    """
    log_p = as_array(log_p, "log_p", ndim=2)
    log_prior = as_array(log_prior, "log_prior", ndim=1)
    if log_prior.shape != (log_p.shape[1],):
        raise ValueError(f"log_prior has shape {log_prior.shape}; expected ({log_p.shape[1]},), one per column of log_p")
    return np.argmax(log_p + log_prior, axis=1)


def class_log_prior(y, n_classes=10):
    """log2 of each class's training frequency, Laplace-smoothed: (n_c + 1) / (n + n_classes), shape (n_classes,).

    y : array_like, shape (n,), integer labels 0..n_classes-1.
    """
    n_classes = as_int(n_classes, "n_classes", low=1, high=MAX_COMPONENTS)
    y = as_array(y, "y", ndim=1)
    if np.any((y != np.round(y)) | (y < 0) | (y >= n_classes)):
        raise ValueError(f"y contains {y[(y != np.round(y)) | (y < 0) | (y >= n_classes)][0]}; expected labels 0..{n_classes - 1}")
    counts = np.bincount(y.astype(int), minlength=n_classes)
    return np.log2(counts + 1.0) - np.log2(len(y) + n_classes)
