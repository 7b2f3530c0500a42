"""Hiding a module, or revoking an API key, reaches every instance through the invalidation
broadcast, well before what an instance trusts in process would expire."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import jwt
import pytest

from spoke.auth.keys import VERIFIED_TTL
from spoke.config import Settings
from spoke.devstack.stack import Stack
from spoke.services.visibility import VISIBILITY_TTL
from tests.functional.support import assert_error, push
from tests.ha.conftest import StartInstance, poll
from tests.production import isolated_settings

pytestmark = pytest.mark.ha

SECRET = "test-secret-" + "x" * 32


def bearer(*roles: str) -> dict[str, str]:
    claims = {"sub": "t", "roles": list(roles), "exp": time.time() + 86_400}
    return {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}


@pytest.fixture
async def settings(fault_stack: Stack, tmp_path: Path) -> Settings:
    return await isolated_settings(
        fault_stack, tmp_path, auth_mode="read-public", jwt_secret=SECRET, cache_ttl=600
    )


async def test_hiding_a_module_on_one_instance_hides_it_on_the_others(
    start_instance: StartInstance,
) -> None:
    a, b = await start_instance(), await start_instance()
    assert (await push(a.client, "acme.v", "v1.0.0", headers=bearer("admin"))).status_code == 201
    url = "/modules/acme.v/versions/v1.0.0"
    assert (await b.client.get(url)).status_code == 200  # B now trusts "public" for a while
    started = time.monotonic()
    hide = await a.client.patch("/modules/acme.v", json={"public": False}, headers=bearer("admin"))
    assert hide.status_code == 200

    async def hidden() -> bool:
        await asyncio.sleep(0.01)
        return (await b.client.get(url)).status_code == 404

    await poll(hidden, within=VISIBILITY_TTL, what="B to see the module hidden")
    assert time.monotonic() - started < VISIBILITY_TTL / 2  # the broadcast, not the expiry
    assert_error(await b.client.get(url), 404, "module_not_found")
    assert (await b.client.get(url, headers=bearer("read:acme.v"))).status_code == 200


async def test_revoking_a_key_on_one_instance_refuses_it_on_the_others(
    start_instance: StartInstance,
) -> None:
    a, b = await start_instance(), await start_instance()
    made = await a.client.post(
        "/auth/keys", json={"name": "ci", "grants": ["read"]}, headers=bearer("admin")
    )
    assert made.status_code == 201, made.text
    key = {"Authorization": f"Bearer {made.json()['token']}"}
    for _ in range(2):  # B verifies it, then trusts it for a while
        assert (await b.client.get("/modules", headers=key)).status_code == 200
    started = time.monotonic()
    revoked = await a.client.delete(f"/auth/keys/{made.json()['id']}", headers=bearer("admin"))
    assert revoked.status_code == 200
    assert_error(await a.client.get("/modules", headers=key), 401, "unauthenticated")

    async def refused() -> bool:
        await asyncio.sleep(0.01)
        return (await b.client.get("/modules", headers=key)).status_code == 401

    await poll(refused, within=VERIFIED_TTL, what="B to refuse the revoked key")
    assert time.monotonic() - started < VERIFIED_TTL / 2  # the broadcast, not the expiry
