"""`make lab` never changes a tracked file: JupyterLab works on lab/, a git-ignored copy of notebooks/.

Every test runs make, as a student does, in a temporary git repository made from this tree (its
tracked files and its new, not ignored ones, committed once), so `git status --porcelain` there
says exactly what the lab changed. `make lab` uses the virtual environment that runs these tests
(``VENV=sys.prefix``) and is told that it is already installed (``make -o <stamp>``), so nothing is
reinstalled. Its Jupyter configuration, data and runtime directories are temporary, so a user's
own Jupyter settings cannot leak in; the lab's settings are the repository's lab-settings/.

`running_make_lab` is also used by tests/browser/test_browser_lab.py.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)  # the environment running the tests: .venv, or a nox environment
START_TIMEOUT = 60  # seconds for `make lab` to answer /api/status; a cold start takes ~5 s
NOTEBOOK = "04_free_energy_and_kl.ipynb"  # any committed notebook
STUDENT_NOTE = "My own note, written in the lab."


def run(command, cwd, **kwargs):
    """Run `command` in `cwd`, fail with its output when it fails; returns its stdout."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def git_repository_copy(destination):
    """Copy the files a clone of this tree would hold into `destination` and commit them there."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    for name in listed.split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a tracked file deleted in the work tree is left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    run(["git", "init", "-q"], destination)
    run(["git", "add", "-A"], destination)
    run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid",
         "-c", "commit.gpgsign=false", "commit", "-q", "-m", "the course"], destination)
    assert git_status(destination) == ""
    return destination


def git_status(repo):
    return run(["git", "status", "--porcelain", "--untracked-files=all"], repo)


def make(repo, *targets, env=None):
    """Run `make` in `repo` with this environment's venv, never reinstalling it."""
    return run(["make", "--no-print-directory", "-o", f"{VENV}/.installed", f"VENV={VENV}",
                *targets], repo, env=env)


def clean_environment(jupyter_dirs):
    """os.environ without Jupyter or make settings, with Jupyter's directories under `jupyter_dirs`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "JPY_", "IPYTHON", "MAKE", "MFLAGS"))}
    for variable, name in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                           ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        env[variable] = str(jupyter_dirs / name)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab that `make lab` started: its URL and token, and its REST API."""

    def __init__(self, url, token):
        self.url, self.token = url, token

    def api(self, method, path, body=None):
        """Call the REST API; returns the decoded JSON (None for an empty body)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read()
        return json.loads(answer) if answer else None


@contextlib.contextmanager
def running_make_lab(repo, jupyter_dirs):
    """Run `make lab` in `repo` (headless, on a free port, with a known token) until the block ends."""
    port, token = free_port(), secrets.token_hex(16)
    lab_args = (f"--no-browser --ServerApp.ip=127.0.0.1 --port={port} "
                f"--ServerApp.port_retries=0 --IdentityProvider.token={token}")
    log_path = jupyter_dirs / "make-lab.log"
    with open(log_path, "wb") as log:
        # A session of its own, so the whole group (make and jupyter) can be stopped at the end.
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", f"{VENV}/.installed", f"VENV={VENV}", "lab",
             f"LAB_ARGS={lab_args}"],
            cwd=repo, env=clean_environment(jupyter_dirs), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (f"make lab exited with {process.returncode}:\n"
                                            + log_path.read_text(errors="replace")[-3000:])
            assert time.monotonic() < deadline, (f"make lab did not answer within {START_TIMEOUT} s:\n"
                                                 + log_path.read_text(errors="replace")[-3000:])
            with contextlib.suppress(urllib.error.URLError, ConnectionError):
                if "started" in lab.api("GET", "/api/status"):
                    break
            time.sleep(0.2)
        yield lab
    finally:
        stop_group(process)


def stop_group(process):
    """SIGTERM to make and jupyter (jupyter shuts down its kernels), SIGKILL if they linger."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def test_saving_in_make_lab_leaves_git_status_empty(tmp_path):
    repo = git_repository_copy(tmp_path / "repo")
    (tmp_path / "jupyter").mkdir()
    committed = (repo / "notebooks" / NOTEBOOK).read_bytes()

    with running_make_lab(repo, tmp_path / "jupyter") as lab:
        # The lab serves the working copy: every committed notebook, copied on first use.
        listing = lab.api("GET", "/api/contents")["content"]
        assert sorted(item["name"] for item in listing) == sorted(
            p.name for p in (repo / "notebooks").glob("*.ipynb"))
        model = lab.api("GET", f"/api/contents/{NOTEBOOK}")
        model["content"]["cells"].append(
            {"cell_type": "markdown", "metadata": {}, "source": STUDENT_NOTE})
        lab.api("PUT", f"/api/contents/{NOTEBOOK}",
                {"type": "notebook", "format": "json", "content": model["content"]})

    assert git_status(repo) == ""
    assert (repo / "notebooks" / NOTEBOOK).read_bytes() == committed
    assert STUDENT_NOTE in (repo / "lab" / NOTEBOOK).read_text()


def test_lab_copy_adds_missing_notebooks_and_keeps_the_students(tmp_path):
    repo = git_repository_copy(tmp_path / "repo")
    make(repo, "lab-copy")
    names = sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (repo / "lab").glob("*.ipynb")) == names
    (repo / "lab" / names[0]).write_text(STUDENT_NOTE)
    (repo / "lab" / names[1]).unlink()

    make(repo, "lab-copy")

    assert (repo / "lab" / names[0]).read_text() == STUDENT_NOTE  # never overwritten
    assert (repo / "lab" / names[1]).read_bytes() == (repo / "notebooks" / names[1]).read_bytes()
    assert git_status(repo) == ""


def test_lab_reset_refreshes_the_copy_and_keeps_the_old_one(tmp_path):
    repo = git_repository_copy(tmp_path / "repo")
    make(repo, "lab-copy")
    name = sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))[0]
    (repo / "lab" / name).write_text(STUDENT_NOTE)

    make(repo, "lab-reset")

    assert (repo / "lab" / name).read_bytes() == (repo / "notebooks" / name).read_bytes()
    (backup,) = (repo / "lab-backups").iterdir()
    assert (backup / name).read_text() == STUDENT_NOTE
    assert git_status(repo) == ""
