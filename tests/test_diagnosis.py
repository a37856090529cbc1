"""The catalogue of known mistakes and the diagnosis that names them.

The planted-bug tests (tests/test_planted_bugs.py) measure the diagnosis on the bank: every
planted bug with a runnable form is diagnosed as itself, and no other item of its module is
diagnosed at all.  Here: the catalogue is consistent with the bank, the registry and the
handbook; correct code matches no mistake (every runnable mistake is tried against the
reference's results); hand-written code that makes a catalogued mistake in its own way is
diagnosed, and hand-written code wrong in another way is not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graders import engine, judge, mistakes, registry
from graders.mistakes import diagnosis
from tests.planted_bugs import BUGS, Bug

ROOT = Path(__file__).resolve().parent.parent
RUNNABLE = [m for m in mistakes.CATALOGUE if m.code]


# ------------------------------------------------------------------------------ the catalogue
def test_every_planted_bug_is_a_catalogued_mistake_and_back() -> None:
    assert sorted(b.name for b in BUGS) == sorted(m.name for m in mistakes.CATALOGUE)
    for bug in BUGS:
        if bug.source is None:  # planted from the catalogue: the very code the diagnosis runs
            assert bug.code == bug.mistake.code


def test_every_mistake_names_a_graded_item_and_a_handbook_section() -> None:
    for m in mistakes.CATALOGUE:
        assert m.item in registry.BY_NAME, m.name
        assert set(m.runnable_for) <= set(registry.BY_NAME), m.name
        path, _, anchor = m.anchor.partition("#")
        doc = (ROOT / path).read_text(encoding="utf-8")
        if anchor:
            headings = {h.strip().lower() for h in re.findall(r"^#+ (.+)$", doc, flags=re.M)}
            assert anchor in headings, f"{m.name}: no section #{anchor} in {path}"
        assert m.line().startswith(f"this matches a known mistake: {m.what}, {m.why}; see ")


@pytest.mark.parametrize("mistake", RUNNABLE, ids=[m.name for m in RUNNABLE])
def test_a_runnable_mistake_defines_what_its_items_call(mistake: mistakes.Mistake) -> None:
    ns = mistake.namespace()
    for name in mistake.runnable_for:
        item = registry.BY_NAME[name]
        assert callable(getattr(ns, item.attr)), (mistake.name, item.attr)


# ------------------------------------------------------------------------------ correct code
@pytest.fixture(scope="module")
def reference_runs() -> dict[str, Any]:
    """The reference graded on every item a mistake can be run for, with its cases and
    torch's values (what the diagnosis sees for a submission)."""
    names = sorted({n for m in RUNNABLE for n in m.runnable_for})
    items = [registry.BY_NAME[n] for n in names]
    result = engine.grade(ROOT / "reference", items)
    out = {}
    for item, r in zip(items, result.items, strict=True):
        cases = registry.plan_cases(item, engine.PUBLIC_SEED, None)
        out[item.name] = (item, cases, r, [item.oracle(c, "cpu") for c in cases])
    return out


def test_correct_code_matches_no_mistake(reference_runs: dict[str, Any]) -> None:
    matched = []
    for m in RUNNABLE:
        for name in m.runnable_for:
            item, cases, result, expected = reference_runs[name]
            assert result.status == "passed"
            if diagnosis.explains(m, item, cases, result, expected, "cpu"):
                matched.append((m.name, name))
    assert matched == []


def test_a_passing_item_is_never_diagnosed(reference_runs: dict[str, Any]) -> None:
    item, cases, result, expected = reference_runs["activations.softmax"]
    assert diagnosis.diagnose(item, cases, result, expected, "cpu") is None


