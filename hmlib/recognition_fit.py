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

from collections import OrderedDict

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

from hmlib import exact
from hmlib.model import HelmholtzMachine

VISIBLE_UNITS = 4  # small enough that every pattern fits in a slider a class can read: 16 patterns
MAX_LAYER_UNITS = 8  # two hidden layers of 1..8 units: at most H = 16, 65,536 configurations
N_STEPS = 40  # length of the training trajectory; long enough for KL to fall visibly
STEP_SIZE = 1.0  # first step size tried at each step; halved until F does not increase
GENERATIVE_SCALE = 2.0  # std of the generative weights: strong enough to make posteriors non-factorial
RECOGNITION_SCALE = 1.0  # std of the untrained recognition weights


# ---------------------------------------------------------------------------- the machine
def explorer_machine(n_hidden_2, n_hidden_3, seed):
    """The seeded sigmoid machine of sizes (VISIBLE_UNITS, n_hidden_2, n_hidden_3) the widgets study.

    Generative weights and biases ~ Normal(0, GENERATIVE_SCALE^2), recognition weights and biases
    ~ Normal(0, RECOGNITION_SCALE^2), all from ``seed``.
    """
    for name, n in (("n_hidden_2", n_hidden_2), ("n_hidden_3", n_hidden_3)):
        if not (isinstance(n, (int, np.integer)) and 1 <= n <= MAX_LAYER_UNITS):
            raise ValueError(f"{name} is {n!r}; expected an integer from 1 to {MAX_LAYER_UNITS}")
    sizes = (VISIBLE_UNITS, int(n_hidden_2), int(n_hidden_3))
    generative = HelmholtzMachine.random(sizes, seed=seed, scale=GENERATIVE_SCALE)
    recognition = HelmholtzMachine.random(sizes, seed=seed, scale=RECOGNITION_SCALE)
    return HelmholtzMachine(generative.theta, generative.theta_bias, recognition.phi, recognition.phi_bias)


def visible_pattern(index):
    """Visible pattern number ``index`` of ``exact.binary_patterns(VISIBLE_UNITS)``, shape (1, n_1)."""
    n_patterns = 2**VISIBLE_UNITS
    if not (isinstance(index, (int, np.integer)) and 0 <= index < n_patterns):
        raise ValueError(f"pattern is {index!r}; expected an integer from 0 to {n_patterns - 1}")
    return exact.binary_patterns(VISIBLE_UNITS)[int(index)][None, :]


def pattern_string(x):
    """'1011' for the pattern [[1, 0, 1, 1]]."""
    return "".join(str(int(v)) for v in np.asarray(x).ravel())


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
    hm : HelmholtzMachine with three layers and sigmoid imaging (its recognition weights are ignored).
    x : ndarray, shape (1, n_1), binary.
    """

    def __init__(self, hm, x):
        if len(hm.sizes) != 3 or hm.imaging != "sigmoid":
            raise ValueError(
                f"the machine has sizes {hm.sizes} and imaging {hm.imaging!r}; expected three layers "
                f"and sigmoid imaging"
            )
        x = np.asarray(x, dtype=float)
        if x.shape != (1, hm.sizes[0]):
            raise ValueError(f"x has shape {x.shape}; expected one pattern of shape (1, {hm.sizes[0]})")
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

    def _log_q(self, phi, phi_bias):
        """log Q(s^2, s^3 | x) on the grid (K2, K3), and q2 (n_2,), q3 (K2, n_3)."""
        a2 = self.x[0] @ phi[0] + phi_bias[0]  # (n_2,)
        a3 = _product(self.S2, phi[1]) + phi_bias[1]  # (K2, n_3)
        log_q2 = self.S2 @ a2 - np.logaddexp(0.0, a2).sum()  # (K2,)
        log_q3 = _product(a3, self.S3.T) - np.logaddexp(0.0, a3).sum(axis=1)[:, None]  # (K2, K3)
        return log_q2[:, None] + log_q3, expit(a2), expit(a3)

    def recognition_distribution(self, phi, phi_bias):
        """Q_z on the grid, shape (K2, K3), Eqs. (7)-(8)."""
        return np.exp(self._log_q(phi, phi_bias)[0])

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

    Returns
    -------
    list of ``n_steps + 1`` dicts, one per point of the trajectory (after 0, 1, ..., n_steps
    steps), each with ``phi``, ``phi_bias``, ``free_energy``, ``kl`` and ``eta`` (the step size
    that led there; 0 for the start and for a step that found no decrease).
    """
    phi, phi_bias = [np.array(p) for p in phi], [np.array(b) for b in phi_bias]
    now = enumeration.evaluate(phi, phi_bias)
    points = [{"phi": phi, "phi_bias": phi_bias, "free_energy": now["free_energy"], "kl": now["kl"], "eta": 0.0}]
    for _ in range(n_steps):
        phi, phi_bias = points[-1]["phi"], points[-1]["phi_bias"]
        eta = step_size
        for _ in range(30):
            trial_phi, trial_bias = _step(phi, phi_bias, now["phi_grad"], now["bias_grad"], eta)
            trial = enumeration.evaluate(trial_phi, trial_bias)
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
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = compute()
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def explorer_trajectory(n_hidden_2, n_hidden_3, pattern, seed, n_steps=N_STEPS):
    """The explorer's whole training trajectory for one setting, computed once and cached.

    Returns
    -------
    dict with ``machine`` (the untrained HelmholtzMachine), ``x`` (1, n_1), ``params`` (the
    recognition parameters (phi, phi_bias) after 0..n_steps steps) and arrays of shape
    (n_steps + 1,): ``neg_f`` (-F), ``kl`` (KL(Q||P)) and ``log_z`` (log Z, the same at every
    step: it depends on the generative weights only), in nats, and ``eta`` (the step sizes).
    """
    key = (int(n_hidden_2), int(n_hidden_3), int(pattern), int(seed), int(n_steps))

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
        phi_grad, bias_grad = enumeration.free_energy_gradients(phi_v, bias_v)
        grads = dict(zip(names, phi_grad + bias_grad))
        return enumeration.free_energy(phi_v, bias_v), np.concatenate([grads[n].ravel() for n in free])

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

    Returns
    -------
    dict with ``posterior``, ``q_layerwise``, ``q_factorial`` (arrays of shape (2^H,), in the
    order of ``hmlib.exact``), ``kl_layerwise``, ``kl_factorial``, ``log_z`` (nats) and the
    fitted ``phi_layerwise``, ``phi_factorial`` as (phi, phi_bias) pairs, and ``machine``, ``x``.
    """
    key = (int(n_hidden_2), int(n_hidden_3), int(pattern), int(seed))

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
