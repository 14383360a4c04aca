"""What every view shares: figure size and style, colours, PNG conversion, and the argument checks
that only views need. Private to ``hmlib.views``; the topic modules import from here.

Sizes. A notebook column is about ``COLUMN_PIXELS`` wide on a 1280x800 screen (JupyterLab,
one notebook open). A figure is ``FIGURE_WIDTH`` inches at ``DPI`` dots per inch, 960 pixels, so it
fills more than 80% of the column on a projector and is never scaled down by the browser. No
text is smaller than ``SMALL_FONT_SIZE`` points.

Colours. The palette of Okabe & Ito (2008), "Color Universal Design", which stays distinguishable
for the common kinds of colour-blindness and survives a washed-out projector; maps are viridis
(sequential) or ColorBrewer's RdBu centred on zero (diverging, for weights).
"""

import base64
import functools
import html
import sys
from collections.abc import Mapping
from io import BytesIO

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator, NullFormatter
from PIL import Image

from hmlib._checks import as_array, as_instance, as_real
from hmlib._checks import describe as describe_value

# ---------------------------------------------------------------------------- colours
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"  # Okabe-Ito's bluish green
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"  # Okabe-Ito's reddish purple
CYCLE = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY_BLUE, BLACK)  # lines without a role of their own

RECOGNITION_COLOUR = BLUE  # bottom-up, phi
GENERATIVE_COLOUR = VERMILLION  # top-down, theta
NEG_F_COLOUR = GREEN  # -F
KL_COLOUR = ORANGE  # KL(Q||P), also hatched so that it never depends on colour alone
KL_HATCH = "///"
LOG_Z_COLOUR = BLACK
EQ11_COLOUR = VERMILLION  # the imaging rules of notebooks 06 and 07
EXACT_COLOUR = BLACK
NAIVE_COLOUR = BLUE
SIGMOID_COLOUR = GREEN
SEQUENTIAL_MAP = "viridis"
DIVERGING_MAP = "RdBu_r"  # ColorBrewer RdBu (colour-blind safe), red for positive

# ---------------------------------------------------------------------------- size and style
COLUMN_PIXELS = 1150  # width of a notebook column in JupyterLab at a 1280x800 viewport
MIN_FILL = 0.8  # every figure is at least this fraction of the column wide
DPI = 100.0
FIGURE_WIDTH = 9.6  # inches: 960 pixels at DPI, 83% of the column
FONT_SIZE = 12.0  # points: axis labels and text
SMALL_FONT_SIZE = 11.0  # points: tick labels, legends, annotations; the smallest text a view draws
TITLE_SIZE = 13.0
STYLE = {
    "font.size": FONT_SIZE,
    "axes.titlesize": TITLE_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL_FONT_SIZE,
    "ytick.labelsize": SMALL_FONT_SIZE,
    "legend.fontsize": SMALL_FONT_SIZE,
    "legend.title_fontsize": SMALL_FONT_SIZE,
    "figure.titlesize": TITLE_SIZE,
    "axes.prop_cycle": cycler(color=CYCLE),
    "image.cmap": SEQUENTIAL_MAP,
}


class CourseFigure(Figure):
    """A matplotlib Figure that carries its text alternative, ``alt``, and shows it wherever the
    notebook is read.

    JupyterLab's image renderer sets no ``alt`` (it ignores the output's metadata), so a figure
    displays as an HTML ``<img>`` with its ``alt`` (``text/html``, which JupyterLab, JupyterLite
    and nbconvert's HTML prefer to ``image/png``), as a PNG whose metadata carries the same ``alt``
    (for front ends that read it), and as the text itself (``text/plain``: a terminal, a screen
    reader reading plain outputs, and nbval, which compares it).

    Every view sets ``alt`` with ``describe(fig, text)`` before returning the figure; displaying a
    figure without one is an error, never a silent image without a text alternative.
    """

    alt = ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.alt:
            raise ValueError("this figure has no text alternative; expected describe(fig, text) "
                             "in the view that made it")
        buffer = BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")  # as IPython's inline backend does
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        tag = f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(self.alt, quote=True)}"/>'
        data = {"text/plain": self.alt, "image/png": encoded, "text/html": tag}
        return data, {"image/png": {"alt": self.alt}}


