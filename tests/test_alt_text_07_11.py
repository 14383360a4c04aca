"""The text alternatives of the figures of notebooks 07-11 state the figures' numbers, and the
training progress bar is a named progress bar.

Every number a text states is parsed back and checked against the figure's data, computed here
with plain numpy loops (or hmlib's maths for the notebooks' inputs), never with the views' own
formatting: a number written with d decimals must lie within half a unit of its last digit of the
value. Hypothesis draws arbitrary data for the views that take data (the deterministic profile of
``tests/conftest.py``); the notebooks' own figures are checked on the notebooks' data, mostly the
saved results of ``benchmarks/results``. Every text is at most 1000 characters and no placeholder.
"""

import html
import json
import re
import statistics

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402

from hmlib import data, exact, iwae, wakesleep  # noqa: E402
from hmlib.model import HelmholtzMachine  # noqa: E402
from hmlib.results import results_dir  # noqa: E402
from hmlib.views import _common, digits, progress, rws, shifter  # noqa: E402
from hmlib.views import wakesleep as wakesleep_views  # noqa: E402

MINUS = "\u2212"
TIMES = "\u00d7"
# a number as the texts write it: a sign (+ or U+2212), digits with thousands commas, decimals, and
# a power of ten for the very large and very small ("2.1 × 10^−5"); never a hyphen-minus
NUM = rf"[+{MINUS}]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?: {TIMES} 10\^{MINUS}?\d+)?"
PLACEHOLDER = re.compile(r"^\s*(image|figure|plot|chart|graph|png)?\s*\.?\s*$|^<Figure size", re.IGNORECASE)
EXAMPLES = settings(max_examples=25)  # each example draws a figure: a few seconds per test
SHIFTER_RULES = {"eq11": "Eq. (11)", "naive": "naive odds", "sigmoid": "sigmoid"}


# ---------------------------------------------------------------------------- reading numbers back
def value_of(shown):
    """The float a number of the text stands for."""
    mantissa, _, exponent = shown.replace(MINUS, "-").replace(",", "").partition(f" {TIMES} 10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def assert_shows(shown, value):
    """``shown`` is ``value`` rounded to the digits it shows: within half a unit of its last digit."""
    assert re.fullmatch(NUM, shown), f"{shown!r} is not a number as the texts write them"
    mantissa, _, exponent = shown.replace(MINUS, "-").replace(",", "").partition(f" {TIMES} 10^")
    half_unit = 0.5 * 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))
    assert abs(value_of(shown) - value) <= half_unit * (1 + 1e-9) + 1e-300, (shown, value)


def assert_range(shown, values):
    """``shown`` is "a to b" (or one number "a"): the smallest and largest of ``values``."""
    low, _, high = shown.partition(" to ")
    assert_shows(low, np.min(values))
    assert_shows(high or low, np.max(values))


def units_in(listed):
    """Unit numbers of a list such as "4–6, 12, 16" (ranges with an en dash), as a set; "none" is empty."""
    if listed == "none":
        return set()
    found = set()
    for part in listed.split(", "):
        first, _, last = part.partition("\u2013")
        found.update(range(int(first), int(last or first) + 1))
    return found


def search(pattern, text):
    """The match of ``pattern`` in ``text``, which must exist."""
    match = re.search(pattern, text)
    assert match, f"no {pattern!r} in {text!r}"
    return match


def checked(fig):
    """The text alternative of ``fig``, after the checks every figure passes: a CourseFigure whose
    text is no placeholder, at most MAX_ALT_CHARACTERS long, and is what the notebook displays."""
    assert isinstance(fig, _common.CourseFigure)
    alt = fig.alt
    assert alt and not PLACEHOLDER.search(alt) and len(alt) <= _common.MAX_ALT_CHARACTERS, alt
    assert "-" not in re.sub(r"[A-Za-z\d]-[A-Za-z\d]", "", alt).replace("p_data", ""), \
        f"a hyphen-minus where a typographic minus belongs: {alt!r}"
    fig.clear()
    return alt


def bundle(fig):
    """What IPython displays for ``fig``: (data, metadata)."""
    return DisplayFormatter().format(fig)


# ---------------------------------------------------------------------------- notebook 07: the shifter
def saved_shifter_runs():
    return json.loads((results_dir("shifter") / "runs.json").read_text())["runs"]


def shifter_machine(rule, seed):
    return HelmholtzMachine.load(results_dir("shifter") / f"{rule}_seed{seed}.npz")


def check_curves_text(alt, curves, rules, entropy_bits, every=50):
    assert f"from 1 to {(max(len(c) for c in curves) - 1) * every + 1:,}".replace(",", "") in alt.replace(",", "")
    for rule, name in SHIFTER_RULES.items():
        ends = [c[-1] for c, r in zip(curves, rules) if r == rule]
        if not ends:
            assert f"{name} run" not in alt
            continue
        match = search(rf"{re.escape(name)} ({NUM}(?: to {NUM})?) bits", alt[alt.index("At the last point"):])
        assert_range(match.group(1), ends)
        assert f"{len(ends)} {name} run" in alt
        if entropy_bits is not None:
            below = search(rf"{re.escape(name)} {re.escape(match.group(1))} bits, (\d+) of (\d+) below", alt)
            assert (int(below.group(1)), int(below.group(2))) == (sum(e < entropy_bits for e in ends), len(ends))


