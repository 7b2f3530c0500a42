"""Each backend fails in turn; the registry keeps answering as documented.

Every test states the impact it expects, injects the fault into the module's own stack,
and checks what clients see, then heals the stack for the next test.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from spoke.config import Settings
from spoke.devstack.stack import Stack
from tests.functional.support import PROTO_A, assert_error, push
from tests.ha.conftest import StartInstance, poll

pytestmark = pytest.mark.ha

BIG = 'syntax = "proto3";\npackage big.v1;\nmessage Big {}\n' + "// padding\n" * 40_000


async def test_two_instances_see_each_others_pushes_at_once(start_instance: StartInstance) -> None:
    """Expected: a push on A is visible on B in B's very next request (latest moves too)."""
    a, b = await start_instance(), await start_instance()
    assert (await push(a.client, "acme.a", "v1.0.0")).status_code == 201
    latest = await b.client.get("/modules/acme.a/versions/latest")
    assert latest.json()["version"] == "v1.0.0"  # B now caches `latest` in Redis

    assert (await push(a.client, "acme.a", "v1.1.0")).status_code == 201
    assert (await b.client.get("/modules/acme.a/versions/latest")).json()["version"] == "v1.1.0"
    assert (await b.client.get("/modules/acme.a/versions/v1.1.0")).status_code == 200


async def test_concurrent_pushes_of_one_version_on_two_instances(
    start_instance: StartInstance,
) -> None:
    """Expected: one 201 and one 200 (same content) or 409 (different); never a 500."""
    a, b = await start_instance(), await start_instance()
    for i in range(5):
        version = f"v1.{i}.0"
        same = await asyncio.gather(
            push(a.client, "acme.race", version), push(b.client, "acme.race", version)
        )
        assert sorted(r.status_code for r in same) == [200, 201]
        assert same[0].json()["digest"] == same[1].json()["digest"]

        other = {"acme/a/v1/a.proto": PROTO_A + "// other\n"}
        version = f"v2.{i}.0"
        differ = await asyncio.gather(
            push(a.client, "acme.race", version), push(b.client, "acme.race", version, other)
        )
        assert sorted(r.status_code for r in differ) == [201, 409]
    listed = (await a.client.get("/modules/acme.race/versions", params={"limit": "100"})).json()
    assert len(listed["items"]) == 10  # never two rows for one version


async def test_replica_down_reads_fall_back_and_recover(
    fault_stack: Stack, start_instance: StartInstance
) -> None:
    """Expected: with the replica stopped, reads succeed from the primary and the fallback
    metric rises; once the replica is back it is marked healthy and read from again."""
    writer, reader = await start_instance(), await start_instance()
    assert (await push(writer.client, "acme.r", "v1.0.0")).status_code == 201
    replica = fault_stack.postgres_replicas[0]
    replica.stop()
    try:
        # A new query each time: a list answered once is remembered (response_cache).
        for limit in (1, 2, 3):
            listed = await reader.client.get(f"/modules/acme.r/versions?limit={limit}")
            assert listed.status_code == 200
            assert [v["version"] for v in listed.json()["items"]] == ["v1.0.0"]
        assert reader.metric("spoke_db_replica_fallbacks_total") >= 3
        assert reader.metric("spoke_db_replica_healthy", replica=f"127.0.0.1:{replica.port}") == 0
    finally:
        replica.start()

    async def healthy() -> bool:
        await asyncio.sleep(0.1)
        return reader.metric("spoke_db_replica_healthy", replica=f"127.0.0.1:{replica.port}") == 1

    await poll(healthy, within=20, what="the replica to be probed healthy")
    before = reader.metric("spoke_db_replica_fallbacks_total")
    for limit in (4, 5, 6, 7, 8):
        listed = await reader.client.get(f"/modules/acme.r/versions?limit={limit}")
        assert listed.status_code == 200
    assert reader.metric("spoke_db_replica_fallbacks_total") == before


async def test_primary_down_reads_come_from_the_replica(
    fault_stack: Stack, start_instance: StartInstance, settings: Settings
) -> None:
    """Expected: with the primary stopped, a push answers 503 at once; `latest` (which
    normally asks the primary) and a version the replica does not have (normally confirmed
    on the primary) are answered from the replica; all is normal once it is back."""
    writer = await start_instance()
    assert (await push(writer.client, "acme.p", "v1.0.0")).status_code == 201
    reader = await start_instance()  # nothing cached: every answer comes from a database
    assert settings.postgres_url is not None
    database = settings.postgres_url.rsplit("/", 1)[1]
    primary = fault_stack.postgres
    assert primary is not None
    replica = fault_stack.postgres_replicas[0]
    await poll(
        lambda: asyncio.to_thread(
            lambda: replica.query("SELECT count(*) FROM versions", database=database) == "1"
        ),
        within=10,
        what="the replica to replay the push",
    )
    primary.stop()
    try:
        started = time.monotonic()
        failed = await push(writer.client, "acme.p", "v1.0.1")
        assert time.monotonic() - started < 2.0
        assert_error(failed, 503, "metadata_unavailable")
        latest = await reader.client.get("/modules/acme.p/versions/latest")
        assert latest.status_code == 200 and latest.json()["version"] == "v1.0.0"
        missing = await reader.client.get("/modules/acme.p/versions/v9.9.9")
        assert_error(missing, 404, "version_not_found")
    finally:
        primary.start()
    assert (await push(writer.client, "acme.p", "v1.0.1")).status_code == 201


