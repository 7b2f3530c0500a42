"""Whom a request counts against (``identity``) and the bad-token lockout (``Lockout``), on
the in-memory limiter."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from spoke.config import Settings
from spoke.ratelimit import Lockout, RateLimiter, credential, identity, limits_from_settings
from spoke.ratelimit.identity import bearer_token
from spoke.ratelimit.limiter import Counter

TOKEN = b"spoke_s3cr3t-T0ken_x"


def _scope(headers: list[tuple[bytes, bytes]], client: Any = ("10.0.0.7", 5555)) -> Any:
    return {"type": "http", "headers": headers, "client": client}


def _auth(value: bytes, client: Any = ("10.0.0.7", 5555)) -> Any:
    return _scope([(b"authorization", value)], client)


def test_identity_is_a_hash_of_the_normalised_credential_never_the_token() -> None:
    key = identity(_auth(b"Bearer " + TOKEN))
    assert key == "auth:" + hashlib.sha256(b"Bearer " + TOKEN).hexdigest()
    assert "s3cr3t" not in key and "Bearer" not in key
    assert identity(_scope([(b"Authorization", b"Bearer " + TOKEN)])) == key  # any header case


@pytest.mark.parametrize(
    "variant",
    [
        b"bearer " + TOKEN,
        b"BEARER " + TOKEN,
        b"BeArEr " + TOKEN,
        b"Bearer    " + TOKEN,
        b"Bearer \t" + TOKEN,
        b"  Bearer " + TOKEN + b"  ",
        b"Bearer " + TOKEN + b"\t",
    ],
)
def test_case_and_space_variants_are_one_credential(variant: bytes) -> None:
    """What the authenticator reads as one token is one budget, not one per spelling."""
    assert identity(_auth(variant)) == identity(_auth(b"Bearer " + TOKEN))
    assert bearer_token(variant) == TOKEN


def test_different_credentials_are_different_identities() -> None:
    one = identity(_auth(b"Bearer one"))
    two = identity(_auth(b"Bearer two"))
    assert one != two
    assert one == identity(_auth(b"Bearer one", client=("10.9.9.9", 1)))  # any address


@pytest.mark.parametrize(
    "header",
    [
        b"Basic not-base64!",
        b"Basic " + base64.b64encode(b"user-without-password"),
        b"Basic " + base64.b64encode(b"user:pass word"),  # no token could verify
        b"Bearer",
        b"Bearer ",
        b"Bearer two tokens",
        b"Bearertoken",
        b"Bearer\t" + TOKEN,  # the authenticator wants a space after the scheme
        b"Token " + TOKEN,
        b"Bearer " + TOKEN + b"\xff",
        b"anything at all",
    ],
)
def test_a_header_that_is_not_a_bearer_token_counts_against_the_address(header: bytes) -> None:
    assert bearer_token(header) is None
    assert identity(_auth(header)) == "ip:10.0.0.7"


def test_a_key_sent_by_pip_or_go_is_the_same_credential_as_a_bearer_token() -> None:
    """HTTP Basic with the API key as the password (any user name) counts against the key,
    as ``Authorization: Bearer <key>`` does: one budget, one lockout record."""
    basic = b"Basic " + base64.b64encode(b"__token__:" + TOKEN)
    assert bearer_token(basic) == TOKEN
    assert identity(_auth(basic)) == identity(_auth(b"Bearer " + TOKEN))
    assert credential(basic) == credential(b"Bearer " + TOKEN)


def test_identity_without_credential_is_the_client_address() -> None:
    assert identity(_scope([(b"accept", b"*/*")])) == "ip:10.0.0.7"
    assert identity(_scope([], client=None)) == "ip:unknown"


def test_without_auth_every_request_counts_against_its_address() -> None:
    """Auth mode ``none``: a credential means nothing, so it buys nothing."""
    for header in (b"Bearer one", b"Bearer two", b"made-up"):
        assert identity(_auth(header), credentials=False) == "ip:10.0.0.7"


def test_credential_hashes_what_is_not_a_bearer_token_as_sent() -> None:
    assert credential(b"Basic abc") == "auth:" + hashlib.sha256(b"Basic abc").hexdigest()
    assert credential(b"bearer  x") == credential(b"Bearer x")


class RecordingLimiter(RateLimiter):
    """The in-memory limiter, noting every record of a verified credential."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(limits_from_settings(Settings(**settings)))
        self.restarts: list[str] = []

    async def restart(self, counter: Counter, identity: str) -> None:
        self.restarts.append(identity)
        await super().restart(counter, identity)


