"""A finding of a breaking or lint check, in ``buf``'s shapes (JSON and text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Span:
    """Where an element is in its file: 1-based lines and columns, end column exclusive,
    as buf prints them."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, span: Sequence[int]) -> Span:
        """From a ``SourceCodeInfo.Location.span``: 0-based ``[line, col, end_line,
        end_col]``, or ``[line, col, end_col]`` on one line."""
        if len(span) == 3:
            return cls(span[0] + 1, span[1] + 1, span[0] + 1, span[2] + 1)
        return cls(span[0] + 1, span[1] + 1, span[2] + 1, span[3] + 1)


#: Where buf points when it knows the file but not the element (or not even the file).
NO_SPAN = Span(1, 1, 1, 1)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: the file (relative to the module root; empty when the file itself is
    gone), where in it, the rule's ID (buf's ``type``) and a message in buf's words."""

    path: str
    span: Span
    rule: str
    message: str

    def as_json(self) -> dict[str, Any]:
        """buf's ``--error-format json`` object (no ``path`` when the file is gone)."""
        found: dict[str, Any] = {"path": self.path} if self.path else {}
        return found | {
            "start_line": self.span.start_line,
            "start_column": self.span.start_column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "type": self.rule,
            "message": self.message,
        }

    def as_text(self) -> str:
        """buf's default format: ``path:line:column:message``."""
        where = self.path or "<input>"
        return f"{where}:{self.span.start_line}:{self.span.start_column}:{self.message}"
