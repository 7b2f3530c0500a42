"""``spoke serve --workers N``: N API processes on one listening socket, supervised.

The supervisor migrates the schema once, binds the API socket and starts N workers (each a
fresh interpreter: multiprocessing's spawn, nothing inherited but the socket and the
settings), which serve the API on that socket; the kernel spreads connections between
them. They share nothing else but the backends, Redis included (caches, invalidations and
rate limits: several workers need it, see ``Settings``).

The supervisor keeps the ops listener. Readiness is true while every worker has started
and is alive and the backends answer (the same checks as one process makes). ``/metrics``
sums every worker's counters and histograms (prometheus_client's multiprocess mode, in a
temporary directory; gauges are reported per worker ``pid``) beside the supervisor's own.

Shutdown runs in the phases of ``spoke.cli.serve``: the first SIGTERM or SIGINT turns
readiness false at once; after ``SPOKE_SHUTDOWN_DELAY`` every worker gets SIGTERM, closes
its listener and drains for up to ``SPOKE_SHUTDOWN_TIMEOUT``; one still running a few
seconds after that is killed; then the ops listener stops. A second signal makes the
workers exit at once. Workers ignore SIGINT (a Ctrl-C in a terminal reaches the whole
process group: the supervisor runs the phases). A worker that dies on its own is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from spoke import __version__
from spoke.cli import eventloop
from spoke.config import Settings
from spoke.ops.health import Health, watch_backends
from spoke.ops.server import ops_server
from spoke.telemetry.metrics import new_registry

log = structlog.get_logger(__name__)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Past the drain, how long a worker gets to exit before it is killed.
_EXIT_MARGIN = 5.0
# Between two replacements of the same worker: a worker that cannot start must not spin.
_RESPAWN_DELAY = 1.0


class Worker:
    """One API process and the event it sets once its app has started."""

    def __init__(self, index: int, settings: Settings, sock: socket.socket) -> None:
        self.index = index
        self._settings = settings
        self._sock = sock
        self._context = multiprocessing.get_context("spawn")
        self.started: Event = self._context.Event()
        self.process: SpawnProcess | None = None
        self.spawned_at = 0.0

    def start(self) -> None:
        self.started.clear()
        self.process = self._context.Process(
            target=run_worker,
            args=(self._settings, self._sock, self.started),
            name=f"spoke-worker-{self.index + 1}",
        )
        self.process.start()
        self.spawned_at = time.monotonic()
        log.info("worker started", worker=self.index + 1, pid=self.process.pid)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.pid is not None and self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, sig)


def worker_settings(settings: Settings, index: int) -> Settings:
    """What worker ``index`` runs with: the schema is the supervisor's to migrate, and on
    the embedded stack only the first runs the compile worker."""
    update: dict[str, object] = {"migrate_on_start": False, "workers": 1}
    if index > 0:
        update["sprocket_embedded"] = False
    return settings.model_copy(update=update)


def bind(settings: Settings) -> socket.socket:
    """The API socket every worker accepts on. Made with its protocol named: asyncio sets
    TCP_NODELAY only on connections accepted from an IPPROTO_TCP socket, and without it
    every keep-alive response waits out Nagle and a delayed ACK (40 ms)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def supervise(settings: Settings) -> None:
    """Run ``settings.workers`` workers until SIGINT or SIGTERM (module docstring)."""
    from spoke.storage.factory import open_backends

    metrics_dir = tempfile.mkdtemp(prefix="spoke-metrics-")
    # Read by prometheus_client when a worker imports it: their values go to files here.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    backends = await open_backends(settings)  # migrates once, before any worker starts
    sock = bind(settings)
    workers = [
        Worker(index, worker_settings(settings, index), sock) for index in range(settings.workers)
    ]
    health = Health()
    registry = _registry(metrics_dir)

    async def all_running() -> None:
        down = [w.index + 1 for w in workers if not (w.alive and w.started.is_set())]
        if down:
            raise RuntimeError(f"worker(s) {down} not serving")

    health.add_check("workers", all_running)
    watch_backends(health, backends, critical_metadata=not settings.replica_urls)
    ops = ops_server(settings, health, registry)
    loop = asyncio.get_running_loop()
    stopping, forced = asyncio.Event(), asyncio.Event()

    def on_signal(sig: signal.Signals) -> None:
        if stopping.is_set():  # the operator will not wait any longer
            log.warning("forced exit", signal=sig.name)
            forced.set()
            for worker in workers:  # a second SIGTERM: uvicorn exits at once
                worker.signal(signal.SIGTERM)
        health.stopping = True  # /health/ready answers 503 from now on
        stopping.set()

    for sig in _SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    ops_task = asyncio.create_task(ops.serve())
    try:
        for worker in workers:
            worker.start()
        log.info(
            "listening",
            api=f"http://{settings.host}:{settings.port}",
            ops=f"http://{settings.host}:{settings.health_port}",
            workers=settings.workers,
            version=__version__,
        )
        await _watch(workers, health, stopping, metrics_dir)
        delay = settings.shutdown_delay if health.started else 0.0
        log.info("shutdown requested", delay=delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(forced.wait(), delay)
        log.info("draining", workers=sum(w.alive for w in workers))
        for worker in workers:
            worker.signal(signal.SIGTERM)
        await _reap(workers, settings.shutdown_timeout + _EXIT_MARGIN)
    finally:
        for worker in workers:
            worker.signal(signal.SIGKILL)
        sock.close()
        ops.should_exit = True
        await ops_task
        await backends.close()
        for sig in _SIGNALS:
            loop.remove_signal_handler(sig)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        log.info("stopped")


def _multiprocess() -> Any:
    # prometheus_client's multiprocess module is not typed.
    from prometheus_client import multiprocess

    return multiprocess


def _registry(metrics_dir: str) -> CollectorRegistry:
    """The supervisor's own metrics and every worker's, summed."""
    registry = new_registry()
    _multiprocess().MultiProcessCollector(registry, path=metrics_dir)
    return registry


async def _watch(
    workers: list[Worker], health: Health, stopping: asyncio.Event, metrics_dir: str
) -> None:
    """Until ``stopping``: mark the supervisor started once every worker is, and replace
    a worker that died."""
    while not stopping.is_set():
        if not health.started and all(w.started.is_set() for w in workers):
            health.started = True
            log.info("all workers serving", workers=len(workers))
        for worker in workers:
            process = worker.process
            if process is None or worker.alive:
                continue
            if time.monotonic() - worker.spawned_at < _RESPAWN_DELAY:
                continue
            log.error("worker exited; replacing it", worker=worker.index + 1, code=process.exitcode)
            if process.pid is not None:
                _multiprocess().mark_process_dead(process.pid, metrics_dir)
            worker.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), 0.2)


async def _reap(workers: list[Worker], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(w.alive for w in workers):
            break
        await asyncio.sleep(0.05)
    for worker in workers:
        if worker.alive:
            log.warning("worker did not drain in time; killed", worker=worker.index + 1)


def run_worker(settings: Settings, sock: socket.socket, started: Event) -> None:
    """A worker process's entry point (spawned: logging and tracing set up again)."""
    from spoke.cli.serve import serve_worker
    from spoke.telemetry.logging import configure_logging
    from spoke.telemetry.tracing import configure_tracing, shutdown_tracing

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(settings.log_level)
    configure_tracing(__version__)
    try:
        eventloop.run(serve_worker(settings, sock, started.set))
    finally:
        shutdown_tracing()
