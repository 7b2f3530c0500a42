"""Issue 18, classes 3, 4 and 5: one ``buf breaking`` run per class over all of its cases
(each in its own directory and package, see compat_cases.py), compared with ours on rule,
file, start and end line and column, and message; and each case's findings are the rules
the case says buf reports, so a fixture that stops exercising its class fails."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from spoke.domain.breaking import RULES, BreakingConfig, check_breaking
from tests.agreement import count
from tests.buf_reference import buf_breaking, compile_tree, write_buf_yaml
from tests.integration.compat_cases import ALL, CLASS3, CLASS4, CLASS5, Case

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


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _case_of(key: Key, cases: dict[str, Case]) -> str:
    """The case a finding belongs to: by its file's directory, or (a finding without a
    file) by the package its message names."""
    for name in cases:
        if key[0].split("/")[1:2] == [name] or f".{name}" in key[6] or f"/{name}/" in key[6]:
            return name
    raise AssertionError(f"a finding of no case: {key}")


def _compare(label: str, cases: dict[str, Case], root: Path, config: dict[str, Any]) -> set[Key]:
    """buf's findings on all ``cases`` at once, after checking ours are the same."""
    old, new = root / "old", root / "new"
    old.mkdir()
    new.mkdir()
    for case in cases.values():
        _write(old, case.old)
        _write(new, case.new)
    write_buf_yaml(new, breaking=config)
    write_buf_yaml(old)
    theirs = {_key(f) for f in buf_breaking(new, old)}
    found = check_breaking(compile_tree(new), compile_tree(old), BreakingConfig.parse(config))
    ours = {_key(f.as_json()) for f in found}
    count(label, set[object](ours), set[object](theirs))
    assert ours == theirs, f"only buf: {sorted(theirs - ours)}\nonly ours: {sorted(ours - theirs)}"
    return theirs


def _check_class(
    label: str, cases: dict[str, Case], root: Path, categories: list[str] = ALL
) -> None:
    """All ``cases`` in one run under ``categories``; each case's findings are its rules
    that are in one of them."""
    theirs = _compare(label, cases, root, {"use": categories})
    by_case: dict[str, Counter[str]] = {name: Counter() for name in cases}
    for key in theirs:
        by_case[_case_of(key, cases)][key[5]] += 1
    for name, case in cases.items():
        expected = [rule for rule in case.rules if set(RULES[rule]) & set(categories)]
        assert sorted(by_case[name].elements()) == expected, name


def test_class4_judged_as_buf_judges(tmp_path: Path) -> None:
    """Enum aliases, LEGACY_REQUIRED, cardinality across syntaxes, defaults by value."""
    _check_class("breaking (issue 18 class 4)", CLASS4, tmp_path)


@pytest.mark.parametrize("category", ["WIRE", "WIRE_JSON"])
def test_class4_cardinality_in_wire_categories(tmp_path: Path, category: str) -> None:
    """The WIRE variants alone (FIELD_SAME_CARDINALITY is not in these categories)."""
    names = ["legacy_required_added", "editions_to_required", "legacy_required_to_repeated"]
    cases = {name: CLASS4[name] for name in names}
    theirs = _compare("breaking (issue 18 class 4)", cases, tmp_path, {"use": [category]})
    rule = f"FIELD_{category}_COMPATIBLE_CARDINALITY"
    assert sum(key[5] == rule for key in theirs) == 4


@pytest.mark.parametrize("categories", [ALL, ["PACKAGE"], ["FILE"]], ids=str)
def test_class5_moves_between_packages_and_files(tmp_path: Path, categories: list[str]) -> None:
    """Services and messages moving between files and packages, files into and out of
    a package (none, a subdirectory): FILE_SAME_PACKAGE is in PACKAGE too."""
    _check_class("breaking (issue 18 class 5)", CLASS5, tmp_path, categories)


@pytest.mark.parametrize("categories", [ALL, ["PACKAGE"]], ids=str)
def test_class3_locations_are_bufs(tmp_path: Path, categories: list[str]) -> None:
    """Map entries, nested messages, UTF-8 and C++ string type rules (with their editions
    features), and elements gone from a package: buf's file, line and column."""
    _check_class("breaking (issue 18 class 3)", CLASS3, tmp_path, categories)
