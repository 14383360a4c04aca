"""Fixtures for the real-browser tests: Chromium, one JupyterLab server, one page per test.

The browser is looked up in this order: the executable named by the environment variable
``HM_CHROMIUM``, Debian's ``/usr/bin/chromium``, then Playwright's own Chromium download.
Without any of them every browser test fails (it never skips) and says how to get one.

JupyterLab runs from this virtual environment on 127.0.0.1, on a port the operating system picks,
with a random token, on a temporary copy of the repository (so ``../benchmarks`` and ``../figures``
resolve from the notebooks exactly as in the repository). Its configuration, runtime, data,
settings and workspace directories are temporary too, so a user's own Jupyter setup cannot leak in.
One server and one browser serve the whole session; each test gets its own browser context.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from jupyterlab_driver import ARTIFACTS, REPO, LabPage

CHROMIUM_ENV = "HM_CHROMIUM"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOW_TO_GET_CHROMIUM = (
    "The browser tests need Chromium. Install Debian's package "
    "(`sudo apt-get install -y chromium`, which provides /usr/bin/chromium) or point the "
    f"environment variable {CHROMIUM_ENV} at a Chromium/Chrome executable, e.g. "
    f"`{CHROMIUM_ENV}=/opt/chrome/chrome make browser`."
)

SERVER_START_TIMEOUT = 90  # seconds; a cold start on a slow CI machine takes ~10 s
# Top-level entries of the repository that the temporary copy leaves out.
NOT_COPIED = {".git", ".venv", ".pytest_cache", ".ipynb_checkpoints", "__pycache__", "build",
              "artifacts", "tests", "_site", ".site-venv", ".site-cache", ".nox"}


def find_chromium():
    """Path of the Chromium executable to use, or raise pytest's failure with instructions."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            pytest.fail(f"{CHROMIUM_ENV}={named!r} is not an executable file. "
                        + HOW_TO_GET_CHROMIUM, pytrace=False)
        return named
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return str(DEBIAN_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            bundled = p.chromium.executable_path
    except Exception:  # no driver or no bundled browser: fall through to the failure below
        bundled = ""
    if bundled and os.path.isfile(bundled):
        return bundled
    pytest.fail("No Chromium found (looked at $" + CHROMIUM_ENV + ", " + str(DEBIAN_CHROMIUM)
                + " and Playwright's own download). " + HOW_TO_GET_CHROMIUM, pytrace=False)


def _copy_repository(destination):
    """Copy the repository without its virtual environment, git data and tests."""
    ignore = shutil.ignore_patterns("*.egg-info", "__pycache__", ".ipynb_checkpoints")
    for entry in REPO.iterdir():
        if entry.name in NOT_COPIED or entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, destination / entry.name, ignore=ignore)
        else:
            shutil.copy2(entry, destination / entry.name)


def _write_lab_settings(settings_dir):
    """User settings of the test server: every cell in the DOM, no news, no update checks."""
    files = {
        # 'none' attaches every cell, so the tests see every output and the screenshot is whole.
        # No blank space after the last cell, so the screenshot ends with the notebook.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none", "scrollPastEnd": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    }
    for name, content in files.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


class LabServer:
    """A running `jupyter lab`: its base URL, token and the directory it serves."""

    def __init__(self, process, url, token, root, log_path):
        self.process = process
        self.url = url.rstrip("/")
        self.token = token
        self.root = Path(root)
        self.log_path = log_path

    def api(self, method, path):
        """Call the REST API; returns the decoded JSON (or None for an empty body)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method,
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Delete every session (and so its kernel) left by a test."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_tail(self, n=40):
        lines = Path(self.log_path).read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])


def _stop(process):
    """Ask the server to stop (SIGTERM twice, as Ctrl-C would), kill it if it does not."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def chromium_path():
    return find_chromium()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """Start JupyterLab on a temporary copy of the repository; stop it after the session."""
    base = tmp_path_factory.mktemp("hm-browser")
    root = base / "repo"
    root.mkdir()
    _copy_repository(root)
    dirs = {name: base / name for name in
            ("config", "runtime", "data", "ipython", "settings", "workspaces")}
    for path in dirs.values():
        path.mkdir()
    _write_lab_settings(dirs["settings"])

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "IPYTHON", "JPY_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_PREFER_ENV_PATH="1",
        IPYTHONDIR=str(dirs["ipython"]),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # silences the debugger warning in kernel logs
    )
    token = secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",  # the OS picks a free port; it is read back from the runtime file
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root / 'notebooks'}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands like the menus
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--MappingKernelManager.default_kernel_name=python3",
    ]
    log_path = base / "jupyter-server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=root / "notebooks", env=env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    server = None
    try:
        server = _wait_for_server(process, dirs["runtime"], token, root / "notebooks", log_path)
        yield server
    finally:
        _stop(process)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "jupyter-server.log")


def _wait_for_server(process, runtime_dir, token, root, log_path):
    """Poll until the server wrote its runtime file and /api/status answers."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    server = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {process.returncode} before it was ready:\n"
                        + Path(log_path).read_text(errors="replace")[-3000:], pytrace=False)
        if server is None:
            infos = sorted(Path(runtime_dir).glob("jpserver-*.json"))
            if infos:
                info = json.loads(infos[0].read_text() or "{}")
                if info.get("port"):
                    server = LabServer(process, info["url"], token, root, log_path)
        if server is not None:
            try:
                status = server.api("GET", "/api/status")
                if status is not None and "started" in status:
                    return server
            except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                pass
        time.sleep(0.25)
    pytest.fail(f"jupyter lab did not answer /api/status within {SERVER_START_TIMEOUT} s:\n"
                + Path(log_path).read_text(errors="replace")[-3000:], pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium_path, tmp_path_factory):
    """One headless Chromium for the session, launched through Playwright."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        try:
            instance = p.chromium.launch(executable_path=chromium_path, headless=True,
                                         args=CHROMIUM_ARGS)
        except Exception as error:  # a broken or incompatible executable
            pytest.fail(f"Could not launch Chromium at {chromium_path}: {error}\n"
                        + HOW_TO_GET_CHROMIUM, pytrace=False)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def lab(browser, lab_server, request):
    """A fresh browser context on the server, wrapped in LabPage; kernels are shut down after."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield LabPage(page, lab_server, ARTIFACTS)
    finally:
        context.close()
        lab_server.shutdown_kernels()


@pytest.fixture(scope="session")
def axe_script():
    """The vendored axe-core script (tests/browser/vendor/axe-core/), checked against the SHA-256
    Deque publishes for its version; the accessibility tests inject it into the page."""
    import axe
    return axe.verified_script()
