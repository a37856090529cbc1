"""Stubs earn nothing: a submission whose every function returns zeros, ones, minus ones, a
constant, its input, its sign or its step, or raises ValueError scores 0 on every item (edge,
convention and error-raising cases, and those whose answer a stub gives, count only once an
item's correctness cases pass).  The stubs are made from the student template, so every graded
function, present and future, is covered."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graders import engine, registry

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "student_template"
#: What each stub's functions do with their first argument (methods just return None, or raise).
STUBS = {
    "zeros": "return np.zeros_like(np.asarray({arg}, dtype=float))",
    "identity": "return {arg}",
    "constant": "return np.full_like(np.asarray({arg}, dtype=float), 0.5)",
    "ones": "return np.ones_like(np.asarray({arg}, dtype=float))",
    "minus-ones": "return -np.ones_like(np.asarray({arg}, dtype=float))",
    "sign": "return np.sign(np.asarray({arg}, dtype=float))",
    "step": "return (np.asarray({arg}, dtype=float) > 0).astype(float)",
    "raise": "raise ValueError('stub')",
}
#: Stubs that are the right answer: the identity activation is the identity, its gradient is
#: ones, and relu's gradient is the step.
RIGHT_BY_CONSTRUCTION = {
    ("identity", "activations.identity"),
    ("ones", "activations.identity_grad"),
    ("step", "activations.relu_grad"),
}


class _Stub(ast.NodeTransformer):
    """Replace every ``raise NotImplementedError(...)`` by the stub's statement."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.stack: list[ast.FunctionDef] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.stmt:
        call = node.exc
        if not (
            isinstance(call, ast.Call) and getattr(call.func, "id", "") == "NotImplementedError"
        ):
            return node
        fn = self.stack[-1]
        args = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        is_method = bool(args) and args[0] == "self"
        if self.body.startswith("raise"):
            code = self.body
        elif is_method or not args:
            code = "return None"
        else:
            code = self.body.format(arg=args[0])
        return ast.parse(code).body[0]


def stub(kind: str, dest: Path) -> Path:
    dest.mkdir()
    for path in TEMPLATE.glob("*.py"):
        tree = _Stub(STUBS[kind]).visit(ast.parse(path.read_text(encoding="utf-8")))
        source = ast.unparse(ast.fix_missing_locations(tree)) + "\nimport numpy as np\n"
        (dest / path.name).write_text(source, encoding="utf-8")
    return dest


@pytest.mark.parametrize("kind", STUBS)
def test_a_stub_scores_zero_on_every_item(kind: str, tmp_path: Path) -> None:
    result = engine.grade(stub(kind, tmp_path / kind), list(registry.ITEMS))
    broken = [i.name for i in result.items if "failed to import" in i.note]
    assert not broken, f"the {kind} stub does not import: {broken[:3]}"
    earning = {
        i.name: [c.name for c in i.cases if i.counts(c)]
        for i in result.items
        if i.score > 0 and (kind, i.name) not in RIGHT_BY_CONSTRUCTION
    }
    assert not earning, f"the {kind} stub earns points: {earning}"
