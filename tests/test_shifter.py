"""Tests of hmlib.shifter (what a shifter machine has learned) and of the saved shifter runs.

Oracles: the shifter distribution rebuilt here from its definition with plain loops, recognition
means computed unit by unit with ``math``, thresholds tried one by one, entropies by enumeration,
and hmlib.exact for the likelihood of a machine small enough to enumerate.
"""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlib import exact, meanfield, shifter
from hmlib.meanfield_fit import direction_accuracy
from hmlib.model import HelmholtzMachine

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "shifter"


# ---------------------------------------------------------------------------- plain-loop references
def _shifter_by_loops():
    """{image (tuple of 32 ints): [probability, direction or None if both directions give it]}."""
    images = {}
    for source in itertools.product((0, 1), repeat=8):
        p_source = math.prod(0.2 if s else 0.8 for s in source)
        for direction, step in ((0, -1), (1, 1)):
            shifted = [source[(i - step) % 8] for i in range(8)]  # right: pixel i takes pixel i - 1
            image = tuple(shifted + shifted + list(source) + list(source))
            entry = images.setdefault(image, [0.0, direction])
            entry[0] += 0.5 * p_source
            if entry[1] != direction:
                entry[1] = None  # both shifts give this image: its direction cannot be told
    return images


def _bits(p):
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def _top_means_by_loops(hm, image):
    q = list(image)
    for W, c in zip(hm.phi, hm.phi_bias):
        q = [_sigmoid(c[j] + sum(q[i] * W[i][j] for i in range(len(q)))) for j in range(len(c))]
    return q


def _best_threshold_accuracy(values, directions, weights):
    """Try every threshold t in the values and above them all, reading 'on' (>= t) as either direction."""
    total = sum(weights)
    best = 0.0
    for t in sorted(set(values)) + [math.inf]:
        agree = sum(w for v, d, w in zip(values, directions, weights) if (v >= t) == (d == 1)) / total
        best = max(best, agree, 1.0 - agree)
    return best


# ---------------------------------------------------------------------------- the exact test set
def test_identifiable_patterns_match_the_definition():
    images = _shifter_by_loops()
    identifiable = {k: v for k, v in images.items() if v[1] is not None}
    assert len(images) == 508 and len(identifiable) == 504  # 4 source rows equal themselves shifted by two
    patterns, direction, probs = shifter.identifiable_patterns()
    assert patterns.shape == (504, 32) and probs.sum() == pytest.approx(1.0, abs=1e-12)
    mass = sum(v[0] for v in identifiable.values())
    for row, d, p in zip(patterns, direction, probs):
        expected_p, expected_d = identifiable[tuple(int(v) for v in row)]
        assert d == expected_d
        assert p == pytest.approx(expected_p / mass, rel=1e-12)


def test_weighted_best_threshold_accuracy_matches_trying_every_threshold():
    rng = np.random.default_rng(3)
    hm = HelmholtzMachine.random((6, 4, 3), imaging="odds", seed=4, scale=2.0)
    for trial in range(5):
        patterns = (rng.random((12, 6)) < 0.5).astype(float)
        if trial == 0:
            patterns[6:] = patterns[:6]  # tied means must share one side of every threshold
        direction = rng.integers(0, 2, 12)
        weights = rng.random(12)
        got = direction_accuracy(hm, patterns, direction, threshold=None, weights=weights)
        for k in range(3):
            values = [_top_means_by_loops(hm, row)[k] for row in patterns]
            assert got[k] == pytest.approx(_best_threshold_accuracy(values, direction, weights), abs=1e-12)
        half = direction_accuracy(hm, patterns, direction, threshold=0.5, weights=weights)
        for k in range(3):
            values = [_top_means_by_loops(hm, row)[k] for row in patterns]
            agree = sum(w for v, d, w in zip(values, direction, weights) if (v >= 0.5) == (d == 1)) / weights.sum()
            assert half[k] == pytest.approx(max(agree, 1 - agree), abs=1e-12)


