"""The named elements of a compiled schema, as search and the documentation pages list
them: packages, messages, fields, enums and their values, services and RPCs, each with its
full name, file, line and leading comment (from protoc's source info).

Full names are protobuf's, except an enum value's, which is scoped under its enum
(``google.type.DayOfWeek.MONDAY``, where protobuf says ``google.type.MONDAY``): the
documentation gives every element its full name as an HTML id, and two enums of one
package may hold values of the same name in other languages' eyes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FileDescriptorProto,
)

from spoke.domain.schema import Schema

# Field numbers inside descriptor.proto: the steps of a descriptor path.
_FILE_MESSAGE, _FILE_ENUM, _FILE_SERVICE, _FILE_EXTENSION = 4, 5, 6, 7
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM, _MESSAGE_EXTENSION = 2, 3, 4, 6
_ENUM_VALUE = 2
_SERVICE_METHOD = 2

#: How long a search snippet may be, in characters.
SNIPPET_LENGTH = 200


class Kind(StrEnum):
    MODULE = "module"
    PACKAGE = "package"
    MESSAGE = "message"
    ENUM = "enum"
    SERVICE = "service"
    RPC = "rpc"
    FIELD = "field"
    ENUM_VALUE = "enum_value"


@dataclass(frozen=True)
class Symbol:
    """One named element of a module's own files (``line`` 1-based, 0 when unknown)."""

    kind: Kind
    full_name: str
    file: str
    line: int
    comment: str
    path: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        """The last part of the full name."""
        return self.full_name.rsplit(".", 1)[-1]


def symbols(schema: Schema) -> list[Symbol]:
    """Every element of ``schema``'s target files (not of their imports), each file's
    package once (at its first file), in file then declaration order."""
    found: list[Symbol] = []
    packages: set[str] = set()
    for file in schema.target_files():
        if file.package and file.package not in packages:
            packages.add(file.package)
            found.append(
                Symbol(Kind.PACKAGE, file.package, file.name, _line(schema, file, (2,)), "")
            )
        found.extend(_file_symbols(schema, file))
    return found


def _file_symbols(schema: Schema, file: FileDescriptorProto) -> Iterator[Symbol]:
    prefix = f"{file.package}." if file.package else ""
    for index, message in enumerate(file.message_type):
        yield from _message(schema, file, message, prefix, (_FILE_MESSAGE, index))
    for index, enum in enumerate(file.enum_type):
        yield from _enum(schema, file, enum, prefix, (_FILE_ENUM, index))
    for index, extension in enumerate(file.extension):
        path = (_FILE_EXTENSION, index)
        yield _symbol(schema, file, Kind.FIELD, prefix + extension.name, path)
    for index, service in enumerate(file.service):
        path = (_FILE_SERVICE, index)
        full = prefix + service.name
        yield _symbol(schema, file, Kind.SERVICE, full, path)
        for m_index, method in enumerate(service.method):
            yield _symbol(
                schema, file, Kind.RPC, f"{full}.{method.name}", (*path, _SERVICE_METHOD, m_index)
            )


def _message(
    schema: Schema,
    file: FileDescriptorProto,
    message: DescriptorProto,
    prefix: str,
    path: tuple[int, ...],
) -> Iterator[Symbol]:
    full = prefix + message.name
    yield _symbol(schema, file, Kind.MESSAGE, full, path)
    for index, field in enumerate(message.field):
        yield _symbol(
            schema, file, Kind.FIELD, f"{full}.{field.name}", (*path, _MESSAGE_FIELD, index)
        )
    for index, extension in enumerate(message.extension):
        yield _symbol(
            schema, file, Kind.FIELD, f"{full}.{extension.name}", (*path, _MESSAGE_EXTENSION, index)
        )
    for index, nested in enumerate(message.nested_type):
        if nested.options.map_entry:  # a map field's generated entry: not a declaration
            continue
        yield from _message(schema, file, nested, f"{full}.", (*path, _MESSAGE_NESTED, index))
    for index, enum in enumerate(message.enum_type):
        yield from _enum(schema, file, enum, f"{full}.", (*path, _MESSAGE_ENUM, index))


def _enum(
    schema: Schema,
    file: FileDescriptorProto,
    enum: EnumDescriptorProto,
    prefix: str,
    path: tuple[int, ...],
) -> Iterator[Symbol]:
    full = prefix + enum.name
    yield _symbol(schema, file, Kind.ENUM, full, path)
    for index, value in enumerate(enum.value):
        yield _symbol(
            schema, file, Kind.ENUM_VALUE, f"{full}.{value.name}", (*path, _ENUM_VALUE, index)
        )


def _symbol(
    schema: Schema, file: FileDescriptorProto, kind: Kind, full_name: str, path: tuple[int, ...]
) -> Symbol:
    location = schema.location(file.name, path)
    line = location.span[0] + 1 if location is not None and location.span else 0
    comment = clean_comment(location.leading_comments) if location is not None else ""
    return Symbol(kind, full_name, file.name, line, comment, path)


def _line(schema: Schema, file: FileDescriptorProto, path: tuple[int, ...]) -> int:
    location = schema.location(file.name, path)
    return location.span[0] + 1 if location is not None and location.span else 0


def clean_comment(text: str) -> str:
    """A comment as protoc records it (each line with its leading space) made plain:
    common indentation and surrounding blank lines removed."""
    lines = text.rstrip().split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:].rstrip() for line in lines)


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_TERM = re.compile(r"[A-Za-z0-9]+")
#: At most this many terms in a query (more would only slow the search down).
MAX_TERMS = 8


def name_words(full_name: str) -> str:
    """What a full name is found by, lower case: each dotted part whole, and the words of
    its camel case and snake case (``google.type.LatLng`` → ``google type latlng lat
    lng``), so that ``LatLng``, ``lat lng`` and ``type.lat`` all find it."""
    words: list[str] = []
    for part in full_name.split("."):
        whole = part.lower()
        words.append(whole)
        for piece in part.split("_"):
            sub = [w.lower() for w in _CAMEL.findall(piece)]
            if len(sub) > 1 or (sub and sub[0] != whole):
                words.extend(sub)
    seen: dict[str, None] = dict.fromkeys(w for w in words if w)
    return " ".join(seen)


def query_terms(query: str) -> list[str]:
    """The words of a search query, lower case: letters and digits only (every other
    character separates words), so nothing of the query reaches a full-text engine's
    own syntax. Empty when the query has no word."""
    return [term.lower() for term in _TERM.findall(query)][:MAX_TERMS]


def snippet(comment: str) -> str:
    """A comment's first paragraph on one line, cut to ``SNIPPET_LENGTH`` characters."""
    paragraph = comment.strip().split("\n\n", 1)[0]
    flat = " ".join(paragraph.split())
    if len(flat) <= SNIPPET_LENGTH:
        return flat
    return flat[: SNIPPET_LENGTH - 1].rstrip() + "…"
