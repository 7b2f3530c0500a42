"""Answers repeated reads of immutable resources from precomputed responses.

A pinned version's metadata and its (small) files never change, so the first answer is
kept (body and headers, bounded in bytes, least recently used out first) and later
requests for the same path are answered here, before FastAPI routes them: one dict
lookup instead of validation, cache decoding and a blob read. Anything else, and every
miss, goes to the app; the routes decide what may be remembered.

With authentication on, a hit is served only once the caller is authorized to read the
module, exactly as the route would decide (``Access.reads``, from the in-process caches
of verified keys and module visibility); any refusal goes to the app, which answers and
audits it as it always does.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from spoke.api.access import Access
from spoke.domain.versions import LATEST

IMMUTABLE = "public, max-age=31536000, immutable"
# `latest` moves on push: clients may keep the bytes but must revalidate the ETag.
MOVING = "no-cache"


def cache_control(ref: str) -> str:
    """``Cache-Control`` for a resource under version ``ref`` (pinned or ``latest``)."""
    return MOVING if ref == LATEST else IMMUTABLE


@dataclass(frozen=True, slots=True)
class Precomputed:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes
    route: Any  # the FastAPI route, so metrics label a hit like a miss
    module: str  # whose read permission a hit needs

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 128


class ResponseCache:
    """A byte-bounded LRU of precomputed responses keyed by request path."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Precomputed] = OrderedDict()

    def get(self, path: str) -> Precomputed | None:
        entry = self._entries.get(path)
        if entry is not None:
            self._entries.move_to_end(path)
        return entry

    def put(self, path: str, entry: Precomputed) -> None:
        if entry.size > self.max_bytes // 8:  # one entry never crowds out the rest
            return
        old = self._entries.pop(path, None)
        if old is not None:
            self.bytes -= old.size
        self._entries[path] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def drop_prefix(self, prefix: str) -> None:
        for path in [p for p in self._entries if p.startswith(prefix)]:
            self.bytes -= self._entries.pop(path).size

    def __len__(self) -> int:
        return len(self._entries)


def remember(request: Request, body: bytes, headers: dict[str, str]) -> None:
    """Keep this response to an immutable GET for the next request of the same path."""
    cache: ResponseCache | None = getattr(request.app.state, "response_cache", None)
    if cache is None or request.url.query:
        return
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    encoded.append((b"content-length", str(len(body)).encode()))
    etag = headers.get("ETag", "").encode("latin-1")
    entry = Precomputed(
        body, encoded, etag, request.scope.get("route"), request.path_params["name"]
    )
    cache.put(request.scope["path"], entry)


def etag_matches(if_none_match: str | bytes | None, etag: str | bytes) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` list against our strong ETag."""
    if not if_none_match:
        return False
    text = if_none_match.decode("latin-1") if isinstance(if_none_match, bytes) else if_none_match
    tag = etag.decode("latin-1") if isinstance(etag, bytes) else etag
    candidates = {t.strip().removeprefix("W/") for t in text.split(",")}
    return "*" in candidates or tag in candidates


class HotReads:
    def __init__(self, app: ASGIApp, *, cache: ResponseCache, authorize: bool) -> None:
        """``authorize``: check each hit's caller (authentication on)."""
        self.app = app
        self.cache = cache
        self.authorize = authorize

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
            await self.app(scope, receive, send)
            return
        hit = self.cache.get(scope["path"])
        if hit is None or (self.authorize and not await self._allowed(scope, hit.module)):
            await self.app(scope, receive, send)
            return
        scope["route"] = hit.route
        if_none_match = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if etag_matches(if_none_match, hit.etag):
            headers = [(k, v) for k, v in hit.headers if k != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": hit.headers})
        await send({"type": "http.response.body", "body": hit.body})

    @staticmethod
    async def _allowed(scope: Scope, module: str) -> bool:
        access: Access = scope["app"].state.access
        header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        principal = await access.reads(header.decode("latin-1") if header else None, module)
        if principal is None:
            return False
        scope.setdefault("state", {})["principal"] = principal  # for the access log
        return True
