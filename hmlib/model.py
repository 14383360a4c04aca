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
"""

from pathlib import Path

import numpy as np

from hmlib._checks import as_count, as_data, as_rng
from hmlib.imaging import check_imaging, log_bernoulli, on_probability


def _as_list_of_arrays(value, name):
    if isinstance(value, np.ndarray) or not hasattr(value, "__len__"):
        raise ValueError(f"{name} is a {type(value).__name__}; expected a list of arrays")
    arrays = []
    for i, item in enumerate(value):
        arr = np.array(item, dtype=float)  # a copy: the machine never shares the caller's arrays
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}[{i}] contains a non-finite value; expected finite numbers")
        arrays.append(arr)
    return arrays


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

    The arrays are copied; the machine never modifies the caller's arrays.
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

    # ------------------------------------------------------------------ construction
    @classmethod
    def random(cls, sizes, imaging="sigmoid", seed=None, scale=1.0):
        """A machine with random parameters, for experiments and tests.

        Sigmoid: every weight and bias ~ Normal(0, scale^2).
        Odds: generative weights and biases ~ Exponential(mean ``scale``), so they are >= 0;
        recognition weights and biases ~ Normal(0, scale^2).

        Parameters
        ----------
        sizes : sequence of ints (n_1, ..., n_L), at least two layers.
        seed : None, int or np.random.Generator.
        scale : float > 0.
        """
        check_imaging(imaging)
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes is {sizes}; expected at least two layers (n_1, n_2, ...)")
        for n in sizes:
            as_count(n, "every layer size")
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale is {scale}; expected a positive finite number")
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

    # ------------------------------------------------------------------ conditionals
    def generative_input(self, layer, parent):
        """Total input ``b + s^{l+1} @ theta^{l+1,l}`` of generative layer ``layer`` (1-based).

        Parameters
        ----------
        layer : int, 1..L.
        parent : ndarray, shape (batch, n_{l+1}), the states (or means) of layer l+1;
            ignored (may be None) for the top layer, whose input is its bias.

        Returns
        -------
        ndarray, shape (batch, n_l), or (n_l,) for the top layer.
        """
        bias = self.theta_bias[layer - 1]
        if layer == len(self.sizes):
            return bias.copy()
        return parent @ self.theta[layer - 1] + bias

    def recognition_input(self, layer, child):
        """Logits ``c + s^{l-1} @ phi^{l-1,l}`` of recognition layer ``layer`` (2..L), Eq. (8).

        child : ndarray, shape (batch, n_{l-1}). Returns shape (batch, n_l).
        """
        return child @ self.phi[layer - 2] + self.phi_bias[layer - 2]

    def generative_log_prob(self, states):
        """log p(s^1, ..., s^L) of full configurations under the generative model, Eq. (10).

        states : list of L binary arrays, ``states[l-1]`` of shape (batch, n_l).
        Returns ndarray, shape (batch,).
        """
        L = len(self.sizes)
        total = log_bernoulli(states[L - 1], self.generative_input(L, None), self.imaging)
        for layer in range(1, L):
            u = self.generative_input(layer, states[layer])
            total = total + log_bernoulli(states[layer - 1], u, self.imaging)
        return total

    def recognition_log_prob(self, states):
        """log Q(s^2, ..., s^L | s^1) under the factorial recognition model, Eqs. (7)-(8).

        states : list of L binary arrays, ``states[0]`` the data. Returns shape (batch,).
        """
        total = 0.0
        for layer in range(2, len(self.sizes) + 1):
            logits = self.recognition_input(layer, states[layer - 2])
            total = total + log_bernoulli(states[layer - 1], logits, "sigmoid")
        return total

    # ------------------------------------------------------------------ sampling
    def sample_generative(self, n, seed=None):
        """Ancestral samples from the generative model, top layer first.

        Parameters
        ----------
        n : int, the number of samples.
        seed : None, int or np.random.Generator.

        Returns
        -------
        list of L float arrays, ``states[l-1]`` of shape (n, n_l); ``states[0]`` are the
        visible patterns x.
        """
        n = as_count(n)
        rng = as_rng(seed)
        L = len(self.sizes)
        states = [None] * L
        top_p = on_probability(self.generative_input(L, None), self.imaging)
        states[L - 1] = (rng.random((n, self.sizes[-1])) < top_p).astype(float)
        for layer in range(L - 1, 0, -1):
            p = on_probability(self.generative_input(layer, states[layer]), self.imaging)
            states[layer - 1] = (rng.random(p.shape) < p).astype(float)
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
        rng = as_rng(seed)
        states = [x]
        for layer in range(2, len(self.sizes) + 1):
            p = on_probability(self.recognition_input(layer, states[-1]), "sigmoid")
            states.append((rng.random(p.shape) < p).astype(float))
        return states

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Save the machine to one ``.npz`` file (keys ``theta_0..``, ``theta_bias_0..``,
        ``phi_0..``, ``phi_bias_0..``, ``imaging``), so a trained machine can be shipped."""
        arrays = {"imaging": np.array(self.imaging)}
        for name in ("theta", "theta_bias", "phi", "phi_bias"):
            for i, arr in enumerate(getattr(self, name)):
                arrays[f"{name}_{i}"] = arr
        np.savez(Path(path), **arrays)

    @classmethod
    def load(cls, path):
        """Load a machine written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as data:
            keys = set(data.files)
            if "imaging" not in keys:
                raise ValueError(f"{path} has no 'imaging' entry; expected a file written by HelmholtzMachine.save")
            lists = {}
            for name in ("theta", "theta_bias", "phi", "phi_bias"):
                items = []
                while f"{name}_{len(items)}" in keys:
                    items.append(data[f"{name}_{len(items)}"])
                lists[name] = items
            return cls(imaging=str(data["imaging"]), **lists)
