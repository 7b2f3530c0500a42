"""Every element of a file that lint rules judge, with its descriptor path (the
``SourceCodeInfo`` path that locates it: ``[4, 0, 2, 1]`` is the second field of the
first message).

Map entry messages (and so their fields) are left out: protoc makes them up for ``map<>``
fields, and buf does not judge them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf import descriptor_pb2 as d

T = TypeVar("T")
Path = tuple[int, ...]

FILE_PACKAGE = d.FileDescriptorProto.PACKAGE_FIELD_NUMBER
FILE_DEPENDENCY = d.FileDescriptorProto.DEPENDENCY_FIELD_NUMBER
FILE_MESSAGE = d.FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER
FILE_ENUM = d.FileDescriptorProto.ENUM_TYPE_FIELD_NUMBER
FILE_SERVICE = d.FileDescriptorProto.SERVICE_FIELD_NUMBER
FILE_EXTENSION = d.FileDescriptorProto.EXTENSION_FIELD_NUMBER
FILE_OPTIONS = d.FileDescriptorProto.OPTIONS_FIELD_NUMBER
FILE_SYNTAX = d.FileDescriptorProto.SYNTAX_FIELD_NUMBER
FILE_EDITION = d.FileDescriptorProto.EDITION_FIELD_NUMBER
MESSAGE_FIELD = d.DescriptorProto.FIELD_FIELD_NUMBER
MESSAGE_NESTED = d.DescriptorProto.NESTED_TYPE_FIELD_NUMBER
MESSAGE_ENUM = d.DescriptorProto.ENUM_TYPE_FIELD_NUMBER
MESSAGE_EXTENSION = d.DescriptorProto.EXTENSION_FIELD_NUMBER
MESSAGE_ONEOF = d.DescriptorProto.ONEOF_DECL_FIELD_NUMBER
ENUM_VALUE = d.EnumDescriptorProto.VALUE_FIELD_NUMBER
ENUM_OPTIONS = d.EnumDescriptorProto.OPTIONS_FIELD_NUMBER
SERVICE_METHOD = d.ServiceDescriptorProto.METHOD_FIELD_NUMBER
# Within an element: its name, a field's and an enum value's number, a method's types.
NAME = 1
ENUM_VALUE_NUMBER = d.EnumValueDescriptorProto.NUMBER_FIELD_NUMBER
METHOD_INPUT = d.MethodDescriptorProto.INPUT_TYPE_FIELD_NUMBER
METHOD_OUTPUT = d.MethodDescriptorProto.OUTPUT_TYPE_FIELD_NUMBER


@dataclass(frozen=True)
class Located(Generic[T]):
    """A descriptor and where it is: its path in the file and its full name's scope
    (the package and enclosing messages, dot-separated, no leading dot)."""

    node: T
    path: Path
    scope: str

    def child(self, *steps: int) -> Path:
        """The path of a part of this element (``child(NAME)`` locates its name)."""
        return self.path + steps


def _scoped(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def messages(file: d.FileDescriptorProto) -> Iterator[Located[d.DescriptorProto]]:
    """Every message, nested ones after their parent, map entries left out."""

    def walk(
        found: Located[d.DescriptorProto],
    ) -> Iterator[Located[d.DescriptorProto]]:
        yield found
        scope = _scoped(found.scope, found.node.name)
        for index, nested in enumerate(found.node.nested_type):
            if not nested.options.map_entry:
                yield from walk(Located(nested, found.child(MESSAGE_NESTED, index), scope))

    for index, message in enumerate(file.message_type):
        yield from walk(Located(message, (FILE_MESSAGE, index), file.package))


def enums(file: d.FileDescriptorProto) -> Iterator[Located[d.EnumDescriptorProto]]:
    for index, enum in enumerate(file.enum_type):
        yield Located(enum, (FILE_ENUM, index), file.package)
    for message in messages(file):
        scope = _scoped(message.scope, message.node.name)
        for index, enum in enumerate(message.node.enum_type):
            yield Located(enum, message.child(MESSAGE_ENUM, index), scope)


def enum_values(
    enum: Located[d.EnumDescriptorProto],
) -> Iterator[Located[d.EnumValueDescriptorProto]]:
    for index, value in enumerate(enum.node.value):
        # Enum values are scoped beside their enum, not inside it (C++ rules).
        yield Located(value, enum.child(ENUM_VALUE, index), enum.scope)


def fields(file: d.FileDescriptorProto) -> Iterator[Located[d.FieldDescriptorProto]]:
    """Every field of every message, then every extension (top-level and nested)."""
    for message in messages(file):
        scope = _scoped(message.scope, message.node.name)
        for index, field in enumerate(message.node.field):
            yield Located(field, message.child(MESSAGE_FIELD, index), scope)
    yield from extensions(file)


def extensions(file: d.FileDescriptorProto) -> Iterator[Located[d.FieldDescriptorProto]]:
    for index, extension in enumerate(file.extension):
        yield Located(extension, (FILE_EXTENSION, index), file.package)
    for message in messages(file):
        scope = _scoped(message.scope, message.node.name)
        for index, extension in enumerate(message.node.extension):
            yield Located(extension, message.child(MESSAGE_EXTENSION, index), scope)


def oneofs(file: d.FileDescriptorProto) -> Iterator[Located[d.OneofDescriptorProto]]:
    """Every oneof written in the source: the synthetic ones protoc adds for proto3
    ``optional`` fields are left out."""
    for message in messages(file):
        synthetic = {
            field.oneof_index
            for field in message.node.field
            if field.proto3_optional and field.HasField("oneof_index")
        }
        scope = _scoped(message.scope, message.node.name)
        for index, oneof in enumerate(message.node.oneof_decl):
            if index not in synthetic:
                yield Located(oneof, message.child(MESSAGE_ONEOF, index), scope)


def services(file: d.FileDescriptorProto) -> Iterator[Located[d.ServiceDescriptorProto]]:
    for index, service in enumerate(file.service):
        yield Located(service, (FILE_SERVICE, index), file.package)


def methods(
    service: Located[d.ServiceDescriptorProto],
) -> Iterator[Located[d.MethodDescriptorProto]]:
    scope = _scoped(service.scope, service.node.name)
    for index, method in enumerate(service.node.method):
        yield Located(method, service.child(SERVICE_METHOD, index), scope)


def all_methods(
    file: d.FileDescriptorProto,
) -> Iterator[tuple[Located[d.ServiceDescriptorProto], Located[d.MethodDescriptorProto]]]:
    for service in services(file):
        for method in methods(service):
            yield service, method
