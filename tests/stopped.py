"""A process's output read slowly while the process is stopped and continued again and again
(as Ctrl-Z and ``fg`` do, or a debugger, or a paused container): a write into the full pipe is
then cut short, and what was not taken must follow."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time


def read_while_stopping(proc: subprocess.Popen[bytes], timeout: float = 120) -> bytes:
    """All of ``proc``'s stdout, read 4 KiB every 2 ms, while its process group (it must lead
    one: ``start_new_session=True``) is stopped and continued every 3 ms; then it is waited
    for."""
    assert proc.stdout is not None
    done = threading.Event()

    def stop_and_continue() -> None:
        while not done.wait(0.003):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGSTOP)
                time.sleep(0.001)
                os.killpg(proc.pid, signal.SIGCONT)

    threading.Thread(target=stop_and_continue, daemon=True).start()
    chunks = []
    try:
        while chunk := os.read(proc.stdout.fileno(), 4096):
            chunks.append(chunk)
            time.sleep(0.002)
    finally:
        done.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGCONT)
        proc.wait(timeout=timeout)
    return b"".join(chunks)
