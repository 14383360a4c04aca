"""The self-checking "Try it" exercises (issue 21): every check accepts the folded solution's answer,
rejects perturbed ones, hints at the common mistakes without giving the answer, hides its answers
behind salted hashes or computes them at check time, and answers bad input with a message.

The right answers here are computed independently of ``hmlib.exercises``: from the solution's own
code written out plainly (by hand where it is short, from distributions summed here where hmlib
gives one), or from the count the solution states.
"""

import functools
import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hmlib import exact, exercises, likelihood, recognition_fit
from hmlib.data import bars, bars_distribution
from hmlib.exercises import EXERCISES, OPEN_ENDED, check, evaluate
from hmlib.model import HelmholtzMachine

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "hmlib" / "exercises.py").read_text()
LN2 = math.log(2)
IDS = list(EXERCISES)
NUMERIC = [i for i, s in EXERCISES.items() if s.kind == "numeric"]
HASHED = [i for i, s in EXERCISES.items() if s.kind == "hash"]
CHOICE = [i for i, s in EXERCISES.items() if s.kind == "choice"]


def sigmoid(u):
    return 1 / (1 + math.exp(-u))


def kl_bits(machine, patterns, probs):
    """KL[p_data || p_model] in bits, summed here from p_model(x) = exp(log_evidence)."""
    return float(np.sum(probs * (np.log(probs) - exact.log_evidence(machine, patterns))) / LN2)


def factorial_kl(fit):
    """KL(Q || P) from the fit's own distributions, summed here."""
    q, p = fit["q_layerwise"], fit["posterior"]
    return float(np.sum(q * np.log(q / p)))


# ---------------------------------------------------------------------- the right answers, independently
def two_causes(prior_bias):
    return HelmholtzMachine(theta=[[[12.0], [12.0]]], theta_bias=[[-6.0], [prior_bias, prior_bias]],
                            phi=[[[0.0, 0.0]]], phi_bias=[[0.0, 0.0]])


def sleep_only(machine):
    from hmlib.wakesleep import WakeSleepSettings, train

    settings = WakeSleepSettings(examples=400_000, batch_size=100, lr_visible=0.01,
                                 update_generative=False, final_lr_factor=0.05, anneal_start=0.5)
    return train(machine, np.array([[1.0]]), settings, seed=0)[0]


def alarm_posterior(weight, bias_b):
    alarm = HelmholtzMachine([np.array([[weight], [weight]])], [np.array([-3.0]), np.array([-2.0, bias_b])],
                             [np.zeros((1, 2))], [np.zeros(2)])
    return exact.posterior(alarm, np.array([[1.0]]))[0].reshape(2, 2)  # P[A, B]


def answer_00_2():
    hm = HelmholtzMachine.random((4, 3, 2), seed=0)
    return sum(a.size for name in ("theta", "theta_bias", "phi", "phi_bias") for a in getattr(hm, name))


def answer_02_1():
    P = alarm_posterior(1.0, -2.0)
    return P[1, 1] - P.sum(axis=1)[1] * P.sum(axis=0)[1]


def answer_04_3():
    hm = recognition_fit.explorer_machine(3, 2, seed=0)
    x = recognition_fit.visible_pattern(11)
    trajectory = recognition_fit.explorer_trajectory(3, 2, pattern=11, seed=0)
    (phi, bias) = trajectory["params"][40]
    trained = HelmholtzMachine(hm.theta, hm.theta_bias, phi, bias)
    return (exact.kl_divergence(hm, x)[0] / LN2, exact.kl_divergence(trained, x)[0] / LN2)


def answer_05_2():
    """Eq. (9) - E_Q[s] of the first layer-3 unit, by hand: Q(s^2) enumerated, sigmoid averaged."""
    x = recognition_fit.visible_pattern(11)[0]
    base = recognition_fit.explorer_machine(3, 2, seed=2)
    errors = []
    for factor in (1, 2):
        q2 = 1 / (1 + np.exp(-(x @ base.phi[0] + base.phi_bias[0])))  # (3,)
        w, b = factor * base.phi[1][:, 0], base.phi_bias[1][0]
        eq9 = sigmoid(q2 @ w + b)
        expectation = 0.0
        for state in np.ndindex(2, 2, 2):
            s2 = np.array(state, float)
            expectation += np.prod(np.where(s2 == 1, q2, 1 - q2)) * sigmoid(s2 @ w + b)
        errors.append(eq9 - expectation)
    return tuple(errors)


