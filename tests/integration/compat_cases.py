"""Breaking-change fixtures for issue 18's classes 3, 4 and 5, each in its own directory
and package (``cN/<name>/``), so that one ``buf breaking`` run checks a whole class. Each
case names the rules buf reports on it (one entry per finding); the differential test
checks that we report the same findings, to the column and the message."""

from __future__ import annotations

from dataclasses import dataclass

P2 = 'syntax = "proto2";\n'
P3 = 'syntax = "proto3";\n'
ED = 'edition = "2023";\n'

#: Every rule of every category (buf's v2 ``use: [FILE, PACKAGE, WIRE_JSON, WIRE]``).
ALL = ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]

CARD = ("FIELD_SAME_CARDINALITY",)
CARD_ALL = (
    "FIELD_SAME_CARDINALITY",
    "FIELD_WIRE_COMPATIBLE_CARDINALITY",
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
)


@dataclass(frozen=True)
class Case:
    """One change: the old and new files (a file missing on one side was added or
    deleted), and the rule of every finding buf reports on it, sorted."""

    old: dict[str, str]
    new: dict[str, str]
    rules: tuple[str, ...]


def _one(head: str, package: str, old: str, new: str, rules: tuple[str, ...]) -> Case:
    path = package.replace(".", "/") + "/f.proto"
    return Case(
        {path: head[0] + f"package {package};\n" + old},
        {path: head[-1] + f"package {package};\n" + new},
        tuple(sorted(rules)),
    )


def _enum(values: str) -> str:
    return "enum E {\n  option allow_alias = true;\n" + values + "}\n"


_MESSAGE = "message Sub {}\nmessage M {\n%s}\n"


