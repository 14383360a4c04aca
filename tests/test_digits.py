"""Tests of issues 14 and 18: the digits (hmlib.data.digits), the models to beat (hmlib.baselines:
gzip chosen on validation, the cost of the label, the paired McNemar test), one log_evidence for
every machine (hmlib.evaluation.log_evidence), the progress bar (hmlib.views.progress),
``import hmlib``, the README's "Train on your own data" snippet and the saved benchmark.

References: scikit-learn's raw data and its documented class sizes, numbers worked out by hand,
plain loops over every hidden configuration or every binary pattern, gzip called directly, the
binomial distribution summed with math.comb.
"""

import gzip
import importlib.util
import io
import itertools
import json
import math
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import hmlib
from hmlib import baselines, evaluation, meanfield_fit, wakesleep
from hmlib.data import DIGITS_SHAPE, digits, to_images
from hmlib.model import HelmholtzMachine
from hmlib.views.progress import progress_bar
from tests import reference

ROOT = Path(__file__).resolve().parent.parent
# scikit-learn's description of its digits: "Number of Instances: 1797", about 180 per class
CLASS_SIZES = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)


@pytest.fixture(scope="module")
def split():
    return digits()


@pytest.fixture(scope="module")
def raw():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data, data.target


# ---------------------------------------------------------------------------- the data
def test_digits_split_every_class_into_train_validation_and_test(split):
    for c, size in enumerate(CLASS_SIZES):
        test = sum(1 for k in range(size) if k % 3 == 2)  # every third digit of the class
        valid = sum(1 for j in range(size - test) if j % 4 == 3)  # every fourth of the others
        assert len(split.of_class("test", c)) == test
        assert len(split.of_class("valid", c)) == valid
        assert len(split.of_class("train", c)) == size - test - valid
    assert len(split.x_train) + len(split.x_valid) + len(split.x_test) == 1797
    assert split.x_train.shape[1] == DIGITS_SHAPE[0] * DIGITS_SHAPE[1] == 64
    assert set(np.unique(np.concatenate([split.x_train, split.x_valid, split.x_test]))) == {0.0, 1.0}


def test_digits_are_the_binarised_rows_of_scikit_learn_each_in_one_part(split, raw):
    grey, target = raw
    ours = np.concatenate([np.column_stack([x, y]) for x, y in (
        (split.x_train, split.y_train), (split.x_valid, split.y_valid), (split.x_test, split.y_test))])
    theirs = np.column_stack([(grey > 7).astype(float), target])
    assert sorted(map(tuple, ours)) == sorted(map(tuple, theirs))
    zeros = np.flatnonzero(target == 0)  # the class's digits in the data set's order
    np.testing.assert_array_equal(split.of_class("train", 0)[0], grey[zeros[0]] > 7)
    np.testing.assert_array_equal(split.of_class("test", 0)[0], grey[zeros[2]] > 7)  # the third is a test digit
    np.testing.assert_array_equal(split.of_class("valid", 0)[0], grey[zeros[4]] > 7)  # the 4th non-test digit


def test_digits_threshold_means_grey_level_above_it(raw):
    grey, target = raw
    for threshold in (0, 15):
        x = digits(threshold).of_class("train", 0)[0]
        np.testing.assert_array_equal(x, grey[np.flatnonzero(target == 0)[0]] > threshold)


def test_digits_refuse_bad_arguments(split):
    with pytest.raises(ValueError, match="threshold is 16"):
        digits(16)
    with pytest.raises(TypeError, match="threshold"):
        digits(7.5)
    with pytest.raises(TypeError, match="threshold"):
        digits("7")
    with pytest.raises(ValueError, match="part is 'validation'"):
        split.of_class("validation", 3)
    with pytest.raises(ValueError, match="digit is 10"):
        split.of_class("train", 10)
    assert to_images(split.x_test[:2], DIGITS_SHAPE).shape == (2, 8, 8)