MAX_ALT_CHARACTERS = 1000  # past this a screen reader's user cannot skim it: say more in the notebook's text


def describe(fig, text):
    """Give ``fig`` (a CourseFigure) its text alternative ``text``: what the figure shows and its
    key numbers, in at most MAX_ALT_CHARACTERS characters; return ``fig``."""
    as_instance(fig, CourseFigure, "fig")
    text = " ".join(as_text(text, "text").split())
    if not text:
        raise ValueError("text is empty; expected a sentence saying what the figure shows")
    if len(text) > MAX_ALT_CHARACTERS:
        raise ValueError(f"text has {len(text)} characters; expected at most {MAX_ALT_CHARACTERS} "
                         "(put the longer description in the notebook's text)")
    fig.alt = text
    return fig


def new_figure(height, width=FIGURE_WIDTH, layout="constrained"):
    """A CourseFigure of ``width`` x ``height`` inches at DPI, made without pyplot (nothing is left
    open in a global figure list); ``layout`` None for views that place their axes themselves."""
    return CourseFigure(figsize=(width, height), dpi=DPI, layout=layout)


def style():
    """Context in which new figures and artists take STYLE (fonts, colour cycle, colour map)."""
    return matplotlib.rc_context(STYLE)


def styled(build):
    """Decorator: ``build`` makes its figure under STYLE, and every axes of the figure draws its
    tick labels at SMALL_FONT_SIZE (ticks are made lazily, at draw time, after the style has been
    left)."""

    @functools.wraps(build)
    def build_styled(*args, **kwargs):
        with style():
            fig = build(*args, **kwargs)
        set_tick_size(fig)
        return fig

    return build_styled


def set_tick_size(fig, size=SMALL_FONT_SIZE):
    """Tick labels of every axes of ``fig`` at ``size`` points, also those made later."""
    for ax in fig.axes:
        ax.tick_params(labelsize=size)


def plain_log_ticks(axis, counts=False):
    """Label a logarithmic ``axis`` at 1, 2 and 5 times the powers of ten, written as plain
    numbers (0.05, 0.1, 0.2), instead of matplotlib's labelled minor ticks such as 3x10^-1;
    ``counts``: write large counts as 5k, 20k, 1M."""
    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(EngFormatter(sep="") if counts else FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def minus(text):
    """``text`` with typographic minus signs (U+2212) for the hyphens of negative numbers."""
    return text.replace("-", "\u2212")


def png_bytes(fig, dpi=None):
    """PNG bytes of ``fig`` at ``dpi`` (default: the figure's own); the figure stays open.

    zlib level 1: a widget sends a new PNG on every change, and the fastest compression costs a
    few milliseconds where the default costs tens, for a file at most twice as large.
    """
    dpi = _check_dpi(fig, fig.dpi if dpi is None else dpi)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


class Repainter:
    """PNG bytes of a figure whose changing artists are repainted over a cached picture of the
    rest (matplotlib's "blitting"), for the widgets' views.

    A full draw lays out every tick label, title and legend entry again, which costs most of a
    widget's time. The first ``png()`` draws the figure without ``artists`` and keeps the pixels;
    every ``png()`` copies them back and draws only ``artists`` (in z-order) on top. An artist
    may be a whole ``Axis`` (ticks and tick labels), for an axis whose limits change. Every artist
    that changes must be listed, and none of them may lie under an unlisted one.
    """

    def __init__(self, fig, artists):
        self.fig = fig
        self.artists = sorted(artists, key=lambda artist: artist.get_zorder())
        self.canvas = FigureCanvasAgg(fig)
        self._background = None

    def invalidate(self):
        """Forget the cached picture: the next ``png()`` draws everything (after a change to an
        artist that is not listed, such as the limits of an axis drawn in the cached picture)."""
        self._background = None

    def _draw_background(self):
        shown = [artist.get_visible() for artist in self.artists]
        for artist in self.artists:
            artist.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        for artist, visible in zip(self.artists, shown):
            artist.set_visible(visible)

    def png(self):
        """PNG bytes (RGB: the figure is opaque) of the figure at its own dpi."""
        if self._background is None:
            self._draw_background()
        self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.artists:
            artist.draw(renderer)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)  # see png_bytes
        return buffer.getvalue()


