"""Access control at every boundary: anonymous, read, prefix-scoped write, admin; bad,
expired, revoked, tampered and wrong-audience credentials; private modules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, push
from tests.integration.test_oidc import Jwks
from tests.local_http import serving

SECRET = "test-secret-" + "x" * 32
AUDIENCE = "spoke-tests"


def token(roles: list[str], *, sub: str = "alice", **claims: Any) -> str:
    payload = {"sub": sub, "roles": roles, "aud": AUDIENCE, "exp": time.time() + 86_400, **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256")


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


@pytest.fixture
async def required(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client(auth_mode="required", jwt_secret=SECRET, oidc_audience=AUDIENCE)


async def make_key(client: httpx.AsyncClient, *grants: str, name: str = "k") -> str:
    response = await client.post(
        "/auth/keys", json={"name": name, "grants": list(grants)}, headers=bearer(token(["admin"]))
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert created["token"].startswith("spoke_") and created["grants"] == list(grants)
    return str(created["token"])


async def test_anonymous_and_bad_credentials_get_401(required: httpx.AsyncClient) -> None:
    for response in [
        await required.get("/modules"),
        await required.get("/languages"),
        await push(required, "acme.a", "v1.0.0"),
        await required.get("/modules", headers={"Authorization": "Basic dXNlcjpwdw=="}),
        await required.get("/modules", headers=bearer("garbage")),
        await required.get("/modules", headers=bearer("spoke_not-a-real-key-at-all-000000")),
    ]:
        error = assert_error(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "garbage" not in error["message"]
    # Health and metrics are on the ops listener; the API docs stay readable.
    assert (await required.get("/openapi.json")).status_code == 200


async def test_token_checks(required: httpx.AsyncClient) -> None:
    good = token(["read"])
    assert (await required.get("/modules", headers=bearer(good))).status_code == 200
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    forged = jwt.encode(
        {"sub": "eve", "roles": ["admin"], "aud": AUDIENCE, "exp": time.time() + 86_400},
        "another-secret-" + "y" * 32,
        algorithm="HS256",
    )
    for bad in [
        tampered,
        forged,
        token(["read"], exp=time.time() - 120),  # expired (past the leeway)
        token(["read"], nbf=time.time() + 600),  # not yet valid
        token(["read"], aud="someone-else"),
        jwt.encode({"sub": "x", "aud": AUDIENCE, "roles": ["admin"]}, SECRET, "HS256"),  # no exp
        # NumericDate claims that are not numbers (PyJWT reads whatever int() accepts).
        signed({"alg": "HS256"}, claims(exp=str(int(time.time()) + 300))),
        signed({"alg": "HS256"}, claims(exp=True)),
        signed({"alg": "HS256"}, claims(exp=None)),
        signed({"alg": "HS256"}, claims(nbf="0")),
        signed({"alg": "HS256"}, claims(iat=[0])),
        signed({"alg": "HS256"}, claims(sub="")),
        # Hostile headers: a non-string kid, a list for alg, bad crit.
        signed({"alg": "HS256", "kid": {"a": 1}}, claims()),
        signed({"alg": ["HS256"]}, claims()),
        signed({"alg": "HS256", "crit": [1]}, claims()),
    ]:
        assert_error(await required.get("/modules", headers=bearer(bad)), 401, "unauthenticated")


def claims(**overrides: Any) -> dict[str, Any]:
    return {
        "sub": "alice",
        "roles": ["admin"],
        "aud": AUDIENCE,
        "exp": time.time() + 86_400,
    } | overrides


def signed(header: Any, payload: Any) -> str:
    """A correctly signed HS256 token over any header and payload (jwt.encode checks them)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    mac = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


