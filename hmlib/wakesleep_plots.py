"""Figures of notebooks 08-09: wake-sleep training curves and the bars machine's generative fields.

Every function returns a ``matplotlib.figure.Figure`` built without ``pyplot``. The maths comes
from ``hmlib.wakesleep`` and ``hmlib.evaluation``; this module only draws. ``FIGURES`` maps file
names for ``make figures`` to functions without arguments that load the saved bars runs of
``benchmarks/results/bars/`` (written by ``python benchmarks/bars.py --seeds 10 --json --save
benchmarks/results/bars``).
"""

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hmlib.data import BARS_SHAPE
from hmlib.model import HelmholtzMachine

PAPER_KL_BITS = 0.10  # Hinton, Dayan, Frey & Neal (1995): KL[p_data || p_model] after training
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "bars"
NEG_F_COLOUR = "#2ca02c"  # green: -F (the colours of hmlib.plots)
KL_COLOUR = "#ff7f0e"  # orange: KL(Q||P)
LOG_Z_COLOUR = "black"


def _figure(width=6.0, height=3.5):
    return Figure(figsize=(width, height), layout="constrained")


def load_bars_runs(directory=RESULTS):
    """The saved bars runs: ``(meta, machines)``.

    meta : dict from ``runs.json`` (keys ``command``, ``settings``, ``runs``, ``curves``).
    machines : dict seed -> HelmholtzMachine, from ``seed-<seed>.npz``.
    """
    directory = Path(directory)
    meta = json.loads((directory / "runs.json").read_text())
    machines = {run["seed"]: HelmholtzMachine.load(directory / f"seed-{run['seed']}.npz") for run in meta["runs"]}
    return meta, machines


def hinton(ax, values, scale, origin=(0.0, 0.0)):
    """Draw a Hinton diagram of ``values`` (rows, cols) on ``ax``: white squares positive, black
    negative, side proportional to sqrt(|value| / scale), on a grey ground (the paper's style)."""
    values = np.atleast_2d(values)
    x0, y0 = origin
    rows, cols = values.shape
    ax.add_patch(Rectangle((x0, y0), cols, rows, facecolor="0.55", edgecolor="none"))
    for r in range(rows):
        for c in range(cols):
            v = values[r, c]
            side = min(1.0, np.sqrt(abs(v) / scale)) * 0.9
            if side > 0:
                ax.add_patch(
                    Rectangle(
                        (x0 + c + (1 - side) / 2, y0 + rows - 1 - r + (1 - side) / 2), side, side,
                        facecolor="white" if v > 0 else "black", edgecolor="none",
                    )
                )


def generative_fields(hm, title=None):
    """The generative weights of a 16-n_2-1 bars machine drawn as in the paper's Fig. 2.

    For each layer-2 unit k: its 4x4 field theta^{2,1}[k] (the weights to the input pixels), and
    above it, on its own scale, its generative bias and the weight from the top unit
    theta^{3,2}[0, k]. The left panel shows the input biases. Hinton diagrams: white positive,
    black negative, area proportional to magnitude.
    """
    if hm.sizes[0] != BARS_SHAPE[0] * BARS_SHAPE[1] or len(hm.sizes) != 3 or hm.sizes[2] != 1:
        raise ValueError(f"hm has sizes {hm.sizes}; expected a 16-n-1 bars machine")
    n2 = hm.sizes[1]
    fields = hm.theta[0].reshape(n2, *BARS_SHAPE)  # (n_2, 4, 4)
    field_scale = max(np.abs(fields).max(), np.abs(hm.theta_bias[0]).max(), 1e-12)
    top = np.stack([hm.theta_bias[1], hm.theta[1][0]], axis=1)  # (n_2, 2): bias, weight from top
    top_scale = max(np.abs(top).max(), 1e-12)
    fig = _figure(0.95 * (n2 + 1), 2.3)
    ax = fig.add_subplot()
    gap = 1.0
    hinton(ax, hm.theta_bias[0].reshape(BARS_SHAPE), field_scale, origin=(0.0, 0.0))
    ax.text(2.0, -0.5, "input\nbiases", ha="center", va="top", fontsize=8)
    for k in range(n2):
        x0 = (k + 1) * (4 + gap)
        hinton(ax, fields[k], field_scale, origin=(x0, 0.0))
        hinton(ax, top[k][None, :], top_scale, origin=(x0 + 1.0, 4.6))
        ax.text(x0 + 2.0, -0.5, f"unit {k + 1}", ha="center", va="top", fontsize=8)
    ax.text(4 + gap / 2, 5.1, "bias, top→", ha="right", va="center", fontsize=8)
    ax.set_xlim(-0.3, (n2 + 1) * (4 + gap))
    ax.set_ylim(-1.6, 5.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        title or f"generative weights (white > 0, black < 0); largest field weight {field_scale:.2f}, "
        f"largest top weight {top_scale:.2f}",
        fontsize=9,
    )
    return fig


