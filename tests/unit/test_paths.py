from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke.domain.errors import InvalidArgument
from spoke.domain.paths import (
    MAX_PATH_BYTES,
    folder_clash,
    is_proto,
    validate_path,
    validate_tree,
)


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
        "a-b/c-d.proto",
        "a@b/c@d.proto",
        "a/b=c.proto",
        "a:b.proto",
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
    # Options for protoc (it has no "--") and most command-line tools, in any folder.
    "leading-dash": "-a.proto",
    "protoc-flag": "--dependency_out=/tmp/x.proto",
    "protoc-include": "-I/:x.proto",
    "dash-folder": "a/-b/c.proto",
    "dash-file-nested": "a/--descriptor_set_out=x.proto",
    "leading-at": "@args.proto",
    "at-file-nested": "a/@b.proto",
    "at-folder": "@a/b.proto",
    # Invisible formatting characters ("Trojan Source") and separators.
    "bidi-override": "a\u202eotorp.b.proto",
    "bidi-embedding": "\u202aa.proto",
    "bidi-isolate": "a/\u2066b.proto",
    "bidi-pop-isolate": "a\u2069.proto",
    "arabic-letter-mark": "a\u061c.proto",
    "zero-width-space": "a\u200b.proto",
    "zero-width-joiner": "a\u200d.proto",
    "left-to-right-mark": "a\u200e.proto",
    "word-joiner": "a\u2060.proto",
    "bom": "\ufeffa.proto",
    "soft-hyphen": "a\u00adb.proto",
    "tag-character": "a\U000e0041.proto",
    "line-separator": "a\u2028b.proto",
    "paragraph-separator": "a\u2029b.proto",
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


@pytest.mark.parametrize("path", ["-a.proto", "a/-b.proto", "@a.proto", "x/@y/z.proto"])
def test_option_like_segments_are_explained(path: str) -> None:
    with pytest.raises(InvalidArgument, match="may start with '-' or '@'"):
        validate_path(path)


def test_invisible_characters_are_named_and_not_echoed() -> None:
    with pytest.raises(InvalidArgument, match="U\\+202E") as info:
        validate_path("evil\u202eotorp.proto")
    assert "\u202e" not in info.value.message
    assert "\u202e" not in str(info.value.details)
    assert "\\u202e" in info.value.details["path"]


# Every format (Cf) character, wherever it stands in a segment.
FORMAT_CHARACTERS = st.characters(categories=["Cf"])


@given(
    st.tuples(st.text("ab", max_size=3), FORMAT_CHARACTERS, st.text("ab", max_size=3)).map("".join)
)
def test_any_format_character_is_refused(stem: str) -> None:
    with pytest.raises(InvalidArgument):
        validate_path(f"d/{stem}.proto")


SEGMENT = st.text(
    st.characters(
        codec="utf-8", exclude_characters="/\\", exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"]
    ),
    min_size=1,
    max_size=8,
)


@given(st.lists(SEGMENT, min_size=1, max_size=4))
def test_accepted_paths_are_safe_for_command_lines(segments: list[str]) -> None:
    """Whatever is accepted joins safely under a folder, stays one line, and has no
    segment a command-line tool could take for an option or an argument file."""
    path = "/".join(segments) + ".proto"
    try:
        validate_path(path)
    except InvalidArgument:
        return
    parts = path.split("/")
    assert not path.startswith("/")
    assert all(part not in ("", ".", "..") and part[0] not in "-@" for part in parts)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") for ch in path)


def test_a_tree_is_returned_in_order() -> None:
    paths = ["b.proto", "a/b.proto", "README.md", "a/c.proto"]
    assert validate_tree(paths) == paths
    assert validate_tree(iter(paths)) == paths


def test_a_tree_validates_every_path() -> None:
    with pytest.raises(InvalidArgument, match="may start with '-' or '@'"):
        validate_tree(["a.proto", "--dependency_out=/x.proto"])


def test_a_tree_holds_each_path_once() -> None:
    with pytest.raises(InvalidArgument, match="comes twice") as info:
        validate_tree(["a.proto", "b.proto", "a.proto"])
    assert info.value.details == {"path": "a.proto"}


@pytest.mark.parametrize(
    ("paths", "file", "nested"),
    [
        (["a.proto", "a.proto/b.proto"], "a.proto", "a.proto/b.proto"),
        (["a.proto/b.proto", "a.proto"], "a.proto", "a.proto/b.proto"),
        (["x/a.proto/b/c.proto", "x/a.proto"], "x/a.proto", "x/a.proto/b/c.proto"),
        (["README.md", "README.md/x.proto"], "README.md", "README.md/x.proto"),
    ],
)
def test_a_file_cannot_be_the_folder_of_another(paths: list[str], file: str, nested: str) -> None:
    assert folder_clash(set(paths)) == (file, nested)
    with pytest.raises(InvalidArgument, match="both a file and the folder") as info:
        validate_tree(paths)
    assert info.value.code == "invalid_argument"
    assert info.value.details == {"path": file, "nested": nested}


@pytest.mark.parametrize(
    "paths",
    [
        [],
        ["a.proto"],
        ["a/b.proto", "a/c.proto", "a.proto"],  # "a" is a folder, "a.proto" a file
        ["a.proto.d/b.proto", "a.proto"],
        ["ab/c.proto", "a/c.proto"],
    ],
)
def test_trees_without_clashes(paths: list[str]) -> None:
    assert folder_clash(set(paths)) is None
    assert validate_tree(paths) == paths


PATHS = st.lists(
    st.lists(st.sampled_from(["a", "b", "a.proto"]), min_size=1, max_size=3).map("/".join),
    max_size=5,
)


@given(PATHS)
def test_folder_clash_agrees_with_every_pair(paths: list[str]) -> None:
    """Paths fit in one directory exactly when none is the folder of another."""
    found = set(paths)
    pairs = [(a, b) for a in found for b in found if b.startswith(a + "/")]
    clash = folder_clash(found)
    assert (clash is None) == (not pairs)
    assert clash is None or clash in pairs


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
