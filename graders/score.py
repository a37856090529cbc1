"""Phase 5, score: results as data, and the partial-credit rule.

An item's score is its points times the weighted fraction of its cases that count (weights by
category, see ``registry.WEIGHTS``).  A case counts when it passed, except a *gated* one: an
edge or convention case, one where torch raises an error, or one whose expected output a stub
would give too (all zeros, one repeated value, a single 0, ±1 or ±½, an input unchanged, its
sign or its step: ``judge.trivial``).  A gated case counts only once every other correctness
case of the item passed: a stub (returning zeros, a constant, its input, its sign, or raising
everywhere) gets those right without the algorithm, and so earns nothing.  Hidden cases count
only when a hidden seed was given; otherwise the report says how many exist and were not run.
Speed counts only when an instructor gives it a weight w (``grade --efficiency-weight``): the
fraction is then multiplied by 1 - w + w * speed_credit (see :attr:`ItemResult.speed_credit`).
Renderers (``graders.report``) only read these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: A function this many times slower than the reference (on a large input) gets the hint, and
#: no speed credit where an instructor weights speed (graders.efficiency).
SLOW_FACTOR = 10.0


@dataclass
class CaseResult:
    """One case's verdict and everything a student needs to act on it."""

    name: str
    category: str
    weight: float
    hidden: bool
    passed: bool
    status: str  # passed | failed | error | not implemented | timeout
    message: str = ""
    inputs: str = ""  # shape, dtype and a few values of each input; failing cases only
    details: dict[str, Any] = field(default_factory=dict)
    repro: str = ""
    gated: bool = False  # counts only once the item's correctness cases all pass
    stdout: str = ""  # what the student's code printed during this case (and its warnings)
    stderr: str = ""
    #: A failing case's arrays (inputs, torch's outputs, the student's), for the report's
    #: pictures; never serialised (see :meth:`as_dict`).
    evidence: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The case as JSON-able data (without the evidence arrays)."""
        return {k: v for k, v in vars(self).items() if k != "evidence"}


@dataclass
class ItemResult:
    """One graded item: its points, its cases, and what the sandbox saw."""

    name: str
    points: float
    cases: list[CaseResult]
    hidden_not_run: int = 0
    stdout_tail: str = ""
    stderr_tail: str = ""
    note: str = ""
    elapsed: float = 0.0
    location: str = ""  # "activations.py:12": the student's definition (file relative to the
    # submission, line of the def; "" if not found), for annotations and IDE links
    mistake: str = ""  # the known mistake (graders.mistakes) the failures match, if any
    diagnosis: str = ""  # its line for the student ("this matches a known mistake: ...")
    #: Other graded functions it calls that lose points too (the student's code, read by ast)
    uses_failing: list[str] = field(default_factory=list)
    efficiency: dict[str, Any] = field(default_factory=dict)  # graders.efficiency.summary
    efficiency_weight: float = 0.0  # the share of the points speed earns (an instructor's)

    @property
    def correct(self) -> bool:
        """Whether every correctness case that is not gated itself passed (the gate); every
        correctness case, if all are gated (the identity's right answer is its input)."""
        correctness = [c for c in self.cases if c.category == "correctness"]
        deciding = [c for c in correctness if not c.gated] or correctness
        return all(c.passed for c in deciding)

    @property
    def public_only(self) -> bool:
        """Whether the item passed every public correctness case and no hidden one (but those a
        stub passes too, when there are others: gated ones), every such hidden one having run
        and given a wrong answer or raised (not run out of time or budget).  The hidden cases
        draw the same kinds of input from another seed, so this is what code that depends on
        the public inputs themselves looks like (answers written in for them, a branch on their
        shapes).  A flag for the student and the instructor; it never changes a score: the
        hidden cases' share is what such code loses."""
        cases = [c for c in self.cases if c.category == "correctness"]
        public = [c for c in cases if not c.hidden]
        hidden = [c for c in cases if c.hidden]
        deciding = [c for c in hidden if not c.gated] or hidden
        return (
            bool(public and hidden)
            and all(c.passed for c in public)
            and all(_answered_wrong(c) for c in deciding)
        )

    def counts(self, case: CaseResult) -> bool:
        """Whether ``case`` earns its weight (see the module's docstring)."""
        return case.passed and (not case.gated or self.correct)

    @property
    def uncounted(self) -> list[CaseResult]:
        """Gated cases that passed but do not count (yet): a correctness case fails."""
        return [c for c in self.cases if c.passed and not self.counts(c)]

    @property
    def speed_credit(self) -> float:
        """1 unless speed was measured and is SLOW_FACTOR or more times the reference's, or
        the timed call failed or answered wrong (graders.efficiency)."""
        if self.efficiency.get("failed"):
            return 0.0
        slower = self.efficiency.get("slower")
        return 0.0 if slower is not None and slower >= SLOW_FACTOR else 1.0

    def _fraction(self, cases: list[CaseResult]) -> float:
        """The weighted fraction of cases that count; with a speed weight w, times
        (1 - w + w * speed_credit)."""
        total = sum(c.weight for c in cases)
        fraction = sum(c.weight for c in cases if self.counts(c)) / total if total else 0.0
        w = self.efficiency_weight
        return fraction * (1.0 - w + w * self.speed_credit)

    @property
    def score(self) -> float:
        return round(self.points * self._fraction(self.cases), 4)

    def part(self, hidden: bool) -> tuple[float, float]:
        """(score, max) of the public or hidden part, splitting the points by case weight."""
        total = sum(c.weight for c in self.cases)
        mine = [c for c in self.cases if c.hidden == hidden]
        if not self.cases:  # never run (a grader error, an unusable submission): all lost
            return 0.0, 0.0 if hidden else self.points
        if not total or not mine:
            return 0.0, 0.0
        share = self.points * sum(c.weight for c in mine) / total
        return round(share * self._fraction(mine), 4), round(share, 4)

    @property
    def status(self) -> str:
        if self.cases and all(c.status == "not implemented" for c in self.cases):
            return "not implemented"
        if self.cases and all(c.passed for c in self.cases):
            return "passed"
        return "failed" if not any(self.counts(c) for c in self.cases) else "partial"

    @property
    def waiting_on(self) -> list[str]:
        """The other functions this item uses that are not implemented yet, when that is why
        every one of its cases failed (empty otherwise)."""
        prefix = "uses "

        def waiting(c: CaseResult) -> bool:
            return c.message.startswith(prefix) and "not implemented yet" in c.message

        if not any(waiting(c) for c in self.cases) or any(
            not (waiting(c) or c.status == "not implemented") for c in self.cases
        ):
            return []
        return sorted({c.message[len(prefix) :].split(",", 1)[0] for c in self.cases if waiting(c)})

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]