def test_free_energy_curves_text_gives_where_each_rule_ends_against_the_entropy():
    runs = saved_shifter_runs()
    entropy_bits = data.entropy_bits(data.shifter_distribution()[1])
    alt = checked(shifter.free_energy_curves(runs, entropy_bits=entropy_bits))
    curves, rules = [r["free_energy_curve"] for r in runs], [r["imaging"] for r in runs]
    check_curves_text(alt, curves, rules, entropy_bits)
    assert_shows(search(rf"data entropy, ({NUM}) bits", alt).group(1), 6.606)
    # the curves start far above the axis, which stops at 16 bits: the text says so
    assert_range(search(rf"start at ({NUM} to {NUM}) bits, above the top of the axis \(16 bits\)", alt).group(1),
                 [c[0] for c in curves])
    # notebook 07's table: Eq. (11) ends below the entropy in 9 of 10 runs (seed 2 above it)
    assert "Eq. (11) 5.50 to 6.83 bits, 9 of 10 below the entropy" in alt


@EXAMPLES
@given(st.lists(st.tuples(st.sampled_from(sorted(SHIFTER_RULES)),
                          st.lists(st.floats(0.0, 100.0), min_size=1, max_size=12)), min_size=1, max_size=6),
       st.one_of(st.none(), st.floats(0.0, 20.0)))
def test_free_energy_curves_text_follows_any_runs(runs, entropy_bits):
    fig = shifter.free_energy_curves([{"imaging": r, "free_energy_curve": c} for r, c in runs], entropy_bits=entropy_bits)
    check_curves_text(checked(fig), [c for _, c in runs], [r for r, _ in runs], entropy_bits)


def brute_force_detectors(hm, clean_share=0.9):
    """{unit: (direction, clean)} from the definition in Dayan et al.'s terms: a unit's strength
    theta/(1+theta) to the 32 pixels; the pair of (direction, source column i) is source pixel i in
    both source rows (rows 3, 4) and the pixel it moves to in both shifted rows (rows 1, 2): i - 1
    after a left shift, i + 1 after a right one, with wrap-around."""
    out = {}
    for j, weights in enumerate(hm.theta[0]):
        strength = [w / (1 + w) if w > 0 else 0.0 for w in weights]
        best, where = -1.0, None
        for direction, step in ((0, -1), (1, 1)):
            for i in range(8):
                target = (i + step) % 8
                pair = strength[16 + i] + strength[24 + i] + strength[target] + strength[8 + target]
                if pair > best:
                    best, where = pair, direction
        total = sum(strength)
        out[j] = (where, total > 0 and best / total >= clean_share)
    return out


def check_weights_text(alt, hm):
    n2, n3 = hm.sizes[1], hm.sizes[2]
    detectors = brute_force_detectors(hm)
    clean = [j for j in range(n2) if detectors[j][1]]
    match = search(r"(\d+) of (\d+) are clean pair detectors", alt)
    assert (int(match.group(1)), int(match.group(2))) == (len(clean), n2)
    for direction, name in ((0, "left"), (1, "right")):
        units = {j + 1 for j in clean if detectors[j][0] == direction}
        listed = search(rf"(\d+) for a {name} shift(?: \(([^)]*)\))?", alt)
        assert int(listed.group(1)) == len(units)
        if listed.group(2) is not None:
            assert units_in(listed.group(2)) == units
    for k in range(n3):
        turned_on = {j + 1 for j in range(n2) if hm.theta[1][k][j] > 10}
        listed = re.search(rf"from top unit {k + 1} to (\d+) units?(?: \(([^)]*)\))?", alt)
        if listed:
            assert int(listed.group(1)) == len(turned_on)
            if listed.group(2) is not None:
                assert units_in(listed.group(2)) == turned_on
        shares = []  # the top unit's purity: the share of its strength on clean detectors of one direction
        for direction in (0, 1):
            strength = [w / (1 + w) if w > 0 else 0.0 for w in hm.theta[1][k]]
            on_clean = sum(s for j, s in enumerate(strength) if detectors[j] == (direction, True))
            shares.append((on_clean / sum(strength) if sum(strength) > 0 else 0.0, direction))
        purity = re.search(rf"top unit {k + 1} (\d+)% \((left|right)\)", alt)
        if purity:
            assert abs(int(purity.group(1)) / 100 - max(shares)[0]) <= 0.005 + 1e-12
            if abs(shares[0][0] - shares[1][0]) > 1e-12:
                assert purity.group(2) == ("left", "right")[max(shares)[1]]


@pytest.mark.parametrize(("rule", "seed"), [("eq11", seed) for seed in range(10)] + [("naive", 0), ("naive", 6)])
def test_shifter_weights_text_reads_the_saved_machines_like_a_brute_force_count(rule, seed):
    hm = shifter_machine(rule, seed)
    alt = checked(shifter.shifter_weights(hm))
    check_weights_text(alt, hm)
    assert "32\u201324\u20132 odds machine" in alt and "one 4x8 image per layer-2 unit, 6 to a row" in alt


def test_shifter_weights_text_of_notebook_07s_machines():
    # seed 6: 17 clean detectors, top units 91% and 99% pure (the notebook prints them);
    # seed 7: unit 13 is turned on by both top units and is no pair detector
    seed6 = checked(shifter.shifter_weights(shifter_machine("eq11", 6)))
    seed7 = checked(shifter.shifter_weights(shifter_machine("eq11", 7)))
    assert "17 of 24 are clean pair detectors" in seed6
    assert "top unit 1 91% (left), top unit 2 99% (right)" in seed6
    assert "Turned on by more than one top unit: unit 13, no pair detector." in seed7
    assert seed6 != seed7


