"""The dependency graph over HTTP: direct and transitive dependencies, dependents.

The graph is a 3-level chain over a diamond,
``acme.app -> acme.top -> {acme.left, acme.right} -> acme.base``: each module's one file
imports its dependencies' files and uses their messages, so the registry really compiles
every push against its closure. Other test modules import these helpers.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token

V1 = "v1.0.0"
GRAPH = {
    "acme.base": [],
    "acme.left": ["acme.base"],
    "acme.right": ["acme.base"],
    "acme.top": ["acme.left", "acme.right"],
    "acme.app": ["acme.top"],
}


def proto_path(module: str) -> str:
    short = module.split(".")[-1]
    return f"acme/{short}/v1/{short}.proto"


def tree(module: str, deps: list[str]) -> dict[str, str]:
    """One file for ``module`` that imports and uses each of ``deps``."""
    short = module.split(".")[-1]
    imports = "".join(f'import "{proto_path(d)}";\n' for d in deps)
    fields = "".join(
        f"  {d}.v1.{d.split('.')[-1].title()} f{i} = {i};\n" for i, d in enumerate(deps, 1)
    )
    body = f"message {short.title()} {{\n{fields}}}\n"
    return {proto_path(module): f'syntax = "proto3";\npackage {module}.v1;\n{imports}{body}'}


def pins(*modules: str, version: str = V1) -> list[dict[str, str]]:
    return [{"module": m, "version": version} for m in modules]


async def push_graph(client: httpx.AsyncClient, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Push every module of ``GRAPH`` at v1.0.0 (dependencies first); their digests."""
    digests = {}
    for module, deps in GRAPH.items():
        if module in skip:
            continue
        pushed = await push(client, module, V1, tree(module, deps), dependencies=pins(*deps))
        assert pushed.status_code == 201, pushed.text
        digests[module] = pushed.json()["digest"]
    return digests


