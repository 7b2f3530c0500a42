"""The web UI's pages over HTTP: status, content, escaping of what users wrote, the CSP,
friendly 404s, and the access rules in each auth mode."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token

DATE = """syntax = "proto3";
package acme.type;

// Represents a whole or partial calendar date. <script>alert("x")</script>
message Date {
  // Year of the date.
  int32 year = 1;
  Month month = 2;
}

// A month.
enum Month {
  MONTH_UNSPECIFIED = 0;
  JANUARY = 1;
}
"""
EVENT = """syntax = "proto3";
package acme.cal;

import "acme/type/date.proto";

// An event on a day.
message Event {
  acme.type.Date day = 1;
  string title = 2;
}

// Events, as a stream.
service Calendar {
  rpc Watch(Event) returns (stream Event);
}
"""
README = "# Calendar\n\nSee <script>alert(1)</script> and [x](javascript:alert(1)).\n"


async def seed(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
    r = await push(client, "acme.types", "v1.0.0", {"acme/type/date.proto": DATE}, headers=headers)
    assert r.status_code == 201, r.text
    tree = {"acme/cal/event.proto": EVENT, "README.md": README}
    deps = [{"module": "acme.types", "version": "v1.0.0"}]
    r = await push(client, "acme.cal", "v1.0.0", tree, dependencies=deps, headers=headers)
    assert r.status_code == 201, r.text
    changed = EVENT.replace("  string title = 2;\n", "")
    tree = {"acme/cal/event.proto": changed, "README.md": README}
    r = await push(client, "acme.cal", "v2.0.0", tree, dependencies=deps, headers=headers)
    assert r.status_code == 201, r.text


def assert_page(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "<script>alert" not in response.text  # whatever a user wrote is text
    return response.text


async def test_every_page(client: httpx.AsyncClient) -> None:
    await seed(client)
    html = assert_page(await client.get("/ui/"))
    assert 'href="/ui/modules/acme.cal"' in html and "v2.0.0" in html

    html = assert_page(await client.get("/ui/modules/acme.cal"))
    assert "v1.0.0" in html and "v2.0.0" in html and "acme.types@v1.0.0" in html
    html = assert_page(await client.get("/ui/modules/acme.types"))
    assert "acme.cal@v2.0.0" in html  # a dependent

    html = assert_page(await client.get("/ui/modules/acme.cal/versions/v1.0.0"))
    assert "<h1>Calendar</h1>" in html  # the README rendered...
    assert "&lt;script&gt;" in html or "alert(1)" not in html  # ...and sanitised
    assert 'href="javascript:' not in html
    assert 'href="/ui/modules/acme.cal/versions/v1.0.0/files/acme/cal/event.proto"' in html

    html = assert_page(
        await client.get("/ui/modules/acme.cal/versions/v1.0.0/files/acme/cal/event.proto")
    )
    assert 'id="L8"' in html
    # The field's type links to its definition in the dependency's docs.
    assert 'href="/ui/modules/acme.types/versions/v1.0.0/docs#acme.type.Date"' in html

    html = assert_page(await client.get("/ui/modules/acme.types/versions/v1.0.0/docs"))
    for anchor in ("acme.type.Date", "acme.type.Date.year", "acme.type.Month.JANUARY"):
        assert f'id="{anchor}"' in html
    assert "Year of the date." in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="/ui/modules/acme.types/versions/v1.0.0/docs#acme.type.Month"' in html
    html = assert_page(await client.get("/ui/modules/acme.cal/versions/v1.0.0/docs"))
    assert 'href="/ui/modules/acme.types/versions/v1.0.0/docs#acme.type.Date"' in html
    assert "stream" in html and 'id="acme.cal.Calendar.Watch"' in html

    html = assert_page(
        await client.get("/ui/modules/acme.cal/versions/v2.0.0/diff", params={"against": "v1.0.0"})
    )
    assert "FIELD_NO_DELETE" in html and "-  string title = 2;" in html

    html = assert_page(await client.get("/ui/search", params={"q": "Date"}))
    assert 'href="/ui/modules/acme.types/versions/v1.0.0/docs#acme.type.Date"' in html
    assert_page(await client.get("/ui/search"))

    archive = await client.get("/ui/modules/acme.cal/versions/v1.0.0/archive")
    assert archive.status_code == 200 and archive.content[:2] == b"\x1f\x8b"

    css = await client.get("/ui/static/ui.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text
    assert (await client.get("/ui")).headers["location"] == "/ui/"


@pytest.mark.parametrize(
    "path",
    [
        "/ui/modules/acme.nope",
        "/ui/modules/acme.cal/versions/v9.9.9",
        "/ui/modules/acme.cal/versions/v1.0.0/files/nope.proto",
        "/ui/modules/acme.cal/versions/v1.0.0/docs/extra",
        "/ui/no/such/page",
        "/ui/static/../../pyproject.toml",
    ],
)
async def test_friendly_404(client: httpx.AsyncClient, path: str) -> None:
    await seed(client)
    response = await client.get(path)
    assert response.status_code == 404
    if response.headers["content-type"].startswith("text/html"):
        assert "Not found" in response.text


async def test_bad_input_pages(client: httpx.AsyncClient) -> None:
    await seed(client)
    html = assert_page(await client.get("/ui/modules/acme.cal/versions/v2.0.0/diff"), 400)
    assert "against" in html
    assert_page(await client.get("/ui/search", params={"q": "a", "kind": "widget"}), 400)


async def test_read_public_hides_private_modules(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    await seed(client, admin)
    made = await client.post(
        "/modules", json={"name": "acme.secret", "public": False}, headers=admin
    )
    assert made.status_code == 201
    secret = DATE.replace("acme.type", "acme.hidden")
    r = await push(client, "acme.secret", "v1.0.0", {"acme/hidden/d.proto": secret}, headers=admin)
    assert r.status_code == 201

    html = assert_page(await client.get("/ui/"))
    assert "acme.cal" in html and "acme.secret" not in html
    for path in (
        "/ui/modules/acme.secret",
        "/ui/modules/acme.secret/versions/v1.0.0",
        "/ui/modules/acme.secret/versions/v1.0.0/docs",
        "/ui/modules/acme.secret/versions/v1.0.0/files/acme/hidden/d.proto",
        "/ui/modules/acme.secret/versions/v1.0.0/archive",
    ):
        assert "acme.hidden" not in assert_page(await client.get(path), 404)
    assert "acme.hidden" not in assert_page(await client.get("/ui/search", params={"q": "date"}))
    # With a key that may read it, through a session: visible.
    key = await make_key(client, "read:acme.secret")
    await login(client, key)
    assert "acme.secret" in assert_page(await client.get("/ui/"))
    assert "acme.hidden.Date" in assert_page(await client.get("/ui/search", params={"q": "date"}))


async def login(client: httpx.AsyncClient, key: str, next_: str = "/ui/") -> None:
    form = await client.get("/ui/login", params={"next": next_})
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = await client.post("/ui/login", json={"api_key": key, "csrf": csrf.group(1)})
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and key not in cookie


async def test_required_mode_login_and_logout(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    await seed(client, bearer(token(["admin"])))
    redirect = await client.get("/ui/modules/acme.cal")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/ui/login?next=%2Fui%2Fmodules%2Facme.cal"
    assert (await client.get("/ui/search", params={"q": "date"})).status_code == 303

    form = await client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    bad = await client.post("/ui/login", json={"api_key": "spoke_wrong", "csrf": csrf.group(1)})
    assert bad.status_code == 401
    key = await make_key(client, "read")
    forged = await client.post("/ui/login", json={"api_key": key, "csrf": "forged"})
    assert forged.status_code == 403
    await login(client, key)
    assert "acme.cal" in assert_page(await client.get("/ui/modules/acme.cal"))
    # A tampered session is no session.
    client.cookies.set("spoke_session", "AAAA" + "x" * 40, path="/ui")
    assert (await client.get("/ui/")).status_code == 303


async def test_signing_in_and_out_works_without_javascript(make_client: MakeClient) -> None:
    """The sign-in and sign-out forms post as plain HTML forms (no script): answered with
    a redirect to the page asked for, or the form again with the reason."""
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    await seed(client, bearer(token(["admin"])))
    key = await make_key(client, "read")
    form = await client.get("/ui/login", params={"next": "/ui/modules/acme.cal"})
    action = re.search(r'<form class="login" action="([^"]+)"', form.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert action is not None and csrf is not None
    target = action.group(1).replace("&amp;", "&")
    posted = {"api_key": "spoke_wrong", "csrf": csrf.group(1)}
    wrong = await client.post(target, data=posted)  # application/x-www-form-urlencoded
    assert wrong.status_code == 401 and "that API key is not valid" in wrong.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', wrong.text)  # a fresh form
    assert csrf is not None
    signed_in = await client.post(target, data={"api_key": key, "csrf": csrf.group(1)})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/ui/modules/acme.cal"
    page_text = assert_page(await client.get("/ui/modules/acme.cal"))
    logout_csrf = re.search(r'action="/ui/logout".*?name="csrf" value="([^"]+)"', page_text, re.S)
    assert logout_csrf is not None
    out = await client.post("/ui/logout", data={"csrf": logout_csrf.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/ui/"
    assert (await client.get("/ui/modules/acme.cal")).status_code == 303  # signed out
    # Forms are taken only where a form is expected.
    assert_error(await client.post("/modules/acme.cal/versions", data={"a": "b"}), 415)