@pytest.fixture
async def limiter() -> AsyncIterator[RecordingLimiter]:
    # 10 failures per address, so 2 per (address, credential).
    limiter = RecordingLimiter(rate_limit_auth_failures="10/minute")
    yield limiter
    await limiter.close()


ADDRESS = "ip:10.0.0.7"
GOOD = credential(b"Bearer good")


async def _fail(lockout: Lockout, address: str, token: bytes) -> int | None:
    """One request with ``token``: refused (seconds to wait), or let through to fail."""
    presented = credential(b"Bearer " + token)
    wait = await lockout.refusal(address, presented)
    if wait is None:
        await lockout.failed(address, presented)
    return wait


async def test_made_up_tokens_from_one_address_are_refused_after_the_address_limit(
    limiter: RecordingLimiter,
) -> None:
    lockout = Lockout(limiter)
    waits = [await _fail(lockout, ADDRESS, f"made-up-{i}".encode()) for i in range(14)]
    assert waits[:10] == [None] * 10
    assert all(wait is not None and 1 <= wait <= 60 for wait in waits[10:])
    # Another address is not affected.
    assert await lockout.refusal("ip:10.0.0.8", credential(b"Bearer new")) is None


async def test_one_bad_credential_locks_only_its_pair(limiter: RecordingLimiter) -> None:
    lockout = Lockout(limiter)
    waits = [await _fail(lockout, ADDRESS, b"typo") for _ in range(5)]
    assert waits[:2] == [None, None]
    assert all(wait is not None for wait in waits[2:])  # refused before the authenticator
    # Its refused requests added no failures: the address is far from its limit, so a
    # credential never seen before (not yet verified) is let through.
    assert await lockout.refusal(ADDRESS, credential(b"Bearer new-key")) is None
    # The same bad token from another address is another pair.
    assert await lockout.refusal("ip:10.0.0.8", credential(b"Bearer typo")) is None


async def test_a_verified_credential_passes_an_address_over_its_limit(
    limiter: RecordingLimiter,
) -> None:
    lockout = Lockout(limiter)
    await lockout.succeeded(GOOD)
    for i in range(10):
        await _fail(lockout, ADDRESS, f"made-up-{i}".encode())
    assert await _fail(lockout, ADDRESS, b"made-up-next") is not None
    assert await lockout.refusal(ADDRESS, GOOD) is None
    # Known on every instance sharing the storage, not only the one that saw it verify.
    assert await Lockout(limiter).refusal(ADDRESS, GOOD) is None
    # Never seen to verify: indistinguishable from a made-up token, so it waits.
    assert await lockout.refusal(ADDRESS, credential(b"Bearer never-seen")) is not None


async def test_a_verified_credential_that_starts_failing_is_locked_by_its_pair(
    limiter: RecordingLimiter,
) -> None:
    """A revoked key stays "verified" for a day, but its own failures still lock it."""
    lockout = Lockout(limiter)
    await lockout.succeeded(GOOD)
    for i in range(10):
        await _fail(lockout, ADDRESS, f"made-up-{i}".encode())
    for _ in range(2):
        assert await lockout.refusal(ADDRESS, GOOD) is None
        await lockout.failed(ADDRESS, GOOD)
    assert await lockout.refusal(ADDRESS, GOOD) is not None


async def test_a_verified_credential_is_recorded_once_per_renewal(
    limiter: RecordingLimiter,
) -> None:
    now = [0.0]
    lockout = Lockout(limiter, clock=lambda: now[0], remembered=2)
    for _ in range(3):
        await lockout.succeeded(GOOD)
    assert limiter.restarts == [GOOD]  # not one record per request
    now[0] = 12 * 3600 + 1  # half a day later it is renewed, before it lapses
    await lockout.succeeded(GOOD)
    assert limiter.restarts == [GOOD, GOOD]
    # Bounded memory: the oldest credentials are forgotten locally (the record stays).
    for name in (b"a", b"b"):
        await lockout.succeeded(credential(b"Bearer " + name))
    await lockout.succeeded(GOOD)
    assert limiter.restarts[-1] == GOOD
    assert await lockout.verified(credential(b"Bearer a"))
