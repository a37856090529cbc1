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
