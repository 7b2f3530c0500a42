"""Paging on the modules list and the module page (versions, dependents): sealed tokens,
next, previous and first links, each list paged on its own."""

from __future__ import annotations

import html as html_lib
import re

import httpx
import pytest

from spoke.api.ui import browse
from tests.functional.conftest import MakeClient
from tests.functional.support import push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, token
from tests.functional.test_ui_pages import assert_page

PROTO = 'syntax = "proto3";\npackage acme.many;\nmessage M { string a = 1; }\n'
USER = (
    'syntax = "proto3";\npackage acme.{name};\nimport "acme/many/m.proto";\n'
    "message U {{ acme.many.M m = 1; }}\n"
)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two rows: a handful of pushes walks several pages."""
    monkeypatch.setattr(browse, "_PAGE", 2)


def pager(text: str, label: str) -> dict[str, str]:
    """The links (First, Previous, Next) of one list's pager: query strings."""
    nav = re.search(rf'<nav class="pager" aria-label="{label} pages">(.*?)</nav>', text, re.S)
    if nav is None:
        return {}
    found = re.findall(r'<a href="([^"]*)"(?: rel="\w+")?>(First|Previous|Next)</a>', nav[1])
    return {name: html_lib.unescape(href) for href, name in found}


def versions_shown(text: str) -> list[str]:
    return re.findall(r'/ui/modules/acme\.many/versions/(v[\d.]+)">', text)


async def test_module_page_pages_versions_and_dependents(client: httpx.AsyncClient) -> None:
    for minor in range(5):
        r = await push(client, "acme.many", f"v1.{minor}.0", {"acme/many/m.proto": PROTO})
        assert r.status_code == 201, r.text
    pin = [{"module": "acme.many", "version": "v1.4.0"}]
    for name in ("da", "db", "dc"):
        tree = {f"acme/{name}/u.proto": USER.format(name=name)}
        r = await push(client, f"acme.{name}", "v1.0.0", tree, dependencies=pin)
        assert r.status_code == 201, r.text
    base = "/ui/modules/acme.many"

    first = assert_page(await client.get(base))
    assert versions_shown(first) == ["v1.4.0", "v1.3.0"]
    assert "acme.da@v1.0.0" in first and "acme.db@v1.0.0" in first
    assert "acme.dc@v1.0.0" not in first
    assert set(pager(first, "Versions")) == set(pager(first, "Dependents")) == {"Next"}

    version_next = pager(first, "Versions")["Next"]
    second = assert_page(await client.get(base + version_next))
    assert versions_shown(second) == ["v1.2.0", "v1.1.0"]
    assert "acme.da@v1.0.0" in second  # the dependents stay on their first page
    links = pager(second, "Versions")
    assert links["First"] == "?" and links["Previous"] == "?"
    third = assert_page(await client.get(base + links["Next"]))
    assert versions_shown(third) == ["v1.0.0"]
    links = pager(third, "Versions")
    assert set(links) == {"First", "Previous"}
    back = assert_page(await client.get(base + links["Previous"]))
    assert versions_shown(back) == ["v1.2.0", "v1.1.0"]

    # The dependents' next page keeps the versions' page, and the other way round.
    both = assert_page(await client.get(base + pager(third, "Dependents")["Next"]))
    assert versions_shown(both) == ["v1.0.0"]
    assert "acme.dc@v1.0.0" in both and "acme.da@v1.0.0" not in both
    assert set(pager(both, "Dependents")) == {"First", "Previous"}
    again = assert_page(await client.get(base + pager(both, "Versions")["Previous"]))
    assert versions_shown(again) == ["v1.2.0", "v1.1.0"] and "acme.dc@v1.0.0" in again

    # A token of another list, or a tampered one, is refused.
    token_value = version_next.split("=", 1)[1]
    assert_page(await client.get(base, params={"dependents": token_value}), 400)
    assert_page(await client.get(base, params={"versions": token_value[:-4] + "AAAA"}), 400)


async def test_modules_list_pages_without_naming_hidden_modules(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    names = ["acme.a", "acme.b", "acme.c", "acme.d", "acme.e"]
    for name in names:
        made = await client.post(
            "/modules", json={"name": name, "public": name != "acme.b"}, headers=admin
        )
        assert made.status_code == 201, made.text
    seen: list[str] = []
    path = "/ui/"
    pages = 0
    while True:
        text = assert_page(await client.get(path))
        pages += 1
        assert "acme.b" not in text  # neither listed nor named in a link
        seen += re.findall(r'<a href="/ui/modules/(acme\.\w)">', text)
        links = pager(text, "Modules")
        if "Next" not in links:
            break
        path = "/ui/" + links["Next"]
    assert seen == ["acme.a", "acme.c", "acme.d", "acme.e"] and pages == 3
    back = assert_page(await client.get("/ui/" + links["Previous"]))
    assert re.findall(r'<a href="/ui/modules/(acme\.\w)">', back) == ["acme.c", "acme.d"]
