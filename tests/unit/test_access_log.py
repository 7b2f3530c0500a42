"""The access log: cheap to record, written in batches, the same keys as every JSON line,
and nothing a terminal would act on."""

from __future__ import annotations

import asyncio
import io
import time

import orjson

from spoke.telemetry.access_log import AccessLog


def lines(stream: io.BytesIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


async def test_lines_are_written_in_one_batch_after_the_interval() -> None:
    stream = io.BytesIO()
    log = AccessLog(enabled=True, stream=stream, interval=0.05)
    started = time.perf_counter()
    for status in (200, 404):
        log.record("GET", "/modules/acme.a", status, started, "rid", "key:ci", ("a" * 32, "b" * 16))
    assert stream.getvalue() == b""  # nothing written on the request's path
    for _ in range(500):  # polled for up to 5 s
        if stream.getvalue():
            break
        await asyncio.sleep(0.01)
    first, second = lines(stream)
    assert first["status"] == 200 and second["status"] == 404
    assert first["message"] == "request" and first["logger"] == "spoke.access"
    assert first["level"] == "info" and str(first["timestamp"]).endswith("Z")
    assert first["principal"] == "key:ci" and first["request_id"] == "rid"
    assert first["trace_id"] == "a" * 32 and first["span_id"] == "b" * 16
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0


def test_a_full_batch_is_written_at_once() -> None:
    stream = io.BytesIO()
    log = AccessLog(enabled=True, stream=stream, batch=3)
    for _ in range(3):  # no event loop here: a full batch never waits for one
        log.record("GET", "/", 200, time.perf_counter(), "rid")
    assert len(lines(stream)) == 3
    assert "principal" not in lines(stream)[0] and "trace_id" not in lines(stream)[0]


def test_paths_cannot_reorder_or_drive_a_terminal() -> None:
    stream = io.BytesIO()
    log = AccessLog(enabled=True, stream=stream, batch=1)
    log.record("GET", "/modules/a\u202eb\x1b[31m", 404, time.perf_counter(), "rid")
    raw = stream.getvalue()
    assert b"\xe2\x80\xae" not in raw and b"\x1b" not in raw  # no RLO, no ESC byte
    assert lines(stream)[0]["path"] == "/modules/a\\u202eb\\u001b[31m"


def test_a_disabled_log_writes_nothing() -> None:
    stream = io.BytesIO()
    log = AccessLog(enabled=False, stream=stream, batch=1)
    log.record("GET", "/", 200, time.perf_counter(), "rid")
    log.flush()
    assert stream.getvalue() == b""


def test_a_broken_stream_does_not_fail_the_request() -> None:
    stream = io.BytesIO()
    stream.close()
    log = AccessLog(enabled=True, stream=stream, batch=1)
    log.record("GET", "/", 200, time.perf_counter(), "rid")  # raises nothing


def test_timestamps_are_the_lines_own_to_the_microsecond() -> None:
    from datetime import UTC, datetime

    from spoke.telemetry.access_log import Line, render

    for at in (1_700_000_000.0, 1_700_000_000.999_999_7, 1_700_000_001.25, 1_700_000_000.5):
        line = Line(at, "GET", "/", 200, 0.1, "rid", None, None, None)
        stamp = orjson.loads(render(line))["timestamp"]
        parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert abs(parsed.timestamp() - at) < 1e-6 + 1e-9, (at, stamp)
