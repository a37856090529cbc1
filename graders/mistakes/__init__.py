"""The catalogue of known mistakes: what students really get wrong, each described once.

A :class:`Mistake` names the graded item whose failure it explains, says in a line what the
mistake is and what it does (``what``, ``why``) and where the handbook covers it (``doc``).  Most
also have a runnable form, ``code``: the mistaken definition itself (a top-level ``def``, or a
method of the class ``cls``), plain NumPy, as a student writes it.  That one text serves twice:

* the planted-bug tests (``tests/planted_bugs*.py``) plant it into the reference and check that
  the grader takes points off exactly the right items, with the right reason;
* the diagnosis (:mod:`graders.mistakes.diagnosis`) runs it, grader-side, on the inputs of an
  item that failed, and names the mistake when it reproduces what the student's code did
  ("this matches a known mistake: softmax without subtracting the max, which overflows for
  large inputs; see docs/activations.md#softmax").

The code is the grader's own: it runs in the grader's process, only for items that failed,
and never changes a score.  Each subject module (``activations``, ``initializers``, ``losses``,
``optimizers``) holds its mistakes (``MISTAKES``) and the plain helpers their code calls
(``namespace()``: what the reference module would provide, e.g. ``calculate_gain``).
"""

from __future__ import annotations

import importlib
import types
from dataclasses import dataclass
from typing import Any

SUBJECTS = ("activations", "initializers", "losses", "optimizers", "layers")


@dataclass(frozen=True)
class Mistake:
    """One known mistake.

    ``item``: the item whose failure it explains (``"activations.softmax"``); ``items``: every
    item its code can be run for (default: ``item`` alone; Adam's ``step`` serves AdamW too).
    ``code``: the mistaken ``def`` (a method of ``cls`` when ``cls`` is set), or "" when the
    mistake has no runnable form (it needs code the grader does not have, e.g. a private helper
    of the reference).  ``doc``: a handbook anchor (default ``docs/<module>.md#<function>``, a
    derivative's or an update's under its function's section).
    """

    name: str
    item: str
    what: str
    why: str
    code: str = ""
    cls: str | None = None
    items: tuple[str, ...] = ()
    doc: str = ""

    @property
    def module(self) -> str:
        return self.item.split(".", 1)[0]

    @property
    def runnable_for(self) -> tuple[str, ...]:
        """The items the diagnosis may run this mistake for."""
        return (self.items or (self.item,)) if self.code else ()

    @property
    def anchor(self) -> str:
        if self.doc:
            return self.doc
        function = self.item.split(".", 1)[1].removesuffix("_grad").removesuffix("_update")
        return f"docs/{self.module}.md#{function.lower()}"

    def line(self) -> str:
        """The sentence the feedback shows."""
        return f"this matches a known mistake: {self.what}, {self.why}; see {self.anchor}"

    def namespace(self) -> types.SimpleNamespace:
        """The mistaken code run in its subject's helpers: what a driver calls in place of the
        student's module (``getattr(ns, "softmax")``, ``ns.Parameter``, ``ns.Adam``)."""
        subject = importlib.import_module(f"graders.mistakes.{self.module}")
        ns: dict[str, Any] = subject.namespace()
        if self.cls is None:
            exec(compile(self.code, f"<mistake {self.name}>", "exec"), ns)
        else:
            ns.update(subject.with_method(ns, self.cls, self.code, self.name))
        return types.SimpleNamespace(**{k: v for k, v in ns.items() if not k.startswith("__")})


def _collect() -> tuple[Mistake, ...]:
    found: list[Mistake] = []
    for subject in SUBJECTS:
        found.extend(importlib.import_module(f"graders.mistakes.{subject}").MISTAKES)
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise ValueError("duplicate mistake names in the catalogue")
    return tuple(found)


CATALOGUE: tuple[Mistake, ...] = _collect()
BY_NAME: dict[str, Mistake] = {m.name: m for m in CATALOGUE}


def for_item(item: str) -> list[Mistake]:
    """The runnable mistakes that may explain a failure of ``item``, in catalogue order."""
    return [m for m in CATALOGUE if item in m.runnable_for]


def code(name: str) -> str:
    """The code of mistake ``name`` (what a planted bug plants)."""
    return BY_NAME[name].code
