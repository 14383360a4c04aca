"""Every figure of the course carries a text alternative, and shows it wherever it is displayed.

The topic modules' own tests (test_alt_text_00_06.py, test_alt_text_07_11.py) check that each
text states the figure's numbers; here, the one mechanism they all go through: ``CourseFigure``
and ``describe`` in ``hmlib.views._common``, and that every figure the notebooks and the README
show went through it.
"""

import base64
import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from hmlib.views import _common, figures  # noqa: E402
from tests.test_plots import NOTEBOOK_FIGURES  # noqa: E402

PLACEHOLDERS = re.compile(r"^\s*(image|figure|plot|chart|graph|png)?\s*\.?\s*$|^<Figure size", re.IGNORECASE)
IMG_TAG = re.compile(r'^<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"/>$')
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _described(text="A line rising from 1 to 2."):
    fig = _common.new_figure(2.0)
    fig.add_subplot().plot([1, 2])
    return _common.describe(fig, text)


def _bundle(fig):
    """What IPython's display machinery makes of ``fig``: (data, metadata)."""
    return DisplayFormatter().format(fig)


def test_a_described_figure_displays_as_an_img_with_its_alt_a_png_and_the_text():
    text = 'Two curves, "F" & KL < 1: F falls from 3.2 to 1.1 nats'
    data, metadata = _bundle(_described(text))
    assert data["text/plain"] == text
    match = IMG_TAG.match(data["text/html"])
    assert match, data["text/html"][:200]
    assert html.unescape(match.group(2)) == text  # quotes, ampersand and < escaped, nothing lost
    assert base64.b64decode(match.group(1))[:8] == PNG_MAGIC
    assert match.group(1) == data["image/png"]  # the same picture both ways
    assert metadata["image/png"]["alt"] == text


def test_describe_normalises_white_space_and_returns_the_figure():
    fig = _common.new_figure(2.0)
    assert _common.describe(fig, "  KL  falls\n to 0.05 bits. ") is fig
    assert fig.alt == "KL falls to 0.05 bits."


@pytest.mark.parametrize(("fig", "text", "error", "words"), [
    (Figure(), "text", TypeError, "fig is"),
    (None, "text", TypeError, "fig is"),
    ("new", "text", TypeError, "fig is"),
    ("course", 3.5, TypeError, "text is"),
    ("course", None, TypeError, "text is"),
    ("course", " \n ", ValueError, "text is empty"),
    ("course", "x" * (_common.MAX_ALT_CHARACTERS + 1), ValueError, "1001 characters"),
])
def test_describe_refuses_bad_input_by_name(fig, text, error, words):
    fig = _common.new_figure(2.0) if fig == "course" else fig
    with pytest.raises(error, match=words):
        _common.describe(fig, text)


def test_a_figure_without_a_text_alternative_refuses_to_display():
    fig = _common.new_figure(2.0)
    with pytest.raises(ValueError, match="no text alternative"):
        fig._repr_mimebundle_()


@pytest.mark.parametrize("name", sorted(NOTEBOOK_FIGURES))
def test_every_figure_of_the_notebooks_has_a_meaningful_text_alternative(name):
    fig = NOTEBOOK_FIGURES[name]()
    assert isinstance(fig, _common.CourseFigure), f"{name}: made without new_figure"
    _check_alt(fig.alt, name)


@pytest.mark.parametrize("name", sorted(figures.all_figures()))
def test_every_figure_of_the_readme_has_a_meaningful_text_alternative(name):
    fig = figures.all_figures()[name]()
    _check_alt(fig.alt, name)
    data, _ = _bundle(fig)
    assert IMG_TAG.match(data["text/html"])


def _check_alt(alt, name):
    assert alt, f"{name}: no text alternative"
    assert not PLACEHOLDERS.search(alt), f"{name}: placeholder text alternative {alt!r}"
    assert len(alt.split()) >= 8, f"{name}: too short to say what the figure shows: {alt!r}"
    assert re.search(r"\d", alt), f"{name}: states no number: {alt!r}"
    assert len(alt) <= _common.MAX_ALT_CHARACTERS


def test_every_image_of_the_readme_has_a_meaningful_text_alternative():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[([^\]]*)\]\(([^)]+\.png)\)", readme)
    assert len(images) >= 5
    for alt, path in images:
        _check_alt(alt, path)
