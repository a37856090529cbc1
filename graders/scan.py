"""Static scan of a submission: flag what the sandbox will refuse or what looks like gaming.

The scan never decides a score; it lists findings (file, line, what) for the report, so an
instructor sees an attempt even when the sandbox has already made it harmless.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from graders.submission import parse

FORBIDDEN_MODULES = frozenset(
    {
        "torch",
        "jax",
        "jaxlib",
        "tensorflow",
        "keras",
        "scipy",
        "sklearn",
        "theano",
        "mxnet",
        "paddle",
        "autograd",
        "cupy",
        "numba",
        "reference",
        "graders",
        "tools",
        "student_template",
    }
)
SUSPICIOUS_MODULES = frozenset(
    {
        "ctypes",
        "cffi",
        "subprocess",
        "multiprocessing",
        "socket",
        "pty",
        "importlib",
        "gc",
        "inspect",
        "signal",
        "atexit",
        "resource",
        "pickle",
        "marshal",
        "shutil",
        "threading",
    }
)
SUSPICIOUS_CALLS = frozenset(
    {"exec", "eval", "compile", "__import__", "open", "globals", "breakpoint", "setattr", "delattr"}
)
SUSPICIOUS_ATTRS = frozenset(
    {
        "_getframe",
        "system",
        "popen",
        "fork",
        "kill",
        "_exit",
        "exit",
        "f_back",
        "f_locals",
        "f_globals",
        "modules",
        "get_objects",
        "unlink",
        "remove",
        "rmtree",
        "setrecursionlimit",
        "settrace",
        "setprofile",
        "__subclasses__",
        "__class__",
        "__code__",
    }
)


@dataclass(frozen=True)
class Finding:
    """One flagged construct."""

    file: str
    line: int
    severity: str  # 'forbidden' (refused at run time) or 'suspicious' (shown to the instructor)
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.what}"


def scan_source(source: str, filename: str) -> list[Finding]:
    """Findings for one file's source (a syntax error is itself a finding)."""
    try:
        tree = parse(source, filename=filename)
    except SyntaxError as exc:
        return [Finding(filename, exc.lineno or 0, "forbidden", f"syntax error: {exc.msg}")]
    found: list[Finding] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN_MODULES:
                found.append(
                    Finding(filename, getattr(node, "lineno", 0), "forbidden", f"import {name}")
                )
            elif top in SUSPICIOUS_MODULES:
                found.append(
                    Finding(filename, getattr(node, "lineno", 0), "suspicious", f"import {name}")
                )
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and (node.func.id in SUSPICIOUS_CALLS)
        ):
            found.append(
                Finding(
                    filename, getattr(node, "lineno", 0), "suspicious", f"call to {node.func.id}()"
                )
            )
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_ATTRS:
            found.append(
                Finding(filename, getattr(node, "lineno", 0), "suspicious", f"use of .{node.attr}")
            )
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and (target.value.id in {"np", "numpy", "builtins", "sys", "os"})
                ):
                    found.append(
                        Finding(
                            filename,
                            node.lineno,
                            "suspicious",
                            f"monkey-patches {target.value.id}.{target.attr}",
                        )
                    )
    return sorted(set(found), key=lambda f: (f.line, f.what))


def scan_file(path: Path, cache: Path | None = None) -> list[Finding]:
    """Findings for a submission file (kept in ``cache``, by content, when given)."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(path.name, 0, "forbidden", f"unreadable: {exc}")]
    if cache is None:
        return scan_source(source, path.name)
    key = hashlib.sha256(
        Path(__file__).read_bytes() + path.name.encode() + b"\0" + source.encode()
    ).hexdigest()[:32]
    stored = cache / f"scan-{key}.json"
    try:
        return [Finding(*row) for row in json.loads(stored.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    found = scan_source(source, path.name)
    try:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = stored.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([dataclasses.astuple(f) for f in found]), encoding="utf-8")
        tmp.replace(stored)
    except OSError:
        pass
    return found


def function_line(path: Path, dotted: str) -> int:
    """Line of the ``def`` (or ``class``) named ``dotted`` (``Adam`` or ``Adam.step``) in the
    file, found with ``ast`` (the student's code is never run): the enclosing class's line when
    only that is found, 0 when nothing is or the file does not parse."""
    try:
        lines = definitions(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError):
        return 0
    line, name = 0, ""
    for part in dotted.split("."):
        name = f"{name}.{part}" if name else part
        if name not in lines:
            return line
        line = lines[name]
    return line


@functools.lru_cache(maxsize=32)
def definitions(source: str, filename: str) -> dict[str, int]:
    """The line of every ``def`` and ``class`` of ``source`` by dotted name (``Adam.step``), a
    later definition replacing an earlier one and everything nested in it, as at run time; {}
    when it does not parse.  Cached: a report asks for every item of the same module."""
    try:
        tree = parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + node.name
                for stale in [k for k in lines if k.startswith(name + ".")]:
                    del lines[stale]
                lines[name] = node.lineno
                walk(node.body, name + ".")

    walk(tree.body, "")
    return lines
