"""Self-checking "Try it" exercises: ``check("04.3", answer)`` says right or wrong, never the answer.

Every notebook ends with "Try it" items. Each item that has a definite answer has an entry here,
under the id ``"NN.k"`` (notebook NN, item k; ``"NN.ka"``/``"NN.kb"`` where one item asks two
things). ``check(exercise_id, answer)`` prints whether the answer is right and, for the common
mistakes (nats for bits, a sign, a layer too few, weights without biases, a probability for a
log-probability...), a hint; it returns a :class:`CheckResult`. Conceptual items are multiple
choice: ``hmlib.views.exercises.choice("02.3")`` shows them as radio buttons with a Check button,
and ``check("02.3", "b")`` checks a letter without a widget. ``stub(exercise_id)`` is the code a
student edition shows in place of the solution.

No plain answer sits in this file, so that the student edition can ship it:

- **numeric** answers are compared with a value computed from ``hmlib`` when ``check`` runs (the
  machine of the notebook, re-made with the same seed and arguments; a training run is repeated
  with the notebook's seed, up to about 10 seconds, once per session), within the stated
  tolerance: |answer - value| <= max(absolute, relative * |value|), for each number of a pair;
- **hash** answers (a count, a shape) and the right option of a **choice** are compared through
  ``sha256(SALT | id | canonical form)``; the common mistakes are stored the same way. (A hash
  hides the answer from a reader, not from someone who tries every small number: it keeps the
  answer out of sight, which is what a student edition needs.)
- **example** answers (06.3) are any example with the asked property, checked by computing it.

Each tolerance is wide enough to accept the rounded value the folded solution states (and what
the notebook's printout or widget shows), and narrow enough that every hinted mistake (x ln 2,
sign, swapped pair, the notebook's unchanged machine...) falls outside it; tests/test_exercises.py
checks both. 01.2's 4% is over 4 standard errors of a 10,000-sample average (one is 0.85% of p(x)).

Reading the reference computations below still shows *how* to compute an answer; what it
hides is the number.

=======  =================================================================  =======  ===================
id       question (short)                                                   kind     tolerance
=======  =================================================================  =======  ===================
00.1     arrows (weights) in each network of a 6-4-2-1 machine              hash     exact
00.2     weights and biases of ``hm`` (4-3-2), both networks together       hash     exact
00.3     shape of ``phi[1]`` in a 4-3-2 machine                             hash     exact
01.1     why sum_x p(x) = 1 for every choice of weights                     choice   exact
01.2     p(x = 1011) estimated from 10,000 samples of z                     numeric  ± 4%
01.3     configurations in the sum of Eq. (1) for a 16-8-4-1 machine        hash     exact
02.1     P(A, B) - P(A) P(B) under the posterior with theta = (1, 1)        numeric  ± 0.0005
02.2     P(A on | effect) when cause B has prior bias +1                    numeric  ± 0.005
02.3     the posterior for small and for large T                            choice   exact
03.1     height of the flat line for x = 0110                               numeric  ± 0.005
03.2     why Eq. (4) for one z is no shortcut to log Z                      choice   exact
03.3     the Q for which <-E - log Q>_Q = log Z                             choice   exact
04.1     why gradient ascent cannot bring Q all the way to P                choice   exact
04.2     the Q that maximises -<E>_Q alone                                  choice   exact
04.3     gap log p(x) - (-F) after 0 and 40 steps, in bits                  numeric  ± 2%
05.1a    why one unit per layer is matched exactly, three are not           choice   exact
05.1b    the layer-wise gap for n_2 = 1, n_3 = 3, default pattern and seed  numeric  ± 0.00005
05.2     error of the first layer-3 unit for weight factors 1 and 2         numeric  ± 0.004
05.3     the layer-wise gap of the fit, in bits                             numeric  ± 3%
06.1a    which values agree when q_1 = q_2 = 1                              choice   exact
06.1b    Jensen gap naive - exact at q_1 = 0.5, theta = (10, 0), b = 0.05   numeric  ± 0.005
06.2     Eq. (11) for a unit with no active parent, b = 0.05                numeric  ± 2%
06.3     a sigmoid unit above and one below E_Q[sigma(b + s theta)]         example  computed
07.1     why L-BFGS-B stopped without the weight penalty                    choice   exact
07.3     whether "thresholded at 0.5" is a fair test                        choice   exact
08.1     the sleep phase's Q(z = 00 | x = 1) with top biases 0              numeric  ± 0.01
08.2     KL gaps F - (-log Z) of ``slept`` and ``descended``, nats          numeric  ± 0.01
08.3     log Z and -F without the sleep phase, nats per pattern             numeric  ± 0.05
09.1     KL of a bars machine after 200,000 examples, bits                  numeric  ± 0.005
09.2     whether the positivity constraint matters                          choice   exact
09.3     why P(top on | blank) is not the data's 2/3                        choice   exact
10.1     what learning rates 0.03 and 0.003 change                          choice   exact
10.2     training and test scores without validation data                   choice   exact
10.3     why mixing over classes beats paying for the class and pooling     choice   exact
11.1a    gap log Z - L_1 with scale = 0.5, nats                             numeric  ± 0.005
11.1b    chi^2(P || Q) with scale = 0.5                                     numeric  ± 0.01
11.2     why K = 1 gives minus the theta part of the gradient of F          choice   exact
11.3     KL of an RWS bars machine after 200,000 examples, bits             numeric  ± 0.005
11.4     gains of 1000 steps of exact ascent (wake-sleep 6, rws-both 3)     numeric  ± 0.0015
=======  =================================================================  =======  ===================

:data:`OPEN_ENDED` lists the items without a check and why. Some checked items also ask for a
look or an explanation that no check can judge (04.1's search for settings, 07.1's numbers, 09.1's
fields); the check covers the part with a definite answer.
"""

import hashlib
import math
import numbers
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

SALT = "hmlib.exercises/2024"  # part of every hash: a table of sha256 of small numbers does not help
LN2 = math.log(2.0)  # nats per bit
_ID = re.compile(r"^\d\d\.\d[ab]?$")
_NO_ANSWER = "No answer yet: replace ... with your answer, then run the cell again."

OPEN_ENDED = {
    "07.2": "how far F falls when the shifter run continues depends on round-off: restarting L-BFGS-B "
            "discards its curvature memory and hundreds of iterations amplify the last bits, so the "
            "notebook itself says the digits differ between computers; there is no number to check",
}


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class CheckResult:
    """The verdict of :func:`check`: ``correct`` (bool) and the ``message`` shown to the student.

    ``check`` has already printed the message, so in a notebook the result displays nothing
    (otherwise a cell ending in ``check(...)`` would show the message twice); code reads
    ``.correct`` and ``.message``.
    """

    exercise_id: str
    correct: bool
    message: str

    def _ipython_display_(self):
        pass


class _Unreadable(Exception):
    """The answer is not of the kind the exercise expects; the text says what was expected."""


def digest(exercise_id, canonical):
    """sha256 of ``SALT|exercise_id|canonical``, hex: how hash and choice answers are compared."""
    return hashlib.sha256(f"{SALT}|{exercise_id}|{canonical}".encode("utf-8")).hexdigest()


def _describe_kind(answer):
    """What the student passed, in words, without echoing a number (an echo could be the answer)."""
    if isinstance(answer, str):
        return "text in quotes (a string)"
    if answer is None:
        return "None (did the cell that computes it end in an assignment or a print?)"
    if isinstance(answer, bool):
        return "True or False"
    if hasattr(answer, "shape") and hasattr(answer, "dtype"):
        return f"an array of shape {tuple(answer.shape)}"
    if isinstance(answer, (list, tuple)):
        return f"a {type(answer).__name__} of {len(answer)} entries"
    if isinstance(answer, numbers.Real):
        return "a number"
    if isinstance(answer, numbers.Complex):
        return "a complex number"
    return f"an object of type {type(answer).__name__}"


# ---------------------------------------------------------------------- reading answers
def _as_number(answer):
    """One finite float from an int, a float, a numpy scalar or an array of one entry."""
    if hasattr(answer, "dtype") and getattr(answer, "size", 0) == 1 and hasattr(answer, "item"):
        answer = answer.item()  # a numpy scalar or an array of one entry, e.g. exact.log_evidence(hm, x)
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise _Unreadable(f"you gave {_describe_kind(answer)}")
    value = float(answer)
    if not math.isfinite(value):
        raise _Unreadable("you gave a number that is not finite (nan or inf)")
    return value


