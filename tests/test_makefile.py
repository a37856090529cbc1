"""The Makefile passes SUBMISSION and FORMAT as one argument each, whatever they hold."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PYTHON = f"""#!{sys.executable}
import json, os, sys
with open(os.environ["ARGV_LOG"], "w") as f:
    json.dump(sys.argv[1:], f)
"""


@pytest.mark.parametrize(
    "submission",
    ["path with spaces", "alice's hw; touch PWNED", 'a "quoted" $(echo x) `id` & name'],
)
def test_make_grade_passes_the_submission_as_one_argument(submission: str, tmp_path: Path) -> None:
    """A stand-in for the virtualenv's python records the arguments ``make grade`` gives it
    (nothing is installed or graded)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(FAKE_PYTHON)
    (bin_dir / "python").chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()  # (newer than pyproject.toml: nothing to install)
    log = tmp_path / "argv.json"
    out = subprocess.run(
        [
            "make",
            "-s",
            "grade",
            f"BIN={bin_dir}",
            f"STAMP={stamp}",
            f"SUBMISSION={submission}",
            "FORMAT=json",
            "GRADE_ARGS=--only activations.relu",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ARGV_LOG": str(log)},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(log.read_text()) == [
        "-m",
        "graders",
        "grade",
        submission,
        "--format",
        "json",
        "--only",
        "activations.relu",
    ]
    assert not (ROOT / "PWNED").exists()
