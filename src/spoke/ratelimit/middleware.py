"""``RateLimit``: the ASGI middleware that counts every API request against its limit.

Pure ASGI, before the input guards and the router, so a refused request costs one
limiter call and nothing else. Allowed responses carry ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds); refusals are 429 in the one
JSON error shape with ``Retry-After`` too.
"""

from __future__ import annotations

import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.api.errors import error_response
from spoke.ratelimit.limiter import RateLimiter, RouteClass

_READS = {"GET", "HEAD", "OPTIONS"}
# POST /modules/{name}/versions/{version}/compile/{language}: protoc runs, the dearest call.
_COMPILE = re.compile(r"/versions/[^/]+/compile/[^/]+/?$")


def route_class(method: str, path: str) -> RouteClass:
    """``compile`` for a compile request, ``read`` for GET/HEAD, else ``write``."""
    if method in _READS:
        return "read"
    if method == "POST" and _COMPILE.search(path):
        return "compile"
    return "write"


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def identity(scope: Scope) -> str:
    """Whom a request counts against: its credential, else its client address.

    The credential is hashed: neither Redis keys nor logs ever hold a token. Keying by
    credential now makes the limits per principal once authentication lands.
    """
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return "auth:" + hashlib.sha256(value).hexdigest()
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


class RateLimit:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        who = identity(scope)
        if who.startswith("auth:") and await self.limiter.exhausted(
            "auth_failure", client_address(scope)
        ):
            response = error_response(
                429,
                "rate_limited",
                "too many requests with credentials that do not verify from this address",
                {"class": "auth_failure"},
                headers={"Retry-After": "60"},
            )
            await response(scope, receive, send)
            return
        decision = await self.limiter.hit(route_class(scope["method"], scope["path"]), who)
        headers = decision.headers()
        if not decision.allowed:
            limit = str(decision.limit)
            response = error_response(
                429,
                "rate_limited",
                f"too many {decision.route_class} requests: the limit is {limit};"
                f" retry in {decision.reset} s",
                {"class": decision.route_class, "limit": limit},
                headers={"Retry-After": str(decision.reset), **headers},
            )
            await response(scope, receive, send)
            return
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the app may hand us one it keeps (precomputed responses do).
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status == 401 and who.startswith("auth:"):
            await self.limiter.hit("auth_failure", client_address(scope))
