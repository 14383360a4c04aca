"""The figures of hmlib.views: every one draws, shows what it claims, and is made for a projector
(wide enough, no text under 11 points, colour-blind-safe colours); the explorer's labels never
overlap; the widgets' fast repaint shows the same picture as a full draw."""

import io
import itertools
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.colors import to_rgb, to_rgba_array  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from hmlib import exact, recognition_fit  # noqa: E402
from hmlib.data import entropy_bits, shifter_distribution  # noqa: E402
from hmlib.meanfield_fit import shifter_test_set  # noqa: E402
from hmlib.model import HelmholtzMachine  # noqa: E402
from hmlib.results import results_dir  # noqa: E402
from hmlib.views import (  # noqa: E402
    _common,
    digits,
    factorial,
    figures,
    free_energy,
    imaging,
    networks,
    posterior,
    rws,
    shifter,
    wakesleep,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Okabe & Ito (2008): the eight colours of "Color Universal Design", written out here, not taken
# from the module under test
OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
SAFE_MAPS = {"viridis", "cividis", "RdBu_r", "RdBu", "gray", "gray_r", "Greys"}
MIN_WIDTH_PIXELS = 0.8 * 1150  # 80% of a notebook column at a 1280x800 viewport
MAX_WIDTH_PIXELS = 1150  # wider and the browser shrinks the figure, and its text with it


# ---------------------------------------------------------------------------- every figure of the notebooks
def _bars_machine():
    return wakesleep.load_bars_runs()[1][2]


def _shifter_machine():
    return HelmholtzMachine.load(results_dir("shifter") / "eq11_seed0.npz")


def _trajectory():
    return recognition_fit.explorer_trajectory(3, 2, 11, 0)


NOTEBOOK_FIGURES = {  # what each notebook draws, with arguments of the kinds it passes
    "00 two_networks": lambda: networks.two_networks((4, 3, 2)),
    "01 sample_frequencies": lambda: networks.sample_frequencies(
        exact.binary_patterns(4), np.full(16, 1 / 16), np.full(16, 1 / 16), 1000),
    "01 enumeration_cost": lambda: networks.enumeration_cost(np.arange(1, 31), 2.0 ** np.arange(1, 31)),
    "02 posterior_grid": lambda: posterior.posterior_grid(np.array([[0.0, 0.45], [0.45, 0.1]]),
                                                          np.array([[0.3, 0.25], [0.25, 0.2]])),
    "03 identity_flat_line": posterior.identity_flat_line,
    "04 explorer_figure": lambda: free_energy.explorer_figure(**{k: _trajectory()[k] for k in ("neg_f", "kl", "log_z")},
                                                              step=20),
    "05 meanfield_against_expectation": lambda: factorial.meanfield_against_expectation(
        np.array([0.2, 0.5, 0.9, 0.3, 0.6]), np.array([0.2, 0.5, 0.9, 0.4, 0.5]), np.array([2, 2, 2, 3, 3])),
    "05 posterior_against_q": factorial.factorial_gap_example,
    "06 imaging_curves": imaging.imaging_curves,
    "06 eq11_against_exact": lambda: imaging.eq11_against_exact(imaging.random_unit_comparison(n=60)),
    "06 unit_probability_sweep": lambda: imaging.unit_probability_sweep([0.5, 0.5], [3.0, 1.0], 0.05, marker=0.5),
    "07 free_energy_curves": lambda: shifter.free_energy_curves(
        [{"imaging": rule, "free_energy_curve": 6.0 + 8.0 / np.arange(1, 40)} for rule in ("eq11", "naive", "sigmoid")],
        entropy_bits=entropy_bits(shifter_distribution()[1])),
    "07 shifter_weights": lambda: shifter.shifter_weights(_shifter_machine()),
    "07 top_means_by_direction": lambda: shifter.top_means_by_direction(_shifter_machine(), *shifter_test_set(200)),
    "08 kl_landscapes": lambda: wakesleep.kl_landscapes(np.linspace(0.05, 0.95, 19), np.ones((19, 19)),
                                                        np.ones((19, 19)), points={"marginals": (0.5, 0.5)}),
    "08 live_curves": lambda: wakesleep.live_curves([0, 5000, 10000, 20000], [-9.0, -6.0, -5.0, -4.5],
                                                    [-8.0, -5.5, -4.6, -4.4], [1.0, 0.5, 0.4, 0.1], ceiling=-4.0),
    "09 pattern_grid of 24": lambda: wakesleep.pattern_grid(np.eye(24, 16), "24 training images"),
    "09 pattern_grid of 5": lambda: wakesleep.pattern_grid(np.eye(5, 16), "largest penalty", n_cols=5),
    "09 kl_curves": lambda: wakesleep.kl_curves(wakesleep.load_bars_runs()[0]["curves"]),
    "09 generative_fields": lambda: wakesleep.generative_fields(_bars_machine(), title="seed 2"),
    "10 digit_grid": lambda: digits.digit_grid(np.eye(30, 64), "three training digits of each class", n_cols=15),
    "10 validation_curves": lambda: digits.validation_curves(digits.load_digits_runs()[0]["curves"]),
    "10 code_lengths": lambda: digits.code_lengths(digits.load_digits_runs()[0]["rows"]),
    "11 bound_figure": lambda: rws.bound_figure([1, 2, 3], [-9.8, -9.6, -9.4], -8.75, [1.2, 1.0, 0.9]),
    "11 gap_figure": lambda: rws.gap_figure(np.array([1, 10, 100, 1000]), np.array([1.08, 0.38, 0.086, 0.013]), 29.6),
    "11 bars_kl_figure": lambda: rws.bars_kl_figure(
        json.loads((results_dir("rws") / "runs.json").read_text())["runs"], ["wake-sleep", "rws-wake-q", "rws-both"]),
    "04 widget": lambda: free_energy.free_energy_explorer()._view.fig,
    "05 widget": lambda: factorial.factorial_gap_explorer()._view.fig,
    "06 widget": lambda: imaging.imaging_explorer()._view.fig,
}


def _renderer(fig):
    """An Agg renderer for ``fig``, after a full draw (figures made without pyplot have none)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _texts(fig):
    """Every Text of ``fig`` that is drawn and shows something. A tick label counts only when its
    tick lies within the axis' limits (matplotlib keeps, but does not draw, the others)."""
    tick_labels, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * (high - low)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((tick.label1, tick.label2))
                loc = tick.get_loc()
                if ax.axison and axis.get_visible() and loc is not None and low - slack <= loc <= high + slack:
                    drawn += [tick.label1, tick.label2]
    drawn += [t for t in fig.findobj(Text) if t not in tick_labels]
    return [t for t in drawn if t.get_visible() and t.get_text().strip()]


def test_make_figures_writes_every_listed_file(tmp_path):
    assert set(figures.all_figures()) == {
        "two_networks.png", "identity_flat_line.png", "free_energy_tradeoff.png", "factorial_gap.png",
        "meanfield_imaging_curves.png", "meanfield_eq11_vs_exact.png", "meanfield_shifter_weights.png",
        "bars_generative_fields.png", "bars_kl_curve.png"}
    assert figures.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(figures.all_figures())
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in tmp_path.iterdir())


