"""Resolving a version's dependencies: the transitive closure, and their files as import
roots for protoc (one root per dependency, so an import path names one file)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spoke.domain.errors import DependencyError
from spoke.domain.layout import file_key
from spoke.domain.models import Dependency, FileEntry, ModuleVersion
from spoke.domain.paths import is_proto
from spoke.services.concurrency import map_limited
from spoke.services.versions import VersionReader
from spoke.storage.blobs import BlobStore


class DependencyResolver:
    def __init__(self, reader: VersionReader, blobs: BlobStore) -> None:
        self._reader = reader
        self._blobs = blobs

    async def roots(
        self, module: str, deps: Sequence[Dependency], own: Iterable[str]
    ) -> list[dict[str, bytes]]:
        """The .proto files of every dependency, transitively, one import root each.

        ``own`` are the paths of the module's own files: a dependency may not repeat one.
        """
        closure = await self.closure(module, deps)
        roots: list[dict[str, bytes]] = []
        owners = dict.fromkeys(own, f"{module} (this version)")
        for dep in closure:
            proto_entries = [e for e in dep.files if is_proto(e.path)]
            for entry in proto_entries:
                if entry.path in owners:
                    raise DependencyError(
                        f"{entry.path!r} is in both {owners[entry.path]} and "
                        f"{dep.module}@{dep.version}; import paths must be unique",
                        details={"path": entry.path},
                    )
                owners[entry.path] = f"{dep.module}@{dep.version}"

            async def read(entry: FileEntry, dep: ModuleVersion = dep) -> bytes:
                return await self._blobs.get(
                    file_key(dep.module, dep.version, entry.sha256, entry.path)
                )

            data = await map_limited(read, proto_entries)
            roots.append({e.path: d for e, d in zip(proto_entries, data, strict=True)})
        return roots

    async def closure(self, module: str, deps: Sequence[Dependency]) -> list[ModuleVersion]:
        """Every version ``deps`` pin, transitively; one version per module."""
        pinned: dict[str, ModuleVersion] = {}
        pending = list(deps)
        while pending:
            dep = pending.pop()
            if dep.module == module:
                raise DependencyError(
                    f"{module} cannot depend on a version of itself (through {dep.module}@"
                    f"{dep.version})",
                    details={"module": dep.module, "version": dep.version},
                )
            if (seen := pinned.get(dep.module)) is not None:
                if seen.version != dep.version:
                    raise DependencyError(
                        f"dependencies pin two versions of {dep.module}: "
                        f"{seen.version} and {dep.version}",
                        details={"module": dep.module, "versions": [seen.version, dep.version]},
                    )
                continue
            found = await self._reader.find(dep.module, dep.version)
            if found is None:
                raise DependencyError(
                    f"dependency {dep.module}@{dep.version} does not exist",
                    details={"module": dep.module, "version": dep.version},
                )
            pinned[dep.module] = found
            pending.extend(found.dependencies)
        return list(pinned.values())
