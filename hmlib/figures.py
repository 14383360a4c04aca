"""Regenerate every PNG in figures/ from the library: ``python -m hmlib.figures figures``
(or ``make figures``).

Each plotting module defines ``FIGURES = {"name.png": function}``; every function takes no
arguments and returns a matplotlib Figure.
"""

import importlib
import sys
from pathlib import Path

import matplotlib

from hmlib._checks import describe

PLOTTING_MODULES = ("hmlib.plots", "hmlib.meanfield_plots", "hmlib.wakesleep_plots")


def _output_folder(argv):
    """The folder named by ``argv`` (a list of at most one non-empty string; default "figures"), created."""
    if not isinstance(argv, (list, tuple)):
        raise TypeError(f"argv is {describe(argv)}; expected a list of command-line arguments such as ['figures']")
    if len(argv) > 1:
        raise ValueError(f"argv is {describe(argv)}; expected at most one argument, the output folder")
    if argv and (not isinstance(argv[0], str)):
        raise TypeError(f"argv[0] is {describe(argv[0])}; expected the output folder as a string")
    if argv and not argv[0]:
        raise ValueError("argv[0] is ''; expected the name of the output folder")
    out = Path(argv[0] if argv else "figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # an existing file of that name, a path under a file, no permission
        raise ValueError(f"argv[0] is {str(out)!r}, which cannot be made a folder ({error.strerror})") from None
    return out


def main(argv):
    """Write every figure into the folder ``argv[0]`` (default ``figures``); return 0."""
    out = _output_folder(argv)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for module_name in PLOTTING_MODULES:
        module = importlib.import_module(module_name)
        for name, make in module.FIGURES.items():
            fig = make()
            fig.savefig(out / name, dpi=100, bbox_inches="tight")
            plt.close(fig)
            print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