def test_direction_accuracy_refuses_weights_that_sum_to_zero():
    hm = HelmholtzMachine.random((2, 1), imaging="odds", seed=0)
    with pytest.raises(ValueError, match="weights sum to 0"):
        direction_accuracy(hm, np.eye(2), [0, 1], weights=[0.0, 0.0])
    with pytest.raises(ValueError, match="weights has shape"):
        direction_accuracy(hm, np.eye(2), [0, 1], weights=[1.0])


# ---------------------------------------------------------------------------- Fig. 4 structure
def _pair_pixels(direction, column):
    shifted = (column + (1 if direction == 1 else -1)) % 8
    return [shifted, 8 + shifted, 16 + column, 24 + column]


def _structure_machine():
    """A 32-3-2 odds machine: unit 0 detects the right-shift pair of source column 3, unit 1 the
    left-shift pair of column 0 (wrapping to shifted pixel 7), unit 2 spreads its weight evenly."""
    theta1 = np.full((3, 32), 1e-6)
    theta1[0, _pair_pixels(1, 3)] = 50.0
    theta1[1, _pair_pixels(0, 0)] = 50.0
    theta1[1, 20] = 1.0  # strength 1/2 on one more pixel: share 4 (50/51) / (4 (50/51) + 1/2) = 0.887
    theta1[2, :] = 1.0
    theta2 = np.array([[9.0, 0.0, 1.0], [0.0, 0.0, 0.0]])  # top unit 0: strengths 0.9, 0, 0.5; top unit 1: none
    return HelmholtzMachine([theta1, theta2], [np.full(32, 0.05), np.full(3, 0.05), np.full(2, 0.05)],
                            [np.zeros((32, 3)), np.zeros((3, 2))], [np.zeros(3), np.zeros(2)], imaging="odds")


def test_pair_detectors_and_purity_by_hand():
    hm = _structure_machine()
    tuning = shifter.pair_detectors(hm)
    np.testing.assert_array_equal(tuning["direction"][:2], [1, 0])
    np.testing.assert_array_equal(tuning["column"][:2], [3, 0])
    strong = 50 / 51
    assert tuning["share"][0] == pytest.approx(4 * strong / (4 * strong + 28 * 1e-6 / (1 + 1e-6)), rel=1e-9)
    assert tuning["share"][1] == pytest.approx(4 * strong / (4 * strong + 0.5 + 27 * 1e-6 / (1 + 1e-6)), rel=1e-9)
    assert tuning["share"][2] == pytest.approx(4 / 32)  # every pixel has strength 1/2
    np.testing.assert_array_equal(tuning["clean"], [True, False, False])  # 0.887 < CLEAN_SHARE = 0.9
    purity, direction = shifter.top_unit_purity(hm)
    assert purity[0] == pytest.approx(0.9 / (0.9 + 0.5)) and direction[0] == 1
    assert purity[1] == 0.0  # no weight at all
    assert shifter.top_unit_purity(hm, clean_share=0.85)[0][0] == pytest.approx(0.9 / 1.4)  # unit 1 is clean but gets nothing


def test_structure_refuses_a_machine_that_is_not_a_shifter_machine():
    with pytest.raises(ValueError, match="sizes"):
        shifter.pair_detectors(HelmholtzMachine.random((16, 4, 2), imaging="odds", seed=0))
    with pytest.raises(TypeError, match="hm"):
        shifter.top_unit_purity("machine")


