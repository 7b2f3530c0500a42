"""Read replicas: round robin over the healthy ones, a background probe for the rest."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from spoke.telemetry.metrics import DatabaseMetrics

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class Replica:
    name: str
    engine: AsyncEngine
    healthy: bool = True


@dataclass(eq=False)
class ReplicaSet:
    replicas: list[Replica]
    metrics: DatabaseMetrics
    probe_interval: float = 1.0
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _probe: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        for replica in self.replicas:
            self.metrics.replica_healthy.labels(replica.name).set(1)

    def pick(self) -> Replica | None:
        """The next healthy replica, or None (the caller reads from the primary)."""
        healthy = [r for r in self.replicas if r.healthy]
        if not healthy:
            self.metrics.replica_fallbacks.inc()
            return None
        return healthy[next(self._turn) % len(healthy)]

    def mark_unhealthy(self, replica: Replica, error: BaseException) -> None:
        self.metrics.replica_fallbacks.inc()
        if not replica.healthy:
            return
        replica.healthy = False
        self.metrics.replica_healthy.labels(replica.name).set(0)
        log.warning("replica unhealthy, using primary", replica=replica.name, error=str(error))
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._probe_until_healthy())

    async def _probe_until_healthy(self) -> None:
        while any(not r.healthy for r in self.replicas):
            await asyncio.sleep(self.probe_interval)
            for replica in self.replicas:
                if replica.healthy:
                    continue
                try:
                    async with asyncio.timeout(2), replica.engine.connect() as conn:
                        await conn.execute(sa.text("SELECT 1"))
                except Exception:  # noqa: S112 - any failure means "still down"
                    continue
                replica.healthy = True
                self.metrics.replica_healthy.labels(replica.name).set(1)
                log.info("replica healthy again, reading from it", replica=replica.name)

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        for replica in self.replicas:
            await replica.engine.dispose()
