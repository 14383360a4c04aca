"""Temporary: the notebooks switch to hmlib.views.imaging and hmlib.views.shifter; this module
only re-exports their names and is deleted once no notebook imports it.
"""

from hmlib.views import imaging, shifter
from hmlib.views._common import EQ11_COLOUR, EXACT_COLOUR, NAIVE_COLOUR, SIGMOID_COLOUR  # noqa: F401
from hmlib.views.imaging import (  # noqa: F401
    MAX_ENUMERATED_STATES,
    MAX_ODDS,
    MAX_PARENTS,
    MAX_UNITS,
    eq11_against_exact,
    imaging_curves,
    random_unit_comparison,
    unit_probability_sweep,
)
from hmlib.views.shifter import (  # noqa: F401
    MAX_LOG_LIMIT,
    MAX_TOP_UNITS,
    RULE_COLOURS,
    RULE_LABELS,
    SHIFTER_RESULTS,
    free_energy_curves,
    shifter_weights,
    top_means_by_direction,
)

FIGURES = {**imaging.FIGURES, **shifter.FIGURES}
