"""``BlobStore`` over obstore: one adapter for a local folder, memory, and (later) S3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import LocalStore, MemoryStore, ObjectStore

from spoke.storage.blobs import BlobNotFound, BlobStoreUnavailable

_STREAM_CHUNK = 256 * 1024


class ObjectBlobStore:
    """Implements ``BlobStore`` on any obstore ``ObjectStore``."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    @classmethod
    def local(cls, root: Path) -> ObjectBlobStore:
        root.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(root, mkdir=True))

    @classmethod
    def memory(cls) -> ObjectBlobStore:
        return cls(MemoryStore())

    async def put(self, key: str, data: bytes) -> None:
        try:
            await obstore.put_async(self._store, key, data)
        except BaseError as exc:
            raise BlobStoreUnavailable(f"could not write {key!r}: {exc}") from exc

    async def get(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self._store, key)
            return bytes(await result.bytes_async())
        except (NotFoundError, FileNotFoundError) as exc:
            raise BlobNotFound(key) from exc
        except BaseError as exc:
            raise BlobStoreUnavailable(f"could not read {key!r}: {exc}") from exc

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            result = await obstore.get_async(self._store, key)
            async for chunk in result.stream(min_chunk_size=_STREAM_CHUNK):
                yield bytes(chunk)
        except (NotFoundError, FileNotFoundError) as exc:
            raise BlobNotFound(key) from exc
        except BaseError as exc:
            raise BlobStoreUnavailable(f"could not read {key!r}: {exc}") from exc

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, key)
        except (NotFoundError, FileNotFoundError):
            return False
        except BaseError as exc:
            raise BlobStoreUnavailable(f"could not stat {key!r}: {exc}") from exc
        return True

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, key)
        except (NotFoundError, FileNotFoundError):
            return
        except BaseError as exc:
            raise BlobStoreUnavailable(f"could not delete {key!r}: {exc}") from exc

    async def ping(self) -> None:
        try:
            await obstore.list_with_delimiter_async(self._store, "modules/")
        except (NotFoundError, FileNotFoundError):
            return
        except BaseError as exc:
            raise BlobStoreUnavailable(f"blob store does not answer: {exc}") from exc

    async def close(self) -> None:
        """obstore stores hold no connections that need closing."""
