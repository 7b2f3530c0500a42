"""Hand-written breaking-change fixtures: an old and a new tree each, and a ``breaking:``
config. Together they trigger every rule of every category."""

from __future__ import annotations

from typing import Any

P3 = 'syntax = "proto3";\n'
P2 = 'syntax = "proto2";\n'

Case = tuple[dict[str, str], dict[str, str], dict[str, Any]]

_OPTIONS_OLD = (
    P3 + "package acme.opts;\n"
    'option go_package = "x/opts";\noption java_package = "com.acme";\n'
    'option java_outer_classname = "Opts";\noption java_multiple_files = true;\n'
    'option csharp_namespace = "Acme";\noption objc_class_prefix = "ACM";\n'
    'option php_namespace = "Acme";\noption php_class_prefix = "A";\n'
    'option php_metadata_namespace = "Acme\\\\Meta";\noption ruby_package = "Acme";\n'
    'option swift_prefix = "AC";\noption optimize_for = SPEED;\n'
    "option cc_enable_arenas = true;\n"
    "message M { string a = 1; }\n"
)
_OPTIONS_NEW = (
    P3 + "package acme.opts;\n"
    'option go_package = "y/opts";\noption java_package = "com.acme2";\n'
    'option java_outer_classname = "Opts2";\n'
    'option csharp_namespace = "Acme2";\noption objc_class_prefix = "ACN";\n'
    'option php_namespace = "Acme2";\noption php_class_prefix = "B";\n'
    'option ruby_package = "Acme2";\n'
    'option swift_prefix = "AD";\noption optimize_for = CODE_SIZE;\n'
    "option cc_enable_arenas = false;\n"
    "message M { string a = 1; }\n"
)
_GENERIC_OLD = (
    P2 + "package acme.gen;\noption cc_generic_services = true;\n"
    "option java_generic_services = true;\noption py_generic_services = true;\n"
    "option java_string_check_utf8 = true;\n"
    "message M { optional string a = 1; }\n"
)
_GENERIC_NEW = P2 + "package acme.gen;\nmessage M { optional string a = 1; }\n"

_FIELDS_OLD = (
    P3
    + """package acme.fields;
import "acme/fields/dep.proto";
message M {
  string name = 1;
  int32 n = 2;
  oneof choice { string s = 3; int64 i = 4; }
  repeated string tags = 5;
  map<string, int32> counts = 6;
  Dep dep = 7;
  Color color = 8;
  int64 big = 9 [jstype = JS_STRING];
  uint32 u = 10;
  fixed32 f = 11;
  optional int32 opt = 12;
  string renamed = 13 [json_name = "old"];
  bytes data = 14;
  sint32 si = 15;
  double d = 16;
  reserved 100 to 110, 200;
  reserved "gone", "old_name";
}
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_BLUE = 2; }
"""
)
_FIELDS_NEW = (
    P3
    + """package acme.fields;
import "acme/fields/dep.proto";
message M {
  bytes name = 1;
  int64 count = 2;
  string s = 3;
  oneof other { int64 i = 4; }
  string tags = 5;
  repeated Pair counts = 6;
  Other dep = 7;
  Color2 color = 8;
  int64 big = 9;
  int32 u = 10;
  sfixed32 f = 11;
  int32 opt = 12;
  string renamed = 13 [json_name = "new"];
  string data = 14;
  sint64 si = 15;
  float d = 16;
  reserved 100 to 105;
  reserved "gone";
  message Pair { string key = 1; int32 value = 2; }
}
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_BLUE = 2; }
enum Color2 { COLOR2_UNSPECIFIED = 0; }
"""
)
_DEP = P3 + "package acme.fields;\nmessage Dep { string a = 1; }\nmessage Other {}\n"

_ENUMS_OLD = (
    P3
    + """package acme.enums;
enum E {
  option allow_alias = true;
  E_UNSPECIFIED = 0;
  E_ONE = 1;
  E_UNO = 1;
  E_TWO = 2;
  E_THREE = 3;
  E_FOUR = 4;
  reserved 10 to 20, 30;
  reserved "E_OLD";
}
message Holder { enum Inner { INNER_UNSPECIFIED = 0; INNER_A = 1; } }
enum Gone { GONE_UNSPECIFIED = 0; }
"""
)
_ENUMS_NEW = (
    P3
    + """package acme.enums;
enum E {
  E_UNSPECIFIED = 0;
  E_FIRST = 1;
  E_TWO_RENAMED = 2;
  reserved 3, 10 to 15;
  reserved "E_FOUR";
}
message Holder {}
"""
)

