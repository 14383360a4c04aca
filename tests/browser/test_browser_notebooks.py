"""Every notebook, opened in JupyterLab in Chromium and run top to bottom, shows what it should.

For each notebook in notebooks/ (listed when pytest collects): open it, Run > Run All Cells,
wait until the kernel is idle, then check what a student would see: every code cell executed,
no error output and nothing on stderr, no "Error displaying widget" / "model not found", no
broken widget view, every ``hm-widget`` with at least one slider or dropdown, a non-empty
``hm-readout`` and a loaded ``hm-figure``, and no error in the browser console or from the
kernel outside a cell. A screenshot of the whole notebook goes to tests/browser/artifacts/.
"""

import pytest

from jupyterlab_driver import notebook_names

# Never an empty parametrisation: pytest would skip it, and a missing notebooks/ must fail.
NOTEBOOKS = notebook_names() or ["<no notebook found in notebooks/>"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_cleanly_in_jupyterlab(lab, name):
    assert name.endswith(".ipynb"), name
    lab.open_notebook(name)
    lab.run_all()
    screenshot = lab.screenshot(name.removesuffix(".ipynb"))
    lab.screenshot_widgets(name.removesuffix(".ipynb"))
    problems = lab.problems()
    assert not problems, (f"{name} in JupyterLab (screenshot {screenshot}):\n  "
                          + "\n  ".join(problems))
