"""The local HA cluster: the whole stack (PostgreSQL primary + two streaming replicas,
Redis master + replica + three Sentinels, SeaweedFS S3) with three ``spoke serve``
instances and a Sprocket worker behind nginx, all on 127.0.0.1 with free ports.

The instances reach PostgreSQL through one URL naming every server with
``target_session_attrs=read-write``: when a replica is promoted, writes follow it without
a restart. Reads go to the replicas.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spoke.devstack.instances import SpokeInstance, SprocketWorker
from spoke.devstack.nginx import NginxServer
from spoke.devstack.packages import ensure_debian_packages
from spoke.devstack.ports import free_port
from spoke.devstack.process import DevstackError, SpawnedServer
from spoke.devstack.stack import Stack, describe_server, start_stack

INSTANCES = 3
POSTGRES_REPLICAS = 2

# Timeouts a production deployment would choose: a dead or hung dependency costs a request
# a bounded, short time.
_CLUSTER_SETTINGS = {
    "SPOKE_POSTGRES_CONNECT_TIMEOUT": "2",
    "SPOKE_POSTGRES_QUERY_TIMEOUT": "10",
    "SPOKE_POSTGRES_REPLICA_TIMEOUT": "2",
    "SPOKE_POSTGRES_MAX_CONNS": "10",
    "SPOKE_REDIS_TIMEOUT": "0.25",
    "SPOKE_S3_TIMEOUT": "5",
    "SPOKE_S3_CONNECT_TIMEOUT": "1",
    "SPOKE_SHUTDOWN_TIMEOUT": "10",
    "SPOKE_SPROCKET_EMBEDDED": "false",
    "SPOKE_SPROCKET_LANGUAGES": "python",
    "SPOKE_SPROCKET_POLL": "1",
    "SPOKE_COMPILE_LEASE": "10",
    # One client behind nginx is every request's IP: limits high enough for a load test,
    # still enforced (through Redis) so the limiter's own failure modes are exercised.
    "SPOKE_RATE_LIMIT_READ": "1000000/minute",
    "SPOKE_RATE_LIMIT_WRITE": "1000000/minute",
    "SPOKE_RATE_LIMIT_COMPILE": "1000000/minute",
    "SPOKE_LOG_LEVEL": "info",
}


@dataclass
class Cluster:
    """A running :class:`Stack` plus Spoke's processes and the balancer."""

    stack: Stack
    settings: dict[str, str] = field(default_factory=dict)
    instances: list[SpokeInstance] = field(default_factory=list)
    workers: list[SprocketWorker] = field(default_factory=list)
    nginx: NginxServer | None = None

    @property
    def workdir(self) -> Path:
        return self.stack.workdir

    @property
    def url(self) -> str:
        """Where clients go: the balancer."""
        if self.nginx is None:
            raise DevstackError("the cluster has no balancer")
        return self.nginx.url

    def add_worker(self, extra: Mapping[str, str] | None = None) -> SprocketWorker:
        """Start one more Sprocket worker (``extra``: settings of its own)."""
        n = len(self.workers) + 1
        worker = SprocketWorker(
            f"sprocket-{n}",
            self.workdir / "spoke" / f"sprocket-{n}",
            {**self.settings, **(extra or {})},
        )
        self.workers.append(worker)
        worker.start()
        return worker

    def spoke_processes(self) -> list[SpawnedServer]:
        return [*self.instances, *self.workers]

    def servers(self) -> list[SpawnedServer]:
        """Every server in start order (the stack's, then Spoke's, then nginx)."""
        return [*self.stack.servers(), *self.spoke_processes(), *filter(None, [self.nginx])]

    def env(self) -> dict[str, str]:
        """The instances' settings, and ``SPOKE_REGISTRY`` for clients (the balancer)."""
        env = dict(self.settings)
        if self.nginx is not None:
            env["SPOKE_REGISTRY"] = self.nginx.url
        return env

    def stop(self) -> None:
        """nginx, then Spoke's processes (in parallel, each drains), then the stack."""
        errors: list[str] = []
        front: list[SpawnedServer] = [*filter(None, [self.nginx])]
        for group in (front, self.spoke_processes()):
            with ThreadPoolExecutor(max_workers=max(1, len(group))) as pool:
                for server, error in zip(group, pool.map(_stop, group), strict=True):
                    if error:
                        errors.append(f"{server.name}: {error}")
        try:
            self.stack.stop()
        except DevstackError as exc:
            errors.append(str(exc))
        if errors:
            raise DevstackError("stopping the cluster failed: " + "; ".join(errors))

    def describe(self) -> dict[str, Any]:
        described = self.stack.describe()
        described["servers"] = [describe_server(server) for server in self.servers()]
        described["ports"] = sorted(p for s in self.servers() for p in s.listen_ports())
        described["env"] = self.env()
        described["instances"] = [
            {"name": i.name, "api": i.url, "ops": i.ops_url} for i in self.instances
        ]
        return described


def _stop(server: SpawnedServer) -> str | None:
    try:
        server.stop()
    except Exception as exc:  # keep stopping the others
        return str(exc)
    return None


def start_cluster(
    cluster: Cluster, *, instances: int = INSTANCES, extra: Mapping[str, str] | None = None
) -> None:
    """Start the stack, then Spoke's processes and nginx, into ``cluster``.

    On failure what started stays registered: the caller stops it (as
    :func:`running_cluster` does).
    """
    ensure_debian_packages(["nginx"])
    start_stack(cluster.stack, postgres_replicas=POSTGRES_REPLICAS)
    stack = cluster.stack
    assert stack.postgres is not None
    stack.postgres.require_synchronous_standby(stack.postgres_replicas)
    cluster.settings = {
        **stack.env(),
        "SPOKE_POSTGRES_URL": stack.failover_postgres_url(),
        # Per cluster, so two clusters could share a Redis without seeing each other.
        "SPOKE_CACHE_PREFIX": "spoke-" + secrets.token_hex(4),
        **_CLUSTER_SETTINGS,
        **(extra or {}),
    }
    base = stack.workdir / "spoke"
    cluster.instances = [
        SpokeInstance(f"spoke-{n}", base / f"spoke-{n}", cluster.settings)
        for n in range(1, instances + 1)
    ]
    # The first instance migrates alone; the rest then start together.
    cluster.instances[0].start()
    with ThreadPoolExecutor(max_workers=max(1, instances - 1)) as pool:
        list(pool.map(lambda instance: instance.start(), cluster.instances[1:]))
    cluster.add_worker()
    cluster.nginx = NginxServer(
        "nginx",
        stack.workdir / "nginx",
        free_port(),
        [(instance.host, instance.api_port) for instance in cluster.instances],
    )
    cluster.nginx.start()


@contextmanager
def running_cluster(
    workdir: Path, *, instances: int = INSTANCES, extra: Mapping[str, str] | None = None
) -> Iterator[Cluster]:
    """Start a cluster under ``workdir``; stop all of it on exit, whatever happens."""
    cluster = Cluster(stack=Stack(workdir=workdir))
    try:
        start_cluster(cluster, instances=instances, extra=extra)
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            cluster.stack.remove_external_dirs()
