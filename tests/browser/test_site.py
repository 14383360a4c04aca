"""The browser-only site of `make site`: every notebook runs in headless Chromium with no network.

The site is built from a clean state by site/build.py (HM_SITE_REUSE=1 reuses a built _site/ while
developing), served by ``python -m http.server`` on 127.0.0.1, and opened in Chromium with every
request that leaves 127.0.0.1 aborted and counted. For each of the notebooks in notebooks/: open
it in a fresh browser context (empty browser storage), Run All Cells in the Pyodide kernel, and
check what a student would see: every code cell executed, no error output, nothing on stderr, no
broken widget, no console error (LabPage.problems, as in the JupyterLab tests), every hm-widget
built to the widget DOM contract (LitePage.contract_problems: hm-control range inputs with their
labels, a live hm-readout, figures with alt text); then focus the first ``input.hm-slider`` of every
``hm-widget``, press ArrowRight (ArrowLeft at its maximum) and require the slider's value and the
readout's text to change, in the same live region; axe-core (tests/browser/axe.py, WCAG 2.1 A and
AA) finds no serious or critical fault in the course's content (its rendered markdown and outputs,
as in test_accessibility.py; JupyterLite's own chrome is only written to the report); and no
request left 127.0.0.1. The built
configuration must point the kernel at the site's own Pyodide and preload the kernel's packages,
and a tiny anywidget of a notebook written in the browser renders, with no %pip.

Per notebook, the seconds it took, its problems and the blocked requests are written to
tests/browser/artifacts/site-report.json, with a screenshot of the notebook.
"""

import json
import subprocess
import sys
import time
import urllib.request

import pytest

import axe
from jupyterlab_driver import ARTIFACTS, notebook_names
from conftest import CHROMIUM_ARGS
from lite_driver import (BLOCK_OUTSIDE_ARGS, SITE, RequestCounter, SiteServer, build_site, new_lite_page,
                         site_config)

NOTEBOOKS = notebook_names() or ["<no notebook found in notebooks/>"]
REPORT = ARTIFACTS / "site-report.json"


@pytest.fixture(scope="module")
def site_server():
    """Build _site/ (once for this module) and serve it on 127.0.0.1."""
    seconds = build_site()
    ARTIFACTS.mkdir(exist_ok=True)
    report = {"build_seconds": round(seconds, 1), "notebooks": {}}
    with SiteServer(SITE) as server:
        server.report = report
        yield server
    REPORT.write_text(json.dumps(report, indent=1))


