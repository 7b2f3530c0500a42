"""API keys verified once are trusted for a few seconds, and never past a revocation or
their expiry; their last use is written at most once a minute, off the request."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from spoke.auth import Unauthenticated
from spoke.auth.keys import KEYS_CHANGED, KeyService, VerifiedKeys, token_hash
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.keys import KeyRecord, NewKey


class CountingKeys:
    """An in-memory ``KeyStore`` that counts what it is asked."""

    def __init__(self) -> None:
        self.rows: dict[int, KeyRecord] = {}
        self.lookups = 0
        self.touches: list[int] = []

    async def create(self, key: NewKey) -> KeyRecord:
        record = KeyRecord(
            id=len(self.rows) + 1,
            name=key.name,
            prefix=key.prefix,
            secret_hash=key.secret_hash,
            grants=key.grants,
            created_by=key.created_by,
            created_at=datetime.now(UTC),
            expires_at=key.expires_at,
            revoked_at=None,
            last_used_at=None,
        )
        self.rows[record.id] = record
        return record

    async def by_prefix(self, prefix: str) -> KeyRecord | None:
        self.lookups += 1
        return next((r for r in self.rows.values() if r.prefix == prefix), None)

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        return sorted(self.rows.values(), key=lambda r: r.id)[:limit]

    async def revoke(self, key_id: int) -> KeyRecord:
        self.rows[key_id] = dataclasses.replace(self.rows[key_id], revoked_at=datetime.now(UTC))
        return self.rows[key_id]

    async def touch(self, key_id: int, at: datetime) -> None:
        self.touches.append(key_id)

    async def active_count(self) -> int:
        return len(self.rows)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    for _ in range(3):  # let the background writes of last use run
        await asyncio.sleep(0)


async def test_a_verified_key_is_trusted_for_a_while_then_asked_again() -> None:
    store, clock = CountingKeys(), Clock()
    keys = KeyService(store, verified=VerifiedKeys(ttl=10, clock=clock))
    token = (await keys.create("ci", ["read"], created_by="t", expires_in_days=None)).token
    for _ in range(5):
        assert (await keys.verify(token)).subject == "key:ci"
    assert store.lookups == 1
    clock.now += 11
    await keys.verify(token)
    assert store.lookups == 2


async def test_a_wrong_token_is_never_trusted_from_the_cache() -> None:
    store = CountingKeys()
    keys = KeyService(store, verified=VerifiedKeys())
    token = (await keys.create("ci", ["read"], created_by="t", expires_in_days=None)).token
    await keys.verify(token)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", token[:20]):
        with pytest.raises(Unauthenticated):
            await keys.verify(forged)


async def test_a_revocation_takes_effect_at_once_here_and_is_broadcast() -> None:
    store, broadcast = CountingKeys(), MemoryCache()
    heard: list[str] = []
    listener = asyncio.create_task(broadcast.listen(heard.append))
    await asyncio.sleep(0)
    shared = VerifiedKeys()
    managing = KeyService(store, verified=shared, broadcast=broadcast)
    verifying = KeyService(store, verified=shared)  # the authenticator's, same process
    created = await managing.create("ci", ["read"], created_by="t", expires_in_days=None)
    await verifying.verify(created.token)
    await managing.revoke(created.record.id)
    with pytest.raises(Unauthenticated, match="revoked"):
        await verifying.verify(created.token)
    assert heard == [KEYS_CHANGED]
    listener.cancel()


async def test_another_instance_forgets_on_the_broadcast() -> None:
    store = CountingKeys()
    here = KeyService(store, verified=VerifiedKeys())
    there = KeyService(store, verified=VerifiedKeys())
    created = await here.create("ci", ["read"], created_by="t", expires_in_days=None)
    await there.verify(created.token)
    await here.revoke(created.record.id)
    await there.verify(created.token)  # still trusted: no broadcast reached it
    there.forget_verified()  # what the app's listener does on KEYS_CHANGED
    with pytest.raises(Unauthenticated, match="revoked"):
        await there.verify(created.token)


async def test_expiry_is_checked_on_every_request() -> None:
    store, verified = CountingKeys(), VerifiedKeys(ttl=3600)
    keys = KeyService(store, verified=verified)
    created = await keys.create("ci", ["read"], created_by="t", expires_in_days=1)
    await keys.verify(created.token)
    # A day later, the trusted record's expiry has passed (time is not injectable here).
    past = datetime.now(UTC) - timedelta(seconds=1)
    verified.put(token_hash(created.token), dataclasses.replace(store.rows[1], expires_at=past))
    with pytest.raises(Unauthenticated, match="expired"):
        await keys.verify(created.token)
    assert store.lookups == 1  # answered from the trusted record, and still refused


async def test_last_use_is_written_at_most_once_a_minute_per_key() -> None:
    store = CountingKeys()
    keys = KeyService(store, verified=VerifiedKeys(), touch_every=60)
    first = await keys.create("a", ["read"], created_by="t", expires_in_days=None)
    second = await keys.create("b", ["read"], created_by="t", expires_in_days=None)
    for _ in range(10):
        await keys.verify(first.token)
        await keys.verify(second.token)
    await settle()
    assert sorted(store.touches) == [1, 2]


async def test_a_failed_last_use_write_does_not_fail_the_request() -> None:
    store = CountingKeys()

    async def broken(key_id: int, at: datetime) -> None:
        raise ConnectionError("the database went away")

    store.touch = broken  # type: ignore[method-assign]
    keys = KeyService(store, verified=VerifiedKeys())
    token = (await keys.create("ci", ["read"], created_by="t", expires_in_days=None)).token
    assert (await keys.verify(token)).subject == "key:ci"
    await settle()
