"""Pushing versions: compile checks, immutability, dependencies, latest."""

from __future__ import annotations

import hashlib

import httpx

from tests.functional.support import PROTO_A, assert_error, push

PROTO_B = (
    'syntax = "proto3";\npackage acme.b.v1;\n\nimport "acme/a/v1/a.proto";\n'
    'import "google/protobuf/timestamp.proto";\n\n'
    "message B {\n  acme.a.v1.A a = 1;\n  google.protobuf.Timestamp at = 2;\n}\n"
)


async def test_push_creates_module_and_version(client: httpx.AsyncClient) -> None:
    response = await push(
        client,
        "acme.a",
        "v1.0.0",
        source={"repository": "https://git.example/acme", "commit": "abc123", "branch": "main"},
        description="The A module",
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/modules/acme.a/versions/v1.0.0"
    body = response.json()
    sha = hashlib.sha256(PROTO_A.encode()).hexdigest()
    assert body["files"] == [{"path": "acme/a/v1/a.proto", "sha256": sha, "size": len(PROTO_A)}]
    manifest = f"{sha}  acme/a/v1/a.proto\n".encode()
    assert body["digest"] == "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert body["source"] == {
        "repository": "https://git.example/acme",
        "commit": "abc123",
        "branch": "main",
    }
    module = (await client.get("/modules/acme.a")).json()
    assert module["description"] == "The A module"
    stored = (await client.get("/modules/acme.a/versions/v1.0.0")).json()
    assert stored == body


async def test_repush_identical_is_200_and_changed_is_409(client: httpx.AsyncClient) -> None:
    first = await push(client, "acme.a", "v1.0.0")
    assert first.status_code == 201
    again = await push(client, "acme.a", "v1.0.0")
    assert again.status_code == 200
    assert again.json() == first.json()

    changed = await push(client, "acme.a", "v1.0.0", {"acme/a/v1/a.proto": PROTO_A + "// x\n"})
    error = assert_error(changed, 409, "version_conflict")
    assert error["details"]["existing_digest"] == first.json()["digest"]
    assert error["details"]["pushed_digest"] != first.json()["digest"]
    # The stored version is untouched.
    assert (await client.get("/modules/acme.a/versions/v1.0.0")).json() == first.json()


async def test_invalid_proto_is_422_with_locations(client: httpx.AsyncClient) -> None:
    tree = {
        "ok.proto": 'syntax = "proto3";\nmessage Ok {}\n',
        "bad.proto": 'syntax = "proto3";\n\nmessage Bad {\n  Missing m = 1;\n}\n',
    }
    error = assert_error(await push(client, "acme.bad", "v1.0.0", tree), 422, "compile_failed")
    assert {k: error["details"][0][k] for k in ("file", "line", "column")} == {
        "file": "bad.proto",
        "line": 4,
        "column": 3,
    }
    assert "Missing" in error["details"][0]["message"]
    assert_error(await client.get("/modules/acme.bad/versions/v1.0.0"), 404)


async def test_syntax_error_location(client: httpx.AsyncClient) -> None:
    tree = {"s.proto": 'syntax = "proto3";\nmessage S {\n  string a = 1\n}\n'}
    error = assert_error(await push(client, "acme.syn", "v1.0.0", tree), 422, "compile_failed")
    first = error["details"][0]
    assert first["file"] == "s.proto" and first["line"] == 4


