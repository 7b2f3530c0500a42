"""Backups of the metadata database to object storage, and verified restores.

A backup is a gzipped SQL dump ``spoke-backup-{timestamp}.sql.gz`` with a JSON manifest
beside it (row counts), in a store of its own (``storage.factory.open_backup_blobs``: by
default ``backups/`` beside the data, or a bucket of its own, so losing the data bucket
does not lose the backups). File bytes live in the data store already: a restore checks
the row counts against the manifest and that every file it names is there.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from spoke.domain.errors import InvalidArgument, NotFound, Unavailable
from spoke.services.concurrency import map_limited
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import DatabaseDump

PREFIX = "spoke-backup-"


@dataclass(frozen=True)
class Backup:
    name: str  # spoke-backup-{timestamp}
    size: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Verification:
    counts: dict[str, int]
    files_checked: int
    missing_blobs: list[str]


class BackupService:
    """Backups of ``source`` into ``backups``; restores verified against ``blobs`` (the
    data store, where the files the database names live)."""

    def __init__(self, source: DatabaseDump, blobs: BlobStore, backups: BlobStore) -> None:
        self._source = source
        self._blobs = blobs
        self._backups = backups

    async def create(self, *, keep: int | None = None) -> Backup:
        """Dump, compress and upload; then keep only the newest ``keep`` backups."""
        if keep is not None and keep < 1:
            raise InvalidArgument("--keep must be at least 1")
        sql, counts = await self._source.dump()
        data = gzip.compress(sql, compresslevel=6)
        name = PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        await self._backups.put(f"{name}.sql.gz", data)
        await self._backups.put(f"{name}.json", json.dumps({"counts": counts}).encode())
        if keep is not None:
            for old in (await self.list())[keep:]:
                await self._backups.delete(f"{old.name}.sql.gz")
                await self._backups.delete(f"{old.name}.json")
        return Backup(name, len(data), counts)

    async def list(self) -> list[Backup]:
        """Backups, newest first."""
        found = [
            b
            async for b in self._backups.list("")
            if b.key.startswith(PREFIX) and b.key.endswith(".sql.gz") and "/" not in b.key
        ]
        found.sort(key=lambda b: b.key, reverse=True)
        return [Backup(b.key.removesuffix(".sql.gz"), b.size, {}) for b in found]

    async def restore(self, name: str, restored: DatabaseDump) -> Verification:
        """Load backup ``name`` into the ``restored`` database (empty); verify it."""
        name = name.removeprefix("backups/").removesuffix(".sql.gz")
        try:
            dump = gzip.decompress(await self._backups.get(f"{name}.sql.gz"))
            manifest = json.loads(await self._backups.get(f"{name}.json"))
        except NotFound:
            raise NotFound(f"no backup named {name!r}: see `spoke backup --list`") from None
        await restored.load(dump)
        counts = await restored.counts()
        if counts != manifest["counts"]:
            raise Unavailable(
                f"restored row counts {counts} differ from the backup's {manifest['counts']}"
            )
        keys = await restored.object_keys()
        present = await map_limited(self._blobs.exists, keys)
        missing = [key for key, ok in zip(keys, present, strict=True) if not ok]
        return Verification(counts, len(keys), missing)