def _as_numbers(answer, n):
    """``n`` finite floats from a list, tuple or array of ``n`` numbers (n = 1: one number)."""
    if n == 1:
        return (_as_number(answer),)
    if isinstance(answer, (str, bytes, dict, set)) or not hasattr(answer, "__len__"):
        raise _Unreadable(f"you gave {_describe_kind(answer)}")
    if len(answer) != n:
        raise _Unreadable(f"you gave {_describe_kind(answer)}")
    return tuple(_as_number(a) for a in answer)


def _as_count(answer):
    """A whole number >= 0 (3 and 3.0 are both accepted)."""
    value = _as_number(answer)
    if not value.is_integer() or value < 0:
        raise _Unreadable("you gave a number that is not a whole number >= 0")
    return str(int(value))


def _as_shape(answer):
    """A shape such as ``(5, 7)``: a tuple or list of whole numbers, or ``array.shape``."""
    if hasattr(answer, "shape") and hasattr(answer, "dtype"):
        raise _Unreadable(f"you gave {_describe_kind(answer)}, not its shape (use .shape)")
    if isinstance(answer, (str, bytes, dict, set)) or not isinstance(answer, (tuple, list)):
        raise _Unreadable(f"you gave {_describe_kind(answer)}")
    return ",".join(_as_count(n) for n in answer)


# ---------------------------------------------------------------------- kinds of exercise
@dataclass(frozen=True)
class Tolerance:
    """|answer - value| <= max(absolute, relative * |value|)."""

    absolute: float = 0.0
    relative: float = 0.0

    def accepts(self, answer, value):
        return abs(answer - value) <= max(self.absolute, self.relative * abs(value))

    def __str__(self):
        absolute = f"{self.absolute:.10f}".rstrip("0").rstrip(".")  # 0.00005, not 5e-05
        parts = ([f"± {absolute}"] if self.absolute else []) + ([f"± {self.relative:.0%}"] if self.relative else [])
        return parts[0] if len(parts) == 1 else f"± max({', '.join(parts)})"


@dataclass(frozen=True)
class Numeric:
    """A number (or a pair) compared with ``reference()["answer"]``, computed from hmlib when checked.

    ``reference`` returns a dict: ``"answer"`` and whatever values the ``mistakes`` need; each
    mistake is ``(function of that dict -> the wrong answer it predicts, hint)``.
    """

    question: str
    asks: str
    reference: Callable[[], dict]
    tolerance: Tolerance
    mistakes: tuple = ()
    count: int = 1  # 1: one number; 2: a pair
    right: str = ""
    kind = "numeric"

    def evaluate(self, exercise_id, answer):
        given = _as_numbers(answer, self.count)
        values = self.reference()
        if self._close(given, values["answer"]):
            return True, f"Right. {self.right}".strip()
        for predict, hint in self.mistakes:
            if self._close(given, predict(values)):
                return False, f"Not yet. {hint}"
        return False, (f"Not yet: that is not within {self.tolerance} of the value hmlib computes. "
                       f"The check expects {self.asks}.")

    def _close(self, given, target):
        target = target if isinstance(target, tuple) else (target,)
        return all(self.tolerance.accepts(g, t) for g, t in zip(given, target, strict=True))


@dataclass(frozen=True)
class Hashed:
    """A count or a shape, compared by its salted hash; ``mistakes`` pairs hashes of wrong answers with hints:
    ``((digest, ...), hint)``."""

    question: str
    asks: str
    form: str  # "count" or "shape"
    answer_digest: str
    mistakes: tuple
    right: str = ""
    kind = "hash"
    tolerance = "exact"

    def evaluate(self, exercise_id, answer):
        canonical = _as_count(answer) if self.form == "count" else _as_shape(answer)
        found = digest(exercise_id, canonical)
        if found == self.answer_digest:
            return True, f"Right. {self.right}".strip()
        for digests, hint in self.mistakes:
            if found in digests:
                return False, f"Not yet. {hint}"
        return False, f"Not yet. The check expects {self.asks}; count again, layer by layer."


@dataclass(frozen=True)
class Option:
    """One option of a multiple-choice item and why it is right or wrong."""

    text: str
    why: str


@dataclass(frozen=True)
class Choice:
    """Multiple choice: the option whose (whitespace-normalised) text hashes to ``answer_digest`` is right."""

    question: str
    options: tuple
    answer_digest: str
    kind = "choice"
    tolerance = "exact"

    @property
    def letters(self):
        return "abcdefgh"[: len(self.options)]

    @property
    def asks(self):
        return f"the letter of one option, {', '.join(repr(c) for c in self.letters)}"

    def option(self, letter):
        """The :class:`Option` for ``letter``, or ``_Unreadable``."""
        key = letter.strip().rstrip(").").lower() if isinstance(letter, str) else None
        if not key or key not in self.letters:
            given = f"{letter!r}, which is not one of them" if isinstance(letter, str) else _describe_kind(letter)
            listing = " ".join(f"{c}) {o.text}" for c, o in zip(self.letters, self.options))
            raise _Unreadable(f"you gave {given}. The options are: {listing}")
        return self.options[self.letters.index(key)]

    def evaluate(self, exercise_id, answer):
        chosen = self.option(answer)
        if digest(exercise_id, _normalise(chosen.text)) == self.answer_digest:
            return True, f"Right. {chosen.why}"
        return False, f"Not quite. {chosen.why}"


def _normalise(text):
    return " ".join(text.split())


@dataclass(frozen=True)
class Example:
    """Any answer with the asked property is right: ``verify(answer)`` computes it and returns (bool, text)."""

    question: str
    asks: str
    verify: Callable
    kind = "example"
    tolerance = "computed"

    def evaluate(self, exercise_id, answer):
        return self.verify(answer)


# ---------------------------------------------------------------------- reference computations
# Each repeats the notebook's own code (cell and seed named), imports hmlib lazily and is cached.

@lru_cache(maxsize=None)
def _p_1011():
    """Notebook 01, section 2: p(x = 1011) of random (4, 3, 2), seed 1, scale 1.5, and the mistakes."""
    import numpy as np
    from scipy.special import logsumexp

    from hmlib import exact
    from hmlib.model import HelmholtzMachine

    hm = HelmholtzMachine.random((4, 3, 2), seed=1, scale=1.5)
    patterns = exact.binary_patterns(4)
    log_joint = exact.log_joint(hm, patterns)  # (16, 32): log p(x, z)
    log_prior = logsumexp(log_joint, axis=0)  # (32,): log p(z)
    row = int(np.flatnonzero((patterns == [1, 0, 1, 1]).all(axis=1))[0])
    log_p_x = float(logsumexp(log_joint[row]))
    mean_log = float(np.exp(log_prior) @ (log_joint[row] - log_prior))  # E_p(z)[log p(x | z)]
    return {"answer": math.exp(log_p_x), "log": log_p_x, "jensen": math.exp(mean_log)}


def _alarm(weight, bias_b):
    """Notebook 02, section 4: the two causes and one effect, with weights (w, w) and B's prior bias."""
    import numpy as np

    from hmlib import exact
    from hmlib.model import HelmholtzMachine

    alarm = HelmholtzMachine([np.array([[weight], [weight]])], [np.array([-3.0]), np.array([-2.0, bias_b])],
                             [np.zeros((1, 2))], [np.zeros(2)])
    P = exact.posterior(alarm, np.array([[1.0]]))[0].reshape(2, 2)  # P[A, B]
    p_a, p_b = float(P.sum(axis=1)[1]), float(P.sum(axis=0)[1])
    return {"joint": float(P[1, 1]), "covariance": float(P[1, 1]) - p_a * p_b, "p_a": p_a, "p_b": p_b}


@lru_cache(maxsize=None)
def _weak_causes():
    weak, strong = _alarm(1.0, -2.0), _alarm(5.0, -2.0)
    return {"answer": weak["covariance"], "strong": strong["covariance"], "joint": weak["joint"]}


@lru_cache(maxsize=None)
def _common_cause():
    common, before = _alarm(5.0, 1.0), _alarm(5.0, -2.0)
    return {"answer": common["p_a"], "before": before["p_a"], "p_b": common["p_b"],
            "prior": 1.0 / (1.0 + math.exp(2.0))}


@lru_cache(maxsize=None)
def _flat_line_0110():
    """Notebook 03: log Z of x = 0110 (and of the notebook's x = 1011) for random (4, 2, 2), seed 3, scale 1.5."""
    import numpy as np

    from hmlib import exact
    from hmlib.model import HelmholtzMachine

    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    log_z = exact.log_evidence(hm, np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0]]))
    return {"answer": float(log_z[0]), "other": float(log_z[1])}


