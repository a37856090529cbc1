"""The one wire format between the grader and the sandbox: JSON for structure, ``.npz`` for arrays.

* A job's inputs: ``cases.json`` (every case's arguments, with each array replaced by a reference
  ``{"npy": NAME}`` into ``inputs.npz``; tuples as ``{"tuple": [...]}``, non-finite floats as
  ``{"float": "inf"}``) and ``inputs.npz``.
* A case's result: one ``.npz`` whose members are the outputs (plain ndarrays), or a single
  ``__error__`` member (a 0-d string: why there are no outputs); ``__stdout__`` and
  ``__stderr__`` hold what the case printed (at most :data:`MAX_TEXT` characters each).

Everything is written by NumPy (``np.savez``: uncompressed members) and read back by NumPy
(``np.load(..., allow_pickle=False)``); :func:`load_result` first checks the archive's member
list (count, names, sizes, no compression), so a result crafted by student code is bounded in
what it can make the grader read.  Standard library and NumPy only (it runs in the sandbox too).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np

ERROR, STDOUT, STDERR = "__error__", "__stdout__", "__stderr__"
MAX_TEXT = 4000
#: Array kinds an output may have: booleans, integers, floats, complex, strings.  (No objects,
#: structures, voids or dates: nothing a graded function returns, and nothing to trip a check.)
PLAIN_KINDS = frozenset("biufcUS")


class WireError(ValueError):
    """A result that cannot be taken as it is (says why, in one line)."""


# ------------------------------------------------------------------------------- inputs
def encode(value: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """``value`` as JSON, its arrays added to ``arrays`` (a non-contiguous array keeps its
    layout: a transpose or a strided view of a C-ordered base)."""
    if isinstance(value, np.ndarray):
        name = f"{prefix}_{len(arrays)}"
        if value.flags.c_contiguous or value.ndim < 2:
            arrays[name] = np.array(value, order="C")
            return {"npy": name}
        if value.T.flags.c_contiguous:
            arrays[name] = np.array(value.T, order="C")
            return {"npy": name, "view": "T"}
        base = np.zeros((*value.shape[:-1], 2 * value.shape[-1]), dtype=value.dtype)
        base[..., ::2] = value
        arrays[name] = base
        return {"npy": name, "view": "step"}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays, prefix) for v in value]
    if isinstance(value, dict):
        return {k: encode(v, arrays, prefix) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else {"float": str(float(value))}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def decode(obj: Any, arrays: Any) -> Any:
    """Inverse of :func:`encode`; ``arrays`` maps names to arrays (an ``NpzFile`` will do)."""
    if isinstance(obj, list):
        return [decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "npy" in obj:
        arr = np.array(arrays[obj["npy"]])  # (a fresh, writable copy for the student's code)
        if obj.get("view") == "T":
            return arr.T
        if obj.get("view") == "step":
            return arr[(slice(None),) * (arr.ndim - 1) + (slice(None, None, 2),)]
        return arr
    if "tuple" in obj:
        return tuple(decode(v, arrays) for v in obj["tuple"])
    if "float" in obj:
        return float(obj["float"])
    return {k: decode(v, arrays) for k, v in obj.items()}


# ------------------------------------------------------------------------------- results
def save(file: Any, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` (uncompressed) to a path or a binary file object."""
    np.savez(file, **arrays)  # type: ignore[arg-type]


def text(value: str) -> np.ndarray:
    """A string as the 0-d array a result carries (cut to MAX_TEXT characters)."""
    return np.array(value[:MAX_TEXT] if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3] + "...")


def load_result(data: bytes, max_members: int, max_bytes: int) -> dict[str, np.ndarray]:
    """A case's result archive, read strictly: at most ``max_members`` members of plain
    ``.npy`` arrays, stored uncompressed, at most ``max_bytes`` in all; no pickles, only the
    kinds in PLAIN_KINDS.  WireError (one line) otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise WireError(f"the result is not a readable .npz archive ({exc})") from None
    if len(members) > max_members:
        raise WireError(f"the result holds {len(members)} arrays (at most {max_members})")
    names = []
    for m in members:
        name = m.filename.removesuffix(".npy")
        if not m.filename.endswith(".npy") or not (
            name.isidentifier() or name in (ERROR, STDOUT, STDERR)
        ):
            raise WireError(f"the result has a member with an invalid name {m.filename[:40]!r}")
        if m.compress_type != zipfile.ZIP_STORED:
            raise WireError("the result has a compressed member (results are stored as written)")
        names.append(name)
    if len(set(names)) < len(names):
        raise WireError("the result names an array twice")
    if sum(m.file_size for m in members) > max_bytes:
        raise WireError(f"the outputs are larger than {max_bytes} bytes")
    out: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in names:
                arr = npz[name]
                if arr.dtype.kind not in PLAIN_KINDS or arr.dtype.fields is not None:
                    raise WireError(f"output {name} has dtype {arr.dtype}, not a plain number type")
                out[name] = arr
    except WireError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise WireError(f"the result could not be read ({str(exc)[:200]})") from None
    return out


def message(arrays: dict[str, np.ndarray], name: str) -> str | None:
    """A text member of a result (``__error__``, ``__stdout__`` ...), None if absent."""
    value = arrays.get(name)
    if value is None:
        return None
    if value.dtype.kind not in "US" or value.size != 1:
        return "(unreadable)"
    item = value.reshape(()).item()
    return (item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item))[:MAX_TEXT]
