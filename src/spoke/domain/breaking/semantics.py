"""What a descriptor means on the wire and in JSON, syntax by syntax: a field's kind and
cardinality (with presence), an enum's openness, JSON format and UTF-8 validation
(proto2 and proto3 defaults, overridden by edition features)."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    FeatureSet,
    FieldDescriptorProto,
    FieldOptions,
    FileDescriptorProto,
)
from google.protobuf.empty_pb2 import Empty
from google.protobuf.unknown_fields import UnknownFieldSet

from spoke.domain.breaking.index import Element, FieldElement, Index, descend

T = FieldDescriptorProto

_KIND = {
    T.TYPE_DOUBLE: "double",
    T.TYPE_FLOAT: "float",
    T.TYPE_INT64: "int64",
    T.TYPE_UINT64: "uint64",
    T.TYPE_INT32: "int32",
    T.TYPE_FIXED64: "fixed64",
    T.TYPE_FIXED32: "fixed32",
    T.TYPE_BOOL: "bool",
    T.TYPE_STRING: "string",
    T.TYPE_GROUP: "group",
    T.TYPE_MESSAGE: "message",
    T.TYPE_BYTES: "bytes",
    T.TYPE_UINT32: "uint32",
    T.TYPE_ENUM: "enum",
    T.TYPE_SFIXED32: "sfixed32",
    T.TYPE_SFIXED64: "sfixed64",
    T.TYPE_SINT32: "sint32",
    T.TYPE_SINT64: "sint64",
}

# https://protobuf.dev/programming-guides/proto3/#updating: kinds in one group can be read
# as one another on the wire; the second map also keeps the JSON form.
WIRE_GROUP = {
    "int32": 1, "int64": 1, "uint32": 1, "uint64": 1, "bool": 1,
    "sint32": 2, "sint64": 2, "string": 3, "bytes": 4,
    "fixed32": 5, "sfixed32": 5, "fixed64": 6, "sfixed64": 6,
    "double": 7, "float": 8, "group": 9, "message": 10, "enum": 11,
}  # fmt: skip
WIRE_JSON_GROUP = {
    "int32": 1, "uint32": 1, "int64": 2, "uint64": 2,
    "fixed32": 3, "sfixed32": 3, "fixed64": 4, "sfixed64": 4,
    "bool": 5, "sint32": 6, "sint64": 7, "string": 8, "bytes": 9,
    "double": 10, "float": 11, "group": 12, "message": 13, "enum": 14,
}  # fmt: skip

EXPLICIT, IMPLICIT = "optional with explicit presence", "optional with implicit presence"
REQUIRED, REPEATED, MAP = "required", "repeated", "map"
CARDINALITY_WIRE_GROUP = {EXPLICIT: 1, IMPLICIT: 1, REQUIRED: 2, REPEATED: 3, MAP: 3}
CARDINALITY_WIRE_JSON_GROUP = {EXPLICIT: 1, IMPLICIT: 1, REQUIRED: 2, REPEATED: 3, MAP: 4}

SIXTY_FOUR_BIT = {T.TYPE_INT64, T.TYPE_SINT64, T.TYPE_UINT64, T.TYPE_FIXED64, T.TYPE_SFIXED64}


def syntax(file: FileDescriptorProto) -> str:
    """ "proto2", "proto3" or "editions" (protoc leaves proto2 unnamed)."""
    return file.syntax or "proto2"


def syntax_label(file: FileDescriptorProto) -> str:
    """The syntax as buf names it in FILE_SAME_SYNTAX."""
    if file.syntax == "editions":
        return "editions"
    return file.syntax or "proto2"


class Semantics:
    """Resolves the properties buf compares, for the elements of one :class:`Index`."""

    def __init__(self, index: Index) -> None:
        self.index = index

    # -- features --------------------------------------------------------------------
    def _feature(self, element: Element, name: str, chain: list[Any]) -> int:
        """An edition feature: the nearest explicit setting, else the edition's default."""
        for options in chain:
            features = options.features
            if features.HasField(name):
                return int(getattr(features, name))
        file = self.index.file_of(element)
        if file.options.features.HasField(name):  # type: ignore[arg-type]
            return int(getattr(file.options.features, name))
        return _EDITION_2023_DEFAULTS[name]

    def _message_chain(self, element: Element) -> list[Any]:
        """Options of the messages ``element`` is in, innermost first, up to the file;
        a message's own options first when ``element`` is a message."""
        file = self.index.file_of(element)
        along = descend(file, element.path)
        messages = [proto for proto in along if isinstance(proto, DescriptorProto)]
        return [message.options for message in reversed(messages)]

    # -- fields ----------------------------------------------------------------------
    def kind(self, field: FieldElement) -> str:
        proto: FieldDescriptorProto = field.proto
        if proto.type == T.TYPE_MESSAGE and syntax(self.index.file_of(field)) == "editions":
            encoding = self._feature(field, "message_encoding", self._field_chain(field))
            if encoding == FeatureSet.DELIMITED:
                return "group"
        return _KIND[proto.type]

    def pretty_kind(self, field: FieldElement) -> str:
        kind = self.kind(field)
        if kind == "group" and syntax(self.index.file_of(field)) != "proto2":
            return "message (delimited encoding)"
        return kind

    def _field_chain(self, field: FieldElement) -> list[Any]:
        return [field.proto.options, *self._message_chain(field)]

    def cardinality(self, field: FieldElement) -> str:
        proto: FieldDescriptorProto = field.proto
        if proto.label == T.LABEL_REPEATED:
            is_map = proto.type == T.TYPE_MESSAGE and self.index.is_map_entry(proto.type_name)
            return MAP if is_map else REPEATED
        file = self.index.file_of(field)
        if proto.label == T.LABEL_REQUIRED or self._legacy_required(field, file):
            return REQUIRED
        return EXPLICIT if self.has_presence(field, file) else IMPLICIT

    def _legacy_required(self, field: FieldElement, file: FileDescriptorProto) -> bool:
        """Editions spell proto2's ``required`` as ``field_presence = LEGACY_REQUIRED``
        (protoc leaves the label optional), on scalar and message fields alike."""
        if syntax(file) != "editions":
            return False
        presence = self._feature(field, "field_presence", self._field_chain(field))
        return presence == FeatureSet.LEGACY_REQUIRED

    def has_presence(self, field: FieldElement, file: FileDescriptorProto) -> bool:
        proto: FieldDescriptorProto = field.proto
        if proto.type in (T.TYPE_MESSAGE, T.TYPE_GROUP) or proto.HasField("extendee"):
            return True
        if proto.HasField("oneof_index"):
            return True
        kind = syntax(file)
        if kind == "proto2":
            return True
        if kind == "proto3":
            return proto.proto3_optional
        presence = self._feature(field, "field_presence", self._field_chain(field))
        return presence != FeatureSet.IMPLICIT

    def in_map_entry(self, field: FieldElement) -> bool:
        parent = field.parent
        return parent is not None and parent.proto.options.map_entry

    def utf8_validation(self, field: FieldElement) -> str:
        file = self.index.file_of(field)
        kind = syntax(file)
        if kind == "proto2":
            return "NONE"
        if kind == "proto3":
            return "VERIFY"
        value = self._feature(field, "utf8_validation", self._field_chain(field))
        return FeatureSet.Utf8Validation.Name(value)  # type: ignore[arg-type]

    def java_utf8_validation(self, field: FieldElement) -> str:
        file = self.index.file_of(field)
        if file.options.java_string_check_utf8:
            return "VERIFY"
        if syntax(file) == "editions":
            chain = [field.proto.options, file.options]
            if self._language_feature(chain, JAVA, JAVA_UTF8_VALIDATION) == _JAVA_VERIFY:
                return "VERIFY"
        return self.utf8_validation(field)

    def cpp_string_type(self, field: FieldElement) -> tuple[str, bool]:
        """("STRING"|"CORD"|"VIEW", is string piece): the ctype option, else (editions)
        the ``(pb.cpp).string_type`` feature."""
        options: FieldOptions = field.proto.options
        if options.HasField("ctype"):
            if options.ctype == FieldOptions.CORD:
                return "CORD", False
            if options.ctype == FieldOptions.STRING_PIECE:
                return "STRING", True
            return "STRING", False
        if syntax(self.index.file_of(field)) == "editions":
            chain = [options, self.index.file_of(field).options]
            value = self._language_feature(chain, CPP, CPP_STRING_TYPE)
            return _CPP_STRING_TYPES.get(value or 0, "STRING"), False
        return "STRING", False

    @staticmethod
    def _language_feature(chain: list[Any], extension: int, number: int) -> int | None:
        """A language's feature (an extension of FeatureSet: ``(pb.cpp)``, ``(pb.java)``)
        set nearest along ``chain`` (options, innermost first), or None. The descriptors
        are read without those extensions' classes, so they come as unknown fields."""
        for options in chain:
            found = language_feature(options.features, extension, number)
            if found is not None:
                return found
        return None

    # -- enums and messages ----------------------------------------------------------
    def enum_closed(self, enum: Element) -> bool:
        kind = syntax(self.index.file_of(enum))
        if kind != "editions":
            return kind == "proto2"
        chain = [enum.proto.options, *self._message_chain(enum)]
        return self._feature(enum, "enum_type", chain) == FeatureSet.CLOSED

    def json_format(self, element: Element, *, enum: bool) -> str:
        kind = syntax(self.index.file_of(element))
        if kind == "proto2":
            return "LEGACY_BEST_EFFORT"
        if kind == "proto3":
            return "ALLOW"
        chain = ([element.proto.options] if enum else []) + self._message_chain(element)
        value = self._feature(element, "json_format", chain)
        return FeatureSet.JsonFormat.Name(value)  # type: ignore[arg-type]


