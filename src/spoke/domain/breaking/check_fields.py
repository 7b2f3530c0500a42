"""Rules on a field present on both sides: a message's field paired by number (the
message by full name), an extension by extendee and number."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator

from google.protobuf.descriptor_pb2 import FieldDescriptorProto, FieldOptions

from spoke.domain.breaking import semantics as sem
from spoke.domain.breaking.check_messages import field_description
from spoke.domain.breaking.index import FieldElement, Index
from spoke.domain.breaking.report import Report, quote

T = FieldDescriptorProto
_NAMED = {"message", "enum", "group"}
_TYPE, _TYPE_NAME, _NAME, _DEFAULT, _OPTIONS, _JSON_NAME = 5, 6, 1, 7, 8, 10
_CTYPE, _JSTYPE, _FEATURES = 1, 6, 21


def _pairs(report: Report) -> Iterator[tuple[FieldElement, FieldElement]]:
    for full_name, previous_message in sorted(report.old.messages.items()):
        message = report.new.messages.get(full_name)
        if message is None:
            continue
        fields = report.new.fields(message)
        for number, previous in sorted(report.old.fields(previous_message).items()):
            if number in fields:
                yield fields[number], previous
    extensions = _extensions(report.new)
    for key, previous in sorted(_extensions(report.old).items()):
        if key in extensions:
            yield extensions[key], previous


def _extensions(index: Index) -> dict[tuple[str, int], FieldElement]:
    return {(e.proto.extendee, e.proto.number): e for e in index.extensions}


def check_fields(report: Report) -> None:
    for field, previous in _pairs(report):
        _type_rules(report, field, previous)
        _cardinality_rules(report, field, previous)
        _option_rules(report, field, previous)
        _name_rules(report, field, previous)


# -- types ------------------------------------------------------------------------------
def _type_location(report: Report, field: FieldElement) -> tuple[str, tuple[int, ...]]:
    step = _TYPE_NAME if report.ns.kind(field) in _NAMED else _TYPE
    return field.file, (*field.path, step)


def _changed_type(
    report: Report, rule: str, field: FieldElement, previous: FieldElement, extra: str = ""
) -> None:
    before, after = report.os.pretty_kind(previous), report.ns.pretty_kind(field)
    report.add(
        rule,
        _type_location(report, field),
        f'{field_description(field)} changed type from "{before}" to "{after}".{extra}',
        file=field.file,
        against=previous,
    )


def _changed_type_name(
    report: Report, rule: str, field: FieldElement, previous: FieldElement
) -> None:
    before, after = previous.proto.type_name.lstrip("."), field.proto.type_name.lstrip(".")
    report.add(
        rule,
        (field.file, (*field.path, _TYPE_NAME)),
        f'{field_description(field)} changed type from "{before}" to "{after}".',
        file=field.file,
        against=previous,
    )


_WIRE_NOTE = (
    " See https://developers.google.com/protocol-buffers/docs/proto3#updating for "
    "wire compatibility rules."
)
_BYTES_NOTE = (
    " Note that while string and bytes are compatible if the data is valid UTF-8, "
    "there is no way to enforce that a bytes field is UTF-8, so these fields may be "
    "incompatible."
)
_WIRE_JSON_NOTE = (
    " See https://developers.google.com/protocol-buffers/docs/proto3#updating "
    "for wire compatibility rules and "
    "https://developers.google.com/protocol-buffers/docs/proto3#json for JSON "
    "compatibility rules."
)


def _type_rules(report: Report, field: FieldElement, previous: FieldElement) -> None:
    before, after = report.os.kind(previous), report.ns.kind(field)
    named_changed = field.proto.type_name != previous.proto.type_name
    if report.wants("FIELD_SAME_TYPE"):
        if before != after:
            _changed_type(report, "FIELD_SAME_TYPE", field, previous)
        elif after in _NAMED and named_changed:
            _changed_type_name(report, "FIELD_SAME_TYPE", field, previous)
    if report.wants("FIELD_WIRE_COMPATIBLE_TYPE"):
        rule = "FIELD_WIRE_COMPATIBLE_TYPE"
        if sem.WIRE_GROUP[before] != sem.WIRE_GROUP[after]:
            if not (before == "string" and after == "bytes"):
                extra = _WIRE_NOTE + (_BYTES_NOTE if (before, after) == ("bytes", "string") else "")
                _changed_type(report, rule, field, previous, extra)
        elif after == "enum" and named_changed:
            _enum_compatible(report, rule, field, previous)
        elif after in ("message", "group") and named_changed:
            _changed_type_name(report, rule, field, previous)
    if report.wants("FIELD_WIRE_JSON_COMPATIBLE_TYPE"):
        rule = "FIELD_WIRE_JSON_COMPATIBLE_TYPE"
        if sem.WIRE_JSON_GROUP[before] != sem.WIRE_JSON_GROUP[after]:
            _changed_type(report, rule, field, previous, _WIRE_JSON_NOTE)
        elif after == "enum" and named_changed:
            _enum_compatible(report, rule, field, previous)
        elif after in ("message", "group") and named_changed:
            _changed_type_name(report, rule, field, previous)


def _enum_compatible(
    report: Report, rule: str, field: FieldElement, previous: FieldElement
) -> None:
    """Another enum is compatible if it has the same short name and every old value."""
    before = report.old.all_enums.get(previous.proto.type_name.lstrip("."))
    after = report.new.all_enums.get(field.proto.type_name.lstrip("."))
    if before is None or after is None or before.name != after.name:
        _changed_type_name(report, rule, field, previous)
        return
    values = {(v.name, v.number) for v in after.value}
    if not all((v.name, v.number) in values for v in before.value):
        _changed_type_name(report, rule, field, previous)


# -- cardinality ---------------------------------------------------------------------------
def _cardinality_rules(report: Report, field: FieldElement, previous: FieldElement) -> None:
    if report.ns.in_map_entry(field) and report.os.in_map_entry(previous):
        return
    before, after = report.os.cardinality(previous), report.ns.cardinality(field)
    message = f'{field_description(field)} changed cardinality from "{before}" to "{after}".'
    for rule, groups in (
        ("FIELD_SAME_CARDINALITY", None),
        ("FIELD_WIRE_COMPATIBLE_CARDINALITY", sem.CARDINALITY_WIRE_GROUP),
        ("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", sem.CARDINALITY_WIRE_JSON_GROUP),
    ):
        if not report.wants(rule):
            continue
        differs = before != after if groups is None else groups[before] != groups[after]
        if differs:
            report.add(rule, field, message, against=previous)


# -- options -------------------------------------------------------------------------------
def _option_location(field: FieldElement, option: int) -> tuple[str, tuple[int, ...]] | None:
    if field.proto.options.HasField({_CTYPE: "ctype", _JSTYPE: "jstype"}[option]):
        return field.file, (*field.path, _OPTIONS, option)
    if option == _CTYPE:
        return _language_feature_location(field, sem.CPP, sem.CPP_STRING_TYPE)
    return None


def _language_feature_location(
    field: FieldElement, extension: int, number: int
) -> tuple[str, tuple[int, ...]] | None:
    """The field's own ``features.(pb.cpp)…`` / ``(pb.java)…`` setting, if it has one."""
    if sem.language_feature(field.proto.options.features, extension, number) is None:
        return None
    return field.file, (*field.path, _OPTIONS, _FEATURES, extension, number)


