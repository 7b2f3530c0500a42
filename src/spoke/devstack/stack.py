"""The whole throwaway stack: PostgreSQL primary + replica, Redis + Sentinels, S3.

:func:`running_stack` starts what is asked for in parallel (one thread per service)
and always stops everything it started, on errors and KeyboardInterrupt too.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spoke.devstack.packages import ensure_debian_packages, ensure_weed
from spoke.devstack.ports import free_port
from spoke.devstack.postgres import USER, PostgresServer, base_dir
from spoke.devstack.process import DevstackError, SpawnedServer
from spoke.devstack.redis import (
    MASTER_NAME,
    RedisSentinel,
    RedisServer,
    wait_sentinels_converged,
)
from spoke.devstack.seaweed import REGION, SeaweedPorts, SeaweedServer

DATABASE = "spoke"
BUCKET = "spoke"


@dataclass
class Stack:
    """The servers of one stack (``None`` / empty where not started)."""

    workdir: Path
    postgres: PostgresServer | None = None
    postgres_replicas: list[PostgresServer] = field(default_factory=list)
    #: The server started as master; after a failover ask :meth:`redis_master_address`.
    redis_master: RedisServer | None = None
    redis_replicas: list[RedisServer] = field(default_factory=list)
    sentinels: list[RedisSentinel] = field(default_factory=list)
    s3: SeaweedServer | None = None
    #: Directories outside ``workdir`` (PostgreSQL's, when ``postgres`` cannot enter it).
    external_dirs: list[Path] = field(default_factory=list)
    #: Seconds each service group took to start.
    timings: dict[str, float] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Spoke's settings for the services that were started."""
        env: dict[str, str] = {}
        if self.postgres is not None:
            env["SPOKE_POSTGRES_URL"] = self.postgres.url(DATABASE)
            if self.postgres_replicas:
                urls = [replica.url(DATABASE) for replica in self.postgres_replicas]
                env["SPOKE_POSTGRES_REPLICA_URLS"] = ",".join(urls)
        if self.s3 is not None:
            env["SPOKE_S3_ENDPOINT"] = self.s3.endpoint
            env["SPOKE_S3_BUCKET"] = self.s3.bucket
            env["SPOKE_S3_REGION"] = REGION
            env["SPOKE_S3_ACCESS_KEY"] = self.s3.access_key
            env["SPOKE_S3_SECRET_KEY"] = self.s3.secret_key
        if self.sentinels:
            hosts = ",".join(f"{s.host}:{s.port}" for s in self.sentinels)
            env["SPOKE_REDIS_URL"] = f"redis+sentinel://{hosts}/{MASTER_NAME}"
        return env

    def failover_postgres_url(self) -> str:
        """One URL naming every PostgreSQL server, primary first, that connects to
        whichever of them accepts writes: after a replica is promoted, writes follow it."""
        assert self.postgres is not None
        servers = [self.postgres, *self.postgres_replicas]
        hosts = ",".join(f"{server.host}:{server.port}" for server in servers)
        return f"postgresql://{USER}@{hosts}/{DATABASE}?target_session_attrs=read-write"

    def servers(self) -> list[SpawnedServer]:
        """Every server, in start order."""
        found: list[SpawnedServer | None] = [
            self.postgres,
            *self.postgres_replicas,
            self.redis_master,
            *self.redis_replicas,
            *self.sentinels,
            self.s3,
        ]
        return [server for server in found if server is not None]

    def ports(self) -> list[int]:
        """Every port the stack's servers listen on."""
        return sorted(port for server in self.servers() for port in server.listen_ports())

    def redis_master_address(self) -> tuple[str, int]:
        """The current Redis master, as the first Sentinel that answers names it."""
        for sentinel in self.sentinels:
            address = sentinel.master_address()
            if address is not None:
                return address
        raise DevstackError(f"no Sentinel answered for master {MASTER_NAME!r}")

    def stop(self) -> None:
        """Stop every server (groups in parallel, each group in reverse start order)."""
        groups: list[list[SpawnedServer]] = [
            [*self.postgres_replicas, *([self.postgres] if self.postgres else [])],
            # Sentinels first, so none starts a failover while Redis shuts down.
            [*self.sentinels, *self.redis_replicas, *filter(None, [self.redis_master])],
            [self.s3] if self.s3 else [],
        ]
        errors = _parallel({str(i): _stop_all(group) for i, group in enumerate(groups)}, {})
        if errors:
            raise DevstackError(f"stopping the stack failed: {errors}")

    def remove_external_dirs(self) -> None:
        for directory in self.external_dirs:
            shutil.rmtree(directory, ignore_errors=True)

    def describe(self) -> dict[str, Any]:
        """A JSON-able record of the stack (the CLI's state file)."""
        servers = [describe_server(server) for server in self.servers()]
        return {
            "workdir": str(self.workdir),
            "servers": servers,
            "ports": self.ports(),
            "external_dirs": [str(d) for d in self.external_dirs],
            "env": self.env(),
            "timings": self.timings,
        }


