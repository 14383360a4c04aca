"""What the course is running on: Python, the packages' versions, and whether it is the browser.

Notebook 00 checks the environment before the course starts. The same notebook runs in JupyterLab
(``make lab``) and in the browser-only site (``make site``, Pyodide), where some packages are absent
(JupyterLab itself: the lab is the page, not a Python package) and the versions are Pyodide's own.
:func:`report` says which, and :func:`problems` lists what would stop the course, so the notebook
asks one function instead of guessing.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

# The packages the notebooks use, shown by report(); the lab's own packages are absent in the browser.
PACKAGES = ("numpy", "scipy", "matplotlib", "scikit-learn", "ipywidgets", "anywidget", "jupyterlab", "jupyterlab_widgets")
# Packages that the browser loads only when a notebook imports them, and which notebook does:
# scikit-learn (6 MB) only for the digits of notebook 10, so that the other notebooks start faster.
BROWSER_ON_DEMAND = {"scikit-learn": "notebook 10"}
# The oldest versions the course works with: (major, minor).
MINIMUM = {"python": (3, 10), "numpy": (2, 0), "ipywidgets": (8, 0)}


def in_browser():
    """True in the browser (Pyodide, e.g. the JupyterLite site), False on a computer."""
    return sys.platform == "emscripten"


def python_version():
    """The running Python's version, e.g. '3.12.7'."""
    return ".".join(str(part) for part in sys.version_info[:3])


def package_version(name):
    """The installed version of package `name` ('2.0.2'), or None when it is not installed."""
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def pyodide_version():
    """Pyodide's version in the browser ('0.27.7'), None elsewhere."""
    if not in_browser():
        return None
    try:
        import pyodide  # present only in Pyodide

        return pyodide.__version__
    except (ImportError, AttributeError):
        return None


def where():
    """One line on where the course runs, e.g. 'running in your browser (Pyodide 0.27.7, Python
    3.12.7)' or 'running on your computer (Python 3.11.7)'."""
    if in_browser():
        pyodide = pyodide_version()
        runtime = f"Pyodide {pyodide}, " if pyodide else "Pyodide, "
        return f"running in your browser ({runtime}Python {python_version()})"
    return f"running on your computer (Python {python_version()})"


def versions(packages=PACKAGES):
    """{package: version or None} for `packages`."""
    return {name: package_version(name) for name in packages}


def report(packages=PACKAGES):
    """A few lines for notebook 00: where the course runs, then one line per package with its
    version ('not installed' for a package that is absent; in the browser, jupyterlab is 'part of
    the web page', the lab being the page itself, and a package of BROWSER_ON_DEMAND not loaded yet
    says which notebook loads it)."""
    lines = [where()]
    for name, found in versions(packages).items():
        if found is None and in_browser() and name.startswith("jupyterlab"):
            found = "part of the web page"
        elif found is None and in_browser() and name in BROWSER_ON_DEMAND:
            found = f"loaded when {BROWSER_ON_DEMAND[name]} imports it"
        elif found is None:
            found = "not installed"
        lines.append(f"{name:<20}{found}")
    return "\n".join(lines)


def _major_minor(text):
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit()) if part else ""
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def problems():
    """What would stop the course here, in plain words (an empty list when all is well): a Python
    or package older than MINIMUM, a missing package."""
    found = []
    if sys.version_info[:2] < MINIMUM["python"]:
        found.append(f"the notebooks need Python {'.'.join(map(str, MINIMUM['python']))} or newer; "
                     f"this is Python {python_version()}")
    for name, oldest in MINIMUM.items():
        if name == "python":
            continue
        installed = package_version(name)
        if installed is None:
            found.append(f"{name} is not installed")
        elif _major_minor(installed) < oldest:
            found.append(f"{name} {installed} is too old: the notebooks need {'.'.join(map(str, oldest))} or newer")
    if not in_browser() and not widget_extension_installed():
        found.append("JupyterLab's widget extension is missing: reinstall jupyterlab_widgets")
    return found


def widget_extension_installed():
    """True when jupyterlab_widgets ships its lab extension (on a computer; in the browser the
    extension is part of the web page)."""
    try:
        import jupyterlab_widgets
    except ImportError:
        return False
    from pathlib import Path

    source = Path(jupyterlab_widgets.__file__).parent / jupyterlab_widgets._jupyter_labextension_paths()[0]["src"]
    return (source / "package.json").is_file()
