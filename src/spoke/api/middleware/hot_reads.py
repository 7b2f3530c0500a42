"""The front door: repeated reads answered from precomputed responses
(``spoke.api.response_cache``) before FastAPI routes them: one dict lookup instead of
validation, cache decoding and a blob read. Every miss goes to the app.

With authentication on, a hit is served only once the caller is authorized to read the
module, exactly as the route would decide (``Access.reads``, from the in-process caches
of verified keys and module visibility); any refusal goes to the app, which answers and
audits it as it always does.
"""

from __future__ import annotations

import time

import structlog
from starlette.types import Scope, Send

from spoke.api.access import Access
from spoke.api.middleware.guards import MAX_HEADER_BYTES
from spoke.api.middleware.headers import SECURITY_HEADERS
from spoke.api.middleware.request_context import new_request_id
from spoke.api.response_cache import Precomputed, ResponseCache, etag_matches
from spoke.auth import Principal
from spoke.ratelimit.identity import client_address, credential, identity_of
from spoke.ratelimit.limiter import RateLimiter
from spoke.ratelimit.lockout import Lockout
from spoke.telemetry.access_log import AccessLog
from spoke.telemetry.metrics import HttpMetrics

log = structlog.get_logger(__name__)
# What ``HotReads._admit`` hands back: the principal, the response headers, the request id
# and the caller's If-None-Match.
_Admitted = tuple[Principal | None, list[tuple[bytes, bytes]], str, bytes | None]


class HotReads:
    """The front door for repeated reads: answers a request from a precomputed response,
    doing itself, inline, what the middleware stack would do for it (request id, the
    access check, the rate limit, security headers, metrics, the access log), or declines
    (``answer`` returns False) and the request goes through the whole app.

    It declines whenever the stack could answer otherwise: a miss, a request the rate
    limiter cannot admit without I/O or would refuse, a credential the
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
        if scope["method"] != "GET" or self.access is None:
            return False
        query = scope["query_string"]
        hit = self.cache.get(
            f"{scope['path']}?{query.decode('latin-1')}" if query else scope["path"]
        )
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
            who = identity_of(presented, scope)
            decision = self.limiter.admit("read", who)
            if decision is None or not decision.allowed:
                return None
            extra = decision.encoded_headers()
            if presented is not None and principal is not None and principal.authenticated:
                assert self.lockout is not None
                # A bearer credential is its own identity (``identity_of``): hashed once.
                presented_as = who if who.startswith("auth:") else credential(presented)
                if not self.lockout.recorded(presented_as):
                    await self.lockout.succeeded(presented_as)
        rid = new_request_id(incoming_id)
        headers = [*hit.headers, *SECURITY_HEADERS, *extra, (b"x-request-id", rid.encode())]
        return principal, headers, rid, if_none_match
