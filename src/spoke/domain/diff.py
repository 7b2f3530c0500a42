"""The structural difference between two compiled versions: what was added, removed and
changed, element by element (files, messages, fields, enums, values, services, RPCs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    FieldDescriptorProto,
    FileDescriptorProto,
)

from spoke.domain.schema import Schema


@dataclass(frozen=True, order=True)
class Change:
    """One element that differs. ``kind`` is file, message, field, enum, enum_value,
    service or rpc; ``name`` its full name (a field: ``Message.field`` by number)."""

    kind: str
    name: str
    file: str
    #: attribute -> [before, after], for a changed element.
    changes: tuple[tuple[str, Any, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind, "name": self.name, "file": self.file}
        if self.changes:
            found["changes"] = {k: {"from": a, "to": b} for k, a, b in self.changes}
        return found


@dataclass(frozen=True)
class Diff:
    added: list[Change]
    removed: list[Change]
    changed: list[Change]

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [c.as_dict() for c in self.added],
            "removed": [c.as_dict() for c in self.removed],
            "changed": [c.as_dict() for c in self.changed],
        }


Snapshot = dict[tuple[str, str], tuple[str, dict[str, Any]]]  # (kind, name) -> (file, attrs)

_FIELD_ATTRS = (
    "name",
    "number",
    "label",
    "type",
    "type_name",
    "json_name",
    "default_value",
    "proto3_optional",
)


def diff(new: Schema, old: Schema) -> Diff:
    after, before = _snapshot(new), _snapshot(old)
    added = [Change(k, n, after[(k, n)][0]) for k, n in sorted(set(after) - set(before))]
    removed = [Change(k, n, before[(k, n)][0]) for k, n in sorted(set(before) - set(after))]
    changed = []
    for key in sorted(set(after) & set(before)):
        file, now = after[key]
        was = before[key][1]
        deltas = tuple(
            (a, was.get(a), now.get(a))
            for a in sorted(set(now) | set(was))
            if was.get(a) != now.get(a)
        )
        if deltas:
            changed.append(Change(key[0], key[1], file, deltas))
    return Diff(added, removed, changed)


def _snapshot(schema: Schema) -> Snapshot:
    found: Snapshot = {}
    for proto in schema.target_files():
        found[("file", proto.name)] = (proto.name, _file_attrs(proto))
        prefix = proto.package
        for message in proto.message_type:
            _message(found, proto.name, prefix, message)
        for enum in proto.enum_type:
            _enum(found, proto.name, _join(prefix, enum.name), enum)
        for service in proto.service:
            name = _join(prefix, service.name)
            found[("service", name)] = (proto.name, {})
            for method in service.method:
                found[("rpc", f"{name}.{method.name}")] = (
                    proto.name,
                    {
                        "request": method.input_type.lstrip("."),
                        "response": method.output_type.lstrip("."),
                        "client_streaming": method.client_streaming,
                        "server_streaming": method.server_streaming,
                    },
                )
    return found


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _file_attrs(proto: FileDescriptorProto) -> dict[str, Any]:
    options = {f.name: v for f, v in proto.options.ListFields() if f.name != "features"}
    return {
        "package": proto.package,
        "syntax": proto.syntax or "proto2",
        "dependencies": sorted(proto.dependency),
        **{f"option {k}": _plain(v) for k, v in options.items()},
    }


def _message(found: Snapshot, file: str, prefix: str, message: DescriptorProto) -> None:
    name = _join(prefix, message.name)
    oneofs = [o.name for o in message.oneof_decl]
    found[("message", name)] = (
        file,
        {
            "reserved_numbers": [[r.start, r.end - 1] for r in message.reserved_range],
            "reserved_names": sorted(message.reserved_name),
        },
    )
    for field in message.field:
        attrs = {a: _plain(getattr(field, a)) for a in _FIELD_ATTRS}
        attrs["type"] = FieldDescriptorProto.Type.Name(field.type).removeprefix("TYPE_").lower()
        attrs["label"] = FieldDescriptorProto.Label.Name(field.label).removeprefix("LABEL_").lower()
        attrs["type_name"] = field.type_name.lstrip(".") or None
        attrs["oneof"] = oneofs[field.oneof_index] if field.HasField("oneof_index") else None
        found[("field", f"{name}.{field.number}")] = (file, attrs)
    for nested in message.nested_type:
        if not nested.options.map_entry:
            _message(found, file, name, nested)
    for enum in message.enum_type:
        _enum(found, file, f"{name}.{enum.name}", enum)


def _enum(found: Snapshot, file: str, name: str, enum: Any) -> None:
    found[("enum", name)] = (file, {"reserved_names": sorted(enum.reserved_name)})
    for value in enum.value:
        found[("enum_value", f"{name}.{value.number}.{value.name}")] = (file, {})


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


__all__ = ["Change", "Diff", "diff"]
