"""The flag of an item that passes every public case and none of the hidden ones
(``ItemResult.public_only``): when it is raised, where it is shown, and that it never changes a
score.  A whole submission that earns it (answers written in for the public inputs) is graded
in both sandbox modes in ``tests/test_hostile.py``."""

from __future__ import annotations

from typing import Any

import pytest

from graders.batch import classreport, stats
from graders.batch.record import record
from graders.report import feedback, html
from graders.score import CaseResult, ItemResult, SubmissionResult

BUDGET = "not run: the submission used up its time budget"


def _case(name: str, hidden: bool, passed: bool, **kw: Any) -> CaseResult:
    status = kw.pop("status", "passed" if passed else "failed")
    category = kw.pop("category", "correctness")
    return CaseResult(name, category, 1.0, hidden, passed, status, **kw)


def _item(public: list[bool], hidden: list[bool], **hidden_kw: Any) -> ItemResult:
    cases = [_case(f"p{k}", False, ok) for k, ok in enumerate(public)]
    cases += [_case(f"hidden/h{k}", True, ok, **hidden_kw) for k, ok in enumerate(hidden)]
    return ItemResult("activations.relu", 2.0, cases)


@pytest.mark.parametrize(
    ("public", "hidden", "hidden_kw", "flagged"),
    [
        ([True, True], [False, False], {}, True),
        ([True, True], [False, True], {}, False),  # a hidden case passed
        ([True, False], [False, False], {}, False),  # a public case failed too
        ([True, True], [], {}, False),  # no hidden case
        ([True, True], [False], {"status": "error", "message": "KeyError: 3"}, True),
        ([True, True], [False], {"status": "timeout", "message": "timed out after 5 s"}, False),
        ([True, True], [False], {"status": "error", "message": BUDGET}, False),
        ([True, True], [False], {"status": "error", "message": "the worker process ended"}, False),
    ],
)
def test_when_the_flag_is_raised(
    public: list[bool], hidden: list[bool], hidden_kw: dict[str, Any], flagged: bool
) -> None:
    assert _item(public, hidden, **hidden_kw).public_only is flagged


def test_a_hidden_case_a_stub_passes_too_does_not_lower_the_flag() -> None:
    """A gated hidden case (zeros were right there) passing leaves the flag up when the item's
    other hidden correctness cases all failed; other categories are not looked at."""
    item = _item([True], [False, False])
    item.cases += [
        _case("hidden/zeros", True, True, gated=True),
        _case("hidden/edge", True, True, category="edge", gated=True),
    ]
    assert item.public_only
    item.cases.append(_case("hidden/h9", True, True))
    assert not item.public_only


def test_the_flag_never_changes_a_score() -> None:
    """Two public cases of four weights: the public half earned, flagged or not."""
    flagged, honest = _item([True, True], [False, False]), _item([True, True], [False, False])
    honest.cases[-1].message = BUDGET  # (the same verdicts, but a case not run: no flag)
    assert flagged.public_only and not honest.public_only
    assert flagged.score == honest.score == pytest.approx(1.0)


def test_the_student_and_the_instructor_are_told() -> None:
    item = _item([True, True], [False, False])
    assert feedback.PUBLIC_ONLY in feedback.item_text(item)
    assert feedback.PUBLIC_ONLY in feedback.item_text(item, hidden=True)
    assert feedback.PUBLIC_ONLY not in feedback.item_text(item, hidden=False)
    result = SubmissionResult("sub", [item], {}, {}, 1, hidden_seed_given=True)
    page = html.render(result)
    assert "It passes every public case and none of the hidden ones" in page
    rec = record(result, "sub", "ada", "graded")
    assert rec["items"]["activations.relu"]["public_only"] is True
    other = record(SubmissionResult("s2", [_item([True], [True])], {}, {}, 1, True), "s2", "bo",
                   "graded")  # fmt: skip
    assert "public_only" not in other["items"]["activations.relu"]
    assert stats.public_only([rec, other]) == [("ada", ["activations.relu"])]
    section = classreport._public_only([rec, other])
    assert "<code>ada</code>" in section and "<code>bo</code>" not in section
    assert "No hidden cases were run" in classreport._public_only(
        [
            record(
                SubmissionResult("s3", [_item([True], [])], {}, {}, 1, False), "s3", "cy", "graded"
            )
        ]
    )
