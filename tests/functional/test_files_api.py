"""Reading files and archives back: bytes, ETags, caching headers."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import httpx

from tests.functional.support import assert_error, push

TREE = {
    "acme/x/v1/x.proto": 'syntax = "proto3";\npackage acme.x.v1;\nmessage X { string s = 1; }\n',
    "acme/x/v1/y.proto": (
        'syntax = "proto3";\npackage acme.x.v1;\nimport "acme/x/v1/x.proto";\n'
        "// ünïcode comment\nmessage Y { X x = 1; }\n"
    ),
}
BASE = "/modules/acme.x/versions"


async def test_file_bytes_and_headers(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.x", "v1.0.0", TREE)).status_code == 201
    for path, content in TREE.items():
        response = await client.get(f"{BASE}/v1.0.0/files/{path}")
        assert response.status_code == 200
        assert response.content == content.encode()
        sha = hashlib.sha256(content.encode()).hexdigest()
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert int(response.headers["content-length"]) == len(content.encode())


async def test_if_none_match_gives_304(client: httpx.AsyncClient) -> None:
    await push(client, "acme.x", "v1.0.0", TREE)
    url = f"{BASE}/v1.0.0/files/acme/x/v1/x.proto"
    etag = (await client.get(url)).headers["etag"]
    for header in [etag, f"W/{etag}", f'"other", {etag}', "*"]:
        response = await client.get(url, headers={"If-None-Match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert (await client.get(url, headers={"If-None-Match": '"other"'})).status_code == 200


async def test_latest_is_revalidated(client: httpx.AsyncClient) -> None:
    await push(client, "acme.x", "v1.0.0", TREE)
    response = await client.get(f"{BASE}/latest/files/acme/x/v1/x.proto")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, no-cache"
    assert response.headers["x-spoke-version"] == "v1.0.0"


async def test_missing_and_invalid_file_paths(client: httpx.AsyncClient) -> None:
    await push(client, "acme.x", "v1.0.0", TREE)
    assert_error(await client.get(f"{BASE}/v1.0.0/files/acme/x/v1/z.proto"), 404, "file_not_found")
    assert_error(await client.get(f"{BASE}/v9.0.0/files/acme/x/v1/x.proto"), 404)
    assert_error(await client.get(f"{BASE}/v1.0.0/files/notes.txt"), 400, "invalid_argument")
    # Encoded so no client normalises them away before they reach the server.
    for raw in ["acme/%2E%2E/x.proto", "%2Fetc%2Fpasswd.proto", "a%00.proto", "a%5Cb.proto"]:
        response = await client.get(f"{BASE}/v1.0.0/files/{raw}")
        assert_error(response, 400, "invalid_argument")


async def test_archive_tar_gz_and_zip(client: httpx.AsyncClient) -> None:
    await push(client, "acme.x", "v1.0.0", TREE)
    tgz = await client.get(f"{BASE}/v1.0.0/archive")
    assert tgz.status_code == 200
    assert tgz.headers["content-type"] == "application/gzip"
    assert 'filename="acme.x-v1.0.0.tar.gz"' in tgz.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(tgz.content), mode="r:gz") as tar:
        names = tar.getnames()
        got = {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert names == sorted(TREE)
    assert got == TREE

    z = await client.get(f"{BASE}/v1.0.0/archive", params={"format": "zip"})
    assert z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        assert {n: archive.read(n).decode() for n in archive.namelist()} == TREE

    # Deterministic: same bytes again, and a matching ETag answers 304.
    again = await client.get(f"{BASE}/v1.0.0/archive")
    assert again.content == tgz.content
    cached = await client.get(
        f"{BASE}/v1.0.0/archive", headers={"If-None-Match": tgz.headers["etag"]}
    )
    assert cached.status_code == 304
    assert_error(await client.get(f"{BASE}/v1.0.0/archive", params={"format": "rar"}), 422)


async def test_repeated_reads_are_answered_from_precomputed_responses(
    client: httpx.AsyncClient,
) -> None:
    await push(client, "acme.x", "v1.0.0", TREE)
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    urls = [f"{BASE}/v1.0.0/files/acme/x/v1/x.proto", f"{BASE}/v1.0.0"]
    first = [await client.get(url) for url in urls]
    assert len(cache) == 2
    for _ in range(3):
        for url, original in zip(urls, first, strict=True):
            again = await client.get(url)
            assert again.status_code == 200
            assert again.content == original.content
            assert again.headers.get_list("x-request-id") != original.headers.get_list(
                "x-request-id"
            )
            assert len(again.headers.get_list("x-request-id")) == 1
            assert len(again.headers.raw) == len(original.headers.raw)
            cached = await client.get(url, headers={"If-None-Match": original.headers["etag"]})
            assert cached.status_code == 304
    # A pinned read with a query string is never precomputed; `latest` is, as a moving
    # answer (tests/functional/test_hot_reads_moving.py).
    await client.get(f"{BASE}/v1.0.0?x=1")
    assert len(cache) == 2
    await client.get(f"{BASE}/latest/files/acme/x/v1/x.proto")
    await client.get(f"{BASE}/latest")
    assert len(cache) == 4
    assert cache.get(f"{BASE}/latest").expires is not None


async def test_version_metadata_etag(client: httpx.AsyncClient) -> None:
    pushed = (await push(client, "acme.x", "v1.0.0", TREE)).json()
    response = await client.get(f"{BASE}/v1.0.0")
    assert response.headers["etag"] == '"' + pushed["digest"].removeprefix("sha256:") + '"'
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    latest = await client.get(f"{BASE}/latest", headers={"If-None-Match": response.headers["etag"]})
    assert latest.status_code == 304
    assert latest.headers["cache-control"] == "public, no-cache"
