"""Issue 18, class 2: a buf.yaml v2 workspace (workspace_cases.py) linted and checked for
breaking changes the way ``spoke lint`` / ``spoke breaking`` do it (``check_workspace``,
with the registry's check run in process), compared with ``buf lint`` and ``buf breaking``
on rule, file, start and end line and column, and message."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from spoke.cli.buf_workspace import check_workspace, parse_modules
from spoke.cli.client import CliError
from spoke.compile.protoc import Protoc, locate_protoc
from spoke.domain.breaking import BreakingConfig, check_breaking
from spoke.domain.lint import lint, parse_lint_config
from spoke.domain.schema import Schema
from tests.agreement import count
from tests.buf_reference import buf_breaking, buf_lint
from tests.integration import workspace_cases as ws

Key = tuple[str, int, int, int, int, str, str]


def _key(found: Mapping[str, Any]) -> Key:
    return (
        found.get("path") or "",
        found["start_line"],
        found["start_column"],
        found["end_line"],
        found["end_column"],
        found["type"],
        found["message"],
    )


def _schema(files: list[dict[str, str]]) -> Schema:
    tree = {f["path"]: f["content"].encode() for f in files}
    result = asyncio.run(Protoc(locate_protoc()).compile([tree], sorted(tree)))
    return Schema(result.descriptor_set, targets=tree, sources=tree)


def _modules(root: Path) -> Any:
    return parse_modules(yaml.safe_load((root / "buf.yaml").read_text()))


def test_workspace_lint_agrees_with_buf(tmp_path: Path) -> None:
    root = ws.write(tmp_path / "new", ws.NEW)

    def check(files: list[dict[str, str]], config: Mapping[str, Any] | None) -> list[Any]:
        return [f.as_json() for f in lint(_schema(files), parse_lint_config(config or {}))]

    ours_list = check_workspace(root, _modules(root), "lint", check)
    ours = {_key(f) for f in ours_list}
    theirs = {_key(f) for f in buf_lint(root)}
    count("lint (issue 18 class 2)", set[object](ours), set[object](theirs))
    assert ours == theirs, f"only buf: {sorted(theirs - ours)}\nonly ours: {sorted(ours - theirs)}"
    by_module = {(k[0].split("/")[0], k[5]) for k in theirs}
    # proto: STANDARD less ENUM_ZERO_VALUE_SUFFIX; vendor: the top-level BASIC; api:
    # MINIMAL (its bad_name message is not reported); the excluded file: nothing.
    assert ("proto", "RPC_RESPONSE_STANDARD_NAME") in by_module
    # ignore_only and ignore, written relative to the workspace root.
    assert not {k for k in by_module if k[1] in ("SERVICE_SUFFIX", "RPC_REQUEST_STANDARD_NAME")}
    assert not [k for k in theirs if k[0].endswith("ignored.proto")]
    assert ("vendor", "FIELD_LOWER_SNAKE_CASE") in by_module
    assert not {k for k in by_module if k[0] == "api" or k[1] == "ENUM_ZERO_VALUE_SUFFIX"}
    assert not [k for k in theirs if "internal" in k[0]]
    assert [_key(f) for f in ours_list] == sorted(ours, key=lambda k: (k[0], k[1], k[2]))


def test_workspace_breaking_agrees_with_buf(tmp_path: Path) -> None:
    new = ws.write(tmp_path / "new", ws.NEW)
    old = ws.write(tmp_path / "old", ws.OLD)
    old_schema = _schema(
        [f for files in _files(old).values() for f in files]  # the old tree, merged
    )

    def check(files: list[dict[str, str]], config: Mapping[str, Any] | None) -> list[Any]:
        found = check_breaking(_schema(files), old_schema, BreakingConfig.parse(config or {}))
        return [f.as_json() for f in found]

    ours = {_key(f) for f in check_workspace(new, _modules(new), "breaking", check)}
    theirs = {_key(f) for f in buf_breaking(new, old)}
    count("breaking (issue 18 class 2)", set[object](ours), set[object](theirs))
    assert ours == theirs, f"only buf: {sorted(theirs - ours)}\nonly ours: {sorted(ours - theirs)}"
    # vendor's own config is WIRE, but proto (FILE) imports it: buf checks imports.
    assert ("vendor/common/v1/money.proto", "FIELD_NO_DELETE") in {(k[0], k[5]) for k in theirs}
    assert ("api/acme/shop/v1/shop.proto", "FIELD_NO_DELETE") not in {(k[0], k[5]) for k in theirs}


def _files(root: Path) -> dict[str, list[dict[str, str]]]:
    from spoke.cli.buf_workspace import module_files

    return module_files(root, _modules(root))


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"version": "v1", "modules": [{"path": "a"}]}, "version: v2"),
        ({"version": "v2", "modules": []}, "list of modules"),
        ({"version": "v2", "modules": [{"path": "../a"}]}, "inside the workspace"),
        ({"version": "v2", "modules": [{"path": "a", "excludes": ["b/c"]}]}, "not inside"),
        ({"version": "v2", "modules": [{"path": "a"}, {"path": "a/"}]}, "listed twice"),
        ({"version": "v2", "modules": [{"path": "a", "lint": ["X"]}]}, "must be a mapping"),
    ],
)
def test_bad_workspaces_are_clear(document: dict[str, Any], says: str) -> None:
    with pytest.raises(CliError, match=says):
        parse_modules(document)


def test_a_path_in_two_modules_is_an_error(tmp_path: Path) -> None:
    for module in ("a", "b"):
        (tmp_path / module / "x").mkdir(parents=True)
        (tmp_path / module / "x/same.proto").write_text('syntax = "proto3";\n')
    with pytest.raises(CliError, match="in two modules"):
        check_workspace(
            tmp_path,
            parse_modules({"version": "v2", "modules": [{"path": "a"}, {"path": "b"}]}) or [],
            "lint",
            lambda f, c: [],
        )