@EXAMPLES
@given(st.integers(1, 40), st.integers(1, 4), st.integers(0, 2**16), st.floats(0.5, 12.0))
def test_shifter_weights_text_follows_any_odds_machine(n2, n3, seed, scale):
    hm = HelmholtzMachine.random((32, n2, n3), imaging="odds", seed=seed, scale=scale)
    check_weights_text(checked(shifter.shifter_weights(hm)), hm)


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def check_top_means_text(alt, hm, patterns, direction):
    q = np.asarray(patterns, float)
    for phi, bias in zip(hm.phi, hm.phi_bias):  # Eq. (9), layer by layer
        q = sigmoid(q @ phi + bias)
    direction = np.asarray(direction)
    for k in range(q.shape[1]):
        sentence = search(rf"Top unit {k + 1}: ([^.]*(?:\.\d[^.]*)*)\.", alt).group(1)
        for d, name in ((0, "left"), (1, "right")):
            means = q[direction == d, k]
            if not means.size:
                assert f"shifted {name}" not in sentence
                continue
            match = search(rf"shifted {name}, median ({NUM}), from ({NUM}) to ({NUM}), (\d+) in the lowest bin, "
                           rf"(\d+) above 0\.5", sentence)
            assert_shows(match.group(1), np.median(means))
            assert_shows(match.group(2), means.min())
            assert_shows(match.group(3), means.max())
            assert int(match.group(4)) == sum(m < 0.025 for m in means)
            assert int(match.group(5)) == sum(m > 0.5 for m in means)


def test_top_means_text_of_notebook_07():
    hm = shifter_machine("eq11", 6)
    patterns, direction, _ = __import__("hmlib.shifter", fromlist=["x"]).identifiable_patterns()
    alt = checked(shifter.top_means_by_direction(hm, patterns, direction))
    check_top_means_text(alt, hm, patterns, direction)
    assert "over 504 patterns: 252 shifted left" in alt and "and 252 shifted right" in alt


@EXAMPLES
@given(st.integers(1, 6), st.integers(1, 3), st.integers(0, 2**16),
       st.lists(st.tuples(st.lists(st.sampled_from([0.0, 1.0]), min_size=32, max_size=32), st.integers(0, 1)),
                min_size=1, max_size=30))
def test_top_means_text_follows_any_machine_and_patterns(n2, n3, seed, rows):
    hm = HelmholtzMachine.random((32, n2, n3), seed=seed, scale=3.0)
    patterns, direction = np.array([r for r, _ in rows]), np.array([d for _, d in rows])
    check_top_means_text(checked(shifter.top_means_by_direction(hm, patterns, direction)), hm, patterns, direction)


# ---------------------------------------------------------------------------- notebook 08: wake-sleep
def two_causes_posterior():
    """P(z | x = 1) of notebook 08's machine, z = 00, 01, 10, 11, by Bayes' rule written out."""
    prior = 1 / (1 + np.exp(2.0))  # sigma(-2), each cause
    p = []
    for z1 in (0, 1):
        for z2 in (0, 1):
            joint = (prior if z1 else 1 - prior) * (prior if z2 else 1 - prior)
            p.append(joint * sigmoid(-6.0 + 12.0 * z1 + 12.0 * z2))
    return np.array(p) / sum(p)


def brute_force_kls(P, grid):
    """KL(P||Q) and KL(Q||P) in nats over the grid of factorial Q, by loops."""
    n = len(grid)
    kl_pq, kl_qp = np.zeros((n, n)), np.zeros((n, n))
    for i, a in enumerate(grid):
        for j, b in enumerate(grid):
            Q = [(1 - a) * (1 - b), (1 - a) * b, a * (1 - b), a * b]
            kl_pq[i, j] = sum(p * np.log(p / q) for p, q in zip(P, Q) if p > 0)
            kl_qp[i, j] = sum(q * np.log(q / p) for p, q in zip(P, Q) if q > 0)
    return kl_pq, kl_qp


def brute_force_minima(values):
    """Grid points below every one of their neighbours, in order of row then column."""
    n1, n2 = values.shape
    found = []
    for i in range(n1):
        for j in range(n2):
            neighbours = [values[a, b] for a in range(max(0, i - 1), min(n1, i + 2))
                          for b in range(max(0, j - 1), min(n2, j + 2)) if (a, b) != (i, j)]
            if np.isfinite(values[i, j]) and all(values[i, j] < v for v in neighbours):
                found.append((i, j))
    return found


def check_landscapes_text(alt, grid, tables):
    for side, values in zip(("Left", "Right"), tables):
        part = search(rf"{side}, KL\([PQ]‖[PQ]\)[^:]*: (.*?)(?:\. Right|\. Marked|\. \d+ points?|\.$)", alt).group(1)
        finite = values[np.isfinite(values)]
        minima = brute_force_minima(values)
        if finite.min() == finite.max():
            assert_shows(search(rf"^({NUM}) nats everywhere", part).group(1), finite.min())
            continue
        if len(minima) == 1:
            match = search(rf"^one minimum, ({NUM}) nats at q = \(({NUM}), ({NUM})\)", part)
            (i, j), = minima
            assert_shows(match.group(1), values[i, j])
            assert_shows(match.group(2), grid[i])
            assert_shows(match.group(3), grid[j])
        elif minima:
            assert int(search(r"^(\d+) local minima", part).group(1)) == len(minima)
            listed = re.findall(rf"({NUM}) nats at q = \(({NUM}), ({NUM})\)", part)
            assert len(listed) == min(3, len(minima))
            for (shown, q1, q2), (i, j) in zip(listed, minima):
                assert_shows(shown, values[i, j])
                assert_shows(q1, grid[i])
                assert_shows(q2, grid[j])
        else:
            assert_shows(search(rf"^smallest ({NUM}) nats", part).group(1), finite.min())
        assert_shows(search(rf"up to ({NUM}) nats", part).group(1), finite.max())
        infinite = int(np.sum(~np.isfinite(values)))
        assert (f"+\u221e at {infinite} grid point" in part) == (infinite > 0)