# ------------------------------------------------------------------------------ hand-written code
def _with(module: str, functions: dict[str, str], methods: dict[str, str] | None = None) -> str:
    """The reference's ``module`` with some functions (and class methods) written by hand."""
    text = (ROOT / "reference" / f"{module}.py").read_text(encoding="utf-8")
    for name, source in functions.items():
        pattern = re.compile(rf"^def {name}\(.*?(?=^(?:def |class |@)|\Z)", re.S | re.M)
        text, count = pattern.subn(lambda _m, s=source: s.strip("\n") + "\n\n\n", text)
        assert count == 1, name
    for cls, source in (methods or {}).items():
        text = Bug(cls, module, "step", source, frozenset(), "", cls=cls)._patched_method(text)
    return text


ACTIVATIONS = {
    # softmax without the max shift, written another way and keeping the dtype: diagnosed
    "softmax": """
def softmax(x, dim=-1):
    e = np.exp(x)
    return e / np.sum(e, axis=dim, keepdims=True)
""",
    # 1 - x^2 written another way: diagnosed
    "tanh_grad": """
def tanh_grad(x):
    return 1.0 - np.square(np.asarray(x, dtype=float))
""",
    # relu'(0) = 1: wrong at the kink, but not the catalogued 1/2
    "relu_grad": """
def relu_grad(x):
    return (np.asarray(x) >= 0).astype(float)
""",
    # elu with alpha everywhere: wrong, and not "ignores alpha"
    "elu": """
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return alpha * np.expm1(x)
""",
    # log_softmax without the shift overflows (exp), where log(softmax) underflows (log 0)
    "log_softmax": """
def log_softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    return x - np.log(np.sum(np.exp(x), axis=dim, keepdims=True))
""",
    # sigmoid right on ordinary inputs, overflowing on large ones: not the sign error
    "sigmoid": """
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.exp(x) / (1.0 + np.exp(x))
""",
}
INITIALIZERS = {
    # fan_out for fan_in, with another way of drawing: diagnosed by the distribution
    "kaiming_normal_": """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    receptive = int(np.prod(tensor.shape[2:]))
    fan = tensor.shape[0 if mode == "fan_in" else 1] * receptive  # (the other one)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    tensor[...] = std * generator.standard_normal(tensor.shape)
    return tensor
""",
    # a bound without sqrt(3): wrong, and not "missing gain"
    "kaiming_uniform_": """
def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    tensor[...] = generator.uniform(-bound, bound, size=tensor.shape)
    return tensor
""",
}
OPTIMIZER_METHODS = {
    # Adam without bias correction, the textbook way: diagnosed
    "Adam": """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        b1, b2 = group["betas"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = -p.grad if group["maximize"] else p.grad
            s = self.state[p]
            if not s:
                s["step"] = 0.0
                s["exp_avg"] = np.zeros_like(p.data)
                s["exp_avg_sq"] = np.zeros_like(p.data)
                if group["amsgrad"]:
                    s["max_exp_avg_sq"] = np.zeros_like(p.data)
            s["step"] += 1
            if group["weight_decay"]:
                if group["decoupled_weight_decay"]:
                    p.data *= 1 - group["lr"] * group["weight_decay"]
                else:
                    g = g + group["weight_decay"] * p.data
            s["exp_avg"][...] = b1 * s["exp_avg"] + (1 - b1) * g
            s["exp_avg_sq"][...] = b2 * s["exp_avg_sq"] + (1 - b2) * g * g
            v = s["exp_avg_sq"]
            if group["amsgrad"]:
                np.maximum(s["max_exp_avg_sq"], v, out=s["max_exp_avg_sq"])
                v = s["max_exp_avg_sq"]
            p.data -= group["lr"] * s["exp_avg"] / (np.sqrt(v) + group["eps"])
    return loss
""",
    # RMSprop with alpha and 1 - alpha swapped: wrong, and not "centered ignored"
    "RMSprop": """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        alpha, eps, lr = group["alpha"], group["eps"], group["lr"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0.0
                state["square_avg"] = np.zeros_like(p.data)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(p.data)
            grad = -p.grad if group["maximize"] else p.grad
            state["step"] += 1
            if group["weight_decay"] != 0:
                grad = grad + group["weight_decay"] * p.data
            state["square_avg"] *= 1 - alpha
            state["square_avg"] += alpha * grad * grad
            avg = np.sqrt(state["square_avg"]) + eps
            p.data -= lr * grad / avg
    return loss
""",
}
EXPECTED = {
    "activations.softmax": "softmax-no-max-shift",
    "activations.tanh_grad": "tanh-grad-uses-x",
    "initializers.kaiming_normal_": "kaiming-normal-fan-out-for-fan-in",
    "optimizers.Adam": "adam-without-bias-correction",
    "optimizers.AdamW": "adam-without-bias-correction",
}


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sub = tmp_path_factory.mktemp("hand") / "hw"
    sub.mkdir()
    (sub / "activations.py").write_text(_with("activations", ACTIVATIONS))
    (sub / "initializers.py").write_text(_with("initializers", INITIALIZERS))
    (sub / "optimizers.py").write_text(_with("optimizers", {}, OPTIMIZER_METHODS))
    names = [
        *(f"activations.{f}" for f in ACTIVATIONS),
        *(f"initializers.{f}" for f in INITIALIZERS),
        "optimizers.Adam",
        "optimizers.AdamW",
        "optimizers.RMSprop",
    ]
    result = engine.grade(sub, [registry.BY_NAME[n] for n in names])
    return {i.name: i for i in result.items}


