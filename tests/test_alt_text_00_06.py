"""The text alternatives of the figures and widgets of notebooks 00-06 state the figures' numbers.

Every number a text states is parsed back and checked against the figure's data, computed here
with numpy or hmlib's maths (``exact``, ``meanfield``), never with the views' own formatting:
a number written with d decimals must lie within half a unit of its last digit of the value, and
have the digits the view promises (two significant digits, or 2 or 3 decimals). Hypothesis draws
arbitrary data for the views that take data; the notebooks' own figures are checked on the
notebooks' data, and their texts must not change when that data moves by round-off (nbval
compares them on every CPU). The widgets' texts must follow their controls.
"""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from hmlib import exact, meanfield, recognition_fit  # noqa: E402
from hmlib.model import HelmholtzMachine  # noqa: E402
from hmlib.views import _common, factorial, free_energy, imaging, networks, posterior  # noqa: E402

MINUS = "\u2212"
TIMES = "\u00d7"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# a number as the texts write it: a sign (+ or U+2212), digits with thousands commas, decimals,
# and a power of ten ("8.2 x 10^-6"); never a hyphen-minus
NUM = rf"[+{MINUS}]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?: {TIMES} 10\^{MINUS}?\d+)?"
EXAMPLES = settings(max_examples=30)  # each example draws a figure: a few seconds per test


# ---------------------------------------------------------------------------- reading numbers back
def value_of(shown):
    """The float a number of the text stands for."""
    mantissa, _, exponent = shown.replace(MINUS, "-").replace(",", "").partition(f" {TIMES} 10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def half_unit(shown):
    """Half a unit of the last digit written: how far the value may lie from the number shown."""
    mantissa, _, exponent = shown.replace(MINUS, "-").replace(",", "").partition(f" {TIMES} 10^")
    if "." in mantissa:
        return 0.5 * 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))
    return 0.5 * 10.0 ** (len(mantissa) - len(mantissa.rstrip("0")))  # "240": the last digit written is the tens


def assert_decimals(shown, value, decimals):
    """``shown`` is ``value`` written with exactly ``decimals`` decimals."""
    assert re.fullmatch(NUM, shown), shown
    assert len(shown.partition(".")[2]) == decimals, f"{shown!r} should have {decimals} decimals"
    assert abs(value_of(shown) - value) <= half_unit(shown) * (1 + 1e-9) + 1e-12, (shown, value)


def assert_significant(shown, value, digits=2):
    """``shown`` is ``value`` to ``digits`` significant digits (0 is written "0")."""
    assert re.fullmatch(NUM, shown), shown
    assert abs(value_of(shown) - value) <= half_unit(shown) * (1 + 1e-9) + 1e-300, (shown, value)
    mantissa = shown.partition(f" {TIMES}")[0]
    written = re.sub(r"\D", "", mantissa).lstrip("0")  # the significant digits
    if value == 0:
        assert shown == "0"
    elif "." in mantissa:
        assert len(written) == digits, f"{shown!r} should have {digits} significant digits"
    else:  # a whole number such as 120: its trailing zeros are not significant
        assert len(written.rstrip("0")) <= digits and len(written) >= digits, f"{shown!r}: {digits} digits"


def assert_count(shown, value):
    """A count: every digit of an integer below 10^15, else two significant digits."""
    if value == round(value) and abs(value) < 1e15:
        assert shown == f"{int(value):,}".replace("-", MINUS), (shown, value)
    else:
        assert_significant(shown, value)


