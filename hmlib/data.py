"""The data sets of the classic experiments, as samples and as exact distributions.

- Shifter (Dayan et al. 1995, Fig. 1): four rows of 8 pixels. The bottom row is random (each pixel
  on with probability 0.2); the top row is the bottom row shifted one pixel left or right (with
  wrap-around, direction chosen with probability 1/2); the two middle rows duplicate the outer
  rows. Row order, top to bottom: shifted, shifted, source, source.
- Bars (Hinton et al. 1995, Fig. 2): 4x4 images. Vertical with probability ``p_vertical``, else
  horizontal; each of the 4 bars of that orientation is on independently with probability
  ``p_bar``; a pixel is the OR of the bars through it.

- Handwritten digits (Hinton et al. 1995; Frey, Hinton & Dayan 1996): scikit-learn's 8x8 digits,
  binarised and split per class into training, validation and test digits (:func:`digits`).

Patterns are flat float arrays of 0s and 1s, shape (n, 32), (n, 16) and (n, 64); ``to_images``
reshapes them for plots. Notebooks 07, 09 and 10 use them.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from hmlib._checks import (
    as_array,
    as_count,
    as_data,
    as_distribution,
    as_int,
    as_probability,
    as_rng,
    check_bytes,
    describe,
)

SHIFTER_SHAPE = (4, 8)
BARS_SHAPE = (4, 4)
DIGITS_SHAPE = (8, 8)
DIGITS_THRESHOLD = 7  # a pixel is on when its grey level (0..16) is above 7, i.e. 8 or more
DIGITS_TEST_EVERY = 3  # in each class, every third digit is a test digit (1/3) ...
DIGITS_VALIDATION_EVERY = 4  # ... and every fourth of the others a validation digit (1/6); the rest train (1/2)
_SHIFTER_P_ON = 0.2


def _shifter_image(source, direction):
    shifted = np.roll(source, 1 if direction == 1 else -1)  # right: pixel i takes pixel i-1
    return np.concatenate([shifted, shifted, source, source])


def shifter(n, seed=None):
    """Sample ``n`` shifter patterns.

    ``n`` patterns take 256 n bytes; more than 1 GiB is refused before anything is allocated.

    Returns
    -------
    patterns : ndarray, shape (n, 32), float 0/1; reshape with ``to_images(patterns, SHIFTER_SHAPE)``.
    direction : ndarray, shape (n,), int: 1 = shifted right, 0 = shifted left.
    """
    n = as_count(n)
    check_bytes((n, 32), "the shifter patterns (n rows)")
    rng = as_rng(seed)
    direction = (rng.random(n) < 0.5).astype(int)
    source = (rng.random((n, 8)) < _SHIFTER_P_ON).astype(float)
    shift = np.where(direction == 1, 1, -1)
    idx = (np.arange(8)[None, :] - shift[:, None]) % 8  # shifted[i] = source[i - shift]
    shifted = np.take_along_axis(source, idx, axis=1)
    patterns = np.concatenate([shifted, shifted, source, source], axis=1)
    return patterns, direction


def shifter_identifiable(patterns):
    """True for shifter patterns whose direction can be told from the image, shape (n,) bool.

    A source row equal to itself shifted by two pixels (all off, all on, 0101..., 1010...) looks
    the same shifted either way.

    patterns : array_like, shape (n, 32), binary shifter images (rows: shifted, shifted, source, source).
    """
    source = as_data(patterns, 32, "patterns")[:, 16:24]
    return np.any(np.roll(source, 1, axis=1) != np.roll(source, -1, axis=1), axis=1)


def _merge(images_and_probs):
    merged = {}
    for image, p in images_and_probs:
        key = tuple(int(v) for v in image)
        merged[key] = merged.get(key, 0.0) + p
    patterns = np.array(list(merged.keys()), dtype=float)
    probs = np.array(list(merged.values()))
    return patterns, probs


def shifter_distribution():
    """Every distinct shifter pattern with its exact probability.

    Returns
    -------
    patterns : ndarray, shape (508, 32).
    probs : ndarray, shape (508,), summing to 1 (entropy 6.606 bits).
    """
    items = []
    for bits in itertools.product((0.0, 1.0), repeat=8):
        source = np.array(bits)
        k = int(source.sum())
        p_source = _SHIFTER_P_ON**k * (1 - _SHIFTER_P_ON) ** (8 - k)
        for direction in (0, 1):
            items.append((_shifter_image(source, direction), 0.5 * p_source))
    return _merge(items)


def _bars_image(orientation_vertical, bars_on):
    image = np.zeros(BARS_SHAPE)
    for i, on in enumerate(bars_on):
        if on:
            if orientation_vertical:
                image[:, i] = 1.0
            else:
                image[i, :] = 1.0
    return image.ravel()


def bars(n, seed=None, p_vertical=2 / 3, p_bar=0.2):
    """Sample ``n`` bars images.

    ``n`` images take 128 n bytes; more than 1 GiB is refused before anything is allocated.

    Returns
    -------
    patterns : ndarray, shape (n, 16), float 0/1; reshape with ``to_images(patterns, BARS_SHAPE)``.
    vertical : ndarray, shape (n,), int: 1 = vertical bars, 0 = horizontal.
    """
    n = as_count(n)
    p_vertical = as_probability(p_vertical, "p_vertical")
    p_bar = as_probability(p_bar, "p_bar")
    check_bytes((n, 16), "the bars images (n rows)")
    rng = as_rng(seed)
    vertical = (rng.random(n) < p_vertical).astype(int)
    on = rng.random((n, 4)) < p_bar  # (n, 4): which bars are on
    vertical_images = np.repeat(on[:, None, :], 4, axis=1)  # (n, 4 rows, 4 cols): column i on
    images = np.where(vertical[:, None, None] == 1, vertical_images, vertical_images.transpose(0, 2, 1))
    return images.reshape(n, 16).astype(float), vertical


def bars_distribution(p_vertical=2 / 3, p_bar=0.2):
    """Every distinct bars image with its exact probability.

    Returns
    -------
    patterns : ndarray, shape (30, 16) with the defaults.
    probs : ndarray, shape (30,), summing to 1 (entropy 3.428 bits with the defaults).
    """
    p_vertical = as_probability(p_vertical, "p_vertical")
    p_bar = as_probability(p_bar, "p_bar")
    items = []
    for bars_on in itertools.product((0, 1), repeat=4):
        k = sum(bars_on)
        p_bars = p_bar**k * (1 - p_bar) ** (4 - k)
        items.append((_bars_image(True, bars_on), p_vertical * p_bars))
        items.append((_bars_image(False, bars_on), (1 - p_vertical) * p_bars))
    return _merge(items)


def entropy_bits(probs):
    """Entropy -sum p log2 p of a distribution, in bits (0 log 0 = 0).

    probs : array_like, shape (k,), probabilities >= 0 that sum to 1 (to within 1e-9).
    """
    p = as_distribution(probs, "probs")
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def to_images(patterns, shape):
    """Reshape flat patterns (n, rows*cols) to images (n, rows, cols) for plotting.

    patterns : array_like, shape (n, rows*cols), real numbers; shape : (rows, cols), positive ints.
    Returns a new float array.
    """
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"shape is {describe(shape)}; expected a pair (rows, cols) such as SHIFTER_SHAPE")
    if len(shape) != 2:
        raise ValueError(f"shape is {describe(shape)}; expected a pair (rows, cols) such as SHIFTER_SHAPE")
    rows, cols = (as_count(v, f"shape[{i}]") for i, v in enumerate(shape))
    patterns = as_array(patterns, "patterns")
    if patterns.ndim != 2 or patterns.shape[1] != rows * cols:
        raise ValueError(f"patterns have shape {patterns.shape}; expected (n, {rows * cols}) for images of shape {shape}")
    return patterns.reshape(-1, rows, cols)


# ---------------------------------------------------------------------- handwritten digits
@dataclass(frozen=True)
class DigitsSplit:
    """The binary 8x8 digits, split per class; returned by :func:`digits`.

    Every ``x_*`` is a float array of 0s and 1s, shape (n, 64), rows in the order of scikit-learn's
    data set within each class, classes 0 to 9 in turn; every ``y_*`` holds the class (0..9) of
    each row, shape (n,). Reshape digits with ``to_images(x, DIGITS_SHAPE)``.
    """

    x_train: np.ndarray  # (about 900, 64): for fitting
    y_train: np.ndarray
    x_valid: np.ndarray  # (about 300, 64): for choices (rates, components, when to stop), never for fitting
    y_valid: np.ndarray
    x_test: np.ndarray  # (about 600, 64): only for the final scores
    y_test: np.ndarray
    threshold: int  # a pixel is on when its grey level is above this

    def of_class(self, part, digit):
        """The rows of ``part`` (``"train"``, ``"valid"`` or ``"test"``) whose class is ``digit``, shape (n, 64)."""
        if part not in ("train", "valid", "test"):
            raise ValueError(f"part is {describe(part)}; expected 'train', 'valid' or 'test'")
        digit = as_int(digit, "digit", low=0, high=9)
        x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
        return x[y == digit]


def digits(threshold=DIGITS_THRESHOLD):
    """scikit-learn's 8x8 handwritten digits (1797 images, grey levels 0..16), binarised and split.

    A pixel is on (1) when its grey level is above ``threshold``. Each class is split
    deterministically, in the order the data set lists it: digit k of its class (k = 0, 1, ...) is a
    test digit when ``k % 3 == 2`` (1/3 of the class); of the remaining digits, every fourth
    (the 4th, 8th, ...) is a validation digit (1/6 of the class); the rest are training digits
    (1/2, about 90 per class). The data ship with scikit-learn; nothing is downloaded.

    Hinton, Dayan, Frey & Neal (1995) and Frey, Hinton & Dayan (1996) trained on about 700 digits
    per class of a different, larger data set, so compare models on this split, not with the
    papers' absolute bits.

    Parameters
    ----------
    threshold : int from 0 to 15.

    Returns
    -------
    DigitsSplit
    """
    threshold = as_int(threshold, "threshold", low=0, high=15)
    from sklearn.datasets import load_digits  # imported here: only the digits need scikit-learn

    data = load_digits()
    x = (data.data > threshold).astype(float)  # (1797, 64)
    y = data.target.astype(int)  # (1797,)
    parts = {"train": [], "valid": [], "test": []}
    for digit in range(10):
        rows = np.flatnonzero(y == digit)  # this class, in the data set's order
        k = np.arange(len(rows))
        parts["test"].append(rows[k % DIGITS_TEST_EVERY == DIGITS_TEST_EVERY - 1])
        rest = rows[k % DIGITS_TEST_EVERY != DIGITS_TEST_EVERY - 1]
        j = np.arange(len(rest))
        parts["valid"].append(rest[j % DIGITS_VALIDATION_EVERY == DIGITS_VALIDATION_EVERY - 1])
        parts["train"].append(rest[j % DIGITS_VALIDATION_EVERY != DIGITS_VALIDATION_EVERY - 1])
    index = {part: np.concatenate(chunks) for part, chunks in parts.items()}
    return DigitsSplit(
        x_train=x[index["train"]], y_train=y[index["train"]],
        x_valid=x[index["valid"]], y_valid=y[index["valid"]],
        x_test=x[index["test"]], y_test=y[index["test"]],
        threshold=threshold,
    )
