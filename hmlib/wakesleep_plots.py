"""Temporary: the notebooks switch to hmlib.views.wakesleep; this module only re-exports its
names and is deleted once no notebook imports it.
"""

from hmlib.views._common import KL_COLOUR, LOG_Z_COLOUR, NEG_F_COLOUR  # noqa: F401
from hmlib.views.wakesleep import (  # noqa: F401
    FIGURES,
    MAX_FIELDS,
    MAX_HINTON_CELLS,
    PAPER_KL_BITS,
    RESULTS,
    bars_fields_figure,
    bars_kl_figure,
    generative_fields,
    hinton,
    kl_curves,
    kl_landscapes,
    live_curves,
    load_bars_runs,
    pattern_grid,
)