def search(pattern, text):
    """The match of ``pattern`` in ``text``, which must be there."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return match


def assert_readable(alt):
    """Not a placeholder, short enough to listen to, one minus style, no negative zero."""
    assert isinstance(alt, str) and len(alt.split()) >= 15, alt
    assert len(alt) <= _common.MAX_ALT_CHARACTERS
    assert not re.search(r"<Figure size|^\s*(image|figure|plot)\s*$", alt, re.IGNORECASE), alt
    assert not re.search(r"(?<![\w)])-\d", alt), f"a hyphen-minus before a number: {alt!r}"
    assert not re.search(rf"{MINUS}0(?:\.0+)?(?![.\d])", alt), f"a negative zero: {alt!r}"
    assert not re.search(r"\b(nan|inf)\b", alt), alt


def unit_interval(n):
    return arrays(np.float64, n, elements=st.floats(0.0, 1.0))


def binary(p):
    return "".join(str(int(v)) for v in p)


# ---------------------------------------------------------------------------- notebook 00
def check_two_networks(alt, sizes):
    assert_readable(alt)
    assert f"same {chr(0x2013).join(map(str, sizes))} Helmholtz machine" in alt
    assert f"each with {sum(sizes)} units drawn as circles in {len(sizes)} rows" in alt
    arrows = sum(sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1))
    assert f"{arrows} arrows pointing up" in alt and f"the same {arrows} connections" in alt
    for layer in range(1, len(sizes)):
        assert f"{sizes[layer - 1]} {TIMES} {sizes[layer]} from layer {layer} to layer {layer + 1}" in alt
    assert f"layer {len(sizes)} ({sizes[-1]} unit" in alt


def test_two_networks_of_notebook_00_counts_units_and_arrows():
    alt = networks.two_networks((4, 3, 2)).alt
    check_two_networks(alt, (4, 3, 2))
    assert "18 arrows pointing up (4 \u00d7 3 from layer 1 to layer 2, 3 \u00d7 2 from layer 2 to layer 3)" in alt


@settings(max_examples=10)  # a large machine takes a second to draw: hundreds of arrows
@given(st.lists(st.integers(1, networks.MAX_DRAWN_UNITS), min_size=2, max_size=networks.MAX_DRAWN_LAYERS))
@example([networks.MAX_DRAWN_UNITS] * networks.MAX_DRAWN_LAYERS)  # the longest text
def test_two_networks_text_counts_any_machine(sizes):
    check_two_networks(networks.two_networks(sizes).alt, sizes)


# ---------------------------------------------------------------------------- notebook 01
def check_sample_frequencies(alt, patterns, p, f, n):
    assert_readable(alt)
    labels = [binary(row) for row in patterns]
    match = search(rf"over (\d+) visible patterns? x, ([01]+) to ([01]+):.* in ({NUM}) samples", alt)
    assert (int(match[1]), match[2], match[3]) == (len(p), labels[0], labels[-1])
    assert_count(match[4], n)
    gap = np.abs(f - p)
    match = search(rf"between the two bars of a pattern is ({NUM}), at ([01]+) \(p = ({NUM}), frequency ({NUM})\)", alt)
    assert_significant(match[1], gap.max())
    # the pattern named has the largest gap (ties: any of them), and its two bars are those named
    named = [i for i in range(len(p)) if labels[i] == match[2] and gap[i] == gap.max()]
    assert named
    assert_significant(match[3], p[named[0]])
    assert_significant(match[4], f[named[0]])
    top = re.findall(rf"([01]+) \(({NUM})\)", search(r"Most probable: (.*?)\.(?= Least|$)", alt)[1])
    assert len(top) == min(3, len(p))
    for (label, shown), value in zip(top, sorted(p, reverse=True)):
        assert_significant(shown, value)
        assert any(labels[i] == label and p[i] == value for i in range(len(p))), (label, value)
    if len(p) > 3:
        label, shown = search(rf"Least probable: ([01]+) \(({NUM})\)\.$", alt).groups()
        assert_significant(shown, p.min())
        assert any(labels[i] == label and p[i] == p.min() for i in range(len(p)))
    else:
        assert "Least probable" not in alt


def notebook_01_samples():
    """p(x) and the frequencies of 20,000 samples, as notebook 01 computes them."""
    hm = HelmholtzMachine.random((4, 3, 2), seed=1, scale=1.5)
    patterns = exact.binary_patterns(4)
    p = np.exp(exact.log_evidence(hm, patterns))
    samples = hm.sample_generative(20_000, seed=1)[0]
    frequency = np.bincount((samples @ 2 ** np.arange(3, -1, -1)).astype(int), minlength=16) / 20_000
    return patterns, p, frequency


def test_sample_frequencies_of_notebook_01_state_the_gap_and_the_tallest_bars():
    patterns, p, frequency = notebook_01_samples()
    alt = networks.sample_frequencies(patterns, p, frequency, 20_000).alt
    check_sample_frequencies(alt, patterns, p, frequency, 20_000)
    assert "largest difference between the two bars of a pattern is 0.0020, at 0010" in alt
    assert alt.endswith("Most probable: 1100 (0.21), 1110 (0.17), 0100 (0.13). Least probable: 0011 (0.0099).")


@EXAMPLES
@given(st.data())
def test_sample_frequencies_text_states_any_data(data):
    k, units = data.draw(st.integers(1, 20)), data.draw(st.integers(1, 8))
    patterns = data.draw(arrays(np.float64, (k, units), elements=st.sampled_from([0.0, 1.0])))
    p, f = data.draw(unit_interval(k)), data.draw(unit_interval(k))
    n = data.draw(st.integers(1, 10**7))
    check_sample_frequencies(networks.sample_frequencies(patterns, p, f, n).alt, patterns, p, f, n)


def check_enumeration_cost(alt, n_hidden, n_terms):
    assert_readable(alt)
    first, h_first, last, h_last = search(
        rf"from ({NUM}) at H = ({NUM}) to ({NUM}) at H = ({NUM})\.", alt).groups()
    for shown, value in ((first, n_terms[0]), (h_first, n_hidden[0]), (last, n_terms[-1]), (h_last, n_hidden[-1])):
        assert_count(shown, value)
    claim = re.search(rf"straight line: each extra hidden unit multiplies the count by ({NUM})", alt)
    if n_hidden[-1] == n_hidden[0]:
        assert not claim
        return
    slope = (np.log(n_terms[-1]) - np.log(n_terms[0])) / (n_hidden[-1] - n_hidden[0])
    off_line = np.abs(np.log(n_terms) - np.log(n_terms[0]) - slope * (n_hidden - n_hidden[0])).max()
    if claim:
        assert off_line < 1e-5, "a straight line is claimed for points off it"
        assert_significant(claim[1], np.exp(slope))
    else:
        assert off_line > 1e-7, "points on a straight line, but the text does not say so"


def test_enumeration_cost_of_notebook_01_doubles_per_unit():
    n_hidden = np.arange(1, 37)
    alt = networks.enumeration_cost(n_hidden, 2.0**n_hidden).alt
    check_enumeration_cost(alt, n_hidden, 2.0**n_hidden)
    assert "from 2 at H = 1 to 68,719,476,736 at H = 36" in alt  # 2^36, by hand
    assert "multiplies the count by 2.0" in alt


@EXAMPLES
@given(st.data())
def test_enumeration_cost_text_states_any_counts(data):
    n_hidden = np.array(data.draw(st.lists(st.integers(0, 60), min_size=1, max_size=40)), dtype=float)
    if data.draw(st.booleans()):  # exponential growth: a straight line on the log scale
        n_terms = data.draw(st.floats(1.1, 3.0)) ** n_hidden
    else:
        n_terms = data.draw(arrays(np.float64, n_hidden.size, elements=st.floats(1e-3, 1e100)))
    check_enumeration_cost(networks.enumeration_cost(n_hidden, n_terms).alt, n_hidden, n_terms)


# ---------------------------------------------------------------------------- notebook 02
CELLS = rf"both off ({NUM}), only (.+?) on ({NUM}), only (.+?) on ({NUM}), both on ({NUM})"


def check_posterior_grid(alt, table, product, labels):
    assert_readable(alt)
    left = search(rf"Left, the exact posterior P_z of Eq\. \(3\): {CELLS}\.", alt)
    right = search(rf"Right, the product of its marginals: {CELLS}\.", alt)
    for match, values in ((left, table), (right, product)):
        assert (match[2], match[4]) == (labels[1], labels[0])
        for shown, value in zip((match[1], match[3], match[5], match[6]), values.ravel()):
            assert_decimals(shown, value, 2)
    both, product_both = left[6], right[6]
    if both == product_both:
        assert f"Both causes on: {both} in both tables." in alt
    else:
        assert f"Both causes on: {product_both} in the product, {both} in the posterior; " in alt
        assert ("explaining away" in alt) == (table[1, 1] < product[1, 1])


def test_posterior_grid_of_notebook_02_shows_explaining_away():
    # by hand: each cause on with prior sigma(-2); the effect on with sigma(-3 + 5A + 5B)
    sigma = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    joint = np.array([[(sigma(-2) if a else 1 - sigma(-2)) * (sigma(-2) if b else 1 - sigma(-2))
                       * sigma(-3 + 5 * a + 5 * b) for b in (0, 1)] for a in (0, 1)])
    table = joint / joint.sum()
    product = np.outer(table.sum(axis=1), table.sum(axis=0))
    alarm = HelmholtzMachine([np.array([[5.0], [5.0]])], [np.array([-3.0]), np.array([-2.0, -2.0])],
                             [np.zeros((1, 2))], [np.zeros(2)])
    from_hmlib = exact.posterior(alarm, np.array([[1.0]]))[0].reshape(2, 2)
    np.testing.assert_allclose(from_hmlib, table, rtol=0, atol=1e-12)
    alt = posterior.posterior_grid(from_hmlib, product, labels=("cause A", "cause B")).alt
    check_posterior_grid(alt, table, product, ("cause A", "cause B"))
    assert ("exact posterior P_z of Eq. (3): both off 0.16, only cause B on 0.39, only cause A on 0.39, "
            "both on 0.06") in alt
    assert "Both causes on: 0.20 in the product, 0.06 in the posterior; knowing one cause is on makes" in alt


@EXAMPLES
@given(unit_interval(4), unit_interval(4), st.sampled_from([("cause A", "cause B"), ("burglar", "earthquake")]))
def test_posterior_grid_text_states_any_tables(table, product, labels):
    table, product = table.reshape(2, 2), product.reshape(2, 2)
    check_posterior_grid(posterior.posterior_grid(table, product, labels).alt, table, product, labels)


def test_posterior_grid_refuses_labels_too_long_to_read_out():
    with pytest.raises(ValueError, match=r"labels\[1\] is 'x+\.\.\.; expected the name of a cause, 1 to 60 characters"):
        posterior.posterior_grid(np.full((2, 2), 0.25), np.full((2, 2), 0.25), labels=("A", "x" * 61))
    with pytest.raises(ValueError, match=r"labels\[0\] is ' '"):
        posterior.posterior_grid(np.full((2, 2), 0.25), np.full((2, 2), 0.25), labels=(" ", "B"))


# ---------------------------------------------------------------------------- notebook 03
def check_flat_line(alt, log_joint, log_posterior, log_z):
    assert_readable(alt)
    match = search(rf"over the (\d+) hidden configurations? z", alt)
    assert int(match[1]) == log_joint.size
    for name, values in (("log p\\(x, z\\) \\(circles\\) ranges", log_joint), ("log P_z \\(squares\\)", log_posterior)):
        low, high = search(rf"{name} from ({NUM}) to ({NUM})", alt).groups()
        assert_decimals(low, values.min(), 2)
        assert_decimals(high, values.max(), 2)
    difference = log_joint - log_posterior
    flat = re.search(rf"is flat at ({NUM}) for every z, (on|apart from) the dashed line log Z = ({NUM})\.", alt)
    if flat:
        assert_decimals(flat[1], difference.min(), 2)
        assert_decimals(flat[1], difference.max(), 2)
        assert_decimals(flat[3], log_z, 3)
        assert (flat[2] == "on") == (round(log_z, 2) == value_of(flat[1]))
    else:
        low, high, z = search(rf"ranges from ({NUM}) to ({NUM}); the dashed line log Z is at ({NUM})\.", alt).groups()
        assert_decimals(low, difference.min(), 2)
        assert_decimals(high, difference.max(), 2)
        assert low != high
        assert_decimals(z, log_z, 3)


def test_flat_line_of_notebook_03_lies_on_log_z():
    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    log_joint = exact.log_joint(hm, x)[0]
    log_posterior = np.log(exact.posterior(hm, x)[0])
    log_z = exact.log_evidence(hm, x)[0]
    for alt in (posterior.identity_flat_line().alt,
                posterior.identity_flat_line_plot(log_joint, log_posterior, log_z).alt):
        check_flat_line(alt, log_joint, log_posterior, log_z)
        assert f"is flat at {MINUS}5.06 for every z, on the dashed line log Z = {MINUS}5.062." in alt


@EXAMPLES
@given(st.data())
def test_flat_line_text_states_any_data(data):
    n = data.draw(st.integers(1, 40))
    log_joint = data.draw(arrays(np.float64, n, elements=st.floats(-100.0, 100.0)))
    if data.draw(st.booleans()):  # Eq. (4) holds: the difference is flat
        log_z = data.draw(st.floats(-50.0, 50.0))
        log_posterior = log_joint - log_z
    else:
        log_posterior = data.draw(arrays(np.float64, n, elements=st.floats(-100.0, 100.0)))
        log_z = data.draw(st.floats(-100.0, 100.0))
    alt = posterior.identity_flat_line_plot(log_joint, log_posterior, log_z).alt
    check_flat_line(alt, log_joint, log_posterior, log_z)


# ---------------------------------------------------------------------------- notebook 04
WATERFALL = (rf"at step (\d+): the bar {MINUS}F goes from 0 (down|up) to ({NUM}), the hatched bar \+ KL adds "
             rf"({NUM}) to it, and the bar = log Z goes from 0 (down|up) to ({NUM}), (level|not level) with")


def check_waterfall(alt, neg_f, kl, log_z, step):
    """The waterfall's three values at ``step`` (floats), as its labels write them."""
    match = search(WATERFALL, alt)
    assert int(match[1]) == step
    assert match[2] == ("down" if neg_f < 0 else "up") and match[5] == ("down" if log_z < 0 else "up")
    for shown, value in ((match[3], neg_f), (match[4], kl), (match[6], log_z)):
        assert_decimals(shown, value, 3)
    return match


