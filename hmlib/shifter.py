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
- :func:`binary_code_bound_bits`: why a minimiser of the mean-field F need not produce a binary
  direction code (F >= 2 + 8 H(0.2) = 7.78 bits for any binary one);
- :func:`score`: all of it for one machine, as a dict (``benchmarks/shifter.py`` prints it).

Pixels are numbered row by row: 0-7 and 8-15 are the two shifted rows, 16-23 and 24-31 the two
source rows. A shift to the right moves source pixel i to shifted pixel i + 1 (with wrap-around).
"""

import numpy as np

from hmlib import data, meanfield
from hmlib._checks import as_count, as_machine, as_probability, as_real
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


def _entropy_bits(p):
    return 0.0 if p in (0.0, 1.0) else float(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def binary_code_bound_bits(p_on=0.2, width=WIDTH):
    """The least mean-field F of a machine whose recognition states are binary and code the direction.

    With every recognition mean 0 or 1, F is the exact code length -log2 p(x, z) (Eq. (12)). Two
    top units coding the direction as (1, 0) / (0, 1), each direction half the time, cost
    -1/2 [log2 pi_1 + log2(1 - pi_2)] - 1/2 [log2(1 - pi_1) + log2 pi_2] bits for top priors
    pi_1, pi_2, which is least, 2 bits, at pi = 1/2. Given the direction the image still holds its
    source row, whose code costs at least its entropy ``width`` H(``p_on``). Hence
    F >= 2 + 8 H(0.2) = 7.78 bits, above the 6.606-bit entropy of the images and above the F the
    graded (non-binary) solutions reach.

    Returns dict: ``"top_bits"`` (2.0), ``"source_bits"`` (``width`` H(``p_on``)), ``"total_bits"``.
    """
    p_on = as_real(p_on, "p_on", low=0.0, high=1.0)
    width = as_count(width, "width")
    top = 2 * _entropy_bits(0.5)  # the minimum over the priors, at pi_1 = pi_2 = 1/2
    source = width * _entropy_bits(p_on)
    return {"top_bits": top, "source_bits": source, "total_bits": top + source}


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
