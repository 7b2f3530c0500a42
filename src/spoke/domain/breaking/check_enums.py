"""Rules on an enum present on both sides (paired by full name): deleted values (with the
reserved variants), renamed values, reserved ranges and names, openness, JSON format."""

from __future__ import annotations

from collections import defaultdict

from google.protobuf.descriptor_pb2 import EnumDescriptorProto

from spoke.domain.breaking import ranges
from spoke.domain.breaking.check_messages import check_ranges
from spoke.domain.breaking.index import ENUM_VALUE, Element
from spoke.domain.breaking.report import Report
from spoke.domain.breaking.semantics import feature_location

_NUMBER = 2


def check_enums(report: Report) -> None:
    for full_name, previous in sorted(report.old.enums.items()):
        enum = report.new.enums.get(full_name)
        if enum is not None:
            _enum_pair(report, enum, previous)


def _by_number(enum: EnumDescriptorProto) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for index, value in enumerate(enum.value):
        found[value.number].append((index, value.name))
    return found


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _enum_pair(report: Report, enum: Element, previous: Element) -> None:
    now: EnumDescriptorProto = enum.proto
    before: EnumDescriptorProto = previous.proto
    now_values, before_values = _by_number(now), _by_number(before)
    reserved = [(r.start, r.end) for r in now.reserved_range]
    for rule, by_number, by_name in (
        ("ENUM_VALUE_NO_DELETE", False, False),
        ("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", True, False),
        ("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", False, True),
    ):
        if not report.wants(rule):
            continue
        for number, values in sorted(before_values.items()):
            if number in now_values:
                continue
            names = sorted(name for _, name in values)
            if by_number and any(lo <= number <= hi for lo, hi in reserved):
                continue
            if by_name and all(name in now.reserved_name for name in names):
                continue
            suffix = ""
            if by_number:
                suffix = f' without reserving the number "{number}"'
            if by_name:
                plural = "s" if len(names) > 1 else ""
                suffix = f" without reserving the name{plural} {_quoted(names)}"
            report.add(
                rule,
                enum,
                f'Previously present enum value "{number}" on enum "{now.name}" was '
                f"deleted{suffix}.",
                against=previous,
            )
    if report.wants("ENUM_VALUE_SAME_NAME"):
        for number, values in sorted(before_values.items()):
            current = now_values.get(number)
            if current is None:
                continue
            before_names = sorted(name for _, name in values)
            names = sorted(name for _, name in current)
            # buf asks whether every old name is still there: adding an alias is safe,
            # dropping one (even with another name left for the number) is not.
            if set(before_names) <= set(names):
                continue
            plural = "s" if len(before_names) > 1 and len(names) > 1 else ""
            for index, _ in current:
                report.add(
                    "ENUM_VALUE_SAME_NAME",
                    (enum.file, (*enum.path, ENUM_VALUE, index, _NUMBER)),
                    f'Enum value "{number}" on enum "{now.name}" changed name{plural} '
                    f"from {_quoted(before_names)} to {_quoted(names)}.",
                    file=enum.file,
                    against=previous,
                )
    if report.wants("RESERVED_ENUM_NO_DELETE"):
        check_ranges(
            report,
            "RESERVED_ENUM_NO_DELETE",
            "reserved",
            enum,
            previous,
            [(r.start, r.end) for r in before.reserved_range],
            reserved,
            ranges.ENUM_MAX,
        )
        for name in sorted(set(before.reserved_name) - set(now.reserved_name)):
            report.add(
                "RESERVED_ENUM_NO_DELETE",
                enum,
                f'Previously present reserved name "{name}" on enum "{now.name}" was deleted.',
                against=previous,
            )
    if report.wants("ENUM_SAME_TYPE"):
        was, is_ = report.os.enum_closed(previous), report.ns.enum_closed(enum)
        if was != is_:
            before_state, after_state = ("closed", "open") if was else ("open", "closed")
            report.add(
                "ENUM_SAME_TYPE",
                feature_location(enum, "enum", "enum_type"),
                f'Enum "{now.name}" changed from {before_state} to {after_state}.',
                against=previous,
            )
    if report.wants("ENUM_SAME_JSON_FORMAT"):
        was_format = report.os.json_format(previous, enum=True)
        now_format = report.ns.json_format(enum, enum=True)
        if was_format == "ALLOW" and now_format != "ALLOW":
            report.add(
                "ENUM_SAME_JSON_FORMAT",
                feature_location(enum, "enum", "json_format"),
                f'Enum "{now.name}" JSON format support changed from {was_format} to {now_format}.',
                against=previous,
            )
