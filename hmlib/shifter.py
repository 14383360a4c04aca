"""What a machine trained on the shifter has learned, scored on the exact distribution (notebook 07).

Every score is computed from the exact shifter distribution (``data.shifter_distribution``: the 508
distinct images with their probabilities), so no sample of test images adds noise to it:

- :func:`identifiable_patterns`: the 504 images whose shift direction can be told, their
  directions and their probabilities (renormalised to sum to 1);
- :func:`direction_accuracies`: how well each top unit's recognition mean (Eq. (9)) tells left
  from right, at a threshold or at its best threshold, weighted by probability. The direction is
  **discovered** when some top unit reaches ``DISCOVERED_ACCURACY`` (0.95) at its best threshold;
- :func:`pair_detectors` and :func:`top_unit_purity`: the structure of Fig. 4 of Dayan et al.
  (1995): layer-2 units that are clean detectors of one shifted pixel pair, and top units whose
  generative weight goes to detectors of one direction;
- :func:`free_energy_bits` (the mean-field F of Eq. (12)) and :func:`nll_bits` (the code length
  -log2 p(x) of the generative model used as a *stochastic* machine, importance-sampled), to set
  against the data's entropy (6.606 bits) and :func:`independent_pixel_bits`;
- :func:`deterministic_code_bound_bits` and :func:`one_hot_direction_code`: why a minimiser of the
  mean-field F need not produce a binary direction code. With binary recognition states F is a real
  code length, so its average is at least the entropy H(X) = 6.606 bits, plus the multi-information
  of the top units under a factorial prior: for the one-hot direction code at least 7.08 bits at
  the best top prior, 8.85 with the top biases fixed at 0.05; graded means reach below H(X);
- :func:`score`: all of it for one machine, as a dict (``benchmarks/shifter.py`` prints it).

Pixels are numbered row by row: 0-7 and 8-15 are the two shifted rows, 16-23 and 24-31 the two
source rows. A shift to the right moves source pixel i to shifted pixel i + 1 (with wrap-around).
"""

import numpy as np

from hmlib import data, meanfield
from hmlib._checks import as_array, as_count, as_data, as_distribution, as_machine, as_probability
from hmlib.evaluation import importance_log_evidence
from hmlib.meanfield_fit import direction_accuracy

DISCOVERED_ACCURACY = 0.95  # best-threshold accuracy of some top unit that counts as "direction discovered"
CLEAN_SHARE = 0.9  # share of a layer-2 unit's pixel weight on one shifted pixel pair that makes it "clean"
NLL_SAMPLES = 1000  # importance samples per image for nll_bits: a standard error of a few hundredths of a bit
NLL_SEED = 0  # fixed, so a saved machine always gets the same estimate
WIDTH = data.SHIFTER_SHAPE[1]  # 8 pixels per row
DIRECTIONS = ("left", "right")  # direction 0 and 1, as in ``data.shifter``


def _source_and_shifted(patterns):
    return patterns[:, 2 * WIDTH : 3 * WIDTH], patterns[:, :WIDTH]  # (n, 8) each: a source row, a shifted row


def identifiable_patterns():
    """The images of the exact shifter distribution whose direction is identifiable.

    Returns
    -------
    patterns : ndarray, shape (504, 32).
    direction : ndarray of int, shape (504,): 1 = shifted right, 0 = shifted left.
    probs : ndarray, shape (504,), their probabilities given that the image is identifiable (sum 1).
    """
    patterns, probs = data.shifter_distribution()
    keep = data.shifter_identifiable(patterns)
    patterns, probs = patterns[keep], probs[keep]
    source, shifted = _source_and_shifted(patterns)
    direction = np.all(shifted == np.roll(source, 1, axis=1), axis=1).astype(int)  # right: shifted[i] = source[i-1]
    return patterns, direction, probs / probs.sum()


def direction_accuracies(hm, threshold=None):
    """Accuracy of every top unit's Eq. (9) mean as a left/right code on the identifiable images.

    Weighted by probability (``identifiable_patterns``). ``threshold`` : a float in [0, 1], or None
    for each unit's best threshold (``meanfield_fit.direction_accuracy``). Returns shape (n_L,).
    """
    patterns, direction, probs = identifiable_patterns()
    return direction_accuracy(hm, patterns, direction, threshold=threshold, weights=probs)


def _check_shifter_machine(hm):
    as_machine(hm)
    if len(hm.sizes) != 3 or hm.sizes[0] != 4 * WIDTH:
        raise ValueError(f"hm has sizes {hm.sizes}; expected a three-layer shifter machine (32, n_2, n_3)")
    return hm


def strength(theta):
    """theta/(1 + theta) of the excitatory part max(theta, 0): how strongly a weight turns its child on, in [0, 1)."""
    positive = np.maximum(theta, 0.0)
    return positive / (1.0 + positive)


