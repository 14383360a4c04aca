"""Fitting the recognition model to a fixed generative model, exactly: the computing behind the
widgets of notebooks 04 and 05.

Both study one three-layer machine ``(VISIBLE_UNITS, n_2, n_3)`` with sigmoid units, random
generative weights drawn from ``seed``, and one visible pattern x chosen by its index in
``hmlib.exact.binary_patterns(VISIBLE_UNITS)`` (pattern 11 of 4 units is x = 1011).

- ``explorer_trajectory`` (notebook 04, Eq. (6)): exact gradient ascent on -F over the recognition
  weights: -F rises, KL falls, log Z stays put.
- ``best_factorial_fit`` (notebook 05, Eqs. (7)-(8)): the best Q of the layer-wise factorial family
  (Eq. (7)) and of the fully factorial family, and how far each is from the exact posterior.

Speed. With up to 16 hidden units a widget must answer in about 0.1 s, but one call of
``hmlib.exact.free_energy`` at H = 16 enumerates 65,536 configurations from scratch. A
three-layer machine has more structure than the general code can use: log p(x, z) does not
depend on the recognition weights, so ``ThreeLayerEnumeration`` computes it once, as a
(2^{n_2}, 2^{n_3}) grid, and each training step only recomputes log Q(z | x) on that grid
(a (2^{n_2}, n_3) by (n_3, 2^{n_3}) product). tests/test_widgets.py checks every number it
produces against ``hmlib.exact`` (log_joint, log_evidence, free_energy, kl_divergence and
free_energy_gradients).
"""

import copy
from collections import OrderedDict

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

from hmlib import exact
from hmlib._checks import as_array, as_data, as_index, as_instance, as_int, as_machine, as_real, check_bytes, describe
from hmlib.model import HelmholtzMachine

VISIBLE_UNITS = 4  # small enough that every pattern fits in a slider a class can read: 16 patterns
MAX_LAYER_UNITS = 8  # two hidden layers of 1..8 units: at most H = 16, 65,536 configurations
N_STEPS = 40  # length of the training trajectory; long enough for KL to fall visibly
STEP_SIZE = 1.0  # first step size tried at each step; halved until F does not increase
GENERATIVE_SCALE = 2.0  # std of the generative weights: strong enough to make posteriors non-factorial
RECOGNITION_SCALE = 1.0  # std of the untrained recognition weights
MAX_GRID_HIDDEN = 20  # ThreeLayerEnumeration: n_2 + n_3 <= 20, a grid of 2^20 floats (8 MB) per array
MAX_STEPS = 1000  # longest trajectory of gradient_ascent_on_neg_f (the widget shows N_STEPS = 40)


# ---------------------------------------------------------------------------- the machine
def explorer_machine(n_hidden_2, n_hidden_3, seed):
    """The seeded sigmoid machine of sizes (VISIBLE_UNITS, n_hidden_2, n_hidden_3) the widgets study.

    Generative weights and biases ~ Normal(0, GENERATIVE_SCALE^2), recognition weights and biases
    ~ Normal(0, RECOGNITION_SCALE^2), all from ``seed``.

    Parameters
    ----------
    n_hidden_2, n_hidden_3 : int from 1 to ``MAX_LAYER_UNITS``.
    seed : int >= 0 (the same seed always rebuilds the same machine).
    """
    n_hidden_2, n_hidden_3, seed = _check_setting(n_hidden_2, n_hidden_3, seed)
    sizes = (VISIBLE_UNITS, n_hidden_2, n_hidden_3)
    generative = HelmholtzMachine.random(sizes, seed=seed, scale=GENERATIVE_SCALE)
    recognition = HelmholtzMachine.random(sizes, seed=seed, scale=RECOGNITION_SCALE)
    return HelmholtzMachine(generative.theta, generative.theta_bias, recognition.phi, recognition.phi_bias)


def _check_setting(n_hidden_2, n_hidden_3, seed):
    """The widgets' setting (layer sizes and seed) as ints, checked."""
    n_hidden_2 = as_int(n_hidden_2, "n_hidden_2", low=1, high=MAX_LAYER_UNITS)
    n_hidden_3 = as_int(n_hidden_3, "n_hidden_3", low=1, high=MAX_LAYER_UNITS)
    return n_hidden_2, n_hidden_3, as_int(seed, "seed", low=0)


def visible_pattern(index):
    """Visible pattern number ``index`` (0 to 2^VISIBLE_UNITS - 1) of
    ``exact.binary_patterns(VISIBLE_UNITS)``, shape (1, n_1)."""
    index = as_index(index, "pattern", 2**VISIBLE_UNITS)
    return exact.binary_patterns(VISIBLE_UNITS)[index][None, :]


