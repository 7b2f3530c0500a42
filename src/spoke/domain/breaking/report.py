"""Collects what the checks find, and turns a descriptor path into buf's location."""

from __future__ import annotations

from dataclasses import dataclass, field

from spoke.domain.breaking.index import Element, Index, Path, map_field_path
from spoke.domain.breaking.semantics import Semantics
from spoke.domain.schema import NO_SPAN, Finding

Where = tuple[str, Path]


@dataclass(frozen=True)
class Found:
    finding: Finding
    #: The file of the version checked against, when the finding concerns one (ignores
    #: and unstable packages are judged on both sides).
    against_file: str = ""


@dataclass
class Report:
    new: Index
    old: Index
    rules: frozenset[str]
    found: list[Found] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ns = Semantics(self.new)
        self.os = Semantics(self.old)

    def wants(self, rule: str) -> bool:
        return rule in self.rules

    def add(
        self,
        rule: str,
        where: Where | Element | None,
        message: str,
        *,
        file: str = "",
        against: Where | Element | str | None = None,
        keyword: str = "",
    ) -> None:
        """A finding at ``where`` (file and descriptor path in the new schema); with no
        such location, in ``file`` at 1:1; with neither, nowhere (a deleted file)."""
        if isinstance(where, Element):
            where = (where.file, where.path)
        span = None
        if where is not None:
            file = where[0]
            schema = self.new.schema
            span = (
                schema.span_from_keyword(where[0], where[1], keyword)
                if keyword
                else schema.span(where[0], where[1])
            )
            if span is None:  # a map entry's field has no source: buf points at the map
                declared = map_field_path(self.new.files[where[0]], where[1])
                span = schema.span(where[0], declared) if declared else None
        against_file = against if isinstance(against, str) else ""
        if isinstance(against, Element):
            against_file = against.file
        elif isinstance(against, tuple):
            against_file = against[0]
        self.found.append(Found(Finding(file, span or NO_SPAN, rule, message), against_file))


_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def quote(text: str) -> str:
    """A string as buf's messages quote one (Go's ``%q``)."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
