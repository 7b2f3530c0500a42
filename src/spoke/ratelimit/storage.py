"""The ``limits`` storages behind the rate limiter: Redis (standalone, Sentinel or Cluster)
when ``SPOKE_REDIS_URL`` is set, else process memory; and releasing their connections."""

from __future__ import annotations

from typing import Any

from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Our Redis URL schemes (as ``storage.cache.redis.connect`` reads them) → ``limits``'.
_SCHEMES = {
    "redis": "async+redis",
    "rediss": "async+rediss",
    "unix": "async+redis+unix",
    "redis+sentinel": "async+redis+sentinel",
    "redis+cluster": "async+redis+cluster",
    # TLS: `limits` has no such schemes; the TLS options go to redis-py instead.
    "rediss+sentinel": "async+redis+sentinel",
    "rediss+cluster": "async+redis+cluster",
}
# ``limits`` wants a port on every host of a multi-host URL; ours default them.
_DEFAULT_PORTS = {
    "redis+sentinel": 26379,
    "redis+cluster": 6379,
    "rediss+sentinel": 26379,
    "rediss+cluster": 6379,
}


def _with_ports(netloc: str, port: int) -> str:
    auth, at, hosts = netloc.rpartition("@")
    filled = []
    for host in hosts.split(","):
        has_port = host.rpartition(":")[2].isdigit() and not host.endswith("]")
        filled.append(host if has_port else f"{host}:{port}")
    return auth + at + ",".join(filled)


def storage_uri(redis_url: str | None) -> str:
    """The ``limits`` storage URI for our ``redis_url``: ``redis://`` → ``async+redis://``,
    ``redis+sentinel://h1:p1,h2:p2/master`` → ``async+redis+sentinel://…``, and so on;
    no URL → ``async+memory://``."""
    if not redis_url:
        return "async+memory://"
    scheme, sep, rest = redis_url.partition("://")
    if not sep or scheme not in _SCHEMES:
        raise ValueError(f"SPOKE_REDIS_URL: unsupported Redis URL scheme {scheme!r}")
    if scheme in _DEFAULT_PORTS:
        netloc, slash, path = rest.partition("/")
        rest = _with_ports(netloc, _DEFAULT_PORTS[scheme]) + slash + path
    return f"{_SCHEMES[scheme]}://{rest}"


def open_storage(
    redis_url: str | None, *, timeout: float, key_prefix: str, ca_file: str | None = None
) -> Storage:
    """A storage for ``redis_url`` (memory without one). Nothing connects until first use.
    TLS as ``storage.cache.redis.connect`` speaks it (``ca_file`` to verify with).

    Every Redis call is bounded by ``timeout`` (connect and read) and never retried by the
    client: a slow or dead Redis must cost a request at most one short wait before the
    limiter falls back to counting in-process.
    """
    uri = storage_uri(redis_url)
    if uri.startswith("async+memory"):
        return MemoryStorage()
    assert redis_url is not None
    # TLS as the cache's client speaks it: ssl from the scheme (`limits` knows rediss://
    # only, so the others say it here), certificates verified against ca_file if given.
    tls: dict[str, Any] = {"ssl_ca_certs": ca_file} if ca_file else {}
    scheme = redis_url.partition("://")[0]
    if scheme.startswith("rediss+"):
        tls["ssl"] = True
    elif scheme != "rediss":
        tls = {}
    bounded: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        **tls,
    }
    options: dict[str, Any] = {
        **bounded,
        "implementation": "redispy",  # the client we already ship, not coredis
        "key_prefix": key_prefix,
    }
    if uri.startswith("async+redis+sentinel"):
        # Counters live on the master only: a replica lags, and would hand out budget twice.
        options |= {"use_replicas": False, "sentinel_kwargs": bounded}
    storage = storage_from_string(uri, **options)
    assert isinstance(storage, Storage)
    return storage


async def close_storage(storage: Storage) -> None:
    """Release what ``storage`` holds: ``limits`` has no close of its own, so close the
    redis-py clients its bridge made (master, replica, Sentinels), or stop the memory
    storage's expiry task."""
    bridge = getattr(storage, "bridge", None)
    clients = [getattr(bridge, name, None) for name in ("storage", "storage_replica")]
    sentinel = getattr(bridge, "sentinel", None)
    clients += list(getattr(sentinel, "sentinels", []))
    for client in clients:
        if client is not None:
            await client.aclose()
    timer = getattr(storage, "timer", None)
    if timer is not None and not timer.done():
        timer.cancel()
