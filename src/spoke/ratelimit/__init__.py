"""Rate limits per route class (read, write, compile) and client, on Redis or in memory.

``RateLimiter`` decides (``limiter.py``), ``RateLimit`` answers over HTTP
(``middleware.py``), ``storage.py`` turns ``SPOKE_REDIS_URL`` into a ``limits`` storage.
"""

from __future__ import annotations

from spoke.ratelimit.limiter import Decision, RateLimiter, RouteClass, limits_from_settings
from spoke.ratelimit.middleware import RateLimit, identity, route_class
from spoke.ratelimit.storage import storage_uri

__all__ = [
    "Decision",
    "RateLimit",
    "RateLimiter",
    "RouteClass",
    "identity",
    "limits_from_settings",
    "route_class",
    "storage_uri",
]
