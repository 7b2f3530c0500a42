"""protoc, for real: descriptor sets, import roots, diagnostics and the timeout."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from spoke.compile.protoc import CompileResult, Protoc, locate_protoc
from spoke.domain.errors import CompileFailed, Unprocessable

A_PROTO = b"""syntax = "proto3";

package acme.pay.v1;

import "acme/pay/v1/money.proto";
import "google/protobuf/timestamp.proto";

message Payment {
  Money amount = 1;
  google.protobuf.Timestamp at = 2;
}
"""

MONEY_PROTO = b"""syntax = "proto3";

package acme.pay.v1;

message Money {
  string currency = 1;
  int64 units = 2;
}
"""


@pytest.fixture
def work_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """protoc's scratch directories go here, so tests can check they are cleaned up."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


@pytest.fixture
def protoc(work_tmp: Path) -> Protoc:
    return Protoc(locate_protoc(), timeout=60)


def is_empty(folder: Path) -> bool:
    return not any(folder.iterdir())


def descriptors(result: CompileResult) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    parsed = descriptor_pb2.FileDescriptorSet.FromString(result.descriptor_set)
    return {f.name: f for f in parsed.file}


async def compile_error(
    protoc: Protoc, roots: list[Mapping[str, bytes]], targets: list[str]
) -> CompileFailed:
    with pytest.raises(CompileFailed) as caught:
        await protoc.compile(roots, targets)
    assert isinstance(caught.value, Unprocessable)
    assert caught.value.details, "a failed compile carries diagnostics"
    return caught.value


def assert_no_temp_paths(error: CompileFailed, work_tmp: Path) -> None:
    text = str(error) + repr(error.details)
    assert str(work_tmp) not in text
    assert "spoke-protoc-" not in text
    assert "root0" not in text
    assert "root1" not in text


async def test_version(protoc: Protoc) -> None:
    assert (await protoc.version()).startswith("libprotoc ")


async def test_compiles_a_tree_with_imports(protoc: Protoc, work_tmp: Path) -> None:
    root = {"acme/pay/v1/payment.proto": A_PROTO, "acme/pay/v1/money.proto": MONEY_PROTO}

    result = await protoc.compile([root], sorted(root))

    files = descriptors(result)
    assert set(files) == {*root, "google/protobuf/timestamp.proto"}
    payment = files["acme/pay/v1/payment.proto"]
    assert payment.package == "acme.pay.v1"
    assert list(payment.dependency) == [
        "acme/pay/v1/money.proto",
        "google/protobuf/timestamp.proto",
    ]
    fields = {f.name: f.type_name for f in payment.message_type[0].field}
    assert fields == {"amount": ".acme.pay.v1.Money", "at": ".google.protobuf.Timestamp"}
    assert payment.HasField("source_code_info")
    assert is_empty(work_tmp), "the scratch directory is removed"


async def test_imports_resolve_from_a_dependency_root(protoc: Protoc, work_tmp: Path) -> None:
    own = {"acme/pay/v1/payment.proto": A_PROTO}
    dependency = {"acme/pay/v1/money.proto": MONEY_PROTO}

    result = await protoc.compile([own, dependency], list(own))

    files = descriptors(result)
    assert "acme/pay/v1/money.proto" in files
    assert files["acme/pay/v1/money.proto"].message_type[0].name == "Money"
    assert is_empty(work_tmp)


async def test_dependency_root_with_folders(protoc: Protoc) -> None:
    own = {"a.proto": b'syntax = "proto3";\nimport "dep/b.proto";\nmessage A { B b = 1; }\n'}
    dependency = {"dep/b.proto": b'syntax = "proto3";\nmessage B {}\n'}

    result = await protoc.compile([own, dependency], ["a.proto"])

    assert set(descriptors(result)) == {"a.proto", "dep/b.proto"}