def pair_detectors(hm, clean_share=CLEAN_SHARE):
    """What each layer-2 unit's generative weights to the pixels detect.

    For every direction d and source column i, the *pair* of (d, i) is the four pixels that a
    shift in direction d ties together: source pixel i in both source rows and shifted pixel
    i + 1 (right) or i - 1 (left) in both shifted rows. A unit's best pair is the one holding the
    largest share of its summed strength to the 32 pixels; the unit is a **clean pixel-pair
    detector** if that share is at least ``clean_share``.

    The strength of a weight is ``strength(theta)`` = theta/(1 + theta), the probability that the
    unit alone turns the pixel on under the odds rule: it saturates at 1, so one huge weight
    (odds of 10^8 are common after a long fit) cannot outweigh the rest, and a weight of 10^-5
    counts as nothing (Fig. 4 of Dayan et al. 1995 plots ln theta for the same reason). Sigmoid
    machines: the strength of the excitatory part max(theta, 0) of each weight.

    Returns
    -------
    dict of arrays, shape (n_2,) each: ``"share"`` (float, 0 for a unit with no weight),
    ``"direction"`` (0 left, 1 right), ``"column"`` (the source column i), ``"clean"`` (bool).
    """
    _check_shifter_machine(hm)
    clean_share = as_probability(clean_share, "clean_share")
    theta = strength(hm.theta[0])  # (n_2, 32)
    total = theta.sum(axis=1)  # (n_2,)
    columns = np.arange(WIDTH)
    pair_weight = np.empty((theta.shape[0], 2, WIDTH))  # (n_2, direction, source column)
    for d, step in ((0, -1), (1, 1)):
        target = (columns + step) % WIDTH  # the shifted pixel that source pixel i moves to
        pair_weight[:, d, :] = (
            theta[:, 2 * WIDTH + columns] + theta[:, 3 * WIDTH + columns] + theta[:, target] + theta[:, WIDTH + target]
        )
    flat = pair_weight.reshape(len(theta), -1).argmax(axis=1)  # (n_2,)
    direction, column = np.divmod(flat, WIDTH)
    best = pair_weight.reshape(len(theta), -1)[np.arange(len(theta)), flat]
    share = np.divide(best, total, out=np.zeros_like(best), where=total > 0)
    return {"share": share, "direction": direction, "column": column, "clean": share >= clean_share}


def top_unit_purity(hm, clean_share=CLEAN_SHARE):
    """For each top unit: the share of its generative weight that goes to clean layer-2 pair
    detectors of one direction (its purity), and that direction.

    purity_k = max_d sum_{j clean, tuned to d} r_kj / sum_j r_kj with r = ``strength(theta)``
    (0 for a unit with no weight). A top unit of Fig. 4 of Dayan et al. (1995) has purity near 1.

    Returns purity, shape (n_3,), and direction, shape (n_3,) of int (0 left, 1 right).
    """
    tuning = pair_detectors(hm, clean_share)
    theta = strength(hm.theta[1])  # (n_3, n_2)
    total = theta.sum(axis=1)  # (n_3,)
    by_direction = np.stack(
        [(theta * (tuning["clean"] & (tuning["direction"] == d))).sum(axis=1) for d in (0, 1)], axis=1
    )  # (n_3, 2)
    direction = by_direction.argmax(axis=1)
    best = by_direction.max(axis=1)
    return np.divide(best, total, out=np.zeros_like(best), where=total > 0), direction


def free_energy_bits(hm, rule=None):
    """The mean-field F of Eq. (12), averaged over the exact shifter distribution, in bits."""
    patterns, probs = data.shifter_distribution()
    return float(probs @ meanfield.free_energy(hm, patterns, rule) / np.log(2.0))


def nll_bits(hm, n_samples=NLL_SAMPLES, seed=NLL_SEED):
    """-E_data[log2 p(x)] of the machine used as a stochastic generative model, and its standard error.

    The machine's own imaging model (the odds rule p = u/(1 + u) for an odds machine, the sigmoid
    otherwise) with binary hidden states; log p(x) of each of the 508 images is estimated by
    importance sampling with the recognition model as proposal
    (``evaluation.importance_log_evidence``, ``n_samples`` draws per image) and averaged with the
    images' probabilities. The standard error combines the per-image ones,
    sqrt(sum_x p(x)^2 se_x^2); it says nothing about posterior mass that Q never proposes, which
    is why the share of images whose estimate passes the diagnostics is returned too.

    Returns
    -------
    dict: ``"nll_bits"``, ``"stderr_bits"``, ``"reliable_share"`` (probability mass of the images
    whose estimate ``ImportanceDiagnostics.reliable`` vouches for).
    """
    as_machine(hm)
    n_samples = as_count(n_samples, "n_samples")
    patterns, probs = data.shifter_distribution()
    log_p, stderr, diagnostics = importance_log_evidence(hm, patterns, n_samples, seed=seed, return_diagnostics=True)
    if not np.all(np.isfinite(log_p)):
        return {"nll_bits": float("inf"), "stderr_bits": float("inf"), "reliable_share": float(probs @ diagnostics.reliable)}
    return {
        "nll_bits": float(-(probs @ log_p) / np.log(2.0)),
        "stderr_bits": float(np.sqrt(np.sum((probs * stderr) ** 2)) / np.log(2.0)),
        "reliable_share": float(probs @ diagnostics.reliable),
    }