@dataclass
class SubmissionResult:
    """A whole grading run."""

    submission: str
    items: list[ItemResult]
    environment: dict[str, Any]
    sandbox: dict[str, Any]
    seed: int
    hidden_seed_given: bool
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the submission was read
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(i.score for i in self.items), 4)

    @property
    def max_score(self) -> float:
        return round(sum(i.points for i in self.items), 4)

    @property
    def hidden_not_run(self) -> int:
        return sum(i.hidden_not_run for i in self.items)

    @property
    def grader_errors(self) -> list[ItemResult]:
        """The items the grader itself failed on (no verdict: their points are lost through no
        fault of the submission's; the engine's note says why)."""
        return [i for i in self.items if i.note.startswith("grader error")]


#: The start of the message of a case that did not run to the end through no answer of its own.
NOT_ANSWERED = ("not run", "stopped:", "the worker process")


def _answered_wrong(case: CaseResult) -> bool:
    """Whether the case ran to the end and its answer was wrong, or the code raised."""
    return case.status in ("failed", "error") and not case.message.startswith(NOT_ANSWERED)


def classify(error: str | None, own: tuple[str, ...] = ()) -> str:
    """The status of a case that did not produce outputs: "not implemented" only when the
    item's own function (one of ``own``, e.g. ``sigmoid``, ``Adam`` or
    ``Optimizer.zero_grad``) raised NotImplementedError."""
    if not error:
        return "failed"
    if error.startswith("NotImplementedError"):
        raised_in = raiser(error)
        mine = not raised_in or any(raised_in == o or raised_in.startswith(o + ".") for o in own)
        return "not implemented" if mine else "error"
    if error.startswith("timed out"):
        return "timeout"
    return "error"


def raiser(error: str) -> str:
    """The function (qualified name) an error message says raised it: "... (at f.py:3 in
    Adam.step)" gives "Adam.step"; "" when the message does not say."""
    if not error.endswith(")") or " in " not in error.rsplit("(at ", 1)[-1]:
        return ""
    return error.rsplit(" in ", 1)[-1][:-1]
