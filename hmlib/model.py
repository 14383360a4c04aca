"""The Helmholtz machine: its parameters, sampling from both networks, saving and loading.

Notation (``../shared/docs/helmholtz-notes.md``, section 1, and notebook 00): layers are
numbered from the data upwards, layer 1 is the data x and layer L the top;
``sizes = (n_1, ..., n_L)``.

- Generative (top-down) parameters: ``theta[l-1]`` is theta^{l+1,l}, shape (n_{l+1}, n_l), for
  l = 1..L-1; ``theta_bias[l-1]`` has shape (n_l,) for l = 1..L (the top layer's bias is its prior).
- Recognition (bottom-up) parameters: ``phi[l-2]`` is phi^{l-1,l}, shape (n_{l-1}, n_l), for
  l = 2..L; ``phi_bias[l-2]`` has shape (n_l,).

Row index = the layer the signal comes from, column index = the unit it goes to, so a layer's
input is always ``states @ weights + bias``.

The public methods check their arguments (layer numbers, list lengths, shapes that match the
layer sizes, binary states where exact log-probabilities need them, equal batch sizes) and raise
``TypeError``/``ValueError`` naming the argument; the underscored ones skip the checks, for the
inner loops of hmlib that have already made them.
"""

import os
import zipfile
from pathlib import Path

import numpy as np

from hmlib._checks import MAX_ARRAY_BYTES, as_array, as_count, as_data, as_real, as_rng, check_bytes, describe
from hmlib.imaging import _log_bernoulli, _on_probability, check_imaging

MAX_ABS_INPUT = 1e100  # largest |input| a unit may receive: keeps every log-probability, sum and square finite
_PARAMETERS = ("theta", "theta_bias", "phi", "phi_bias")


