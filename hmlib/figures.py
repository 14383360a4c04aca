"""Temporary: ``make figures`` now runs ``python -m hmlib.views.figures figures``; this module only
forwards ``python -m hmlib.figures DIR`` there and is deleted with the other old view modules.
"""

import sys

from hmlib.views.figures import TOPIC_MODULES, all_figures, main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