@pytest.mark.parametrize("name", sorted(NOTEBOOK_FIGURES))
def test_figures_are_made_for_a_projector(name):
    """At least 80% of the column wide (and not so wide that the browser shrinks it), no text
    under 11 points, only colour-blind-safe colours and colour maps."""
    assert not _projector_problems(NOTEBOOK_FIGURES[name](), name)


def test_the_projector_checks_catch_matplotlibs_defaults():
    """A figure of matplotlib's default size and style (640 pixels, 10-point text) fails them."""
    fig = Figure()
    fig.subplots().plot([0, 1], label="a line")
    fig.axes[0].legend()
    problems = _projector_problems(fig)
    assert [p.split(":")[0] for p in problems] == ["width", "small text", "colours"]


def _projector_problems(fig, name=""):
    renderer = _renderer(fig)
    problems = []
    # a notebook shows a figure cropped to what is drawn (IPython's bbox_inches="tight"), a widget
    # the whole figure
    width = fig.bbox.width if name.endswith("widget") else fig.get_tightbbox(renderer).width * fig.dpi
    if not MIN_WIDTH_PIXELS <= width <= MAX_WIDTH_PIXELS:
        problems.append(f"width: {width:.0f} pixels")
    small = {t.get_text(): t.get_fontsize() for t in _texts(fig) if t.get_fontsize() < 11}
    if small:
        problems.append(f"small text: {small}")
    if name.endswith("widget"):  # a widget shows the whole figure, not a crop around what is drawn
        cut = [t.get_text() for t in _texts(fig) if not _inside(t.get_window_extent(renderer), fig.bbox)]
        if cut:
            problems.append(f"text cut off at the edge: {cut}")
    if _unsafe_colours(fig):
        problems.append(f"colours: {_unsafe_colours(fig)}")
    return problems


