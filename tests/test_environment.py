"""requirements.txt and environment.yml must list the same packages at the same versions."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirements_for_python_311():
    """{name: version} from requirements.txt, taking the lines whose marker holds for Python 3.11."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        name, version = spec.strip().split("==")
        marker = marker.strip()
        if marker == 'python_version < "3.11"':
            continue
        assert marker in ("", 'python_version >= "3.11"'), f"unexpected marker {marker!r}"
        pins[name.lower()] = version
    return pins


def environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s*-\s*([A-Za-z0-9_.-]+)\s*(==|=)\s*([0-9][^\s#]*)", line)
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def test_environment_yml_mirrors_requirements_txt():
    env = environment_pins()
    python = env.pop("python")
    assert python == "3.11", "environment.yml pins Python 3.11; requirements are compared for that version"
    assert env == requirements_for_python_311()


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line.split(";")[0], f"{line!r} is not pinned with =="
