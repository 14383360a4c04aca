"""Regression tests for issue 10, section 2, in the core modules (imaging, model, exact, data,
evaluation): every bad input gets a TypeError or ValueError from hmlib that names the argument,
never a silent NaN, a MemoryError or a bare numpy message; degenerate but valid inputs get the
documented value. One test per failure class; the expected values are worked out by hand."""

import math
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmlib import data, evaluation, exact, imaging, model
from hmlib.model import HelmholtzMachine

FAST = settings(derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def small_machine(imaging_model="sigmoid", sizes=(3, 2, 2), seed=0):
    return HelmholtzMachine.random(sizes, imaging=imaging_model, seed=seed)


class peak_memory:
    """Context manager measuring the peak of traced (numpy included) allocations, in bytes."""

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return False


# ---------------------------------------------------------------------- imaging
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: imaging.on_probability(-2.0, "odds"), "negative value -2.0"),
        (lambda: imaging.log_on_off(-0.5, "odds"), "negative value -0.5"),
        (lambda: imaging.log_on_off(np.array([0.0, np.nan]), "sigmoid"), "u contains NaN"),
        (lambda: imaging.on_probability(1.0, "noisy-or"), "imaging is 'noisy-or'"),
        (lambda: imaging.log_on_off(1.0, "Sigmoid"), "imaging is 'Sigmoid'"),
        (lambda: imaging.log_bernoulli(np.array([[0.7, 1.0]]), np.zeros((1, 2)), "sigmoid"), "states contains the value"),
        (lambda: imaging.log_bernoulli(np.ones((2, 3)), np.zeros((2, 2)), "sigmoid"), "same number of units"),
    ],
)
def test_imaging_refuses_bad_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: imaging.check_imaging(0), "imaging is 0"),
        (lambda: imaging.check_imaging(None), "imaging is None"),
        (lambda: imaging.on_probability("2", "odds"), "u is '2'"),
        (lambda: imaging.log_on_off(np.array([1 + 2j]), "sigmoid"), "u has dtype complex"),
    ],
)
def test_imaging_refuses_the_wrong_kind(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_infinite_odds_mean_surely_on():
    # p = u / (1 + u) -> 1 as u -> inf: log p(on) = 0, log p(off) = -inf, never inf - inf = NaN
    log_on, log_off = imaging.log_on_off(np.array([np.inf, 0.0, 1.0]), "odds")
    np.testing.assert_array_equal(log_on, [0.0, -np.inf, math.log(0.5)])
    np.testing.assert_array_equal(log_off, [-np.inf, 0.0, math.log(0.5)])
    np.testing.assert_array_equal(imaging.on_probability(np.array([np.inf, 3.0]), "odds"), [1.0, 0.75])


# ---------------------------------------------------------------------- the machine's conditionals
def test_log_probabilities_check_their_states():
    hm = small_machine()
    good = [np.array([[1.0, 0.0, 1.0]]), np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])]
    for method in (hm.generative_log_prob, hm.recognition_log_prob):
        method(good)  # fine
        with pytest.raises(TypeError, match="states is an array"):
            method(np.zeros((1, 7)))
        with pytest.raises(ValueError, match="states has 2 arrays; this machine has 3 layers"):
            method(good[:2])
        with pytest.raises(ValueError, match=r"states\[1\] contains the value 0.7"):
            method([good[0], np.array([[0.7, 1.0]]), good[2]])
        with pytest.raises(ValueError, match=r"states\[0\] contains the non-finite value nan"):
            method([np.array([[1.0, np.nan, 0.0]]), good[1], good[2]])
        with pytest.raises(ValueError, match=r"same batch size"):  # would broadcast to 3 rows
            method([good[0], np.zeros((3, 2)), good[2]])
        with pytest.raises(ValueError, match=r"states\[2\] has 3 columns"):
            method([good[0], good[1], np.zeros((1, 3))])
        with pytest.raises(TypeError, match=r"states\[0\] has dtype <U1"):
            method([np.array([["1", "0", "1"]]), good[1], good[2]])