def pattern_grid(patterns, title, n_cols=12):
    """Binary 4x4 patterns in a grid (black on, white off); ``patterns`` shape (n, 16)."""
    patterns = np.asarray(patterns)
    n = len(patterns)
    n_rows = -(-n // n_cols)
    fig = _figure(0.5 * n_cols + 0.2, 0.55 * n_rows + 0.4)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i < n:
            ax.imshow(patterns[i].reshape(BARS_SHAPE), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("0.6")
        else:
            ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return fig


def kl_curves(curves, paper=PAPER_KL_BITS, highlight=None, ylabel="KL[p_data ‖ p_model] (bits)"):
    """KL against examples seen, one line per run, on a log scale, with the paper's value dashed.

    curves : list of dicts with ``"seed"``, ``"examples"`` and ``"kl_bits"`` (as in runs.json).
    highlight : a seed drawn thicker, or None.
    """
    fig = _figure(6.0, 3.5)
    ax = fig.add_subplot()
    for curve in curves:
        examples = np.asarray(curve["examples"])
        kl = np.asarray(curve["kl_bits"])
        thick = curve["seed"] == highlight
        ax.plot(examples[1:], kl[1:], lw=2.2 if thick else 1.0, alpha=1.0 if thick else 0.6,
                label=f"seed {curve['seed']}" if thick else None)
    if paper is not None:
        ax.axhline(paper, color="black", ls="--", lw=1, label=f"paper: {paper:.2f} bits")
    ax.set_yscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return fig


def live_curves(examples, neg_f, log_z, kl, ceiling=None):
    """Training curves of notebook 08: -F and log Z (nats per pattern) and KL(Q||P) = log Z - (-F).

    examples, neg_f, log_z, kl : 1-D sequences of equal length (averages over the data); the
    report at 0 examples is left out so that the x axis can be logarithmic.
    ceiling : the largest possible average log Z, -H(p_data) in nats, drawn dashed; or None.
    """
    examples = np.asarray(examples)
    keep = examples > 0
    fig = _figure(6.4, 3.2)
    left, right = fig.subplots(1, 2)
    left.plot(examples[keep], np.asarray(log_z)[keep], color=LOG_Z_COLOUR, label="log Z (exact)")
    left.plot(examples[keep], np.asarray(neg_f)[keep], color=NEG_F_COLOUR, label="−F")
    if ceiling is not None:
        left.axhline(ceiling, color="0.5", ls="--", lw=1, label="−H(p_data)")
    left.set_ylabel("nats per pattern")
    left.legend(fontsize=8)
    right.plot(examples[keep], np.asarray(kl)[keep], color=KL_COLOUR)
    right.set_ylabel("KL(Q‖P) (nats per pattern)")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("training examples")
    return fig


def kl_landscapes(grid, kl_pq, kl_qp, points=None):
    """Both directions of KL over factorial Q(q_1, q_2), side by side (notebook 08).

    grid : 1-D array of the q values on both axes; kl_pq, kl_qp : arrays (len(grid), len(grid))
    indexed [i_1, i_2], in nats. points : dict label -> (q_1, q_2) marked on both panels.
    """
    fig = _figure(6.6, 3.1)
    axes = fig.subplots(1, 2)
    for ax, values, title in ((axes[0], kl_pq, "KL(P‖Q): sleep phase"), (axes[1], kl_qp, "KL(Q‖P): the gap in Eq. (6)")):
        shown = np.minimum(values, np.nanmin(values) + 1.0)  # clip the colour scale 1 nat above the minimum
        image = ax.pcolormesh(grid, grid, shown.T, cmap="viridis", shading="auto")
        fig.colorbar(image, ax=ax, shrink=0.85, label="nats")
        for label, (q1, q2) in (points or {}).items():
            ax.plot(q1, q2, "o", mfc="white", mec="black", ms=6)
            ax.annotate(label, (q1, q2), textcoords="offset points", xytext=(6, -12), fontsize=8, color="white")
        ax.set_xlabel("q₁ = Q(cause 1 on | x = 1)")
        ax.set_ylabel("q₂")
        ax.set_title(title, fontsize=9)
        ax.set_aspect("equal")
    return fig


def bars_fields_figure():
    """FIGURES entry: generative fields of the saved bars machine with the median KL (Fig. 2)."""
    meta, machines = load_bars_runs()
    runs = sorted(meta["runs"], key=lambda r: r["kl_bits"])
    median_run = runs[(len(runs) - 1) // 2]
    return generative_fields(
        machines[median_run["seed"]],
        title=f"bars, seed {median_run['seed']}: KL {median_run['kl_bits']:.3f} bits "
        f"(white > 0, black < 0)",
    )


def bars_kl_figure():
    """FIGURES entry: KL[p_data || p_model] during training, every saved seed, against the paper."""
    meta, _ = load_bars_runs()
    return kl_curves(meta["curves"])


FIGURES = {
    "bars_generative_fields.png": bars_fields_figure,
    "bars_kl_curve.png": bars_kl_figure,
}
