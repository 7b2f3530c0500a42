"""``spoke serve``: the API listener and the ops listener, in one process and one event loop.

Shutdown runs in phases, so that a load balancer which polls readiness (Kubernetes) stops
sending traffic before the listener goes away:

1. the first SIGTERM or SIGINT turns readiness false at once, while the API keeps serving
   for ``SPOKE_SHUTDOWN_DELAY`` seconds;
2. then the API closes its listener and gives the requests in flight up to
   ``SPOKE_SHUTDOWN_TIMEOUT`` seconds to finish (those still running after it are
   cancelled), and closes the backends;
3. then the ops listener stops, so the failing readiness stays observable until the end.

A second signal at any point exits at once. The exit status is 0 in every case: the log
says whether the drain was clean.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable
from typing import cast

import structlog
import uvicorn
from prometheus_client import CollectorRegistry

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.ops.health import Health
from spoke.ops.server import Server, ops_server
from spoke.telemetry.metrics import new_registry

log = structlog.get_logger(__name__)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def api_server(settings: Settings, health: Health, registry: CollectorRegistry) -> uvicorn.Server:
    """The API listener on ``SPOKE_HOST:SPOKE_PORT``."""
    return Server(
        uvicorn.Config(
            create_app(settings, health=health, registry=registry),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,  # RequestContext writes the access log
            server_header=False,
            # The app resolves the client address behind SPOKE_TRUSTED_PROXIES itself;
            # uvicorn's default would believe X-Forwarded-For from any local process.
            proxy_headers=False,
            forwarded_allow_ips=[],
            # Annotated `int` by uvicorn, but only ever handed to asyncio.wait_for, which
            # takes any number of seconds: keep the fraction the operator asked for.
            timeout_graceful_shutdown=cast(int, settings.shutdown_timeout),
        )
    )


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down in the phases of the module docstring."""
    health = Health()
    registry = new_registry()
    api = api_server(settings, health, registry)
    ops = ops_server(settings, health, registry)
    loop = asyncio.get_running_loop()
    signalled = False
    close_timer: asyncio.TimerHandle | None = None

    def close_listener() -> None:
        log.info(
            "draining",
            in_flight=len(api.server_state.tasks),
            timeout=settings.shutdown_timeout,
        )
        api.should_exit = True

    def on_signal(sig: signal.Signals) -> None:
        nonlocal signalled, close_timer
        if signalled:
            # The operator (or the orchestrator's second signal) will not wait any longer.
            log.warning("forced exit", signal=sig.name)
            if close_timer is not None:
                close_timer.cancel()
            api.force_exit = ops.force_exit = True
            api.should_exit = True
            return
        signalled = True
        health.stopping = True  # /health/ready answers 503 from now on
        # Before start-up finished readiness was never true: no balancer sends traffic
        # here, so there is nothing to wait out.
        delay = settings.shutdown_delay if health.started else 0.0
        log.info("shutdown requested", signal=sig.name, delay=delay)
        close_timer = loop.call_later(delay, close_listener)

    for sig in _SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    ops_task = asyncio.create_task(ops.serve())
    log.info(
        "listening",
        api=f"http://{settings.host}:{settings.port}",
        ops=f"http://{settings.host}:{settings.health_port}",
    )
    try:
        await api.serve()
        log.info("api stopped", forced=api.force_exit)
    finally:
        if close_timer is not None:
            close_timer.cancel()  # the API may have stopped on its own, during the delay
        ops.should_exit = True
        await ops_task
        for sig in _SIGNALS:
            loop.remove_signal_handler(sig)
        log.info("stopped")


async def serve_worker(
    settings: Settings, sock: socket.socket, on_started: Callable[[], None]
) -> None:
    """One worker of ``spoke serve --workers N`` (``spoke.cli.workers``): the API on the
    supervisor's socket, until SIGTERM closes the listener and drains (a second one exits at
    once). ``on_started`` is called once the app has started."""
    health = Health()
    # Its instruments write to the supervisor's multiprocess directory; no one scrapes it.
    registry = CollectorRegistry()
    api = api_server(settings, health, registry)
    loop = asyncio.get_running_loop()

    def on_term() -> None:
        if api.should_exit:
            api.force_exit = True
        api.should_exit = True

    loop.add_signal_handler(signal.SIGTERM, on_term)

    async def report_started() -> None:
        while True:  # polled: the lifespan sets `started`
            if health.started:
                on_started()
                return
            await asyncio.sleep(0.05)

    reporter = asyncio.create_task(report_started())
    try:
        await api.serve(sockets=[sock])
    finally:
        reporter.cancel()
        loop.remove_signal_handler(signal.SIGTERM)
