"""Control characters in what the registry stores and others print: module descriptions
keep lines and tabs but nothing else (on create, update and push); key names none at all.
Each refusal is a 400 ``invalid_argument`` that does not echo the character."""

from __future__ import annotations

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.functional.test_auth import AUDIENCE, SECRET, bearer, token

ESCAPES = ["\x1b[2J", "\x1b]0;title\x07", "\r", "\x00", "\x7f", "\x9b31m", "\u202e", "\u2028"]


@pytest.mark.parametrize("bad", ESCAPES)
async def test_descriptions_refuse_control_characters(client: httpx.AsyncClient, bad: str) -> None:
    description = f"Payments {bad}and more"
    created = await client.post("/modules", json={"name": "acme.pay", "description": description})
    error = assert_error(created, 400, "invalid_argument")
    assert bad not in error["message"] and "U+" in error["message"]

    assert (await client.post("/modules", json={"name": "acme.pay"})).status_code == 201
    patched = await client.patch("/modules/acme.pay", json={"description": description})
    assert_error(patched, 400, "invalid_argument")
    pushed = await push(client, "acme.other", "v1.0.0", description=description)
    assert_error(pushed, 400, "invalid_argument")
    assert (await client.get("/modules/acme.pay")).json()["description"] == ""


async def test_descriptions_keep_lines_and_tabs(client: httpx.AsyncClient) -> None:
    description = "Payments\n\n- cards\n\t- refunds"
    created = await client.post("/modules", json={"name": "acme.pay", "description": description})
    assert created.status_code == 201, created.text
    assert (await client.get("/modules/acme.pay")).json()["description"] == description


async def test_key_names_refuse_control_characters(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    for bad in [*ESCAPES, "\n", "\t"]:
        created = await client.post(
            "/auth/keys", json={"name": f"ci{bad}", "grants": ["read"]}, headers=admin
        )
        error = assert_error(created, 400, "invalid_argument")
        assert bad not in error["message"]
    assert (await client.get("/auth/keys", headers=admin)).json()["items"] == []
    fine = await client.post(
        "/auth/keys", json={"name": "ci-acme ü", "grants": ["read"]}, headers=admin
    )
    assert fine.status_code == 201, fine.text
