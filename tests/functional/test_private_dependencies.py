"""Private modules never leak through dependencies: pushes, dry runs, locks, lint,
breaking, diffs, compiled artifacts, the dependency graph, deletion refusals and page
tokens answer a caller who may not read a module as if it did not exist.

The graph: ``team.secret`` (private, its proto carries a secret comment) pins the public
``acme.base``; the public ``acme.pub`` pins ``team.secret``. The outsider may write
``acme.*`` and read what is public; the insider may also read ``team.*``.
"""

from __future__ import annotations

import base64
import io
import time
import zipfile
from typing import Any

import httpx
import jwt
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, files, push

SECRET = "test-secret-" + "x" * 32
AUDIENCE = "spoke-tests"
MARK = "TOP-SECRET-MARK"

BASE = {"acme/base/v1/base.proto": 'syntax = "proto3";\npackage acme.base.v1;\nmessage Base {}\n'}
HIDDEN = {
    "team/secret/v1/secret.proto": (
        'syntax = "proto3";\npackage team.secret.v1;\nimport "acme/base/v1/base.proto";\n'
        f"// {MARK}: the secret message.\nmessage Secret {{ acme.base.v1.Base base = 1; }}\n"
    )
}
PUB = {
    "acme/pub/v1/pub.proto": (
        'syntax = "proto3";\npackage acme.pub.v1;\nimport "team/secret/v1/secret.proto";\n'
        "message Pub { team.secret.v1.Secret secret = 1; }\n"
    )
}
SECRET_PIN = [{"module": "team.secret", "version": "v1.0.0"}]


def bearer(*roles: str) -> dict[str, str]:
    claims = {"sub": "-".join(roles), "roles": list(roles), "aud": AUDIENCE}
    return {
        "Authorization": "Bearer " + jwt.encode({**claims, "exp": time.time() + 86_400}, SECRET)
    }


ADMIN = bearer("admin")
OUTSIDER = bearer("write:acme.*")
INSIDER = bearer("write:acme.*", "read:team.*")
STRANGER = bearer("read:other.*")  # public modules only


@pytest.fixture
async def registry(make_client: MakeClient) -> httpx.AsyncClient:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    assert (await push(client, "acme.base", "v1.0.0", BASE, headers=ADMIN)).status_code == 201
    body = {"name": "team.secret", "public": False}
    assert (await client.post("/modules", json=body, headers=ADMIN)).status_code == 201
    deps = [{"module": "acme.base", "version": "v1.0.0"}]
    hidden = await push(client, "team.secret", "v1.0.0", HIDDEN, headers=ADMIN, dependencies=deps)
    assert hidden.status_code == 201, hidden.text
    pub = await push(client, "acme.pub", "v1.0.0", PUB, headers=ADMIN, dependencies=SECRET_PIN)
    assert pub.status_code == 201, pub.text
    return client


def leaks(response: httpx.Response) -> bool:
    return MARK in response.text or ("sha256:" in response.text and "team.secret" in response.text)


def same_error(a: httpx.Response, b: httpx.Response, *names: tuple[str, str]) -> None:
    """Two refusals that differ only by the names in ``names`` (private, missing)."""
    assert a.status_code == b.status_code
    text = a.text
    for private, missing in names:
        text = text.replace(private, missing)
    assert text == b.text


async def test_a_push_pinning_a_private_module_is_refused_as_a_missing_pin(
    registry: httpx.AsyncClient,
) -> None:
    for pin, tree in ((SECRET_PIN, PUB), ([{"module": "team.secret", "version": "v9.9.9"}], PUB)):
        private = await push(
            registry, "acme.leak", "v1.0.0", tree, headers=OUTSIDER, dependencies=pin
        )
        missing = await push(
            registry,
            "acme.leak",
            "v1.0.0",
            tree,
            headers=OUTSIDER,
            dependencies=[{"module": "team.ghost", "version": pin[0]["version"]}],
        )
        assert_error(private, 422, "dependency_error")
        same_error(private, missing, ("team.secret", "team.ghost"))
        assert not leaks(private)
    # Nothing was stored, and the insider (who may read it) can push the same thing.
    assert_error(await registry.get("/modules/acme.leak", headers=OUTSIDER), 404)
    ok = await push(registry, "acme.leak", "v1.0.0", PUB, headers=INSIDER, dependencies=SECRET_PIN)
    assert ok.status_code == 201, ok.text