# ---------------------------------------------------------------------------- code lengths
def test_deterministic_code_bounds_match_a_brute_force_enumeration():
    # every (direction, source row) pair, its image, and each image's probability and directions
    images = {}  # image (tuple of 32 ints) -> [probability, set of directions that give it]
    for direction, step in ((0, -1), (1, 1)):  # 0 left, 1 right
        for source in itertools.product((0, 1), repeat=8):
            p = 0.5 * math.prod(0.2 if s else 0.8 for s in source)
            shifted = [source[(i - step) % 8] for i in range(8)]
            image = tuple(shifted + shifted + list(source) + list(source))
            entry = images.setdefault(image, [0.0, set()])
            entry[0] += p
            entry[1].add(direction)
    assert len(images) == 508
    # the one-hot direction code: left (1, 0), right (0, 1), images both shifts give (0, 0)
    code_of = {image: (int(dirs == {0}), int(dirs == {1})) for image, (p, dirs) in images.items()}
    symmetric = sum(p for p, dirs in images.values() if len(dirs) == 2)
    entropy = -sum(p * math.log2(p) for p, _ in images.values())
    code_probs = {}
    for image, (p, _) in images.items():
        code_probs[code_of[image]] = code_probs.get(code_of[image], 0.0) + p
    code_entropy = -sum(q * math.log2(q) for q in code_probs.values())
    marginals = [sum(q for t, q in code_probs.items() if t[k] == 1) for k in (0, 1)]
    multi_information = sum(_bits(m) for m in marginals) - code_entropy

    def cross_entropy(prior):  # -E log2 pi(T) under the factorial prior (pi_1, pi_2)
        return -sum(q * sum(math.log2(pk if tk else 1 - pk) for tk, pk in zip(t, prior)) for t, q in code_probs.items())

    fixed = 0.05 / 1.05  # the odds rule's top prior for a top bias of 0.05
    grid = [i / 400 for i in range(1, 400)]  # the best factorial prior, searched on a grid
    best_on_grid = min(cross_entropy((a, b)) for a in grid for b in grid) - code_entropy

    patterns = np.array(list(images), dtype=float)
    probs = np.array([v[0] for v in images.values()])
    code = np.array([code_of[image] for image in images], dtype=float)
    np.testing.assert_array_equal(shifter.one_hot_direction_code(patterns), code)
    best = shifter.deterministic_code_bound_bits(code, probs)
    at_fixed = shifter.deterministic_code_bound_bits(code, probs, [fixed, fixed])
    assert best["entropy_bits"] == pytest.approx(entropy, rel=1e-12)
    assert best["code_entropy_bits"] == pytest.approx(code_entropy, rel=1e-12)
    assert best["top_prior"] == pytest.approx(marginals, rel=1e-12)
    assert best["excess_bits"] == pytest.approx(multi_information, rel=1e-9)
    assert best["total_bits"] == pytest.approx(entropy + multi_information, rel=1e-12)
    assert best["excess_bits"] <= best_on_grid <= best["excess_bits"] + 1e-4  # the marginals are the best prior
    assert at_fixed["cross_entropy_bits"] == pytest.approx(cross_entropy((fixed, fixed)), rel=1e-12)
    assert at_fixed["total_bits"] == pytest.approx(entropy - code_entropy + cross_entropy((fixed, fixed)), rel=1e-12)
    # the numbers notebook 07 states
    assert round(symmetric, 3) == 0.169 and round(entropy, 3) == 6.606
    assert round(multi_information, 3) == 0.472 and round(entropy + multi_information, 2) == 7.08
    assert round(entropy - code_entropy + cross_entropy((fixed, fixed)), 2) == 8.85


@given(seed=st.integers(0, 2**32 - 1), rule=st.sampled_from(["eq11", "naive", "sigmoid"]))
def test_binary_recognition_never_beats_the_deterministic_code_bound(seed, rule):
    """A 4-3-2 machine whose recognition means are all 0 or 1, on a random distribution over the 16
    patterns: its mean-field F (Eq. (12)) is at least the bound for its own top code and top prior."""
    rng = np.random.default_rng(seed)
    hm = HelmholtzMachine.random((4, 3, 2), imaging="sigmoid" if rule == "sigmoid" else "odds", seed=rng)
    # recognition weights +-1000 and biases odd multiples of 500: every input is at least 500 away
    # from 0, so every recognition mean is 0 or 1 to within 1e-200
    hm.phi = [1000.0 * rng.choice([-1.0, 1.0], size=w.shape) for w in hm.phi]
    hm.phi_bias = [500.0 * (2 * rng.integers(-3, 3, size=b.shape) + 1) for b in hm.phi_bias]
    x = exact.binary_patterns(4)
    probs = rng.dirichlet(np.ones(16))
    q = meanfield.recognition_means(hm, x)
    code = np.round(q[-1])
    prior = meanfield.generative_means(hm, q, rule)[-1]  # (2,): the factorial top prior
    f_bits = float(probs @ meanfield.free_energy(hm, x, rule)) / math.log(2)
    bound = shifter.deterministic_code_bound_bits(code, probs, prior)
    assert bound["entropy_bits"] <= bound["total_bits"]
    assert f_bits >= bound["total_bits"] - 1e-9


