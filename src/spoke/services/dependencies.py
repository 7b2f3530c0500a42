"""Resolving a version's dependencies: the transitive closure, and their files as import
roots for protoc (one root per dependency, so an import path names one file).

Every resolution is made for a caller's ``ReadScope``: a pinned module it may not read is
answered exactly like a pin that does not exist (or, for listings, left out with what is
reachable only through it), so no closure serves a private module's content, digest or
existence to a caller who cannot read it.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence

from spoke.domain.errors import DependencyError
from spoke.domain.graph import DependencyCycle, ResolvedDependency, label
from spoke.domain.models import Dependency, ModuleVersion
from spoke.domain.paths import folder_clash, is_proto
from spoke.services.concurrency import map_limited
from spoke.services.files import read_protos
from spoke.services.versions import VersionReader
from spoke.services.visibility import EVERYTHING, ReadScope
from spoke.storage.blobs import BlobStore

# The .proto files of dependency versions kept in process (bytes): a version's files never
# change, and every push pinning a shared module would read them from the bucket again.
ROOTS_CACHE_BYTES = 32 * 1024 * 1024


class DependencyResolver:
    def __init__(
        self, reader: VersionReader, blobs: BlobStore, *, cache_bytes: int = ROOTS_CACHE_BYTES
    ) -> None:
        self._reader = reader
        self._blobs = blobs
        self._protos: OrderedDict[tuple[str, str, str], dict[str, bytes]] = OrderedDict()
        self._cached_bytes = 0
        self._max_bytes = cache_bytes

    async def _protos_of(self, version: ModuleVersion) -> dict[str, bytes]:
        """``read_protos`` of ``version``, from memory when read before (keyed by digest:
        a version pushed again after a permanent deletion is another entry)."""
        key = (version.module, version.version, version.digest)
        found = self._protos.get(key)
        if found is not None:
            self._protos.move_to_end(key)
            return found
        found = await read_protos(self._blobs, version)
        size = sum(len(data) for data in found.values())
        if size <= self._max_bytes // 8:
            self._protos[key] = found
            self._cached_bytes += size
            while self._cached_bytes > self._max_bytes:
                _, evicted = self._protos.popitem(last=False)
                self._cached_bytes -= sum(len(data) for data in evicted.values())
        return found

    async def roots(
        self,
        module: str,
        deps: Sequence[Dependency],
        own: Iterable[str],
        *,
        scope: ReadScope,
        closure: Sequence[ModuleVersion] | None = None,
    ) -> list[dict[str, bytes]]:
        """The .proto files of every dependency, transitively, one import root each.

        ``own`` are the paths of the module's own files: a dependency may not repeat one.
        ``closure`` is ``deps``'s closure when the caller has resolved it (in ``scope``)
        already.
        """
        if closure is None:
            closure = await self.closure(module, deps, scope=scope)
        owners = dict.fromkeys(own, f"{module} (this version)")
        for dep in closure:
            for entry in (e for e in dep.files if is_proto(e.path)):
                if entry.path in owners:
                    raise DependencyError(
                        f"{entry.path!r} is in both {owners[entry.path]} and "
                        f"{dep.module}@{dep.version}; import paths must be unique",
                        details={"path": entry.path},
                    )
                owners[entry.path] = f"{dep.module}@{dep.version}"
        roots = await map_limited(self._protos_of, closure)
        if (clash := folder_clash(owners)) is not None:  # ("a.proto", "a.proto/b.proto")
            file, nested = clash
            raise DependencyError(
                f"{file!r} in {owners[file]} is the folder of {nested!r} in {owners[nested]}; "
                "a version and its dependencies must fit in one tree",
                details={"path": file, "nested": nested},
            )
        return roots

    async def require_readable(self, version: ModuleVersion, scope: ReadScope) -> None:
        """Raise (as a missing pin would) unless ``scope`` may read every module of
        ``version``'s closure: what is built from a closure (a compiled schema, generated
        code) is served only to callers who may read all of it."""
        if scope is not EVERYTHING:
            await self.closure(version.module, version.dependencies, scope=scope)

    async def closure(
        self, module: str, deps: Sequence[Dependency], *, scope: ReadScope
    ) -> list[ModuleVersion]:
        """Every version ``deps`` pin, transitively; one version per module."""
        return [r.pinned for r in await self.resolve(module, deps, scope=scope)]

    async def resolve(
        self,
        module: str,
        deps: Sequence[Dependency],
        *,
        scope: ReadScope,
        version: str | None = None,
        skip_unreadable: bool = False,
    ) -> list[ResolvedDependency]:
        """The closure of ``deps`` (the dependencies of ``module@version``), breadth first,
        as ``scope`` may see it.

        Each entry carries a shortest path from the root and every version that pins it.
        Raises ``DependencyCycle`` when a pin leads back to ``module``, and
        ``DependencyError`` for a pin that does not exist or two versions of one module.
        A pin of a module outside ``scope`` raises the very error a missing one does;
        with ``skip_unreadable`` it is left out instead, with what only it leads to.
        """
        root = label(module, version) if version else module
        paths: dict[str, tuple[str, ...]] = {}  # module -> path from the root to its pin
        found: dict[str, ModuleVersion] = {}
        required_by: dict[str, set[str]] = defaultdict(set)
        frontier: list[tuple[Dependency, tuple[str, ...]]] = [
            (dep, (root,)) for dep in sorted(deps, key=lambda d: d.module)
        ]
        while frontier:
            fetch: list[tuple[Dependency, tuple[str, ...]]] = []
            for dep, via in frontier:
                path = (*via, label(dep.module, dep.version))
                if dep.module == module:
                    raise DependencyCycle(path)
                if (seen := paths.get(dep.module)) is None:
                    paths[dep.module] = path
                    fetch.append((dep, path))
                elif seen[-1] != path[-1]:
                    raise _two_versions(dep.module, seen, path)
                required_by[dep.module].add(via[-1])

            async def find(pin: tuple[Dependency, tuple[str, ...]]) -> ModuleVersion | None:
                return await self._find(pin, scope, skip_unreadable)

            fetched = await map_limited(find, fetch)
            frontier = []
            for (dep, path), pinned in zip(fetch, fetched, strict=True):
                if pinned is None:
                    continue
                found[dep.module] = pinned
                frontier.extend((d, path) for d in pinned.dependencies)
        return [
            ResolvedDependency(pinned, paths[name], tuple(sorted(required_by[name])))
            for name, pinned in found.items()
        ]

    async def _find(
        self, pin: tuple[Dependency, tuple[str, ...]], scope: ReadScope, skip_unreadable: bool
    ) -> ModuleVersion | None:
        dep, path = pin
        readable = await scope.may_read(dep.module)
        if not readable and skip_unreadable:
            return None
        # Out of scope reads nothing, and fails below exactly as a missing pin does.
        found = await self._reader.find(dep.module, dep.version) if readable else None
        if found is None:
            via = f" (required by {path[-2]})" if len(path) > 2 else ""
            hint = "" if scope is EVERYTHING else " or is not readable with your credentials"
            raise DependencyError(
                f"dependency {dep.module}@{dep.version} does not exist{hint}{via}",
                details={"module": dep.module, "version": dep.version, "path": list(path)},
            )
        return found


def _two_versions(module: str, first: tuple[str, ...], second: tuple[str, ...]) -> DependencyError:
    versions = sorted({first[-1].partition("@")[2], second[-1].partition("@")[2]})
    return DependencyError(
        f"dependencies pin two versions of {module}: {' -> '.join(first)} and "
        f"{' -> '.join(second)}",
        details={"module": module, "versions": versions, "paths": [list(first), list(second)]},
    )
