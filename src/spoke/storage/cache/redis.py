"""``Cache`` on Redis: standalone, Sentinel or Cluster, failing open.

Every call has a short timeout; failures open a circuit breaker so a dead or slow Redis
adds no latency while it is down; the client reconnects (and, through Sentinel, finds a
promoted master) by itself, and the breaker lets a probe through every cooldown.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisClusterException, RedisError

from spoke.domain.errors import Unavailable
from spoke.resilience import CircuitBreaker
from spoke.storage.cache import Handler
from spoke.telemetry.metrics import CacheMetrics

log = structlog.get_logger(__name__)
# RedisClusterException is no RedisError: a cluster no node of which answers (or
# verifies) raises it on first use.
_FAILURES = (RedisError, RedisClusterException, OSError, TimeoutError)


def _hosts(netloc: str) -> list[tuple[str, int]]:
    hosts = []
    for item in netloc.rpartition("@")[2].split(","):
        host, _, port = item.rpartition(":")
        hosts.append((host or item, int(port) if port else 26379))
    return hosts


def tls_options(scheme: str, ca_file: str | None) -> dict[str, Any]:
    """redis-py's keyword arguments for TLS when ``scheme`` asks for it (``rediss``,
    ``rediss+sentinel``, ``rediss+cluster``): certificates verified, against ``ca_file``
    when given (else the system's CAs); ``{}`` for a clear-text scheme."""
    if not scheme.startswith("rediss"):
        return {}
    return {"ssl": True, **({"ssl_ca_certs": ca_file} if ca_file else {})}


def connect(
    url: str, *, timeout: float, max_connections: int = 64, ca_file: str | None = None
) -> tuple[Any, list[Any]]:
    """A redis-py asyncio client for ``redis://``, ``rediss://``,
    ``redis+sentinel://[password@]host:port,host:port/master`` or
    ``redis+cluster://host:port,host:port``, and the other clients it uses (Sentinels),
    which must be closed with it. ``rediss+sentinel://`` and ``rediss+cluster://`` speak
    TLS to every server (Sentinels, master, replicas, cluster nodes); ``ca_file``
    verifies their certificates."""
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 15,
        "max_connections": max_connections,
    }
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password else None
    tls = tls_options(parts.scheme, ca_file)
    if parts.scheme in ("redis", "rediss", "unix"):
        # from_url takes TLS from the scheme; the CA file is ours to add.
        tls.pop("ssl", None)
        return Redis.from_url(url, **options, **tls), []
    if parts.scheme in ("redis+sentinel", "rediss+sentinel"):
        master = parts.path.strip("/")
        if not master:
            raise ValueError(f"a {parts.scheme}:// URL ends with /MASTER-NAME")
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            _hosts(parts.netloc),
            sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout, **tls},
        )
        client = sentinel.master_for(master, password=password, **options, **tls)
        return client, list(sentinel.sentinels)
    if parts.scheme in ("redis+cluster", "rediss+cluster"):
        nodes = [ClusterNode(host, port) for host, port in _hosts(parts.netloc)]
        return RedisCluster(startup_nodes=nodes, password=password, **options, **tls), []
    raise ValueError(f"unsupported Redis URL scheme {parts.scheme!r}")


class RedisCache:
    """Implements ``Cache``; every failure is a miss (reads) or a dropped write."""

    def __init__(
        self,
        client: Any,
        *,
        metrics: CacheMetrics | None = None,
        breaker: CircuitBreaker | None = None,
        helpers: list[Any] | None = None,
        max_connections: int = 64,
        channel: str = "spoke:invalidate",
    ) -> None:
        self._client = client
        self._channel = channel
        self._helpers = helpers or []
        # redis-py's pools fail at once when all their connections are busy: queue here
        # instead, so a burst of requests waits a little rather than losing its cache.
        self._slots = asyncio.Semaphore(max_connections)
        self._metrics = metrics or CacheMetrics(None)
        self._breaker = breaker or CircuitBreaker(on_change=self._circuit_changed)
        # Invalidations that failed: retried as soon as Redis answers again, so a pointer
        # such as `latest` does not outlive the write that moved it by a whole TTL.
        self._pending: set[str] = set()
        self._handlers: list[Handler] = []

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = 0.25,
        metrics: CacheMetrics | None = None,
        channel: str = "spoke:invalidate",
        ca_file: str | None = None,
    ) -> RedisCache:
        client, helpers = connect(url, timeout=timeout, ca_file=ca_file)
        return cls(client, metrics=metrics, helpers=helpers, channel=channel)

    def _circuit_changed(self, is_open: bool) -> None:
        self._metrics.circuit_open.set(1 if is_open else 0)
        if is_open:
            log.warning("redis unavailable, serving without the shared cache")
        else:
            log.info("redis answers again, using the shared cache")

    def _count(self, result: str) -> None:
        self._metrics.requests.labels("redis", result).inc()

    async def get(self, key: str) -> bytes | None:
        if not self._breaker.allow():
            self._count("skipped")
            return None
        try:
            async with self._slots:
                value: bytes | None = await self._client.get(key)
        except _FAILURES:
            self._breaker.failed()
            self._count("error")
            return None
        self._breaker.succeeded()
        await self._flush_pending()
        self._count("miss" if value is None else "hit")
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        if ttl <= 0 or not self._breaker.allow():
            return
        try:
            async with self._slots:
                await self._client.set(key, value, px=max(int(ttl * 1000), 1))
        except _FAILURES:
            self._breaker.failed()
            return
        self._breaker.succeeded()

    async def delete(self, *keys: str) -> None:
        # Deletes are how other instances learn of a write: try even with the circuit
        # open, and keep what failed for when Redis answers again.
        if not keys:
            return
        try:
            async with self._slots:
                await self._client.delete(*keys, *self._pending)
        except _FAILURES as exc:
            self._breaker.failed()
            self._pending.update(keys)
            log.warning("redis invalidation failed; retrying when it answers", error=str(exc))
            return
        self._pending.clear()
        self._breaker.succeeded()

    async def _flush_pending(self) -> None:
        if self._pending:
            await self.delete(*self._pending)

    async def broadcast(self, message: str) -> None:
        # This instance's listeners hear it before the call returns (a writer reads its
        # writes), and again when it comes back through Redis (handlers only forget).
        for handler in list(self._handlers):
            handler(message)
        try:
            async with self._slots:
                await self._client.publish(self._channel, message)
        except _FAILURES as exc:
            log.warning("could not broadcast an invalidation", error=str(exc))

    async def listen(self, handler: Handler) -> None:
        self._handlers.append(handler)
        try:
            await self._listen(handler)
        finally:
            self._handlers.remove(handler)

    async def _listen(self, handler: Handler) -> None:
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                while True:
                    # Its own read timeout: the client's short socket timeout is for calls.
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        data = message["data"]
                        handler(data.decode() if isinstance(data, bytes) else str(data))
            except _FAILURES as exc:
                log.warning("invalidation channel lost; resubscribing", error=str(exc))
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(*_FAILURES):
                    await pubsub.aclose()

    async def ping(self) -> None:
        try:
            async with self._slots:
                await self._client.ping()
        except _FAILURES as exc:
            raise Unavailable(f"redis does not answer: {exc}") from exc

    async def close(self) -> None:
        await self._client.aclose()
        for helper in self._helpers:
            await helper.aclose()
