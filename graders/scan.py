"""Static scan of a submission: flag what the sandbox will refuse or what looks like gaming.

The scan never decides a score; it lists findings (file, line, what) for the report, so an
instructor sees an attempt even when the sandbox has already made it harmless.  Its forbidden
list is the import guard's (``graders.policy``); an import by a name given in the code
(``__import__("sympy")``, ``importlib.import_module("scipy.special")``) counts as an import, one by
a name computed at run time is suspicious.
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

from graders import policy
from graders.submission import parse, source_text

#: The modules the import guard refuses as shortcuts: the one list (``graders.policy``).
FORBIDDEN_MODULES = policy.SHORTCUTS
SUSPICIOUS_MODULES = policy.ESCAPES | frozenset(
    {
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
#: Calls that import a module by name: ``__import__("torch")``, ``importlib.import_module(x)``.
IMPORT_CALLS = frozenset({"__import__", "import_module"})
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


def _imports(node: ast.AST) -> list[str]:
    """Module names ``node`` imports: an import statement, or a call of ``__import__`` /
    ``import_module`` with a literal name ("?" for a name computed at run time)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in IMPORT_CALLS and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return [arg.value]
            return ["?"]
    return []


def _import_findings(node: ast.AST, filename: str) -> list[Finding]:
    line = getattr(node, "lineno", 0)
    found = []
    for name in _imports(node):
        top = name.split(".")[0]
        if top in FORBIDDEN_MODULES:
            found.append(Finding(filename, line, "forbidden", f"import {name}"))
        elif top in SUSPICIOUS_MODULES:
            found.append(Finding(filename, line, "suspicious", f"import {name}"))
        elif name == "?":
            found.append(Finding(filename, line, "suspicious", "import by a computed name"))
    return found


def _patches(node: ast.AST, filename: str) -> list[Finding]:
    if not isinstance(node, ast.Assign):
        return []
    return [
        Finding(filename, node.lineno, "suspicious", f"monkey-patches {t.value.id}.{t.attr}")
        for t in node.targets
        if isinstance(t, ast.Attribute)
        and isinstance(t.value, ast.Name)
        and t.value.id in {"np", "numpy", "builtins", "sys", "os", "importlib"}
    ]


def scan_source(source: str, filename: str) -> list[Finding]:
    """Findings for one file's source (a syntax error is itself a finding)."""
    try:
        tree = parse(source, filename=filename)
    except SyntaxError as exc:
        return [Finding(filename, exc.lineno or 0, "forbidden", f"syntax error: {exc.msg}")]
    found: list[Finding] = []
    for node in ast.walk(tree):
        found += _import_findings(node, filename) + _patches(node, filename)
        line = getattr(node, "lineno", 0)
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Name) and func.id in SUSPICIOUS_CALLS:
            found.append(Finding(filename, line, "suspicious", f"call to {func.id}()"))
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_ATTRS:
            found.append(Finding(filename, line, "suspicious", f"use of .{node.attr}"))
    return sorted(set(found), key=lambda f: (f.line, f.what))


def scan_file(path: Path, cache: Path | None = None) -> list[Finding]:
    """Findings for a submission file (kept in ``cache``, by content, when given)."""
    try:
        source = source_text(path)
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        return [Finding(path.name, 0, "forbidden", f"unreadable: {exc}")]
    if cache is None:
        return scan_source(source, path.name)
    key = hashlib.sha256(
        Path(__file__).read_bytes()
        + Path(policy.__file__).read_bytes()
        + path.name.encode()
        + b"\0"
        + source.encode()
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


@functools.lru_cache(maxsize=16)
def _tree(source: str, name: str) -> ast.Module | None:
    """A module's syntax tree, parsed once per source (every item of a module asks for it)."""
    try:
        return parse(source, filename=name)
    except (SyntaxError, ValueError):
        return None


def _parsed(path: Path) -> ast.Module | None:
    try:
        return _tree(source_text(path), path.name)
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None


def function_line(path: Path, dotted: str) -> int:
    """Line of the ``def`` (or ``class``) named ``dotted`` (``Adam`` or ``Adam.step``) in the
    file, found with ``ast`` (the student's code is never run): the enclosing class's line when
    only that is found, 0 when nothing is or the file does not parse."""
    tree: ast.AST | None = _parsed(path)
    if tree is None:
        return 0
    line = 0
    for part in dotted.split("."):
        found = [
            node
            for node in getattr(tree, "body", [])
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == part
        ]
        if not found:
            return line
        tree = found[-1]  # (a later definition wins, as at run time)
        line = found[-1].lineno
    return line


def calls(path: Path, function: str) -> list[str]:
    """The module-level functions the top-level ``def function`` calls by name, directly or
    through the module's private helpers (``_name``), in order of first call; found with
    ``ast`` (the student's code is never run); [] when the file does not parse."""
    tree = _parsed(path)
    if tree is None:
        return []
    defs = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    found: list[str] = []
    todo, seen = [function], {function}
    while todo:
        node = defs.get(todo.pop(0))
        for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)) if node else ():
            name = call.func.id if isinstance(call.func, ast.Name) else ""
            if name in defs and name not in seen:
                seen.add(name)
                found.append(name)
                if name.startswith("_"):
                    todo.append(name)
    return found
