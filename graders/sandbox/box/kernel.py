"""The few Linux system calls the sandbox needs that Python does not offer (mount, unshare,
prctl, capset, seccomp), through ``ctypes``, bound once in the zygote before any student code.

Every call raises ``OSError`` with the kernel's errno when it fails.  Numbers and structures are
from the kernel's UAPI headers (``linux/prctl.h``, ``linux/capability.h``, ``linux/mount.h``,
``linux/seccomp.h``, ``linux/filter.h``); ``mount_setattr`` (Linux 5.12) is called by number, as
the C library may not wrap it.  Standard library only.
"""

from __future__ import annotations

import os
from typing import Any

PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PR_SET_CHILD_SUBREAPER = 36
SECCOMP_MODE_FILTER = 2
CAP_VERSION_3 = 0x20080522
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
SYS_MOUNT_SETATTR = 442

_libc: Any = None
_ctypes: Any = None


def load() -> None:
    """Bind the C library (in the zygote, once; children inherit the binding)."""
    global _libc, _ctypes
    import ctypes

    _ctypes = ctypes
    _libc = ctypes.CDLL(None, use_errno=True)
    for name in ("mount", "umount2", "unshare", "prctl", "syscall", "capset"):
        getattr(_libc, name).restype = ctypes.c_int
    _libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    _libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    _libc.unshare.argtypes = [ctypes.c_int]


def loaded() -> bool:
    return _libc is not None


def _check(result: int, what: str) -> None:
    if result != 0:
        err = _ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)),
        f"mount {fstype or 'bind'} on {target}",
    )


def umount_detached(target: str) -> None:
    """``umount2(target, MNT_DETACH)``: gone from the tree now, freed when no one uses it."""
    _check(_libc.umount2(_b(target), 2), f"umount {target}")


def socket_opens() -> bool:
    """Whether ``socket(AF_UNIX, SOCK_STREAM, 0)`` succeeds here (the socket is closed at once)."""
    fd = int(_libc.socket(1, 1, 0))
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    result = _libc.prctl(option, arg2, arg3, 0, 0)
    if result < 0:
        _check(result, f"prctl {option}")
    return int(result)


def mount_setattr(path: str, set_flags: int, recursive: bool) -> None:
    """``mount_setattr(AT_FDCWD, path, AT_RECURSIVE?, {attr_set}, sizeof)``."""
    attr = (_ctypes.c_uint64 * 4)(set_flags, 0, 0, 0)  # attr_set, attr_clr, propagation, userns
    result = _libc.syscall(
        _ctypes.c_long(SYS_MOUNT_SETATTR),
        _ctypes.c_int(-100),  # AT_FDCWD
        _b(path),
        _ctypes.c_uint(AT_RECURSIVE if recursive else 0),
        _ctypes.byref(attr),
        _ctypes.c_size_t(_ctypes.sizeof(attr)),
    )
    _check(result, f"mount_setattr {path}")


def drop_bounding_set(last_cap: int) -> None:
    """Empty the bounding and ambient sets (needs CAP_SETPCAP: before anything else drops)."""
    for cap in range(last_cap + 1):
        prctl(PR_CAPBSET_DROP, cap)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)


def clear_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets."""
    header = (_ctypes.c_uint32 * 2)(CAP_VERSION_3, 0)
    data = (_ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable}, all zero
    _check(_libc.capset(_ctypes.byref(header), _ctypes.byref(data)), "capset")


def load_seccomp(program: bytes) -> None:
    """Install a seccomp filter (``struct sock_fprog`` over the program's instructions); needs
    no_new_privs (or CAP_SYS_ADMIN)."""
    ctypes = _ctypes

    class Fprog(ctypes.Structure):  # type: ignore[name-defined]
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]  # noqa: RUF012

    buf = ctypes.create_string_buffer(program, len(program))
    prog = Fprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(
        _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0),
        "seccomp",
    )
