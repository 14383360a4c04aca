"""hmlib: the computing behind the Helmholtz machine notebooks.

Maths modules (no plotting; none of them imports matplotlib or ipywidgets): ``model``
(HelmholtzMachine), ``imaging``, ``exact``, ``data``, ``evaluation``, ``meanfield``,
``meanfield_fit``, ``wakesleep``, ``recognition_fit``. Plots and widgets live in their own modules
on top of them and are imported explicitly (``from hmlib import plots``).
"""

from hmlib import data, evaluation, exact, imaging, meanfield, meanfield_fit, model, recognition_fit, wakesleep
from hmlib.model import HelmholtzMachine

__all__ = [
    "HelmholtzMachine",
    "data",
    "evaluation",
    "exact",
    "imaging",
    "meanfield",
    "meanfield_fit",
    "model",
    "recognition_fit",
    "wakesleep",
]