def _as_list_of_arrays(value, name):
    """A list of new float arrays (copies: the machine never shares the caller's arrays)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} is {describe(value)}; expected a list of arrays, one per layer")
    return [as_array(item, f"{name}[{i}]") for i, item in enumerate(value)]


class HelmholtzMachine:
    """A layered Helmholtz machine with binary stochastic units.

    Parameters
    ----------
    theta : list of L-1 arrays, ``theta[l-1]`` of shape (n_{l+1}, n_l)
        Generative weights theta^{l+1,l} (Eq. (10), with the parent index corrected).
    theta_bias : list of L arrays, ``theta_bias[l-1]`` of shape (n_l,)
        Generative biases; the top layer's is its prior.
    phi : list of L-1 arrays, ``phi[l-2]`` of shape (n_{l-1}, n_l)
        Recognition weights phi^{l-1,l} (Eq. (8)).
    phi_bias : list of L-1 arrays, ``phi_bias[l-2]`` of shape (n_l,)
        Recognition biases.
    imaging : ``"sigmoid"`` or ``"odds"``
        How a generative unit combines its parents (``hmlib.imaging``). ``"odds"`` needs every
        generative weight and bias to be >= 0.

    Every entry must be finite, and a unit's largest possible input (|bias| plus the sum of
    |weights| into it) at most ``MAX_ABS_INPUT``, so no log-probability overflows. The arrays
    are copied; the machine never modifies the caller's arrays.
    """

    def __init__(self, theta, theta_bias, phi, phi_bias, imaging="sigmoid"):
        self.imaging = check_imaging(imaging)
        self.theta = _as_list_of_arrays(theta, "theta")
        self.theta_bias = _as_list_of_arrays(theta_bias, "theta_bias")
        self.phi = _as_list_of_arrays(phi, "phi")
        self.phi_bias = _as_list_of_arrays(phi_bias, "phi_bias")
        self._check_shapes()
        if imaging == "odds":
            for name in ("theta", "theta_bias"):
                for i, arr in enumerate(getattr(self, name)):
                    if np.any(arr < 0):
                        raise ValueError(
                            f"{name}[{i}] has the negative value {arr[arr < 0].min()}; the odds imaging "
                            f"model needs generative weights and biases >= 0"
                        )
        self._check_input_range()

    def _check_shapes(self):
        if len(self.theta_bias) < 2:
            raise ValueError(
                f"theta_bias has {len(self.theta_bias)} arrays; a machine needs at least 2 layers "
                f"(one array of biases per layer)"
            )
        sizes = []
        for i, b in enumerate(self.theta_bias):
            if b.ndim != 1 or b.size == 0:
                raise ValueError(f"theta_bias[{i}] has shape {b.shape}; expected a non-empty 1-D array (n_{i + 1},)")
            sizes.append(b.size)
        n_layers = len(sizes)
        for name, arrays, expected in (
            ("theta", self.theta, [(sizes[l + 1], sizes[l]) for l in range(n_layers - 1)]),
            ("phi", self.phi, [(sizes[l], sizes[l + 1]) for l in range(n_layers - 1)]),
            ("phi_bias", self.phi_bias, [(sizes[l + 1],) for l in range(n_layers - 1)]),
        ):
            if len(arrays) != len(expected):
                raise ValueError(
                    f"{name} has {len(arrays)} arrays; a machine with {n_layers} layers "
                    f"(sizes {tuple(sizes)} from theta_bias) needs {len(expected)}"
                )
            for i, (arr, shape) in enumerate(zip(arrays, expected)):
                if arr.shape != shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {arr.shape}; expected {shape} for layer sizes {tuple(sizes)}"
                    )
        self.sizes = tuple(sizes)

    def _check_input_range(self):
        """Refuse parameters with which a unit's input could overflow (so log p would be inf - inf)."""
        L = len(self.sizes)
        bounds = [(f"theta_bias[{L - 1}]", np.abs(self.theta_bias[-1]))]
        with np.errstate(over="ignore"):  # an overflowing sum is inf, which is refused below
            for l in range(L - 1):
                generative = np.abs(self.theta_bias[l]) + np.abs(self.theta[l]).sum(axis=0)  # (n_{l+1},)
                recognition = np.abs(self.phi_bias[l]) + np.abs(self.phi[l]).sum(axis=0)  # (n_{l+2},)
                bounds.append((f"theta[{l}] with theta_bias[{l}]", generative))
                bounds.append((f"phi[{l}] with phi_bias[{l}]", recognition))
        for name, bound in bounds:
            largest = bound.max()
            if not largest <= MAX_ABS_INPUT:
                raise ValueError(
                    f"{name} let a unit's input reach {largest:.3g}; expected at most "
                    f"MAX_ABS_INPUT = {MAX_ABS_INPUT:.0e}, so that log-probabilities stay finite"
                )

    # ------------------------------------------------------------------ construction
    @classmethod
    def random(cls, sizes, imaging="sigmoid", seed=None, scale=1.0):
        """A machine with random parameters, for experiments and tests.

        Sigmoid: every weight and bias ~ Normal(0, scale^2).
        Odds: generative weights and biases ~ Exponential(mean ``scale``), so they are >= 0;
        recognition weights and biases ~ Normal(0, scale^2).

        Parameters
        ----------
        sizes : sequence of ints (n_1, ..., n_L), at least two layers. All the parameters together
            may take at most 1 GiB (``hmlib._checks.MAX_ARRAY_BYTES``); larger machines are refused
            before anything is allocated.
        seed : None, int or np.random.Generator.
        scale : float > 0.
        """
        check_imaging(imaging)
        if isinstance(sizes, (str, bytes, dict, set)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes is {describe(sizes)}; expected a sequence of layer sizes (n_1, ..., n_L)")
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes is {sizes}; expected at least two layers (n_1, n_2, ...)")
        sizes = tuple(as_count(n, f"sizes[{i}]") for i, n in enumerate(sizes))
        scale = as_real(scale, "scale", low=0.0, low_open=True)
        n_parameters = 2 * sum(sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1)) + 2 * sum(sizes) - sizes[0]
        check_bytes((n_parameters,), f"the parameters of a machine of sizes {sizes}")
        rng = as_rng(seed)

        def generative(shape):
            if imaging == "odds":
                return rng.exponential(scale, size=shape)
            return rng.normal(0.0, scale, size=shape)

        theta = [generative((sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
        theta_bias = [generative((n,)) for n in sizes]
        phi = [rng.normal(0.0, scale, size=(sizes[l], sizes[l + 1])) for l in range(len(sizes) - 1)]
        phi_bias = [rng.normal(0.0, scale, size=(n,)) for n in sizes[1:]]
        return cls(theta, theta_bias, phi, phi_bias, imaging=imaging)

    def copy(self):
        """An independent copy of the machine."""
        return HelmholtzMachine(self.theta, self.theta_bias, self.phi, self.phi_bias, imaging=self.imaging)

    @property
    def n_hidden(self):
        """Total number of hidden units, n_2 + ... + n_L."""
        return sum(self.sizes[1:])

    def __repr__(self):
        return f"HelmholtzMachine(sizes={self.sizes}, imaging={self.imaging!r})"

    # ------------------------------------------------------------------ argument checks
    def _layer(self, layer, low, what):
        L = len(self.sizes)
        if not isinstance(layer, (int, np.integer)) or isinstance(layer, bool):
            raise TypeError(f"layer is {describe(layer)}; expected an integer from {low} to {L}")
        if not low <= layer <= L:
            raise ValueError(f"layer is {layer}; {what} layers of this machine are numbered {low} to {L}")
        return int(layer)

    def _states(self, states, binary=True):
        """``states`` checked: a list of L arrays, ``states[l-1]`` of shape (batch, n_l), one batch size."""
        L = len(self.sizes)
        if not isinstance(states, (list, tuple)):
            raise TypeError(f"states is {describe(states)}; expected a list of {L} arrays, one per layer")
        if len(states) != L:
            raise ValueError(f"states has {len(states)} arrays; this machine has {L} layers (sizes {self.sizes})")
        checked = [as_data(s, n, f"states[{i}]", binary=binary) for i, (s, n) in enumerate(zip(states, self.sizes))]
        batches = [len(s) for s in checked]
        if len(set(batches)) > 1:
            raise ValueError(f"states have {batches} rows; expected the same batch size in every layer")
        return checked

    # ------------------------------------------------------------------ conditionals
    def _generative_input(self, layer, parent):
        bias = self.theta_bias[layer - 1]
        if layer == len(self.sizes):
            return bias.copy()
        return parent @ self.theta[layer - 1] + bias

    def generative_input(self, layer, parent):
        """Total input ``b + s^{l+1} @ theta^{l+1,l}`` of generative layer ``layer`` (1-based).

        Parameters
        ----------
        layer : int, 1..L.
        parent : array_like, shape (batch, n_{l+1}), the states (or means, in [0, 1]) of layer
            l+1; must be None for the top layer, whose input is its bias.

        Returns
        -------
        ndarray, shape (batch, n_l), or (n_l,) for the top layer.
        """
        layer = self._layer(layer, 1, "generative")
        if layer == len(self.sizes):
            if parent is not None:
                raise ValueError(
                    f"parent is {describe(parent)}; layer {layer} is the top layer, which has no parents (pass None)"
                )
            return self._generative_input(layer, None)
        parent = as_data(parent, self.sizes[layer], "parent", binary=False)
        return self._generative_input(layer, parent)

    def _recognition_input(self, layer, child):
        return child @ self.phi[layer - 2] + self.phi_bias[layer - 2]

    def recognition_input(self, layer, child):
        """Logits ``c + s^{l-1} @ phi^{l-1,l}`` of recognition layer ``layer`` (2..L), Eq. (8).

        child : array_like, shape (batch, n_{l-1}), states or means in [0, 1]. Returns shape (batch, n_l).
        """
        layer = self._layer(layer, 2, "recognition")
        child = as_data(child, self.sizes[layer - 2], "child", binary=False)
        return self._recognition_input(layer, child)

    def _generative_log_prob(self, states):
        L = len(self.sizes)
        total = _log_bernoulli(states[L - 1], self._generative_input(L, None), self.imaging)
        for layer in range(1, L):
            u = self._generative_input(layer, states[layer])
            total = total + _log_bernoulli(states[layer - 1], u, self.imaging)
        return total

    def generative_log_prob(self, states):
        """log p(s^1, ..., s^L) of full configurations under the generative model, Eq. (10).

        states : list of L binary arrays, ``states[l-1]`` of shape (batch, n_l), one batch size.
        Returns ndarray, shape (batch,); -inf for a configuration the machine cannot generate
        (possible with odds imaging, where an input of 0 means the unit is never on).
        """
        return self._generative_log_prob(self._states(states))

    def _recognition_log_prob(self, states):
        total = 0.0
        for layer in range(2, len(self.sizes) + 1):
            logits = self._recognition_input(layer, states[layer - 2])
            total = total + _log_bernoulli(states[layer - 1], logits, "sigmoid")
        return total

    def recognition_log_prob(self, states):
        """log Q(s^2, ..., s^L | s^1) under the factorial recognition model, Eqs. (7)-(8).

        states : list of L binary arrays, ``states[0]`` the data, ``states[l-1]`` of shape
        (batch, n_l), one batch size. Returns shape (batch,).
        """
        return self._recognition_log_prob(self._states(states))

    # ------------------------------------------------------------------ sampling
    def sample_generative(self, n, seed=None):
        """Ancestral samples from the generative model, top layer first.

        Parameters
        ----------
        n : int, the number of samples; the samples may take at most 1 GiB, which is checked
            before anything is allocated.
        seed : None, int or np.random.Generator.

        Returns
        -------
        list of L float arrays, ``states[l-1]`` of shape (n, n_l); ``states[0]`` are the
        visible patterns x.
        """
        n = as_count(n)
        check_bytes((n, sum(self.sizes)), "the samples (n rows, one column per unit)")
        rng = as_rng(seed)
        L = len(self.sizes)
        states = [None] * L
        top_p = _on_probability(self._generative_input(L, None), self.imaging)
        states[L - 1] = (rng.random((n, self.sizes[-1])) < top_p).astype(float)
        for layer in range(L - 1, 0, -1):
            p = _on_probability(self._generative_input(layer, states[layer]), self.imaging)
            states[layer - 1] = (rng.random(p.shape) < p).astype(float)
        return states

    def _sample_recognition(self, x, rng):
        states = [x]
        for layer in range(2, len(self.sizes) + 1):
            p = _on_probability(self._recognition_input(layer, states[-1]), "sigmoid")
            states.append((rng.random(p.shape) < p).astype(float))
        return states

    def sample_recognition(self, x, seed=None):
        """Samples of the hidden layers from the recognition model Q given data x, Eqs. (7)-(8).

        Parameters
        ----------
        x : array_like, shape (batch, n_1), binary.
        seed : None, int or np.random.Generator.

        Returns
        -------
        list of L float arrays: ``states[0]`` is a copy of x, ``states[l-1]`` has shape (batch, n_l).
        """
        x = as_data(x, self.sizes[0])
        check_bytes((len(x), sum(self.sizes)), "the recognition samples (one row per row of x)")
        return self._sample_recognition(x, as_rng(seed))

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Save the machine to one ``.npz`` file (keys ``theta_0..``, ``theta_bias_0..``,
        ``phi_0..``, ``phi_bias_0..``, ``imaging``), so a trained machine can be shipped."""
        arrays = {"imaging": np.array(self.imaging)}
        for name in _PARAMETERS:
            for i, arr in enumerate(getattr(self, name)):
                arrays[f"{name}_{i}"] = arr
        np.savez(_as_path(path), **arrays)

    @classmethod
    def load(cls, path):
        """Load a machine written by :meth:`save`.

        The file is checked before any array is read: it must be a ``.npz`` (zip) archive of
        ``.npy`` members named as :meth:`save` writes them, each holding real numbers (the
        ``imaging`` entry a short string), whose header declares at most 1 GiB in all
        (``MAX_ARRAY_BYTES``) and whose size inside the archive agrees with its header. So a
        corrupt or truncated file, a plain ``.npy``, object or string arrays, a header claiming a
        huge array and a zip bomb all give a ``ValueError`` naming the path, without allocating.
        A path that does not exist gives ``FileNotFoundError``.
        """
        path = _as_path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist; expected a .npz file written by HelmholtzMachine.save")
        arrays = _read_npz(path, MAX_ARRAY_BYTES)
        if "imaging" not in arrays:
            raise ValueError(f"{path} has no 'imaging' entry; expected a file written by HelmholtzMachine.save")
        imaging = arrays.pop("imaging")
        if imaging.dtype.kind != "U" or imaging.shape != ():
            raise ValueError(f"{path}: the 'imaging' entry is {describe(imaging)}; expected a string")
        lists = {}
        for name in _PARAMETERS:
            items = []
            while f"{name}_{len(items)}" in arrays:
                items.append(arrays.pop(f"{name}_{len(items)}"))
            lists[name] = items
        if arrays:
            raise ValueError(
                f"{path} has the unexpected entries {sorted(arrays)}; expected a file written by HelmholtzMachine.save"
            )
        try:
            return cls(imaging=str(imaging), **lists)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} does not hold a valid machine: {error}") from None


# ---------------------------------------------------------------------- reading .npz files safely
def _as_path(path):
    if isinstance(path, (str, os.PathLike)) and not isinstance(path, bytes):
        return Path(path)
    raise TypeError(f"path is {describe(path)}; expected a str or pathlib.Path")


def _read_header(stream):
    """(shape, fortran_order, dtype) from the header of a ``.npy`` stream (numpy format 1.0 or 2.0)."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f"the .npy format version {version} is not supported (expected 1.0 or 2.0)")


def _read_npz(path, limit):
    """Every ``.npy`` member of the archive ``path`` as {key: array}, checked before it is read.

    Each member's header is read first; the member is refused if its dtype is not real numbers
    (or a short string for ``imaging``), if the arrays declare more than ``limit`` bytes in all,
    or if the member's uncompressed size (ZipInfo.file_size) differs from header + data. Then
    exactly the declared number of bytes is read.
    """
    import zlib

    failures = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError, KeyError)
    with open(path, "rb") as handle:
        start = handle.read(6)
    if start == b"\x93NUMPY":
        raise ValueError(f"{path} is a single .npy array; expected a .npz file written by HelmholtzMachine.save")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a .npz (zip) file; expected a file written by HelmholtzMachine.save")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            declared = 0
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"{path} has the member {info.filename!r}; expected only .npy arrays")
                key = info.filename[: -len(".npy")]
                with archive.open(info) as stream:
                    shape, fortran, dtype = _read_header(stream)
                    text = key == "imaging" and dtype.kind == "U" and shape == () and dtype.itemsize <= 64
                    if dtype.kind not in "biuf" and not text:
                        raise ValueError(f"the member {key!r} has dtype {dtype}; expected real numbers")
                    n_bytes = dtype.itemsize * int(np.prod(shape, dtype=object))
                    declared += n_bytes
                    if declared > limit:
                        raise ValueError(
                            f"the member {key!r} declares an array of shape {shape} ({n_bytes / 2**30:.3g} GiB); "
                            f"hmlib refuses files whose arrays exceed {limit / 2**30:.3g} GiB"
                        )
                    if info.file_size != stream.tell() + n_bytes:
                        raise ValueError(
                            f"the member {key!r} is {info.file_size} bytes uncompressed, but its header "
                            f"declares {stream.tell() + n_bytes}; the file is corrupt"
                        )
                    buffer = stream.read(n_bytes)
                    if len(buffer) != n_bytes or stream.read(1):
                        raise ValueError(f"the member {key!r} does not hold the {n_bytes} bytes its header declares")
                arr = np.frombuffer(buffer, dtype=dtype).reshape(shape, order="F" if fortran else "C")
                arrays[key] = arr.astype(dtype.newbyteorder("=")) if dtype.kind != "U" else arr.copy()
    except failures as error:
        raise ValueError(f"{path} could not be read as a machine file ({error})") from None
    return arrays