@lru_cache(maxsize=None)
def _explorer_gaps():
    """Notebook 04, section 4: KL = log Z - (-F) of the explorer's default setting after 0 and 40 steps."""
    from hmlib import recognition_fit

    trajectory = recognition_fit.explorer_trajectory(3, 2, pattern=11, seed=0)
    kl, neg_f = trajectory["kl"], trajectory["neg_f"]
    return {"answer": (float(kl[0]) / LN2, float(kl[40]) / LN2), "nats": (float(kl[0]), float(kl[40])),
            "neg_f": (float(neg_f[0]) / LN2, float(neg_f[40]) / LN2)}


@lru_cache(maxsize=None)
def _one_three_gap():
    """Notebook 05, Try it 1: the best layer-wise KL for n_2 = 1, n_3 = 3, pattern 11 (1011), seed 0."""
    from hmlib import recognition_fit

    fit = recognition_fit.best_factorial_fit(1, 3, 11, 0)
    return {"answer": fit["kl_layerwise"], "factorial": fit["kl_factorial"]}


@lru_cache(maxsize=None)
def _meanfield_errors():
    """Notebook 05, section 3: Eq. (9) - E_Q[s] of the layer-3 units, for phi^{2,3} scaled by 1, 2 and 4."""
    import numpy as np

    from hmlib import exact, meanfield, recognition_fit
    from hmlib.model import HelmholtzMachine

    x = recognition_fit.visible_pattern(11)
    base = recognition_fit.explorer_machine(3, 2, seed=2)
    configs = exact.hidden_configurations(base.sizes)
    errors = {}
    for factor in (1, 2, 4):
        m = HelmholtzMachine(base.theta, base.theta_bias, [base.phi[0], factor * base.phi[1]], base.phi_bias)
        exact_means = exact.recognition_distribution(m, x)[0] @ configs  # (5,)
        errors[factor] = np.concatenate(meanfield.recognition_means(m, x)[1:], axis=1)[0] - exact_means
    return {"answer": (float(errors[1][3]), float(errors[2][3])), "second": (float(errors[1][4]), float(errors[2][4])),
            "four": float(errors[4][3])}


@lru_cache(maxsize=None)
def _fit_gap_bits():
    """Notebook 05, section 4: the layer-wise KL of best_factorial_fit(3, 2, pattern=11, seed=0), in bits."""
    from hmlib import recognition_fit

    fit = recognition_fit.best_factorial_fit(3, 2, pattern=11, seed=0)
    return {"answer": fit["kl_layerwise"] / LN2, "nats": fit["kl_layerwise"], "factorial": fit["kl_factorial"] / LN2}


@lru_cache(maxsize=None)
def _jensen_gap():
    """Notebook 06, Try it 1: one odds unit, q = (0.5, 1), theta = (10, 0), b = 0.05 (the explorer's bias)."""
    from hmlib import meanfield

    u = meanfield.unit_probabilities([0.5, 1.0], [10.0, 0.0], 0.05)
    return {"answer": u["naive"] - u["exact"], "eq11": u["eq11"] - u["exact"], "naive": u["naive"], "exact": u["exact"]}


@lru_cache(maxsize=None)
def _no_active_parent():
    """Notebook 06, Try it 2: Eq. (11) with q = (0, 0) and b = 0.05."""
    from hmlib import meanfield

    u = meanfield.unit_probabilities([0.0, 0.0], [1.0, 1.0], 0.05)
    return {"answer": u["eq11"], "odds": u["exact"]}


def _sleep_only_settings():
    """Notebook 08, section 2: the sleep phase alone, annealed."""
    from hmlib.wakesleep import WakeSleepSettings

    return WakeSleepSettings(examples=400_000, batch_size=100, lr_visible=0.01,
                             update_generative=False, final_lr_factor=0.05, anneal_start=0.5)


def _two_causes(prior_bias):
    from hmlib.model import HelmholtzMachine

    return HelmholtzMachine(theta=[[[12.0], [12.0]]], theta_bias=[[-6.0], [prior_bias, prior_bias]],
                            phi=[[[0.0, 0.0]]], phi_bias=[[0.0, 0.0]])


@lru_cache(maxsize=None)
def _slept(prior_bias):
    """The sleep phase's machine for the two causes with top biases ``prior_bias`` (seed 0, as the notebook)."""
    import numpy as np

    from hmlib.wakesleep import train

    return train(_two_causes(prior_bias), np.array([[1.0]]), _sleep_only_settings(), seed=0)[0]


@lru_cache(maxsize=None)
def _sleep_q00():
    """Notebook 08, Try it 1: Q(z = 00 | x = 1) after the sleep phase alone, top biases 0."""
    import numpy as np

    from hmlib import exact

    x_on = np.array([[1.0]])
    q = exact.recognition_distribution(_slept(0.0), x_on)[0]  # z = 00, 01, 10, 11
    return {"answer": float(q[0]), "posterior": float(exact.posterior(_two_causes(0.0), x_on)[0][0]),
            "before": float(exact.recognition_distribution(_slept(-2.0), x_on)[0][0]), "q11": float(q[3])}


@lru_cache(maxsize=None)
def _mode_averaging_price():
    """Notebook 08, Try it 2: F - (-log Z) for ``slept`` and for ``descended`` (500 steps of descent on F)."""
    import numpy as np

    from hmlib import exact

    x_on = np.array([[1.0]])
    two_causes = _two_causes(-2.0)
    descended = two_causes.copy()
    descended.phi[0][0, 0] = 0.1
    for _ in range(500):
        g = exact.free_energy_gradients(descended, x_on)
        descended.phi[0] -= 2.0 * g["phi"][0]
        descended.phi_bias[0] -= 2.0 * g["phi_bias"][0]
    f = (float(exact.free_energy(_slept(-2.0), x_on)[0]), float(exact.free_energy(descended, x_on)[0]))
    log_z = float(exact.log_evidence(two_causes, x_on)[0])
    return {"answer": (f[0] + log_z, f[1] + log_z), "f": f}


@lru_cache(maxsize=None)
def _without_sleep():
    """Notebook 08, Try it 3: section 3's run (seed 0, 300,000 examples) with update_recognition=False."""
    from hmlib import exact
    from hmlib.data import bars, bars_distribution
    from hmlib.wakesleep import WakeSleepSettings, paper_initialisation, train

    settings = WakeSleepSettings.bars_paper(examples=300_000, batch_size=20, update_recognition=False)
    machine = train(paper_initialisation((16, 8, 1)), lambda n, rng: bars(n, seed=rng)[0], settings, seed=0)[0]
    patterns, probs = bars_distribution()
    log_z = float(probs @ exact.log_evidence(machine, patterns))
    neg_f = float(-(probs @ exact.free_energy(machine, patterns)))
    return {"answer": (log_z, neg_f)}


def _bars_kl(train, settings, seed):
    from hmlib import evaluation
    from hmlib.data import bars, bars_distribution
    from hmlib.wakesleep import paper_initialisation

    machine = train(paper_initialisation(), lambda n, rng: bars(n, seed=rng)[0], settings, seed=seed)[0]
    kl = evaluation.kl_data_model_bits(machine, *bars_distribution())
    return {"answer": kl}


@lru_cache(maxsize=None)
def _short_bars_run():
    """Notebook 09, Try it 1: wake-sleep, 200,000 examples in minibatches of 50, seed 1."""
    from hmlib.wakesleep import WakeSleepSettings, train

    return _bars_kl(train, WakeSleepSettings.bars_paper(examples=200_000, batch_size=50), 1)


@lru_cache(maxsize=None)
def _small_weights_bound():
    """Notebook 11, Try it 1: random (6, 3, 1), seed 3, scale 0.5 (instead of 2), x = 101100."""
    import numpy as np

    from hmlib import exact, iwae
    from hmlib.model import HelmholtzMachine

    x = np.array([[1, 0, 1, 1, 0, 0]], float)
    gaps, chi2 = {}, {}
    for scale in (0.5, 2.0):
        hm = HelmholtzMachine.random((6, 3, 1), seed=3, scale=scale)
        log_z = float(exact.log_evidence(hm, x)[0])
        gaps[scale] = [log_z - float(iwae.importance_bound(hm, x, k)[0]) for k in (1, 2)]
        chi2[scale] = float(iwae.chi_square(hm, x)[0])
    return {"gap": gaps[0.5][0], "gap_2": gaps[0.5][1], "gap_scale_2": gaps[2.0][0],
            "chi2": chi2[0.5], "chi2_scale_2": chi2[2.0]}


@lru_cache(maxsize=None)
def _short_rws_run():
    """Notebook 11, Try it 3: reweighted wake-sleep, 200,000 examples, seed 0."""
    from hmlib import rws

    return _bars_kl(rws.train, rws.RWSSettings(examples=200_000), 0)


