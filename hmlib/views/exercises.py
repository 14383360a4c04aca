"""The multiple-choice control of the "Try it" items (issue 21): ``choice("02.3")``.

The question, its options as radio buttons, a Check button and the verdict. The checking is
:func:`hmlib.exercises.evaluate` (hashed answers, so no option is marked right in the source); this
module only lays it out. It works without a browser: building it needs no front end, and
``widget.check()`` gives the verdict from Python (nbval, tests).

DOM contract (for browser tests):

- the outer box, an ``ipywidgets.VBox``, has the class ``hm-exercise``;
- the question is an ``ipywidgets.HTML`` (class ``hm-exercise-question``) above the options;
- the options are an ``ipywidgets.RadioButtons`` (class ``hm-exercise-options``): native
  ``<input type="radio">`` elements, each inside the ``<label>`` that holds its text ("b) ...");
  Tab reaches each radio and Space selects it;
- the Check button is a native ``<button>`` labelled "Check <id>";
- the verdict is a ``<div class="hm-exercise-result" role="status" aria-live="polite">`` drawn by a
  small anywidget. ipywidgets cannot set ``role`` or ``aria-live`` on an ``HTML`` widget, and its
  ``HTML`` view replaces its whole content on every change, so a live region written into its
  value would be a new element each time, which screen readers need not announce. The anywidget
  region stays in the DOM and only its text changes, as the sliders' readout does.

Known limit of ``RadioButtons`` (ipywidgets 8.1): its inputs carry no shared ``name`` and sit in no
``fieldset``, so the arrow keys do not move between options and the group has no accessible name;
the question above it is read just before the options.
"""

import html

import anywidget
import ipywidgets
import traitlets

from hmlib import exercises

# ipywidgets gives each radio label a fixed height of one line and floats the radio (which follows
# the text in the DOM) to the left; options here are sentences, so lay each label out as a row,
# radio first, text wrapping beside it (more specific than ipywidgets' own rules, which it overrides)
_OPTION_STYLE = (
    "<style>"
    ".hm-exercise .widget-radio-box label, .hm-exercise .jupyter-widget-radio-box label "
    "{display: flex; align-items: flex-start; height: auto; line-height: 1.4; white-space: normal; "
    "margin-bottom: 0.5em;}"
    ".hm-exercise .widget-radio-box input, .hm-exercise .jupyter-widget-radio-box input "
    "{order: -1; float: none; flex: none; height: auto; margin: 0.25em 0.6em 0 1px;}"
    "</style>"
)


class _Status(anywidget.AnyWidget):
    """A polite live region that stays in the DOM; Python sets its text through ``html``."""

    _esm = """
    function render({ model, el }) {
      const region = document.createElement("div");
      region.className = "hm-exercise-result";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.style.lineHeight = "1.4";
      region.style.maxWidth = "760px";
      const show = () => { region.innerHTML = model.get("html"); };
      show();
      model.on("change:html", show);
      el.appendChild(region);
    }
    export default { render };
    """
    html = traitlets.Unicode("").tag(sync=True)


class ChoiceWidget(ipywidgets.VBox):
    """Question, options, Check button and verdict of one multiple-choice exercise.

    ``widget.radio.value`` is the chosen letter (None before a choice); ``widget.check()`` checks
    it, shows the verdict and returns the :class:`hmlib.exercises.CheckResult`.
    """

    def __init__(self, exercise_id):
        self.exercise_id = exercise_id
        self.item = exercises.choice_item(exercise_id)  # ValueError for an id that is not multiple choice
        self.question = ipywidgets.HTML(
            f"{_OPTION_STYLE}<p style='line-height: 1.4; max-width: 760px'><strong>Try it {html.escape(exercise_id)}."
            f"</strong> {html.escape(self.item.question)}</p>")
        self.question.add_class("hm-exercise-question")
        labels = [(f"{letter}) {option.text}", letter) for letter, option in zip(self.item.letters, self.item.options)]
        self.radio = ipywidgets.RadioButtons(options=labels, index=None,
                                             layout=ipywidgets.Layout(width="100%", max_width="760px"))
        self.radio.add_class("hm-exercise-options")
        self.check_button = ipywidgets.Button(description=f"Check {exercise_id}",
                                              tooltip="check the option you chose")
        self.result = _Status()
        self.last = None  # the last CheckResult
        self.check_button.on_click(lambda _button: self.check())
        self.radio.observe(self._on_choice, names="value")
        super().__init__(children=[self.question, self.radio, self.check_button, self.result])
        self.add_class("hm-exercise")

    def _on_choice(self, change):
        self.result.html = ""  # a verdict belongs to the option it was given for

    def check(self):
        """Check the chosen option; show and return the verdict (a CheckResult)."""
        if self.radio.value is None:
            self.last = exercises.CheckResult(self.exercise_id, False, "Choose an option first, then press Check.")
        else:
            self.last = exercises.evaluate(self.exercise_id, self.radio.value)
        mark = "✓" if self.last.correct else "✗"
        self.result.html = ""  # the same verdict twice is still a change, so it is announced again
        self.result.html = f"{mark} {html.escape(self.last.message)}"
        return self.last


def choice(exercise_id):
    """The multiple-choice control of the "Try it" item ``exercise_id`` (e.g. ``"02.3"``)."""
    return ChoiceWidget(exercise_id)
