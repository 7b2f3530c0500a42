"""API keys: ``spoke_`` + 40 random URL-safe characters (240 bits). The token is shown once;
the store keeps its first characters (to find the row) and its SHA-256.

A key verified once is trusted in this process for a few seconds (``VerifiedKeys``, by the
SHA-256 of its token: the token itself is never kept), and its last use is written at most
once a minute, off the request: an authenticated request then costs what an anonymous one
does. Revoking a key forgets every verified key here at once and, through the cache's
broadcast, on every other instance; a lost broadcast is bounded by the few seconds.
Expiry is checked on every request.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from spoke.auth import Principal, Unauthenticated
from spoke.domain.access import Grant
from spoke.domain.errors import InvalidArgument
from spoke.domain.names import MAX_MODULE_NAME_LENGTH
from spoke.domain.text import refuse_unsafe
from spoke.storage.cache import Cache
from spoke.storage.keys import KeyRecord, KeyStore, NewKey

log = structlog.get_logger(__name__)

TOKEN_PREFIX = "spoke_"  # noqa: S105 - the public marker of a key, not a secret
_LOOKUP = 12  # characters of the token kept in clear to find its row


def lookup_prefix(token: str) -> str:
    """The characters of ``token`` kept in clear to find its row (and to name the key
    without its secret)."""
    return token[:_LOOKUP]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    record: KeyRecord
    token: str  # returned once, never stored


#: The broadcast that makes every instance forget the keys it verified.
KEYS_CHANGED = "keys:changed"
#: Seconds a verified key is trusted without asking the database (when no broadcast comes).
VERIFIED_TTL = 10.0
#: Seconds between two writes of one key's last use, per instance.
TOUCH_EVERY = 60.0


class VerifiedKeys:
    """Keys this process verified, by the SHA-256 of their token: at most ``size``, each
    for ``ttl`` seconds."""

    def __init__(
        self,
        *,
        ttl: float = VERIFIED_TTL,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, KeyRecord]] = OrderedDict()

    def get(self, digest: str) -> KeyRecord | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: str, record: KeyRecord) -> None:
        self._entries[digest] = (self._clock() + self._ttl, record)
        self._entries.move_to_end(digest)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class KeyService:
    def __init__(
        self,
        store: KeyStore,
        *,
        verified: VerifiedKeys | None = None,
        broadcast: Cache | None = None,
        touch_every: float = TOUCH_EVERY,
    ) -> None:
        """``verified``: the keys this process trusts for a while (shared by every
        KeyService of the process; None: every request asks the store). ``broadcast``: the
        cache whose broadcast tells the other instances that keys changed."""
        self._store = store
        self._verified = verified
        self._broadcast = broadcast
        self._touch_every = touch_every
        self._touched: dict[int, float] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def create(
        self, name: str, grants: list[str], *, created_by: str, expires_in_days: int | None
    ) -> CreatedKey:
        if not name or len(name) > MAX_MODULE_NAME_LENGTH:
            raise InvalidArgument("a key needs a name of 1 to 100 characters")
        refuse_unsafe(name, "a key name")
        parsed = [Grant.parse(text) for text in grants]
        if not parsed:
            raise InvalidArgument("a key needs at least one grant, such as read or write:acme.*")
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise InvalidArgument("expires_in_days must be between 1 and 3650")
        token = new_token()
        expires = (
            None if expires_in_days is None else datetime.now(UTC) + timedelta(days=expires_in_days)
        )
        record = await self._store.create(
            NewKey(
                name=name,
                prefix=token[:_LOOKUP],
                secret_hash=token_hash(token),
                grants=" ".join(str(g) for g in parsed),
                created_by=created_by,
                expires_at=expires,
            )
        )
        return CreatedKey(record, token)

    async def verify(self, token: str) -> Principal:
        """The key's principal; ``Unauthenticated`` for unknown, revoked or expired keys."""
        digest = token_hash(token)
        record = self._verified.get(digest) if self._verified is not None else None
        if record is None:
            record = await self._store.by_prefix(token[:_LOOKUP])
            # Compare in constant time, and hash even when no row matched, so timing says
            # nothing about which prefixes exist.
            expected = record.secret_hash if record else token_hash("")
            if not hmac.compare_digest(expected, digest) or record is None:
                raise Unauthenticated("the API key is not valid")
            if record.revoked_at is not None:
                raise Unauthenticated("the API key was revoked")
        now = datetime.now(UTC)
        if record.expires_at is not None and record.expires_at <= now:
            raise Unauthenticated("the API key has expired")
        if self._verified is not None:
            self._verified.put(digest, record)  # valid now: trusted for a few seconds
        self._note_use(record.id, now)
        return _principal(record.name, record.grants)

    def _note_use(self, key_id: int, now: datetime) -> None:
        """Write the key's last use at most every ``touch_every`` seconds, off the request
        (a failed write is logged: a last-use time is not worth a request)."""
        tick = time.monotonic()
        if tick - self._touched.get(key_id, -self._touch_every) < self._touch_every:
            return
        self._touched[key_id] = tick

        async def write() -> None:
            try:
                await self._store.touch(key_id, now)
            except Exception as exc:
                log.warning("could not record a key's last use", key=key_id, error=str(exc))

        task = asyncio.get_running_loop().create_task(write())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def forget_verified(self) -> None:
        """Keys changed on some instance: ask the store again for every key."""
        if self._verified is not None:
            self._verified.clear()

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        return await self._store.list(after=after, limit=limit)

    async def revoke(self, key_id: int) -> KeyRecord:
        """Revoke a key: refused at once here, and on every instance through the broadcast
        (within ``VERIFIED_TTL`` if the broadcast is lost)."""
        revoked = await self._store.revoke(key_id)
        self.forget_verified()
        if self._broadcast is not None:
            await self._broadcast.broadcast(KEYS_CHANGED)
        return revoked

    async def active_count(self) -> int:
        return await self._store.active_count()


@functools.lru_cache(maxsize=4096)
def _principal(name: str, grants: str) -> Principal:
    """A key's principal, parsed once per name and grant list, not once per request."""
    return Principal(f"key:{name}", tuple(Grant.parse(text) for text in grants.split()))
