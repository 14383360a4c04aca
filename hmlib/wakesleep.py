"""Wake-sleep learning for the stochastic sigmoid Helmholtz machine (notebooks 08 and 09).

One wake-sleep step on a minibatch (Hinton, Dayan, Frey & Neal 1995):

- **wake**: drive the recognition network with data x, sample hidden states
  s^2, ..., s^L from Q (Eqs. (7)-(8)), then move every generative parameter by the delta rule
  ``theta^{l+1,l} += lr * s^{l+1}^T (s^l - p^l)`` with p^l = sigma(b^l + s^{l+1} theta^{l+1,l}).
  Averaged over Q this is exactly -dF/dtheta (F of Eq. (6) with the entropy term, notebook 08):
  the wake phase does gradient descent on the free energy with respect to theta.
- **sleep**: draw a fantasy s^L, ..., s^1 from the generative model (Eq. (10)), then move every
  recognition parameter by ``phi^{l-1,l} += lr * s^{l-1}^T (s^l - q^l)`` with
  q^l = sigma(c^l + s^{l-1} phi^{l-1,l}). This is maximum likelihood for Q on fantasies, which
  minimises KL(P || Q), not the KL(Q || P) of Eq. (6) (notes section 5, notebook 08).

The delta-rule directions for given states are public (:func:`wake_gradient`,
:func:`sleep_gradient`), so a step can be checked by hand and averaged exactly over Q.
:func:`train` is the vectorised training loop; it never prints, it reports through a callback.
:func:`train_with_pilots` adds model selection on top: the best of several short runs, scored on
training data, is continued (notebook 09: on the bars it avoids the stalls of 4 of the 10 plain
runs). :func:`fit` is the entry point for data of your own (notebook 10):
it reads like ``hmlib.meanfield_fit.fit``, starts the visible biases at the data's pixel
log-odds (:func:`initial_machine`), and with ``validation`` data keeps the best machine and stops
when the validation score stops improving.

**Choosing the settings for your own data** (the defaults of :class:`WakeSleepSettings`; notebook 10):

- Hold out a validation set and pass it as ``validation``; every choice below is then judged by
  its validation bits, never by the test data. Early stopping (``patience``) ends overfitting: on
  90 digits per class the validation score is best after about 50 000 examples and worsens after.
- Rates are per example (a minibatch applies the sum of its examples' delta rules), so they do not
  change with ``batch_size``. Start with one rate for every layer, 0.01, and try a factor of 3 on
  either side (0.003, 0.03); keep the rate whose run reaches the best validation score. On the
  digits the three reach the same score (within 0.2 bits) at different lengths of run; a rate
  that is too high shows up as a noisy validation curve that never settles, one too low as a
  curve still falling at the end of the run.
- Keep ``positive_visible_weights`` off unless, as in the bars, every cause can only turn pixels on.
- :meth:`WakeSleepSettings.bars_paper` is the recipe of Hinton et al. (1995) for the bars; its
  rate of 0.001 for the hidden layers is far too slow for anything else.
"""

from dataclasses import dataclass, field, fields, replace

import numpy as np
from scipy.special import expit

from hmlib import evaluation
from hmlib._checks import (
    as_array,
    as_count,
    as_data,
    as_instance,
    as_int,
    as_machine,
    as_real,
    as_rng,
    as_sizes,
    check_bytes,
    describe,
)
from hmlib.model import HelmholtzMachine

MAX_LAYERS = 1000  # far more layers than any machine here; a larger n_layers is a typo
MAX_PILOTS = 1000  # train_with_pilots keeps every pilot run in memory until it picks the best
VALIDATION_SAMPLES = 20  # importance samples per validation pattern (exact enumeration for small machines)
VALIDATION_SEED = 2718  # one fixed seed for every validation score of a run: scores differ by the machine only
VALIDATIONS_PER_RUN = 50  # validate_every=None scores the validation data about this often


