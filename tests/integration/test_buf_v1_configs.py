"""Issue 18, class 1: buf.yaml ``version: v1`` and ``v1beta1`` configs mean what they mean
to buf 1.75: their own rule IDs and categories (v1beta1's STYLE_BASIC, SENSIBLE, ...;
v1 has no CSR), the deprecated IDs buf still accepts (FIELD_SAME_LABEL, FIELD_SAME_CTYPE,
FILE_SAME_JAVA_STRING_CHECK_UTF8, ...) standing for their replacements, v1 defaults, and
comment ignores off unless ``allow_comment_ignores: true``. Each case runs buf and us on
the same tree and config and compares rule, file, line, column and message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from spoke.domain.breaking import BreakingConfig, check_breaking
from spoke.domain.lint import lint, parse_lint_config
from tests.agreement import count
from tests.buf_reference import buf_breaking, buf_lint, compile_tree
from tests.integration.breaking_cases import CASES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"

Key = tuple[str, int, int, int, int, str, str]


def _key(found: dict[str, Any]) -> Key:
    return (
        found.get("path", ""),
        found["start_line"],
        found["start_column"],
        found["end_line"],
        found["end_column"],
        found["type"],
        found["message"],
    )


def _buf_yaml(root: Path, version: str, section: str, config: dict[str, Any] | None) -> None:
    document: dict[str, Any] = {"version": version}
    if config is not None:
        document[section] = config
    (root / "buf.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _assert_same(check: str, ours: set[Key], theirs: set[Key], config: object) -> None:
    count(check, set[object](ours), set[object](theirs))
    assert ours == theirs, (
        f"config {config}:\nonly buf: {sorted(theirs - ours)}\nonly ours: {sorted(ours - theirs)}"
    )


# -- lint ------------------------------------------------------------------------------------
_ALIASES = """syntax = "proto2";
package acme.alias.v1;

// buf:lint:ignore ENUM_FIRST_VALUE_ZERO
// buf:lint:ignore ENUM_NO_ALLOW_ALIAS
enum Kind {
  option allow_alias = true;
  KIND_ONE = 1;
  KIND_UNO = 1;
  KIND_UNSPECIFIED = 0;
}

