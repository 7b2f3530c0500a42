"""What the checks compare: every message, enum, field, service and method of a schema's
module files, addressed as buf addresses them (by full name across files, or by nested
name within a file), each with its descriptor path for locations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FileDescriptorProto,
    ServiceDescriptorProto,
)

from spoke.domain.schema import Schema

Path = tuple[int, ...]

# Field numbers inside descriptor.proto: the steps of a descriptor path.
FILE_PACKAGE, FILE_MESSAGE, FILE_ENUM, FILE_SERVICE, FILE_EXTENSION = 2, 4, 5, 6, 7
FILE_OPTIONS, FILE_SYNTAX = 8, 12
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM, MESSAGE_EXTENSION = 2, 3, 4, 6
MESSAGE_OPTIONS, MESSAGE_ONEOF = 7, 8
ENUM_VALUE = 2
FIELD_TYPE_NAME = 6
SERVICE_METHOD = 2

# What each repeated descriptor field holds, by the kind of descriptor it is a field of:
# a path step means something different at each depth (4 is a file's message but a
# message's enum), so a path is only walked through this table.
_CHILDREN: dict[type, dict[int, str]] = {
    FileDescriptorProto: {
        FILE_MESSAGE: "message_type",
        FILE_ENUM: "enum_type",
        FILE_SERVICE: "service",
        FILE_EXTENSION: "extension",
    },
    DescriptorProto: {
        MESSAGE_FIELD: "field",
        MESSAGE_NESTED: "nested_type",
        MESSAGE_ENUM: "enum_type",
        MESSAGE_EXTENSION: "extension",
        MESSAGE_ONEOF: "oneof_decl",
    },
    EnumDescriptorProto: {ENUM_VALUE: "value"},
    ServiceDescriptorProto: {SERVICE_METHOD: "method"},
}


def descend(file: FileDescriptorProto, path: Path) -> list[Any]:
    """The descriptors a path passes through from ``file`` down, outermost first (the
    file itself not included). The walk stops where the path leaves the element tree
    (at an options or a name step, say) or points at nothing."""
    found: list[Any] = []
    proto: Any = file
    for depth in range(0, len(path) - 1, 2):
        attribute = _CHILDREN.get(type(proto), {}).get(path[depth])
        if attribute is None:
            break
        children = getattr(proto, attribute)
        if not 0 <= path[depth + 1] < len(children):
            break
        proto = children[path[depth + 1]]
        found.append(proto)
    return found


def map_field_path(file: FileDescriptorProto, path: Path) -> Path | None:
    """For a path into a map entry (a message protoc makes up for ``map<K, V>``, with no
    place in the source), the path of the type of the map field that declares it, where
    buf points; else None."""
    along = descend(file, path)
    for depth, proto in enumerate(along):
        if isinstance(proto, DescriptorProto) and proto.options.map_entry and depth > 0:
            parent: DescriptorProto = along[depth - 1]
            for i, candidate in enumerate(parent.field):
                if candidate.type_name.rsplit(".", 1)[-1] == proto.name:
                    return (*path[: 2 * depth], MESSAGE_FIELD, i, FIELD_TYPE_NAME)
    return None


@dataclass(frozen=True)
class Element:
    """One descriptor of a file: where it is (file + path) and what it is."""

    file: str
    path: Path
    proto: Any
    nested_name: str  # within its package: "Outer.Inner"
    package: str

    @property
    def full_name(self) -> str:
        return f"{self.package}.{self.nested_name}" if self.package else self.nested_name

    @property
    def name(self) -> str:
        return self.nested_name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FieldElement(Element):
    #: The message this field is in (None for a top-level extension).
    parent: Element | None = None


@dataclass
class Index:
    """Everything of one side (the new version, or the one it is checked against)."""

    schema: Schema
    files: dict[str, FileDescriptorProto] = field(default_factory=dict)
    messages: dict[str, Element] = field(default_factory=dict)  # by full name
    enums: dict[str, Element] = field(default_factory=dict)
    services: dict[str, Element] = field(default_factory=dict)
    extensions: list[FieldElement] = field(default_factory=list)
    #: Every message and enum of the whole schema (imports too), for type lookups.
    all_messages: dict[str, DescriptorProto] = field(default_factory=dict)
    all_enums: dict[str, EnumDescriptorProto] = field(default_factory=dict)

    @classmethod
    def of(cls, schema: Schema) -> Index:
        index = cls(schema)
        for name, proto in schema.files.items():
            for message, _ in _walk_messages(proto.message_type, proto.package, ()):
                index.all_messages[message[0]] = message[1]
            for full, enum in _walk_enums(proto):
                index.all_enums[full] = enum
            if name not in schema.targets:
                continue
            index.files[name] = proto
            index._add_file(name, proto)
        return index

    def _add_file(self, name: str, proto: FileDescriptorProto) -> None:
        package = proto.package
        for i, message in enumerate(proto.message_type):
            self._add_message(name, package, (FILE_MESSAGE, i), message, "")
        for i, enum in enumerate(proto.enum_type):
            element = Element(name, (FILE_ENUM, i), enum, enum.name, package)
            self.enums[element.full_name] = element
        for i, service in enumerate(proto.service):
            element = Element(name, (FILE_SERVICE, i), service, service.name, package)
            self.services[element.full_name] = element
        for i, extension in enumerate(proto.extension):
            self.extensions.append(
                FieldElement(name, (FILE_EXTENSION, i), extension, extension.name, package)
            )

    def _add_message(
        self, file: str, package: str, path: Path, message: DescriptorProto, prefix: str
    ) -> None:
        nested = f"{prefix}{message.name}"
        element = Element(file, path, message, nested, package)
        self.messages[element.full_name] = element
        for i, child in enumerate(message.nested_type):
            self._add_message(file, package, (*path, MESSAGE_NESTED, i), child, nested + ".")
        for i, enum in enumerate(message.enum_type):
            enum_element = Element(
                file, (*path, MESSAGE_ENUM, i), enum, f"{nested}.{enum.name}", package
            )
            self.enums[enum_element.full_name] = enum_element
        for i, extension in enumerate(message.extension):
            self.extensions.append(
                FieldElement(
                    file,
                    (*path, MESSAGE_EXTENSION, i),
                    extension,
                    f"{nested}.{extension.name}",
                    package,
                    element,
                )
            )

    # -- views ---------------------------------------------------------------------------
    def in_file(self, elements: dict[str, Element], file: str) -> dict[str, Element]:
        """``elements`` of one file, by nested name."""
        return {e.nested_name: e for e in elements.values() if e.file == file}

    def fields(self, message: Element) -> dict[int, FieldElement]:
        """A message's fields by number."""
        proto: DescriptorProto = message.proto
        return {
            f.number: FieldElement(
                message.file,
                (*message.path, MESSAGE_FIELD, i),
                f,
                f"{message.nested_name}.{f.name}",
                message.package,
                message,
            )
            for i, f in enumerate(proto.field)
        }

    def methods(self, service: Element) -> dict[str, Element]:
        proto: ServiceDescriptorProto = service.proto
        return {
            m.name: Element(
                service.file,
                (*service.path, SERVICE_METHOD, i),
                m,
                f"{service.nested_name}.{m.name}",
                service.package,
            )
            for i, m in enumerate(proto.method)
        }

    def file_of(self, element: Element) -> FileDescriptorProto:
        return self.schema.files[element.file]

    def is_map_entry(self, type_name: str) -> bool:
        message = self.all_messages.get(type_name.lstrip("."))
        return message is not None and message.options.map_entry


def _walk_messages(
    messages: Any, prefix: str, path: Path
) -> Iterator[tuple[tuple[str, DescriptorProto], Path]]:
    for i, message in enumerate(messages):
        full = f"{prefix}.{message.name}" if prefix else message.name
        yield (full, message), (*path, i)
        yield from _walk_messages(message.nested_type, full, (*path, i))


def _walk_enums(proto: FileDescriptorProto) -> Iterator[tuple[str, EnumDescriptorProto]]:
    package = proto.package
    for enum in proto.enum_type:
        yield (f"{package}.{enum.name}" if package else enum.name), enum
    for (full, message), _ in _walk_messages(proto.message_type, package, ()):
        for enum in message.enum_type:
            yield f"{full}.{enum.name}", enum
