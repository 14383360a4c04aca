"""Tests of hmlib.data: the shifter and bars distributions and samplers.

The expected entropies are worked out here from the generative processes by a different route
than enumerating images: H(image) = H(cause) - H(cause | image), where the cause (direction and
source row, or orientation and bars) is lost only for the few images two causes share.
"""

import math

import numpy as np
import pytest
from scipy.stats import chisquare

from hmlib import data


def _h(p):
    """Binary entropy in bits."""
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def _shifter_entropy_by_causes():
    # cause = (direction, source row): 1 + 8 H(0.2) bits. The direction is lost (1 bit, the two
    # directions being equally likely) exactly for the source rows equal to themselves shifted by two:
    # 00000000, 11111111, 01010101 and 10101010.
    p_ambiguous = 0.8**8 + 0.2**8 + 2 * 0.2**4 * 0.8**4
    return 1 + 8 * _h(0.2) - p_ambiguous * 1.0


def _bars_entropy_by_causes(p_vertical=2 / 3, p_bar=0.2):
    # cause = (orientation, 4 bars). The orientation is lost only for the blank image (no bar) and
    # the full image (all 4 bars); given such an image it is still vertical with probability p_vertical.
    p_ambiguous = (1 - p_bar) ** 4 + p_bar**4
    return _h(p_vertical) + 4 * _h(p_bar) - p_ambiguous * _h(p_vertical)


def test_shifter_distribution_counts_sums_and_entropy():
    patterns, probs = data.shifter_distribution()
    assert patterns.shape == (508, 32)  # 2 x 256 causes, 4 images shared by both directions
    assert len({tuple(p) for p in patterns}) == 508
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(probs > 0)
    assert data.entropy_bits(probs) == pytest.approx(_shifter_entropy_by_causes(), abs=1e-10)
    assert _shifter_entropy_by_causes() == pytest.approx(6.606, abs=5e-4)


def test_bars_distribution_counts_sums_and_entropy():
    patterns, probs = data.bars_distribution()
    assert patterns.shape == (30, 16)  # 2 x 16 causes, blank and full images shared
    assert len({tuple(p) for p in patterns}) == 30
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert data.entropy_bits(probs) == pytest.approx(_bars_entropy_by_causes(), abs=1e-10)
    assert _bars_entropy_by_causes() == pytest.approx(3.428, abs=5e-4)


def test_entropy_bits_of_a_fair_coin_and_a_certain_event():
    assert data.entropy_bits([0.5, 0.5]) == pytest.approx(1.0, abs=1e-12)
    assert data.entropy_bits([1.0, 0.0]) == 0.0


def _frequency_test(samples, patterns, probs, min_expected=5.0):
    """Chi-square p-value of sample counts against the distribution, rare patterns pooled."""
    index = {tuple(p): i for i, p in enumerate(patterns)}
    counts = np.zeros(len(patterns))
    for row in samples:
        counts[index[tuple(row)]] += 1  # a KeyError here means a pattern outside the distribution
    expected = probs * len(samples)
    rare = expected < min_expected
    observed, pooled = counts[~rare], expected[~rare]
    if rare.any():
        observed = np.append(observed, counts[rare].sum())
        pooled = np.append(pooled, expected[rare].sum())
    expected = pooled
    return chisquare(observed, expected).pvalue


def test_shifter_sample_frequencies_match_the_distribution():
    samples, _ = data.shifter(20000, seed=3)
    patterns, probs = data.shifter_distribution()
    assert _frequency_test(samples, patterns, probs) > 1e-3


def test_bars_sample_frequencies_match_the_distribution():
    samples, _ = data.bars(20000, seed=4)
    patterns, probs = data.bars_distribution()
    assert _frequency_test(samples, patterns, probs) > 1e-3


def test_shifter_direction_labels_match_the_images():
    patterns, direction = data.shifter(500, seed=5)
    images = data.to_images(patterns, data.SHIFTER_SHAPE)  # (500, 4, 8): shifted, shifted, source, source
    for image, d in zip(images, direction):
        shift = 1 if d == 1 else -1
        assert np.array_equal(image[0], image[1]) and np.array_equal(image[2], image[3])
        assert np.array_equal(image[0], np.roll(image[2], shift))
    assert 0.4 < direction.mean() < 0.6


def test_shifter_identifiable_flags_exactly_the_ambiguous_sources():
    patterns, _ = data.shifter_distribution()
    flags = data.shifter_identifiable(patterns)
    sources = {tuple(int(v) for v in p[16:24]) for p in patterns[~flags]}
    assert sources == {(0,) * 8, (1,) * 8, (0, 1) * 4, (1, 0) * 4}


def test_bars_orientation_labels_match_the_images():
    patterns, vertical = data.bars(500, seed=6)
    images = data.to_images(patterns, data.BARS_SHAPE)
    for image, v in zip(images, vertical):
        lines = image.T if v == 1 else image  # vertical: each column is all on or all off
        assert all(len(set(line)) == 1 for line in lines)
    assert 0.6 < vertical.mean() < 0.73


def test_samplers_are_reproducible_from_the_seed():
    a, _ = data.shifter(50, seed=7)
    b, _ = data.shifter(50, seed=7)
    c, _ = data.shifter(50, seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize(
    "call",
    [
        lambda: data.shifter(0),
        lambda: data.shifter(10, seed=-1),
        lambda: data.bars(10, p_vertical=1.5),
        lambda: data.bars(10, p_bar=-0.1),
        lambda: data.bars_distribution(p_bar=float("nan")),
        lambda: data.to_images(np.zeros((3, 31)), data.SHIFTER_SHAPE),
    ],
)
def test_bad_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.shifter(2.5), "n is 2.5"),
        (lambda: data.bars(10, p_bar="0.2"), "p_bar"),
        (lambda: data.to_images(np.zeros((3, 32)), 4), "shape"),
        (lambda: data.to_images([["0"] * 32], data.SHIFTER_SHAPE), "patterns has dtype"),
        (lambda: data.entropy_bits(["0.5", "0.5"]), "probs has dtype"),
        (lambda: data.shifter_identifiable(np.zeros((2, 32), dtype=complex)), "patterns has dtype"),
    ],
)
def test_inputs_of_the_wrong_kind_raise_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()