def _inside(box, frame, slack=0.5):
    """Whether ``box`` lies within ``frame`` (up to ``slack`` pixels of rounding)."""
    return (box.x0 >= frame.x0 - slack and box.y0 >= frame.y0 - slack
            and box.x1 <= frame.x1 + slack and box.y1 <= frame.y1 + slack)


def _is_grey(rgb):
    return max(rgb) - min(rgb) < 1e-6


def _unsafe_colours(fig):
    """Colours of ``fig`` outside Okabe-Ito and the greys, and colour maps outside SAFE_MAPS."""
    safe = [to_rgb(c) for c in OKABE_ITO]
    found = set()

    def check(colours, what):
        for rgba in to_rgba_array(colours):
            if rgba[3] > 0 and not _is_grey(rgba[:3]) and not any(np.allclose(rgba[:3], s, atol=2e-3) for s in safe):
                found.add((what, tuple(np.round(rgba[:3], 3))))

    for artist in fig.findobj():
        if isinstance(artist, ScalarMappable) and artist.get_array() is not None:
            if artist.get_cmap().name not in SAFE_MAPS:
                found.add(("colour map", artist.get_cmap().name))
        elif isinstance(artist, Line2D):
            check([artist.get_color()], "line")
            for colour in (artist.get_markerfacecolor(), artist.get_markeredgecolor()):
                if not (isinstance(colour, str) and colour in ("none", "auto")):
                    check([colour], "marker")
        elif isinstance(artist, Patch):
            check([artist.get_facecolor(), artist.get_edgecolor()], "patch")
        elif isinstance(artist, Collection):
            check(artist.get_facecolor(), "collection")
        elif isinstance(artist, Text) and artist.get_visible():
            check([artist.get_color()], f"text {artist.get_text()!r}")
    return found


def test_the_colour_check_catches_matplotlibs_default_cycle():
    """tab10, the default cycle, is not colour-blind safe: its green and red look alike."""
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], color="tab:green")
    ax.imshow(np.eye(2), cmap="jet")
    assert {what for what, _ in _unsafe_colours(fig)} == {"line", "marker", "colour map"}


def test_figure_to_png_closes_a_pyplot_figure():
    fig = plt.figure()
    number = fig.number
    data = _common.figure_to_png(fig, dpi=50)
    assert data[:8] == PNG_MAGIC
    assert not plt.fignum_exists(number)


# ---------------------------------------------------------------------------- notebooks 00-03
@pytest.mark.parametrize("sizes", [(4, 3, 2), (2, 1), (5, 4, 3, 1)])
def test_two_networks_draws_every_unit_and_weight_twice(sizes):
    fig = networks.two_networks(sizes)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        circles = [p for p in ax.patches if isinstance(p, Circle)]
        arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert len(circles) == sum(sizes)
        assert len(arrows) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def test_two_networks_rejects_bad_sizes():
    for bad in [(4,), (4, 0), (11, 2)]:
        with pytest.raises(ValueError, match="sizes"):
            networks.two_networks(bad)


