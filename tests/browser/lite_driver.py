"""Serve the JupyterLite site of `make site` on 127.0.0.1 and drive its notebooks in Chromium.

Shared by tests/browser/test_site.py and benchmarks/site.py:

- `build_site()` runs site/build.py into _site/ (or, with HM_SITE_REUSE=1 and a built _site/,
  reuses it, which saves minutes while developing);
- `SiteServer` is ``python -m http.server`` on 127.0.0.1 on a port the OS picks, serving _site/;
- `OfflineGuard` routes every request of a browser context: requests to 127.0.0.1 go on, every
  other one is aborted and counted (by host), so the site is proved to need nothing from outside;
- `LitePage` is the JupyterLab driver `LabPage` (jupyterlab_driver.py) pointed at the site: it
  opens ``notebooks/<name>`` with ``lab/index.html?path=...`` and waits for the Pyodide kernel, and
  runs cells and reads problems as LabPage does, because JupyterLite is JupyterLab. Its sliders are
  hmlib's accessible controls only (decision 2 of the accessibility brief), never ipywidgets'
  noUiSlider: `sliders`, `nudge_slider` and `time_key` press the arrow keys on the native
  ``<input type="range" class="hm-slider">`` of each ``hm-control`` and wait for the widget's
  ``hm-readout`` (``role="status"``) to change; `contract_problems` lists what breaks that contract
  (a noUiSlider in an hm-widget, a slider without its label, a readout that is no live region, a
  figure without alt text).
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

from jupyterlab_driver import LabPage, REPO, UPDATE_TIMEOUT

SITE = REPO / "_site"
REUSE_ENV = "HM_SITE_REUSE"  # 1: reuse a built _site/ instead of building it again
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
OPEN_TIMEOUT = 240  # seconds: load the lab, start Pyodide (about 15 s here) and open a notebook
FOLLOW_TIMEOUT = 15  # seconds for the figure to follow a changed readout
# hmlib's slider: a native range input inside an hm-control (the brief's widget DOM contract)
SLIDER = ".hm-control input.hm-slider[type=range]"
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


class _Tally:
    """Requests of a browser context by destination: ``allowed`` to 127.0.0.1 (or in the page:
    blob: and data: URLs), ``blocked`` by host for any other, with the first URLs kept for the
    report (``examples``)."""

    def __init__(self):
        self.blocked = Counter()
        self.examples = []
        self.allowed = 0

    def _tally(self, url):
        """Count `url`; True when it stays on 127.0.0.1."""
        host = urlsplit(url).hostname
        if host == ALLOWED_HOST or url.startswith(("blob:", "data:")):
            self.allowed += 1
            return True
        self.blocked[host or url[:40]] += 1
        if len(self.examples) < 10:
            self.examples.append(url)
        return False

    @property
    def total_blocked(self):
        return sum(self.blocked.values())


class OfflineGuard(_Tally):
    """Route every request of a browser context: 127.0.0.1 passes, anything else is aborted and
    counted by host."""

    def __init__(self, context):
        super().__init__()
        context.route("**/*", self._route)

    def _route(self, route):
        if self._tally(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")


# Chromium flags that leave nothing but 127.0.0.1 reachable, with no request intercepted: no
# host name resolves, and every request not to 127.0.0.1 goes to a proxy on a port where nothing
# listens ("<-loopback>" takes away the proxy's implicit exception for the rest of the loopback,
# so even 127.0.0.2 and localhost are out of reach).
BLOCK_OUTSIDE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                      "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>;127.0.0.1"]


class RequestCounter(_Tally):
    """OfflineGuard's counts without its interception, for timing (benchmarks/site.py): Playwright's
    routing hands every request to this Python process and back, and turns the browser's HTTP cache
    off, neither of which a student's browser does. With Chromium started with BLOCK_OUTSIDE_ARGS
    nothing outside 127.0.0.1 can answer; requests to other hosts are counted as they are made."""

    def __init__(self, context):
        super().__init__()
        context.on("request", lambda request: self._tally(request.url))


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
            self.page.wait_for_timeout(500)
        dialogs = self.page.locator(".jp-Dialog").all_inner_texts()
        raise AssertionError(f"{path}: the site did not open it with an idle kernel within "
                             f"{OPEN_TIMEOUT} s (last state: {state}; dialogs: {dialogs}; "
                             f"console errors: {self.console_errors[:5]})")

    def report(self):
        """LabPage.report, with `renderedWidgets` counted the site's way: JupyterLab 4.4 (the
        site's) does not mark an output with its data-mime-type as the lab of `make lab` does, so
        an output counts as a rendered widget when it holds an ipywidgets view (class
        jupyter-widgets) or one of hmlib's anywidget views (an hm-* class) and no error widget."""
        cells = super().report()
        for cell, rendered in zip(cells, self.page.evaluate(_RENDERED_WIDGETS)):
            cell["renderedWidgets"] = rendered
        return cells

    # -- hmlib's widgets: native range inputs, a live readout -------------------------------

    def sliders(self, widget):
        """Locator of the widget's sliders: the range inputs of its hm-control elements."""
        return widget.locator(SLIDER)

    def contract_problems(self):
        """What breaks the widget DOM contract, per hm-widget of the open notebook (see _CONTRACT)."""
        return [f"hm-widget {k}: {problem}" for k, problems in
                enumerate(self.page.evaluate(_CONTRACT)) for problem in problems]

    def nudge_slider(self, widget, index=0, timeout=UPDATE_TIMEOUT):
        """Focus slider `index` of `widget` (its range input), press ArrowRight (ArrowLeft at its
        maximum) and wait until the widget's hm-readout text changed and its figure followed, the
        kernel reported an error, or `timeout` seconds passed.

        Returns a dict: key, readout and figure src before and after, the slider's value before
        and after, whether the range input had the focus when the key went down, and whether
        the hm-readout after is the element that was there before (a live region must stay).
        """
        slider = self.sliders(widget).nth(index)
        slider.scroll_into_view_if_needed()
        key = "ArrowLeft" if slider.evaluate(_AT_MAX) else "ArrowRight"
        widget.locator(".hm-readout").first.evaluate("(r) => { r.__hmSiteMark = true; }")
        result = {"key": key, "readout_before": self.readout(widget), "src_before": self.figure_src(widget),
                  "value_before": slider.input_value()}
        n_errors = len(self.kernel_messages())
        slider.focus()
        result["focused"] = slider.evaluate("(s) => document.activeElement === s")
        self.page.keyboard.press(key)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readout_changed = self.readout(widget) != result["readout_before"]
            figure_changed = self.figure_src(widget) != result["src_before"]
            if readout_changed and (figure_changed or not result["src_before"]):
                break
            if readout_changed:  # the figure may follow by a moment
                deadline = min(deadline, time.monotonic() + FOLLOW_TIMEOUT)
            if len(self.kernel_messages()) > n_errors:  # the callback failed
                break
            self.page.wait_for_timeout(200)
        self.wait_for_widgets()
        result.update(readout_after=self.readout(widget), src_after=self.figure_src(widget),
                      value_after=slider.input_value(),
                      same_readout=widget.locator(".hm-readout").first.evaluate("(r) => r.__hmSiteMark === true"))
        return result

    def time_key(self, widget_index=0, slider_index=0, timeout=UPDATE_TIMEOUT):
        """Press ArrowRight (ArrowLeft at the maximum) on slider `slider_index` of hm-widget
        `widget_index` and return the milliseconds, in the page's own clock, from the keydown event
        to the first change of the widget's hm-readout text (None if it did not change within
        `timeout` seconds)."""
        widget = self.hm_widgets().nth(widget_index)
        slider = self.sliders(widget).nth(slider_index)
        slider.scroll_into_view_if_needed()
        key = "ArrowLeft" if slider.evaluate(_AT_MAX) else "ArrowRight"
        slider.focus()
        widget.evaluate(_ARM_LATENCY)
        self.page.keyboard.press(key)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function("() => window.__hmSiteLatency !== null", timeout=timeout * 1000)
        except PlaywrightTimeout:  # the readout never changed
            return None
        latency = self.page.evaluate("() => window.__hmSiteLatency")
        self.wait_for_widgets()
        return latency


