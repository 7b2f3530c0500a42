"""``RateLimit``: the ASGI middleware that counts every API request against its limit
(``spoke.ratelimit`` decides; this answers over HTTP).

Pure ASGI, before the input guards and the router, so a refused request costs a limiter
decision and nothing else (no lookup of the credential: see ``spoke.ratelimit.identity``);
most decisions need no I/O (``RateLimiter.admit``). Allowed
responses carry ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
(seconds); refusals are 429 in the one JSON error shape with ``Retry-After`` too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.api.errors import error_response
from spoke.ratelimit.identity import authorization, client_address, credential, identity_of
from spoke.ratelimit.limiter import RateLimiter
from spoke.ratelimit.lockout import Lockout
from spoke.ratelimit.routes import route_class


class RateLimit:
    """``credentials``: whether ``Authorization`` headers mean anything (False in auth mode
    ``none``: every request then counts against its client address)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        credentials: bool = True,
        lockout: Lockout | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.credentials = credentials
        self.lockout = lockout or Lockout(limiter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        header = authorization(scope) if self.credentials else None
        presented = credential(header) if header is not None else None
        if presented is not None and (wait := await self.lockout.refusal(address, presented)):
            response = error_response(
                429,
                "rate_limited",
                "too many requests with credentials that do not verify from this address",
                {"class": "auth_failure"},
                headers={"Retry-After": str(wait)},
            )
            await response(scope, receive, send)
            return
        who = identity_of(header, scope)
        counted = route_class(scope["method"], scope["path"])
        decision = self.limiter.admit(counted, who) or await self.limiter.hit(counted, who)
        if not decision.allowed:
            headers = decision.headers()
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
        extra = decision.encoded_headers()

        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the app may hand us one it keeps (precomputed responses do).
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if presented is None:
            return
        # The access check leaves the principal it verified in the request state.
        principal = scope.get("state", {}).get("principal")
        if getattr(principal, "authenticated", False):
            await self.lockout.succeeded(presented)
        elif status == 401:
            await self.lockout.failed(address, presented)
