"""Code similarity across a class: pairs of submissions whose code is suspiciously alike.

Each student's graded modules are fingerprinted with ``copydetect`` (tokens normalised: names
become ``V``/``F``, strings ``S``, comments and spaces dropped; hashes of every k-gram of 25
normalised characters, winnowed as MOSS does, Schleimer et al. 2003), the student template's
fingerprints removed as boilerplate (the signatures and docstrings every student starts from).
The per-student task computes them (:func:`fingerprints`), where the grading runs; the run keeps
them beside the student's record.  The similarity of ``a`` to ``b`` is the share of ``a``'s
fingerprints that ``b`` has too, over all modules:

.. math::  s(a, b) = \\frac{\\sum_m |H_a^m \\cap H_b^m|}{\\sum_m |H_a^m|}

and a pair is flagged when ``max(s(a, b), s(b, a))`` reaches the threshold and they share at least
:data:`MIN_SHARED` fingerprints (tiny submissions are alike by chance).  Flagged pairs link
entries into groups; for the most alike pair of each group ``copydetect.compare_files`` gives the
matching regions.  It flags; it never changes a score."""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: copydetect's defaults: k-grams of 25 normalised characters, every one kept (guarantee 25).
NOISE, GUARANTEE = 25, 25
#: Flag a pair when one of them has at least this share of its fingerprints in the other.
THRESHOLD = 0.6
#: ... and they share at least this many fingerprints.
MIN_SHARED = 40
#: Lines of each side shown for a flagged pair's module.
MAX_LINES = 120


#: A student's fingerprints: per graded module, the sorted hashes of its k-grams.
Fingerprints = dict[str, np.ndarray]


@dataclass
class Region:
    """The code of one module of each side, matching parts marked (HTML, escaped)."""

    module: str
    similarity: tuple[float, float]
    marked: tuple[str, str]


@dataclass
class Pair:
    """Two entries whose code is alike."""

    a: str
    b: str
    similarity: tuple[float, float]  # s(a, b), s(b, a)
    shared: int
    regions: list[Region] = field(default_factory=list)

    @property
    def top(self) -> float:
        return max(self.similarity)


def graded_code(path: Path) -> dict[str, str]:
    """The graded modules of a submission as the grader reads them ({} if it cannot)."""
    from graders import engine

    try:
        with engine.prepared(path) as sub:
            return {m: _text(sub.root / rel) for m, rel in sub.modules.items()}
    except (engine.SubmissionError, OSError):
        return {}


def _text(path: Path) -> str:
    """The module's text as Python reads it (a byte order mark, a ``coding`` line), else its
    UTF-8 with what does not decode replaced."""
    from graders.submission import source_text

    try:
        return source_text(path)
    except (UnicodeDecodeError, SyntaxError):
        return path.read_text(encoding="utf-8", errors="replace")


class _Text:
    """What ``CodeFingerprint`` reads code from (``fp.read()``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


def _fingerprint(code: str, module: str, boilerplate: np.ndarray | None = None) -> Any:
    os.environ.setdefault("MPLBACKEND", "Agg")  # (copydetect imports pyplot: no window here)
    from copydetect import CodeFingerprint

    return CodeFingerprint(
        f"{module}.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=boilerplate, fp=_Text(code)
    )


def _hashes(code: str, module: str, boilerplate: np.ndarray | None = None) -> np.ndarray:
    return np.array(sorted(_fingerprint(code, module, boilerplate).hashes), dtype=np.int64)


@functools.cache
def boilerplate(template: str | None) -> Fingerprints:
    """The template's fingerprints (computed once per process)."""
    if template is None:
        return {}
    return {m: _hashes(c, m) for m, c in graded_code(Path(template)).items()}


def fingerprints(path: Path, template: str | None) -> Fingerprints:
    """A submission's fingerprints, the template's removed (what the per-student task adds to
    its result, so the class's are computed where the grading is)."""
    common = boilerplate(template)
    return {m: _hashes(c, m, common.get(m)) for m, c in graded_code(path).items()}


