"""Per-student hidden seeds: HMAC-SHA256 of the id under the course secret, checked against an
HMAC written here from hashlib alone (RFC 2104), itself checked on RFC 4231's test vector; and
the command line that uses them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from graders import seeds
from tests.graders_cli import run_graders


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + msg).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


def test_the_independent_hmac_matches_rfc_4231() -> None:
    # RFC 4231, test case 2
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == expected


@pytest.mark.parametrize("student", ["alice", "s1234567", "  bob  ", "élève-7", "42"])
def test_student_seed_is_the_keyed_hash(student: str) -> None:
    secret = "fall-2026-secret"
    digest = hmac_sha256(secret.encode(), b"dlgrade-hidden-seed:v1:" + student.strip().encode())
    assert seeds.student_seed(secret, student) == int.from_bytes(digest[:8], "big") % 2**63


def test_seeds_differ_between_students_and_terms() -> None:
    ids = [f"student{i}" for i in range(500)]
    assert len({seeds.student_seed("k", s) for s in ids}) == len(ids)
    assert seeds.student_seed("fall", "alice") != seeds.student_seed("spring", "alice")
    assert all(0 <= seeds.student_seed("k", s) < 2**63 for s in ids)


def test_group_id_is_order_independent() -> None:
    assert seeds.group_id([12, 3]) == seeds.group_id(["3", 12]) == "12+3"
    with pytest.raises(seeds.SeedError):
        seeds.group_id([])


def test_missing_secret_or_id_is_an_error() -> None:
    with pytest.raises(seeds.SeedError, match="GRADER_COURSE_SECRET"):
        seeds.course_secret({})
    with pytest.raises(seeds.SeedError):
        seeds.student_seed("k", "  ")


def run(*args: str, secret: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    if secret is not None:
        env["GRADER_COURSE_SECRET"] = secret
    return run_graders(*args, env=env)


def test_seed_command_prints_each_students_seed() -> None:
    out = run("seed", "alice", "bob", secret="s")
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    expected = [
        [
            s,
            str(
                int.from_bytes(
                    hmac_sha256(b"s", b"dlgrade-hidden-seed:v1:" + s.encode())[:8], "big"
                )
                % 2**63
            ),
        ]
        for s in ("alice", "bob")
    ]
    assert rows == expected


@pytest.mark.parametrize(
    "args",
    [
        ["seed", "alice"],
        ["grade", "reference", "--only", "activations.relu", "--hidden-seed-from", "alice"],
    ],
)
def test_no_secret_is_one_line_and_exit_2(args: list[str]) -> None:
    out = run(*args, secret=None)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "GRADER_COURSE_SECRET" in out.stderr


def test_both_seed_options_is_an_error() -> None:
    out = run(
        "grade",
        "reference",
        "--only",
        "activations.relu",
        "--hidden-seed",
        "1",
        "--hidden-seed-from",
        "alice",
        secret="s",
    )
    assert out.returncode == 2 and "not both" in out.stderr


def test_hidden_seed_from_grades_that_students_hidden_cases(tmp_path: Path) -> None:
    """--hidden-seed-from ID grades exactly what --hidden-seed <the HMAC> grades; another
    student gets other inputs (shown for the failing hidden cases)."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\n\ndef relu(x):\n    return np.abs(np.asarray(x, dtype=float))\n"
    )
    common = ["grade", str(sub), "--only", "activations.relu", "--format", "json"]

    def hidden_inputs(*extra: str) -> list[str]:
        out = run(*common, *extra, secret="term-secret")
        assert out.returncode == 0, out.stderr
        tests = json.loads(out.stdout)["tests"]
        cases = [c for t in tests for c in t["extra_data"]["cases"] if c["hidden"]]
        assert cases
        return [c["inputs"] for c in cases]

    alice = str(
        int.from_bytes(hmac_sha256(b"term-secret", b"dlgrade-hidden-seed:v1:alice")[:8], "big")
        % 2**63
    )
    assert hidden_inputs("--hidden-seed-from", "alice") == hidden_inputs("--hidden-seed", alice)
    assert hidden_inputs("--hidden-seed-from", "alice") != hidden_inputs(
        "--hidden-seed-from", "bob"
    )
