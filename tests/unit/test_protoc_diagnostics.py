from __future__ import annotations

from spoke.compile.protoc import Diagnostic, parse_diagnostics


def test_located_error() -> None:
    assert parse_diagnostics('a.proto:3:46: "Foo" is not defined.\n') == [
        Diagnostic("a.proto", 3, 46, '"Foo" is not defined.')
    ]


def test_nested_path_and_large_numbers() -> None:
    (diag,) = parse_diagnostics('acme/v1/pay.proto:120:7: Expected ";".\n'.replace("\n", "\r\n"))
    assert diag == Diagnostic("acme/v1/pay.proto", 120, 7, 'Expected ";".')


def test_warnings_are_dropped() -> None:
    stderr = (
        "a.proto:2:1: warning: Import b.proto is unused.\n"
        "a.proto: warning: Import b.proto is unused.\n"
        "warning: something general\n"
    )
    assert parse_diagnostics(stderr) == []


def test_file_only_error_has_no_location() -> None:
    assert parse_diagnostics("c.proto: File not found.\n") == [
        Diagnostic("c.proto", None, None, "File not found.")
    ]


def test_unrecognised_line_is_kept_as_message() -> None:
    assert parse_diagnostics("protoc: something unexpected happened\n") == [
        Diagnostic(None, None, None, "protoc: something unexpected happened")
    ]


def test_real_protoc_output_mixture() -> None:
    stderr = (
        "b.proto:2:1: warning: Import c.proto is unused.\n"
        "c.proto: File not found.\n"
        'a.proto:1:1: Import "c.proto" was not found or had errors.\n'
        "\n   \n"
        'a.proto:3:46: "Foo" is not defined.\n'
        "Some unexpected trailer\n"
    )
    assert parse_diagnostics(stderr) == [
        Diagnostic("c.proto", None, None, "File not found."),
        Diagnostic("a.proto", 1, 1, 'Import "c.proto" was not found or had errors.'),
        Diagnostic("a.proto", 3, 46, '"Foo" is not defined.'),
        Diagnostic(None, None, None, "Some unexpected trailer"),
    ]


def test_empty_stderr() -> None:
    assert parse_diagnostics("") == []
    assert parse_diagnostics("\n\n  \n") == []


def test_message_with_colons_keeps_them() -> None:
    (diag,) = parse_diagnostics('a.proto:5:3: Option "x": value: bad.\n')
    assert diag.message == 'Option "x": value: bad.'
    assert (diag.line, diag.column) == (5, 3)


def test_as_dict() -> None:
    assert Diagnostic("a.proto", 3, 46, "boom").as_dict() == {
        "file": "a.proto",
        "line": 3,
        "column": 46,
        "message": "boom",
    }
    assert Diagnostic(None, None, None, "x").as_dict()["file"] is None
