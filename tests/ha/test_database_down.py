"""PostgreSQL down (the primary and every replica): every route answers 503
``metadata_unavailable``, never a 500, whoever asks: an API key (looked up in the very
database that is down), or a JWT on routes that need the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from spoke.config import Settings
from spoke.devstack.stack import Stack
from tests.functional.support import assert_error, push
from tests.ha.conftest import StartInstance
from tests.production import isolated_settings

pytestmark = pytest.mark.ha

SECRET = "database-down-" + "d" * 32
VERSION = "/modules/acme.a/versions/v1.0.0"

# A representative route of each router (modules, versions, files, dependencies,
# compile, governance, keys, audit): (method, path, JSON body).
# What only the database can answer (the rest may come from the caches and the bucket:
# immutable versions, their files and archives, `latest`, the languages).
NEEDS_DATABASE = {
    "/modules",
    "/modules/acme.a",
    # (not "/modules/acme.a/versions": a list is remembered for a few seconds, like
    # `latest`, and may be answered as it was: spoke.api.response_cache)
    f"{VERSION}/dependents",
    f"{VERSION}/compilations",
    "/modules/acme.a/policy",
    "/auth/keys",
    "/audit",
}
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/modules", None),
    ("GET", "/modules/acme.a", None),
    ("PATCH", "/modules/acme.a", {"description": "changed"}),
    ("GET", "/modules/acme.a/versions", None),
    ("GET", VERSION, None),
    ("GET", "/modules/acme.a/versions/latest", None),
    ("GET", f"{VERSION}/files/acme/a/v1/a.proto", None),
    ("GET", f"{VERSION}/archive", None),
    ("GET", f"{VERSION}/dependencies", None),
    ("GET", f"{VERSION}/dependents", None),
    ("GET", "/languages", None),
    ("GET", f"{VERSION}/compilations", None),
    ("GET", "/modules/acme.a/policy", None),
    ("GET", f"{VERSION}/diff?against=v0.9.0", None),
    ("GET", "/auth/keys", None),
    ("GET", "/audit", None),
]


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def admin_jwt() -> str:
    claims = {"sub": "ops", "roles": ["admin"], "exp": time.time() + 600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.fixture
async def settings(fault_stack: Stack, tmp_path: Path) -> Settings:
    return await isolated_settings(
        fault_stack, tmp_path, redis_timeout=0.25, auth_mode="required", jwt_secret=SECRET
    )


@contextmanager
def postgres_stopped(stack: Stack) -> Iterator[None]:
    """The primary and its replicas stopped; started again (primary first) on exit."""
    assert stack.postgres is not None
    servers = [*stack.postgres_replicas, stack.postgres]
    for server in servers:
        server.stop()
    try:
        yield
    finally:
        for server in reversed(servers):
            server.start()


async def request(
    client: httpx.AsyncClient, method: str, path: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(method, path, json=body, headers=headers)


async def test_every_route_answers_503_with_postgres_down(
    fault_stack: Stack, start_instance: StartInstance
) -> None:
    """Expected: with PostgreSQL stopped, every route answers 503 metadata_unavailable with
    an API key (before: 500, as the key lookup's driver error escaped), pushes included,
    or, for reads the caches hold, exactly its answer from before; never a 500. With a
    JWT, routes that need the database answer 503 too; all work again after."""
    instance = await start_instance()
    client = instance.client
    created = await client.post(
        "/auth/keys", json={"name": "ci", "grants": ["admin"]}, headers=bearer(admin_jwt())
    )
    assert created.status_code == 201, created.text
    key = bearer(created.json()["token"])
    assert (await push(client, "acme.a", "v0.9.0", headers=key)).status_code == 201
    assert (await push(client, "acme.a", "v1.0.0", headers=key)).status_code == 201
    before = {}
    for method, path, body in ROUTES:  # each works, and what can be cached is
        answered = await request(client, method, path, body, key)
        assert answered.status_code == 200, (path, answered.text)
        before[method, path] = answered.content

    with postgres_stopped(fault_stack):
        for method, path, body in ROUTES:
            answered = await request(client, method, path, body, key)
            if answered.status_code == 200:
                # Answered from the caches (a key verified moments ago, immutable versions)
                # and the bucket: exactly what was answered before the outage.
                assert method == "GET" and path not in NEEDS_DATABASE, (path, answered.text)
                assert answered.content == before[method, path]
                continue
            assert_error(answered, 503, "metadata_unavailable")
        assert_error(
            await push(client, "acme.a", "v1.1.0", headers=key), 503, "metadata_unavailable"
        )
        token = bearer(admin_jwt())
        for path in ("/modules", "/modules/acme.a", "/auth/keys", "/audit"):
            assert_error(await client.get(path, headers=token), 503, "metadata_unavailable")
        assert_error(await push(client, "acme.a", "v1.1.0", headers=token), 503)

    assert (await client.get("/modules", headers=key)).status_code == 200
    assert (await push(client, "acme.a", "v1.1.0", headers=key)).status_code == 201
