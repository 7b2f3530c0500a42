"""Rules on field and enum definitions that make a schema hard to evolve: required
fields, enum aliases, enums that do not start at zero."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf import descriptor_pb2 as d

from spoke.domain.lint import walk
from spoke.domain.lint.context import Context, Problem, q

_ALLOW_ALIAS = d.EnumOptions.ALLOW_ALIAS_FIELD_NUMBER


def enum_first_value_zero(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            first = next(walk.enum_values(enum), None)
            if first is not None and first.node.number != 0:
                yield ctx.at(
                    file,
                    first.child(walk.ENUM_VALUE_NUMBER),
                    # buf's message has no full stop.
                    f"First enum value {q(first.node.name)} should have a numeric value of 0",
                )


def enum_no_allow_alias(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            if enum.node.options.allow_alias:
                yield ctx.at(
                    file,
                    enum.child(walk.ENUM_OPTIONS, _ALLOW_ALIAS),
                    f'Enum option "allow_alias" on enum {q(enum.node.name)} must be false.',
                )


def _required(field: d.FieldDescriptorProto) -> bool:
    if field.label == d.FieldDescriptorProto.LABEL_REQUIRED:
        return True
    # Editions spell proto2's ``required`` as a feature.
    presence = field.options.features.field_presence
    return presence == d.FeatureSet.LEGACY_REQUIRED


def field_not_required(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for field in walk.fields(file):
            if _required(field.node):
                yield ctx.at(
                    file,
                    field.child(walk.NAME),
                    f"Field named {q(field.node.name)} should not be required.",
                )


def protovalidate(ctx: Context) -> Iterator[Problem]:
    """Accepted but reports nothing: checking protovalidate rules needs its CEL
    compiler (see docs/governance-lint.md)."""
    return iter(())


def import_no_weak(ctx: Context) -> Iterator[Problem]:
    """Deprecated by buf, which no longer reports it either."""
    return iter(())
