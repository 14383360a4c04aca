"""Brute-force reference for the exact quantities: plain Python loops over every unit and every
hidden configuration, written from the definitions (Eqs. (2)-(3), (6)-(8), (10)) with the
``math`` module only, so it shares no code with ``hmlib.exact``."""

import itertools
import math


def _p_on(u, imaging):
    if imaging == "sigmoid":
        return 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u))
    return u / (1.0 + u)


def _log_p_state(s, u, imaging):
    """log p(s | input u) for one unit, as plainly as possible."""
    if imaging == "sigmoid":
        # log sigma(u) and log(1 - sigma(u)) without overflow
        log_on = -math.log1p(math.exp(-u)) if u >= 0 else u - math.log1p(math.exp(u))
        log_off = -u - math.log1p(math.exp(-u)) if u >= 0 else -math.log1p(math.exp(u))
        return log_on if s == 1 else log_off
    p = u / (1.0 + u)
    if s == 1:
        return math.log(p) if p > 0 else -math.inf
    return math.log(1.0 - p)


def _layers(hm, x_row, z):
    """Split a configuration tuple z into layers; returns [x, s2, ..., sL] as lists."""
    states = [list(x_row)]
    i = 0
    for n in hm.sizes[1:]:
        states.append(list(z[i : i + n]))
        i += n
    return states


def log_joint(hm, x_row, z):
    states = _layers(hm, x_row, z)
    L = len(hm.sizes)
    total = 0.0
    for layer in range(1, L + 1):  # 1-based layer index
        for j in range(hm.sizes[layer - 1]):
            u = hm.theta_bias[layer - 1][j]
            if layer < L:
                for k in range(hm.sizes[layer]):
                    u += states[layer][k] * hm.theta[layer - 1][k][j]
            total += _log_p_state(states[layer - 1][j], u, hm.imaging)
    return total


def log_q(hm, x_row, z):
    states = _layers(hm, x_row, z)
    total = 0.0
    for layer in range(2, len(hm.sizes) + 1):
        for j in range(hm.sizes[layer - 1]):
            a = hm.phi_bias[layer - 2][j]
            for i in range(hm.sizes[layer - 2]):
                a += states[layer - 2][i] * hm.phi[layer - 2][i][j]
            total += _log_p_state(states[layer - 1][j], a, "sigmoid")
    return total


def configurations(hm):
    return list(itertools.product((0, 1), repeat=sum(hm.sizes[1:])))


def quantities(hm, x_row):
    """log Z, posterior, Q, F and KL for one data row, by summing over every configuration."""
    zs = configurations(hm)
    lj = [log_joint(hm, x_row, z) for z in zs]
    m = max(lj)
    log_z = m + math.log(sum(math.exp(v - m) for v in lj))
    post = [math.exp(v - log_z) for v in lj]
    q = [math.exp(log_q(hm, x_row, z)) for z in zs]
    f = sum(qi * (math.log(qi) - v) for qi, v in zip(q, lj) if qi > 0)
    kl = sum(qi * (math.log(qi) - math.log(pi)) for qi, pi in zip(q, post) if qi > 0)
    return {"log_joint": lj, "log_z": log_z, "posterior": post, "q": q, "free_energy": f, "kl": kl}



def central_differences(hm, value, names=("theta", "theta_bias"), h=1e-5):
    """d value(machine) / d parameter by central differences, for every entry of the parameter
    lists ``names`` of ``hm``: {name: [array shaped like hm.<name>[layer]]}. ``value`` maps a
    machine to a float; each entry is moved by +h and -h on copies, so ``hm`` is left unchanged."""
    out = {}
    for name in names:
        out[name] = []
        for layer, array in enumerate(getattr(hm, name)):
            grad = array.astype(float) * 0.0  # an ndarray of the same shape (numpy only through hm)
            for index in itertools.product(*map(range, array.shape)):
                plus, minus = hm.copy(), hm.copy()
                getattr(plus, name)[layer][index] += h
                getattr(minus, name)[layer][index] -= h
                grad[index] = (value(plus) - value(minus)) / (2 * h)
            out[name].append(grad)
    return out