async def test_dependencies_resolve_imports(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    tree = {"acme/b/v1/b.proto": PROTO_B}
    without = await push(client, "acme.b", "v1.0.0", tree)
    assert_error(without, 422, "compile_failed")

    deps = [{"module": "acme.a", "version": "v1.0.0"}]
    response = await push(client, "acme.b", "v1.0.0", tree, dependencies=deps)
    assert response.status_code == 201, response.text
    assert response.json()["dependencies"] == deps

    # Transitive: c imports b, which imports a; c pins only b.
    tree_c = {
        "acme/c/v1/c.proto": 'syntax = "proto3";\npackage acme.c.v1;\n'
        'import "acme/b/v1/b.proto";\nmessage C { acme.b.v1.B b = 1; }\n'
    }
    pin_b = [{"module": "acme.b", "version": "v1.0.0"}]
    assert (await push(client, "acme.c", "v1.0.0", tree_c, dependencies=pin_b)).status_code == 201


async def test_dependency_errors(client: httpx.AsyncClient) -> None:
    missing = await push(
        client, "acme.b", "v1.0.0", dependencies=[{"module": "acme.a", "version": "v9.9.9"}]
    )
    assert_error(missing, 422, "dependency_error")
    self_dep = await push(
        client, "acme.a", "v1.0.0", dependencies=[{"module": "acme.a", "version": "v1.0.0"}]
    )
    assert_error(self_dep, 422, "dependency_error")
    bad_version = await push(
        client, "acme.b", "v1.0.0", dependencies=[{"module": "acme.a", "version": "latest"}]
    )
    assert_error(bad_version, 400, "invalid_argument")

    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    # Same import path in the push and in a dependency is ambiguous.
    clash = await push(
        client, "acme.b", "v1.0.0", dependencies=[{"module": "acme.a", "version": "v1.0.0"}]
    )
    assert_error(clash, 422, "dependency_error")


async def test_latest_and_ordering(client: httpx.AsyncClient) -> None:
    for version in ["v1.9.0", "v2.0.0-rc.1", "v1.10.0", "v1.0.0"]:
        assert (await push(client, "acme.a", version)).status_code == 201
    latest = (await client.get("/modules/acme.a/versions/latest")).json()
    assert latest["version"] == "v1.10.0"
    listed = (await client.get("/modules/acme.a/versions")).json()
    assert [v["version"] for v in listed["items"]] == ["v2.0.0-rc.1", "v1.10.0", "v1.9.0", "v1.0.0"]
    # A new push moves latest (the cached pointer is invalidated).
    assert (await push(client, "acme.a", "v2.0.0")).status_code == 201
    latest = (await client.get("/modules/acme.a/versions/latest")).json()
    assert latest["version"] == "v2.0.0"


async def test_latest_falls_back_to_prerelease(client: httpx.AsyncClient) -> None:
    for version in ["v0.1.0-alpha", "v0.1.0-beta"]:
        assert (await push(client, "acme.a", version)).status_code == 201
    latest = (await client.get("/modules/acme.a/versions/latest")).json()
    assert latest["version"] == "v0.1.0-beta"


async def test_version_pagination(client: httpx.AsyncClient) -> None:
    versions = [f"v1.{i}.0" for i in range(12)]
    for version in versions:
        await push(client, "acme.a", version)
    seen: list[str] = []
    token = None
    while True:
        params = {"limit": "5", **({"page_token": token} if token else {})}
        page = (await client.get("/modules/acme.a/versions", params=params)).json()
        seen += [v["version"] for v in page["items"]]
        token = page["next_page_token"]
        if not token:
            break
    assert seen == [f"v1.{i}.0" for i in reversed(range(12))]


async def test_version_reads_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/modules/none/versions/v1.0.0"), 404, "version_not_found")
    assert_error(await client.get("/modules/none/versions/latest"), 404)
    assert_error(await client.get("/modules/none/versions"), 404, "module_not_found")
    await client.post("/modules", json={"name": "empty"})
    assert_error(await client.get("/modules/empty/versions/latest"), 404, "version_not_found")
    assert (await client.get("/modules/empty/versions")).json()["items"] == []


async def test_readme_is_kept_but_not_compiled(client: httpx.AsyncClient) -> None:
    tree = {"README.md": "# A\nnot a proto {{{", "a.proto": 'syntax = "proto3";\nmessage A {}\n'}
    response = await push(client, "acme.doc", "v1.0.0", tree)
    assert response.status_code == 201, response.text
    readme = await client.get("/modules/acme.doc/versions/v1.0.0/files/README.md")
    assert readme.text == tree["README.md"]
    assert readme.headers["content-type"].startswith("text/markdown")
    only_readme = await push(client, "acme.doc", "v1.0.1", {"README.md": "# A"})
    assert_error(only_readme, 400, "invalid_argument")
