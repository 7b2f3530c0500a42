"""Where each type of a compiled version is documented: its own files' types in its own
docs page, its dependencies' types in theirs (the module and version that hold the file
declaring it). Well-known types, which come with protoc, link nowhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from google.protobuf.descriptor_pb2 import DescriptorProto, EnumDescriptorProto

from spoke.api.ui.rendering import url_path
from spoke.domain.graph import ResolvedDependency
from spoke.domain.models import ModuleVersion
from spoke.domain.schema import Schema


def docs_url(module: str, version: str, full_name: str = "") -> str:
    anchor = f"#{full_name}" if full_name else ""
    return f"/ui/modules/{url_path(module)}/versions/{url_path(version)}/docs{anchor}"


class TypeLinks:
    """Full name (no leading dot) of every message and enum of a schema → its docs URL."""

    def __init__(
        self, schema: Schema, version: ModuleVersion, closure: list[ResolvedDependency]
    ) -> None:
        owners: dict[str, tuple[str, str]] = {}
        for resolved in closure:
            for entry in resolved.pinned.files:
                owners[entry.path] = (resolved.pinned.module, resolved.pinned.version)
        for entry in version.files:
            owners[entry.path] = (version.module, version.version)
        self.urls: dict[str, str] = {}
        for file in schema.files.values():
            owner = owners.get(file.name)
            if owner is None:
                continue
            prefix = f"{file.package}." if file.package else ""
            for name in _types(file.message_type, file.enum_type, prefix):
                self.urls[name] = docs_url(owner[0], owner[1], name)

    def url(self, type_name: str) -> str | None:
        return self.urls.get(type_name.lstrip("."))

    def by_written_name(self, names: Mapping[str, str]) -> dict[str, str]:
        """``names``: as written in a file → full name; → URL, where known."""
        return {
            written: url for written, full in names.items() if (url := self.url(full)) is not None
        }


def _types(
    messages: Iterable[DescriptorProto], enums: Iterable[EnumDescriptorProto], prefix: str
) -> Iterator[str]:
    for message in messages:
        full = prefix + message.name
        yield full
        yield from _types(message.nested_type, message.enum_type, f"{full}.")
    for enum in enums:
        yield prefix + enum.name
