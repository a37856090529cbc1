"""The class report: one self-contained HTML page (no script, nothing fetched) for instructors.

Sections: the class at a glance (entries, graded, not graded, grader errors, mean and median);
the distribution of the total scores and of each module's; per item the mean, the pass rate,
the discrimination index and the point-biserial correlation (:mod:`graders.batch.stats`); the
cases that fail most, with their category and most common message; the errors students hit
most (timeouts, import errors, forbidden imports, ...); the entries that could not be graded;
the students whose items pass the public cases and none of the hidden ones; and the pairs of
submissions whose code is alike (:mod:`graders.batch.similarity`), with the matching regions.
The same records give the same page.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from graders.batch import figures, stats
from graders.batch.record import GRADED
from graders.batch.similarity import THRESHOLD, Pair, groups
from graders.registry import Item

CSS = """
:root{--ok:#2e7d32;--bad:#c62828;--line:#d9dde3;--bg:#f6f7f9;--ink:#1d2330;--mute:#5b6472}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1080px;margin:0 auto;padding:0 16px}
h1{font-size:1.6rem;margin:.8em 0 .2em}h2{font-size:1.25rem;margin:1.6em 0 .5em}
.sub{color:var(--mute);margin:.2em 0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px}
.card b{display:block;font-size:1.4rem}
.tablewrap{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:5px 9px;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.low{color:var(--bad);font-weight:600}
code{font-size:.88em;overflow-wrap:anywhere}
td:first-child code,td:nth-child(2) code{overflow-wrap:normal;white-space:nowrap}
figure{margin:10px 0;background:#fff;border:1px solid var(--line);border-radius:8px;
padding:6px}
figure svg{max-width:100%;height:auto}
figcaption{color:var(--mute);font-size:.9rem}
details{background:#fff;border:1px solid var(--line);border-radius:8px;margin:8px 0;
padding:6px 10px}
summary{cursor:pointer;font-weight:600}
.side{display:grid;grid-template-columns:1fr 1fr;gap:8px}
@media (max-width:700px){.side{grid-template-columns:1fr}}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem;background:#fafbfc;
border:1px solid var(--line);padding:6px;margin:4px 0;max-height:420px;overflow:auto}
mark{background:#ffe08a}
footer{color:var(--mute);font-size:.85rem;padding:24px 16px}
"""
#: Discrimination below this is worth a look.
LOW_D = 0.2


def _e(x: Any) -> str:
    return escape(str(x))


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "–" if x is None else format(x, fmt)


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    """A table of already escaped cells (columns in ``numeric`` right-aligned)."""
    th = "".join(f"<th{' class=num' if k in numeric else ''}>{h}</th>" for k, h in enumerate(head))
    body = "\n".join(
        "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<div class=tablewrap><table><tr>{th}</tr>\n{body}\n</table></div>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def _glance(records: list[dict[str, Any]]) -> str:
    done = stats.graded(records)
    percents = [100 * r["score"] / r["max_score"] for r in done if r["max_score"]]
    counts = {s: sum(r["status"] == s for r in records) for s in ("not graded", "grader error")}
    cards = [
        ("entries", str(len(records))),
        ("graded", str(len(done))),
        ("not graded", str(counts["not graded"])),
        ("grader errors", str(counts["grader error"])),
        ("mean", f"{np.mean(percents):.1f}%" if percents else "–"),
        ("median", f"{np.median(percents):.1f}%" if percents else "–"),
    ]
    html = "<div class=cards>" + "".join(f"<div class=card><b>{v}</b>{k}</div>" for k, v in cards)
    html += "</div>"
    if done:
        html += _figure(figures.distribution(percents), "Total scores of the graded students.")
    return html


def _modules(records: list[dict[str, Any]], items: list[Item]) -> str:
    done = stats.graded(records)
    if not done:
        return ""
    names = list(dict.fromkeys(i.module for i in items))
    points = {m: sum(i.points for i in items if i.module == m) for m in names}
    fractions = [
        [sum(v["score"] for k, v in r["items"].items() if k.startswith(m + ".")) / points[m]
         for r in done]
        for m in names
    ]  # fmt: skip
    return _figure(figures.modules(names, fractions), "Each module's score, per student.")


def _items(records: list[dict[str, Any]], items: list[Item]) -> str:
    table = stats.item_stats(records, items)
    rows = []
    for s in table:
        low = s.discrimination is not None and s.discrimination < LOW_D
        rows.append([
            f"<code>{_e(s.name)}</code>", f"<td class=num>{s.points:g}</td>",
            f"<td class=num>{100 * s.mean:.0f}%</td>",
            f"<td class=num>{100 * s.pass_rate:.0f}%</td>",
            f"<td class='num{' low' if low else ''}'>{_num(s.discrimination)}</td>",
            f"<td class=num>{_num(s.point_biserial)}</td>",
        ])  # fmt: skip
    head = ["item", "points", "mean", "pass rate", "discrimination D", "point-biserial r"]
    return _figure(
        figures.items(table),
        f"Pass rate against discrimination (upper minus lower {stats.TAIL:.0%} of the "
        f"class); below {LOW_D} an item hardly separates strong from weak students.",
    ) + _table(head, rows, {1, 2, 3, 4, 5})


def _cases(records: list[dict[str, Any]]) -> str:
    rows = [
        [f"<code>{_e(c.item)}</code>", f"<code>{_e(c.case)}</code>", _e(c.category),
         f"<td class=num>{c.students} ({100 * c.share:.0f}%)</td>", _e(c.message)]
        for c in stats.failing_cases(records)
    ]  # fmt: skip
    if not rows:
        return "<p>No graded student failed a case of an implemented item.</p>"
    return _table(["item", "case", "category", "students failing", "most common message"],
                  rows, {3})  # fmt: skip


def _errors(records: list[dict[str, Any]]) -> str:
    found = stats.errors(records)
    if not found:
        return "<p>No errors.</p>"
    rows = [
        [_e(e.kind), f"<td class=num>{e.students}</td>", f"<td class=num>{e.cases}</td>",
         f"<code>{_e(e.example)}</code>"]
        for e in found
    ]  # fmt: skip
    chart = _figure(figures.errors(found), "Students who hit each kind of error.")
    return chart + _table(["what went wrong", "students", "cases", "most common message"], rows,
                          {1, 2})  # fmt: skip


def _not_graded(records: list[dict[str, Any]]) -> str:
    rows = [
        [f"<code>{_e(r['submission'])}</code>", _e(r["status"]), _e(r["error"])]
        for r in records
        if r["status"] != GRADED
    ]
    if not rows:
        return "<p>Every entry was graded.</p>"
    return _table(["entry", "status", "why"], rows)


def _public_only(records: list[dict[str, Any]]) -> str:
    found = stats.public_only(records)
    if not found:
        hidden_run = any(r.get("hidden") is not None for r in stats.graded(records))
        return (
            "<p>No student passed an item's public cases and failed all its hidden ones.</p>"
            if hidden_run
            else "<p>No hidden cases were run (no course secret): nothing to compare.</p>"
        )
    rows = [
        [f"<code>{_e(student)}</code>", f"<td class=num>{len(names)}</td>",
         ", ".join(f"<code>{_e(n)}</code>" for n in names)]
        for student, names in found
    ]  # fmt: skip
    return (
        "<p>These students' items pass every public case and none of the hidden ones, which "
        "draw the same kinds of input from another seed: code that depends on the public "
        "inputs (answers written in for them, a branch on their shapes), or a bug only the "
        "hidden inputs show.  It flags; the hidden cases' share is what such an item "
        "loses.</p>" + _table(["student", "items", "which"], rows, {1})
    )


def _pair_details(pair: Pair) -> str:
    blocks = []
    for region in pair.regions:
        blocks.append(
            f"<p><code>{_e(region.module)}.py</code>: {region.similarity[0]:.0%} of "
            f"{_e(pair.a)}'s tokens and {region.similarity[1]:.0%} of {_e(pair.b)}'s match</p>"
            f"<div class=side><pre>{region.marked[0]}</pre><pre>{region.marked[1]}</pre></div>"
        )
    return (
        f"<details><summary>{_e(pair.a)} and {_e(pair.b)}: {pair.top:.0%}</summary>"
        + "".join(blocks)
        + "</details>"
    )


def _similarity(pairs: list[Pair], shown: int = 50) -> str:
    if not pairs:
        return "<p>No pair of submissions is suspiciously alike.</p>"
    linked = groups(pairs)
    html = (
        f"<p>{len(pairs)} pairs of entries are alike (at least {THRESHOLD:.0%} of one's code "
        "in the other's, the template left out), in these groups.  It flags; it never changes "
        "a score.</p><ul>"
    )
    html += "".join(
        f"<li>{len(g)} entries: " + ", ".join(f"<code>{_e(n)}</code>" for n in g) + "</li>"
        for g in linked
    )
    html += "</ul>"
    rows = [
        [f"<code>{_e(p.a)}</code>", f"<code>{_e(p.b)}</code>",
         f"<td class=num>{p.similarity[0]:.0%}</td>", f"<td class=num>{p.similarity[1]:.0%}</td>",
         f"<td class=num>{p.shared}</td>"]
        for p in pairs[:shown]
    ]  # fmt: skip
    html += _table(["entry a", "entry b", "of a in b", "of b in a", "fingerprints"], rows,
                   {2, 3, 4})  # fmt: skip
    if len(pairs) > shown:
        html += f"<p>... and {len(pairs) - shown} more pairs.</p>"
    html += "".join(_pair_details(p) for p in pairs if p.regions)
    return html


def render(records: list[dict[str, Any]], items: list[Item], pairs: list[Pair], title: str) -> str:
    """The class report of ``records`` (one per entry) on ``items``."""
    sections = [
        ("Scores", _glance(records) + _modules(records, items)),
        ("Items", _items(records, items)),
        ("Cases that fail most", _cases(records)),
        ("Errors students hit most", _errors(records)),
        ("Entries not graded", _not_graded(records)),
        ("Passing the public cases only", _public_only(records)),
        ("Code alike", _similarity(pairs)),
    ]
    body = "\n".join(f"<section><h2>{h}</h2>\n{s}\n</section>" for h, s in sections)
    total = sum(i.points for i in items)
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Class report: {_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Class report</h1><p class=sub>{_e(title)}: {len(records)} entries, "
        f"{len(items)} items worth {total:g} points</p></header>\n<main>{body}</main>"
        "<footer>dlgrade batch: statistics over the graded students; entries not graded are "
        "counted apart.</footer></body></html>\n"
    )