async def test_s3_down_metadata_still_served_files_503(
    fault_stack: Stack, start_instance: StartInstance
) -> None:
    """Expected: with S3 stopped, version metadata still answers 200, file reads answer 503
    with a clear error within seconds, readiness fails; after restart files are served."""
    writer = await start_instance()
    tree = {"big/v1/big.proto": BIG, "small/a.proto": PROTO_A.replace("acme.a.v1", "small")}
    assert (await push(writer.client, "acme.s3", "v1.0.0", tree)).status_code == 201
    reader = await start_instance()  # nothing of this version cached in its process yet
    assert fault_stack.s3 is not None
    fault_stack.s3.stop()
    try:
        meta = await reader.client.get("/modules/acme.s3/versions/v1.0.0")
        assert meta.status_code == 200
        for path in tree:
            started = time.monotonic()
            error = assert_error(
                await reader.client.get(f"/modules/acme.s3/versions/v1.0.0/files/{path}"), 503
            )
            assert time.monotonic() - started < 10
            assert error["code"] == "blob_store_unavailable"
            assert "object storage" in error["message"]
        archive = await reader.client.get("/modules/acme.s3/versions/v1.0.0/archive")
        assert_error(archive, 503, "blob_store_unavailable")
        readiness = await reader.app.state.health.readiness()
        # Still ready (metadata reads work), degraded; every instance says the same.
        assert readiness.ready and readiness.status == "degraded"
        assert readiness.checks["blobs"] != "ok"
    finally:
        fault_stack.s3.start()
    for path, content in tree.items():
        response = await reader.client.get(f"/modules/acme.s3/versions/v1.0.0/files/{path}")
        assert response.status_code == 200
        assert response.text == content


async def test_redis_master_killed_requests_succeed_and_cache_returns(
    fault_stack: Stack, start_instance: StartInstance
) -> None:
    """Expected: with the Redis master killed, every request still succeeds, none waits
    on Redis for long; after the Sentinel failover the shared cache is used again."""
    instance = await start_instance()
    assert (await push(instance.client, "acme.c", "v1.0.0")).status_code == 201
    old_master = fault_stack.redis_master_address()
    killed = fault_stack.redis_master
    assert killed is not None and killed.address == old_master
    killed.kill()
    try:
        slowest = 0.0

        async def failed_over() -> bool:
            nonlocal slowest
            started = time.monotonic()
            latest = await instance.client.get("/modules/acme.c/versions/latest")
            slowest = max(slowest, time.monotonic() - started)
            assert latest.status_code == 200 and latest.json()["version"] == "v1.0.0"
            await asyncio.sleep(0.05)
            return fault_stack.redis_master_address() != old_master

        await poll(failed_over, within=30, what="Sentinel to promote the replica")
        assert slowest < 1.0, f"a request waited {slowest:.2f} s on a dead Redis"

        hits = instance.metric("spoke_cache_requests_total", tier="redis", result="hit")

        async def cache_used_again() -> bool:
            latest = await instance.client.get("/modules/acme.c/versions/latest")
            assert latest.status_code == 200
            await asyncio.sleep(0.1)
            return instance.metric("spoke_cache_requests_total", tier="redis", result="hit") > hits

        await poll(cache_used_again, within=30, what="the cache to answer from the new master")
    finally:
        killed.start()  # comes back; the Sentinels make it a replica of the new master


async def test_a_deletion_on_one_instance_reaches_the_others(start_instance: StartInstance) -> None:
    """Expected: B cached a pinned version (in process, precomputed); A deletes it; B stops
    serving it within moments (Redis broadcast), and serves it again after a restore."""
    a, b = await start_instance(), await start_instance()
    assert (await push(a.client, "acme.d", "v1.0.0")).status_code == 201
    url = "/modules/acme.d/versions/v1.0.0"
    for _ in range(2):  # the second answer comes from B's precomputed responses
        assert (await b.client.get(url)).status_code == 200
        assert (await b.client.get(f"{url}/files/acme/a/v1/a.proto")).status_code == 200
    assert (await a.client.delete(url)).status_code == 200

    async def gone() -> bool:
        await asyncio.sleep(0.02)
        return (await b.client.get(url)).status_code == 404

    await poll(gone, within=5, what="B to forget the deleted version")
    assert (await b.client.get(f"{url}/files/acme/a/v1/a.proto")).status_code == 404
    assert (await a.client.post(f"{url}/restore")).status_code == 200
    assert (await b.client.get(url)).status_code == 200
