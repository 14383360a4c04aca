"""hmlib.environment: notebook 00's report of where the course runs, on a computer and (simulated)
in the browser, where sys.platform is 'emscripten' and JupyterLab is the page, not a package."""

import sys
import types

from hmlib import environment


def test_on_a_computer():
    text = environment.report()
    first = text.splitlines()[0]
    assert first == f"running on your computer (Python {environment.python_version()})"
    assert environment.in_browser() is False
    assert environment.pyodide_version() is None
    for name in ("numpy", "scipy", "matplotlib", "ipywidgets"):
        assert any(line.split()[0] == name and line.split()[1][0].isdigit() for line in text.splitlines()[1:])
    assert environment.problems() == []


def test_in_the_browser(monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setitem(sys.modules, "pyodide", types.SimpleNamespace(__version__="0.27.7"))
    real = environment.package_version
    absent = ("jupyterlab", "scikit-learn")  # the page itself; loaded by notebook 10 when it imports it
    monkeypatch.setattr(environment, "package_version",
                        lambda name: None if name.startswith(absent) else real(name))
    assert environment.in_browser()
    assert environment.where() == f"running in your browser (Pyodide 0.27.7, Python {environment.python_version()})"
    lines = environment.report().splitlines()
    assert any(line.startswith("jupyterlab ") and line.endswith("part of the web page") for line in lines)
    assert "scikit-learn        loaded when notebook 10 imports it" in lines
    assert not any("not installed" in line for line in lines)
    assert environment.problems() == []  # no widget-extension check: the page holds the extension


def test_missing_and_old_packages_are_problems(monkeypatch):
    fake = {"numpy": "1.26.4", "ipywidgets": None}
    real = environment.package_version
    monkeypatch.setattr(environment, "package_version", lambda name: fake.get(name, real(name)))
    found = environment.problems()
    assert "numpy 1.26.4 is too old: the notebooks need 2.0 or newer" in found
    assert "ipywidgets is not installed" in found
    assert "not installed" in environment.report()


def test_a_package_that_is_absent_has_no_version():
    assert environment.package_version("no-such-package-hm") is None
