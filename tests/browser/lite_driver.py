"""Serve the JupyterLite site of `make site` on 127.0.0.1 and drive its notebooks in Chromium.

Shared by tests/browser/test_site.py and benchmarks/site.py:

- `build_site()` runs site/build.py into _site/ (or, with HM_SITE_REUSE=1 and a built _site/,
  reuses it, which saves a minute while developing);
- `SiteServer` is ``python -m http.server`` on 127.0.0.1 on a port the OS picks, serving _site/;
- `OfflineGuard` routes every request of a browser context: requests to 127.0.0.1 go on, every
  other one is aborted and counted (by host), so the site is proved to need nothing from outside;
- `LitePage` is the JupyterLab driver `LabPage` (jupyterlab_driver.py) pointed at the site: it
  opens ``notebooks/<name>`` with ``lab/index.html?path=...`` and waits for the Pyodide kernel;
  everything else (Run All Cells, the problem report, slider key presses) is LabPage's, because
  JupyterLite is JupyterLab.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

from jupyterlab_driver import LabPage, REPO

SITE = REPO / "_site"
REUSE_ENV = "HM_SITE_REUSE"  # 1: reuse a built _site/ instead of building it again
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
OPEN_TIMEOUT = 240  # seconds: load the lab, start Pyodide (about 15 s here) and open a notebook
ALLOWED_HOST = "127.0.0.1"


def build_site():
    """Build _site/ with site/build.py (unless HM_SITE_REUSE=1 and it exists); return seconds taken."""
    if os.environ.get(REUSE_ENV) == "1" and (SITE / "jupyter-lite.json").is_file():
        return 0.0
    start = time.monotonic()
    result = subprocess.run([sys.executable, str(REPO / "site" / "build.py"), str(REPO)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError("site/build.py failed:\n" + (result.stdout + result.stderr)[-4000:])
    return time.monotonic() - start


def site_config(site=SITE):
    """The kernel's settings in the built _site/jupyter-lite.json."""
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    return config["litePluginSettings"][KERNEL_PLUGIN]


def _free_port():
    with socket.socket() as s:
        s.bind((ALLOWED_HOST, 0))
        return s.getsockname()[1]


class SiteServer:
    """``python -m http.server`` serving `root` on 127.0.0.1; use as a context manager."""

    def __init__(self, root=SITE):
        self.root = Path(root)
        self.port = _free_port()
        self.url = f"http://{ALLOWED_HOST}:{self.port}"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", ALLOWED_HOST,
             "--directory", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/jupyter-lite.json", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise AssertionError(f"http.server did not answer on {self.url} within 30 s")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def log_tail(self, n=40):  # LabPage asks the server for its log when a notebook fails to open
        return "(http.server keeps no log)"


class OfflineGuard:
    """Route every request of a browser context: 127.0.0.1 passes, anything else is aborted and
    counted by host (``blocked``), with the first URLs kept for the report (``examples``)."""

    def __init__(self, context):
        self.blocked = Counter()
        self.examples = []
        self.allowed = 0
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).hostname == ALLOWED_HOST:
            self.allowed += 1
            route.continue_()
        else:
            self.blocked[urlsplit(url).hostname or url[:40]] += 1
            if len(self.examples) < 10:
                self.examples.append(url)
            route.abort("blockedbyclient")

    @property
    def total_blocked(self):
        return sum(self.blocked.values())


class LitePage(LabPage):
    """LabPage on the JupyterLite site: notebooks live in the site's files under notebooks/."""

    def open_notebook(self, name):
        """Open notebooks/<name> in the site's lab; wait until its Pyodide kernel is idle."""
        path = f"notebooks/{name}"
        self.page.goto(f"{self.server.url}/lab/index.html?path={quote(path)}")
        self.path = path
        deadline = time.monotonic() + OPEN_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            state = self.page.evaluate("(p) => { try { return (" + _find_panel_source() + ")(p); }"
                                       " catch (e) { return 'not yet: ' + e; } }", path)
            if state == "ready":
                return
            time.sleep(0.5)
        dialogs = self.page.locator(".jp-Dialog").all_inner_texts()
        raise AssertionError(f"{path}: the site did not open it with an idle kernel within "
                             f"{OPEN_TIMEOUT} s (last state: {state}; dialogs: {dialogs}; "
                             f"console errors: {self.console_errors[:5]})")


def _find_panel_source():
    from jupyterlab_driver import _FIND_PANEL
    return _FIND_PANEL


def new_lite_page(browser, server, artifacts, viewport=None):
    """A fresh context (empty browser storage: every notebook is the course's version) guarded by
    OfflineGuard, and a LitePage on it. Returns (context, guard, page)."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    guard = OfflineGuard(context)
    page = LitePage(context.new_page(), server, artifacts)
    return context, guard, page
