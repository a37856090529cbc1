"""Efficiency, reported: the timed calls (timed by the sandbox's zygote), the timed inputs, the
report's line and the optional speed weight.  No test asserts on a time: the numbers are
checked for their shape and the rules on made-up numbers."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graders import efficiency, efficiency_table, engine, judge, oracle, registry
from graders.registry import Category
from graders.report import gradescope, text
from graders.sandbox import SKIPPED, CaseRun, ItemRun, Sandbox
from graders.sandbox.box import calibration
from graders.score import SLOW_FACTOR, CaseResult, ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent


def _timed_run(box: Sandbox, sub: Path, slow: float = 60.0) -> ItemRun:
    """The timed job of relu's timed input, as the engine makes it, run in ``box``."""
    item = registry.BY_NAME["activations.relu"]
    case = _timing_case(item.name)
    assert case is not None
    plan = engine.Plan(efficiency.timing_item(item), efficiency.timed_inputs(case), 0)
    job = engine.make_job("timing", [plan], sub, slow=slow)
    return box.submit([job])[item.name].result()


def test_the_zygote_times_each_call_on_an_input_given_only_when_it_starts(tmp_path: Path) -> None:
    """Each call sees the inputs given so far (its own and the earlier ones), never a later one
    nor where they wait; each is timed, and the calibration runs around the child."""
    sub = tmp_path / "hw"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "from pathlib import Path\nimport numpy as np\n\n\ndef relu(x):\n"
        "    session = Path.cwd().parents[2]\n"
        "    given = len(list(session.rglob('input-*')))\n"
        "    waiting = len(list(session.rglob('sealed/*/*')))\n"
        "    return np.array([given, waiting], dtype=np.float64)\n"
    )
    with Sandbox() as box:
        run = _timed_run(box, sub)
        confined = "mount_ns" in box.facts.get("done", ())
    seen = [c.outputs["out"] for c in run.cases]
    assert [int(s[0]) for s in seen] == list(range(1, 2 + efficiency.CALLS))
    if confined:  # (without namespaces the sealed inputs are only the grader's uid's)
        assert all(s[1] == 0 for s in seen), seen
    assert all(c.seconds is not None and c.seconds > 0 for c in run.cases)
    assert len(run.calibration) == 2 * calibration.RUNS and min(run.calibration) > 0


def test_after_a_slow_first_call_one_more_is_timed(tmp_path: Path) -> None:
    sub = tmp_path / "hw"
    sub.mkdir()
    (sub / "activations.py").write_text("import numpy as np\n\n\ndef relu(x):\n    return x\n")
    with Sandbox() as box:
        run = _timed_run(box, sub, slow=0.0)
    assert [c.seconds is not None for c in run.cases] == [True, True] + [False] * (
        efficiency.CALLS - 1
    )
    assert all(c.error == SKIPPED for c in run.cases[2:])
    assert efficiency.summary(run, _timing_case("activations.relu"), 0.1)["calls"] == 1


def test_every_call_gets_an_input_of_its_own_with_its_rows_aligned() -> None:
    case = _timing_case("losses.cross_entropy")
    assert case is not None
    inputs = efficiency.timed_inputs(case)
    assert len(inputs) == 1 + efficiency.CALLS
    x, y = case.args[0], case.args[1]
    assert np.array_equal(inputs[0].args[0], x) and np.array_equal(inputs[0].args[1], y)
    pairs = {(a.tobytes(), b.tobytes()) for a, b in zip(x, y, strict=True)}
    for c in inputs:  # each row of logits still with its own targets
        shuffled = zip(c.args[0], c.args[1], strict=True)
        assert {(a.tobytes(), b.tobytes()) for a, b in shuffled} == pairs
    firsts = {c.args[0].tobytes() for c in inputs}
    assert len(firsts) == len(inputs)  # no two calls share an input (its 2 rows repeated)


#: Timed items whose answer depends on the input's shape only: the same for every call, and as
#: quick to compute as to remember.
SHAPE_ONLY = {"activations.identity_grad", "initializers.calculate_fan_in_and_fan_out"}


def test_no_two_timed_calls_share_torchs_answer() -> None:
    """A remembered answer never passes for another call's, not even a mean's: torch's answers
    for the timed inputs of every timed item differ from call to call beyond the tolerance."""
    for item in registry.ITEMS:
        if _timing_case(item.name) is None or item.name in SHAPE_ONLY:
            continue
        answers = oracle.compute(item.name, engine.PUBLIC_SEED, False, "cpu", None, timing=True)
        for i, j in itertools.combinations(range(len(answers)), 2):
            same = [
                judge.compare_array(
                    name, e, answers[j][name], *judge.tolerance(item.tolerance, e.dtype, "cpu")
                ).passed
                for name, e in answers[i].items()
            ]
            assert not all(same), (item.name, i, j)