def answer_06_1b():
    b = 0.05
    exact_p = 0.5 * (b + 10) / (1 + b + 10) + 0.5 * b / (1 + b)
    naive = (b + 5) / (1 + b + 5)
    return naive - exact_p


def answer_08_1():
    slept = sleep_only(two_causes(0.0))
    q = 1 / (1 + np.exp(-(slept.phi[0][0] + slept.phi_bias[0])))  # Q(cause on | x = 1), Eq. (8)
    return (1 - q[0]) * (1 - q[1])


def answer_08_2():
    x_on = np.array([[1.0]])
    machine = two_causes(-2.0)
    descended = machine.copy()
    descended.phi[0][0, 0] = 0.1
    for _ in range(500):
        g = exact.free_energy_gradients(descended, x_on)
        descended.phi[0] -= 2.0 * g["phi"][0]
        descended.phi_bias[0] -= 2.0 * g["phi_bias"][0]
    minus_log_z = -exact.log_evidence(machine, x_on)[0]
    return (exact.free_energy(sleep_only(machine), x_on)[0] - minus_log_z,
            exact.free_energy(descended, x_on)[0] - minus_log_z)


def answer_08_3():
    from hmlib.wakesleep import WakeSleepSettings, paper_initialisation, train

    settings = WakeSleepSettings.bars_paper(examples=300_000, batch_size=20, update_recognition=False)
    machine = train(paper_initialisation((16, 8, 1)), lambda n, rng: bars(n, seed=rng)[0], settings, seed=0)[0]
    patterns, probs = bars_distribution()
    return (probs @ exact.log_evidence(machine, patterns), -(probs @ exact.free_energy(machine, patterns)))


def answer_09_1():
    from hmlib.wakesleep import WakeSleepSettings, paper_initialisation, train

    machine = train(paper_initialisation(), lambda n, rng: bars(n, seed=rng)[0],
                    WakeSleepSettings.bars_paper(examples=200_000, batch_size=50), seed=1)[0]
    return kl_bits(machine, *bars_distribution())


def small_weights():
    hm = HelmholtzMachine.random((6, 3, 1), seed=3, scale=0.5)
    x = np.array([[1, 0, 1, 1, 0, 0]], float)
    P, Q = exact.posterior(hm, x)[0], exact.recognition_distribution(hm, x)[0]
    gap = exact.log_evidence(hm, x)[0] + exact.free_energy(hm, x)[0]  # log Z - L_1, with L_1 = -F
    return gap, float(np.sum(P**2 / Q) - 1)


def answer_11_3():
    from hmlib import rws
    from hmlib.wakesleep import paper_initialisation

    machine = rws.train(paper_initialisation(), lambda n, rng: bars(n, seed=rng)[0],
                        rws.RWSSettings(examples=200_000), seed=0)[0]
    return kl_bits(machine, *bars_distribution())


def answer_11_4():
    from hmlib.results import results_dir

    patterns, probs = bars_distribution()
    gains = []
    for name in ("wake-sleep-seed-6", "rws-both-seed-3"):
        machine = HelmholtzMachine.load(results_dir("rws") / f"{name}.npz")
        climbed = likelihood.projected_ascent(machine, patterns, probs, steps=1000)[0]
        gains.append(kl_bits(machine, patterns, probs) - kl_bits(climbed, patterns, probs))
    return tuple(gains)