def pattern_string(x):
    """'1011' for the binary pattern [[1, 0, 1, 1]] (any shape; read in order)."""
    x = as_array(x, "x")
    if x.size == 0:
        raise ValueError(f"x has shape {x.shape}; expected a pattern of at least one unit")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError(f"x contains the value {x[(x != 0) & (x != 1)][0]}; expected a binary pattern (0 or 1)")
    return "".join(str(int(v)) for v in x.ravel())


# ---------------------------------------------------------------------------- exact, on a grid
def _product(a, b):
    """The matrix product a @ b, shapes (m, k) @ (k, n) -> (m, n), in numpy's own single-threaded loop.

    On a busy two-core machine OpenBLAS's threads wait for each other and a (256, 8) @ (8, 256)
    product took 26 ms instead of 1.6 ms; einsum does not call BLAS, so it stays fast.
    """
    return np.einsum("ik,kj->ij", a, b)


class ThreeLayerEnumeration:
    """Exact F, KL(Q||P), log Z and dF/dphi of a three-layer machine for one pattern x, Eq. (6).

    The hidden configurations z = (s^2, s^3) are laid out as a grid: row i is the layer-2 state
    ``S2[i]``, column j the layer-3 state ``S3[j]`` (both in ``exact.binary_patterns`` order), so
    ``grid.ravel()`` is in the order of ``hmlib.exact``. The generative part, log p(x, z) (Eq. (2)),
    is computed once; methods take recognition parameters ``phi = [phi12 (n_1, n_2), phi23
    (n_2, n_3)]`` and ``phi_bias = [c2 (n_2,), c3 (n_3,)]`` and recompute only log Q (Eqs. (7)-(8)).

    Parameters
    ----------
    hm : HelmholtzMachine with three layers and sigmoid imaging (its recognition weights are
        ignored), with n_2 + n_3 <= ``MAX_GRID_HIDDEN`` hidden units.
    x : array_like, shape (1, n_1), binary.
    """

    def __init__(self, hm, x):
        as_machine(hm)
        if len(hm.sizes) != 3 or hm.imaging != "sigmoid":
            raise ValueError(
                f"the machine has sizes {hm.sizes} and imaging {hm.imaging!r}; expected three layers "
                f"and sigmoid imaging"
            )
        if hm.n_hidden > MAX_GRID_HIDDEN:
            raise ValueError(
                f"the machine has n_2 + n_3 = {hm.n_hidden} hidden units; ThreeLayerEnumeration lays out all "
                f"2^{hm.n_hidden} configurations and takes at most MAX_GRID_HIDDEN = {MAX_GRID_HIDDEN}"
            )
        n_1, n_2, _ = hm.sizes
        check_bytes((2**n_2, n_1), f"log p(x | s^2) for a machine of sizes {hm.sizes} (n_1 columns)")
        x = as_data(x, n_1)
        if x.shape[0] != 1:
            raise ValueError(f"x has shape {x.shape}; expected one pattern of shape (1, {n_1})")
        self.x = x
        self.S2 = exact.binary_patterns(hm.sizes[1])  # (K2, n_2)
        self.S3 = exact.binary_patterns(hm.sizes[2])  # (K3, n_3)
        u1 = _product(self.S2, hm.theta[0]) + hm.theta_bias[0]  # (K2, n_1): input of the visible units
        log_x_given_s2 = u1 @ x[0] - np.logaddexp(0.0, u1).sum(axis=1)  # (K2,)
        u2 = _product(self.S3, hm.theta[1]) + hm.theta_bias[1]  # (K3, n_2)
        log_s2_given_s3 = _product(self.S2, u2.T) - np.logaddexp(0.0, u2).sum(axis=1)[None, :]  # (K2, K3)
        u3 = hm.theta_bias[2]  # (n_3,): the top layer's prior
        log_s3 = self.S3 @ u3 - np.logaddexp(0.0, u3).sum()  # (K3,)
        self.log_joint = log_x_given_s2[:, None] + log_s2_given_s3 + log_s3[None, :]  # (K2, K3)
        self.log_z = float(logsumexp(self.log_joint))
        self.log_posterior = self.log_joint - self.log_z  # (K2, K3)

    def _check_recognition(self, phi, phi_bias):
        """``phi`` and ``phi_bias`` as lists of new float arrays of the machine's shapes, or raise."""
        n_1, n_2, n_3 = self.x.shape[1], self.S2.shape[1], self.S3.shape[1]
        checked = []
        for name, value, shapes in (("phi", phi, [(n_1, n_2), (n_2, n_3)]), ("phi_bias", phi_bias, [(n_2,), (n_3,)])):
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"{name} is {describe(value)}; expected a list of two arrays of shapes {shapes}")
            if len(value) != 2:
                raise ValueError(f"{name} has {len(value)} arrays; expected two, of shapes {shapes}")
            arrays = [as_array(v, f"{name}[{i}]") for i, v in enumerate(value)]
            for i, (arr, shape) in enumerate(zip(arrays, shapes)):
                if arr.shape != shape:
                    raise ValueError(f"{name}[{i}] has shape {arr.shape}; expected {shape}")
            checked.append(arrays)
        return checked

    def _log_q(self, phi, phi_bias):
        """log Q(s^2, s^3 | x) on the grid (K2, K3), and q2 (n_2,), q3 (K2, n_3)."""
        a2 = self.x[0] @ phi[0] + phi_bias[0]  # (n_2,)
        a3 = _product(self.S2, phi[1]) + phi_bias[1]  # (K2, n_3)
        log_q2 = self.S2 @ a2 - np.logaddexp(0.0, a2).sum()  # (K2,)
        log_q3 = _product(a3, self.S3.T) - np.logaddexp(0.0, a3).sum(axis=1)[:, None]  # (K2, K3)
        return log_q2[:, None] + log_q3, expit(a2), expit(a3)

    def recognition_distribution(self, phi, phi_bias):
        """Q_z on the grid, shape (K2, K3), Eqs. (7)-(8)."""
        return np.exp(self._log_q(*self._check_recognition(phi, phi_bias))[0])

    def evaluate(self, phi, phi_bias, gradient=True):
        """F, KL(Q || P) (nats) and, if ``gradient``, dF/dphi and dF/dphi_bias, from one log Q.

        F = sum_z Q_z (log Q_z - log p(x, z)) is Eq. (6) with the entropy restored; KL is computed
        separately from the posterior, sum_z Q_z (log Q_z - log P_z). The gradient is the
        score-function form of ``hmlib.exact.free_energy_gradients``:
        dF/dphi = sum_z w_z d log Q_z / dphi with w_z = Q_z (log Q_z - log p(x, z)).

        Returns
        -------
        dict with ``free_energy``, ``kl`` (floats) and, if ``gradient``, ``phi_grad`` and
        ``bias_grad``, lists shaped like ``phi`` and ``phi_bias``.
        """
        if not isinstance(gradient, (bool, np.bool_)):
            raise TypeError(f"gradient is {describe(gradient)}; expected True or False")
        return self._evaluate(*self._check_recognition(phi, phi_bias), gradient)

    def _evaluate(self, phi, phi_bias, gradient=True):
        """``evaluate`` without the argument checks, for the training loops."""
        log_q, q2, q3 = self._log_q(phi, phi_bias)
        q = np.exp(log_q)  # (K2, K3)
        w = q * (log_q - self.log_joint)  # (K2, K3): F's integrand
        result = {"free_energy": float(w.sum()), "kl": float(np.sum(q * (log_q - self.log_posterior)))}
        if gradient:
            w_rows = w.sum(axis=1)  # (K2,): weight of each layer-2 state
            delta2 = w_rows @ self.S2 - w_rows.sum() * q2  # (n_2,)
            delta3 = _product(w, self.S3) - w_rows[:, None] * q3  # (K2, n_3)
            result["phi_grad"] = [np.outer(self.x[0], delta2), _product(self.S2.T, delta3)]
            result["bias_grad"] = [delta2, delta3.sum(axis=0)]
        return result

    def free_energy(self, phi, phi_bias):
        """F in nats (see ``evaluate``)."""
        return self.evaluate(phi, phi_bias, gradient=False)["free_energy"]

    def kl_divergence(self, phi, phi_bias):
        """KL(Q || P) in nats (see ``evaluate``)."""
        return self.evaluate(phi, phi_bias, gradient=False)["kl"]

    def free_energy_gradients(self, phi, phi_bias):
        """(dF/dphi, dF/dphi_bias), two lists shaped like ``phi`` and ``phi_bias`` (see ``evaluate``)."""
        result = self.evaluate(phi, phi_bias)
        return result["phi_grad"], result["bias_grad"]


