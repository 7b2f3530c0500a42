"""After every fault: each push the registry acknowledged is in the database (read from
the primary) and its every file is in object storage with the bytes that were sent."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from spoke.config import Settings
from spoke.domain.errors import VersionNotFound
from spoke.domain.layout import file_key
from spoke.storage.blobs import BlobNotFound
from spoke.storage.factory import open_blobs, open_metadata


def cluster_settings(env: Mapping[str, str]) -> Settings:
    """The instances' settings, reading the primary only (a replica may lag)."""
    values = {key.removeprefix("SPOKE_").lower(): value for key, value in env.items()}
    values["postgres_replica_urls"] = ""
    return Settings.model_validate(values)


async def missing_or_wrong(
    env: Mapping[str, str], module: str, acknowledged: Mapping[str, Mapping[str, bytes]]
) -> list[str]:
    """Every problem found with the acknowledged versions (empty: all intact)."""
    settings = cluster_settings(env)
    metadata = open_metadata(settings)
    blobs = open_blobs(settings)
    problems: list[str] = []
    try:
        for version, files in acknowledged.items():
            try:
                stored = await metadata.get_version(module, version)
            except VersionNotFound:
                problems.append(f"{version}: acknowledged but not in the database")
                continue
            if {entry.path for entry in stored.files} != set(files):
                problems.append(f"{version}: files {sorted(e.path for e in stored.files)}")
            for path, content in files.items():
                entry = stored.file(path)
                digest = hashlib.sha256(content).hexdigest()
                if entry is None or entry.sha256 != digest:
                    problems.append(f"{version} {path}: recorded digest differs")
                    continue
                try:
                    data = await blobs.get(file_key(module, version, digest, path))
                except BlobNotFound:
                    problems.append(f"{version} {path}: recorded but not in object storage")
                    continue
                if data != content:
                    problems.append(f"{version} {path}: object storage holds other bytes")
    finally:
        await metadata.close()
        await blobs.close()
    return problems
