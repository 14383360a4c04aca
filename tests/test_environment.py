"""The pins: requirements.txt resolves to one exact version of each package on every supported
Python, environment.yml mirrors its Python 3.11 lines, and the supported range is stated alike
in pyproject.toml, the noxfile and the README."""

import ast
import re
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def requirements():
    """Every requirement line of requirements.txt, parsed by ``packaging``."""
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def pins_for(python):
    """{name: version} of the requirements whose marker holds for Python ``python`` ("3.10")."""
    env = default_environment() | {"python_version": python, "python_full_version": f"{python}.0"}
    pins = {}
    for req in requirements():
        if req.marker is None or req.marker.evaluate(env):
            name = req.name.lower()
            assert name not in pins, f"{name} is pinned twice for Python {python}"
            (spec,) = req.specifier
            pins[name] = spec.version
    return pins


def environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s*-\s*([A-Za-z0-9_.-]+)\s*(==|=)\s*([0-9][^\s#]*)", line)
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def test_every_requirement_is_pinned_exactly():
    for req in requirements():
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{req} is not pinned with =="


@pytest.mark.parametrize("python", SUPPORTED)
def test_every_package_has_one_pin_on_every_supported_python(python):
    names = {req.name.lower() for req in requirements()}
    assert set(pins_for(python)) == names


def test_markers_only_split_on_the_python_version():
    for req in requirements():
        if req.marker is not None:
            assert str(req.marker) in ('python_version >= "3.11"', 'python_version < "3.11"'), str(req.marker)


def test_environment_yml_mirrors_requirements_txt():
    env = environment_pins()
    python = env.pop("python")
    assert python == "3.11", "environment.yml pins Python 3.11; requirements are compared for that version"
    assert env == pins_for("3.11")


def test_supported_pythons_agree_everywhere():
    specifier = SpecifierSet(re.search(r'requires-python = "([^"]+)"', (ROOT / "pyproject.toml").read_text()).group(1))
    assert [v for v in ("3.9", *SUPPORTED, "3.14") if f"{v}.0" in specifier] == list(SUPPORTED)
    noxfile = ast.parse((ROOT / "noxfile.py").read_text())
    (pythons,) = [ast.literal_eval(node.value) for node in noxfile.body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PYTHONS"]
    assert tuple(pythons) == SUPPORTED
    assert "Python 3.10 to 3.13" in (ROOT / "README.md").read_text()
