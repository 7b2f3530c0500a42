"""The access log: one line per request, cheap enough for the hottest path.

structlog's chain (contextvars, timestamper, the standard library's handler and formatter)
costs about as much as answering a cached read, so request lines take a shorter road: the
request hands a tuple to ``AccessLog.record`` (no formatting, no I/O) and the lines are
rendered with orjson and written in one batch, on the event loop, at most ``interval``
seconds later (or as soon as ``batch`` lines wait). A line has the same keys as every other
JSON log line of the process (``spoke.telemetry.logging``), so one query finds them all.

The log is on when the ``spoke.access`` logger is enabled for INFO (``SPOKE_LOG_LEVEL`` info
or debug) and off otherwise, decided once when the app is built. When stderr is a terminal
the lines go through structlog instead (readable; speed does not matter there).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import UTC, datetime
from typing import IO, NamedTuple

import orjson
import structlog

from spoke.domain.text import escape_unsafe

LOGGER = "spoke.access"


class Line(NamedTuple):
    at: float  # time.time()
    method: str
    path: str
    status: int
    duration_ms: float
    request_id: str
    principal: str | None
    trace_id: str | None
    span_id: str | None


class AccessLog:
    """Collects request lines; see the module docstring."""

    def __init__(
        self,
        *,
        enabled: bool,
        stream: IO[bytes] | None = None,
        interval: float = 0.05,
        batch: int = 1024,
    ) -> None:
        self.enabled = enabled
        self._stream = stream
        self._interval = interval
        self._batch = batch
        self._pending: list[Line] = []
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_logging(cls) -> AccessLog:
        """The log as ``spoke.telemetry.logging.configure_logging`` left things: off below
        INFO; through structlog on a terminal; else fast JSON lines on stderr."""
        enabled = logging.getLogger(LOGGER).isEnabledFor(logging.INFO)
        if not enabled or sys.stderr.isatty():
            return cls(enabled=enabled)
        return cls(enabled=True, stream=sys.stderr.buffer)

    def record(
        self,
        method: str,
        path: str,
        status: int,
        started: float,
        request_id: str,
        principal: str | None = None,
        trace_ids: tuple[str, str] | None = None,
    ) -> None:
        """One request's line; ``started`` is its ``time.perf_counter()`` at arrival."""
        if not self.enabled:
            return
        duration = round((time.perf_counter() - started) * 1000, 2)
        trace_id, span_id = trace_ids or (None, None)
        line = Line(
            time.time(), method, path, status, duration, request_id, principal, trace_id, span_id
        )
        if self._stream is None:
            _through_structlog(line)
            return
        self._pending.append(line)
        if len(self._pending) >= self._batch:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a synchronous caller): write now
                self.flush()
                return
            self._timer = loop.call_later(self._interval, self.flush)

    def flush(self) -> None:
        """Write every pending line now (also at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending or self._stream is None:
            return
        lines, self._pending = self._pending, []
        try:
            self._stream.write(b"".join(render(line) for line in lines))
            self._stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not fail requests
            pass


# The ISO text of the last whole second rendered: formatting a datetime per line cost as
# much as the rest of the line.
_second: tuple[int, str] = (-1, "")


def _timestamp(at: float) -> str:
    global _second
    whole = int(at)
    if whole != _second[0]:
        _second = (whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    micros = min(999_999, round((at - whole) * 1_000_000))
    return f"{_second[1]}.{micros:06d}Z"


def render(line: Line) -> bytes:
    """One JSON line, keys as structlog's JSON renderer would write them."""
    event: dict[str, object] = {
        "method": line.method,
        # The path only, never the query string: tokens may travel there. Escaped: a
        # path is the client's string, and log viewers are terminals.
        "path": _printable(line.path),
        "status": line.status,
        "duration_ms": line.duration_ms,
        "request_id": line.request_id,
    }
    if line.principal is not None:
        event["principal"] = line.principal
    if line.trace_id is not None:
        event["trace_id"] = line.trace_id
        event["span_id"] = line.span_id
    event["level"] = "info"
    event["logger"] = LOGGER
    event["timestamp"] = _timestamp(line.at)
    event["message"] = "request"
    return orjson.dumps(event) + b"\n"


def _printable(path: str) -> str:
    # JSON escapes control characters, not the bidi ones that reorder what a terminal shows.
    return path if path.isascii() and path.isprintable() else escape_unsafe(path)


def _through_structlog(line: Line) -> None:
    fields: dict[str, object] = {
        "method": line.method,
        "path": line.path,
        "status": line.status,
        "duration_ms": line.duration_ms,
        "request_id": line.request_id,
    }
    if line.principal is not None:
        fields["principal"] = line.principal
    structlog.get_logger(LOGGER).info("request", **fields)
