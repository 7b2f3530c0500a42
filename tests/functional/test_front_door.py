"""The front door (``spoke.api.middleware.hot_reads``) answers a remembered read only as
the whole stack would: CORS, oversized headers and exhausted budgets are still answered by
the stack, and a hit carries the same headers as the route's answer."""

from __future__ import annotations

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push

PINNED = "/modules/acme.a/versions/v1.0.0"


async def test_a_cors_request_gets_its_cors_headers_from_memory_too(
    make_client: MakeClient,
) -> None:
    client = await make_client(cors_origins="https://ui.example")
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    origin = {"Origin": "https://ui.example"}
    for _ in range(3):
        response = await client.get(PINNED, headers=origin)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://ui.example"
    plain = await client.get(PINNED)
    assert "access-control-allow-origin" not in plain.headers


async def test_a_hit_is_the_routes_answer_with_fresh_per_request_headers(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    first = await client.get(PINNED)
    hit = await client.get(PINNED, headers={"X-Request-ID": "trace-me-1"})
    assert hit.content == first.content
    assert hit.headers["x-request-id"] == "trace-me-1"
    assert sorted(hit.headers.keys()) == sorted(first.headers.keys())
    for name in ("x-content-type-options", "x-frame-options", "etag", "cache-control"):
        assert hit.headers[name] == first.headers[name]
    assert int(hit.headers["ratelimit-remaining"]) < int(first.headers["ratelimit-remaining"])
    unsafe = await client.get(PINNED, headers={"X-Request-ID": "bad id;\tx"})
    assert len(unsafe.headers["x-request-id"]) == 32  # replaced, not echoed


async def test_oversized_headers_and_spent_budgets_are_refused_though_remembered(
    make_client: MakeClient,
) -> None:
    client = await make_client(rate_limit_read="3/hour")
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    assert (await client.get(PINNED)).status_code == 200
    huge = {"X-Padding": "x" * (33 * 1024)}
    assert_error(await client.get(PINNED, headers=huge), 431, "headers_too_large")
    statuses = [(await client.get(PINNED)).status_code for _ in range(4)]
    assert statuses.count(200) == 1 and statuses[1:] == [429] * 3, statuses
    assert_error(await client.get(PINNED), 429, "rate_limited")


async def test_only_what_anyone_may_read_is_for_shared_caches(make_client: MakeClient) -> None:
    """In read-public mode a public module's answers may be kept by shared caches
    (``public``); a private module's, which need a credential, are ``private``."""
    import time

    import jwt

    secret = "front-door-" + "s" * 32
    admin = {
        "Authorization": "Bearer "
        + jwt.encode({"sub": "a", "roles": ["admin"], "exp": time.time() + 86_400}, secret)
    }
    client = await make_client(auth_mode="read-public", jwt_secret=secret)
    assert (await push(client, "acme.a", "v1.0.0", headers=admin)).status_code == 201
    assert (await push(client, "acme.b", "v1.0.0", headers=admin)).status_code == 201
    hidden = await client.patch("/modules/acme.b", json={"public": False}, headers=admin)
    assert hidden.status_code == 200
    for _ in range(2):
        shown = await client.get("/modules/acme.a/versions/v1.0.0")
        assert shown.headers["cache-control"] == "public, max-age=31536000, immutable"
        kept = await client.get("/modules/acme.b/versions/v1.0.0", headers=admin)
        assert kept.headers["cache-control"] == "private, max-age=31536000, immutable"
        assert_error(await client.get("/modules/acme.b/versions/v1.0.0"), 404)
