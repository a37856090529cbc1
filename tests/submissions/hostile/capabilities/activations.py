"""Hostile canary: right values only if the child still has any way back to privilege: a
capability in any set, uid or gid 0, no no_new_privs, no seccomp filter, setuid(0) or
setgid(0) working, a user namespace of its own mapping more than one id (but its sandbox's
root and itself: an ordinary user's grader with subordinate ids), becoming dumpable again, or
(through ctypes, the import guard taken out for the import and put back) unshare, mount,
setns or chroot succeeding.  Otherwise it raises "confined: ...".  Honest score 0.
"""
import os
import sys

import numpy as np


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _ctypes():
    saved = list(sys.meta_path)
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    try:
        import ctypes
        return ctypes
    finally:
        sys.meta_path[:] = saved


def _status():
    with open("/proc/self/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def _grader_and_itself(rows):
    """The namespace of an ordinary user's grader with subordinate ids: its root (the grader's
    uid) and this process's own uid (a subordinate one), one each -- as in the root mode, the
    child is not root in the namespace its sandbox's root made."""
    mine = str(os.getuid())
    return mine != "0" and sorted((r[0], r[2]) for r in rows) == sorted([("0", "1"), (mine, "1")])


def _privilege():
    st = _status()
    found = [k for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb") if int(st[k], 16)]
    if st.get("NoNewPrivs") != "1":
        found.append("no_new_privs unset")
    if st.get("Seccomp") != "2":
        found.append("no seccomp filter")
    if 0 in (os.getuid(), os.geteuid(), os.getgid(), os.getegid()):
        found.append("uid or gid 0")
    for fn in (os.setuid, os.setgid):
        try:
            fn(0)
            found.append(fn.__name__)
        except OSError:
            pass
    with open("/proc/self/uid_map") as f:
        rows = [line.split() for line in f]
    whole = rows == [["0", "0", "4294967295"]]
    if not whole and sum(int(r[2]) for r in rows) > 1 and not _grader_and_itself(rows):
        found.append("a user namespace that maps more than one uid")
    ctypes = _ctypes()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 1, 0, 0, 0) == 0:  # PR_SET_DUMPABLE
        found.append("dumpable again")
    if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
        found.append("unshare")
    if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0:
        found.append("mount")
    if libc.chroot(b"/tmp") == 0:
        found.append("chroot")
    try:
        if libc.setns(os.open("/proc/self/ns/mnt", os.O_RDONLY), 0) == 0:
            found.append("setns")
    except OSError:
        pass
    return found


def sigmoid(x):
    found = _privilege()
    if not found:
        raise PermissionError("confined: no capability, no way back")
    print("privilege:", found)
    return _good(x)
