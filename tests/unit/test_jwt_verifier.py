"""JWT verification on hostile input: every failure is ``Unauthenticated`` (a 401), never
another error (a 500 that also escapes the bad-credential lockout)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoke.auth import Principal, Unauthenticated
from spoke.auth.jwt import JwtVerifier, check_claims

SECRET = "unit-secret-" + "k" * 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: Any, payload: Any, *, raw_payload: str | None = None) -> str:
    """A token with a valid HS256 signature over whatever header and payload, so the
    checks after the signature's are reached (jwt.encode refuses odd inputs)."""
    head = _b64(json.dumps(header).encode())
    body = _b64((raw_payload if raw_payload is not None else json.dumps(payload)).encode())
    mac = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def verify(token: str) -> Principal:
    return asyncio.run(JwtVerifier(secret=SECRET).verify(token))


def claims(**overrides: Any) -> dict[str, Any]:
    return {"sub": "alice", "exp": int(time.time()) + 300, "roles": ["read"], **overrides}


HS256 = {"alg": "HS256", "typ": "JWT"}


def test_a_good_token_verifies() -> None:
    assert verify(signed(HS256, claims())).subject == "jwt:alice"


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": "9999999999"},  # PyJWT accepts what int() accepts
        {"exp": True},
        {"exp": None},
        {"exp": [1]},
        {"nbf": "0"},
        {"nbf": None},
        {"iat": "0"},
        {"iat": False},
        {"iat": {}},
        {"sub": 42},
        {"sub": ""},
        {"sub": None},
        {"sub": ["alice"]},
    ],
)
def test_claims_of_the_wrong_type_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        verify(signed(HS256, claims(**bad)))
    with pytest.raises(Unauthenticated):
        check_claims(claims(**bad))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_times_are_refused(literal: str) -> None:
    # Python's json module reads these; they are not JSON numbers a provider would send.
    raw = f'{{"sub": "alice", "exp": {int(time.time()) + 300}, "nbf": {literal}}}'
    with pytest.raises(Unauthenticated):
        verify(signed(HS256, None, raw_payload=raw))


def test_numeric_times_pass_the_rule() -> None:
    check_claims({"sub": "a", "exp": 1.5, "nbf": 0, "iat": 10**12})


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "kid": ["a"]},
        {"alg": "HS256", "kid": 7},
        {"alg": "HS256", "crit": "exp"},
        {"alg": "HS256", "crit": [1]},
        {"alg": ["HS256"]},
        {"alg": None},
        {"alg": "none"},
        {"alg": "RS256"},  # no JWKS here
        {"alg": "HS256", "b64": False},
    ],
)
def test_odd_headers_are_refused(header: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        verify(signed(header, claims()))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a",
        "a.b",
        "a.b.c",
        "....",
        _b64(b"[]") + ".e30.",
        _b64(b'"x"') + ".e30.",
        _b64(b"\xff\xfe") + ".e30.",
        _b64(b"[" * 50_000 + b"]" * 50_000) + ".e30.",  # nesting past the recursion limit
        "\u00e9\u00e9.\u00e9.\u00e9",
    ],
)
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        verify(token)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=10,
)
headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["HS256", "RS256", "ES256", "none", "HS512"]) | json_values},
    optional={"kid": json_values, "crit": json_values, "typ": json_values, "b64": json_values},
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        name: json_values | st.just(int(time.time()) + 300) | st.just("alice")
        for name in ("sub", "exp", "nbf", "iat", "aud", "iss", "jti", "roles")
    },
)


@settings(max_examples=300, deadline=None)
@given(header=headers | json_values, payload=payloads | json_values)
def test_any_signed_header_and_claims_verify_or_are_refused(header: Any, payload: Any) -> None:
    try:
        principal = verify(signed(header, payload))
    except Unauthenticated:
        return
    assert principal.subject.startswith("jwt:") and len(principal.subject) > 4


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_string_verifies_or_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        verify(token)


async def test_a_verified_token_is_trusted_briefly_and_never_past_its_expiry() -> None:
    """A token checked once is trusted again from memory (no signature check) for
    ``VERIFIED_FOR`` seconds at most, and never past its expiry (with the leeway): then it
    is checked again (and PyJWT refuses it once its clock, the real one, says so)."""
    now = [time.time()]
    verifier = JwtVerifier(secret=SECRET, leeway=0, clock=lambda: now[0])
    checks = 0
    real = verifier._decode

    async def counted(token: str) -> dict[str, Any]:
        nonlocal checks
        checks += 1
        return await real(token)

    verifier._decode = counted  # type: ignore[method-assign]
    lasting = signed({"alg": "HS256"}, {"sub": "alice", "exp": now[0] + 3600})
    for _ in range(3):
        assert (await verifier.verify(lasting)).subject == "jwt:alice"
    assert checks == 1
    now[0] += 11  # past VERIFIED_FOR: checked again
    await verifier.verify(lasting)
    assert checks == 2

    short = signed({"alg": "HS256"}, {"sub": "bob", "exp": now[0] - 11 + 60})
    await verifier.verify(short)
    await verifier.verify(short)
    assert checks == 3
    now[0] += 50  # the verifier's clock is past the token's expiry: never from memory
    await verifier.verify(short)
    assert checks == 4
