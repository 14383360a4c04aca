"""A one-line progress bar for the training loops: a widget in JupyterLab, a text bar elsewhere.

The training loops never print; they report through a callback (``hmlib.wakesleep.train`` and
``fit`` call it with a ``Progress``, ``hmlib.meanfield_fit.fit`` and ``train`` with
``(iteration, free_energy_bits, machine)``). :func:`progress_bar` makes such a callback::

    from hmlib.views.progress import progress_bar
    machine, history = wakesleep.fit(x, sizes=(64, 16, 16, 4), validation=x_valid, callback=progress_bar())

Inside a Jupyter kernel the bar is a widget (``ProgressWidget``, an anywidget: :func:`widget_class`);
in a terminal or a script it is tqdm's text bar on stderr. The bar shows the latest validation
score (wake-sleep) or free energy (mean field) and closes at the run's last report, saying if the
run stopped early.

The widget is accessible (WCAG 2.1 AA). ipywidgets' ``IntProgress``, which ``tqdm.notebook`` draws,
is a ``<div>`` with no role, value or name: a screen reader finds no progress bar at all, and its
description is a ``<label>`` tied to nothing. The widget is therefore an anywidget holding a native
``<progress>`` element (role ``progressbar``, its value and maximum exposed) named by a visible
``<label for=...>`` (axe rule aria-progressbar-name), described by the counts beside it
(``aria-describedby``), and a ``role="status"`` line, empty while the run goes on, that says once how
the run ended, so that a screen reader announces the end without being interrupted at every report.
"""

import functools
import sys
import time

from hmlib._checks import as_choice, as_count
from hmlib._checks import describe as describe_value
from hmlib.environment import in_browser

KINDS = ("auto", "widget", "text")
MIN_INTERVAL = 0.1  # seconds between two redraws of the widget (a mean-field fit reports every iteration)


def _in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbconvert, nbval), False in a terminal or script."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    # the browser's Pyodide kernel (JupyterLite) is a kernel too, though it has no IPKernelApp
    return ip is not None and ("IPKernelApp" in getattr(ip, "config", {}) or in_browser())


_ESM = """
let made = 0;
function render({ model, el }) {
  made += 1;
  const id = `hm-progress-${made}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("hm-progress");
  const label = document.createElement("label");
  label.htmlFor = id;
  const bar = document.createElement("progress");
  bar.id = id;
  const counts = document.createElement("span");
  counts.id = `${id}-counts`;
  counts.className = "hm-progress-counts";
  bar.setAttribute("aria-describedby", counts.id);
  const status = document.createElement("div");
  status.className = "hm-progress-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  el.append(label, bar, counts, status);
  const update = () => {
    label.textContent = model.get("description");
    bar.max = Math.max(model.get("max"), 1);
    bar.value = Math.min(model.get("value"), bar.max);
    counts.textContent = model.get("counts");
    status.textContent = model.get("status");
  };
  update();
  const names = ["description", "max", "value", "counts", "status"];
  names.forEach((name) => model.on(`change:${name}`, update));
  return () => names.forEach((name) => model.off(`change:${name}`, update));
}
export default { render };
"""

_CSS = """
.hm-progress { display: flex; flex-wrap: wrap; align-items: center; column-gap: 0.6em;
  font-size: var(--jp-content-font-size1, 14px); color: var(--jp-content-font-color1, inherit); }
.hm-progress progress { width: 300px; height: 1.1em; accent-color: #0072B2; }
.hm-progress .hm-progress-status { flex-basis: 100%; }
"""


@functools.cache
def widget_class():
    """The widget's class, ``ProgressWidget``: a subclass of ``anywidget.AnyWidget``, made on first
    use so that importing this module imports neither anywidget nor ipywidgets (a script's text
    bar needs neither)."""
    import anywidget
    import traitlets

    class ProgressWidget(anywidget.AnyWidget):
        """A labelled native ``<progress>``, its counts beside it and a polite status line that says
        how the run ended (see the module docstring)."""

        _esm = _ESM
        _css = _CSS
        description = traitlets.Unicode("").tag(sync=True)  # the label, the bar's accessible name
        value = traitlets.Int(0).tag(sync=True)
        max = traitlets.Int(1).tag(sync=True)
        counts = traitlets.Unicode("").tag(sync=True)  # "45,000 / 200,000 examples, validation 21.30 bits"
        status = traitlets.Unicode("").tag(sync=True)  # empty until the run ends

        def __repr__(self):
            """The bar in words: the text/plain of the output, for front ends that draw no widgets."""
            return self.status or f"{self.description}: {self.counts or f'{self.value:,} / {self.max:,}'}"

    ProgressWidget.__qualname__ = "ProgressWidget"
    return ProgressWidget


