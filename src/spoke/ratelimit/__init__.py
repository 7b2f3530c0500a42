"""Rate limits per route class (read, write, compile) and client, on Redis or in memory.

``RateLimiter`` decides (``limiter.py``), ``routes.py`` says which limit a request counts
against and ``identity.py`` whom, ``lockout.py`` refuses credentials that keep failing,
``storage.py`` turns ``SPOKE_REDIS_URL`` into a ``limits`` storage. The HTTP side (429
answers, headers) is the API's: ``spoke.api.middleware.rate_limit``.
"""

from __future__ import annotations

from spoke.ratelimit.identity import client_address, credential, identity
from spoke.ratelimit.limiter import Decision, RateLimiter, RouteClass, limits_from_settings
from spoke.ratelimit.lockout import Lockout
from spoke.ratelimit.routes import route_class
from spoke.ratelimit.storage import storage_uri

__all__ = [
    "Decision",
    "Lockout",
    "RateLimiter",
    "RouteClass",
    "client_address",
    "credential",
    "identity",
    "limits_from_settings",
    "route_class",
    "storage_uri",
]