def _option_rules(report: Report, field: FieldElement, previous: FieldElement) -> None:
    before_kind, after_kind = report.os.kind(previous), report.ns.kind(field)
    description = field_description(field)
    strings = {"string", "bytes"}
    if (
        report.wants("FIELD_SAME_CPP_STRING_TYPE")
        and before_kind in strings
        and after_kind in strings
        and not (report.ns.in_map_entry(field) and report.os.in_map_entry(previous))
    ):
        was, was_piece = report.os.cpp_string_type(previous)
        now, now_piece = report.ns.cpp_string_type(field)
        if (was, was_piece) != (now, now_piece) and not (was_piece and now == "STRING"):
            report.add(
                "FIELD_SAME_CPP_STRING_TYPE",
                _option_location(field, _CTYPE) or (field.file, field.path),
                f"{description} changed C++ string type from "
                f'"{"STRING_PIECE" if was_piece else was}" to '
                f'"{"STRING_PIECE" if now_piece else now}".',
                against=previous,
            )
    if before_kind == "string" and after_kind == "string":
        if report.wants("FIELD_SAME_JAVA_UTF8_VALIDATION"):
            was, now = (
                report.os.java_utf8_validation(previous),
                report.ns.java_utf8_validation(field),
            )
            if was != now:
                report.add(
                    "FIELD_SAME_JAVA_UTF8_VALIDATION",
                    _java_location(report, field),
                    f'{description} changed Java string UTF8 validation from "{was}" to "{now}".',
                    against=previous,
                )
        if report.wants("FIELD_SAME_UTF8_VALIDATION"):
            was, now = report.os.utf8_validation(previous), report.ns.utf8_validation(field)
            if was != now:
                report.add(
                    "FIELD_SAME_UTF8_VALIDATION",
                    sem.feature_location(field, "field", "utf8_validation"),
                    f"{description} changed UTF8 validation from {was} to {now}.",
                    against=previous,
                )
    if (
        report.wants("FIELD_SAME_JSTYPE")
        and previous.proto.type in sem.SIXTY_FOUR_BIT
        and field.proto.type in sem.SIXTY_FOUR_BIT
    ):
        was_js = previous.proto.options.jstype
        now_js = field.proto.options.jstype
        if was_js != now_js:
            report.add(
                "FIELD_SAME_JSTYPE",
                _option_location(field, _JSTYPE) or (field.file, field.path),
                f'{description} changed option "jstype" from "{_jstype(was_js)}" to '
                f'"{_jstype(now_js)}".',
                against=previous,
            )
    if report.wants("FIELD_SAME_DEFAULT"):
        _default_rule(report, field, previous)


