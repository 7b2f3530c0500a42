"""The npm registry API over HTTP: the packument (versions, dist-tags, tarball URLs,
shasum and integrity that match the bytes), tarballs whose imports of a dependency
module name its package, private modules only for readers, the scope setting."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import shutil
import tarfile

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_sdk_python_index import (
    ADMIN,
    AUDIENCE,
    COMMON,
    GREET,
    SECRET,
    SECRET_TREE,
    make_key,
)

pytestmark = pytest.mark.skipif(
    shutil.which("protoc-gen-es") is None, reason="protoc-gen-es is not installed"
)


@pytest.fixture
async def registry(make_client: MakeClient) -> httpx.AsyncClient:
    client = await make_client(
        auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE, sdk_npm_scope="acme"
    )
    assert (await push(client, "acme.common", "v1.0.0", COMMON, headers=ADMIN)).status_code == 201
    pin = [{"module": "acme.common", "version": "v1.0.0"}]
    for version in ("v1.0.0", "v1.1.0-rc.1", "v1.1.0+build.7"):
        pushed = await push(client, "acme.greet", version, GREET, headers=ADMIN, dependencies=pin)
        assert pushed.status_code == 201, pushed.text
    body = {"name": "team.secret", "public": False}
    assert (await client.post("/modules", json=body, headers=ADMIN)).status_code == 201
    assert (await push(client, "team.secret", "v1.0.0", SECRET_TREE, headers=ADMIN)).is_success
    return client


def unpack(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


async def test_the_packument_and_its_tarballs(registry: httpx.AsyncClient) -> None:
    # npm asks for the scoped name with its slash escaped.
    answer = await registry.get("/sdk/npm/@acme%2facme.greet")
    assert answer.status_code == 200, answer.text
    packument = answer.json()
    assert packument["name"] == "@acme/acme.greet"
    # Build metadata has no npm version: left out, never merged into 1.1.0.
    assert sorted(packument["versions"]) == ["1.0.0", "1.1.0-rc.1"]
    assert packument["dist-tags"] == {"latest": "1.0.0"}
    entry = packument["versions"]["1.0.0"]
    assert entry["dependencies"]["@acme/acme.common"] == "1.0.0"
    assert entry["dependencies"]["@bufbuild/protobuf"].startswith("^2.")
    assert entry["type"] == "module"
    tarball_url = entry["dist"]["tarball"]
    assert tarball_url == "http://spoke.test/sdk/npm/@acme/acme.greet/-/acme.greet-1.0.0.tgz"
    tarball = await registry.get(tarball_url)
    assert tarball.status_code == 200
    data = tarball.content
    assert entry["dist"]["shasum"] == hashlib.sha1(data, usedforsecurity=False).hexdigest()
    sha512 = base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert entry["dist"]["integrity"] == f"sha512-{sha512}"
    files = unpack(data)
    assert sorted(files) == [
        "package/acme/greet/v1/greet_pb.d.ts",
        "package/acme/greet/v1/greet_pb.js",
        "package/package.json",
    ]
    assert json.loads(files["package/package.json"])["version"] == "1.0.0"
    js = files["package/acme/greet/v1/greet_pb.js"].decode()
    assert 'from "@acme/acme.common/acme/common/v1/money_pb.js"' in js
    assert '"../../common/v1/money_pb.js"' not in js
    again = await registry.get(tarball_url)
    assert again.content == data
    cached = await registry.get(tarball_url, headers={"If-None-Match": tarball.headers["etag"]})
    assert cached.status_code == 304


async def test_private_packages_need_a_reader_token(registry: httpx.AsyncClient) -> None:
    assert_error(await registry.get("/sdk/npm/@acme%2fteam.secret"), 404)
    tarball = "/sdk/npm/@acme/team.secret/-/team.secret-1.0.0.tgz"
    assert_error(await registry.get(tarball), 404)
    reader = {"Authorization": "Bearer " + await make_key(registry, "read:team.*")}
    found = await registry.get("/sdk/npm/@acme%2fteam.secret", headers=reader)
    assert found.status_code == 200
    assert (await registry.get(tarball, headers=reader)).status_code == 200
    refused = await registry.get(
        "/sdk/npm/@acme%2facme.greet", headers={"Authorization": "Bearer x"}
    )
    assert_error(refused, 401)
    assert refused.headers["www-authenticate"] == 'Bearer realm="spoke"'


async def test_other_scopes_names_and_versions_are_404(registry: httpx.AsyncClient) -> None:
    assert_error(await registry.get("/sdk/npm/@spoke%2facme.greet"), 404)
    assert_error(await registry.get("/sdk/npm/@acme%2facme.nothing"), 404)
    assert_error(await registry.get("/sdk/npm/@acme/acme.greet/-/acme.greet-9.0.0.tgz"), 404)
    assert_error(await registry.get("/sdk/npm/@acme/acme.greet/-/other-1.0.0.tgz"), 404)
