"""``spoke serve`` as a real process: X-Forwarded-For from a local peer is ignored unless
``SPOKE_TRUSTED_PROXIES`` names it (uvicorn alone would believe 127.0.0.1), for the rate
limits and the audit log alike; the same rule as the app under the ASGI transport."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.functional.live_server import Server, running_server
from tests.functional.support import PROTO_A, files

pytestmark = pytest.mark.e2e


def _push(server: Server, version: str, client: str) -> httpx.Response:
    body = {"version": version, "files": files(**{"acme/a/v1/a.proto": PROTO_A})}
    return httpx.post(
        f"{server.api}/modules/acme.a/versions",
        json=body,
        headers={"X-Forwarded-For": client},
        timeout=30,
    )


def _audited_clients(server: Server, count: int) -> list[str]:
    """The client addresses of the first ``count`` pushes, once all are in the audit log
    (it is written just after the response)."""
    deadline = time.monotonic() + 10
    while True:
        response = httpx.get(f"{server.api}/audit", params={"action": "POST"}, timeout=10)
        assert response.status_code == 200, response.text
        events = [e for e in response.json()["items"] if e["status"] == 201]
        if len(events) >= count or time.monotonic() > deadline:
            return [e["client"] for e in reversed(events)]
        time.sleep(0.05)


def test_forwarded_for_from_localhost_is_not_believed_by_default(tmp_path: Path) -> None:
    with running_server(tmp_path, {"SPOKE_RATE_LIMIT_WRITE": "2/minute"}) as server:
        first = _push(server, "v1.0.0", "203.0.113.1")
        second = _push(server, "v1.0.1", "203.0.113.2")
        assert [first.status_code, second.status_code] == [201, 201]
        assert second.headers["RateLimit-Remaining"] == "0"  # one budget: the peer's
        assert _push(server, "v1.0.2", "203.0.113.3").status_code == 429
        assert _audited_clients(server, 2) == ["127.0.0.1", "127.0.0.1"]


def test_forwarded_for_from_a_trusted_proxy_is_believed(tmp_path: Path) -> None:
    environment = {"SPOKE_RATE_LIMIT_WRITE": "1/minute", "SPOKE_TRUSTED_PROXIES": "127.0.0.0/8"}
    with running_server(tmp_path, environment) as server:
        for version, client in (("v1.0.0", "203.0.113.1"), ("v1.0.1", "203.0.113.2")):
            pushed = _push(server, version, client)
            assert pushed.status_code == 201 and pushed.headers["RateLimit-Remaining"] == "0"
        assert _push(server, "v1.0.2", "203.0.113.1").status_code == 429
        assert _audited_clients(server, 2) == ["203.0.113.1", "203.0.113.2"]
