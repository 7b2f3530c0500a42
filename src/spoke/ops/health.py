"""Liveness, readiness and start-up state, shared by the API's lifespan and the ops app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Check = Callable[[], Awaitable[None]]


class Health:
    """``started`` flips once migrations ran and the backends are open; readiness runs every
    registered check (each within ``timeout``) and is false while shutting down."""

    def __init__(self, *, timeout: float = 2.0) -> None:
        self.started = False
        self.stopping = False
        self._checks: dict[str, Check] = {}
        self._timeout = timeout

    def add_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def clear_checks(self) -> None:
        self._checks.clear()

    async def readiness(self) -> tuple[bool, dict[str, str]]:
        if not self.started:
            return False, {"startup": "not finished"}
        if self.stopping:
            return False, {"shutdown": "in progress"}
        names = list(self._checks)
        results = await asyncio.gather(
            *(asyncio.wait_for(self._checks[n](), self._timeout) for n in names),
            return_exceptions=True,
        )
        report = {
            name: "ok" if result is None else _describe(result)
            for name, result in zip(names, results, strict=True)
        }
        return all(v == "ok" for v in report.values()), report


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
