"""Text from a submission inside Markdown (Gradescope's ``output``, a GitHub job summary),
rendered as the literal text, never as markup.

Every function cleans first (:func:`graders.text.clean`: no escape sequence or control
character), then:

* :func:`literal` -- one line in running text: ``<``, ``>`` and ``&`` as HTML entities (no raw
  HTML), every other ASCII punctuation character escaped with a backslash (CommonMark lets a
  backslash escape any: no link, emphasis, code span, heading, list item or table cell border);
* :func:`code` -- one line as a code span whose fence is longer than any run of backticks inside
  (in a table cell, its ``|`` escaped);
* :func:`fenced` -- many lines as a code block whose fence no line of them can close.
"""

from __future__ import annotations

import re

from graders.text import clean

#: Markdown's special characters: ASCII punctuation.
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _longest_backticks(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def literal(text: str) -> str:
    """``text`` on one line, escaped to render as itself."""
    return _PUNCTUATION.sub(lambda m: _ENTITIES.get(m[0], "\\" + m[0]), clean(text, one_line=True))


def code(text: str, in_table: bool = False) -> str:
    """``text`` on one line as a code span; a space on either side keeps a backtick at an end
    apart from the fence (CommonMark strips one space each side).  ``in_table``: for a cell of
    a GitHub table, which splits at every ``|`` not escaped, even in a code span (the table
    takes the backslash away)."""
    text = clean(text, one_line=True)
    fence = "`" * (1 + _longest_backticks(text))
    span = f"{fence} {text} {fence}"
    return span.replace("|", "\\|") if in_table else span


def fenced(text: str) -> str:
    """``text`` in a code block (``text`` as its info string)."""
    text = clean(text)
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}text\n{text}\n{fence}"
