"""Pictures of what went wrong, for the HTML report: matplotlib figures as inline SVG.

One figure per failing item, from the arrays its failing cases kept (``CaseResult.evidence``:
the inputs, torch's outputs and the student's), chosen by what the item grades:

* an elementwise activation or derivative: the student's values and torch's against the input,
  every failing case's points pooled (a grid of the inputs the cases tried), the points outside
  the tolerance marked;
* any other array (softmax, Jacobians, losses and their gradients): the student's values against
  torch's (on the diagonal when right), and for a 2-D output a heat map of |student - torch|;
  a scalar (a reduced loss): the two values side by side;
* an initializer: the histogram of the student's draw against the target density (and torch's
  own draw, when the oracle gives one as ``torch_draw``); an exact fill: the heat map;
* an optimizer: per step, each parameter's distance to torch's trajectory (log scale), the step
  and entry (a parameter or a state entry) that diverged first marked.

Deterministic: the same results give the same bytes (no date, a fixed hash salt for the ids,
text as text), and each figure's ids carry a prefix of its own so that several can share a page.
matplotlib is needed only here; without it the report has no pictures and says so.
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.report import repro

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from graders.score import CaseResult, ItemResult

RC: dict[str, Any] = {
    "svg.hashsalt": "dlgrade",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
TORCH, STUDENT, BAD = "#555555", "#1f6fb2", "#c62828"
MAX_POINTS = 400  # points per scatter (the first ones, in the cases' order)
MAX_ROWS = 40  # rows of a heat map


def available() -> bool:
    """Whether matplotlib is installed (the pictures need it)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def svg(fig: Figure, prefix: str, rc: dict[str, Any] | None = None) -> str:
    """The figure as an ``<svg>`` element for inlining: no XML prologue nor metadata, its ids
    prefixed so that several share a page (its natural size; the page's style shrinks it to a
    narrow screen); drawn under ``rc`` (default :data:`RC`: a fixed hash salt, text as text)."""
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context(rc or RC):  # type: ignore[arg-type]
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", text)
    return text.replace("<svg ", '<svg role="img" ', 1)


def _figure() -> tuple[Figure, Axes]:
    """One panel (several pictures sit side by side on a wide screen, stacked on a phone)."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(4.6, 3.0), layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


# ------------------------------------------------------------------------------ the data
def _failing(item: ItemResult) -> list[CaseResult]:
    """The failing cases with arrays to show (a failure of the dtype alone has none)."""
    return [
        c
        for c in item.cases
        if not c.passed and c.evidence is not None and not c.details.get("dtype_only")
    ]


def _first_output(evidence: dict[str, Any]) -> tuple[str, np.ndarray, np.ndarray] | None:
    """(name, torch's, student's) of the first float output both sides have with one shape."""
    for name, exp in evidence["expected"].items():
        got = evidence["got"].get(name)
        e = np.asarray(exp)
        numeric = e.dtype.kind in "fiu" and isinstance(got, np.ndarray) and got.dtype.kind in "fiub"
        if numeric and got.shape == e.shape:
            return name, e.astype(np.float64), got.astype(np.float64)
    return None


def _outside(e: np.ndarray, g: np.ndarray, case: CaseResult) -> np.ndarray:
    rtol, atol = case.details.get("rtol", 1e-7), case.details.get("atol", 1e-7)
    with np.errstate(invalid="ignore", over="ignore"):
        same = (np.isnan(e) & np.isnan(g)) | (e == g)
        return ~same & ~(np.abs(g - e) <= atol + rtol * np.abs(e))


def _elementwise(item: ItemResult) -> bool:
    """An activation (or its derivative) computed element by element."""
    from graders.registry.activations import ACTIVATIONS

    along_dim = {a.name for a in ACTIVATIONS if a.softmax}
    function = item.name.split(".", 1)[1].removesuffix("_grad")
    if not item.name.startswith("activations.") or function in along_dim:
        return False
    for case in _failing(item):
        assert case.evidence is not None
        args, found = case.evidence["args"], _first_output(case.evidence)
        if not args or found is None or np.shape(args[0]) != found[1].shape:
            return False
    return bool(_failing(item))


# ------------------------------------------------------------------------------ the figures
def _activation(item: ItemResult, prefix: str) -> list[str]:
    """Student and torch against the input, over every failing case's points."""
    xs, es, gs, bad = [], [], [], []
    for case in _failing(item):
        assert case.evidence is not None
        found = _first_output(case.evidence)
        assert found is not None
        _, e, g = found
        x = np.asarray(case.evidence["args"][0], dtype=np.float64)
        xs.append(x.ravel())
        es.append(e.ravel())
        gs.append(g.ravel())
        bad.append(_outside(e, g, case).ravel())
    x, e, g, b = (np.concatenate(a)[: MAX_POINTS * 4] for a in (xs, es, gs, bad))
    keep = np.isfinite(x) & (np.abs(x) <= 50)  # (the |x| ~ 1000 points flatten the picture)
    fig, ax = _figure()
    order = np.argsort(x[keep], kind="stable")
    ax.plot(x[keep][order], e[keep][order], color=TORCH, lw=1.2, label="torch")
    ax.plot(x[keep & ~b], g[keep & ~b], "o", ms=2.5, color=STUDENT, label="yours, right")
    ax.plot(x[keep & b], g[keep & b], "x", ms=5, color=BAD, label="yours, wrong")
    ax.set_xlabel("input x")
    ax.set_title(f"{item.name.split('.', 1)[1]}(x): yours against torch's")
    ax.legend(loc="best", fontsize=7, frameon=False)
    return [svg(fig, prefix)]