def test_the_built_config_points_at_the_local_pyodide(site_server):
    settings = site_config()
    url = settings.get("pyodideUrl", "")
    assert url.startswith("./") and (SITE / url).is_file(), (
        f"pyodideUrl is {url!r}: without a local Pyodide the kernel loads it from a CDN")
    assert settings.get("disablePyPIFallback") is True, "piplite may fall back to pypi.org"
    lock = json.loads((SITE / url).parent.joinpath("pyodide-lock.json").read_text())
    assert "hmlib" in lock["packages"], "hmlib is not in the site's Pyodide lockfile"
    assert "anywidget" in lock["packages"]["hmlib"]["depends"], (
        "hmlib's widgets are anywidget widgets: `import hmlib` must load anywidget")
    # the kernel's own packages load as Pyodide starts; the worker installs any it does not find
    # in this list one by one (by these names, pyodide_kernel with an underscore)
    preload = settings.get("loadPyodideOptions", {}).get("packages", [])
    kernel_own = ["micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "jedi", "ipython"]
    assert [name for name in kernel_own if name not in preload] == [], preload
    assert all(name.replace("_", "-") in lock["packages"] for name in preload), preload


def test_the_benchmarks_browser_reaches_nothing_but_127_0_0_1(browser, chromium_path, site_server, tmp_path):
    """benchmarks/site.py times the site without intercepting its requests, in a Chromium started
    with BLOCK_OUTSIDE_ARGS: the site answers there; a server on another loopback address, which
    answers this process (so the check can fail on any machine, network or not), does not, nor do
    outside addresses by name or by IP address; and RequestCounter counts each attempt."""
    (tmp_path / "index.html").write_text("elsewhere")
    elsewhere = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.2",
                                  "--directory", str(tmp_path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(elsewhere.stdout.readline().split("port ")[1].split()[0])
        other = f"http://127.0.0.2:{port}/index.html"
        with urllib.request.urlopen(other, timeout=10) as answer:
            assert answer.read() == b"elsewhere"  # reachable outside the browser
        outside = [other, "http://localhost:%d/" % site_server.port, "http://example.com/",
                   "http://93.184.215.14/", "https://cdn.jsdelivr.net/pyodide/"]
        reached = []
        blocked = browser.browser_type.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS + BLOCK_OUTSIDE_ARGS)
        try:
            context = blocked.new_context()
            counter = RequestCounter(context)
            page = context.new_page()
            site_ok = page.goto(f"{site_server.url}/jupyter-lite.json").ok
            for url in outside:
                try:
                    page.goto(url, timeout=20_000)
                    reached.append(url)
                except Exception:  # net::ERR_PROXY_CONNECTION_FAILED, ERR_NAME_NOT_RESOLVED, ...
                    pass
        finally:
            blocked.close()
    finally:
        elsewhere.terminate()
        elsewhere.wait(timeout=10)
    assert site_ok, "the site did not answer in the benchmark's browser"
    assert reached == [], f"reachable from the benchmark's browser: {reached}"
    assert counter.total_blocked == len(outside) and counter.allowed >= 1, (dict(counter.blocked), counter.allowed)


ANYWIDGET_CELL = '''import anywidget
import ipywidgets
import traitlets


class Hello(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      el.classList.add("hm-hello");
      el.textContent = "hello from anywidget, n = " + model.get("n");
    }
    export default { render };
    """
    n = traitlets.Int(0).tag(sync=True)


ipywidgets.VBox([Hello(n=6 * 7)])  # in an ipywidgets box, as hmlib's widgets are'''


def test_an_anywidget_written_in_the_browser_renders(browser, site_server):
    """anywidget ships whole: its Python package in the lockfile (`import anywidget` without %pip)
    and its lab extension in the page, so a widget defined by a few lines of JavaScript in a
    notebook the student writes renders, showing the number Python set (6 * 7 = 42)."""
    context, guard, lite = new_lite_page(browser, site_server, ARTIFACTS)
    name = "anywidget_check.ipynb"
    kernelspec = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}  # the site's kernel
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec},
                "cells": [{"cell_type": "code", "id": "hello", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": ANYWIDGET_CELL}]}
    try:
        page = lite.page
        page.goto(f"{site_server.url}/lab/index.html")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager", timeout=120_000)
        page.evaluate("""async ([path, content]) => window.jupyterapp.serviceManager.contents.save(
            path, {type: "notebook", format: "json", content: content})""", ["notebooks/" + name, notebook])
        lite.open_notebook(name)
        lite.run_all()
        hello = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .hm-hello")
        hello.wait_for(timeout=60_000)
        text = hello.inner_text()
        problems = lite.problems()
        lite.screenshot("site_anywidget")
    finally:
        context.close()
    assert text == "hello from anywidget, n = 42"
    assert not problems, problems
    assert guard.total_blocked == 0, dict(guard.blocked)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_the_browser_only_site(browser, site_server, axe_script, name):
    assert name.endswith(".ipynb"), name
    context, guard, lite = new_lite_page(browser, site_server, ARTIFACTS)
    start = time.monotonic()
    record = {}
    try:
        lite.open_notebook(name)
        record["open_seconds"] = round(time.monotonic() - start, 1)
        lite.run_all()
        record["run_seconds"] = round(time.monotonic() - start - record["open_seconds"], 1)
        problems = lite.problems() + lite.contract_problems()
        widgets = lite.hm_widgets()
        moved = 0
        for k in range(widgets.count()):
            widget = widgets.nth(k)
            if not lite.sliders(widget).count():
                continue  # a widget with dropdowns only (contract_problems flags one with nothing)
            press = lite.nudge_slider(widget, 0)
            moved += 1
            where = f"hm-widget {k}: {press['key']} on its first input.hm-slider"
            if not press["focused"]:
                problems.append(f"{where}: the range input did not take the focus")
            if press["value_after"] == press["value_before"]:
                problems.append(f"{where} left its value at {press['value_before']}")
            if press["readout_after"] == press["readout_before"]:
                problems.append(f"{where} left the hm-readout at {press['readout_before'][:120]!r}; "
                                f"kernel messages: {lite.kernel_messages()[-3:]}")
            elif not press["same_readout"]:
                problems.append(f"{where} replaced the hm-readout element: a screen reader announces "
                                f"only changes inside a live region that stays in the page")
        record["widgets_moved"] = moved
        axe.wait_for_math(lite.page)
        axe.inject(lite.page, axe_script)
        course = axe.run(lite.page, {"include": axe.COURSE})
        chrome = axe.run(lite.page, {"exclude": axe.COURSE})
        record["axe_course"] = {v["id"]: [v["impact"], len(v["nodes"])] for v in course}
        record["axe_chrome"] = {v["id"]: [v["impact"], len(v["nodes"])] for v in chrome}
        problems += [f"axe: {line}" for line in axe.describe(axe.blocking(course))]
        lite.screenshot("site_" + name.removesuffix(".ipynb"))
        problems += [p for p in lite.problems() if p not in problems]
    except Exception as error:  # a notebook that does not open, a Playwright timeout: say which
        problems = [f"{type(error).__name__}: " + str(error).splitlines()[0][:500]]
    finally:
        record.update(seconds=round(time.monotonic() - start, 1), blocked=dict(guard.blocked),
                      blocked_examples=guard.examples, requests_to_127_0_0_1=guard.allowed)
        context.close()
    if guard.total_blocked:
        problems.append(f"{guard.total_blocked} request(s) left 127.0.0.1 and were aborted: "
                        f"{dict(guard.blocked)}, e.g. {guard.examples[:3]}")
    record["problems"] = problems
    site_server.report["notebooks"][name] = record
    assert not problems, f"{name} in the browser-only site:\n  " + "\n  ".join(problems)


def test_a_students_copy_stays_in_the_browser_and_deleting_it_brings_back_the_course(browser, site_server):
    """What the README tells a student: a saved notebook is kept in the browser's storage across
    visits, and deleting it in the file browser (the contents service the file browser calls)
    brings back the course's version."""
    context, guard, lite = new_lite_page(browser, site_server, ARTIFACTS)
    path = "notebooks/" + NOTEBOOKS[1]
    contents = "window.jupyterapp.serviceManager.contents"
    first_source = f"async (p) => (await {contents}.get(p, {{content: true}})).content.cells[0].source"
    try:
        page = lite.page
        page.goto(f"{site_server.url}/lab/index.html")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager", timeout=120_000)
        course = page.evaluate(first_source, path)
        page.evaluate(f"""async (p) => {{
            const model = await {contents}.get(p, {{content: true}});
            model.content.cells[0].source = "# my own notes";
            await {contents}.save(p, {{type: "notebook", format: "json", content: model.content}});
        }}""", path)
        page.reload()
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager", timeout=120_000)
        kept = page.evaluate(first_source, path)
        page.evaluate(f"async (p) => {contents}.delete(p)", path)
        listing = page.evaluate(f"async () => (await {contents}.get('notebooks', {{content: true}})).content.map(m => m.name)")
        back = page.evaluate(first_source, path)
    finally:
        context.close()
    assert kept == "# my own notes", "the student's saved change did not survive a reload"
    assert NOTEBOOKS[1] in listing, "the course's notebook is gone from the file browser after deleting the copy"
    assert back == course != kept, "deleting the student's copy did not bring back the course's version"
    assert guard.total_blocked == 0, dict(guard.blocked)
