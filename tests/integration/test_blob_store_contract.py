"""The ``BlobStore`` contract: every backend in ``conftest.BLOB_BACKENDS`` must pass it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from spoke.domain.errors import NotFound
from spoke.domain.layout import file_key
from spoke.storage.blobs import BlobNotFound, BlobStore
from spoke.storage.blobs.objects import ObjectBlobStore

SHA = hashlib.sha256(b"syntax = 'proto3';").hexdigest()
KEY = f"modules/acme.pay/v1.0.0/files/{SHA}.proto"
FIVE_MIB = 5 * 1024 * 1024


async def collect(store: BlobStore, key: str) -> list[bytes]:
    return [chunk async for chunk in store.stream(key)]


@pytest.mark.parametrize(
    "data",
    [b"", b"x", b'syntax = "proto3";\n', bytes(range(256)) * 3],
    ids=["empty", "one-byte", "text", "binary"],
)
async def test_put_then_get_round_trips(blob_store: BlobStore, data: bytes) -> None:
    await blob_store.put(KEY, data)

    assert await blob_store.get(KEY) == data
    assert await blob_store.exists(KEY)


async def test_large_payload_round_trips(blob_store: BlobStore) -> None:
    data = os.urandom(FIVE_MIB)

    await blob_store.put(KEY, data)

    got = await blob_store.get(KEY)
    assert len(got) == FIVE_MIB
    assert got == data


async def test_put_is_idempotent(blob_store: BlobStore) -> None:
    await blob_store.put(KEY, b"same bytes")
    await blob_store.put(KEY, b"same bytes")

    assert await blob_store.get(KEY) == b"same bytes"


async def test_put_same_key_again_leaves_one_readable_object(blob_store: BlobStore) -> None:
    # Keys are content addressed, so a second put of a key carries the same bytes; the
    # object stays whole and readable (no duplicate, no truncation, no append).
    data = os.urandom(300_000)
    await blob_store.put(KEY, data)
    await blob_store.put(KEY, data)

    assert await blob_store.get(KEY) == data
    assert b"".join(await collect(blob_store, KEY)) == data
    await blob_store.delete(KEY)
    assert not await blob_store.exists(KEY)


async def test_keys_are_independent(blob_store: BlobStore) -> None:
    other = KEY.replace("v1.0.0", "v1.0.1")
    await blob_store.put(KEY, b"one")
    await blob_store.put(other, b"two")

    assert await blob_store.get(KEY) == b"one"
    assert await blob_store.get(other) == b"two"
    await blob_store.delete(KEY)
    assert await blob_store.get(other) == b"two"


async def test_get_missing_key_raises_blob_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(BlobNotFound) as caught:
        await blob_store.get("modules/nope/v1.0.0/files/missing.proto")

    assert isinstance(caught.value, NotFound)
    assert caught.value.details == {"key": "modules/nope/v1.0.0/files/missing.proto"}


async def test_get_missing_key_in_populated_store(blob_store: BlobStore) -> None:
    await blob_store.put(KEY, b"data")

    with pytest.raises(BlobNotFound):
        await blob_store.get(KEY + ".other")
    with pytest.raises(BlobNotFound):
        await blob_store.get("modules/acme.pay")  # a "directory", not an object


@pytest.mark.parametrize("size", [0, 10, 256 * 1024 + 1, FIVE_MIB], ids=str)
async def test_stream_chunks_join_to_the_bytes(blob_store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    await blob_store.put(KEY, data)

    chunks = await collect(blob_store, KEY)

    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert b"".join(chunks) == data


async def test_stream_missing_key_raises_on_first_iteration(blob_store: BlobStore) -> None:
    stream = blob_store.stream("modules/nope/v1.0.0/files/missing.proto")

    with pytest.raises(BlobNotFound) as caught:
        await anext(aiter(stream))

    assert isinstance(caught.value, NotFound)


async def test_exists(blob_store: BlobStore) -> None:
    assert not await blob_store.exists(KEY)

    await blob_store.put(KEY, b"")

    assert await blob_store.exists(KEY)
    assert not await blob_store.exists(KEY + ".other")


async def test_delete_removes_the_object(blob_store: BlobStore) -> None:
    await blob_store.put(KEY, b"data")

    await blob_store.delete(KEY)

    assert not await blob_store.exists(KEY)
    with pytest.raises(BlobNotFound):
        await blob_store.get(KEY)
    with pytest.raises(BlobNotFound):
        await collect(blob_store, KEY)


async def test_delete_missing_key_does_not_raise(blob_store: BlobStore) -> None:
    await blob_store.delete("modules/nope/v1.0.0/files/missing.proto")
    await blob_store.put(KEY, b"data")
    await blob_store.delete(KEY)
    await blob_store.delete(KEY)

    assert not await blob_store.exists(KEY)


async def test_put_after_delete(blob_store: BlobStore) -> None:
    await blob_store.put(KEY, b"first")
    await blob_store.delete(KEY)
    await blob_store.put(KEY, b"first")

    assert await blob_store.get(KEY) == b"first"


async def test_ping_on_empty_store(blob_store: BlobStore) -> None:
    await blob_store.ping()


async def test_ping_on_populated_store(blob_store: BlobStore) -> None:
    await blob_store.put(KEY, b"data")

    await blob_store.ping()


@pytest.mark.parametrize(
    "key",
    [
        f"modules/acme.pay/v1.0.0+b.1/files/{SHA}.proto",
        f"modules/acme.pay/v2.0.0-rc.1/files/{SHA}.proto",
        f"modules/acme_pay-v2/v0.0.1-alpha.beta+exp.sha.5114f85/files/{SHA}.md",
        file_key("acme.pay", "v1.0.0+b.1", SHA, "acme/pay/v1/pay.proto"),
    ],
    ids=["build", "prerelease", "punctuation", "layout"],
)
async def test_registry_keys_work(blob_store: BlobStore, key: str) -> None:
    await blob_store.put(key, b"message M {}")

    assert await blob_store.exists(key)
    assert await blob_store.get(key) == b"message M {}"
    assert b"".join(await collect(blob_store, key)) == b"message M {}"
    await blob_store.delete(key)
    assert not await blob_store.exists(key)


# Backend specific: where the local store puts its files.


def files_outside(root: Path, folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and root not in p.parents]


async def test_local_store_writes_under_its_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    store = ObjectBlobStore.local(root)
    try:
        key = f"modules/acme.pay/v1.0.0+b.1/files/{SHA}.proto"
        await store.put(key, b"message M {}")

        on_disk = root / key
        assert on_disk.is_file()
        assert on_disk.read_bytes() == b"message M {}"
        # Nothing escapes the root folder.
        assert files_outside(root, tmp_path) == []

        await store.delete(key)
        assert not on_disk.exists()
    finally:
        await store.close()


async def test_local_store_sees_objects_written_by_another_instance(tmp_path: Path) -> None:
    first, second = ObjectBlobStore.local(tmp_path), ObjectBlobStore.local(tmp_path)
    try:
        await first.put(KEY, b"shared")
        assert await second.get(KEY) == b"shared"
    finally:
        await first.close()
        await second.close()
