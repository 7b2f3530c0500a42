"""Code generation, for real: every language this host can build, on googleapis.

Languages whose tools are missing here are skipped (``scripts/install-codegen-tools.sh``
installs them); the ones protoc builds in must never be.
"""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from spoke.compile.languages import (
    LANGUAGES,
    LanguageRegistry,
    LanguageUnavailable,
    UnknownLanguage,
    generate,
)
from spoke.compile.protoc import Protoc, locate_protoc
from spoke.compile.toolchain import Toolchain, detect_toolchain
from spoke.domain.errors import InvalidArgument, Unavailable
from tests.functional.live_server import googleapis_tree

DATE = "google/type/date.proto"
SERVICE = "google/cloud/location/locations.proto"  # a file with a service
NO_GO_PACKAGE = "google/cloud/common_resources.proto"

# Files each language must produce for DATE, and for SERVICE with gRPC.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "python": (
        {"google/type/date_pb2.py", "google/type/date_pb2.pyi"},
        {"google/cloud/location/locations_pb2_grpc.py"},
    ),
    "cpp": (
        {"google/type/date.pb.h", "google/type/date.pb.cc"},
        {"google/cloud/location/locations.grpc.pb.h", "google/cloud/location/locations.grpc.pb.cc"},
    ),
    "java": ({"com/google/type/Date.java"}, {"com/google/cloud/location/LocationsGrpc.java"}),
    "kotlin": ({"com/google/type/Date.java", "com/google/type/DateKt.kt"}, set()),
    "csharp": ({"Google/Type/Date.cs"}, set()),
    "ruby": (
        {"google/type/date_pb.rb", "google/type/date_pb.rbs"},
        {"google/cloud/location/locations_services_pb.rb"},
    ),
    "php": (
        {"Google/Type/Date.php", "GPBMetadata/Google/Type/Date.php"},
        {"Google/Cloud/Location/LocationsClient.php"},
    ),
    "objc": ({"google/type/Date.pbobjc.h", "google/type/Date.pbobjc.m"}, set()),
    "go": (
        {"google/type/date.pb.go", "google/cloud/common_resources.pb.go"},
        {"google/cloud/location/locations_grpc.pb.go"},
    ),
    "typescript": ({"google/type/date_pb.ts"}, set()),
    "javascript": ({"google/type/date_pb.js", "google/type/date_pb.d.ts"}, set()),
    "descriptor_set": ({"descriptor_set.binpb"}, set()),
}
BUILT_INTO_PROTOC = {"python", "cpp", "java", "kotlin", "csharp", "ruby", "php", "objc"}

MONEY = b"""syntax = "proto3";
package acme.money.v1;
message Money {
  string currency = 1;
  int64 units = 2;
}
"""

PAYMENT = b"""syntax = "proto3";
package acme.pay.v1;
import "acme/money/v1/money.proto";
import "google/protobuf/timestamp.proto";
message Payment {
  acme.money.v1.Money amount = 1;
  google.protobuf.Timestamp at = 2;
}
service Payments {
  rpc Pay(Payment) returns (Payment);
}
"""


@pytest.fixture(scope="module")
def registry() -> LanguageRegistry:
    return LanguageRegistry(asyncio.run(detect_toolchain(locate_protoc())))


@pytest.fixture
def protoc() -> Protoc:
    # One per test: its semaphore belongs to the test's event loop.
    return Protoc(locate_protoc(), timeout=120)