def save(path: Path, prints: Fingerprints) -> None:
    """Fingerprints on disk (``.npz``: a student's file beside its record), through a temporary
    file of a short name (the student's file name may be as long as a name can be)."""
    tmp = path.with_name(f".{os.getpid()}.npz.tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, allow_pickle=False, **prints)
    tmp.replace(path)


def load(path: Path) -> Fingerprints | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {m: stored[m] for m in stored.files}
    except (OSError, ValueError):
        return None


def compare(a: str, fa: Fingerprints, b: str, fb: Fingerprints) -> Pair:
    """The pair's similarity both ways (:math:`s(a, b)`, :math:`s(b, a)`)."""
    shared = total_a = total_b = 0
    for module in fa.keys() & fb.keys():
        shared += len(np.intersect1d(fa[module], fb[module], assume_unique=True))
        total_a, total_b = total_a + len(fa[module]), total_b + len(fb[module])
    sims = (shared / total_a if total_a else 0.0, shared / total_b if total_b else 0.0)
    return Pair(a, b, (round(sims[0], 4), round(sims[1], 4)), shared)


def _marked(code: str, slices: np.ndarray, lines: int = MAX_LINES) -> str:
    """The code with its matching parts in ``<mark>`` (escaped), cut after ``lines`` lines."""
    from copydetect.utils import highlight_overlap

    marked = highlight_overlap(code, slices, "<mark>", "</mark>", truncate=3, escape_html=True)
    text = str(marked[0])
    kept = text.split("\n")
    if len(kept) <= lines:
        return text
    cut = "\n".join(kept[:lines])
    if cut.count("<mark>") > cut.count("</mark>"):
        cut += "</mark>"
    return cut + f"\n... ({len(kept) - lines} more lines)"


def regions(a: Path, b: Path, template: str | None) -> list[Region]:
    """The matching parts of each module the two share (``copydetect.compare_files``), the
    most alike first."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from copydetect import compare_files

    common = boilerplate(template)
    code_a, code_b = graded_code(a), graded_code(b)
    out = []
    for module in code_a.keys() & code_b.keys():
        fa = _fingerprint(code_a[module], module, common.get(module))
        fb = _fingerprint(code_b[module], module, common.get(module))
        overlap, sims, slices = compare_files(fa, fb)
        if overlap:
            marks = (_marked(code_a[module], slices[0]), _marked(code_b[module], slices[1]))
            out.append(Region(module, (float(sims[0]), float(sims[1])), marks))
    return sorted(out, key=lambda r: (-max(r.similarity), r.module))


def similar_pairs(
    prints: dict[str, Fingerprints],
    threshold: float = THRESHOLD,
) -> list[Pair]:
    """The flagged pairs of the class (entry -> fingerprints), most alike first."""
    named = sorted((name, fp) for name, fp in prints.items() if fp)
    pairs = [compare(a, fa, b, fb) for (a, fa), (b, fb) in itertools.combinations(named, 2)]
    flagged = [p for p in pairs if p.top >= threshold and p.shared >= MIN_SHARED]
    return sorted(flagged, key=lambda p: (-p.top, p.a, p.b))


def shown(pairs: list[Pair], paths: dict[str, Path], template: str | None, most: int) -> None:
    """Add the matching regions to the most alike pair of each group (the first ``most``
    groups): one pair tells the story of a group of copies."""
    linked = groups(pairs)[:most]
    for group in linked:
        members = set(group)
        first = next(p for p in pairs if p.a in members)
        first.regions = regions(paths[first.a], paths[first.b], template)


def groups(pairs: list[Pair]) -> list[list[str]]:
    """Entries linked by flagged pairs (connected components), largest first."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for p in pairs:
        parent[root(p.a)] = root(p.b)
    members: dict[str, list[str]] = {}
    for x in parent:
        members.setdefault(root(x), []).append(x)
    return sorted((sorted(m) for m in members.values()), key=lambda m: (-len(m), m))
