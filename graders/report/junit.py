"""JUnit XML: one test case per item, a failure element with the feedback when it lost points."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from graders.report.feedback import item_text
from graders.score import SubmissionResult

#: What XML 1.0 cannot hold at all, escaped or not (its ``Char`` production).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (ElementTree escapes the rest)."""
    return _NOT_XML.sub("", text)


def render(result: SubmissionResult) -> str:
    failures = sum(1 for i in result.items if i.status != "passed")
    suite = ET.Element(
        "testsuite",
        name="graders",
        tests=str(len(result.items)),
        failures=str(failures),
        time=f"{result.execution_time:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in [
        *result.environment.items(),
        ("score", f"{result.score:g}"),
        ("max_score", f"{result.max_score:g}"),
    ]:
        ET.SubElement(props, "property", name=_xml(key), value=_xml(str(value)))
    for item in result.items:
        module, _, name = item.name.partition(".")
        case = ET.SubElement(
            suite, "testcase", classname=module, name=name, time=f"{item.elapsed:.3f}"
        )
        if item.status != "passed":
            fail = ET.SubElement(
                case, "failure", message=f"{item.score:g}/{item.points:g} {item.status}"
            )
            fail.text = _xml(item_text(item))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )
