"""The number style of the text alternatives (hmlib.views._common, section "text alternatives"):
significant digits against Python's decimal module (exact binary value, rounded half to even),
fixed decimals, counts, lists, never "−0", always the typographic minus."""

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlib.views._common import (
    change_text,
    count_text,
    fixed_decimals,
    listing,
    numpy_significant,
    plural,
    short_number,
    significant,
    sizes_text,
    value_range,
)

MINUS = "\u2212"


def decimal_of(text):
    """The Decimal a text alternative writes ("−8.2 × 10^−6" is -8.2E-6)."""
    text = text.replace(MINUS, "-").replace("+", "")
    if " × 10^" in text:
        mantissa, exponent = text.split(" × 10^")
        return Decimal(mantissa).scaleb(int(exponent))
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (0.0, 2, "0"), (-0.0, 2, "0"), (0.002, 2, "0.0020"), (0.5, 2, "0.50"), (123.0, 2, "120"),
    (-3.44, 2, MINUS + "3.4"), (0.0996, 2, "0.10"), (0.0000996, 2, "0.00010"),
    (0.0000082, 2, "8.2 × 10^" + MINUS + "6"), (999_700.0, 2, "1.0 × 10^6"), (123_456.0, 3, "123000"),
])
def test_significant_writes_the_rounded_value_with_its_trailing_zeros(value, digits, expected):
    assert significant(value, digits) == expected


def test_significant_signs_only_positive_values():
    assert [significant(v, sign=True) for v in (0.0712, 0.0, -0.11)] == ["+0.071", "0", MINUS + "0.11"]


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False).filter(lambda v: v != 0),
       st.integers(1, 5))
def test_significant_equals_the_decimal_rounding_of_the_exact_value(value, digits):
    exact = Decimal(value)  # the binary value, every digit
    quantum = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    rounded = exact.quantize(quantum, rounding=ROUND_HALF_EVEN)
    shown = significant(value, digits)
    assert "-" not in shown and decimal_of(shown) == rounded
    if "×" not in shown:  # positional: exactly `digits` significant digits (whole numbers may pad with zeros)
        written = shown.replace(MINUS, "").replace(".", "").lstrip("0")
        assert len(written) >= digits and ("." not in shown or len(written) == digits)


@pytest.mark.parametrize(("value", "expected"), [
    (0.5, "0.5"), (0.898, "0.9"), (0.1, "0.10"), (1.0, "1.0"), (0.0, "0.0"), (-0.0, "0.0"), (16.0, "16"),
    (-0.25, MINUS + "0.25"), (0.0000996, "1.0 × 10^" + MINUS + "4"),
])
def test_numpy_significant_keeps_numpys_positional_form(value, expected):
    assert numpy_significant(value) == expected


@pytest.mark.parametrize(("value", "decimals", "sign", "expected"), [
    (-9.8264, 3, False, MINUS + "9.826"), (0.5, 2, False, "0.50"), (2.71, 1, True, "+2.7"),
    (-1e-17, 2, False, "0.00"), (-0.004, 2, True, "0.00"), (0.125, 2, False, "0.12"),  # half to even, exactly
    (1_234_567.0, 2, False, "1.23 × 10^6"),
])
def test_fixed_decimals(value, decimals, sign, expected):
    assert fixed_decimals(value, decimals, sign) == expected


def test_fixed_decimals_writes_every_digit_when_asked():
    assert fixed_decimals(-1_234_567.891, 2, scientific=False) == MINUS + "1234567.89"


def test_short_number_counts_and_lists():
    assert [short_number(v) for v in (16.0, 12.44, 0.005, 1.0, -0.0, -2.5)] == ["16", "12.4", "0.005", "1", "0",
                                                                               MINUS + "2.5"]
    assert count_text(2.0**36) == "68,719,476,736"
    assert count_text(2.5, 2) == "2.5" and count_text(2.5) == "2.50" and count_text(2.5, numpy_style=True) == "2.50"
    assert count_text(1e15) == "1.00 × 10^15"
    assert [plural(n, "unit") for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
    assert [listing(x) for x in (["a"], ["a", "b"], [1, 2, 4])] == ["a", "a and b", "1, 2 and 4"]
    assert sizes_text((4, 3, 2)) == "4–3–2"
    assert value_range(np.array([0.31, 0.29]), significant) == "0.29 to 0.31"
    assert value_range(np.array([0.301, 0.299]), significant) == "0.30"
    assert change_text([-7.271, -3.419], lambda v: fixed_decimals(v, 2)) == f"rises from {MINUS}7.27 to {MINUS}3.42"
    assert change_text([2.0, 1.0], significant) == "falls from 2.0 to 1.0"
    assert change_text([0.5, 0.501], significant) == "stays at 0.50"