def check_trajectory(alt, neg_f, kl, log_z, step):
    assert_readable(alt)
    match = check_waterfall(alt, neg_f[step], kl[step], log_z[step], step)
    assert (match[7] == "level") == (round(neg_f[step] + kl[step], 3) == round(log_z[step], 3))
    if neg_f.size == 1:
        assert "single point, step 0" in alt
        return
    assert f"over {neg_f.size - 1} gradient step" in alt and f"with step {step} marked" in alt
    for name, values in ((f"{MINUS}F \\(line\\)", neg_f), ("KL \\(the hatched band above the \u2212F line\\)", kl),
                         ("log Z \\(dashed line\\)", log_z)):
        match = search(rf"{name} (?:(rises|falls) from ({NUM}) to ({NUM})|stays at ({NUM}))", alt)
        if match[4]:
            assert_decimals(match[4], values[0], 2)
            assert_decimals(match[4], values[-1], 2)
        else:
            assert_decimals(match[2], values[0], 2)
            assert_decimals(match[3], values[-1], 2)
            assert match[1] == ("rises" if values[-1] > values[0] else "falls")


def test_explorer_figure_of_notebook_04_states_eq_6_at_step_20():
    trajectory = recognition_fit.explorer_trajectory(3, 2, pattern=11, seed=0)
    neg_f, kl, log_z = trajectory["neg_f"], trajectory["kl"], trajectory["log_z"]
    for alt in (free_energy.explorer_figure(neg_f, kl, log_z, step=20).alt, free_energy.free_energy_tradeoff().alt):
        check_trajectory(alt, neg_f, kl, log_z, 20)
        # the oracle: hmlib.exact on the machine after 0, 20 and 40 steps, not the trajectory's grid
        hm, x = trajectory["machine"], trajectory["x"]
        exact_neg_f = [-exact.free_energy(HelmholtzMachine(hm.theta, hm.theta_bias, *trajectory["params"][step]), x)[0]
                       for step in (0, 20, 40)]
        exact_log_z = exact.log_evidence(hm, x)[0]
        check_waterfall(alt, exact_neg_f[1], exact_log_z - exact_neg_f[1], exact_log_z, 20)
        rises = search(rf"{MINUS}F \(line\) rises from ({NUM}) to ({NUM})", alt)
        assert_decimals(rises[1], exact_neg_f[0], 2)
        assert_decimals(rises[2], exact_neg_f[2], 2)
        falls = search(rf"KL \(the hatched band above the {MINUS}F line\) falls from ({NUM}) to ({NUM})", alt)
        assert_decimals(falls[1], exact_log_z - exact_neg_f[0], 2)
        assert_decimals(falls[2], exact_log_z - exact_neg_f[2], 2)
        assert_decimals(search(rf"log Z \(dashed line\) stays at ({NUM})", alt)[1], exact_log_z, 2)
        assert "level with the top of the KL bar" in alt