async def test_an_oidc_token_of_the_wrong_key_type_is_a_401_and_counts(
    make_client: MakeClient,
) -> None:
    """An ES256 header naming an RSA key of the provider was a 500 (PyJWT's TypeError) and
    so escaped the lockout of bad credentials: it is a 401 that counts like any other."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider = Jwks()
    with serving(provider.handler()) as base:
        provider.url = f"{base}/jwks.json"
        provider.publish("rsa", rsa_key.public_key(), RSAAlgorithm)
        client = await make_client(
            auth_mode="required",
            oidc_jwks_url=provider.url,
            oidc_audience=AUDIENCE,
            rate_limit_auth_failures="2/minute",
        )
        good = jwt.encode(claims(roles=["read"]), rsa_key, "RS256", headers={"kid": "rsa"})
        assert (await client.get("/modules", headers=bearer(good))).status_code == 200
        ec_key = ec.generate_private_key(ec.SECP256R1())

        def mismatched() -> dict[str, str]:  # ES256 signatures differ each time: new tokens
            return bearer(jwt.encode(claims(), ec_key, "ES256", headers={"kid": "rsa"}))

        for _ in range(2):
            error = assert_error(
                await client.get("/modules", headers=mismatched()), 401, "unauthenticated"
            )
            assert "algorithm" in error["message"]
        assert_error(await client.get("/modules", headers=mismatched()), 429, "rate_limited")


async def test_permission_boundaries(required: httpx.AsyncClient) -> None:
    admin = bearer(token(["admin"]))
    assert (
        await required.post("/modules", json={"name": "other.y"}, headers=admin)
    ).status_code == 201
    reader = bearer(await make_key(required, "read", name="reader"))
    writer = bearer(await make_key(required, "write:acme.*", name="ci-acme"))

    body = {
        "version": "v1.0.0",
        "files": [{"path": "a.proto", "content": 'syntax = "proto3";\nmessage A {}\n'}],
    }
    assert (
        await required.post("/modules/acme.x/versions", json=body, headers=writer)
    ).status_code == 201
    assert_error(
        await required.post("/modules/other.y/versions", json=body, headers=writer),
        403,
        "forbidden",
    )
    assert_error(
        await required.post("/modules/acme.z/versions", json=body, headers=reader), 403, "forbidden"
    )
    assert_error(await required.post("/modules", json={"name": "other.z"}, headers=writer), 403)
    assert (
        await required.post("/modules", json={"name": "acme.new"}, headers=writer)
    ).status_code == 201

    assert (
        await required.get("/modules/acme.x/versions/v1.0.0", headers=reader)
    ).status_code == 200
    assert (
        await required.get("/modules/acme.x/versions/v1.0.0", headers=writer)
    ).status_code == 200
    compiled = await required.post(
        "/modules/acme.x/versions/v1.0.0/compile/descriptor_set", headers=writer
    )
    assert compiled.status_code == 200, compiled.text
    assert_error(
        await required.post(
            "/modules/acme.x/versions/v1.0.0/compile/descriptor_set", headers=reader
        ),
        403,
    )
    # Key management and module settings need admin.
    for caller in (reader, writer):
        assert_error(await required.get("/auth/keys", headers=caller), 403, "forbidden")
        assert_error(
            await required.patch("/modules/acme.x", json={"public": False}, headers=caller), 403
        )
    keys = (await required.get("/auth/keys", headers=admin)).json()["items"]
    assert {k["name"] for k in keys} == {"reader", "ci-acme"}
    assert all("token" not in k for k in keys)


async def test_private_modules_are_hidden(required: httpx.AsyncClient) -> None:
    admin = bearer(token(["admin"]))
    private = {"name": "acme.secret", "public": False}
    assert (await required.post("/modules", json=private, headers=admin)).status_code == 201
    assert (await push(required, "acme.secret", "v1.0.0", headers=admin)).status_code == 201
    assert (await push(required, "acme.open", "v1.0.0", headers=admin)).status_code == 201
    outsider = bearer(await make_key(required, "read:other.*", name="outsider"))
    insider = bearer(await make_key(required, "read:acme.secret", name="insider"))

    for path in [
        "/modules/acme.secret",
        "/modules/acme.secret/versions",
        "/modules/acme.secret/versions/v1.0.0",
        "/modules/acme.secret/versions/latest/files/acme/a/v1/a.proto",
        "/modules/acme.secret/versions/v1.0.0/archive",
    ]:
        assert_error(await required.get(path, headers=outsider), 404, "module_not_found")
        assert (await required.get(path, headers=insider)).status_code == 200, path
    assert (
        await required.get("/modules/acme.open/versions/v1.0.0", headers=outsider)
    ).status_code == 200

    def names(response: httpx.Response) -> set[str]:
        return {m["name"] for m in response.json()["items"]}

    assert names(await required.get("/modules", headers=outsider)) == {"acme.open"}
    assert names(await required.get("/modules", headers=insider)) == {"acme.open", "acme.secret"}


async def test_read_public_mode(make_client: MakeClient) -> None:
    client = await make_client(auth_mode="read-public", jwt_secret=SECRET, oidc_audience=AUDIENCE)
    admin = bearer(token(["admin"]))
    assert (
        await client.post("/modules", json={"name": "acme.hidden", "public": False}, headers=admin)
    ).status_code == 201
    assert (await push(client, "acme.hidden", "v1.0.0", headers=admin)).status_code == 201
    assert (await push(client, "acme.open", "v1.0.0", headers=admin)).status_code == 201

    assert (await client.get("/modules/acme.open/versions/v1.0.0")).status_code == 200
    assert (
        await client.get("/modules/acme.open/versions/latest/files/acme/a/v1/a.proto")
    ).status_code == 200
    assert_error(await client.get("/modules/acme.hidden/versions/v1.0.0"), 404, "module_not_found")
    assert {m["name"] for m in (await client.get("/modules")).json()["items"]} == {"acme.open"}
    assert_error(await push(client, "acme.open", "v1.0.1"), 401, "unauthenticated")
    assert_error(await client.post("/modules/acme.open/versions/v1.0.0/compile/python"), 401)
    assert_error(await client.get("/auth/keys"), 401)


async def test_required_mode_refuses_to_start_without_a_key_source(make_client: MakeClient) -> None:
    with pytest.raises(RuntimeError, match="no way to authenticate"):
        await make_client(auth_mode="required")


async def test_revoked_keys_stop_working(required: httpx.AsyncClient) -> None:
    admin = bearer(token(["admin"]))
    key = await make_key(required, "read", name="temp")
    assert (await required.get("/modules", headers=bearer(key))).status_code == 200
    listed = (await required.get("/auth/keys", headers=admin)).json()["items"]
    key_id = next(k["id"] for k in listed if k["name"] == "temp")
    revoked = await required.delete(f"/auth/keys/{key_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(await required.get("/modules", headers=bearer(key)), 401, "unauthenticated")
    assert_error(await required.delete("/auth/keys/99999", headers=admin), 404)
    assert_error(
        await required.post("/auth/keys", json={"name": "x", "grants": ["root"]}, headers=admin),
        400,
    )
    assert_error(
        await required.post("/auth/keys", json={"name": "x", "grants": []}, headers=admin), 400
    )


async def test_security_headers_and_cors(make_client: MakeClient) -> None:
    closed = await make_client()
    response = await closed.get("/modules")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    preflight = {"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"}
    assert (
        "access-control-allow-origin"
        not in (await closed.options("/modules", headers=preflight)).headers
    )
    opened = await make_client(cors_origins="https://ui.example")
    allowed = await opened.options("/modules", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://ui.example"


async def test_credentials_never_reach_the_logs(
    required: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_key = "spoke_" + "S3cr3t" * 7
    jwt_token = token(["admin"])
    await required.get("/modules", headers=bearer(secret_key))
    await required.get("/modules?access_token=QueryS3cret", headers=bearer(jwt_token))
    await required.post(
        "/auth/keys", json={"name": "x", "grants": ["read"]}, headers=bearer(jwt_token)
    )
    logged = capsys.readouterr()
    for text in (secret_key, jwt_token, "QueryS3cret", SECRET):
        assert text not in logged.out and text not in logged.err
