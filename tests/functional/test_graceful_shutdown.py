"""Graceful shutdown of a real ``spoke serve``: readiness fails first, the listener closes
after ``SPOKE_SHUTDOWN_DELAY``, requests in flight finish within ``SPOKE_SHUTDOWN_TIMEOUT``.

The request in flight is a push whose body the client holds back until the test releases
it, so every step waits on an observable state (the in-flight gauge, a 503, a refused
connection, the process's exit), polled against a deadline, never on a guessed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.functional.live_server import Server, running_server
from tests.functional.support import PROTO_A

pytestmark = pytest.mark.e2e

# Generous for a loaded 2-core machine: a deadline only bounds how long a failure takes.
DEADLINE = 20.0
SHUTTING_DOWN = {"status": "unavailable", "checks": {"shutdown": "in progress"}}


class HeldPush:
    """A push whose client sends the first bytes of the body at once and the rest, in small
    pieces over ~2 s, only after ``release()``: a request in flight for as long as the
    test needs one."""

    def __init__(self, server: Server, module: str) -> None:
        self._released = asyncio.Event()
        body = json.dumps(
            {"version": "v1.0.0", "files": [{"path": "acme/a/v1/a.proto", "content": PROTO_A}]}
        ).encode()
        step = -(-len(body) // 10)
        self._parts = [body[i : i + step] for i in range(0, len(body), step)]
        self._client = httpx.AsyncClient(base_url=server.api, timeout=DEADLINE)
        self.task = asyncio.create_task(self._send(module))

    async def _body(self) -> AsyncIterator[bytes]:
        yield self._parts[0]
        await self._released.wait()
        for part in self._parts[1:]:
            await asyncio.sleep(0.2)
            yield part

    async def _send(self, module: str) -> httpx.Response:
        async with self._client:
            return await self._client.post(
                f"/modules/{module}/versions",
                content=self._body(),
                headers={"Content-Type": "application/json"},
            )

    def release(self) -> None:
        self._released.set()


async def until(what: str, check: Callable[[], Awaitable[bool]], within: float) -> float:
    """Poll ``check`` until it holds; the monotonic time it first did."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {within} s: {what}")


async def exit_status(server: Server, within: float) -> int:
    async def exited() -> bool:
        return server.process.poll() is not None

    await until("spoke serve exits", exited, within)
    return server.process.returncode


@pytest.fixture
async def fresh() -> AsyncIterator[httpx.AsyncClient]:
    """A client that opens a new connection for every request, as a new client would."""
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=5, limits=limits) as client:
        yield client


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Server]]:
    """Start ``spoke serve`` with extra settings; killed at the end if still running."""
    with contextlib.ExitStack() as stack:

        def started(environment: dict[str, str]) -> Server:
            return stack.enter_context(running_server(tmp_path, environment))

        yield started


async def in_flight(fresh: httpx.AsyncClient, server: Server) -> float:
    metrics = (await fresh.get(f"{server.ops}/metrics")).text
    found = re.search(r"^spoke_http_requests_in_flight (\S+)$", metrics, re.MULTILINE)
    assert found, metrics
    return float(found.group(1))


async def hold_a_push(fresh: httpx.AsyncClient, server: Server) -> HeldPush:
    """A push the server is already serving (its handler waits for the body)."""
    push = HeldPush(server, "acme.a")

    async def serving() -> bool:
        return await in_flight(fresh, server) == 1

    await until("the push is in flight", serving, DEADLINE)
    return push


async def ready(fresh: httpx.AsyncClient, server: Server) -> httpx.Response:
    return await fresh.get(f"{server.ops}/health/ready")


async def refuses(fresh: httpx.AsyncClient, server: Server) -> bool:
    try:
        await fresh.get(f"{server.api}/modules")
    except httpx.ConnectError:
        return True
    except httpx.ReadError:
        # Accepted just as the listener closed, then dropped: ask again until connecting
        # itself is refused.
        return False
    return False