@lru_cache(maxsize=None)
def _ascent_gains():
    """Notebook 11, Try it 4: 1000 steps of projected_ascent from wake-sleep seed 6 and rws-both seed 3."""
    from hmlib import evaluation, likelihood
    from hmlib.data import bars_distribution
    from hmlib.model import HelmholtzMachine
    from hmlib.results import results_dir

    patterns, probs = bars_distribution()
    before, after = [], []
    for name in ("wake-sleep-seed-6", "rws-both-seed-3"):
        machine = HelmholtzMachine.load(results_dir("rws") / f"{name}.npz")
        climbed = likelihood.projected_ascent(machine, patterns, probs, steps=1000)[0]
        before.append(evaluation.kl_data_model_bits(machine, patterns, probs))
        after.append(evaluation.kl_data_model_bits(climbed, patterns, probs))
    return {"answer": (before[0] - after[0], before[1] - after[1]), "before": tuple(before), "after": tuple(after)}


def _sigmoid_examples(answer):
    """Notebook 06, Try it 3: (b, theta, q) where sigma(b + q theta) is above E_Q, then one where it is below."""
    from hmlib.imaging import on_probability

    try:
        if isinstance(answer, (str, bytes, dict, set)) or not hasattr(answer, "__len__") or len(answer) != 2:
            raise _Unreadable(f"you gave {_describe_kind(answer)}")
        examples = [_as_numbers(example, 3) for example in answer]
    except _Unreadable as error:
        raise _Unreadable(f"{error}; write ((b, theta, q), (b, theta, q)), the 'above' example first") from None
    signs = []
    for b, theta, q in examples:
        if not 0.0 < q < 1.0 or theta == 0.0:
            return False, ("With q = 0 or 1, or theta = 0, there is nothing to average and both sides are equal: "
                           "pick 0 < q < 1 and a weight theta that is not 0.")
        naive = float(on_probability(b + q * theta, "sigmoid"))
        expected = q * float(on_probability(b + theta, "sigmoid")) + (1 - q) * float(on_probability(b, "sigmoid"))
        signs.append(0 if abs(naive - expected) < 1e-6 else (1 if naive > expected else -1))
    if 0 in signs:
        return False, "In one example the two sides differ by less than 1e-6: pick one where they clearly differ."
    if signs == [1, -1]:
        return True, ("Right: the sigmoid is convex for negative inputs and concave for positive ones, so "
                      "Jensen's inequality points either way.")
    if signs == [-1, 1]:
        return False, "Your first example is below E_Q and your second above: swap them (the 'above' example first)."
    which = "first" if signs[0] == -1 else "second"
    return False, (f"Your {which} example is on the wrong side. The sigmoid is convex where its input is negative "
                   f"and concave where it is positive: where is the chord above the curve, and where below?")


# ---------------------------------------------------------------------- the mistakes students make
def _each(f):
    """Apply ``f`` to every number of a pair (or to the one number)."""
    return lambda v: tuple(f(a) for a in v) if isinstance(v, tuple) else f(v)


def _answer(f):
    return lambda values: _each(f)(values["answer"])


def _swapped(values):
    return values["answer"][::-1]


NATS_FOR_BITS = (_answer(lambda a: a * LN2), "That is the value in nats; the question asks for bits: divide nats "
                 "by ln 2.")
BITS_FOR_NATS = (_answer(lambda a: a / LN2), "That looks like bits; the question asks for nats (natural "
                 "logarithms, as hmlib returns them).")
TIMES_LN2 = (_answer(lambda a: a * LN2 * LN2), "Bits are nats divided by ln 2, not multiplied by it.")
SIGN = (_answer(lambda a: -a), "Check the sign, i.e. the order of the subtraction.")
SWAPPED = (_swapped, "Both numbers are right but in the wrong order: give them in the order asked.")


# ---------------------------------------------------------------------- the exercises
def _choice(question, correct, options):
    """A :class:`Choice` whose digest is given (no option is marked in the source)."""
    return Choice(question, tuple(Option(text, why) for text, why in options), correct)


