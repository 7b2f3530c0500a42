"""The docs, diff and .proto file pages keep their rendered bodies in process: the
access rules still hold on every request (a body built from a private dependency is never
served to a caller who may not read it), and what a body depends on (the breaking policy)
is part of its key."""

from __future__ import annotations

import httpx

from spoke.api.ui.fragments import Fragments
from tests.functional.conftest import MakeClient
from tests.functional.support import push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token
from tests.functional.test_ui_pages import DATE, assert_page, login, seed

HIDDEN = DATE.replace("acme.type", "acme.hidden")
APP = """syntax = "proto3";
package acme.app;

import "acme/hidden/d.proto";

// Uses a private dependency.
message Booking {
  acme.hidden.Date day = 1;
  string title = 2;
}
"""
DOCS = "/ui/modules/acme.app/versions/v2.0.0/docs"
DIFF = "/ui/modules/acme.app/versions/v2.0.0/diff?against=v1.0.0"
FILE = "/ui/modules/acme.app/versions/v2.0.0/files/acme/app/app.proto"


async def seed_private_dependency(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """The public ``acme.app`` (v1.0.0, and v2.0.0 with a field deleted) depends on the
    private ``acme.secret``."""
    made = await client.post(
        "/modules", json={"name": "acme.secret", "public": False}, headers=admin
    )
    assert made.status_code == 201
    r = await push(client, "acme.secret", "v1.0.0", {"acme/hidden/d.proto": HIDDEN}, headers=admin)
    assert r.status_code == 201, r.text
    deps = [{"module": "acme.secret", "version": "v1.0.0"}]
    for version, text in (("v1.0.0", APP), ("v2.0.0", APP.replace("  string title = 2;\n", ""))):
        tree = {"acme/app/app.proto": text}
        r = await push(client, "acme.app", version, tree, dependencies=deps, headers=admin)
        assert r.status_code == 201, r.text


def another_browser(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second client of the same app, with cookies of its own."""
    app = client.app  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=client.base_url)


def cached(client: httpx.AsyncClient) -> int:
    fragments: Fragments = client.app.state.ui_fragments  # type: ignore[attr-defined]
    return len(fragments)


async def test_a_private_dependency_is_never_served_from_the_cache(
    make_client: MakeClient,
) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    await seed_private_dependency(client, admin)

    # Someone who may read the whole closure fills the cache...
    html = assert_page(await client.get(DOCS, headers=admin))
    assert 'href="/ui/modules/acme.secret/versions/v1.0.0/docs#acme.hidden.Date"' in html
    assert "FIELD_NO_DELETE" in assert_page(await client.get(DIFF, headers=admin))
    html = assert_page(await client.get(FILE, headers=admin))
    assert 'href="/ui/modules/acme.secret/versions/v1.0.0/docs#acme.hidden.Date"' in html
    assert cached(client) == 3
    # ...and the anonymous reader of the public module still gets the refusal, not the body.
    for path in (DOCS, DIFF, FILE):
        refused = await client.get(path)
        assert refused.status_code == 422, refused.text
        assert "acme.hidden.Date" not in refused.text and "FIELD_NO_DELETE" not in refused.text
        assert "not readable with your credentials" in refused.text
    # So does a signed-in reader without a grant on the dependency.
    async with another_browser(client) as outsider:
        await login(outsider, await make_key(client, "read:acme.app", name="outsider"))
        assert (await outsider.get(DOCS)).status_code == 422
        assert (await outsider.get(DIFF)).status_code == 422
        assert (await outsider.get(FILE)).status_code == 422
    # With a grant on it, the cached bodies.
    await login(client, await make_key(client, "read:acme.secret", name="insider"))
    assert "acme.hidden.Date" in assert_page(await client.get(DOCS))
    assert "FIELD_NO_DELETE" in assert_page(await client.get(DIFF))
    assert "acme.hidden.Date" in assert_page(await client.get(FILE))
    assert cached(client) == 3


async def test_a_diff_follows_the_breaking_policy(client: httpx.AsyncClient) -> None:
    await seed(client)
    path = "/ui/modules/acme.cal/versions/v2.0.0/diff?against=v1.0.0"
    assert ">FIELD_NO_DELETE<" in assert_page(await client.get(path))
    assert ">FIELD_NO_DELETE<" in assert_page(await client.get(path))  # from the cache
    policy = {"breaking": {"use": ["WIRE"]}}
    assert (await client.put("/modules/acme.cal/policy", json=policy)).status_code == 200
    html = assert_page(await client.get(path))
    assert ">FIELD_NO_DELETE<" not in html and "FIELD_NO_DELETE_UNLESS" in html
