"""The course's accessible controls, public: a labelled slider that Tab reaches and the arrow keys
move, with a value box when it has many positions (built on anywidget in ``_controls``, which also
holds the widget box that every explorer of the course is made of).

Notebook 00 shows one to check that widgets draw; a student can build an explorer of their own
with them.
"""

from hmlib.views._controls import Readout, Slider, float_slider, int_slider

__all__ = ["Readout", "Slider", "float_slider", "int_slider"]
