"""``…/docs``: a version's documentation from its descriptors: packages, messages with
their fields, enums with their values, services with their RPCs, extensions; every
element under its full name as HTML id, with its leading comment; types linked to their
definitions, across dependencies too."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FieldDescriptorProto,
    FieldOptions,
    FileDescriptorProto,
)

from spoke.api.ui.context import ui
from spoke.api.ui.fragments import fragments_of, readable_closure, render_fragment, version_key
from spoke.api.ui.links import TypeLinks
from spoke.api.ui.rendering import page, render
from spoke.domain.schema import Schema
from spoke.domain.symbols import clean_comment

router = APIRouter(prefix="/ui", include_in_schema=False)

_LABELS = {1: "optional", 2: "required", 3: "repeated"}
_SCALARS = {
    value: name.removeprefix("TYPE_").lower()
    for name, value in FieldDescriptorProto.Type.items()
    if name not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")
}


@dataclass
class Element:
    full_name: str
    name: str
    comment: str
    deprecated: bool = False


@dataclass
class FieldDoc(Element):
    number: int = 0
    label: str = ""
    type: str = ""
    type_url: str | None = None
    default: str = ""
    options: str = ""


@dataclass
class ValueDoc(Element):
    number: int = 0


@dataclass
class EnumDoc(Element):
    values: list[ValueDoc] = field(default_factory=list)


@dataclass
class MessageDoc(Element):
    fields: list[FieldDoc] = field(default_factory=list)
    messages: list[MessageDoc] = field(default_factory=list)
    enums: list[EnumDoc] = field(default_factory=list)


@dataclass
class RpcDoc(Element):
    input: str = ""
    input_url: str | None = None
    input_stream: bool = False
    output: str = ""
    output_url: str | None = None
    output_stream: bool = False


@dataclass
class ServiceDoc(Element):
    rpcs: list[RpcDoc] = field(default_factory=list)


@dataclass
class FileDoc:
    path: str
    package: str
    comment: str
    messages: list[MessageDoc]
    enums: list[EnumDoc]
    services: list[ServiceDoc]
    extensions: list[FieldDoc]


class _Builder:
    def __init__(self, schema: Schema, links: TypeLinks) -> None:
        self.schema = schema
        self.links = links

    def comment(self, file: FileDescriptorProto, path: tuple[int, ...]) -> str:
        location = self.schema.location(file.name, path)
        return clean_comment(location.leading_comments) if location is not None else ""

    def file(self, file: FileDescriptorProto) -> FileDoc:
        prefix = f"{file.package}." if file.package else ""
        services = []
        for index, service in enumerate(file.service):
            full = prefix + service.name
            rpcs = [
                RpcDoc(
                    full_name=f"{full}.{m.name}",
                    name=m.name,
                    comment=self.comment(file, (6, index, 2, m_index)),
                    deprecated=m.options.deprecated,
                    input=m.input_type.lstrip("."),
                    input_url=self.links.url(m.input_type),
                    input_stream=m.client_streaming,
                    output=m.output_type.lstrip("."),
                    output_url=self.links.url(m.output_type),
                    output_stream=m.server_streaming,
                )
                for m_index, m in enumerate(service.method)
            ]
            services.append(
                ServiceDoc(
                    full,
                    service.name,
                    self.comment(file, (6, index)),
                    service.options.deprecated,
                    rpcs,
                )
            )
        return FileDoc(
            path=file.name,
            package=file.package,
            comment=self.comment(file, (2,)),
            messages=[
                self.message(file, m, prefix, (4, i)) for i, m in enumerate(file.message_type)
            ],
            enums=[self.enum(file, e, prefix, (5, i)) for i, e in enumerate(file.enum_type)],
            services=services,
            extensions=[self.field(file, x, prefix, (7, i)) for i, x in enumerate(file.extension)],
        )

    def message(
        self,
        file: FileDescriptorProto,
        message: DescriptorProto,
        prefix: str,
        path: tuple[int, ...],
    ) -> MessageDoc:
        full = prefix + message.name
        return MessageDoc(
            full_name=full,
            name=message.name,
            comment=self.comment(file, path),
            deprecated=message.options.deprecated,
            fields=[
                self.field(file, f, f"{full}.", (*path, 2, i)) for i, f in enumerate(message.field)
            ],
            messages=[
                self.message(file, n, f"{full}.", (*path, 3, i))
                for i, n in enumerate(message.nested_type)
                if not n.options.map_entry
            ],
            enums=[
                self.enum(file, e, f"{full}.", (*path, 4, i))
                for i, e in enumerate(message.enum_type)
            ],
        )

    def field(
        self, file: FileDescriptorProto, f: FieldDescriptorProto, prefix: str, path: tuple[int, ...]
    ) -> FieldDoc:
        if f.type_name:
            type_ = f.type_name.lstrip(".")
            url = self.links.url(f.type_name)
        else:
            type_, url = _SCALARS.get(f.type, "?"), None
        label = _LABELS.get(f.label, "")
        if f.proto3_optional:
            label = "optional"
        elif label == "optional" and file.syntax == "proto3":
            label = ""
        options = []
        if f.options.HasField("packed"):
            options.append(f"packed = {str(f.options.packed).lower()}")
        if f.options.HasField("jstype"):
            options.append(f"jstype = {FieldOptions.JSType.Name(f.options.jstype)}")
        if f.json_name and f.json_name != _camel(f.name):
            options.append(f'json_name = "{f.json_name}"')
        if f.extendee:
            options.append(f"extends {f.extendee.lstrip('.')}")
        return FieldDoc(
            full_name=prefix + f.name,
            name=f.name,
            comment=self.comment(file, path),
            deprecated=f.options.deprecated,
            number=f.number,
            label=label,
            type=type_,
            type_url=url,
            default=f.default_value,
            options=", ".join(options),
        )

    def enum(
        self,
        file: FileDescriptorProto,
        enum: EnumDescriptorProto,
        prefix: str,
        path: tuple[int, ...],
    ) -> EnumDoc:
        full = prefix + enum.name
        return EnumDoc(
            full_name=full,
            name=enum.name,
            comment=self.comment(file, path),
            deprecated=enum.options.deprecated,
            values=[
                ValueDoc(
                    full_name=f"{full}.{v.name}",
                    name=v.name,
                    comment=self.comment(file, (*path, 2, i)),
                    deprecated=v.options.deprecated,
                    number=v.number,
                )
                for i, v in enumerate(enum.value)
            ],
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def document(schema: Schema, links: TypeLinks) -> list[FileDoc]:
    builder = _Builder(schema, links)
    return [builder.file(file) for file in schema.target_files()]


@router.get("/modules/{module}/versions/{version}/docs")
@page
async def docs_page(request: Request, module: str, version: str) -> Response:
    caller = await ui(request, module)
    services = caller.services
    stored = await services.pull.version(module, version)
    # Checked on every request, before the cache is looked at.
    closure = await readable_closure(caller, stored)
    cache = fragments_of(request)
    key = ("docs", *version_key(stored, closure))
    body = cache.get(key)
    if body is None:
        compiled, schema = await services.governance.schema_of_version(
            module, stored.version, scope=caller.scope
        )
        files = document(schema, TypeLinks(schema, compiled, closure))
        body = render_fragment("docs_body.html", version=compiled, files=files)
        if compiled.digest == stored.digest:  # not deleted and pushed again meanwhile
            cache.put(key, body)
    return render(request, "page_body.html", title=f"Docs — {module}@{stored.version}", body=body)
