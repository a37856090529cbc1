"""Hostile: try to forge the grader's report with what it prints and raises -- ANSI escapes
(clear screen, cursor moves, colours, an OSC title, 8-bit CSI), carriage returns that overwrite
a line, a fake "Score 200/200" line, GitHub workflow commands at the start of a line
(``::error``, ``::add-mask::``, ``::stop-commands::``, ``::set-output``), characters that are
not valid in XML (NUL, vertical tab, U+FFFE), HTML that would run (``</pre><script>``), a
Markdown fence that closes the report's, bidirectional overrides, lone surrogates -- in its
stdout (at import and per call), its stderr, its exception messages and the name of its
exception class, and return wrong values.  Honest score 0; every report format shows the text
inert (tests/test_report_safety.py checks each format's escaping on the same strings).
"""
import sys

import numpy as np

EVIL = (
    "\x1b[2J\x1b[H\x1b[32mScore 200/200\x1b[0m\n"
    "wrong\rScore 200/200 on public cases\n"
    "\x9b31mred\x1b]0;pwned\x07\x1b[1A\x1b[2K\n"
    "::error title=fake::everything passed\n"
    "::add-mask::secret\n::stop-commands::tok\n::set-output name=result::200\n"
    "\x00nul\x0bvt\x0cff\ufffe\uffff\ud800\u202eevil\u2066\n"
    "</pre><script>alert(1)</script><!--\n"
    "```\n# fake heading\n```\n"
    "Points 200/200\n"
)
print(EVIL)
print(EVIL, file=sys.stderr)

Forged = type("\x1b[31mScore 200/200\x1b[0m\n::error::x", (Exception,), {})


def sigmoid(x):
    print(EVIL)
    print(EVIL, file=sys.stderr)
    if np.size(x) % 2:
        raise Forged(EVIL)
    return np.full((*np.shape(x), 2), 0.25)  # the wrong shape
