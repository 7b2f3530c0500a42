"""Backups and verified restores, on SQLite and on PostgreSQL (with S3)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.devstack.stack import Stack
from spoke.domain.errors import InvalidArgument, NotFound
from spoke.services.backup import BackupService
from spoke.storage.factory import open_backup_blobs, open_blobs, open_dumps
from tests.functional.support import PROTO_A, push
from tests.production import isolated_settings

EXTRA = 'syntax = "proto3";\npackage acme.b.v1;\nmessage B {}\n'


async def fill(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"sprocket_languages": "none"}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
        ) as client,
    ):
        for version in ("v1.0.0", "v1.1.0"):
            assert (await push(client, "acme.a", version)).status_code == 201
        tree = {"acme/b/v1/b.proto": EXTRA, "acme/a/v1/a.proto": PROTO_A}
        assert (await push(client, "acme.b", "v1.0.0", tree)).status_code == 201


async def read_back(settings: Settings) -> list[str]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
        ) as client,
    ):
        listed = (await client.get("/modules/acme.a/versions")).json()
        file = await client.get("/modules/acme.b/versions/v1.0.0/files/acme/b/v1/b.proto")
        assert file.text == EXTRA
        return [v["version"] for v in listed["items"]]


@pytest.fixture(params=["sqlite", "postgres"])
async def pair(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, Settings]:
    """A source registry's settings and an empty target's (same object storage)."""
    if request.param == "sqlite":
        source = Settings(data_dir=tmp_path / "source")
        # The same files (blob root) under a new, empty database.
        target = Settings(data_dir=tmp_path / "target")
        (tmp_path / "target").mkdir()
        (tmp_path / "target" / "blobs").symlink_to(tmp_path / "source" / "blobs")
        return source, target
    stack: Stack = request.getfixturevalue("stack")
    source = await isolated_settings(stack, tmp_path / "source")
    fresh = await isolated_settings(stack, tmp_path / "target")
    target = source.model_copy(
        update={
            "postgres_url": fresh.postgres_url,
            "postgres_replica_urls": fresh.postgres_replica_urls,
        }
    )
    return source, target


async def test_backup_restore_verify(pair: tuple[Settings, Settings]) -> None:
    source, target = pair
    await fill(source)
    blobs = open_blobs(source)
    async with open_dumps(source) as dumps:
        service = BackupService(dumps, blobs, open_backup_blobs(source))
        first = await service.create()
        assert first.counts["versions"] == 3 and first.counts["files"] == 4
        second = await service.create(keep=1)
        assert [b.name for b in await service.list()] == [second.name]

    async with open_dumps(target) as restored:
        result = await service.restore(second.name, restored)
    assert result.counts == second.counts and result.missing_blobs == []
    assert result.files_checked == 4
    assert await read_back(target) == ["v1.1.0", "v1.0.0"]

    async with open_dumps(target) as restored:
        with pytest.raises(InvalidArgument, match="empty"):
            await service.restore(second.name, restored)  # not empty any more
        with pytest.raises(NotFound):
            await service.restore(first.name, restored)  # pruned by --keep 1
    with pytest.raises(InvalidArgument):
        await service.create(keep=0)


async def test_restore_reports_missing_blobs(tmp_path: Path) -> None:
    source = Settings(data_dir=tmp_path / "source")
    await fill(source)
    async with open_dumps(source) as dumps:
        service = BackupService(dumps, open_blobs(source), open_backup_blobs(source))
        made = await service.create()
    lost = next((tmp_path / "source" / "blobs" / "modules" / "acme.b").rglob("*.proto"))
    lost.unlink()
    target = Settings(data_dir=tmp_path / "target")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "blobs").symlink_to(tmp_path / "source" / "blobs")
    async with open_dumps(target) as restored:
        result = await service.restore(made.name, restored)
    assert len(result.missing_blobs) == 1


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    import asyncio
    import os
    import subprocess
    import sys

    asyncio.run(fill(Settings(data_dir=tmp_path / "source")))

    def spoke(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SPOKE_DATA_DIR": str(data_dir)}
        return subprocess.run(
            [sys.executable, "-m", "spoke", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    made = spoke(tmp_path / "source", "backup", "--keep", "3")
    assert made.returncode == 0, made.stderr
    name = made.stdout.split()[1]
    assert name in spoke(tmp_path / "source", "backup", "--list").stdout
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "blobs").symlink_to(tmp_path / "source" / "blobs")
    restored = spoke(tmp_path / "target", "restore", name)
    assert restored.returncode == 0, restored.stderr
    assert "4 files checked" in restored.stdout
    again = spoke(tmp_path / "target", "restore", name)
    assert again.returncode == 1 and "empty database" in again.stderr
    missing = spoke(tmp_path / "target", "restore", "spoke-backup-nope")
    assert missing.returncode == 1 and "no backup named" in missing.stderr
