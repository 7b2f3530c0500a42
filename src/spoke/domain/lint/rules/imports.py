"""Rules on imports: public and unused ones, package import cycles, stable packages
that import unstable ones. Findings sit on the ``import`` statement."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator

from google.protobuf import descriptor_pb2 as d

from spoke.domain.lint import walk
from spoke.domain.lint.context import Context, Problem, q
from spoke.domain.lint.package_versions import parse_package_version
from spoke.domain.lint.usage import Symbols, referenced_files


def _import_path(index: int) -> walk.Path:
    return (walk.FILE_DEPENDENCY, index)


def import_no_public(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for index in file.public_dependency:
            dependency = file.dependency[index]
            yield ctx.at(file, _import_path(index), f"Import {q(dependency)} must not be public.")


def _closure(ctx: Context, name: str) -> set[str]:
    """``name`` and every file it imports, transitively (public or not)."""
    seen = {name}
    pending = [name]
    while pending:
        file = ctx.schema.files.get(pending.pop())
        if file is None:
            continue
        for dependency in file.dependency:
            if dependency not in seen:
                seen.add(dependency)
                pending.append(dependency)
    return seen


def _used_imports(ctx: Context, symbols: Symbols, file: d.FileDescriptorProto) -> set[str]:
    """The imports buf counts as used: for each file that defines something ``file``
    refers to, that file itself when it is imported, else the first import that leads
    to it. buf follows every import there, not only public ones, so an import that
    merely happens to reach the definition first gets the credit; we do the same."""
    used: set[str] = set()
    imports = list(file.dependency)
    closures = {dependency: _closure(ctx, dependency) for dependency in imports}
    for defining in referenced_files(symbols, file) - {file.name}:
        if defining in imports:
            used.add(defining)
            continue
        for dependency in imports:
            if defining in closures[dependency]:
                used.add(dependency)
                break
    return used


def import_used(ctx: Context) -> Iterator[Problem]:
    symbols = Symbols(ctx.schema)
    for file in ctx.files:
        used = _used_imports(ctx, symbols, file)
        public = set(file.public_dependency)
        for index, dependency in enumerate(file.dependency):
            # A public import re-exports: it is there for the importers.
            if index not in public and dependency not in used:
                yield ctx.at(file, _import_path(index), f"Import {q(dependency)} is unused.")


def _package_graph(ctx: Context) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for file in ctx.files:
        for dependency in file.dependency:
            imported = ctx.package_of(dependency)
            if file.package and imported and imported != file.package:
                graph[file.package].add(imported)
    return graph


def _path_back(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The shortest package path from ``start`` to ``goal`` (ties: by name)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        package = queue.popleft()
        if package == goal:
            path: list[str] = []
            step: str | None = package
            while step is not None:
                path.append(step)
                step = previous[step]
            return path[::-1]
        for following in sorted(graph.get(package, ())):
            if following not in previous:
                previous[following] = package
                queue.append(following)
    return None


def package_no_import_cycle(ctx: Context) -> Iterator[Problem]:
    """An import from package P of package Q is in a cycle when Q leads back to P.
    buf names the cycle it happens to find first (Go map order); we name the shortest."""
    graph = _package_graph(ctx)
    for file in ctx.files:
        if not file.package:
            continue
        for index, dependency in enumerate(file.dependency):
            imported = ctx.package_of(dependency)
            if not imported or imported == file.package:
                continue
            back = _path_back(graph, imported, file.package)
            if back is not None:
                cycle = " -> ".join([file.package, *back])
                yield ctx.at(file, _import_path(index), f"Package import cycle: {cycle}")


def stable_package_no_import_unstable(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        version = parse_package_version(file.package) if file.package else None
        if version is None or not version.stable:
            continue
        for index, dependency in enumerate(file.dependency):
            imported = ctx.package_of(dependency)
            theirs = parse_package_version(imported) if imported else None
            if theirs is not None and not theirs.stable:
                yield ctx.at(
                    file,
                    _import_path(index),
                    f"This file is in stable package {q(file.package)}, so it should not "
                    f"depend on {q(dependency)} from unstable package {q(imported)}.",
                )
