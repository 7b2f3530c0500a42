"""Oversized, malformed and hostile input: a clear error, the right status, nothing stored."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push

GOOD = 'syntax = "proto3";\nmessage A {}\n'


async def assert_nothing_stored(client: httpx.AsyncClient, module: str) -> None:
    assert_error(await client.get(f"/modules/{module}"), 404, "module_not_found")


@pytest.mark.parametrize(
    "path",
    [
        "../escape.proto",
        "a/../../escape.proto",
        "/etc/passwd.proto",
        "a\\b.proto",
        "a\x00b.proto",
        "a\nb.proto",
        "a//b.proto",
        "./a.proto",
        "a.txt",
        "docs/README.md",
        "",
        "x" * 1100 + ".proto",
    ],
)
async def test_bad_paths_are_rejected(client: httpx.AsyncClient, path: str) -> None:
    error = assert_error(await push(client, "evil", "v1.0.0", {path: GOOD}), 400)
    assert error["code"] == "invalid_argument"
    await assert_nothing_stored(client, "evil")


async def test_duplicate_paths_are_rejected(client: httpx.AsyncClient) -> None:
    body = {"version": "v1.0.0", "files": [{"path": "a.proto", "content": GOOD}] * 2}
    assert_error(await client.post("/modules/evil/versions", json=body), 400, "invalid_argument")


async def test_lone_surrogates_are_rejected(client: httpx.AsyncClient) -> None:
    # JSON can spell text that is not valid UTF-8; it must not reach storage.
    for field in ("path", "content"):
        file = {"path": "a.proto", "content": GOOD}
        file[field] = file[field].replace("a", "\\ud800", 1)
        raw = json.dumps({"version": "v1.0.0", "files": [file]}).replace("\\\\ud800", "\\ud800")
        response = await client.post(
            "/modules/evil/versions", content=raw, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "invalid_argument")
    await assert_nothing_stored(client, "evil")


async def test_invalid_utf8_body_is_400(client: httpx.AsyncClient) -> None:
    raw = b'{"version": "v1.0.0", "files": [{"path": "a.proto", "content": "\xff\xfe"}]}'
    response = await client.post(
        "/modules/evil/versions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")
    await assert_nothing_stored(client, "evil")


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    for raw in [b"{", b"[1, 2", b'{"version": }', b"\x00\x01"]:
        response = await client.post(
            "/modules/evil/versions", content=raw, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "malformed_json")


async def test_schema_violations_are_422(client: httpx.AsyncClient) -> None:
    for body in [{}, {"version": "v1.0.0"}, {"version": 1, "files": []}, {"files": "x"}, []]:
        response = await client.post("/modules/evil/versions", json=body)
        assert_error(response, 422, "invalid_request")
    await assert_nothing_stored(client, "evil")


async def test_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]:
        response = await client.post(
            "/modules", content=b'{"name": "x"}', headers={"Content-Type": content_type}
        )
        assert_error(response, 415, "unsupported_media_type")
    response = await client.post("/modules", content=b'{"name": "x"}', headers={})
    assert_error(response, 415, "unsupported_media_type")


async def test_bad_versions_are_400(client: httpx.AsyncClient) -> None:
    for version in [
        "1.0.0",
        "v1",
        "v1.0",
        "v01.0.0",
        "v1.0.0-",
        "latest",
        "v" + "1" * 200 + ".0.0",
    ]:
        assert_error(await push(client, "acme.v", version), 400, "invalid_argument")


async def test_size_limits(make_client: MakeClient) -> None:
    client = await make_client(max_file_size=1024, max_files=3, max_request_size=64 * 1024)
    big = 'syntax = "proto3";\n' + "// padding\n" * 200
    error = assert_error(await push(client, "acme.s", "v1.0.0", {"a.proto": big}), 413)
    assert error["code"] == "too_large"
    assert error["details"]["path"] == "a.proto"

    many = {f"f{i}.proto": GOOD.replace("A", f"A{i}") for i in range(4)}
    assert_error(await push(client, "acme.s", "v1.0.0", many), 413, "too_large")

    huge = b'{"version": "v1.0.0", "files": [' + b" " * (70 * 1024) + b"]}"
    response = await client.post(
        "/modules/acme.s/versions", content=huge, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "request_too_large")

    def chunked() -> object:
        async def gen():  # type: ignore[no-untyped-def]
            for _ in range(20):
                yield b" " * 8192

        return gen()

    response = await client.post(
        "/modules/acme.s/versions",
        content=chunked(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "request_too_large")
    await assert_nothing_stored(client, "acme.s")


async def test_unknown_routes_and_methods_use_the_error_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nope"), 404, "not_found")
    assert_error(await client.delete("/modules"), 405, "method_not_allowed")


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/modules/{name}/versions" in spec["paths"]
    assert "/modules/{name}/versions/{version}/files/{path}" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_import_loops_are_422(client: httpx.AsyncClient) -> None:
    tree = {
        "a.proto": 'syntax = "proto3";\nimport "b.proto";\nmessage A {}\n',
        "b.proto": 'syntax = "proto3";\nimport "a.proto";\nmessage B {}\n',
    }
    error = assert_error(await push(client, "evil.loop", "v1.0.0", tree), 422, "compile_failed")
    assert "recursively" in " ".join(d["message"] for d in error["details"]).lower()
    await assert_nothing_stored(client, "evil.loop")


async def test_deeply_nested_protos_fail_or_pass_cleanly(client: httpx.AsyncClient) -> None:
    """Nesting beyond protoc's limits must be a clean 422 (or a success), never a 500,
    and the server must go on answering, for pushes and for code generation."""
    for depth in (100, 5000):
        body = "".join(f"message M{i} {{\n" for i in range(depth)) + "}\n" * depth
        response = await push(
            client, f"evil.deep{depth}", "v1.0.0", {"deep.proto": f'syntax = "proto3";\n{body}'}
        )
        assert response.status_code in (201, 422), response.text
        if response.status_code == 201:
            compiled = await client.post(
                f"/modules/evil.deep{depth}/versions/v1.0.0/compile/python"
            )
            assert compiled.status_code in (200, 422), compiled.text
    assert (await client.get("/modules")).status_code == 200


async def test_huge_headers_are_431(client: httpx.AsyncClient) -> None:
    response = await client.get("/modules", headers={"X-Padding": "a" * 40_000})
    assert_error(response, 431, "headers_too_large")
    assert (await client.get("/modules", headers={"X-Padding": "a" * 1000})).status_code == 200