async def test_dry_runs_and_locks_tell_nothing_of_a_private_pin(
    registry: httpx.AsyncClient,
) -> None:
    lock = {
        "version": 1,
        "dependencies": [
            {"module": "team.secret", "version": "v1.0.0", "digest": "sha256:" + "0" * 64},
            {"module": "acme.base", "version": "v1.0.0", "digest": "sha256:" + "0" * 64},
        ],
    }
    url = "/modules/acme.leak/versions?dry_run=true"
    body = {"version": "v1.0.0", "files": files(**PUB), "dependencies": SECRET_PIN, "lock": lock}
    refused = await registry.post(url, json=body, headers=OUTSIDER)
    assert_error(refused, 422, "dependency_error")
    assert not leaks(refused)
    real_digest = (await registry.get("/modules/team.secret/versions/v1.0.0", headers=ADMIN)).json()
    assert real_digest["digest"] not in refused.text
    # The insider is told the real differences (it may read them).
    allowed = await registry.post(url, json=body, headers=INSIDER)
    assert_error(allowed, 422, "lock_mismatch")
    assert real_digest["digest"] in allowed.text


async def test_lint_and_breaking_do_not_resolve_private_pins(
    registry: httpx.AsyncClient,
) -> None:
    ghost = [{"module": "team.ghost", "version": "v1.0.0"}]
    lint_body = {"files": files(**PUB), "dependencies": SECRET_PIN}
    private = await registry.post("/lint", json=lint_body, headers=OUTSIDER)
    missing = await registry.post(
        "/lint", json={**lint_body, "dependencies": ghost}, headers=OUTSIDER
    )
    assert_error(private, 422, "dependency_error")
    same_error(private, missing, ("team.secret", "team.ghost"))
    anonymous = await registry.post("/lint", json=lint_body)  # read-public: anyone may lint
    assert anonymous.status_code in (401, 422) and not leaks(anonymous)

    url = "/modules/acme.pub/breaking"
    breaking = {"against": "v1.0.0", "files": files(**PUB), "dependencies": SECRET_PIN}
    assert_error(await registry.post(url, json=breaking, headers=OUTSIDER), 422, "dependency_error")
    by_version = await registry.post(
        url, json={"against": "v1.0.0", "version": "v1.0.0"}, headers=OUTSIDER
    )
    assert_error(by_version, 422, "dependency_error")
    assert not leaks(by_version)
    assert (await registry.post(url, json=breaking, headers=INSIDER)).status_code == 200


async def test_artifacts_of_a_public_module_pinning_a_private_one(
    registry: httpx.AsyncClient,
) -> None:
    """The public version's own metadata and files are public; what is built from its
    closure (generated code, descriptor sets, job status, diffs) needs the whole closure."""
    version = "/modules/acme.pub/versions/v1.0.0"
    compiled = await registry.post(f"{version}/compile/descriptor_set", headers=ADMIN)
    assert compiled.status_code == 200, compiled.text
    download = f"{version}/download/descriptor_set"
    inside = await registry.get(download, headers=INSIDER)
    assert inside.status_code == 200
    with zipfile.ZipFile(io.BytesIO(inside.content)) as archive:
        (name,) = archive.namelist()
        assert MARK.encode() in archive.read(name)  # the closure's source, comments too

    assert (await registry.get(version, headers=OUTSIDER)).status_code == 200
    assert (await registry.get(f"{version}/files/acme/pub/v1/pub.proto")).status_code == 200
    for response in [
        await registry.get(download, headers=OUTSIDER),
        await registry.get(download),  # anonymous, read-public
        await registry.get(f"{download}?format=tar.gz", headers=OUTSIDER),
        await registry.post(f"{version}/compile/descriptor_set", headers=OUTSIDER),
        await registry.get(f"{version}/compilations", headers=OUTSIDER),
        await registry.get(f"{version}/diff?against=v1.0.0", headers=OUTSIDER),
    ]:
        assert_error(response, 422, "dependency_error")
        assert MARK.encode() not in response.content