message Thing {
  optional int32 descriptor = 1;
  // buf:lint:ignore FIELD_LOWER_SNAKE_CASE
  optional int32 _Descriptor_ = 2;
  optional int32 descriptors = 3;
  optional Kind kind = 4;
}
"""

LINT_CONFIGS: list[tuple[str, dict[str, Any] | None]] = [
    ("v1", None),
    ("v1", {"use": ["DEFAULT"]}),
    ("v1", {"use": ["STANDARD"], "allow_comment_ignores": True}),
    ("v1", {"use": ["MINIMAL", "COMMENTS", "UNARY_RPC", "PACKAGE_NO_IMPORT_CYCLE"]}),
    ("v1", {"use": ["BASIC"], "except": ["ENUM_NO_ALLOW_ALIAS"], "allow_comment_ignores": False}),
    ("v1beta1", None),
    ("v1beta1", {"use": ["STYLE_BASIC", "OTHER", "SENSIBLE"]}),
    ("v1beta1", {"use": ["FILE_LAYOUT", "PACKAGE_AFFINITY", "STYLE_DEFAULT"]}),
    ("v1beta1", {"use": ["STYLE_STANDARD", "FIELD_NO_DESCRIPTOR"], "allow_comment_ignores": True}),
    ("v1beta1", {"use": ["DEFAULT"], "except": ["FIELD_NO_DESCRIPTOR"]}),
]


@pytest.fixture(scope="module")
def lint_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("v1lint")
    for module in ("comments", "naming", "proto2", "editions", "rpcs"):
        shutil.copytree(FIXTURES / module, root, dirs_exist_ok=True)
    (root / "acme/alias/v1").mkdir(parents=True)
    (root / "acme/alias/v1/alias.proto").write_text(_ALIASES)
    return root


@pytest.mark.parametrize(("version", "config"), LINT_CONFIGS, ids=str)
def test_v1_lint_configs_agree_with_buf(
    lint_tree: Path, version: str, config: dict[str, Any] | None
) -> None:
    _buf_yaml(lint_tree, version, "lint", config)
    theirs = {_key(f) for f in buf_lint(lint_tree)}
    assert not any(key[5] == "COMPILE" for key in theirs), theirs
    section = {**(config or {}), "version": version}
    ours = {_key(f.as_json()) for f in lint(compile_tree(lint_tree), parse_lint_config(section))}
    _assert_same(f"lint ({version} configs)", ours, theirs, config)


def test_v1_refuses_what_buf_refuses() -> None:
    for section, word in (
        ({"use": ["STYLE_BASIC"], "version": "v1"}, "STYLE_BASIC"),
        ({"use": ["FIELD_NOT_REQUIRED"], "version": "v1"}, "FIELD_NOT_REQUIRED"),
        ({"disallow_comment_ignores": True, "version": "v1"}, "disallow_comment_ignores"),
        ({"allow_comment_ignores": True}, "allow_comment_ignores"),
        ({"version": "v3"}, "v3"),
    ):
        with pytest.raises(ValueError, match=word):
            parse_lint_config(section)
    for breaking, word in (
        ({"use": ["CSR"], "version": "v1"}, "CSR"),
        ({"use": ["EXTENSION_NO_DELETE"], "version": "v1"}, "EXTENSION_NO_DELETE"),
        ({"use": ["FIELD_SAME_LABEL"]}, "FIELD_SAME_LABEL"),
        ({"use": ["MESSAGE_SAME_VALUES"], "version": "v1"}, "MESSAGE_SAME_VALUES"),
    ):
        with pytest.raises(ValueError, match=word):
            BreakingConfig.parse(breaking)


# -- breaking --------------------------------------------------------------------------------
_LEGACY_OLD = """syntax = "proto2";
package acme.legacy.v1;
option java_string_check_utf8 = true;
message M {
  optional string s = 1 [ctype = CORD];
  optional int32 n = 2;
  required int32 r = 3;
  extensions 100 to 200;
}
extend M { optional int32 x = 100; }
"""
_LEGACY_NEW = """syntax = "proto2";
package acme.legacy.v1;
message M {
  optional string s = 1;
  repeated int32 n = 2;
  optional int32 r = 3;
  extensions 100 to 200;
}
"""

BREAKING_CONFIGS: list[tuple[str, dict[str, Any] | None]] = [
    ("v1", None),
    ("v1", {"use": ["FILE"]}),
    ("v1", {"use": ["WIRE"]}),
    ("v1", {"use": ["WIRE_JSON"], "except": ["FIELD_SAME_LABEL"]}),
    (
        "v1",
        {
            "use": [
                "FIELD_SAME_CTYPE",
                "FIELD_SAME_LABEL",
                "FILE_SAME_JAVA_STRING_CHECK_UTF8",
                "FILE_SAME_PHP_GENERIC_SERVICES",
                "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
            ]
        },
    ),
    ("v1", {"use": ["PACKAGE"], "ignore_only": {"FIELD_SAME_CTYPE": ["acme/legacy"]}}),
    ("v1beta1", {"use": ["WIRE"]}),
    ("v1beta1", {"use": ["FILE"], "except": ["FIELD_SAME_CTYPE"]}),
    ("v2", {"use": ["FILE", "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT"]}),
]


@pytest.fixture(scope="module")
def breaking_trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("v1breaking")
    for side, legacy in (("old", _LEGACY_OLD), ("new", _LEGACY_NEW)):
        (root / side / "acme/legacy/v1").mkdir(parents=True)
        (root / side / "acme/legacy/v1/l.proto").write_text(legacy)
        for case in ("fields-file", "enums", "services", "proto2", "editions"):
            old, new, _ = CASES[case]
            for name, text in (old if side == "old" else new).items():
                (root / side / name).parent.mkdir(parents=True, exist_ok=True)
                (root / side / name).write_text(text)
        _buf_yaml(root / side, "v1", "breaking", None)
    return root / "new", root / "old"


@pytest.mark.parametrize(("version", "config"), BREAKING_CONFIGS, ids=str)
def test_v1_breaking_configs_agree_with_buf(
    breaking_trees: tuple[Path, Path], version: str, config: dict[str, Any] | None
) -> None:
    new, old = breaking_trees
    _buf_yaml(new, version, "breaking", config)
    theirs = {_key(f) for f in buf_breaking(new, old)}
    section = {**(config or {}), "version": version}
    found = check_breaking(compile_tree(new), compile_tree(old), BreakingConfig.parse(section))
    ours = {_key(f.as_json()) for f in found}
    _assert_same(f"breaking ({version} configs)", ours, theirs, config)