def test_identity_line_is_flat_at_log_z():
    fig = posterior.identity_flat_line()
    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    log_z = exact.log_evidence(hm, x)[0]
    difference = fig.axes[0].lines[2].get_ydata()  # the line -E_z - log P_z
    assert difference.shape == (16,)
    np.testing.assert_allclose(difference, log_z, rtol=0, atol=1e-12)
    assert np.ptp(fig.axes[0].lines[0].get_ydata()) > 1.0, "-E_z itself should vary with z"


# ---------------------------------------------------------------------------- notebook 04: the waterfall
def test_explorer_waterfall_adds_kl_to_neg_f_and_ends_level_with_log_z():
    neg_f = np.array([-5.0, -4.0, -3.5])
    log_z = np.full(3, -3.0)
    kl = log_z - neg_f
    view = free_energy.ExplorerView().update(neg_f, kl, log_z, step=1)
    # -F hangs from 0 to -4; KL rises from -4 by 1; log Z hangs from 0 to -3, level with KL's top
    assert (view.bar_neg_f.get_y(), view.bar_neg_f.get_height()) == (0.0, -4.0)
    assert (view.bar_kl.get_y(), view.bar_kl.get_height()) == (-4.0, 1.0)
    assert (view.bar_log_z.get_y(), view.bar_log_z.get_height()) == (0.0, -3.0)
    # three separate columns, none drawn over another (the old chart drew KL over -F)
    columns = [(bar.get_x(), bar.get_x() + bar.get_width()) for bar in (view.bar_neg_f, view.bar_kl, view.bar_log_z)]
    assert all(right < left for (_, right), (left, _) in zip(columns, columns[1:]))
    assert list(view.link_neg_f.get_ydata()) == [-4.0, -4.0] and list(view.link_log_z.get_ydata()) == [-3.0, -3.0]
    assert [t.get_text() for t in view.values_text] == ["\u22124.000", "1.000", "\u22123.000"]
    assert [t.get_text() for t in view.ax_bar.get_xticklabels()] == ["\u2212F", "+ KL", "= log Z"]
    before = view.png()
    assert before[:8] == PNG_MAGIC
    view.update(neg_f, kl, log_z, step=2)
    assert view.png() != before


def _boxes(fig, renderer):
    return [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]


EXPLORER_SETTINGS = [(3, 2, 11, 0), (8, 8, 5, 3), (1, 1, 0, 7), (4, 6, 15, 19)]


@pytest.mark.parametrize("setting", EXPLORER_SETTINGS)
def test_explorer_labels_never_overlap_each_other_or_the_bars(setting):
    trajectory = recognition_fit.explorer_trajectory(*setting)
    view = free_energy.ExplorerView()
    figure_box = view.fig.bbox
    for step in range(recognition_fit.N_STEPS + 1):
        view.update(trajectory["neg_f"], trajectory["kl"], trajectory["log_z"], step)
        view.png()  # what the widget shows: the fast repaint
        renderer = view.fig.canvas.get_renderer()
        boxes = _boxes(view.fig, renderer)
        bars = [bar.get_window_extent(renderer) for bar in (view.bar_neg_f, view.bar_kl, view.bar_log_z)]
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), f"step {step}: {a!r} overlaps {b!r}"
        for text, box in boxes:
            assert not any(box.overlaps(bar) for bar in bars), f"step {step}: {text!r} overlaps a bar"
            assert _inside(box, figure_box), f"step {step}: {text!r} is cut off"


def test_the_overlap_check_sees_overlapping_labels():
    """The check above is not vacuous: two labels put on the same spot are reported."""
    view = free_energy.ExplorerView().update([-3.0, -2.0], [1.0, 0.5], [-2.0, -1.5], step=0)
    view.values_text[1].set_position((0, 0))
    view.values_text[1].xy = view.values_text[0].xy
    renderer = _renderer(view.fig)
    overlapping = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(_boxes(view.fig, renderer), 2)
                   if box_a.overlaps(box_b)]
    assert overlapping