def figure_to_png(fig, dpi=None):
    """PNG bytes of ``fig`` at ``dpi`` dots per inch (default: the figure's own); the figure is
    closed afterwards.

    ``dpi`` : None, or at least ``MIN_DPI`` and small enough for at most ``MAX_PIXELS`` pixels a side.
    """
    as_instance(fig, Figure, "fig")
    data = png_bytes(fig, dpi)
    close(fig)
    return data


def close(fig):
    """Release a figure: close it in pyplot if pyplot knows it, and drop its artists."""
    pyplot = sys.modules.get("matplotlib.pyplot")  # only if somebody already imported pyplot
    if pyplot is not None and pyplot.fignum_exists(getattr(fig, "number", -1)):
        pyplot.close(fig)
    fig.clear()


# ---------------------------------------------------------------------------- text alternatives
# How the topic modules write the numbers and lists of a text alternative (``describe``), so that
# every figure reads alike: a typographic minus (U+2212), never "−0" or "−0.00", and a number
# either to significant digits (``significant``, or ``numpy_significant`` in notebooks 07 to 11:
# values whose size varies, such as a KL or a small probability) or to fixed decimals
# (``fixed_decimals``: values the notebook prints with fixed decimals). nbval compares the texts on
# every CPU, so a caller asks for no more digits than survive round-off.
POSITIONAL_EXPONENTS = range(-4, 6)  # magnitudes from 10^-4 up to 10^6 are written positionally


def significant(value, digits=2, sign=False):
    """``value`` rounded to ``digits`` significant digits, trailing zeros kept ("0.0020", "0.50",
    "120", "−3.4"), positionally when the rounded value's power of ten is in POSITIONAL_EXPONENTS
    (0.0000996 to two digits is "0.00010"), else as "8.2 × 10^−6"; 0 is "0". ``sign`` puts a plus
    before a positive value ("+0.071")."""
    value = float(value)
    if value == 0:
        return "0"
    _, exponent = f"{value:.{digits - 1}e}".split("e")  # of the rounded value: 0.0996 is 1.0e-01
    exponent = int(exponent)
    if exponent in POSITIONAL_EXPONENTS:
        text = minus(f"{round(value, digits - 1 - exponent):.{max(digits - 1 - exponent, 0)}f}")
    else:
        text = _scientific(value, digits)
    return f"+{text}" if sign and value > 0 else text


def numpy_significant(value, digits=2):
    """``value`` to ``digits`` significant digits as ``numpy.format_float_positional(value, digits,
    unique=False, fractional=False)`` writes it, from 10^−4 up to 10^6 of the unrounded value (else
    as "8.2 × 10^−6"), with a typographic minus and never "−0".

    Unlike ``significant``, it keeps trailing zeros only up to ``digits`` − 1 decimals and drops
    those where the binary value ends or rounding carries: to two digits 0.5 is "0.5" and 0.898 is
    "0.9", but 0.1 is "0.10", 1 is "1.0" and 0 is "0.0". The figures of notebooks 07 to 11 (shifter,
    wakesleep, digits, rws) write their texts so; with ``significant`` their texts would change.
    """
    if value != 0 and not 1e-4 <= abs(value) < 1e6:  # the value as given: a float32 compares as float32
        return _scientific(value, digits)
    text = np.format_float_positional(value, digits, unique=False, fractional=False, trim="k").rstrip(".")
    return minus(text.lstrip("-") if float(text) == 0 else text)


def _scientific(value, digits):
    """ "8.2 × 10^−6", "−1.00 × 10^7": ``value`` to ``digits`` significant digits times a power of ten."""
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return minus(f"{mantissa} \u00d7 10^{int(exponent)}")


