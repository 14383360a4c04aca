"""Figures of notebooks 02 and 03: the exact posterior of two causes against the product of its
marginals (explaining away), and the flat line of Eq. (4), -E_z - log P_z = log Z for every z.

Every function returns a ``CourseFigure`` built without ``pyplot``, with a text alternative that
states what it draws and its key numbers; the maths comes from ``hmlib.exact``. ``FIGURES`` maps
the file names that ``make figures`` writes to functions that take no arguments.
"""

import numpy as np

from hmlib import exact
from hmlib._checks import as_array
from hmlib._checks import describe as describe_value
from hmlib.model import HelmholtzMachine
from hmlib.views._common import (
    FONT_SIZE,
    GENERATIVE_COLOUR,
    LOG_Z_COLOUR,
    NEG_F_COLOUR,
    RECOGNITION_COLOUR,
    ROUNDOFF,
    SEQUENTIAL_MAP,
    as_text,
    as_value,
    as_vector,
    check_range,
    check_same_length,
    describe,
    fixed_decimals,
    new_figure,
    styled,
)

MAX_LABEL_CHARACTERS = 60  # of a cause's name: an axis label, and three times in the text alternative


# ---------------------------------------------------------------------------- notebook 02
@styled
def posterior_grid(posterior, product_of_marginals, labels=("cause A", "cause B")):
    """The exact 2x2 posterior of two causes next to the product of its marginals (notebook 02).

    posterior, product_of_marginals : ndarrays, shape (2, 2), indexed [state of A, state of B],
    probabilities in [0, 1]. labels : two strings, the names of the causes (1 to MAX_LABEL_CHARACTERS
    characters).
    """
    tables = []
    for name, table in (("posterior", posterior), ("product_of_marginals", product_of_marginals)):
        table = as_array(table, name)
        if table.shape != (2, 2):
            raise ValueError(f"{name} has shape {table.shape}; expected (2, 2), indexed [state of A, state of B]")
        check_range(table, name, -ROUNDOFF, 1.0 + ROUNDOFF)
        tables.append(table)
    posterior, product_of_marginals = tables
    if not isinstance(labels, (list, tuple)):
        raise TypeError(f"labels is {describe_value(labels)}; expected two strings such as ('cause A', 'cause B')")
    if len(labels) != 2:
        raise ValueError(f"labels has {len(labels)} entries; expected two, one per cause")
    labels = [as_text(label, f"labels[{i}]") for i, label in enumerate(labels)]
    for i, label in enumerate(labels):
        if not label.strip() or len(label) > MAX_LABEL_CHARACTERS:
            raise ValueError(f"labels[{i}] is {describe_value(label)}; expected the name of a cause, "
                             f"1 to {MAX_LABEL_CHARACTERS} characters")
    fig = new_figure(4.4)
    axes = fig.subplots(1, 2)
    for ax, table, title in zip(axes, (posterior, product_of_marginals),
                                ("exact posterior $P_z$, Eq. (3)", "product of its marginals")):
        image = ax.imshow(table, cmap=SEQUENTIAL_MAP, vmin=0.0, vmax=1.0, origin="lower")
        for (a, b), value in np.ndenumerate(table):
            ax.text(b, a, f"{value:.2f}", ha="center", va="center",
                    color="white" if value < 0.6 else "black", fontsize=FONT_SIZE + 2)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_xlabel(f"{labels[1]} (0 = off, 1 = on)")
        ax.set_ylabel(f"{labels[0]}")
        ax.set_title(title)
    fig.colorbar(image, ax=axes, shrink=0.85, label="probability")
    return describe(fig, _grid_text(posterior, product_of_marginals, labels))


def _grid_text(posterior, product_of_marginals, labels):
    """What ``posterior_grid`` draws: the four numbers written in each table, and how the two
    tables differ where both causes are on."""
    a, b = labels

    def cells(table):
        return (f"both off {fixed_decimals(table[0, 0], 2)}, only {b} on {fixed_decimals(table[0, 1], 2)}, "
                f"only {a} on {fixed_decimals(table[1, 0], 2)}, both on {fixed_decimals(table[1, 1], 2)}")

    both, product = fixed_decimals(posterior[1, 1], 2), fixed_decimals(product_of_marginals[1, 1], 2)
    if both == product:
        comparison = f"Both causes on: {both} in both tables."
    else:
        comparison = (f"Both causes on: {product} in the product, {both} in the posterior; "
                      + ("knowing one cause is on makes the other less likely (explaining away)."
                         if posterior[1, 1] < product_of_marginals[1, 1] else
                         "the posterior makes the two causes more likely together than apart."))
    return (
        f"Two 2 by 2 tables of probabilities, shaded from dark (0) to bright (1): rows {a} off and on, "
        f"columns {b} off and on. Left, the exact posterior P_z of Eq. (3): {cells(posterior)}. "
        f"Right, the product of its marginals: {cells(product_of_marginals)}. {comparison}"
    )


