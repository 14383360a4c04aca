"""Tests of issue 14: the digits (hmlib.data.digits), the models to beat (hmlib.baselines), one
log_evidence for every machine (hmlib.evaluation.log_evidence), the progress bar
(hmlib.views.progress), ``import hmlib`` and the README's "Train on your own data" snippet.

References: scikit-learn's raw data and its documented class sizes, numbers worked out by hand,
plain loops over every hidden configuration or every binary pattern, gzip called directly.
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


def test_gzip_bits_is_the_smallest_file_over_levels_and_packings():
    x = (np.random.default_rng(3).random((50, 64)) < 0.2).astype(float)
    sizes = []
    for level in range(1, 10):
        sizes.append(len(gzip.compress(bytes(x.astype(np.uint8).ravel()), compresslevel=level, mtime=0)))
        packed = bytes(np.packbits(x.astype(np.uint8).ravel()))
        sizes.append(len(gzip.compress(packed, compresslevel=level, mtime=0)))
    bits, setting = baselines.gzip_bits(x)
    assert bits == 8 * min(sizes) / 50
    assert setting["level"] in range(1, 10) and setting["packing"] in baselines.GZIP_PACKINGS


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
def test_benchmark_prints_the_table_as_its_last_json_line(capsys):
    spec = importlib.util.spec_from_file_location("digits_benchmark", ROOT / "benchmarks" / "digits.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    benchmark.main(["--json", "--examples", "2000", "--samples", "4", "--class-samples", "2", "--meanfield-iterations", "3"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["problem"] == "digits" and summary["threshold"] == 7
    models = [row["model"] for row in summary["rows"]]
    assert models == ["base rates per class", "base rates pooled", "mixture", "gzip", "wake-sleep per digit",
                      "wake-sleep one machine", "mean field"]
    for row in summary["rows"]:
        assert list(row) == ["model", "test_bits", "stderr_bits", "train_bits", "error_rate", "seconds"]
    by_model = {row["model"]: row for row in summary["rows"]}
    assert by_model["gzip"]["stderr_bits"] is None and by_model["gzip"]["error_rate"] is None
    assert by_model["base rates per class"]["error_rate"] is not None


def test_saved_runs_support_the_acceptance_claims():
    """The committed benchmark results (benchmarks/results/digits/runs.json): per-digit machines below
    base rates, gzip and the mixture by more than two standard errors, trained within 60 s."""
    meta = json.loads((ROOT / "benchmarks" / "results" / "digits" / "runs.json").read_text())
    rows = {row["model"]: row for row in meta["rows"]}
    hm = rows["wake-sleep per digit"]
    for other in ("base rates per class", "mixture", "gzip"):
        errors = [e for e in (hm["stderr_bits"], rows[other]["stderr_bits"]) if e is not None]
        assert rows[other]["test_bits"] - hm["test_bits"] > 2 * math.sqrt(sum(e * e for e in errors)), other
    assert hm["seconds"] <= 60
    per_digit = meta["test_bits_per_digit"]
    assert np.mean(per_digit["wake-sleep per digit"]) == pytest.approx(hm["test_bits"], abs=1e-3)


# ---------------------------------------------------------------------------- the figures of notebook 10
def test_digit_figures_draw_from_the_saved_runs(split, tmp_path):
    from matplotlib.figure import Figure

    from hmlib.views.digits import code_lengths, digit_grid, load_digits_runs, validation_curves

    meta, machines = load_digits_runs()
    assert sorted(k for k in machines if isinstance(k, int)) == list(range(10)) and machines["all"].sizes == (64, 16, 16, 4)
    for fig in (code_lengths(meta["rows"]), validation_curves(meta["curves"]), digit_grid(split.x_test[:12], "digits")):
        assert isinstance(fig, Figure)
    with pytest.raises(ValueError, match="no runs.json"):
        load_digits_runs(tmp_path)
    with pytest.raises(TypeError, match="directory"):
        load_digits_runs(3)
    with pytest.raises(ValueError, match="at most 256"):
        digit_grid(np.zeros((257, 64)), "too many")
    with pytest.raises(TypeError, match="rows"):
        code_lengths({"model": "gzip"})
