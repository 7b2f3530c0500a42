"""Architecture rules, checked statically with ``ast`` (no module is imported)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
SPOKE = SRC / "spoke"

# The layers of docs/architecture.md, top to bottom: a module imports only from its own
# layer and the layers below it (every import counts: lazy ones, and those for type
# checking only). ``spoke`` itself (the version) is below them all; ``spoke.__main__`` is
# the command's, so ``cli``'s.
LAYERS = (
    "cli",
    "api",
    "ops",
    "runtime",
    "services",
    "auth",
    "storage",
    "compile",
    "ratelimit",
    "telemetry",
    "resilience",
    "config",
    "domain",
)
# Throwaway servers for tests and developers: they import nothing else of Spoke, and
# nothing in Spoke imports them.
STANDALONE = "devstack"
# The compile worker's process (``spoke sprocket``) runs no HTTP app.
WORKER = "spoke.cli.worker"
# The storage concerns with a port (``storage/<concern>/__init__.py``): above storage, the
# port is what the layers see; the adapters beside it are the factory's to choose and the
# composition root's to hold (the CLI reaches a database through the factory's
# open_keys and open_dumps).
PORTS = ("metadata", "blobs", "cache", "queue", "keys", "audit", "policies")
ADAPTER_HOLDERS = ("storage", "runtime")

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


def _layer(module: str) -> str | None:
    """The layer of ``spoke.<top>…`` (None for ``spoke`` itself and for other packages)."""
    parts = module.split(".")
    if parts[0] != "spoke" or len(parts) == 1:
        return None
    return "cli" if parts[1] == "__main__" else parts[1]


def _layer_problems(path: Path, name: str | None = None) -> list[str]:
    own = _layer(name or _module_name(path))
    problems = []
    for line, module, _ in _imports(path, name):
        target = _layer(module)
        if target is None or target == own:
            continue
        if own == STANDALONE or target == STANDALONE:
            problems.append(f"{path.name}:{line} imports {module} ({STANDALONE} stands alone)")
        elif target not in LAYERS or own not in LAYERS:
            problems.append(f"{path.name}:{line} imports {module} (a layer LAYERS does not name)")
        elif LAYERS.index(target) < LAYERS.index(own):
            problems.append(f"{path.name}:{line} imports {module} ({own} is below {target})")
    return problems


def test_every_top_level_module_has_a_layer() -> None:
    tops = {p.stem for p in SPOKE.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
    assert tops - {"__init__", "__main__"} == {*LAYERS, STANDALONE}


def test_the_layers_are_drawn_in_the_architecture_document() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = text.split("```")[1]  # the first code block
    drawn = [n for n in re.findall(r"^(\w+)(?:/|\.py)", drawing, re.MULTILINE) if n != STANDALONE]
    assert drawn == list(LAYERS)


@pytest.mark.parametrize("path", _modules(SPOKE), ids=_rel)
def test_each_layer_imports_only_from_layers_below(path: Path) -> None:
    problems = _layer_problems(path)
    assert not problems, "\n".join(problems)


def _adapter_problems(path: Path, name: str | None = None) -> list[str]:
    if _layer(name or _module_name(path)) in ADAPTER_HOLDERS:
        return []
    problems = []
    for line, module, names in _imports(path, name):
        # ``from spoke.storage.cache import memory`` imports an adapter too.
        submodules = [f"{module}.{n}" for n in names if _file_of(f"{module}.{n}") is not None]
        for candidate in (module, *submodules):
            parts = candidate.split(".")
            if parts[:2] == ["spoke", "storage"] and len(parts) > 3 and parts[2] in PORTS:
                problems.append(f"{path.name}:{line} imports {candidate} (an adapter)")
    return problems


@pytest.mark.parametrize("path", _modules(SPOKE), ids=_rel)
def test_only_storage_and_the_composition_root_see_adapters(path: Path) -> None:
    problems = _adapter_problems(path)
    assert not problems, "\n".join(problems)


def test_layer_checker_catches_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "from spoke.storage.blobs import BlobStore\n"
        "from spoke import __version__\n"
        "from spoke.api.errors import error_response\n"
        "from ..services import push\n"
        "from spoke.devstack import Stack\n"
        "if TYPE_CHECKING:\n"
        "    from spoke.runtime import build_services\n"
        "def f():\n"
        "    import spoke.cli.main\n",
        encoding="utf-8",
    )
    problems = _layer_problems(bad, "spoke.auth.bad")
    assert [p.split(" ")[0] for p in problems] == [
        "bad.py:5",
        "bad.py:6",
        "bad.py:7",
        "bad.py:9",
        "bad.py:11",
    ]
    adapters = tmp_path / "adapters.py"
    adapters.write_text(
        "from spoke.storage.cache import Cache\n"
        "from spoke.storage.cache.memory import MemoryCache\n"
        "from spoke.storage.cache import redis\n"
        "from spoke.storage.factory import Backends\n",
        encoding="utf-8",
    )
    problems = _adapter_problems(adapters, "spoke.api.adapters")
    assert [p.split(" ")[0] for p in problems] == ["adapters.py:2", "adapters.py:3"]
    assert _adapter_problems(adapters, "spoke.runtime") == []
    assert _layer_problems(bad, "spoke.cli.bad") == [
        "bad.py:7 imports spoke.devstack (devstack stands alone)"
    ]


def _file_of(module: str) -> Path | None:
    base = SRC.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _closure(module: str) -> set[str]:
    """Every ``spoke`` module that importing ``module`` loads (parent packages included)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        parts = current.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            path = _file_of(name)
            if name in seen or path is None:
                continue
            seen.add(name)
            for _, imported, names in _imports(path, name):
                if imported.split(".")[0] == "spoke":
                    todo.extend([imported, *(f"{imported}.{n}" for n in names)])
    return seen


def test_the_compile_worker_loads_no_http_code() -> None:
    loaded = _closure(WORKER)
    assert not [m for m in loaded if _within(m, "spoke.api")], sorted(loaded)
    assert {WORKER, "spoke.cli", "spoke.storage.factory"} <= loaded  # the walk follows imports
