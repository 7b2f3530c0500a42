"""The COMMENTS rules: every element carries a leading comment that documents it.
Trailing and detached comments do not count, nor do ``buf:lint:ignore`` lines. Findings
span the whole element."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf import descriptor_pb2 as d

from spoke.domain.lint import walk
from spoke.domain.lint.context import Context, Problem, q
from spoke.domain.lint.ignores import is_documentation


def _undocumented(
    ctx: Context, file: d.FileDescriptorProto, kind: str, found: Iterable[walk.Located[Any]]
) -> Iterator[Problem]:
    for element in found:
        location = ctx.schema.location(file.name, element.path)
        if location is None or not is_documentation(location.leading_comments):
            yield ctx.at(
                file,
                element.path,
                f"{kind} {q(element.node.name)} should have a non-empty comment for documentation.",
            )


def _is_proto2_group(file: d.FileDescriptorProto, field: d.FieldDescriptorProto) -> bool:
    # A proto2 group's comment belongs to its message, which COMMENT_MESSAGE judges;
    # buf does not judge the group's field. (Editions' delimited fields are fields.)
    return file.syntax in ("", "proto2") and field.type == d.FieldDescriptorProto.TYPE_GROUP


def comment_enum(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        yield from _undocumented(ctx, file, "Enum", walk.enums(file))


def comment_enum_value(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            yield from _undocumented(ctx, file, "Enum value", walk.enum_values(enum))


def comment_field(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        judged = (f for f in walk.fields(file) if not _is_proto2_group(file, f.node))
        yield from _undocumented(ctx, file, "Field", judged)


def comment_message(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        yield from _undocumented(ctx, file, "Message", walk.messages(file))


def comment_oneof(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        yield from _undocumented(ctx, file, "Oneof", walk.oneofs(file))


def comment_rpc(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        methods = (method for _, method in walk.all_methods(file))
        yield from _undocumented(ctx, file, "RPC", methods)


def comment_service(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        yield from _undocumented(ctx, file, "Service", walk.services(file))
