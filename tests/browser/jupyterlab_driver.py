"""Drive a notebook in JupyterLab the way a student does, and report what they would see.

`LabPage` wraps one Playwright page on the test server. It opens a notebook in its own workspace
(so no other tab is restored next to it), runs every cell with JupyterLab's own "Run All Cells"
command, waits until the kernel is idle and no cell shows ``[*]``, and then reads the page:
error outputs, widgets that failed to render, widget cells without controls, figures stretched
beyond their pixel size, figures without a text alternative, cut-off slider descriptions, errors
the kernel sent from widget callbacks and errors in the browser console. It also measures the widgets for a projector (track widths,
value boxes, figure widths; `projector_problems`), times a key press end to end, and drives the
slideshow of jupyterlab-slideshow (its "deck").

Widgets follow the contract of hmlib.views._controls: the outer box has CSS class ``hm-widget``;
each control is an ``hm-control`` with a ``<label>``, a native ``<input type="range"
class="hm-slider">`` and, for more than 20 positions, an editable ``<input type="number"
class="hm-value">``; the numbers are in an ``hm-readout`` live region (``role="status"``); the
figure is an ``<img class="hm-figure" alt="...">``. ipywidgets' own sliders (noUiSlider) and
dropdowns are still understood, for widgets written without hmlib: `sliders`, `nudge_slider`,
`time_key` and the projector measurements treat both.
"""

import re
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored

RUN_TIMEOUT = 300  # seconds for one notebook's "Run All Cells"; nbval allows 120 s per cell
OPEN_TIMEOUT = 120  # seconds to load JupyterLab, open a notebook and start its kernel
RENDER_TIMEOUT = 60  # seconds for widgets and images to appear after the kernel is idle
UPDATE_TIMEOUT = 30  # seconds for a widget to answer a slider move
FOLLOW_TIMEOUT = 15  # seconds for the figure to follow the readout (or the readout the figure)

# Text a broken widget leaves in an output (ipywidgets' jupyterlab-manager and JupyterLab).
WIDGET_ERROR_TEXT = ("Error displaying widget", "model not found", "Error rendering output",
                     "Failed to load model class", "Click to show javascript error",
                     "Loading widget...")
CONTROL_SELECTOR = ".hm-control, .widget-slider, .widget-dropdown"
# what takes the arrow keys: hmlib's native range inputs, ipywidgets' noUiSlider handles
SLIDER_SELECTOR = "input.hm-slider, .widget-slider .noUi-handle"
LABEL_SELECTOR = ".widget-label, .hm-control label"  # visible descriptions, cut or whole
MAX_UPSCALE = 1.1  # an hm-figure shown wider than this times its pixel width looks blurred

# Finds the notebook panel whose document is `path` and keeps it in window.__hmPanel.
_FIND_PANEL = """(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell || !app.started) return 'no app';
  let panel = null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.sessionContext) panel = w;
  }
  if (!panel) return 'no panel';
  if (!panel.context.isReady) return 'document loading';
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return 'no kernel';
  if (kernel.connectionStatus !== 'connected') return 'kernel ' + kernel.connectionStatus;
  if (kernel.status !== 'idle') return 'kernel ' + kernel.status;
  window.__hmPanel = panel;
  if (!window.__hmKernelMessages) {
    // Errors and stderr the kernel sends outside a cell's execution (e.g. from a widget
    // callback) never reach a cell output; record them so the tests can see them.
    window.__hmKernelMessages = [];
    // ipywidgets asks a fresh kernel for its widgets before the notebook imports ipywidgets;
    // the kernel answers these two lines on stderr, which is harmless.
    const BENIGN = ['No such comm target registered: jupyter.widget.control', 'No such comm: '];
    panel.sessionContext.iopubMessage.connect((_, msg) => {
      const type = msg.header.msg_type;
      const parent = msg.parent_header ? msg.parent_header.msg_type : '';
      if (parent === 'execute_request') return;
      if (type === 'error') {
        window.__hmKernelMessages.push(parent + ': ' + msg.content.ename + ': ' + msg.content.evalue);
      } else if (type === 'stream' && msg.content.name === 'stderr'
                 && !BENIGN.some((b) => msg.content.text.startsWith(b))) {
        window.__hmKernelMessages.push(parent + ': ' + msg.content.text);
      }
    });
  }
  return 'ready';
}"""