# ---------------------------------------------------------------------------- baselines
def test_base_rates_by_hand():
    x = np.array([[1, 0], [1, 1], [0, 0]], float)
    model = baselines.base_rates(x)
    # pixel 1 on in 2 of 3: (2 + 1) / (3 + 2) = 0.6; pixel 2 on in 1 of 3: (1 + 1) / 5 = 0.4
    np.testing.assert_allclose(model.p, [[0.6, 0.4]])
    expected = -(math.log2(0.6) + math.log2(0.6))  # x = (1, 0): 0.6 * (1 - 0.4)
    assert model.bits([[1, 0]])[0] == pytest.approx(expected, abs=1e-12)


def test_mixture_with_one_component_is_the_base_rates():
    x = (np.random.default_rng(0).random((30, 5)) < 0.3).astype(float)
    one = baselines.fit_mixture(x, 1, seed=0)
    np.testing.assert_allclose(one.p, baselines.base_rates(x).p, atol=1e-12)
    np.testing.assert_allclose(np.exp(one.log_weights), [1.0])


def test_mixture_is_a_distribution_over_all_patterns():
    x = (np.random.default_rng(1).random((40, 4)) < 0.5).astype(float)
    model = baselines.fit_mixture(x, 3, seed=1)
    patterns = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    assert np.exp(model.log_prob(patterns)).sum() == pytest.approx(1.0, abs=1e-12)
    # and the plain formula, one pattern at a time
    w, p = np.exp(model.log_weights), model.p
    plain = sum(w[k] * np.prod(np.where(patterns[5] == 1, p[k], 1 - p[k])) for k in range(3))
    assert np.exp(model.log_prob(patterns[5:6]))[0] == pytest.approx(plain, rel=1e-12)


def test_choose_mixture_finds_two_prototypes():
    rng = np.random.default_rng(2)
    on = rng.random(300) < 0.5
    x = np.where(on[:, None], rng.random((300, 12)) < 0.95, rng.random((300, 12)) < 0.05).astype(float)
    model, scores = baselines.choose_mixture(x[:200], x[200:], components=(1, 2), seed=0)
    assert model.n_components == 2 and scores[2] < scores[1] - 5, "two clusters cost far fewer bits than one"
    assert sorted(np.round(model.p.mean(axis=1), 1)) == [0.1, 0.9]


def _gzip_size_directly(x, level, packed):
    data = bytes(np.packbits(x.astype(np.uint8).ravel())) if packed else bytes(x.astype(np.uint8).ravel())
    return len(gzip.compress(data, compresslevel=level, mtime=0))


def test_gzip_bits_is_gzip_called_directly_at_the_setting_given():
    x = (np.random.default_rng(3).random((50, 64)) < 0.2).astype(float)
    for level in (1, 5, 9):
        for packed, packing in ((False, "one byte per pixel"), (True, "eight pixels per byte")):
            assert baselines.gzip_bits(x, level, packing) == 8 * _gzip_size_directly(x, level, packed) / 50


def test_choose_gzip_picks_the_smallest_validation_file():
    rng = np.random.default_rng(4)
    x_valid = (rng.random((40, 64)) < 0.2).astype(float)
    sizes = {(level, packing): _gzip_size_directly(x_valid, level, packing == "eight pixels per byte")
             for level in range(1, 10) for packing in baselines.GZIP_PACKINGS}
    setting, bits = baselines.choose_gzip(x_valid)
    assert sizes[setting["level"], setting["packing"]] == min(sizes.values())
    assert bits == {key: 8 * size / 40 for key, size in sizes.items()}
    # the choice is made on x_valid alone: another set scored at that setting is gzip at that setting
    x_test = (rng.random((30, 64)) < 0.2).astype(float)
    assert baselines.gzip_bits(x_test, **setting) == 8 * _gzip_size_directly(
        x_test, setting["level"], setting["packing"] == "eight pixels per byte") / 30


def test_gzip_codes_the_same_rows_in_fewer_bits_when_alike_rows_are_neighbours():
    # two prototypes, 100 noisy copies of each: sorted, gzip finds long matches close by
    rng = np.random.default_rng(5)
    prototypes = rng.random((2, 64)) < 0.5
    x = np.repeat(prototypes, 100, axis=0) ^ (rng.random((200, 64)) < 0.02)
    shuffled = x[rng.permutation(200)]
    packed = "eight pixels per byte"
    assert baselines.gzip_bits(x, 9, packed) < baselines.gzip_bits(shuffled, 9, packed)


