"""The models a Helmholtz machine has to beat on real data (notebook 10; Frey, Hinton & Dayan 1996).

- :func:`base_rates`: independent pixels, each on with its training frequency, Laplace-smoothed:
  p_j = (n_on + 1) / (n + 2).
- :func:`fit_mixture`: a mixture of Bernoullis (independent pixels given one of K hidden
  prototypes), fitted by EM, with the same smoothing; :func:`choose_mixture` picks K by the code
  length of validation data. ``base_rates(x)`` is the mixture with one component.
- :func:`gzip_bits`: what a general-purpose compressor makes of the same bits at a given setting;
  :func:`choose_gzip` picks the setting on validation data.
- :func:`classify`: the class whose model gives a pattern the highest log p(x) + log prior;
  :func:`mcnemar_test`: the exact paired test of two classifiers on the same test patterns.
- :func:`label_bits` and :func:`unlabelled_bits`: what a model of one class per digit must pay
  before it is compared with a model that is not told the class.

Code lengths are in bits per pattern, -log2 p(x).
"""

import gzip
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from hmlib._checks import as_array, as_choice, as_count, as_data, as_int, as_real, as_rng, check_bytes, describe

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


def _gzip_size(x, level, packing):
    """Bytes of the gzip file of the rows of x (binary, shape (n, n_pixels)) at one setting, header included."""
    pixels = x.astype(np.uint8)  # (n, n_pixels)
    data = pixels.tobytes() if packing == GZIP_PACKINGS[0] else np.packbits(pixels, axis=None).tobytes()
    return len(gzip.compress(data, compresslevel=level, mtime=0))


def gzip_bits(x, level, packing):
    """Bits per pattern that gzip needs for the rows of ``x`` concatenated, in the order given:
    8 x (bytes of the file, header included) / n.

    As in Frey, Hinton & Dayan (1996), the compressor sees the whole set at once, so it can exploit
    patterns that resemble each other; the order of the rows matters (similar patterns next to each
    other compress better), which a model that codes every pattern on its own never sees.

    x : array_like, shape (n, n_pixels), binary.
    level : int from 1 to 9 (``GZIP_LEVELS``).
    packing : one of ``GZIP_PACKINGS``: one byte per pixel (0 or 1), or eight pixels per byte
        (``np.packbits`` of the rows concatenated).

    Choose ``level`` and ``packing`` on other data than the data scored (:func:`choose_gzip`).
    """
    x = _as_patterns(x)
    level = as_int(level, "level", low=GZIP_LEVELS[0], high=GZIP_LEVELS[-1])
    packing = as_choice(packing, "packing", GZIP_PACKINGS)
    return 8.0 * _gzip_size(x, level, packing) / len(x)


def choose_gzip(x_valid):
    """The gzip setting that codes ``x_valid`` (in its given order) in the fewest bytes.

    Every level 1-9 is tried with both packings; ties go to the lower level, then to
    ``sorted(GZIP_PACKINGS)[0]``.

    x_valid : array_like, shape (n, n_pixels), binary.

    Returns
    -------
    setting : dict with ``"level"`` and ``"packing"``, to pass on to :func:`gzip_bits`.
    validation_bits : dict (level, packing) -> bits per pattern of x_valid.
    """
    x_valid = _as_patterns(x_valid, "x_valid")
    sizes = {(level, packing): _gzip_size(x_valid, level, packing)
             for packing in GZIP_PACKINGS for level in GZIP_LEVELS}
    level, packing = min(sizes, key=lambda key: (sizes[key], key))
    return {"level": level, "packing": packing}, {key: 8.0 * size / len(x_valid) for key, size in sizes.items()}


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
    y = _as_labels(y, "y", n_classes)
    counts = np.bincount(y, minlength=n_classes)
    return np.log2(counts + 1.0) - np.log2(len(y) + n_classes)


def _as_labels(y, name, n_classes):
    """y as an int array of labels 0..n_classes-1, shape (n,), or raise."""
    y = as_array(y, name, ndim=1)
    bad = (y != np.round(y)) | (y < 0) | (y >= n_classes)
    if np.any(bad):
        raise ValueError(f"{name} contains {y[bad][0]}; expected labels 0..{n_classes - 1}")
    return y.astype(int)


