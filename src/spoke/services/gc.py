"""Garbage collection of blobs that no stored version references.

A push uploads blobs before its metadata transaction, so a push that failed (or one
still in flight) leaves blobs without rows. Only blobs older than the grace period are
removed: an in-flight push commits its rows well within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from spoke.storage.blobs import BlobInfo, BlobStore
from spoke.storage.metadata import MetadataStore

log = structlog.get_logger(__name__)
_BATCH = 500


@dataclass
class GcReport:
    scanned: int = 0
    referenced: int = 0
    too_recent: int = 0
    deleted: int = 0
    deleted_bytes: int = 0


class GarbageCollector:
    def __init__(self, metadata: MetadataStore, blobs: BlobStore) -> None:
        self._metadata = metadata
        self._blobs = blobs

    async def collect(self, *, grace: timedelta, dry_run: bool = False) -> GcReport:
        report = GcReport()
        cutoff = datetime.now(UTC) - grace
        batch: list[BlobInfo] = []
        async for blob in self._blobs.list("modules/"):
            report.scanned += 1
            batch.append(blob)
            if len(batch) >= _BATCH:
                await self._sweep(batch, cutoff, report, dry_run)
                batch = []
        await self._sweep(batch, cutoff, report, dry_run)
        return report

    async def _sweep(
        self, batch: list[BlobInfo], cutoff: datetime, report: GcReport, dry_run: bool
    ) -> None:
        referenced = await self._metadata.referenced_keys([b.key for b in batch])
        for blob in batch:
            if blob.key in referenced:
                report.referenced += 1
            elif blob.last_modified > cutoff:
                report.too_recent += 1
            else:
                if not dry_run:
                    await self._blobs.delete(blob.key)
                    log.info("deleted unreferenced blob", key=blob.key, size=blob.size)
                report.deleted += 1
                report.deleted_bytes += blob.size
