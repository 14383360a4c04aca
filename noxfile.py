"""Unit tests and nbval under every supported Python that this machine has: ``make versions``.

Each interpreter gets its own virtual environment under ``.nox/`` with the pinned requirements
(``requirements.txt`` picks the right pins per Python with environment markers). nox looks for
``python3.10`` ... ``python3.13`` on the PATH and skips, with a message, the ones it cannot find
(under CI, where ``CI`` is set, a missing interpreter is an error instead). The browser tests run
once, under ``make test``: they exercise JupyterLab and the browser, not the Python version.
"""

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]  # requires-python in pyproject.toml says the same

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"  # the environments are pinned: reinstall only when asked (-R to force)
# uv (pinned in requirements.txt) makes and fills each environment in seconds where virtualenv and
# pip take minutes; without uv, nox falls back to virtualenv.
nox.options.default_venv_backend = "uv|virtualenv"


@nox.session(python=PYTHONS)
def tests(session):
    """Install the pinned requirements and hmlib, then run the unit tests and nbval on every core
    (pytest-xdist, as `make test` does)."""
    session.install("-r", "requirements.txt")
    session.install("--no-deps", "-e", ".")
    session.run(
        "python", "-m", "pytest", "tests", "notebooks", "-n", "auto", "--dist", "loadscope",
        "--ignore=tests/browser", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=120",
        "--nbval-sanitize-with=tests/nbval_sanitize.cfg",
        "-p", "no:cacheprovider", *session.posargs,
    )