def fixed_decimals(value, decimals, sign=False, scientific=True):
    """``value`` with ``decimals`` decimals ("−9.826", "0.50"; "+2.7" with ``sign``), never "−0.00"
    (a computed probability may be −1e−17). ``scientific``: from 10^6 on, three significant digits
    ("1.23 × 10^6", without a plus) instead of a long string of digits; False for a text that
    repeats a figure's labels digit for digit."""
    if scientific and abs(value) >= 10.0**POSITIONAL_EXPONENTS.stop:
        return _scientific(value, 3)
    text = f"{value:{'+' if sign else ''}.{decimals}f}"
    return minus(f"{0:.{decimals}f}" if float(text) == 0 else text)


def short_number(value, digits=3):
    """``value`` to at most ``digits`` significant digits without trailing zeros ("16", "12.4",
    "0.005", "1"), always positional, with a typographic minus and never "−0": grid values and
    settings, which read best as written."""
    text = np.format_float_positional(value, precision=digits, fractional=False, trim="-")
    return "0" if float(text) == 0 else minus(text)


def count_text(value, digits=3, numpy_style=False):
    """A count with its thousands separated ("68,719,476,736"), every digit of a whole number
    below 10^15; else (not whole, or larger) ``significant(value, digits)``, or with
    ``numpy_style`` ``numpy_significant(value, digits)``."""
    if value == round(value) and abs(value) < 1e15:
        return minus(f"{int(value):,}")
    return (numpy_significant if numpy_style else significant)(value, digits)


def plural(n, noun):
    """ "1 unit", "3 units": ``n`` and ``noun``, with an "s" unless ``n`` is 1."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def listing(items):
    """ "a", "a and b", "a, b and c": the items (written with ``str``) as a sentence lists them."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def value_range(values, form):
    """ "a to b": the smallest and largest of ``values``, each written by ``form`` (such as
    ``significant``); one value if both read alike."""
    low, high = form(np.min(values)), form(np.max(values))
    return low if low == high else f"{low} to {high}"


def change_text(values, form):
    """ "rises from −7.27 to −3.42", "falls from ... to ...", or "stays at ..." if both read alike:
    the first of ``values`` against the last, each written by ``form``."""
    first, last = form(values[0]), form(values[-1])
    if first == last:
        return f"stays at {first}"
    return f"{'rises' if values[-1] > values[0] else 'falls'} from {first} to {last}"


def sizes_text(sizes):
    """Layer sizes as the notebooks write them, joined by en dashes: "4–3–2"."""
    return "\u2013".join(str(n) for n in sizes)


# ---------------------------------------------------------------------------- argument checks
MAX_FIGURE_INCHES = 40.0  # the widest or tallest figure a view draws: a wall poster, not a typo
MAX_PIXELS = 2**14  # the most pixels a PNG may have on a side (a 2^14 x 2^14 RGBA image is 1 GiB)
MIN_DPI = 20.0  # below about 6 dots per inch FreeType cannot draw the labels at all
ROUNDOFF = 1e-9  # a computed KL may come out this far below 0, a computed probability this far outside [0, 1]
MAX_PLOTTED = 1e100  # largest |value| drawn: nothing in the course comes near; axes overflow near 1e300
MAX_PATTERNS_SHOWN = 256  # bars, grid cells or tick labels one figure draws, one per pattern
MAX_PATTERN_UNITS = 64  # units of a pattern written out as a tick label such as "1011"


def as_inches(value, name):
    """A figure width or height in inches, > 0 and at most MAX_FIGURE_INCHES."""
    return as_real(value, name, low=0.0, low_open=True, high=MAX_FIGURE_INCHES)


def check_figure_size(width, height, cause):
    """Refuse a figure whose size the data set (``cause`` names the arguments) beyond MAX_FIGURE_INCHES."""
    if max(width, height) > MAX_FIGURE_INCHES:
        raise ValueError(
            f"{cause} would make a figure of {width:.3g} x {height:.3g} inches; expected at most "
            f"{MAX_FIGURE_INCHES:g} inches a side (draw fewer at a time)"
        )


