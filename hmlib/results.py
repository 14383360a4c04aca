"""Where the saved results live: the one place that finds ``benchmarks/results``.

Notebooks 07, 09, 10 and 11 load machines and runs saved by the benchmarks (``benchmarks/results/
bars``, ``digits``, ``rws``, ``shifter``). Where that folder is depends on how the course runs:

- in a checkout (``make lab``, nbval, an editable install), it is beside the ``hmlib`` package:
  ``<repository>/benchmarks/results``;
- in the browser-only site (``make site``), hmlib is an installed wheel and the folder is in the
  site's files, beside the notebooks' folder: the Pyodide kernel starts in the notebook's folder
  (``/drive/notebooks``), so it is ``/drive/benchmarks/results``;
- anywhere else (hmlib installed from a wheel, a notebook run from a copy of the repository), it is
  found from the working directory up, as ``../benchmarks/results`` is from ``notebooks/``.

:func:`results_dir` tries these in that order and returns the first that exists.
"""

from pathlib import Path

RESULTS = Path("benchmarks") / "results"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the repository, when hmlib is a checkout


def candidates(cwd=None):
    """The folders :func:`results_dir` looks at, in order: beside the package, then from `cwd`
    (default: the working directory) and each folder above it."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    places = [PACKAGE_ROOT / RESULTS]
    places += [folder / RESULTS for folder in (cwd, *cwd.parents)]
    return list(dict.fromkeys(places))  # in order, without repeats


def results_dir(*parts, cwd=None):
    """The folder of saved results, ``benchmarks/results`` (or a sub-folder of it: ``results_dir("bars")``).

    Parameters
    ----------
    *parts : str, sub-folders under ``benchmarks/results`` (e.g. ``"bars"``, ``"single"``).
    cwd : str or Path, where to start looking up (default: the working directory).

    Raises ``ValueError`` naming every place it looked when none holds ``benchmarks/results`` (or
    when the sub-folder asked for is not there).
    """
    for part in parts:
        if not isinstance(part, str) or not part or "/" in part or "\\" in part or part in (".", ".."):
            raise ValueError(f"results_dir takes folder names such as 'bars'; got {part!r}")
    looked = candidates(cwd)
    for base in looked:
        if base.is_dir():
            folder = base.joinpath(*parts)
            if not folder.is_dir():
                present = sorted(p.name for p in base.iterdir() if p.is_dir())
                raise ValueError(f"{folder} does not exist; {base} holds {present}")
            return folder
    raise ValueError(
        "no benchmarks/results folder found; looked at " + ", ".join(str(p) for p in looked)
        + ". Run the notebook from the notebooks/ folder of the course (or from lab/), "
        "or regenerate the results with the benchmarks (see README, Benchmarks)")
