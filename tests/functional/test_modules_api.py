"""``/modules``: create, read, describe, list with prefix and pagination."""

from __future__ import annotations

import httpx

from tests.functional.support import assert_error


async def test_create_get_update_module(client: httpx.AsyncClient) -> None:
    created = await client.post("/modules", json={"name": "acme.pay", "description": "Payments"})
    assert created.status_code == 201
    assert created.headers["location"] == "/modules/acme.pay"
    assert created.json()["description"] == "Payments"

    got = await client.get("/modules/acme.pay")
    assert got.status_code == 200
    assert got.json()["name"] == "acme.pay"

    patched = await client.patch("/modules/acme.pay", json={"description": "Money"})
    assert patched.status_code == 200
    assert patched.json()["description"] == "Money"
    assert patched.json()["updated_at"] >= created.json()["updated_at"]
    assert (await client.get("/modules/acme.pay")).json()["description"] == "Money"


async def test_duplicate_module_is_409(client: httpx.AsyncClient) -> None:
    assert (await client.post("/modules", json={"name": "dup"})).status_code == 201
    assert_error(await client.post("/modules", json={"name": "dup"}), 409, "module_exists")


async def test_invalid_module_names_are_400(client: httpx.AsyncClient) -> None:
    for name in ["Acme", "1acme", "a/b", "a b", "", "x" * 101, "é"]:
        error = assert_error(await client.post("/modules", json={"name": name}), 400)
        assert error["code"] == "invalid_argument"
    assert_error(await client.get("/modules/UPPER"), 400, "invalid_argument")


async def test_missing_module_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/modules/nope"), 404, "module_not_found")
    assert_error(
        await client.patch("/modules/nope", json={"description": "x"}), 404, "module_not_found"
    )


async def test_description_limit(client: httpx.AsyncClient) -> None:
    response = await client.post("/modules", json={"name": "big", "description": "x" * 5000})
    assert_error(response, 400, "invalid_argument")


async def test_list_paginates_every_module_once(client: httpx.AsyncClient) -> None:
    names = [f"team{i}.svc" for i in range(7)] + ["team_x", "teamx", "other"]
    for name in names:
        assert (await client.post("/modules", json={"name": name})).status_code == 201

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        params = {"limit": "3", **({"page_token": token} if token else {})}
        page = (await client.get("/modules", params=params)).json()
        pages += 1
        assert len(page["items"]) <= 3
        seen += [m["name"] for m in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert seen == sorted(names)
    assert pages == 4


async def test_list_prefix_is_literal(client: httpx.AsyncClient) -> None:
    for name in ["team_x", "teamx", "team.y", "other"]:
        await client.post("/modules", json={"name": name})
    page = (await client.get("/modules", params={"prefix": "team_"})).json()
    assert [m["name"] for m in page["items"]] == ["team_x"]
    page = (await client.get("/modules", params={"prefix": "team"})).json()
    assert [m["name"] for m in page["items"]] == ["team.y", "team_x", "teamx"]


async def test_list_rejects_bad_paging(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/modules", params={"page_token": "garbage!"}), 400)
    assert_error(await client.get("/modules", params={"limit": "0"}), 422, "invalid_request")
    assert_error(await client.get("/modules", params={"limit": "5000"}), 422, "invalid_request")
    assert_error(await client.get("/modules", params={"limit": "ten"}), 422, "invalid_request")
