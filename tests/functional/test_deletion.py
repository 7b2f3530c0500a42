"""Deleting and restoring: soft (hidden, restorable), permanent (gone with its files),
refused while others depend on it; admin only."""

from __future__ import annotations

import httpx

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token

V = "/modules/acme.a/versions"
DEPENDENT = {
    "acme/b/v1/b.proto": 'syntax = "proto3";\npackage acme.b.v1;\n'
    'import "acme/a/v1/a.proto";\nmessage B { acme.a.v1.A a = 1; }\n'
}


async def test_soft_delete_and_restore_a_version(client: httpx.AsyncClient) -> None:
    for version in ("v1.0.0", "v1.1.0"):
        assert (await push(client, "acme.a", version)).status_code == 201
    # Warm every cache: metadata, latest, files (precomputed responses).
    assert (await client.get(f"{V}/v1.1.0")).status_code == 200
    assert (await client.get(f"{V}/latest")).json()["version"] == "v1.1.0"
    assert (await client.get(f"{V}/v1.1.0/files/acme/a/v1/a.proto")).status_code == 200

    deleted = await client.delete(f"{V}/v1.1.0")
    assert deleted.status_code == 200 and deleted.json()["permanent"] is False
    assert_error(await client.get(f"{V}/v1.1.0"), 404, "version_not_found")
    assert_error(await client.get(f"{V}/v1.1.0/files/acme/a/v1/a.proto"), 404)
    assert (await client.get(f"{V}/latest")).json()["version"] == "v1.0.0"
    assert [v["version"] for v in (await client.get(V)).json()["items"]] == ["v1.0.0"]
    assert_error(await push(client, "acme.a", "v1.1.0"), 409, "deleted")
    assert_error(await client.delete(f"{V}/v1.1.0"), 404)

    assert (await client.post(f"{V}/v1.1.0/restore")).status_code == 200
    assert (await client.get(f"{V}/latest")).json()["version"] == "v1.1.0"
    assert (await client.get(f"{V}/v1.1.0/files/acme/a/v1/a.proto")).status_code == 200
    assert_error(await client.post(f"{V}/v1.1.0/restore"), 404)


async def test_dependents_block_deletion(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    deps = [{"module": "acme.a", "version": "v1.0.0"}]
    assert (await push(client, "acme.b", "v1.0.0", DEPENDENT, dependencies=deps)).status_code == 201
    for attempt in (f"{V}/v1.0.0", "/modules/acme.a"):
        error = assert_error(await client.delete(attempt), 409, "has_dependents")
        assert error["details"]["dependents"] == ["acme.b@v1.0.0"]
        assert "acme.b@v1.0.0" in error["message"]
    # Once the dependent is gone (soft), the dependency may go (soft) too; not for good.
    assert (await client.delete("/modules/acme.b/versions/v1.0.0")).status_code == 200
    assert (await client.delete(f"{V}/v1.0.0")).status_code == 200
    assert_error(await client.delete(f"{V}/v1.0.0?permanent=true"), 409, "has_dependents")


async def test_permanent_deletion_removes_files(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    assert (await push(client, "acme.a", "v2.0.0")).status_code == 201
    assert (await client.delete(f"{V}/v2.0.0?permanent=true")).status_code == 200
    assert_error(await client.post(f"{V}/v2.0.0/restore"), 404)
    # The version number is free again: a new push with other content is accepted.
    other = {"acme/a/v1/a.proto": 'syntax = "proto3";\npackage acme.a.v1;\nmessage A2 {}\n'}
    assert (await push(client, "acme.a", "v2.0.0", other)).status_code == 201

    assert (await client.delete("/modules/acme.a")).status_code == 200
    assert_error(await client.get("/modules/acme.a"), 404, "module_not_found")
    assert "acme.a" not in {m["name"] for m in (await client.get("/modules")).json()["items"]}
    assert_error(await push(client, "acme.a", "v3.0.0"), 409, "deleted")
    assert (await client.post("/modules/acme.a/restore")).status_code == 200
    assert (await client.get(f"{V}/latest")).json()["version"] == "v2.0.0"
    assert (await client.delete("/modules/acme.a?permanent=true")).status_code == 200
    assert_error(await client.get("/modules/acme.a"), 404)
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201  # a new module


async def test_deletion_needs_admin(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    assert (await push(client, "acme.a", "v1.0.0", headers=admin)).status_code == 201
    writer = bearer(await make_key(client, "write:acme.*"))
    assert_error(await client.delete(f"{V}/v1.0.0", headers=writer), 403, "forbidden")
    assert_error(await client.delete("/modules/acme.a", headers=writer), 403)
    assert_error(await client.delete(f"{V}/v1.0.0"), 401)
    assert (await client.delete(f"{V}/v1.0.0", headers=admin)).status_code == 200
    assert_error(await client.post(f"{V}/v1.0.0/restore", headers=writer), 403)
