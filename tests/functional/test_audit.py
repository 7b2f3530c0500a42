"""The audit log: every write and every refused request, readable by admins only."""

from __future__ import annotations

import httpx

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
