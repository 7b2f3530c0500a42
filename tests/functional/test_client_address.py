"""The client address behind proxies (``SPOKE_TRUSTED_PROXIES``): X-Forwarded-For is
believed from trusted peers only, for rate limits, the bad-token lockout and the audit log.

The ASGI transport's peer is 127.0.0.1, as a local process (or a sidecar) would be.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def _remaining(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/modules", headers=headers)
    assert response.status_code == 200
    return response.headers["RateLimit-Remaining"]


async def _audited_client(client: httpx.AsyncClient, headers: dict[str, str]) -> Any:
    """Push with ``headers``; the client address its audit event records."""
    assert (await push(client, "acme.a", "v1.0.0", headers=headers)).status_code == 201
    events = (await client.get("/audit", params={"action": "POST"})).json()["items"]
    return events[0]["client"]


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(make_client: MakeClient) -> None:
    """The default trusts no proxy, not even 127.0.0.1: a local client cannot choose its
    address, so it gets no fresh budget and no made-up address in the audit log."""
    client = await make_client(rate_limit_read="2/minute")
    assert await _remaining(client, forwarded("203.0.113.1")) == "1"
    assert await _remaining(client, forwarded("203.0.113.2")) == "0"
    assert_error(await client.get("/modules", headers=forwarded("203.0.113.3")), 429)
    audited = await make_client()
    assert await _audited_client(audited, forwarded("203.0.113.4")) == "127.0.0.1"


@pytest.mark.parametrize("trusted", ["127.0.0.1", "127.0.0.0/8", "10.0.0.0/8, 127.0.0.0/24"])
async def test_forwarded_for_from_a_trusted_peer_is_believed(
    make_client: MakeClient, trusted: str
) -> None:
    client = await make_client(rate_limit_read="2/minute", trusted_proxies=trusted)
    for _ in range(2):
        await _remaining(client, forwarded("203.0.113.1"))
    assert_error(await client.get("/modules", headers=forwarded("203.0.113.1")), 429)
    assert await _remaining(client, forwarded("203.0.113.2")) == "1"  # another client
    # Without X-Forwarded-For the peer itself is the client.
    assert await _remaining(client, {}) == "1"
    assert await _audited_client(client, forwarded("203.0.113.4")) == "203.0.113.4"


async def test_the_client_is_the_last_address_no_trusted_proxy_added(
    make_client: MakeClient,
) -> None:
    """Each proxy appends the address it saw: what the client wrote itself at the front
    (a spoofed first entry) is not believed, only what the first trusted hop saw."""
    client = await make_client(trusted_proxies="127.0.0.1,10.0.0.0/8")
    chain = forwarded("198.51.100.9, 203.0.113.7, 10.1.2.3")
    assert await _audited_client(client, chain) == "203.0.113.7"


async def test_a_peer_outside_the_trusted_set_is_not_believed(make_client: MakeClient) -> None:
    client = await make_client(trusted_proxies="10.0.0.0/8")
    assert await _audited_client(client, forwarded("203.0.113.4")) == "127.0.0.1"


async def test_behind_a_trusted_proxy_bad_tokens_lock_out_only_their_client(
    make_client: MakeClient,
) -> None:
    """One client's made-up tokens fill its own address's failures, not the proxy's."""
    client = await make_client(
        auth_mode="required",
        jwt_secret="s" * 40,
        trusted_proxies="127.0.0.1",
        rate_limit_auth_failures="3/minute",
    )
    statuses = [
        (
            await client.get(
                "/modules",
                headers={"Authorization": f"Bearer fake-{i}", **forwarded("203.0.113.1")},
            )
        ).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    other = {"Authorization": "Bearer fake-other", **forwarded("203.0.113.2")}
    assert (await client.get("/modules", headers=other)).status_code == 401  # not 429