async def all_items(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following ``next_page_token``."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        page = await client.get(url, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == {"items", "next_page_token"}
        items += body["items"]
        if body["next_page_token"] is None:
            return items
        query["page_token"] = body["next_page_token"]


def deps_url(module: str, version: str = V1) -> str:
    return f"/modules/{module}/versions/{version}/dependencies"


def dependents_url(module: str, version: str = V1) -> str:
    return f"/modules/{module}/versions/{version}/dependents"


async def test_direct_and_transitive_dependencies(client: httpx.AsyncClient) -> None:
    digests = await push_graph(client)

    direct = await client.get(deps_url("acme.top"))
    assert direct.status_code == 200, direct.text
    assert direct.json() == {
        "items": [
            {
                "module": m,
                "version": V1,
                "digest": digests[m],
                "depth": 1,
                "path": ["acme.top@v1.0.0", f"{m}@v1.0.0"],
                "required_by": ["acme.top@v1.0.0"],
            }
            for m in ("acme.left", "acme.right")
        ],
        "next_page_token": None,
    }
    # The diamond's base is reached through both sides, but listed once.
    closure = (await client.get(deps_url("acme.app"), params={"transitive": "true"})).json()
    assert closure["next_page_token"] is None
    by_module = {item["module"]: item for item in closure["items"]}
    assert [item["module"] for item in closure["items"]] == sorted(by_module)
    assert set(by_module) == {"acme.base", "acme.left", "acme.right", "acme.top"}
    assert {m: item["digest"] for m, item in by_module.items()} == {
        m: d for m, d in digests.items() if m != "acme.app"
    }
    assert {m: item["depth"] for m, item in by_module.items()} == {
        "acme.top": 1,
        "acme.left": 2,
        "acme.right": 2,
        "acme.base": 3,
    }
    base = by_module["acme.base"]
    assert base["required_by"] == ["acme.left@v1.0.0", "acme.right@v1.0.0"]
    assert base["path"] == [
        "acme.app@v1.0.0",
        "acme.top@v1.0.0",
        "acme.left@v1.0.0",
        "acme.base@v1.0.0",
    ]
    assert by_module["acme.right"]["required_by"] == ["acme.top@v1.0.0"]
    # Only the direct pins without ?transitive; none at all for the bottom of the graph.
    only_top = (await client.get(deps_url("acme.app"))).json()["items"]
    assert [(i["module"], i["depth"]) for i in only_top] == [("acme.top", 1)]
    for transitive in ("false", "true"):
        empty = await client.get(deps_url("acme.base"), params={"transitive": transitive})
        assert empty.json() == {"items": [], "next_page_token": None}


async def test_latest_is_resolved(client: httpx.AsyncClient) -> None:
    await push_graph(client)
    # acme.top v1.1.0 drops acme.right: `latest` now names it.
    newer = tree("acme.top", ["acme.left"])
    pushed = await push(client, "acme.top", "v1.1.0", newer, dependencies=pins("acme.left"))
    assert pushed.status_code == 201, pushed.text

    latest = await all_items(client, deps_url("acme.top", "latest"), transitive="true")
    assert [i["module"] for i in latest] == ["acme.base", "acme.left"]
    assert all(i["path"][0] == "acme.top@v1.1.0" for i in latest)
    pinned = await all_items(client, deps_url("acme.top"), transitive="true")
    assert [i["module"] for i in pinned] == ["acme.base", "acme.left", "acme.right"]
    # `latest` of a dependency names the version that pins it.
    dependents = await all_items(client, dependents_url("acme.left", "latest"))
    assert [(d["module"], d["version"]) for d in dependents] == [
        ("acme.top", "v1.1.0"),
        ("acme.top", "v1.0.0"),
    ]


async def test_dependencies_are_paginated(client: httpx.AsyncClient) -> None:
    await push_graph(client)
    first = await client.get(deps_url("acme.app"), params={"transitive": "true", "limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert [i["module"] for i in page["items"]] == ["acme.base", "acme.left", "acme.right"]
    assert page["next_page_token"]
    rest = await client.get(
        deps_url("acme.app"),
        params={"transitive": "true", "limit": 3, "page_token": page["next_page_token"]},
    )
    assert rest.json() == {"items": [rest.json()["items"][0]], "next_page_token": None}
    assert rest.json()["items"][0]["module"] == "acme.top"
    walked = await all_items(client, deps_url("acme.app"), transitive="true", limit=1)
    assert [i["module"] for i in walked] == ["acme.base", "acme.left", "acme.right", "acme.top"]


async def test_dependents(client: httpx.AsyncClient) -> None:
    await push_graph(client)
    direct = await client.get(dependents_url("acme.base"))
    assert direct.status_code == 200, direct.text
    body = direct.json()
    assert body["next_page_token"] is None
    assert [(d["module"], d["version"]) for d in body["items"]] == [
        ("acme.left", V1),
        ("acme.right", V1),
    ]
    left = (await client.get("/modules/acme.left/versions/v1.0.0")).json()
    assert body["items"][0]["digest"] == left["digest"]
    assert body["items"][0]["created_at"] == left["created_at"]
    assert set(body["items"][0]) == {"module", "version", "digest", "created_at"}
    # Only direct dependents: acme.top pins left and right, not base.
    assert (await client.get(dependents_url("acme.app"))).json()["items"] == []

    # More versions of acme.left pin acme.base@v1.0.0: by module, highest version first.
    for version in ("v1.1.0", "v1.2.0-rc.1", "v1.10.0"):
        same = tree("acme.left", ["acme.base"])
        pushed = await push(client, "acme.left", version, same, dependencies=pins("acme.base"))
        assert pushed.status_code == 201, pushed.text
    expected = [
        ("acme.left", "v1.10.0"),
        ("acme.left", "v1.2.0-rc.1"),
        ("acme.left", "v1.1.0"),
        ("acme.left", "v1.0.0"),
        ("acme.right", "v1.0.0"),
    ]
    for limit in (1, 2, 50):
        walked = await all_items(client, dependents_url("acme.base"), limit=limit)
        assert [(d["module"], d["version"]) for d in walked] == expected

    # Deleted versions, and versions of deleted modules, are left out.
    assert (await client.delete("/modules/acme.left/versions/v1.2.0-rc.1")).status_code == 200
    assert (await client.delete("/modules/acme.app")).status_code == 200
    walked = await all_items(client, dependents_url("acme.base"), limit=2)
    assert ("acme.left", "v1.2.0-rc.1") not in [(d["module"], d["version"]) for d in walked]
    assert len(walked) == 4
    assert (await client.get(dependents_url("acme.top"))).json()["items"] == []
    # A deleted version has no dependents to list: it is not there.
    assert_error(await client.get(dependents_url("acme.left", "v1.2.0-rc.1")), 404)
    assert_error(await client.get(deps_url("acme.app")), 404)
    assert (await client.post("/modules/acme.left/versions/v1.2.0-rc.1/restore")).status_code == 200
    assert len(await all_items(client, dependents_url("acme.base"))) == 5


async def test_unknown_modules_and_versions(client: httpx.AsyncClient) -> None:
    await push_graph(client, skip=("acme.app",))
    for url in (deps_url, dependents_url):
        assert_error(await client.get(url("acme.nothing")), 404)
        assert_error(await client.get(url("acme.nothing", "latest")), 404, "module_not_found")
        assert_error(await client.get(url("acme.base", "v9.9.9")), 404, "version_not_found")
    error = assert_error(await client.get(dependents_url("acme.nothing")), 404, "module_not_found")
    assert error["details"] == {"module": "acme.nothing"}


async def test_bad_input(client: httpx.AsyncClient) -> None:
    await push_graph(client, skip=("acme.app",))
    for url in (deps_url, dependents_url):
        assert_error(await client.get(url("Acme.Base")), 400, "invalid_argument")
        assert_error(await client.get(url("acme.base", "1.0")), 400, "invalid_argument")
        assert_error(
            await client.get(url("acme.base"), params={"limit": 0}), 422, "invalid_request"
        )
        assert_error(
            await client.get(url("acme.base"), params={"limit": 1001}), 422, "invalid_request"
        )
        bad_token = await client.get(url("acme.base"), params={"page_token": "not-a-token"})
        assert_error(bad_token, 400, "invalid_argument")
    # A well-formed token that is no dependent's key.
    token = base64.urlsafe_b64encode(b"k1:no-version-here").decode().rstrip("=")
    bad_key = await client.get(dependents_url("acme.base"), params={"page_token": token})
    assert_error(bad_key, 400, "invalid_argument")
    not_bool = await client.get(deps_url("acme.top"), params={"transitive": "maybe"})
    assert_error(not_bool, 422, "invalid_request")


async def test_private_modules_stay_hidden(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    secret = {"name": "acme.right", "public": False}
    assert (await client.post("/modules", json=secret, headers=admin)).status_code == 201
    for module in ("acme.base", "acme.left", "acme.right"):
        deps = GRAPH[module]
        pushed = await push(
            client, module, V1, tree(module, deps), dependencies=pins(*deps), headers=admin
        )
        assert pushed.status_code == 201, pushed.text
    outsider = bearer(await make_key(client, "read:acme.base", "read:acme.left", name="out"))
    insider = bearer(await make_key(client, "read", name="in"))

    assert_error(await client.get(dependents_url("acme.base")), 401, "unauthenticated")
    seen = await client.get(dependents_url("acme.base"), headers=outsider)
    assert [d["module"] for d in seen.json()["items"]] == ["acme.left"]
    seen = await client.get(dependents_url("acme.base"), headers=insider)
    assert [d["module"] for d in seen.json()["items"]] == ["acme.left", "acme.right"]
    for url in (deps_url, dependents_url):
        assert_error(await client.get(url("acme.right"), headers=outsider), 404, "module_not_found")
        assert (await client.get(url("acme.right"), headers=insider)).status_code == 200