@EXAMPLES
@given(st.data())
def test_explorer_text_states_any_trajectory(data):
    n = data.draw(st.integers(1, 45))
    neg_f = data.draw(arrays(np.float64, n, elements=st.floats(-30.0, 30.0)))
    kl = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 30.0)))
    if data.draw(st.booleans()):  # Eq. (6) holds
        log_z = neg_f + kl
    else:
        log_z = data.draw(arrays(np.float64, n, elements=st.floats(-30.0, 30.0)))
    step = data.draw(st.integers(0, n - 1))
    check_trajectory(free_energy.explorer_figure(neg_f, kl, log_z, step).alt, neg_f, kl, log_z, step)


# ---------------------------------------------------------------------------- notebook 05
POINT = rf"exact ({NUM}), mean field ({NUM}), ({NUM}) (below|above) the diagonal"
MARKERS = {2: "circles", 3: "squares", 4: "triangles", 5: "diamonds"}


def check_point(match, expected, meanfield_):
    """One point of the text, (exact, mean field, distance, side), is one of the data's points off
    the diagonal (two points may round alike: any of them will do)."""
    shown_e, shown_m, shown_d, side = match

    def fits(i):
        distance = abs(meanfield_[i] - expected[i])
        try:
            assert_decimals(shown_e, expected[i], 2)
            assert_decimals(shown_m, meanfield_[i], 2)
            assert_significant(shown_d, distance)
        except AssertionError:
            return False
        return side == ("below" if meanfield_[i] < expected[i] else "above") and distance >= 5e-4

    assert any(fits(i) for i in range(expected.size)), f"no point off the diagonal is {match}"