def test_kl_landscapes_text_of_notebook_08_gives_one_minimum_left_and_two_right():
    P = two_causes_posterior()
    grid = np.linspace(0.005, 0.995, 100)
    kl_pq, kl_qp = brute_force_kls(P, grid)
    marginals = (P[2] + P[3], P[1] + P[3])
    alt = checked(wakesleep_views.kl_landscapes(grid, kl_pq, kl_qp,
                                                points={"marginals": marginals, "a mode of \u2212F": (grid[15], grid[95])}))
    check_landscapes_text(alt, grid, (kl_pq, kl_qp))
    assert "one minimum, 0.46 nats at q = (0.53, 0.53)" in alt
    assert "2 local minima, 0.60 nats at q = (0.15, 0.96) and 0.60 nats at q = (0.96, 0.15)" in alt
    match = search(rf"marginals at \(({NUM}), ({NUM})\), KL\(P‖Q\) ({NUM}) and KL\(Q‖P\) ({NUM}) nats", alt)
    assert_shows(match.group(1), marginals[0])
    i, j = np.abs(grid - marginals[0]).argmin(), np.abs(grid - marginals[1]).argmin()  # the nearest grid point
    assert_shows(match.group(3), kl_pq[i, j])
    assert_shows(match.group(4), kl_qp[i, j])


@EXAMPLES
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.just(np.linspace(0.0, 1.0, n)),
    arrays(np.float64, (n, n), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7, np.inf])),
    arrays(np.float64, (n, n), elements=st.floats(0.0, 5.0)))))
def test_kl_landscapes_text_follows_any_tables(drawn):
    grid, kl_pq, kl_qp = drawn
    if not np.isfinite(kl_pq).any():
        kl_pq[0, 0] = 1.0
    check_landscapes_text(checked(wakesleep_views.kl_landscapes(grid, kl_pq, kl_qp)), grid, (kl_pq, kl_qp))


def check_live_text(alt, examples, neg_f, log_z, kl, ceiling):
    keep = np.asarray(examples) > 0
    examples, neg_f, log_z, kl = (np.asarray(a, float)[keep] for a in (examples, neg_f, log_z, kl))
    for name, values in (("log Z \\(exact, dashed black line\\)", log_z), ("−F \\(solid green line\\)", neg_f),
                         ("in nats per pattern,", kl)):
        match = search(rf"{name} (?:rises from|falls from|stays at) ({NUM})(?: to ({NUM}))?", alt)
        assert_shows(match.group(1), values[0])
        assert_shows(match.group(2) or match.group(1), values[-1])
    below = int(np.sum(neg_f <= log_z))
    assert ("below log Z at every point" in alt) == (below == len(neg_f))
    if ceiling is None:
        assert "ceiling" not in alt
    else:
        match = search(rf"−H\(p_data\) = ({NUM}) is the ceiling of log Z; log Z ends ({NUM}) (below|above) it", alt)
        assert_shows(match.group(1), ceiling)
        assert_shows(match.group(2), abs(ceiling - log_z[-1]))


def test_live_curves_text_of_notebook_08():
    # the shape of notebook 08's run: -F under log Z, both climbing to the ceiling, the gap falling
    examples = np.arange(0, 300_001, 5000)
    log_z = -2.38 - 3.0 / np.sqrt(1 + examples / 1000)
    kl = 0.06 + 0.3 * np.exp(-examples / 50_000)
    alt = checked(wakesleep_views.live_curves(examples, log_z - kl, log_z, kl, ceiling=-2.3764))
    check_live_text(alt, examples, log_z - kl, log_z, kl, -2.3764)
    assert "5,000 to 300,000" in alt and "below log Z at every point" in alt


@EXAMPLES
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(*(arrays(np.float64, n, elements=st.floats(-20.0, 5.0))
                                                         for _ in range(3)))),
       st.one_of(st.none(), st.floats(-10.0, 0.0)))
def test_live_curves_text_follows_any_curves(curves, ceiling):
    neg_f, log_z, kl = curves
    examples = np.arange(1, len(neg_f) + 1) * 1000
    check_live_text(checked(wakesleep_views.live_curves(examples, neg_f, log_z, kl, ceiling=ceiling)),
                    examples, neg_f, log_z, kl, ceiling)


# ---------------------------------------------------------------------------- notebook 09: the bars
def bars_image(orientation, on):
    """A 4x4 bars image made by hand: ``on`` lists the bars (0-3) of ``orientation``."""
    image = np.zeros((4, 4))
    for bar in on:
        if orientation == "vertical":
            image[:, bar] = 1
        else:
            image[bar, :] = 1
    return image.ravel()


@st.composite
def bars_images(draw):
    """(images, kinds) with each kind known by construction: "blank", "all on", "vertical",
    "horizontal" or "other" (one pixel of a bars image flipped, which no set of bars makes)."""
    images, kinds = [], []
    for _ in range(draw(st.integers(1, 40))):
        orientation = draw(st.sampled_from(["vertical", "horizontal"]))
        on = draw(st.sets(st.integers(0, 3)))
        image = bars_image(orientation, on)
        kind = "blank" if not on else "all on" if len(on) == 4 else orientation
        if draw(st.booleans()):
            pixel = draw(st.integers(0, 15))
            image[pixel] = 1 - image[pixel]
            kind = "other"
        images.append(image)
        kinds.append((kind, sorted(on)))
    return np.array(images), kinds


def check_patterns_text(alt, kinds):
    if len(kinds) <= 6:
        for i, (kind, on) in enumerate(kinds):
            said = search(rf"Image {i + 1}: ([^;.]*(?:\([^)]*\))?)", alt).group(1)
            if kind in ("vertical", "horizontal"):
                match = search(rf"^(\d+) {kind} bars? \((?:columns?|rows?) ([\d, and]+)\)", said)
                assert int(match.group(1)) == len(on)
                assert sorted(int(b) for b in re.findall(r"\d", match.group(2))) == [b + 1 for b in on]
            elif kind == "other":
                assert said.startswith("not bars of one orientation")
            else:
                assert said == kind
        return
    counts = {kind: sum(k == kind for k, _ in kinds) for kind in ("vertical", "horizontal", "blank", "all on", "other")}
    for kind, words in (("vertical", "show vertical bars only"), ("horizontal", "horizontal bars only"),
                        ("blank", "are blank"), ("all on", "all on")):
        match = re.search(rf"(\d+) {words}", alt, re.IGNORECASE)
        assert (int(match.group(1)) if match else 0) == counts[kind], (kind, alt)
    other = search(r"(none|\d+) (?:mixes|mix) orientations", alt).group(1)
    assert (0 if other == "none" else int(other)) == counts["other"]


