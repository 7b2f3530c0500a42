"""Differential test: our breaking-change findings equal ``buf breaking``'s (rule ID, file,
start and end line and column, and the message) on the hand-written fixtures and on
generated mutations of googleapis-common-protos."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spoke.domain.breaking import BreakingConfig, check_breaking
from tests.agreement import count
from tests.buf_reference import buf_breaking, compile_tree, write_buf_yaml
from tests.functional.live_server import googleapis_tree
from tests.integration.breaking_cases import CASES

Key = tuple[str, int, int, int, int, str]


def _key(found: dict[str, Any]) -> Key:
    return (
        found.get("path", ""),
        found["start_line"],
        found["start_column"],
        found["end_line"],
        found["end_column"],
        found["type"],
    )


def compare(new: Path, old: Path, config: dict[str, Any], check: str = "breaking") -> None:
    write_buf_yaml(new, breaking=config)
    write_buf_yaml(old)
    theirs = {_key(f): f["message"] for f in buf_breaking(new, old)}
    findings = check_breaking(compile_tree(new), compile_tree(old), BreakingConfig.parse(config))
    ours = {_key(f.as_json()): f.message for f in findings}
    count(check, set(ours), set(theirs))
    missing = {k: theirs[k] for k in set(theirs) - set(ours)}
    extra = {k: ours[k] for k in set(ours) - set(theirs)}
    assert not missing and not extra, f"only buf: {missing}\nonly ours: {extra}"
    wrong = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    assert not wrong, f"messages differ (ours, buf): {wrong}"


def _write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_agrees_with_buf(case: str, tmp_path: Path) -> None:
    old, new, config = CASES[case]
    compare(_write(tmp_path / "new", new), _write(tmp_path / "old", old), config)


def test_every_rule_is_exercised_by_a_fixture(tmp_path: Path) -> None:
    from spoke.domain.breaking import RULES

    seen: set[str] = set()
    for name, (old, new, _config) in CASES.items():
        root = tmp_path / name
        findings = check_breaking(
            compile_tree(_write(root / "new", new)),
            compile_tree(_write(root / "old", old)),
            BreakingConfig(rules=frozenset(RULES)),
        )
        seen |= {f.rule for f in findings}
    assert set(RULES) - seen <= UNTRIGGERABLE, sorted(set(RULES) - seen - UNTRIGGERABLE)


#: Rules our fixtures do not trigger, and why (none: every rule has a fixture).
UNTRIGGERABLE: set[str] = set()


# -- mutations of a real corpus ------------------------------------------------------------
FIELD = re.compile(
    r"^(?P<indent>\s*)(?P<label>repeated\s+|optional\s+)?(?P<type>[A-Za-z_][\w.]*)\s+"
    r"(?P<name>[a-z_]\w*)\s*=\s*(?P<number>\d+)\s*(?P<options>\[[^\]]*\])?\s*;"
)
ENUM_VALUE = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Z][A-Z0-9_]*)\s*=\s*(?P<number>-?\d+)")
RPC = re.compile(r"^\s*rpc\s+\w+\s*\(")
OPTION = re.compile(
    r"^option\s+(java_package|go_package|java_outer_classname|objc_class_prefix"
    r'|csharp_namespace|php_namespace|ruby_package)\s*=\s*"(?P<value>[^"]*)"'
)
SCALARS = [
    "int32",
    "int64",
    "uint32",
    "uint64",
    "sint32",
    "sint64",
    "fixed32",
    "fixed64",
    "sfixed32",
    "sfixed64",
    "bool",
    "string",
    "bytes",
    "double",
    "float",
]
KEYWORDS = {
    "option",
    "reserved",
    "rpc",
    "returns",
    "extend",
    "message",
    "enum",
    "import",
    "package",
    "syntax",
    "oneof",
    "map",
    "service",
}

Mutation = Callable[[list[str], random.Random], bool]


def _fields(lines: list[str]) -> list[int]:
    return [
        i
        for i, line in enumerate(lines)
        if (m := FIELD.match(line)) and m["type"] not in KEYWORDS and "map<" not in line
    ]


def _pick(rng: random.Random, candidates: list[int]) -> int | None:
    return rng.choice(candidates) if candidates else None


def delete_field(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, _fields(lines))
    if i is None:
        return False
    del lines[i]
    return True


def reserve_field(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, _fields(lines))
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    by_name = rng.random() < 0.5
    lines[i] = f"{m['indent']}reserved {m['number']};" + (
        f'\n{m["indent"]}reserved "{m["name"]}";' if by_name else ""
    )
    return True


def change_type(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i in _fields(lines) if FIELD.match(lines[i])["type"] in SCALARS])  # type: ignore[index]
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    other = rng.choice([s for s in SCALARS if s != m["type"]])
    lines[i] = lines[i][: m.start("type")] + other + lines[i][m.end("type") :]
    return True


def rename_field(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, _fields(lines))
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    lines[i] = lines[i][: m.start("name")] + m["name"] + "_renamed" + lines[i][m.end("name") :]
    return True


def set_json_name(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i in _fields(lines) if not FIELD.match(lines[i])["options"]])  # type: ignore[index]
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    lines[i] = (
        lines[i][: m.end("number")] + ' [json_name = "chaosName"]' + lines[i][m.end("number") :]
    )
    return True


def into_oneof(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i in _fields(lines) if not FIELD.match(lines[i])["label"]])  # type: ignore[index]
    if i is None:
        return False
    indent = FIELD.match(lines[i])["indent"]  # type: ignore[index]
    lines[i] = f"{indent}oneof mutated_choice {{\n  {lines[i]}\n{indent}}}"
    return True


def make_repeated(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i in _fields(lines) if not FIELD.match(lines[i])["label"]])  # type: ignore[index]
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    lines[i] = lines[i][: m.start("type")] + "repeated " + lines[i][m.start("type") :]
    return True


def make_optional(lines: list[str], rng: random.Random) -> bool:
    i = _pick(
        rng,
        [
            i
            for i in _fields(lines)
            if not FIELD.match(lines[i])["label"]  # type: ignore[index]
            and FIELD.match(lines[i])["type"] in SCALARS
        ],
    )  # type: ignore[index]
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    lines[i] = lines[i][: m.start("type")] + "optional " + lines[i][m.start("type") :]
    return True


def renumber_field(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, _fields(lines))
    if i is None:
        return False
    m = FIELD.match(lines[i])
    assert m
    lines[i] = lines[i][: m.start("number")] + "9999" + lines[i][m.end("number") :]
    return True


def _enum_values(lines: list[str]) -> list[int]:
    return [
        i
        for i, line in enumerate(lines)
        if ENUM_VALUE.match(line) and not line.strip().startswith(("option", "reserved"))
    ]


def delete_enum_value(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i in _enum_values(lines) if ENUM_VALUE.match(lines[i])["number"] != "0"])  # type: ignore[index]
    if i is None:
        return False
    del lines[i]
    return True


def rename_enum_value(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, _enum_values(lines))
    if i is None:
        return False
    m = ENUM_VALUE.match(lines[i])
    assert m
    lines[i] = lines[i][: m.end("name")] + "_RENAMED" + lines[i][m.end("name") :]
    return True


def stream_response(lines: list[str], rng: random.Random) -> bool:
    i = _pick(
        rng,
        [
            i
            for i, line in enumerate(lines)
            if RPC.match(line) and "returns (" in line and "stream" not in line
        ],
    )
    if i is None:
        return False
    lines[i] = lines[i].replace("returns (", "returns (stream ", 1)
    return True


def change_option(lines: list[str], rng: random.Random) -> bool:
    i = _pick(rng, [i for i, line in enumerate(lines) if OPTION.match(line)])
    if i is None:
        return False
    m = OPTION.match(lines[i])
    assert m
    lines[i] = lines[i][: m.end("value")] + "Changed" + lines[i][m.end("value") :]
    return True


def delete_message(lines: list[str], rng: random.Random) -> bool:
    starts = [i for i, line in enumerate(lines) if re.match(r"^message\s+\w+\s*\{", line)]
    i = _pick(rng, starts)
    if i is None:
        return False
    depth, end = 0, i
    for j in range(i, len(lines)):
        depth += lines[j].count("{") - lines[j].count("}")
        if depth == 0:
            end = j
            break
    del lines[i : end + 1]
    return True


MUTATIONS: list[Mutation] = [
    delete_field,
    reserve_field,
    change_type,
    rename_field,
    set_json_name,
    into_oneof,
    make_repeated,
    make_optional,
    renumber_field,
    delete_enum_value,
    rename_enum_value,
    stream_response,
    change_option,
    delete_message,
]
CONFIGS: list[dict[str, Any]] = [
    {},
    {"use": ["FILE"]},
    {"use": ["PACKAGE"]},
    {"use": ["WIRE_JSON"]},
    {"use": ["WIRE"]},
    {"use": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"], "except": ["FIELD_SAME_NAME"]},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return googleapis_tree(tmp_path_factory.mktemp("googleapis"))


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
    config=st.sampled_from(CONFIGS),
)
def test_mutations_of_googleapis_agree_with_buf(
    corpus: Path,
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    mutations: list[Mutation],
    config: dict[str, Any],
) -> None:
    from hypothesis import assume

    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("mutated")
    old, new = root / "old", root / "new"
    shutil.copytree(corpus, old)
    shutil.copytree(corpus, new)
    files = sorted(new.rglob("*.proto"))
    changed = False
    for mutate in mutations:
        target = rng.choice(files)
        lines = target.read_text().splitlines()
        if mutate(lines, rng):
            target.write_text("\n".join(lines) + "\n")
            changed = True
    assume(changed)
    try:
        compile_tree(new)
    except Exception:  # the mutation broke the tree (a deleted message still used): skip
        assume(False)
    compare(new, old, config, check="breaking (mutations)")