# Starts JupyterLab's "Run > Run All Cells" on the panel; the promise settles when run-all ends.
_RUN_ALL = """async () => {
  const app = window.jupyterapp, panel = window.__hmPanel;
  app.shell.activateById(panel.id);
  if (!app.shell.leftCollapsed) app.shell.collapseLeft();
  window.__hmRunDone = null;
  app.commands.execute('notebook:run-all-cells').then(
    (ok) => { window.__hmRunDone = {ok: ok}; },
    (err) => { window.__hmRunDone = {error: String(err)}; });
}"""

# Execution state as the student sees it: kernel status and the cells' [ ] / [*] / [n] prompts.
_STATE = """() => {
  const panel = window.__hmPanel;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter((c) => c.model.type === 'code');
  const prompts = cells.map((c) => {
    const p = c.node.querySelector('.jp-InputArea-prompt');
    return p ? p.textContent.trim() : '';
  });
  return {
    kernel: kernel ? kernel.status : 'none',
    runDone: window.__hmRunDone,
    running: prompts.filter((p) => p.includes('*')).length,
  };
}"""

# Everything the tests check, read from the notebook model and the rendered DOM.
_REPORT = """([errorTexts, controlSelector, labelSelector]) => {
  const panel = window.__hmPanel;
  const cells = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    const source = cell.model.sharedModel.getSource();
    const outputs = cell.model.outputs.toJSON();
    const area = cell.node.querySelector('.jp-OutputArea');
    const text = area ? area.innerText : '';
    const widgets = Array.from(cell.node.querySelectorAll('.hm-widget')).map((w) => ({
      controls: w.querySelectorAll(controlSelector).length,
      readouts: Array.from(w.querySelectorAll('.hm-readout')).map((r) => r.innerText.trim()),
      figures: Array.from(w.querySelectorAll('.hm-figure')).map((img) => ({
        complete: img.complete, width: img.naturalWidth, shownWidth: img.clientWidth, alt: img.alt})),
      // descriptions cut off with an ellipsis because their box is too narrow
      cutLabels: Array.from(w.querySelectorAll(labelSelector)).filter(
        (l) => l.offsetParent !== null && l.scrollWidth > l.clientWidth + 1).map(
        (l) => l.textContent),
    }));
    cells.push({
      index: index,
      firstLine: source.split('\\n').find((l) => l.trim() && !l.startsWith('# NBVAL')) || '',
      empty: source.trim() === '',
      executionCount: cell.model.executionCount,
      errors: outputs.filter((o) => o.output_type === 'error').map(
        (o) => o.ename + ': ' + o.evalue),
      stderr: outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map(
        (o) => Array.isArray(o.text) ? o.text.join('') : o.text),
      widgetErrors: errorTexts.filter((t) => text.toLowerCase().includes(t.toLowerCase())),
      widgetViews: outputs.filter((o) => o.data &&
        o.data['application/vnd.jupyter.widget-view+json']).length,
      // a widget output that holds something other than an error: ipywidgets' views carry the
      // class jupyter-widgets, anywidget's (a progress bar shown on its own) do not
      renderedWidgets: Array.from(cell.node.querySelectorAll('.jp-OutputArea-output')).filter(
        (o) => o.querySelector('.jupyter-widgets, [class*="hm-"]') &&
               !o.querySelector('.jupyter-widgets-error-widget')).length,
      brokenViews: cell.node.querySelectorAll('.jupyter-widgets-error-widget').length,
      hmWidgets: widgets,
    });
  });
  return cells;
}"""


# The description of each slider (hmlib's range input: its <label>; a noUiSlider handle: the
# ipywidgets slider's label).
_SLIDER_LABELS = """(handles) => handles.map((h) => h.matches('input')
  ? (h.labels && h.labels.length ? h.labels[0].textContent : '')
  : h.closest('.widget-slider')?.querySelector('.widget-label')?.textContent || '')"""

# The value of each slider as a number.
_SLIDER_VALUES = """(handles) => handles.map(
  (h) => Number(h.matches('input') ? h.value : h.getAttribute('aria-valuenow')))"""

# Whether a slider is at its maximum (the arrow that still moves it is then ArrowLeft).
_AT_MAX = """(h) => h.matches('input')
  ? Number(h.value) >= Number(h.max)
  : h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')"""