EXERCISES = {
    # ------------------------------------------------------------------ notebook 00
    "00.1": Hashed(
        "How many arrows does each network of a 6-4-2-1 machine have?",
        "a count: the number of arrows (weights) in one network", "count",
        "7c259314381a0ed04cb853e3f9a17405de0d159a3b49a647dcc60067d98b4b96",
        (
            (("fe5a6b647727e870e063be3292e516438caeb8decc0c17eef6a6b63cca43baa1",),
             "That counts the arrows of both networks; the question asks for one network (both have the same number)."),
            (("6914ca0d4fbcd85c0ac47416342bcee3f909be512263e2e50886c22ad5c7cd86",
              "3a7fc55d6091e85f863bc5d3ab2e4d402bd613995865e7068535e077a1e2b9d1",),
             "That includes biases; an arrow is a weight between two units of adjacent layers."),
            (("ccd7011faa20fc8ab888a54df78b94e5d4ce8bdc6eab27df4f7dd1490b355541",),
             "That is the number of units; count the arrows, one for every pair of units in adjacent layers."),
            (("9a06530719b2884e7dee8691d0c8c0bc24218b455d875135dfd9773ac0028198",
              "e0cd3634db3e0630bfc98519073f7a703a00ccde888e3fd8790916309136349f",
              "7eaec4d07a861c83338df501e91f4262b057db4fb8b34d54d6b6e73d099fa454",),
             "You left out one pair of adjacent layers: a machine with four layers has three pairs, each fully "
             "connected."),
            (("bf983bec02aa896b1c187c57f5e8c147a54288c6e1d3166a27b9c3d1b7946072",),
             "Multiply the sizes within each pair of adjacent layers, then add over the pairs."),
        )),
    "00.2": Hashed(
        "How many numbers (weights and biases) does the machine hm have, both networks together?",
        "a count: every weight and every bias of both networks", "count",
        "fa8b70d36c7e39e0490e6a93bc55c950ea897558c8de5a43a92355c352ab57c2",
        (
            (("56938477025a5640898c1c68b4080087bf7522ff2594c2904fe292fb3d19c6fa",),
             "That counts the weights only; add the biases."),
            (("f5fc8f9755466cbd75ae86875e06e2bd1aaae7c57ed3f61ed8f9889c116474ab",),
             "That is the generative network alone; add the recognition network."),
            (("778673d35719459bf75c72f41bdbf2f3f24e1ef58afbaf7b25f4d25b3f455d0b",),
             "That is the recognition network alone; add the generative network."),
            (("3aab2ba1948e7cc76b09204b09c5c0159b9aefb58f825a2b8988ad41ff227128",),
             "The recognition network has biases for the hidden layers only (it never generates x)."),
            (("d9ec997ee45e8edf2da4985775b13239a0b737cf4ec64e41ea716fbfb468f901",),
             "The generative network also has a bias for each visible unit."),
            (("c0755753ba67100c0d76b615ec13874518264fe5ea95a25d4dad673383231b23",),
             "That is the weights of one network; add the other network and the biases."),
        )),
    "00.3": Hashed(
        "Which shape has phi[1] in the recognition network of a 4-3-2 machine?",
        "a shape such as (5, 7): (rows, columns)", "shape",
        "da9f5c6b553afb854dd498fec850a4fb5a4db62fa8b6d276d5d8c9cb4ff3e6da",
        (
            (("7095c34d867f31e22eeb2643d651f5e07ece2a8a114e355aad9a2240fcba141f",),
             "Transposed: phi^{l-1,l} has shape (n_{l-1}, n_l), one row per unit of the layer below."),
            (("af5bd8e1b4073d20cd4caf424be564cf6beaa9ea98be7f2cb3775bd9811b9e9f",),
             "That is phi[0] = phi^{1,2}; Python counts from 0, so phi[1] connects the next pair of layers."),
            (("5e6fcddadbc318073bd07002cd362e8c7f16adbf2ff737c8f997ae75cda61ccb",),
             "That is theta[0], a generative weight; phi belongs to the recognition network."),
        ),
        right="phi[1] is phi^{2,3}: it connects layer 2 up to layer 3."),
    # ------------------------------------------------------------------ notebook 01
    "01.1": _choice(
        "Why must the sum of p(x) over all patterns x be 1 for every choice of weights?",
        "12eb8a75bc1bb717b419c9a854cb6e2e0fd07c94a7fd27e7cae3c837a1298d3a", (
            ("Because learning adjusts the weights until the probabilities sum to 1.",
             "The sum is 1 for a random machine that has never learned anything, as the notebook's assert shows: "
             "it follows from the form of the model, not from training."),
            ("Because the recognition network normalises p(x).",
             "p(x) of Eq. (1) involves only the generative network: the recognition weights phi do not appear."),
            ("Each factor p(s^l | s^{l+1}) is a product of Bernoulli distributions over layer l, so summing the "
             "joint over layer 1, then layer 2, ..., then the top layer gives 1 at every stage.",
             "Every factor is a normalised distribution over its own layer, whatever the weights, so the sums "
             "collapse one layer at a time."),
            ("It holds only approximately: round-off makes the sum 1 to about 12 decimals.",
             "It holds exactly; round-off only moves the last digits of a sum that is 1 by construction."),
        )),
    "01.2": Numeric(
        "Estimate p(x = 1011) by averaging p(x | z) over 10,000 samples of z from the generative model.",
        "a probability: your estimate of p(x = 1011), the average of p(x | z) over 10,000 samples of z",
        _p_1011, Tolerance(relative=0.04),
        mistakes=(
            (lambda v: v["log"], "That is a log-probability; the question asks for the probability p(x) itself."),
            (lambda v: v["jensen"], "That looks like exp(mean of log p(x | z)): by Jensen's inequality it is below "
             "p(x). Average p(x | z) itself, then take no log."),
            (lambda v: 1.0 - v["answer"], "That is 1 - p(x), the probability of every other pattern."),
            (lambda v: 100.0 * v["answer"], "That looks like a percentage; give the probability, between 0 and 1."),
        ),
        right="With 10,000 samples the estimate is within a few percent: its standard error falls like 1/sqrt(n)."),
    "01.3": Hashed(
        "How many configurations would the sum of Eq. (1) have for a 16-8-4-1 machine?",
        "a count: the number of hidden configurations z", "count",
        "7481fb0aa10ed8fe75f7d979821f333c5b003771361f8518f9ad1fece5862b44",
        (
            (("b93808fed3e7e328f68b7c5b6bb813c46f3e9c7d3d1b4f21a07f25ba36195d71",),
             "That includes the 16 visible units; x is given, and the sum of Eq. (1) runs over the hidden units only."),
            (("7b880afe93b093da442dfa8276838e008ae214c1d6f0075b33ad92134fa66472",),
             "That is the number of hidden units H; the sum has one term per configuration of them."),
            (("1747556501b27f335f236b450996ce935d7485218ae48d60440f10f17be52ece",
              "4a60d78d9536aafe0a9a109d31c9a8d972af8c147d2a6b34e4e5b64578cb42f6",
              "3d85e4c0e446be86e5aef512e4af6c2ec9a3fd1cca33c4e0446397955070c8a5",),
             "You left out a hidden layer: every hidden unit of every hidden layer doubles the count."),
            (("28a542afb99f5057c8eb7d25e2cb93b4b1746545b9aa70ce2377a281d3035ca9",),
             "Each unit has 2 states, and the counts multiply (2 x 2 x ...), they do not add."),
        ),
        right="That is well within exact.MAX_HIDDEN hidden units: exact enumeration is still easy."),
    # ------------------------------------------------------------------ notebook 02
    "02.1": Numeric(
        "With theta^{2,1} = (1, 1), how far is the posterior from factorial?",
        "one number: P(A on, B on) - P(A on) P(B on) under the posterior given the effect, weak causes",
        _weak_causes, Tolerance(absolute=0.0005),
        mistakes=(
            (_answer(lambda a: -a), "Check the sign: explaining away makes the causes anti-correlated, and the "
             "order is P(A, B) - P(A) P(B)."),
            (lambda v: v["strong"], "That is the machine of the notebook, theta = (5, 5); weaken the causes to "
                                    "(1, 1)."),
            (lambda v: v["joint"], "That is P(A on, B on) alone; subtract the product of the marginals."),
            (lambda v: 0.0, "Close to factorial is not exactly factorial: compute the difference to four decimals."),
        ),
        right="With weak causes the posterior stays close to the prior: nearly factorial, still slightly "
              "anti-correlated."),
    "02.2": Numeric(
        "Make cause B common (prior bias +1 instead of -2): what is P(A on | effect)?",
        "a probability: P(A on | effect on) for the machine with B's prior bias +1",
        _common_cause, Tolerance(absolute=0.005),
        mistakes=(
            (lambda v: v["before"], "That is the notebook's machine; change B's prior bias to +1 "
             "(theta_bias=[np.array([-3.0]), np.array([-2.0, 1.0])])."),
            (lambda v: v["p_b"], "That is P(B on | effect), cause B; the question asks about cause A."),
            (lambda v: 1.0 - v["answer"], "That is P(A off | effect); the question asks for A on."),
            (lambda v: v["prior"], "That is A's prior, sigma(-2); the question asks for its posterior given the "
                                   "effect."),
        ),
        right="B is probably on anyway and explains the effect, so A becomes less likely."),
    "02.3": _choice(
        "A Boltzmann distribution at temperature T is P_z proportional to exp(-E_z / T). What happens to the "
        "posterior of hm as T falls towards 0, and as T grows without bound?",
        "92db45e7ad1a828571051b4715ecf34606655ada97ca25f8e785dfd41e66f195", (
            ("Small T: uniform over all 32 configurations; large T: all mass on the lowest-energy configuration.",
             "Swapped: a small T magnifies the energy differences (exp(-dE / T) vanishes for every dE > 0 as T "
             "falls), a large T flattens them."),
            ("Small T: all mass on the lowest-energy configuration; large T: uniform over all 32 configurations.",
             "The weights exp(-(E_z - E_min) / T) vanish for every z above the minimum as T falls, and all "
             "approach 1 as T grows."),
            ("Nothing changes: the posterior cannot depend on T, because Z normalises it.",
             "Z removes a common factor, but the ratios P_a / P_b = exp((E_b - E_a) / T) depend on T."),
            ("Small T: the prior p(z); large T: the posterior at T = 1.",
             "T rescales the whole energy E_z = -log p(x, z), prior and likelihood together; no limit separates them."),
        )),
    # ------------------------------------------------------------------ notebook 03
    "03.1": Numeric(
        "For x = 0110, at which height is the line -E_z - log P_z flat?",
        "one number: the height of the flat line for x = 0110, in nats",
        _flat_line_0110, Tolerance(absolute=0.005),
        mistakes=(
            (lambda v: v["answer"] / LN2, "That is in bits; hmlib works in nats (natural logarithms)."),
            (_answer(lambda a: -a), "Check the sign: the line is at log Z = log p(x), which is negative."),
            (lambda v: math.exp(v["answer"]), "That is Z = p(x) itself; the line is at log Z."),
            (lambda v: v["other"], "That is the height for the notebook's x = 1011; use x = 0110."),
            (lambda v: v["answer"] / math.log(10), "That is a base-10 logarithm; use the natural logarithm."),
        ),
        right="The line is flat for every pattern, at log Z = log p(x) of that pattern."),
    "03.2": _choice(
        "Eq. (4) gives log Z from one energy and one posterior probability. Why is this no shortcut for "
        "computing log Z?",
        "1b81efa9c31a48419b3c608c90ddc15569f2d95a49ab75da2985c1759b06d50c", (
            ("P_z = exp(-E_z) / Z: to know P_z we must already know Z, i.e. do the full sum.",
             "The posterior probability hides the partition function: the identity needs Z to give Z."),
            ("Computing the energy E_z of one configuration is as expensive as the full sum.",
             "E_z = -log p(x, z) is a product of a few Bernoulli factors: cheap for any single z."),
            ("Eq. (4) holds only on average over z, not for a single z.",
             "It holds exactly for every z: that is the flat line of the figure."),
            ("A single term is too inaccurate because of round-off, so many must be averaged.",
             "The identity is exact for every z; the line is flat to 12 decimals. Accuracy is not the obstacle."),
        )),
    "03.3": _choice(
        "For which Q is <-E_z - log Q_z>_Q equal to log Z?",
        "61fbd8abf8bd9fb0735fff1b6889522e38a7f8484557f49f574dfffe0cbfc80e", (
            ("For every Q: like Eq. (5), the average is log Z whatever Q is.",
             "That holds for <-E_z - log P_z>_Q, with log P (the flat line). With log Q the average is -F, which "
             "falls short of log Z by KL(Q || P)."),
            ("For the uniform Q, which favours no configuration.",
             "A uniform Q has KL(Q || P) > 0 unless P itself is uniform, so -F stays below log Z."),
            ("For Q = P, the exact posterior: then KL(Q || P) = 0.",
             "log Z = -F + KL(Q || P), and KL is zero exactly when Q = P (notebook 04)."),
            ("For the Q that puts all its mass on the lowest-energy z.",
             "That Q gives log p(x, z*), below log Z by -log P(z*) > 0 unless the posterior is itself a point mass."),
        )),
    # ------------------------------------------------------------------ notebook 04
    "04.1": _choice(
        "Why can gradient ascent on -F not bring Q all the way to P, even after many steps?",
        "50b35a6516a65bb09308e390d4a4ae51ad16c8aa153076c5a7e82c0ca8c52654", (
            ("The step size is too small; with more steps KL would reach 0.",
             "KL levels off at a positive value however long the ascent runs: the limit is the family of Q, not "
             "the speed."),
            ("Gradient ascent raises KL while it raises -F.",
             "Eq. (6) says the opposite: log Z is fixed, so every gain in -F is an equal loss in KL."),
            ("-F is not bounded above, so the ascent never settles.",
             "-F <= log Z (Gibbs' inequality); the ascent settles, at a Q that is not P."),
            ("Q of Eq. (7) is factorial within each layer given the layer below; the exact posterior is usually not "
             "of that form (explaining away), so the smallest reachable KL is positive.",
             "The recognition model can only express distributions of the form of Eq. (7); notebook 05 measures "
             "the smallest KL it can reach."),
        )),
    "04.2": _choice(
        "If we kept the document's Eq. (6) and maximised -<E>_Q alone, which Q would win?",
        "20400d2c98d025b77cc011d8ddfd36a638ae275440c38a648c2127493f5ec530", (
            ("Q = P, the exact posterior.",
             "P is spread over many z; moving all its mass to the single lowest-energy z raises -<E>_Q further. "
             "Without H(Q) nothing rewards spreading."),
            ("The Q that puts all its mass on the configuration of lowest energy (the most probable z).",
             "-<E>_Q is an average of -E_z, largest when all the weight sits on the largest -E_z; the entropy term "
             "is what keeps Q spread out."),
            ("The uniform Q over all configurations.",
             "The uniform Q maximises the entropy H(Q), the term that was dropped; -<E>_Q alone prefers low energies."),
            ("The Q that equals the prior p(z).",
             "The prior ignores x; -<E>_Q depends on x through E_z = -log p(x, z) and favours the z that explain x."),
        )),
    "04.3": Numeric(
        "For the explorer's default machine, how far below log p(x) is -F after 0 and after 40 steps, in bits?",
        "two numbers: (gap after 0 steps, gap after 40 steps), in bits",
        _explorer_gaps, Tolerance(relative=0.02), count=2,
        mistakes=(
            NATS_FOR_BITS, TIMES_LN2, SIGN, SWAPPED,
            (lambda v: v["neg_f"], "Those are -F themselves (in bits); the question asks how far below log p(x) "
             "they are."),
        ),
        right="The gap is KL(Q || P): large before training, small but not zero after 40 steps."),
    # ------------------------------------------------------------------ notebook 05
    "05.1a": _choice(
        "Why can the layer-wise family of Eq. (7) match every posterior exactly with n_2 = n_3 = 1, but not in "
        "general with n_2 = 1, n_3 = 3?",
        "20fbf352ca03c001205f9f1afe21433d5de9ef81b64799c1627c8341fad9e02b", (
            ("With one unit per layer, P(s^2, s^3) = P(s^2) P(s^3 | s^2) and Eq. (7) can set both factors freely; "
             "with three units in layer 3, Eq. (7) makes them independent given s^2, while the posterior generally "
             "correlates them.",
             "The bias sets Q(s^2); weight and bias set Q(s^3 = 1 | s^2) for both values of s^2. Three layer-3 "
             "units that explain the same s^2 are correlated in the posterior, which Eq. (7) cannot express."),
            ("With more units the optimiser gets stuck in a local minimum.",
             "Even the best Q of the family differs from P: the family cannot express correlations between the "
             "layer-3 units given s^2, whatever the optimiser does."),
            ("Three layer-3 units need more recognition weights than Eq. (7) provides.",
             "Counting parameters is not the point: Eq. (7) cannot express correlations within a layer given the "
             "layer below, whatever its weights."),
            ("With n_2 = n_3 = 1 the posterior is always uniform.",
             "It is not uniform in general; it is a distribution over 4 configurations, which Eq. (7) can "
             "represent as P(s^2) P(s^3 | s^2)."),
        )),
    "05.1b": Numeric(
        "How large is the layer-wise gap for n_2 = 1, n_3 = 3 at the default pattern and seed?",
        "one number: the layer-wise KL in nats for n_2 = 1, n_3 = 3, pattern 1011, seed 0",
        _one_three_gap, Tolerance(absolute=0.00005),
        mistakes=(
            BITS_FOR_NATS, SIGN,
            (lambda v: v["factorial"], "That is the fully factorial family; the question asks for the layer-wise one."),
            (lambda v: 0.0, "Small is not zero: read it to four decimals (the widget shows it)."),
        ),
        right="Small, because the three layer-3 units are only weakly correlated in this machine's posterior, "
              "but not zero."),
    "05.2": Numeric(
        "With the weights into layer 3 multiplied by 1 and by 2, what is the error Eq. (9) - E_Q[s] of the first "
        "layer-3 unit?",
        "two numbers: (error for factor 1, error for factor 2), each Eq. (9) minus E_Q[s] for the first "
        "layer-3 unit",
        _meanfield_errors, Tolerance(absolute=0.004), count=2,
        mistakes=(
            (_answer(lambda a: -a), "Check the sign: the error is Eq. (9) minus E_Q[s], as in the notebook's table."),
            SWAPPED,
            (lambda v: v["second"], "Those are the second layer-3 unit; the question asks for the first (unit 3 "
             "of 0..4)."),
            (lambda v: (v["four"], v["four"]), "That is the factor 4 of the notebook; use factors 1 and 2."),
        ),
        right="Weak weights keep layer 3's input in a narrow range, where the sigmoid is nearly straight and the "
              "average of the function is close to the function of the average."),
    "05.3": Numeric(
        "For the fit of section 4, how many bits is the gap between the best layer-wise -F and log p(x)?",
        "one number: the layer-wise gap of the fit of section 4 (3 and 2 hidden units, x = 1011, seed 0), in bits",
        _fit_gap_bits, Tolerance(relative=0.03),
        mistakes=(
            NATS_FOR_BITS, TIMES_LN2, SIGN,
            (lambda v: v["factorial"], "That is the fully factorial family; the question asks for the layer-wise one."),
        ),
        right="The gap between the best -F and log p(x) is the KL, here converted to bits."),
    # ------------------------------------------------------------------ notebook 06
    "06.1a": _choice(
        "In the imaging explorer with q_1 = q_2 = 1 (both parents surely on), which of the three values agree?",
        "d89b0f7dead7fe8c8e5928cd7a04e1403d76fac6255a6c19c3a77276f5426142", (
            ("All three: with certain parents every approximation is exact.",
             "Eq. (11) is still lower: its second factor is below 1 even when q = 1."),
            ("None: the three values differ for every q.",
             "With q = 1 nothing is averaged, so the naive value equals the exact one."),
            ("The naive value and the exact E_Q[p]; Eq. (11) is lower.",
             "With certain parents there is nothing to average: the naive value is the exact u / (1 + u) with "
             "u = b + theta_1 + theta_2, and Eq. (11)'s second factor is below 1."),
            ("Eq. (11) and the exact E_Q[p]; the naive value is higher (Jensen).",
             "Jensen's gap needs uncertain parents; with q = 1 there is none, and the naive value is exact."),
        )),
    "06.1b": Numeric(
        "With q_1 = 0.5, theta_1 = 10, theta_2 = 0 (b = 0.05), how large is the Jensen gap?",
        "one number: the naive value minus the exact E_Q[p], at q_1 = 0.5, theta_1 = 10, theta_2 = 0, b = 0.05",
        _jensen_gap, Tolerance(absolute=0.005),
        mistakes=(
            (_answer(lambda a: -a), "Check the sign: Jensen keeps the naive value above the exact one, and the gap "
                                    "is naive minus exact."),
            (lambda v: v["eq11"], "That is Eq. (11) minus the exact value; the Jensen gap is the naive value minus "
                                  "the exact one."),
            (lambda v: v["naive"], "That is the naive value itself; subtract the exact E_Q[p]."),
            (lambda v: v["exact"], "That is the exact E_Q[p] itself; the gap is the naive value minus it."),
        ),
        right="One parent half on, with a large weight: the average of the concave odds rule is far below its "
              "value at the average input."),
    "06.2": Numeric(
        "What does Eq. (11) give for a unit with no active parent, q = (0, 0), and bias b = 0.05?",
        "one number: the value of Eq. (11) for a unit with q = (0, 0) and bias b = 0.05",
        _no_active_parent, Tolerance(relative=0.02),
        mistakes=(
            (lambda v: v["odds"], "That is the odds rule b / (1 + b) itself; Eq. (11) multiplies it by a second "
                                  "factor, which is not 1 here."),
            (lambda v: math.sqrt(v["answer"]), "That is the odds rule b / (1 + b); Eq. (11) multiplies it by a "
                                               "second factor."),
        ),
        right="With q = 0 every bracket of the second factor is 1, and Eq. (11) squares the odds rule."),
    "06.3": Example(
        "Find (b, theta, q) where sigma(b + q theta) is above E_Q[sigma(b + s theta)], and one where it is below.",
        "two examples, ((b, theta, q), (b, theta, q)): first one where sigma(b + q theta) is above "
        "q sigma(b + theta) + (1 - q) sigma(b), then one where it is below",
        _sigmoid_examples),
    # ------------------------------------------------------------------ notebook 07
    "07.1": _choice(
        "Trained without the weight penalty for 300 iterations, why did L-BFGS-B stop (history.message)?",
        "1feeb9f6ce271404060d80ff1e711375a3473a6ddcf6452e9bb70fb78c6857ba", (
            ("It converged: the gradient of the mean-field F fell below the tolerance.",
             "history.message names the iteration limit. Without the penalty the mean-field F has no minimum at "
             "finite weights, so there is nothing to converge to."),
            ("The line search failed because the analytic gradient is wrong.",
             "Section 3 checks the gradients against central differences; they are right."),
            ("The exact F reached its minimum.",
             "L-BFGS-B minimises the mean-field F, not the exact F; the exact F rises to hundreds or thousands of "
             "nats while the mean-field F falls."),
            ("It reached the iteration limit: ever sharper sigmoids keep lowering the mean-field F, which has no "
             "minimum at finite weights.",
             "The weights run away (the largest is in the thousands); the penalty of section 2 gives the fit a "
             "minimum at finite weights."),
        )),
    "07.3": _choice(
        "Is 'thresholded at 0.5' a fair test of a mean-field machine trained on the shifter?",
        "d943f79137ce7ef754a89d83a0127ece3976a8fe70ee36feeb3052b7ae036f89", (
            ("Yes: the top units' means are probabilities, so 0.5 is the natural decision boundary.",
             "A stochastic machine would need means near 0 and 1, and the mean-field F penalises exactly that "
             "(section 5's bound): the trained means stay small, below 0.5."),
            ("Not on its own: the mean-field F favours small graded means, so the direction is present but below "
             "0.5; report the best-threshold accuracy (was the direction found?) beside the 0.5 one (is it coded "
             "as a binary unit would code it?).",
             "Binary means cost at least the bound of section 5; graded means undercut it, so the direction lies "
             "below 0.5. Both accuracies are worth reporting."),
            ("No: the threshold should be 0, because weights can be negative.",
             "The top means lie in [0, 1] and the odds-rule weights are >= 0; a threshold of 0 would call every "
             "pattern one direction."),
            ("Yes: a machine whose 0.5-threshold accuracy is near 0.5 has not found the direction.",
             "Its best-threshold accuracy is 0.99: it found the direction, with means below 0.5."),
        )),
    # ------------------------------------------------------------------ notebook 08
    "08.1": Numeric(
        "With top biases 0, how much mass does the sleep phase's Q put on z = 00?",
        "a probability: Q(z = 00 | x = 1) of the machine trained by the sleep phase alone (seed 0), top biases 0",
        _sleep_q00, Tolerance(absolute=0.01),
        mistakes=(
            (lambda v: v["posterior"], "That is the exact posterior P(z = 00 | x = 1); the question asks for the "
                                       "sleep phase's Q."),
            (lambda v: v["before"], "That is the notebook's machine with top biases -2; set them to 0."),
            (lambda v: 1.0 - v["answer"], "That is the mass Q puts on every other z; the question asks for z = 00."),
            (lambda v: v["q11"], "That is Q(z = 11); the question asks for z = 00 (both causes off)."),
        ),
        right="The factorial Q still gives real mass to an explanation the posterior all but rules out, less "
              "than before because each cause is now more probable."),
    "08.2": Numeric(
        "How far is the exact free energy of slept and of descended from -log Z?",
        "two numbers: (F - (-log Z) for slept, F - (-log Z) for descended), in nats",
        _mode_averaging_price, Tolerance(absolute=0.01), count=2,
        mistakes=(
            BITS_FOR_NATS, SIGN, SWAPPED,
            (lambda v: v["f"], "Those are the free energies F themselves; the distance to the truth is F - (-log Z)."),
        ),
        right="Both gaps are KL(Q || P) > 0; the sleep phase's mode averaging costs about 40% more than descent "
              "on F."),
    "08.3": Numeric(
        "With the sleep phase switched off (update_recognition=False), where do log Z and -F end?",
        "two numbers: (log Z, -F) after 300,000 examples with seed 0, averaged over the data distribution, in "
        "nats per pattern",
        _without_sleep, Tolerance(absolute=0.05), count=2,
        mistakes=(
            BITS_FOR_NATS, SIGN, SWAPPED,
        ),
        right="With Q stuck at its start, the wake phase gets samples that say nothing about the causes: both "
              "phases are needed."),
    # ------------------------------------------------------------------ notebook 09
    "09.1": Numeric(
        "Train one machine with 200,000 examples (seed 1): what KL do you get?",
        "one number: evaluation.kl_data_model_bits of the machine trained with 200,000 examples, minibatches of "
        "50, seed 1, in bits",
        _short_bars_run, Tolerance(absolute=0.005),
        mistakes=(NATS_FOR_BITS, SIGN),
        right="Compare it with the two groups of section 2, and draw the fields with generative_fields."),
    "09.2": _choice(
        "Does the positivity constraint on the generative weights to the pixels matter?",
        "15d54880392f9189d4ffa6d5bd0d8bdf994f989cd3d4f11539fd59f2b27faaa9", (
            ("Yes: without it every seed stalls, because a unit can then switch pixels off, which no cause in the "
             "bars world does.",
             "Six seeds without the constraint all stall, at 1.25 to 3.30 bits; with it, half of them reach about "
             "0.24 bits at the same point."),
            ("No: with or without it, about half the seeds reach the paper's 0.10 bits.",
             "Without the constraint every one of six seeds stalls, at 1.25 to 3.30 bits."),
            ("Yes: without it learning is faster and every seed succeeds.",
             "The opposite: without the constraint every seed stalls."),
            ("It matters only for the recognition weights.",
             "The constraint is on the generative weights to the pixels; the recognition weights are never "
             "constrained."),
        )),
    "09.3": _choice(
        "Why is the posterior of the top unit for the blank image not the data's 2/3 (or 1/3)?",
        "82a530035faf2f5aede2273a27fcabf29d8137768b5a8b50904bb13389f96c85", (
            ("Because the table shows Q, not P.",
             "The table shows both, and P(top on | blank) itself differs from 2/3."),
            ("Because the blank image never occurs in the bars data.",
             "The blank image is the most common one (no bar on, probability 0.8^4 in either orientation), and "
             "the data's P(vertical | blank) is 2/3."),
            ("p_model is not exactly the data distribution: the learned orientation prior, bar probabilities and "
             "pixel noise all shift the posterior; only a perfect model (KL = 0) would give 2/3.",
             "The posterior is the model's, and the model is close to the data but not equal to it."),
            ("Because the top unit codes the number of bars, not the orientation.",
             "The fields show the top unit choosing an orientation; its posterior differs from 2/3 because the "
             "model is not perfect."),
        )),
    # ------------------------------------------------------------------ notebook 10
    "10.1": _choice(
        "Train the threes with rates 0.03 and 0.003 (early stopping on). What changes compared with 0.01?",
        "6efe92840f1c47bb7ea2c008601557192dd988ea48b935e7a3668cfbe0b71c57", (
            ("0.03 diverges and 0.003 reaches a clearly better validation score.",
             "All three reach the same best validation score to within a few hundredths of a bit; early stopping "
             "catches the fast rate before it overfits."),
            ("The best validation score improves steadily as the rate falls.",
             "The best scores agree to within a few hundredths of a bit; the rate changes when they are reached."),
            ("All three stop after the same number of examples.",
             "The rate sets how fast the score improves: best_examples differs by a factor of about four between "
             "0.03 and 0.003."),
            ("All three reach about the same best validation score; 0.03 gets there in fewer examples, 0.003 needs "
             "more than twice as many as 0.01.",
             "With early stopping the result depends little on the rate, which is why the default is a single 0.01."),
        )),
    "10.2": _choice(
        "Trained without validation data for 200,000 examples, how do the training and test scores behave?",
        "4048d991e2300b050c0fe253966e3c22f1b1f3595bb35c2103b2ee768960e630", (
            ("Both keep improving: more training is always better.",
             "The test score drifts up (worse) while the training score falls: the machine memorises its digits."),
            ("The training score keeps improving while the test score drifts up, worse than the early-stopped "
             "machine: it memorises its 90 training digits.",
             "Early stopping on validation digits is the cheapest regulariser here."),
            ("Both get worse: wake-sleep diverges without validation data.",
             "Validation data only decides when to stop; the updates are the same, and the training score keeps "
             "falling."),
            ("The training and test scores stay equal.",
             "With about 90 training digits a 64-16-16-4 machine can memorise them; the two scores separate."),
        )),
    "10.3": _choice(
        "Why do the ten per-class base-rate models weighted by P(c) need fewer bits than the same models paying "
        "for the class, and far fewer than the pooled base rates?",
        "810660f6405fb24a4f496f874daa2577d387e86e18dcab08af1db906f07169f2", (
            ("The mixture is told the class; the pooled model is not.",
             "Neither is told the class: the mixture sums over all classes."),
            ("The pooled model has more parameters and overfits.",
             "The pooled model has 64 pixel probabilities, the ten per-class models 640; the pooled model "
             "underfits: one product cannot express pixels that are on together."),
            ("Summing over classes never needs more bits than paying for the true class (the sum contains its "
             "term), and a mixture of ten products captures pixels that tend to be on together, which one pooled "
             "product cannot.",
             "The first saving is -log2 P(c | x), small where the models are sure of the class; the dependence "
             "between pixels, not the label, is most of the difference to the pooled model."),
            ("Paying for the class always costs log2 10 bits, more than anything a mixture loses.",
             "Paying and mixing differ by -log2 P(c | x), not by a fixed log2 10; it is small where the models "
             "are sure of the class."),
        )),
    # ------------------------------------------------------------------ notebook 11
    "11.1a": Numeric(
        "With scale = 0.5 instead of 2, how large is the gap log Z - L_1?",
        "one number: log Z - L_1 in nats for HelmholtzMachine.random((6, 3, 1), seed=3, scale=0.5) and "
        "x = 101100",
        lambda: {"answer": _small_weights_bound()["gap"], **_small_weights_bound()}, Tolerance(absolute=0.005),
        mistakes=(
            BITS_FOR_NATS, SIGN,
            (lambda v: v["gap_scale_2"], "That is the machine with scale = 2, the notebook's; use scale = 0.5."),
            (lambda v: v["gap_2"], "That is the gap of L_2; the question asks for L_1 = -F."),
        ),
        right="With smaller weights Q is closer to the posterior, and L_K closes the smaller gap quickly."),
    "11.1b": Numeric(
        "With scale = 0.5, what is chi^2(P || Q)?",
        "one number: iwae.chi_square for the machine with scale = 0.5 and x = 101100",
        lambda: {"answer": _small_weights_bound()["chi2"], **_small_weights_bound()}, Tolerance(absolute=0.01),
        mistakes=(
            (lambda v: v["chi2_scale_2"], "That is the machine with scale = 2, the notebook's; use scale = 0.5."),
            (lambda v: v["chi2"] / 2, "That is chi^2 / 2K at K = 1, the predicted gap; the question asks for chi^2."),
        ),
        right="Below 1, so the asymptote chi^2 / 2K holds almost from the start."),
    "11.2": _choice(
        "For K = 1, why is iwae.expected_theta_update(hm, x, 1) minus the theta part of "
        "exact.free_energy_gradients(hm, x)?",
        "d48dacd972dcf021ac0ed670379d964fde5c7dc755b2facc2d0f7bf1567cd728", (
            ("With one sample the normalised importance weight is 1, so the update is the wake phase's delta rule "
             "averaged over Q, which is -dF/dtheta (notebook 08).",
             "E[g_K] is the gradient of L_K, and L_1 = -F: the wake phase follows -dF/dtheta."),
            ("Because for K = 1 the proposal Q equals the posterior P.",
             "Q is the recognition model whatever K is; L_1 = -F lies below log Z by KL(Q || P) > 0."),
            ("Because L_1 = log Z, so its gradient is the gradient of log p(x).",
             "L_1 = -F, not log Z; the notebook shows |E[g_1] - grad log p(x)| = 1.24, far from 0."),
            ("It is a coincidence of this machine.",
             "It holds for every machine and pattern (the unit tests check it to 1e-10)."),
        )),
    "11.3": Numeric(
        "Train one RWS machine on the bars with 200,000 examples (seed 0) and score it.",
        "one number: evaluation.kl_data_model_bits of rws.train(..., rws.RWSSettings(examples=200_000), seed=0), "
        "in bits",
        _short_rws_run, Tolerance(absolute=0.005),
        mistakes=(NATS_FOR_BITS, SIGN),
        right="After 200,000 images the KL is still falling."),
    "11.4": Numeric(
        "Run likelihood.projected_ascent for 1000 steps from wake-sleep seed 6 and rws-both seed 3: how much "
        "do they gain?",
        "two numbers: (gain of wake-sleep seed 6, gain of rws-both seed 3), each the KL before minus the KL after "
        "1000 steps, in bits",
        _ascent_gains, Tolerance(absolute=0.0015), count=2,
        mistakes=(
            NATS_FOR_BITS, SIGN, SWAPPED,
            (lambda v: v["after"], "Those are the KLs after the ascent; the gain is the KL before minus the KL after."),
            (lambda v: v["before"], "Those are the KLs before the ascent; the gain is the KL before minus the KL "
                                    "after."),
        ),
        right="Even wake-sleep's good runs stop short of the optimum, by its bias; RWS gets closer."),
}