# ---------------------------------------------------------------------------- training
def _step(phi, phi_bias, phi_grad, bias_grad, eta):
    return ([p - eta * g for p, g in zip(phi, phi_grad)], [b - eta * g for b, g in zip(phi_bias, bias_grad)])


def gradient_ascent_on_neg_f(enumeration, phi, phi_bias, n_steps=N_STEPS, step_size=STEP_SIZE):
    """Exact gradient ascent on -F over the recognition weights, with step halving (notebook 04).

    Each step tries phi - eta dF/dphi with eta = ``step_size`` and halves eta until F does not
    increase (after 30 halvings it stays put), so -F never decreases along the trajectory.

    Parameters
    ----------
    enumeration : ThreeLayerEnumeration.
    phi, phi_bias : the starting recognition parameters (see ``ThreeLayerEnumeration``).
    n_steps : int from 0 to ``MAX_STEPS``.
    step_size : float > 0.

    Returns
    -------
    list of ``n_steps + 1`` dicts, one per point of the trajectory (after 0, 1, ..., n_steps
    steps), each with ``phi``, ``phi_bias``, ``free_energy``, ``kl`` and ``eta`` (the step size
    that led there; 0 for the start and for a step that found no decrease).
    """
    as_instance(enumeration, ThreeLayerEnumeration, "enumeration")
    phi, phi_bias = enumeration._check_recognition(phi, phi_bias)  # new arrays
    n_steps = as_int(n_steps, "n_steps", low=0, high=MAX_STEPS)
    step_size = as_real(step_size, "step_size", low=0.0, low_open=True)
    now = enumeration._evaluate(phi, phi_bias)
    points = [{"phi": phi, "phi_bias": phi_bias, "free_energy": now["free_energy"], "kl": now["kl"], "eta": 0.0}]
    for _ in range(n_steps):
        phi, phi_bias = points[-1]["phi"], points[-1]["phi_bias"]
        eta = step_size
        for _ in range(30):
            trial_phi, trial_bias = _step(phi, phi_bias, now["phi_grad"], now["bias_grad"], eta)
            trial = enumeration._evaluate(trial_phi, trial_bias)
            if trial["free_energy"] <= now["free_energy"]:
                break
            eta /= 2
        else:
            trial_phi, trial_bias, trial, eta = phi, phi_bias, now, 0.0
        now = trial
        points.append({"phi": trial_phi, "phi_bias": trial_bias, "free_energy": now["free_energy"],
                       "kl": now["kl"], "eta": eta})
    return points


