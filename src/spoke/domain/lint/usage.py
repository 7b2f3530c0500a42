"""Which files a file uses: the ones that define the types it refers to (field types,
extendees, RPC types) and the extensions its options set, custom options nested in
options included. IMPORT_USED compares that with what the file imports.

Options are read from the source locations protoc records for every option statement:
their paths run through the options message into extension fields
(``[6, 0, 2, 0, 4, 72295728]`` is ``(google.api.http)`` on the first method), so no
option bytes need decoding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from google.protobuf import descriptor_pb2 as d
from google.protobuf import descriptor_pool

from spoke.domain.schema import Schema

_FILE_TYPE = ".google.protobuf.FileDescriptorProto"
_REFERENCE_TYPES = (d.FieldDescriptorProto.TYPE_MESSAGE, d.FieldDescriptorProto.TYPE_GROUP)


def _nested(scope: str, message: d.DescriptorProto) -> Iterator[tuple[str, d.DescriptorProto]]:
    name = f"{scope}.{message.name}"
    yield name, message
    for nested in message.nested_type:
        yield from _nested(name, nested)


class Symbols:
    """Where every type and extension of a schema is defined, by full name (with the
    leading dot protoc writes in references)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.type_files: dict[str, str] = {}
        self.messages: dict[str, d.DescriptorProto] = {}
        self.extensions: dict[tuple[str, int], tuple[str, d.FieldDescriptorProto]] = {}
        self._fields: dict[str, dict[int, d.FieldDescriptorProto]] = {}
        for file in schema.files.values():
            scope = f".{file.package}" if file.package else ""
            for enum in file.enum_type:
                self.type_files[f"{scope}.{enum.name}"] = file.name
            self._add_extensions(file.name, file.extension)
            for top in file.message_type:
                for name, message in _nested(scope, top):
                    self.type_files[name] = file.name
                    self.messages[name] = message
                    for enum in message.enum_type:
                        self.type_files[f"{name}.{enum.name}"] = file.name
                    self._add_extensions(file.name, message.extension)

    def _add_extensions(self, file: str, extensions: Iterable[d.FieldDescriptorProto]) -> None:
        for extension in extensions:
            self.extensions[(extension.extendee, extension.number)] = (file, extension)

    def fields(self, type_name: str) -> dict[int, d.FieldDescriptorProto]:
        """The fields of a message type by number; descriptor.proto's types are known
        even when the schema does not include that file."""
        found = self._fields.get(type_name)
        if found is None:
            message = self.messages.get(type_name)
            if message is None:
                message = d.DescriptorProto()
                try:
                    python = descriptor_pool.Default().FindMessageTypeByName(type_name[1:])
                except KeyError:
                    python = None
                if python is not None:
                    python.CopyToProto(message)
            found = {field.number: field for field in message.field}
            self._fields[type_name] = found
        return found

    def option_extension_files(self, file: d.FileDescriptorProto) -> set[str]:
        """The files defining the extensions that ``file``'s options set."""
        found: set[str] = set()
        for location in file.source_code_info.location:
            found.update(self._walk(list(location.path)))
        return found

    def _walk(self, path: list[int]) -> Iterator[str]:
        """Follow a location path from the file down; yield the file of every extension
        it passes through."""
        type_name = _FILE_TYPE
        index = 0
        while index < len(path):
            number = path[index]
            field = self.fields(type_name).get(number)
            if field is None:
                extension = self.extensions.get((type_name, number))
                if extension is None:
                    return
                yield extension[0]
                field = extension[1]
            index += 1
            if field.label == d.FieldDescriptorProto.LABEL_REPEATED:
                index += 1  # the element's index
            if field.type not in _REFERENCE_TYPES:
                return
            type_name = field.type_name


def referenced_files(symbols: Symbols, file: d.FileDescriptorProto) -> set[str]:
    """The files defining what ``file`` refers to (its own name possibly among them)."""
    names: list[str] = []
    for top in file.message_type:
        for _, message in _nested("", top):
            for field in [*message.field, *message.extension]:
                names += [field.type_name, field.extendee]
    for extension in file.extension:
        names += [extension.type_name, extension.extendee]
    for service in file.service:
        for method in service.method:
            names += [method.input_type, method.output_type]
    found = {symbols.type_files[name] for name in names if name in symbols.type_files}
    return found | symbols.option_extension_files(file)
