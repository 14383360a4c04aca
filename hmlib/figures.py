"""Regenerate every PNG in figures/ from the library: ``python -m hmlib.figures figures``
(or ``make figures``).

Each plotting module defines ``FIGURES = {"name.png": function}``; every function takes no
arguments and returns a matplotlib Figure.
"""

import importlib
import sys
from pathlib import Path

import matplotlib

PLOTTING_MODULES = ("hmlib.plots", "hmlib.meanfield_plots", "hmlib.wakesleep_plots")


def main(argv):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(argv[0] if argv else "figures")
    out.mkdir(parents=True, exist_ok=True)
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