def check_meanfield(alt, expected, meanfield_, layers):
    assert_readable(alt)
    assert f"for {expected.size} hidden unit" in alt
    distance = np.abs(meanfield_ - expected)
    if np.unique(layers).size > 4:
        summary = search(rf"(\d+) layers, (\d+) to (\d+): (.*)\.$", alt)
        assert [int(g) for g in summary.groups()[:3]] == [np.unique(layers).size, layers.min(), layers.max()]
        parts = [(summary[4], np.ones(layers.size, dtype=bool))]
    else:
        parts = []
        for layer in np.unique(layers):
            mask = layers == layer
            marker = MARKERS.get(layer, "orange circles")
            part = search(rf"Layer {layer} \({marker}\), {mask.sum()} units?: (.*?)\.(?= Layer|$)", alt)
            parts.append((part[1], mask))
    for text, mask in parts:
        on = distance[mask] < 5e-4
        if text.startswith("all on the diagonal, from"):
            assert on.all() and mask.sum() > 4
            low, high = search(rf"from ({NUM}) to ({NUM})$", text).groups()
            assert_decimals(low, expected[mask].min(), 2)
            assert_decimals(high, expected[mask].max(), 2)
        elif text.startswith(("all on the diagonal", "on the diagonal, at")):
            assert on.all() and mask.sum() <= 4
            shown = re.findall(NUM, text)
            assert len(shown) == mask.sum()
            for s, value in zip(shown, expected[mask]):
                assert_decimals(s, value, 2)
        elif " on the diagonal; the farthest: " in text:
            count = search(r"^(\d+) of (\d+) on the diagonal", text)
            assert (int(count[1]), int(count[2])) == (on.sum(), mask.sum())
            far = search(POINT, text)
            check_point(far.groups(), expected[mask], meanfield_[mask])
            assert_significant(far[3], distance[mask].max())
        else:
            points = re.findall(POINT, text)
            assert len(points) + len(re.findall(r"on the diagonal at", text)) == mask.sum()
            assert len(points) == (~on).sum()
            for point in points:
                check_point(point, expected[mask], meanfield_[mask])


def notebook_05_means():
    """E_Q[s_j] and the mean-field means of Eq. (9) of notebook 05's machine (phi^{2,3} times 4)."""
    base = recognition_fit.explorer_machine(3, 2, seed=2)
    hm = HelmholtzMachine(base.theta, base.theta_bias, [base.phi[0], 4 * base.phi[1]], base.phi_bias)
    x = recognition_fit.visible_pattern(11)
    expected = exact.recognition_distribution(hm, x)[0] @ exact.hidden_configurations(hm.sizes)
    mean_field = np.concatenate(meanfield.recognition_means(hm, x)[1:], axis=1)[0]
    return expected, mean_field, np.array([2, 2, 2, 3, 3])


def test_meanfield_of_notebook_05_is_exact_in_layer_2_only():
    expected, mean_field, layers = notebook_05_means()
    alt = factorial.meanfield_against_expectation(expected, mean_field, layers).alt
    check_meanfield(alt, expected, mean_field, layers)
    assert "Layer 2 (circles), 3 units: all on the diagonal, at 0.47, 0.29 and 0.26." in alt
    assert ("Layer 3 (squares), 2 units: exact 0.30, mean field 0.15, 0.14 below the diagonal; "
            "exact 0.54, mean field 0.52, 0.012 below the diagonal.") in alt


@EXAMPLES
@given(st.data())
def test_meanfield_text_states_any_points(data):
    n = data.draw(st.integers(1, 14) | st.integers(15, 400))
    expected = data.draw(unit_interval(n))
    mean_field = data.draw(unit_interval(n))
    on = data.draw(arrays(bool, n) | st.just(np.ones(n, dtype=bool)))
    mean_field[on] = expected[on]  # some points exactly on the diagonal
    layers = data.draw(arrays(np.int64, n, elements=st.integers(2, data.draw(st.integers(2, 8)))))
    alt = factorial.meanfield_against_expectation(expected, mean_field, layers).alt
    check_meanfield(alt, expected, mean_field, layers)


def check_posterior_q(alt, p, q_layerwise, q_factorial, max_configs):
    assert_readable(alt)
    order = np.argsort(-p, kind="stable")[:max_configs]
    shown = order.size
    what = f"all {p.size}" if shown == p.size else f"the {shown} most probable of {p.size}"
    first, last = search(rf"over {what} hidden configurations z, most probable first, from ({NUM}) down to "
                         rf"(less than 0\.001|{NUM})\.", alt).groups()
    assert_significant(first, p.max())
    smallest = p[order[-1]]
    if last == "less than 0.001":
        assert smallest < 0.001
    else:
        assert_significant(last, smallest)
    rows = re.findall(rf"of (?:the most probable|the second|the third): ({NUM}), ({NUM}) and ({NUM})", alt)
    assert len(rows) == min(3, shown)
    for (sp, sl, sf), i in zip(rows, order):
        assert_significant(sp, p[i])
        assert_significant(sl, q_layerwise[i])
        assert_significant(sf, q_factorial[i])
    for family, q in (("dots", q_layerwise), ("crosses", q_factorial)):
        miss = np.abs(q[order] - p[order])
        worst, bar, total = search(
            rf"The {family} miss a bar by at most ({NUM}) \(bar (\d+)\), by ({NUM}) summed", alt).groups()
        assert_significant(worst, miss.max())
        assert miss[int(bar) - 1] == miss.max()
        assert_significant(total, miss.sum())


def test_posterior_against_q_of_notebook_05_shows_the_gap_of_each_family():
    fit = recognition_fit.best_factorial_fit(3, 2, pattern=11, seed=0)
    p = exact.posterior(fit["machine"], fit["x"])[0]  # the oracle for the bars: enumeration
    np.testing.assert_allclose(fit["posterior"], p, rtol=0, atol=1e-12)
    for alt in (factorial.posterior_against_q(p, fit["q_layerwise"], fit["q_factorial"]).alt,
                factorial.factorial_gap_example().alt):
        check_posterior_q(alt, p, fit["q_layerwise"], fit["q_factorial"], factorial.MAX_CONFIGS)
        assert "over all 32 hidden configurations z, most probable first, from 0.21 down to less than 0.001" in alt
        assert "The dots miss a bar by at most 0.042 (bar 3), by 0.25 summed" in alt
        assert "The crosses miss a bar by at most 0.081 (bar 4), by 0.63 summed" in alt


