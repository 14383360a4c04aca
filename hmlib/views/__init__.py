"""The view layer: every figure and widget of the course, one module per topic.

==========================  =========  ===============================================================
module                      notebooks  figures and widgets
==========================  =========  ===============================================================
``views.networks``          00, 01     the two networks; samples against p(x); the cost of enumeration
``views.posterior``         02, 03     the 2x2 posterior against its marginals; the flat line of Eq. (4)
``views.free_energy``       04         log Z = -F + KL as a waterfall and a trajectory; the free-energy explorer
``views.factorial``         05         mean field against E_Q[s]; P against the best factorial Q; the factorial-gap widget
``views.imaging``           06         sigmoid and odds rule; Eq. (11) against the exact E_Q[p]; the imaging explorer
``views.shifter``           07         shifter weights (Fig. 4), F curves, top units by shift direction
``views.wakesleep``         08, 09     wake-sleep curves, KL landscapes, the bars: fields, patterns, KL curves
``views.digits``            10         digit grids, code lengths in bits, validation curves
``views.rws``               11         -F = L_1 <= L_2 <= ... <= log Z, the bias of K-sample weights, KL per seed
``views.progress``          08-11      a progress bar for training: a widget in the lab, a text bar elsewhere
``views.exercises``         00-11      the multiple-choice control of the "Try it" items, checked on the spot
``views.controls``          00         the accessible slider of the explorers, public (notebook 00 shows one)
``views.figures``           --         ``python -m hmlib.views.figures DIR`` writes every figure of README
==========================  =========  ===============================================================

The views import the maths modules of ``hmlib``, never the reverse, and no view imports another
topic's module: each imports only the shared private modules ``_common`` (figure size and style,
colours, PNG conversion, argument checks) and ``_controls`` (accessible sliders, readout, figure, the widget box).
Importing this package imports none of them, so ``from hmlib.views import networks`` loads
matplotlib but not ipywidgets.
"""
