"""hmlib.results.results_dir finds benchmarks/results in a checkout, from a notebook's folder as in
the browser-only site (hmlib installed, the files under /drive), and fails with a clear ValueError."""

from pathlib import Path

import pytest

from hmlib import results

ROOT = Path(__file__).resolve().parent.parent


def site_like_drive(tmp_path):
    """A folder laid out like the site's drive: notebooks/ beside benchmarks/results/{bars,...}."""
    drive = tmp_path / "drive"
    (drive / "notebooks").mkdir(parents=True)
    for name in ("bars", "digits"):
        (drive / "benchmarks" / "results" / name).mkdir(parents=True)
    return drive


def test_in_the_checkout_it_is_beside_the_package():
    assert results.results_dir() == ROOT / "benchmarks" / "results"
    assert results.results_dir("bars") == ROOT / "benchmarks" / "results" / "bars"


def test_from_the_notebooks_folder_of_a_site_like_drive(tmp_path, monkeypatch):
    """hmlib installed as a wheel (nothing beside the package): found from the notebook's folder up."""
    drive = site_like_drive(tmp_path)
    monkeypatch.setattr(results, "PACKAGE_ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(drive / "notebooks")
    assert results.results_dir() == drive / "benchmarks" / "results"
    assert results.results_dir("digits") == drive / "benchmarks" / "results" / "digits"
    assert results.results_dir(cwd=drive / "notebooks") == drive / "benchmarks" / "results"


def test_the_checkout_comes_before_the_working_directory(tmp_path, monkeypatch):
    drive = site_like_drive(tmp_path)
    monkeypatch.chdir(drive / "notebooks")
    assert results.results_dir() == ROOT / "benchmarks" / "results"


def test_nowhere_is_a_value_error_naming_the_places(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "PACKAGE_ROOT", tmp_path / "site-packages")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no benchmarks/results folder found; looked at") as error:
        results.results_dir(cwd=tmp_path / "empty")
    assert str(tmp_path / "empty" / "benchmarks" / "results") in str(error.value)


def test_a_missing_sub_folder_names_what_is_there(tmp_path, monkeypatch):
    drive = site_like_drive(tmp_path)
    monkeypatch.setattr(results, "PACKAGE_ROOT", tmp_path / "site-packages")
    with pytest.raises(ValueError, match=r"holds \['bars', 'digits'\]"):
        results.results_dir("shifter", cwd=drive / "notebooks")


@pytest.mark.parametrize("part", ["", "..", "bars/single", 3, None])
def test_parts_are_single_folder_names(part):
    with pytest.raises(ValueError, match="folder names"):
        results.results_dir(part)


def test_every_folder_the_notebooks_load_is_found():
    for name in ("bars", "digits", "rws", "shifter"):
        assert results.results_dir(name).is_dir()
