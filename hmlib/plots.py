"""Temporary: the notebooks switch to hmlib.views.networks, hmlib.views.posterior,
hmlib.views.free_energy and hmlib.views.factorial; this module only re-exports their names and
is deleted once no notebook imports it.
"""

from hmlib.views import factorial, free_energy, networks, posterior
from hmlib.views._common import (  # noqa: F401
    GENERATIVE_COLOUR,
    KL_COLOUR,
    LOG_Z_COLOUR,
    MAX_FIGURE_INCHES,
    MAX_PATTERN_UNITS,
    MAX_PATTERNS_SHOWN,
    MAX_PIXELS,
    MAX_PLOTTED,
    MIN_DPI,
    NEG_F_COLOUR,
    RECOGNITION_COLOUR,
    ROUNDOFF,
    figure_to_png,
)
from hmlib.views.factorial import (  # noqa: F401
    factorial_gap_example,
    meanfield_against_expectation,
    posterior_against_q,
)
from hmlib.views.free_energy import ExplorerView, explorer_figure, free_energy_tradeoff  # noqa: F401
from hmlib.views.networks import (  # noqa: F401
    MAX_DRAWN_LAYERS,
    MAX_DRAWN_UNITS,
    enumeration_cost,
    sample_frequencies,
    two_networks,
)
from hmlib.views.posterior import (  # noqa: F401
    identity_flat_line,
    identity_flat_line_plot,
    posterior_grid,
)

FIGURES = {**networks.FIGURES, **posterior.FIGURES, **free_energy.FIGURES, **factorial.FIGURES}
