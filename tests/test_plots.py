"""Smoke tests of hmlib.plots: every figure draws, and the drawings show what they claim."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

from hmlib import exact, plots  # noqa: E402
from hmlib.model import HelmholtzMachine  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_required_figures_are_listed():
    assert {"two_networks.png", "identity_flat_line.png", "free_energy_tradeoff.png"} <= set(plots.FIGURES)


@pytest.mark.parametrize("name", sorted(plots.FIGURES))
def test_every_figure_draws(name):
    fig = plots.FIGURES[name]()
    assert isinstance(fig, Figure)
    assert fig.axes, f"{name} has no axes"
    assert plots.figure_to_png(fig)[:8] == PNG_MAGIC


def test_figure_to_png_closes_a_pyplot_figure():
    fig = plt.figure()
    number = fig.number
    data = plots.figure_to_png(fig, dpi=50)
    assert data[:8] == PNG_MAGIC
    assert not plt.fignum_exists(number)


@pytest.mark.parametrize("sizes", [(4, 3, 2), (2, 1), (5, 4, 3, 1)])
def test_two_networks_draws_every_unit_and_weight_twice(sizes):
    fig = plots.two_networks(sizes)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        circles = [p for p in ax.patches if isinstance(p, Circle)]
        arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert len(circles) == sum(sizes)
        assert len(arrows) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    plots.figure_to_png(fig)


def test_two_networks_rejects_bad_sizes():
    for bad in [(4,), (4, 0), (11, 2)]:
        with pytest.raises(ValueError, match="sizes"):
            plots.two_networks(bad)


def test_identity_line_is_flat_at_log_z():
    fig = plots.identity_flat_line()
    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    log_z = exact.log_evidence(hm, x)[0]
    difference = fig.axes[0].lines[2].get_ydata()  # the line -E_z - log P_z
    assert difference.shape == (16,)
    np.testing.assert_allclose(difference, log_z, rtol=0, atol=1e-12)
    assert np.ptp(fig.axes[0].lines[0].get_ydata()) > 1.0, "-E_z itself should vary with z"


def test_explorer_view_stacks_kl_on_neg_f_up_to_log_z():
    neg_f = np.array([-5.0, -4.0, -3.5])
    log_z = np.full(3, -3.0)
    kl = log_z - neg_f
    view = plots.ExplorerView().update(neg_f, kl, log_z, step=1)
    assert view.bar_neg_f.get_height() == -4.0
    assert view.bar_kl.get_y() == -4.0 and view.bar_kl.get_height() == 1.0
    assert view.bar_kl.get_y() + view.bar_kl.get_height() == log_z[1]
    assert view.png()[:8] == PNG_MAGIC
    before = view.png()
    view.update(neg_f, kl, log_z, step=2)
    assert view.png() != before


def test_other_notebook_figures_draw():
    patterns = exact.binary_patterns(2)
    figures = [
        plots.sample_frequencies(patterns, np.full(4, 0.25), np.array([0.2, 0.3, 0.25, 0.25]), 100),
        plots.enumeration_cost(np.arange(1, 5), 2.0 ** np.arange(1, 5)),
        plots.posterior_grid(np.array([[0.0, 0.45], [0.45, 0.1]]), np.array([[0.3, 0.25], [0.25, 0.2]])),
        plots.meanfield_against_expectation(np.array([0.2, 0.5]), np.array([0.2, 0.6]), np.array([2, 3])),
        plots.posterior_against_q(np.full(8, 1 / 8), np.full(8, 1 / 8), np.full(8, 1 / 8)),
    ]
    for fig in figures:
        assert plots.figure_to_png(fig)[:8] == PNG_MAGIC