# -- class 4: findings buf judges otherwise --------------------------------------------------
def _class4() -> dict[str, Case]:
    zero = "  E_ZERO = 0;\n"
    one, uno, eins = "  E_ONE = 1;\n", "  E_UNO = 1;\n", "  E_EINS = 1;\n"
    two = "  E_TWO = 2;\n  E_DOS = 2;\n"
    enum = {
        # Adding an alias keeps every old name: nothing to report (we once reported it).
        "alias_added": (zero + one + two, zero + one + uno + two, ()),
        # Dropping one of two names is a change even though the number keeps a name.
        "alias_removed": (zero + one + uno + two, zero + one + two, ("ENUM_VALUE_SAME_NAME",)),
        "alias_renamed": (
            zero + one + uno + two,
            zero + one + eins + two,
            ("ENUM_VALUE_SAME_NAME",) * 2,
        ),
        "alias_reordered": (zero + one + uno + two, zero + uno + one + two, ()),
        "alias_replaced": (
            zero + one + two,
            zero + eins + uno + two,
            ("ENUM_VALUE_SAME_NAME",) * 2,
        ),
    }
    cases = {
        name: _one((P3,), f"c4.{name}", _enum(old), _enum(new), rules)
        for name, (old, new, rules) in enum.items()
    }
    legacy = " [features.field_presence = LEGACY_REQUIRED]"
    implicit = " [features.field_presence = IMPLICIT]"
    explicit = " [features.field_presence = EXPLICIT]"
    fields = {
        # A field becoming LEGACY_REQUIRED becomes required (message fields too).
        "legacy_required_added": (
            (ED,),
            "  int32 a = 1;\n  Sub s = 2;\n",
            f"  int32 a = 1{legacy};\n  Sub s = 2{legacy};\n",
            CARD_ALL * 2,
        ),
        # proto2's required and editions' LEGACY_REQUIRED are the same cardinality. buf's
        # MESSAGE_SAME_REQUIRED_FIELDS reads only the label, so it sees a required field go.
        "required_to_editions": (
            (P2, ED),
            "  required int32 a = 1;\n  optional int32 b = 2;\n  optional Sub s = 3;\n",
            f"  int32 a = 1{legacy};\n  int32 b = 2;\n  Sub s = 3;\n",
            ("FILE_SAME_SYNTAX", "MESSAGE_SAME_REQUIRED_FIELDS"),
        ),
        "editions_to_required": (
            (ED, P2),
            f"  int32 a = 1{legacy};\n  int32 b = 2{legacy};\n",
            "  required int32 a = 1;\n  optional int32 b = 2;\n",
            ("FILE_SAME_SYNTAX", "MESSAGE_SAME_REQUIRED_FIELDS")
            + ("MESSAGE_SAME_JSON_FORMAT",) * 2
            + CARD_ALL,
        ),
        # proto3 implicit = IMPLICIT, proto3 optional = EXPLICIT, oneofs and messages
        # always have presence: only the plain scalar that gains presence changes.
        "proto3_to_editions": (
            (P3, ED),
            "  int32 a = 1;\n  optional int32 b = 2;\n  int32 c = 3;\n  Sub s = 4;\n"
            "  oneof o { int32 d = 5; }\n",
            f"  int32 a = 1{implicit};\n  int32 b = 2;\n  int32 c = 3;\n  Sub s = 4;\n"
            "  oneof o { int32 d = 5; }\n",
            ("FILE_SAME_SYNTAX", *CARD),
        ),
        "editions_to_proto3": (
            (ED, P3),
            f"  int32 a = 1{implicit};\n  int32 b = 2;\n  int32 c = 3;\n  int32 r = 6{legacy};\n",
            "  int32 a = 1;\n  optional int32 b = 2;\n  int32 c = 3;\n  int32 r = 6;\n",
            ("FILE_SAME_SYNTAX", *CARD, *CARD_ALL),
        ),
        "legacy_required_to_repeated": (
            (ED,),
            f"  int32 a = 1{legacy};\n",
            "  repeated int32 a = 1;\n",
            CARD_ALL,
        ),
        "proto2_to_editions_implicit": (
            (P2, ED + "option features.field_presence = IMPLICIT;\n"),
            "  optional int32 a = 1;\n  optional int32 b = 2;\n  optional Sub s = 4;\n"
            "  oneof o { int32 d = 6; }\n",
            f"  int32 a = 1{explicit};\n  int32 b = 2;\n  Sub s = 4;\n"
            "  oneof o { int32 d = 6; }\n",
            ("FILE_SAME_SYNTAX", *CARD),
        ),
        "proto3_optional_to_proto2": (
            (P3, P2),
            "  optional int32 a = 1;\n  int32 b = 2;\n  repeated int32 c = 3;\n",
            "  optional int32 a = 1;\n  optional int32 b = 2;\n  repeated int32 c = 3;\n",
            ("FILE_SAME_SYNTAX", *CARD) + ("MESSAGE_SAME_JSON_FORMAT",) * 2,
        ),
    }
    for name, (heads, old, new, rules) in fields.items():
        cases[name] = _one(heads, f"c4.{name}", _MESSAGE % old, _MESSAGE % new, rules)
    same = {
        "double d = 1": ("1", "1.0"),
        "int32 i = 2": ("0x10", "16"),
        "int64 o = 3": ("010", "8"),
        "double e = 4": ("1e3", "1000"),
        "double n = 5": ("-0", "0"),
        "float g = 6": ("0.1", "0.100000001"),
        "uint32 u = 7": ("7", "0x7"),
        "sint32 s = 8": ("-5", "-0x5"),
        "double x = 9": ("nan", "nan"),
        "float f = 10": ("3.4028235e38", "340282350000000000000000000000000000000"),
        "bytes b = 11": ('"\\x41B"', '"AB"'),
        "string t = 12": ('"\\101\\x42"', '"AB"'),
    }
    cases["defaults_same_value"] = _one(
        (P2,),
        "c4.defaults_same_value",
        _MESSAGE % "".join(f"  optional {f} [default = {a}];\n" for f, (a, _) in same.items()),
        _MESSAGE % "".join(f"  optional {f} [default = {b}];\n" for f, (_, b) in same.items()),
        (),
    )
    # Changed defaults, printed as buf prints them (Go's %v: float32 shortest digits,
    # exponent form below 1e-4 and from 1e6 up).
    values = ["1e6", "1e20", "1e-5", "0.0001", "123456789", "-2.5e-7", "999999", "0.00012345"]
    changed = "".join(
        f"  optional double d{i} = {2 * i + 1} [default = {v}];\n"
        f"  optional float f{i} = {2 * i + 2} [default = {v}];\n"
        for i, v in enumerate(values)
    )
    cases["defaults_printed"] = _one(
        (P2,),
        "c4.defaults_printed",
        _MESSAGE
        % "".join(
            f"  optional double d{i} = {2 * i + 1};\n  optional float f{i} = {2 * i + 2};\n"
            for i in range(len(values))
        ),
        _MESSAGE % changed,
        ("FIELD_SAME_DEFAULT",) * (2 * len(values)),
    )
    return cases