def phases(server: Server) -> list[str]:
    """Our shutdown lines of the JSON log, in order."""
    names = {"shutdown requested", "draining", "api stopped", "stopped", "forced exit"}
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line[:1] == "{"]
    return [line["message"] for line in lines if line.get("message") in names]


async def test_delay_fails_readiness_first_then_closes_the_listener_then_drains(
    start: Callable[[dict[str, str]], Server], fresh: httpx.AsyncClient
) -> None:
    # Long enough that a loaded machine still sees the API up during it.
    delay = 4.0
    server = start({"SPOKE_SHUTDOWN_DELAY": str(delay)})
    push = await hold_a_push(fresh, server)

    signalled = time.monotonic()
    server.process.send_signal(signal.SIGTERM)

    async def not_ready() -> bool:
        return (await ready(fresh, server)).status_code == 503

    await until("readiness fails", not_ready, DEADLINE)
    assert (await ready(fresh, server)).json() == SHUTTING_DOWN
    # Readiness is false, but for the delay the API still takes new connections.
    assert (await fresh.get(f"{server.api}/modules")).status_code == 200
    assert time.monotonic() - signalled < delay, "the machine was too slow to observe the delay"

    refused = await until("the API refuses connections", lambda: refuses(fresh, server), DEADLINE)
    assert refused - signalled >= delay
    # The push is still in flight: the process drains, and its ops listener still answers.
    assert server.process.poll() is None
    assert (await ready(fresh, server)).json() == SHUTTING_DOWN

    push.release()
    response = await push.task
    assert response.status_code == 201, response.text
    assert response.json()["version"] == "v1.0.0"
    assert await exit_status(server, DEADLINE) == 0, server.log.read_text()
    assert phases(server) == ["shutdown requested", "draining", "api stopped", "stopped"]


async def test_a_request_in_flight_at_sigterm_completes(
    start: Callable[[dict[str, str]], Server], fresh: httpx.AsyncClient
) -> None:
    server = start({})  # no delay: the listener closes at once
    push = await hold_a_push(fresh, server)

    server.process.send_signal(signal.SIGTERM)
    await until("the API refuses connections", lambda: refuses(fresh, server), DEADLINE)
    assert (await ready(fresh, server)).json() == SHUTTING_DOWN

    push.release()
    response = await push.task
    assert response.status_code == 201, response.text
    assert await exit_status(server, DEADLINE) == 0, server.log.read_text()


async def test_a_request_outlasting_the_timeout_is_cut_and_the_process_exits(
    start: Callable[[dict[str, str]], Server], fresh: httpx.AsyncClient
) -> None:
    timeout = 1.0
    server = start({"SPOKE_SHUTDOWN_TIMEOUT": str(timeout)})
    push = await hold_a_push(fresh, server)

    signalled = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert await exit_status(server, timeout + DEADLINE) == 0, server.log.read_text()
    # It waited for the request as long as it was told to, not longer than the margin.
    assert time.monotonic() - signalled >= timeout

    # The client learns its request was cut: an error, never a stored version.
    push.release()
    try:
        response = await push.task
    except httpx.TransportError:
        pass
    else:
        assert response.status_code >= 500, response.text
    assert phases(server) == ["shutdown requested", "draining", "api stopped", "stopped"]


async def test_a_second_signal_forces_the_exit(
    start: Callable[[dict[str, str]], Server], fresh: httpx.AsyncClient
) -> None:
    # Neither the delay nor the drain would end before the deadline on their own.
    server = start({"SPOKE_SHUTDOWN_DELAY": "600", "SPOKE_SHUTDOWN_TIMEOUT": "600"})
    push = await hold_a_push(fresh, server)

    server.process.send_signal(signal.SIGTERM)

    async def not_ready() -> bool:
        return (await ready(fresh, server)).status_code == 503

    await until("readiness fails", not_ready, DEADLINE)
    server.process.send_signal(signal.SIGINT)
    assert await exit_status(server, DEADLINE) == 0, server.log.read_text()
    push.release()
    with contextlib.suppress(httpx.TransportError):
        assert (await push.task).status_code >= 500
    assert phases(server) == ["shutdown requested", "forced exit", "api stopped", "stopped"]
