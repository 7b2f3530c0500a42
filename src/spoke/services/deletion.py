"""Deleting and restoring modules and versions.

Soft deletion hides (lists, ``latest``, reads) and can be undone; permanent deletion
removes the metadata and the files' blobs. Either way every instance forgets what it
cached of the module (pinned versions are otherwise cached as immutable).
"""

from __future__ import annotations

from spoke.domain.errors import HasDependents
from spoke.domain.models import Module
from spoke.domain.names import validate_module_name
from spoke.domain.versions import validate_version
from spoke.services.concurrency import map_limited
from spoke.services.versions import VersionReader
from spoke.services.visibility import ReadScope
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import MetadataStore


class DeletionService:
    def __init__(self, metadata: MetadataStore, blobs: BlobStore, reader: VersionReader) -> None:
        self._metadata = metadata
        self._blobs = blobs
        self._reader = reader

    async def delete_version(
        self, module: str, version: str, *, permanent: bool, scope: ReadScope
    ) -> None:
        """Refused with ``HasDependents`` naming only the dependents ``scope`` may read."""
        module, version = validate_module_name(module), validate_version(version)
        try:
            keys = await self._metadata.delete_version(module, version, permanent=permanent)
        except HasDependents as exc:
            raise await _seen_by(exc, scope) from None
        await map_limited(self._blobs.delete, keys)
        await self._reader.forget(module, [version])

    async def restore_version(self, module: str, version: str) -> None:
        module, version = validate_module_name(module), validate_version(version)
        await self._metadata.restore_version(module, version)
        await self._reader.forget(module, [version])

    async def delete_module(self, module: str, *, permanent: bool, scope: ReadScope) -> None:
        """Refused with ``HasDependents`` naming only the dependents ``scope`` may read."""
        module = validate_module_name(module)
        versions = await self._metadata.version_names(module)
        try:
            keys = await self._metadata.delete_module(module, permanent=permanent)
        except HasDependents as exc:
            raise await _seen_by(exc, scope) from None
        await map_limited(self._blobs.delete, keys)
        await self._reader.forget(module, versions)

    async def restore_module(self, module: str) -> Module:
        restored = await self._metadata.restore_module(validate_module_name(module))
        await self._reader.forget(module, await self._metadata.version_names(module))
        return restored


async def _seen_by(refusal: HasDependents, scope: ReadScope) -> HasDependents:
    visible = [d for d in refusal.dependents if await scope.may_read(d.rpartition("@")[0])]
    return refusal.seen_by(visible)
