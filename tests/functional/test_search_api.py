"""``GET /search``: elements found by name and comment once pushed, pages, bad input, and
the access rules (private modules invisible to whoever may not read them)."""

from __future__ import annotations

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, token

GEO = """syntax = "proto3";
package geo.v1;

// An object that represents a latitude/longitude pair.
message LatLng {
  // The latitude in degrees.
  double latitude = 1;
  double longitude = 2;
}

// Days <script>alert(1)</script> of the week.
enum DayOfWeek {
  DAY_OF_WEEK_UNSPECIFIED = 0;
  MONDAY = 1;
}

// Finds places.
service Places {
  // Looks a place up.
  rpc Lookup(LatLng) returns (LatLng);
}
"""


async def search(client: httpx.AsyncClient, q: str, **params: object) -> httpx.Response:
    return await client.get("/search", params={"q": q, **params})


async def names(client: httpx.AsyncClient, q: str, **params: object) -> list[str]:
    response = await search(client, q, **params)
    assert response.status_code == 200, response.text
    return [item["full_name"] for item in response.json()["items"]]


async def test_pushed_elements_are_found(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.geo", "v1.0.0", {"geo/v1/geo.proto": GEO})).status_code == 201
    response = await search(client, "LatLng")
    assert response.status_code == 200
    body = response.json()
    first = body["items"][0]
    assert first == {
        "kind": "message",
        "full_name": "geo.v1.LatLng",
        "module": "acme.geo",
        "version": "v1.0.0",
        "file": "geo/v1/geo.proto",
        "line": 5,
        "snippet": "An object that represents a latitude/longitude pair.",
    }
    assert body["next_page_token"] is None
    assert await names(client, "lookup", kind="rpc") == ["geo.v1.Places.Lookup"]
    assert await names(client, "monday") == ["geo.v1.DayOfWeek.MONDAY"]
    assert await names(client, "degrees") == ["geo.v1.LatLng.latitude"]
    assert await names(client, "geo", kind="package") == ["geo.v1"]
    assert await names(client, "acme.geo", kind="module") == ["acme.geo"]
    # The latest version by default; an older one when asked.
    newer = GEO.replace("LatLng", "Position")
    assert (
        await push(client, "acme.geo", "v1.1.0", {"geo/v1/geo.proto": newer})
    ).status_code == 201
    assert await names(client, "latlng", kind="message") == []
    assert await names(client, "latlng", kind="message", version="v1.0.0") == ["geo.v1.LatLng"]
    assert await names(client, "position", module="acme.geo", kind="message") == ["geo.v1.Position"]


async def test_pages(client: httpx.AsyncClient) -> None:
    fields = "\n".join(f"  string field_{n:02} = {n + 1};" for n in range(30))
    proto = f'syntax = "proto3";\npackage p;\nmessage M {{\n{fields}\n}}\n'
    assert (await push(client, "acme.many", "v1.0.0", {"p/m.proto": proto})).status_code == 201
    seen: list[str] = []
    token_ = None
    pages = 0
    while True:
        params = {"kind": "field", "limit": 7} | ({"page_token": token_} if token_ else {})
        body = (await search(client, "field", **params)).json()
        seen += [item["full_name"] for item in body["items"]]
        pages += 1
        token_ = body["next_page_token"]
        if token_ is None:
            break
    assert pages == 5 and sorted(seen) == [f"p.M.field_{n:02}" for n in range(30)]
    # A token belongs to its query.
    first = (await search(client, "field", limit=7)).json()["next_page_token"]
    assert_error(await search(client, "other", page_token=first), 400, "invalid_argument")
    assert_error(await search(client, "field", page_token="forged"), 400, "invalid_argument")


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": ""}, "empty"),
        ({"q": "   "}, "empty"),
        ({"q": "x" * 201}, "too long"),
        ({"q": "..."}, "no word"),
        ({"q": "a", "kind": "widget"}, "unknown kind"),
        ({"q": "a", "version": "latest-ish"}, ""),
        ({"q": "a", "module": "Not A Module"}, ""),
    ],
)
async def test_bad_input_is_a_clear_400(
    client: httpx.AsyncClient, params: dict[str, str], says: str
) -> None:
    error = assert_error(await client.get("/search", params=params), 400)
    assert says in error["message"]


async def test_missing_or_huge_query_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/search")).status_code in (400, 422)
    assert (await search(client, "x" * 1000)).status_code in (400, 422)
    assert (await search(client, "a", limit=1000)).status_code in (400, 422)


async def test_private_modules_are_invisible(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    secret = GEO.replace("geo.v1", "hidden.v1")
    assert (
        await push(client, "acme.geo", "v1.0.0", {"geo/v1/geo.proto": GEO}, headers=admin)
    ).status_code == 201
    created = await client.post(
        "/modules", json={"name": "acme.hidden", "public": False}, headers=admin
    )
    assert created.status_code == 201, created.text
    pushed = await push(
        client, "acme.hidden", "v1.0.0", {"hidden/v1/geo.proto": secret}, headers=admin
    )
    assert pushed.status_code == 201, pushed.text

    everyone = await names(client, "latlng", kind="message")
    assert everyone == ["geo.v1.LatLng"]
    assert await names(client, "hidden") == []
    assert await names(client, "latlng", module="acme.hidden") == []
    # A reader of the one private module sees it; a global reader sees everything.
    reader = bearer(token(["read:acme.hidden"]))
    response = await client.get(
        "/search", params={"q": "latlng", "kind": "message"}, headers=reader
    )
    assert sorted(i["full_name"] for i in response.json()["items"]) == [
        "geo.v1.LatLng",
        "hidden.v1.LatLng",
    ]
    other = bearer(token(["read:acme.other"]))
    response = await client.get("/search", params={"q": "hidden"}, headers=other)
    assert response.json()["items"] == []


async def test_required_mode_needs_a_credential(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    assert_error(await search(client, "x"), 401, "unauthenticated")
    response = await client.get("/search", params={"q": "x"}, headers=bearer(token(["read"])))
    assert response.status_code == 200 and response.json()["items"] == []
