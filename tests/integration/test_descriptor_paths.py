"""Issue 18, class 0: descriptor paths are walked by what each step means at its depth
(4 is a file's message but a message's enum). Fuzzed over nested messages and enums,
oneofs, extensions at file and message scope and services, in proto2, proto3 and
edition 2023: every element's path leads to that element, a schema checked against
itself has no breaking change under any rule, and small mutations agree with buf."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spoke.domain.breaking import RULES, BreakingConfig, check_breaking
from spoke.domain.breaking.index import Index, descend
from tests.buf_reference import compile_tree
from tests.integration.breaking_cases import ALL
from tests.integration.proto_trees import File, mutate, proto_files, render
from tests.integration.test_breaking_vs_buf import compare

_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _write(root: Path, files: list[File]) -> Path:
    for i, file in enumerate(files):
        path = root / f"fz/p{i}/f.proto"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(file, f"fz.p{i}"))
    return root


def test_edition_2023_nested_enum_checked_against_itself(tmp_path: Path) -> None:
    """The reported crash: a nested enum's path step read as a nested message's."""
    (tmp_path / "a/v1").mkdir(parents=True)
    (tmp_path / "a/v1/s.proto").write_text(
        'edition = "2023";\npackage a.v1;\nmessage Shape {\n'
        "  enum Kind { KIND_UNSPECIFIED = 0; KIND_SQUARE = 1; }\n  Kind kind = 1;\n}\n"
    )
    schema = compile_tree(tmp_path)
    for category in ALL:
        assert check_breaking(schema, schema, BreakingConfig.parse({"use": [category]})) == []


@_SETTINGS
@given(files=st.lists(proto_files(), min_size=1, max_size=3))
def test_every_path_leads_to_its_element(
    tmp_path_factory: pytest.TempPathFactory, files: list[File]
) -> None:
    schema = compile_tree(_write(tmp_path_factory.mktemp("walk"), files))
    index = Index.of(schema)
    elements = [
        *index.messages.values(),
        *index.enums.values(),
        *index.services.values(),
        *index.extensions,
    ]
    elements += [f for m in list(index.messages.values()) for f in index.fields(m).values()]
    elements += [m for s in list(index.services.values()) for m in index.methods(s).values()]
    for element in elements:
        along = descend(index.file_of(element), element.path)
        assert len(along) * 2 == len(element.path), element.full_name
        assert along[-1] is element.proto, element.full_name
    for proto in schema.target_files():
        for location in proto.source_code_info.location:
            descend(proto, tuple(location.path))  # never raises, whatever the path
    assert check_breaking(schema, schema, BreakingConfig(rules=frozenset(RULES))) == []


@_SETTINGS
@given(files=st.lists(proto_files(), min_size=1, max_size=4), rng=st.randoms())
def test_mutations_of_generated_files_agree_with_buf(
    tmp_path_factory: pytest.TempPathFactory, files: list[File], rng: random.Random
) -> None:
    """Several files per buf run (one package each), each mutated once."""
    root = tmp_path_factory.mktemp("fuzz")
    old = _write(root / "old", files)
    new = _write(root / "new", [mutate(file, rng) for file in files])
    compare(new, old, {"use": ALL}, check="breaking (generated files)")
