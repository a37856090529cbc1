"""Reports a submission cannot forge: what its code prints or raises is shown inert in every
format (``graders.text.clean`` where student text enters the results, and each renderer's own
escaping).

Checked with independent tools: XML with ``xml.etree`` and ``xml.dom.minidom`` (expat), HTML with
``html.parser`` (the tags it sees), JSON with ``json``, and for the terminal and GitHub's log the
raw characters and lines.  Twice: on a result built here with hostile strings everywhere a
student's text can go (each renderer alone), and on the real grading of the bank's
``forged_report`` submission (tests/submissions/hostile/forged_report) in every format.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import unicodedata
import xml.dom.minidom
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from graders import engine, registry, submission
from graders.report import github, renderer, text
from graders.sandbox import namespaces
from graders.score import CaseResult, ItemResult, SubmissionResult
from graders.text import clean, indented

ROOT = Path(__file__).resolve().parent.parent
EVIL = (
    "\x1b[2J\x1b[H\x1b[32mScore 200/200\x1b[0m\n"
    "wrong\rScore 200/200 on public cases\n"
    "\x9b31mred\x1b]0;pwned\x07\x1b[1A\x1b[2K\x1bc\n"
    "::error title=fake::everything passed\n"
    "::add-mask::secret\n::stop-commands::tok\n::set-output name=result::200\n"
    "\x00nul\x0bvt\x0cff\ufffe\uffff\ud800\u202eevil\u2066\u2028x\n"
    "</pre><script>alert(1)</script><!--\n"
    "```\n# fake heading\n```\n"
    "Points 200/200\n"
)
FORMATS = ("text", "json", "gradescope", "github", "junit", "html")
#: The workflow commands a submission must never start a line of the log with.
COMMANDS = ("::add-mask::", "::stop-commands::", "::set-output", "::error title=fake")


# ----------------------------------------------------------------------------- clean()
def _invisible(ch: str) -> bool:
    return ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn", "Zl", "Zp")


def test_clean_leaves_nothing_a_terminal_would_act_on() -> None:
    out = clean(EVIL)
    assert not [ch for ch in out if _invisible(ch)], repr(out)
    assert "\x1b" not in out and "\r" not in out and "\x9b" not in out
    assert "pwned" not in out  # (an OSC title is removed whole)
    for line in out.splitlines():  # the carriage return now starts a line of its own
        assert not line.startswith("wrong") or "Score" not in line


def test_clean_keeps_ordinary_text() -> None:
    plain = "ValueError: shape (2, 3) ≠ (3,); λ=0.5, 中文, café\n\tat line 3"
    assert clean(plain) == plain
    assert clean(plain, one_line=True) == plain.replace("\n", "\\n").replace("\t", " ")


def test_indented_puts_every_line_behind_a_margin() -> None:
    assert indented("a\nScore 200/200") == "  | a\n  | Score 200/200"


# ----------------------------------------------------------------------------- each renderer alone
def _hostile_result() -> SubmissionResult:
    case = CaseResult(
        name="scalar",
        category="correctness",
        weight=1.0,
        hidden=False,
        passed=False,
        status="error",
        message=EVIL,
        details={"got": EVIL, "expected": "0.5"},
    )
    item = ItemResult(
        name="activations.sigmoid",
        points=2.0,
        cases=[case],
        stdout_tail=EVIL,
        stderr_tail=EVIL,
    )
    noted = ItemResult(name="activations.tanh", points=2.0, cases=[case], note=EVIL)
    return SubmissionResult(
        submission="sub",
        items=[item, noted],
        environment={"torch": "2.13.0", "device": "cpu", "numpy": "2", "python": "3.11"},
        sandbox={"namespaces": "net"},
        seed=1,
        hidden_seed_given=False,
        findings=["activations.py:1: suspicious: " + EVIL],
        notes=["folder: " + EVIL],
    )


def _render(fmt: str, result: SubmissionResult, tmp_path: Path, mp: pytest.MonkeyPatch) -> str:
    mp.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    mp.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    if fmt == "text":
        return text.render(result, color=False)
    return renderer(fmt)(result)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


#: The tags the HTML page may hold: those its renderer writes, and matplotlib's SVG pictures'
#: (never a script, an image fetched from elsewhere, a frame: nothing student text brings).
PAGE_TAGS = set(
    re.findall(r"<([a-z][a-z0-9]*)", (ROOT / "graders/report/html.py").read_text(encoding="utf-8"))
) | {
    "svg", "g", "path", "defs", "clippath", "use", "text", "rect", "image", "style", "title",
    "desc", "polyline", "line", "circle", "metadata", "tspan", "lineargradient", "stop", "pattern",
    "mask", "polygon", "ellipse",
}  # fmt: skip
assert not PAGE_TAGS & {"script", "iframe", "object", "embed", "img", "link", "form"}


def _check_format(fmt: str, out: str, tmp_path: Path, engine_cleaned: bool) -> None:
    """The checks of one format's output (see the module's doc)."""
    if fmt in ("text", "github"):
        assert "\x1b" not in out and "\r" not in out and "\x9b" not in out
        assert not [ch for ch in out if _invisible(ch)], [ch for ch in out if _invisible(ch)]
        lines = out.splitlines()
        assert sum(line.startswith("Score ") for line in lines) == 1
        assert lines[-1 if fmt == "text" else -2].startswith("Score ")
    if fmt == "github":
        lines = out.splitlines()
        assert not [ln for ln in lines if ln.startswith(COMMANDS)]
        ours = [ln for ln in lines if ln.startswith("::")]
        assert all(re.match(r"::(error|warning) (file=[^,]*,line=\d+,)?title=", ln) for ln in ours)
        assert sum(line.startswith("Points ") for line in lines) == 1
        _check_fences((tmp_path / "summary.md").read_text(encoding="utf-8"))
    if fmt == "junit":
        ET.fromstring(out.encode())  # (raises on anything that is not XML)
        xml.dom.minidom.parseString(out.encode())
    if fmt == "html":
        parser = _Tags()
        parser.feed(out)
        assert parser.tags <= PAGE_TAGS, parser.tags - PAGE_TAGS
        assert not parser.comments
    if fmt in ("json", "gradescope"):
        data = json.loads(out)
        strings: list[str] = []
        _strings(data, strings)
        bad = [s for s in strings if any(_invisible(ch) for ch in s)]
        if engine_cleaned:  # (a raw result renders what it holds; JSON itself stays valid)
            assert not bad, bad[:2]


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def _check_fences(markdown: str) -> None:
    """No line of a fenced block closes it early: the student's ``# fake heading`` stays inside
    a code block."""
    fence: str | None = None
    for line in markdown.splitlines():
        if fence is None and re.match(r"^`{3,}text$", line):
            fence = line[: -len("text")]
        elif fence is not None and line == fence:
            fence = None
        elif fence is None:
            assert not line.startswith("# fake heading"), "the student's Markdown escaped"


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_renderer_escapes_for_its_format(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile text straight into a result (not through the engine's cleaning): each format
    still holds it inert."""
    out = _render(fmt, _hostile_result(), tmp_path, monkeypatch)
    _check_format(fmt, out, tmp_path, engine_cleaned=False)


