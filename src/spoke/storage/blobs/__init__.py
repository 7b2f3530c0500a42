"""The blob store port: immutable, content-addressed file bytes by key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from spoke.domain.errors import NotFound, Unavailable


class BlobNotFound(NotFound):
    code = "blob_not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"object {key!r} is missing from the blob store", details={"key": key})


class BlobStoreUnavailable(Unavailable):
    code = "blob_store_unavailable"


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    last_modified: datetime


class BlobStore(Protocol):
    """Stores bytes under keys such as ``modules/{module}/{version}/files/{sha256}.proto``.

    Writes are idempotent: putting the same bytes under the same key again succeeds.
    Adapters raise ``BlobNotFound`` and ``BlobStoreUnavailable``, never vendor errors.
    """

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes:
        """The whole object; raises ``BlobNotFound``."""
        ...

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object in chunks, without holding it whole; raises ``BlobNotFound`` on first read."""
        ...

    async def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> AsyncIterator[BlobInfo]:
        """Every object whose key starts with ``prefix``, in no promised order."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    async def ping(self) -> None:
        """Raise ``BlobStoreUnavailable`` if the store does not answer."""
        ...

    async def close(self) -> None: ...
