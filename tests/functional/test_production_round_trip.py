"""The acceptance round trip on the production backends: `spoke serve` on PostgreSQL (with
a replica), S3 and Redis; googleapis pushed and pulled through the CLI; then the objects
are checked in the bucket at the documented keys and the rows in PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import asyncpg
import obstore
import pytest

from spoke.devstack.stack import Stack
from spoke.storage.factory import open_blobs
from tests.functional.live_server import cli, googleapis_tree, running_server, tree_bytes
from tests.production import as_environment, isolated_settings

pytestmark = pytest.mark.e2e


def test_googleapis_round_trip_on_postgres_s3_redis(stack: Stack, tmp_path: Path) -> None:
    settings = asyncio.run(isolated_settings(stack, tmp_path / "data"))
    source = googleapis_tree(tmp_path / "src")
    original = tree_bytes(source)
    with running_server(tmp_path, as_environment(settings)) as server:
        pushed = cli(server, "push", str(source), "-m", "googleapis", "-v", "v1.76.0")
        assert pushed.returncode == 0, pushed.stderr
        again = cli(server, "push", str(source), "-m", "googleapis", "-v", "v1.76.0")
        assert "already there" in again.stdout
        pulled = cli(server, "pull", "googleapis@v1.76.0", "-o", str(tmp_path / "out"))
        assert pulled.returncode == 0, pulled.stderr
        assert tree_bytes(tmp_path / "out") == original

    expected_keys = {
        f"modules/googleapis/v1.76.0/files/{hashlib.sha256(data).hexdigest()}.proto"
        for data in original.values()
    }

    async def stored() -> tuple[set[str], int, int]:
        blobs = open_blobs(settings)
        keys = {blob.key async for blob in blobs.list("modules/")}
        assert settings.postgres_url
        conn = await asyncpg.connect(settings.postgres_url)
        try:
            rows = await conn.fetchval("SELECT count(*) FROM files")
            versions = await conn.fetchval("SELECT count(*) FROM versions")
        finally:
            await conn.close()
        return keys, rows, versions

    keys, file_rows, version_rows = asyncio.run(stored())
    assert keys == expected_keys
    assert (file_rows, version_rows) == (len(original), 1)

    # The bucket holds them under the documented layout, below this test's prefix.
    raw = obstore.store.S3Store(
        settings.s3_bucket,
        config={
            "endpoint": settings.s3_endpoint or "",
            "access_key_id": settings.s3_access_key or "",
            "secret_access_key": settings.s3_secret_key or "",
            "region": settings.s3_region,
            "virtual_hosted_style_request": False,
        },
        client_options={"allow_http": True},
    )
    listed = {meta["path"] for batch in obstore.list(raw, settings.s3_prefix) for meta in batch}
    assert listed == {f"{settings.s3_prefix}/{key}" for key in expected_keys}