@pytest.fixture(scope="module")
def googleapis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tree = googleapis_tree(tmp_path_factory.mktemp("googleapis"))
    files = {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*.proto")}
    assert {DATE, SERVICE, NO_GO_PACKAGE} <= set(files)
    assert not any(path.startswith("google/protobuf/") for path in files)
    return files


def write_tree(files: Mapping[str, bytes], dest: Path) -> Path:
    for path, data in files.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(data)
    return dest


def run_python(code: str, *paths: Path) -> str:
    """``code`` in a fresh interpreter with only ``paths`` added in front of sys.path."""
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)],
        env={"PYTHONPATH": ":".join(map(str, paths)), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def require(registry: LanguageRegistry, language: str, *, grpc: bool) -> None:
    status = {s.id: s for s in registry.all()}[language]
    if not status.available or (grpc and not status.grpc_available):
        assert language not in BUILT_INTO_PROTOC or grpc, f"{language} must always build"
        missing = status.missing + (status.grpc_missing if grpc else [])
        pytest.skip(f"{language}{' + gRPC' if grpc else ''}: missing {', '.join(missing)}")


def test_languages_built_into_protoc_are_always_available(registry: LanguageRegistry) -> None:
    statuses = {s.id: s for s in registry.all()}
    assert set(statuses) == set(EXPECTED) == {language.id for language in LANGUAGES}
    for language in [*BUILT_INTO_PROTOC, "descriptor_set"]:
        assert statuses[language].available, statuses[language]
        assert statuses[language].versions["protoc"] == registry.toolchain.protoc.version
    assert registry.toolchain.protoc.version != "unknown"
    assert not statuses["descriptor_set"].grpc_supported
    assert not statuses["descriptor_set"].grpc_available


def test_plugin_versions_come_from_the_tool_or_its_package(registry: LanguageRegistry) -> None:
    if not registry.toolchain.plugins:
        pytest.skip("no plugins installed")
    for tool in registry.toolchain.plugins.values():
        assert tool.path.is_absolute() and tool.path.is_file()
        if tool.package is not None:  # a Debian package owns it: its version is known
            assert tool.version != "unknown"
            assert tool.package.startswith(tool.package.split("=")[0] + "=")


@pytest.mark.parametrize("grpc", [False, True], ids=["messages", "grpc"])
@pytest.mark.parametrize("language", list(EXPECTED))
async def test_generates_googleapis(
    registry: LanguageRegistry,
    protoc: Protoc,
    googleapis: dict[str, bytes],
    language: str,
    grpc: bool,
) -> None:
    if grpc and not registry.get(language).grpc_supported:
        with pytest.raises(InvalidArgument):
            registry.get(language, grpc=True)
        return
    require(registry, language, grpc=grpc)

    files = await generate(protoc, registry, language, grpc=grpc, roots=[googleapis])

    messages, services = EXPECTED[language]
    assert messages <= set(files), sorted(files)[:20]
    if grpc:
        assert services <= set(files)
    else:
        assert not {path for path in files if "grpc" in path.lower()}
        assert not services & set(files)
    assert all(data for data in files.values())
    # Well-known types are imports, never generated.
    assert not [p for p in files if p.startswith(("google/protobuf/", "Google/Protobuf/"))]


async def test_descriptor_set_lists_every_target(
    registry: LanguageRegistry, protoc: Protoc, googleapis: dict[str, bytes]
) -> None:
    files = await generate(protoc, registry, "descriptor_set", grpc=False, roots=[googleapis])
    parsed = descriptor_pb2.FileDescriptorSet.FromString(files["descriptor_set.binpb"])
    names = {file.name for file in parsed.file}
    assert set(googleapis) <= names
    assert "google/protobuf/descriptor.proto" in names  # imports included
    date = next(file for file in parsed.file if file.name == DATE)
    assert date.source_code_info.location  # with source info


async def test_python_artifacts_import_in_a_fresh_interpreter(
    registry: LanguageRegistry, protoc: Protoc, googleapis: dict[str, bytes], tmp_path: Path
) -> None:
    require(registry, "python", grpc=True)
    files = await generate(protoc, registry, "python", grpc=True, roots=[googleapis])
    out = write_tree(files, tmp_path / "gen")

    printed = run_python(
        "import sys\n"
        "from google.type import date_pb2\n"
        "assert date_pb2.__file__.startswith(sys.argv[1]), date_pb2.__file__\n"
        "date = date_pb2.Date(year=2024, month=2, day=29)\n"
        "data = date.SerializeToString()\n"
        "back = date_pb2.Date.FromString(data)\n"
        "assert back == date and (back.year, back.month, back.day) == (2024, 2, 29)\n"
        "print(data.hex())\n",
        out,
    )
    assert printed.strip() == "08e80f1002181d"  # year=2024, month=2, day=29 on the wire
    # grpcio is not a dependency: the service module must at least be valid Python.
    tree = ast.parse(files["google/cloud/location/locations_pb2_grpc.py"])
    classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    assert {"LocationsStub", "LocationsServicer"} <= classes


async def test_dependency_is_importable_but_not_generated(
    registry: LanguageRegistry, protoc: Protoc, tmp_path: Path
) -> None:
    money = {"acme/money/v1/money.proto": MONEY}
    pay = {"acme/pay/v1/payment.proto": PAYMENT}

    pay_files = await generate(protoc, registry, "python", grpc=False, roots=[pay, money])
    money_files = await generate(protoc, registry, "python", grpc=False, roots=[money])

    assert set(pay_files) == {"acme/pay/v1/payment_pb2.py", "acme/pay/v1/payment_pb2.pyi"}
    assert set(money_files) == {"acme/money/v1/money_pb2.py", "acme/money/v1/money_pb2.pyi"}
    printed = run_python(
        "from acme.pay.v1 import payment_pb2\n"
        "from acme.money.v1 import money_pb2\n"
        "p = payment_pb2.Payment(amount=money_pb2.Money(currency='EUR', units=5))\n"
        "p.at.seconds = 1700000000\n"
        "back = payment_pb2.Payment.FromString(p.SerializeToString())\n"
        "assert back == p\n"
        "print(back.amount.currency, back.amount.units, back.at.seconds)\n",
        write_tree(pay_files, tmp_path / "pay"),
        write_tree(money_files, tmp_path / "money"),
    )
    assert printed.split() == ["EUR", "5", "1700000000"]


async def test_go_maps_files_without_go_package_to_their_folder(
    registry: LanguageRegistry, protoc: Protoc
) -> None:
    require(registry, "go", grpc=True)
    money = {"acme/money/v1/money.proto": MONEY}
    pay = {"acme/pay/v1/payment.proto": PAYMENT}

    files = await generate(protoc, registry, "go", grpc=True, roots=[pay, money])

    assert set(files) == {"acme/pay/v1/payment.pb.go", "acme/pay/v1/payment_grpc.pb.go"}
    source = files["acme/pay/v1/payment.pb.go"].decode()
    assert "\npackage v1\n" in source
    assert '"acme/money/v1"' in source  # the dependency's mapped import path


async def test_targets_are_the_module_files_without_well_known_types(
    registry: LanguageRegistry, protoc: Protoc
) -> None:
    money = {"acme/money/v1/money.proto": MONEY}
    pay = {"acme/pay/v1/payment.proto": PAYMENT}

    files = await generate(
        protoc,
        registry,
        "python",
        grpc=False,
        roots=[pay, money],
        targets=["acme/pay/v1/payment.proto", "google/protobuf/timestamp.proto"],
    )
    assert set(files) == {"acme/pay/v1/payment_pb2.py", "acme/pay/v1/payment_pb2.pyi"}

    with pytest.raises(InvalidArgument) as outside:
        await generate(
            protoc,
            registry,
            "python",
            grpc=False,
            roots=[pay, money],
            targets=["acme/money/v1/money.proto"],
        )
    assert outside.value.details == {"targets": ["acme/money/v1/money.proto"]}
    with pytest.raises(InvalidArgument):
        await generate(
            protoc,
            registry,
            "python",
            grpc=False,
            roots=[pay],
            targets=["google/protobuf/timestamp.proto"],
        )


async def test_unknown_language(registry: LanguageRegistry, protoc: Protoc) -> None:
    with pytest.raises(UnknownLanguage) as raised:
        registry.get("cobol")
    assert raised.value.code == "unknown_language"
    assert "python" in raised.value.details["known"]
    with pytest.raises(UnknownLanguage):
        await generate(protoc, registry, "cobol", grpc=False, roots=[{"a.proto": b""}])
    with pytest.raises(UnknownLanguage):
        registry.fingerprint("cobol", grpc=False)


async def test_grpc_for_descriptor_set_is_invalid(
    registry: LanguageRegistry, protoc: Protoc
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await generate(
            protoc,
            registry,
            "descriptor_set",
            grpc=True,
            roots=[{"a.proto": b"syntax = 'proto3';"}],
        )
    assert not isinstance(raised.value, Unavailable)
    assert raised.value.details == {"language": "descriptor_set", "grpc": True}


async def test_missing_tools_make_a_language_unavailable(
    registry: LanguageRegistry, protoc: Protoc
) -> None:
    bare = LanguageRegistry(Toolchain(protoc=registry.toolchain.protoc, plugins={}))
    statuses = {s.id: s for s in bare.all()}
    assert not statuses["go"].available
    assert statuses["go"].missing == ["protoc-gen-go"]
    assert statuses["python"].available and not statuses["python"].grpc_available
    assert statuses["python"].grpc_missing == ["grpc_python_plugin"]

    with pytest.raises(LanguageUnavailable) as raised:
        bare.get("go")
    assert raised.value.code == "language_unavailable"
    assert "protoc-gen-go" in raised.value.message
    assert "apt-get install protoc-gen-go" in raised.value.message
    assert bare.get("python").id == "python"
    with pytest.raises(LanguageUnavailable) as grpc_missing:
        await generate(
            protoc, bare, "python", grpc=True, roots=[{"a.proto": b"syntax = 'proto3';"}]
        )
    assert "grpc_python_plugin" in grpc_missing.value.message
    assert "protobuf-compiler-grpc" in grpc_missing.value.message


async def test_detects_plugins_and_their_versions(tmp_path: Path) -> None:
    plugins = tmp_path / "bin"
    plugins.mkdir()
    for name, script in {
        "protoc-gen-go": "echo 'protoc-gen-go v9.8.7'",
        "grpc_cpp_plugin": 'echo "$0: Unknown option: $1" >&2; exit 1',
    }.items():
        (plugins / name).write_text(f"#!/bin/sh\n{script}\n")
        (plugins / name).chmod(0o755)
    (plugins / "protoc-gen-go-grpc").write_text("not executable")

    toolchain = await detect_toolchain(locate_protoc(), search_dirs=[plugins])

    assert set(toolchain.plugins) == {"protoc-gen-go", "grpc_cpp_plugin"}
    assert toolchain.plugins["protoc-gen-go"].version == "v9.8.7"
    assert toolchain.plugins["protoc-gen-go"].path == plugins / "protoc-gen-go"
    assert toolchain.plugins["grpc_cpp_plugin"].version == "unknown"
    assert toolchain.plugins["grpc_cpp_plugin"].package is None


def test_fingerprint(registry: LanguageRegistry, tmp_path: Path) -> None:
    python = registry.fingerprint("python", grpc=False)
    assert python == registry.fingerprint("python", grpc=False)
    again = LanguageRegistry(asyncio.run(detect_toolchain(locate_protoc())))
    assert again.fingerprint("python", grpc=False) == python
    assert registry.fingerprint("cpp", grpc=False) != python
    assert registry.fingerprint("descriptor_set", grpc=False) != python
    assert registry.toolchain.protoc.version in python
    assert "/" not in python.replace("codegen/1", "")  # no paths, temporary or installed
    for status in registry.all():
        if status.grpc_available:  # typescript's gRPC adds no plugin, yet counts too
            assert registry.fingerprint(status.id, grpc=True) != registry.fingerprint(
                status.id, grpc=False
            )
    if {s.id: s for s in registry.all()}["python"].grpc_available:
        with_grpc = registry.fingerprint("python", grpc=True)
        assert registry.toolchain.plugins["grpc_python_plugin"].version in with_grpc
