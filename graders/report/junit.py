"""JUnit XML: one test case per item, a failure element with the feedback when it lost points."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from graders.report.feedback import item_text
from graders.score import SubmissionResult


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
        ET.SubElement(props, "property", name=key, value=str(value))
    for item in result.items:
        module, _, name = item.name.partition(".")
        case = ET.SubElement(
            suite, "testcase", classname=module, name=name, time=f"{item.elapsed:.3f}"
        )
        if item.status != "passed":
            fail = ET.SubElement(
                case, "failure", message=f"{item.score:g}/{item.points:g} {item.status}"
            )
            fail.text = item_text(item)
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )
