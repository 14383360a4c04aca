"""Input checks shared by the public functions of hmlib.

Every public function normalises its inputs here, once, at its boundary. A bad input raises

- ``TypeError`` when the argument is of the wrong kind (a string where numbers are expected, a
  dict where a settings object is expected, something that is not a HelmholtzMachine);
- ``ValueError`` when it is of the right kind but its value, shape or size is wrong.

Either way the message names the argument, shows its value (or shape) and says what was expected,
so a student never has to decode a bare numpy message. Arrays whose size an argument controls are
checked with :func:`check_bytes` *before* they are allocated, so a typo such as ``n=10**10`` gives a
``ValueError`` instead of a ``MemoryError`` or a frozen laptop.
"""

import math
import numbers

import numpy as np

MAX_ARRAY_BYTES = 2**30  # 1 GiB: the largest array any argument may make hmlib allocate


# ---------------------------------------------------------------------- formatting
def describe(value, limit=60):
    """A short, readable description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


# ---------------------------------------------------------------------- scalars
def as_rng(seed, name="seed"):
    """Return a ``np.random.Generator`` from ``seed`` (None, a non-negative int or a Generator)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{name} is {seed}; expected a non-negative integer, None or a np.random.Generator")
        return np.random.default_rng(int(seed))
    raise TypeError(f"{name} is {describe(seed)}; expected None, a non-negative integer or a np.random.Generator")


def as_int(n, name, low=None, high=None):
    """Return ``n`` as an int in [low, high] (either bound may be None), or raise.

    ``TypeError`` if ``n`` is not an integer (floats such as 3.0, bools and strings are refused);
    ``ValueError`` if it is out of range.
    """
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"{name} is {describe(n)}; expected an integer")
    n = int(n)
    if (low is not None and n < low) or (high is not None and n > high):
        if high is None:
            expected = f"an integer >= {low}"
        elif low is None:
            expected = f"an integer <= {high}"
        else:
            expected = f"an integer from {low} to {high}"
        raise ValueError(f"{name} is {n}; expected {expected}")
    return n


def as_count(n, name="n", maximum=None):
    """Return ``n`` as a positive int (at most ``maximum`` if given), or raise."""
    return as_int(n, name, low=1, high=maximum)


def as_index(i, name, size):
    """Return ``i`` as an int index into a sequence of length ``size`` (0..size-1), or raise."""
    return as_int(i, name, low=0, high=size - 1)


def as_real(value, name, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite float within the given bounds, or raise.

    ``low_open``/``high_open`` make a bound strict (``low_open=True`` with ``low=0`` means > 0).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} is {describe(value)}; expected a real number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} is {value}; expected a finite number")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high}")
        raise ValueError(f"{name} is {value}; expected a number {' and '.join(parts)}")
    return value


def as_probability(p, name):
    """Return ``p`` as a float in [0, 1], or raise."""
    return as_real(p, name, low=0.0, high=1.0)


def as_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices`` (compared with ==), or raise ``ValueError``."""
    if not isinstance(value, str) and any(isinstance(c, str) for c in choices):
        raise TypeError(f"{name} is {describe(value)}; expected one of {tuple(choices)}")
    if value not in choices:
        raise ValueError(f"{name} is {describe(value)}; expected one of {tuple(choices)}")
    return value


def as_instance(value, cls, name):
    """Return ``value`` if it is an instance of ``cls``, else raise ``TypeError``."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} is a {type(value).__name__}; expected a {cls.__name__}")
    return value


def as_machine(hm, name="hm"):
    """Return ``hm`` if it is a :class:`hmlib.model.HelmholtzMachine`, else raise ``TypeError``."""
    from hmlib.model import HelmholtzMachine  # model imports this module

    return as_instance(hm, HelmholtzMachine, name)