def test_inputs_check_the_layer_number_and_the_parent_shape():
    hm = small_machine()  # layers 1..3
    for bad in (0, 4, -1):  # -1 used to pick phi[-1] silently
        with pytest.raises(ValueError, match=f"layer is {bad}"):
            hm.generative_input(bad, np.zeros((1, 2)))
    for bad in (1, 4, -1):
        with pytest.raises(ValueError, match=f"layer is {bad}; recognition layers of this machine are numbered 2 to 3"):
            hm.recognition_input(bad, np.zeros((1, 3)))
    with pytest.raises(TypeError, match="layer is '2'"):
        hm.recognition_input("2", np.zeros((1, 3)))
    with pytest.raises(ValueError, match="parent has 3 columns"):
        hm.generative_input(1, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="top layer"):
        hm.generative_input(3, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="child contains the non-finite value nan"):
        hm.recognition_input(2, np.full((1, 3), np.nan))
    with pytest.raises(ValueError, match="child contains the value 2.0"):
        hm.recognition_input(3, np.full((1, 2), 2.0))
    # means in [0, 1] are valid inputs (mean-field), and the result is b + q @ theta
    q = np.array([[0.25, 0.5]])
    np.testing.assert_allclose(hm.generative_input(1, q)[0], hm.theta_bias[0] + 0.25 * hm.theta[0][0] + 0.5 * hm.theta[0][1])


# ---------------------------------------------------------------------- construction
@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.__setitem__(0, np.zeros((2, 3))), "theta is an array"),
        (lambda p: p.__setitem__(1, {"b": np.zeros(3)}), "theta_bias is"),
        (lambda p: p.__setitem__(2, "phi"), "phi is 'phi'"),
        (lambda p: p[0].__setitem__(0, np.full((2, 3), "1")), r"theta\[0\] has dtype <U1"),
        (lambda p: p[3].__setitem__(0, np.zeros(2, dtype=complex)), r"phi_bias\[0\] has dtype complex128"),
        (lambda p: p[1].__setitem__(0, None), r"theta_bias\[0\] is None"),
    ],
)
def test_constructor_refuses_the_wrong_kind(change, message):
    hm = small_machine(sizes=(3, 2))
    p = [list(hm.theta), list(hm.theta_bias), list(hm.phi), list(hm.phi_bias)]
    change(p)
    with pytest.raises(TypeError, match=message):
        HelmholtzMachine(*p)
    with pytest.raises(TypeError, match="imaging is 3"):
        HelmholtzMachine(hm.theta, hm.theta_bias, hm.phi, hm.phi_bias, imaging=3)


def test_constructor_refuses_weights_whose_inputs_overflow():
    # 1e308 + 1e308 overflows to inf, and then log p(x) would be inf - inf = NaN
    theta = [np.full((2, 1), 1e308)]
    with pytest.raises(ValueError, match=r"theta\[0\] with theta_bias\[0\] let a unit's input reach inf"):
        HelmholtzMachine(theta, [np.zeros(1), np.zeros(2)], [np.zeros((1, 2))], [np.zeros(2)], imaging="odds")


def test_random_refuses_huge_machines_and_bad_arguments_before_allocating():
    with peak_memory() as memory:
        with pytest.raises(ValueError, match="the parameters of a machine of sizes"):
            HelmholtzMachine.random((10**5, 10**5))
    assert memory.peak < 2**20
    with pytest.raises(TypeError, match="scale is '1'"):
        HelmholtzMachine.random((3, 2), scale="1")
    with pytest.raises(ValueError, match="scale is nan"):
        HelmholtzMachine.random((3, 2), scale=float("nan"))
    with pytest.raises(ValueError, match="scale is 0.0"):
        HelmholtzMachine.random((3, 2), scale=0.0)
    with pytest.raises(TypeError, match="sizes is '32'"):
        HelmholtzMachine.random("32")
    with pytest.raises(TypeError, match=r"sizes\[1\] is 2.5"):
        HelmholtzMachine.random((3, 2.5))


def test_sampling_refuses_huge_requests_before_allocating():
    hm = small_machine()
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"the samples \(n rows.*would be an array of shape \(1000000000000, 7\)"):
            hm.sample_generative(10**12)
    assert memory.peak < 2**20
    with pytest.raises(TypeError, match="n is 2.0"):
        hm.sample_generative(2.0)


