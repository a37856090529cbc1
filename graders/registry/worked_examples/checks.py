"""The check of the worked-example items: torch's values, the notes' printed ones, and each
value's source in the feedback.

A case's ``data`` says, for each output, where its value comes from (``sources``: "printed in the
notes", "computed from the notes' data", "... inputs chosen here", "... random inputs"), and for
the outputs the notes truly print, the printed value and its decimals (``printed``,
``decimals``).  A case passes when

* every printed output rounds to the notes' value at the notes' precision (within half a unit
  in the last printed place): the failing message names "the notes' 0.298371109";
* every output agrees with torch (float64) within the item's tolerance, or, for the outputs in
  ``band``, lies within the band's factors of torch's value (a statistic of a random sample,
  such as the largest of many uniform draws): the failing message says where the value comes
  from ("loss is computed from the notes' data").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.judge import Verdict, check_allclose


def _rounds_to(got: np.ndarray, shown: Any, decimals: int) -> bool:
    want = np.asarray(shown, dtype=np.float64)
    half = 0.5 * 10.0 ** (-decimals) + 1e-12
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= half))


def _shown(value: np.ndarray, decimals: int) -> str:
    flat = np.atleast_1d(value).ravel()
    text = ", ".join(f"{v:.{decimals + 2}f}" for v in flat)
    return text if value.ndim == 0 else f"[{text}]"


def _is_float_array(value: Any) -> bool:
    return type(value) is np.ndarray and value.dtype.kind == "f"


def _printed_miss(
    expected: dict[str, Any], got: dict[str, np.ndarray], case_data: dict[str, Any]
) -> Verdict | None:
    """The first printed output that does not round to the notes' value, named with it."""
    for key, shown in case_data.get("printed", {}).items():
        value = got.get(key)
        if not _is_float_array(value):
            continue  # torch's comparison names the missing or mistyped output
        assert isinstance(value, np.ndarray)
        decimals = int(case_data["decimals"][key])
        if not _rounds_to(value.astype(np.float64), shown, decimals):
            torch_value = _shown(np.asarray(expected[key], dtype=np.float64), decimals)
            return Verdict(
                False,
                f"{key}: {_shown(value, decimals)} does not round to the notes' {shown} "
                f"(printed in the notes to {decimals} decimals; torch gives {torch_value})",
                {"printed": shown, "decimals": decimals, "source": "printed in the notes"},
            )
    return None


def _band_miss(key: str, expected: Any, got: Any, band: list[float], source: str) -> Verdict:
    """``got`` within ``band`` (factors) of torch's value; a one-line reason when not."""
    exp = float(np.asarray(expected, dtype=np.float64))
    if not _is_float_array(got) or got.shape != ():
        return Verdict(False, f"{key}: expected a float64 scalar ({source})")
    low, high = band[0] * exp, band[1] * exp * (1 + 1e-12)
    value = float(got)
    if low <= value <= high:
        return Verdict(True)
    return Verdict(
        False,
        f"{key}: {value:.10g} is not between {band[0]:g} and {band[1]:g} times torch's "
        f"{exp:.10g}; {key} is {source}",
        {"expected": exp, "got": value, "band": band, "source": source},
    )


def check_worked(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Every printed output at the notes' precision, then every output against torch, each
    failure labelled with the value's source."""
    miss = _printed_miss(expected, got, case_data)
    if miss is not None:
        return miss
    sources = case_data.get("sources", {})
    bands = case_data.get("band", {})
    details: dict[str, Any] = {}
    for key, exp in expected.items():
        source = str(sources.get(key, "computed"))
        if key in bands and key in got:
            verdict = _band_miss(key, exp, got[key], bands[key], source)
        else:
            verdict = check_allclose({key: exp}, got, tol, device, case_data)
            if not verdict.passed:
                verdict.message = f"{verdict.message}; {key} is {source}"
                verdict.details["source"] = source
        if not verdict.passed:
            return verdict
        details.update(verdict.details)
    return Verdict(True, details=details)
