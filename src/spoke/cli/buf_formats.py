"""Findings printed as ``buf`` prints them (``--error-format``): the same bytes, so a CI
step that reads buf's output reads ours. A finding without a file (a deleted file or
package) has no ``path`` key in JSON and is ``<input>`` elsewhere, as in buf."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

NO_FILE = "<input>"

#: buf's JSON keys, in its order (Go's encoding/json prints struct fields in order).
_KEYS = ("path", "start_line", "start_column", "end_line", "end_column", "type", "message")

# Go's encoding/json escapes these inside strings (HTML safety) where orjson keeps them:
# ``a -> b`` in a message is ``a -\u003e b`` in buf's output.
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def as_json(finding: Mapping[str, Any]) -> str:
    """One line of ``--error-format json``."""
    shaped = {key: finding[key] for key in _KEYS if finding.get(key) is not None}
    if not shaped.get("path"):
        shaped.pop("path", None)
    text = orjson.dumps(shaped).decode()
    for char, escape in _GO_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def as_text(finding: Mapping[str, Any]) -> str:
    """``--error-format text`` (buf's default): ``path:line:column:message``."""
    where = finding.get("path") or NO_FILE
    return f"{where}:{finding['start_line']}:{finding['start_column']}:{finding['message']}"


def as_msvs(finding: Mapping[str, Any]) -> str:
    """``--error-format msvs``: Visual Studio's ``path(line,column) : error TYPE : message``."""
    where = finding.get("path") or NO_FILE
    return (
        f"{where}({finding['start_line']},{finding['start_column']}) : "
        f"error {finding['type']} : {finding['message']}"
    )


def as_github_actions(finding: Mapping[str, Any]) -> str:
    """``--error-format github-actions``: a workflow command that annotates the line (no
    line when there is no file, as buf prints it)."""
    path = finding.get("path")
    if not path:
        return f"::error file={NO_FILE}::{_escape_data(finding['message'])}"
    return (
        f"::error file={_escape_property(path)},line={finding['start_line']},"
        f"col={finding['start_column']},endLine={finding['end_line']},"
        f"endColumn={finding['end_column']}::{_escape_data(finding['message'])}"
    )


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping (a newline would end the command).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


FORMATS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "text": as_text,
    "json": as_json,
    "msvs": as_msvs,
    "github-actions": as_github_actions,
}
