"""Phase 3, expected outputs for one grading: from the oracle's cache, or computed with torch.

:class:`OracleThread` delivers them beside the sandbox.  Where the cache may be used, what it
lacks is computed by a process of its own (``python -m graders.expected``), which stores each
item in the cache and names it on its output as it goes: torch's import (about a second) and
the oracle's Python-heavy work then run on their own core instead of sharing the grader's
interpreter lock with its judging and the sandbox's bookkeeping.  Without the cache (or if that
process fails) the thread computes them itself, so any error of the oracle surfaces there.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graders import oracle

if TYPE_CHECKING:
    from graders.engine import Plan


#: How the oracle process is started.
ORACLE_COMMAND = [sys.executable, "-m", "graders.expected"]


class OracleThread(threading.Thread):
    """The expected outputs of every plan, loaded or computed while the sandbox works.

    The cache is read or written only once :meth:`allow_cache` says it is safe (the sandbox
    knows: a child must be unable to reach it); the oracle process may start computing before.
    The name of each item whose expected outputs are ready comes out of ``done``, then
    ``None``; an error is kept in ``error`` and raised by :meth:`finish`."""

    def __init__(
        self,
        plans: list[Plan],
        device: str,
        cache_dir: Path | None,
        seeds: tuple[int, int | None],
    ) -> None:
        super().__init__(name="oracle", daemon=True)
        self.plans, self.device, self.cache_dir, self.seeds = plans, device, cache_dir, seeds
        self.expected: dict[str, list[dict[str, Any]]] = {}
        self.done: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self._cache_ok = False
        self._decided = threading.Event()
        self._abandoned = False
        self._server: subprocess.Popen[str] | None = None

    def allow_cache(self, ok: bool) -> None:
        self._cache_ok = ok
        self._decided.set()

    def run(self) -> None:
        try:
            # An empty cache (a first run): the oracle process starts at once, since it needs
            # a second or two; it waits for the cache decision before it stores anything.
            early = self.cache_dir is not None and oracle.ExpectedCache(self.cache_dir).empty()
            announced = self._serve(self.plans) if early else _Announced()
            # (Nothing heavy in this process before the grading thread has its children
            # running: the two share one interpreter lock.)
            self._decided.wait()
            keys = [oracle.cache_key(p.item, p.cases, self.device) for p in self.plans]
            store = oracle.ExpectedCache(self.cache_dir if self._cache_ok else None)
            if not early and store.directory is not None:
                pairs = zip(self.plans, keys, strict=True)
                announced = self._serve([p for p, k in pairs if not store.has(k)])
            self._release(store.directory)
            for p, key in zip(self.plans, keys, strict=True):
                stored = announced.get(p.item.name, key) == key
                if self._abandoned:
                    break
                cached = store.load(key) if stored else None
                if cached is None or len(cached) != len(p.cases):
                    cached = oracle.compute_expected(p.item, p.cases, self.device)
                    store.store(key, cached)
                self.expected[p.item.name] = cached
                self.done.put(p.item.name)
        except BaseException as exc:  # raised in the grading thread by finish()
            self.error = exc
        finally:
            self._stop_server()
            self.done.put(None)

    def _serve(self, plans: list[Plan]) -> _Announced:
        """Start the oracle process on these items; the keys it announces, waited for item by
        item (nothing to wait for if there is nothing to compute or it cannot start)."""
        if not plans:
            return _Announced()
        seed, hidden_seed = self.seeds
        request = {
            "items": [p.item.name for p in plans],
            "seed": seed,
            "hidden_seed": hidden_seed,
            "device": self.device,
        }
        try:
            self._server = subprocess.Popen(
                ORACLE_COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # (on failure the thread recomputes, and says why)
                text=True,
            )
            assert self._server.stdin is not None
            self._server.stdin.write(json.dumps(request) + "\n")
            self._server.stdin.flush()
        except OSError:
            self._stop_server()
            return _Announced()
        return _Announced(self._server, {p.item.name for p in plans})

    def _release(self, cache_dir: Path | None) -> None:
        """Tell the oracle process where to store (None: nowhere, it stops)."""
        if self._server is not None and self._server.stdin is not None:
            with contextlib.suppress(OSError):
                self._server.stdin.write(json.dumps({"cache_dir": cache_dir and str(cache_dir)}))
                self._server.stdin.close()

    def _stop_server(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.kill()
            self._server.wait()
            if self._server.stdout is not None:
                self._server.stdout.close()
            self._server = None

    def finish(self) -> None:
        """Wait for the thread; raise what it raised."""
        self.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """The grading failed: stop the thread (and the oracle process) and wait for it."""
        self._abandoned = True
        server = self._server
        if server is not None:
            with contextlib.suppress(OSError):
                server.kill()  # (its output ends: the thread stops at the next item)
        self._decided.set()
        self.join()


class _Announced:
    """The oracle process's ``NAME KEY`` lines, read as far as needed: ``get(name, default)``
    waits until ``name`` is announced, if it is one of ``names``; ``""`` if the process ended
    without announcing it (then it is computed here), ``default`` for any other name."""

    def __init__(
        self, server: subprocess.Popen[str] | None = None, names: set[str] | None = None
    ) -> None:
        self.server, self.names = server, names or set()
        self.keys: dict[str, str] = {}

    def get(self, name: str, default: str) -> str:
        if name not in self.names:
            return default
        while name not in self.keys and self.server is not None:
            line = self.server.stdout.readline() if self.server.stdout is not None else ""
            if not line:  # ended (or failed)
                self.server = None
                break
            parts = line.split()
            if len(parts) == 2:
                self.keys[parts[0]] = parts[1]
        return self.keys.get(name, "")


def main() -> None:
    """The oracle process: a JSON request on stdin (items, seeds, device), later a second line
    saying where to store (``{"cache_dir": null}``: stop); ``NAME KEY`` lines out as each
    item's expected outputs are stored in the cache."""
    from graders import engine, registry

    request = json.loads(sys.stdin.readline())
    items = [registry.BY_NAME[name] for name in request["items"]]
    store: oracle.ExpectedCache | None = None
    for p in engine.plan(items, request["seed"], request["hidden_seed"]):
        key = oracle.cache_key(p.item, p.cases, request["device"])
        expected = oracle.compute_expected(p.item, p.cases, request["device"])
        if store is None:
            cache_dir = json.loads(sys.stdin.readline() or "{}").get("cache_dir")
            if not cache_dir:
                return
            store = oracle.ExpectedCache(Path(cache_dir))
        store.store(key, expected)
        print(p.item.name, key, flush=True)


if __name__ == "__main__":
    main()
