"""The HTML report: one self-contained page, checked as markup and in a real browser.

The browser tests open the page in headless Chromium (``tests/browser.py``) at a laptop's and a
phone's width, check the layout there (the summary on the first screen, the navigation sticky,
every picture drawn within the screen, no text running off it) and save screenshots to
``$GRADER_SCREENSHOTS`` (default: the test's temporary directory).  Without Chromium they skip
with a message; ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from graders import engine, registry
from graders.report import html, plots
from graders.score import SubmissionResult
from tests import browser
from tests.planted_bugs import BUGS

#: Planted bugs of several kinds (an activation, a derivative, an initializer, an optimizer, a
#: loss gradient, a function a worked example uses) and an item left unimplemented.
PLANTED = (
    "softmax-no-max-shift",
    "tanh-grad-uses-x",
    "kaiming-normal-fan-out-for-fan-in",
    "adam-without-bias-correction",
    "mse-grad-without-factor-2",
    "sigmoid-sign-error",
)
ITEMS = (
    "activations.sigmoid",
    "activations.relu",
    "activations.elu",
    "activations.softmax",
    "activations.tanh_grad",
    "activations.worked_backprop_forward",
    "initializers.kaiming_normal_",
    "initializers.xavier_uniform_",
    "losses.mse_loss_grad",
    "optimizers.Adam",
)
#: How many pictures each failing item has (the others: passed, not implemented, a worked
#: example's table, or a failure of the dtype alone); a 2-D output adds a heat map.
PICTURED = {
    "activations.sigmoid": 1,
    "activations.tanh_grad": 1,
    "initializers.kaiming_normal_": 1,
    "losses.mse_loss_grad": 2,
    "optimizers.Adam": 1,
}


def plant(directory: Path, names: tuple[str, ...]) -> Path:
    """The reference with every bug of ``names`` planted (each in its own function)."""
    reference = Path(__file__).resolve().parent.parent / "reference"
    texts = {
        m: (reference / f"{m}.py").read_text(encoding="utf-8")
        for m in ("activations", "initializers", "losses", "optimizers")
    }
    for bug in (b for b in BUGS if b.name in names):
        text = texts[bug.module]
        texts[bug.module] = (
            bug._patched_method(text) if bug.cls else _replace(text, bug.function, bug.code)
        )
    directory.mkdir(parents=True, exist_ok=True)
    for module, text in texts.items():
        (directory / f"{module}.py").write_text(text, encoding="utf-8")
    return directory


def _replace(text: str, function: str, code: str) -> str:
    pattern = re.compile(rf"^def {re.escape(function)}\(.*?(?=^(?:def |class |@)|\Z)", re.S | re.M)
    new, count = pattern.subn(lambda _m: code.strip("\n") + "\n\n\n", text)
    assert count == 1
    return new


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> SubmissionResult:
    sub = plant(tmp_path_factory.mktemp("html") / "submission", PLANTED)
    elu = "def elu(x, alpha=1.0):\n    raise NotImplementedError('elu')\n"
    path = sub / "activations.py"
    path.write_text(_replace(path.read_text(), "elu", elu))
    return engine.grade(sub, registry.select(list(ITEMS)))


@pytest.fixture(scope="module")
def page(graded: SubmissionResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(html.render(graded), encoding="utf-8")
    return path


class Outline(HTMLParser):
    """What the tests look for in the markup."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def outline(text: str) -> Outline:
    parsed = Outline()
    parsed.feed(text)
    return parsed


# ------------------------------------------------------------------------------ the markup
def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for banned in ("<script", "<link", "<img", "<iframe", "@import", "src="):
        assert banned not in text.lower(), banned
    # the only URLs are XML namespace names of the inline SVGs, never fetched; a heat map is a
    # PNG inside its SVG (a data: URI)
    for url in re.findall(r"https?://[^\s\"')]+", text):
        assert url.startswith(
            ("http://www.w3.org/", "http://purl.org/", "http://creativecommons")
        ), url
    for tag, attrs in outline(text).tags:
        href = attrs.get("href") or attrs.get("xlink:href") or ""
        assert not href or href.startswith(("#", "data:image/png;base64,")), (tag, href[:40])


def test_summary_navigation_items_and_pictures(graded: SubmissionResult, page: Path) -> None:
    parsed = outline(page.read_text(encoding="utf-8"))
    modules = list(dict.fromkeys(i.name.split(".", 1)[0] for i in graded.items))
    nav = [a["href"] for a in parsed.all("a") if (a.get("href") or "").startswith("#m-")]
    assert nav[: len(modules)] == [f"#m-{m}" for m in modules]
    assert {a["id"] for a in parsed.all("section")} >= {"summary", *(f"m-{m}" for m in modules)}
    items = [a for a in parsed.all("details") if (a.get("class") or "").startswith("item")]
    assert len(items) == len(graded.items)
    opened = {a["id"] for a in items if "open" in a}
    failing = {
        i.name for i in graded.items if i.status in ("partial", "failed") and not i.waiting_on
    }
    assert opened == {f"i-{html._slug(name)}" for name in failing}
    assert len(parsed.all("svg", role="img")) == sum(PICTURED.values())
    words = " ".join(parsed.text)
    assert f"Score {html._pts(graded.score)} / {html._pts(graded.max_score)}" in words
    assert "This matches a known mistake: softmax without subtracting the max" in words
    assert "the notes" in words and "0.298371109" in words  # the worked example's table
    assert "to do" in words  # elu, not implemented


