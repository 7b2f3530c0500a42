"""After a module changed (deleted, restored, hidden: here or on another instance), its
versions are read as the primary has them for a while: a replica replaying behind the
change must not answer, nor refill the caches with, the state from before it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from spoke.domain.models import ModuleVersion, Source
from spoke.services.versions import VersionReader
from spoke.storage.cache.memory import MemoryCache


class RecordingMetadata:
    """The one port method the reader needs here, noting where each read went."""

    def __init__(self) -> None:
        self.reads: list[bool] = []

    async def find_version(self, module: str, version: str, *, current: bool = False) -> Any:
        self.reads.append(current)
        return ModuleVersion(
            module, version, "sha256:" + "0" * 64, datetime.now(UTC), (), (), Source()
        )


async def test_a_changed_module_is_read_from_the_primary() -> None:
    metadata = RecordingMetadata()
    reader = VersionReader(metadata, MemoryCache(), ttl=60)  # type: ignore[arg-type]
    assert not reader.changed_recently("acme.a")
    await reader.find("acme.a", "v1.0.0")
    assert metadata.reads == [False]  # a replica may answer

    reader.drop_local("acme.a")  # what a deletion, or its broadcast, does
    assert reader.changed_recently("acme.a") and not reader.changed_recently("acme.b")
    await reader.find("acme.a", "v1.0.0")  # the shared cache still has it: no read
    await reader.find("acme.a", "v2.0.0")
    await reader.find("acme.b", "v1.0.0")
    assert metadata.reads == [False, True, False]
