"""Liveness, readiness and start-up state, shared by the API's lifespan and the ops app.

Readiness answers one question for a balancer: should this instance get traffic? A backend
every instance shares (Redis, the bucket, the primary when replicas serve reads) failing
does not make one instance worse than another: taking them all out of rotation would turn
a partial outage (reads still served) into a total one. So only *critical* checks decide
readiness; the others make it ``degraded``, reported in the body and as
``spoke_backend_up`` for alerts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

Check = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Readiness:
    ready: bool
    #: Ready, but a non-critical backend does not answer.
    degraded: bool = False
    #: Each check's state: "ok", or what went wrong.
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if not self.ready:
            return "unavailable"
        return "degraded" if self.degraded else "ok"


class Health:
    """``started`` flips once migrations ran and the backends are open; readiness runs every
    registered check (each within ``timeout``) and is false while shutting down."""

    def __init__(self, *, timeout: float = 2.0) -> None:
        self.started = False
        self.stopping = False
        self._checks: dict[str, tuple[Check, bool]] = {}
        self._timeout = timeout

    def add_check(self, name: str, check: Check, *, critical: bool = True) -> None:
        """A non-critical check that fails degrades readiness instead of failing it."""
        self._checks[name] = (check, critical)

    @property
    def backends(self) -> list[str]:
        """The names of the registered checks."""
        return list(self._checks)

    def clear_checks(self) -> None:
        self._checks.clear()

    async def readiness(self) -> Readiness:
        if not self.started:
            return Readiness(False, checks={"startup": "not finished"})
        if self.stopping:
            return Readiness(False, checks={"shutdown": "in progress"})
        names = list(self._checks)
        results = await asyncio.gather(
            *(asyncio.wait_for(self._checks[n][0](), self._timeout) for n in names),
            return_exceptions=True,
        )
        report = {
            name: "ok" if result is None else _describe(result)
            for name, result in zip(names, results, strict=True)
        }
        failing = {name for name, state in report.items() if state != "ok"}
        critical = {name for name in failing if self._checks[name][1]}
        return Readiness(not critical, degraded=bool(failing - critical), checks=report)


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


class _Pingable(Protocol):
    async def ping(self) -> None: ...


class _Backends(Protocol):
    @property
    def metadata(self) -> _Pingable: ...
    @property
    def blobs(self) -> _Pingable: ...
    @property
    def cache(self) -> _Pingable: ...


def watch_backends(health: Health, backends: _Backends, *, critical_metadata: bool) -> None:
    """The backend checks of a registry process. Critical only what leaves it nothing to
    serve: the primary when no replica serves reads (``critical_metadata``); the others
    degrade."""
    health.add_check("metadata", backends.metadata.ping, critical=critical_metadata)
    health.add_check("blobs", backends.blobs.ping, critical=False)
    health.add_check("cache", backends.cache.ping, critical=False)
