"""buf.yaml v2 workspaces (``modules:``) for ``spoke lint`` and ``spoke breaking``.

A workspace is several module directories under one ``buf.yaml``; each module's files are
named relative to its own directory, and imports resolve across all of the workspace's
modules (a vendored dependency is just another module). Each module has its own
``lint:`` / ``breaking:`` section, or the top-level one, and ``excludes`` (directories,
relative to the workspace root) whose files are neither checked nor compiled.

The registry checks one tree at a time, so the modules' files are merged into one tree
(their module-relative paths, which must not clash, as buf requires) and checked once per
distinct config; each module keeps the findings on its own files (and, for breaking, on
the workspace files they import, as buf checks imports), whose paths get the module's
directory back in front, as buf prints them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from spoke.cli.client import CliError
from spoke.cli.localfiles import check_inside
from spoke.cli.push import collect_files, read_files

Findings = list[dict[str, Any]]


@dataclass(frozen=True)
class WorkspaceModule:
    """One entry of ``modules:``: its directory (relative to the workspace root, POSIX),
    its excluded directories (also relative to the root) and its config sections."""

    path: str
    excludes: tuple[str, ...] = ()
    sections: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)

    def excluded(self, relative: str) -> bool:
        """Whether ``relative`` (a path below the root) is under one of the excludes."""
        return any(relative == e or relative.startswith(e + "/") for e in self.excludes)


def _clean(text: object, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CliError(f"buf.yaml: {where} must be a directory path")
    path = PurePosixPath(text.strip())
    if path.is_absolute() or ".." in path.parts:
        raise CliError(f"buf.yaml: {where} {text!r} must be a path inside the workspace")
    return path.as_posix()


def parse_modules(document: Mapping[str, Any]) -> list[WorkspaceModule] | None:
    """The ``modules:`` of a v2 buf.yaml (None: not a workspace), each with its own
    ``lint:`` and ``breaking:`` or the top-level ones, as buf reads them."""
    entries = document.get("modules")
    if entries is None:
        return None
    if document.get("version") != "v2":
        raise CliError("buf.yaml: `modules:` needs `version: v2`")
    if not isinstance(entries, list) or not entries:
        raise CliError("buf.yaml: `modules:` must be a list of modules, each with a `path`")
    modules: list[WorkspaceModule] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CliError(f"buf.yaml: modules[{index}] must be a mapping with a `path`")
        path = _clean(entry.get("path", "."), f"modules[{index}].path")
        excludes = entry.get("excludes") or []
        if not isinstance(excludes, list):
            raise CliError(f"buf.yaml: modules[{index}].excludes must be a list")
        cleaned = tuple(_clean(e, f"modules[{index}].excludes") for e in excludes)
        for exclude in cleaned:
            if path != "." and not exclude.startswith(path + "/"):
                raise CliError(
                    f"buf.yaml: exclude {exclude!r} is not inside its module's path {path!r}"
                )
        sections: dict[str, Mapping[str, Any] | None] = {}
        for section in ("lint", "breaking"):
            own = entry.get(section, document.get(section))
            if own is not None and not isinstance(own, dict):
                raise CliError(f"buf.yaml: modules[{index}].{section} must be a mapping")
            sections[section] = own
        modules.append(WorkspaceModule(path, cleaned, sections))
    if len({m.path for m in modules}) != len(modules):
        raise CliError("buf.yaml: a module path is listed twice in `modules:`")
    return modules


def module_files(root: Path, modules: list[WorkspaceModule]) -> dict[str, list[dict[str, str]]]:
    """Each module's ``.proto`` files (module-relative paths, excludes left out); a path
    that two modules both have is an error, as in buf."""
    files: dict[str, list[dict[str, str]]] = {}
    owner: dict[str, str] = {}
    for module in modules:
        directory = check_inside(root, root / module.path)
        kept = [
            p
            for p in collect_files(directory)
            if p.suffix == ".proto" and not module.excluded(p.relative_to(root).as_posix())
        ]
        files[module.path] = read_files(directory, kept)
        for item in files[module.path]:
            other = owner.setdefault(item["path"], module.path)
            if other != module.path:
                raise CliError(
                    f"{item['path']} is in two modules of the workspace: {other} and {module.path}"
                )
    return files


def _prefixed(module: str, finding: dict[str, Any]) -> dict[str, Any]:
    if module == "." or "path" not in finding or finding["path"] is None:
        return finding
    return {**finding, "path": f"{module}/{finding['path']}"}


_IMPORT = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"(?P<path>[^"]+)"\s*;', re.MULTILINE)


def _with_imports(paths: set[str], contents: Mapping[str, str]) -> set[str]:
    """``paths`` and every workspace file they import, directly or not."""
    found = set(paths)
    pending = list(paths)
    while pending:
        for match in _IMPORT.finditer(contents.get(pending.pop(), "")):
            imported = match["path"]
            if imported in contents and imported not in found:
                found.add(imported)
                pending.append(imported)
    return found


def _relative_to(module: str, path: str, tops: list[str]) -> list[str]:
    """A root-relative ignore ``path`` as paths inside ``module`` (none: not in it)."""
    clean = PurePosixPath(path).as_posix()
    if module == ".":
        return [clean]
    if clean == module:
        return tops
    if clean.startswith(module + "/"):
        return [clean[len(module) + 1 :]]
    return []


def _for_module(
    config: Mapping[str, Any] | None, module: str, tops: list[str]
) -> Mapping[str, Any] | None:
    """``config`` with its ``ignore`` and ``ignore_only`` paths, which a v2 workspace
    writes relative to its root, made relative to ``module`` (the checks see
    module-relative paths); paths outside the module are dropped."""
    if config is None:
        return None
    adjusted = dict(config)
    ignore = config.get("ignore")
    if isinstance(ignore, list):
        adjusted["ignore"] = [
            p for path in ignore if isinstance(path, str) for p in _relative_to(module, path, tops)
        ]
    only = config.get("ignore_only")
    if isinstance(only, dict):
        adjusted["ignore_only"] = {
            rule: [
                p
                for path in paths
                if isinstance(path, str)
                for p in _relative_to(module, path, tops)
            ]
            for rule, paths in only.items()
            if isinstance(paths, list)
        }
    return adjusted


def check_workspace(
    root: Path,
    modules: list[WorkspaceModule],
    section: str,
    check: Callable[[list[dict[str, str]], Mapping[str, Any] | None], Findings],
) -> Findings:
    """``check(files, config)`` run on the workspace's merged tree once per distinct
    ``section`` config; each module keeps the findings on its own files, and for
    ``breaking`` on the workspace files they import too (buf checks a module's imports
    unless ``--exclude-imports``), paths prefixed with the owning module's directory. A
    finding reported under two configs, or with no file, is printed once, as buf does."""
    files = module_files(root, modules)
    merged = [item for module in modules for item in files[module.path]]
    owner = {item["path"]: module.path for module in modules for item in files[module.path]}
    contents = {item["path"]: item["content"] for item in merged}
    groups: dict[bytes, tuple[Mapping[str, Any] | None, list[WorkspaceModule]]] = {}
    for module in modules:
        tops = sorted({item["path"].split("/")[0] for item in files[module.path]})
        config = _for_module(module.sections.get(section), module.path, tops)
        key = orjson.dumps(config, option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, (config, []))[1].append(module)
    found: Findings = []
    seen: set[bytes] = set()
    for config, members in groups.values():
        mine = {item["path"] for module in members for item in files[module.path]}
        if section == "breaking":
            mine = _with_imports(mine, contents)
        for finding in check(merged, config):
            path = finding.get("path")
            if path is not None:
                if path not in mine:
                    continue
                finding = _prefixed(owner[path], finding)
            key = orjson.dumps(finding, option=orjson.OPT_SORT_KEYS)
            if key not in seen:
                seen.add(key)
                found.append(finding)
    found.sort(key=lambda f: (f.get("path") or "", f["start_line"], f["start_column"]))
    return found


__all__ = ["Findings", "WorkspaceModule", "check_workspace", "module_files", "parse_modules"]