def test_label_bits_by_hand():
    log2_prior = np.log2([0.5, 0.25, 0.25])
    np.testing.assert_allclose(baselines.label_bits([0, 0, 1, 2], log2_prior), [1.0, 1.0, 2.0, 2.0])
    # ten equally frequent classes: log2 10 = 3.32 bits for every label
    uniform = baselines.class_log_prior(np.repeat(np.arange(10), 7))
    np.testing.assert_allclose(baselines.label_bits([3, 9], uniform), [math.log2(10)] * 2)


def test_unlabelled_bits_by_hand():
    # p(x | 0) = 1/4, p(x | 1) = 1/8, P(0) = P(1) = 1/2: p(x) = 1/8 + 1/16 = 3/16
    log2_p = np.log2([[1 / 4, 1 / 8]])
    assert baselines.unlabelled_bits(log2_p, np.log2([0.5, 0.5]))[0] == pytest.approx(-math.log2(3 / 16), abs=1e-12)


@given(st.lists(st.floats(-60.0, 0.0), min_size=3, max_size=3), st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3),
       st.integers(0, 2))
def test_unlabelled_bits_is_the_label_paid_code_minus_the_posterior_of_the_class(log2_p, weights, c):
    """-log2 sum_c P(c) p(x|c) = -log2 P(c) - log2 p(x|c) + log2 P(c|x), so never more than the label-paid code."""
    prior = np.array(weights) / np.sum(weights)
    joint = [2.0 ** (lp) * pc for lp, pc in zip(log2_p, prior)]  # plain floats: P(c) p(x | c)
    unlabelled = baselines.unlabelled_bits([log2_p], np.log2(prior))[0]
    paid = baselines.label_bits([c], np.log2(prior))[0] - log2_p[c]
    assert unlabelled <= paid + 1e-9
    assert paid - unlabelled == pytest.approx(-math.log2(joint[c] / sum(joint)), abs=1e-9)


def _plain_mcnemar_p(n_a, n_b):
    """Two-sided exact binomial test with p = 1/2: twice the smaller tail, at most 1."""
    n = n_a + n_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(n_a, n_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def test_mcnemar_test_by_hand():
    labels = np.zeros(10, int)
    # pattern:        0  1  2  3  4  5  6  7  8  9
    a = np.array([1, 0, 0, 0, 0, 0, 1, 1, 0, 0])  # wrong on 0 (alone), 6 and 7 (with b)
    b = np.array([0, 1, 1, 1, 1, 1, 1, 1, 0, 0])  # wrong on 1-5 (alone), 6 and 7 (with a)
    result = baselines.mcnemar_test(a, b, labels)
    assert (result.only_a_wrong, result.only_b_wrong) == (1, 5)
    # 6 discordant pairs, 1 against 5: P(X <= 1) + P(X >= 5) = (1 + 6 + 6 + 1) / 64
    assert result.p_value == pytest.approx(14 / 64, abs=1e-12)
    assert baselines.mcnemar_test(a, a, labels).p_value == 1.0, "no discordant pairs: no evidence either way"
    # a classifier always right against b, wrong on 7 patterns: 0 against 7, (1 + 1) / 128
    assert baselines.mcnemar_test(labels, b, labels).p_value == pytest.approx(2 / 128, abs=1e-12)


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=60))
def test_mcnemar_test_counts_discordant_pairs_and_is_symmetric(rows):
    a, b, y = (np.array(column) for column in zip(*rows))
    result = baselines.mcnemar_test(a, b, y)
    n_a = sum(1 for ai, bi, yi in rows if ai != yi and bi == yi)
    n_b = sum(1 for ai, bi, yi in rows if bi != yi and ai == yi)
    assert (result.only_a_wrong, result.only_b_wrong) == (n_a, n_b)
    assert result.p_value == pytest.approx(_plain_mcnemar_p(n_a, n_b), rel=1e-9)
    swapped = baselines.mcnemar_test(b, a, y)
    assert (swapped.only_a_wrong, swapped.only_b_wrong, swapped.p_value) == (n_b, n_a, result.p_value)