@dataclass
class WakeSleepSettings:
    """Settings of :func:`train`. The defaults suit ordinary binary data (see the module docstring
    on choosing them); :meth:`bars_paper` gives the recipe of Hinton et al. (1995) for the bars.

    Learning rates are per example: a minibatch step applies the *sum* of its examples' delta
    rules, all computed at the same parameters, so any batch size uses the same rates and
    ``batch_size=1`` is online learning exactly.
    """

    examples: int = 200_000  # an upper bound with validation data: early stopping usually ends the run sooner
    batch_size: int = 10  # about 10x faster than online learning in numpy, at the same per-example rates
    lr_visible: float = 0.01  # one rate for all layers; on the digits 0.003 to 0.03 do equally well
    lr_hidden: float = 0.01  # (the bars paper's 0.001 for the hidden layers is far too slow elsewhere)
    learning_rates: tuple = None  # optional per-layer rates (see below); overrides the two above
    positive_visible_weights: bool = False  # True only where causes can only turn pixels on (the bars)
    sleep_lr_factor: float = 1.0  # multiplies every recognition (sleep) rate; 1 = the paper's
    warmup: float = 0.0  # fraction of the run over which all rates ramp up linearly from 0; 0 = none
    final_lr_factor: float = 1.0  # 1 = constant rates (paper); < 1 anneals geometrically to it
    anneal_start: float = 0.0  # fraction of the run after which annealing begins
    update_generative: bool = True  # False freezes theta: only the sleep phase learns (notebook 08)
    update_recognition: bool = True  # False freezes phi: only the wake phase learns
    validate_every: int = None  # examples between validation scores (with validation data); None: ~50 per run
    patience: int = 10  # stop after this many validation scores without a new best; None: never stop early

    @classmethod
    def bars_paper(cls, **changes):
        """The bars recipe of Hinton, Dayan, Frey & Neal (1995), notebooks 08 and 09: 2 x 10^6
        examples learned online, rate 0.2 for the weights to and from the input units and 0.001
        for the rest, generative weights to the input kept >= 0. ``changes`` replace single
        settings, e.g. ``WakeSleepSettings.bars_paper(batch_size=50)``."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"bars_paper got {unknown}, which are not settings; expected some of {sorted(names)}")
        paper = cls(examples=2_000_000, batch_size=1, lr_visible=0.2, lr_hidden=0.001, positive_visible_weights=True,
                    patience=None)  # the paper ran its 2 x 10^6 examples to the end
        return replace(paper, **changes)

    def layer_rates(self, n_layers):
        """Learning rate of each layer of connections, a tuple of length L - 1.

        Rate k (k = 0..L-2) applies to the connections between layers k+1 and k+2 (theta[k] and
        phi[k]) and to the biases of the units they feed (theta_bias[k], phi_bias[k]); the top
        layer's generative bias (its prior) uses the last rate. So rate 0 covers everything to
        and from the input units.
        """
        n_layers = as_int(n_layers, "n_layers", low=2, high=MAX_LAYERS)
        if self.learning_rates is not None:
            if isinstance(self.learning_rates, (str, bytes, dict, set)) or not hasattr(self.learning_rates, "__len__"):
                raise TypeError(
                    f"learning_rates is {describe(self.learning_rates)}; expected None or a tuple of learning rates, "
                    f"one per layer of connections"
                )
            rates = tuple(as_real(r, f"learning_rates[{i}]", low=0.0) for i, r in enumerate(self.learning_rates))
            if len(rates) != n_layers - 1:
                raise ValueError(
                    f"learning_rates has {len(rates)} entries; a machine with {n_layers} layers "
                    f"needs {n_layers - 1} (one per layer of connections)"
                )
        else:
            rates = (
                (as_real(self.lr_visible, "lr_visible (a learning rate)", low=0.0),)
                + (as_real(self.lr_hidden, "lr_hidden (a learning rate)", low=0.0),) * (n_layers - 2)
            )
        return rates

    def check(self):
        """Raise ``TypeError``/``ValueError`` if a setting is of the wrong kind or out of range; return self."""
        as_count(self.examples, "examples")
        as_count(self.batch_size, "batch_size")
        as_real(self.lr_visible, "lr_visible (a learning rate)", low=0.0)
        as_real(self.lr_hidden, "lr_hidden (a learning rate)", low=0.0)
        for name in ("positive_visible_weights", "update_generative", "update_recognition"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} is {describe(getattr(self, name))}; expected True or False")
        as_real(self.final_lr_factor, "final_lr_factor", low=0.0, high=1.0, low_open=True)
        as_real(self.sleep_lr_factor, "sleep_lr_factor", low=0.0)
        as_real(self.warmup, "warmup (a fraction of the run)", low=0.0, high=1.0, high_open=True)
        as_real(self.anneal_start, "anneal_start (a fraction of the run)", low=0.0, high=1.0, high_open=True)
        if self.validate_every is not None:
            as_count(self.validate_every, "validate_every (examples between validation scores)")
        if self.patience is not None:
            as_count(self.patience, "patience (validation scores without improvement)")
        return self


@dataclass
class Progress:
    """What the callback of :func:`train` receives at every report."""

    examples: int  # examples seen so far (wake steps x batch size)
    total: int  # examples in the whole run
    machine: HelmholtzMachine  # a snapshot of the machine (a copy; safe to keep)
    record: dict  # the numbers the monitor returned for this snapshot (empty without a monitor)
    validation_bits: float = None  # the latest validation score, -log2 p per pattern (None without validation)
    final: bool = False  # True at the last report of the run (at the end, or where it stopped early)


@dataclass
class WakeSleepHistory:
    """What :func:`train` returns besides the machine: one entry per report."""

    examples: list = field(default_factory=list)  # examples seen at each report
    records: dict = field(default_factory=dict)  # name -> list of the monitor's numbers
    validation_examples: list = field(default_factory=list)  # examples seen at each validation score
    validation_bits: list = field(default_factory=list)  # the scores: average -log2 p(x) of the validation data
    best_examples: int = None  # examples seen by the machine returned (the best score's), with validation
    stopped_early: bool = False  # True if patience ran out before settings.examples

    def as_arrays(self):
        """``examples`` and every record as numpy arrays, in a dict."""
        out = {"examples": np.array(self.examples)}
        out.update({k: np.array(v) for k, v in self.records.items()})
        return out


def paper_initialisation(sizes=(16, 8, 1), first_hidden_bias=-3.0):
    """The bars run's starting machine (notes section 4): every parameter 0 except the generative
    biases of the first hidden layer (layer 2), which start at ``first_hidden_bias`` (-3).

    A bias of -3 makes each layer-2 unit rarely on (sigma(-3) = 0.047) in fantasies, so that the
    sleep phase starts with sparse causes. Returns a sigmoid :class:`HelmholtzMachine`.
    """
    sizes = as_sizes(sizes, min_layers=3)  # at least one hidden layer below the top
    first_hidden_bias = as_real(first_hidden_bias, "first_hidden_bias")
    n_weights = sum(sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1))
    check_bytes((2 * n_weights,), f"the weights of a machine of sizes {sizes}")
    theta = [np.zeros((sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    theta_bias = [np.zeros(n) for n in sizes]
    theta_bias[1][:] = first_hidden_bias
    phi = [np.zeros((sizes[l], sizes[l + 1])) for l in range(len(sizes) - 1)]
    phi_bias = [np.zeros(n) for n in sizes[1:]]
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging="sigmoid")


def visible_log_odds(x):
    """Each pixel's log-odds in the data, log((n_on + 1) / (n_off + 1)), shape (n_1,).

    With these as the visible generative biases (and small weights) the machine starts as the
    independent-pixel model of the data, so wake-sleep spends no examples learning the base rates.
    The +1s (Laplace's rule) keep a pixel that is always off, or always on, finite.

    x : array_like, shape (n, n_1), binary.
    """
    x = as_array(x, "x", ndim=2)
    x = as_data(x, x.shape[1], "x")
    on = x.sum(axis=0)  # (n_1,)
    return np.log(on + 1.0) - np.log(len(x) - on + 1.0)


def initial_machine(sizes, x=None, seed=None, scale=0.01):
    """A starting machine for :func:`train` on data of your own (notebook 10).

    Every weight, generative and recognition, ~ Normal(0, ``scale``^2) (small and random: the
    units start out different); every bias 0, except the visible generative biases, which start at
    the data's pixel log-odds (:func:`visible_log_odds`) when ``x`` is given.

    Parameters
    ----------
    sizes : sequence of ints (n_1, ..., n_L), at least two layers.
    x : array_like, shape (n, n_1), binary, or None (visible biases 0).
    seed : None, int or np.random.Generator.
    scale : float >= 0.

    Returns a sigmoid :class:`HelmholtzMachine`.
    """
    sizes = as_sizes(sizes)
    bias = None if x is None else visible_log_odds(as_data(x, sizes[0], "x"))
    scale = as_real(scale, "scale", low=0.0)
    n_weights = sum(sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1))
    check_bytes((2 * n_weights,), f"the weights of a machine of sizes {sizes}")
    rng = as_rng(seed)
    L = len(sizes)
    theta = [rng.normal(0.0, scale, (sizes[l + 1], sizes[l])) for l in range(L - 1)]
    theta_bias = [np.zeros(n) for n in sizes]
    if bias is not None:
        theta_bias[0] = bias
    phi = [rng.normal(0.0, scale, (sizes[l], sizes[l + 1])) for l in range(L - 1)]
    phi_bias = [np.zeros(n) for n in sizes[1:]]
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging="sigmoid")


# ---------------------------------------------------------------------- delta rules
def _check_machine(hm):
    as_machine(hm)
    if hm.imaging != "sigmoid":
        raise ValueError(f"the machine uses imaging {hm.imaging!r}; wake-sleep here needs 'sigmoid'")
    return hm


def _check_states(hm, states, name):
    _check_machine(hm)
    if not isinstance(states, (list, tuple)):
        raise TypeError(f"{name} is {describe(states)}; expected a list of {len(hm.sizes)} arrays, one per layer")
    if len(states) != len(hm.sizes):
        raise ValueError(f"{name} has {len(states)} layers; the machine has {len(hm.sizes)}")
    checked = [as_data(s, n, f"{name}[{i}]") for i, (s, n) in enumerate(zip(states, hm.sizes))]
    batches = [len(s) for s in checked]
    if len(set(batches)) > 1:
        raise ValueError(f"{name} have {batches} rows; expected the same batch size in every layer")
    return checked


def _wake_direction(theta, theta_bias, states):
    """Delta rule for the generative parameters, summed over the batch (internal, no checks)."""
    L = len(theta_bias)
    d_theta, d_bias = [], []
    for l in range(L - 1):
        err = states[l] - expit(states[l + 1] @ theta[l] + theta_bias[l])  # (batch, n_{l+1})
        d_theta.append(states[l + 1].T @ err)  # (n_{l+2}, n_{l+1})
        d_bias.append(err.sum(axis=0))
    top = states[L - 1] - expit(theta_bias[L - 1])  # (batch, n_L)
    d_bias.append(top.sum(axis=0))
    return d_theta, d_bias


def _sleep_direction(phi, phi_bias, states):
    """Delta rule for the recognition parameters, summed over the batch (internal, no checks)."""
    d_phi, d_bias = [], []
    for l in range(len(phi)):
        err = states[l + 1] - expit(states[l] @ phi[l] + phi_bias[l])  # (batch, n_{l+2})
        d_phi.append(states[l].T @ err)  # (n_{l+1}, n_{l+2})
        d_bias.append(err.sum(axis=0))
    return d_phi, d_bias


def wake_gradient(hm, states):
    """Wake-phase delta rule for given states: the gradient of sum log p(s^1, ..., s^L) over the
    batch with respect to the generative parameters (Eq. (10)).

    For layer l < L: ``theta[l-1]`` gets ``s^{l+1}^T (s^l - p^l)`` and ``theta_bias[l-1]`` gets
    ``sum_batch (s^l - p^l)``, with p^l = sigma(theta_bias[l-1] + s^{l+1} theta[l-1]); the top
    bias gets ``sum_batch (s^L - sigma(theta_bias[L-1]))``. With s^1 = x and the hidden states
    drawn from Q, its average over Q is -dF/dtheta (notebook 08).

    Parameters
    ----------
    hm : HelmholtzMachine with ``imaging="sigmoid"``.
    states : list of L binary arrays, ``states[l-1]`` of shape (batch, n_l).

    Returns
    -------
    dict with keys ``"theta"`` (list shaped like ``hm.theta``) and ``"theta_bias"``.
    """
    states = _check_states(hm, states, "states")
    d_theta, d_bias = _wake_direction(hm.theta, hm.theta_bias, states)
    return {"theta": d_theta, "theta_bias": d_bias}


def sleep_gradient(hm, states):
    """Sleep-phase delta rule for given states (a fantasy): the gradient of sum log Q(s^2, ...,
    s^L | s^1) over the batch with respect to the recognition parameters (Eqs. (7)-(8)).

    ``phi[l-2]`` gets ``s^{l-1}^T (s^l - q^l)`` and ``phi_bias[l-2]`` gets ``sum_batch (s^l - q^l)``,
    with q^l = sigma(phi_bias[l-2] + s^{l-1} phi[l-2]), for l = 2..L.

    Parameters
    ----------
    hm : HelmholtzMachine with ``imaging="sigmoid"``.
    states : list of L binary arrays, ``states[l-1]`` of shape (batch, n_l).

    Returns
    -------
    dict with keys ``"phi"`` (list shaped like ``hm.phi``) and ``"phi_bias"``.
    """
    states = _check_states(hm, states, "states")
    d_phi, d_bias = _sleep_direction(hm.phi, hm.phi_bias, states)
    return {"phi": d_phi, "phi_bias": d_bias}


# ---------------------------------------------------------------------- training
_CHUNK = 8192  # examples drawn per call of a data sampler


def _as_sampler(data, width):
    """Turn ``data`` (an array of patterns, or a callable ``data(n, rng)``) into ``sample(n, rng)``.

    Every chunk a callable returns is checked (shape (n, width), binary) before it is used.
    """
    if callable(data):
        buffer = {"x": np.zeros((0, width)), "next": 0}

        def sample(n, rng):
            # draw fresh examples in chunks: one call of the (slow) sampler per many minibatches
            if buffer["next"] + n > len(buffer["x"]):
                chunk = max(n, _CHUNK)
                x = as_data(data(chunk, rng), width, f"the output of the data sampler data({chunk}, rng)")
                if x.shape[0] != chunk:
                    raise ValueError(f"the data sampler returned shape {x.shape}; expected ({chunk}, {width})")
                buffer["x"], buffer["next"] = x, 0
            start = buffer["next"]
            buffer["next"] = start + n
            return buffer["x"][start : start + n]  # (n, width)

        return sample
    patterns = as_data(data, width, "data")

    def sample(n, rng):
        return patterns[rng.integers(0, len(patterns), size=n)]  # (n, width), with replacement

    return sample


def _check_settings(settings):
    if settings is None:
        return WakeSleepSettings()
    return as_instance(settings, WakeSleepSettings, "settings").check()


def _check_callbacks(callback, monitor):
    for name, f in (("callback", callback), ("monitor", monitor)):
        if f is not None and not callable(f):
            raise TypeError(f"{name} is {describe(f)}; expected a function or None")


def _monitor_record(monitor, machine):
    """The monitor's numbers for ``machine`` as a dict (empty without a monitor)."""
    if monitor is None:
        return {}
    record = monitor(machine)
    if not isinstance(record, dict):
        raise TypeError(f"monitor returned {describe(record)}; expected a dict of numbers, e.g. {{'kl': 0.3}}")
    return dict(record)


def _snapshot(theta, theta_bias, phi, phi_bias):
    return HelmholtzMachine(theta, theta_bias, phi, phi_bias, imaging="sigmoid")


def _validation_bits(machine, x_valid):
    """Average code length -log2 p(x) of the validation patterns (exact for small machines)."""
    mean, _ = evaluation.log_evidence(
        machine, x_valid, unit="bits", n_samples=VALIDATION_SAMPLES, seed=VALIDATION_SEED
    )
    return -mean


class _Bookkeeping:
    """What a training loop records, shared by :func:`train` and :func:`hmlib.rws.train`: the
    history and the callback's :class:`Progress` at each report, and, with validation data, the
    best machine so far and whether ``patience`` scores in a row have failed to beat it."""

    def __init__(self, history, batch, n_steps, callback, monitor, x_valid, patience):
        self.history, self.batch, self.n_steps = history, batch, n_steps
        self.callback, self.monitor = callback, monitor
        self.x_valid, self.patience = x_valid, patience
        self.best_machine, self.best_bits, self.since_best = None, np.inf, 0

    def report(self, step, machine, final=False):
        record = _monitor_record(self.monitor, machine)
        self.history.examples.append(step * self.batch)
        for key, value in record.items():
            self.history.records.setdefault(key, []).append(value)
        if self.callback is not None:
            latest = self.history.validation_bits[-1] if self.history.validation_bits else None
            self.callback(Progress(examples=step * self.batch, total=self.n_steps * self.batch, machine=machine,
                                   record=record, validation_bits=latest, final=final))

    def validate(self, step, machine):
        """Score the validation data; keep the machine if it is the best so far; True means stop."""
        bits = _validation_bits(machine, self.x_valid)
        self.history.validation_examples.append(step * self.batch)
        self.history.validation_bits.append(bits)
        if bits < self.best_bits:
            self.best_machine, self.best_bits, self.since_best = machine, bits, 0
            self.history.best_examples = step * self.batch
        else:
            self.since_best += 1
        return self.patience is not None and self.since_best >= self.patience


def train(hm, data, settings=None, seed=None, callback=None, monitor=None, report_every=None, validation=None):
    """Train a sigmoid Helmholtz machine by wake-sleep; returns ``(machine, history)``.

    Each step takes a minibatch of ``batch_size`` examples: a wake step on them (update theta),
    then a sleep step on as many fantasies (update phi). See the module docstring.

    With ``validation`` data the run scores them every ``settings.validate_every`` examples (and
    at the start and the end) by their average code length -log2 p(x) in bits
    (``hmlib.evaluation.log_evidence``: exact for machines of at most
    ``evaluation.EXACT_HIDDEN`` hidden units, else ``VALIDATION_SAMPLES`` importance samples per
    pattern, always with the seed ``VALIDATION_SEED``, so that two scores differ by the machine
    only), returns the machine with the best score, and stops once ``settings.patience`` scores
    in a row have not beaten the best.

    Parameters
    ----------
    hm : HelmholtzMachine, ``imaging="sigmoid"``: the starting point (not modified).
    data : ndarray, shape (n_patterns, n_1), binary, from which minibatches are drawn uniformly
        with replacement; or a callable ``data(n, rng)`` returning fresh examples, shape (n, n_1).
    settings : WakeSleepSettings or None (the paper's settings).
    seed : None, int or np.random.Generator; the whole run is reproducible from it.
    callback : callable or None, called with a :class:`Progress` at every report (progress
        bars, live plots). Its return value is ignored.
    monitor : callable or None, ``monitor(machine) -> dict of numbers`` evaluated at every
        report (for example the exact KL); the numbers are stored in the history.
    report_every : int or None, examples between reports (rounded up to whole minibatches);
        None reports about 100 times. There is always a report at the start and at the end.
    validation : array_like, shape (n_valid, n_1), binary, or None: held-out patterns, never
        trained on, that choose the machine returned and when to stop.

    Returns
    -------
    machine : HelmholtzMachine, the trained copy (with ``validation``: the best-scoring one).
    history : WakeSleepHistory; with ``validation`` also the scores, the examples seen by the
        machine returned and whether the run stopped early.
    """
    _check_machine(hm)
    settings = _check_settings(settings)
    _check_callbacks(callback, monitor)
    x_valid = None if validation is None else as_data(validation, hm.sizes[0], "validation")
    L = len(hm.sizes)
    rates = settings.layer_rates(L)
    B = settings.batch_size
    check_bytes((B, 4 * sum(hm.sizes)), "the random numbers and states of one minibatch (batch_size rows)")
    sample = _as_sampler(data, hm.sizes[0])
    rng = as_rng(seed)
    n_steps = -(-settings.examples // B)  # ceil
    if report_every is None:
        report_steps = max(1, n_steps // 100)
    else:
        report_steps = max(1, -(-as_count(report_every, "report_every") // B))
    if settings.validate_every is None:
        validate_steps = max(1, n_steps // VALIDATIONS_PER_RUN)
    else:
        validate_steps = max(1, -(-settings.validate_every // B))

    # Each layer of connections is stored with its biases as an extra last row, and every state
    # buffer carries a constant 1 in its last column, so one matrix product gives a layer's
    # input and one more its delta rule, biases included (about half the numpy calls per step).
    gen = [np.vstack([hm.theta[l], hm.theta_bias[l]]) for l in range(L - 1)]  # (n_{l+2}+1, n_{l+1})
    rec = [np.vstack([hm.phi[l], hm.phi_bias[l]]) for l in range(L - 1)]  # (n_{l+1}+1, n_{l+2})
    top_bias = hm.theta_bias[L - 1].copy()  # (n_L,), the prior of the top layer
    if settings.positive_visible_weights:
        np.maximum(gen[0][:-1], 0.0, out=gen[0][:-1])
    sizes = hm.sizes
    wake = [np.ones((B, n + 1)) for n in sizes]  # (B, n_l + 1), last column the constant 1
    dream = [np.ones((B, n + 1)) for n in sizes]
    # one draw of uniforms per step, split into a slice per layer: wake layers 2..L, then sleep
    # layers L, 1, 2, ..., L-1
    wake_slices, start = [], 0
    for n in sizes[1:]:
        wake_slices.append(slice(start, start + n))
        start += n
    dream_slices = [None] * L
    for layer in [L - 1] + list(range(L - 1)):
        dream_slices[layer] = slice(start, start + sizes[layer])
        start += sizes[layer]
    n_uniform = start
    history = WakeSleepHistory()

    def unpack():
        theta = [g[:-1] for g in gen]
        theta_bias = [g[-1] for g in gen] + [top_bias]
        return theta, theta_bias, [r[:-1] for r in rec], [r[-1] for r in rec]

    book = _Bookkeeping(history, B, n_steps, callback, monitor, x_valid, settings.patience)

    def report(step, final=False):
        book.report(step, _snapshot(*unpack()), final)

    def validate(step):
        return book.validate(step, _snapshot(*unpack()))

    # the annealing factor of each step: 1 until anneal_start, then geometric to final_lr_factor
    anneal_from = int(settings.anneal_start * n_steps)
    log_final = np.log(settings.final_lr_factor)
    warmup_steps = int(settings.warmup * n_steps)

    if x_valid is not None:
        validate(0)
    report(0)
    last = n_steps
    for step in range(n_steps):
        factor = 1.0 if step < anneal_from else np.exp(log_final * (step - anneal_from + 1) / (n_steps - anneal_from))
        if step < warmup_steps:
            factor *= (step + 1) / warmup_steps
        lr = [r * factor for r in rates]  # per example; the directions are batch sums
        lr_sleep = [r * settings.sleep_lr_factor for r in lr]
        u = rng.random((B, n_uniform))  # every uniform this step needs, in one call
        # wake: data up through Q (Eqs. (7)-(8)), then the delta rule on theta
        wake[0][:, :-1] = sample(B, rng)
        for l in range(L - 1):
            q = expit(wake[l] @ rec[l])  # (B, n_{l+2})
            np.less(u[:, wake_slices[l]], q, out=wake[l + 1][:, :-1], casting="unsafe")
        if settings.update_generative:
            for l in range(L - 1):
                err = wake[l][:, :-1] - expit(wake[l + 1] @ gen[l])  # (B, n_{l+1})
                gen[l] += lr[l] * (wake[l + 1].T @ err)  # (n_{l+2}+1, n_{l+1}), bias row included
            top_bias += lr[L - 2] * (wake[L - 1][:, :-1] - expit(top_bias)).sum(axis=0)
            if settings.positive_visible_weights:
                np.maximum(gen[0][:-1], 0.0, out=gen[0][:-1])
        # sleep: a fantasy down through the generative model (Eq. (10)), then the delta rule on phi
        np.less(u[:, dream_slices[L - 1]], expit(top_bias), out=dream[L - 1][:, :-1], casting="unsafe")
        for l in range(L - 2, -1, -1):
            p = expit(dream[l + 1] @ gen[l])  # (B, n_{l+1})
            np.less(u[:, dream_slices[l]], p, out=dream[l][:, :-1], casting="unsafe")
        if settings.update_recognition:
            for l in range(L - 1):
                err = dream[l + 1][:, :-1] - expit(dream[l] @ rec[l])  # (B, n_{l+2})
                rec[l] += lr_sleep[l] * (dream[l].T @ err)  # (n_{l+1}+1, n_{l+2})
        done = step + 1
        if x_valid is not None and (done % validate_steps == 0 or done == n_steps):
            if validate(done) and done < n_steps:
                history.stopped_early, last = True, done
                break
        if done % report_steps == 0 and done < n_steps:
            report(done)
    report(last, final=True)
    if x_valid is not None:
        return book.best_machine, history
    return _snapshot(*unpack()), history


def fit(x, machine=None, *, sizes=None, seed=None, settings=None, validation=None, callback=None, monitor=None,
        report_every=None):
    """Train a Helmholtz machine on binary data by wake-sleep; returns ``(machine, history)``.

    The same call as ``hmlib.meanfield_fit.fit``: the data first, then a starting machine or the
    layer sizes. Without a machine it starts from ``initial_machine(sizes, x, seed)``: small
    random weights and the visible biases at the data's pixel log-odds. Then :func:`train`.

    Parameters
    ----------
    x : array_like, shape (n, n_1), binary: the training patterns (drawn uniformly, with replacement).
    machine : HelmholtzMachine with ``imaging="sigmoid"`` to start from (not modified), or None.
    sizes : layer sizes (n_1, ..., n_L), needed when ``machine`` is None.
    seed : None, int or np.random.Generator: the starting machine and the whole run.
    settings : WakeSleepSettings or None (the defaults, for ordinary binary data).
    validation, callback, monitor, report_every : as for :func:`train`.

    Returns
    -------
    machine : HelmholtzMachine (with ``validation``: the best-scoring one).
    history : WakeSleepHistory.
    """
    settings = _check_settings(settings)
    rng = as_rng(seed)
    if machine is None:
        if sizes is None:
            raise ValueError("sizes is None and machine is None; give a starting machine or the layer sizes")
        machine = initial_machine(sizes, x, seed=rng)
    else:
        _check_machine(as_machine(machine, "machine"))
        if sizes is not None and as_sizes(sizes) != machine.sizes:
            raise ValueError(f"sizes is {tuple(sizes)} but the machine has sizes {machine.sizes}; give one or the other")
        x = as_data(x, machine.sizes[0], "x")
    return train(machine, x, settings, seed=rng, callback=callback, monitor=monitor, report_every=report_every,
                 validation=validation)


def train_with_pilots(
    hm, data, settings=None, seed=None, pilots=4, pilot_examples=100_000, score_examples=2000,
    callback=None, monitor=None, report_every=None,
):
    """Wake-sleep with a choice of start: ``pilots`` short runs, then the best one continued.

    Wake-sleep can settle early into a poor solution that it does not leave (notebook 09: on the
    bars, 4 of 10 plain runs, already apart from the others after 10^5 examples). This runs ``pilots`` runs of
    ``pilot_examples`` examples from ``hm``, scores each by the average importance-sampled
    log p(x) (``hmlib.evaluation.importance_log_evidence``, 20 samples per pattern) of
    ``score_examples`` fresh examples drawn from ``data`` (training data only, never the true
    distribution), and continues the best one for the remaining ``settings.examples -
    pilot_examples`` examples. It is model selection on top of wake-sleep, not part of the paper.

    Parameters are those of :func:`train`, plus
    pilots : int from 1 (plain :func:`train`) to ``MAX_PILOTS``; pilot_examples : int < settings.examples;
    score_examples : int, examples used to score each pilot.
    Learning-rate schedules (warmup, annealing) apply separately to the pilots and to the continuation.

    Returns
    -------
    machine : HelmholtzMachine.
    history : WakeSleepHistory of the chosen pilot followed by its continuation (examples counted
        along that path).
    info : dict with ``"scores"`` (average log p(x) of each pilot, nats), ``"chosen"`` (its index)
        and ``"examples"`` (every example used for training, the discarded pilots included).
    """
    from hmlib.evaluation import importance_log_evidence  # evaluation imports exact, not this module

    _check_machine(hm)
    settings = _check_settings(settings)
    _check_callbacks(callback, monitor)
    pilots = as_count(pilots, "pilots", maximum=MAX_PILOTS)
    pilot_examples = as_count(pilot_examples, "pilot_examples")
    score_examples = as_count(score_examples, "score_examples")
    if pilot_examples >= settings.examples:
        raise ValueError(f"pilot_examples is {pilot_examples}; expected fewer than settings.examples = {settings.examples}")
    check_bytes((20 * score_examples, 2 * sum(hm.sizes)), "the importance samples that score a pilot (score_examples)")
    rng = as_rng(seed)
    sample = _as_sampler(data, hm.sizes[0])
    pilot_settings = replace(settings, examples=pilot_examples)
    runs, scores = [], []
    for _ in range(pilots):
        machine, history = train(hm, data, pilot_settings, seed=rng, monitor=monitor, report_every=report_every)
        x = sample(score_examples, rng)  # (score_examples, n_1): fresh training examples
        log_p, _ = importance_log_evidence(machine, x, n_samples=20, seed=rng)
        runs.append((machine, history))
        scores.append(float(log_p.mean()))
    chosen = int(np.argmax(scores))
    machine, first = runs[chosen]
    rest = replace(settings, examples=settings.examples - pilot_examples)

    def shifted(progress):
        if callback is not None:
            callback(replace(progress, examples=progress.examples + pilot_examples, total=progress.total + pilot_examples))

    machine, second = train(machine, data, rest, seed=rng, callback=shifted, monitor=monitor, report_every=report_every)
    history = WakeSleepHistory(examples=list(first.examples), records={k: list(v) for k, v in first.records.items()})
    for i, examples in enumerate(second.examples[1:], start=1):  # its first report repeats the pilot's last
        history.examples.append(examples + pilot_examples)
        for key, values in second.records.items():
            history.records.setdefault(key, []).append(values[i])
    info = {"scores": scores, "chosen": chosen, "examples": pilots * pilot_examples + rest.examples}
    return machine, history, info
