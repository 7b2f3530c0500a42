"""Wheels of generated Python code: file name, METADATA, RECORD hashes, determinism, and
the runtime requirements read from the generated code."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from datetime import UTC, datetime

from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename

from spoke.services.sdk.wheels import (
    build_wheel,
    distribution_name,
    project_name,
    python_sources,
    runtime_requirements,
)

PB2 = b"# Protobuf Python Version: 7.36.2\nfrom google.protobuf import descriptor\n"
GRPC_WITH_SERVICE = (
    b"import grpc\nGRPC_GENERATED_VERSION = '1.76.0'\nclass GreeterStub(object):\n    pass\n"
)
GRPC_EMPTY = b"import grpc\nGRPC_GENERATED_VERSION = '1.76.0'\n"


def _wheel(**overrides: object) -> zipfile.ZipFile:
    args: dict[str, object] = {
        "project": "acme.greet",
        "version": "1.2.0rc1",
        "summary": "Greetings\nand more",
        "sources": {"acme/greet/v1/greet_pb2.py": PB2, "acme/greet/v1/greet_pb2.pyi": b"x"},
        "requires": ["protobuf>=7.36.2,<8", "acme-common==1.0.0"],
        "created": datetime(2026, 5, 4, 3, 2, 10, tzinfo=UTC),
    }
    args.update(overrides)
    wheel = build_wheel(**args)  # type: ignore[arg-type]
    assert wheel.filename == "acme_greet-1.2.0rc1-py3-none-any.whl"
    return zipfile.ZipFile(io.BytesIO(wheel.data))


def test_names_follow_pep503_and_the_wheel_spec() -> None:
    assert project_name("acme.greet") == "acme-greet"
    assert project_name("acme_greet--v1") == "acme-greet-v1"
    assert distribution_name("acme.greet") == "acme_greet"
    name, version, build, tags = parse_wheel_filename("acme_greet-1.2.0rc1-py3-none-any.whl")
    assert (name, str(version), build) == ("acme-greet", "1.2.0rc1", ())
    assert {str(t) for t in tags} == {"py3-none-any"}


def test_record_lists_every_file_with_its_hash_and_size() -> None:
    archive = _wheel()
    names = archive.namelist()
    info = "acme_greet-1.2.0rc1.dist-info"
    assert names[-1] == f"{info}/RECORD"
    rows = list(csv.reader(io.StringIO(archive.read(f"{info}/RECORD").decode())))
    assert sorted(row[0] for row in rows) == sorted(names)
    for path, digest, size in rows:
        if path == f"{info}/RECORD":
            assert (digest, size) == ("", "")
            continue
        data = archive.read(path)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        assert digest == "sha256=" + expected.decode()
        assert int(size) == len(data)
    # Namespace packages: wheels of modules sharing a folder must not both own __init__.py.
    assert not [n for n in names if n.endswith("__init__.py")]


def test_metadata_and_wheel_files() -> None:
    archive = _wheel()
    info = "acme_greet-1.2.0rc1.dist-info"
    metadata = archive.read(f"{info}/METADATA").decode()
    assert metadata.startswith("Metadata-Version: 2.1\nName: acme-greet\nVersion: 1.2.0rc1\n")
    assert "Summary: Greetings and more\n" in metadata  # one line
    requires = [
        Requirement(line.removeprefix("Requires-Dist: "))
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    assert [(r.name, str(r.specifier)) for r in requires] == [
        ("protobuf", "<8,>=7.36.2"),
        ("acme-common", "==1.0.0"),
    ]
    wheel = archive.read(f"{info}/WHEEL").decode()
    assert "Root-Is-Purelib: true\n" in wheel and "Tag: py3-none-any\n" in wheel
    assert archive.getinfo("acme/greet/v1/greet_pb2.py").date_time == (2026, 5, 4, 3, 2, 10)


def test_the_same_inputs_give_the_same_bytes() -> None:
    first = _wheel().fp
    second = _wheel().fp
    assert isinstance(first, io.BytesIO) and isinstance(second, io.BytesIO)
    assert first.getvalue() == second.getvalue()
    other = _wheel(requires=["protobuf"]).fp
    assert isinstance(other, io.BytesIO) and other.getvalue() != first.getvalue()


def test_sources_keep_python_and_grpc_modules_of_services_only() -> None:
    generated = {
        "a/v1/a_pb2.py": PB2,
        "a/v1/a_pb2.pyi": b"",
        "a/v1/a_pb2_grpc.py": GRPC_WITH_SERVICE,
        "b/v1/b_pb2_grpc.py": GRPC_EMPTY,
        "package.json": b"{}",
    }
    assert sorted(python_sources(generated)) == [
        "a/v1/a_pb2.py",
        "a/v1/a_pb2.pyi",
        "a/v1/a_pb2_grpc.py",
    ]


def test_runtime_requirements_come_from_the_generated_code() -> None:
    assert runtime_requirements({"a_pb2.py": PB2}) == ["protobuf>=7.36.2,<8"]
    assert runtime_requirements({"a_pb2.py": b"# old gencode\n"}) == ["protobuf"]
    with_grpc = {"a_pb2.py": PB2, "a_pb2_grpc.py": GRPC_WITH_SERVICE}
    assert runtime_requirements(with_grpc) == ["protobuf>=7.36.2,<8", "grpcio>=1.76.0"]