@EXAMPLES
@given(bars_images())
def test_pattern_grid_text_counts_the_images_by_kind(drawn):
    images, kinds = drawn
    alt = checked(wakesleep_views.pattern_grid(images, "bars images"))
    check_patterns_text(alt, kinds)
    cols = min(12, len(images))
    assert f"{len(images)} image{'s' if len(images) > 1 else ''} of 4x4 pixels in {-(-len(images) // cols)} row" in alt


def test_pattern_grid_texts_of_notebook_09():
    images, vertical = data.bars(24, seed=0)
    alt = checked(wakesleep_views.pattern_grid(images, "24 training images (black = on)"))
    on = images.sum(axis=1)
    blank, full = int(np.sum(on == 0)), int(np.sum(on == 16))
    kinds = [("blank", []) if n == 0 else ("all on", []) if n == 16 else ("vertical" if v else "horizontal", [])
             for n, v in zip(on, vertical)]
    check_patterns_text(alt, kinds)
    assert alt.startswith("24 training images (black = on): 24 images of 4x4 pixels in 2 rows of 12.")
    assert blank + full < 24
    # the five images of largest recognition penalty: each described on its own
    patterns, _ = data.bars_distribution()
    alt = checked(wakesleep_views.pattern_grid(patterns[[29, 0, 3]], "three images", n_cols=5))
    assert alt.count("Image ") == 3


def check_kl_curves_text(alt, curves, paper=0.10):
    ends = [c["kl_bits"][-1] for c in curves]
    drawn = np.concatenate([np.asarray(c["examples"], float)[1:] for c in curves])
    if drawn.size:
        match = search(rf"against training examples, ({NUM}) to ({NUM})", alt)
        assert value_of(match.group(1)) == drawn.min() and value_of(match.group(2)) == drawn.max()
    assert f"{len(curves)} run" in alt
    low = [e for e in ends if e <= paper]
    high = [e for e in ends if e > paper]
    match = search(rf"At the end, (\d+) of (\d+) are at or below 0\.10 bits(?: \(({NUM}(?: to {NUM})?)\))?"
                   rf"(?: and (\d+) above \(({NUM}(?: to {NUM})?)\))?; the median is ({NUM}) bits", alt)
    assert (int(match.group(1)), int(match.group(2))) == (len(low), len(curves))
    if low:
        assert_range(match.group(3), low)
    if high:
        assert int(match.group(4)) == len(high)
        assert_range(match.group(5), high)
    assert_shows(match.group(6), statistics.median(ends))


def test_kl_curves_text_of_notebook_09_splits_the_runs_at_the_papers_value():
    for folder, stalled in ((results_dir("bars", "single"), 4), (results_dir("bars"), 0)):
        curves = json.loads((folder / "runs.json").read_text())["curves"]
        alt = checked(wakesleep_views.kl_curves(curves))
        check_kl_curves_text(alt, curves)
        assert f"{10 - stalled} of 10 are at or below 0.10 bits" in alt
    # the plain runs: the two groups already apart at the first point drawn (50,000 examples)
    single = json.loads((results_dir("bars", "single") / "runs.json").read_text())["curves"]
    alt = checked(wakesleep_views.kl_curves(single))
    match = search(rf"the runs that end below were at ({NUM} to {NUM}) bits, those that end above at ({NUM} to {NUM})", alt)
    assert_range(match.group(1), [c["kl_bits"][1] for c in single if c["kl_bits"][-1] <= 0.10])
    assert_range(match.group(2), [c["kl_bits"][1] for c in single if c["kl_bits"][-1] > 0.10])


@EXAMPLES
@given(st.lists(st.lists(st.floats(0.001, 20.0), min_size=1, max_size=8), min_size=1, max_size=8),
       st.one_of(st.none(), st.integers(0, 7)))
def test_kl_curves_text_follows_any_curves(kls, highlight):
    curves = [{"seed": i, "examples": list(range(0, 1000 * len(k), 1000)), "kl_bits": k} for i, k in enumerate(kls)]
    alt = checked(wakesleep_views.kl_curves(curves, highlight=highlight))
    check_kl_curves_text(alt, curves)
    if highlight is not None and highlight < len(kls):
        assert_shows(search(rf"Seed {highlight}, drawn thick, ends at ({NUM}) bits", alt).group(1), kls[highlight][-1])


def field_in_words(field):
    """A 4x4 field read by hand: the full rows and columns of its weights of at least a quarter of
    its largest |weight| (rows from the top, columns from the left), as two lists counted from 1."""
    scale = max(abs(w) for w in field.ravel())
    strong = [[field[r, c] >= 0.25 * scale for c in range(4)] for r in range(4)]
    rows = [r + 1 for r in range(4) if all(strong[r])]
    cols = [c + 1 for c in range(4) if all(strong[r][c] for r in range(4))]
    return rows, cols


