"""Temporary: the notebooks switch to hmlib.views.imaging (imaging_explorer); this module only
re-exports its names and is deleted once no notebook imports it.
"""

from hmlib.views.imaging import MAX_BIAS, MAX_WEIGHT, ImagingExplorer, imaging_explorer  # noqa: F401
