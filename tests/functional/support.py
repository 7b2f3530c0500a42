"""Helpers for functional tests: push bodies and the error-shape assertion."""

from __future__ import annotations

from typing import Any

import httpx

PROTO_A = 'syntax = "proto3";\npackage acme.a.v1;\n\nmessage A {\n  string id = 1;\n}\n'


def files(**tree: str) -> list[dict[str, str]]:
    """``files(**{"a.proto": "..."})`` → the push body's file list."""
    return [{"path": path, "content": content} for path, content in tree.items()]


async def push(
    client: httpx.AsyncClient,
    module: str,
    version: str,
    tree: dict[str, str] | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"version": version, "files": files(**(tree or {"acme/a/v1/a.proto": PROTO_A})), **extra}
    return await client.post(f"/modules/{module}/versions", json=body, headers=headers)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the project's JSON error shape with this status (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error