# ---------------------------------------------------------------------------- notebook 03
@styled
def identity_flat_line_plot(log_joint, log_posterior, log_z):
    """-E_z, log P_z and their difference -E_z - log P_z over every configuration z (notebook 03).

    The first two vary wildly with z; their difference is the same number, log Z, for every z:
    Eq. (4). log_joint, log_posterior : ndarrays, shape (K,), finite; log_z : float.
    """
    log_joint = as_vector(log_joint, "log_joint")
    log_posterior = as_vector(log_posterior, "log_posterior")
    check_same_length([log_joint, log_posterior], ["log_joint", "log_posterior"])
    log_z = as_value(log_z, "log_z")
    k = np.arange(log_joint.size)
    fig = new_figure(4.4)
    ax = fig.subplots()
    ax.plot(k, log_joint, "o", ms=6, color=GENERATIVE_COLOUR, label="$-\\mathcal{E}_z = \\log p(x, z)$")
    ax.plot(k, log_posterior, "s", ms=6, color=RECOGNITION_COLOUR, label="$\\log P_z$")
    ax.plot(k, log_joint - log_posterior, "-", lw=3, color=NEG_F_COLOUR,
            label="$-\\mathcal{E}_z - \\log P_z$")
    ax.axhline(log_z, color=LOG_Z_COLOUR, ls="--", lw=1.2, zorder=3, label=f"$\\log Z$ = {log_z:.3f}")
    ax.set_xlabel("hidden configuration z (index)")
    ax.set_ylabel("nats")
    # outside the axes, on the right: the points fill the plot from top to bottom
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return describe(fig, _flat_line_text(log_joint, log_posterior, log_z))


def _flat_line_text(log_joint, log_posterior, log_z):
    """What ``identity_flat_line_plot`` draws: the ranges of the two scattered terms, and where
    their difference lies (flat, at log Z, in the figures of notebook 03)."""

    def nats(value, decimals=2):  # every digit, however large, as the legend writes log Z
        return fixed_decimals(value, decimals, scientific=False)

    difference = log_joint - log_posterior  # (K,)
    low, high = nats(difference.min()), nats(difference.max())
    if low == high:
        where = "on" if low == nats(log_z) else "apart from"
        difference_text = f"is flat at {low} for every z, {where} the dashed line log Z = {nats(log_z, 3)}"
    else:
        difference_text = f"ranges from {low} to {high}; the dashed line log Z is at {nats(log_z, 3)}"
    return (
        f"Points over the {log_joint.size} hidden configuration{'' if log_joint.size == 1 else 's'} z "
        "(by index, horizontally), in nats: "
        f"\u2212E_z = log p(x, z) (circles) ranges from {nats(log_joint.min())} to {nats(log_joint.max())}, "
        f"log P_z (squares) from {nats(log_posterior.min())} to {nats(log_posterior.max())}. "
        f"Their difference \u2212E_z \u2212 log P_z (a thick line) {difference_text}."
    )


def identity_flat_line():
    """FIGURES entry: the flat line of Eq. (4) for a seeded 4-2-2 machine and x = 1011.

    log P_z is the log of ``exact.posterior`` (the normalised joint), not log p(x, z) - log Z, so
    the flatness of the line is a check, not a construction.
    """
    hm = HelmholtzMachine.random((4, 2, 2), seed=3, scale=1.5)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    log_joint = exact.log_joint(hm, x)[0]  # (16,)
    log_posterior = np.log(exact.posterior(hm, x)[0])  # (16,)
    return identity_flat_line_plot(log_joint, log_posterior, float(exact.log_evidence(hm, x)[0]))


FIGURES = {"identity_flat_line.png": identity_flat_line}