def _java_location(report: Report, field: FieldElement) -> tuple[str, tuple[int, ...]]:
    own = _language_feature_location(field, sem.JAVA, sem.JAVA_UTF8_VALIDATION)
    if own is not None:
        return own
    file = report.new.file_of(field)
    if file.options.HasField("java_string_check_utf8"):
        return field.file, (8, 27)
    return field.file, field.path


def _jstype(value: int) -> str:
    return str(FieldOptions.JSType.Name(value))  # type: ignore[arg-type]


def _default_rule(report: Report, field: FieldElement, previous: FieldElement) -> None:
    if not (_can_default(report.ns, field) and _can_default(report.os, previous)):
        return
    was = _default(report.old, report.os, previous)
    now = _default(report.new, report.ns, field)
    if not was[0] and not now[0]:
        return
    if not _defaults_equal(was, now):
        location = (
            (field.file, (*field.path, _DEFAULT))
            if field.proto.HasField("default_value")
            else (field.file, field.path)
        )
        report.add(
            "FIELD_SAME_DEFAULT",
            location,
            f"{field_description(field)} changed default value from {was[2]} to {now[2]}.",
            against=previous,
            keyword="default",
        )


def _can_default(semantics: sem.Semantics, field: FieldElement) -> bool:
    cardinality = semantics.cardinality(field)
    return cardinality not in (sem.REPEATED, sem.MAP) and semantics.kind(field) not in (
        "message",
        "group",
    )


Default = tuple[bool, object, str]  # (non-zero, comparable, printable)


def _default(index: Index, semantics: sem.Semantics, field: FieldElement) -> Default:
    proto: FieldDescriptorProto = field.proto
    kind = semantics.kind(field)
    text = proto.default_value
    if kind in ("string", "bytes"):
        value = (
            text.encode("latin-1", "backslashreplace").decode("unicode_escape")
            if (kind == "bytes")
            else text
        )
        printable = (
            quote(value)
            if kind == "string"
            else "[" + ",".join(f"0x{b:X}" for b in value.encode("latin-1", "replace")) + "]"
        )
        return bool(value), value, printable
    if kind == "enum":
        enum = index.all_enums.get(proto.type_name.lstrip("."))
        values = list(enum.value) if enum is not None else []
        chosen = next((v for v in values if v.name == text), values[0] if values else None)
        number = chosen.number if chosen is not None else 0
        name = enum.name if enum is not None else "?"
        return number != 0, float(number), f"{name}.{chosen.name if chosen else number}"
    if kind == "bool":
        flag = text == "true"
        return flag, 1.0 if flag else 0.0, "true" if flag else "false"
    if not text:
        return False, 0.0, "0"
    if kind in ("float", "double"):
        real = float(text)
        if kind == "float" and math.isfinite(real):
            real = struct.unpack("f", struct.pack("f", real))[0]
        return real != 0 or math.isnan(real), real, _float_text(real, 32 if kind == "float" else 64)
    integer: int = int(text)
    return integer != 0, float(integer), str(integer)


