"""Differential test: our lint findings equal ``buf lint``'s (file, start and end line and
column, rule ID, and message) on the hand-written modules under tests/fixtures/lint, on
googleapis-common-protos, and on generated mutations of both, under several configs.

Any difference fails, unless ALLOWED (documented in docs/governance-lint.md) explains it.
The agreement rate is counted in tests/agreement.py and printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spoke.domain.errors import CompileFailed
from spoke.domain.lint import lint, parse_lint_config
from spoke.domain.lint.catalog import RULE_IDS
from tests.agreement import TALLIES, count
from tests.buf_reference import buf_lint, compile_tree, write_buf_yaml
from tests.functional.live_server import googleapis_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"
MODULES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

#: Intentional differences (docs/governance-lint.md, "Differences from buf"): rule ->
#: why its message is compared only in part. buf walks the package graph in Go map order,
#: so which cycle it names changes from run to run; we name the shortest one. Both start
#: with the file's package and the package it imports, and end where they began.
ALLOWED = {
    "PACKAGE_NO_IMPORT_CYCLE": "buf names an arbitrary cycle (Go map order); we the shortest",
}
_CYCLE = re.compile(r"Package import cycle: (?P<first>[\w.]+) -> (?P<second>[\w.]+) -> .*")

Key = tuple[str, int, int, int, int, str, str]
MUTATED = Counter[str]()


def _comparable(rule: str, message: str) -> str:
    if rule == "PACKAGE_NO_IMPORT_CYCLE" and (match := _CYCLE.fullmatch(message)):
        first = match["first"]
        if message.endswith(f" -> {first}"):
            return f"Package import cycle: {first} -> {match['second']} -> ... -> {first}"
    return message


def _key(found: dict[str, Any]) -> Key:
    return (
        found["path"],
        found.get("start_line", 0),
        found.get("start_column", 0),
        found.get("end_line", 0),
        found.get("end_column", 0),
        found["type"],
        _comparable(found["type"], found["message"]),
    )


class BufCannotCompile(Exception):
    """buf's compiler refused what protoc accepted (a mutation too far)."""


def compare(module: Path, section: dict[str, Any] | None, check: str) -> set[str]:
    """Lint ``module`` with buf and with us under the ``lint:`` ``section``; fail on any
    difference. Returns the rule IDs found."""
    write_buf_yaml(module, lint=section)
    theirs_raw = buf_lint(module)
    if any(found["type"] == "COMPILE" for found in theirs_raw):
        raise BufCannotCompile(str(theirs_raw))
    theirs = {_key(found) for found in theirs_raw}
    ours = {_key(f.as_json()) for f in lint(compile_tree(module), parse_lint_config(section))}
    count(check, set[object](ours), set[object](theirs))
    only_buf, only_ours = sorted(theirs - ours), sorted(ours - theirs)
    assert not only_buf and not only_ours, (
        f"config {section}:\nonly buf:\n  "
        + "\n  ".join(map(str, only_buf))
        + "\nonly ours:\n  "
        + "\n  ".join(map(str, only_ours))
    )
    return {key[5] for key in ours}


def _files(module: Path) -> list[str]:
    return sorted(str(p.relative_to(module)) for p in module.rglob("*.proto"))


def configs(module: Path) -> dict[str, dict[str, Any] | None]:
    """The configs every module is linted under; paths are picked from its own files."""
    files = _files(module)
    first_dir = files[0].rsplit("/", 1)[0] if "/" in files[0] else files[0]
    return {
        "default": None,
        "minimal": {"use": ["MINIMAL"]},
        "basic": {"use": ["BASIC"]},
        "everything": {
            "use": ["STANDARD", "COMMENTS", "UNARY_RPC", "STABLE_PACKAGE_NO_IMPORT_UNSTABLE"]
        },
        "except-and-ignore": {
            "use": ["STANDARD", "COMMENTS", "UNARY_RPC"],
            "except": ["ENUM_VALUE_PREFIX", "COMMENT_FIELD", "BASIC"],
            "ignore": [files[-1]],
            "ignore_only": {"COMMENTS": [first_dir], "PACKAGE_VERSION_SUFFIX": [files[0]]},
        },
        "knobs": {
            "use": ["DEFAULT", "COMMENT_MESSAGE", "RPC_NO_SERVER_STREAMING"],
            "enum_zero_value_suffix": "_UNKNOWN",
            "service_suffix": "API",
            "rpc_allow_same_request_response": True,
            "rpc_allow_google_protobuf_empty_requests": True,
            "disallow_comment_ignores": True,
        },
        "empty-responses": {
            "use": ["RPC_REQUEST_RESPONSE_UNIQUE", "RPC_RESPONSE_STANDARD_NAME", "COMMENTS"],
            "rpc_allow_google_protobuf_empty_responses": True,
        },
    }


def _copy(module: str, dest: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / module, dest / module))