# ---------------------------------------------------------------------- the public calls
def _spec(exercise_id):
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id is {_describe_kind(exercise_id)}; expected a string such as '04.3'")
    if exercise_id in OPEN_ENDED:
        raise ValueError(f"exercise_id is {exercise_id!r}, an open-ended item without a check: "
                         f"{OPEN_ENDED[exercise_id]}")
    if exercise_id not in EXERCISES:
        shape = "" if _ID.match(exercise_id) else " (ids look like '04.3': notebook, dot, item)"
        raise ValueError(f"exercise_id is {exercise_id!r}; expected one of {', '.join(EXERCISES)}{shape}")
    return EXERCISES[exercise_id]


def evaluate(exercise_id, answer):
    """Check ``answer`` for the exercise ``exercise_id`` without printing; return a :class:`CheckResult`.

    An answer of the wrong kind (a string where a number is expected, a list of the wrong length,
    ``...`` left in the stub) gives a result with ``correct=False`` and a message saying what is
    expected, not an exception; an unknown ``exercise_id`` raises ``ValueError``.
    """
    spec = _spec(exercise_id)
    if answer is Ellipsis:
        return CheckResult(exercise_id, False, _NO_ANSWER)
    try:
        correct, message = spec.evaluate(exercise_id, answer)
    except _Unreadable as error:
        correct, message = False, f"check({exercise_id!r}, answer) expects {spec.asks}; {str(error).rstrip('.')}."
    return CheckResult(exercise_id, bool(correct), message)


