"""JUnit XML reports for CI: one test case per workflow, failures carrying the node-precise errors.

``validate --junit FILE`` and ``exec --project ... --junit FILE`` write one; CI servers (GitHub
Actions test reporters, GitLab's ``artifacts:reports:junit``, Jenkins' ``junit`` step) show each
workflow as a test and each failing node field as a line of its failure (docs/ci.md).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from pydantic import BaseModel


class JUnitCase(BaseModel):
    """One test case: a workflow that was validated or dry-run."""

    name: str
    classname: str
    seconds: float = 0.0
    #: None = passed; else the one-line reason (the Result's code and sentence)
    failure: str | None = None
    #: the failure's body: one line per node error (``[CODE] node.field: message``)
    details: str = ""
    output: str = ""


def error_lines(result: dict[str, Any]) -> list[str]:
    """``[CODE] node.field: message`` for every error of a Result / ExecutionResult dump."""
    data = result.get("data") if isinstance(result.get("data"), dict) else {}
    errors = result.get("errors") or (data or {}).get("errors") or []
    lines = []
    for err in errors:
        where = f"{err['nodeId']}.{err['field']}" if err.get("nodeId") else (err.get("field") or "-")
        lines.append(f"[{err.get('code')}] {where}: {err.get('message')}")
    return lines


def case_from_result(name: str, classname: str, result: dict[str, Any], seconds: float = 0.0,
                     output: str = "") -> JUnitCase:
    """A test case from a Result (or ExecutionResult) dumped as JSON."""
    if result.get("ok"):
        return JUnitCase(name=name, classname=classname, seconds=seconds, output=output)
    return JUnitCase(name=name, classname=classname, seconds=seconds, output=output,
                     failure=f"{result.get('code')}: {result.get('error')}",
                     details="\n".join(error_lines(result)))


def render(suite: str, cases: list[JUnitCase]) -> str:
    """The JUnit XML document (``<testsuites><testsuite>`` with one ``<testcase>`` per case)."""
    failures = sum(1 for c in cases if c.failure is not None)
    total = sum(c.seconds for c in cases)
    root = ET.Element("testsuites", name=suite, tests=str(len(cases)), failures=str(failures),
                      errors="0", time=f"{total:.3f}")
    element = ET.SubElement(root, "testsuite", name=suite, tests=str(len(cases)), failures=str(failures),
                            errors="0", skipped="0", time=f"{total:.3f}")
    for case in cases:
        node = ET.SubElement(element, "testcase", name=case.name, classname=case.classname,
                             time=f"{case.seconds:.3f}")
        if case.failure is not None:
            failure = ET.SubElement(node, "failure", message=case.failure, type="wwiseflowd")
            failure.text = case.details or case.failure
        if case.output:
            ET.SubElement(node, "system-out").text = case.output
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path: Path, suite: str, cases: list[JUnitCase]) -> None:
    """Write the report to ``path`` (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(suite, cases), encoding="utf-8")


__all__ = ["JUnitCase", "case_from_result", "error_lines", "render", "write"]