_TRAJECTORY_CACHE = OrderedDict()  # (n_2, n_3, pattern, seed) -> trajectory dict, least recent first
_FIT_CACHE = OrderedDict()
_CACHE_SIZE = 64


def _cached(cache, key, compute):
    """A deep copy of the cached value for ``key`` (computed on the first call): a caller who edits
    a result never changes what later calls return."""
    if key in cache:
        cache.move_to_end(key)
    else:
        cache[key] = compute()
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return copy.deepcopy(cache[key])


def explorer_trajectory(n_hidden_2, n_hidden_3, pattern, seed, n_steps=N_STEPS):
    """The explorer's whole training trajectory for one setting, computed once and cached.

    ``n_hidden_2``, ``n_hidden_3`` and ``seed`` as in ``explorer_machine``, ``pattern`` as in
    ``visible_pattern``, ``n_steps`` from 0 to ``MAX_STEPS``. Every call returns a new copy of the
    cached result, so editing it changes nothing for later calls.

    Returns
    -------
    dict with ``machine`` (the untrained HelmholtzMachine), ``x`` (1, n_1), ``params`` (the
    recognition parameters (phi, phi_bias) after 0..n_steps steps) and arrays of shape
    (n_steps + 1,): ``neg_f`` (-F), ``kl`` (KL(Q||P)) and ``log_z`` (log Z, the same at every
    step: it depends on the generative weights only), in nats, and ``eta`` (the step sizes).
    """
    n_hidden_2, n_hidden_3, seed = _check_setting(n_hidden_2, n_hidden_3, seed)
    pattern = as_index(pattern, "pattern", 2**VISIBLE_UNITS)
    n_steps = as_int(n_steps, "n_steps", low=0, high=MAX_STEPS)
    key = (n_hidden_2, n_hidden_3, pattern, seed, n_steps)

    def compute():
        hm = explorer_machine(n_hidden_2, n_hidden_3, seed)
        x = visible_pattern(pattern)
        enumeration = ThreeLayerEnumeration(hm, x)
        points = gradient_ascent_on_neg_f(enumeration, hm.phi, hm.phi_bias, n_steps)
        return {
            "machine": hm, "x": x,
            "params": [(p["phi"], p["phi_bias"]) for p in points],
            "neg_f": np.array([-p["free_energy"] for p in points]),
            "kl": np.array([p["kl"] for p in points]),
            "eta": np.array([p["eta"] for p in points]),
            "log_z": np.full(len(points), enumeration.log_z),  # Z does not depend on phi
        }

    return _cached(_TRAJECTORY_CACHE, key, compute)


# ---------------------------------------------------------------------------- notebook 05
def _fit(enumeration, phi, phi_bias, free):
    """Minimise F over the recognition parameters named in ``free`` with scipy's BFGS.

    (BFGS rather than L-BFGS-B: there are no bounds, and on a busy two-core machine L-BFGS-B's
    BLAS calls cost 15 ms per iteration against BFGS's 1.5 ms.)

    ``free`` is a subset of ("phi12", "phi23", "c2", "c3"); the others keep their values.
    BFGS only accepts steps that lower F, so the result is never worse than the start.
    Returns the fitted (phi, phi_bias).
    """
    names = ("phi12", "phi23", "c2", "c3")
    start = dict(zip(names, [np.array(phi[0]), np.array(phi[1]), np.array(phi_bias[0]), np.array(phi_bias[1])]))
    shapes = [start[n].shape for n in free]
    sizes = [int(np.prod(s)) for s in shapes]

    def unpack(vector):
        values = dict(start)
        for name, shape, piece in zip(free, shapes, np.split(vector, np.cumsum(sizes)[:-1])):
            values[name] = piece.reshape(shape)
        return [values["phi12"], values["phi23"]], [values["c2"], values["c3"]]

    def objective(vector):
        phi_v, bias_v = unpack(vector)
        result = enumeration._evaluate(phi_v, bias_v)  # F and its gradient from one log Q
        grads = dict(zip(names, result["phi_grad"] + result["bias_grad"]))
        return result["free_energy"], np.concatenate([grads[n].ravel() for n in free])

    x0 = np.concatenate([start[n].ravel() for n in free])
    result = minimize(objective, x0, jac=True, method="BFGS", options={"maxiter": 1000, "gtol": 1e-6})
    return unpack(result.x)


def best_factorial_fit(n_hidden_2, n_hidden_3, pattern, seed):
    """The best recognition distributions for one pattern, found by minimising F (= maximising -F),
    cached per setting.

    - fully factorial: every hidden unit independent, i.e. Eq. (7) with phi^{2,3} = 0; fitted
      over the biases from zero;
    - layer-wise factorial, Eq. (7): layer 3 depends on layer 2 through phi^{2,3}; fitted from the
      fully factorial optimum, so its KL is never larger.
    For a single pattern, x phi^{1,2} only shifts the layer-2 biases, so phi^{1,2} stays 0.

    Arguments as in ``explorer_trajectory``; every call returns a new copy of the cached result.

    Returns
    -------
    dict with ``posterior``, ``q_layerwise``, ``q_factorial`` (arrays of shape (2^H,), in the
    order of ``hmlib.exact``), ``kl_layerwise``, ``kl_factorial``, ``log_z`` (nats) and the
    fitted ``phi_layerwise``, ``phi_factorial`` as (phi, phi_bias) pairs, and ``machine``, ``x``.
    """
    n_hidden_2, n_hidden_3, seed = _check_setting(n_hidden_2, n_hidden_3, seed)
    pattern = as_index(pattern, "pattern", 2**VISIBLE_UNITS)
    key = (n_hidden_2, n_hidden_3, pattern, seed)

    def compute():
        hm = explorer_machine(n_hidden_2, n_hidden_3, seed)
        x = visible_pattern(pattern)
        enumeration = ThreeLayerEnumeration(hm, x)
        zeros_phi = [np.zeros_like(p) for p in hm.phi]
        zeros_bias = [np.zeros_like(b) for b in hm.phi_bias]
        factorial = _fit(enumeration, zeros_phi, zeros_bias, ("c2", "c3"))
        layerwise = _fit(enumeration, factorial[0], factorial[1], ("phi23", "c2", "c3"))
        return {
            "machine": hm, "x": x, "log_z": enumeration.log_z,
            "posterior": np.exp(enumeration.log_posterior).ravel(),
            "q_layerwise": enumeration.recognition_distribution(*layerwise).ravel(),
            "q_factorial": enumeration.recognition_distribution(*factorial).ravel(),
            "kl_layerwise": enumeration.kl_divergence(*layerwise),
            "kl_factorial": enumeration.kl_divergence(*factorial),
            "phi_layerwise": layerwise, "phi_factorial": factorial,
        }

    return _cached(_FIT_CACHE, key, compute)