# ---------------------------------------------------------------------- sizes
def check_bytes(shape, what, itemsize=8, limit=MAX_ARRAY_BYTES):
    """Refuse, before allocating, an array of ``shape`` larger than ``limit`` bytes.

    ``shape`` is a tuple of ints (Python ints, so the product cannot overflow); ``what`` names the
    array and the argument that sets its size, e.g. ``"the samples (n rows)"``.
    """
    n_bytes = itemsize * math.prod(int(s) for s in shape)
    if n_bytes > limit:
        raise ValueError(
            f"{what} would be an array of shape {tuple(int(s) for s in shape)}, {n_bytes / 2**30:.3g} GiB; "
            f"hmlib refuses arrays over {limit / 2**30:.3g} GiB (ask for fewer)"
        )


# ---------------------------------------------------------------------- arrays
def as_array(x, name, ndim=None):
    """Return ``x`` as a new float array (the caller's array is never touched), or raise.

    ``TypeError`` for anything that is not real numbers (strings, digit strings, complex numbers,
    objects, None); ``ValueError`` for ragged input, the wrong number of dimensions or non-finite
    values.
    """
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{name} is {describe(x)}; expected an array of real numbers")
    try:
        raw = np.asarray(x)
    except ValueError as error:  # ragged nested sequences
        raise ValueError(f"{name} could not be read as an array ({error}); expected a rectangular array") from None
    if raw.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} has dtype {raw.dtype} (e.g. {describe(raw.ravel()[:1].tolist()[0]) if raw.size else 'empty'}); "
            f"expected real numbers (bool, int or float)"
        )
    arr = np.array(raw, dtype=float)  # a copy
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} has shape {arr.shape}; expected a {ndim}-D array")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)][0]
        raise ValueError(f"{name} contains the non-finite value {bad}; expected finite values")
    return arr


def as_data(x, width, name="x", binary=True):
    """Return ``x`` as a new float array of shape (batch, width), checked.

    Parameters
    ----------
    x : array_like, shape (batch, width)
    width : int, the number of columns expected (the size of the layer).
    binary : bool, whether every entry must be 0 or 1 (exact quantities) or may be
        any probability in [0, 1] (mean-field quantities).
    """
    arr = as_array(x, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} has shape {arr.shape}; expected a 2-D array of shape (batch, {width}) "
            f"(use x[None, :] for a single pattern)"
        )
    if arr.shape[1] != width:
        raise ValueError(f"{name} has {arr.shape[1]} columns; the machine's layer has {width} units")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows; expected at least one pattern")
    if binary:
        if not np.all((arr == 0) | (arr == 1)):
            bad = arr[(arr != 0) & (arr != 1)][0]
            raise ValueError(f"{name} contains the value {bad}; expected binary states (0 or 1)")
    elif np.any((arr < 0) | (arr > 1)):
        bad = arr[(arr < 0) | (arr > 1)][0]
        raise ValueError(f"{name} contains the value {bad}; expected probabilities in [0, 1]")
    return arr


def as_distribution(p, name="probs", tolerance=1e-9):
    """Return ``p`` as a 1-D float array of probabilities >= 0 summing to 1 (within ``tolerance``)."""
    p = as_array(p, name, ndim=1)
    if p.size == 0:
        raise ValueError(f"{name} is empty; expected at least one probability")
    if np.any(p < 0):
        raise ValueError(f"{name} contains the negative value {p[p < 0][0]}; expected probabilities >= 0")
    if abs(p.sum() - 1.0) > tolerance:
        raise ValueError(f"{name} sums to {float(p.sum())!r}; expected probabilities that sum to 1")
    return p


def as_sizes(sizes, name="sizes", min_layers=2):
    """Return layer sizes ``(n_1, ..., n_L)`` as a tuple of positive ints, at least ``min_layers`` of them.

    ``TypeError`` if ``sizes`` is not a sequence (an int, a string, a dict) or holds a non-integer;
    ``ValueError`` if it has too few layers or a size below 1.
    """
    if isinstance(sizes, (str, bytes, dict, set)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"{name} is {describe(sizes)}; expected a sequence of layer sizes (n_1, ..., n_L)")
    sizes = tuple(sizes)
    if len(sizes) < min_layers:
        raise ValueError(f"{name} is {sizes}; expected at least {min_layers} layers (n_1, n_2, ...)")
    return tuple(as_count(n, f"{name}[{i}]") for i, n in enumerate(sizes))