# ---------------------------------------------------------------------- loading files
def _write_member(path, name, header, payload=b"", compression=zipfile.ZIP_DEFLATED):
    """A .npz with one raw member ``name``: a .npy header (dict) followed by ``payload``."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr(name, buffer.getvalue() + payload)


def test_load_refuses_bad_files_with_a_value_error_naming_the_path(tmp_path):
    good = tmp_path / "good.npz"
    small_machine().save(good)
    raw = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    objects = tmp_path / "objects.npz"
    np.savez(objects, imaging=np.array("sigmoid"), theta_0=np.array([None, 1], dtype=object))
    strings = tmp_path / "strings.npz"
    np.savez(strings, imaging=np.array("sigmoid"), theta_0=np.array(["1.0", "2.0"]))
    extra = tmp_path / "extra.npz"
    with np.load(good) as arrays:
        np.savez(extra, surprise=np.zeros(2), **dict(arrays))
    bad_imaging = tmp_path / "bad_imaging.npz"
    with np.load(good) as arrays:
        np.savez(bad_imaging, **{**dict(arrays), "imaging": np.array("noisy")})

    cases = {
        truncated: "truncated.npz",
        garbage: "garbage.npz",
        single: "single.npy is a single .npy array",
        objects: "dtype object",
        strings: "dtype <U3",
        extra: r"unexpected entries \['surprise'\]",
        bad_imaging: "imaging is 'noisy'",
    }
    for path, message in cases.items():
        with pytest.raises(ValueError, match=message) as error:
            HelmholtzMachine.load(path)
        assert str(path.name) in str(error.value)
    with pytest.raises(FileNotFoundError, match="missing.npz does not exist"):
        HelmholtzMachine.load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="path is 42"):
        HelmholtzMachine.load(42)


def test_load_reads_no_array_whose_header_claims_too_much(tmp_path):
    path = tmp_path / "huge.npz"
    _write_member(path, "theta_0.npy", {"descr": "<f8", "fortran_order": False, "shape": (10**11,)}, b"\0" * 64)
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"huge.npz.*shape \(100000000000,\) \(745 GiB\)"):
            HelmholtzMachine.load(path)
    assert memory.peak < 2**20


def test_load_refuses_a_zip_bomb_without_inflating_it(tmp_path, monkeypatch):
    # 8 MiB of zeros compress to about 8 KiB. With a limit of 64 KiB, a member declaring them
    # honestly is refused by its header; one whose header claims 3 numbers is refused because its
    # uncompressed size disagrees with the header. Neither is inflated.
    monkeypatch.setattr(model, "MAX_ARRAY_BYTES", 2**16)
    zeros = b"\0" * 2**23
    honest, lying = tmp_path / "honest.npz", tmp_path / "lying.npz"
    _write_member(honest, "theta_0.npy", {"descr": "<f8", "fortran_order": False, "shape": (2**20,)}, zeros)
    _write_member(lying, "theta_0.npy", {"descr": "<f8", "fortran_order": False, "shape": (3,)}, zeros)
    assert honest.stat().st_size < 2**16
    del zeros
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"honest.npz.*refuses files whose arrays exceed"):
            HelmholtzMachine.load(honest)
        with pytest.raises(ValueError, match=r"lying.npz.*8388736 bytes uncompressed, but its header declares 152"):
            HelmholtzMachine.load(lying)
    assert memory.peak < 2**20


# ---------------------------------------------------------------------- exact: p(x) = 0
def impossible_pattern_machine():
    """Odds machine 2-1 where visible unit 0 can never be on (its bias and top-down odds are 0).

    p(h = 1) = 1/2; p(x_0 = 1 | h) = 0; p(x_1 = 1 | h) = u/(1 + u) with u = 1 + h, so p(x_1 = 1 | h=0) = 1/2
    and p(x_1 = 1 | h=1) = 2/3. Recognition: Q(h = 1 | x) = sigma(0) = 1/2.
    """
    theta = [np.array([[0.0, 1.0]])]
    theta_bias = [np.array([0.0, 1.0]), np.array([1.0])]
    return HelmholtzMachine(theta, theta_bias, [np.zeros((2, 1))], [np.zeros(1)], imaging="odds")


def test_impossible_patterns_give_documented_values_or_a_value_error():
    hm = impossible_pattern_machine()
    x = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    # by hand: p(x = 01) = 1/2 (1/2 + 2/3) = 7/12; p(x = 00) = 1/2 (1/2 + 1/3) = 5/12; x = 11 impossible
    log_z = exact.log_evidence(hm, x)
    np.testing.assert_allclose(log_z[[0, 2]], np.log([7 / 12, 5 / 12]), rtol=0, atol=1e-14)
    assert log_z[1] == -np.inf
    f = exact.free_energy(hm, x)
    assert f[1] == np.inf and np.all(np.isfinite(f[[0, 2]]))
    for function in (exact.posterior, exact.kl_divergence, exact.free_energy_gradients):
        with pytest.raises(ValueError, match=r"p\(x\) = 0 for row\(s\) 1 of x"):
            function(hm, x)
    kl = exact.kl_divergence(hm, x[[0, 2]])  # the possible rows alone are fine
    assert np.all(np.isfinite(kl))
    np.testing.assert_allclose(kl, f[[0, 2]] + log_z[[0, 2]], rtol=0, atol=1e-12)  # KL = F + log Z


def test_gradient_of_an_infinite_free_energy_is_refused():
    # visible unit 0 is on only if h = 1 (odds u = h), while Q(h = 0 | x) = 1/2 > 0: p(x = 10) > 0
    # but F = +inf, and dF/dtheta is undefined
    hm = HelmholtzMachine([np.array([[1.0, 0.0]])], [np.array([0.0, 1.0]), np.array([1.0])],
                          [np.zeros((2, 1))], [np.zeros(1)], imaging="odds")
    x = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert np.isfinite(exact.log_evidence(hm, x)).all() and exact.free_energy(hm, x)[1] == np.inf
    assert exact.kl_divergence(hm, x)[1] == np.inf
    with pytest.raises(ValueError, match=r"F is \+inf for row\(s\) 1 of x"):
        exact.free_energy_gradients(hm, x)


def test_kl_divergence_is_never_printed_negative():
    # Q = P exactly: one hidden unit, recognition bias = the posterior log-odds of the pattern,
    # no recognition weights. The sum over z of terms of both signs rounds to about -5e-16 for
    # several of these patterns; the result must be clamped to 0.
    one = HelmholtzMachine.random((4, 1), seed=0, scale=1.5)
    x = exact.binary_patterns(4)
    P = exact.posterior(one, x)  # (16, 2)
    kls = []
    for row in range(len(x)):
        log_odds = np.log(P[row, 1] / P[row, 0]) * np.ones(1)  # Q(h = 1 | x) = P(h = 1 | x) for this row
        exact_q = HelmholtzMachine(one.theta, one.theta_bias, [np.zeros((4, 1))], [log_odds])
        kls.append(exact.kl_divergence(exact_q, x[row : row + 1])[0])
    assert min(kls) >= 0.0 and max(kls) < 1e-12


@pytest.mark.parametrize(
    "call",
    [
        lambda: exact.log_evidence("machine", np.zeros((1, 3))),
        lambda: exact.posterior(None, np.zeros((1, 3))),
        lambda: exact.free_energy_gradients({"theta": []}, np.zeros((1, 3))),
        lambda: evaluation.exact_nll(object(), np.zeros((1, 3))),
        lambda: evaluation.kl_data_model_bits([], np.zeros((1, 3)), [1.0]),
        lambda: evaluation.importance_log_evidence(3, np.zeros((1, 3))),
    ],
)
def test_a_non_machine_is_a_type_error(call):
    with pytest.raises(TypeError, match="hm is a .*; expected a HelmholtzMachine"):
        call()


def test_enumeration_helpers_check_their_arguments():
    with pytest.raises(TypeError, match="n is '3'"):
        exact.binary_patterns("3")
    with pytest.raises(TypeError, match="sizes is 'ab'"):
        exact.hidden_configurations("ab")
    with pytest.raises(ValueError, match=r"sizes\[1\] is 0"):
        exact.hidden_configurations((3, 0))
    with pytest.raises(ValueError, match="configs contains the value 0.5"):
        exact.layer_states((3, 2, 1), np.full((1, 3), 0.5))
    with pytest.raises(ValueError, match="configs has 2 columns"):
        exact.layer_states((3, 2, 1), np.zeros((1, 2)))


# ---------------------------------------------------------------------- data
def test_data_refuses_huge_requests_before_allocating():
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"shifter patterns \(n rows\) would be an array of shape \(10000000000, 32\)"):
            data.shifter(10**10)
        with pytest.raises(ValueError, match=r"bars images \(n rows\) would be an array of shape \(10000000000, 16\)"):
            data.bars(10**10)
    assert memory.peak < 2**20


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.entropy_bits([-0.5, 1.5]), "negative value -0.5"),
        (lambda: data.entropy_bits([0.3, 0.3]), "probs sums to"),
        (lambda: data.entropy_bits([0.5, np.nan]), "non-finite"),
        (lambda: data.shifter_identifiable(np.full((2, 32), 0.5)), "patterns contains the value 0.5"),
        (lambda: data.shifter_identifiable(np.zeros((2, 16))), "patterns has 16 columns"),
        (lambda: data.shifter_identifiable(np.zeros(32)), "2-D"),
        (lambda: data.to_images(np.zeros((2, 16)), (4, 0)), r"shape\[1\] is 0"),
        (lambda: data.to_images(np.zeros((2, 16)), (2, 2, 4)), "expected a pair"),
        (lambda: data.to_images(np.full((2, 16), np.inf), data.BARS_SHAPE), "non-finite"),
    ],
)
def test_data_refuses_bad_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------- evaluation
def test_factorial_kls_refuse_nan_and_huge_tables_before_allocating():
    p = np.full(4, 0.25)
    with pytest.raises(ValueError, match="q contains the non-finite value nan"):
        evaluation.factorial_kls(p, [0.5, np.nan])
    with pytest.raises(ValueError, match="p contains the non-finite value nan"):
        evaluation.factorial_kls([np.nan, 0.5, 0.25, 0.25], [0.5, 0.5])
    with pytest.raises(TypeError, match="q has dtype <U3"):
        evaluation.factorial_kls(p, ["0.5", "0.5"])
    big_p = np.full(2**16, 2.0**-16)
    q = np.full((20000, 16), 0.5)
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"shape \(20000, 65536\)"):
            evaluation.factorial_kls(big_p, q)
    assert memory.peak < 8 * 2**20  # the checked copies of p and q only


def test_importance_sampling_refuses_huge_requests_before_allocating():
    hm = small_machine()
    with peak_memory() as memory:
        with pytest.raises(ValueError, match=r"log-weights \(n_samples x rows of x\) would be .* shape \(1000000000, 1\)"):
            evaluation.importance_log_evidence(hm, np.zeros((1, 3)), 10**9)
    assert memory.peak < 2**20
    many = np.zeros((10**6, 3))
    with pytest.raises(ValueError, match=r"shape \(2000, 1000000\)"):
        evaluation.importance_log_evidence(hm, many, 2000)
    with pytest.raises(TypeError, match="return_diagnostics is 'yes'"):
        evaluation.importance_log_evidence(hm, np.zeros((1, 3)), 10, return_diagnostics="yes")


def test_importance_sampling_works_in_chunks_of_bounded_memory():
    # 600 rows x 200 samples of a machine with 60 units: one pass of 120 000 draws used to peak
    # at about 170 MiB; the chunks now hold about 2^21 floats (16 MB) per array, ~50 MiB in all
    hm = HelmholtzMachine.random((20, 30, 10), seed=1)
    x = (np.random.default_rng(2).random((600, 20)) < 0.5).astype(float)
    with peak_memory() as memory:
        log_p, stderr = evaluation.importance_log_evidence(hm, x, n_samples=200, seed=3)
    assert log_p.shape == stderr.shape == (600,) and np.all(np.isfinite(log_p))
    assert memory.peak < 100 * 2**20, f"peak {memory.peak / 2**20:.0f} MiB"


def test_importance_sampling_of_an_impossible_pattern_claims_no_error_bar():
    hm = impossible_pattern_machine()
    x = np.array([[1.0, 1.0], [0.0, 1.0]])
    log_p, stderr, diagnostics = evaluation.importance_log_evidence(hm, x, n_samples=50, seed=0, return_diagnostics=True)
    assert log_p[0] == -np.inf and stderr[0] == np.inf
    assert diagnostics.ess[0] == 0.0 and not diagnostics.reliable[0]
    assert np.isfinite(log_p[1]) and np.isfinite(stderr[1])


def test_importance_diagnostics_flag_a_deterministic_proposal():
    # |w| = 500. Generative: h ~ Bernoulli(1/2); both visible units have input 500 h - 250, so
    # x = 11 is (to within e^-250) generated by h = 1 only: log p(x = 11) = log 1/2 (exactly,
    # to double precision). Recognition: Q(h = 1 | x) = sigma(-500), so every draw is h = 0,
    # whose weight is p(x = 11, h = 0) / 1 = 1/2 e^-500: all weights equal, stderr 0, and the
    # estimate is 500 nats too low.
    hm = HelmholtzMachine([np.array([[500.0, 500.0]])], [np.array([-250.0, -250.0]), np.array([0.0])],
                          [np.zeros((2, 1))], [np.array([-500.0])])
    x = np.array([[1.0, 1.0]])
    log_p, stderr, diagnostics = evaluation.importance_log_evidence(hm, x, n_samples=100, seed=0, return_diagnostics=True)
    assert exact.log_evidence(hm, x)[0] == pytest.approx(math.log(0.5), abs=1e-12)
    assert log_p[0] == pytest.approx(math.log(0.5) - 500.0, abs=1e-9)
    assert stderr[0] == 0.0  # the standard error sees nothing wrong ...
    assert diagnostics.distinct[0] == 1 and diagnostics.ess[0] == pytest.approx(100.0)
    assert not diagnostics.reliable[0]  # ... the diagnostics do
    # the two-item form used by notebook 09 and hmlib.wakesleep still works and agrees
    plain = evaluation.importance_log_evidence(hm, x, n_samples=100, seed=0)
    assert len(plain) == 2 and plain[0][0] == log_p[0]


def test_importance_diagnostics_of_an_exact_proposal():
    # one hidden unit independent of x under both models, Q = prior = posterior: every weight is
    # p(x), so the ESS is exactly K; Q(h = 1) = sigma(0.4) = 0.6, so 200 draws see both states
    hm = HelmholtzMachine([np.zeros((1, 2))], [np.array([0.3, -0.2]), np.array([0.4])],
                          [np.zeros((2, 1))], [np.array([0.4])])
    x = np.array([[1.0, 0.0]])
    _, stderr, diagnostics = evaluation.importance_log_evidence(hm, x, 200, seed=1, return_diagnostics=True)
    assert diagnostics.ess[0] == pytest.approx(200.0, rel=1e-12) and diagnostics.distinct[0] == 2
    assert diagnostics.reliable[0] and diagnostics.n_samples == 200 and stderr[0] == pytest.approx(0.0, abs=1e-12)


def test_check_distribution_refuses_the_wrong_kind():
    hm = small_machine()
    with pytest.raises(TypeError, match="probs has dtype <U3"):
        evaluation.kl_data_model_bits(hm, np.zeros((1, 3)), ["1.0"])
    with pytest.raises(TypeError, match="unit is 2"):
        evaluation.exact_nll(hm, np.zeros((1, 3)), unit=2)


# ---------------------------------------------------------------------- bad inputs, drawn at random
non_binary = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: v not in (0.0, 1.0))


@FAST
@given(value=non_binary, row=st.integers(0, 1), column=st.integers(0, 2))
def test_any_non_binary_pattern_is_refused(value, row, column):
    hm = small_machine()
    x = np.zeros((2, 3))
    x[row, column] = value
    for function in (exact.log_evidence, exact.free_energy, evaluation.exact_nll):
        with pytest.raises(ValueError, match="x contains"):
            function(hm, x)


@FAST
@given(text=st.text(min_size=1, max_size=5))
def test_any_string_is_refused_as_x_or_as_an_imaging_name(text):
    hm = small_machine()
    with pytest.raises(TypeError, match="x "):
        exact.log_evidence(hm, [[text] * 3])
    if text not in imaging.IMAGING_MODELS:
        with pytest.raises(ValueError, match="imaging is"):
            imaging.on_probability(0.5, text)


@FAST
@given(u=st.lists(st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False), min_size=1, max_size=4))
def test_any_negative_odds_is_refused(u):
    with pytest.raises(ValueError, match="negative value"):
        imaging.log_on_off(np.array(u), "odds")