_SERVICES_OLD = (
    P3
    + """package acme.svc;
message Req {}
message Res {}
message Other {}
service S {
  rpc Get(Req) returns (Res) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Put(Req) returns (Res);
  rpc Watch(stream Req) returns (stream Res);
  rpc Gone(Req) returns (Res);
}
service Removed { rpc X(Req) returns (Res); }
"""
)
_SERVICES_NEW = (
    P3
    + """package acme.svc;
message Req {}
message Res {}
message Other {}
service S {
  rpc Get(Req) returns (Res) { option idempotency_level = IDEMPOTENT; }
  rpc Put(Other) returns (stream Other);
  rpc Watch(Req) returns (Res);
}
"""
)

_P2_OLD = (
    P2
    + """package acme.legacy;
message M {
  required string id = 1;
  optional int32 n = 2 [default = 5];
  optional string s = 3 [default = "x", ctype = CORD];
  optional bool b = 4 [default = true];
  optional Kind k = 5 [default = KIND_B];
  optional float f = 6 [default = 1.5];
  extensions 100 to 200;
  optional bytes raw = 7 [default = "ab"];
  option no_standard_descriptor_accessor = false;
}
enum Kind { KIND_A = 0; KIND_B = 1; }
extend M { optional string ext = 150; optional int32 ext2 = 151; }
message Container { extend M { optional int32 nested_ext = 160; } }
"""
)
_P2_NEW = (
    P2
    + """package acme.legacy;
message M {
  optional string id = 1;
  optional int32 n = 2 [default = 6];
  optional string s = 3 [default = "y"];
  optional bool b = 4;
  optional Kind k = 5 [default = KIND_A];
  optional float f = 6 [default = 2.5];
  required int32 added = 8;
  extensions 100 to 150;
  optional bytes raw = 7 [default = "ab"];
  option no_standard_descriptor_accessor = true;
}
enum Kind { KIND_A = 0; KIND_B = 1; }
extend M { optional int32 ext = 150; }
message Container {}
"""
)

_SYNTAX_OLD = (
    P3 + "package acme.syn;\nmessage M { string s = 1; int32 n = 2; }\n"
    "enum E { E_UNSPECIFIED = 0; }\n"
)
_SYNTAX_NEW = (
    P2 + "package acme.syn;\nmessage M { optional string s = 1; optional int32 n = 2; }\n"
    "enum E { E_UNSPECIFIED = 0; }\n"
)

_MOVE_OLD_A = P3 + "package acme.move;\nmessage Stays {}\nmessage Moves {}\nenum Goes { G = 0; }\n"
_MOVE_OLD_B = P3 + "package acme.move;\nmessage Other {}\n"
_MOVE_NEW_A = P3 + "package acme.move;\nmessage Stays {}\n"
_MOVE_NEW_B = P3 + "package acme.move;\nmessage Other {}\nmessage Moves {}\n"

_PKG_OLD = P3 + "package acme.old.v1;\nmessage M {}\nservice S {}\n"
_PKG_NEW = P3 + "package acme.new.v1;\nmessage M {}\nservice S {}\n"

_UNSTABLE_OLD = P3 + "package acme.beta.v1beta1;\nmessage M { string a = 1; }\n"
_UNSTABLE_NEW = P3 + "package acme.beta.v1beta1;\nmessage M { int32 a = 1; }\n"

_EDITIONS_OLD = (
    'edition = "2023";\npackage acme.ed;\n'
    "message M { string s = 1; int32 n = 2; }\nenum E { E_UNSPECIFIED = 0; E_A = 1; }\n"
)
_EDITIONS_NEW = (
    'edition = "2023";\npackage acme.ed;\n'
    "option features.json_format = LEGACY_BEST_EFFORT;\n"
    "message M { string s = 1 [features.utf8_validation = NONE]; "
    "int32 n = 2 [features.field_presence = IMPLICIT]; }\n"
    "enum E { option features.enum_type = CLOSED; E_UNSPECIFIED = 0; E_A = 1; }\n"
)

_DELETED_OLD = (
    P3
    + """package acme.del;
message M {
  string keep = 1;
  string plain = 2;
  string by_number = 3;
  string by_name = 4;
  message Nested { string x = 1; }
}
"""
)
_DELETED_NEW = (
    P3
    + """package acme.del;
message M {
  string keep = 1;
  reserved 3;
  reserved "by_name";
}
"""
)

ALL = ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]