# FeatureSet's extensions for languages, and the features of theirs that buf compares.
CPP, JAVA = 1000, 1001
CPP_STRING_TYPE, JAVA_UTF8_VALIDATION = 2, 2
_CPP_STRING_TYPES = {1: "VIEW", 2: "CORD", 3: "STRING"}
_JAVA_VERIFY = 2


def language_feature(features: FeatureSet, extension: int, number: int) -> int | None:
    """Field ``number`` of the ``extension`` message set in ``features`` (the last one
    wins, as when parsing), or None."""
    found = None
    for unknown in _unknown(features):
        if unknown.field_number != extension or not isinstance(unknown.data, bytes):
            continue
        for inner in _unknown(Empty.FromString(unknown.data)):
            if inner.field_number == number and isinstance(inner.data, int):
                found = inner.data
    return found


def _unknown(message: Any) -> list[Any]:
    fields = UnknownFieldSet(message)
    return [fields[i] for i in range(len(fields))]


# Where an element's own ``features`` live: its options field, then FeatureSet's fields.
_OPTIONS_STEP = {"field": 8, "enum": 3, "message": 7}
_FEATURES_STEP = {"field": 21, "enum": 7, "message": 12}
_FEATURE_NUMBER = {
    "field_presence": 1,
    "enum_type": 2,
    "repeated_field_encoding": 3,
    "utf8_validation": 4,
    "message_encoding": 5,
    "json_format": 6,
}


def feature_location(element: Element, kind: str, feature: str) -> tuple[str, tuple[int, ...]]:
    """Where buf points for a feature: the element's own setting of it, if it has one,
    else the element itself."""
    if element.proto.options.features.HasField(feature):
        step = (_OPTIONS_STEP[kind], _FEATURES_STEP[kind], _FEATURE_NUMBER[feature])
        return element.file, (*element.path, *step)
    return element.file, element.path


_EDITION_2023_DEFAULTS = {
    "field_presence": FeatureSet.EXPLICIT,
    "enum_type": FeatureSet.OPEN,
    "repeated_field_encoding": FeatureSet.PACKED,
    "utf8_validation": FeatureSet.VERIFY,
    "message_encoding": FeatureSet.LENGTH_PREFIXED,
    "json_format": FeatureSet.ALLOW,
}
