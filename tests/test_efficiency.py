"""Efficiency, reported: the timing driver, the timed input, the report's line and the optional
speed weight.  No test asserts on a time: the numbers are checked for their shape and the rules
on made-up numbers."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from graders import efficiency, efficiency_table, engine, registry
from graders.registry import Category
from graders.report import gradescope, text
from graders.sandbox import CaseRun
from graders.sandbox.box.drivers import DRIVERS, timing
from graders.score import SLOW_FACTOR, CaseResult, ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent


def _inputs(*arrays: np.ndarray) -> list[list[object]]:
    return [[[a], {}] for a in arrays]


def test_the_driver_times_the_calls_and_the_calibration() -> None:
    seen: list[float] = []
    module = types.SimpleNamespace(f=lambda x: seen.append(float(x[0])) or np.exp(x))
    inputs = _inputs(*(np.full(10, float(k)) for k in range(5)))
    out = DRIVERS["timing"].run(module, "f", {"inputs": inputs, "slow": 60, "seed": 1})
    assert seen == [0.0, 1.0, 2.0, 3.0, 4.0]  # a warm-up, then the timed calls, each its input
    assert out["seconds"].shape == (4,) and np.all(out["seconds"] >= 0)
    assert out["calibration"].shape == (2 * timing.CALIBRATION_RUNS,)
    assert np.all(out["calibration"] > 0)
    slow = DRIVERS["timing"].run(module, "f", {"inputs": inputs, "slow": -1, "seed": 1})
    assert slow["seconds"].shape == (1,)  # a slow warm-up: timed once more only
    assert slow["projections"].shape == (2, 1)


def test_the_driver_returns_the_last_answer_and_every_answers_projection() -> None:
    module = types.SimpleNamespace(f=lambda x: 2 * x)
    inputs = _inputs(*(np.arange(6.0) + k for k in range(4)))
    out = DRIVERS["timing"].run(module, "f", {"inputs": inputs, "slow": 60, "seed": 7})
    assert np.array_equal(out["out"], 2 * (np.arange(6.0) + 3))  # the last call's answer
    assert out["projections"].shape == (4, 1)
    with mock.patch.object(efficiency, "PROJECTION_SEED", 7):  # the grader's side of it
        want = [efficiency.projection(2 * (np.arange(6.0) + k))[0] for k in range(4)]
    np.testing.assert_allclose(out["projections"][:, 0], want, rtol=1e-15)
    pair = types.SimpleNamespace(f=lambda x: (x + 1, x - 1))
    spec = {"inputs": _inputs(np.zeros(2)) * 2, "returns": "tuple", "outputs": ["a", "b"]}
    both = DRIVERS["timing"].run(pair, "f", {**spec, "slow": 60, "seed": 7})
    assert np.array_equal(both["a"], np.ones(2)) and np.array_equal(both["b"], -np.ones(2))
    assert both["projections"].shape == (2, 2)


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


def test_a_projection_tells_a_wrong_answer_from_a_right_one() -> None:
    rng = np.random.default_rng(0)
    e = rng.normal(size=1000)
    tol = (1e-7, 1e-7)
    ok = e + 0.9 * (tol[1] + tol[0] * np.abs(e)) * rng.choice([-1.0, 1.0], size=e.size)
    assert not efficiency.projection_off(efficiency.projection(ok)[0], e, tol)
    off = e.copy()
    off[17] += 1e-3  # one element wrong
    assert efficiency.projection_off(efficiency.projection(off)[0], e, tol)
    assert efficiency.projection_off(efficiency.projection(np.zeros(1000))[0], e, tol)
    nan = e.copy()
    nan[3] = np.nan
    assert not efficiency.projection_off(efficiency.projection(nan)[0], nan, tol)
    assert efficiency.projection_off(efficiency.projection(nan)[0], e, tol)
    assert efficiency.projection_off(efficiency.projection(e)[0], nan, tol)


def test_a_malformed_timing_record_is_said_and_never_a_crash() -> None:
    expected = [{"out": np.ones(3)}] * 3
    tol = lambda _v: (1e-7, 1e-7)  # noqa: E731
    right = np.array([[efficiency.projection(np.ones(3))[0]]] * 3)
    assert efficiency.projections_off(right, 2, expected, ["out"], tol) is None
    for made, timed in [
        (np.zeros(3), 2),  # not one row per call
        (right, 5),  # more calls timed than answers checked
        (right[:1], 0),  # no timed call
        (right[:2], 2),  # a call's answer left out
        (np.zeros((3, 2)), 2),  # an output too many
        (np.zeros((4, 1)), 3),  # more calls than inputs
    ]:
        off = efficiency.projections_off(made, timed, expected, ["out"], tol)
        assert off is not None and "malformed" in off


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


def _run(seconds: float, calibration: float = 0.01) -> CaseRun:
    outputs = {"seconds": np.full(5, seconds), "calibration": np.full(6, calibration)}
    return CaseRun(ok=True, outputs=outputs)


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
    failed = efficiency.summary(CaseRun(ok=False, error="ValueError: no"), case, 0.1)
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
_LOOP = "np.array([max(v, 0.0) for v in x.ravel()]).reshape(x.shape)"
_RELU = {
    "wrong": "    if x.size > 100_000:\n        return np.zeros_like(x)\n",
    "raises": "    if x.size > 100_000:\n        raise MemoryError('too big')\n",
    "loop": f"    if x.size > 100_000:\n        return {_LOOP}\n",
    # a loop that remembers its answers: no two calls share an input, so it gains nothing
    "remembers": "    if x.size > 100_000:\n        key = x.tobytes()\n"
    f"        if key not in SEEN:\n            SEEN[key] = {_LOOP}\n        return SEEN[key]\n",
    # right on the last call only (the driver's source is public): every answer is checked
    "last-only": "    if x.size > 100_000:\n        CALLS.append(1)\n"
    "        if len(CALLS) < 6:\n            return np.zeros_like(x)\n",
}


@pytest.mark.parametrize(("kind", "says"), [
    ("wrong", "the timed call's answer is not torch's (the warm-up call answered out unlike"),
    ("raises", "the timed call failed (MemoryError: too big"),
    ("loop", "Python loop over the elements"),
    ("remembers", "Python loop over the elements"),
    ("last-only", "the timed call's answer is not torch's (the warm-up call answered out unlike"),
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
