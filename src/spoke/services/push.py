"""Pushing a version: validate, compile, upload blobs, record metadata, invalidate caches.

Blobs go up before the metadata transaction, so metadata never points at a missing blob;
a push that fails after uploading leaves only unreferenced blobs behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from spoke.compile.protoc import Protoc
from spoke.domain.digests import manifest_digest, sha256_hex
from spoke.domain.errors import DependencyError, VersionConflict
from spoke.domain.graph import DependencyCycle, label
from spoke.domain.layout import file_key
from spoke.domain.lock import LockedPin, check_lock, validate_pins
from spoke.domain.models import Dependency, FileEntry, ModuleVersion, NewVersion, Source
from spoke.domain.names import validate_module_name
from spoke.domain.paths import is_proto
from spoke.domain.schema import Schema
from spoke.domain.versions import Version
from spoke.services.concurrency import map_limited
from spoke.services.dependencies import DependencyResolver
from spoke.services.files import FileLimits, read_tree
from spoke.services.governance import GovernanceService, PolicyCheck
from spoke.services.modules import validate_description
from spoke.services.search import SearchService
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import MetadataStore, VersionExists


@dataclass(frozen=True)
class PushFile:
    path: str
    content: str


@dataclass(frozen=True)
class PushRequest:
    module: str
    version: str
    files: Sequence[PushFile]
    dependencies: Sequence[Dependency] = ()
    source: Source = field(default_factory=Source)
    description: str = ""
    lock: Sequence[LockedPin] | None = None
    """The pins of the client's spoke.lock, checked against the resolved closure."""


@dataclass(frozen=True)
class PushResult:
    version: ModuleVersion
    created: bool
    #: What the module's policy said (None: no policy checked).
    policy: PolicyCheck | None = None
    #: A dry run: checked, compiled, nothing stored.
    dry_run: bool = False


class PushService:
    def __init__(
        self,
        metadata: MetadataStore,
        blobs: BlobStore,
        reader: VersionReader,
        dependencies: DependencyResolver,
        protoc: Protoc,
        limits: FileLimits,
        *,
        on_stored: Callable[[str, str], Awaitable[None]] | None = None,
        governance: GovernanceService | None = None,
        search: SearchService | None = None,
    ) -> None:
        self._metadata = metadata
        self._blobs = blobs
        self._reader = reader
        self._dependencies = dependencies
        self._protoc = protoc
        self._limits = limits
        self._on_stored = on_stored
        self._governance = governance
        self._search = search

    async def push(
        self, request: PushRequest, scope: ReadScope, *, dry_run: bool = False
    ) -> PushResult:
        """Store ``request`` as a new version, once it compiles and the module's policy
        allows it; ``dry_run`` does every check and stores nothing.

        Every module of the dependency closure must be in the pusher's ``scope``: a
        private module it may not read is refused as if it did not exist.
        """
        module = validate_module_name(request.module)
        parsed = Version.parse(request.version)
        version = str(parsed)
        contents = self._validate_files(request.files)
        deps = _validate_dependencies(module, version, request.dependencies)
        lock = None if request.lock is None else validate_pins(request.lock)
        entries = tuple(
            FileEntry(path, sha256_hex(data), len(data)) for path, data in sorted(contents.items())
        )
        digest = manifest_digest((e.path, e.sha256) for e in entries)

        existing = await self._reader.find(module, version, current=True)
        if existing is not None:
            same = _same_or_conflict(existing, digest, deps)
            if lock is not None:
                await self._closure(module, version, deps, lock, scope)
            return PushResult(same, created=False)

        closure = await self._closure(module, version, deps, lock, scope)
        dep_roots = await self._dependencies.roots(
            module, deps, set(contents), scope=scope, closure=closure
        )
        protos = [path for path in contents if is_proto(path)]
        compiled = await self._protoc.compile([contents, *dep_roots], protos)
        check = None
        if self._governance is not None:
            schema = Schema(
                compiled.descriptor_set, targets=protos, sources={p: contents[p] for p in protos}
            )
            check = await self._governance.check_push(module, version, schema, dry_run=dry_run)
        if dry_run:
            unsaved = ModuleVersion(
                module, version, digest, datetime.now(UTC), entries, deps, request.source
            )
            return PushResult(unsaved, created=False, policy=check, dry_run=True)

        async def upload(entry: FileEntry) -> None:
            key = file_key(module, version, entry.sha256, entry.path)
            await self._blobs.put(key, contents[entry.path])

        await map_limited(upload, entries)
        new = NewVersion(
            module=module,
            version=version,
            sort_key=parsed.sort_key,
            prerelease=parsed.is_prerelease,
            digest=digest,
            files=entries,
            dependencies=deps,
            source=request.source,
            module_description=validate_description(request.description),
        )
        try:
            stored = await self._metadata.create_version(new)
        except VersionExists as exc:  # a concurrent push of the same version won the race
            return PushResult(_same_or_conflict(exc.existing, digest, deps), created=False)
        await self._reader.invalidate(module)
        if self._on_stored is not None:  # after the commit: the version is there to compile
            await self._on_stored(module, version)
        if self._governance is not None and check is not None:
            # Its policy will compare the next push with this one (modules without a
            # policy pay nothing; a policy set later compiles on demand).
            await self._governance.version_stored(stored, compiled.descriptor_set)
        if self._search is not None:
            await self._search.index_pushed(stored, compiled.descriptor_set)
        return PushResult(stored, created=True, policy=check)

    async def _closure(
        self,
        module: str,
        version: str,
        deps: tuple[Dependency, ...],
        lock: Sequence[LockedPin] | None,
        scope: ReadScope,
    ) -> list[ModuleVersion]:
        """The closure of ``deps`` (cycles refused), checked against the lock if one came.

        Resolved in ``scope`` before the lock is compared: a lock's differences can only
        name modules the pusher may read."""
        resolved = await self._dependencies.resolve(module, deps, scope=scope, version=version)
        if lock is not None:
            check_lock(lock, (LockedPin(r.module, r.version, r.digest) for r in resolved))
        return [r.pinned for r in resolved]

    def _validate_files(self, files: Sequence[PushFile]) -> dict[str, bytes]:
        return read_tree([(file.path, file.content) for file in files], self._limits)


def _validate_dependencies(
    module: str, version: str, deps: Sequence[Dependency]
) -> tuple[Dependency, ...]:
    checked: dict[str, Dependency] = {}
    for dep in deps:
        name = validate_module_name(dep.module)
        pinned = Dependency(name, str(Version.parse(dep.version)))
        if name == module:
            raise DependencyCycle([label(module, version), label(name, pinned.version)])
        if name in checked and checked[name] != pinned:
            raise DependencyError(
                f"{name} is listed twice with different versions", details={"module": name}
            )
        checked[name] = pinned
    return tuple(sorted(checked.values(), key=lambda d: d.module))


def _same_or_conflict(
    existing: ModuleVersion, digest: str, deps: tuple[Dependency, ...]
) -> ModuleVersion:
    """A retry of an identical push gets the stored version; anything else is a conflict."""
    if existing.digest == digest and tuple(existing.dependencies) == deps:
        return existing
    raise VersionConflict(
        f"{existing.module}@{existing.version} already exists with different content; "
        "versions are immutable, push a new version instead",
        details={
            "module": existing.module,
            "version": existing.version,
            "existing_digest": existing.digest,
            "pushed_digest": digest,
        },
    )