def describe_server(server: SpawnedServer) -> dict[str, Any]:
    """What the CLI's state file records of a server, to find and stop it later."""
    return {
        "name": server.name,
        "pid": server.pid,
        "port": server.port,
        "directory": str(server.directory),
        "log": str(server.log_path),
        "marker": server.marker,
        "stop_signal": server.stop_signal.name,
        "stop_group": server.stop_group,
    }


def _stop_all(servers: list[SpawnedServer]) -> Callable[[], None]:
    def run() -> None:
        errors = []
        for server in servers:
            try:
                server.stop()
            except Exception as exc:  # keep stopping the others
                errors.append(f"{server.name}: {exc}")
        if errors:
            raise DevstackError("; ".join(errors))

    return run


def _parallel(jobs: dict[str, Callable[[], None]], timings: dict[str, float]) -> list[str]:
    """Run jobs in threads, wait for all of them; return their errors as text."""

    def timed(name: str, job: Callable[[], None]) -> None:
        started = time.monotonic()
        job()
        timings[name] = round(time.monotonic() - started, 2)

    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="devstack") as pool:
        futures = {name: pool.submit(timed, name, job) for name, job in jobs.items()}
        wait(futures.values())
    return [f"{name}: {f.exception()}" for name, f in futures.items() if f.exception()]


def _start_postgres(stack: Stack, replicas: int) -> None:
    root, external = base_dir(stack.workdir)
    if external:
        stack.external_dirs.append(root)
        link = stack.workdir / "postgres"
        if not link.exists():
            link.symlink_to(root)
    # Registered before starting, so a half-started server is still stopped.
    primary = stack.postgres = PostgresServer("primary", root / "primary", free_port())
    primary.create(DATABASE)
    for i in range(1, replicas + 1):
        replica = PostgresServer(
            f"replica-{i}", root / f"replica-{i}", free_port(), primary=primary
        )
        stack.postgres_replicas.append(replica)
        replica.create(DATABASE)


def _start_redis(stack: Stack) -> None:
    base = stack.workdir / "redis"
    master = stack.redis_master = RedisServer("redis-master", base / "master", free_port())
    master.start()
    replica = RedisServer(
        "redis-replica-1", base / "replica-1", free_port(), replica_of=master.address
    )
    stack.redis_replicas.append(replica)
    replica.start()
    # Started after the replica is in sync, so their first INFO of the master lists it.
    for i in range(1, 4):
        sentinel = RedisSentinel(
            f"sentinel-{i}", base / f"sentinel-{i}", free_port(), master=master.address
        )
        stack.sentinels.append(sentinel)
        sentinel.start()
    wait_sentinels_converged(stack.sentinels, replicas=len(stack.redis_replicas))


def _start_s3(stack: Stack) -> None:
    s3 = stack.s3 = SeaweedServer(
        "seaweed",
        stack.workdir / "s3",
        SeaweedPorts.allocate(),
        access_key="SPOKE" + secrets.token_hex(8).upper(),
        secret_key=secrets.token_urlsafe(30),
        bucket=BUCKET,
    )
    s3.start()


def start_stack(
    stack: Stack,
    *,
    postgres: bool = True,
    redis: bool = True,
    s3: bool = True,
    postgres_replicas: int = 1,
) -> None:
    """Install what is missing, then start the asked-for services into ``stack``.

    On failure the servers already started stay registered in ``stack``: the caller
    stops them (as :func:`running_stack` does).
    """
    stack.workdir.mkdir(parents=True, exist_ok=True)
    stack.workdir = stack.workdir.resolve()
    packages = (["postgresql"] if postgres else []) + (
        ["redis-server", "redis-sentinel"] if redis else []
    )
    ensure_debian_packages(packages)
    if s3:
        ensure_weed()
    jobs: dict[str, Callable[[], None]] = {}
    if postgres:
        jobs["postgres"] = lambda: _start_postgres(stack, postgres_replicas)
    if redis:
        jobs["redis"] = lambda: _start_redis(stack)
    if s3:
        jobs["s3"] = lambda: _start_s3(stack)
    started = time.monotonic()
    errors = _parallel(jobs, stack.timings)
    stack.timings["total"] = round(time.monotonic() - started, 2)
    if errors:
        raise DevstackError("starting the stack failed:\n" + "\n".join(errors))


@contextmanager
def running_stack(
    workdir: Path,
    *,
    postgres: bool = True,
    redis: bool = True,
    s3: bool = True,
    postgres_replicas: int = 1,
) -> Iterator[Stack]:
    """Start a stack under ``workdir``; stop all of it on exit, whatever happens."""
    stack = Stack(workdir=workdir)
    try:
        start_stack(
            stack, postgres=postgres, redis=redis, s3=s3, postgres_replicas=postgres_replicas
        )
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            stack.remove_external_dirs()