def independent_pixel_bits():
    """Code length of the shifter images under independent pixels with the data's own marginals, in bits.

    sum_i H(m_i) with m_i the exact probability that pixel i is on (0.2 for every pixel): the
    cross-entropy of the best model that ignores every correlation, 32 H(0.2) = 23.1 bits.
    """
    patterns, probs = data.shifter_distribution()
    m = probs @ patterns  # (32,)
    return float(-(m * np.log2(m) + (1 - m) * np.log2(1 - m)).sum())


def one_hot_direction_code(patterns):
    """The top code of the paper's picture, as a binary code of every shifter image.

    Top unit 0 on for a left shift, top unit 1 for a right shift: (1, 0) / (0, 1). The four source
    rows that equal themselves shifted by two pixels (00000000, 11111111, 01010101, 10101010) give
    the same image shifted either way, so a code that is a function of the image cannot give them
    a direction: they get (0, 0).

    patterns : array_like, shape (n, 32), binary shifter images (rows: shifted, shifted, source, source).
    Returns a new float array of 0/1, shape (n, 2). ValueError for a row that is not a shifter image.
    """
    x = _check_shifter_images(patterns)
    source, shifted = _source_and_shifted(x)
    right = np.all(shifted == np.roll(source, 1, axis=1), axis=1)  # shifted[i] = source[i - 1]
    left = np.all(shifted == np.roll(source, -1, axis=1), axis=1)
    return np.stack([left & ~right, right & ~left], axis=1).astype(float)


def _check_shifter_images(patterns):
    x = as_data(patterns, 4 * WIDTH, "patterns")
    source, shifted = _source_and_shifted(x)
    ok = (
        np.all(x[:, :WIDTH] == x[:, WIDTH : 2 * WIDTH], axis=1)
        & np.all(x[:, 2 * WIDTH : 3 * WIDTH] == x[:, 3 * WIDTH :], axis=1)
        & (np.all(shifted == np.roll(source, 1, axis=1), axis=1) | np.all(shifted == np.roll(source, -1, axis=1), axis=1))
    )
    if not np.all(ok):
        raise ValueError(
            f"patterns row {int(np.argmin(ok))} is not a shifter image; expected rows 0-7 = 8-15, "
            f"16-23 = 24-31, and the first row the third shifted by one pixel left or right"
        )
    return x


