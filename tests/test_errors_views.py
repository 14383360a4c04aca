"""Regression tests for issue 10, section 2, in the views (hmlib.views): every bad
argument gets a TypeError or ValueError from hmlib that names it, instead of a silently clamped
slider, an AttributeError, IndexError or ZeroDivisionError, a MemoryError or a silently drawn
NaN. One test per failure class."""

import json
import tracemalloc

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from hmlib.model import HelmholtzMachine  # noqa: E402
from hmlib.views import (  # noqa: E402
    _common,
    _controls,
    factorial,
    figures,
    free_energy,
    networks,
    posterior,
)
from hmlib.views import imaging as mw  # noqa: E402
from hmlib.views import shifter as sh  # noqa: E402
from hmlib.views import wakesleep as wp  # noqa: E402

TRAJECTORY = {"neg_f": np.array([-5.0, -4.0, -3.5]), "kl": np.array([2.0, 1.0, 0.5]), "log_z": np.full(3, -3.0)}


def shifter_machine():
    """A 32-4-2 odds machine: the shape shifter_weights and top_means_by_direction draw."""
    return HelmholtzMachine.random((32, 4, 2), imaging="odds", seed=0)


def bars_machine():
    return HelmholtzMachine.random((16, 3, 1), seed=0)


# ---------------------------------------------------------------------- widgets: no clamping
@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: free_energy.FreeEnergyExplorer(n_hidden_2=100), r"n_hidden_2 is 100; expected an integer from 1 to 8"),
        (lambda: free_energy.FreeEnergyExplorer(seed=99), r"seed is 99; expected an integer from 0 to 19"),
        (lambda: free_energy.FreeEnergyExplorer(steps=41), r"steps is 41; expected an integer from 0 to 40"),
        (lambda: free_energy.free_energy_explorer(pattern=-1), r"pattern is -1; expected an integer from 0 to 15"),
        (lambda: factorial.FactorialGapExplorer(n_hidden_3=7), r"n_hidden_3 is 7; expected an integer from 1 to 6"),
        (lambda: mw.ImagingExplorer(theta1=11.0), r"theta1 is 11.0; expected a number >= 0.0 and <= 10.0"),
        (lambda: mw.imaging_explorer(q2=-0.5), r"q2 is -0.5"),
    ],
)
def test_widget_constructors_refuse_out_of_range_values_instead_of_clamping(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: free_energy.FreeEnergyExplorer(seed=None), "seed is None"),  # explorer_trajectory(..., None)
        (lambda: free_energy.FreeEnergyExplorer(n_hidden_2=2.0), "n_hidden_2 is 2.0; expected an integer"),
        (lambda: factorial.FactorialGapExplorer(pattern="3"), "pattern is '3'"),
        (lambda: mw.ImagingExplorer(bias=1 + 2j), "bias is"),
        (lambda: _controls.format_number("1.5"), "value is '1.5'"),
    ],
)
def test_widget_constructors_refuse_wrong_types(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_widget_keeps_the_ends_of_its_ranges():
    w = free_energy.FreeEnergyExplorer(seed=19, steps=40)
    assert (w.controls["seed"].value, w.controls["steps"].value) == (19, 40)


# ---------------------------------------------------------------------- allocations refused up front
def test_random_unit_comparison_refuses_many_parents_before_allocating():
    tracemalloc.start()
    with pytest.raises(ValueError, match="n_parents is 40; expected an integer from 1 to 16"):
        mw.random_unit_comparison(n_parents=40)
    with pytest.raises(ValueError, match="parent states"):
        mw.random_unit_comparison(n=10_000, n_parents=16)  # 10^4 x 2^16 states
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20, f"{peak} bytes allocated before refusing"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: _common.figure_to_png(Figure(figsize=(6, 4)), dpi=10**6), "dpi is 1e\\+06"),
        (lambda: free_energy.ExplorerView(width=1e6), "width is 1000000.0"),
        (lambda: wp.pattern_grid(np.zeros((300, 16)), "too many"), "patterns has 300 rows"),
        (lambda: wp.pattern_grid(np.zeros((256, 16)), "tall", n_cols=1), "n_cols = 1 with 256 patterns"),
        (lambda: mw.unit_probability_sweep(np.full(30, 0.5), np.ones(30), 0.1), "q has 30 entries"),
    ],
)
def test_figure_sizes_set_by_arguments_are_bounded(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------- non-machines
@pytest.mark.parametrize(
    "call",
    [
        lambda hm: sh.shifter_weights(hm),
        lambda hm: sh.top_means_by_direction(hm, np.zeros((2, 32)), np.array([0, 1])),
        lambda hm: wp.generative_fields(hm),
    ],
)
@pytest.mark.parametrize("not_a_machine", [None, {"theta": []}, [np.zeros((2, 16))]])
def test_plot_functions_refuse_what_is_not_a_machine(call, not_a_machine):
    with pytest.raises(TypeError, match="hm is a .*; expected a HelmholtzMachine"):
        call(not_a_machine)


# ---------------------------------------------------------------------- indices and counts
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: free_energy.ExplorerView().update(**TRAJECTORY, step=3), "step is 3; expected an integer from 0 to 2"),
        (lambda: free_energy.explorer_figure(**TRAJECTORY, step=-1), "step is -1"),
        (lambda: mw.unit_probability_sweep([0.5, 0.5], [1.0, 1.0], 0.1, unit=2), "unit is 2; expected an integer from 0 to 1"),
        (lambda: wp.pattern_grid(np.zeros((3, 16)), "none per row", n_cols=0), "n_cols is 0; expected an integer >= 1"),
        (lambda: factorial.posterior_against_q(np.full(4, 0.25), np.full(4, 0.25), np.full(4, 0.25), max_configs=0), "max_configs is 0"),
        (lambda: sh.shifter_weights(shifter_machine(), cols=0), "cols is 0"),
    ],
)
def test_out_of_range_indices_and_counts_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_an_index_given_as_a_float_raises_type_error():
    with pytest.raises(TypeError, match="step is 1.0; expected an integer"):
        free_energy.ExplorerView().update(**TRAJECTORY, step=1.0)
    with pytest.raises(TypeError, match="n_cols is 2.5"):
        wp.pattern_grid(np.zeros((3, 16)), "t", n_cols=2.5)