def test_every_failing_item_with_arrays_has_its_picture(graded: SubmissionResult) -> None:
    for number, item in enumerate(graded.items):
        pictures = plots.figures(item, number)
        assert len(pictures) == PICTURED.get(item.name, 0), item.name
        for picture in pictures:
            assert picture.startswith("<svg ") and "<metadata" not in picture
        assert plots.figures(item, number) == pictures  # the same bytes every time


def test_ids_are_unique_on_the_page(page: Path) -> None:
    ids = [a["id"] for _, a in outline(page.read_text(encoding="utf-8")).tags if a.get("id")]
    assert len(ids) == len(set(ids))
    assert len(ids) > 100  # (the pictures' own ids are there, prefixed)


def test_a_page_without_failures_has_no_picture() -> None:
    item = next(i for i in registry.ITEMS if i.name == "activations.relu")
    result = engine.grade(Path(__file__).resolve().parent.parent / "reference", [item])
    text = html.render(result)
    assert "<svg" not in text and "Score 2 / 2" in text


def test_outputs_no_axis_can_span_leave_the_picture_out_not_the_page(tmp_path: Path) -> None:
    """A relu returning -1e308 and 1e308: no axis spans that range (matplotlib raised, and the
    whole page was lost to a traceback); the page stands, with the failure and no picture."""
    root = Path(__file__).resolve().parent.parent
    sub = tmp_path / "sub"
    shutil.copytree(root / "reference", sub)
    code = (sub / "activations.py").read_text(encoding="utf-8")
    start = code.index("def relu(")
    body = code.index("# BEGIN SOLUTION", start)
    huge = "return np.where(np.asarray(x, dtype=float) > 0, 1e308, -1e308)\n    "
    (sub / "activations.py").write_text(code[:body] + huge + code[body:], encoding="utf-8")
    item = next(i for i in registry.ITEMS if i.name == "activations.relu")
    result = engine.grade(sub, [item])
    (relu,) = result.items
    assert relu.status == "failed" and plots._failing(relu)
    assert plots.figures(relu, 1) == []
    text = html.render(result)
    assert "Score 0 / 2" in text and "<svg" not in text


# ------------------------------------------------------------------------------ in Chromium
needs_chromium = pytest.mark.skipif(
    browser.chromium() is None,
    reason="chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
SIZES = {"laptop": (1366, 860, False), "phone": (390, 844, True)}
LAYOUT = """(() => {
  const rect = (e) => e.getBoundingClientRect();
  const svgs = [...document.querySelectorAll('figure svg')].map(rect);
  const pres = [...document.querySelectorAll('pre')];
  const table = document.querySelector('#summary table');
  return {
    width: innerWidth, height: innerHeight,
    pageWidth: document.documentElement.scrollWidth,
    summaryTop: rect(document.querySelector('#summary')).top,
    tableFits: table.scrollWidth <= table.parentElement.clientWidth + 1,
    navLinks: document.querySelectorAll('nav a[href^="#m-"]').length,
    svgs: svgs.map((r) => [r.width, r.height]),
    widePres: pres.filter((p) => p.scrollWidth > p.clientWidth + 1).length,
    pres: pres.length,
  };
})()"""


def _screens() -> Path | None:
    given = os.environ.get("GRADER_SCREENSHOTS")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        return Path(given)
    return None


@needs_chromium
@pytest.mark.parametrize("size", list(SIZES))
def test_the_page_in_chromium(size: str, page: Path, tmp_path: Path) -> None:
    width, height, mobile = SIZES[size]
    shots = _screens() or tmp_path
    with browser.Browser(page.as_uri()) as b:
        b.viewport(width, height, mobile)
        layout: dict[str, Any] = b.js(LAYOUT)
        assert layout["width"] == width
        assert layout["summaryTop"] < height / 2, "the summary is not on the first screen"
        assert layout["tableFits"], "the summary table is wider than the screen"
        assert layout["pageWidth"] <= width, "something runs off the screen"
        assert layout["pres"] > 0 and layout["widePres"] == 0, "feedback runs off the screen"
        assert layout["navLinks"] == 4
        assert len(layout["svgs"]) == sum(PICTURED.values())
        for w, h in layout["svgs"]:
            assert 300 < w <= width - 16 and h > 180, (w, h)
        top = b.screenshot(shots / f"{size}-top.png")
        # the navigation stays on screen when scrolled
        b.js("window.scrollTo(0, document.body.scrollHeight / 2)")
        assert abs(b.js("document.querySelector('nav').getBoundingClientRect().top")) < 1
        b.js("document.querySelector('figure').scrollIntoView({block: 'center'})")
        figure = b.screenshot(shots / f"{size}-figure.png")
        # items fold and unfold
        closed = "document.querySelector('details.item:not([open])')"
        b.js(f"{closed}.setAttribute('data-probe', '1'); {closed}.querySelector('summary').click()")
        assert b.js("document.querySelector('[data-probe]').open") is True
    for shot in (top, figure):
        assert shot.stat().st_size > 20_000  # (a blank page compresses to a few kB)