def _check_dpi(fig, dpi):
    """``dpi`` as a float >= MIN_DPI with which ``fig`` fits in MAX_PIXELS a side."""
    dpi = as_real(dpi, "dpi", low=MIN_DPI)
    width, height = (float(size) for size in fig.get_size_inches())
    if max(width, height) * dpi > MAX_PIXELS:
        raise ValueError(
            f"dpi is {dpi:g}; the {width:.3g} x {height:.3g}-inch figure would be "
            f"{width * dpi:.0f} x {height * dpi:.0f} pixels; expected at most {MAX_PIXELS} pixels a side"
        )
    return dpi


def as_text(value, name):
    """A title or label: a ``str``, else ``TypeError``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} is {describe_value(value)}; expected a string")
    return value


def as_value(value, name, low=-MAX_PLOTTED, high=MAX_PLOTTED, low_open=False):
    """A finite float to draw, within [low, high] (by default at most MAX_PLOTTED in magnitude)."""
    return as_real(value, name, low=low, high=high, low_open=low_open)


def as_vector(values, name, low=None, high=None):
    """A new 1-D float array, not empty, with every entry within [low, high] (either may be None)
    and at most MAX_PLOTTED in magnitude."""
    arr = as_array(values, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected at least one value")
    check_range(arr, name, -MAX_PLOTTED if low is None else low, MAX_PLOTTED if high is None else high)
    return arr


def as_probabilities(values, name):
    """A new 1-D float array of probabilities: in [0, 1] up to ROUNDOFF (sums of products may reach 1 + 1e-16)."""
    return as_vector(values, name, low=-ROUNDOFF, high=1.0 + ROUNDOFF)


def check_range(arr, name, low=None, high=None):
    """Refuse an entry of ``arr`` below ``low`` or above ``high`` (either may be None)."""
    bad = np.zeros(arr.shape, dtype=bool)
    if low is not None:
        bad |= arr < low
    if high is not None:
        bad |= arr > high
    if np.any(bad):
        limits = " and ".join(t for t in (low is not None and f">= {low:g}", high is not None and f"<= {high:g}") if t)
        raise ValueError(f"{name} contains the value {arr[bad][0]:g}; expected values {limits}")


def check_same_length(arrays, names):
    """Check that 1-D arrays have equal lengths; the first one sets the length."""
    for arr, name in zip(arrays[1:], names[1:]):
        if arr.size != arrays[0].size:
            raise ValueError(f"{name} has {arr.size} entries and {names[0]} {arrays[0].size}; expected equal lengths")


def as_array_or_inf(values, name, ndim):
    """``as_array``, except that +inf is allowed (a KL is +inf where one distribution puts mass the
    other lacks); NaN and -inf are still refused."""
    if values is None or isinstance(values, (str, bytes, dict, set)):
        return as_array(values, name, ndim)  # raises the TypeError
    try:
        raw = np.asarray(values)
    except ValueError:
        return as_array(values, name, ndim)  # raises the ValueError of a ragged array
    if raw.dtype.kind != "f":
        return as_array(raw, name, ndim)
    infinite = np.isposinf(raw)
    arr = as_array(np.where(infinite, 0.0, raw), name, ndim)  # refuses NaN, -inf, the wrong ndim
    check_range(arr, name, -MAX_PLOTTED, MAX_PLOTTED)
    arr[infinite] = np.inf
    return arr


def as_mapping(value, name, keys):
    """A mapping (dict) that has every key in ``keys``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} is {describe_value(value)}; expected a dict with the keys {tuple(keys)}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise ValueError(f"{name} has no key {missing[0]!r}; expected a dict with the keys {tuple(keys)}")
    return value


def as_list(value, name):
    """A non-empty list or tuple (of runs, curves...)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} is {describe_value(value)}; expected a list")
    if not value:
        raise ValueError(f"{name} is empty; expected at least one entry")
    return value


def as_point(point, name, low=None, high=None):
    """A point (x, y) of two finite floats within [low, high]."""
    point = as_array(point, name, ndim=1)
    if point.shape != (2,):
        raise ValueError(f"{name} has shape {point.shape}; expected a point (x, y)")
    check_range(point, name, low, high)
    return float(point[0]), float(point[1])