async def test_the_dependency_graph_leaves_out_what_the_caller_may_not_read(
    registry: httpx.AsyncClient,
) -> None:
    url = "/modules/acme.pub/versions/v1.0.0/dependencies"
    full = (await registry.get(url, params={"transitive": "true"}, headers=INSIDER)).json()
    assert [d["module"] for d in full["items"]] == ["acme.base", "team.secret"]
    for caller in (OUTSIDER, {}):
        for transitive in ("true", "false"):
            listed = await registry.get(url, params={"transitive": transitive}, headers=caller)
            assert listed.status_code == 200
            # acme.base is public, but reached only through team.secret: left out too.
            assert listed.json() == {"items": [], "next_page_token": None}
    # Dependents of the public base: the private one is left out of every page.
    dependents = "/modules/acme.base/versions/v1.0.0/dependents"
    seen = await registry.get(dependents, params={"limit": 1}, headers=OUTSIDER)
    assert seen.status_code == 200 and "team.secret" not in seen.text


async def test_a_refused_deletion_names_only_readable_dependents(
    registry: httpx.AsyncClient,
) -> None:
    deps = [{"module": "acme.base", "version": "v1.0.0"}]
    user = {"acme/user/v1/user.proto": 'syntax = "proto3";\npackage acme.user.v1;\n'}
    assert (
        await push(registry, "acme.user", "v1.0.0", user, headers=ADMIN, dependencies=deps)
    ).status_code == 201
    acme_admin = bearer("admin:acme.*")
    for target in ("/modules/acme.base/versions/v1.0.0", "/modules/acme.base"):
        error = assert_error(
            await registry.delete(target, headers=acme_admin), 409, "has_dependents"
        )
        assert error["details"] == {"dependents": ["acme.user@v1.0.0"], "hidden": 1}
        assert "team.secret" not in error["message"] and "1 version(s)" in error["message"]
        full = assert_error(await registry.delete(target, headers=ADMIN), 409, "has_dependents")
        assert full["details"]["dependents"] == ["acme.user@v1.0.0", "team.secret@v1.0.0"]


async def test_private_and_missing_modules_answer_alike(registry: httpx.AsyncClient) -> None:
    for suffix in [
        "",
        "/versions",
        "/versions/v1.0.0",
        "/versions/latest",
        "/versions/not-a-version",
        "/versions/v1.0.0/files/team/secret/v1/secret.proto",
        "/versions/v1.0.0/files/..%2Fetc",
        "/versions/v1.0.0/archive",
        "/versions/v1.0.0/dependencies",
        "/versions/v1.0.0/dependents?page_token=forged",
        "/versions?page_token=forged",
        "/policy",
    ]:
        for caller in (OUTSIDER, {}):
            private = await registry.get(f"/modules/team.secret{suffix}", headers=caller)
            missing = await registry.get(f"/modules/team.ghost{suffix}", headers=caller)
            assert private.status_code == 404, (suffix, private.text)
            same_error(private, missing, ("team.secret", "team.ghost"))


async def test_page_tokens_name_nothing_and_cannot_be_forged(
    registry: httpx.AsyncClient,
) -> None:
    names: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"page_token": token} if token else {})}
        page = await registry.get("/modules", params=params, headers=OUTSIDER)
        assert page.status_code == 200, page.text
        names += [m["name"] for m in page.json()["items"]]
        token = page.json()["next_page_token"]
        if token is None:
            break
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert b"team" not in raw and b"acme" not in raw
    assert names == ["acme.base", "acme.pub"]  # team.secret is left out, its page too
    first = (await registry.get("/modules", params={"limit": 1}, headers=OUTSIDER)).json()
    token = first["next_page_token"]
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "eyJ0ZWFtIjoxfQ"):
        refused = await registry.get("/modules", params={"page_token": forged}, headers=OUTSIDER)
        assert_error(refused, 400, "invalid_argument")
    # A token of one list does not page another.
    other = await registry.get("/modules", params={"page_token": token, "prefix": "acme"})
    assert_error(other, 400, "invalid_argument")


async def test_hiding_a_module_takes_effect_at_once(registry: httpx.AsyncClient) -> None:
    url = "/modules/acme.base/versions/v1.0.0"
    assert (await registry.get(url, headers=STRANGER)).status_code == 200  # visibility cached
    hide = await registry.patch("/modules/acme.base", json={"public": False}, headers=ADMIN)
    assert hide.status_code == 200
    assert_error(await registry.get(url, headers=STRANGER), 404, "module_not_found")
    assert (
        await registry.patch("/modules/acme.base", json={"public": True}, headers=ADMIN)
    ).status_code == 200
    assert (await registry.get(url, headers=STRANGER)).status_code == 200
