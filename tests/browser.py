"""A headless Chromium driven over the DevTools protocol, for the HTML report's tests.

Chromium (Debian's ``chromium``; ``.ci/run`` installs it) runs with ``--remote-debugging-pipe``:
commands go to its file descriptor 3 and answers come from 4, each a JSON message ended by a NUL
byte.  :class:`Browser` opens one page, sets the viewport (a laptop's or a phone's), evaluates
JavaScript in it and takes screenshots.  Nothing is fetched from the network.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: Headless Chromium's flags for a one-shot run (--dump-dom, --screenshot).
HEADLESS = (
    "--headless",
    "--no-sandbox",  # (as root, Chromium's own sandbox cannot start)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
#: ... and for a page driven over the DevTools pipe (:class:`Browser`).
FLAGS = (*HEADLESS, "--remote-debugging-pipe")


def chromium() -> str | None:
    """The Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium with one page open."""

    def __init__(self, url: str) -> None:
        exe = chromium()
        if exe is None:
            raise RuntimeError("no chromium")
        self.profile = tempfile.mkdtemp(prefix="dlgrade-chromium-")
        to_chrome, self._send = os.pipe()
        self._recv, from_chrome = os.pipe()

        def fds() -> None:  # (copies first: a pipe's own descriptor may be 3 or 4)
            high = [os.dup(to_chrome), os.dup(from_chrome)]
            for target, fd in zip((3, 4), high, strict=True):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=fds,  # (dup2 gives inheritable copies; the rest closes on exec)
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
        self.session = attached["sessionId"]
        self.call("Page.navigate", True, url=url)
        self.wait_loaded(url)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send a command; its result (events that arrive meanwhile are dropped)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._recv, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium went away")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def js(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value)."""
        result = self.call("Runtime.evaluate", True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_loaded(self, url: str, timeout: float = 30.0) -> None:
        """Until ``url`` is the page and it has loaded."""
        end = time.monotonic() + timeout
        probe = f"document.readyState === 'complete' && location.href === {json.dumps(url)}"
        while time.monotonic() < end:
            if self.js(probe):
                return
            time.sleep(0.05)
        raise RuntimeError("the page did not load")

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.js("window.scrollTo(0, 0)")

    def screenshot(self, path: Path) -> Path:
        """The visible part of the page as a PNG."""
        data = self.call("Page.captureScreenshot", True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        message = {"id": self._next + 1, "method": "Browser.close", "params": {}}
        with contextlib.suppress(OSError):  # (no answer is awaited: the browser exits)
            os.write(self._send, json.dumps(message).encode() + b"\0")
        for fd in (self._send, self._recv):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
