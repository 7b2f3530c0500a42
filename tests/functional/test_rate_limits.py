"""Rate limits over HTTP: per route class and client, shared by instances through Redis."""

from __future__ import annotations

import os
import time
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import jwt

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.devstack.stack import Stack
from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.production import isolated_settings

COMPILE = "/modules/acme.a/versions/v1.0.0/compile/nosuchlanguage"
SECRET = "rate-limit-tests-" + "s" * 32


def bearer(subject: str) -> dict[str, str]:
    """A new valid JWT for ``subject`` (read on everything): each call, another token."""
    claims = {
        "sub": subject,
        "roles": ["read"],
        "exp": time.time() + 86_400,
        "jti": os.urandom(8).hex(),
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


async def _auth_client(make_client: MakeClient, **overrides: str) -> httpx.AsyncClient:
    return await make_client(auth_mode="required", jwt_secret=SECRET, **overrides)


def _rate_limited(client: httpx.AsyncClient, route_class: str) -> float:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    value = registry.get_sample_value("spoke_rate_limited_total", {"class": route_class})
    return float(value or 0)


async def test_a_burst_over_the_limit_is_refused_with_429(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_read="5/minute")
    for remaining in (4, 3, 2, 1, 0):
        response = await client.get("/modules")
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Remaining"] == str(remaining)
        assert 0 <= int(response.headers["RateLimit-Reset"]) <= 60

    refused = await client.get("/modules")
    error = assert_error(refused, 429, "rate_limited")
    assert error["details"] == {"class": "read", "limit": "5 per 1 minute"}
    assert "read" in error["message"]
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.headers["RateLimit-Limit"] == "5"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == str(retry_after)
    assert refused.headers["X-Request-ID"]  # refused inside the request context
    assert _rate_limited(client, "read") == 1


async def test_precomputed_reads_are_limited_too(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_read="3/minute")
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    statuses = [(await client.get("/modules/acme.a/versions/v1.0.0")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_each_credential_has_its_own_budget(make_client: MakeClient) -> None:
    client = await _auth_client(make_client, rate_limit_read="2/minute")
    alice, bob = bearer("alice"), bearer("bob")
    assert [(await client.get("/modules", headers=alice)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    bobs = await client.get("/modules", headers=bob)
    assert bobs.status_code == 200 and bobs.headers["RateLimit-Remaining"] == "1"
    anonymous = await client.get("/modules")  # keyed by the client address instead
    assert anonymous.status_code == 401 and anonymous.headers["RateLimit-Remaining"] == "1"
    assert_error(await client.get("/modules", headers=alice), 429, "rate_limited")


async def test_spellings_of_one_token_share_one_budget(make_client: MakeClient) -> None:
    """The scheme in any case and spaces around the token are the same credential."""
    client = await _auth_client(make_client, rate_limit_read="4/minute")
    token = bearer("alice")["Authorization"].removeprefix("Bearer ")
    spellings = [f"Bearer {token}", f"bearer {token}", f"BEARER   {token}", f"Bearer {token}  "]
    remaining = []
    for spelling in spellings:
        response = await client.get("/modules", headers={"Authorization": spelling})
        assert response.status_code == 200
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["3", "2", "1", "0"]
    refused = await client.get("/modules", headers={"Authorization": f"bEaReR {token}"})
    assert_error(refused, 429, "rate_limited")
    assert (await client.get("/modules", headers=bearer("bob"))).status_code == 200


async def test_made_up_headers_without_auth_share_the_address_budget(
    make_client: MakeClient,
) -> None:
    """Auth mode ``none``: a credential means nothing, so inventing one buys no budget."""
    client = await make_client(rate_limit_read="3/minute")
    headers = [
        {"Authorization": "Bearer made-up-1"},
        {"Authorization": "Basic bWFkZTp1cA=="},
        {"Authorization": "anything"},
    ]
    assert [(await client.get("/modules", headers=h)).status_code for h in headers] == [200] * 3
    for made_up in ({"Authorization": "Bearer made-up-2"}, {}):
        assert_error(await client.get("/modules", headers=made_up), 429, "rate_limited")


async def test_lint_and_breaking_checks_count_as_compiles(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_compile="2/minute")
    body = {"files": [{"path": "a.proto", "content": 'syntax = "proto3";\npackage a;\n'}]}
    assert (await client.post("/lint", json=body)).headers["RateLimit-Limit"] == "2"
    checked = await client.post("/modules/acme.nothing/breaking", json=body | {"against": "v1.0.0"})
    assert checked.status_code != 429 and checked.headers["RateLimit-Remaining"] == "0"
    error = assert_error(await client.post("/lint", json=body), 429, "rate_limited")
    assert error["details"]["class"] == "compile"
    assert (await client.get("/modules")).status_code == 200  # reads are another budget


async def test_route_classes_have_separate_budgets(make_client: MakeClient) -> None:
    client = await make_client(
        rate_limit_read="2/minute", rate_limit_write="2/minute", rate_limit_compile="1/minute"
    )
    for _ in range(2):
        assert (await client.get("/modules")).status_code == 200
    assert_error(await client.get("/modules"), 429, "rate_limited")

    pushed = await push(client, "acme.a", "v1.0.0")  # reads exhausted, writes are not
    assert pushed.status_code == 201
    assert pushed.headers["RateLimit-Limit"] == "2"
    assert pushed.headers["RateLimit-Remaining"] == "1"

    first = await client.post(COMPILE)  # an unknown language: still a compile request
    assert first.status_code != 429 and first.headers["RateLimit-Limit"] == "1"
    error = assert_error(await client.post(COMPILE), 429, "rate_limited")
    assert error["details"]["class"] == "compile"
    assert (await client.patch("/modules/acme.a", json={})).status_code != 429
    assert_error(await client.patch("/modules/acme.a", json={}), 429, "rate_limited")
    assert [_rate_limited(client, c) for c in ("read", "write", "compile")] == [1, 1, 1]


async def test_disabled_rate_limits_add_nothing(make_client: MakeClient) -> None:
    client = await make_client(rate_limits_enabled=False, rate_limit_read="1/minute")
    for _ in range(3):
        response = await client.get("/modules")
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers


async def test_two_instances_on_one_redis_share_one_budget(stack: Stack, tmp_path: Path) -> None:
    """Each instance admits at most its share (here 1) of the budget between two syncs
    without asking Redis (``spoke.ratelimit.limiter``): a client alternating between two
    instances gets the budget, at most one request more, then 429 from both."""
    limit = 6
    settings: Settings = await isolated_settings(stack, tmp_path, rate_limit_read=f"{limit}/minute")
    async with AsyncExitStack() as exits:
        clients = []
        for _ in range(2):
            app = create_app(settings)
            await exits.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
            )
            clients.append(await exits.enter_async_context(client))
        a, b = clients
        statuses = [(await client.get("/modules")).status_code for client in (a, b) * limit]
        admitted = statuses.count(200)
        assert limit <= admitted <= limit + 1, statuses
        assert statuses[admitted:] == [429] * (len(statuses) - admitted)  # never admitted again
        assert_error(await a.get("/modules"), 429, "rate_limited")
        assert_error(await b.get("/modules"), 429, "rate_limited")


async def test_made_up_tokens_do_not_escape_the_limits(make_client: MakeClient) -> None:
    """A new fake credential per request gets a fresh per-credential budget, but every 401
    counts against the client address, which is then refused."""
    client = await make_client(
        auth_mode="required",
        jwt_secret="s" * 40,
        rate_limit_auth_failures="3/minute",
    )
    statuses = [
        (await client.get("/modules", headers={"Authorization": f"Bearer fake-{i}"})).status_code
        for i in range(6)
    ]
    assert statuses == [401, 401, 401, 429, 429, 429]
    refused = await client.get("/modules", headers={"Authorization": "Bearer fake-again"})
    error = assert_error(refused, 429, "rate_limited")
    assert error["details"] == {"class": "auth_failure"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _rate_limited(client, "auth_failure") == 4


async def test_a_bad_credential_does_not_lock_out_valid_ones_from_its_address(
    make_client: MakeClient,
) -> None:
    """Failures count per address (10 here) and per address and credential (a fifth: 2).
    One client retrying a bad token locks out only that token; an address inventing tokens
    is refused, except for credentials already seen to verify."""
    client = await _auth_client(make_client, rate_limit_auth_failures="10/minute")
    alice = bearer("alice")
    assert (await client.get("/modules", headers=alice)).status_code == 200  # verified
    typo = {"Authorization": "Bearer not-quite-alices-token"}
    assert [(await client.get("/modules", headers=typo)).status_code for _ in range(4)] == [
        401,
        401,
        429,
        429,
    ]
    # Another client behind the same address: its credential works, new or known.
    bob = bearer("bob")
    assert (await client.get("/modules", headers=bob)).status_code == 200
    assert (await client.get("/modules", headers=alice)).status_code == 200

    # Now made-up tokens: 8 more failures fill the address's 10, then they are refused.
    invented = [
        (await client.get("/modules", headers={"Authorization": f"Bearer x-{i}"})).status_code
        for i in range(10)
    ]
    assert invented == [401] * 8 + [429] * 2
    # Credentials that verified before still pass; one never seen waits with the rest.
    assert (await client.get("/modules", headers=alice)).status_code == 200
    lower = {"Authorization": bob["Authorization"].replace("Bearer ", "bearer  ")}
    assert (await client.get("/modules", headers=lower)).status_code == 200
    assert_error(await client.get("/modules", headers=bearer("carol")), 429, "rate_limited")
