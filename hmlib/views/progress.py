"""A one-line progress bar for the training loops: a widget in JupyterLab, a text bar elsewhere.

The training loops never print; they report through a callback (``hmlib.wakesleep.train`` and
``fit`` call it with a ``Progress``, ``hmlib.meanfield_fit.fit`` and ``train`` with
``(iteration, free_energy_bits, machine)``). :func:`progress_bar` makes such a callback::

    from hmlib.views.progress import progress_bar
    machine, history = wakesleep.fit(x, sizes=(64, 16, 16, 4), validation=x_valid, callback=progress_bar())

Inside a Jupyter kernel with ipywidgets the bar is a widget (``tqdm.notebook``); in a terminal or a
script it is tqdm's text bar on stderr. The bar shows the latest validation score (wake-sleep) or
free energy (mean field) and closes at the run's last report, saying if the run stopped early.
"""

import sys

from hmlib._checks import as_choice, as_count, describe
from hmlib.environment import in_browser

KINDS = ("auto", "widget", "text")


def _in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbconvert, nbval), False in a terminal or script."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    # the browser's Pyodide kernel (JupyterLite) is a kernel too, though it has no IPKernelApp
    return ip is not None and ("IPKernelApp" in getattr(ip, "config", {}) or in_browser())


class ProgressBar:
    """A callback for ``wakesleep.train``/``fit`` and ``meanfield_fit.fit``/``train`` that draws a bar.

    Parameters
    ----------
    total : int or None: the length of the run (examples for wake-sleep, iterations for mean
        field). None: wake-sleep's own total, from its first report; a mean-field run needs it
        (``settings.max_iter``).
    description : str, written before the bar.
    kind : ``"auto"`` (a widget inside a Jupyter kernel, text elsewhere), ``"widget"`` or ``"text"``.
    file : where the text bar writes (default stderr).
    """

    def __init__(self, total=None, description="training", kind="auto", file=None):
        self.total = None if total is None else as_count(total, "total")
        if not isinstance(description, str):
            raise TypeError(f"description is {describe(description)}; expected a str")
        kind = as_choice(kind, "kind", KINDS)
        if kind == "auto":
            kind = "widget" if _in_kernel() else "text"
        self.kind = kind
        self.description = description
        self.file = file
        self.bar = None  # made at the first report, when the total is known

    def _open(self, total):
        if self.kind == "widget":
            from tqdm.notebook import tqdm  # ipywidgets, imported only when a widget is drawn
        else:
            from tqdm.std import tqdm
        if in_browser():
            tqdm.monitor_interval = 0  # no monitor thread: the browser cannot start threads
        kwargs = {} if self.file is None else {"file": self.file}
        self.bar = tqdm(total=total, desc=self.description, unit="", unit_scale=True, **kwargs)

    def __call__(self, *report):
        if len(report) == 1 and hasattr(report[0], "examples"):  # wake-sleep: one Progress
            progress = report[0]
            if self.bar is None:
                self._open(self.total or progress.total)
            self.bar.n = progress.examples
            if progress.validation_bits is not None:
                self.bar.set_postfix_str(f"validation {progress.validation_bits:.2f} bits", refresh=False)
            self.bar.refresh()
            if getattr(progress, "final", False):
                if progress.examples < progress.total:
                    self.bar.set_postfix_str(
                        f"stopped early at {progress.examples:,} examples"
                        + (f", validation {progress.validation_bits:.2f} bits" if progress.validation_bits is not None else "")
                    )
                self.close()
        elif len(report) == 3:  # mean field: (iteration, free_energy_bits, machine)
            iteration, bits, _ = report
            if self.bar is None:
                if self.total is None:
                    raise ValueError("total is None; a mean-field run needs progress_bar(total=settings.max_iter)")
                self._open(self.total)
            self.bar.n = iteration
            self.bar.set_postfix_str(f"F {bits:.2f} bits")
            if iteration >= self.bar.total:
                self.close()
        else:
            raise TypeError(
                f"the progress bar was called with {len(report)} arguments ({describe(report)}); expected a "
                f"wake-sleep Progress or mean field's (iteration, free_energy_bits, machine)"
            )

    def close(self):
        """Close the bar (done at the run's last report; call it yourself after a mean-field run that converged early)."""
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress_bar(total=None, description="training", kind="auto", file=None):
    """A :class:`ProgressBar`: pass it as ``callback=`` to a training loop. See the module docstring."""
    return ProgressBar(total=total, description=description, kind=kind, file=file)
