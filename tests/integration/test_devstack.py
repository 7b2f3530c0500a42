"""The devstack harness against its real servers: one stack for the whole module.

The last test closes the stack itself and checks that nothing is left behind, so
the tests run in file order (pytest's default).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import obstore
import pytest
from obstore.exceptions import PermissionDeniedError
from obstore.store import S3Store

from spoke.devstack import Stack, running_stack
from spoke.devstack.ports import is_listening, is_port_free
from spoke.devstack.process import pid_alive
from spoke.devstack.redis import command

DEADLINE = 15.0


@dataclass
class StackHandle:
    stack: Stack
    exit_stack: contextlib.ExitStack
    started_in: float
    pids: list[int] = field(default_factory=list)
    stopped_in: float | None = None

    def close(self) -> None:
        if self.stopped_in is None:
            started = time.monotonic()
            self.exit_stack.close()
            self.stopped_in = time.monotonic() - started


@pytest.fixture(scope="module")
def handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackHandle]:
    exit_stack = contextlib.ExitStack()
    started = time.monotonic()
    stack = exit_stack.enter_context(running_stack(tmp_path_factory.mktemp("devstack")))
    handle = StackHandle(stack, exit_stack, started_in=time.monotonic() - started)
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def stack(handle: StackHandle) -> Stack:
    if handle.stopped_in is not None:
        pytest.fail("the module's stack was already closed")
    return handle.stack


def eventually(check: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not true after {timeout} s")
        time.sleep(0.05)


def s3_store(stack: Stack, *, secret: str | None = None) -> S3Store:
    env = stack.env()
    return S3Store(
        env["SPOKE_S3_BUCKET"],
        config={
            "endpoint": env["SPOKE_S3_ENDPOINT"],
            "access_key_id": env["SPOKE_S3_ACCESS_KEY"],
            "secret_access_key": secret or env["SPOKE_S3_SECRET_KEY"],
            "region": env["SPOKE_S3_REGION"],
        },
        client_options={"allow_http": True},
        virtual_hosted_style_request=False,
    )


async def fetch_on_replica(stack: Stack, sql: str) -> list[asyncpg.Record]:
    replica_url = stack.env()["SPOKE_POSTGRES_REPLICA_URLS"].split(",")[0]
    conn = await asyncpg.connect(replica_url, timeout=5)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def wait_for_row_on_replica(stack: Stack, table: str, value: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        with contextlib.suppress(asyncpg.UndefinedTableError):
            if await fetch_on_replica(stack, f"SELECT 1 FROM {table} WHERE v = '{value}'"):
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"row {value!r} of {table} never reached the replica")


def test_started_quickly_and_env_names_every_setting(handle: StackHandle) -> None:
    env = handle.stack.env()
    ports = {
        "pg": handle.stack.postgres.port if handle.stack.postgres else None,
        "s3": handle.stack.s3.port if handle.stack.s3 else None,
    }

    assert handle.started_in < 15, handle.stack.timings
    assert set(env) == {
        "SPOKE_POSTGRES_URL",
        "SPOKE_POSTGRES_REPLICA_URLS",
        "SPOKE_S3_ENDPOINT",
        "SPOKE_S3_BUCKET",
        "SPOKE_S3_REGION",
        "SPOKE_S3_ACCESS_KEY",
        "SPOKE_S3_SECRET_KEY",
        "SPOKE_REDIS_URL",
    }
    assert env["SPOKE_POSTGRES_URL"] == f"postgresql://postgres@127.0.0.1:{ports['pg']}/spoke"
    assert env["SPOKE_S3_ENDPOINT"] == f"http://127.0.0.1:{ports['s3']}"
    assert (env["SPOKE_S3_BUCKET"], env["SPOKE_S3_REGION"]) == ("spoke", "us-east-1")
    sentinels = ",".join(f"127.0.0.1:{s.port}" for s in handle.stack.sentinels)
    assert env["SPOKE_REDIS_URL"] == f"redis+sentinel://{sentinels}/spoke"
    handle.pids = [s.pid for s in handle.stack.servers() if s.pid is not None]
    assert len(handle.pids) == 8


async def test_postgres_replica_sees_a_write_on_the_primary(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.env()["SPOKE_POSTGRES_URL"], timeout=5)
    try:
        await conn.execute("CREATE TABLE devstack_check (v text PRIMARY KEY)")
        await conn.execute("INSERT INTO devstack_check VALUES ('first')")
    finally:
        await conn.close()

    await wait_for_row_on_replica(stack, "devstack_check", "first")
    rows = await fetch_on_replica(stack, "SELECT pg_is_in_recovery() AS standby")
    assert rows[0]["standby"] is True


def test_redis_replica_reads_what_the_master_wrote(stack: Stack) -> None:
    assert stack.redis_master is not None
    replica = stack.redis_replicas[0]

    assert command(stack.redis_master.port, "SET", "devstack:key", "value") == "OK"

    eventually(lambda: command(replica.port, "GET", "devstack:key") == "value", "replica GET")


def test_every_sentinel_reports_the_master(stack: Stack) -> None:
    assert stack.redis_master is not None
    assert len(stack.sentinels) == 3
    for sentinel in stack.sentinels:
        assert sentinel.master_address() == stack.redis_master.address
        assert sentinel.view()["quorum"] == "2"
    assert stack.redis_master_address() == stack.redis_master.address


def test_s3_put_get_list(stack: Stack) -> None:
    store = s3_store(stack)

    obstore.put(store, "devstack/hello.txt", b"hello")

    assert bytes(obstore.get(store, "devstack/hello.txt").bytes()) == b"hello"
    listed = [meta["path"] for batch in obstore.list(store, prefix="devstack") for meta in batch]
    assert listed == ["devstack/hello.txt"]


def test_s3_rejects_a_wrong_secret_key(stack: Stack) -> None:
    store = s3_store(stack, secret="not-the-secret")

    with pytest.raises(PermissionDeniedError, match="SignatureDoesNotMatch"):
        obstore.put(store, "devstack/forged.txt", b"forged")


def test_s3_restart_keeps_the_bucket_and_objects(stack: Stack) -> None:
    assert stack.s3 is not None
    obstore.put(s3_store(stack), "devstack/kept.txt", b"kept")

    stack.s3.stop()
    assert not stack.s3.is_running
    assert not is_listening(stack.s3.port)
    stack.s3.start()

    assert bytes(obstore.get(s3_store(stack), "devstack/kept.txt").bytes()) == b"kept"


async def test_postgres_replica_restart_resumes_streaming(stack: Stack) -> None:
    assert stack.postgres is not None
    replica = stack.postgres_replicas[0]

    replica.stop()
    assert not replica.is_running
    conn = await asyncpg.connect(stack.env()["SPOKE_POSTGRES_URL"], timeout=5)
    try:
        await conn.execute("CREATE TABLE devstack_restart (v text PRIMARY KEY)")
        await conn.execute("INSERT INTO devstack_restart VALUES ('while-down')")
    finally:
        await conn.close()
    replica.start()

    assert replica.is_streaming()
    await wait_for_row_on_replica(stack, "devstack_restart", "while-down")


def test_sentinels_fail_over_when_the_master_is_killed(stack: Stack) -> None:
    assert stack.redis_master is not None
    replica = stack.redis_replicas[0]

    stack.redis_master.kill()

    assert not stack.redis_master.is_running
    eventually(lambda: stack.redis_master_address() == replica.address, "Sentinel failover")
    eventually(lambda: command(replica.port, "SET", "after:failover", "1") == "OK", "write")


def test_closing_the_stack_leaves_no_process_port_or_directory(handle: StackHandle) -> None:
    stack = handle.stack
    ports = stack.ports()
    pids = [s.pid for s in stack.servers() if s.pid is not None] + handle.pids
    external: list[Path] = list(stack.external_dirs)

    handle.close()

    assert handle.stopped_in is not None
    assert handle.stopped_in < 15
    assert [pid for pid in pids if pid_alive(pid)] == []
    assert [s.name for s in stack.servers() if s.is_running] == []
    assert [port for port in ports if not is_port_free(port)] == []
    assert [d for d in external if d.exists()] == []