async def test_syntax_error_is_located(protoc: Protoc, work_tmp: Path) -> None:
    source = b'syntax = "proto3";\n\nmessage A {\n  int32 x = 1\n}\n'

    error = await compile_error(protoc, [{"a.proto": source}], ["a.proto"])

    first = error.details[0]
    assert first["file"] == "a.proto"
    assert first["line"] == 5  # protoc notices the missing ';' at the closing brace
    assert isinstance(first["column"], int)
    assert first["column"] >= 1
    assert "Expected" in first["message"]
    assert first["message"] in str(error)
    assert_no_temp_paths(error, work_tmp)
    assert is_empty(work_tmp), "the scratch directory is removed on failure too"


async def test_undefined_type_is_located(protoc: Protoc, work_tmp: Path) -> None:
    source = b'syntax = "proto3";\n\npackage x;\n\nmessage A {\n  Missing m = 1;\n}\n'

    error = await compile_error(protoc, [{"dir/a.proto": source}], ["dir/a.proto"])

    assert {
        "file": "dir/a.proto",
        "line": 6,
        "column": 3,
        "message": '"Missing" is not defined.',
    } in error.details
    assert_no_temp_paths(error, work_tmp)


async def test_error_in_a_dependency_names_its_import_path(protoc: Protoc, work_tmp: Path) -> None:
    own = {"a.proto": b'syntax = "proto3";\nimport "dep/b.proto";\nmessage A { B b = 1; }\n'}
    dependency = {"dep/b.proto": b'syntax = "proto3";\nmessage B { Nope n = 1; }\n'}

    error = await compile_error(protoc, [own, dependency], ["a.proto"])

    assert any(d["file"] == "dep/b.proto" and d["line"] == 2 for d in error.details)
    assert_no_temp_paths(error, work_tmp)


async def test_missing_import_names_the_file(protoc: Protoc, work_tmp: Path) -> None:
    source = b'syntax = "proto3";\nimport "acme/missing.proto";\nmessage A {}\n'

    error = await compile_error(protoc, [{"a.proto": source}], ["a.proto"])

    assert any("acme/missing.proto" in str(d["file"]) + d["message"] for d in error.details)
    assert any(d["file"] == "a.proto" and d["line"] == 2 for d in error.details)
    assert_no_temp_paths(error, work_tmp)


def generated_tree(count: int) -> dict[str, bytes]:
    """``count`` files, each importing the one before it."""
    tree: dict[str, bytes] = {}
    for i in range(count):
        imports = f'import "gen/m{i - 1}.proto";\n' if i else ""
        field = f"  M{i - 1} previous = 1;\n" if i else ""
        tree[f"gen/m{i}.proto"] = (
            f'syntax = "proto3";\npackage gen;\n{imports}message M{i} {{\n{field}}}\n'.encode()
        )
    return tree


async def test_timeout(work_tmp: Path) -> None:
    # A tree big enough that protoc cannot finish within a millisecond on any machine.
    tree = generated_tree(3000)
    protoc = Protoc(locate_protoc(), timeout=0.001)

    with pytest.raises(CompileFailed) as caught:
        await protoc.compile([tree], sorted(tree))

    assert "did not finish within 0.001 s" in str(caught.value)
    assert any("timed out" in d["message"] for d in caught.value.details)
    assert is_empty(work_tmp)


async def test_generated_tree_compiles_without_timeout(protoc: Protoc) -> None:
    tree = generated_tree(300)

    result = await protoc.compile([tree], sorted(tree))

    assert len(descriptors(result)) == 300


async def test_memory_limit_fails_the_compile_cleanly(tmp_path: Path) -> None:
    """protoc under an address-space limit too small to run: a CompileFailed, not a crash."""
    tight = Protoc(locate_protoc(), memory_limit=8 * 1024 * 1024)
    with pytest.raises(CompileFailed):
        await tight.compile([{"a.proto": b'syntax = "proto3";\nmessage A {}\n'}], ["a.proto"])
    roomy = Protoc(locate_protoc(), memory_limit=512 * 1024 * 1024)
    result = await roomy.compile([{"a.proto": b'syntax = "proto3";\nmessage A {}\n'}], ["a.proto"])
    assert result.descriptor_set
