"""Downloads from the version page through the session (no Authorization header): the
``.proto`` tree as ``.tar.gz`` and ``.zip``, and generated code, with the API's access
rules in each auth mode."""

from __future__ import annotations

import io
import re
import zipfile

import httpx

from tests.functional.conftest import MakeClient
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, make_key, token
from tests.functional.test_ui_cache import another_browser, seed_private_dependency
from tests.functional.test_ui_pages import assert_page, login, seed

CAL = "/ui/modules/acme.cal/versions/v1.0.0"
APP = "/ui/modules/acme.app/versions/v1.0.0"


def zip_names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def gzip_of(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    return response.content


async def compile_python(client: httpx.AsyncClient, module: str, headers: dict[str, str]) -> None:
    path = f"/modules/{module}/versions/v1.0.0/compile/python"
    compiled = await client.post(path, headers=headers)
    assert compiled.status_code == 200, compiled.text


async def test_downloads_without_auth(client: httpx.AsyncClient) -> None:
    await seed(client)
    await compile_python(client, "acme.cal", {})
    html = assert_page(await client.get(CAL))
    links = re.findall(r'href="([^"]+)" download', html)
    assert [link.replace("&amp;", "&") for link in links] == [
        f"{CAL}/archive",
        f"{CAL}/archive?format=zip",
        f"{CAL}/download/python",
        f"{CAL}/download/python?format=tar.gz",
    ]
    assert gzip_of(await client.get(f"{CAL}/archive"))[:2] == b"\x1f\x8b"
    assert "acme/cal/event.proto" in zip_names(await client.get(f"{CAL}/archive?format=zip"))
    generated = await client.get(f"{CAL}/download/python")
    assert "acme/cal/event_pb2.py" in zip_names(generated)
    assert "private" in generated.headers["cache-control"]
    assert 'filename="acme.cal-v1.0.0-python.zip"' in generated.headers["content-disposition"]
    assert gzip_of(await client.get(f"{CAL}/download/python?format=tar.gz"))[:2] == b"\x1f\x8b"
    page = assert_page(await client.get(f"{CAL}/files/acme/cal/event.proto"))
    assert f'href="{CAL}/raw/acme/cal/event.proto"' in page
    raw = await client.get(f"{CAL}/raw/acme/cal/event.proto")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/plain")
    assert "service Calendar" in raw.text
    revalidated = await client.get(raw.request.url, headers={"If-None-Match": raw.headers["etag"]})
    assert revalidated.status_code == 304
    assert_page(await client.get(f"{CAL}/raw/nope.proto"), 404)
    # Not compiled, or no such language: the friendly page with the API's status.
    assert "not been compiled" in assert_page(await client.get(f"{CAL}/download/cpp"), 404)
    assert "unknown language" in assert_page(await client.get(f"{CAL}/download/cobol"), 404)


async def test_read_public_downloads_follow_the_closure(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    await seed_private_dependency(client, admin)
    await compile_python(client, "acme.app", admin)
    # Anonymous: the public module's own files, yes; the private one's, and code generated
    # from a closure with the private module in it, no.
    assert "acme/app/app.proto" in zip_names(await client.get(f"{APP}/archive?format=zip"))
    secret = "/ui/modules/acme.secret/versions/v1.0.0"
    for path in (
        f"{secret}/archive",
        f"{secret}/archive?format=zip",
        f"{secret}/raw/acme/hidden/d.proto",
    ):
        assert_page(await client.get(path), 404)
    refused = assert_page(await client.get(f"{APP}/download/python"), 422)
    assert "not readable with your credentials" in refused
    # Signed in with a grant on the private module: all of it.
    await login(client, await make_key(client, "read:acme.secret"))
    assert "acme/hidden/d.proto" in zip_names(await client.get(f"{secret}/archive?format=zip"))
    assert "acme/app/app_pb2.py" in zip_names(await client.get(f"{APP}/download/python"))


async def test_required_mode_downloads_use_the_session(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    await seed_private_dependency(client, admin)
    await compile_python(client, "acme.app", admin)
    raw = f"{APP}/raw/acme/app/app.proto"
    paths = [f"{APP}/archive", f"{APP}/archive?format=zip", f"{APP}/download/python", raw]
    for path in paths:
        anonymous = await client.get(path)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/ui/login?next=")
    await login(client, await make_key(client, "read:acme.app"))
    assert gzip_of(await client.get(paths[0]))[:2] == b"\x1f\x8b"
    assert "acme/app/app.proto" in zip_names(await client.get(paths[1]))
    assert "message Booking" in (await client.get(raw)).text
    # acme.app's closure holds the private acme.secret, which this key may not read.
    assert_page(await client.get(paths[2]), 422)
    insider = await make_key(client, "read:acme.secret", name="insider")
    async with another_browser(client) as other:
        await login(other, insider)
        assert "acme/app/app_pb2.py" in zip_names(await other.get(paths[2]))