CASES: dict[str, Case] = {
    "file-options": (
        {"acme/opts/o.proto": _OPTIONS_OLD},
        {"acme/opts/o.proto": _OPTIONS_NEW},
        {"use": ["FILE"]},
    ),
    "generic-services": (
        {"acme/gen/g.proto": _GENERIC_OLD},
        {"acme/gen/g.proto": _GENERIC_NEW},
        {"use": ["FILE"]},
    ),
    "fields-file": (
        {"acme/fields/f.proto": _FIELDS_OLD, "acme/fields/dep.proto": _DEP},
        {"acme/fields/f.proto": _FIELDS_NEW, "acme/fields/dep.proto": _DEP},
        {"use": ["FILE"]},
    ),
    "fields-wire": (
        {"acme/fields/f.proto": _FIELDS_OLD, "acme/fields/dep.proto": _DEP},
        {"acme/fields/f.proto": _FIELDS_NEW, "acme/fields/dep.proto": _DEP},
        {"use": ["WIRE"]},
    ),
    "fields-wire-json": (
        {"acme/fields/f.proto": _FIELDS_OLD, "acme/fields/dep.proto": _DEP},
        {"acme/fields/f.proto": _FIELDS_NEW, "acme/fields/dep.proto": _DEP},
        {"use": ["WIRE_JSON"]},
    ),
    "fields-deleted": (
        {"acme/del/d.proto": _DELETED_OLD},
        {"acme/del/d.proto": _DELETED_NEW},
        {"use": ALL},
    ),
    "fields-deleted-unless-reserved": (
        {"acme/del/d.proto": _DELETED_OLD},
        {"acme/del/d.proto": _DELETED_NEW},
        {
            "use": [
                "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                "MESSAGE_NO_DELETE",
            ]
        },
    ),
    "enums-unless-reserved": (
        {"acme/enums/e.proto": _ENUMS_OLD},
        {"acme/enums/e.proto": _ENUMS_NEW},
        {"use": ["WIRE_JSON"]},
    ),
    "enums": ({"acme/enums/e.proto": _ENUMS_OLD}, {"acme/enums/e.proto": _ENUMS_NEW}, {"use": ALL}),
    "services": (
        {"acme/svc/s.proto": _SERVICES_OLD},
        {"acme/svc/s.proto": _SERVICES_NEW},
        {"use": ALL},
    ),
    "proto2": ({"acme/legacy/l.proto": _P2_OLD}, {"acme/legacy/l.proto": _P2_NEW}, {"use": ALL}),
    "syntax": ({"acme/syn/s.proto": _SYNTAX_OLD}, {"acme/syn/s.proto": _SYNTAX_NEW}, {"use": ALL}),
    "move-between-files": (
        {"acme/move/a.proto": _MOVE_OLD_A, "acme/move/b.proto": _MOVE_OLD_B},
        {"acme/move/a.proto": _MOVE_NEW_A, "acme/move/b.proto": _MOVE_NEW_B},
        {"use": ["FILE", "PACKAGE"]},
    ),
    "package-renamed": ({"acme/p/p.proto": _PKG_OLD}, {"acme/p/p.proto": _PKG_NEW}, {"use": ALL}),
    "file-deleted": (
        {"acme/move/a.proto": _MOVE_OLD_A, "acme/move/b.proto": _MOVE_OLD_B},
        {"acme/move/a.proto": _MOVE_OLD_A},
        {"use": ALL},
    ),
    "unstable-ignored": (
        {"acme/beta/b.proto": _UNSTABLE_OLD},
        {"acme/beta/b.proto": _UNSTABLE_NEW},
        {"use": ["FILE"], "ignore_unstable_packages": True},
    ),
    "unstable-checked": (
        {"acme/beta/b.proto": _UNSTABLE_OLD},
        {"acme/beta/b.proto": _UNSTABLE_NEW},
        {"use": ["FILE"]},
    ),
    "ignore-and-except": (
        {
            "acme/fields/f.proto": _FIELDS_OLD,
            "acme/fields/dep.proto": _DEP,
            "acme/enums/e.proto": _ENUMS_OLD,
        },
        {
            "acme/fields/f.proto": _FIELDS_NEW,
            "acme/fields/dep.proto": _DEP,
            "acme/enums/e.proto": _ENUMS_NEW,
        },
        {
            "use": ["FILE"],
            "except": ["FIELD_SAME_TYPE", "WIRE"],
            "ignore": ["acme/enums"],
            "ignore_only": {"FIELD_SAME_NAME": ["acme/fields/f.proto"]},
        },
    ),
    "editions": (
        {"acme/ed/e.proto": _EDITIONS_OLD},
        {"acme/ed/e.proto": _EDITIONS_NEW},
        {"use": ALL},
    ),
}