def check_fields_text(alt, hm):
    fields = hm.theta[0].reshape(-1, 4, 4)
    largest = np.abs(fields).max()
    assert_range(search(rf"input biases, (?:all negative: |all positive: |from )({NUM}(?: to {NUM})?)\.", alt).group(1),
                 hm.theta_bias[0])
    assert_shows(search(rf"weights to the pixels \(largest ({NUM})\)", alt).group(1), largest)
    singles = {"row": [], "column": []}
    for k, field in enumerate(fields):
        rows, cols = field_in_words(field)
        weak = np.abs(field).max() < 0.1 * largest
        described = re.search(rf"unit {k + 1}: ([^;(]*?)(?: \(({NUM}), ({NUM})\))?(?:;|\. )", alt)
        if not weak and len(rows) + len(cols) == 1 and not (np.abs(field) >= 0.25 * np.abs(field).max()).sum() > 4:
            singles["row" if rows else "column"].append(k)
        if described is None:  # a long text leaves the per-unit details out
            continue
        words = described.group(1)
        if weak:
            assert_shows(search(rf"^weak, largest ({NUM})", words).group(1), np.abs(field).max())
        else:
            lines = [f"{'rows' if len(rows) > 1 else 'row'} {_and(rows)}"] if rows else []
            lines += [f"{'columns' if len(cols) > 1 else 'column'} {_and(cols)}"] if cols else []
            if lines:  # the full rows and columns come first
                assert words.startswith(" and ".join(lines)), (words, rows, cols)
            else:
                assert not words.startswith(("row", "column")), (words, rows, cols)
        if described.group(2):
            assert_shows(described.group(2), hm.theta_bias[1][k])
            assert_shows(described.group(3), hm.theta[1][0][k])
    match = search(r"(\d+) fields? (?:is a|are) single bars? \((\d+) vertical, (\d+) horizontal", alt)
    assert (int(match.group(2)), int(match.group(3))) == (len(singles["column"]), len(singles["row"]))
    tops = hm.theta[1][0]
    split = (singles["row"] and singles["column"]
             and ((all(tops[singles["column"]] > 0) and all(tops[singles["row"]] < 0))
                  or (all(tops[singles["row"]] > 0) and all(tops[singles["column"]] < 0))))
    assert ("The top unit's weight is positive to every" in alt) == bool(split)


def _and(numbers):
    return " and ".join([", ".join(map(str, numbers[:-1])), str(numbers[-1])]) if len(numbers) > 1 else str(numbers[0])


def made_bars_machine(seed=0):
    """A 16-6-1 machine whose fields are known by construction: columns 2 and 4, rows 1 and 3
    (weights 10 on a background of at most 2), a cross (row 2 and column 1), and a weak unit."""
    rng = np.random.default_rng(seed)
    fields = rng.uniform(0.0, 2.0, (6, 4, 4))
    fields[0][:, 1] = 10.0
    fields[1][:, 3] = 10.0
    fields[2][0, :] = 10.0
    fields[3][2, :] = 10.0
    fields[4][1, :] = fields[4][:, 0] = 10.0
    fields[5] = rng.uniform(0.0, 0.5, (4, 4))  # weak: below a tenth of the largest weight
    return HelmholtzMachine(theta=[fields.reshape(6, 16), np.array([[2.5, 2.5, -3.0, -3.0, 0.5, -0.1]])],
                            theta_bias=[np.full(16, -8.0), np.full(6, -2.0), np.zeros(1)],
                            phi=[np.zeros((16, 6)), np.zeros((6, 1))], phi_bias=[np.zeros(6), np.zeros(1)])


def test_generative_fields_text_names_each_fields_bar():
    hm = made_bars_machine()
    alt = checked(wakesleep_views.generative_fields(hm, title="made by hand"))
    check_fields_text(alt, hm)
    for k, shape in enumerate(["column 2", "column 4", "row 1", "row 3", "row 2 and column 1"]):
        assert f"unit {k + 1}: {shape} (" in alt
    assert "4 fields are single bars (2 vertical, 2 horizontal; 4 different), 2 other" in alt
    assert "positive to every vertical-bar unit and negative to every horizontal-bar unit" in alt
    assert "all negative: \u22128.0." in alt


@pytest.mark.parametrize("folder", ["single", None])
def test_generative_fields_texts_of_the_saved_bars_machines(folder):
    meta, machines = wakesleep_views.load_bars_runs(results_dir("bars", folder) if folder else None)
    for run in meta["runs"]:
        hm = machines[run["seed"]]
        check_fields_text(checked(wakesleep_views.generative_fields(hm, title=f"seed {run['seed']}")), hm)
    # notebook 09's good machine (pilots, seed 2): one bar per unit, split by orientation
    alt = checked(wakesleep_views.generative_fields(machines[2], title="seed 2"))
    if folder is None:
        assert "8 fields are single bars (4 vertical, 4 horizontal; 8 different), 0 other" in alt


def test_generative_fields_text_of_notebook_11s_stalled_machine():
    hm = HelmholtzMachine.load(results_dir("rws") / "rws-wake-q-seed-5.npz")
    alt = checked(wakesleep_views.generative_fields(hm, title="rws-wake-q, seed 5: 0.51 bits"))
    check_fields_text(alt, hm)
    assert "unit 4: row 2 and column 4" in alt  # the notebook: "unit 4 a row and a column"
    for k in (2, 3, 8):  # "units 2, 3 and 8 a column and most of the last column"
        assert search(rf"unit {k}: column \d and 3 pixels of column 4", alt)


@EXAMPLES
@given(st.integers(1, 32), st.integers(0, 2**16), st.floats(0.1, 20.0))
def test_generative_fields_text_follows_any_bars_machine(n2, seed, scale):
    hm = HelmholtzMachine.random((16, n2, 1), seed=seed, scale=scale)
    check_fields_text(checked(wakesleep_views.generative_fields(hm)), hm)


# ---------------------------------------------------------------------------- notebook 10: digits
def test_digit_grid_text_counts_pixels_on():
    x = data.digits()
    patterns = np.concatenate([x.of_class("train", c)[:3] for c in range(10)])
    alt = checked(digits.digit_grid(patterns, "three training digits of each class", n_cols=15))
    on = patterns.sum(axis=1)
    assert "30 images of 8x8 pixels, in 2 rows of 15" in alt
    match = search(rf"Pixels on per image: ({NUM}) of 64 on average, from ({NUM}) to ({NUM})", alt)
    assert_shows(match.group(1), on.mean())
    assert (value_of(match.group(2)), value_of(match.group(3))) == (on.min(), on.max())