# ---------------------------------------------------------------------- NaN, strings, complex, shapes
@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"neg_f": np.array([-5.0, np.nan, -3.5])}, ValueError, "neg_f contains the non-finite value nan"),
        ({"log_z": np.array([-3.0, -3.0, np.inf])}, ValueError, "log_z contains the non-finite value inf"),
        ({"kl": np.array([2.0, 1.0])}, ValueError, "kl has 2 entries and neg_f 3"),
        ({"kl": np.array([2.0, -1.0, 0.5])}, ValueError, "kl contains the value -1"),
        ({"neg_f": "abc"}, TypeError, "neg_f is 'abc'"),
        ({"log_z": [1 + 2j, 0, 0]}, TypeError, "log_z has dtype complex"),
    ],
)
def test_explorer_view_refuses_nan_wrong_types_and_lengths(change, error, message):
    arrays = dict(TRAJECTORY, **change)
    with pytest.raises(error, match=message):
        free_energy.ExplorerView().update(**arrays, step=1)
    with pytest.raises(error, match=message):
        free_energy.explorer_figure(**arrays, step=1)


def test_explorer_view_accepts_a_kl_rounded_below_zero():
    """KL computed as log Z - (-F) can come out as -3e-14: that is 0, not a bad input."""
    view = free_energy.ExplorerView().update([-3.0, -2.0], [1.0, -3e-14], [-2.0, -2.0], step=1)
    assert view.bar_kl.get_height() == -3e-14
    _common.figure_to_png(view.fig)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: networks.sample_frequencies("0101", np.full(4, 0.25), np.full(4, 0.25), 10), "patterns is '0101'"),
        (lambda: networks.sample_frequencies([["0", "1"], ["1", "0"]], [0.5, 0.5], [0.5, 0.5], 10), "patterns has dtype <U1"),
        (lambda: wp.pattern_grid(np.zeros((2, 16)) + 1j, "complex"), "patterns has dtype complex128"),
        (lambda: sh.top_means_by_direction(shifter_machine(), ["0" * 32], [0]), "patterns has dtype <U32"),
        (lambda: mw.unit_probability_sweep(["0.5", "0.5"], [1.0, 1.0], 0.1), "q has dtype <U3"),
    ],
)
def test_patterns_given_as_digit_strings_or_complex_numbers_are_refused(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: networks.sample_frequencies(np.eye(2), [0.5, 0.5, 0.0], [0.5, 0.5], 10), "probabilities has 3 entries and patterns 2"),
        (lambda: networks.enumeration_cost([1, 2, 3], [2.0, 0.0, 8.0]), "n_terms contains the value 0"),
        (lambda: posterior.posterior_grid(np.full((3, 3), 0.1), np.full((2, 2), 0.25)), r"posterior has shape \(3, 3\)"),
        (lambda: posterior.posterior_grid(np.full((2, 2), 0.25), np.full((2, 2), 1.5)), "product_of_marginals contains the value 1.5"),
        (lambda: posterior.posterior_grid(np.full((2, 2), 0.25), np.full((2, 2), 0.25), labels=("A",)), "labels has 1 entries"),
        (lambda: posterior.identity_flat_line_plot([-1.0, -2.0], [-0.5, -1.5], float("nan")), "log_z is nan"),
        (lambda: posterior.identity_flat_line_plot([-1.0, -2.0], [-0.5], -0.5), "log_posterior has 1 entries"),
        (lambda: factorial.meanfield_against_expectation([0.2, 0.5], [0.2, 0.6], [2, 2.5]), "layer_of_unit contains 2.5"),
        (lambda: factorial.meanfield_against_expectation([0.2, 0.5], [0.2, 0.6], [1, 2]), "layer_of_unit contains the value 1"),
        (lambda: factorial.posterior_against_q(np.full(4, 0.25), np.full(3, 0.25), np.full(4, 0.25)), "q_layerwise has 3 entries"),
        (lambda: mw.unit_probability_sweep([0.5, 1.5], [1.0, 1.0], 0.1), "q contains the value 1.5"),
        (lambda: mw.unit_probability_sweep([0.5, 0.5], [1e308, 1e308], 0.1), "theta contains the value 1e\\+308"),
        (lambda: mw.unit_probability_sweep([0.5, 0.5], [1.0, 1.0], 0.1, marker=2.0), "marker is 2.0"),
        (lambda: mw.random_unit_comparison(n=5, bias=-1.0), "bias is -1.0"),
        (lambda: sh.shifter_weights(shifter_machine(), limit=0.0), "limit is 0.0"),
        (lambda: sh.shifter_weights(shifter_machine(), limit=float("nan")), "limit is nan"),
        (lambda: sh.shifter_weights(shifter_machine(), limit=1e308), "limit is 1e\\+308"),
        (lambda: sh.top_means_by_direction(shifter_machine(), np.zeros((2, 32)), [0, 7]), "direction contains 7"),
        (lambda: sh.top_means_by_direction(shifter_machine(), np.zeros((2, 32)), [0]), "direction has 1 entries"),
        (lambda: wp.live_curves([0, 10, 20], [-2.0, -1.5, -1.2], [-1.0, -1.0, -1.0], [1.0, 0.5]), "kl has 2 entries"),
        (lambda: wp.live_curves([0, 0], [-2.0, -1.5], [-1.0, -1.0], [1.0, 0.5]), "examples has no entry > 0"),
        (lambda: wp.hinton(Figure().subplots(), [[1.0, np.nan]], 1.0), "values contains the non-finite value nan"),
        (lambda: wp.hinton(Figure().subplots(), np.eye(2), 0.0), "scale is 0.0"),
        (lambda: wp.hinton(Figure().subplots(), np.eye(2), 1.0, origin=(0.0,)), r"origin has shape \(1,\)"),
        (lambda: wp.generative_fields(HelmholtzMachine.random((16, 40, 1), seed=0)), "at most 32 layer-2 units"),
        (lambda: wp.kl_curves([{"seed": 0, "examples": [0, 1, 2], "kl_bits": [1.0, 0.5]}]), r"curves\[0\]\['kl_bits'\] has 2 entries"),
        (lambda: wp.kl_curves([{"seed": 0, "examples": [0, 1]}]), r"curves\[0\] has no key 'kl_bits'"),
        (lambda: wp.kl_curves([{"seed": 0, "examples": [0, 1], "kl_bits": [1.0, 0.5]}], paper=-0.1), "paper is -0.1"),
        (lambda: sh.free_energy_curves([{"imaging": "softmax", "free_energy_curve": [9.0]}]), r"runs\[0\]\['imaging'\] is 'softmax'"),
        (lambda: sh.free_energy_curves([]), "runs is empty"),
        (lambda: mw.eq11_against_exact({}), "comparison has no key 'exact'"),
        (lambda: mw.eq11_against_exact({"exact": [0.5], "eq11": [0.5, 0.4], "naive": [0.5]}), "comparison\\['eq11'\\] has 2 entries"),
    ],
)
def test_bad_values_and_shapes_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: networks.two_networks("432"), "sizes is '432'"),
        (lambda: networks.two_networks((4, 2.5)), r"sizes\[1\] is 2.5"),  # was silently drawn as (4, 2)
        (lambda: posterior.posterior_grid(np.full((2, 2), 0.25), np.full((2, 2), 0.25), labels="AB"), "labels is 'AB'"),
        (lambda: _common.figure_to_png("figure.png"), "fig is a str; expected a Figure"),
        (lambda: wp.hinton(None, np.eye(2), 1.0), "ax is a NoneType; expected a Axes"),
        (lambda: wp.pattern_grid(np.zeros((2, 16)), title=None), "title is None"),
        (lambda: wp.kl_curves({"seed": 0}), "curves is {'seed': 0}; expected a list"),
        (lambda: wp.kl_curves([{"seed": "0", "examples": [0, 1], "kl_bits": [1.0, 0.5]}]), r"curves\[0\]\['seed'\] is '0'"),
        (lambda: sh.free_energy_curves([1]), r"runs\[0\] is 1; expected a dict"),
        (lambda: mw.eq11_against_exact([0.5, 0.5]), "comparison is .*; expected a dict"),
        (lambda: wp.kl_landscapes(np.linspace(0.1, 0.9, 3), np.ones((3, 3)), np.ones((3, 3)), points=[(0.5, 0.5)]), "points is"),
    ],
)
def test_wrong_kinds_of_argument_raise_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# ---------------------------------------------------------------------- KL landscapes: +inf is a value, NaN is not
def test_kl_landscapes_accepts_infinite_kl_but_refuses_nan_and_mismatched_shapes():
    grid = np.linspace(0.1, 0.9, 3)
    kl = np.array([[0.5, 1.0, np.inf], [0.2, 0.0, 1.0], [np.inf, 1.0, 2.0]])  # inf: Q puts mass where P has none
    fig = wp.kl_landscapes(grid, kl, kl.T, points={"mode": (0.5, 0.5)})
    shown = fig.axes[0].collections[0].get_array()  # the colour scale is clipped 1 nat above the minimum (0)
    assert shown.max() == 1.0
    _common.figure_to_png(fig)
    with pytest.raises(ValueError, match="kl_pq contains the non-finite value nan"):
        wp.kl_landscapes(grid, np.where(kl > 1.5, np.nan, kl), kl)
    with pytest.raises(ValueError, match=r"kl_qp has shape \(3, 2\); expected \(3, 3\)"):
        wp.kl_landscapes(grid, kl, kl[:, :2])
    with pytest.raises(ValueError, match="grid is .*; expected at least two increasing"):
        wp.kl_landscapes(grid[::-1], kl, kl)
    with pytest.raises(ValueError, match=r"points\['far'\] contains the value 2"):
        wp.kl_landscapes(grid, kl, kl, points={"far": (2.0, 0.5)})


