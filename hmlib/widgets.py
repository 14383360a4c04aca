"""Temporary: the notebooks switch to hmlib.views.free_energy (free_energy_explorer) and
hmlib.views.factorial (factorial_gap_explorer); this module only re-exports their names and is
deleted once no notebook imports it.
"""

from hmlib.views._controls import format_number  # noqa: F401
from hmlib.views.factorial import FactorialGapExplorer, factorial_gap_explorer  # noqa: F401
from hmlib.views.free_energy import N_SEEDS, FreeEnergyExplorer, free_energy_explorer  # noqa: F401
