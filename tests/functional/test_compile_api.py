"""Generated code over HTTP: languages, compile, status, downloads, the compile cache."""

from __future__ import annotations

import asyncio
import io
import tarfile
import time
import zipfile

import httpx

from tests.functional.conftest import MakeClient
from tests.functional.support import PROTO_A, assert_error, push

VERSION = "/modules/acme.a/versions/v1.0.0"
SERVICE = (
    'syntax = "proto3";\npackage acme.svc.v1;\nimport "acme/a/v1/a.proto";\n'
    "service Things { rpc Get(acme.a.v1.A) returns (acme.a.v1.A); }\n"
)


def protoc_runs(client: httpx.AsyncClient, language: str) -> float:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    return registry.get_sample_value("spoke_protoc_runs_total", {"language": language}) or 0.0


async def test_languages_lists_what_is_installed(client: httpx.AsyncClient) -> None:
    languages = {lang["id"]: lang for lang in (await client.get("/languages")).json()}
    assert {"python", "cpp", "java", "go", "descriptor_set"} <= set(languages)
    assert languages["python"]["available"]
    assert languages["python"]["tools"]["protoc"]
    assert not languages["descriptor_set"]["grpc_available"]


async def test_compile_download_and_cache(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    compiled = await client.post(f"{VERSION}/compile/python")
    assert compiled.status_code == 200, compiled.text
    job = compiled.json()
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert job["artifact"]["digest"].startswith("sha256:")
    assert protoc_runs(client, "python") == 1

    download = await client.get(job["artifact"]["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert int(download.headers["content-length"]) == job["artifact"]["size"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = archive.namelist()
    assert "acme/a/v1/a_pb2.py" in names and "acme/a/v1/a_pb2.pyi" in names

    tgz = await client.get(f"{VERSION}/download/python", params={"format": "tar.gz"})
    with tarfile.open(fileobj=io.BytesIO(tgz.content), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(names)

    again = await client.post(f"{VERSION}/compile/python")
    assert again.json()["artifact"] == job["artifact"]
    # Same files under another version: the compile cache answers, protoc does not run.
    assert (await push(client, "acme.a", "v1.0.1")).status_code == 201
    cached = await client.post("/modules/acme.a/versions/v1.0.1/compile/python")
    assert cached.json()["artifact"]["digest"] == job["artifact"]["digest"]
    assert protoc_runs(client, "python") == 1

    statuses = (await client.get(f"{VERSION}/compilations")).json()
    assert [(s["language"], s["status"]) for s in statuses] == [("python", "succeeded")]


async def test_grpc_stubs_and_dependencies(client: httpx.AsyncClient) -> None:
    await push(client, "acme.a", "v1.0.0")
    deps = [{"module": "acme.a", "version": "v1.0.0"}]
    response = await push(
        client, "acme.svc", "v1.0.0", {"acme/svc/v1/svc.proto": SERVICE}, dependencies=deps
    )
    assert response.status_code == 201, response.text
    job = (await client.post("/modules/acme.svc/versions/v1.0.0/compile/python?grpc=true")).json()
    assert job["status"] == "succeeded", job
    download = await client.get(job["artifact"]["download_url"])
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
    assert {"acme/svc/v1/svc_pb2.py", "acme/svc/v1/svc_pb2_grpc.py"} <= names
    assert not any(name.startswith("acme/a/") for name in names)  # the dependency is not generated


async def test_compile_errors(client: httpx.AsyncClient) -> None:
    await push(client, "acme.a", "v1.0.0")
    assert_error(await client.post(f"{VERSION}/compile/cobol"), 404, "unknown_language")
    assert_error(await client.post(f"{VERSION}/compile/descriptor_set?grpc=true"), 400)
    assert_error(await client.post("/modules/acme.a/versions/v9.0.0/compile/python"), 404)
    assert_error(await client.post(f"{VERSION}/compile/python?grpc=maybe"), 422)
    missing = assert_error(await client.get(f"{VERSION}/download/python"), 404, "not_found")
    assert "compile" in missing["message"]
    assert_error(await client.get(f"{VERSION}/download/python?format=rar"), 422)
    assert_error(await client.get("/modules/acme.a/versions/v9.9.9/compilations"), 404)


async def test_descriptor_set_lists_every_file(client: httpx.AsyncClient) -> None:
    from google.protobuf import descriptor_pb2

    await push(
        client,
        "acme.a",
        "v1.0.0",
        {"acme/a/v1/a.proto": PROTO_A, "b.proto": 'syntax = "proto3";\nmessage B {}\n'},
    )
    job = (await client.post(f"{VERSION}/compile/descriptor_set")).json()
    download = await client.get(job["artifact"]["download_url"])
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        (name,) = archive.namelist()
        parsed = descriptor_pb2.FileDescriptorSet.FromString(archive.read(name))
    assert {f.name for f in parsed.file} >= {"acme/a/v1/a.proto", "b.proto"}


async def test_a_push_is_compiled_in_the_background(make_client: MakeClient) -> None:
    """No compile request: the in-process worker compiles the configured languages."""
    client = await make_client(
        sprocket_languages="python,descriptor_set", sprocket_embedded=True, sprocket_poll=0.2
    )
    assert (await push(client, "acme.a", "v1.0.0")).status_code == 201
    deadline = time.monotonic() + 30
    while True:
        jobs = (await client.get(f"{VERSION}/compilations")).json()
        if [j["status"] for j in jobs] == ["succeeded", "succeeded"]:
            break
        assert time.monotonic() < deadline, jobs
        await asyncio.sleep(0.1)
    assert [j["language"] for j in jobs] == ["descriptor_set", "python"]
    download = await client.get(f"{VERSION}/download/python")
    assert download.status_code == 200
