"""``BlobStore`` over obstore: one adapter for S3-compatible buckets, a local folder and
memory. Vendor errors stop here: callers see ``BlobNotFound`` or ``BlobStoreUnavailable``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import LocalStore, MemoryStore, ObjectStore, S3Store

from spoke.storage.blobs import BlobInfo, BlobNotFound, BlobStoreUnavailable
from spoke.telemetry.metrics import BlobMetrics
from spoke.telemetry.tracing import span

_STREAM_CHUNK = 256 * 1024
_MISSING = (NotFoundError, FileNotFoundError)


class ObjectBlobStore:
    """Implements ``BlobStore`` on any obstore ``ObjectStore``."""

    def __init__(self, store: ObjectStore, *, metrics: BlobMetrics | None = None) -> None:
        self._store = store
        self._metrics = metrics or BlobMetrics(None)

    @classmethod
    def local(cls, root: Path, *, metrics: BlobMetrics | None = None) -> ObjectBlobStore:
        root.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(root, mkdir=True), metrics=metrics)

    @classmethod
    def memory(cls) -> ObjectBlobStore:
        return cls(MemoryStore())

    @classmethod
    def s3(
        cls,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str | None,
        secret_key: str | None,
        prefix: str = "",
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        sse: str | None = None,
        sse_kms_key_id: str | None = None,
        metrics: BlobMetrics | None = None,
    ) -> ObjectBlobStore:
        """A bucket on any S3-compatible endpoint, addressed path-style
        (``endpoint/bucket/key``), as non-AWS servers expect. ``timeout`` bounds one
        request, body included: a server that accepts connections but never answers
        (paused, partitioned) costs that long, not forever. ``sse`` (``AES256``,
        ``aws:kms``) asks the server to encrypt every object written, with the KMS key
        ``sse_kms_key_id`` when given."""
        config: dict[str, str | bool] = {
            "endpoint": endpoint,
            "region": region,
            "virtual_hosted_style_request": False,
        }
        if access_key and secret_key:
            config |= {"access_key_id": access_key, "secret_access_key": secret_key}
        if sse:
            config["server_side_encryption"] = sse
        if sse_kms_key_id:
            config["sse_kms_key_id"] = sse_kms_key_id
        store = S3Store(
            bucket,
            prefix=prefix or None,
            config=config,  # type: ignore[arg-type]
            client_options={
                "allow_http": endpoint.startswith("http://"),
                "connect_timeout": timedelta(seconds=connect_timeout),
                "timeout": timedelta(seconds=timeout),
            },
            retry_config={
                # Retry a blip, but answer a dead endpoint within a few seconds.
                "max_retries": 2,
                "retry_timeout": timedelta(seconds=3),
                "backoff": {
                    "init_backoff": timedelta(milliseconds=100),
                    "max_backoff": timedelta(seconds=2),
                    "base": 2,
                },
            },
        )
        return cls(store, metrics=metrics)

    @contextmanager
    def _measure(self, operation: str, key: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            with span(
                f"blob {operation}", **{"spoke.blob.operation": operation, "spoke.blob.key": key}
            ):
                yield
        except _MISSING as exc:
            self._metrics.operations.labels(operation, "not_found").inc()
            raise BlobNotFound(key) from exc
        except BaseError as exc:
            self._metrics.operations.labels(operation, "error").inc()
            raise BlobStoreUnavailable(
                f"object storage failed to {operation} {key!r}: {exc}"
            ) from exc
        self._metrics.operations.labels(operation, "ok").inc()
        self._metrics.latency.labels(operation).observe(time.perf_counter() - started)

    async def put(self, key: str, data: bytes) -> None:
        with self._measure("put", key):
            await obstore.put_async(self._store, key, data)
        self._metrics.bytes.labels("out").inc(len(data))

    async def get(self, key: str) -> bytes:
        with self._measure("get", key):
            result = await obstore.get_async(self._store, key)
            data = bytes(await result.bytes_async())
        self._metrics.bytes.labels("in").inc(len(data))
        return data

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        with self._measure("get", key):
            result = await obstore.get_async(self._store, key)
            async for chunk in result.stream(min_chunk_size=_STREAM_CHUNK):
                self._metrics.bytes.labels("in").inc(len(chunk))
                yield bytes(chunk)

    async def exists(self, key: str) -> bool:
        try:
            with self._measure("head", key):
                await obstore.head_async(self._store, key)
        except BlobNotFound:
            return False
        return True

    async def list(self, prefix: str) -> AsyncIterator[BlobInfo]:
        with self._measure("list", prefix):
            async for batch in obstore.list(self._store, prefix, chunk_size=1000):
                for meta in batch:
                    yield BlobInfo(meta["path"], meta["size"], meta["last_modified"])

    async def delete(self, key: str) -> None:
        try:
            with self._measure("delete", key):
                await obstore.delete_async(self._store, key)
        except BlobNotFound:
            return

    async def ping(self) -> None:
        try:
            with self._measure("list", "modules/"):
                await obstore.list_with_delimiter_async(self._store, "modules/")
        except BlobNotFound:
            return  # an empty local folder: nothing pushed yet

    async def close(self) -> None:
        """obstore stores hold no connections that need closing."""
