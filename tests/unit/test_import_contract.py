"""Architecture rules, checked statically with ``ast`` (no module is imported)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SPOKE = SRC / "spoke"

# Standard-library modules the pure domain may use: no I/O, no processes, no event loop.
PURE_STDLIB = {
    "__future__",
    "abc",
    "base64",
    "binascii",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "functools",
    "hashlib",
    "itertools",
    "json",  # encoding only: no I/O
    "math",
    "operator",
    "re",
    "string",
    "struct",  # packing numbers: no I/O
    "types",
    "typing",
    "unicodedata",
}
FORBIDDEN_IN_DOMAIN = {
    "spoke.storage",
    "spoke.services",
    "spoke.api",
    "spoke.cli",
    "spoke.ops",
    "spoke.compile",
    "sqlalchemy",
    "obstore",
    "httpx",
    "redis",
    "fastapi",
    "starlette",
    "asyncio",
    "socket",
    "subprocess",
    "os",
    "pathlib",
    "aiosqlite",
    "asyncpg",
}
FORBIDDEN_IN_SERVICES = {"sqlalchemy", "obstore", "aiosqlite", "asyncpg", "redis", "httpx"}


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str | None = None) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """``(line, absolute module, imported names)`` for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (name or _module_name(path)).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module, names


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_source_tree_is_found() -> None:
    assert (SPOKE / "domain" / "versions.py").is_file()
    assert len(_modules(SPOKE / "domain")) >= 7
    assert len(_modules(SPOKE / "services")) >= 3


def _domain_problems(path: Path, name: str | None = None) -> list[str]:
    problems = []
    for line, module, names in _imports(path, name):
        candidates = [module] + [f"{module}.{n}" for n in names]
        if any(_within(c, bad) for c in candidates for bad in FORBIDDEN_IN_DOMAIN):
            problems.append(f"{path.name}:{line} imports {module} (forbidden)")
        elif (
            not _within(module, "spoke.domain")
            and module.split(".")[0] not in PURE_STDLIB
            and not _within(module, "google.protobuf")  # descriptors: data, no I/O
        ):
            problems.append(f"{path.name}:{line} imports {module} (not pure stdlib/domain)")
    return problems


def test_checker_catches_violations(tmp_path: Path) -> None:
    # Guard the checker itself, relative imports and nested imports included.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from __future__ import annotations\n"
        "import re\n"
        "from . import errors\n"
        "from ..storage import metadata\n"
        "from .. import services\n"
        "import os.path\n"
        "import yaml\n"
        "def f():\n"
        "    import subprocess\n",
        encoding="utf-8",
    )
    found = [m for _, m, _ in _imports(bad, "spoke.domain.bad")]
    assert "spoke.domain" in found
    assert "spoke.storage" in found
    problems = _domain_problems(bad, "spoke.domain.bad")
    assert len(problems) == 5, problems
    assert not any(":2 " in p or ":3 " in p for p in problems)


@pytest.mark.parametrize("path", _modules(SPOKE / "domain"), ids=_rel)
def test_domain_imports_only_pure_stdlib_and_domain(path: Path) -> None:
    problems = _domain_problems(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", _modules(SPOKE / "services"), ids=_rel)
def test_services_talk_to_ports_only(path: Path) -> None:
    problems = [
        f"{_rel(path)}:{line} imports {module}"
        for line, module, _ in _imports(path)
        if module.split(".")[0] in FORBIDDEN_IN_SERVICES
    ]
    assert not problems, "\n".join(problems)


def _http_exception_uses(path: Path, name: str | None = None) -> Iterator[str]:
    for line, module, names in _imports(path, name):
        top = module.split(".")[0]
        if top in ("fastapi", "starlette") and "HTTPException" in names:
            yield f"{path.name}:{line} imports HTTPException from {module}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "HTTPException"
            and isinstance(node.value, ast.Name)
            and node.value.id in ("fastapi", "exceptions", "starlette")
        ):
            yield f"{path.name}:{node.lineno} uses {node.value.id}.HTTPException"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules(SPOKE) if not p.is_relative_to(SPOKE / "api")],
    ids=_rel,
)
def test_http_exception_only_in_api(path: Path) -> None:
    problems = list(_http_exception_uses(path))
    assert not problems, "\n".join(problems)


def test_http_exception_checker_catches_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import fastapi\n"
        "from fastapi import HTTPException\n"
        "from fastapi.exceptions import HTTPException as E\n"
        "raise fastapi.HTTPException(404)\n",
        encoding="utf-8",
    )
    problems = list(_http_exception_uses(bad, "spoke.services.bad"))
    assert len(problems) == 3, problems