@EXAMPLES
@given(st.data())
def test_posterior_against_q_text_states_any_distributions(data):
    n = data.draw(st.integers(1, 40))
    p, q_layerwise, q_factorial = (data.draw(unit_interval(n)) for _ in range(3))
    max_configs = data.draw(st.integers(1, factorial.MAX_CONFIGS))
    alt = factorial.posterior_against_q(p, q_layerwise, q_factorial, max_configs=max_configs).alt
    check_posterior_q(alt, p, q_layerwise, q_factorial, max_configs)


# ---------------------------------------------------------------------------- notebook 06
def test_imaging_curves_of_notebook_06_compare_the_rules_by_hand():
    alt = imaging.imaging_curves().alt
    assert_readable(alt)
    # by hand: sigma(-6) = 1/(1 + e^6); sigma(1), sigma(4), sigma(12); u/(1+u) at 1, 4, 12 is 1/2, 4/5, 12/13
    start = search(rf"drawn for every u from {MINUS}6 to 12: it rises from ({NUM}), through ({NUM}) at u = 0", alt)
    assert_significant(start[1], 1 / (1 + np.exp(6.0)))
    assert_decimals(start[2], 0.5, 2)
    odds = search(rf"drawn only for u from 0 to 12: it starts at ({NUM}) at u = 0 and is ({NUM}) at u = 1", alt)
    assert_decimals(odds[1], 0.0, 2)
    assert_decimals(odds[2], 0.5, 2)
    values = search(rf"At u = 1, 4 and 12 the sigmoid is ({NUM}), ({NUM}) and ({NUM}), the odds rule ({NUM}), "
                    rf"({NUM}) and ({NUM}): the odds rule approaches 1 much more slowly", alt).groups()
    by_hand = [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(-4.0)), 1 / (1 + np.exp(-12.0)), 0.5, 0.8, 12 / 13]
    for shown, value in zip(values, by_hand):
        assert_decimals(shown, value, 2)


def check_comparison(alt, exact_, eq11, naive):
    assert_readable(alt)
    n = exact_.size
    assert f"Scatter plot of {n} random unit" in alt
    low, high = search(rf"horizontal, here from ({NUM}) to ({NUM})\)", alt).groups()
    assert_decimals(low, exact_.min(), 2)
    assert_decimals(high, exact_.max(), 2)
    for name, values in (("Naive", naive), ("Eq\\. \\(11\\)", eq11)):
        gap = values - exact_
        match = search(rf"{name} {MINUS} exact ranges from ({NUM}) to ({NUM}), mean ({NUM}): ([^.]*)\.", alt)
        for shown, value in zip(match.groups()[:3], (gap.min(), gap.max(), gap.mean())):
            assert_significant(shown, value)
            assert shown.startswith("+") == (value > 0) and shown.startswith(MINUS) == (value < 0)
        above = int(np.sum(gap >= 0))
        counts = [int(c) for c in re.findall(r"\d+", match[4])]
        if above in (0, n):
            assert counts == [n] and ("on or above" in match[4]) == (above == n)
        else:
            assert counts == [above, n - above]
    near = exact_ > 0.8
    sentence = re.search(rf"the (\d+) units? with exact E_Q\[p\] above 0\.8 the mean gaps are ({NUM}) \(naive\) "
                         rf"and ({NUM}) \(Eq\. \(11\)\)", alt)
    if 0 < near.sum() < n:
        assert int(sentence[1]) == near.sum()
        assert_significant(sentence[2], (naive - exact_)[near].mean())
        assert_significant(sentence[3], (eq11 - exact_)[near].mean())
        closer = all(abs((v - exact_)[near].mean()) < abs((v - exact_).mean()) for v in (naive, eq11))
        assert ("Near 1 both come closer to the diagonal" in alt) == closer
    else:
        assert not sentence


def test_eq11_against_exact_of_notebook_06_shows_jensen():
    comparison = imaging.random_unit_comparison(n=400, n_parents=4, bias=0.05, mean_weight=2.0, seed=0)
    for alt in (imaging.eq11_against_exact(comparison).alt, imaging.eq11_against_exact().alt):
        check_comparison(alt, comparison["exact"], comparison["eq11"], comparison["naive"])
        assert f"Naive {MINUS} exact ranges from +0.0023 to +0.29, mean +0.071: all 400 on or above" in alt
        assert f"mean {MINUS}0.11: all 400 below the diagonal." in alt
        assert "Near 1 both come closer to the diagonal: for the 93 units" in alt


@EXAMPLES
@given(st.data())
def test_eq11_against_exact_text_states_any_comparison(data):
    n = data.draw(st.integers(1, 60))
    exact_, eq11, naive = (data.draw(unit_interval(n)) for _ in range(3))
    alt = imaging.eq11_against_exact({"exact": exact_, "eq11": eq11, "naive": naive}).alt
    check_comparison(alt, exact_, eq11, naive)


def unit_by_hand(q, theta, b):
    """exact E_Q[p], naive and Eq. (11) for one odds unit, by summing over its parents' states."""
    q, theta = np.asarray(q, dtype=float), np.asarray(theta, dtype=float)
    expectation = 0.0
    for states in np.ndindex(*(2,) * q.size):
        s = np.array(states, dtype=float)
        u = b + s @ theta
        expectation += np.prod(np.where(s > 0, q, 1 - q)) * u / (1 + u)
    naive = 1 - 1 / (1 + b + q @ theta)
    eq11 = naive * (1 - np.prod(1 - q * theta / (1 + theta)) / (1 + b))
    return {"exact": expectation, "naive": naive, "eq11": eq11}


