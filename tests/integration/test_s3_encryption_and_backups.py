"""S3 server-side encryption and backups in a bucket of their own, against SeaweedFS."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from spoke.config import Settings
from spoke.devstack.seaweed import SeaweedServer, sigv4_headers
from spoke.devstack.stack import Stack
from spoke.services.backup import BackupService
from spoke.storage.blobs.objects import ObjectBlobStore
from spoke.storage.factory import open_backup_blobs, open_blobs, open_dumps
from tests.integration.test_backup import fill
from tests.production import as_environment, isolated_settings


def s3_request(s3: SeaweedServer, method: str, path: str) -> tuple[int, dict[str, str]]:
    """A signed, body-less request (HEAD an object, PUT a bucket): status and headers."""
    host = f"{s3.host}:{s3.port}"
    headers = sigv4_headers(
        method, host, path, {}, access_key=s3.access_key, secret_key=s3.secret_key
    )
    connection = http.client.HTTPConnection(s3.host, s3.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def store(stack: Stack, prefix: str, sse: str | None) -> ObjectBlobStore:
    s3 = stack.s3
    assert s3 is not None
    return ObjectBlobStore.s3(
        endpoint=s3.endpoint,
        bucket=s3.bucket,
        region="us-east-1",
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        prefix=prefix,
        sse=sse,
    )


def on_disk(s3: SeaweedServer, data: bytes) -> bool:
    """Whether ``data`` lies in clear in SeaweedFS's volume files."""
    return any(data in path.read_bytes() for path in s3.data_dir.rglob("*.dat"))


async def test_sse_s3_encrypts_what_is_written(stack: Stack) -> None:
    assert stack.s3 is not None
    prefix = "sse-" + uuid.uuid4().hex[:8]
    # Random bytes: SeaweedFS compresses text, which would hide it from the disk scan.
    secret, plain = os.urandom(4096), os.urandom(4096)
    encrypted = store(stack, prefix, "AES256")
    await encrypted.put("secret", secret)
    await store(stack, prefix, None).put("plain", plain)

    assert await encrypted.get("secret") == secret  # decrypted by the server
    status, headers = s3_request(stack.s3, "HEAD", f"/{stack.s3.bucket}/{prefix}/secret")
    assert status == 200 and headers.get("x-amz-server-side-encryption") == "AES256"
    status, headers = s3_request(stack.s3, "HEAD", f"/{stack.s3.bucket}/{prefix}/plain")
    assert status == 200 and "x-amz-server-side-encryption" not in headers
    # At rest: the unencrypted object lies in clear in the volume files, the other not.
    assert on_disk(stack.s3, plain)
    assert not on_disk(stack.s3, secret)


@pytest.fixture
async def with_backup_bucket(stack: Stack, tmp_path: Path) -> Settings:
    """Isolated settings whose backups go to a new bucket of their own."""
    assert stack.s3 is not None
    bucket = "backups-" + uuid.uuid4().hex[:8]
    status, _ = s3_request(stack.s3, "PUT", f"/{bucket}")
    assert status == 200
    return await isolated_settings(stack, tmp_path / "source", backup_bucket=bucket)


def spoke(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spoke", *args],
        env={**os.environ, **as_environment(settings)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_backups_in_their_own_bucket_survive_the_data_bucket(
    stack: Stack, tmp_path: Path, with_backup_bucket: Settings
) -> None:
    source = with_backup_bucket.model_copy(update={"backup_keep": 1})
    await fill(source)
    # `spoke backup` twice with SPOKE_BACKUP_KEEP=1 (no --keep): one backup stays.
    for _ in range(2):
        made = spoke(source, "backup")
        assert made.returncode == 0, made.stderr
    listed = spoke(source, "backup", "--list")
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert len(names) == 1 and names[0] == made.stdout.split()[1]

    # They are in the backup bucket, under the default prefix, and not beside the data.
    backups = open_backup_blobs(source)
    assert [b.key async for b in backups.list("")] == [f"{names[0]}.json", f"{names[0]}.sql.gz"]
    data = open_blobs(source)
    assert [b.key async for b in data.list("backups/")] == []

    # The data bucket's objects are lost: the backup is still there and restores.
    lost = [b.key async for b in data.list("")]
    assert lost
    for key in lost:
        await data.delete(key)
    target = await isolated_settings(stack, tmp_path / "target")
    target = source.model_copy(
        update={
            "postgres_url": target.postgres_url,
            "postgres_replica_urls": target.postgres_replica_urls,
        }
    )
    async with open_dumps(target) as restored:
        service = BackupService(restored, open_blobs(target), open_backup_blobs(target))
        result = await service.restore(names[0], restored)
    assert result.counts["versions"] == 3
    # The database is back; the files it names went with the data bucket, and it says so.
    assert result.files_checked == 4 and len(result.missing_blobs) == 4