CLASS4 = _class4()


# -- class 5: findings we missed ---------------------------------------------------------------
_EMPTY = 'import "google/protobuf/empty.proto";\n'
_RPC = "rpc Do(google.protobuf.Empty) returns (google.protobuf.Empty);"


def _service(name: str) -> str:
    return f"service {name} {{ {_RPC} }}\n"


def _tree(case: str, files: dict[str, tuple[str, str]]) -> dict[str, str]:
    """proto3 files of a case: relative path -> (package suffix or "" for none, body)."""
    tree = {}
    for path, (package, body) in files.items():
        line = f"package c5.{case}.{package};\n" if package else ""
        tree[f"c5/{case}/{path}"] = P3 + line + body
    return tree


def _class5() -> dict[str, Case]:
    specs: dict[str, tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]], tuple[str, ...]]]
    specs = {
        # The package keeps a file but no service: buf reports the service gone from it.
        "service_to_other_package": (
            {"a.proto": ("a", _EMPTY + "message A {}\n" + _service("S")), "b.proto": ("b", "")},
            {"a.proto": ("a", "message A {}\n"), "b.proto": ("b", _EMPTY + _service("S"))},
            ("PACKAGE_SERVICE_NO_DELETE", "SERVICE_NO_DELETE"),
        ),
        # Between files of one package: gone from its file, not from its package.
        "service_within_package": (
            {"a.proto": ("a", _EMPTY + _service("S")), "b.proto": ("a", "message B {}\n")},
            {"a.proto": ("a", ""), "b.proto": ("a", _EMPTY + "message B {}\n" + _service("S"))},
            ("SERVICE_NO_DELETE",),
        ),
        # The package's file holding its only service is deleted.
        "service_file_deleted": (
            {"a.proto": ("a", _EMPTY + _service("S")), "b.proto": ("a", "message B {}\n")},
            {"b.proto": ("a", "message B {}\n")},
            ("FILE_NO_DELETE", "PACKAGE_SERVICE_NO_DELETE"),
        ),
        # buf does not apply the same to messages: the last message of a package that keeps
        # an enum moves out, and only the file's rule reports it.
        "last_message_leaves": (
            {"a.proto": ("a", "message K {}\nenum Z { Z_0 = 0; }\n"), "b.proto": ("b", "")},
            {"a.proto": ("a", "enum Z { Z_0 = 0; }\n"), "b.proto": ("b", "message K {}\n")},
            ("MESSAGE_NO_DELETE",),
        ),
        # Into and out of no package at once (the empty package keeps a file).
        "no_package": (
            {"in.proto": ("x", "message In {}\n"), "out.proto": ("", "message Out {}\n")},
            {"in.proto": ("", "message In {}\n"), "out.proto": ("y", "message Out {}\n")},
            ("FILE_SAME_PACKAGE",) * 2 + ("PACKAGE_MESSAGE_NO_DELETE", "PACKAGE_NO_DELETE"),
        ),
        "subdirectory": (
            {"d/e/x.proto": ("a", "message X {}\n"), "d/y.proto": ("a", "message Y {}\n")},
            {"d/e/x.proto": ("b", "message X {}\n"), "d/y.proto": ("a", "message Y {}\n")},
            ("FILE_SAME_PACKAGE", "PACKAGE_MESSAGE_NO_DELETE"),
        ),
    }
    return {
        name: Case(_tree(name, old), _tree(name, new), tuple(sorted(rules)))
        for name, (old, new, rules) in specs.items()
    }


CLASS5 = _class5()


# -- class 3: locations ----------------------------------------------------------------------
_CPP = 'import "google/protobuf/cpp_features.proto";\n'
_JAVA = 'import "google/protobuf/java_features.proto";\n'
_CORD = " [features.(pb.cpp).string_type = CORD]"
_JAVA_VERIFY = " [features.(pb.java).utf8_validation = VERIFY]"
_TYPES = ("FIELD_SAME_TYPE", "FIELD_WIRE_JSON_COMPATIBLE_TYPE")
_UTF8 = ("FIELD_SAME_JAVA_UTF8_VALIDATION", "FIELD_SAME_UTF8_VALIDATION")


