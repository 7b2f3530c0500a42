"""Issue 18, class 7: each known difference between protoc and buf's compiler has a
fixture (compiler_difference_cases.py) that buf lints (one buf run for all) and protoc
refuses, and Spoke's error says which compiler said what."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from spoke.compile.protoc import Protoc, locate_protoc
from spoke.domain.compiler_differences import KNOWN, annotate
from spoke.domain.errors import CompileFailed
from spoke.services.governance import CompilerDifference, explain_compile_failure
from tests.buf_reference import buf_lint, write_buf_yaml
from tests.integration.compiler_difference_cases import CASES, LINT_LINE, PROTOC_SAYS, path_of


def _protoc_error(files: dict[str, str]) -> CompileFailed:
    tree = {path: text.encode() for path, text in files.items()}
    with pytest.raises(CompileFailed) as caught:
        asyncio.run(Protoc(locate_protoc()).compile([tree], sorted(tree)))
    return caught.value


def test_every_known_difference_has_a_fixture() -> None:
    assert sorted(CASES) == sorted(known.id for known in KNOWN)


def test_buf_lints_what_protoc_refuses(tmp_path: Path) -> None:
    for case, text in CASES.items():
        (tmp_path / path_of(case)).parent.mkdir(parents=True)
        (tmp_path / path_of(case)).write_text(text)
    write_buf_yaml(tmp_path, lint={"use": ["STANDARD"]})
    found = buf_lint(tmp_path)  # raises if buf fails to compile any of them
    assert {(f["path"], f["start_line"], f["type"]) for f in found} == {
        (path_of(case), LINT_LINE, "FIELD_LOWER_SNAKE_CASE") for case in CASES
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_spoke_says_which_compiler_refused(case: str) -> None:
    error = explain_compile_failure(_protoc_error({path_of(case): CASES[case]}))
    assert isinstance(error, CompilerDifference)
    assert error.code == "compiler_difference"
    line, column, message = PROTOC_SAYS[case]
    assert error.details == [
        {
            "file": path_of(case),
            "line": line,
            "column": column,
            "message": message,
            "compiler": "protoc",
            "buf": "accepts",
            "difference": case,
            "buf_says": next(k.buf for k in KNOWN if k.id == case),
        }
    ]
    assert error.message.startswith("protoc refuses what buf's compiler accepts: protoc says ")
    assert f"{path_of(case)}:{line}:{column}: {message}" in error.message


def test_an_error_buf_shares_stays_a_compile_failure() -> None:
    """A file both compilers refuse: the compile failure as it was; a difference beside
    a real error: a plain compile failure, each diagnostic naming protoc."""
    refused = _protoc_error({"a.proto": "syntax = nope"})
    assert explain_compile_failure(refused) is refused  # unchanged: protoc's own details
    # protoc stops at the first file it refuses; diagnostics it did give, mixed:
    alias = {
        "file": "a.proto",
        "line": 4,
        "column": 1,
        "message": PROTOC_SAYS["allow_alias_false"][2],
    }
    real = {"file": "b.proto", "line": 1, "column": 10, "message": "Expected string."}
    mixed = explain_compile_failure(CompileFailed("2 error(s)", details=[alias, real]))
    assert type(mixed) is CompileFailed and mixed.message == "2 error(s)"
    assert [d.get("difference") for d in mixed.details] == ["allow_alias_false", None]
    assert [d["compiler"] for d in mixed.details] == ["protoc", "protoc"]


def test_annotate_without_diagnostics_claims_nothing() -> None:
    assert annotate([]) == ([], False)