# Per code cell of the open notebook, in order: how many of its outputs hold a rendered widget.
_RENDERED_WIDGETS = """() => window.__hmPanel.content.widgets.filter((c) => c.model.type === 'code').map(
  (c) => Array.from(c.node.querySelectorAll('.jp-OutputArea-output')).filter(
    (o) => o.querySelector('.jupyter-widgets, [class*="hm-"]') && !o.querySelector('.jupyter-widgets-error-widget')).length)"""

# Whether a range input is at its maximum (the arrow that still moves it is then ArrowLeft).
_AT_MAX = "(s) => s.valueAsNumber >= Number(s.max)"

# Arms the timing of one key press on an hm-widget: from the keydown event (captured on the
# document before any widget sees it) to the first change of the widget's hm-readout text.
_ARM_LATENCY = """(w) => {
  const readout = w.querySelector('.hm-readout');
  const before = readout.innerText;
  window.__hmSiteLatency = null;
  let start = null;
  document.addEventListener('keydown', () => { start = performance.now(); }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (start !== null && readout.innerText !== before) {
      window.__hmSiteLatency = performance.now() - start;
      observer.disconnect();
    }
  });
  observer.observe(readout, {subtree: true, childList: true, characterData: true});
}"""

# Per hm-widget of the open notebook, what breaks the widget DOM contract: an ipywidgets slider
# (noUiSlider, which has no accessible name) instead of an hm-control; an hm-control without its
# range input, or whose <label for> does not name it, or whose min/max/step are missing; no control
# at all; a readout that is missing or is no polite live region (role=status); a figure image
# without a text alternative.
_CONTRACT = """() => Array.from(window.__hmPanel.node.querySelectorAll('.hm-widget')).map((w) => {
  const found = [];
  const old = w.querySelectorAll('.widget-slider, .noUi-handle').length;
  if (old) found.push(old + ' ipywidgets slider part(s) (noUiSlider) instead of hm-control range inputs');
  const controls = Array.from(w.querySelectorAll('.hm-control'));
  controls.forEach((c, i) => {
    const range = c.querySelector('input.hm-slider[type=range]');
    if (!range) { found.push('hm-control ' + i + ' has no input.hm-slider[type=range]'); return; }
    const label = c.querySelector('label');
    if (!label || !label.textContent.trim() || label.htmlFor !== range.id || !range.id)
      found.push('hm-control ' + i + ': no visible <label for> naming its range input');
    for (const a of ['min', 'max', 'step'])
      if (range.getAttribute(a) === null || Number.isNaN(Number(range.getAttribute(a))))
        found.push('hm-control ' + i + ' (' + (label ? label.textContent : '?') + '): its range input has no numeric ' + a);
  });
  if (!controls.length && !w.querySelector('.widget-dropdown'))
    found.push('no hm-control and no dropdown');
  const readouts = Array.from(w.querySelectorAll('.hm-readout'));
  if (!readouts.length) found.push('no hm-readout');
  readouts.forEach((r) => {
    if (r.getAttribute('role') !== 'status' || r.getAttribute('aria-live') !== 'polite')
      found.push('its hm-readout is not a live region (role=' + r.getAttribute('role') +
                 ', aria-live=' + r.getAttribute('aria-live') + ')');
  });
  w.querySelectorAll('.hm-figure').forEach((f) => {
    if (f.tagName !== 'IMG') found.push('an hm-figure that is a ' + f.tagName + ', not an <img>');
    else if (!(f.getAttribute('alt') || '').trim()) found.push('an hm-figure image without alt text');
  });
  return found;
})"""


def _find_panel_source():
    from jupyterlab_driver import _FIND_PANEL
    return _FIND_PANEL


def new_lite_page(browser, server, artifacts, viewport=None, intercept=True):
    """A fresh context (empty browser storage: every notebook is the course's version) guarded by
    OfflineGuard (or, with intercept=False, watched by RequestCounter: for a browser started with
    BLOCK_OUTSIDE_ARGS), and a LitePage on it. Returns (context, guard, page)."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    guard = OfflineGuard(context) if intercept else RequestCounter(context)
    page = LitePage(context.new_page(), server, artifacts)
    return context, guard, page
