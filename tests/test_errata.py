"""Every erratum of the notes is real: the notes' version fails against torch (or exact math)
and the corrected version passes; the same holds for the entries that differ from torch without
being errors of the notes. Every entry quotes the notes verbatim."""

from __future__ import annotations

import functools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reference.errata import (
    DIFFERS_FROM_TORCH,
    ERRATA,
    Erratum,
    agree,
    by_id,
    check,
    demonstrate,
)

SEEDS = {
    "000_0fa82a6dc0641123.txt",
    "001_3dc55db402aa83d9.txt",
    "002_7fac2f2423e2bca7.txt",
    "003_ccf34248aa04a675.txt",
    "004_3b9df9d3af197d22.txt",
}
#: the course notes: ``shared/seeds`` beside the checkout (or beside a folder above it)
SEEDS_DIR = next(
    (p / "shared" / "seeds" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("shared") / "seeds",
)
IDS = [e.id for e in ERRATA]
EVERY = (*ERRATA, *DIFFERS_FROM_TORCH)
EVERY_IDS = [e.id for e in EVERY]
KINDS = {"formula", "code", "torch-claim", "number", "claim"}


@functools.cache
def _demo(erratum_id: str) -> tuple[object, object, object]:
    """One demonstration per erratum, shared by the tests below."""
    return demonstrate(by_id(erratum_id))


def _show(v: object) -> str:
    return np.array2string(v, precision=10) if isinstance(v, np.ndarray) else repr(v)


@pytest.mark.parametrize("erratum", EVERY, ids=EVERY_IDS)
def test_notes_version_fails(erratum: Erratum) -> None:
    notes, _, truth = _demo(erratum.id)
    assert not agree(notes, truth, rtol=erratum.rtol, atol=erratum.atol), (
        f"{erratum.id}: the notes' version {_show(notes)} agrees with the oracle {_show(truth)}"
    )


@pytest.mark.parametrize("erratum", EVERY, ids=EVERY_IDS)
def test_corrected_version_passes(erratum: Erratum) -> None:
    _, correct, truth = _demo(erratum.id)
    assert agree(correct, truth, rtol=erratum.rtol, atol=erratum.atol), (
        f"{erratum.id}: the correction {_show(correct)} disagrees with the oracle {_show(truth)}"
    )


@pytest.mark.parametrize("erratum", EVERY, ids=EVERY_IDS)
def test_record_is_complete(erratum: Erratum) -> None:
    assert erratum.seed in SEEDS
    assert erratum.kind in KINDS
    assert "“" in erratum.location and "”" in erratum.location, "quote the notes' text"
    assert erratum.quote and all(q.strip() for q in erratum.quote)
    for text in (erratum.claim, erratum.correction, erratum.verified_by):
        assert text.strip() and text == text.strip()
    # loose tolerances only where the oracle is a sample statistic or a short printed number
    assert erratum.rtol <= 1e-2 and erratum.atol <= 1e-4


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="course notes not checked out beside the repo")
@pytest.mark.parametrize("erratum", EVERY, ids=EVERY_IDS)
def test_quotes_are_verbatim(erratum: Erratum) -> None:
    """Each quoted excerpt is in the seed the entry names, exactly as the seed has it."""
    text = (SEEDS_DIR / erratum.seed).read_text(encoding="utf-8")
    for excerpt in erratum.quote:
        assert excerpt in text, f"{erratum.id}: {excerpt!r} is not in {erratum.seed}"


EXPECTED_IDS = (
    "variance-of-product",
    "variance-sum-index",
    "kl-cross-entropy-identity",
    "bce-no-ignore-index",
    "multilabel-margin-excludes-targets",
    "multi-margin-excludes-target",
    "margin-ranking-not-n-by-n",
    "ctc-zero-infinity-comment",
    "sgd-dampening-not-l2",
    "xor-table-labelled-xnor",
    "elu-alpha-range",
    "softmax-matrix-shift-axis",
    "softmax-list-no-max-shift",
    "softmax-grad-not-jacobian",
    "leaky-relu-grad-at-zero",
    "keyword-in-as-variable",
    "mse-called-classification-loss",
    "cross-entropy-denominator-index",
    "adagrad-rmsprop-g-not-a-norm",
    "rmsprop-mu-is-not-momentum",
    "adam-eps-outside-sqrt",
    "adam-update-index",
    "adam-eps-value",
    "adam-slide-example-uses-sgd",
    "pytorch-default-init",
    "msra-std",
    "constant-init-does-not-break-symmetry",
    "constant-init-comment",
    "cross-entropy-log-softmax-value",
    "tanh-range-closed",
    "relu-derivative",
    "mse-gradient-sign",
    "autograd-grad-comma",
    "autograd-grad-of-loss",
    "requires-grad-keyword",
    "grad-only-on-leaf-tensors",
    "backward-needs-one-element",
    "backprop-input-gradient",
    "node4-input-indices",
    "conv-output-height",
    "conv-output-size-floor",
    "conv-7x7-output-size",
    "backprop-out-o1-sign",
    "backprop-out-o1-value",
    "tanh-derivative-table",
    "monotone-activation-convexity",
    "softmax-denominator-index",
    "log-domain",
    "tanh-derivative-range",
)


#: not errors of the notes: a default that changed, torch's documentation of the time, and a
#: textbook convention (ε inside the root)
EXPECTED_DIFFERS = (
    "sgd-lr-default",
    "adagrad-eps-outside-sqrt",
    "rmsprop-eps-outside-sqrt",
    "sgd-maximize-weight-decay",
    "amsgrad-max-of-raw-second-moment",
)


def test_check_summarises_both() -> None:
    assert all(check(e) for e in ERRATA[:3])


def test_list_is_stable_and_broad() -> None:
    assert tuple(IDS) == EXPECTED_IDS  # a fixed order: seed by seed, in reading order
    assert tuple(e.id for e in DIFFERS_FROM_TORCH) == EXPECTED_DIFFERS
    assert len(set(EVERY_IDS)) == len(EVERY_IDS) >= 10
    for entries in (ERRATA, DIFFERS_FROM_TORCH):
        assert [e.seed for e in entries] == sorted(e.seed for e in entries)
    assert {e.kind for e in ERRATA} == KINDS
    assert {e.seed for e in ERRATA} == SEEDS
    assert by_id("adam-eps-outside-sqrt").seed == "001_3dc55db402aa83d9.txt"
    assert by_id("sgd-lr-default") in DIFFERS_FROM_TORCH
    with pytest.raises(KeyError):
        by_id("no-such-erratum")


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="course notes not checked out beside the repo")
def test_seed_files_exist() -> None:
    assert {p.name for p in SEEDS_DIR.iterdir()} >= SEEDS


def test_errata_import_does_not_import_torch() -> None:
    code = "import sys, reference.errata; sys.exit('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (1.0, 1.0 + 1e-12, True),
        (1.0, 1.001, False),
        (np.array([1.0, 2.0]), (1.0, 2.0), True),
        (np.array([1.0, 2.0]), np.array([[1.0, 2.0]]), False),  # shape matters
        (np.array([np.nan]), np.array([np.nan]), False),  # nan never agrees
        (math.inf, math.inf, True),
        (math.inf, -math.inf, False),
        (True, True, True),
        (True, 1.0, False),  # a bool is not a number here
        ("required", 0.001, False),
        ("a", "a", True),
        (frozenset({(1,)}), frozenset({(1,)}), True),
        ((np.ones(2), True), (np.ones(2), False), False),
        ((1, 2), (1, 2, 3), False),
    ],
)
def test_agree(a: object, b: object, same: bool) -> None:
    assert agree(a, b) is same
