"""The HelmholtzMachine container: validation, sampling, save/load."""

import numpy as np
import pytest

from hmlib.model import HelmholtzMachine


def parameters(sizes=(3, 2, 1), seed=0):
    hm = HelmholtzMachine.random(sizes, seed=seed)
    return hm.theta, hm.theta_bias, hm.phi, hm.phi_bias


def test_sizes_are_inferred():
    hm = HelmholtzMachine(*parameters((5, 3, 2)))
    assert hm.sizes == (5, 3, 2) and hm.n_hidden == 5 and hm.imaging == "sigmoid"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p[0].__setitem__(0, np.zeros((2, 4))), r"theta\[0\] has shape \(2, 4\); expected \(2, 3\)"),
        (lambda p: p[2].__setitem__(1, np.zeros((3, 1))), r"phi\[1\] has shape \(3, 1\); expected \(2, 1\)"),
        (lambda p: p[3].pop(), "phi_bias has 1 arrays"),
        (lambda p: p[0][0].__setitem__((0, 0), np.nan), "non-finite"),
        (lambda p: p[1].__setitem__(0, np.zeros((3, 1))), "1-D"),
    ],
)
def test_inconsistent_parameters_raise_value_error(change, message):
    p = [list(a) for a in parameters()]
    change(p)
    with pytest.raises(ValueError, match=message):
        HelmholtzMachine(*p)


def test_odds_rejects_negative_generative_parameters():
    theta, theta_bias, phi, phi_bias = HelmholtzMachine.random((3, 2), imaging="odds", seed=1).theta, *parameters((3, 2))[1:]
    theta_bias = [np.abs(b) for b in theta_bias]
    HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging="odds")  # fine
    bad = [theta[0].copy()]
    bad[0][1, 2] = -0.5
    with pytest.raises(ValueError, match="negative value -0.5"):
        HelmholtzMachine(bad, theta_bias, phi, phi_bias, imaging="odds")
    with pytest.raises(ValueError, match="imaging is 'noisy'"):
        HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging="noisy")


def test_the_callers_arrays_are_copied():
    theta, theta_bias, phi, phi_bias = parameters()
    hm = HelmholtzMachine(theta, theta_bias, phi, phi_bias)
    hm.theta[0][0, 0] += 1.0
    assert hm.theta[0][0, 0] != theta[0][0, 0]


def test_random_is_reproducible_and_seed_zero_is_a_seed():
    a, b = HelmholtzMachine.random((4, 3), seed=0), HelmholtzMachine.random((4, 3), seed=0)
    c = HelmholtzMachine.random((4, 3), seed=1)
    np.testing.assert_array_equal(a.theta[0], b.theta[0])
    assert not np.array_equal(a.theta[0], c.theta[0])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(HelmholtzMachine.random((4, 3), seed=rng).theta[0], a.theta[0])
    assert np.all(HelmholtzMachine.random((4, 3), imaging="odds", seed=2).theta[0] >= 0)
    with pytest.raises(ValueError, match="seed"):
        HelmholtzMachine.random((4, 3), seed=-1)
    with pytest.raises(ValueError, match="at least two layers"):
        HelmholtzMachine.random((4,))


def test_sampling_shapes_and_reproducibility():
    hm = HelmholtzMachine.random((5, 3, 2), seed=3)
    s = hm.sample_generative(7, seed=4)
    assert [a.shape for a in s] == [(7, 5), (7, 3), (7, 2)]
    np.testing.assert_array_equal(s[0], hm.sample_generative(7, seed=4)[0])
    r = hm.sample_recognition(s[0], seed=5)
    assert [a.shape for a in r] == [(7, 5), (7, 3), (7, 2)]
    assert set(np.unique(np.concatenate([a.ravel() for a in r]))) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="4 columns"):
        hm.sample_recognition(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="n is 0; expected an integer >= 1"):
        hm.sample_generative(0)


@pytest.mark.parametrize("imaging", ["sigmoid", "odds"])
def test_save_load_round_trip(tmp_path, imaging):
    hm = HelmholtzMachine.random((4, 3, 2), imaging=imaging, seed=9)
    hm.save(tmp_path / "machine.npz")
    loaded = HelmholtzMachine.load(tmp_path / "machine.npz")
    assert loaded.sizes == hm.sizes and loaded.imaging == imaging
    for name in ("theta", "theta_bias", "phi", "phi_bias"):
        for a, b in zip(getattr(hm, name), getattr(loaded, name)):
            np.testing.assert_array_equal(a, b)
    with np.load(tmp_path / "machine.npz") as data:
        assert sorted(data.files) == sorted(
            ["imaging", "theta_0", "theta_1", "theta_bias_0", "theta_bias_1", "theta_bias_2",
             "phi_0", "phi_1", "phi_bias_0", "phi_bias_1"]
        )
