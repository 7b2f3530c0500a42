"""A dependency's .proto files are read from the bucket once per process: a version never
changes, and every push pinning a shared module needs them again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from obstore.store import MemoryStore

from spoke.domain.digests import sha256_hex
from spoke.domain.layout import file_key
from spoke.domain.models import FileEntry, ModuleVersion, Source
from spoke.services.dependencies import DependencyResolver
from spoke.storage.blobs.objects import ObjectBlobStore

PROTO = b'syntax = "proto3";\npackage acme.base.v1;\nmessage Base {}\n'


class CountingBlobs(ObjectBlobStore):
    def __init__(self) -> None:
        super().__init__(MemoryStore())
        self.gets = 0

    async def get(self, key: str) -> bytes:
        self.gets += 1
        return await super().get(key)


async def test_a_dependency_is_read_once_and_its_repush_is_another_entry() -> None:
    blobs = CountingBlobs()
    entry = FileEntry("acme/base/v1/base.proto", sha256_hex(PROTO), len(PROTO))
    await blobs.put(file_key("acme.base", "v1.0.0", entry.sha256, entry.path), PROTO)

    def version(digest: str) -> ModuleVersion:
        return ModuleVersion(
            "acme.base", "v1.0.0", digest, datetime.now(UTC), (entry,), (), Source()
        )

    resolver = DependencyResolver(reader=Any, blobs=blobs)  # type: ignore[arg-type]
    first = version("sha256:" + "1" * 64)
    for _ in range(3):
        roots = await resolver.roots("acme.app", [], ["app.proto"], scope=Any, closure=[first])  # type: ignore[arg-type]
        assert roots == [{entry.path: PROTO}]
    assert blobs.gets == 1
    # Deleted for good and pushed again: another digest, read again.
    await resolver.roots("acme.app", [], [], scope=Any, closure=[version("sha256:" + "2" * 64)])  # type: ignore[arg-type]
    assert blobs.gets == 2
