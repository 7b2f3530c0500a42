"""What a rule check gets (the schema and the configuration) and what it gives back
(problems: a file, an element's descriptor path and a message)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from google.protobuf.descriptor_pb2 import FileDescriptorProto

from spoke.domain.lint.config import LintConfig
from spoke.domain.lint.walk import Path
from spoke.domain.schema import Schema


@dataclass(frozen=True)
class Problem:
    """A rule's verdict on one element. ``path`` is the element's descriptor path in
    ``file``, or ``None`` for the file as a whole (buf puts those at 1:1)."""

    file: str
    path: Path | None
    message: str


class Context:
    """The module being linted: its own files (targets) are judged, imports are only
    looked up."""

    def __init__(self, schema: Schema, config: LintConfig) -> None:
        self.schema = schema
        self.config = config

    @cached_property
    def files(self) -> list[FileDescriptorProto]:
        return self.schema.target_files()

    def package_of(self, name: str) -> str:
        """The package of the file ``name`` ("" if the schema lacks that import)."""
        found = self.schema.files.get(name)
        return found.package if found is not None else ""

    def at(self, file: FileDescriptorProto, path: Path | None, message: str) -> Problem:
        return Problem(file.name, path, message)

    def has_location(self, file: FileDescriptorProto, path: Path) -> bool:
        return self.schema.location(file.name, path) is not None

    def located_or_file(self, file: FileDescriptorProto, path: Path) -> Path | None:
        """``path`` when the source has it (an option that is set), else the file."""
        return path if self.has_location(file, path) else None


Check = Callable[[Context], Iterable[Problem]]


def q(text: str) -> str:
    """``text`` double-quoted the way buf's messages quote names (Go's ``%q``)."""
    return json.dumps(text, ensure_ascii=False)
