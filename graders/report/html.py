"""The HTML report: one self-contained page (no network, no script), for a laptop and a phone.

At the top the score and a summary per module (points, items passed, partial, failed, not
implemented), then a navigation bar by module (sticky), then every item as a collapsible block
(``<details>``: open when it lost points) with what the text report says, laid out: the likely
mistake when the diagnosis names one, a picture of what went wrong (:mod:`graders.report.plots`,
inline SVG), each failing case with its input, worst element, errors, what the code printed and
the command that reproduces it, and for a worked example the notes' values beside torch's and
the student's.  Long text wraps; nothing is loaded from anywhere.  The page is the same for the
same results, apart from the run's duration in the footer (``<span class="timing">``).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

import numpy as np

from graders.report import feedback, plots
from graders.score import CaseResult, ItemResult, SubmissionResult
from graders.text import printable

STATUS_LABEL = {
    "passed": "passed",
    "partial": "partial",
    "failed": "failed",
    "not implemented": "to do",
}
MAX_CASES = 3  # failing cases shown in full per item (the rest are named)

CSS = """
:root{--ok:#2e7d32;--part:#a15c00;--bad:#c62828;--todo:#6b6b6b;--line:#d9dde3;--bg:#f6f7f9;
--ink:#1d2330;--mute:#5b6472;--accent:#1f6fb2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg)}
header,main,footer{max-width:980px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.6rem;margin:.2em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;scroll-margin-top:64px}
.sub{color:var(--mute);margin:.2em 0;overflow-wrap:anywhere}
.meter{height:10px;background:#e3e6ea;border-radius:5px;overflow:hidden;margin:.6em 0}
.meter span{display:block;height:100%;background:var(--ok)}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);
box-shadow:0 1px 3px rgba(0,0,0,.06)}
nav ul{max-width:980px;margin:0 auto;padding:8px 16px;list-style:none;display:flex;gap:6px;
overflow-x:auto;white-space:nowrap}
nav a{display:inline-block;padding:4px 10px;border-radius:14px;text-decoration:none;
color:var(--ink);background:var(--bg);border:1px solid var(--line);font-size:.9rem}
nav a b{font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);
border-radius:8px;overflow:hidden}
th,td{padding:6px 10px;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tablewrap{overflow-x:auto}
details.item{background:#fff;border:1px solid var(--line);border-left:5px solid var(--todo);
border-radius:8px;margin:8px 0;scroll-margin-top:64px}
details.item.passed{border-left-color:var(--ok)}
details.item.partial{border-left-color:var(--part)}
details.item.failed{border-left-color:var(--bad)}
details.item>summary{cursor:pointer;padding:8px 12px;display:flex;flex-wrap:wrap;gap:4px 10px;
align-items:baseline;list-style:none}
details.item>summary::-webkit-details-marker{display:none}
details.item>summary::before{content:"\\25B8";color:var(--mute)}
details.item[open]>summary::before{content:"\\25BE"}
.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600;
overflow-wrap:anywhere}
.pts{margin-left:auto;font-variant-numeric:tabular-nums;font-weight:600}
.badge{font-size:.75rem;padding:1px 8px;border-radius:10px;color:#fff;background:var(--todo)}
.badge.passed{background:var(--ok)}.badge.partial{background:var(--part)}
.badge.failed{background:var(--bad)}
.count{color:var(--mute);font-size:.85rem}
.body{padding:0 12px 12px}
.diag{background:#fff4e5;border:1px solid #f0c36d;border-radius:6px;padding:8px 10px;margin:8px 0}
.note{color:var(--mute);margin:6px 0}
figure{margin:8px 0;display:flex;flex-wrap:wrap;gap:8px}
figure svg{display:block;height:auto;max-width:100%}
.case{border-top:1px solid var(--line);padding:8px 0}
.case h4{margin:0 0 4px;font-size:.95rem;overflow-wrap:anywhere}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);border:1px solid var(--line);
border-radius:6px;padding:6px 8px;margin:4px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:4px 0}
dt{color:var(--mute)}dd{margin:0;overflow-wrap:anywhere}
.chips{display:flex;flex-wrap:wrap;gap:4px;padding:0;list-style:none}
.chips li{font-size:.8rem;padding:1px 6px;border-radius:8px;background:#e8f3ea}
.chips li.no{background:#fdecea}
footer{color:var(--mute);font-size:.85rem;padding:24px 16px 40px}
@media (max-width:600px){body{font-size:14px}h1{font-size:1.3rem}
dl{grid-template-columns:1fr}dt{margin-top:4px}.pts{margin-left:0}
th,td{padding:4px 5px;font-size:.8rem}header,main{padding:0 10px}.body{padding:0 8px 8px}}
"""


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _pts(x: float) -> str:
    """Points to two decimals at most (34.6504 -> "34.65", 3.0 -> "3")."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text)


def _modules(result: SubmissionResult) -> dict[str, list[ItemResult]]:
    out: dict[str, list[ItemResult]] = {}
    for item in result.items:
        out.setdefault(item.name.split(".", 1)[0], []).append(item)
    return out


def _score(items: Iterable[ItemResult]) -> tuple[float, float]:
    items = list(items)
    return round(sum(i.score for i in items), 4), round(sum(i.points for i in items), 4)


# ------------------------------------------------------------------------------ the top
def _header(result: SubmissionResult) -> str:
    from graders.report import summary_line

    score, total = result.score, result.max_score
    percent = 100 * score / total if total else 0.0
    env = result.environment
    oracle = (
        f"oracle: torch {env.get('torch')} float64 on {env.get('device')}; "
        f"numpy {env.get('numpy')}; seed {result.seed}"
        if env
        else f"seed {result.seed}"
    )
    hidden = ""
    if result.hidden_not_run:
        hidden = f'<p class="sub">{_e(summary_line(result).split("; ", 1)[-1])}</p>'
    return (
        f'<header id="top"><h1>Score {_pts(score)} / {_pts(total)} '
        f'<span class="count">({percent:.0f}%)</span></h1>'
        f'<p class="sub">{_e(printable(result.submission))}</p><p class="sub">{_e(oracle)}</p>'
        f'<div class="meter" aria-hidden="true"><span style="width:{percent:.1f}%"></span></div>'
        f"{hidden}</header>"
    )


def _nav(modules: dict[str, list[ItemResult]]) -> str:
    links = ['<li><a href="#summary">summary</a></li>']
    for module, items in modules.items():
        score, total = _score(items)
        points = f"<b>{_pts(score)}/{_pts(total)}</b>"
        links.append(f'<li><a href="#m-{_slug(module)}">{_e(module)} {points}</a></li>')
    return f'<nav aria-label="modules"><ul>{"".join(links)}</ul></nav>'


def _summary(modules: dict[str, list[ItemResult]]) -> str:
    rows = []
    for module, items in modules.items():
        score, total = _score(items)
        counts = {s: sum(1 for i in items if _state(i) == s) for s in STATUS_LABEL}
        cells = "".join(f'<td class="num">{counts[s]}</td>' for s in STATUS_LABEL)
        rows.append(
            f'<tr><td><a href="#m-{_slug(module)}">{_e(module)}</a></td>'
            f'<td class="num">{_pts(score)} / {_pts(total)}</td>{cells}</tr>'
        )
    head = "".join(f'<th class="num">{_e(label)}</th>' for label in STATUS_LABEL.values())
    return (
        '<section id="summary"><h2>Summary</h2><div class="tablewrap"><table>'
        f'<tr><th>module</th><th class="num">points</th>{head}</tr>{"".join(rows)}'
        "</table></div></section>"
    )


# ------------------------------------------------------------------------------ an item
def _facts(case: CaseResult) -> str:
    d = case.details
    facts: list[tuple[str, str]] = [("input", case.inputs)] if case.inputs else []
    if "expected" in d:
        facts.append(
            ("worst element", f"{d.get('index')}: expected {d['expected']}, got {d['got']}")
        )
    if "max_abs_err" in d:
        rel = f", max rel err {d['max_rel_err']:.3g}" if "max_rel_err" in d else ""
        facts.append(("error", f"max abs err {d['max_abs_err']:.3g}{rel}"))
        facts.append(("tolerance", f"rtol={d['rtol']:g} atol={d['atol']:g}"))
    if "p_value" in d:
        facts.append(("KS test", f"D={d['ks_statistic']:.4g}, p={d['p_value']:.3g}, n={d['n']}"))
    if "culprit" in d:
        facts.append(("check first", f"your {d['culprit']} (it made {d['first_diverged']})"))
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"


def _worked_table(case: CaseResult) -> str:
    """The notes' values, torch's and the student's, output by output."""
    ev = case.evidence
    if ev is None or "printed" not in ev.get("data", {}):
        return ""
    printed = ev["data"].get("printed", {})
    rows = []
    for name, exp in ev["expected"].items():
        got = ev["got"].get(name)
        mine = np.array2string(np.asarray(got), precision=9) if got is not None else "missing"
        notes = printed.get(name, "")
        torch = np.array2string(np.asarray(exp), precision=9)
        rows.append(
            f"<tr><td><code>{_e(name)}</code></td><td>{_e(notes)}</td><td>{_e(torch)}</td>"
            f"<td>{_e(mine)}</td></tr>"
        )
    return (
        '<div class="tablewrap"><table><tr><th>value</th><th>the notes</th><th>torch</th>'
        f"<th>yours</th></tr>{''.join(rows)}</table></div>"
    )


def _case(case: CaseResult) -> str:
    parts = [
        f"<h4>{_e(case.name)} <span class='count'>[{_e(case.category)}]</span> "
        f"<span class='badge failed'>{_e(case.status)}</span></h4>",
        f"<pre>{_e(case.message)}</pre>" if case.message else "",
        _facts(case),
        _worked_table(case),
    ]
    for label, text in (("printed", case.stdout), ("warnings and stderr", case.stderr)):
        if text.strip():
            parts.append(
                f"<p class='note'>{label} during this case:</p><pre>{_e(text.strip())}</pre>"
            )
    if case.repro:
        parts.append(f"<p class='note'>reproduce:</p><pre>{_e(case.repro)}</pre>")
    return f"<div class='case'>{''.join(parts)}</div>"


def _notes(item: ItemResult) -> list[str]:
    out = []
    if item.note:
        out.append(f"<pre>{_e(item.note)}</pre>")
    if item.uses_failing and item.failures:
        out.append(f"<p class='diag'>{_e(feedback.uses_failing_line(item))}</p>")
    if item.waiting_on:
        out.append(
            f"<p class='note'>uses {_e(', '.join(item.waiting_on))}, not implemented yet</p>"
        )
    if item.uncounted:
        out.append(
            f"<p class='note'>{len(item.uncounted)} case(s) passed that a stub would pass too: "
            "they count once every other correctness case passes</p>"
        )
    if item.hidden_not_run:
        out.append(f"<p class='note'>{item.hidden_not_run} hidden cases not run</p>")
    for label, tail in (("stdout", item.stdout_tail), ("stderr", item.stderr_tail)):
        if tail.strip():
            out.append(f"<p class='note'>your code's {label}, last lines:</p><pre>{_e(tail)}</pre>")
    if item.efficiency:
        from graders.efficiency import line

        slow = "diag" if item.speed_credit < 1 else "note"
        out.append(f"<p class='{slow}'>{_e(line(item.efficiency))}</p>")
    return out


def _state(item: ItemResult) -> str:
    """The item's status, an item waiting for functions not implemented yet counting as one
    not implemented (to do)."""
    return "not implemented" if item.waiting_on else item.status


def _item(item: ItemResult, number: int) -> str:
    function = item.name.split(".", 1)[1]
    state = _state(item)
    passed = sum(c.passed for c in item.cases)
    where = f" <span class='count'>{_e(item.location)}</span>" if item.location else ""
    slow = " <span class='badge partial'>slow</span>" if item.speed_credit < 1 else ""
    summary = (
        f"<summary><span class='badge {_slug(state)}'>"
        f"{_e(STATUS_LABEL.get(state, state))}</span>"
        f"<span class='name'>{_e(function)}</span>{where}{slow}"
        f"<span class='count'>{passed}/{len(item.cases)} cases</span>"
        f"<span class='pts'>{_pts(item.score)} / {_pts(item.points)}</span></summary>"
    )
    body = []
    if item.diagnosis and item.failures:
        body.append(f"<p class='diag'>{_e(item.diagnosis[0].upper() + item.diagnosis[1:])}</p>")
    if item.public_only:
        body.append(f"<p class='diag'>{_e(feedback.PUBLIC_ONLY)}</p>")
    if item.status == "not implemented":
        body.append(f"<p class='note'>{_e(feedback.item_text(item))}</p>")
    body += _notes(item)
    pictures = plots.figures(item, number) if item.status != "not implemented" else []
    if pictures:
        body.append(f"<figure>{''.join(pictures)}</figure>")
    failing = [c for c in item.failures if c.status != "not implemented"]
    body += [_case(c) for c in failing[:MAX_CASES]]
    if len(failing) > MAX_CASES:
        rest = ", ".join(c.name for c in failing[MAX_CASES:])
        body.append(f"<p class='note'>and {len(failing) - MAX_CASES} more failing: {_e(rest)}</p>")
    chips = "".join(f"<li class='{'' if c.passed else 'no'}'>{_e(c.name)}</li>" for c in item.cases)
    if chips:
        body.append(f"<p class='note'>cases:</p><ul class='chips'>{chips}</ul>")
    is_open = " open" if state in ("partial", "failed") else ""
    return (
        f"<details class='item {_slug(state)}' id='i-{_slug(item.name)}'{is_open}>"
        f"{summary}<div class='body'>{''.join(body)}</div></details>"
    )


def _module(module: str, items: list[ItemResult], first: int) -> str:
    score, total = _score(items)
    blocks = "".join(_item(item, first + k) for k, item in enumerate(items))
    return (
        f"<section id='m-{_slug(module)}'><h2>{_e(module)} "
        f"<span class='count'>{_pts(score)} / {_pts(total)}</span></h2>{blocks}</section>"
    )


def _about(result: SubmissionResult) -> str:
    parts = []
    if result.notes:
        parts.append(
            "<h3>Submission</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in result.notes) + "</ul>"
        )
    if result.findings:
        listed = "".join(f"<li><code>{_e(f)}</code></li>" for f in result.findings)
        parts.append(f"<h3>Static scan</h3><ul>{listed}</ul>")
    active = [f"{k}: {v}" for k, v in result.sandbox.items() if v and v != "none"]
    if active:
        parts.append(
            "<h3>Sandbox</h3><ul>" + "".join(f"<li>{_e(a)}</li>" for a in active) + "</ul>"
        )
    if not plots.available():
        parts.append("<p class='note'>(pictures need matplotlib, which is not installed)</p>")
    return f"<section id='about'><h2>About this run</h2>{''.join(parts)}</section>"


def render(result: SubmissionResult) -> str:
    from graders.report import summary_line

    modules = _modules(result)
    sections, number = [], 0
    for module, items in modules.items():
        sections.append(_module(module, items, number))
        number += len(items)
    title = _e(summary_line(result).split(" on public", 1)[0])
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>dlgrade: {title}</title><style>{CSS}</style></head><body>"
        f"{_header(result)}{_nav(modules)}<main>{_summary(modules)}{''.join(sections)}"
        f"{_about(result)}</main><footer>Graded by dlgrade in "
        f"<span class='timing'>{result.execution_time:.1f} s</span>. "
        "<a href='#top'>back to the top</a></footer></body></html>\n"
    )
