"""Text that comes from a submission (what its code printed, its exception messages, the names it
chose), made safe to show in any report.

:func:`clean` removes terminal escape sequences (ECMA-48: CSI ``ESC [`` ... and its 8-bit form,
OSC ``ESC ]`` ... up to BEL or ST, DCS/SOS/PM/APC strings, two-byte ``ESC x`` codes) and every
character a reader does not see as text: C0 and C1 controls but newline and tab, surrogates,
format characters (bidirectional overrides, zero-width ones), unassigned code points, line and
paragraph separators.  A carriage return becomes a newline (it would otherwise let a line
overwrite what the grader printed before it), so printed text cannot move the cursor, recolour
the terminal, hide itself or redraw a line.  ``one_line=True`` also turns newlines into a
visible ``\\n`` (for a message that a report shows after a label on one line).  Each renderer
then escapes for its own format (XML, HTML, workflow commands).
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]?",  # any other escape (and a lone ESC)
    re.DOTALL,
)
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HIDDEN = frozenset({"Cc", "Cs", "Cf", "Cn", "Co", "Zl", "Zp"})


def _visible(ch: str) -> bool:
    return ch in "\n\t" or unicodedata.category(ch) not in _HIDDEN


def clean(text: str, one_line: bool = False) -> str:
    """``text`` without escape sequences and invisible characters (see the module's doc)."""
    text = _ESCAPES.sub("", text.replace("\r\n", "\n")).replace("\r", "\n")
    if text.isascii():
        text = _ASCII_CONTROL.sub("", text)
    else:
        text = "".join(ch for ch in text if _visible(ch))
    if one_line:
        text = text.replace("\n", "\\n").replace("\t", " ")
    return text


def indented(text: str, prefix: str = "  | ") -> str:
    """Every line of ``text`` behind ``prefix``: what a submission printed never starts a line
    of a report (so it cannot pass for one of the grader's lines, a score line included)."""
    return "\n".join(prefix + line for line in text.split("\n"))


def printable(name: str) -> str:
    """A name the submission chose (a file's, a folder's), printable, on one line and still
    telling every name apart: a byte that is not UTF-8 (``os.fsdecode`` gave it as a
    surrogate) as ``\\xff``, a character that :func:`clean` would take out or change (an
    escape sequence's ESC, a control character, a line break, an invisible one) as its code,
    ``\\x1b`` or ``\\u200b``, and a backslash doubled; so :func:`clean` leaves it as it is, and
    no two names are shown alike (every backslash starts an escape; ``\\xNN`` is a character
    below 80, a byte from 80 on)."""
    return "".join(map(_printable_char, name))


def _printable_char(ch: str) -> str:
    code = ord(ch)
    if ch == "\\":
        return "\\\\"
    if 0xDC80 <= code <= 0xDCFF:  # (os.fsdecode's surrogateescape: the byte code - 0xDC00)
        return f"\\x{code - 0xDC00:02x}"
    if clean(ch, one_line=True) == ch:
        return ch
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
