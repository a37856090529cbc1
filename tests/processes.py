"""Processes at work in a place (a scratch directory, a sandbox's session): what the tests that
stop or kill a grader look for before they say that nothing was left behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def mentioning(place: Path | str) -> list[int]:
    """Processes other than this one whose command line, environment or working directory
    name ``place`` (what cannot be read, another user's environment say, is passed over)."""
    needle = str(place)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        texts = []
        for name in ("cmdline", "environ"):
            with contextlib.suppress(OSError):
                texts.append((entry / name).read_bytes().decode(errors="replace"))
        with contextlib.suppress(OSError):
            texts.append(os.readlink(entry / "cwd"))
        if any(needle in text for text in texts):
            found.append(int(entry.name))
    return found


def holding(place: Path | str) -> list[int]:
    """Processes with a descriptor open on something in ``place`` (a process that is ending
    has no command line left, but keeps its descriptors until it is gone)."""
    needle = str(place)
    found = set()
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(fd).startswith(needle):
                found.add(int(fd.parent.parent.name))
    return sorted(found)


def described(pid: int) -> str:
    """``pid`` and the start of its command line, for a failure's message."""
    try:
        return f"{pid}: {(Path('/proc') / str(pid) / 'cmdline').read_bytes()[:200]!r}"
    except OSError:
        return str(pid)
