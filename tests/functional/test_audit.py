"""The audit log: every write and every refused request, readable by admins only."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token


async def test_writes_and_denials_are_recorded(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"], sub="root"))
    assert (await push(client, "acme.a", "v1.0.0", headers=admin)).status_code == 201
    reader = bearer(await make_key(client, "read", name="reader"))
    assert_error(await push(client, "acme.a", "v1.0.1", headers=reader), 403)
    assert_error(await client.get("/modules"), 401)
    assert (await client.get("/modules", headers=reader)).status_code == 200  # reads: not logged

    events = (await client.get("/audit", headers=admin)).json()["items"]
    summary = [(e["principal"], e["action"], e["status"]) for e in events]
    assert summary == [
        ("anonymous", "GET /modules", 401),
        ("key:reader", "POST /modules/{name}/versions", 403),
        ("jwt:alice", "POST /auth/keys", 201),  # make_key signs as alice
        ("jwt:root", "POST /modules/{name}/versions", 201),
    ]
    assert all(e["request_id"] and e["client"] for e in events)
    assert events[1]["target"] == "/modules/acme.a/versions"

    denied = (await client.get("/audit", params={"denied": "true"}, headers=admin)).json()
    assert [e["status"] for e in denied["items"]] == [401, 403]
    by_root = (await client.get("/audit", params={"principal": "jwt:root"}, headers=admin)).json()
    assert {e["principal"] for e in by_root["items"]} == {"jwt:root"}
    posts = (await client.get("/audit", params={"action": "POST /auth"}, headers=admin)).json()
    assert [e["action"] for e in posts["items"]] == ["POST /auth/keys"]

    first = (await client.get("/audit", params={"limit": "2"}, headers=admin)).json()
    rest = (
        await client.get(
            "/audit", params={"limit": "2", "page_token": first["next_page_token"]}, headers=admin
        )
    ).json()
    # The audit reads above were GETs: still the same four events, paged without overlap.
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in events]

    assert_error(await client.get("/audit", headers=reader), 403, "forbidden")
    assert_error(await client.get("/audit", params={"page_token": "bad!"}, headers=admin), 400)


async def test_audit_without_auth_records_the_local_principal(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    events = (await client.get("/audit")).json()["items"]
    assert [(e["principal"], e["status"]) for e in events] == [("local", 201)]


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(e["principal"], e["action"], e["status"]) for e in events]


async def events(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/audit", params=params, headers=bearer(token(["admin"])))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_hidden_private_reads_are_recorded_as_denied(make_client: MakeClient) -> None:
    """A private module is a 404 to whom may not read it, like a missing one; the audit log
    records it as the refusal it is, with the principal. A true 404 read is not recorded."""
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"], sub="root"))
    private = {"name": "acme.secret", "public": False}
    assert (await client.post("/modules", json=private, headers=admin)).status_code == 201
    outsider = bearer(await make_key(client, "read:other.*", name="outsider"))
    insider = bearer(await make_key(client, "read:acme.*", name="insider"))
    assert_error(await client.get("/modules/acme.secret", headers=outsider), 404)
    assert_error(await client.get("/modules/acme.secret/versions", headers=outsider), 404)
    assert_error(await client.get("/modules/acme.none", headers=insider), 404)  # truly missing
    assert_error(await client.delete("/auth/keys/99999", headers=admin), 404)  # a write

    denied = await events(client, denied="true")
    assert summary(denied) == [
        ("key:outsider", "GET /modules/{name}/versions", 404),
        ("key:outsider", "GET /modules/{name}", 404),
    ]
    everything = summary(await events(client))
    assert ("jwt:root", "DELETE /auth/keys/{key_id}", 404) in everything
    assert not any(principal == "key:insider" for principal, _, _ in everything)


async def test_refusals_before_authentication_name_the_presented_key(
    make_client: MakeClient,
) -> None:
    """413, 415, 429 and 431 are answered before the router, a revoked key and a body that
    is not JSON before the access check: each is recorded, naming the key presented by its
    lookup prefix (never the secret)."""
    client = await make_client(
        auth_mode="required",
        jwt_secret=SECRET,
        oidc_audience=AUDIENCE,
        max_request_size=1024,
        rate_limit_read="6/minute",
    )
    key = await make_key(client, "write:acme.*", name="ci")
    revoked = await make_key(client, "read", name="gone")
    listed = (await client.get("/auth/keys", headers=bearer(token(["admin"])))).json()["items"]
    gone = next(k for k in listed if k["name"] == "gone")
    assert gone["prefix"] == revoked[:12]
    await client.delete(f"/auth/keys/{gone['id']}", headers=bearer(token(["admin"])))
    versions = "/modules/acme.a/versions"
    as_text = {**bearer(key), "Content-Type": "text/plain"}

    assert_error(await client.post(versions, content=b"{}", headers=as_text), 415)
    assert_error(await client.post(versions, content=b"{}", headers=as_text), 415)
    assert_error(await client.post(versions, json={"x": "y" * 2000}, headers=bearer(key)), 413)
    huge = {**bearer(key), "X-Padding": "p" * 40_000}
    assert_error(await client.get("/modules/acme.a", headers=huge), 431)
    not_json = {**bearer(key), "Content-Type": "application/json"}
    assert_error(await client.post(versions, content=b"{not json", headers=not_json), 400)
    assert_error(await client.get("/modules", headers=bearer(revoked)), 401)
    forged = jwt.encode({"sub": "root", "aud": AUDIENCE, "exp": 2**31}, "f" * 32, "HS256")
    assert_error(await client.get("/modules", headers=bearer(forged)), 401)
    statuses = [(await client.get("/modules", headers=bearer(key))).status_code for _ in range(8)]
    assert 429 in statuses

    presented = f"key-prefix:{key[:12]}"
    recorded = summary(await events(client, denied="true"))
    assert recorded[:1] == [(presented, "GET /modules", 429)]  # a flood: recorded once
    assert recorded.count((presented, "GET /modules", 429)) == 1
    fingerprint = next(p for p, _, _ in recorded if p.startswith("token-sha256:"))
    assert recorded[1:] == [
        (fingerprint, "GET /modules", 401),
        (f"key-prefix:{revoked[:12]}", "GET /modules", 401),
        # Refused before routing: the path stands for the route.
        (presented, "GET /modules/acme.a", 431),
        (presented, "POST /modules/acme.a/versions", 413),
        (presented, "POST /modules/acme.a/versions", 415),  # the repeat: not recorded
    ]
    writes = summary(await events(client, action="POST /modules/"))
    assert (presented, "POST /modules/{name}/versions", 400) in writes
    everything = str(await events(client))
    for secret in (key, revoked, key[12:30], forged):
        assert secret not in everything


async def test_refusals_without_auth_are_the_local_principal(client: httpx.AsyncClient) -> None:
    as_text = {"Content-Type": "text/plain", "Authorization": "Bearer spoke_ignored-here"}
    assert_error(await client.post("/modules", content=b"{}", headers=as_text), 415)
    recorded = (await client.get("/audit", params={"denied": "true"})).json()["items"]
    assert summary(recorded) == [("local", "POST /modules", 415)]
