"""Precomputed answers to immutable reads serve authenticated callers too, and never one
the route would refuse: a missing or revoked credential, a private module, a module just
made private. Every refusal is still answered (and audited) by the route."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push

SECRET = "test-secret-" + "x" * 32
PATHS = (
    "/modules/acme.a/versions/v1.0.0",
    "/modules/acme.a/versions/v1.0.0/files/acme/a/v1/a.proto",
)


def bearer(*roles: str) -> dict[str, str]:
    claims = {"sub": "-".join(roles) or "nobody", "roles": list(roles), "exp": time.time() + 86_400}
    return {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}


ADMIN = bearer("admin")


@pytest.fixture
async def registry(make_client: MakeClient) -> httpx.AsyncClient:
    client = await make_client(auth_mode="required", jwt_secret=SECRET)
    assert (await push(client, "acme.a", "v1.0.0", headers=ADMIN)).status_code == 201
    for path in PATHS:  # the first answer is remembered, the second comes from memory
        for _ in range(2):
            assert (await client.get(path, headers=ADMIN)).status_code == 200
    assert len(client.app.state.response_cache) == len(PATHS)  # type: ignore[attr-defined]
    return client


async def test_a_reader_is_served_from_memory(registry: httpx.AsyncClient) -> None:
    reader = bearer("read:acme.*")
    for path in PATHS:
        first = await registry.get(path, headers=reader)
        assert first.status_code == 200
        again = await registry.get(path, headers={**reader, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304


async def test_no_credential_or_a_bad_one_is_refused_as_by_the_route(
    registry: httpx.AsyncClient,
) -> None:
    for path in PATHS:
        assert_error(await registry.get(path), 401, "unauthenticated")
        assert_error(await registry.get(path, headers={"Authorization": "Bearer nope"}), 401)


async def test_a_revoked_key_is_refused_at_once(registry: httpx.AsyncClient) -> None:
    made = await registry.post("/auth/keys", json={"name": "ci", "grants": ["read"]}, headers=ADMIN)
    key = {"Authorization": f"Bearer {made.json()['token']}"}
    assert (await registry.get(PATHS[0], headers=key)).status_code == 200
    assert (
        await registry.delete(f"/auth/keys/{made.json()['id']}", headers=ADMIN)
    ).status_code == 200
    for path in PATHS:
        assert_error(await registry.get(path, headers=key), 401, "unauthenticated")


async def test_a_module_made_private_is_hidden_at_once(registry: httpx.AsyncClient) -> None:
    stranger = bearer("read:other.*")
    assert (await registry.get(PATHS[0], headers=stranger)).status_code == 200  # public
    hide = await registry.patch("/modules/acme.a", json={"public": False}, headers=ADMIN)
    assert hide.status_code == 200
    for path in PATHS:
        assert_error(await registry.get(path, headers=stranger), 404, "module_not_found")
        assert (await registry.get(path, headers=bearer("read:acme.a"))).status_code == 200
    # The hidden reads are refusals in the audit log, as the route records them.
    denied = await registry.get("/audit", params={"denied": "true"}, headers=ADMIN)
    assert any(e["status"] == 404 for e in denied.json()["items"])


async def test_what_needs_a_credential_is_never_for_shared_caches(
    registry: httpx.AsyncClient,
) -> None:
    """``public`` would let a CDN or proxy keep an answer given to a credential (RFC 9111
    §3.5) and hand it to anyone: with auth required every answer is ``private``, the
    remembered ones too."""
    for path in (*PATHS, "/modules/acme.a/versions/latest", "/modules/acme.a/versions"):
        for _ in range(2):
            answer = await registry.get(path, headers=ADMIN)
            assert answer.status_code == 200
            assert answer.headers["cache-control"].startswith("private, "), path
