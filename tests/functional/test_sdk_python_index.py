"""The Python package index (PEP 503 HTML, PEP 691 JSON) and its wheels, over HTTP:
private modules only for callers who may read them, pip's HTTP Basic credentials, the
404s and redirects pip expects, and published bytes that never change."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import time
import zipfile

import httpx
import jwt
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push

SECRET = "test-secret-" + "x" * 32
AUDIENCE = "spoke-tests"
JSON = "application/vnd.pypi.simple.v1+json"
COMMON = {
    "acme/common/v1/money.proto": (
        'syntax = "proto3";\npackage acme.common.v1;\n'
        'import "google/protobuf/timestamp.proto";\n'
        "message Money { string currency = 1; int64 units = 2;"
        " google.protobuf.Timestamp at = 3; }\n"
    )
}
GREET = {
    "acme/greet/v1/greet.proto": (
        'syntax = "proto3";\npackage acme.greet.v1;\nimport "acme/common/v1/money.proto";\n'
        "message Tip { string to = 1; acme.common.v1.Money amount = 2; }\n"
    )
}
SECRET_TREE = {
    "team/secret/v1/s.proto": 'syntax = "proto3";\npackage team.secret.v1;\nmessage S {}\n'
}


def bearer(*roles: str) -> dict[str, str]:
    claims = {"sub": "-".join(roles), "roles": list(roles), "aud": AUDIENCE}
    return {
        "Authorization": "Bearer " + jwt.encode({**claims, "exp": time.time() + 86_400}, SECRET)
    }


def basic(key: str, user: str = "pip") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


ADMIN = bearer("admin")


@pytest.fixture
async def registry(make_client: MakeClient) -> httpx.AsyncClient:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    assert (await push(client, "acme.common", "v1.0.0", COMMON, headers=ADMIN)).status_code == 201
    pin = [{"module": "acme.common", "version": "v1.0.0"}]
    for version in ("v1.0.0", "v1.1.0-rc.1", "v1.2.0-nightly"):
        pushed = await push(client, "acme.greet", version, GREET, headers=ADMIN, dependencies=pin)
        assert pushed.status_code == 201, pushed.text
    body = {"name": "team.secret", "public": False}
    assert (await client.post("/modules", json=body, headers=ADMIN)).status_code == 201
    assert (await push(client, "team.secret", "v1.0.0", SECRET_TREE, headers=ADMIN)).is_success
    return client


async def make_key(client: httpx.AsyncClient, *grants: str) -> str:
    response = await client.post(
        "/auth/keys", json={"name": "pip", "grants": list(grants)}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def links(page: str) -> dict[str, str]:
    return dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))


async def test_the_index_lists_readable_projects_only(registry: httpx.AsyncClient) -> None:
    anonymous = await registry.get("/sdk/python/simple/")
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"].startswith("text/html")
    assert set(links(anonymous.text)) == {"acme-common", "acme-greet"}
    reader = basic(await make_key(registry, "read:team.*"))
    answer = await registry.get("/sdk/python/simple/", headers={"Accept": JSON, **reader})
    assert answer.headers["content-type"] == JSON
    body = answer.json()
    assert body["meta"]["api-version"].startswith("1.")
    assert [p["name"] for p in body["projects"]] == ["acme-common", "acme-greet", "team-secret"]
    # Without the trailing slash: redirected (to a relative or absolute URL), as PEP 503 says.
    assert (await registry.get("/sdk/python/simple")).status_code in (301, 307, 308)


async def test_a_project_page_links_each_wheel_with_its_hash(registry: httpx.AsyncClient) -> None:
    page = await registry.get("/sdk/python/simple/acme-greet/")
    assert page.status_code == 200, page.text
    found = links(page.text)
    # The nightly has no PEP 440 form: left out, not renamed.
    assert sorted(found) == [
        "acme_greet-1.0.0-py3-none-any.whl",
        "acme_greet-1.1.0rc1-py3-none-any.whl",
    ]
    href = found["acme_greet-1.0.0-py3-none-any.whl"]
    url, _, fragment = href.partition("#sha256=")
    assert url == "../../files/acme.greet/v1.0.0/acme_greet-1.0.0-py3-none-any.whl"
    wheel = await registry.get(httpx.URL(str(page.url)).join(url))
    assert wheel.status_code == 200
    assert hashlib.sha256(wheel.content).hexdigest() == fragment
    assert wheel.headers["etag"] == f'"{fragment}"'
    assert "public" not in wheel.headers["cache-control"]
    metadata = zipfile.ZipFile(io.BytesIO(wheel.content)).read(
        "acme_greet-1.0.0.dist-info/METADATA"
    )
    assert b"Requires-Dist: acme-common==1.0.0\n" in metadata
    assert re.search(rb"Requires-Dist: protobuf>=\d+\.\d+\.\d+,<\d+\n", metadata)
    again = await registry.get(str(wheel.url), headers={"If-None-Match": wheel.headers["etag"]})
    assert again.status_code == 304

    answer = await registry.get("/sdk/python/simple/acme-greet/", headers={"Accept": JSON})
    body = answer.json()
    assert body["name"] == "acme-greet" and body["versions"] == ["1.1.0rc1", "1.0.0"]
    by_name = {f["filename"]: f for f in body["files"]}
    assert by_name["acme_greet-1.0.0-py3-none-any.whl"]["hashes"] == {"sha256": fragment}
    assert by_name["acme_greet-1.0.0-py3-none-any.whl"]["size"] == len(wheel.content)
    assert by_name["acme_greet-1.0.0-py3-none-any.whl"]["url"] == url
    assert answer.headers["vary"] == "Accept, Authorization"


async def test_names_redirect_to_their_normalised_form(registry: httpx.AsyncClient) -> None:
    moved = await registry.get("/sdk/python/simple/Acme.Greet/")
    assert moved.status_code == 301
    assert moved.headers["location"] == "../acme-greet/"
    assert_error(await registry.get("/sdk/python/simple/acme-nothing/"), 404)


async def test_private_modules_need_a_reader_key(registry: httpx.AsyncClient) -> None:
    assert_error(await registry.get("/sdk/python/simple/team-secret/"), 404)
    wheel_url = "/sdk/python/files/team.secret/v1.0.0/team_secret-1.0.0-py3-none-any.whl"
    assert_error(await registry.get(wheel_url), 404)
    outsider = basic(await make_key(registry, "read:other.*"))
    assert_error(await registry.get("/sdk/python/simple/team-secret/", headers=outsider), 404)
    insider = basic(await make_key(registry, "read:team.*"), user="anything")
    page = await registry.get("/sdk/python/simple/team-secret/", headers=insider)
    assert page.status_code == 200
    assert "team_secret-1.0.0-py3-none-any.whl" in links(page.text)
    assert (await registry.get(wheel_url, headers=insider)).status_code == 200


async def test_a_wrong_key_gets_a_basic_challenge(registry: httpx.AsyncClient) -> None:
    for headers in (basic("spoke_not-a-real-key-000000000000"), basic("not-a-key")):
        refused = await registry.get("/sdk/python/simple/", headers=headers)
        assert_error(refused, 401)
        assert refused.headers["www-authenticate"] == 'Basic realm="spoke"'


async def test_wrong_file_names_and_versions_are_404(registry: httpx.AsyncClient) -> None:
    base = "/sdk/python/files/acme.greet"
    assert_error(await registry.get(f"{base}/v1.0.0/acme_greet-9.9.9-py3-none-any.whl"), 404)
    assert_error(await registry.get(f"{base}/v9.0.0/acme_greet-9.0.0-py3-none-any.whl"), 404)
    assert_error(await registry.get(f"{base}/v1.2.0-nightly/x.whl"), 422)


async def test_required_auth_challenges_anonymous_pip(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    refused = await client.get("/sdk/python/simple/")
    assert_error(refused, 401)
    assert refused.headers["www-authenticate"] == 'Basic realm="spoke"'
    key = await make_key(client, "read")
    assert (await client.get("/sdk/python/simple/", headers=basic(key))).status_code == 200
