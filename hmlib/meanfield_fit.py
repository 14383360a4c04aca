"""Fitting the deterministic (mean-field) Helmholtz machine by minimising Eq. (12), notebook 07.

The paper (Dayan et al. 1995) minimised the mean-field free energy with conjugate gradients. Here
``scipy.optimize.minimize`` with L-BFGS-B does the work: its bounds keep the generative weights and
biases of the odds rules (Eq. (11) and the naive odds expression) non-negative, which Eq. (11)
needs to be a probability. The objective is the weighted average of ``meanfield.free_energy`` over
the patterns, so the exact shifter distribution (patterns with their probabilities as weights)
and a sample of patterns (equal weights) are handled alike.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from hmlib import data, meanfield
from hmlib._checks import (
    as_array,
    as_choice,
    as_count,
    as_data,
    as_instance,
    as_int,
    as_machine,
    as_probability,
    as_real,
    as_rng,
    as_sizes,
    check_bytes,
    describe,
)
from hmlib.model import HelmholtzMachine

_PARAMETER_LISTS = ("theta", "theta_bias", "phi", "phi_bias")


@dataclass
class FitSettings:
    """Settings of ``fit``; each default with its reason."""

    max_iter: int = 2000  # L-BFGS-B iterations; the shifter needs a few hundred to a few thousand
    gtol: float = 1e-7  # stop when the largest projected gradient component (per pattern, nats) is below this
    ftol: float = 1e-12  # relative change of F that stops the search; small, so gtol and max_iter decide
    min_odds_bias: float = 1e-6  # lower bound of learned odds biases: b = 0 would make p = 0 and F infinite
    fixed_theta_bias: tuple = ()  # layers (1-based) whose generative biases keep their starting values
    # Adds weight_decay * (sum of the squared weights theta and phi) to the objective. 0: plain Eq. (12).
    # On data a machine can autoencode, Eq. (12) keeps falling as the weights grow without bound, and
    # where a long run stops then depends on round-off; a small decay gives a finite, converged optimum.
    weight_decay: float = 0.0

    def check(self):
        """Raise ``TypeError``/``ValueError`` if a setting is of the wrong kind or out of range; return self."""
        as_count(self.max_iter, "settings.max_iter")
        as_real(self.gtol, "settings.gtol", low=0.0)
        as_real(self.ftol, "settings.ftol", low=0.0)
        as_real(self.min_odds_bias, "settings.min_odds_bias", low=0.0, low_open=True)  # b = 0 makes F infinite
        as_real(self.weight_decay, "settings.weight_decay", low=0.0)
        if not isinstance(self.fixed_theta_bias, (tuple, list)):
            raise TypeError(
                f"settings.fixed_theta_bias is {describe(self.fixed_theta_bias)}; expected a tuple of layer numbers"
            )
        for layer in self.fixed_theta_bias:
            as_int(layer, "every layer in settings.fixed_theta_bias", low=1)
        return self


@dataclass
class FitHistory:
    """What happened during ``fit``: one entry per L-BFGS-B iteration."""

    iterations: list = field(default_factory=list)
    free_energy_bits: list = field(default_factory=list)  # weighted mean F per pattern (+ weight decay), in bits
    n_evaluations: int = 0
    message: str = ""
    success: bool = False


def initial_machine(sizes, rule="eq11", seed=None, scale=0.5, fixed_bias=0.05):
    """A starting machine for ``fit``.

    Odds rules (``"eq11"``, ``"naive"``): generative weights ~ Exponential(mean ``scale``), the
    generative biases of every layer below the top equal to ``fixed_bias`` (the paper's 0.05),
    the top biases 1 (prior 1/2); sigmoid: generative weights ~ Normal(0, scale^2), biases 0.
    Recognition weights ~ Normal(0, scale^2), recognition biases 0, for both.

    Parameters
    ----------
    sizes : sequence of ints (n_1, ..., n_L).
    rule : ``"sigmoid"``, ``"eq11"`` or ``"naive"``.
    seed : None, int or np.random.Generator.
    """
    rule = as_choice(rule, "rule", meanfield.RULES)
    sizes = as_sizes(sizes)
    scale = as_real(scale, "scale", low=0.0, low_open=True)
    fixed_bias = as_real(fixed_bias, "fixed_bias", low=0.0, low_open=True)
    n_weights = sum(sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1))
    check_bytes((2 * n_weights,), f"the weights of a machine of sizes {sizes}")
    rng = as_rng(seed)
    L = len(sizes)
    if rule == "sigmoid":
        theta = [rng.normal(0.0, scale, (sizes[l + 1], sizes[l])) for l in range(L - 1)]
        theta_bias = [np.zeros(n) for n in sizes]
        imaging = "sigmoid"
    else:
        theta = [rng.exponential(scale, (sizes[l + 1], sizes[l])) for l in range(L - 1)]
        theta_bias = [np.full(n, fixed_bias) for n in sizes[:-1]] + [np.ones(sizes[-1])]
        imaging = "odds"
    phi = [rng.normal(0.0, scale, (sizes[l], sizes[l + 1])) for l in range(L - 1)]
    phi_bias = [np.zeros(n) for n in sizes[1:]]
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging=imaging)


def _free_slots(hm, fixed_theta_bias):
    """(name, index) of every parameter array that is learned."""
    L = len(hm.sizes)
    for layer in fixed_theta_bias:
        if not 1 <= layer <= L:
            raise ValueError(f"settings.fixed_theta_bias contains {layer!r}; expected layer numbers 1..{L}")
    slots = []
    for name in _PARAMETER_LISTS:
        for i in range(len(getattr(hm, name))):
            if name == "theta_bias" and (i + 1) in fixed_theta_bias:
                continue
            slots.append((name, i))
    return slots


def _pack(lists, slots):
    return np.concatenate([lists[name][i].ravel() for name, i in slots])


def _unpack(vector, template, slots):
    machine = template.copy()
    start = 0
    for name, i in slots:
        arr = getattr(machine, name)[i]
        arr[...] = vector[start : start + arr.size].reshape(arr.shape)
        start += arr.size
    return machine


def fit(x, machine=None, *, sizes=None, rule=None, seed=None, weights=None, settings=None, callback=None):
    """Minimise the weighted mean of the mean-field free energy, Eq. (12), with L-BFGS-B (notebook 07).

    Parameters
    ----------
    x : array_like, shape (batch, n_1), values in [0, 1].
    machine : HelmholtzMachine to start from (not modified), or None to start from
        ``initial_machine(sizes, rule, seed)``.
    sizes : layer sizes, needed when ``machine`` is None.
    rule : ``"sigmoid"``, ``"eq11"``, ``"naive"`` or None (the machine's default; ``"eq11"``
        when starting from a seed).
    seed : None, int or np.random.Generator, for the starting machine.
    weights : array_like, shape (batch,), finite, >= 0 and not all 0, with a finite sum (e.g. the
        probabilities of the patterns of ``data.shifter_distribution``), or None for equal weights.
    settings : FitSettings or None; ``settings.weight_decay`` > 0 adds that times the sum of the
        squared weights (theta and phi, not the biases) to the objective.
    callback : called after every iteration as ``callback(iteration, free_energy_bits, machine)``
        with the current machine (a copy); for progress bars, live plots and checks.

    Returns
    -------
    machine : the fitted HelmholtzMachine (a new object).
    history : FitHistory.
    """
    settings = (FitSettings() if settings is None else as_instance(settings, FitSettings, "settings")).check()
    if callback is not None and not callable(callback):
        raise TypeError(f"callback is {describe(callback)}; expected a function or None")
    if machine is None:
        if sizes is None:
            raise ValueError("sizes is None and machine is None; give a starting machine or the layer sizes")
        machine = initial_machine(sizes, "eq11" if rule is None else rule, seed)
    else:
        as_machine(machine, "machine")
        as_rng(seed)  # unused with a starting machine, but a bad seed is still an error
        if sizes is not None and as_sizes(sizes) != machine.sizes:
            raise ValueError(f"sizes is {tuple(sizes)} but the machine has sizes {machine.sizes}; give one or the other")
    rule = meanfield.check_rule(machine, rule)
    x = as_data(x, machine.sizes[0], binary=False)
    w = np.ones(x.shape[0]) if weights is None else meanfield._check_weights(weights, x.shape[0])
    with np.errstate(over="ignore"):  # a sum that overflows is refused just below
        total = w.sum()
    if not 0 < total < np.inf:
        raise ValueError(f"weights sum to {total}; expected a positive, finite sum (at least one weight > 0)")
    w = w / w.sum()  # the objective is a weighted mean per pattern

    slots = _free_slots(machine, tuple(settings.fixed_theta_bias))
    start = _pack({name: getattr(machine, name) for name in _PARAMETER_LISTS}, slots)
    bounds = None
    if rule != "sigmoid":
        bounds = []
        for name, i in slots:
            low = {"theta": 0.0, "theta_bias": settings.min_odds_bias}.get(name)
            bounds += [(low, None)] * getattr(machine, name)[i].size
        start = np.maximum(start, [b[0] if b[0] is not None else -np.inf for b in bounds])

    history = FitHistory()

    def objective(vector):
        trial = _unpack(vector, machine, slots)
        per_row, grads = meanfield.free_energy_and_gradients(trial, x, rule, weights=w)
        value = float(w @ per_row)
        if settings.weight_decay:  # the optional penalty, decay * sum w^2, and its gradient, 2 * decay * w
            for name in ("theta", "phi"):
                for i, arr in enumerate(getattr(trial, name)):
                    value += settings.weight_decay * float(np.sum(arr * arr))
                    grads[name][i] = grads[name][i] + 2.0 * settings.weight_decay * arr
        history.n_evaluations += 1
        return value, _pack(grads, slots)

    def on_iteration(intermediate_result):
        bits = float(intermediate_result.fun) / np.log(2.0)
        history.iterations.append(len(history.iterations) + 1)
        history.free_energy_bits.append(bits)
        if callback is not None:
            callback(history.iterations[-1], bits, _unpack(intermediate_result.x, machine, slots))

    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        callback=on_iteration,
        options={"maxiter": settings.max_iter, "gtol": settings.gtol, "ftol": settings.ftol, "maxfun": 2 * settings.max_iter + 100},
    )
    history.message = str(result.message)
    history.success = bool(result.success)
    fitted = _unpack(result.x, machine, slots)
    if rule != "sigmoid":  # L-BFGS-B keeps the iterate inside the bounds; make the invariant explicit
        for arr in fitted.theta:
            assert np.all(arr >= 0.0)
    return fitted, history


# ---------------------------------------------------------------------------- the shifter experiment
SHIFTER_SIZES = (32, 24, 2)  # the network of the paper's Fig. 4
SHIFTER_SCALE = 0.5  # scale of the random starting weights (initial_machine)
SHIFTER_FIXED_BIAS = 0.05  # the paper's tiny fixed generative biases (odds rules), here layers 1 and 2
SHIFTER_TEST_PATTERNS = 1000  # identifiable patterns used to judge the direction code
SHIFTER_TEST_SEED = 2024  # fixed, so every run is judged on the same patterns


def fit_shifter(rule, seed, max_iter=2000, scale=SHIFTER_SCALE, sizes=SHIFTER_SIZES, callback=None):
    """Fit a mean-field machine to the exact shifter distribution (notebook 07, ``benchmarks/shifter.py``).

    The data are the 508 distinct shifter images weighted by their probabilities
    (``data.shifter_distribution``), so the objective is the exact expected F per image. Odds rules
    (``"eq11"``, ``"naive"``): generative biases of layers 1 and 2 fixed at 0.05, top biases learned,
    all weights >= 0; sigmoid: every parameter learned. Start: ``initial_machine(sizes, rule, seed, scale)``.

    Returns the fitted machine and its FitHistory.
    """
    rule = as_choice(rule, "rule", meanfield.RULES)
    sizes = as_sizes(sizes)
    patterns, probs = data.shifter_distribution()
    if sizes[0] != patterns.shape[1]:
        raise ValueError(f"sizes[0] is {sizes[0]}; the shifter images have {patterns.shape[1]} pixels")
    fixed = tuple(range(1, len(sizes))) if rule != "sigmoid" else ()
    start = initial_machine(sizes, rule, seed, scale=scale, fixed_bias=SHIFTER_FIXED_BIAS)
    settings = FitSettings(max_iter=max_iter, fixed_theta_bias=fixed)
    return fit(patterns, start, rule=rule, weights=probs, settings=settings, callback=callback)


def shifter_test_set(n=SHIFTER_TEST_PATTERNS, seed=SHIFTER_TEST_SEED):
    """``n`` fresh shifter patterns whose direction is identifiable, and their directions.

    Returns patterns, shape (n, 32), and direction, shape (n,) (1 = right, 0 = left).
    """
    n = as_count(n)
    check_bytes((2 * n, 32), "the shifter patterns drawn for n test patterns")
    rng = as_rng(seed)
    kept, directions = [], []
    while sum(len(k) for k in kept) < n:
        patterns, direction = data.shifter(2 * n, seed=rng)
        ok = data.shifter_identifiable(patterns)
        kept.append(patterns[ok])
        directions.append(direction[ok])
    return np.concatenate(kept)[:n], np.concatenate(directions)[:n]


def direction_accuracy(hm, patterns, direction, threshold=0.5):
    """How well each top-layer unit's recognition mean (Eq. (9)) tells the shift direction.

    A unit's code is its mean thresholded at ``threshold``; its accuracy is the larger of the
    fractions of patterns where "on" means right and where "on" means left (which unit learns
    which direction is arbitrary). With ``threshold=None`` each unit gets its best threshold.

    Parameters
    ----------
    hm : HelmholtzMachine.
    patterns : array_like, shape (n, n_1), values in [0, 1].
    direction : array_like, shape (n,), 0 (left) or 1 (right) for each pattern.
    threshold : float in [0, 1], or None.

    Returns ndarray, shape (n_L,): the accuracy of every top unit.
    """
    top = meanfield.recognition_means(hm, patterns)[-1]  # (n, n_L)
    direction = as_array(direction, "direction", ndim=1)
    if direction.shape != (top.shape[0],):
        raise ValueError(f"direction has shape {direction.shape}; expected ({top.shape[0]},), one per pattern")
    if not np.all((direction == 0) | (direction == 1)):
        bad = direction[(direction != 0) & (direction != 1)][0]
        raise ValueError(f"direction contains the value {bad}; expected 0 (left) or 1 (right)")
    if threshold is not None:
        threshold = as_probability(threshold, "threshold")
    accuracies = []
    for unit in top.T:
        candidates = [threshold] if threshold is not None else np.unique(unit)
        best = 0.0
        for t in candidates:
            agree = np.mean((unit >= t) == (direction == 1))
            best = max(best, agree, 1.0 - agree)
        accuracies.append(best)
    return np.array(accuracies)