def _as_log_prior(log2_prior, n_classes=None):
    log2_prior = as_array(log2_prior, "log2_prior", ndim=1)
    if n_classes is not None and len(log2_prior) != n_classes:
        raise ValueError(f"log2_prior has shape {log2_prior.shape}; expected ({n_classes},), one per class")
    total = float(np.sum(np.exp2(log2_prior)))
    if np.any(log2_prior > 0) or abs(total - 1.0) > 1e-9:
        raise ValueError(f"log2_prior sums to {total!r} in probability; expected log2 of probabilities summing to 1")
    return log2_prior


def label_bits(y, log2_prior):
    """The code length of each label under the class prior, -log2 P(y_i), shape (n,).

    A model of one class per digit codes x given its class c in -log2 p(x | c) bits; a model that is
    not told the class must code it too. Adding these bits puts the two on the same footing. With P
    uniform every label costs log2(n_classes) bits; with the training frequencies the average over
    test labels is their cross-entropy against P, close to the labels' entropy (which is at most
    log2(n_classes)) when the two sets have similar class frequencies.

    y : array_like, shape (n,), integer labels. log2_prior : array_like, shape (n_classes,), log2 P(c)
    (e.g. :func:`class_log_prior`).
    """
    log2_prior = _as_log_prior(log2_prior)
    y = _as_labels(y, "y", len(log2_prior))
    return -log2_prior[y]


def unlabelled_bits(log2_p, log2_prior):
    """-log2 sum_c P(c) p(x | c) of every row, shape (n,): the per-class models as one mixture of classes.

    This codes x without its label. It is never more than the label-paid code length
    -log2 P(c) - log2 p(x | c) of the true class c, and is less by -log2 P(c | x), which is small
    where the models are sure of the class.

    log2_p : array_like, shape (n, n_classes), log2 p(x | c). log2_prior : array_like, shape (n_classes,).
    """
    log2_p = as_array(log2_p, "log2_p", ndim=2)
    log2_prior = _as_log_prior(log2_prior, log2_p.shape[1])
    return -logsumexp((log2_p + log2_prior) * np.log(2.0), axis=1) / np.log(2.0)  # (n,)


@dataclass(frozen=True)
class PairedTest:
    """The exact McNemar test of two classifiers on the same patterns.

    only_a_wrong, only_b_wrong : ints, the discordant pairs (patterns one classifier gets wrong and
        the other right); the patterns both get right or both get wrong say nothing about which is better.
    p_value : float, two-sided: the probability, if either classifier were as likely to be the one
        wrong on a discordant pattern, of a split at least as uneven (binomial with n = the discordant
        pairs and 1/2). 1.0 when there are no discordant pairs.
    """

    only_a_wrong: int
    only_b_wrong: int
    p_value: float


def mcnemar_test(predicted_a, predicted_b, labels):
    """The exact McNemar test (McNemar 1947) of classifiers a and b on the same test patterns.

    Of the patterns exactly one of the two misclassifies, count those where a is wrong (n_a) and
    where b is wrong (n_b); under the hypothesis that both have the same error rate, n_a is
    binomial(n_a + n_b, 1/2). The two-sided p-value is ``scipy.stats.binomtest(n_a, n_a + n_b, 0.5)``.

    predicted_a, predicted_b, labels : array_like, shape (n,), integer classes.

    Returns a :class:`PairedTest`.
    """
    arrays = [as_array(v, name, ndim=1) for v, name in
              ((predicted_a, "predicted_a"), (predicted_b, "predicted_b"), (labels, "labels"))]
    for values, name in zip(arrays[:2], ("predicted_a", "predicted_b")):
        if values.shape != arrays[2].shape:
            raise ValueError(f"{name} has shape {values.shape}; expected {arrays[2].shape}, one class per label")
    wrong_a, wrong_b = arrays[0] != arrays[2], arrays[1] != arrays[2]
    n_a, n_b = int(np.sum(wrong_a & ~wrong_b)), int(np.sum(wrong_b & ~wrong_a))
    # scipy.stats is imported here, not with the module: it is most of what `import hmlib` would
    # cost (1.2 of 2.0 s here, more in the browser-only site), and only this test needs it
    from scipy.stats import binomtest

    p_value = 1.0 if n_a + n_b == 0 else float(binomtest(n_a, n_a + n_b, 0.5).pvalue)
    return PairedTest(only_a_wrong=n_a, only_b_wrong=n_b, p_value=p_value)