def test_classify_and_class_prior_by_hand():
    log_p = np.array([[-10.0, -11.0], [-10.0, -10.5]])
    log_prior = np.log2([0.2, 0.8])  # class 1 is four times as likely: +2 bits
    np.testing.assert_array_equal(baselines.classify(log_p, log_prior), [1, 1])
    np.testing.assert_array_equal(baselines.classify(log_p, [0.0, 0.0]), [0, 0])
    # labels 0, 0, 1 in 3 classes: (2 + 1) / (3 + 3), (1 + 1) / 6, (0 + 1) / 6
    np.testing.assert_allclose(baselines.class_log_prior([0, 0, 1], n_classes=3), np.log2([0.5, 1 / 3, 1 / 6]))


def test_baselines_refuse_bad_arguments():
    x = np.eye(3)
    with pytest.raises(ValueError, match="n_components is 0"):
        baselines.fit_mixture(x, 0)
    with pytest.raises(TypeError, match="n_components"):
        baselines.fit_mixture(x, 2.5)
    with pytest.raises(ValueError, match="x contains the value 0.5"):
        baselines.base_rates([[0.5, 1.0]])
    with pytest.raises(ValueError, match="x_valid has 2 columns"):
        baselines.choose_mixture(x, np.eye(2))
    with pytest.raises(ValueError, match="components is empty"):
        baselines.choose_mixture(x, x, components=())
    with pytest.raises(ValueError, match="log_prior has shape"):
        baselines.classify(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="y contains 3"):
        baselines.class_log_prior([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="tol is -1"):
        baselines.fit_mixture(x, 1, tol=-1.0)
    with pytest.raises(ValueError, match="level is 0"):
        baselines.gzip_bits(x, 0, "eight pixels per byte")
    with pytest.raises(ValueError, match="packing is 'bits'"):
        baselines.gzip_bits(x, 9, "bits")
    with pytest.raises(ValueError, match="x_valid contains the value 0.5"):
        baselines.choose_gzip([[0.5, 1.0]])
    with pytest.raises(ValueError, match="y contains 3"):
        baselines.label_bits([0, 3], np.log2([0.5, 0.25, 0.25]))
    with pytest.raises(ValueError, match="log2_prior sums to 1.5"):
        baselines.label_bits([0], np.log2([1.0, 0.5]))
    with pytest.raises(ValueError, match="log2_prior has shape"):
        baselines.unlabelled_bits(np.zeros((2, 3)), np.log2([0.5, 0.5]))
    with pytest.raises(ValueError, match="predicted_b has shape"):
        baselines.mcnemar_test([0, 1], [0, 1, 1], [0, 1])
    with pytest.raises(TypeError, match="labels"):
        baselines.mcnemar_test([0, 1], [0, 1], "01")


# ---------------------------------------------------------------------------- log_evidence
def _plain_log_evidence(hm, x_row):
    """log p(x) in nats by the plain-loop reference (math module only, no hmlib code)."""
    return reference.quantities(hm, x_row)["log_z"]


def test_log_evidence_is_exact_for_small_machines_in_bits_and_nats():
    hm = HelmholtzMachine.random((4, 2, 1), seed=4)
    x = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]], float)
    plain = [_plain_log_evidence(hm, row) for row in x]
    mean, stderr = evaluation.log_evidence(hm, x, unit="nats")
    assert mean == pytest.approx(np.mean(plain), abs=1e-10) and stderr == 0.0
    mean_bits, _ = evaluation.log_evidence(hm, x)  # bits by default
    assert mean_bits == pytest.approx(np.mean(plain) / math.log(2), abs=1e-10)
    rows, errors = evaluation.log_evidence(hm, x, unit="nats", per_row=True)
    np.testing.assert_allclose(rows, plain, atol=1e-10)
    assert errors.shape == (3,) and not errors.any()


