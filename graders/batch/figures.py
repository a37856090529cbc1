"""The class report's pictures: matplotlib figures as inline SVG, deterministic (no date, a
fixed hash salt, text as text), each with ids of its own so that several share a page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from graders.batch.stats import ErrorStats, ItemStats
from graders.report import plots

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RC: dict[str, Any] = {
    "svg.hashsalt": "dlgrade-class",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
INK, ACCENT, BAD = "#1d2330", "#1f6fb2", "#c62828"
#: Colours of the modules, in the registry's order.
PALETTE = ("#1f6fb2", "#2e7d32", "#a15c00", "#6a3d9a", "#c62828", "#00838f")


def svg(fig: Figure, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element (the student page's way, this report's rc)."""
    return plots.svg(fig, prefix, RC)


def _figure(width: float, height: float) -> Figure:
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.add_subplot()
    return fig


def distribution(percents: list[float]) -> str:
    """A histogram of the students' total scores, in percent of the maximum."""
    fig = _figure(6.4, 2.6)
    ax = fig.axes[0]
    ax.hist(percents, bins=[5.0 * k for k in range(21)], color=ACCENT, edgecolor="white")
    if percents:
        mean = float(np.mean(percents))
        ax.axvline(mean, color=INK, linestyle="--", linewidth=1)
        ax.text(mean, ax.get_ylim()[1] * 0.95, f" mean {mean:.1f}%", va="top", color=INK)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="total score (% of the maximum)", ylabel="students", xlim=(0, 100))
    return svg(fig, "dist-")


def modules(names: list[str], fractions: list[list[float]]) -> str:
    """Per module, the students' scores (percent of the module's points) as box plots."""
    fig = _figure(6.4, 0.45 * len(names) + 0.9)
    ax = fig.axes[0]
    data = [np.array(f, dtype=float) * 100 for f in fractions]
    ax.boxplot(
        data, orientation="horizontal", tick_labels=names, widths=0.55, medianprops={"color": BAD}
    )
    ax.invert_yaxis()
    ax.set(xlabel="score (% of the module's points)", xlim=(-2, 102))
    return svg(fig, "mod-")


def items(stats: list[ItemStats], labelled: int = 8) -> str:
    """Each item's pass rate against its discrimination, coloured by module; the least
    discriminating items named."""
    fig = _figure(6.4, 3.6)
    ax = fig.axes[0]
    shown = [s for s in stats if s.discrimination is not None]
    mods = list(dict.fromkeys(s.name.split(".")[0] for s in stats))
    for k, mod in enumerate(mods):
        pts = [s for s in shown if s.name.startswith(mod + ".")]
        ax.scatter(
            [s.pass_rate * 100 for s in pts],
            [s.discrimination or 0.0 for s in pts],
            s=18,
            color=PALETTE[k % len(PALETTE)],
            label=mod,
            alpha=0.8,
        )
    worst = sorted(shown, key=lambda s: (s.discrimination or 0.0, s.name))[:labelled]
    for s in worst:
        ax.annotate(s.name.split(".", 1)[1], (s.pass_rate * 100, s.discrimination or 0.0),
                    fontsize=7, xytext=(3, 2), textcoords="offset points")  # fmt: skip
    ax.axhline(0.2, color="#999999", linewidth=0.8, linestyle=":")
    ax.set(xlabel="pass rate (% of students with full marks)", ylabel="discrimination D",
           xlim=(-3, 103), ylim=(-1.05, 1.05))  # fmt: skip
    ax.legend(loc="lower left", fontsize=7, frameon=False)
    return svg(fig, "items-")


def errors(rows: list[ErrorStats]) -> str:
    """How many students hit each kind of error."""
    fig = _figure(6.4, 0.32 * max(1, len(rows)) + 0.8)
    ax = fig.axes[0]
    from matplotlib.ticker import MaxNLocator

    ax.barh([r.kind for r in rows], [r.students for r in rows], color=BAD)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="students")
    return svg(fig, "err-")
