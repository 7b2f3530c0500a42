"""Sprocket: the worker that compiles every new version for every configured language.

It claims one due job at a time under a lease (``CompileQueue.claim``), so any number of
workers share the queue safely; it sleeps until the queue signals work (LISTEN/NOTIFY on
PostgreSQL) or the poll interval passes. On stop it lets the current job finish within
``drain`` seconds, else gives it back to the queue for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from spoke.services.compile import CompileService
from spoke.storage.queue import CompileJob, CompileQueue
from spoke.telemetry.metrics import CompileMetrics

log = structlog.get_logger(__name__)


class Sprocket:
    def __init__(
        self,
        service: CompileService,
        queue: CompileQueue,
        *,
        worker: str,
        lease: float,
        poll: float = 5.0,
        metrics: CompileMetrics | None = None,
    ) -> None:
        self._service = service
        self._queue = queue
        self._worker = worker
        self._lease = lease
        self._poll = poll
        self._metrics = metrics or CompileMetrics(None)
        self.completed = 0

    async def run(self, stop: asyncio.Event, *, drain: float = 30.0) -> None:
        """Work until ``stop`` is set."""
        log.info("sprocket started", worker=self._worker)
        while not stop.is_set():
            try:
                job = await self._queue.claim(self._worker, lease=self._lease)
            except Exception as exc:  # the database is down: wait, then try again
                log.warning("cannot claim compile jobs", error=str(exc))
                job = None
            with contextlib.suppress(Exception):  # a gauge must never stop the worker
                self._metrics.queue_depth.set(await self._queue.pending_count())
            if job is None:
                await self._idle(stop)
                continue
            await self._work(job, stop, drain)
        log.info("sprocket stopped", worker=self._worker, completed=self.completed)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiting = asyncio.ensure_future(self._queue.wait_for_work(self._poll))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, stopping):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self, job: CompileJob, stop: asyncio.Event, drain: float) -> None:
        log.info("compiling", module=job.module, version=job.version, language=job.language)
        running = asyncio.ensure_future(self._service.run(job))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not running.done():
            done, _ = await asyncio.wait({running}, timeout=drain)
            if not done:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await running
                await self._queue.release(job.id, self._worker)
                log.info("released a compile job on shutdown", job=job.id)
                return
        try:
            finished = running.result()
        except Exception:
            log.exception("compile job crashed", job=job.id)
            return
        self.completed += 1
        log.info(
            "compiled",
            module=finished.module,
            version=finished.version,
            language=finished.language,
            status=finished.status.value,
            duration_ms=finished.duration_ms,
        )