def check_sweep(alt, q, theta, b, unit, marker):
    assert_readable(alt)
    name = f"q{unit + 1}".translate(imaging.SUBSCRIPTS)
    assert f"as the mean {name} of parent {unit + 1} goes from 0 to 1, with " in alt
    for k in range(q.size):
        if k != unit:
            assert_decimals(search(rf"q{k + 1}".translate(imaging.SUBSCRIPTS) + rf" = ({NUM})", alt)[1], q[k], 2)
    ends = [unit_by_hand(np.where(np.arange(q.size) == unit, end, q), theta, b) for end in (0.0, 1.0)]
    for key, label in (("exact", "the exact E_Q\\[p\\] \\(solid\\)"), ("naive", "the naive value \\(dashed\\)"),
                       ("eq11", "Eq\\. \\(11\\) \\(dash-dotted\\)")):
        match = search(rf"{label} (?:(?:rises|falls) from ({NUM}) to ({NUM})|stays at ({NUM}))", alt)
        first, last = (match[3], match[3]) if match[3] else (match[1], match[2])
        assert_decimals(first, ends[0][key], 2)
        assert_decimals(last, ends[1][key], 2)
    grid = np.linspace(0.0, 1.0, imaging.SWEEP_POINTS)
    gaps = [(lambda r: r["naive"] - r["exact"])(unit_by_hand(np.where(np.arange(q.size) == unit, g, q), theta, b))
            for g in grid]
    assert "The naive curve is never below the exact one" in alt  # Jensen: u/(1+u) is concave
    widest, where = search(rf"they are furthest apart, by ({NUM}), at {name} = ({NUM})\.", alt).groups()
    assert_decimals(widest, max(gaps), 2)
    assert abs(gaps[int(np.argmin(np.abs(grid - value_of(where))))] - max(gaps)) < 1e-12
    if marker is None:
        assert "At the current" not in alt
    else:
        at = unit_by_hand(np.where(np.arange(q.size) == unit, marker, q), theta, b)
        match = search(rf"At the current {name} = ({NUM}) \(grey vertical line\): exact ({NUM}), naive ({NUM}), "
                       rf"Eq\. \(11\) ({NUM})\.", alt)
        assert_decimals(match[1], marker, 2)
        for shown, key in zip(match.groups()[1:], ("exact", "naive", "eq11")):
            assert_decimals(shown, at[key], 3)


def test_unit_probability_sweep_of_notebook_06_at_its_starting_values():
    alt = imaging.unit_probability_sweep([0.5, 0.5], [3.0, 1.0], 0.05, marker=0.5).alt
    check_sweep(alt, np.array([0.5, 0.5]), np.array([3.0, 1.0]), 0.05, 0, 0.5)
    # notebook 06: "Eq. (11) is below both (0.372, against 0.529 exact and 0.672 naive)"
    assert "exact 0.529, naive 0.672, Eq. (11) 0.372." in alt


@EXAMPLES
@given(st.data())
def test_unit_probability_sweep_text_states_any_unit(data):
    k = data.draw(st.integers(1, 4))
    q = data.draw(unit_interval(k))
    theta = data.draw(arrays(np.float64, k, elements=st.floats(0.0, 10.0)))
    b = data.draw(st.floats(0.0, 2.0))
    unit = data.draw(st.integers(0, k - 1))
    # a marked mean on the swept grid, as the widget's (the text reads the values off the drawn curves)
    on_grid = st.integers(0, imaging.SWEEP_POINTS - 1).map(lambda i: i / (imaging.SWEEP_POINTS - 1))
    marker = data.draw(st.none() | on_grid)
    alt = imaging.unit_probability_sweep(q, theta, b, unit=unit, marker=marker).alt
    check_sweep(alt, q, theta, b, unit, marker)


# ---------------------------------------------------------------------------- the notebooks' texts are stable
NOTEBOOK_FIGURES = {  # the data each notebook passes, as (view, positional arguments)
    "01 sample_frequencies": lambda: (networks.sample_frequencies, [*notebook_01_samples(), 20_000]),
    "01 enumeration_cost": lambda: (networks.enumeration_cost, [np.arange(1, 37), 2.0 ** np.arange(1, 37)]),
    "02 posterior_grid": lambda: (posterior.posterior_grid, [
        *(lambda t: (t, np.outer(t.sum(axis=1), t.sum(axis=0))))(exact.posterior(
            HelmholtzMachine([np.array([[5.0], [5.0]])], [np.array([-3.0]), np.array([-2.0, -2.0])],
                             [np.zeros((1, 2))], [np.zeros(2)]), np.array([[1.0]]))[0].reshape(2, 2))]),
    "03 identity_flat_line_plot": lambda: (posterior.identity_flat_line_plot, (lambda hm, x: [
        exact.log_joint(hm, x)[0], np.log(exact.posterior(hm, x)[0]), exact.log_evidence(hm, x)[0]])(
        HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5), np.array([[1.0, 0.0, 1.0, 1.0]]))),
    "04 explorer_figure": lambda: (free_energy.explorer_figure, [
        *(recognition_fit.explorer_trajectory(3, 2, 11, 0)[k] for k in ("neg_f", "kl", "log_z")), 20]),
    "05 meanfield_against_expectation": lambda: (factorial.meanfield_against_expectation, list(notebook_05_means())),
    "05 posterior_against_q": lambda: (factorial.posterior_against_q, [
        recognition_fit.best_factorial_fit(3, 2, 11, 0)[k] for k in ("posterior", "q_layerwise", "q_factorial")]),
    "06 eq11_against_exact": lambda: (imaging.eq11_against_exact, [imaging.random_unit_comparison(n=400)]),
}


def _nudged(argument, rng, size=1e-9):
    """``argument`` with every computed float moved by up to ``size`` relative: what another CPU's
    round-off does. Whole numbers (binary patterns, unit counts, powers of two) are exact on every CPU."""
    if isinstance(argument, dict):
        return {key: _nudged(value, rng, size) for key, value in argument.items()}
    if isinstance(argument, np.ndarray) and argument.dtype.kind == "f" and np.any(argument != np.round(argument)):
        return argument * (1 + size * rng.uniform(-1, 1, argument.shape))
    if isinstance(argument, float):
        return argument * (1 + size * rng.uniform(-1, 1))
    return argument