def _class3() -> dict[str, Case]:
    nested_maps = "message O {\n  message I {\n    %s x = 1;\n    map<string, %s> m = 2;\n  }\n"
    strings = "message O {\n  %s string s = 1;\n  map<string, string> m = 2;\n"
    strings += "  message I { %s string t = 1; }\n}\n"
    specs: dict[str, tuple[tuple[str, ...], str, str, tuple[str, ...]]] = {
        # A map entry's key and value have no source of their own: buf points at the
        # map's type, ``map<K, V>``.
        "map_types": (
            (P3,),
            nested_maps % ("int32", "int32") + "  map<string, int32> m = 1;\n"
            "  map<int32, string> n = 2;\n}\n",
            nested_maps % ("int64", "int64") + "  map<string, string> m = 1;\n"
            "  map<int64, string> n = 2;\n}\n",
            _TYPES * 4 + ("FIELD_WIRE_COMPATIBLE_TYPE",),
        ),
        "utf8_proto2_to_proto3": (
            (P2, P3),
            strings % ("optional", "optional"),
            strings % ("", ""),
            ("FILE_SAME_SYNTAX",) + CARD * 2 + _UTF8 * 4,
        ),
        "utf8_file_feature": (
            (ED, ED + "option features.utf8_validation = NONE;\n"),
            strings % ("", ""),
            strings % ("", ""),
            _UTF8 * 4,
        ),
        # buf reads the C++ string type from ``ctype`` or the ``(pb.cpp).string_type``
        # feature, and points at the feature where the field sets it.
        "cpp_string_type": (
            (ED + _CPP,),
            "message O {\n  string s = 1;\n  bytes b = 2" + _CORD + ";\n"
            "  message I { string t = 1; }\n}\n",
            "message O {\n  string s = 1" + _CORD + ";\n  bytes b = 2;\n"
            "  message I { string t = 1" + _CORD + "; }\n}\n",
            ("FIELD_SAME_CPP_STRING_TYPE",) * 3,
        ),
        "ctype_to_feature": (
            (P2, ED + _CPP),
            "message O {\n  optional string s = 1 [ctype = CORD];\n  optional bytes b = 2;\n}\n",
            "message O {\n  string s = 1;\n  bytes b = 2" + _CORD + ";\n}\n",
            ("FILE_SAME_SYNTAX",) + ("FIELD_SAME_CPP_STRING_TYPE",) * 2 + _UTF8,
        ),
        # ``(pb.java).utf8_validation = VERIFY`` keeps Java's check whatever the file says.
        "java_utf8_feature": (
            (ED + _JAVA, ED + _JAVA + "option features.utf8_validation = NONE;\n"),
            "message O {\n  string s = 1;\n  string t = 2" + _JAVA_VERIFY + ";\n}\n",
            "message O {\n  string s = 1" + _JAVA_VERIFY + ";\n  string t = 2;\n}\n",
            (*_UTF8, "FIELD_SAME_UTF8_VALIDATION"),
        ),
    }
    cases = {
        name: _one(heads, f"c3.{name}", old, new, rules)
        for name, (heads, old, new, rules) in specs.items()
    }
    # A nested message gone from its package: buf points at the enclosing message still
    # in the package, whichever file declares it now (else at the old file).
    enclosing = "c3/enclosing"
    cases["enclosing"] = Case(
        {
            f"{enclosing}/a.proto": P3 + "package c3.enclosing;\n"
            "message A { message N {} }\nmessage B {}\n",
            f"{enclosing}/m.proto": P3 + "package c3.enclosing;\n"
            "message M { message N {} }\nmessage K {}\n",
        },
        {
            f"{enclosing}/a.proto": P3 + "package c3.enclosing;\nmessage B {}\n",
            f"{enclosing}/b.proto": P3 + "package c3.enclosing;\n\nmessage A {}\n",
            f"{enclosing}/m.proto": P3 + "package c3.enclosing.other;\n"
            "message M { message N {} }\nmessage K {}\n",
        },
        tuple(
            sorted(
                ("FILE_SAME_PACKAGE",)
                + ("MESSAGE_NO_DELETE",) * 2
                + ("PACKAGE_MESSAGE_NO_DELETE",) * 4
            )
        ),
    )
    return cases


CLASS3 = _class3()
