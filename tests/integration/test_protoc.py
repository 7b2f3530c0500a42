"""protoc, for real: descriptor sets, import roots, diagnostics, the timeout, and how it is
called (targets, plugin parameters, environment)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from spoke.compile.protoc import (
    MAX_DIAGNOSTICS,
    CompileResult,
    Protoc,
    locate_protoc,
    plugin_parameter,
)
from spoke.domain.errors import CompileFailed, InvalidArgument, Unprocessable

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


# -- protoc's command line: nothing a user sends is ever read as a flag -------------------


HOSTILE_NAMES = [
    "-I/:x.proto",  # "/" on the import path, if read as a flag
    "--include_imports.proto",
    "@args.proto",  # an argument file, if it were on protoc's own command line
    "a/-b.proto",
]


async def test_option_like_file_names_are_compiled_as_files(
    protoc: Protoc, work_tmp: Path, tmp_path: Path
) -> None:
    """Names the domain refuses (defence in depth: they must be harmless here too)."""
    leak = tmp_path / "leak.proto"
    names = [*HOSTILE_NAMES, f"--dependency_out={leak}"]
    root = {
        name: f'syntax = "proto3";\nmessage M{i} {{}}\n'.encode() for i, name in enumerate(names)
    }

    result = await protoc.compile([root], sorted(root))

    assert set(descriptors(result)) == set(root)
    assert not leak.exists(), "a target path is never an option"
    assert is_empty(work_tmp)


@pytest.mark.parametrize("folder", ["a", "-x/@y"])
async def test_diagnostics_name_files_by_import_path(
    protoc: Protoc, work_tmp: Path, folder: str
) -> None:
    """Targets are passed as ./path; protoc still reports the path it was imported by."""
    root = {
        f"{folder}/b.proto": (
            f'syntax = "proto3";\nimport "{folder}/c.proto";\nmessage B {{ C c = 1; X x = 2; }}\n'
        ).encode(),
        f"{folder}/c.proto": b'syntax = "proto3";\nmessage C { Y y = 1; }\n',
    }

    error = await compile_error(protoc, [root], [f"{folder}/b.proto"])

    assert {d["file"] for d in error.details} == {f"{folder}/b.proto", f"{folder}/c.proto"}
    assert {
        "file": f"{folder}/b.proto",
        "line": 3,
        "column": 22,
        "message": '"X" is not defined.',
    } in error.details
    assert not any("./" in d["message"] for d in error.details)
    assert_no_temp_paths(error, work_tmp)


async def test_a_file_that_is_the_folder_of_another_is_invalid(
    protoc: Protoc, work_tmp: Path
) -> None:
    root = {"a.proto": b'syntax = "proto3";\n', "a.proto/b.proto": b'syntax = "proto3";\n'}

    with pytest.raises(InvalidArgument, match="both a file and the folder"):
        await protoc.compile([root], ["a.proto"])

    assert is_empty(work_tmp)


async def test_a_file_clashing_with_a_dependency_folder_compiles(protoc: Protoc) -> None:
    """Each root has its own directory: a clash across roots cannot break the write (the
    resolver refuses it before, so that a version and its dependencies make one tree)."""
    own = {"a.proto": b'syntax = "proto3";\nimport "a.proto/b.proto";\nmessage A { B b = 1; }\n'}
    dependency = {"a.proto/b.proto": b'syntax = "proto3";\nmessage B {}\n'}

    result = await protoc.compile([own, dependency], ["a.proto"])

    assert set(descriptors(result)) == {"a.proto", "a.proto/b.proto"}


async def test_diagnostics_are_capped(protoc: Protoc, work_tmp: Path) -> None:
    fields = "".join(f"  Missing{i} f{i} = {i};\n" for i in range(1, 251))
    source = f'syntax = "proto3";\nmessage A {{\n{fields}}}\n'.encode()

    error = await compile_error(protoc, [{"a.proto": source}], ["a.proto"])

    assert len(error.details) == MAX_DIAGNOSTICS
    assert error.message.startswith("250 error(s) compiling the files (the first 100 are listed)")
    assert error.details[0]["message"] == '"Missing1" is not defined.'


PLUGIN = """#!{python}
import json, os, sys
from google.protobuf.compiler import plugin_pb2

request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
response = plugin_pb2.CodeGeneratorResponse()
out = response.file.add()
out.name = "env.json"
out.content = json.dumps({{"env": dict(os.environ), "parameter": request.parameter,
                          "files": list(request.file_to_generate), "cwd": os.getcwd()}})
sys.stdout.buffer.write(response.SerializeToString())
"""


async def test_protoc_and_plugins_run_with_a_minimal_environment(
    protoc: Protoc, work_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPOKE_S3_SECRET_KEY", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter3")
    plugin = tmp_path / "protoc-gen-env"
    plugin.write_text(PLUGIN.format(python=sys.executable))
    plugin.chmod(0o755)
    root = {"acme/a.proto": b'syntax = "proto3";\nmessage A {}\n'}

    outputs = await protoc.generate(
        [root],
        ["acme/a.proto"],
        lambda out: [
            f"--plugin=protoc-gen-env={plugin}",
            f"--env_out={out}",
            f"--env_opt={plugin_parameter('Macme/a.proto', 'acme')}",
        ],
    )

    seen = json.loads(outputs["env.json"])
    env = seen["env"]
    assert seen["files"] == ["acme/a.proto"], "the plugin gets import paths, not ./"
    assert seen["parameter"] == "Macme/a.proto=acme"
    assert set(env) <= {"PATH", "JAVA_HOME", "LANG", "HOME", "TMPDIR"}
    assert env["PATH"] == os.environ["PATH"]
    assert env["HOME"] == env["TMPDIR"] == str(Path(seen["cwd"]).parent)
    assert Path(env["HOME"]).parent == work_tmp
    assert "hunter2" not in outputs["env.json"].decode()
    assert "hunter3" not in outputs["env.json"].decode()
    assert is_empty(work_tmp)
