"""The grader's side of ``layers`` and of the regularisation terms: the cases' shapes against
torch, ``None`` for an absent bias's gradient across the sandbox's wire, and the L2 penalty's
gradient read off ``torch.optim.SGD(weight_decay=λ)``.  (End-to-end verdicts: the reference,
the template and the planted bugs, in tests/test_grading.py and tests/test_planted_bugs.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from graders import registry
from graders.registry.layers import cases, checks, oracle
from graders.sandbox.box.drivers import call

LAYERS = ("linear", "conv2d", "max_pool2d", "avg_pool2d")


def _cases(layer: str) -> list[registry.Case]:
    item = registry.BY_NAME[f"layers.{layer}"]
    out = registry.build_cases(item, 0, hidden=False)
    for seed in range(6):  # hidden cases come from a space of shapes and arguments
        out += registry.build_cases(item, seed, hidden=True)
    return [c for c in out if not c.spec.get("expect_raise")]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("layer", LAYERS)
def test_grad_output_shapes_are_torch_output_shapes(layer: str) -> None:
    """The upstream gradient each ``_grad`` case draws has the shape of torch's output."""
    for case in _cases(layer):
        args = [torch.from_numpy(np.asarray(a)) if isinstance(a, np.ndarray) else a
                for a in case.args]  # fmt: skip
        want = tuple(getattr(F, layer)(*args, **case.kwargs).shape)
        assert cases.output_shape(layer, case) == want, (layer, case.name)


@pytest.mark.parametrize("layer", LAYERS)
def test_every_keyword_of_the_layer_is_exercised(layer: str) -> None:
    keywords = {
        "linear": set(),
        "conv2d": {"stride", "padding", "dilation", "groups"},
        "max_pool2d": {"stride", "padding", "dilation", "ceil_mode"},
        "avg_pool2d": {"stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"},
    }[layer]
    used = {k for c in _cases(layer) for k in c.kwargs}
    assert keywords <= used
    item = registry.BY_NAME[f"layers.{layer}"]
    public = registry.build_cases(item, 0, hidden=False)
    assert any(c.spec.get("expect_raise") for c in public)  # torch's refusals
    assert any(c.args[0].dtype == np.float32 for c in public)
    assert any(not c.args[0].flags.c_contiguous for c in public)


def test_tuple_gradients_leave_out_a_none_bias_gradient() -> None:
    """``None`` crosses the wire as a missing output; the check decides what it means."""

    class Student:
        @staticmethod
        def linear_grad(*args: Any, **kwargs: Any) -> Any:
            return np.ones(2), np.ones(3), None

    spec = {"returns": "tuple", "outputs": list(oracle.TUPLE), "optional": ["grad_bias"]}
    got = call.run(Student, "linear_grad", {"args": [], **spec})
    assert set(got) == {"grad_input", "grad_weight"}
    strict = {**spec, "optional": []}  # elsewhere a None is still refused by the child
    assert call.run(Student, "linear_grad", {"args": [], **strict})["grad_bias"] is None


def test_check_wants_none_exactly_without_a_bias() -> None:
    x = {"grad_input": np.ones(2), "grad_weight": np.ones(3)}
    no_bias = {"optional": ["grad_bias"], "none": ["grad_bias"]}
    with_bias = {"optional": ["grad_bias"], "none": []}
    assert checks.check_grads(x, dict(x), "gradient", "cpu", no_bias).passed
    zeros = checks.check_grads(x, {**x, "grad_bias": np.zeros(1)}, "gradient", "cpu", no_bias)
    assert not zeros.passed and "expected None" in zeros.message
    expected = {**x, "grad_bias": np.ones(4)}
    missing = checks.check_grads(expected, dict(x), "gradient", "cpu", with_bias)
    assert not missing.passed and "returned None" in missing.message and "(4,)" in missing.message
    wrong = checks.check_grads(expected, {**x, "grad_bias": np.zeros(4)}, "gradient", "cpu",
                               with_bias)  # fmt: skip
    assert not wrong.passed and "student vs torch" in wrong.message


def test_l2_penalty_gradient_is_what_sgd_weight_decay_adds() -> None:
    """The weight-decay case's expected gradient, read off torch's SGD step, is λw."""
    item = registry.BY_NAME["losses.l2_penalty_grad"]
    case = next(
        c for c in registry.build_cases(item, 0, hidden=False) if c.name.endswith("weight_decay")
    )
    weight, lam = case.args
    got = item.oracle(case, "cpu")["out"]
    np.testing.assert_allclose(got, lam * weight, rtol=1e-12, atol=1e-15)