@pytest.mark.parametrize("make", [
    lambda: free_energy.ExplorerView().update(**{k: _trajectory()[k] for k in ("neg_f", "kl", "log_z")}, step=7),
    lambda: factorial.PosteriorQView().update(*(factorial.best_factorial_fit(3, 2, 11, 0)[k]
                                                for k in ("posterior", "q_layerwise", "q_factorial"))),
    lambda: imaging.SweepView().update(*imaging._sweep(np.array([0.5, 0.5]), np.array([3.0, 1.0]), 0.05, 0), 0.5),
])
def test_fast_repaint_shows_what_a_full_draw_shows(make):
    """The widgets repaint only what changed over a cached picture; it must be the same picture
    (up to antialiased edges where a repainted artist meets a cached one)."""
    view = make()
    fast = np.asarray(Image.open(io.BytesIO(view.png())).convert("RGB"), dtype=int)
    full = np.asarray(Image.open(io.BytesIO(_common.png_bytes(view.fig))).convert("RGB"), dtype=int)
    assert fast.shape == full.shape
    differing = np.abs(fast - full).max(axis=2) > 8
    assert differing.mean() < 0.005, f"{differing.mean():.2%} of the pixels differ"


# ---------------------------------------------------------------------------- notebooks 05-09
def test_posterior_against_q_shows_the_most_probable_configurations_first():
    posterior_ = np.array([0.1, 0.6, 0.3])
    view = factorial.PosteriorQView(max_configs=2).update(posterior_, np.array([0.2, 0.5, 0.3]),
                                                          np.array([0.0, 0.9, 0.1]))
    assert [bar.get_height() for bar in view.bars] == [0.6, 0.3]
    assert list(view.line_layerwise.get_ydata()) == [0.5, 0.3]
    assert list(view.line_factorial.get_ydata()) == [0.9, 0.1]
    assert "2 of 3 shown" in view.xlabel.get_text()


def test_log_axes_are_labelled_with_plain_numbers():
    """Not 3x10^-1 or 6x10^-2 (issue 12): the KL axis reads 0.05, 0.1, 0.2."""
    curves = [{"seed": 0, "examples": [0, 1e5, 1e6, 2e6], "kl_bits": [1.0, 0.3, 0.1, 0.06]}]
    fig = wakesleep.kl_curves(curves)
    _renderer(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert {"0.1", "0.2"} <= set(labels)
    assert not [label for label in labels if "times" in label or "^" in label]
    assert not [t.get_text() for t in fig.axes[0].yaxis.get_minorticklabels() if t.get_text()]


def test_pattern_grid_says_what_black_means():
    fig = wakesleep.pattern_grid(np.eye(3, 16), "the images with the largest penalty")
    assert fig.get_suptitle() == "the images with the largest penalty (black = on)"
    fig = wakesleep.pattern_grid(np.eye(3, 16), "24 training images (black = on)")
    assert fig.get_suptitle() == "24 training images (black = on)"


def test_fast_repaint_redraws_the_step_axis_for_a_trajectory_of_another_length():
    view = free_energy.ExplorerView().update([-5.0, -4.0, -3.5], [2.0, 1.0, 0.5], [-3.0] * 3, step=1)
    view.png()
    view.update(-3.0 - np.linspace(2.0, 0.1, 101), np.linspace(2.0, 0.1, 101), np.full(101, -3.0), step=50)
    fast = np.asarray(Image.open(io.BytesIO(view.png())).convert("RGB"), dtype=int)
    full = np.asarray(Image.open(io.BytesIO(_common.png_bytes(view.fig))).convert("RGB"), dtype=int)
    # under the trajectory's axes only the step axis is drawn: its labels must be 0-100, not 0-2
    box = view.ax_traj.bbox
    rows, columns = slice(int(full.shape[0] - box.y0) + 2, None), slice(int(box.x0), int(box.x1))
    np.testing.assert_array_equal(fast[rows, columns], full[rows, columns])
