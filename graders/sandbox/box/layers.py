"""What the sandbox can claim, measured: the zygote's probe child.

Before it serves any request, the zygote forks one child that confines itself exactly as every
child will (``confine.enter``) and then *tests* what holds, from inside: its uid and capability
sets (``/proc/self/status``), no_new_privs and the seccomp mode, whether ``unshare(0)`` is refused
(the filter at work), whether it can write outside its own directories, whether ``/tmp`` is its
own, which processes ``/proc`` shows, whether the paths the grader names (the reference, the
oracle cache) can be seen, and which importable modules its ``sys.path`` offers beyond the
standard library and NumPy.  The report's sandbox section (:func:`statements`) is built from
these facts only, so it never states a layer that is not, and says what is missing.  The steps
that held become required of every later child.  Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import pkgutil
import re
import resource
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import confine, kernel, seccomp

try:
    from graders import policy
except ImportError:  # in a sandbox session, a copy beside the box package
    import policy  # type: ignore[no-redef]

PROBE_TIMEOUT = 20.0
PR_GET_DUMPABLE = 3
#: Import names that are neither the standard library's nor an allowed package's but harmless.
#: (CPython's own test and example modules, its build configuration.)
_ALSO_STANDARD: tuple[str, ...] = ("_sysconfigdata", "_test", "_xx", "xxlimited", "_ctypes_test")
_ALSO_STANDARD += ("test", "__hello__", "__phello__")
_ALSO_STANDARD += ("sitecustomize", "_distutils_system_mod")  # (Debian's)


def _status() -> dict[str, str]:
    rows = Path("/proc/self/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (r.partition(":") for r in rows)}


def _writes_refused(paths: list[str]) -> bool:
    """Whether creating a file fails in every one of ``paths`` (directories)."""
    for d in paths:
        try:
            fd = os.open(Path(d, f".probe-{os.getpid()}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except OSError:
            continue
        os.close(fd)
        return False
    return True


def _unexpected_modules() -> list[str]:
    """Importable top-level names on ``sys.path`` beyond the standard library and NumPy."""
    allowed = set(sys.stdlib_module_names) | set(policy.ALLOWED_PACKAGES)
    found = set()
    for info in pkgutil.iter_modules():
        name = info.name
        if name not in allowed and not name.startswith(_ALSO_STANDARD):
            found.add(name)
    return sorted(found)


def _private(d: str, session: str) -> bool:
    """Whether ``d`` is writable and empty but for the way to the session (a fresh tmpfs of
    this process's own)."""
    inside = Path(os.path.relpath(session, d)).parts[0]
    return not {p.name for p in Path(d).iterdir()} - {inside} and not _writes_refused([d])


def _caps(d: str) -> list[int]:
    """[bytes, inodes] the tmpfs on ``d`` holds in all: its ``size`` and ``nr_inodes`` as
    ``/proc/self/mountinfo`` shows them for the top mount there (``statfs`` is refused to a
    child); 0 where not capped."""
    target, caps = os.path.realpath(d), [0, 0]
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mount, _, fs = line.partition(" - ")
        if _unescaped(mount.split()[4]) == target:
            options = dict(o.partition("=")[::2] for o in fs.split()[2].split(","))
            size, inodes = options.get("size", "0"), options.get("nr_inodes", "0")
            caps = [int(size.rstrip("k")) * (1024 if size.endswith("k") else 1), int(inodes)]
    return caps


def _unescaped(path: str) -> str:
    """A path as ``/proc/self/mountinfo`` writes it (space, tab, newline, backslash octal)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def _own_fs(path: Path) -> bool:
    """Whether ``path`` is a file system of its own (not its parent's)."""
    try:
        return path.stat().st_dev != path.parent.stat().st_dev
    except OSError:
        return False


def _seen(path: str) -> bool:
    """Whether this process can list (a directory) or open (a file) ``path``."""
    try:
        if Path(path).is_dir():
            next(Path(path).iterdir(), None)
        else:
            Path(path).open("rb").close()
    except OSError:
        return False
    return True


def _listing(path: str, session: str) -> list[str] | None:
    """What ``path`` holds, less the way to the session (which may live under it)."""
    try:
        names = sorted(p.name for p in Path(path).iterdir())
    except OSError:
        return None
    return [n for n in names if not session.startswith(f"{path}/{n}/")]


def facts(box: Path, hidden: list[str], session: str) -> dict[str, Any]:
    """Confine this process as a child, then measure (in the probe child)."""
    limits = json.loads(os.environ.get("GRADER_LIMITS", "{}"))
    confine.set_limits(limits)
    confine.first_to_go()
    done, failed = confine.enter(box, [])
    status = _status()
    caps = [status.get(k, "?") for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")]
    try:
        kernel.unshare(0) if kernel.loaded() else None
        unshare_refused = not kernel.loaded()
    except OSError:
        unshare_refused = True
    pids = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
    return {
        "done": sorted(done),
        "failed": failed,
        "uid": os.getuid(),
        "outer_uid": _outer_uid(),
        "groups": len(os.getgroups()),
        "mode": confine.identity_mode() if "identity" not in done else "nobody",
        "caps_empty": all(c.strip("0") == "" for c in caps),
        "bounding_empty": status.get("CapBnd", "?").strip("0") == "",
        "no_new_privs": status.get("NoNewPrivs") == "1",
        "seccomp": status.get("Seccomp") == "2" and unshare_refused,
        "sockets_refused": kernel.loaded() and not kernel.socket_opens(),
        "listings": {d: _listing(d, session) for d in ("/dev", "/run", "/var")},
        "read_only": _writes_refused([session, "/", "/etc", "/var", str(box.parent)]),
        "private_dirs": {d: _caps(d) for d in confine.private_dirs() if _private(d, session)},
        "scratch": _caps(str(box / "scratch")) if _private(str(box / "scratch"), "/") else None,
        "out": _caps(str(box / "out")) if _own_fs(box / "out") else None,
        "dumpable": kernel.prctl(PR_GET_DUMPABLE) if kernel.loaded() else None,
        "other_processes": len([p for p in pids if int(p) != os.getpid()]),
        "hidden": {p: not _seen(p) for p in hidden},
        "forbidden_reachable": sorted(
            n for n in policy.SHORTCUTS if _spec_found(n) and n not in ("graders",)
        ),
        "unexpected_modules": _unexpected_modules(),
        "limits": {k: resource.getrlimit(confine.LIMITS[k])[0] for k in limits},
        "oom_score_adj": _oom_score_adj(),
    }


def _outer_uid() -> int | None:
    """This process's uid in the parent of its user namespace (``/proc/self/uid_map``: the
    host's uid where that parent is the host's namespace)."""
    uid = os.getuid()
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/uid_map").read_text().splitlines():
            inside, outside, count = (int(v) for v in line.split())
            if inside <= uid < inside + count:
                return outside + uid - inside
    return None


def _oom_score_adj() -> int | None:
    try:
        return int(Path("/proc/self/oom_score_adj").read_text())
    except (OSError, ValueError):
        return None


def _spec_found(name: str) -> bool:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    return spec is not None and (spec.origin is not None or bool(spec.submodule_search_locations))


def probe(box: Path, hidden: list[str], session: str) -> dict[str, Any]:
    """Fork the probe child and return its facts (``{"error": ...}`` if it gave none)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            data = json.dumps(facts(box, hidden, session)).encode()
        except BaseException as exc:  # the probe itself failed: say why
            data = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()
        finally:
            with contextlib.suppress(BaseException):
                os.write(w, data)
            os._exit(0)
    os.close(w)
    chunks, deadline = [], time.monotonic() + PROBE_TIMEOUT
    while time.monotonic() < deadline:
        if select.select([r], [], [], max(0.0, deadline - time.monotonic()))[0]:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(r)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    try:
        return dict(json.loads(b"".join(chunks)))
    except ValueError:
        return {"error": "the probe child gave no answer"}


def statements(f: dict[str, Any]) -> dict[str, Any]:
    """The report's sandbox section from the probe's facts: each layer that holds, in words,
    and ``missing``: each that does not, and why."""
    missing: list[str] = []
    out: dict[str, Any] = {"namespaces": os.environ.get("GRADER_NAMESPACES", "none")}
    if out["namespaces"] == "none":
        missing.append("namespaces: unshare is not available here (no pid, net, mount ns)")
    if "error" in f:
        out["missing"] = [*missing, f"every per-child layer: the probe failed ({f['error']})"]
        return out
    done, failed = set(f["done"]), f["failed"]
    _identity(f, done, failed, out, missing)
    if f["no_new_privs"]:
        out["no_new_privs"] = "set (no setuid or file capability gains)"
    else:
        missing.append(f"no_new_privs: {failed.get('no_new_privs', 'not set')}")
    if f["seccomp"] and f.get("sockets_refused"):
        out["seccomp"] = seccomp.SUMMARY
    elif f["seccomp"]:
        out["seccomp"] = seccomp.SUMMARY_WITHOUT_SOCKETS
        missing.append("seccomp: a socket can still be opened")
    else:
        missing.append(f"seccomp: {failed.get('seccomp', 'not in force')}")
    _filesystem(f, done, failed, out, missing)
    if f["other_processes"] == 0:
        out["processes"] = "no other process visible in /proc"
        if "mount_ns" in done:
            out["processes"] += "; an IPC namespace of its own"
    else:
        missing.append(f"processes: /proc shows {f['other_processes']} other processes")
    _packages(f, out, missing)
    out["limits"] = _limits_line(f, missing)
    out["import_guard"] = "forbidden imports refused and named in the report (advisory)"
    if missing:
        out["missing"] = missing
    return out


def _packages(f: dict[str, Any], out: dict[str, Any], missing: list[str]) -> None:
    if f["forbidden_reachable"]:
        missing.append(f"packages: reachable: {', '.join(f['forbidden_reachable'])}")
    elif f["unexpected_modules"]:
        names = ", ".join(f["unexpected_modules"][:12])
        out["packages"] = "no forbidden package reachable; importable beyond the standard "
        out["packages"] += f"library and NumPy: {names}"
    else:
        out["packages"] = "only the standard library and NumPy importable"


def _limits_line(f: dict[str, Any], missing: list[str]) -> str:
    """The limits, and whether the child is the first the OOM killer takes (``missing`` if
    not)."""
    line = _limits(f["limits"])
    score = f.get("oom_score_adj")
    if score == 1000:
        return line + "; the first process the kernel kills when memory runs out"
    missing.append(f"the first to go when memory runs out: oom_score_adj {score}")
    return line


def _limits(limits: dict[str, int]) -> str:
    """The resource limits a child runs under, in words."""
    words = {
        "as": lambda v: f"{v / (1 << 30):g} GiB of address space",
        "cpu": lambda v: f"{v} s of CPU",
        "fsize": lambda v: f"files up to {v >> 20} MiB",
        "nofile": lambda v: f"{v} open files",
        "nproc": lambda v: "no new process or thread" if v <= 1 else f"{v} processes",
        "core": lambda v: "no core dumps" if v == 0 else f"core dumps up to {v} bytes",
    }
    return ", ".join(words[k](v) for k, v in limits.items() if k in words) or "none"


def _identity(
    f: dict[str, Any], done: set[str], failed: dict[str, str], out: dict[str, Any], missing: list
) -> None:
    caps = "no capabilities" if f["bounding_empty"] else "no capabilities (bounding set kept)"
    caps += ", not dumpable" if f["dumpable"] == 0 else ""
    if "identity" in done and f["caps_empty"]:
        text = f"uid nobody ({f['uid']}), {caps}"
        if confine.identity_mode() == "userns":
            text += " (a nested user namespace mapping only nobody to the grader's host uid)"
        elif f.get("outer_uid") not in (None, f["uid"]):
            text += f" (uid {f['outer_uid']} outside its user namespace: a subordinate uid of the "
            text += "grader's user, no groups)"
        out["identity"] = text
        if f.get("groups"):
            missing.append(
                f"no supplementary groups: the grader's ({f['groups']}) stay with the child (a "
                "user namespace cannot drop them: what one of them may read in sight, the child "
                "may read); grade as a user without extra groups, or as root"
            )
    else:
        out["identity"] = f"uid {f['uid']}, {caps}"
        missing.append(f"another uid than the grader's: {failed.get('identity', '?')}")


def _filesystem(
    f: dict[str, Any], done: set[str], failed: dict[str, str], out: dict[str, Any], missing: list
) -> None:
    parts = []
    if f["read_only"]:
        parts.append(
            "read-only but for its own output directory; of the session only its job "
            "and its submission's copy in sight"
        )
    else:
        missing.append(f"read-only view: {failed.get('read_only', failed.get('mount_ns', '?'))}")
    if "read_only" in done and f["private_dirs"] and f["scratch"]:  # (mounted by that step)
        own = ", ".join(f["private_dirs"])
        sizes = {(b >> 20, n) for b, n in f["private_dirs"].values()}
        caps = " or ".join(f"{mib} MiB and {n} inodes" for mib, n in sorted(sizes))
        mib, n = f["scratch"][0] >> 20, f["scratch"][1]
        parts.append(f"its own {own} (tmpfs of {caps} each) and scratch directory (tmpfs of ")
        parts[-1] += f"{mib} MiB and {n} inodes)"
    else:
        missing.append(f"a private /tmp and scratch: {failed.get('read_only', 'shared')}")
    if f.get("out"):
        parts.append(f"its output directory a tmpfs of its own ({f['out'][0] >> 20} MiB)")
    else:
        missing.append("an output directory of its own: the children's share one file system")
    parts += _system_dirs(f.get("listings", {}), missing)
    seen = [p for p, hidden in f["hidden"].items() if not hidden]
    if seen:
        missing.append(f"hidden files: can read {', '.join(seen)}")
    elif f["hidden"]:
        parts.append("the reference solution and the oracle cache out of sight")
    if parts:
        out["filesystem"] = "; ".join(parts)


def _system_dirs(listings: dict[str, list[str] | None], missing: list[str]) -> list[str]:
    """What the child sees of /dev, /run and /var, in words (or missing)."""
    dev = [d for d in listings.get("/dev") or [] if d != "shm"]
    extra = {d: sorted(set(listings.get(d) or []) - {"lock", "tmp"}) for d in ("/run", "/var")}
    parts = []
    if dev and set(dev) <= {Path(p).name for p in confine.DEVICES}:
        parts.append(f"of /dev only {', '.join(dev)}")
    else:
        missing.append(f"a /dev of its own: sees {', '.join(dev[:8]) or 'nothing'}")
    if not any(extra.values()):
        parts.append("/run and /var out of sight (no service's socket, log or state file)")
    else:
        shown = "; ".join(f"{d}: {', '.join(v[:6])}" for d, v in extra.items() if v)
        missing.append(f"/run and /var covered: sees {shown}")
    return parts