def _heat(e: np.ndarray, g: np.ndarray, prefix: str) -> str:
    """|student - torch| as an image: rows are the leading axes flattened, columns the last."""
    fig, ax = _figure()
    two = e.reshape(-1, e.shape[-1]) if e.ndim >= 2 else e.reshape(1, -1)
    diff = np.abs(g.reshape(two.shape) - two)[:MAX_ROWS]
    with np.errstate(invalid="ignore"):
        shown = np.nan_to_num(diff, nan=np.nanmax(diff, initial=0) if diff.size else 0)
    image = ax.imshow(shown, cmap="Reds", aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title("where: |yours - torch|")
    ax.set_xlabel("last axis")
    ax.set_ylabel("leading axes, flattened")
    return svg(fig, prefix)


def _array(item: ItemResult, prefix: str) -> list[str]:
    """Student against torch elementwise (and a heat map for 2-D or more), or two bars."""
    case = _failing(item)[0]
    assert case.evidence is not None
    found = _first_output(case.evidence)
    if found is None:
        return []
    name, e, g = found
    fig, ax = _figure()
    if e.size == 1:
        ax.bar(["torch", "yours"], [float(e.ravel()[0]), float(g.ravel()[0])], color=[TORCH, BAD])
        ax.set_title(f"{name} of case {case.name}")
        return [svg(fig, prefix)]
    b = _outside(e, g, case).ravel()[:MAX_POINTS]
    ev, gv = e.ravel()[:MAX_POINTS], g.ravel()[:MAX_POINTS]
    finite = np.isfinite(ev) & np.isfinite(gv)
    lo, hi = (
        float(f(np.concatenate([ev[finite], gv[finite]]), initial=0)) for f in (np.min, np.max)
    )
    ax.plot([lo, hi], [lo, hi], color=TORCH, lw=1, label="yours = torch")
    ax.plot(ev[~b], gv[~b], "o", ms=2.5, color=STUDENT, label="right")
    ax.plot(ev[b], gv[b], "x", ms=5, color=BAD, label="wrong")
    ax.set_xlabel(f"torch's {name}")
    ax.set_ylabel(f"your {name}")
    ax.set_title(f"case {case.name}: yours against torch's")
    ax.legend(loc="best", fontsize=7, frameon=False)
    pictures = [svg(fig, prefix)]
    if e.ndim >= 2:
        pictures.append(_heat(e, g, prefix + "h-"))
    return pictures


def _density(exp: dict[str, Any], x: np.ndarray) -> np.ndarray | None:
    """The target density of an initializer's expected distribution at ``x``."""
    kind = exp.get("dist")
    if kind == "uniform":
        lo, hi = float(exp["low"]), float(exp["high"])
        return np.where((x >= lo) & (x <= hi), 1.0 / (hi - lo), 0.0)
    if kind in ("normal", "trunc_normal"):
        mean, std = float(exp["mean"]), float(exp["std"])
        pdf = np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        if kind == "normal":
            return pdf
        a, b = float(exp["a"]), float(exp["b"])
        mass = 0.5 * (math.erf((b - mean) / (std * 2**0.5)) - math.erf((a - mean) / (std * 2**0.5)))
        return np.where((x >= a) & (x <= b), pdf / mass, 0.0)
    return None


def _span(values: np.ndarray, exp: dict[str, Any]) -> tuple[float, float]:
    """Where to draw the target density: the sample's range and the target's bulk."""
    lo, hi = (float(v) for v in np.percentile(values, [0.05, 99.95]))
    if exp.get("dist") == "uniform":
        lo, hi = min(lo, float(exp["low"])), max(hi, float(exp["high"]))
    elif "std" in exp:
        mean, std = float(exp.get("mean", 0.0)), float(exp["std"])
        lo, hi = min(lo, mean - 4 * std), max(hi, mean + 4 * std)
    return lo, hi


def _initializer(item: ItemResult, prefix: str) -> list[str]:
    case = _failing(item)[0]
    assert case.evidence is not None
    exp = {
        k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
        for k, v in case.evidence["expected"].items()
    }
    t = case.evidence["got"].get("tensor")
    if not isinstance(t, np.ndarray) or t.dtype.kind != "f" or not np.isfinite(t).any():
        return []
    if exp.get("dist") == "exact":
        return [_heat(np.asarray(exp["value"], dtype=np.float64), t.astype(np.float64), prefix)]
    values = t[np.isfinite(t)].ravel()
    if exp.get("dist") == "sparse":
        values = values[values != 0]
    fig, ax = _figure()
    ax.hist(values, bins=60, density=True, color=STUDENT, alpha=0.6, label="your draw")
    torch_draw = case.evidence["expected"].get("torch_draw")
    if isinstance(torch_draw, np.ndarray):
        ax.hist(
            torch_draw.ravel(),
            bins=60,
            density=True,
            histtype="step",
            color=TORCH,
            label="torch's draw",
        )
    grid = np.linspace(*_span(values, exp), 400)
    pdf = _density({**exp, "mean": exp.get("mean", 0.0)}, grid)
    if pdf is not None:
        ax.plot(grid, pdf, color=BAD, lw=1.5, label="target density")
    ax.set_title(f"case {case.name}: {values.size} values")
    ax.legend(loc="best", fontsize=7, frameon=False)
    return [svg(fig, prefix)]


def _optimizer(item: ItemResult, prefix: str) -> list[str]:
    """Each parameter's distance to torch's trajectory per step; the first divergence marked."""
    case = _failing(item)[0]
    assert case.evidence is not None
    exp, got = case.evidence["expected"], case.evidence["got"]
    if len({np.shape(v)[0] for v in exp.values() if np.ndim(v) >= 1}) != 1:
        return []  # (not a trajectory: an API check)
    rtol, atol = case.details.get("rtol", 1e-5), case.details.get("atol", 1e-6)
    div = repro.divergence(exp, got, rtol, atol)
    if div["first"] is None:
        return []
    fig, ax = _figure()
    for name, (_, dist, _) in div["entries"].items():
        if "__" in name or not name.startswith("p"):
            continue
        steps = np.arange(1, len(dist) + 1)
        ax.semilogy(steps, np.maximum(dist, 1e-18), "-o", ms=2, lw=1, label=repro.label(name))
    step, name = div["first"]
    ax.axvline(step + 1, color=BAD, lw=1, ls="--")
    ax.set_title(f"case {case.name}: first divergence at step {step + 1},\n{repro.label(name)}")
    ax.set_xlabel("step")
    ax.set_ylabel("max |yours - torch|")
    ax.legend(loc="best", fontsize=7, frameon=False)
    return [svg(fig, prefix)]


def figures(item: ItemResult, number: int) -> list[str]:
    """The item's pictures as inline SVG (none when there is nothing to draw); ``number`` makes
    their ids unique on the page.  Values no axis can span (a student's outputs from -1e308 to
    1e308: the range overflows) get no picture: the pictures are advisory, the page stands."""
    if not _failing(item) or not available() or ".worked_" in item.name:
        return []
    prefix = f"f{number}-"
    module = item.name.split(".", 1)[0]
    if module == "optimizers":
        draw = _optimizer
    elif module == "initializers" and "tensor" in (_failing(item)[0].evidence or {}).get("got", {}):
        draw = _initializer
    else:
        draw = _activation if _elementwise(item) else _array
    try:
        with np.errstate(all="ignore"):  # (matplotlib's own overflows near the float64 limits)
            return draw(item, prefix)
    except (ValueError, OverflowError):
        return []