def test_hand_written_mistakes_are_diagnosed_and_other_wrong_code_is_not(
    hand_written: dict[str, Any],
) -> None:
    assert all(i.status != "passed" for i in hand_written.values())  # (every one is wrong)
    diagnosed = {name: i.mistake for name, i in hand_written.items() if i.mistake}
    assert diagnosed == EXPECTED


def test_the_diagnosis_is_in_every_report(hand_written: dict[str, Any]) -> None:
    from graders.report import feedback, gradescope
    from graders.score import SubmissionResult

    item = hand_written["activations.softmax"]
    line = mistakes.BY_NAME["softmax-no-max-shift"].line()
    assert line[0].upper() + line[1:] in feedback.item_text(item)
    result = SubmissionResult("hw", [item], {}, {}, 0, False)
    (test,) = gradescope.results(result, compact=True)["tests"]
    assert "**Likely mistake:** softmax without subtracting the max" in test["output"]


def test_a_case_the_student_passed_rules_a_mistake_out() -> None:
    """A mistake that fails a case the student passed does not explain the student's result."""
    item = registry.BY_NAME["activations.relu_grad"]
    mistake = mistakes.BY_NAME["relu-grad-heaviside-half"]
    cases = registry.plan_cases(item, engine.PUBLIC_SEED, None)
    expected = [item.oracle(c, "cpu") for c in cases]
    ns = mistake.namespace()
    runs = [diagnosis.run_mistake(ns, item, c) for c in cases]
    # the mistake itself, as a submission: explained
    mine = [judge.judge_case(item, c, r, e, "cpu", "") for c, r, e in zip(cases, runs, expected)]
    from graders.score import ItemResult

    itself = ItemResult(item.name, item.points, mine)
    assert diagnosis.explains(mistake, item, cases, itself, expected, "cpu")
    # the same failures, but one case the mistake fails passed: not explained
    flipped = next(k for k, c in enumerate(mine) if not c.passed and "dtype_only" not in c.details)
    mixed = [*mine]
    mixed[flipped] = judge.judge_case(
        item, cases[flipped], judge_ok(expected[flipped]), expected[flipped], "cpu", ""
    )
    assert mixed[flipped].passed
    other = ItemResult(item.name, item.points, mixed)
    assert not diagnosis.explains(mistake, item, cases, other, expected, "cpu")


def judge_ok(expected: dict[str, Any]) -> Any:
    from graders.sandbox import CaseRun

    return CaseRun(ok=True, outputs=dict(expected))
