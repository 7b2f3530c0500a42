"""The GOPROXY protocol over HTTP: list, info, mod, zip and latest per major version (the
``/vN`` suffix from v2), go-import meta tags, private modules for readers only (HTTP
Basic, as the go command sends it), the 404s the go command expects, and the setting."""

from __future__ import annotations

import io
import shutil
import zipfile

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
    basic,
    make_key,
)

pytestmark = pytest.mark.skipif(
    shutil.which("protoc-gen-go") is None, reason="protoc-gen-go is not installed"
)
PREFIX = "spoke.test/sdk/go"
GREET_PATH = f"/sdk/go/{PREFIX}/acme.greet"


@pytest.fixture
async def registry(make_client: MakeClient) -> httpx.AsyncClient:
    client = await make_client(
        auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE, sdk_go_prefix=PREFIX
    )
    assert (await push(client, "acme.common", "v1.0.0", COMMON, headers=ADMIN)).status_code == 201
    pin = [{"module": "acme.common", "version": "v1.0.0"}]
    for version in ("v1.0.0", "v1.1.0-rc.1", "v1.1.0+build.7", "v2.0.0"):
        pushed = await push(client, "acme.greet", version, GREET, headers=ADMIN, dependencies=pin)
        assert pushed.status_code == 201, pushed.text
    body = {"name": "team.secret", "public": False}
    assert (await client.post("/modules", json=body, headers=ADMIN)).status_code == 201
    assert (await push(client, "team.secret", "v1.0.0", SECRET_TREE, headers=ADMIN)).is_success
    return client


async def test_versions_per_major_and_latest(registry: httpx.AsyncClient) -> None:
    listed = await registry.get(f"{GREET_PATH}/@v/list")
    assert listed.status_code == 200
    # Build metadata has no Go form; v2 lives at the /v2 path.
    assert sorted(listed.text.split()) == ["v1.0.0", "v1.1.0-rc.1"]
    assert (await registry.get(f"{GREET_PATH}/v2/@v/list")).text.split() == ["v2.0.0"]
    latest = (await registry.get(f"{GREET_PATH}/@latest")).json()
    assert latest["Version"] == "v1.0.0" and latest["Time"].startswith("20")
    info = (await registry.get(f"{GREET_PATH}/v2/@v/v2.0.0.info")).json()
    assert info["Version"] == "v2.0.0"


async def test_mod_and_zip(registry: httpx.AsyncClient) -> None:
    mod = await registry.get(f"{GREET_PATH}/v2/@v/v2.0.0.mod")
    assert mod.status_code == 200
    assert mod.text.startswith(f"module {PREFIX}/acme.greet/v2\n")
    assert f"\t{PREFIX}/acme.common v1.0.0\n" in mod.text
    assert "\tgoogle.golang.org/protobuf v1." in mod.text
    module_zip = await registry.get(f"{GREET_PATH}/v2/@v/v2.0.0.zip")
    assert module_zip.status_code == 200
    with zipfile.ZipFile(io.BytesIO(module_zip.content)) as archive:
        names = archive.namelist()
        root = f"{PREFIX}/acme.greet/v2@v2.0.0/"
        assert sorted(names) == [f"{root}acme/greet/v1/greet.pb.go", f"{root}go.mod"]
        assert archive.read(f"{root}go.mod") == mod.content
        code = archive.read(f"{root}acme/greet/v1/greet.pb.go").decode()
    assert "package greetv1\n" in code
    assert f'v1 "{PREFIX}/acme.common/acme/common/v1"' in code
    again = await registry.get(str(module_zip.url))
    assert again.content == module_zip.content
    cached = await registry.get(
        str(module_zip.url), headers={"If-None-Match": again.headers["etag"]}
    )
    assert cached.status_code == 304


async def test_go_import_meta_tag(registry: httpx.AsyncClient) -> None:
    page = await registry.get("/sdk/go/acme.greet/acme/greet/v1?go-get=1")
    assert page.status_code == 200
    assert (
        f'<meta name="go-import" content="{PREFIX}/acme.greet mod http://spoke.test/sdk/go">'
        in page.text
    )


async def test_private_modules_and_missing_things_are_404(registry: httpx.AsyncClient) -> None:
    secret = f"/sdk/go/{PREFIX}/team.secret/@v/list"
    assert_error(await registry.get(secret), 404)
    reader = basic(await make_key(registry, "read:team.*"), user="go")
    assert (await registry.get(secret, headers=reader)).text == "v1.0.0\n"
    assert (await registry.get(secret.replace("list", "v1.0.0.zip"), headers=reader)).is_success
    refused = await registry.get(secret, headers=basic("spoke_wrong-key-0000000000000000"))
    assert_error(refused, 401)
    assert refused.headers["www-authenticate"] == 'Basic realm="spoke"'
    for missing in (
        f"{GREET_PATH}/@v/v9.9.9.info",
        f"{GREET_PATH}/@v/v2.0.0.info",  # a v2 version under the v1 path
        f"{GREET_PATH}/v3/@v/list",
        f"{GREET_PATH}/v1/@v/list",  # v1 has no suffix
        f"/sdk/go/{PREFIX}/acme.nothing/@v/list",
        "/sdk/go/other.example/acme.greet/@v/list",
        f"{GREET_PATH}/@v/v1.0.0.tar",
    ):
        assert_error(await registry.get(missing), 404)


async def test_without_a_prefix_the_go_sdk_is_off(make_client: MakeClient) -> None:
    client = await make_client()
    answer = await client.get(f"/sdk/go/{PREFIX}/acme.greet/@v/list")
    assert_error(answer, 404, "go_sdk_disabled")
    assert "SPOKE_SDK_GO_PREFIX" in answer.json()["error"]["message"]