ANSWERS = {
    "00.1": lambda: 6 * 4 + 4 * 2 + 2 * 1,
    "00.2": answer_00_2,
    "00.3": lambda: HelmholtzMachine.random((4, 3, 2), seed=0).phi[1].shape,
    "01.2": lambda: float(np.exp(exact.log_evidence(HelmholtzMachine.random((4, 3, 2), seed=1, scale=1.5),
                                                    np.array([[1.0, 0.0, 1.0, 1.0]]))[0])),
    "01.3": lambda: 2 ** (8 + 4 + 1),
    "02.1": answer_02_1,
    "02.2": lambda: alarm_posterior(5.0, 1.0).sum(axis=1)[1],
    "03.1": lambda: exact.log_evidence(HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5),
                                       np.array([[0.0, 1.0, 1.0, 0.0]]))[0],
    "04.3": answer_04_3,
    "05.1b": lambda: factorial_kl(recognition_fit.best_factorial_fit(1, 3, 11, 0)),
    "05.2": answer_05_2,
    "05.3": lambda: factorial_kl(recognition_fit.best_factorial_fit(3, 2, pattern=11, seed=0)) / LN2,
    "06.1b": answer_06_1b,
    "06.2": lambda: (0.05 / 1.05) ** 2,
    "06.3": lambda: ((2.0, 4.0, 0.5), (-6.0, 4.0, 0.5)),  # the solution's two examples
    "08.1": answer_08_1,
    "08.2": answer_08_2,
    "08.3": answer_08_3,
    "09.1": answer_09_1,
    "11.1a": lambda: small_weights()[0],
    "11.1b": lambda: small_weights()[1],
    "11.3": answer_11_3,
    "11.4": answer_11_4,
}

# the right option of each multiple-choice item, as the folded solution states it
RIGHT_OPTION = {
    "01.1": "product of Bernoulli distributions",
    "02.3": "Small T: all mass on the lowest-energy configuration; large T: uniform",
    "03.2": "to know P_z we must already know Z",
    "03.3": "For Q = P, the exact posterior",
    "04.1": "the exact posterior is usually not of that form",
    "04.2": "all its mass on the configuration of lowest energy",
    "05.1a": "Eq. (7) can set both factors freely",
    "06.1a": "The naive value and the exact E_Q[p]; Eq. (11) is lower",
    "07.1": "It reached the iteration limit",
    "07.3": "Not on its own",
    "09.2": "without it every seed stalls",
    "09.3": "p_model is not exactly the data distribution",
    "10.1": "All three reach about the same best validation score",
    "10.2": "The training score keeps improving while the test score drifts up",
    "10.3": "a mixture of ten products captures pixels that tend to be on together",
    "11.2": "the normalised importance weight is 1",
}

# the values the folded solutions state (rounded): a check must accept what the teacher's text says
STATED = {
    "02.1": -0.004, "02.2": 0.17, "04.3": (5.9, 0.34), "05.1b": 0.0008, "05.2": (-0.038, -0.10),
    "05.3": 0.09, "06.1b": 0.36, "06.2": 0.0023, "08.1": 0.11, "08.2": (0.84, 0.60), "08.3": (-9.1, -10.5),
    "11.1a": 0.17, "11.1b": 0.40, "11.4": (0.043 - 0.013, 0.013 - 0.006),
}


@functools.cache
def answer(exercise_id):
    return ANSWERS[exercise_id]()


def letter_of(exercise_id, fragment):
    spec = EXERCISES[exercise_id]
    found = [c for c, o in zip(spec.letters, spec.options) if fragment in o.text]
    assert len(found) == 1, f"{exercise_id}: {fragment!r} should be in exactly one option"
    return found[0]


def as_tuple(value):
    return tuple(float(v) for v in value) if isinstance(value, tuple) else (float(value),)


def spellings(value):
    """The ways a message could print ``value``: every format with at least two significant digits."""
    texts = set()
    for v in as_tuple(value):
        for fmt in (".2f", ".3f", ".4f", ".5f", ".2g", ".3g", ".4g", "r"):
            text = repr(v) if fmt == "r" else format(v, fmt)
            if len(re.sub(r"^[-0.]+", "", text).replace(".", "")) >= 2:  # two significant digits or more
                texts.update({text, text.lstrip("-"), text.replace("-", "−")})
    return texts


def assert_hides(exercise_id, message):
    """The message of a wrong answer names no spelling of the right one."""
    value = answer(exercise_id) if exercise_id in ANSWERS else None
    if EXERCISES[exercise_id].kind == "numeric":
        leaked = sorted(s for s in spellings(value) if s in message)
        assert not leaked, f"{exercise_id}: the hint {message!r} contains the answer as {leaked}"
    elif EXERCISES[exercise_id].kind == "hash":
        plain = [str(value), str(tuple(value)) if isinstance(value, tuple) else str(value)]
        assert not any(re.search(rf"(?<![\d.]){re.escape(p)}(?!\d|\.\d)", message) for p in plain), message


