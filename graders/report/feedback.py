"""Plain-text feedback for one item: what every renderer shows a student."""

from __future__ import annotations

from graders.score import CaseResult, ItemResult
from graders.text import clean, indented

MAX_CASES_SHOWN = 3
#: The line of an item that passed every public case and no hidden one (ItemResult.public_only).
PUBLIC_ONLY = (
    "It passes every public case and none of the hidden ones, which draw the same kinds of "
    "input from another seed: the code depends on something only the public inputs have "
    "(their shapes, their values, ties, answers written in for them)"
)


def case_lines(case: CaseResult) -> list[str]:
    """Everything about a failing case, one fact per line."""
    d = case.details
    lines = [f"case {case.name} [{case.category}]: {case.status}: {clean(case.message, True)}"]
    lines.append(f"  input: {case.inputs}")
    if "expected" in d:
        exp, got = (clean(str(d[k]), one_line=True) for k in ("expected", "got"))
        lines.append(f"  worst element {d.get('index')}: expected {exp}, got {got}")
    if "max_abs_err" in d:
        rel = f", max rel err {d['max_rel_err']:.3g}" if "max_rel_err" in d else ""
        lines.append(
            f"  max abs err {d['max_abs_err']:.3g}{rel}, tolerance rtol={d['rtol']:g} "
            f"atol={d['atol']:g}"
        )
    if "p_value" in d:
        lines.append(
            f"  KS D={d['ks_statistic']:.4g}, p={d['p_value']:.3g} (alpha {d['alpha']:g}),"
            f" n={d['n']}"
        )
    for label, text in (("printed", case.stdout), ("warnings and stderr", case.stderr)):
        if text.strip():
            lines.append(f"  [{label} during this case] " + text.strip().replace("\n", "\n    "))
    lines.append(f"  reproduce: {case.repro}")
    return lines


def uses_failing_line(item: ItemResult) -> str:
    """ "Your silu calls sigmoid, which loses points too: fix sigmoid first"."""
    names = ", ".join(item.uses_failing)
    verb = "loses" if len(item.uses_failing) == 1 else "lose"
    function = item.name.split(".", 1)[1]
    return f"Your {function} calls {names}, which {verb} points too: fix {names} first"


def _hints(item: ItemResult, hidden: bool | None, diagnosis: bool, failing: bool) -> list[str]:
    """The lines on what the failures point to: the known mistake, the other functions at
    fault, answers that hold for the public inputs only."""
    out = []
    if diagnosis and item.diagnosis:
        out.append(item.diagnosis[0].upper() + item.diagnosis[1:])
    if item.uses_failing and failing:
        out.append(uses_failing_line(item))
    if item.public_only and hidden is not False:
        out.append(PUBLIC_ONLY)
    return out


def item_text(item: ItemResult, hidden: bool | None = None, diagnosis: bool = True) -> str:
    """Feedback for an item (or only its public / hidden part); ``diagnosis``: with the line
    naming the known mistake the failures match, if any."""
    cases = [c for c in item.cases if hidden is None or c.hidden == hidden]
    failing = [c for c in cases if not c.passed]
    if cases and all(c.status == "not implemented" for c in cases):
        return "not implemented (the function raises NotImplementedError)"
    if item.note:
        return clean(item.note, one_line=True)
    out = [f"{len(cases) - len(failing)}/{len(cases)} cases passed"]
    out += _hints(item, hidden, diagnosis and bool(failing), bool(failing))
    for case in failing[:MAX_CASES_SHOWN]:
        out.extend(case_lines(case))
    if len(failing) > MAX_CASES_SHOWN:
        more = failing[MAX_CASES_SHOWN:]
        out.append(f"... and {len(more)} more failing: " + ", ".join(c.name for c in more[:8]))
    uncounted = [c for c in item.uncounted if hidden is None or c.hidden == hidden]
    if uncounted:
        out.append(
            f"{len(uncounted)} case(s) passed that a stub would pass too (edge, convention, "
            "an expected error, an output a stub gives): they count once every other "
            "correctness case passes"
        )
    if item.hidden_not_run and hidden is not True:
        out.append(f"{item.hidden_not_run} hidden cases not run")
    if item.efficiency and hidden is not True:
        from graders.efficiency import line

        out.append(line(item.efficiency))
    for label, tail in (("stdout", item.stdout_tail), ("stderr", item.stderr_tail)):
        if tail.strip():  # (what the code printed: every line behind a margin)
            out.append(f"[your code's {label}, last lines]\n{indented(clean(tail).rstrip())}")
    return "\n".join(out)
