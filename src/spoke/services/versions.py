"""Reading versions through the caches: the cache policy for version metadata.

Pinned versions are immutable: their metadata is kept in the in-process L1 (when given)
and in the shared cache for ``ttl``. ``latest`` is a pointer that moves on push: it is
kept in the shared cache only, where ``invalidate`` drops it for every instance at once.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import orjson

from spoke.domain.errors import VersionNotFound
from spoke.domain.models import Dependency, FileEntry, ModuleVersion, Source
from spoke.domain.names import validate_module_name
from spoke.domain.versions import LATEST, validate_version_ref
from spoke.storage.cache import Cache, LocalCache
from spoke.storage.metadata import MetadataStore

_SCHEMA = "v1"  # bump when the cached encoding changes
# The broadcast of a push: what moves with it (``latest``, lists) is stale everywhere.
MOVED = "moved:"
# After a module changed, its versions are read from the primary this long (seconds): a
# replica's lag under load stays well below it (the ReplicaLag alert fires at 30 s).
CHANGED_FOR = 60.0


def encode_version(version: ModuleVersion) -> bytes:
    return orjson.dumps(version)


def decode_version(data: bytes) -> ModuleVersion:
    raw: dict[str, Any] = orjson.loads(data)
    return ModuleVersion(
        module=raw["module"],
        version=raw["version"],
        digest=raw["digest"],
        created_at=datetime.fromisoformat(raw["created_at"]),
        files=tuple(FileEntry(**f) for f in raw["files"]),
        dependencies=tuple(Dependency(**d) for d in raw["dependencies"]),
        source=Source(**raw["source"]),
    )


class VersionReader:
    def __init__(
        self,
        metadata: MetadataStore,
        cache: Cache,
        *,
        ttl: float,
        l1: LocalCache | None = None,
        prefix: str = "spoke",
    ) -> None:
        self._metadata = metadata
        self._cache = cache
        self._l1 = l1
        self._ttl = ttl
        self._prefix = f"{prefix}:{_SCHEMA}"
        self._changed: dict[str, float] = {}

    async def resolve(self, module: str, ref: str) -> str:
        """The pinned version ``ref`` names (``latest`` resolved); validates both."""
        validate_module_name(module)
        ref = validate_version_ref(ref)
        if ref != LATEST:
            return ref
        key = self._latest_key(module)
        cached = await self._cache.get(key)
        if cached is not None:
            return cached.decode()
        version = await self._metadata.latest_version(module)
        await self._cache.set(key, version.encode(), self._ttl)
        return version

    async def get(self, module: str, ref: str) -> ModuleVersion:
        version = await self.resolve(module, ref)
        found = await self._pinned(module, version)
        if found is None:
            raise VersionNotFound(module, version)
        return found

    async def find(
        self, module: str, version: str, *, current: bool = False
    ) -> ModuleVersion | None:
        """Like ``get``, but ``None`` when the version is not stored. ``current``: a miss
        in the caches goes to the primary straight away (a push asking whether its version
        exists yet)."""
        try:
            pinned = await self.resolve(module, version)
        except VersionNotFound:  # `latest` of a module without versions
            return None
        return await self._pinned(module, pinned, current=current)

    async def _pinned(
        self, module: str, version: str, *, current: bool = False
    ) -> ModuleVersion | None:
        key = f"{self._prefix}:version:{module}:{version}"
        current = current or self.changed_recently(module)
        for tier in (self._l1, self._cache):
            if tier is not None and (cached := await tier.get(key)) is not None:
                if tier is self._cache and self._l1 is not None:
                    await self._l1.set(key, cached, self._ttl)
                return decode_version(cached)
        stored = await self._metadata.find_version(module, version, current=current)
        if stored is None:  # not cached: it may be pushed any moment
            return None
        encoded = encode_version(stored)
        await self._cache.set(key, encoded, self._ttl)
        if self._l1 is not None:
            await self._l1.set(key, encoded, self._ttl)
        return stored

    async def invalidate(self, module: str) -> None:
        """Forget what a push to ``module`` changes: where ``latest`` points, here, in the
        shared cache and (through a broadcast) in every instance's precomputed answers."""
        await self._cache.delete(self._latest_key(module))
        await self._cache.broadcast(f"{MOVED}{module}")

    async def forget(self, module: str, versions: list[str]) -> None:
        """After a deletion or restore: drop the module's entries here, in the shared
        cache, and (through a broadcast) in every instance's in-process caches."""
        keys = [f"{self._prefix}:version:{module}:{v}" for v in versions]
        await self._cache.delete(self._latest_key(module), *keys)
        self.drop_local(module)
        await self._cache.broadcast(f"module:{module}")

    def drop_local(self, module: str) -> None:
        """Forget ``module``'s versions in this process (a deletion, restore or visibility
        change here or on another instance), and read them from the primary for a while:
        a replica replaying behind it would answer (and the caches would keep) the state
        from before the change."""
        if self._l1 is not None:
            self._l1.delete_prefix(f"{self._prefix}:version:{module}:")
        self._changed[module] = time.monotonic()
        if len(self._changed) > 10_000:  # forget the oldest half; they are long past
            for name in sorted(self._changed, key=self._changed.__getitem__)[:5_000]:
                del self._changed[name]

    def changed_recently(self, module: str) -> bool:
        """Whether ``module`` changed in the last ``CHANGED_FOR`` seconds (``drop_local``)."""
        at = self._changed.get(module)
        return at is not None and time.monotonic() - at < CHANGED_FOR

    def _latest_key(self, module: str) -> str:
        return f"{self._prefix}:latest:{module}"
