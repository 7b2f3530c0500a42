"""Rules on hand-built descriptors (no protoc): the behaviours the differential test
found in buf, pinned down one at a time. Every expected message below is buf's."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2 as d

from spoke.domain.lint import lint, parse_lint_config
from spoke.domain.schema import Finding, Schema, Span

EMPTY = ".google.protobuf.Empty"


def _locate(
    file: d.FileDescriptorProto, path: tuple[int, ...], line: int, comment: str = ""
) -> None:
    location = file.source_code_info.location.add(path=path, span=[line - 1, 0, 10])
    if comment:
        location.leading_comments = comment


def _schema(*files: d.FileDescriptorProto) -> Schema:
    wkt = d.FileDescriptorProto(name="google/protobuf/empty.proto", package="google.protobuf")
    wkt.message_type.add(name="Empty")
    parsed = d.FileDescriptorSet(file=[wkt, *files]).SerializeToString()
    return Schema(parsed, targets=[f.name for f in files])


def _lint(schema: Schema, **section: Any) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in lint(schema, parse_lint_config(section))]


def _service_file() -> d.FileDescriptorProto:
    file = d.FileDescriptorProto(name="a/v1/s.proto", package="a.v1", syntax="proto3")
    file.dependency.append("google/protobuf/empty.proto")
    for name in ("BResponse", "CRequest"):
        file.message_type.add(name=name)
    service = file.service.add(name="FooService")
    for name, request, response in [
        ("A", EMPTY, EMPTY),
        ("B", EMPTY, ".a.v1.BResponse"),
        ("C", ".a.v1.CRequest", EMPTY),
        ("D", ".a.v1.CRequest", ".a.v1.CRequest"),
    ]:
        service.method.add(name=name, input_type=request, output_type=response)
    for index in range(4):
        _locate(file, (6, 0, 2, index), 5 + index)
    return file


def _unique(**section: Any) -> list[tuple[str, str]]:
    found = lint(
        _schema(_service_file()),
        parse_lint_config({"use": ["RPC_REQUEST_RESPONSE_UNIQUE"], **section}),
    )
    names = "ABCD"
    return [(names[f.span.start_line - 5], f.message) for f in found]


def test_request_response_unique_counts_empty_only_where_not_allowed() -> None:
    same_a = 'RPC "A" has the same type "google.protobuf.Empty" for the request and response.'
    same_d = 'RPC "D" has the same type "a.v1.CRequest" for the request and response.'
    shared = '"a.v1.CRequest" is used as the request or response type for multiple RPCs.'
    empty = '"google.protobuf.Empty" is used as {} for multiple RPCs.'
    assert _unique(rpc_allow_google_protobuf_empty_requests=True) == [
        ("A", empty.format("the response")),
        ("A", same_a),
        ("C", shared),
        ("C", empty.format("the response")),
        ("D", shared),
        ("D", same_d),
    ]
    assert _unique(rpc_allow_google_protobuf_empty_responses=True) == [
        ("A", empty.format("the request")),
        ("A", same_a),
        ("B", empty.format("the request")),
        ("C", shared),
        ("D", shared),
        ("D", same_d),
    ]
    # Allowed both ways, Empty is out of the count, and A may take and return it.
    both = _unique(
        rpc_allow_google_protobuf_empty_requests=True,
        rpc_allow_google_protobuf_empty_responses=True,
    )
    assert both == [("C", shared), ("D", shared), ("D", same_d)]
    assert _unique(rpc_allow_same_request_response=True) == [
        ("A", empty.format("the request or response type")),
        ("B", empty.format("the request or response type")),
        ("C", shared),
        ("C", empty.format("the request or response type")),
        ("D", shared),
    ]


def test_standard_names_suggest_pascal_case_and_may_allow_empty() -> None:
    file = _service_file()
    file.service[0].method[0].name = "get_thing"
    for index in range(4):
        _locate(file, (6, 0, 2, index, 2), 20 + index)
    found = _lint(_schema(file), use=["RPC_REQUEST_STANDARD_NAME"])
    assert found[0] == (
        "RPC_REQUEST_STANDARD_NAME",
        'RPC request type "Empty" should be named "GetThingRequest" or '
        '"FooServiceGetThingRequest".',
    )
    assert len(found) == 3  # C takes a CRequest: fine
    allowed = _lint(
        _schema(file),
        use=["RPC_REQUEST_STANDARD_NAME"],
        rpc_allow_google_protobuf_empty_requests=True,
    )
    assert [m for _, m in allowed] == [
        'RPC request type "CRequest" should be named "DRequest" or "FooServiceDRequest".'
    ]


def _commented_file() -> d.FileDescriptorProto:
    file = d.FileDescriptorProto(name="a/v1/c.proto", package="a.v1", syntax="proto3")
    message = file.message_type.add(name="M")
    message.field.add(name="Bad_One", number=1)
    message.field.add(name="Bad_Two", number=2)
    enum = file.enum_type.add(name="E")
    enum.value.add(name="E_UNSPECIFIED", number=0)
    _locate(file, (4, 0), 1, " buf:lint:ignore FIELD_LOWER_SNAKE_CASE\n Documented.\n")
    _locate(file, (4, 0, 2, 0), 2, " buf:lint:ignore COMMENT_FIELD\n")
    _locate(file, (4, 0, 2, 0, 1), 2)
    _locate(file, (4, 0, 2, 1), 3, "   buf:lint:ignore  COMMENT_FIELD\n")
    _locate(file, (4, 0, 2, 1, 1), 3)
    _locate(file, (5, 0), 4, " buf:lint:ignore COMMENT_ENUM_VALUE\n")
    _locate(file, (5, 0, 2, 0), 5)
    return file


def test_comment_ignores_reach_down_and_match_as_prefixes() -> None:
    schema = _schema(_commented_file())
    use = ["COMMENTS", "FIELD_LOWER_SNAKE_CASE"]
    # The message's directive covers its fields; a directive needs exactly one space;
    # COMMENT_ENUM_VALUE also silences COMMENT_ENUM (buf matches a prefix).
    assert _lint(schema, use=use) == [
        ("COMMENT_FIELD", 'Field "Bad_Two" should have a non-empty comment for documentation.')
    ]
    # Directive-only comments are no documentation, ignores or not.
    disallowed = _lint(schema, use=use, disallow_comment_ignores=True)
    assert [rule for rule, _ in disallowed] == [
        "COMMENT_FIELD",
        "FIELD_LOWER_SNAKE_CASE",
        "COMMENT_FIELD",
        "FIELD_LOWER_SNAKE_CASE",
        "COMMENT_ENUM",
        "COMMENT_ENUM_VALUE",
    ]


def test_file_level_findings_sit_at_one_one_and_ignore_no_comment() -> None:
    file = d.FileDescriptorProto(name="BadName.proto")
    _locate(file, (12,), 1, " buf:lint:ignore FILE_LOWER_SNAKE_CASE\n")
    found = lint(
        _schema(file), parse_lint_config({"use": ["FILE_LOWER_SNAKE_CASE", "PACKAGE_DEFINED"]})
    )
    assert found == [
        Finding(
            "BadName.proto",
            Span(1, 1, 1, 1),
            "FILE_LOWER_SNAKE_CASE",
            'Filename "BadName.proto" should be lower_snake_case.proto, such as "bad_name.proto".',
        ),
        Finding(
            "BadName.proto",
            Span(1, 1, 1, 1),
            "PACKAGE_DEFINED",
            "Files must have a package defined.",
        ),
    ]


def test_syntax_is_specified_when_the_statement_is_there() -> None:
    explicit = d.FileDescriptorProto(name="a.proto", package="a.v1")  # proto2: syntax ""
    _locate(explicit, (12,), 1)
    implicit = d.FileDescriptorProto(name="b.proto", package="a.v1")
    found = _lint(_schema(explicit, implicit), use=["SYNTAX_SPECIFIED"])
    assert len(found) == 1


def _package(name: str, package: str, *imports: str) -> d.FileDescriptorProto:
    file = d.FileDescriptorProto(name=name, package=package, syntax="proto3")
    file.dependency.extend(imports)
    for index in range(len(imports)):
        _locate(file, (3, index), 3 + index)
    return file


def test_import_cycles_name_the_shortest_way_back() -> None:
    schema = _schema(
        _package("a/v1/a.proto", "a.v1", "b/v1/b.proto"),
        _package("b/v1/b.proto", "b.v1", "c/v1/c.proto", "a/v1/x.proto"),
        _package("c/v1/c.proto", "c.v1", "a/v1/x.proto"),
        _package("a/v1/x.proto", "a.v1"),
    )
    messages = [m for _, m in _lint(schema, use=["PACKAGE_NO_IMPORT_CYCLE"])]
    assert messages == [
        "Package import cycle: a.v1 -> b.v1 -> a.v1",
        "Package import cycle: b.v1 -> c.v1 -> a.v1 -> b.v1",
        "Package import cycle: b.v1 -> a.v1 -> b.v1",
        "Package import cycle: c.v1 -> a.v1 -> b.v1 -> c.v1",
    ]


def test_imports_used_by_options_types_and_whatever_reaches_first() -> None:
    options = _package("o/v1/o.proto", "o.v1")
    options.extension.add(name="tag", number=50000, extendee=".google.protobuf.MessageOptions")
    base = _package("q/v1/base.proto", "q.v1")
    base.message_type.add(name="Base")
    holder = _package("q/v1/holder.proto", "q.v1", "q/v1/base.proto")
    reexport = _package("q/v1/reexport.proto", "q.v1", "q/v1/base.proto")
    reexport.public_dependency.append(0)
    user = _package(
        "u/v1/u.proto", "u.v1", "o/v1/o.proto", "q/v1/holder.proto", "q/v1/reexport.proto"
    )
    message = user.message_type.add(name="U")
    message.field.add(
        name="base", number=1, type_name=".q.v1.Base", type=d.FieldDescriptorProto.TYPE_MESSAGE
    )
    _locate(user, (4, 0, 7, 50000), 9)  # option (o.v1.tag) = ...;
    schema = _schema(options, base, holder, reexport, user)
    found = lint(schema, parse_lint_config({"use": ["IMPORT_USED"]}))
    # holder.proto reaches base.proto first (not publicly, but buf credits it anyway);
    # a public import is never called unused.
    assert [(f.path, f.message) for f in found] == [
        ("q/v1/holder.proto", 'Import "q/v1/base.proto" is unused.'),
        ("u/v1/u.proto", 'Import "q/v1/reexport.proto" is unused.'),
    ]


def test_package_options_must_agree_including_files_without_one() -> None:
    first = _package("a/v1/a.proto", "a.v1")
    first.options.go_package = "x"
    first.options.java_multiple_files = False
    _locate(first, (8, 11), 4)
    second = _package("a/v1/b.proto", "a.v1")
    second.options.java_multiple_files = True
    found = _lint(
        _schema(first, second), use=["PACKAGE_SAME_GO_PACKAGE", "PACKAGE_SAME_JAVA_MULTIPLE_FILES"]
    )
    assert sorted(set(found)) == [
        (
            "PACKAGE_SAME_GO_PACKAGE",
            'Files in package "a.v1" have both values "x" and no value for option "go_package" '
            "and all values must be equal.",
        ),
        (
            "PACKAGE_SAME_JAVA_MULTIPLE_FILES",
            'Files in package "a.v1" have multiple values "false,true" for option '
            '"java_multiple_files" and all values must be equal.',
        ),
    ]


def test_groups_are_judged_by_their_message_only_in_proto2() -> None:
    group = d.FieldDescriptorProto.TYPE_GROUP
    proto2 = d.FileDescriptorProto(name="a/v1/p2.proto", package="a.v1", syntax="proto2")
    proto2.message_type.add(name="M").field.add(name="payload", number=1, type=group)
    editions = d.FileDescriptorProto(name="a/v1/ed.proto", package="a.v1", syntax="editions")
    editions.message_type.add(name="N").field.add(name="child", number=1, type=group)
    found = _lint(_schema(proto2, editions), use=["COMMENT_FIELD"])
    assert found == [
        ("COMMENT_FIELD", 'Field "child" should have a non-empty comment for documentation.')
    ]


def test_findings_sort_like_buf_and_ignores_drop_them() -> None:
    file = d.FileDescriptorProto(name="a/v1/z.proto", package="a.v1", syntax="proto3")
    enum = file.enum_type.add(name="colour")
    enum.value.add(name="red", number=0)
    _locate(file, (5, 0, 1), 1)
    _locate(file, (5, 0, 2, 0, 1), 2)
    rules = [rule for rule, _ in _lint(_schema(file))]
    assert rules == [
        "ENUM_PASCAL_CASE",
        "ENUM_VALUE_PREFIX",
        "ENUM_VALUE_UPPER_SNAKE_CASE",
        "ENUM_ZERO_VALUE_SUFFIX",
    ]
    assert _lint(_schema(file), ignore=["a"]) == []
    assert (
        _lint(
            _schema(file),
            ignore_only={"ENUM_VALUE_PREFIX": ["a/v1/z.proto"]},
            use=["ENUM_VALUE_PREFIX"],
        )
        == []
    )
    custom = _lint(_schema(file), use=["ENUM_ZERO_VALUE_SUFFIX"], enum_zero_value_suffix="_NONE")
    assert custom == [
        ("ENUM_ZERO_VALUE_SUFFIX", 'Enum zero value name "red" should be suffixed with "_NONE".')
    ]
