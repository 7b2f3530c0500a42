"""Where protoc and buf's compiler disagree on whether a file is valid.

Spoke compiles with protoc; buf compiles with its own compiler (protocompile). On a few
inputs they disagree, so a tree that ``buf lint`` lints can fail to compile here. Each
known case is one entry of ``KNOWN``, recognised by protoc's diagnostic, so that the error
can say which compiler said what instead of a bare compile failure. Each entry has a
fixture that checks buf still accepts it (tests/integration/test_compiler_differences.py)
and is listed in docs/governance.md ("Compiler differences"); checked with protoc 36.2
and buf 1.75.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KnownDifference:
    """A construct protoc refuses and buf's compiler accepts."""

    id: str  # stable: it is part of the error's details
    protoc: re.Pattern[str]  # matches protoc's diagnostic message
    buf: str  # what buf does with it


KNOWN: tuple[KnownDifference, ...] = (
    KnownDifference(
        "allow_alias_false",
        re.compile(r"declares 'option allow_alias = false;' which has no effect"),
        "buf's compiler accepts `option allow_alias = false;` on an enum (it has no effect)",
    ),
    KnownDifference(
        "json_name_in_brackets",
        re.compile(r"JSON names may not start with '\[' and end with '\]'"),
        "buf's compiler accepts a custom `json_name` written in brackets, such as `[x]`",
    ),
)

#: protoc's diagnostics say which compiler spoke; buf's verdict where we know it.
COMPILER = "protoc"


def known_difference(message: str) -> KnownDifference | None:
    """The known difference protoc's diagnostic ``message`` is (None: none we know)."""
    for known in KNOWN:
        if known.protoc.search(message):
            return known
    return None


def annotate(diagnostics: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """protoc's ``diagnostics`` (``file``, ``line``, ``column``, ``message``), each naming
    the compiler that reported it and, where it is a known difference, what buf does
    (``buf``: ``accepts``, ``difference``: its id, ``buf_says``); and whether buf's compiler
    would accept every one of them."""
    annotated: list[dict[str, Any]] = []
    all_known = bool(diagnostics)
    for diagnostic in diagnostics:
        entry = {**diagnostic, "compiler": COMPILER}
        known = known_difference(str(diagnostic.get("message", "")))
        if known is None:
            all_known = False
        else:
            entry.update(buf="accepts", difference=known.id, buf_says=known.buf)
        annotated.append(entry)
    return annotated, all_known


__all__ = ["COMPILER", "KNOWN", "KnownDifference", "annotate", "known_difference"]
