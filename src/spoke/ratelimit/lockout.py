"""The bad-token lockout: when a request carrying a credential is refused before it reaches
the authenticator.

A failure is a 401 to a request that carried an ``Authorization`` header. Failures are
counted per client address (``auth_failure``, ``SPOKE_RATE_LIMIT_AUTH_FAILURES``) and per
address and credential (``auth_failure_pair``, a fifth of that, at least 1). A request
carrying a credential is refused with 429 when

1. its (address, credential) pair is over its limit: that credential keeps failing from
   there; or
2. its address is over its limit and the credential has not verified in the last day
   (``authenticated``: recorded on its first success on each instance, renewed twice a day
   while it is used).

So a client that invents tokens from one address is refused after
``SPOKE_RATE_LIMIT_AUTH_FAILURES`` attempts (each new token is a fresh pair, but the same
address), while another client behind that address whose credential works carries on; and
one client retrying a bad token only locks itself out (its refused requests reach no
authenticator, so they add no failures). What rule 2 cannot tell from a made-up token is a
credential never seen to verify (a new key, a refreshed JWT): from an address over its
limit it waits, like a made-up one, until the address's window drains.

An address seen with no failures is remembered as clean for ``CLEAN_FOR`` seconds (unless
this instance counts a failure for it), so the credentialed requests of a healthy client
cost no limiter call: failures counted on another instance lock it out here that much later.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from spoke.ratelimit.limiter import AUTHENTICATED_FOR, RateLimiter

CLEAN_FOR = 1.0


def pair(address: str, credential: str) -> str:
    return f"{address}|{credential}"


class Lockout:
    """The rule of the module docstring, on ``limiter``'s windows (shared through Redis)."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        clock: Callable[[], float] = time.monotonic,
        remembered: int = 10_000,
    ) -> None:
        self.limiter = limiter
        self._clock = clock
        # Credentials this instance recorded as verified, and when: a credential in use
        # costs one record per instance per renewal, not one per request.
        self._recorded: OrderedDict[str, float] = OrderedDict()
        self._remembered = remembered
        self._lifetime = float(AUTHENTICATED_FOR.get_expiry())
        # Addresses seen with an empty failure window, and when.
        self._clean: OrderedDict[str, float] = OrderedDict()

    def clean(self, address: str) -> bool:
        """Whether ``address`` was seen with no failures in the last ``CLEAN_FOR`` seconds:
        ``refusal`` would then refuse nothing, and costs nothing."""
        seen = self._clean.get(address)
        return seen is not None and self._clock() - seen < CLEAN_FOR

    async def refusal(self, address: str, credential: str) -> int | None:
        """Seconds to wait when the request must be refused (rules 1 and 2), else None.
        No limiter call while the address is known clean, one while it has no failures."""
        if self.clean(address):
            return None
        failures, reset = await self.limiter.used("auth_failure", address)
        if failures == 0:
            self._clean[address] = self._clock()
            self._clean.move_to_end(address)
            while len(self._clean) > self._remembered:
                self._clean.popitem(last=False)
            return None
        # A pair's failure is also its address's, in a window of the same length: the pair
        # cannot be over its limit while its address has fewer failures than that limit.
        if failures >= self.limiter.limits["auth_failure_pair"].amount:
            paired, paired_reset = await self.limiter.used(
                "auth_failure_pair", pair(address, credential)
            )
            if paired >= self.limiter.limits["auth_failure_pair"].amount:
                return self._refused(paired_reset)
        if failures >= self.limiter.limits["auth_failure"].amount and not await self.verified(
            credential
        ):
            return self._refused(reset)
        return None

    def _refused(self, reset: int) -> int:
        self.limiter.metrics.limited.labels("auth_failure").inc()
        return max(1, reset)

    async def verified(self, credential: str) -> bool:
        """Whether ``credential`` verified in the last day (here or on another instance)."""
        recorded = self._recorded.get(credential)
        if recorded is not None and self._clock() - recorded < self._lifetime:
            return True
        return await self.limiter.exhausted("authenticated", credential)

    async def failed(self, address: str, credential: str) -> None:
        self._clean.pop(address, None)
        await self.limiter.count("auth_failure", address)
        await self.limiter.count("auth_failure_pair", pair(address, credential))

    def recorded(self, credential: str) -> bool:
        """Whether ``succeeded`` would record nothing now (a record younger than half its
        lifetime): the hot path then skips it."""
        at = self._recorded.get(credential)
        return at is not None and self._clock() - at < self._lifetime / 2

    async def succeeded(self, credential: str) -> None:
        if self.recorded(credential):
            return
        now = self._clock()
        # Renewed before it lapses: a credential in steady use never drops out, even
        # during an attack on its address that lasts longer than a day.
        await self.limiter.restart("authenticated", credential)
        self._recorded[credential] = now
        self._recorded.move_to_end(credential)
        while len(self._recorded) > self._remembered:
            self._recorded.popitem(last=False)
