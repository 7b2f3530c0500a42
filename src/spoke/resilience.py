"""A circuit breaker for a best-effort backend: after repeated failures, stop asking for a
while, so a dead cache costs nothing per request; then let one request probe it.

Beside ``config.py``, below the layers that use it: the Redis cache adapter
(``storage/cache/redis.py``) and the rate limiter (``ratelimit/limiter.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int = 3,
        cooldown: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock = clock
        self._on_change = on_change
        self._failures = 0
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._failures >= self._threshold

    def allow(self) -> bool:
        """True if a call may go through: closed, or open long enough to try once more."""
        if not self.is_open:
            return True
        now = self._clock()
        if now < self._open_until:
            return False
        self._open_until = now + self._cooldown  # one probe per cooldown
        return True

    def succeeded(self) -> None:
        if self.is_open and self._on_change:
            self._on_change(False)
        self._failures = 0

    def failed(self) -> None:
        self._failures += 1
        if self._failures == self._threshold:
            self._open_until = self._clock() + self._cooldown
            if self._on_change:
                self._on_change(True)