@pytest.mark.parametrize("module", MODULES)
def test_fixture_modules_agree_with_buf(module: str, tmp_path: Path) -> None:
    root = _copy(module, tmp_path)
    for section in configs(root).values():
        compare(root, section, "lint")


def test_fixtures_exercise_every_rule(tmp_path: Path) -> None:
    """Together the fixtures trigger every rule (PROTOVALIDATE and the deprecated
    IMPORT_NO_WEAK report nothing: see docs/governance-lint.md)."""
    seen: set[str] = set()
    for module in MODULES:
        root = _copy(module, tmp_path)
        section = {"use": list(RULE_IDS)}
        found = lint(compile_tree(root), parse_lint_config(section))
        seen |= {f.rule for f in found}
    assert set(RULE_IDS) - seen == {"PROTOVALIDATE", "IMPORT_NO_WEAK"}


@pytest.fixture(scope="module")
def googleapis(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return googleapis_tree(tmp_path_factory.mktemp("googleapis"))


@pytest.mark.parametrize("name", ["default", "minimal", "basic", "everything", "knobs"])
def test_googleapis_agrees_with_buf(googleapis: Path, name: str) -> None:
    compare(googleapis, configs(googleapis)[name], "lint")


# --- mutations ---------------------------------------------------------------------------

Files = dict[str, str]
Mutation = Callable[[Files, st.DataObject], bool]

_DECLARATION = re.compile(r"^(\s*)(message|enum|service|rpc)\s+(\w+)", re.M)
_FIELD = re.compile(
    r"^(\s*(?:optional |repeated |required )?[\w.]+(?:<[\w., ]+>)?\s+)(\w+)(\s*=)", re.M
)
_VALUE = re.compile(r"^(\s*)(\w+)(\s*=\s*-?\d+\s*[;\[])", re.M)
_COMMENT = re.compile(r"^\s*//.*\n", re.M)
_PACKAGE = re.compile(r"^package ([\w.]+);", re.M)
_SYNTAX = re.compile(r"^syntax = \"proto[23]\";", re.M)
_RPC = re.compile(r"rpc\s+\w+\s*\((stream\s+)?[\w.]+\)\s*returns\s*\((stream\s+)?[\w.]+\)")
_RPC_TYPES = re.compile(
    r"rpc\s+\w+\s*\((?:stream\s+)?([\w.]+)\)\s*returns\s*\((?:stream\s+)?([\w.]+)\)"
)
_ENUM_FIRST_VALUE = re.compile(r"enum\s+\w+\s*\{\n(?:\s*//.*\n)*(\s*)(\w+)\s*=\s*(-?\d+)\s*;")
_VERSION = re.compile(r"\.v\d+\w*$")


def _bad_case(name: str, data: st.DataObject) -> str:
    styles = [
        name.lower(),
        name.upper(),
        name[:1].lower() + name[1:],
        name[:1].upper() + name[1:] + "_x",
        re.sub(r"(?<=[a-z])([A-Z])", r"_\1", name),
        "_".join(part.capitalize() for part in name.split("_")),
        name + "2Value",
    ]
    return data.draw(st.sampled_from([s for s in styles if s != name] or [name + "_"]))


def _pick(data: st.DataObject, files: Files, pattern: re.Pattern[str]) -> tuple[str, Any]:
    found = [(path, m) for path in sorted(files) for m in pattern.finditer(files[path])]
    assume(found)
    return data.draw(st.sampled_from(found), label="at")


def _replace_at(files: Files, path: str, start: int, end: int, text: str) -> None:
    files[path] = files[path][:start] + text + files[path][end:]


def rename_declaration(files: Files, data: st.DataObject) -> bool:
    _, match = _pick(data, files, _DECLARATION)
    old, new = match[3], _bad_case(match[3], data)
    for name in files:  # references too, in every file
        files[name] = re.sub(rf"\b{old}\b", new, files[name])
    return True


def rename_field(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _FIELD)
    _replace_at(files, path, match.start(2), match.end(2), _bad_case(match[2], data))
    return True


def rename_enum_value(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _VALUE)
    zero = re.search(r"=\s*0\s*[;\[]", match[0]) is not None
    choices = [_bad_case(match[2], data)]
    if zero:
        choices += [match[2].replace("UNSPECIFIED", "UNKNOWN"), match[2] + "_NONE"]
    _replace_at(files, path, match.start(2), match.end(2), data.draw(st.sampled_from(choices)))
    return True


def drop_comment(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _COMMENT)
    _replace_at(files, path, match.start(), match.end(), "")
    return True


def add_ignore(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _DECLARATION)
    rule = data.draw(st.sampled_from(RULE_IDS))
    _replace_at(files, path, match.start(2), match.start(2), f"// buf:lint:ignore {rule}\n")
    return True


def drop_version(files: Files, data: st.DataObject) -> bool:
    _, match = _pick(data, files, _PACKAGE)
    package = match[1]
    assume(_VERSION.search(package))
    plain = _VERSION.sub("", package)
    for name in files:
        files[name] = re.sub(rf"\b{re.escape(package)}\b", plain, files[name])
    return True


def make_streaming(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _RPC)
    text = match[0]
    if data.draw(st.booleans(), label="client"):
        text = re.sub(r"\((stream\s+)?", "(stream ", text, count=1)
    else:
        text = re.sub(r"returns\s*\((stream\s+)?", "returns (stream ", text)
    _replace_at(files, path, match.start(), match.end(), text)
    return True


def add_file_option(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _PACKAGE)
    option = data.draw(
        st.sampled_from(['go_package = "example.com/x;x"', "java_multiple_files = true"])
    )
    _replace_at(files, path, match.end(), match.end(), f"\noption {option};")
    return True


def add_import(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _PACKAGE)
    other = data.draw(
        st.sampled_from(
            [*sorted(files), "google/protobuf/empty.proto", "google/protobuf/timestamp.proto"]
        )
    )
    assume(other != path and f'"{other}"' not in files[path])
    public = data.draw(st.sampled_from(["", "public "]))
    _replace_at(files, path, match.end(), match.end(), f'\nimport {public}"{other}";')
    return True


def drop_package(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _PACKAGE)
    _replace_at(files, path, match.start(), match.end(), "")
    return True


def drop_syntax(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _SYNTAX)
    _replace_at(files, path, match.start(), match.end(), "")
    return True


def move_file(files: Files, data: st.DataObject) -> bool:
    path = data.draw(st.sampled_from(sorted(files)), label="file")
    head, _, base = path.rpartition("/")
    stem = base.removesuffix(".proto")
    choices = [f"{head}/{_bad_case(stem, data)}.proto", base, f"moved/{path}"]
    new = data.draw(st.sampled_from([c.lstrip("/") for c in choices]), label="to")
    assume(new not in files)
    files[new] = files.pop(path)
    for name in files:
        files[name] = files[name].replace(f'"{path}"', f'"{new}"')
    return True


def share_rpc_type(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _RPC_TYPES)
    other = data.draw(st.sampled_from([match[1], match[2]]), label="type")
    _replace_at(files, path, match.start(2), match.end(2), other)
    return True


def add_alias(files: Files, data: st.DataObject) -> bool:
    path, match = _pick(data, files, _ENUM_FIRST_VALUE)
    alias = f"\n{match[1]}{match[2]}_ALIAS = {match[3]};\n{match[1]}option allow_alias = true;"
    _replace_at(files, path, match.end(), match.end(), alias)
    return True


MUTATIONS: list[Mutation] = [
    rename_declaration,
    rename_field,
    rename_enum_value,
    drop_comment,
    add_ignore,
    drop_version,
    make_streaming,
    add_file_option,
    add_import,
    drop_package,
    drop_syntax,
    move_file,
    share_rpc_type,
    add_alias,
]
BASES = [*MODULES, "google/type", "google/rpc"]
EXAMPLES = int(os.environ.get("SPOKE_LINT_EXAMPLES", "40"))


def _base(name: str, googleapis: Path) -> Files:
    if name in MODULES:
        root = FIXTURES / name
        return {path: (root / path).read_text() for path in _files(root)}
    # A corner of googleapis: its own files and those they import from the rest of it.
    return {
        path: (googleapis / path).read_text()
        for path in _files(googleapis)
        if path.startswith(name + "/")
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The same examples every run, unless SPOKE_LINT_RANDOM asks for new ones to explore.
    derandomize="SPOKE_LINT_RANDOM" not in os.environ,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
def test_mutations_agree_with_buf(googleapis: Path, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES), label="base")
    files = _base(base, googleapis)
    steps = data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3))
    for mutate in steps:
        mutate(files, data)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        try:
            compile_tree(root)
        except CompileFailed:
            MUTATED["rejected: protoc"] += 1
            assume(False)
        names = data.draw(
            st.lists(st.sampled_from(sorted(configs(root))), min_size=1, max_size=2, unique=True)
        )
        try:
            for name in names:
                compare(root, configs(root)[name], "lint (mutations)")
        except BufCannotCompile:
            MUTATED["rejected: buf"] += 1
            assume(False)
    MUTATED["compared"] += 1
    MUTATED.update(f"mutation: {step.__name__}" for step in steps)


def test_zz_agreement_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Print what the tests above measured (they fail on any difference, so a full run
    that gets here agrees 100%)."""
    tallies = {name: t for name, t in TALLIES.items() if name.startswith("lint")}
    if not tallies:
        pytest.skip("run with the differential tests above")
    with capsys.disabled():
        print()
        for name, tally in sorted(tallies.items()):
            print(
                f"{name}: {tally.agreed}/{tally.findings} findings agree with buf "
                f"({tally.rate:.1f}%) over {tally.cases} lint runs"
            )
        print(f"mutated examples: {dict(sorted(MUTATED.items()))}")
    assert all(t.agreed == t.findings for t in tallies.values())
