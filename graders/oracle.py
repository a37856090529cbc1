"""Phase 3, oracle: torch computes the expected outputs, in float64, in the grader's process.

``--device`` picks where: ``cpu``, ``cuda`` or ``auto`` (CUDA when present).  On CUDA, TF32 is
switched off so float64/float32 matmuls are what they claim to be.  Expected values are cached on
disk (``.grader-cache/``), keyed by torch version, device, item, the registry's source and the
cases' inputs, so a second run of the same grade need not import torch at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch as torch_t

    from graders.registry import Case, Item

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("GRADER_CACHE_DIR", REPO / ".grader-cache"))


class DeviceError(ValueError):
    """The requested device is not available."""


@cache
def torch() -> Any:
    """Import torch on first use, configured for a strict float64 oracle."""
    import torch as t

    t.backends.cuda.matmul.allow_tf32 = False
    t.backends.cudnn.allow_tf32 = False
    t.set_num_threads(1)
    return t


def _nvidia_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def resolve_device(device: str) -> str:
    """'cpu' or 'cuda' for the ``--device`` option; DeviceError if CUDA is asked for but absent."""
    if device == "cpu":
        return "cpu"
    if device not in ("cuda", "auto"):
        raise DeviceError(f"unknown device '{device}' (choose cpu, cuda or auto)")
    available = _nvidia_present() and bool(torch().cuda.is_available())
    if device == "cuda" and not available:
        raise DeviceError("--device cuda: no CUDA device is available on this machine")
    return "cuda" if available else "cpu"


def versions(device: str) -> dict[str, str]:
    """Library versions and the device, stated in every report."""
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": _torch_version(),
        "device": device,
        "platform": f"{platform.system()} {platform.machine()}",
    }
    if device == "cuda":
        t = torch()
        info["cuda"] = str(t.version.cuda)
        info["gpu"] = t.cuda.get_device_name(0)
        info["tf32"] = "off"
    return info


def tensor(x: Any, device: str, requires_grad: bool = False) -> torch_t.Tensor:
    """A float64 (or integer) torch tensor of ``x`` on ``device``."""
    t = torch()
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        out = t.tensor(arr.astype(np.float64), dtype=t.float64, device=device)
        return out.requires_grad_(requires_grad)
    if arr.dtype.kind == "b":
        return t.tensor(arr, dtype=t.bool, device=device)
    return t.tensor(arr.astype(np.int64), dtype=t.int64, device=device)


def numpy(t: torch_t.Tensor, like: Any = None) -> np.ndarray:
    """Back to NumPy; cast to ``like``'s float dtype (the student's input dtype) if given."""
    out = t.detach().cpu().numpy()
    if like is not None:
        dtype = np.asarray(like).dtype
        if dtype.kind == "f":
            out = out.astype(dtype)
    return np.asarray(out)


# --------------------------------------------------------------------------------- caching
@cache
def _torch_version() -> str:
    return metadata.version("torch")


@cache
def _source_hash(module: str) -> str:
    h = hashlib.sha256()
    for name in (f"registry/{module}.py", "oracle.py"):
        path = REPO / "graders" / name
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_key(item: Item, cases: list[Case], device: str) -> str:
    """Identifies an item's expected outputs: torch version, device, sources, inputs."""
    h = hashlib.sha256()
    h.update(f"{_torch_version()}|{device}|{item.name}|".encode())
    h.update(_source_hash(item.module).encode())
    for case in cases:
        h.update(case.name.encode())
        # Inputs by value (pickle is only hashed here, never loaded): C-speed and deterministic.
        h.update(pickle.dumps((case.args, case.kwargs, case.spec, case.data), protocol=5))
    return h.hexdigest()[:32]


class ExpectedCache:
    """Expected outputs of whole items on disk: per item and inputs, one file holding a JSON
    index (name, dtype, shape, offset of every array) and the arrays' raw bytes.  No pickles;
    loading is one read and a few ``frombuffer`` views."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.bin"

    def empty(self) -> bool:
        """Whether there is no entry at all (a first run: every expected value is computed)."""
        if self.directory is None or not self.directory.is_dir():
            return True
        return not any(p.suffix == ".bin" for p in self.directory.iterdir())

    def has(self, key: str) -> bool:
        """Whether an entry for ``key`` exists (it may still fail to load)."""
        path = self._path(key)
        return path is not None and path.is_file()

    def load(self, key: str) -> list[dict[str, Any]] | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
            hlen = int.from_bytes(data[:8], "little")
            index = json.loads(data[8 : 8 + hlen])
            base = 8 + hlen
            out = []
            for entries in index:
                case = {}
                for name, dtype, shape, offset, size in entries:
                    raw = data[base + offset : base + offset + size]
                    case[name] = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape)
                out.append(case)
            return out
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None

    def store(self, key: str, expected: list[dict[str, Any]]) -> None:
        path = self._path(key)
        if path is None:
            return
        index, chunks, offset = [], [], 0
        for exp in expected:
            entries = []
            for name, value in exp.items():
                arr = np.asarray(value)  # (ascontiguousarray would make 0-d arrays 1-d)
                if arr.dtype.hasobject:
                    return  # not cacheable; recomputed next time
                raw = arr.tobytes()
                entries.append([name, arr.dtype.str, list(arr.shape), offset, len(raw)])
                chunks.append(raw)
                offset += len(raw)
            index.append(entries)
        header = json.dumps(index).encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header)
                f.writelines(chunks)
            tmp.replace(path)
        except OSError as exc:  # a read-only checkout: grading goes on without the cache
            print(f"note: could not write the oracle cache ({exc.strerror})", file=sys.stderr)


def compute_expected(item: Item, cases: list[Case], device: str) -> list[dict[str, Any]]:
    """Run the item's oracle on every case (torch imported on first use)."""
    return [item.oracle(case, device) for case in cases]