def _timing_case(name: str) -> object:
    item = registry.BY_NAME[name]
    return efficiency.timing_case(item, registry.build_cases(item, engine.PUBLIC_SEED, False))


@pytest.mark.parametrize("name", ["activations.sigmoid", "losses.cross_entropy", "losses.mse_loss"])
def test_the_timed_input_is_a_correctness_case_repeated_along_its_first_axis(name: str) -> None:
    item = registry.BY_NAME[name]
    cases = registry.build_cases(item, engine.PUBLIC_SEED, False)
    timed = efficiency.timing_case(item, cases)
    assert timed is not None and timed.category == Category.CORRECTNESS
    source = next(c for c in cases if f"timing:{c.name}" == timed.name)
    arrays = [a for a in timed.args if isinstance(a, np.ndarray)]
    originals = [a for a in source.args if isinstance(a, np.ndarray)]
    times = arrays[0].shape[0] // originals[0].shape[0]
    assert times > 1 and efficiency.TARGET / 2 <= max(a.size for a in arrays) <= efficiency.TARGET
    for a, o in zip(arrays, originals, strict=True):  # every argument repeated alike
        assert np.array_equal(a, np.concatenate([o] * times))


@pytest.mark.parametrize(
    "name", ["losses.ctc_loss", "initializers.kaiming_normal_", "optimizers.Adam"]
)
def test_an_item_that_is_not_a_plain_call_on_aligned_arrays_is_not_timed(name: str) -> None:
    assert _timing_case(name) is None


def test_every_timed_item_has_a_reference_time() -> None:
    timed = {i.name for i in registry.ITEMS if _timing_case(i.name) is not None}
    assert timed and timed <= set(efficiency_table.REFERENCE)


def _run(seconds: float, calibration: float = 0.01) -> ItemRun:
    cases = [CaseRun(ok=True, seconds=seconds) for _ in range(1 + efficiency.CALLS)]
    return ItemRun(cases=cases, calibration=[calibration] * 4)


def test_the_line_compares_with_the_reference_in_calibration_units() -> None:
    case = _timing_case("activations.relu")
    assert case is not None
    fast = efficiency.summary(_run(0.002), case, reference=0.1)  # ratio 0.2: half the reference
    assert fast["ratio"] == pytest.approx(0.2) and fast["slower"] == pytest.approx(2.0)
    assert efficiency.line(fast).startswith("speed: 2x the reference's time (median of 5 calls")
    assert "loop" not in efficiency.line(fast)
    slow = efficiency.summary(_run(0.025), case, reference=0.1)  # 25 times the reference
    assert "25x the reference's time" in efficiency.line(slow)
    assert "Python loop over the elements" in efficiency.line(slow)
    alone = efficiency.line(efficiency.summary(_run(0.002), case, reference=None))
    assert "(no reference time for this item)" in alone
    failed_run = _run(0.002)
    failed_run.cases[3] = CaseRun(ok=False, error="ValueError: no")
    failed = efficiency.summary(failed_run, case, 0.1)
    assert efficiency.line(failed) == "speed: no credit, the timed call failed (ValueError: no)"
    wrong = efficiency.summary(_run(0.002), case, 0.1, wrong="student vs torch at [0]: 0 vs 1")
    assert wrong["failed"] and wrong["slower"] == pytest.approx(2.0)
    assert efficiency.line(wrong) == (
        "speed: no credit, the timed call's answer is not torch's (student vs torch at [0]: 0 vs 1)"
    )


def _item(slower: float | None, weight: float) -> ItemResult:
    cases = [
        CaseResult(f"c{k}", "correctness", 1.0, k == 3, k != 0, "passed" if k else "failed")
        for k in range(4)
    ]
    eff = {"measured": True} if slower is None else {"measured": True, "slower": slower}
    return ItemResult("activations.relu", 4.0, cases, efficiency=eff, efficiency_weight=weight)


@pytest.mark.parametrize(
    ("slower", "weight", "score"),
    [
        (25.0, 0.0, 3.0),  # not scored by default
        (25.0, 0.5, 1.5),  # 3/4 of the cases, and of that only the half that needs no speed
        (SLOW_FACTOR - 0.1, 0.5, 3.0),
        (None, 0.5, 3.0),  # no reference time: no penalty
    ],
)
def test_speed_counts_only_with_an_instructors_weight(
    slower: float | None, weight: float, score: float
) -> None:
    item = _item(slower, weight)
    assert item.score == pytest.approx(score)
    public, hidden = item.part(False), item.part(True)
    assert public[0] + hidden[0] == pytest.approx(item.score)


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_a_failed_timed_call_earns_no_speed_credit(weight: float) -> None:
    item = _item(None, weight)
    item.efficiency = {"measured": True, "slower": 1.0, "failed": True, "why": "wrong"}
    assert item.speed_credit == 0.0
    assert item.score == pytest.approx(3.0 * (1 - weight))  # 3/4 of the cases, less the speed