# ---------------------------------------------------------------------- accepts the right answer
@pytest.mark.parametrize("exercise_id", [i for i in IDS if i in ANSWERS])
def test_accepts_the_solution(exercise_id):
    result = evaluate(exercise_id, answer(exercise_id))
    assert result.correct, f"{exercise_id} rejects the solution's answer: {result.message}"
    assert result.message.startswith("Right")


@pytest.mark.parametrize("exercise_id", list(STATED))
def test_accepts_the_value_the_solution_text_states(exercise_id):
    result = evaluate(exercise_id, STATED[exercise_id])
    assert result.correct, f"{exercise_id} rejects the solution text's {STATED[exercise_id]}: {result.message}"


def test_accepts_the_solution_code_of_01_2_a_sampled_estimate():
    from hmlib.imaging import log_bernoulli

    hm = HelmholtzMachine.random((4, 3, 2), seed=1, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    s2 = hm.sample_generative(10_000, seed=2)[1]
    estimate = np.exp(log_bernoulli(x, hm.generative_input(1, s2), "sigmoid")).mean()
    assert abs(estimate / answer("01.2") - 1) > 0.005, "the estimate differs from p(x): the test means something"
    assert evaluate("01.2", estimate).correct


def test_the_tolerance_of_01_2_is_over_four_standard_errors_of_10000_samples():
    """Var over p(z) of p(x | z), by enumeration: p(x | z) = p(x, z) / p(z), p(z) = sum over x of p(x, z)."""
    hm = HelmholtzMachine.random((4, 3, 2), seed=1, scale=1.5)
    joint = np.exp(exact.log_joint(hm, exact.binary_patterns(4)))  # (16, 32)
    p_z = joint.sum(axis=0)
    p_x_given_z = joint[0b1011] / p_z  # row 11 is x = 1011
    mean = p_z @ p_x_given_z
    standard_error = math.sqrt((p_z @ p_x_given_z**2 - mean**2) / 10_000)
    assert abs(mean - answer("01.2")) < 1e-15
    assert 4 * standard_error < EXERCISES["01.2"].tolerance.relative * mean < 6 * standard_error


@pytest.mark.parametrize("exercise_id", CHOICE)
def test_a_choice_accepts_exactly_the_option_the_solution_names(exercise_id):
    right = letter_of(exercise_id, RIGHT_OPTION[exercise_id])
    verdicts = {c: evaluate(exercise_id, c).correct for c in EXERCISES[exercise_id].letters}
    assert verdicts == {c: c == right for c in verdicts}
    assert evaluate(exercise_id, right.upper() + ")").correct, "'B)' reads as 'b'"


@pytest.mark.parametrize("exercise_id", CHOICE)
def test_a_wrong_choice_explains_itself_without_naming_the_right_one(exercise_id):
    spec = EXERCISES[exercise_id]
    right = letter_of(exercise_id, RIGHT_OPTION[exercise_id])
    right_option = spec.options[spec.letters.index(right)]
    for letter, option in zip(spec.letters, spec.options):
        if letter != right:
            message = evaluate(exercise_id, letter).message
            assert option.why in message, "the message explains why the chosen option is wrong"
            assert right_option.text not in message and right_option.why not in message
            assert f"{right})" not in message and f"'{right}'" not in message


def test_the_answer_can_be_an_array_of_one_entry_or_a_numpy_scalar():
    assert evaluate("03.1", np.array([answer("03.1")])).correct  # exact.log_evidence(hm, x2) as it comes
    assert evaluate("04.3", np.array(answer("04.3"))).correct
    assert evaluate("00.1", np.int64(answer("00.1"))).correct and evaluate("00.1", float(answer("00.1"))).correct
    assert evaluate("00.3", list(answer("00.3"))).correct


def test_06_3_accepts_any_valid_pair_of_examples_and_rejects_the_reverse():
    assert evaluate("06.3", ((1.0, 1.0, 0.3), (-3.0, 2.0, 0.7))).correct
    result = evaluate("06.3", ((-6.0, 4.0, 0.5), (2.0, 4.0, 0.5)))
    assert not result.correct and "swap" in result.message
    assert "nothing to average" in evaluate("06.3", ((2.0, 4.0, 1.0), (-6.0, 4.0, 0.5))).message


@given(first=st.tuples(st.floats(-8, 8), st.floats(-8, 8), st.floats(0.01, 0.99)),
       second=st.tuples(st.floats(-8, 8), st.floats(-8, 8), st.floats(0.01, 0.99)))
def test_06_3_agrees_with_jensen_computed_by_hand(first, second):
    def gap(b, theta, q):
        return sigmoid(b + q * theta) - (q * sigmoid(b + theta) + (1 - q) * sigmoid(b))

    def side(b, theta, q):
        return 0 if abs(gap(b, theta, q)) < 1e-6 or theta == 0 else (1 if gap(b, theta, q) > 0 else -1)

    assume(all(not 0.5e-6 < abs(gap(*example)) < 2e-6 for example in (first, second)))  # no rounding-close ties
    result = evaluate("06.3", (first, second))
    sides = (side(*first), side(*second))
    if 0 not in sides:  # near-ties are refused either way
        assert result.correct == (sides == (1, -1)), (sides, result.message)
    else:
        assert not result.correct


# ---------------------------------------------------------------------- rejects wrong answers
PERTURBATIONS = {
    "nats for bits (x ln 2)": lambda a: a * LN2,
    "bits for nats (/ ln 2)": lambda a: a / LN2,
    "sign": lambda a: -a,
    "plus one": lambda a: a + 1,
    "minus one": lambda a: a - 1,
    "twice": lambda a: 2 * a,
    "half": lambda a: a / 2,
    "ten times": lambda a: 10 * a,
}


def perturbed(value, how, which):
    """``value`` (a number or a pair) with one entry (``which``) or, for which = -1, every entry changed."""
    values = list(as_tuple(value))
    for k in range(len(values)):
        if which == -1 or k == which % len(values):
            values[k] = PERTURBATIONS[how](values[k])
    return tuple(values) if isinstance(value, tuple) else values[0]


@pytest.mark.parametrize("exercise_id", NUMERIC)
@given(how=st.sampled_from(sorted(PERTURBATIONS)), which=st.integers(-1, 1))
def test_numeric_checks_reject_the_hinted_mistakes_and_hide_the_answer(exercise_id, how, which):
    wrong = perturbed(answer(exercise_id), how, which)
    result = evaluate(exercise_id, wrong)
    assert not result.correct, f"{exercise_id} accepts {how} of the answer: {wrong}"
    assert_hides(exercise_id, result.message)


@pytest.mark.parametrize("exercise_id", NUMERIC)
@given(data=st.data())
def test_numeric_checks_reject_far_values(exercise_id, data):
    spec = EXERCISES[exercise_id]
    right = as_tuple(answer(exercise_id))
    width = [max(spec.tolerance.absolute, spec.tolerance.relative * abs(r)) for r in right]
    wrong = [data.draw(st.floats(-1e6, 1e6).filter(lambda v, r=r, w=w: abs(v - r) > 1.5 * w)) for r, w in
             zip(right, width)]
    keep = data.draw(st.integers(-1, len(right) - 1)) if len(right) == 2 else -1  # one of a pair may stay right
    wrong = tuple(r if k == keep else v for k, (r, v) in enumerate(zip(right, wrong)))
    result = evaluate(exercise_id, wrong if len(right) == 2 else wrong[0])
    assert not result.correct
    assert_hides(exercise_id, result.message)


@pytest.mark.parametrize("exercise_id", HASHED)
@given(change=st.integers(-50, 50).filter(lambda c: c != 0), scale=st.sampled_from([1, 2, 3]))
def test_hash_checks_reject_other_counts_and_shapes(exercise_id, change, scale):
    right = answer(exercise_id)
    if isinstance(right, tuple):
        wrong = (right[0] + change, right[1]) if scale == 1 else (right[0], right[1] * scale + change)
        wrong = tuple(abs(n) for n in wrong)
    else:
        wrong = abs(right * scale + change)
    assume(wrong != right)
    result = evaluate(exercise_id, wrong)
    assert not result.correct
    assert_hides(exercise_id, result.message)


# wrong answers the hints are written for: (wrong answer, a phrase of the hint)
MISTAKES = {
    "00.1": [(68, "both networks"), (34 + 13, "biases"), (34 + 7, "biases"), (13, "number of units"),
             (6 * 4 + 4 * 2, "left out one pair"), (6 * 4 * 2 * 1, "Multiply the sizes")],
    "00.2": [(36, "weights only"), (27, "generative network alone"), (23, "recognition network alone"),
             (54, "hidden layers only"), (46, "each visible unit")],
    "00.3": [((2, 3), "Transposed"), ((4, 3), "phi[0]"), ((3, 4), "theta[0]")],
    "01.3": [(2**29, "visible units"), (13, "number of hidden units"), (2**12, "left out a hidden layer"),
             (26, "multiply")],
    "01.2": [(lambda a: math.log(a), "log-probability"), (lambda a: 1 - a, "1 - p(x)"),
             (lambda a: 100 * a, "percentage")],
    "02.1": [(lambda a: -a, "sign"), (lambda a: 0.0, "not exactly factorial"),
             (lambda a: answer_02_1_strong(), "theta = (5, 5)")],
    "02.2": [(lambda a: 1 - a, "A off"), (lambda a: 1 / (1 + math.exp(2)), "prior")],
    "03.1": [(lambda a: a / LN2, "bits"), (lambda a: -a, "sign"), (lambda a: math.exp(a), "Z = p(x)")],
    "04.3": [(lambda a: (a[0] * LN2, a[1] * LN2), "nats"), (lambda a: (a[1], a[0]), "wrong order"),
             (lambda a: (-a[0], -a[1]), "sign")],
    "05.1b": [(lambda a: a / LN2, "bits"), (lambda a: 0.0, "not zero")],
    "05.2": [(lambda a: (-a[0], -a[1]), "sign"), (lambda a: (a[1], a[0]), "wrong order")],
    "05.3": [(lambda a: a * LN2, "nats")],
    "06.1b": [(lambda a: -a, "sign"), (lambda a: (0.05 + 5) / (1 + 0.05 + 5), "naive value itself")],
    "06.2": [(lambda a: 0.05 / 1.05, "odds rule")],
    "08.1": [(lambda a: 1 - a, "every other z")],
    "08.2": [(lambda a: (a[0] / LN2, a[1] / LN2), "bits"), (lambda a: (a[1], a[0]), "wrong order")],
    "08.3": [(lambda a: (a[0] / LN2, a[1] / LN2), "bits"), (lambda a: (a[1], a[0]), "wrong order")],
    "09.1": [(lambda a: a * LN2, "nats")],
    "11.1a": [(lambda a: a / LN2, "bits"), (lambda a: -a, "sign")],
    "11.1b": [(lambda a: a / 2, "chi^2 / 2K")],
    "11.3": [(lambda a: a * LN2, "nats")],
    "11.4": [(lambda a: (a[0] * LN2, a[1] * LN2), "nats"), (lambda a: (-a[0], -a[1]), "sign")],
}


def answer_02_1_strong():
    P = alarm_posterior(5.0, -2.0)
    return P[1, 1] - P.sum(axis=1)[1] * P.sum(axis=0)[1]


@pytest.mark.parametrize("exercise_id, wrong, hint",
                         [(i, w, h) for i, pairs in MISTAKES.items() for w, h in pairs])
def test_the_common_mistakes_get_their_hint_and_not_the_answer(exercise_id, wrong, hint):
    given_answer = wrong(answer(exercise_id)) if callable(wrong) else wrong
    result = evaluate(exercise_id, given_answer)
    assert not result.correct
    assert hint in result.message, f"{exercise_id}: {given_answer} should get the hint {hint!r}: {result.message}"
    assert_hides(exercise_id, result.message)


def test_the_sleep_machines_mistakes_are_the_notebooks_numbers():
    """08.1's hints for the exact posterior and the old machine match what those numbers are."""
    x_on = np.array([[1.0]])
    posterior_00 = exact.posterior(two_causes(0.0), x_on)[0][0]
    assert "exact posterior" in evaluate("08.1", posterior_00).message
    before = sleep_only(two_causes(-2.0))
    q_before = 1 / (1 + np.exp(-(before.phi[0][0] + before.phi_bias[0])))
    assert "top biases -2" in evaluate("08.1", (1 - q_before[0]) * (1 - q_before[1])).message


# ---------------------------------------------------------------------- nothing to read off the source
def test_the_hashes_are_salted():
    for exercise_id in HASHED + CHOICE:
        spec = EXERCISES[exercise_id]
        right = answer(exercise_id) if exercise_id in ANSWERS else None
        if spec.kind == "hash":
            canonical = ",".join(map(str, right)) if isinstance(right, tuple) else str(right)
        else:
            canonical = " ".join(spec.options[spec.letters.index(letter_of(exercise_id, RIGHT_OPTION[exercise_id]))]
                                 .text.split())
        assert spec.answer_digest == exercises.digest(exercise_id, canonical)
        assert spec.answer_digest != hashlib.sha256(canonical.encode()).hexdigest(), "unsalted"
        assert spec.answer_digest != hashlib.sha256(f"{exercise_id}|{canonical}".encode()).hexdigest()


def test_no_digest_in_the_source_is_a_plain_hash_of_a_small_number():
    digests = set(re.findall(r"[0-9a-f]{64}", SOURCE))
    assert len(digests) >= 20
    plain = {hashlib.sha256(str(n).encode()).hexdigest() for n in range(100_000)}
    assert not digests & plain


def test_a_changed_salt_changes_every_digest(monkeypatch):
    before = {i: exercises.digest(i, "34") for i in HASHED}
    monkeypatch.setattr(exercises, "SALT", "another salt")
    assert all(exercises.digest(i, "34") != d for i, d in before.items())


def test_the_source_holds_no_plain_answer():
    """No count, shape or computed value of an answer is written in hmlib/exercises.py."""
    code = SOURCE.split('"""', 2)[2]  # the module's docstring table names questions, not answers
    for exercise_id in HASHED:
        right = answer(exercise_id)
        texts = [f"({right[0]}, {right[1]})", f"({right[0]},{right[1]})"] if isinstance(right, tuple) else [str(right)]
        for text in texts:
            for match in re.finditer(rf"(?<![\w.]){re.escape(text)}(?![\w.])", code):
                context = code[max(0, match.start() - 30): match.end() + 10]
                assert "batch" in context or "minibatches" in context, f"{exercise_id}: {context!r}"
    for exercise_id in NUMERIC:
        for value in as_tuple(answer(exercise_id)):
            for text in (format(value, ".3g"), format(value, ".4f")):
                if len(re.sub(r"^[-0.]+", "", text).replace(".", "")) >= 3:
                    assert text not in code, f"{exercise_id}: {text} is written in the source"


# ---------------------------------------------------------------------- bad input gets a message
BAD_INPUTS = ["5.9", None, {"a": 1}, [1.0, 2.0, 3.0], float("nan"), True, 2 + 1j, object()]


@pytest.mark.parametrize("exercise_id", IDS)
# ids that are the same in every process (pytest-xdist collects in each worker): repr(object())
# holds an address
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda bad: "object()" if type(bad) is object else repr(bad))
def test_a_bad_answer_gets_a_message_saying_what_is_expected(exercise_id, bad):
    result = evaluate(exercise_id, bad)
    assert not result.correct
    assert "expects" in result.message and EXERCISES[exercise_id].asks in result.message
    if isinstance(bad, str) and EXERCISES[exercise_id].kind != "choice":
        assert "string" in result.message


