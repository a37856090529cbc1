"""Per-student hidden seeds: a keyed hash of the student's id, so no two students share inputs.

.. math::  \\text{seed}(s) = \\mathrm{int}_{\\text{big}}\\big(\\mathrm{HMAC\\text{-}SHA256}(K,\\;
           \\texttt{"dlgrade-hidden-seed:v1:"} \\Vert s)[0{:}8]\\big) \\bmod 2^{63}

where ``K`` is the course secret (``GRADER_COURSE_SECRET``, UTF-8) and ``s`` the student's id
(UTF-8, surrounding whitespace stripped).  Without ``K`` a student cannot compute anyone's seed,
not even their own, so hidden inputs shared between students are of no use; with ``K`` the
instructor recomputes any student's seed for a regrade (``python -m graders seed ID``).
Convention: a new secret each term (old seeds are then unrelated to the new ones); a group's id
is its members' ids, sorted, joined with ``+`` (see :func:`group_id`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

SECRET_ENV = "GRADER_COURSE_SECRET"
#: Domain-separation prefix: the same secret used for anything else gives unrelated values.
CONTEXT = b"dlgrade-hidden-seed:v1:"


class SeedError(ValueError):
    """No usable secret or student id (the CLI reports it in one line, exit 2)."""


def course_secret(environ: dict[str, str] | None = None) -> str:
    """The course secret from the environment; SeedError when it is missing or blank."""
    value = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    if not value.strip():
        raise SeedError(f"per-student hidden seeds need the course secret in ${SECRET_ENV}")
    return value


def student_seed(secret: str, student_id: str) -> int:
    """The hidden seed of ``student_id`` under ``secret``: 0 <= seed < 2**63 (the formula above)."""
    sid = student_id.strip()
    if not sid:
        raise SeedError("the student id is empty")
    if not secret:
        raise SeedError("the course secret is empty")
    digest = hmac.new(secret.encode("utf-8"), CONTEXT + sid.encode("utf-8"), hashlib.sha256)
    return int.from_bytes(digest.digest()[:8], "big") & (2**63 - 1)


def group_id(ids: Iterable[object]) -> str:
    """One id for a group submission: its members' ids, sorted as text, joined with ``+``."""
    members = sorted({str(i).strip() for i in ids if str(i).strip()})
    if not members:
        raise SeedError("the submission names no student")
    return "+".join(members)
