from __future__ import annotations

import pytest

from spoke.domain.errors import InvalidArgument
from spoke.domain.paths import MAX_PATH_BYTES, is_proto, validate_path


@pytest.mark.parametrize(
    "path",
    [
        "a.proto",
        "acme/payments/v1/payments.proto",
        "a/b/c/d/e/f.proto",
        "ünïcödé/日本語.proto",
        "with space/and-dash_underscore.proto",
        "a.b.c.proto",
        "README.md",
        ".hidden/a.proto",
        "a/..b.proto",
    ],
)
def test_valid_paths_are_returned_unchanged(path: str) -> None:
    assert validate_path(path) == path


def test_path_of_exactly_the_byte_limit_is_accepted() -> None:
    path = "a" * (MAX_PATH_BYTES - len(".proto")) + ".proto"
    assert len(path.encode()) == MAX_PATH_BYTES
    assert validate_path(path) == path


REJECTED = {
    "empty": "",
    "absolute": "/a.proto",
    "parent-leading": "../a.proto",
    "parent-inside": "a/../b.proto",
    "dot-segment": "a/./b.proto",
    "leading-dot-segment": "./a.proto",
    "empty-segment": "a//b.proto",
    "trailing-slash": "a.proto/",
    "backslash": "a\\b.proto",
    "nul": "a\x00b.proto",
    "control-char": "a\x1fb.proto",
    "newline": "a\nb.proto",
    "delete-char": "a\x7fb.proto",
    "c1-control-char": "a\x85b.proto",
    "lone-surrogate": "\ud800.proto",
    "not-proto": "a.txt",
    "proto-prefix-only": "a.proto.txt",
    "nested-readme": "docs/README.md",
    "readme-lowercase": "readme.md",
    "empty-file-name": ".proto",
    "empty-file-name-nested": "a/.proto",
    "too-long-ascii": "a" * (MAX_PATH_BYTES - len(".proto") + 1) + ".proto",
    "too-long-multibyte": "é" * 600 + ".proto",
}


@pytest.mark.parametrize("path", REJECTED.values(), ids=REJECTED.keys())
def test_invalid_paths_are_rejected(path: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_path(path)
    assert info.value.code == "invalid_argument"
    assert info.value.message.startswith("invalid file path")
    # The message and details must be printable and encodable, whatever the input.
    info.value.message.encode("utf-8")
    str(info.value.details).encode("utf-8")


def test_lone_surrogate_is_reported_as_invalid_utf8_without_crashing() -> None:
    with pytest.raises(InvalidArgument, match="not valid UTF-8") as info:
        validate_path("a/\ud800.proto")
    assert "\\ud800" in info.value.message
    assert "\\ud800" in info.value.details["path"]
    info.value.message.encode("utf-8")


def test_readme_only_allowed_at_root() -> None:
    assert validate_path("README.md") == "README.md"
    with pytest.raises(InvalidArgument, match=r"only \.proto files"):
        validate_path("docs/README.md")


def test_dot_segments_are_explained() -> None:
    with pytest.raises(InvalidArgument, match=r"'\.\.' segments"):
        validate_path("a/../b.proto")


def test_absolute_path_is_explained() -> None:
    with pytest.raises(InvalidArgument, match="relative"):
        validate_path("/a.proto")


def test_empty_file_name_is_explained() -> None:
    with pytest.raises(InvalidArgument, match="file name is empty"):
        validate_path("pkg/.proto")


def test_overlong_path_message_is_truncated() -> None:
    path = "x" * 5000 + ".proto"
    with pytest.raises(InvalidArgument, match=f"longer than {MAX_PATH_BYTES} bytes") as info:
        validate_path(path)
    assert len(info.value.message) < 200


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a.proto", True), ("a/b.proto", True), ("README.md", False), ("a.protox", False)],
)
def test_is_proto(path: str, expected: bool) -> None:
    assert is_proto(path) is expected
