"""Precomputed answers to repeated reads, and the rules for what may be kept.

A pinned version's metadata and its (small) files never change: the first answer is kept
(body and headers) until evicted, and served by ``spoke.api.middleware.hot_reads`` before
FastAPI routes the next request for the same path. What moves (``latest``, a module's list
of versions) is kept too, but for ``MOVING_FOR`` seconds at most, and dropped at once on
every instance when the module changes (a push, a deletion, a restore, a change of
visibility: ``drop_moving`` / ``drop_prefix``, through the cache's broadcast, which
reaches this instance's own caches before it returns, so a writer reads its writes).

The cache is bounded in bytes, least recently used out first. The routes decide what may
be remembered.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request

from spoke.domain.versions import LATEST

# How long a moving answer is trusted when no broadcast arrives (Redis down, a message
# lost): the same bound as a module's visibility (``spoke.services.visibility``).
MOVING_FOR = 5.0
# The query parameters a remembered list may carry: any other is not a key of its own,
# so a client cannot fill the cache with made-up query strings.
LIST_PARAMETERS = frozenset({"limit", "page_token"})


def cache_control(ref: str, *, shared: bool) -> str:
    """``Cache-Control`` for a resource under version ``ref`` (pinned: kept for good;
    ``latest``, or a list (``LATEST``): kept, but revalidated by its ETag every time).

    ``shared``: whether a shared cache (a CDN, a proxy) may keep it too, which it then
    serves to anyone: only what anyone may read (``Access.shareable``). Anything read with
    a credential is ``private``: ``public`` would let a shared cache store it despite the
    ``Authorization`` header (RFC 9111 §3.5) and hand it to callers without one.
    """
    audience = "public" if shared else "private"
    if ref == LATEST:
        return f"{audience}, no-cache"
    return f"{audience}, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Precomputed:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes  # empty when the answer has none
    route_path: str  # the route's template, so metrics label a hit like a miss
    module: str  # whose read permission a hit needs
    expires: float | None = None  # time.monotonic() past which a moving answer is stale

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 128


class ResponseCache:
    """A byte-bounded LRU of precomputed responses keyed by request path (and query, for
    a list)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Precomputed] = OrderedDict()

    def get(self, key: str) -> Precomputed | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires is not None and time.monotonic() > entry.expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: Precomputed) -> None:
        if entry.size > self.max_bytes // 8:  # one entry never crowds out the rest
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def drop_prefix(self, prefix: str) -> None:
        """Forget every answer under ``prefix`` (a module deleted, restored or hidden)."""
        for key in [k for k in self._entries if k.startswith(prefix)]:
            self._drop(key)

    def drop_moving(self, module: str) -> None:
        """Forget ``module``'s moving answers (``latest``, lists): a version was pushed."""
        prefix = f"/modules/{module}/"
        for key, entry in list(self._entries.items()):
            if entry.expires is not None and key.startswith(prefix):
                self._drop(key)

    def _drop(self, key: str) -> None:
        self.bytes -= self._entries.pop(key).size

    def __len__(self) -> int:
        return len(self._entries)


def remember(
    request: Request, body: bytes, headers: dict[str, str], *, moving: bool = False
) -> None:
    """Keep this response to a GET for the next request of the same path: for good when it
    is immutable, for ``MOVING_FOR`` seconds when it is ``moving`` (``latest``, a list,
    whose query may carry only ``LIST_PARAMETERS``)."""
    cache: ResponseCache | None = getattr(request.app.state, "response_cache", None)
    if cache is None:
        return
    key = request.scope["path"]
    query = request.scope["query_string"]
    if query:
        names = [name for name, _ in request.query_params.multi_items()]
        if not moving or len(set(names)) != len(names) or not set(names) <= LIST_PARAMETERS:
            return
        key = f"{key}?{query.decode('latin-1')}"
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    encoded.append((b"content-length", str(len(body)).encode()))
    etag = headers.get("ETag", "").encode("latin-1")
    route = getattr(request.scope.get("route"), "path", "unmatched")
    expires = time.monotonic() + MOVING_FOR if moving else None
    cache.put(key, Precomputed(body, encoded, etag, route, request.path_params["name"], expires))


def etag_matches(if_none_match: str | bytes | None, etag: str | bytes) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` list against our strong ETag."""
    if not if_none_match or not etag:
        return False
    text = if_none_match.decode("latin-1") if isinstance(if_none_match, bytes) else if_none_match
    tag = etag.decode("latin-1") if isinstance(etag, bytes) else etag
    candidates = {t.strip().removeprefix("W/") for t in text.split(",")}
    return "*" in candidates or tag in candidates
