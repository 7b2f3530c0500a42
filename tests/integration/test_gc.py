"""Garbage collection: unreferenced blobs older than the grace period go, the rest stay."""

from __future__ import annotations

from datetime import timedelta

from spoke.domain.layout import file_key
from spoke.domain.models import FileEntry
from spoke.services.gc import GarbageCollector
from spoke.storage.blobs import BlobStore
from spoke.storage.metadata import MetadataStore
from tests.integration.builders import new_version, sha


async def test_gc_removes_only_old_unreferenced_blobs(
    metadata_store: MetadataStore, blob_store: BlobStore
) -> None:
    entry = FileEntry("a.proto", sha("kept"), 4)
    kept = file_key("acme.gc", "v1.0.0", entry.sha256, entry.path)
    await blob_store.put(kept, b"kept")
    await metadata_store.create_version(new_version("acme.gc", "v1.0.0", files=(entry,)))
    orphan = file_key("acme.gc", "v2.0.0", sha("orphan"), "a.proto")
    await blob_store.put(orphan, b"orphan!")
    elsewhere = "backups/spoke-backup-1.sql.gz"
    await blob_store.put(elsewhere, b"not a module blob")

    collector = GarbageCollector(metadata_store, blob_store)
    recent = await collector.collect(grace=timedelta(hours=1))
    assert (recent.scanned, recent.referenced, recent.too_recent, recent.deleted) == (2, 1, 1, 0)
    assert await blob_store.exists(orphan)

    dry = await collector.collect(grace=timedelta(0), dry_run=True)
    assert (dry.deleted, dry.deleted_bytes) == (1, len(b"orphan!"))
    assert await blob_store.exists(orphan)

    done = await collector.collect(grace=timedelta(0))
    assert (done.referenced, done.deleted) == (1, 1)
    assert not await blob_store.exists(orphan)
    assert await blob_store.get(kept) == b"kept"
    assert await blob_store.exists(elsewhere)


async def test_referenced_keys(metadata_store: MetadataStore) -> None:
    entry = FileEntry("x/y.proto", sha("y"), 1)
    await metadata_store.create_version(new_version("acme.ref", "v1.0.0", files=(entry,)))
    key = file_key("acme.ref", "v1.0.0", entry.sha256, entry.path)
    assert await metadata_store.referenced_keys([key, "modules/other"]) == {key}
    assert await metadata_store.referenced_keys([]) == set()
