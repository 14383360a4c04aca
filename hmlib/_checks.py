"""Input checks shared by the public functions of hmlib.

Every public function normalises its inputs here, once, and raises a
``ValueError`` that names the offending value and what was expected.
"""

import numbers

import numpy as np


def as_rng(seed):
    """Return a ``np.random.Generator`` from ``seed`` (None, an int or a Generator)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed is {seed}; expected a non-negative integer, None or a np.random.Generator")
        return np.random.default_rng(int(seed))
    raise ValueError(f"seed is {seed!r}; expected None, a non-negative integer or a np.random.Generator")


def as_data(x, width, name="x", binary=True):
    """Return ``x`` as a new float array of shape (batch, width), checked.

    Parameters
    ----------
    x : array_like, shape (batch, width)
    width : int, the number of columns expected (the size of the layer).
    binary : bool, whether every entry must be 0 or 1 (exact quantities) or may be
        any probability in [0, 1] (mean-field quantities).
    """
    arr = np.array(x, dtype=float)  # a copy: the caller's array is never touched
    if arr.ndim != 2:
        raise ValueError(
            f"{name} has shape {arr.shape}; expected a 2-D array of shape (batch, {width}) "
            f"(use x[None, :] for a single pattern)"
        )
    if arr.shape[1] != width:
        raise ValueError(f"{name} has {arr.shape[1]} columns; the machine's layer has {width} units")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows; expected at least one pattern")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)][0]
        raise ValueError(f"{name} contains the non-finite value {bad}; expected finite values")
    if binary:
        if not np.all((arr == 0) | (arr == 1)):
            bad = arr[(arr != 0) & (arr != 1)][0]
            raise ValueError(f"{name} contains the value {bad}; expected binary states (0 or 1)")
    elif np.any((arr < 0) | (arr > 1)):
        bad = arr[(arr < 0) | (arr > 1)][0]
        raise ValueError(f"{name} contains the value {bad}; expected probabilities in [0, 1]")
    return arr


def as_count(n, name="n"):
    """Return ``n`` as a positive int, or raise ``ValueError``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} is {n!r}; expected a positive integer")
    return int(n)
