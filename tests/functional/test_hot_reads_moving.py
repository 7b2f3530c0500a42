"""What moves (``latest``, a module's list of versions) is answered from memory too, and is
never staler than a push: the instance that pushed reads its push at once, another instance
as soon as the broadcast arrives, and a module's deletion drops its answers everywhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from spoke.api.app import create_app
from spoke.api.response_cache import ResponseCache
from spoke.devstack.stack import Stack
from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.production import isolated_settings

LATEST = "/modules/acme.a/versions/latest"
LIST = "/modules/acme.a/versions"


async def poll(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


def cache_of(client: httpx.AsyncClient) -> ResponseCache:
    cache: ResponseCache = client.app.state.response_cache  # type: ignore[attr-defined]
    return cache


async def test_latest_and_lists_follow_a_push_at_once(make_client: MakeClient) -> None:
    client = await make_client()
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    for path in (LATEST, LIST, f"{LIST}?limit=1", f"{LATEST}/files/acme/a/v1/a.proto"):
        first = await client.get(path)
        assert first.status_code == 200
        assert cache_of(client).get(path) is not None, path  # remembered
        again = await client.get(path)
        assert again.content == first.content
        assert again.headers["cache-control"] == "public, no-cache"
    assert (await client.get(LATEST)).json()["version"] == "v1.0.0"

    assert (await push(client, "acme.a", "v1.1.0")).status_code == 201
    assert (await client.get(LATEST)).json()["version"] == "v1.1.0"
    listed = (await client.get(LIST)).json()["items"]
    assert [v["version"] for v in listed] == ["v1.1.0", "v1.0.0"]
    assert [v["version"] for v in (await client.get(f"{LIST}?limit=1")).json()["items"]] == [
        "v1.1.0"
    ]
    file = await client.get(f"{LATEST}/files/acme/a/v1/a.proto")
    assert file.headers["x-spoke-version"] == "v1.1.0"

    assert (await client.delete(f"{LIST}/v1.1.0")).status_code == 200
    assert (await client.get(LATEST)).json()["version"] == "v1.0.0"
    assert [v["version"] for v in (await client.get(LIST)).json()["items"]] == ["v1.0.0"]


async def test_an_etag_of_latest_revalidates_until_a_push(make_client: MakeClient) -> None:
    client = await make_client()
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    etag = (await client.get(LATEST)).headers["etag"]
    for _ in range(2):
        assert (await client.get(LATEST, headers={"If-None-Match": etag})).status_code == 304
    other = {"acme/a/v1/a.proto": 'syntax = "proto3";\npackage acme.a.v1;\nmessage B {}\n'}
    assert (await push(client, "acme.a", "v1.1.0", other)).status_code == 201
    assert (await client.get(LATEST, headers={"If-None-Match": etag})).status_code == 200


async def test_only_list_queries_are_remembered(make_client: MakeClient) -> None:
    client = await make_client()
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    for query in ("?limit=1&junk=1", "?limit=1&limit=2", "?junk"):
        assert (await client.get(LIST + query)).status_code == 200
        assert cache_of(client).get(LIST + query) is None, query
    assert_error(await client.get(f"{LIST}?page_token=forged"), 400)
    assert cache_of(client).get(f"{LIST}?page_token=forged") is None


async def test_another_instance_sees_a_push_through_the_broadcast(
    stack: Stack, tmp_path: Path
) -> None:
    settings = await isolated_settings(stack, tmp_path)
    async with AsyncExitStack() as exits:
        clients, caches = [], []
        for _ in range(2):
            app = create_app(settings)
            caches.append(app.state.response_cache)
            await exits.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
            )
            clients.append(await exits.enter_async_context(client))
        a, b = clients
        assert (await push(a, "acme.a", "v1.0.0")).status_code == 201
        for _ in range(2):  # b remembers both answers
            assert (await b.get(LATEST)).json()["version"] == "v1.0.0"
            assert len((await b.get(LIST)).json()["items"]) == 1
        assert caches[1].get(LATEST) is not None

        assert (await push(a, "acme.a", "v1.1.0")).status_code == 201

        async def moved() -> bool:
            latest = (await b.get(LATEST)).json()["version"]
            listed = [v["version"] for v in (await b.get(LIST)).json()["items"]]
            return latest == "v1.1.0" and listed == ["v1.1.0", "v1.0.0"]

        await poll(moved, within=10, what="instance b to see the push of instance a")