@pytest.mark.parametrize("exercise_id", IDS)
@given(bad=st.one_of(st.text(max_size=5), st.none(), st.booleans(), st.complex_numbers(),
                     st.lists(st.floats(allow_nan=True), max_size=4),
                     st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                     st.tuples(st.text(max_size=2), st.floats())))
def test_no_answer_raises(exercise_id, bad):
    result = evaluate(exercise_id, bad)
    assert isinstance(result, exercises.CheckResult)


def test_the_stub_runs_and_asks_for_an_answer(capsys):
    result = check("04.3", ...)
    assert not result.correct and "replace ..." in result.message
    assert capsys.readouterr().out.count("replace ...") == 1


def test_check_prints_the_message_once_and_returns_the_result(capsys):
    result = check("00.1", answer("00.1"))
    printed = capsys.readouterr().out
    assert result.correct and printed.count(result.message) == 1 and "00.1" in printed
    assert hasattr(result, "_ipython_display_"), "a cell ending in check(...) does not show the message twice"


def test_a_string_where_a_number_is_expected_is_explained():
    message = evaluate("04.3", "5.9, 0.34").message
    assert "two numbers" in message and "string" in message and "bits" in message


def test_an_unknown_or_open_ended_id_is_a_value_error():
    with pytest.raises(ValueError, match="'4.3'.*ids look like"):
        evaluate("4.3", 1.0)
    with pytest.raises(ValueError, match="open-ended"):
        evaluate("07.2", 1.0)
    with pytest.raises(TypeError, match="exercise_id"):
        evaluate(4.3, 1.0)