@EXAMPLES
@given(st.integers(1, 40).flatmap(lambda n: arrays(np.float64, (n, 64), elements=st.sampled_from([0.0, 0.25, 1.0]))),
       st.integers(2, 20))  # at most 20 rows of 1.2 inches: a figure the view accepts
def test_digit_grid_text_follows_any_images(patterns, n_cols):
    alt = checked(digits.digit_grid(patterns, "images", n_cols=n_cols))
    cols = min(n_cols, len(patterns))
    assert f"in {-(-len(patterns) // cols)} row" in alt and f" of {cols}, read row by row" in alt
    if np.all((patterns == 0) | (patterns == 1)):
        on = patterns.sum(axis=1)
        assert_shows(search(rf"({NUM}) of 64 on average", alt).group(1), on.mean())
    else:
        assert_shows(search(rf"Grey levels between 0 and 1: ({NUM}) on average", alt).group(1), patterns.mean())


def digits_runs():
    return json.loads((results_dir("digits") / "runs.json").read_text())


def test_code_lengths_text_gives_every_bar_as_drawn():
    rows = digits_runs()["rows"]
    alt = checked(digits.code_lengths(rows))
    entries = alt.split("From top to bottom: ")[1].split(". Shortest")[0].split("; ")
    assert len(entries) == len(rows) == 8
    for entry, row in zip(entries, rows):  # top to bottom is the table's order
        assert entry.startswith(row["model"] + ", ")
        numbers = re.findall(NUM, entry[len(row["model"]):])
        assert_shows(numbers[0], row["test_bits"])
        if row["label_bits"]:
            assert_shows(numbers[1], row["label_bits"])
            assert_shows(numbers[2], row["test_bits"] + row["label_bits"])
        if row["stderr_bits"] is not None:
            assert_shows(numbers[-1], 2 * row["stderr_bits"])
        hm = row["model"].startswith("wake-sleep") or row["model"] == "deterministic machine"
        assert entry.endswith("(Helmholtz machine)") == hm
    paid = [r["test_bits"] + (r["label_bits"] or 0) for r in rows]
    best = rows[int(np.argmin(paid))]
    assert_shows(search(rf"Shortest once the class is paid: {re.escape(best['model'])}, ({NUM}) bits", alt).group(1),
                 min(paid))


def test_validation_curves_text_gives_each_digits_lowest_score():
    curves = digits_runs()["curves"]
    alt = checked(digits.validation_curves(curves))
    for curve in curves:
        bits = curve["validation_bits"]
        best = min(range(len(bits)), key=bits.__getitem__)
        match = search(rf"digit {curve['digit']} from ({NUM}), lowest ({NUM}) at ({NUM})k, last ({NUM}) at ({NUM})k", alt)
        assert_shows(match.group(1), bits[0])
        assert_shows(match.group(2), bits[best])
        assert value_of(match.group(3)) * 1000 == curve["examples"][best] == curve["best_examples"]
        assert_shows(match.group(4), bits[-1])
        assert value_of(match.group(5)) * 1000 == curve["examples"][-1]
    rising = sum(c["validation_bits"][-1] > min(c["validation_bits"]) for c in curves)
    assert f"{rising} of {len(curves)} curves end above their lowest point" in alt


# ---------------------------------------------------------------------------- notebook 11: RWS
def notebook_11_machine():
    return HelmholtzMachine.random((6, 3, 1), seed=3, scale=2.0), np.array([[1, 0, 1, 1, 0, 0]], float)


def check_bound_text(alt, ks, bounds, log_z, biases):
    listed = search(r"L_K \(green dots and line\) (?:rises|falls|stays constant|goes up and down): ([^;]*);", alt).group(1)
    shown = re.findall(NUM, listed)
    if len(ks) <= 10:
        assert len(shown) == len(bounds)
        for s, b in zip(shown, bounds):
            assert_shows(s, b)
    assert_shows(search(rf"L₁ = −F = ({NUM})", alt).group(1), bounds[0])
    assert_shows(search(rf"log Z = ({NUM})", alt).group(1), log_z)
    match = search(rf"the gap log Z − L_K is ({NUM}) at K = [\d,]+ and ({NUM}) at K", alt)
    assert_shows(match.group(1), log_z - bounds[0])
    assert_shows(match.group(2), log_z - bounds[-1])
    assert ("above every L_K" in alt) == bool(np.all(np.asarray(bounds) <= log_z))
    shown = re.findall(NUM, alt.split("‖E[g_K] − ∇ log p(x)‖")[1])
    if len(ks) <= 10:
        for s, b in zip(shown, biases):
            assert_shows(s, b)


def test_bound_figure_text_of_notebook_11():
    hm, x = notebook_11_machine()
    ks = np.arange(1, 6)
    bounds = [iwae.importance_bound(hm, x, k)[0] for k in ks]
    log_z = exact.log_evidence(hm, x)[0]
    biases = [iwae.gradient_bias(hm, x, k) for k in ks]
    alt = checked(rws.bound_figure(ks, bounds, log_z, biases))
    check_bound_text(alt, ks, bounds, log_z, biases)
    assert "L_K (green dots and line) rises" in alt and "log p(x)‖, falls" in alt


@EXAMPLES
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-50.0, 0.0), min_size=n, max_size=n), st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n))),
    st.floats(-50.0, 10.0))
def test_bound_figure_text_follows_any_values(drawn, log_z):
    bounds, biases = drawn
    ks = np.arange(1, len(bounds) + 1)
    check_bound_text(checked(rws.bound_figure(ks, bounds, log_z, biases)), ks, bounds, log_z, biases)


