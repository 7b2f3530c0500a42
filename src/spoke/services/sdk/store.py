"""Published SDK packages in the blob store: built once, then the stored bytes forever.

A package lives at ``sdk/{ecosystem}/{module}/{version}/{release}/{sha256}/{filename}``.
``release`` fingerprints what the version is (its digest and pinned dependencies), so a
version deleted for good and pushed again with other content is a new release; under one
release the first object stored wins: later builds (another toolchain, another instance
racing this one) are never served. The ``sdk/`` prefix is outside ``modules/``, which the
garbage collector sweeps of objects no metadata row names.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from spoke.domain.models import ModuleVersion
from spoke.storage.blobs import BlobInfo, BlobStore

PREFIX = "sdk/"
_MEMO_LIMIT = 4096


@dataclass(frozen=True)
class StoredPackage:
    key: str
    filename: str
    sha256: str
    size: int


def release_prefix(ecosystem: str, version: ModuleVersion) -> str:
    """Where ``version``'s packages for ``ecosystem`` are stored."""
    material = "\n".join(
        [version.digest, *sorted(f"{d.module}@{d.version}" for d in version.dependencies)]
    )
    release = hashlib.sha256(material.encode()).hexdigest()[:16]
    return f"{PREFIX}{ecosystem}/{version.module}/{version.version}/{release}/"


class PackageStore:
    """Finds and publishes packages; what it found is remembered in this process (a
    published package never changes)."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._known: dict[str, StoredPackage] = {}

    async def find(self, prefix: str) -> StoredPackage | None:
        """The package published under ``prefix`` (the first one stored), if any."""
        if (known := self._known.get(prefix)) is not None:
            return known
        found: list[BlobInfo] = [blob async for blob in self._blobs.list(prefix)]
        if not found:
            return None
        first = min(found, key=lambda blob: (blob.last_modified, blob.key))
        sha256, _, filename = first.key.removeprefix(prefix).partition("/")
        package = StoredPackage(first.key, filename, sha256, first.size)
        if len(self._known) >= _MEMO_LIMIT:
            self._known.clear()
        self._known[prefix] = package
        return package

    async def publish(self, prefix: str, filename: str, data: bytes) -> StoredPackage:
        """Store ``data`` under ``prefix`` and return what is published there: these bytes,
        or those of an earlier build that won.

        Builds from one compile artifact are byte-identical; two different builds can both
        land only when two instances running different Spoke releases race on a version's
        first request. Every instance then serves the oldest object (the key breaks a
        tie), which is what ``find`` reads."""
        if (published := await self.find(prefix)) is not None:
            return published
        sha256 = hashlib.sha256(data).hexdigest()
        await self._blobs.put(f"{prefix}{sha256}/{filename}", data)
        published = await self.find(prefix)
        assert published is not None  # just stored
        return published

    def stream(self, package: StoredPackage) -> AsyncIterator[bytes]:
        return self._blobs.stream(package.key)

    async def read(self, package: StoredPackage) -> bytes:
        return await self._blobs.get(package.key)