# ---------------------------------------------------------------------- every "Try it" item is covered
def try_it_items():
    """{notebook number: item numbers} from the "## Try it" sections of notebooks/*.ipynb, solutions left out."""
    items = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        section = re.split(r"^## Try it\s*$", text, flags=re.M)[1]
        section = re.split(r"^## ", section, flags=re.M)[0]
        section = re.sub(r"<details>.*?</details>", "", section, flags=re.S)
        items[path.name[:2]] = [int(n) for n in re.findall(r"^(\d+)\. ", section, flags=re.M)]
    return items


def test_every_try_it_item_has_a_check_or_a_reason():
    items = try_it_items()
    assert len(items) == 12 and all(items.values())
    for notebook, numbers in items.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"notebook {notebook}: items {numbers}"
        for k in numbers:
            item = f"{notebook}.{k}"
            covered = item in EXERCISES or item in OPEN_ENDED or f"{item}a" in EXERCISES
            assert covered, f"Try it {item} has neither a check nor an entry in OPEN_ENDED"
    every = {f"{n}.{k}" for n, ks in items.items() for k in ks}
    assert {i.rstrip("ab") for i in list(EXERCISES) + list(OPEN_ENDED)} <= every, "no check for a missing item"
    assert not set(OPEN_ENDED) & set(EXERCISES)