def test_an_ungradable_submission_message_cannot_inject_workflow_commands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    github.write_error(EVIL, 2.0)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error title=")


# ----------------------------------------------------------------------------- the real grading
@pytest.fixture(scope="module")
def forged() -> SubmissionResult:
    if not namespaces.namespace_prefix()[0]:
        pytest.skip("no namespaces here: hostile code would run unconfined")
    bank = ROOT / "tests" / "submissions" / "hostile" / "forged_report"
    return engine.grade(bank, registry.select(["activations.sigmoid"]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_forged_report_submission_forges_nothing(
    fmt: str, forged: SubmissionResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert forged.score == 0
    out = _render(fmt, forged, tmp_path, monkeypatch)
    _check_format(fmt, out, tmp_path, engine_cleaned=True)
    if fmt in ("text", "junit", "html"):  # its message is shown, inert, inside a line
        assert re.search(r"\S.*::error title=fake::everything passed", out)


# ------------------------------------------------------------------------- the submission's names
#: A folder name a student chose: a forged score line, colours, raw HTML and a script link.
FOLDER = "x\nScore 240∕240\n\x1b[31mRED <img src=x onerror=alert(1)> [click](javascript:alert(1))\n"
#: A file name a student chose: Markdown and HTML that would render as such in a note.
LINKED = (
    "\x1b[31m<img src=x onerror=alert(2)> [c](javascript:alert(2)) **b** `c` www.e.example "
    "me@e.example &amp; <!-- \\"
)
#: The tags the Gradescope Markdown renders to: the grader's own, never the student's.
MARKDOWN_TAGS = {"p", "strong", "ul", "li", "code", "pre"}


def _ungradable(tmp_path: Path) -> SubmissionResult:
    """The report of a zip holding two folders that each have activations.py, one of them
    named :data:`FOLDER` (the submission cannot be graded: the message names both)."""
    tie = tmp_path / "tie.zip"
    with zipfile.ZipFile(tie, "w") as zf:
        for folder in (FOLDER, "b"):
            zf.write(ROOT / "reference" / "activations.py", f"{folder}/activations.py")
    (tmp_path / "scratch").mkdir()
    with pytest.raises(engine.SubmissionError) as info:
        submission.prepare(tie, registry.MODULES, tmp_path / "scratch")
    assert "RED <img" in str(info.value)
    return engine.unusable(tie, registry.select(["activations.sigmoid"]), str(info.value))


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_ungradable_submissions_names_forge_nothing(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'not graded: why', where why quotes the student's folder names: cleaned and on one line
    in every format (no escape sequence, no score line of its own), and in Gradescope's
    Markdown no HTML or link."""
    result = _ungradable(tmp_path)
    out = _render(fmt, result, tmp_path, monkeypatch)
    _check_format(fmt, out, tmp_path, engine_cleaned=True)
    assert "\x1b" not in out and "\\u001b" not in out
    if fmt in ("json", "gradescope"):
        data = json.loads(out)
        outputs = [data["output"], *(t["output"] for t in data["tests"])]
        assert not [ln for o in outputs for ln in o.splitlines() if ln.startswith("Score 240")]
    if fmt == "gradescope":
        html = MarkdownIt("commonmark").render(data["output"])
        parser = _Tags()
        parser.feed(html)
        assert parser.tags <= MARKDOWN_TAGS, parser.tags
        assert "RED &lt;img src=x onerror=alert(1)&gt; [click](javascript:alert(1))" in html


def test_gradescope_markdown_shows_the_submissions_names_as_they_are(tmp_path: Path) -> None:
    """The notes (a link named with HTML and Markdown, found by the real reading of the
    submission), a static-scan finding and a location holding backticks: rendered by a real
    CommonMark renderer, each is the student's text, cleaned, and nothing else (no HTML, no
    link, no emphasis, no way out of a code span); no bare URL is left for an autolinker."""
    src = tmp_path / "sub"
    src.mkdir()
    shutil.copy(ROOT / "reference" / "activations.py", src / "activations.py")
    os.symlink("/etc/passwd", src / LINKED)
    (tmp_path / "scratch").mkdir()
    notes = list(submission.prepare(src, registry.MODULES, tmp_path / "scratch").notes)
    assert any(LINKED in n for n in notes)
    where = "hw``1 `<img src=x onerror=alert(3)>`/activations.py:3"
    finding = f"{where}: suspicious: call to eval() ` <b>x</b> ``` `"
    result = _hostile_result()
    result.notes, result.findings = notes, [finding]
    result.items[0].location = where
    data = json.loads(renderer("gradescope")(result))
    markdown = MarkdownIt("commonmark")
    top = markdown.render(data["output"])
    parser = _Tags()
    parser.feed(top)
    assert parser.tags <= MARKDOWN_TAGS, parser.tags
    items = [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", top, re.DOTALL)]
    assert items == [clean(n, one_line=True) for n in notes] + [
        f"<code>{clean(finding, one_line=True)}</code>"
    ]
    assert "www." not in data["output"] and "me@" not in data["output"]
    shown = markdown.render(data["tests"][0]["output"])
    assert f"(<code>{html.escape(where, quote=False)}</code>)" in shown


def test_github_job_summary_shows_the_submissions_names_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job summary's table (an item's location, a folder named with a table border, HTML
    and backticks) and the summary of a submission that could not be graded (its message
    quotes the names): rendered by a real CommonMark renderer (with GitHub's tables), only the
    grader's own tags, and the names as the student wrote them, cleaned."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    where = "a | b ``<img src=x onerror=alert(4)>`` /activations.py:3"
    result = _hostile_result()
    result.items[0].location = where
    github.render(result)
    github.write_error(f"'{LINKED}' holds no module", 2.0)
    page = MarkdownIt("commonmark").enable("table").render(summary.read_text(encoding="utf-8"))
    parser = _Tags()
    parser.feed(page)
    grader_tags = {"h2", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "details",
                   "summary", "pre"}  # fmt: skip
    assert parser.tags <= grader_tags, parser.tags
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", page, re.DOTALL)]
    assert f"<code>{clean(where, one_line=True)}</code>" in cells
    assert html.escape(clean(f"'{LINKED}' holds no module", one_line=True), quote=False) in page