# The focused element and how its focus is drawn: outline style, width and colour, and the colour
# behind it (the first opaque background among its ancestors, white if none).
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  let background = 'rgb(255, 255, 255)';
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(colour)) { background = colour; break; }
  }
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', classes: Array.from(el.classList),
    name: el.getAttribute('aria-label') || (el.labels && el.labels.length ? el.labels[0].textContent : ''),
    value: el.value, focusVisible: el.matches(':focus-visible'),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor, background: background,
  };
}"""

# The text colours of a widget's first control label and of its readout, and the colour behind
# the widget (the first opaque background among its ancestors, white if none).
_WIDGET_COLOURS = """(w) => {
  let background = 'rgb(255, 255, 255)';
  for (let node = w; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(colour)) { background = colour; break; }
  }
  const colour = (selector) => { const el = w.querySelector(selector); return el ? getComputedStyle(el).color : null; };
  return {label: colour('.hm-control label'), readout: colour('.hm-readout'), background: background};
}"""


def notebook_names():
    """The notebooks in notebooks/ now (at collection time), e.g. ['00_intro.ipynb', ...]."""
    return sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))


# -- projector checks: widths measured at a 1280x800 viewport ---------------------------------

PROJECTOR_VIEWPORT = {"width": 1280, "height": 800}
MIN_TRACK_PIXELS = 250  # a slider track narrower than this is fiddly to set by mouse on a projector
MAX_POSITIONS_WITHOUT_BOX = 20  # a slider with more positions needs an editable value box beside it
MIN_FIGURE_FILL = 0.8  # a widget's figure fills at least this fraction of the notebook column

# Per hm-widget of the open notebook: the width of the notebook column (of the cell that holds it,
# prompt included) and of its output area; its sliders (track width, number of positions, whether
# an editable hm-value box sits beside it), its visible labels (scroll and client width) and its
# figures (shown and natural width). A slider is an hm-control (its range input is the track) or
# an ipywidgets slider (its noUiSlider target is the track, an hm-value box may sit beside it).
_MEASURE_WIDGETS = """() => {
  const panel = window.__hmPanel;
  const editable = (box) => !!box && !box.disabled && !box.readOnly && box.getBoundingClientRect().width > 0;
  const measure = (s) => {
    if (s.classList.contains('hm-control')) {
      const range = s.querySelector('input.hm-slider');
      const [min, max, step] = ['min', 'max', 'step'].map((a) => Number(range.getAttribute(a)));
      return {
        label: (s.querySelector('label') || {}).textContent || '',
        track: range.getBoundingClientRect().width,
        positions: step > 0 ? Math.round((max - min) / step) + 1 : null,
        box: editable(s.querySelector('input.hm-value[type=number]')),
      };
    }
    const target = s.querySelector('.noUi-target');
    const options = target && target.noUiSlider ? target.noUiSlider.options : null;
    const row = s.parentElement;
    const box = row && row.classList.contains('widget-hbox')
      ? row.querySelector(':scope > .hm-value input') : null;
    return {
      label: (s.querySelector('.widget-label') || {}).textContent || '',
      track: target ? target.getBoundingClientRect().width : 0,
      positions: options ? Math.round((options.range.max - options.range.min) / options.step) + 1 : null,
      box: editable(box),
    };
  };
  return Array.from(panel.node.querySelectorAll('.hm-widget')).map((w) => ({
    column: w.closest('.jp-Cell').getBoundingClientRect().width,
    output: w.closest('.jp-OutputArea-output').getBoundingClientRect().width,
    sliders: Array.from(w.querySelectorAll('.hm-control, .widget-slider')).map(measure),
    labels: Array.from(w.querySelectorAll('.widget-label, .hm-control label')).filter((l) => l.offsetParent !== null
      && l.textContent.trim()).map((l) => ({text: l.textContent, scroll: l.scrollWidth, client: l.clientWidth})),
    figures: Array.from(w.querySelectorAll('img.hm-figure, .hm-figure img')).map((img) => ({
      shown: img.getBoundingClientRect().width, natural: img.naturalWidth})),
  }));
}"""

# Times one key press end to end, in the page's own clock: from the keydown event (captured on the
# document before any widget sees it) to the first change of the widget's hm-readout text.
_ARM_LATENCY = """(widgetIndex) => {
  const w = window.__hmPanel.node.querySelectorAll('.hm-widget')[widgetIndex];
  const readout = w.querySelector('.hm-readout');
  const before = readout.innerText;
  window.__hmLatency = null;
  let start = null;
  document.addEventListener('keydown', () => { start = performance.now(); }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (start !== null && readout.innerText !== before) {
      window.__hmLatency = performance.now() - start;
      observer.disconnect();
    }
  });
  observer.observe(readout, {subtree: true, childList: true, characterData: true});
}"""


def projector_problems(measurements):
    """Plain-language list of what fails the projector checks in `measurements` (from
    LabPage.measure_widgets): narrow tracks, cut labels, sliders with many positions and no value
    box, figures narrower than MIN_FIGURE_FILL of the column."""
    found = []
    for k, widget in enumerate(measurements):
        for slider in widget["sliders"]:
            name = f"hm-widget {k} slider {slider['label']!r}"
            if slider["track"] < MIN_TRACK_PIXELS:
                found.append(f"{name}: track {slider['track']:.0f} px, narrower than {MIN_TRACK_PIXELS} px")
            if slider["positions"] is None:
                found.append(f"{name}: its number of positions could not be read")
            elif slider["positions"] > MAX_POSITIONS_WITHOUT_BOX and not slider["box"]:
                found.append(f"{name}: {slider['positions']} positions and no editable value box beside it")
        for label in widget["labels"]:
            if label["scroll"] > label["client"]:
                found.append(f"hm-widget {k}: the label {label['text']!r} is cut "
                             f"(needs {label['scroll']} px, has {label['client']} px)")
        if not widget["figures"]:
            found.append(f"hm-widget {k}: no hm-figure")
        for figure in widget["figures"]:
            if figure["shown"] < MIN_FIGURE_FILL * widget["column"]:
                found.append(f"hm-widget {k}: figure {figure['shown']:.0f} px wide, less than "
                             f"{MIN_FIGURE_FILL:.0%} of the {widget['column']} px column")
    return found


# -- the slideshow (jupyterlab-slideshow's "deck") --------------------------------------------

# Where the deck is: presenting or not, the active cell, the cells it shows now.
_DECK_STATE = """() => {
  const panel = window.__hmPanel;
  const cells = panel.content.widgets;
  return {
    presenting: document.body.dataset.jpDeckMode === 'presenting',
    active: panel.content.activeCellIndex,
    visible: cells.map((c, i) => c.node.classList.contains('jp-deck-mod-visible') ? i : -1).filter((i) => i >= 0),
  };
}"""


class LabPage:
    """One Playwright page on the JupyterLab test server."""

    def __init__(self, page, server, artifacts):
        self.page = page
        self.server = server
        self.artifacts = artifacts
        self.console_errors = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        page.set_default_timeout(UPDATE_TIMEOUT * 1000)

    # -- opening and running -------------------------------------------------------------

    def open_notebook(self, path):
        """Open `path` (relative to the server root) in a workspace of its own; wait for the kernel."""
        workspace = re.sub(r"[^A-Za-z0-9_-]", "-", path)
        url = (f"{self.server.url}/lab/workspaces/hm-{workspace}/tree/{quote(path)}"
               f"?token={self.server.token}")
        self.page.goto(url)
        self.path = path
        deadline = time.monotonic() + OPEN_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            state = self.page.evaluate(_FIND_PANEL, path)
            if state == "ready":
                return
            self.page.wait_for_timeout(250)
        dialogs = self.page.locator(".jp-Dialog").all_inner_texts()  # e.g. "Select Kernel"
        raise AssertionError(f"{path}: JupyterLab did not open it with an idle kernel within "
                             f"{OPEN_TIMEOUT} s (last state: {state}; dialogs: {dialogs}). "
                             "Server log:\n" + self.server.log_tail())

    def run_all(self):
        """Run > Run All Cells, then wait until the kernel is idle and no prompt shows [*]."""
        self.page.evaluate(_RUN_ALL)
        deadline = time.monotonic() + RUN_TIMEOUT
        settled = 0  # consecutive polls that saw a finished run
        while time.monotonic() < deadline:
            state = self.page.evaluate(_STATE)
            finished = (state["runDone"] is not None and state["kernel"] == "idle"
                        and state["running"] == 0)
            settled = settled + 1 if finished else 0
            if settled >= 3:
                break
            self.page.wait_for_timeout(300)
        else:
            raise AssertionError(f"{self.path}: cells still running after {RUN_TIMEOUT} s: {state}")
        if "error" in state["runDone"]:
            raise AssertionError(f"{self.path}: Run All Cells failed: {state['runDone']['error']}")
        self.wait_for_widgets()

    def wait_for_widgets(self):
        """Wait until no widget output says 'Loading widget...' and every hm-figure has loaded."""
        self.page.wait_for_function(
            """() => {
              const panel = window.__hmPanel;
              if (panel.node.innerText.includes('Loading widget...')) return false;
              return Array.from(panel.node.querySelectorAll('img.hm-figure, .hm-figure img'))
                .every((img) => img.complete);
            }""", timeout=RENDER_TIMEOUT * 1000)
        self.page.wait_for_timeout(500)  # let late layout settle before reading the DOM

    # -- what the student sees -----------------------------------------------------------

    def report(self):
        """Per code cell: execution count, errors, stderr, widget render problems, hm-widgets."""
        return self.page.evaluate(_REPORT, [list(WIDGET_ERROR_TEXT), CONTROL_SELECTOR, LABEL_SELECTOR])

    def problems(self):
        """Plain-language list of everything wrong in the run notebook (empty when all is well)."""
        found = []
        for cell in self.report():
            where = f"cell {cell['index']} ({cell['firstLine'][:60]!r})"
            if not cell["empty"] and cell["executionCount"] is None:
                found.append(f"{where} was not executed")
            found += [f"{where} raised {e}" for e in cell["errors"]]
            found += [f"{where} wrote to stderr: {s.strip()[:300]}" for s in cell["stderr"]]
            found += [f"{where} shows {t!r}" for t in cell["widgetErrors"]]
            if cell["brokenViews"]:
                found.append(f"{where} shows {cell['brokenViews']} widget(s) that failed to render")
            if cell["widgetViews"] and not cell["renderedWidgets"]:
                found.append(f"{where} has {cell['widgetViews']} widget output(s) but none rendered")
            for k, widget in enumerate(cell["hmWidgets"]):
                name = f"{where} hm-widget {k}"
                if widget["controls"] == 0:
                    found.append(f"{name} rendered no slider or dropdown")
                if any(not r for r in widget["readouts"]):
                    found.append(f"{name} has an empty hm-readout")
                for figure in widget["figures"]:
                    if not figure["alt"].strip():
                        found.append(f"{name} has an hm-figure with an empty alt: a screen reader says "
                                     "nothing of it (set it with Widget.set_figure(png, alt))")
                    if not figure["complete"] or figure["width"] == 0:
                        found.append(f"{name} has an hm-figure image that did not load")
                    elif figure["shownWidth"] > MAX_UPSCALE * figure["width"]:
                        found.append(
                            f"{name} stretches its {figure['width']} px wide figure to "
                            f"{figure['shownWidth']} px, which blurs it (give the outer box "
                            f"layout=Layout(align_items='flex-start'))")
                found += [f"{name} cuts off the description {text!r} (widen DESCRIPTION_WIDTH)"
                          for text in widget["cutLabels"]]
        found += [f"kernel error outside a cell (e.g. in a widget callback): {m.strip()[:300]}"
                  for m in self.kernel_messages()]
        found += [f"browser console error: {e.splitlines()[0][:300]}" for e in self.console_errors]
        return found

    def kernel_messages(self):
        """Errors and stderr text the kernel sent outside cell execution, as 'parent: text'."""
        return self.page.evaluate("() => window.__hmKernelMessages || []")

    def screenshot(self, name):
        """Save the whole notebook (tall viewport, left sidebar closed) as artifacts/<name>.png."""
        height = self.page.evaluate(
            """() => {
              const outer = window.__hmPanel.node.querySelector('.jp-WindowedPanel-outer');
              if (!outer) return document.body.scrollHeight;
              outer.scrollTop = 0;
              // the notebook's height plus the menu, tab and status bars around it
              return outer.scrollHeight + window.innerHeight - outer.clientHeight;
            }""")
        size = self.page.viewport_size
        # Chromium cannot capture more than 16384 px in one image.
        self.page.set_viewport_size({"width": size["width"], "height": min(height, 16000)})
        self.page.wait_for_timeout(500)
        self.page.evaluate("""() => {
          const outer = window.__hmPanel.node.querySelector('.jp-WindowedPanel-outer');
          if (outer) outer.scrollTop = 0;
        }""")
        self.page.wait_for_timeout(200)
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)
        self.page.wait_for_timeout(300)
        return path

    def screenshot_element(self, locator, name):
        """Save one element as artifacts/<name>.png, with a viewport tall enough to hold it."""
        size = self.page.viewport_size
        box = locator.bounding_box()
        height = min(int(box["height"]) + 300, 16000) if box else size["height"]
        self.page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        locator.scroll_into_view_if_needed()
        path = self.artifacts / f"{name}.png"
        locator.screenshot(path=str(path))
        self.page.set_viewport_size(size)
        return path

    def screenshot_widgets(self, name):
        """Save each hm-widget of the notebook as artifacts/<name>_widget<k>.png; returns the paths."""
        widgets = self.hm_widgets()
        return [self.screenshot_element(widgets.nth(k), f"{name}_widget{k}")
                for k in range(widgets.count())]

    # -- widgets -------------------------------------------------------------------------

    def hm_widgets(self):
        """Locator of every hm-widget in the open notebook, in document order."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .hm-widget")

    def readout(self, widget):
        """Text of the widget's hm-readout(s), whitespace normalised."""
        texts = widget.locator(".hm-readout").all_inner_texts()
        return " | ".join(" ".join(t.split()) for t in texts)

    def figure_src(self, widget):
        """The `src` of the widget's first hm-figure image ('' when there is none)."""
        figures = widget.locator("img.hm-figure, .hm-figure img")
        return figures.first.get_attribute("src") if figures.count() else ""

    def sliders(self, widget):
        """Locator of the widget's sliders, in document order: hmlib's range inputs, or the
        noUiSlider handles of ipywidgets 8 sliders."""
        return widget.locator(SLIDER_SELECTOR)

    def slider_labels(self, widget):
        """The description of each of `sliders(widget)`, in the same order."""
        return widget.locator(SLIDER_SELECTOR).evaluate_all(_SLIDER_LABELS)

    def slider_index(self, widget, description):
        """Index (among `sliders(widget)`) of the slider labelled `description`, or None."""
        matches = [i for i, text in enumerate(self.slider_labels(widget)) if text.strip().startswith(description)]
        return matches[0] if matches else None

    def slider_values(self, widget):
        """{description: value} of the widget's sliders, as the page shows them now."""
        values = widget.locator(SLIDER_SELECTOR).evaluate_all(_SLIDER_VALUES)
        return dict(zip(self.slider_labels(widget), values))

    def arrow_for(self, handle):
        """ArrowRight, or ArrowLeft when the slider `handle` is at its maximum."""
        return "ArrowLeft" if handle.evaluate(_AT_MAX) else "ArrowRight"

    def nudge_slider(self, widget, index=0, timeout=UPDATE_TIMEOUT):
        """Focus slider `index` of `widget` and press ArrowRight (ArrowLeft at its maximum).

        Returns (readout before, readout after, figure src before, figure src after, key);
        'after' is read once the readout or the figure changed, or after `timeout` seconds.
        """
        handle = self.sliders(widget).nth(index)
        handle.scroll_into_view_if_needed()
        key = self.arrow_for(handle)
        handle.focus()
        return self.press_and_wait(widget, key, timeout) + (key,)

    def press_and_wait(self, widget, key, timeout=UPDATE_TIMEOUT):
        """Press `key` on the focused element and wait for `widget` to answer.

        Returns (readout before, readout after, figure src before, figure src after); 'after' is
        read once the readout and the figure changed (the figure may follow the readout by
        FOLLOW_TIMEOUT), when the kernel reported an error, or after `timeout` seconds.
        """
        before, src_before = self.readout(widget), self.figure_src(widget)
        n_errors = len(self.kernel_messages())
        self.page.keyboard.press(key)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readout_changed = self.readout(widget) != before
            figure_changed = self.figure_src(widget) != src_before
            if readout_changed and (figure_changed or not src_before):
                break
            if readout_changed or figure_changed:  # the other one may follow by a moment
                deadline = min(deadline, time.monotonic() + FOLLOW_TIMEOUT)
            if len(self.kernel_messages()) > n_errors:  # the callback failed
                break
            self.page.wait_for_timeout(200)
        self.wait_for_widgets()
        return before, self.readout(widget), src_before, self.figure_src(widget)

    # -- keyboard and screen reader ----------------------------------------------------

    def focus_start_of(self, widget):
        """Put the keyboard focus at the start of `widget`, as if the student had tabbed up to it:
        the next Tab goes to its first control."""
        widget.scroll_into_view_if_needed()
        widget.evaluate("(w) => { w.tabIndex = -1; w.focus(); }")

    def focused(self):
        """The focused element: its tag, type, classes, accessible name (label or aria-label),
        whether :focus-visible matches, its outline and the colour behind it (see _FOCUSED)."""
        return self.page.evaluate(_FOCUSED)

    def readout_region(self, widget):
        """Role, aria-live and identity of the widget's hm-readout: `mark` is True while it is the
        element that `mark_readout` marked (it stayed in the DOM)."""
        return widget.locator(".hm-readout").first.evaluate(
            "(r) => ({role: r.getAttribute('role'), live: r.getAttribute('aria-live'), mark: r.__hmMark === true})")

    def mark_readout(self, widget):
        """Mark the widget's hm-readout element, to check later that it is still the same one."""
        widget.locator(".hm-readout").first.evaluate("(r) => { r.__hmMark = true; }")

    def widget_colours(self, widget):
        """Text colours of the widget's control labels and readout, and the colour behind it."""
        return widget.evaluate(_WIDGET_COLOURS)

    def set_theme(self, theme):
        """Switch JupyterLab to `theme` ('JupyterLab Light' or 'JupyterLab Dark') and wait for it.
        The choice is saved in the user settings that later tests share: switch back."""
        light = "true" if theme == "JupyterLab Light" else "false"
        self.page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
        self.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'",
                                    timeout=UPDATE_TIMEOUT * 1000)
        self.page.wait_for_timeout(500)  # the theme's style sheet applies

    def figure_alt(self, widget):
        """The `alt` of the widget's first hm-figure image (None when it has none)."""
        figures = widget.locator("img.hm-figure, .hm-figure img")
        return figures.first.get_attribute("alt") if figures.count() else None

    # -- projector checks and latency --------------------------------------------------

    def measure_widgets(self):
        """What the projector checks need, per hm-widget of the open notebook (see _MEASURE_WIDGETS)."""
        return self.page.evaluate(_MEASURE_WIDGETS)

    def time_key(self, widget_index=0, slider_index=0, timeout=UPDATE_TIMEOUT):
        """Press ArrowRight (ArrowLeft at the maximum) on a slider of hm-widget `widget_index` and
        return the milliseconds from the keydown event to the changed hm-readout (None if it did not
        change within `timeout` seconds)."""
        widget = self.hm_widgets().nth(widget_index)
        handle = self.sliders(widget).nth(slider_index)
        handle.scroll_into_view_if_needed()
        key = self.arrow_for(handle)
        handle.focus()
        self.page.evaluate(_ARM_LATENCY, widget_index)
        handle.press(key)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function("() => window.__hmLatency !== null", timeout=timeout * 1000)
        except PlaywrightTimeout:  # the readout never changed
            return None
        latency = self.page.evaluate("() => window.__hmLatency")
        self.wait_for_widgets()
        return latency

    # -- the slideshow -------------------------------------------------------------------

    def start_deck(self):
        """Select the first cell, in command mode, and run the deck's "Start Deck" command."""
        self.page.evaluate("""async () => {
          const panel = window.__hmPanel;
          panel.content.activeCellIndex = 0;
          panel.content.mode = 'command';
          panel.content.node.focus();
          await window.jupyterapp.commands.execute('deck:start');
        }""")
        self.page.wait_for_function("() => document.body.dataset.jpDeckMode === 'presenting'",
                                    timeout=UPDATE_TIMEOUT * 1000)
        self.page.wait_for_timeout(500)
        return self.deck_state()

    def stop_deck(self):
        """Run "Stop Deck" and wait until the lab has left presentation mode."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
        self.page.wait_for_function("() => document.body.dataset.jpDeckMode !== 'presenting'",
                                    timeout=UPDATE_TIMEOUT * 1000)

    def deck_state(self):
        """Presenting or not, the active cell and the cells the deck shows now."""
        return self.page.evaluate(_DECK_STATE)
