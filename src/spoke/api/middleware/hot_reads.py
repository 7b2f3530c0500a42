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

import time
from collections import OrderedDict
from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.types import Scope, Send

from spoke.api.access import Access
from spoke.api.middleware.guards import MAX_HEADER_BYTES
from spoke.api.middleware.headers import SECURITY_HEADERS
from spoke.api.middleware.request_context import new_request_id
from spoke.auth import Principal
from spoke.domain.versions import LATEST
from spoke.ratelimit.identity import client_address, credential, identity_of
from spoke.ratelimit.limiter import RateLimiter
from spoke.ratelimit.lockout import Lockout
from spoke.telemetry.access_log import AccessLog
from spoke.telemetry.metrics import HttpMetrics

log = structlog.get_logger(__name__)
# What ``HotReads._admit`` hands back: the principal, the response headers, the request id
# and the caller's If-None-Match.
_Admitted = tuple[Principal | None, list[tuple[bytes, bytes]], str, bytes | None]

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
    route_path: str  # the route's template, so metrics label a hit like a miss
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
    route = getattr(request.scope.get("route"), "path", "unmatched")
    entry = Precomputed(body, encoded, etag, route, request.path_params["name"])
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
    """The front door for repeated reads: answers a request from a precomputed response,
    doing itself, inline, what the middleware stack would do for it (request id, the
    access check, the rate limit, security headers, metrics, the access log), or declines
    (``answer`` returns False) and the request goes through the whole app.

    It declines whenever the stack could answer otherwise: a miss, a query string, a
    request the rate limiter cannot admit without I/O or would refuse, a credential the
    caches do not verify or that may not read the module, an address with recent failed
    credentials, oversized headers, a CORS request (``Origin``) when CORS is on, a caller's
    ``traceparent`` when tracing is on (so traced requests keep their server span).
    """

    def __init__(
        self,
        cache: ResponseCache,
        *,
        metrics: HttpMetrics,
        access_log: AccessLog,
        limiter: RateLimiter | None,
        lockout: Lockout | None,
        authorize: bool,
        cors: bool,
        tracing: bool,
    ) -> None:
        """``authorize``: check each hit's caller (authentication on)."""
        self.cache = cache
        self.metrics = metrics
        self.access_log = access_log
        self.limiter = limiter
        self.lockout = lockout
        self.authorize = authorize
        self._declined = {b"origin"} if cors else set()
        if tracing:
            self._declined.add(b"traceparent")
        self.access: Access | None = None  # set once the app has started

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer ``scope`` (an HTTP request) and return True, or return False untouched."""
        if scope["method"] != "GET" or scope["query_string"] or self.access is None:
            return False
        hit = self.cache.get(scope["path"])
        if hit is None:
            return False
        started = time.perf_counter()
        try:
            admitted = await self._admit(scope, hit, self.access)
        except Exception:  # whatever it is, the app's own handling answers it
            log.exception("precomputed answer declined")
            return False
        if admitted is None:
            return False
        principal, headers, rid, if_none_match = admitted
        if etag_matches(if_none_match, hit.etag):
            status = 304
            headers = [(k, v) for k, v in headers if k != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
        else:
            status = 200
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": hit.body})
        self.metrics.observe("GET", hit.route_path, status, time.perf_counter() - started)
        subject = principal.subject if principal is not None else None
        self.access_log.record("GET", scope["path"], status, started, rid, subject)
        return True

    async def _admit(self, scope: Scope, hit: Precomputed, access: Access) -> _Admitted | None:
        """What the stack would have decided for this hit, when it would serve it."""
        authorization = if_none_match = incoming_id = None
        size = 0
        for name, value in scope["headers"]:
            size += len(name) + len(value)
            if name == b"authorization":
                authorization = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"x-request-id":
                incoming_id = value
            elif name in self._declined:
                return None
        if size > MAX_HEADER_BYTES:
            return None
        principal = None
        if self.authorize:
            header = authorization.decode("latin-1") if authorization is not None else None
            principal = await access.reads(header, hit.module)
            if principal is None:
                return None
        extra: list[tuple[bytes, bytes]] = []
        if self.limiter is not None:
            presented = authorization if self.authorize else None
            if presented is not None:
                assert self.lockout is not None
                if not self.lockout.clean(client_address(scope)):
                    return None
            decision = self.limiter.admit("read", identity_of(presented, scope))
            if decision is None or not decision.allowed:
                return None
            extra = decision.encoded_headers()
            if presented is not None and principal is not None and principal.authenticated:
                assert self.lockout is not None
                await self.lockout.succeeded(credential(presented))
        rid = new_request_id(incoming_id)
        headers = [*hit.headers, *SECURITY_HEADERS, *extra, (b"x-request-id", rid.encode())]
        return principal, headers, rid, if_none_match
