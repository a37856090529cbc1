"""Hostile canary: reach the host's services and devices.  Right values only if one of these
works: opening a socket of any family (through ``socket`` with the import guard removed, or
``socket(2)`` through ctypes); connecting to a Unix socket in sight -- the test serves one at
``/run/dlgrade-hostile-service.sock`` (mode 0666), where the docker daemon's socket or a D-Bus
bus would be on a real machine; opening a device other than null, zero, full, random and
urandom (a terminal, ``/dev/kmsg``, ``/dev/fuse``, ``/dev/net/tun``, a disk ...); listing
anything in ``/run`` or ``/var`` but ``lock`` and ``tmp``.  Honest score 0.
"""
import os
import stat
import sys

import numpy as np

SERVICE = "/run/dlgrade-hostile-service.sock"
HARMLESS = {"null", "zero", "full", "random", "urandom", "shm"}


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _socket_module():
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    try:
        import socket
    except BaseException:
        return None
    return socket


def _ctypes_socket():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(1, 1, 0)  # AF_UNIX, SOCK_STREAM
    except BaseException:
        return False
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def _sockets_in_sight(budget=3000):
    found = [SERVICE]
    for top in ("/run", "/var", "/tmp", "/dev", "/etc"):
        for root, dirs, files in os.walk(top):
            budget -= 1 + len(files)
            if budget < 0:
                return found
            for name in files:
                path = os.path.join(root, name)
                try:
                    if stat.S_ISSOCK(os.lstat(path).st_mode):
                        found.append(path)
                except OSError:
                    pass
    return found


def _connected(socket):
    for path in _sockets_in_sight():
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError:
            return False
        try:
            s.settimeout(1.0)
            s.connect(path)
            return True
        except OSError:
            continue
        finally:
            s.close()
    return False


def _devices():
    try:
        names = os.listdir("/dev")
    except OSError:
        return False
    for name in names:
        path = os.path.join("/dev", name)
        if name in HARMLESS or os.path.isdir(path):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError:
            continue
        os.close(fd)
        return True
    return False


def _state_files():
    for top, usual in (("/run", {"lock"}), ("/var", {"tmp"})):
        try:
            if set(os.listdir(top)) - usual:
                return True
        except OSError:
            pass
    return False


def reached():
    socket = _socket_module()
    opened = False
    if socket is not None:
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
            opened = True
        except OSError:
            pass
    return (
        opened
        or _ctypes_socket()
        or (socket is not None and _connected(socket))
        or _devices()
        or _state_files()
    )


def sigmoid(x):
    if not reached():
        raise RuntimeError("no host service in reach")
    return _good(x)
