"""Redis over TLS, against real servers that speak nothing else: a standalone server
(``rediss://``), a Sentinel in front of it (``rediss+sentinel://``: TLS to the Sentinel
and to the master it names) and a one-node cluster (``rediss+cluster://``); for the cache
and for the rate limiter's storage, certificates verified with ``SPOKE_REDIS_CA_FILE``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from spoke.config import Settings
from spoke.devstack.packages import ensure_debian_packages
from spoke.devstack.ports import free_port, free_port_pair
from spoke.devstack.process import wait_until
from spoke.domain.errors import Unavailable
from spoke.ratelimit import RateLimiter
from spoke.ratelimit.storage import close_storage, open_storage
from spoke.storage.cache.redis import RedisCache
from spoke.storage.factory import open_cache
from spoke.telemetry.metrics import RateLimitMetrics
from tests.certificates import HOST, make_certificates

MASTER = "spoke"


@dataclass
class TlsRedis:
    ca: Path
    server: int  # standalone master, TLS only
    sentinel: int  # a Sentinel (TLS only) monitoring it as MASTER
    cluster: int  # a one-node cluster, TLS only


def _tls_lines(files: dict[str, Path]) -> list[str]:
    return [
        "port 0",
        f"tls-cert-file {files['cert']}",
        f"tls-key-file {files['key']}",
        f"tls-ca-cert-file {files['ca']}",
        "tls-auth-clients no",
        "tls-replication yes",
        "tls-cluster yes",
        f"bind {HOST}",
        'save ""',
        "appendonly no",
        'logfile ""',
    ]


def _client(port: int, ca: Path) -> redis.Redis:
    return redis.Redis(
        HOST, port, ssl=True, ssl_ca_certs=str(ca), socket_timeout=1, socket_connect_timeout=1
    )


def _answers(check: redis.Redis, command: str, *args: str, has: bytes = b"") -> bool:
    """Whether ``command`` answers something true (containing ``has``)."""
    try:
        answer = check.execute_command(command, *args)  # type: ignore[no-untyped-call]
    except (redis.RedisError, OSError):
        return False
    return bool(answer) and (not has or has in answer)


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsRedis]:
    ensure_debian_packages(["redis-server", "redis-sentinel"])
    base = tmp_path_factory.mktemp("redis-tls")
    files = make_certificates(base)
    servers = TlsRedis(files["ca"], free_port(), free_port(), free_port_pair(10000))
    configs = {
        "server": [f"tls-port {servers.server}"],
        "cluster": [
            f"tls-port {servers.cluster}",
            "cluster-enabled yes",
            f"cluster-config-file {base / 'nodes.conf'}",
        ],
        "sentinel": [
            f"tls-port {servers.sentinel}",
            f"sentinel monitor {MASTER} {HOST} {servers.server} 1",
        ],
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, extra in configs.items():
            directory = base / name
            directory.mkdir()
            config = directory / f"{name}.conf"
            config.write_text("\n".join([*_tls_lines(files), f"dir {directory}", *extra]) + "\n")
            binary = "redis-sentinel" if name == "sentinel" else "redis-server"
            with (directory / "log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [shutil.which(binary) or binary, str(config)],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        cluster = _client(servers.cluster, files["ca"])
        wait_until(
            lambda: (
                _answers(cluster, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
                or _answers(cluster, "CLUSTER", "COUNTKEYSINSLOT", "0")
            ),
            timeout=10,
            what="the TLS cluster node",
            log=base / "cluster" / "log",
        )
        wait_until(
            lambda: _answers(cluster, "CLUSTER", "INFO", has=b"cluster_state:ok"),
            timeout=10,
            what="the TLS cluster's slots",
        )
        sentinel = _client(servers.sentinel, files["ca"])
        wait_until(
            lambda: _answers(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER),
            timeout=10,
            what="the TLS Sentinel naming its master",
            log=base / "sentinel" / "log",
        )
        yield servers
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def _round_trip(url: str, ca: Path | None, wait: float = 2.0) -> None:
    cache = RedisCache.from_url(url, timeout=wait, ca_file=str(ca) if ca else None)
    try:
        await cache.ping()
        await cache.set("tls-key", b"over tls", ttl=60)
        assert await cache.get("tls-key") == b"over tls"
    finally:
        await cache.close()


async def _counts(url: str, ca: Path) -> None:
    # Its own prefix: the standalone server is also the Sentinel's master.
    prefix = "tls-" + url.partition(":")[0]
    storage = open_storage(url, timeout=2.0, key_prefix=prefix, ca_file=str(ca))
    try:
        assert await storage.incr("hits", 60) == 1
        assert await storage.incr("hits", 60) == 2
    finally:
        await close_storage(storage)


def urls(servers: TlsRedis) -> dict[str, str]:
    return {
        "standalone": f"rediss://{HOST}:{servers.server}",
        "sentinel": f"rediss+sentinel://{HOST}:{servers.sentinel}/{MASTER}",
        "cluster": f"rediss+cluster://{HOST}:{servers.cluster}",
    }


@pytest.mark.parametrize("kind", ["standalone", "sentinel", "cluster"])
async def test_cache_and_rate_limits_over_tls(tls_redis: TlsRedis, kind: str) -> None:
    url = urls(tls_redis)[kind]
    await _round_trip(url, tls_redis.ca)
    await _counts(url, tls_redis.ca)


@pytest.mark.parametrize("kind", ["standalone", "sentinel", "cluster"])
async def test_certificates_are_verified(tls_redis: TlsRedis, kind: str) -> None:
    # The throwaway CA is not among the system's: without SPOKE_REDIS_CA_FILE, refused.
    with pytest.raises(Unavailable):
        await _round_trip(urls(tls_redis)[kind], None, wait=0.5)


async def test_clear_text_urls_do_not_reach_tls_servers(tls_redis: TlsRedis) -> None:
    # The same servers without TLS: what the rediss+ schemes add is what makes it work.
    for url in (
        f"redis+sentinel://{HOST}:{tls_redis.sentinel}/{MASTER}",
        f"redis://{HOST}:{tls_redis.server}",
    ):
        with pytest.raises(Unavailable):
            await _round_trip(url, tls_redis.ca, wait=0.5)


@pytest.mark.parametrize("kind", ["standalone", "sentinel", "cluster"])
async def test_settings_reach_the_cache_and_the_limiter(tls_redis: TlsRedis, kind: str) -> None:
    """What `spoke serve` builds from SPOKE_REDIS_URL and SPOKE_REDIS_CA_FILE: both
    clients share through Redis (the limiter does not fall back to counting alone)."""
    settings = Settings(
        redis_url=urls(tls_redis)[kind],
        redis_ca_file=tls_redis.ca,
        redis_timeout=2.0,
        cache_prefix=f"settings-{kind}",
    )
    cache = open_cache(settings)
    try:
        await cache.ping()
    finally:
        await cache.close()
    limiter = RateLimiter.from_settings(settings, metrics=RateLimitMetrics(None))
    try:
        await limiter.hit("read", "someone")
        assert not limiter.per_instance
    finally:
        await limiter.close()