#: Relu right on every graded case; on the large timed input it cheats (fast and wrong, a raise
#: that would leave it unmeasured, right on the last call only) or is slow (a Python loop over
#: the elements, remembering its answers or not).
_LOOP = "np.array([np.maximum(v, 0.0) for v in x.ravel()]).reshape(x.shape)"
_RELU = {
    "wrong": "    if x.size > 100_000:\n        return np.zeros_like(x)\n",
    "raises": "    if x.size > 100_000:\n        raise MemoryError('too big')\n",
    "loop": f"    if x.size > 100_000:\n        return {_LOOP}\n",
    # a loop that remembers its answers: no two calls share an input, so it gains nothing
    "remembers": "    if x.size > 100_000:\n        key = x.tobytes()\n"
    f"        if key not in SEEN:\n            SEEN[key] = {_LOOP}\n        return SEEN[key]\n",
    # right on the last call only: every answer is checked
    "last-only": "    if x.size > 100_000:\n        CALLS.append(1)\n"
    "        if len(CALLS) < 6:\n            return np.zeros_like(x)\n",
}


@pytest.mark.parametrize(("kind", "says"), [
    ("wrong", "the timed call's answer is not torch's (the warm-up call: student vs torch"),
    ("raises", "the timed call failed (MemoryError: too big"),
    ("loop", "Python loop over the elements"),
    ("remembers", "Python loop over the elements"),
    ("last-only", "the timed call's answer is not torch's (the warm-up call: student vs torch"),
])  # fmt: skip
def test_speed_is_credited_only_for_a_right_answer_in_time(
    kind: str, says: str, tmp_path: Path
) -> None:
    sub = tmp_path / "hw"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\n\nSEEN = {}\nCALLS = []\n\n\ndef relu(x):\n    x = np.asarray(x)\n"
        f"    x = x if x.dtype.kind == 'f' else x.astype(np.float64)\n{_RELU[kind]}"
        "    return np.asarray(np.clip(x, 0, np.inf), dtype=x.dtype)\n"
    )
    result = engine.grade(sub, registry.select(["activations.relu"]), efficiency_weight=0.5)
    (relu,) = result.items
    assert all(c.passed for c in relu.cases)  # every graded case is right
    assert relu.speed_credit == 0.0 and relu.score == pytest.approx(relu.points / 2)
    assert says in efficiency.line(relu.efficiency)
    assert says in text.render(result, color=False)


@pytest.mark.slow  # (every timed item, 2^18 values a call: about 50 s)
def test_the_reference_answers_every_timed_input_as_torch_does() -> None:
    """torch's answer for each timed input (the oracle builds the same input from the public
    cases) agrees with the reference's on every timed item, whatever it returns (an array, a
    tuple of gradients, a pair of ints); times are not looked at."""
    timed = [i for i in registry.ITEMS if _timing_case(i.name) is not None]
    result = engine.grade(ROOT / "reference", timed, efficiency=True)
    for item in result.items:
        assert item.efficiency["measured"], (item.name, item.efficiency)
        assert not item.efficiency.get("failed"), (item.name, item.efficiency)


def test_grading_with_efficiency_reports_the_speed(tmp_path: Path) -> None:
    sub = tmp_path / "hw"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\n\n\ndef relu(x):\n"
        "    x = np.asarray(x)\n"
        "    return np.array([v if v > 0 else 0.0 for v in x.ravel()], dtype=x.dtype)"
        ".reshape(x.shape)\n"
    )
    items = registry.select(["activations.relu", "activations.tanh"])
    result = engine.grade(sub, items, efficiency=True)
    tanh, relu = result.items
    assert relu.efficiency["measured"] and relu.efficiency["calls"] >= 1
    assert relu.efficiency["slower"] > 0 and relu.efficiency["input"].startswith("float64 (")
    assert tanh.efficiency == {}  # (no such function: nothing to time)
    report = text.render(result, color=False)
    assert "speed (1 item timed on a large input):" in report
    data = gradescope.results(result)
    assert data["tests"][1]["extra_data"]["efficiency"] == relu.efficiency
    plain = engine.grade(sub, items)
    assert all(i.efficiency == {} for i in plain.items)


def test_a_bad_weight_is_one_line_and_exit_2() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "--efficiency-weight", "1.5"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "a weight from 0 to 1" in out.stderr


def test_reports_say_nothing_of_speed_unless_asked(tmp_path: Path) -> None:
    result = SubmissionResult("s", [_item(None, 0.0)], {}, {}, 0, False)
    result.items[0].efficiency = {}
    assert "speed" not in text.render(result, color=False)
