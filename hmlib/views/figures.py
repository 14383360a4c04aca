"""Regenerate every PNG in figures/ from the library: ``python -m hmlib.views.figures figures``
(or ``make figures``).

Each topic module of ``hmlib.views`` defines ``FIGURES = {"name.png": function}``; every function
takes no arguments and returns a matplotlib Figure. They are saved as a notebook shows them: at
the figure's own dpi, cropped to what is drawn.
"""

import importlib
import sys
from pathlib import Path

import matplotlib

from hmlib._checks import describe

TOPIC_MODULES = (
    "hmlib.views.networks",
    "hmlib.views.posterior",
    "hmlib.views.free_energy",
    "hmlib.views.factorial",
    "hmlib.views.imaging",
    "hmlib.views.shifter",
    "hmlib.views.wakesleep",
)


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


def all_figures():
    """{file name: function} over every topic module, in the order of the course."""
    figures = {}
    for module_name in TOPIC_MODULES:
        figures.update(importlib.import_module(module_name).FIGURES)
    return figures


def main(argv):
    """Write every figure into the folder ``argv[0]`` (default ``figures``); return 0."""
    out = _output_folder(argv)
    matplotlib.use("Agg")
    from hmlib.views._common import close

    for name, make in all_figures().items():
        fig = make()
        fig.savefig(out / name, bbox_inches="tight")
        close(fig)
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