def check(exercise_id, answer):
    """Print whether ``answer`` is right for the "Try it" item ``exercise_id`` (e.g. ``"04.3"``); return
    the :class:`CheckResult`. A wrong answer gets a hint for the common mistakes, never the answer."""
    result = evaluate(exercise_id, answer)
    print(f"{'✓' if result.correct else '✗'} {exercise_id}: {result.message}")
    return result


def choice_item(exercise_id):
    """The :class:`Choice` of a multiple-choice ``exercise_id`` (for ``hmlib.views.exercises``)."""
    spec = _spec(exercise_id)
    if not isinstance(spec, Choice):
        raise ValueError(f"exercise_id is {exercise_id!r}, a {spec.kind} exercise; expected a multiple-choice one "
                         f"({', '.join(i for i, s in EXERCISES.items() if isinstance(s, Choice))})")
    return spec


def stub(exercise_id):
    """The code a student edition shows for ``exercise_id``: what to give, an answer line that runs
    as it is (``...`` gets "No answer yet") and the check; for multiple choice, the widget."""
    spec = _spec(exercise_id)
    if isinstance(spec, Choice):
        return f'choice("{exercise_id}")'
    asks = textwrap.wrap(f"{spec.asks[0].upper()}{spec.asks[1:]}", width=96)
    return "\n".join([f"# {line}" for line in asks] + ["answer = ...", f'check("{exercise_id}", answer)'])