def test_hinton_draws_values_far_above_the_scale_as_full_squares_without_overflow():
    """|value| >= scale gives the largest square, side 0.9; 1e308 / 1e-300 used to overflow."""
    ax = Figure().subplots()
    wp.hinton(ax, [[1e308, -1e300, 0.25e-300]], 1e-300)
    squares = ax.patches[1:]  # the first patch is the grey ground
    assert [p.get_width() for p in squares] == [0.9, 0.9, 0.45]  # sqrt(0.25) * 0.9
    assert [p.get_facecolor()[0] for p in squares] == [1.0, 0.0, 1.0]  # white, black, white


# ---------------------------------------------------------------------- the caller's arrays
def test_unit_probability_sweep_does_not_modify_the_callers_q():
    q = np.array([0.2, 0.7])
    _common.figure_to_png(mw.unit_probability_sweep(q, [3.0, 1.0], 0.05, unit=0))
    np.testing.assert_array_equal(q, [0.2, 0.7])


# ---------------------------------------------------------------------- files and the command line
def test_load_bars_runs_refuses_a_folder_without_runs(tmp_path):
    with pytest.raises(TypeError, match="directory is .*3.*expected a folder name"):
        wp.load_bars_runs(3)  # None is the default: the course's saved runs
    with pytest.raises(ValueError, match="has no runs.json"):
        wp.load_bars_runs(tmp_path)
    (tmp_path / "runs.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        wp.load_bars_runs(tmp_path)
    (tmp_path / "runs.json").write_text(json.dumps({"runs": [{"seed": 1.5}]}))
    with pytest.raises(TypeError, match=r"runs\[0\]\['seed'\].* is 1.5"):
        wp.load_bars_runs(tmp_path)


@pytest.mark.parametrize(
    "argv, error, message",
    [
        ("abc", TypeError, "argv is 'abc'; expected a list"),  # was: figures written into a folder "a"
        (None, TypeError, "argv is None"),  # was: figures written into ./figures
        (["out", "extra"], ValueError, "expected at most one argument"),
        ([5], TypeError, r"argv\[0\] is 5"),
        ([""], ValueError, r"argv\[0\] is ''"),  # was: figures written into the current folder
    ],
)
def test_figures_main_refuses_bad_argv_before_writing(argv, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        figures.main(argv)
    assert list(tmp_path.iterdir()) == []


def test_figures_main_refuses_a_file_as_output_folder(tmp_path):
    existing = tmp_path / "taken.png"
    existing.write_bytes(b"not a folder")
    with pytest.raises(ValueError, match="cannot be made a folder"):
        figures.main([str(existing)])
    assert existing.read_bytes() == b"not a folder"
