"""Paths the CLI writes from a registry's archives (``domain/trees.py``)."""

from __future__ import annotations

import pytest

from spoke.compile.languages import LANGUAGES
from spoke.compile.toolchain import DescriptorSetOutput
from spoke.domain.errors import InvalidArgument
from spoke.domain.paths import MAX_PATH_BYTES
from spoke.domain.trees import (
    validate_generated_path,
    validate_relative_path,
)

# What each language's generator writes for acme/pay/v1/pay.proto (with gRPC), as
# protoc and the plugins name them.
GENERATED = [
    "acme/pay/v1/pay_pb2.py",
    "acme/pay/v1/pay_pb2.pyi",
    "acme/pay/v1/pay_pb2_grpc.py",
    "acme/pay/v1/pay.pb.h",
    "acme/pay/v1/pay.pb.cc",
    "acme/pay/v1/pay.grpc.pb.h",
    "acme/pay/v1/pay.grpc.pb.cc",
    "com/acme/pay/v1/Pay.java",
    "com/acme/pay/v1/PaymentsGrpc.java",
    "com/acme/pay/v1/PayKt.kt",
    "Acme/Pay/V1/Pay.cs",
    "Acme/Pay/V1/PayGrpc.cs",
    "acme/pay/v1/pay_pb.rb",
    "acme/pay/v1/pay_services_pb.rb",
    "acme/pay/v1/pay_pb.rbs",
    "Acme/Pay/V1/Payment.php",
    "GPBMetadata/Acme/Pay/V1/Pay.php",
    "acme/pay/v1/Pay.pbobjc.h",
    "acme/pay/v1/Pay.pbobjc.m",
    "acme/pay/v1/Pay.pbrpc.h",
    "acme/pay/v1/Pay.pbrpc.m",
    "acme/pay/v1/pay.pb.go",
    "acme/pay/v1/pay_grpc.pb.go",
    "acme/pay/v1/pay_pb.ts",
    "package.json",
    "descriptor_set.binpb",
    "ünïcödé/日本語_pb2.py",
    "with space/a_pb2.py",
]


@pytest.mark.parametrize("path", GENERATED)
def test_generated_files_are_accepted(path: str) -> None:
    assert validate_generated_path(path) == path


def test_every_fixed_name_a_language_writes_is_accepted() -> None:
    for language in LANGUAGES:
        if language.manifest is not None:
            assert validate_generated_path(language.manifest.path)
        for output in language.outputs:
            if isinstance(output, DescriptorSetOutput):
                assert validate_generated_path(output.filename)


UNSAFE = {
    "empty": "",
    "dot": ".",
    "dot-dot": "..",
    "absolute": "/etc/cron.d/x_pb2.py",
    "parent": "../x_pb2.py",
    "parent-inside": "a/../../x_pb2.py",
    "dot-segment": "a/./x_pb2.py",
    "empty-segment": "a//x_pb2.py",
    "trailing-slash": "a/x_pb2.py/",
    "backslash": "a\\..\\x_pb2.py",
    "nul": "a\x00_pb2.py",
    "newline": "a\n_pb2.py",
    "escape": "a\x1b[2J_pb2.py",
    "c1": "a\x9b_pb2.py",
    "del": "a\x7f_pb2.py",
    "bidi-override": "a\u202eyp.2bp_.py",
    "zero-width": "a\u200b_pb2.py",
    "bom": "\ufeffa_pb2.py",
    "too-long": "a/" * (MAX_PATH_BYTES // 2) + "x_pb2.py",
    "surrogate": "\ud800_pb2.py",
}
NOT_GENERATED = {
    "git-config": ".git/config",
    "git-hook": ".git/hooks/pre-commit",
    "hidden-folder": ".github/workflows/x_pb2.py",
    "hidden-file": "a/.x_pb2.py",
    "bashrc": ".bashrc",
    "envrc": "a/.envrc",
    "script": "install.sh",
    "conftest": "conftest.py",
    "setup": "setup.py",
    "init": "acme/__init__.py",
    "makefile": "Makefile",
    "pth": "x.pth",
    "bare-suffix": "a/.java",
    "suffix-only": "_pb2.py",
    "folder-json": "a/package.json.sh",
}


@pytest.mark.parametrize("path", list(UNSAFE.values()), ids=list(UNSAFE))
def test_unsafe_paths_are_refused_by_both_rules(path: str) -> None:
    with pytest.raises(InvalidArgument):
        validate_relative_path(path)
    with pytest.raises(InvalidArgument):
        validate_generated_path(path)


@pytest.mark.parametrize("path", list(NOT_GENERATED.values()), ids=list(NOT_GENERATED))
def test_names_no_generator_writes_are_refused(path: str) -> None:
    with pytest.raises(InvalidArgument, match="unsafe file path"):
        validate_generated_path(path)


def test_refusals_show_the_path_without_its_control_characters() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_generated_path("a\x1b[2J_pb2.py")
    assert "\x1b" not in caught.value.message and "\\u001b" in caught.value.message
    assert caught.value.code == "invalid_argument"
