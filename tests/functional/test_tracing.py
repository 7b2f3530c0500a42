"""Traces end to end: `spoke serve` exports OTLP/HTTP to a real receiver in the test; a push
carrying a caller's `traceparent` gives one trace with the server span and children for
SQL, object storage and protoc; the logs carry the trace id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.functional.live_server import running_server
from tests.functional.support import PROTO_A
from tests.local_http import QuietHandler, serving
from tests.production import as_environment, isolated_settings

pytestmark = pytest.mark.e2e

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
PULL_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def _text(value: Any) -> str | None:
    """The string inside an OTLP AnyValue."""
    return None if value is None else value.string_value


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int
    attributes: dict[str, Any]


class Receiver:
    """An OTLP/HTTP trace receiver built on opentelemetry-proto."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.endpoint = ""

    def handler(self) -> type[QuietHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        for span in scope.spans:
                            receiver.spans.append(
                                Span(
                                    span.name,
                                    span.trace_id.hex(),
                                    span.span_id.hex(),
                                    span.parent_span_id.hex(),
                                    span.kind,
                                    {a.key: a.value for a in span.attributes},
                                )
                            )
                reply = ExportTraceServiceResponse().SerializeToString()
                self.reply(reply, "application/x-protobuf")

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    with serving(served.handler()) as base:
        served.endpoint = base
        yield served


@pytest.fixture(params=["embedded", "production"])
def backend_environment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "embedded":
        return {}
    stack = request.getfixturevalue("stack")
    return as_environment(asyncio.run(isolated_settings(stack, tmp_path / "data")))


def test_a_push_is_one_trace_with_children(
    receiver: Receiver, tmp_path: Path, backend_environment: dict[str, str]
) -> None:
    production = bool(backend_environment)
    environment = {
        **backend_environment,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_SERVICE_NAME": "spoke-test",
    }
    with running_server(tmp_path, environment) as server:
        body = {"version": "v1.0.0", "files": [{"path": "acme/a/v1/a.proto", "content": PROTO_A}]}
        traceparent = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
        response = httpx.post(
            f"{server.api}/modules/acme.a/versions", json=body, headers={"traceparent": traceparent}
        )
        assert response.status_code == 201, response.text

        def ours() -> list[Span]:
            return [s for s in receiver.spans if s.trace_id == TRACE_ID]

        deadline = time.monotonic() + 15
        while not any(s.name.startswith("protoc") for s in ours()) or not any(
            s.kind == 2 for s in ours()
        ):
            assert time.monotonic() < deadline, [s.name for s in receiver.spans]
            time.sleep(0.1)
        # A pull: a trace of its own, reading through the caches to the blob store.
        pull = httpx.get(
            f"{server.api}/modules/acme.a/versions/v1.0.0/files/acme/a/v1/a.proto",
            headers={"traceparent": f"00-{PULL_TRACE_ID}-{CALLER_SPAN}-01"},
        )
        assert pull.status_code == 200
        deadline = time.monotonic() + 15
        while not any(
            s.trace_id == PULL_TRACE_ID and s.name.startswith("blob get") for s in receiver.spans
        ):
            assert time.monotonic() < deadline, [s.name for s in receiver.spans]
            time.sleep(0.1)
        time.sleep(0.5)  # the batch with the server span's siblings may follow
        log = server.log.read_text()

    spans = ours()
    server_spans = [s for s in spans if s.kind == 2]  # SPAN_KIND_SERVER
    assert len(server_spans) == 1
    root = server_spans[0]
    assert root.parent_id == CALLER_SPAN  # the caller's traceparent was honoured
    assert "/modules/{name}/versions" in root.name
    names = [s.name for s in spans]
    assert any(n.startswith("blob put") for n in names), names
    assert any(n == "protoc" for n in names), names
    systems = {_text(s.attributes.get("db.system")) for s in spans}
    assert ({"postgresql", "redis"} if production else {"sqlite"}) <= systems, names
    assert all(s.trace_id == TRACE_ID for s in spans)
    assert TRACE_ID in log  # the access log line carries the trace id

    pulled = [s for s in receiver.spans if s.trace_id == PULL_TRACE_ID]
    assert [s.parent_id for s in pulled if s.kind == 2] == [CALLER_SPAN]
    pull_systems = {_text(s.attributes.get("db.system")) for s in pulled}
    assert ({"postgresql", "redis"} if production else {"sqlite"}) <= pull_systems
    assert any(s.name.startswith("blob get") for s in pulled)
