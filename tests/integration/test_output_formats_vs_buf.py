"""Issue 18, class 6: findings printed byte for byte as buf prints them, in every
``--error-format`` we offer (text, json, msvs, github-actions); findings without a file
(a deleted file, a deleted package) have no ``path`` key, and ``<``, ``>`` and ``&`` are
escaped the way Go's encoding/json escapes them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from spoke.cli.buf_formats import FORMATS
from spoke.domain.breaking import BreakingConfig, check_breaking
from spoke.domain.lint import lint, parse_lint_config
from tests.buf_reference import buf_binary, compile_tree, write_buf_yaml

P3 = 'syntax = "proto3";\n'


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _buf(args: list[str], cwd: Path) -> list[str]:
    result = subprocess.run(
        [buf_binary(), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode in (0, 100), result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("error_format", sorted(FORMATS))
def test_breaking_output_is_bufs(tmp_path: Path, error_format: str) -> None:
    old = _tree(
        tmp_path / "old",
        {
            "a/x.proto": P3 + "package b;\nmessage M { int32 n = 1; }\n",
            "a/y.proto": P3 + "package a;\nmessage Gone {}\n",
            "c/z.proto": P3 + "package c;\nmessage Z { string s = 1; }\n",
        },
    )
    new = _tree(
        tmp_path / "new",
        {
            "a/x.proto": P3 + "package a;\nmessage M { int64 n = 1; }\n",
            "c/z.proto": P3 + "package c;\nmessage Z { bytes s = 1; }\n",
        },
    )
    config = {"use": ["FILE", "PACKAGE"]}
    write_buf_yaml(new, breaking=config)
    write_buf_yaml(old)
    theirs = _buf(["breaking", "--against", str(old), "--error-format", error_format], new)
    found = check_breaking(compile_tree(new), compile_tree(old), BreakingConfig.parse(config))
    ours = [FORMATS[error_format](f.as_json()) for f in found]
    assert any("<input>" in line or '"path"' not in line for line in theirs)  # a file-less one
    assert ours == theirs


@pytest.mark.parametrize("error_format", sorted(FORMATS))
def test_lint_output_is_bufs(tmp_path: Path, error_format: str) -> None:
    """Import cycles put ``->`` in messages: Go's JSON writes ``-\\u003e``."""
    # One package cycle only (a -> b -> a through a second file of a): buf names an
    # arbitrary one of several cycles, so a single one keeps its message deterministic.
    root = _tree(
        tmp_path,
        {
            "acme/a/v1/a.proto": P3
            + 'package acme.a.v1;\nimport "acme/b/v1/b.proto";\nmessage A { acme.b.v1.B b = 1; }\n',
            "acme/a/v1/a2.proto": P3 + "package acme.a.v1;\nmessage A2 {}\n",
            "acme/b/v1/b.proto": P3
            + 'package acme.b.v1;\nimport "acme/a/v1/a2.proto";\n'
            + "message B { acme.a.v1.A2 a = 1; }\n",
        },
    )
    section = {"use": ["STANDARD", "COMMENTS"]}
    write_buf_yaml(root, lint=section)
    theirs = _buf(["lint", "--error-format", error_format], root)
    found = lint(compile_tree(root), parse_lint_config(section))
    ours = [FORMATS[error_format](f.as_json()) for f in found]
    assert ours == theirs
    assert error_format != "json" or any("-\\u003e" in line for line in ours)