class _WidgetBar:
    """The part of tqdm's interface that ProgressBar uses (``n``, ``total``, ``set_postfix_str``,
    ``refresh``, ``close``), drawn by a ProgressWidget instead of ipywidgets' IntProgress."""

    def __init__(self, total, description, unit):
        from IPython.display import display

        self.n, self.total, self.unit, self.postfix = 0, total, unit, ""
        # the label is the bar's accessible name: never empty
        self.widget = widget_class()(description=description.strip() or "progress", max=int(total),
                                     counts=f"0 / {int(total):,} {unit}")
        self._drawn = None  # time of the last redraw
        display(self.widget)

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text
        if refresh:
            self.refresh()

    def refresh(self, force=False):
        now = time.monotonic()
        if not force and self._drawn is not None and now - self._drawn < MIN_INTERVAL:
            return
        self._drawn = now
        counts = f"{int(self.n):,} / {int(self.total):,} {self.unit}"
        with self.widget.hold_sync():  # one message for all the traits
            self.widget.value = int(self.n)
            self.widget.counts = f"{counts}, {self.postfix}" if self.postfix else counts

    def close(self):
        """Draw the last report and say, once, how the run ended (the status line is announced)."""
        self.refresh(force=True)
        if not self.widget.status:
            counts = f"{int(self.n):,} of {int(self.total):,} {self.unit}"
            if self.postfix.startswith("stopped early"):
                ended = self.postfix
            elif self.n >= self.total:
                ended = f"done, {counts}" + (f", {self.postfix}" if self.postfix else "")
            else:
                ended = f"ended after {counts}" + (f", {self.postfix}" if self.postfix else "")
            self.widget.status = f"{self.widget.description}: {ended}."


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
    postfix : None, or a function of a wake-sleep ``Progress`` that returns the text shown beside
        the bar (default: the validation score), e.g. the monitor's numbers in ``progress.record``.
    """

    def __init__(self, total=None, description="training", kind="auto", file=None, postfix=None):
        self.total = None if total is None else as_count(total, "total")
        if not isinstance(description, str):
            raise TypeError(f"description is {describe_value(description)}; expected a str")
        if postfix is not None and not callable(postfix):
            raise TypeError(f"postfix is {describe_value(postfix)}; expected None or a function of a Progress")
        self.postfix = postfix
        kind = as_choice(kind, "kind", KINDS)
        if kind == "auto":
            kind = "widget" if _in_kernel() else "text"
        self.kind = kind
        self.description = description
        self.file = file
        self.bar = None  # made at the first report, when the total is known

    def _open(self, total, unit):
        if self.kind == "widget":
            self.bar = _WidgetBar(total, self.description, unit)
            return
        from tqdm.std import tqdm

        if in_browser():
            tqdm.monitor_interval = 0  # no monitor thread: the browser cannot start threads
        kwargs = {} if self.file is None else {"file": self.file}
        self.bar = tqdm(total=total, desc=self.description, unit="", unit_scale=True, **kwargs)

    def __call__(self, *report):
        if len(report) == 1 and hasattr(report[0], "examples"):  # wake-sleep: one Progress
            progress = report[0]
            if self.bar is None:
                self._open(self.total or progress.total, "examples")
            self.bar.n = progress.examples
            if self.postfix is not None:
                self.bar.set_postfix_str(str(self.postfix(progress)), refresh=False)
            elif progress.validation_bits is not None:
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
                self._open(self.total, "iterations")
            self.bar.n = iteration
            self.bar.set_postfix_str(f"F {bits:.2f} bits")
            if iteration >= self.bar.total:
                self.close()
        else:
            raise TypeError(
                f"the progress bar was called with {len(report)} arguments ({describe_value(report)}); expected a "
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


def progress_bar(total=None, description="training", kind="auto", file=None, postfix=None):
    """A :class:`ProgressBar`: pass it as ``callback=`` to a training loop. See the module docstring."""
    return ProgressBar(total=total, description=description, kind=kind, file=file, postfix=postfix)
