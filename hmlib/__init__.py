"""hmlib: the computing behind the Helmholtz machine notebooks.

Maths modules (no plotting): ``model`` (HelmholtzMachine), ``imaging``, ``exact``, ``data``.
Plots and widgets live in their own modules on top of them.
"""

from hmlib import data, exact, imaging
from hmlib.model import HelmholtzMachine

__all__ = ["HelmholtzMachine", "data", "exact", "imaging"]
