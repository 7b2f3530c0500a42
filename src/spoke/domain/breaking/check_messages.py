"""Rules on a message present on both sides (paired by full name, wherever it lives):
oneofs, reserved and extension ranges, required fields, options, JSON format, and
deleted fields."""

from __future__ import annotations

from google.protobuf.descriptor_pb2 import DescriptorProto, FieldDescriptorProto

from spoke.domain.breaking import ranges
from spoke.domain.breaking.index import MESSAGE_OPTIONS, Element, FieldElement
from spoke.domain.breaking.report import Report
from spoke.domain.breaking.semantics import feature_location


def check_messages(report: Report) -> None:
    for full_name, previous in sorted(report.old.messages.items()):
        message = report.new.messages.get(full_name)
        if message is not None:
            _message_pair(report, message, previous)


def _message_pair(report: Report, message: Element, previous: Element) -> None:
    now: DescriptorProto = message.proto
    before: DescriptorProto = previous.proto
    name = now.name
    if report.wants("ONEOF_NO_DELETE"):
        names = {o.name for o in now.oneof_decl}
        for index, oneof in enumerate(before.oneof_decl):
            if oneof.name not in names and not _synthetic(before, index):
                report.add(
                    "ONEOF_NO_DELETE",
                    message,
                    f'Previously present oneof "{oneof.name}" on message "{name}" was deleted.',
                    against=previous,
                )
    maximum = ranges.MESSAGE_SET_MAX if now.options.message_set_wire_format else ranges.MESSAGE_MAX
    if report.wants("RESERVED_MESSAGE_NO_DELETE"):
        check_ranges(
            report,
            "RESERVED_MESSAGE_NO_DELETE",
            "reserved",
            message,
            previous,
            [(r.start, r.end - 1) for r in before.reserved_range],
            [(r.start, r.end - 1) for r in now.reserved_range],
            maximum,
        )
        kept = set(now.reserved_name)
        for reserved in sorted(set(before.reserved_name) - kept):
            report.add(
                "RESERVED_MESSAGE_NO_DELETE",
                message,
                f'Previously present reserved name "{reserved}" on message "{name}" was deleted.',
                against=previous,
            )
    if report.wants("EXTENSION_MESSAGE_NO_DELETE"):
        check_ranges(
            report,
            "EXTENSION_MESSAGE_NO_DELETE",
            "extension",
            message,
            previous,
            [(r.start, r.end - 1) for r in before.extension_range],
            [(r.start, r.end - 1) for r in now.extension_range],
            maximum,
        )
    if report.wants("MESSAGE_SAME_REQUIRED_FIELDS"):
        _required(report, message, previous)
    if report.wants("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR") and (
        not before.options.no_standard_descriptor_accessor
        and now.options.no_standard_descriptor_accessor
    ):
        report.add(
            "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
            (message.file, (*message.path, MESSAGE_OPTIONS, 2)),
            'Message option "no_standard_descriptor_accessor" changed from "false" to "true".',
            file=message.file,
            against=previous,
        )
    if report.wants("MESSAGE_SAME_JSON_FORMAT"):
        was = report.os.json_format(previous, enum=False)
        is_ = report.ns.json_format(message, enum=False)
        if was == "ALLOW" and is_ != "ALLOW":
            report.add(
                "MESSAGE_SAME_JSON_FORMAT",
                feature_location(message, "message", "json_format"),
                f'Message "{name}" JSON format support changed from {was} to {is_}.',
                against=previous,
            )
    for rule, by_number, by_name in (
        ("FIELD_NO_DELETE", False, False),
        ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", True, False),
        ("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", False, True),
    ):
        if report.wants(rule):
            _fields_deleted(report, rule, message, previous, by_number, by_name)


def _synthetic(message: DescriptorProto, index: int) -> bool:
    """A proto3 ``optional`` field's oneof: not a oneof users wrote."""
    members = [f for f in message.field if f.HasField("oneof_index") and f.oneof_index == index]
    return len(members) == 1 and members[0].proto3_optional


def check_ranges(
    report: Report,
    rule: str,
    kind: str,
    element: Element,
    previous: Element,
    before: list[ranges.Range],
    now: list[ranges.Range],
    maximum: int,
) -> None:
    collapsed = ranges.collapse(now)
    what = "message" if maximum != ranges.ENUM_MAX else "enum"
    for start, end in before:
        gaps = ranges.missing((start, end), collapsed)
        if gaps:
            removed = ", ".join(ranges.text(lo, hi, maximum) for lo, hi in gaps)
            report.add(
                rule,
                element,
                f'Previously present {kind} range "{ranges.text(start, end, maximum)}" '
                f'on {what} "{element.name}" is missing values: {removed} were removed.',
                against=previous,
            )


def _required(report: Report, message: Element, previous: Element) -> None:
    required = FieldDescriptorProto.LABEL_REQUIRED
    before = {f.number for f in previous.proto.field if f.label == required}
    fields = report.new.fields(message)
    now = {n for n, f in fields.items() if f.proto.label == required}
    for number in sorted(before - now):
        report.add(
            "MESSAGE_SAME_REQUIRED_FIELDS",
            message,
            f'Message "{previous.proto.name}" had required field "{number}" deleted. '
            "Required fields must always be sent, so if one side does not know about "
            "the required field, this will result in a breakage.",
            against=previous,
        )
    for number in sorted(now - before):
        report.add(
            "MESSAGE_SAME_REQUIRED_FIELDS",
            fields[number],
            f'Message "{message.proto.name}" had required field "{number}" added. '
            "Required fields must always be sent, so if one side does not know about "
            "the required field, this will result in a breakage.",
        )


def field_description(field: FieldElement, *, with_name: bool = True) -> str:
    """buf's words for a field: 'Field "2" with name "n" on message "A"'."""
    proto: FieldDescriptorProto = field.proto
    if proto.HasField("extendee"):
        kind, owner, name = "Extension", proto.extendee.lstrip("."), field.full_name
    else:
        kind, owner, name = "Field", field.parent.name if field.parent else "", proto.name
    named = f' with name "{name}"' if with_name else ""
    return f'{kind} "{proto.number}"{named} on message "{owner}"'


def _fields_deleted(
    report: Report, rule: str, message: Element, previous: Element, by_number: bool, by_name: bool
) -> None:
    now: DescriptorProto = message.proto
    numbers = {f.number for f in now.field}
    reserved = [(r.start, r.end - 1) for r in now.reserved_range]
    names = set(now.reserved_name)
    for number, field in sorted(report.old.fields(previous).items()):
        if number in numbers:
            continue
        if by_number and any(lo <= number <= hi for lo, hi in reserved):
            continue
        if by_name and field.proto.name in names:
            continue
        suffix = ""
        if by_number:
            suffix = f' without reserving the number "{number}"'
        if by_name:
            suffix = f' without reserving the name "{field.proto.name}"'
        description = field_description(field)
        description = description[0].lower() + description[1:]
        report.add(
            rule,
            message,
            f"Previously present {description} was deleted{suffix}.",
            against=previous,
        )