def test_gap_figure_text_of_notebook_11_compares_the_gap_with_chi_square_over_2k():
    hm, x = notebook_11_machine()
    log_z = exact.log_evidence(hm, x)[0]
    chi2 = iwae.chi_square(hm, x)[0]
    many = np.array([1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000])
    gaps = np.array([log_z - iwae.importance_bound_quadrature(hm, x, k)[0] for k in many])
    alt = checked(rws.gap_figure(many, gaps, chi2))
    assert_shows(search(rf"χ² = ({NUM})", alt).group(1), chi2)
    for k in (1, 20, 10000):  # the first K, the K nearest chi^2 = 29.6 on the log axis, the last
        i = list(many).index(k)
        match = search(rf"K = {k:,}: gap ({NUM}), asymptote ({NUM}), ratio ({NUM})", alt)
        assert_shows(match.group(1), gaps[i])
        assert_shows(match.group(2), chi2 / (2 * k))
        assert_shows(match.group(3), gaps[i] / (chi2 / (2 * k)))
    assert f"above the gap at {int(np.sum(chi2 / (2 * many) > gaps))} of 14 values of K" in alt
    assert "the ratio gap / asymptote rises" in alt


def test_bars_kl_figure_text_gives_each_methods_median_and_count():
    saved = json.loads((results_dir("rws") / "runs.json").read_text())
    methods = ["wake-sleep", "rws-wake-q", "rws-both"]
    alt = checked(rws.bars_kl_figure(saved["runs"], methods))
    for method in methods:
        kls = [r["kl_bits"] for r in saved["runs"] if r["method"] == method]
        match = search(rf"{method}, (\d+) runs: median ({NUM}), (\d+) at or below 0\.10, from ({NUM}) to ({NUM})", alt)
        assert int(match.group(1)) == len(kls)
        assert_shows(match.group(2), statistics.median(kls))
        assert int(match.group(3)) == sum(k <= 0.10 for k in kls)
        assert_shows(match.group(4), min(kls))
        assert_shows(match.group(5), max(kls))
    assert "rws-both, 10 runs: median 0.013, 9 at or below 0.10" in alt  # notebook 11: one stall in ten


# ---------------------------------------------------------------------------- every figure displays its text
@pytest.mark.parametrize("name", ["meanfield_shifter_weights.png", "bars_generative_fields.png", "bars_kl_curve.png"])
def test_the_readme_figures_display_as_an_img_with_their_text(name):
    make = {**shifter.FIGURES, **wakesleep_views.FIGURES}[name]
    fig = make()
    alt = fig.alt
    shown, metadata = bundle(fig)
    assert shown["text/plain"] == alt and metadata["image/png"]["alt"] == alt
    tag = re.fullmatch(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]*)"/>', shown["text/html"])
    assert tag and html.unescape(tag.group(1)) == alt
    checked(fig)


# ---------------------------------------------------------------------------- the progress bar
def small_fit(callback):
    rng = np.random.default_rng(0)
    x, valid = ((rng.random((n, 6)) < 0.5).astype(float) for n in (40, 20))
    settings = wakesleep.WakeSleepSettings(examples=20_000, validate_every=500, patience=2)
    return wakesleep.fit(x, sizes=(6, 2), seed=0, settings=settings, validation=valid, callback=callback)[1]


def test_the_widget_bar_is_a_labelled_progress_element_that_says_how_the_run_ended(capsys):
    bar = progress.progress_bar(kind="widget", description="digit 3")
    history = small_fit(bar)
    widget = bar.bar.widget
    assert type(widget).__name__ == "ProgressWidget" and widget.description == "digit 3"
    assert (widget.value, widget.max) == (history.examples[-1], 20_000)
    assert widget.counts.startswith(f"{history.examples[-1]:,} / 20,000 examples")
    assert history.stopped_early and widget.status.startswith(f"digit 3: stopped early at {history.examples[-1]:,} examples")
    assert bundle(widget)[0]["text/plain"] == widget.status  # what a front end without widgets shows
    assert capsys.readouterr().out.startswith("digit 3: 0 / 20,000 examples")  # displayed at the first report
    # the front end: a native <progress> (role progressbar) named by a <label for> with the
    # description, described by the counts, and a status line announced politely
    esm = widget._esm
    assert 'createElement("progress")' in esm and "label.htmlFor = id" in esm and "bar.id = id" in esm
    assert 'label.textContent = model.get("description")' in esm
    assert '"aria-describedby", counts.id' in esm
    assert 'setAttribute("role", "status")' in esm and '"aria-live", "polite"' in esm


def test_the_widget_bar_never_has_an_empty_name_and_takes_a_postfix(capsys):
    # notebook 08's use: the monitor's numbers beside the bar, a run without validation to its end
    bar = progress.progress_bar(kind="widget", description="  ", postfix=lambda p: f"log Z = {p.record['log_z']:.1f}")
    x = np.eye(4)
    settings = wakesleep.WakeSleepSettings(examples=200, batch_size=10)
    wakesleep.train(HelmholtzMachine.random((4, 2), seed=0), x, settings, seed=0, callback=bar, report_every=100,
                    monitor=lambda hm: {"log_z": float(np.mean(exact.log_evidence(hm, x)))})
    widget = bar.bar.widget
    assert widget.description == "progress"
    assert widget.counts.startswith("200 / 200 examples, log Z = ") and widget.value == widget.max == 200
    assert widget.status.startswith("progress: done, 200 of 200 examples, log Z = ")
    with pytest.raises(TypeError, match="postfix is 3"):
        progress.progress_bar(postfix=3)


def test_the_text_bar_is_unchanged_outside_the_lab():
    import io

    out = io.StringIO()
    small_fit(progress.progress_bar(kind="text", file=out, description="digit 3"))
    assert "digit 3:" in out.getvalue() and "stopped early" in out.getvalue() and "/20.0k" in out.getvalue()
