"""Reading versions back: metadata, single files (streamed) and whole-tree archives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from spoke.domain.errors import FileNotFound
from spoke.domain.models import FileEntry, ModuleVersion, VersionSummary
from spoke.domain.names import validate_module_name
from spoke.domain.paths import validate_path
from spoke.services.archives import ArchiveFormat, build_archive, stream_tar_gz
from spoke.services.files import blob_key, read_files
from spoke.services.versions import VersionReader
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import MetadataStore


class PullService:
    def __init__(self, metadata: MetadataStore, blobs: BlobStore, reader: VersionReader) -> None:
        self._metadata = metadata
        self._blobs = blobs
        self._reader = reader

    async def versions(self, module: str, *, after: str | None, limit: int) -> list[VersionSummary]:
        validate_module_name(module)
        current = self._reader.changed_recently(module)
        return await self._metadata.list_versions(module, after=after, limit=limit, current=current)

    async def version(self, module: str, ref: str) -> ModuleVersion:
        return await self._reader.get(module, ref)

    async def file_entry(self, module: str, ref: str, path: str) -> tuple[ModuleVersion, FileEntry]:
        """The version and the entry of ``path`` in it, without touching the blob."""
        path = validate_path(path)
        version = await self._reader.get(module, ref)
        entry = version.file(path)
        if entry is None:
            raise FileNotFound(module, version.version, path)
        return version, entry

    async def open_file(self, version: ModuleVersion, entry: FileEntry) -> AsyncIterator[bytes]:
        """The file's bytes as chunks. A missing blob raises here, before any byte is sent."""
        chunks = aiter(self._blobs.stream(blob_key(version, entry)))
        first = await anext(chunks, b"")

        async def body() -> AsyncIterator[bytes]:
            yield first
            async for chunk in chunks:
                yield chunk

        return body()

    async def read_file(self, version: ModuleVersion, entry: FileEntry) -> bytes:
        return await self._blobs.get(blob_key(version, entry))

    async def archive_stream(self, version: ModuleVersion) -> AsyncIterator[bytes]:
        """The tree as a streamed ``.tar.gz``. The first blob is read before this returns,
        so an unreachable store fails here (a clean error), not halfway through a body."""
        entries = {e.path: e for e in version.files}

        def chunks_of(path: str) -> AsyncIterator[bytes]:
            return self._blobs.stream(blob_key(version, entries[path]))

        stream = aiter(
            stream_tar_gz([(e.path, e.size) for e in version.files], chunks_of, version.created_at)
        )
        first = await anext(stream, b"")
        if version.files:  # the header alone does not touch the store; its first bytes do
            first += await anext(stream, b"")

        async def body() -> AsyncIterator[bytes]:
            yield first
            async for chunk in stream:
                yield chunk

        return body()

    async def archive(self, version: ModuleVersion, fmt: ArchiveFormat) -> bytes:
        files = await read_files(self._blobs, version)
        return await asyncio.to_thread(build_archive, list(files.items()), fmt, version.created_at)
