"""The judge phase: worst-element messages, non-finite handling, tolerances."""

from __future__ import annotations

import numpy as np
import pytest

from graders import judge


def test_worst_element_is_named() -> None:
    exp = np.array([[0.0, 1.0], [2.0, 3.0]])
    got = exp.copy()
    got[1, 0] = 2.5
    got[0, 1] = 1.0 + 1e-9
    v = judge.compare_array("out", exp, got, 1e-7, 1e-7)
    assert not v.passed
    assert "at [1, 0]: 2.5 vs 2" in v.message
    assert v.details["index"] == [1, 0] and v.details["mismatched"] == 1


@pytest.mark.parametrize(
    ("got", "ok"),
    [
        (np.array([np.nan, np.inf, -np.inf, 1.0]), True),
        (np.array([0.0, np.inf, -np.inf, 1.0]), False),  # nan expected
        (np.array([np.nan, -np.inf, -np.inf, 1.0]), False),  # wrong sign of inf
        (np.array([np.nan, np.inf, -np.inf, np.nan]), False),  # nan where torch is finite
    ],
)
def test_non_finite_values_must_match_exactly(got: np.ndarray, ok: bool) -> None:
    exp = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert judge.compare_array("out", exp, got, 1e-7, 1e-7).passed is ok


def test_type_shape_dtype_checked_before_values() -> None:
    exp = np.zeros(3)
    assert "expected numpy.ndarray" in judge.compare_array("out", exp, [0, 0, 0], 0, 0).message
    assert "shape (2,)" in judge.compare_array("out", exp, np.zeros(2), 0, 0).message
    msg = judge.compare_array("out", exp, np.zeros(3, np.float32), 0, 0).message
    assert "dtype float32" in msg


def test_tolerances_follow_torch_testing_defaults() -> None:
    import torch

    # torch.testing.assert_close's defaults for float64 and float32
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        rtol, atol = judge.tolerance("default", np.dtype(dtype))
        x = torch.ones(1, dtype=tdtype)
        torch.testing.assert_close(x + (atol + rtol) * 0.99, x)
        with pytest.raises(AssertionError):
            torch.testing.assert_close(x + (atol + rtol) * 1.5, x)
    assert judge.tolerance("default", np.dtype("float64"), "cuda")[0] > 1e-7


X = np.array([[-2.0, 0.0], [0.5, 3.0]])


@pytest.mark.parametrize(
    ("expected", "args", "stub_gives_it"),
    [
        ({"out": np.zeros((2, 2))}, (X,), True),  # np.zeros_like
        ({"out": np.full((2, 2), 0.37)}, (X,), True),  # a constant array
        ({"out": np.array(1.0)}, (X,), True),  # np.ones_like of a 0-d input
        ({"out": np.array([-0.5])}, (X,), True),  # a round constant of one element
        ({"out": np.array(0.37)}, (X,), False),  # one number no stub guesses
        ({"out": X.copy()}, (X,), True),  # the input
        ({"out": np.array([[-1.0, 0.0], [1.0, 1.0]])}, (X,), True),  # np.sign(x)
        ({"out": np.array([[0.0, 0.0], [1.0, 1.0]])}, (X,), True),  # x > 0
        ({"out": np.array([[0.0, 0.0], [1.0, 1.0]])}, (X * 0,), False),  # not from this input
        ({"out": np.array([[0.1, 0.5], [0.6, 0.9]])}, (X,), False),  # real work
        ({"a": np.zeros(3), "b": np.array([0.2, 0.1, 0.4])}, (X,), False),  # one output is not
        ({"out": np.array([[1.0, 0.0], [0.0, 1.0]])}, (X > 0,), False),  # a boolean input
        ({"out": np.array([True, False])}, (np.array([True, False]),), True),  # ... unchanged
    ],
)
def test_trivial_is_what_a_stub_gives(
    expected: dict[str, np.ndarray], args: tuple[np.ndarray, ...], stub_gives_it: bool
) -> None:
    """Zeros, a constant (any, for an array; a round one, 0, +-1 or +-1/2, for one number),
    the input, its sign or its step: a stub's answers, which gate the case."""
    assert judge.trivial(expected, args) is stub_gives_it