def _float_text(number: float, bits: int) -> str:
    """A float as Go's ``%v`` prints it (buf's message): the shortest digits that read
    back as the same ``bits``-bit float, in exponent form below 1e-4 and from 1e6 up."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    digits, exponent = _shortest_digits(number, bits)
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1  # digits before the decimal point
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _shortest_digits(number: float, bits: int) -> tuple[str, int]:
    """The fewest significant digits that round-trip at ``bits`` bits, and the decimal
    exponent of the first one."""
    text = ""
    for precision in range(1, 18):
        text = f"{abs(number):.{precision - 1}e}"
        back = float(text)
        if bits == 32:
            back = struct.unpack("f", struct.pack("f", back))[0]
        if back == abs(number):
            break
    mantissa, exponent = text.split("e")
    return mantissa.replace(".", "").rstrip("0") or "0", int(exponent)


def _defaults_equal(was: Default, now: Default) -> bool:
    if isinstance(was[1], str) or isinstance(now[1], str):
        return was[1] == now[1]
    a, b = float(was[1]), float(now[1])  # type: ignore[arg-type]
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b


# -- names ---------------------------------------------------------------------------------
def _name_rules(report: Report, field: FieldElement, previous: FieldElement) -> None:
    extension = previous.proto.HasField("extendee")
    if (
        report.wants("FIELD_SAME_JSON_NAME")
        and not extension
        and previous.proto.json_name != field.proto.json_name
    ):
        location = (
            (field.file, (*field.path, _JSON_NAME))
            if _explicit_json_name(report, field)
            else (field.file, field.path)
        )
        report.add(
            "FIELD_SAME_JSON_NAME",
            location,
            f'{field_description(field)} changed option "json_name" from '
            f"{quote(previous.proto.json_name)} to {quote(field.proto.json_name)}.",
            against=previous,
        )
    if report.wants("FIELD_SAME_NAME"):
        before = previous.full_name if extension else previous.proto.name
        after = field.full_name if extension else field.proto.name
        if before != after:
            report.add(
                "FIELD_SAME_NAME",
                (field.file, (*field.path, _NAME)),
                f"{field_description(field, with_name=False)} changed name from "
                f'"{before}" to "{after}".',
                file=field.file,
                against=previous,
            )
    if report.wants("FIELD_SAME_ONEOF") and not extension:
        _oneof_rule(report, field, previous)


def _explicit_json_name(report: Report, field: FieldElement) -> bool:
    return report.new.schema.location(field.file, (*field.path, _JSON_NAME)) is not None


def _oneof_name(field: FieldElement) -> str | None:
    proto: FieldDescriptorProto = field.proto
    if not proto.HasField("oneof_index") or proto.proto3_optional or field.parent is None:
        return None
    return str(field.parent.proto.oneof_decl[proto.oneof_index].name)


def _oneof_rule(report: Report, field: FieldElement, previous: FieldElement) -> None:
    before, after = _oneof_name(previous), _oneof_name(field)
    if before is None and after is None:
        return
    description = field_description(field)
    if before is not None and after is not None:
        if before != after:
            report.add(
                "FIELD_SAME_ONEOF",
                field,
                f'{description}q moved from oneof "{before}" to oneof "{after}".',
                against=previous,
            )
        return
    was, now = ("inside", "outside") if before is not None else ("outside", "inside")
    report.add(
        "FIELD_SAME_ONEOF",
        field,
        f"{description} moved from {was} to {now} a oneof.",
        against=previous,
    )
