"""protoc's output as data, and the pure rules of how protoc is called."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoke.compile.protoc import (
    MAX_DIAGNOSTICS,
    MAX_MESSAGE_CHARS,
    Diagnostic,
    compile_failed,
    parse_diagnostics,
    plugin_parameter,
    plugin_parameter_safe,
    target_arguments,
)
from spoke.compile.toolchain import Output, Tool, Toolchain
from spoke.domain.errors import CompileFailed


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


def test_a_long_message_is_cut() -> None:
    (located, file_only, bare) = parse_diagnostics(
        f"a.proto:1:2: {'x' * 5000}\nb.proto: {'y' * 5000}\n{'z' * 5000}\n"
    )
    for diagnostic in (located, file_only, bare):
        assert len(diagnostic.message) == MAX_MESSAGE_CHARS
        assert diagnostic.message.endswith("…")
    assert located.file == "a.proto" and file_only.file == "b.proto"


def test_a_message_at_the_limit_is_kept_whole() -> None:
    (diag,) = parse_diagnostics(f"a.proto:1:2: {'x' * MAX_MESSAGE_CHARS}\n")
    assert diag.message == "x" * MAX_MESSAGE_CHARS


def test_compile_failed_lists_the_first_diagnostics_and_counts_them_all() -> None:
    found = [Diagnostic("a.proto", i, 1, f"error {i}") for i in range(1, 351)]

    error = compile_failed(found)

    assert isinstance(error, CompileFailed)
    assert MAX_DIAGNOSTICS == 100
    assert error.details == [d.as_dict() for d in found[:MAX_DIAGNOSTICS]]
    assert error.message.startswith("350 error(s) compiling the files")
    assert "the first 100 are listed" in error.message
    assert error.message.endswith(": error 1")


def test_compile_failed_with_few_diagnostics_lists_them_all() -> None:
    found = [Diagnostic("a.proto", 1, 1, "boom"), Diagnostic(None, None, None, "bang")]
    error = compile_failed(found)
    assert error.details == [d.as_dict() for d in found]
    assert error.message == "2 error(s) compiling the files: boom"


def test_targets_are_passed_as_files_below_the_current_folder() -> None:
    own = {"a.proto", "x/b.proto", "-I/:x.proto", "@args.proto", "--dependency_out=/x.proto"}
    assert target_arguments(own, ["a.proto", "x/b.proto"]) == ["./a.proto", "./x/b.proto"]
    # Even a path the domain refuses is never a flag or an argument file by then.
    hostile = target_arguments(own, ["-I/:x.proto", "@args.proto", "--dependency_out=/x.proto"])
    assert hostile == ["./-I/:x.proto", "./@args.proto", "./--dependency_out=/x.proto"]
    assert all(arg.startswith("./") for arg in hostile)


@pytest.mark.parametrize(
    "target", ["/etc/passwd.proto", "../root1/a.proto", "a/../../b.proto", "a\nb.proto", ""]
)
def test_targets_that_are_not_plain_relative_paths_are_refused(target: str) -> None:
    with pytest.raises(ValueError, match="relative path"):
        target_arguments({target}, [target])


def test_a_target_must_be_a_file_of_the_root() -> None:
    with pytest.raises(ValueError, match="not a file of the root"):
        target_arguments({"a.proto"}, ["b.proto"])


def test_plugin_parameters_cannot_add_or_change_parameters() -> None:
    assert plugin_parameter("Macme/a.proto", "acme") == "Macme/a.proto=acme"
    for key, value in [
        ("Ma,paths=import.proto", "x"),  # a second parameter
        ("Ma=b.proto", "x"),  # the key would end at the first "="
        ("Ma.proto", "x,plugins=grpc"),
        ("Ma.proto", "x=y"),
        ("Ma\n--go_out=/tmp.proto", "x"),  # a second argument in protoc's argument file
    ]:
        assert not (plugin_parameter_safe(key) and plugin_parameter_safe(value))
        with pytest.raises(ValueError, match="one plugin parameter"):
            plugin_parameter(key, value)


def test_go_import_map_options_go_through_plugin_parameter() -> None:
    go = Output("go", "protoc-gen-go", ("paths=source_relative",), import_map=True)
    toolchain = Toolchain(
        protoc=Tool("protoc", Path("/bin/protoc"), "1"),
        plugins={"protoc-gen-go": Tool("protoc-gen-go", Path("/bin/protoc-gen-go"), "1")},
    )
    args = go.args(Path("/out"), toolchain, {"acme/a.proto": "acme", "b.proto": "b"})
    assert "--go_opt=Macme/a.proto=acme" in args
    assert "--go_opt=Mb.proto=b" in args
    with pytest.raises(ValueError, match="one plugin parameter"):
        go.args(Path("/out"), toolchain, {"a,b=c.proto": "x"})