def deterministic_code_bound_bits(code, probs, top_prior=None):
    """A lower bound, in bits, on the average mean-field F (Eq. (12)) of a machine whose recognition states are binary.

    Suppose every recognition mean of Eq. (9) is 0 or 1, so the recognition model is a function
    z = f(x), and let t = t(x) be its top-layer part, the code. Then every KL term of Eq. (12) is a
    -log of a generative probability and F(x) = -log2 p(x, z(x)), a real code length: p is a
    normalised distribution over (x, z) (each unit a Bernoulli given its parents, under every rule).
    With a factorial top prior pi, p(x, z) = pi(t) p(x, z_below | t), and averaging over the data:

    - for each code value t, the probabilities p(x, z_below(x) | t) of the images with that code sum
      to at most 1, so (Gibbs' inequality) the image given its code costs at least
      H(X | T) = H(X) - H(T) bits (T is a function of X);
    - the code costs its cross-entropy under the prior, -E log2 pi(T) = H(T) + KL(q_T || pi), q_T
      the distribution of the code over the data.

    Hence E[F] >= H(X) + KL(q_T || pi) >= H(X), with equality when p(x, z_below | t) is the data's
    own conditional. Over factorial priors the KL is least at pi = the code's own marginals, where
    it is the multi-information sum_k H(T_k) - H(T) of the top units. For the shifter
    (``one_hot_direction_code``): H(X) = 6.606 bits, multi-information 0.472 bits, so E[F] >= 7.08
    bits at the best prior and 8.85 bits at the prior 0.05/1.05 of top biases fixed at 0.05 (odds).

    Parameters
    ----------
    code : array_like of 0/1, shape (n, n_L): the top units' states for each of n distinct images.
    probs : array_like, shape (n,): the images' probabilities (>= 0, summing to 1); H(X) is their
        entropy, so the n images must be distinct (``data.shifter_distribution`` gives the 508).
    top_prior : array_like, shape (n_L,), probabilities in [0, 1]: the factorial top prior (under
        the odds rules b/(1 + b) of the top bias b, under the sigmoid sigma(b)); None for the best
        one, the code's marginals.

    Returns
    -------
    dict of floats (bits; ``"top_prior"`` a list): ``"entropy_bits"`` H(X), ``"code_entropy_bits"``
    H(T), ``"top_prior"``, ``"cross_entropy_bits"`` -E log2 pi(T), ``"excess_bits"``
    KL(q_T || pi) (the multi-information when top_prior is None), ``"total_bits"`` H(X) + excess,
    the bound. Infinite if the prior gives a used code probability 0.
    """
    probs = as_distribution(probs, "probs")
    code = as_array(code, "code", ndim=2)
    if code.shape[0] != probs.size:
        raise ValueError(f"code has {code.shape[0]} rows and probs {probs.size} entries; expected one row per image")
    if code.shape[1] == 0:
        raise ValueError("code has 0 columns; expected at least one top unit")
    if not np.all((code == 0) | (code == 1)):
        raise ValueError(f"code contains the value {code[(code != 0) & (code != 1)][0]}; expected binary states (0 or 1)")
    marginals = probs @ code  # (n_L,)
    if top_prior is None:
        prior = marginals
    else:
        prior = as_array(top_prior, "top_prior", ndim=1)
        if prior.shape != marginals.shape:
            raise ValueError(f"top_prior has shape {prior.shape}; expected ({code.shape[1]},), one prior per top unit")
        if np.any((prior < 0) | (prior > 1)):
            raise ValueError(f"top_prior contains the value {prior[(prior < 0) | (prior > 1)][0]}; expected probabilities in [0, 1]")
    values, which = np.unique(code, axis=0, return_inverse=True)
    q_code = np.bincount(which.ravel(), weights=probs, minlength=len(values))  # distribution of the code
    used = q_code > 0
    with np.errstate(divide="ignore"):
        log_prior = np.where(values == 1, np.log2(prior), np.log2(1 - prior)).sum(axis=1)  # log2 pi(t) per code value
    cross = float(-(q_code[used] @ log_prior[used]))
    code_entropy = data.entropy_bits(q_code)
    entropy = data.entropy_bits(probs)
    excess = cross - code_entropy
    return {
        "entropy_bits": entropy,
        "code_entropy_bits": code_entropy,
        "top_prior": [float(p) for p in prior],
        "cross_entropy_bits": cross,
        "excess_bits": excess,
        "total_bits": entropy + excess,
    }


def score(hm, rule=None, n_samples=NLL_SAMPLES, seed=NLL_SEED):
    """Every number the shifter report gives for one machine (``benchmarks/shifter.py``).

    rule : the rule the machine was trained with (``"sigmoid"``, ``"eq11"``, ``"naive"``) or None
    (the machine's default), for F.

    Returns a dict: ``discovered``, ``best_threshold_accuracy`` and ``half_threshold_accuracy``
    (the best top unit's; per unit in ``accuracy_best_threshold`` and ``accuracy_at_half``),
    ``purity`` and ``top_direction`` (per top unit), ``pair_detectors`` (how many clean layer-2
    units), ``f_bits``, ``f_below_entropy``, ``nll_bits``, ``nll_stderr_bits``, ``nll_reliable_share``.
    """
    _check_shifter_machine(hm)
    rule = meanfield.check_rule(hm, rule)
    best = direction_accuracies(hm, threshold=None)
    half = direction_accuracies(hm, threshold=0.5)
    f_bits = free_energy_bits(hm, rule)
    nll = nll_bits(hm, n_samples, seed)
    record = {
        "discovered": bool(best.max() >= DISCOVERED_ACCURACY),
        "best_threshold_accuracy": float(best.max()),
        "half_threshold_accuracy": float(half.max()),
        "accuracy_best_threshold": [float(a) for a in best],
        "accuracy_at_half": [float(a) for a in half],
        "f_bits": f_bits,
        "f_below_entropy": bool(f_bits < data.entropy_bits(data.shifter_distribution()[1])),
        "nll_bits": nll["nll_bits"],
        "nll_stderr_bits": nll["stderr_bits"],
        "nll_reliable_share": nll["reliable_share"],
    }
    purity, direction = top_unit_purity(hm)
    record["purity"] = [float(p) for p in purity]
    record["top_direction"] = [DIRECTIONS[d] for d in direction]
    record["pair_detectors"] = int(pair_detectors(hm)["clean"].sum())
    return record
