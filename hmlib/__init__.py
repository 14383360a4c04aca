"""hmlib: the computing behind the Helmholtz machine notebooks.

Maths modules (no plotting; none of them imports matplotlib or ipywidgets): ``model``
(HelmholtzMachine), ``imaging``, ``exact``, ``data``, ``evaluation``, ``meanfield``,
``meanfield_fit``, ``wakesleep``, ``recognition_fit``, ``shifter``, ``baselines``, ``iwae``,
``likelihood``, ``rws``. Two small modules say where the course runs: ``environment`` (Python,
the packages, and whether this is the browser-only site) and ``results`` (where the benchmarks'
saved results are, in a checkout and in the site). ``exercises`` checks the answers to the
notebooks' "Try it" items (``check("04.3", answer)``) without giving them away. ``import hmlib`` makes each reachable
(``hmlib.wakesleep.fit``, ``hmlib.rws.train``). Plots, widgets and progress bars live in
``hmlib.views``, one module per topic on top of them, imported explicitly
(``from hmlib.views import digits``).
"""

from hmlib import (
    baselines,
    data,
    environment,
    evaluation,
    exact,
    exercises,
    imaging,
    iwae,
    likelihood,
    meanfield,
    meanfield_fit,
    model,
    recognition_fit,
    results,
    rws,
    shifter,
    wakesleep,
)
from hmlib.model import HelmholtzMachine

__all__ = [
    "HelmholtzMachine",
    "baselines",
    "data",
    "environment",
    "evaluation",
    "exact",
    "exercises",
    "imaging",
    "iwae",
    "likelihood",
    "meanfield",
    "meanfield_fit",
    "model",
    "recognition_fit",
    "results",
    "rws",
    "shifter",
    "wakesleep",
]