@pytest.mark.parametrize("name", sorted(NOTEBOOK_FIGURES))
def test_notebook_texts_do_not_change_with_round_off(name):
    view, arguments = NOTEBOOK_FIGURES[name]()
    alt = view(*arguments).alt
    assert_readable(alt)
    rng = np.random.default_rng(0)
    for _ in range(4):
        assert view(*(_nudged(a, rng) for a in arguments)).alt == alt


def test_the_round_off_check_sees_a_digit_on_a_rounding_boundary():
    """Not vacuous: a value that sits on a rounding boundary of the text changes with round-off."""
    rng = np.random.default_rng(0)
    table = np.array([[0.125, 0.375], [0.375, 0.125]])  # 0.125 lies on the boundary of 0.12 and 0.13
    texts = {posterior.posterior_grid(_nudged(table, rng), table).alt for _ in range(8)}
    assert len(texts) > 1


# ---------------------------------------------------------------------------- the views before and after update
@pytest.mark.parametrize("make, update", [
    (free_energy.ExplorerView, lambda view: view.update([-5.0, -4.0], [2.0, 1.0], [-3.0, -3.0], step=1)),
    (factorial.PosteriorQView, lambda view: view.update([0.6, 0.4], [0.5, 0.5], [0.3, 0.7])),
    (imaging.SweepView, lambda view: view.update(*imaging._sweep(np.array([0.5]), np.array([2.0]), 0.05, 0), 0.5)),
])
def test_a_widgets_figure_displays_only_once_described(make, update):
    view = make()
    with pytest.raises(ValueError, match="no text alternative"):
        view.fig._repr_mimebundle_()
    update(view)
    data, metadata = view.fig._repr_mimebundle_()
    assert data["text/plain"] == view.fig.alt and metadata["image/png"]["alt"] == view.fig.alt
    assert_readable(view.fig.alt)


# ---------------------------------------------------------------------------- the widgets
def test_free_energy_explorer_text_follows_its_controls():
    widget = free_energy.free_energy_explorer()

    def check():
        hm, x = widget.machine(), recognition_fit.visible_pattern(widget.controls["pattern"].value)
        neg_f, log_z = -exact.free_energy(hm, x)[0], exact.log_evidence(hm, x)[0]
        alt = widget.figure_alt
        assert_readable(alt)
        assert widget.figure.value[:8] == PNG_MAGIC
        sizes = f"4\u2013{widget.controls['n_hidden_2'].value}\u2013{widget.controls['n_hidden_3'].value}"
        assert alt.startswith(f"Machine {sizes}, x = {binary(x[0])}, seed {widget.controls['seed'].value}. ")
        check_waterfall(alt, neg_f, exact.kl_divergence(hm, x)[0], log_z, widget.controls["steps"].value)
        return alt

    texts = [check()]
    assert f"down to {MINUS}7.274, the hatched bar + KL adds 4.087" in texts[0]  # notebook 04, step 0
    for name, value in (("steps", 25), ("seed", 4), ("n_hidden_2", 5), ("pattern", 6)):
        widget.controls[name].value = value
        texts.append(check())
        assert texts[-1] != texts[-2], f"moving {name} left the text as it was"


def test_factorial_gap_explorer_text_follows_its_controls():
    widget = factorial.factorial_gap_explorer(n_hidden_2=3, n_hidden_3=2)

    def check():
        c = {name: control.value for name, control in widget.controls.items()}
        fit = recognition_fit.best_factorial_fit(c["n_hidden_2"], c["n_hidden_3"], c["pattern"], c["seed"])
        hm, x = fit["machine"], fit["x"]
        alt = widget.figure_alt
        assert_readable(alt)
        assert alt.startswith(f"Machine 4\u2013{c['n_hidden_2']}\u2013{c['n_hidden_3']}, x = {binary(x[0])}, "
                              f"seed {c['seed']}: ")
        layerwise, factorial_ = search(rf"smallest KL found ({NUM}) nats for the layer-wise Q, ({NUM}) nats for "
                                       r"the fully factorial Q\.", alt).groups()
        # the oracle: hmlib.exact's KL of the machines with the fitted recognition weights
        for shown, key in ((layerwise, "phi_layerwise"), (factorial_, "phi_factorial")):
            assert_significant(shown, exact.kl_divergence(HelmholtzMachine(hm.theta, hm.theta_bias, *fit[key]), x)[0])
        check_posterior_q(alt, exact.posterior(hm, x)[0], fit["q_layerwise"], fit["q_factorial"], factorial.MAX_CONFIGS)
        return alt

    texts = [check()]
    assert "smallest KL found 0.061 nats for the layer-wise Q, 0.36 nats for the fully factorial Q." in texts[0]
    for name, value in (("n_hidden_3", 3), ("seed", 2), ("pattern", 0)):
        widget.controls[name].value = value
        texts.append(check())
        assert texts[-1] != texts[-2], f"moving {name} left the text as it was"


def test_imaging_explorer_text_follows_its_controls():
    widget = imaging.imaging_explorer(q1=0.5, q2=0.5, theta1=3.0, theta2=1.0, bias=0.05)

    def check():
        c = {name: float(control.value) for name, control in widget.controls.items()}
        alt = widget.figure_alt
        check_sweep(alt, np.array([c["q1"], c["q2"]]), np.array([c["theta1"], c["theta2"]]), c["bias"], 0, c["q1"])
        for name, key in (("\u03b8\u2081", "theta1"), ("\u03b8\u2082", "theta2"), ("b", "bias")):
            assert abs(value_of(search(rf"{name} = ({NUM})", alt)[1]) - c[key]) < 1e-9
        return alt

    texts = [check()]
    assert "exact 0.529, naive 0.672, Eq. (11) 0.372." in texts[0]
    for name, value in (("q1", 0.8), ("q2", 0.15), ("theta1", 7.5), ("theta2", 0.0), ("bias", 1.2)):
        widget.controls[name].value = value
        texts.append(check())
        assert texts[-1] != texts[-2], f"moving {name} left the text as it was"