@given(seed=st.integers(0, 2**32 - 1), n_images=st.integers(1, 12), n_top=st.integers(1, 3))
def test_deterministic_code_bound_is_attained_by_the_best_conditional(seed, n_images, n_top):
    """Code lengths -log2 [pi(t) p(x | t)] written out with plain loops: with p(x | t) the data's own
    conditional the average equals the bound, and any other normalised p(x | t) costs more."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(n_images))
    code = rng.integers(0, 2, size=(n_images, n_top)).astype(float)
    prior = rng.uniform(0.05, 0.95, size=n_top)
    codes = [tuple(int(v) for v in row) for row in code]
    mass = {}
    for t, p in zip(codes, probs):
        mass[t] = mass.get(t, 0.0) + p

    def log2_prior(t):
        return sum(math.log2(pk if tk else 1 - pk) for tk, pk in zip(t, prior))

    best = -sum(p * (log2_prior(t) + math.log2(p / mass[t])) for t, p in zip(codes, probs))
    other = rng.random(n_images)  # some other conditional p(x | t): normalised within each code value
    norm = {}
    for t, w in zip(codes, other):
        norm[t] = norm.get(t, 0.0) + w
    worse = -sum(p * (log2_prior(t) + math.log2(w / norm[t])) for t, p, w in zip(codes, probs, other))
    bound = shifter.deterministic_code_bound_bits(code, probs, prior)
    assert bound["total_bits"] == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert worse >= bound["total_bits"] - 1e-9


def test_deterministic_code_bound_refuses_bad_input():
    code, probs = np.eye(2), np.array([0.5, 0.5])
    with pytest.raises(ValueError, match="code contains the value 0.5"):
        shifter.deterministic_code_bound_bits([[0.5, 0.0], [1.0, 0.0]], probs)
    with pytest.raises(ValueError, match="code has 3 rows"):
        shifter.deterministic_code_bound_bits(np.eye(3), probs)
    with pytest.raises(ValueError, match="probs sums to"):
        shifter.deterministic_code_bound_bits(code, [0.5, 0.6])
    with pytest.raises(ValueError, match="top_prior has shape"):
        shifter.deterministic_code_bound_bits(code, probs, [0.5])
    with pytest.raises(ValueError, match="top_prior contains the value 1.5"):
        shifter.deterministic_code_bound_bits(code, probs, [0.5, 1.5])
    with pytest.raises(TypeError, match="code"):
        shifter.deterministic_code_bound_bits("code", probs)
    # a prior that gives a code in use probability 0: the code length is infinite
    assert shifter.deterministic_code_bound_bits(code, probs, [0.0, 0.5])["total_bits"] == math.inf
    image = np.zeros((1, 32))
    image[0, 3] = 1  # a shifted-row pixel on with an empty source row
    with pytest.raises(ValueError, match="patterns row 0 is not a shifter image"):
        shifter.one_hot_direction_code(image)


def test_independent_pixel_code_length():
    images = _shifter_by_loops()
    marginals = [sum(v[0] for k, v in images.items() if k[i]) for i in range(32)]
    assert shifter.independent_pixel_bits() == pytest.approx(sum(_bits(m) for m in marginals), rel=1e-12)
    assert shifter.independent_pixel_bits() == pytest.approx(32 * _bits(0.2), rel=1e-12)


def test_importance_sampled_nll_agrees_with_exact_enumeration():
    random = HelmholtzMachine.random((32, 3, 2), imaging="odds", seed=5, scale=1.0)
    # recognition weights 0: Q is uniform over the 2^5 hidden configurations, so 400 draws visit each
    # about 12 times and the estimate has no blind spot
    hm = HelmholtzMachine(random.theta, random.theta_bias, [np.zeros((32, 3)), np.zeros((3, 2))],
                          [np.zeros(3), np.zeros(2)], imaging="odds")
    images = _shifter_by_loops()
    patterns = np.array(list(images.keys()), dtype=float)
    probs = np.array([v[0] for v in images.values()])
    exact_nll = float(-(probs @ exact.log_evidence(hm, patterns)) / math.log(2))
    estimate = shifter.nll_bits(hm, n_samples=400, seed=1)
    assert estimate["stderr_bits"] > 0
    assert abs(estimate["nll_bits"] - exact_nll) < 5 * estimate["stderr_bits"] + 0.02


# ---------------------------------------------------------------------------- the saved runs
def _saved_runs():
    return json.loads((RESULTS / "runs.json").read_text())["runs"]


def test_saved_eq11_machines_rescore_to_the_accuracies_in_runs_json():
    """Each saved Eq. (11) machine, loaded from its .npz, gives the accuracies that runs.json records,
    recomputed here from the exact distribution with a forward pass and thresholds of our own."""
    images = _shifter_by_loops()
    identifiable = [(k, v) for k, v in images.items() if v[1] is not None]
    x = np.array([k for k, _ in identifiable], dtype=float)  # (504, 32)
    direction = np.array([v[1] for _, v in identifiable])
    weight = np.array([v[0] for _, v in identifiable])
    weight = weight / weight.sum()
    runs = [r for r in _saved_runs() if r["rule"] == "eq11"]
    assert sorted(r["seed"] for r in runs) == list(range(10))
    for run in runs:
        hm = HelmholtzMachine.load(RESULTS / f"eq11_seed{run['seed']}.npz")
        q = x
        for W, c in zip(hm.phi, hm.phi_bias):  # Eq. (9), layer by layer
            q = 1.0 / (1.0 + np.exp(-(q @ W + c)))
        best, half = 0.0, 0.0
        for unit in q.T:
            for t in np.append(np.unique(unit), np.inf):  # every threshold, 'on' read as either direction
                agree = weight @ ((unit >= t) == (direction == 1))
                best = max(best, agree, 1 - agree)
            agree = weight @ ((unit >= 0.5) == (direction == 1))
            half = max(half, agree, 1 - agree)
        assert run["best_threshold_accuracy"] == pytest.approx(best, abs=1e-4), run["seed"]
        assert run["half_threshold_accuracy"] == pytest.approx(half, abs=1e-4), run["seed"]
        assert run["discovered"] == bool(best >= 0.95)


def test_saved_runs_hold_every_field_of_the_summary_line():
    keys = {"rule", "seed", "discovered", "best_threshold_accuracy", "half_threshold_accuracy", "purity",
            "pair_detectors", "f_bits", "nll_bits", "nll_stderr_bits", "iterations", "seconds"}
    runs = _saved_runs()
    assert {r["rule"] for r in runs} == {"eq11", "naive", "sigmoid"}
    for run in runs:
        assert keys <= set(run)
        assert (RESULTS / f"{run['rule']}_seed{run['seed']}.npz").exists()


def test_held_out_summary_matches_the_saved_recipe():
    """benchmarks/results/shifter/eq11_seeds10-19.json (notebook 07): Eq. (11) on seeds 10-19, same recipe."""
    heldout = json.loads((RESULTS / "eq11_seeds10-19.json").read_text())
    saved = json.loads((RESULTS / "runs.json").read_text())
    assert heldout["settings"]["recipe"] == saved["settings"]["recipe"]
    assert heldout["settings"]["discovered_accuracy"] == saved["settings"]["discovered_accuracy"]
    assert [(r["rule"], r["seed"]) for r in heldout["runs"]] == [("eq11", seed) for seed in range(10, 20)]
    for run in heldout["runs"]:
        assert run["discovered"] == (run["best_threshold_accuracy"] >= heldout["settings"]["discovered_accuracy"])
        assert run["half_threshold_accuracy"] <= run["best_threshold_accuracy"]