def test_the_docstring_table_lists_every_exercise_with_its_kind_and_tolerance():
    rows = re.findall(r"^(\d\d\.\d[ab]?)\s+.+?\s{2,}(numeric|hash|choice|example)\s+(.+?)\s*$",
                      exercises.__doc__, flags=re.M)
    assert [r[0] for r in rows] == IDS
    for exercise_id, kind, tolerance in rows:
        spec = EXERCISES[exercise_id]
        assert kind == spec.kind and tolerance == str(spec.tolerance), exercise_id


def test_the_stubs():
    assert exercises.stub("04.3") == ('# Two numbers: (gap after 0 steps, gap after 40 steps), in bits\n'
                                      'answer = ...\ncheck("04.3", answer)')
    namespace = {"check": check}
    for exercise_id in [i for i in IDS if i not in CHOICE]:
        exec(exercises.stub(exercise_id), namespace)  # a student edition runs top to bottom as it is
    assert exercises.stub("02.3") == 'choice("02.3")'
    for exercise_id in IDS:
        assert_hides(exercise_id, exercises.stub(exercise_id))


# ---------------------------------------------------------------------- the multiple-choice widget
@pytest.mark.parametrize("exercise_id", CHOICE)
def test_the_choice_widget_builds_headless_and_checks_from_python(exercise_id):
    from hmlib.views.exercises import choice

    widget = choice(exercise_id)
    assert "hm-exercise" in widget._dom_classes and widget.radio.value is None
    spec = EXERCISES[exercise_id]
    labels = [f"{c}) {o.text}" for c, o in zip(spec.letters, spec.options)]
    assert [label for label, _ in widget.radio.options] == labels
    assert not widget.check().correct and "Choose an option" in widget.result.html
    right = letter_of(exercise_id, RIGHT_OPTION[exercise_id])
    wrong = next(c for c in spec.letters if c != right)
    widget.radio.value = wrong
    assert not widget.check().correct and "Not quite" in widget.result.html
    widget.radio.value = right
    assert widget.result.html == "", "a new choice clears the old verdict"
    widget.check_button.click()
    assert widget.last.correct and widget.result.html.startswith("✓ Right")


def test_the_verdict_is_a_polite_live_region_that_stays_in_the_dom():
    from hmlib.views.exercises import choice

    widget = choice("03.3")
    esm = widget.result._esm
    assert 'setAttribute("role", "status")' in esm and 'setAttribute("aria-live", "polite")' in esm
    assert "innerHTML" in esm and esm.count("createElement") == 1, "one region, its content replaced"
    assert widget.check_button.description == "Check 03.3"
    assert "<" not in widget.item.question or "&lt;" in widget.question.value, "the question is escaped"


def test_the_choice_widget_refuses_a_numeric_exercise():
    from hmlib.views.exercises import choice

    with pytest.raises(ValueError, match="multiple-choice"):
        choice("04.3")