def test_log_evidence_samples_when_the_machine_is_too_large_to_enumerate():
    hm = HelmholtzMachine.random((3, evaluation.EXACT_HIDDEN + 1), seed=5, scale=0.3)
    x = np.array([[1, 0, 1], [0, 1, 1]], float)
    mean, stderr = evaluation.log_evidence(hm, x, n_samples=50, seed=0)
    assert stderr > 0.0, "importance sampling has an error bar"
    rows, errors = evaluation.log_evidence(hm, x, n_samples=50, seed=0, per_row=True)
    assert mean == pytest.approx(rows.mean()) and stderr == pytest.approx(math.sqrt((errors**2).sum()) / 2)


def test_log_evidence_by_importance_sampling_agrees_with_enumeration():
    hm = HelmholtzMachine.random((5, 3, 2), seed=6, scale=0.7)
    x = (np.random.default_rng(6).random((20, 5)) < 0.5).astype(float)
    exact_mean, _ = evaluation.log_evidence(hm, x, method="exact")
    sampled, stderr = evaluation.log_evidence(hm, x, n_samples=4000, seed=1, method="importance")
    assert abs(sampled - exact_mean) < 4 * stderr + 1e-3, (sampled, exact_mean, stderr)


def test_log_evidence_memory_is_bounded(monkeypatch):
    # regression: the importance samples' log-weights (K x rows) were held all at once; now a block
    # of rows at a time, at most _CHUNK_ELEMENTS floats
    monkeypatch.setattr(evaluation, "_CHUNK_ELEMENTS", 2**12)
    hm = HelmholtzMachine.random((4, 21), seed=7)
    x = (np.random.default_rng(7).random((300, 4)) < 0.5).astype(float)
    K = 1000  # all the log-weights at once: 300 x 1000 floats, 2.4 MB, and as much again for the weights
    tracemalloc.start()
    evaluation.log_evidence(hm, x, n_samples=K, seed=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * K * len(x) / 2, f"peak {peak} bytes"


def test_log_evidence_refuses_bad_arguments():
    hm = HelmholtzMachine.random((3, 2), seed=0)
    x = np.eye(3)
    with pytest.raises(ValueError, match="method is 'fast'"):
        evaluation.log_evidence(hm, x, method="fast")
    with pytest.raises(TypeError, match="per_row"):
        evaluation.log_evidence(hm, x, per_row="yes")
    with pytest.raises(ValueError, match="n_samples is 1"):
        evaluation.log_evidence(hm, x, n_samples=1)
    with pytest.raises(ValueError, match="unit is 'bytes'"):
        evaluation.log_evidence(hm, x, unit="bytes")
    with pytest.raises(ValueError, match="has 2 columns"):
        evaluation.log_evidence(hm, np.eye(2))
    with pytest.raises(TypeError, match="hm is a str"):
        evaluation.log_evidence("machine", x)
    big = HelmholtzMachine.random((2, 25), seed=0)
    with pytest.raises(ValueError, match="MAX_HIDDEN"):
        evaluation.log_evidence(big, np.eye(2), method="exact")


# ---------------------------------------------------------------------------- progress bar
def _two_clusters(n, seed):
    rng = np.random.default_rng(seed)
    on = rng.random(n) < 0.5
    return np.where(on[:, None], rng.random((n, 6)) < 0.9, rng.random((n, 6)) < 0.1).astype(float)


def test_progress_bar_follows_a_wake_sleep_run_and_says_when_it_stopped_early():
    out = io.StringIO()
    settings = wakesleep.WakeSleepSettings(examples=20_000, validate_every=500, patience=2, lr_visible=0.5,
                                           lr_hidden=0.5)
    _, history = wakesleep.fit(_two_clusters(40, 0), sizes=(6, 2), seed=0, settings=settings,
                               validation=_two_clusters(20, 1), callback=progress_bar(kind="text", file=out))
    text = out.getvalue()
    assert history.stopped_early and "stopped early" in text
    assert f"stopped early at {history.examples[-1]:,} examples" in text and "/20.0k" in text


def test_progress_bar_follows_a_mean_field_fit():
    out = io.StringIO()
    x = _two_clusters(20, 2)
    meanfield_fit.fit(x, sizes=(6, 2), rule="sigmoid", seed=0, settings=meanfield_fit.FitSettings(max_iter=5, gtol=0.0),
                      callback=progress_bar(total=5, kind="text", file=out))
    assert "5.00/5.00" in out.getvalue() or "5/5" in out.getvalue()


def test_progress_bar_refuses_bad_arguments():
    with pytest.raises(ValueError, match="total is None"):
        progress_bar(kind="text", file=io.StringIO())(1, 2.0, None)
    with pytest.raises(TypeError, match="2 arguments"):
        progress_bar(kind="text", file=io.StringIO())(1, 2)
    with pytest.raises(ValueError, match="kind is 'html'"):
        progress_bar(kind="html")
    with pytest.raises(ValueError, match="total is 0"):
        progress_bar(total=0)


# ---------------------------------------------------------------------------- the package and the README
def test_import_hmlib_reaches_every_public_module():
    # regression (issue 14, friction 1): `import hmlib; hmlib.wakesleep` raised AttributeError
    code = ("import hmlib\nfor name in ('wakesleep', 'evaluation', 'data', 'baselines', 'meanfield_fit', 'exact', "
            "'model'):\n    getattr(hmlib, name)\nprint(hmlib.wakesleep.fit.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "fit"
    assert {"wakesleep", "baselines", "evaluation"} <= set(hmlib.__all__)


def readme_snippet():
    """The python block of the README's "Train on your own data" section."""
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## Train on your own data\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## Train on your own data' section"
    blocks = re.findall(r"```python\n(.*?)```", section.group(1), re.S)
    assert len(blocks) == 1, "the section should hold one python block"
    return blocks[0]


def test_the_readme_snippet_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the snippet saves my_machine.npz
    exec(compile(readme_snippet(), "README.md", "exec"), {"__name__": "__main__"})
    assert HelmholtzMachine.load(tmp_path / "my_machine.npz").sizes == (64, 16, 16, 4)
    output = capsys.readouterr().out
    match = re.search(r"([0-9.]+) bits per test digit", output)
    assert match, output
    base = baselines.base_rates(digits().of_class("train", 3)).bits(digits().of_class("test", 3)).mean()
    assert float(match.group(1)) < base, "the trained machine should beat independent pixels"


# ---------------------------------------------------------------------------- the benchmark's output
def _benchmark():
    spec = importlib.util.spec_from_file_location("digits_benchmark", ROOT / "benchmarks" / "digits.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark


MODELS = ["base rates per class", "base rates pooled", "mixture", "gzip, class order", "gzip, shuffled",
          "wake-sleep per digit", "wake-sleep one machine", "deterministic machine"]
PER_CLASS = {"base rates per class", "mixture", "wake-sleep per digit", "deterministic machine"}


def test_benchmark_prints_the_table_as_its_last_json_line_and_rescoring_reproduces_it(capsys, tmp_path):
    benchmark = _benchmark()
    tiny = ["--examples", "2000", "--samples", "4", "--class-samples", "2", "--meanfield-iterations", "3"]
    benchmark.main(["--json", "--save", str(tmp_path), *tiny])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["problem"] == "digits" and summary["threshold"] == 7
    assert [row["model"] for row in summary["rows"]] == MODELS
    labels = baselines.label_bits(digits().y_test, baselines.class_log_prior(digits().y_train)).mean()
    for row in summary["rows"]:
        assert list(row) == ["model", "test_bits", "stderr_bits", "train_bits", "label_bits", "error_rate", "seconds"]
        if row["model"] in PER_CLASS:
            assert row["label_bits"] == pytest.approx(labels, abs=1e-4) and row["error_rate"] is not None
        else:
            assert row["label_bits"] is None and row["error_rate"] is None
    by_model = {row["model"]: row for row in summary["rows"]}
    assert by_model["gzip, class order"]["stderr_bits"] is None
    assert {(t["a"], t["b"]) for t in summary["paired_tests"]} == {
        (a, b) for i, a in enumerate(benchmark.CLASSIFIERS) for b in benchmark.CLASSIFIERS[i + 1:]}
    saved = json.loads((tmp_path / "runs.json").read_text())

    # --rescore trains nothing, keeps what training recorded and scores the same machines alike
    benchmark.main(["--json", "--rescore", str(tmp_path)])
    rescored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for before, after in zip(summary["rows"], rescored["rows"]):
        assert {k: v for k, v in before.items() if k != "seconds"} == {k: v for k, v in after.items() if k != "seconds"}
        if before["model"].startswith(("wake-sleep", "deterministic")):
            assert before["seconds"] == after["seconds"], "the training time is kept"
    again = json.loads((tmp_path / "runs.json").read_text())
    assert again["samples"] == 4 and again["curves"] == saved["curves"] and again["command"] == saved["command"]
    assert again["rescore_command"].endswith(f"--rescore {tmp_path}")


def test_saved_runs_support_the_acceptance_claims():
    """The committed benchmark results (benchmarks/results/digits/runs.json): per-digit machines below
    base rates, gzip and the mixture by more than two standard errors (the label paid against gzip),
    trained within 60 s; the saved predictions, label bits and paired tests agree with the rows."""
    meta = json.loads((ROOT / "benchmarks" / "results" / "digits" / "runs.json").read_text())
    assert [row["model"] for row in meta["rows"]] == MODELS
    rows = {row["model"]: row for row in meta["rows"]}
    hm = rows["wake-sleep per digit"]
    for other in ("base rates per class", "mixture", "gzip, class order", "gzip, shuffled"):
        errors = [e for e in (hm["stderr_bits"], rows[other]["stderr_bits"]) if e is not None]
        paid = hm["label_bits"] - (rows[other]["label_bits"] or 0.0)  # what knowing the class gave hm over other
        assert rows[other]["test_bits"] - hm["test_bits"] - paid > 2 * math.sqrt(sum(e * e for e in errors)), other
    assert hm["seconds"] <= 60
    per_digit = meta["test_bits_per_digit"]
    assert np.mean(per_digit["wake-sleep per digit"]) == pytest.approx(hm["test_bits"], abs=1e-3)
    split = digits(meta["threshold"])
    for name, predicted in meta["test_predictions"].items():
        assert np.mean(np.array(predicted) != split.y_test) == pytest.approx(rows[name]["error_rate"], abs=1e-4)
    for test in meta["paired_tests"]:
        result = baselines.mcnemar_test(meta["test_predictions"][test["a"]], meta["test_predictions"][test["b"]],
                                        split.y_test)
        assert (test["only_a_wrong"], test["only_b_wrong"]) == (result.only_a_wrong, result.only_b_wrong)
    assert set(meta["gzip_settings"]) == {"gzip, class order", "gzip, shuffled"}


# ---------------------------------------------------------------------------- the figures of notebook 10
def test_digit_figures_draw_from_the_saved_runs(split, tmp_path):
    from matplotlib.figure import Figure

    from hmlib.views.digits import code_lengths, digit_grid, load_digits_runs, validation_curves

    meta, machines = load_digits_runs()
    assert sorted(k for k in machines if isinstance(k, int)) == list(range(10)) and machines["all"].sizes == (64, 16, 16, 4)
    for fig in (code_lengths(meta["rows"]), validation_curves(meta["curves"]), digit_grid(split.x_test[:12], "digits")):
        assert isinstance(fig, Figure)
    # the per-class rows' bars are extended by their label bits, the others' are not
    fig = code_lengths([{"model": "mixture", "test_bits": 20.0, "stderr_bits": 0.5, "label_bits": 3.0},
                        {"model": "gzip", "test_bits": 30.0, "stderr_bits": None}])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "20.0 + 3.0 = 23.0" in texts and "30.0" in texts
    with pytest.raises(ValueError, match="no runs.json"):
        load_digits_runs(tmp_path)
    with pytest.raises(TypeError, match="directory"):
        load_digits_runs(3)
    with pytest.raises(ValueError, match="at most 256"):
        digit_grid(np.zeros((257, 64)), "too many")
    with pytest.raises(TypeError, match="rows"):
        code_lengths({"model": "gzip"})
