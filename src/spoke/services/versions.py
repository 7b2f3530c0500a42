"""Reading versions through the cache: the cache policy for version metadata.

Pinned versions are immutable, so their metadata is cached for ``ttl``. ``latest`` is a
pointer that moves on push: it is cached too and dropped by ``invalidate`` after a push.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from spoke.domain.errors import VersionNotFound
from spoke.domain.models import Dependency, FileEntry, ModuleVersion, Source
from spoke.domain.names import validate_module_name
from spoke.domain.versions import LATEST, validate_version_ref
from spoke.storage.cache import Cache
from spoke.storage.metadata import MetadataStore

_PREFIX = "spoke:v1"


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
    def __init__(self, metadata: MetadataStore, cache: Cache, *, ttl: float) -> None:
        self._metadata = metadata
        self._cache = cache
        self._ttl = ttl

    async def resolve(self, module: str, ref: str) -> str:
        """The pinned version ``ref`` names (``latest`` resolved); validates both."""
        validate_module_name(module)
        ref = validate_version_ref(ref)
        if ref != LATEST:
            return ref
        key = f"{_PREFIX}:latest:{module}"
        cached = await self._cache.get(key)
        if cached is not None:
            return cached.decode()
        version = await self._metadata.latest_version(module)
        await self._cache.set(key, version.encode(), self._ttl)
        return version

    async def get(self, module: str, ref: str) -> ModuleVersion:
        version = await self.resolve(module, ref)
        key = f"{_PREFIX}:version:{module}:{version}"
        cached = await self._cache.get(key)
        if cached is not None:
            return decode_version(cached)
        stored = await self._metadata.get_version(module, version)
        await self._cache.set(key, encode_version(stored), self._ttl)
        return stored

    async def find(self, module: str, version: str) -> ModuleVersion | None:
        try:
            return await self.get(module, version)
        except VersionNotFound:
            return None

    async def invalidate(self, module: str) -> None:
        """Forget what a push to ``module`` changes: where ``latest`` points."""
        await self._cache.delete(f"{_PREFIX}:latest:{module}")
