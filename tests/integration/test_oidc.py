"""OIDC: RS256/ES256 tokens checked against a JWKS served on 127.0.0.1, with key rotation."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from spoke.auth import Unauthenticated
from spoke.auth.discovery import discover_jwks_url
from spoke.auth.jwt import JwtVerifier
from spoke.domain.access import Permission
from tests.local_http import QuietHandler, serving

ISSUER = "https://idp.test"
AUDIENCE = "spoke"


class Jwks:
    """A JWKS endpoint whose key set the test can rotate."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.issuer = self.url = ""

    def handler(self) -> type[QuietHandler]:
        jwks = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = json.dumps({"issuer": jwks.issuer, "jwks_uri": jwks.url}).encode()
                else:
                    jwks.fetches += 1
                    body = json.dumps({"keys": jwks.keys}).encode()
                self.reply(body, "application/json")

        return Handler

    def publish(self, kid: str, public_key: Any, algorithm: type) -> None:
        jwk = json.loads(algorithm.to_jwk(public_key))
        self.keys = [{**jwk, "kid": kid, "use": "sig"}]


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    served = Jwks()
    with serving(served.handler()) as base:
        served.issuer, served.url = base, f"{base}/jwks.json"
        yield served


def sign(key: Any, kid: str, algorithm: str, **claims: Any) -> str:
    payload = {
        "sub": "bob",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": time.time() + 300,
        "groups": ["write:acme.*", "engineering"],
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


async def test_jwks_tokens_and_rotation(jwks: Jwks) -> None:
    verifier = JwtVerifier(
        jwks_url=jwks.url,
        issuer=ISSUER,
        audience=AUDIENCE,
        roles_claim="groups",
        refresh_cooldown=0,
    )
    first = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish("k1", first.public_key(), RSAAlgorithm)
    principal = await verifier.verify(sign(first, "k1", "RS256"))
    assert principal.subject == "jwt:bob"
    assert principal.may(Permission.WRITE, "acme.pay") and not principal.may(Permission.WRITE, "x")

    # The provider rotates to an EC key with a new kid: an unknown kid fetches the set again.
    second = ec.generate_private_key(ec.SECP256R1())
    jwks.publish("k2", second.public_key(), ECAlgorithm)
    fetches = jwks.fetches
    assert (await verifier.verify(sign(second, "k2", "ES256"))).subject == "jwt:bob"
    assert jwks.fetches == fetches + 1
    # The retired key no longer verifies.
    with pytest.raises(Unauthenticated):
        await verifier.verify(sign(first, "k1", "RS256"))


async def test_jwks_claim_checks(jwks: Jwks) -> None:
    verifier = JwtVerifier(jwks_url=jwks.url, issuer=ISSUER, audience=AUDIENCE)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish("k1", key.public_key(), RSAAlgorithm)
    for bad in [
        sign(key, "k1", "RS256", iss="https://evil.test"),
        sign(key, "k1", "RS256", aud="other"),
        sign(key, "k1", "RS256", exp=time.time() - 600),
        sign(rsa.generate_private_key(public_exponent=65537, key_size=2048), "k1", "RS256"),
        jwt.encode(
            {"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": time.time() + 60}, "s" * 32, "HS256"
        ),
    ]:
        with pytest.raises(Unauthenticated):
            await verifier.verify(bad)


async def test_discovery_from_the_issuer(jwks: Jwks) -> None:
    assert await discover_jwks_url(jwks.issuer) == jwks.url
    with pytest.raises(RuntimeError, match="discovery"):
        await discover_jwks_url("http://127.0.0.1:1")


async def test_a_header_naming_a_key_of_another_type_is_refused(jwks: Jwks) -> None:
    """An ES256 header whose kid names an RSA key (and the reverse) is refused by the
    verifier, not passed to a key of the wrong type (a TypeError, once a 500)."""
    verifier = JwtVerifier(jwks_url=jwks.url, issuer=ISSUER, audience=AUDIENCE)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks.keys = [
        {**json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key())), "kid": "rsa"},
        {**json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec"},
    ]
    assert (await verifier.verify(sign(rsa_key, "rsa", "RS256"))).subject == "jwt:bob"
    assert (await verifier.verify(sign(ec_key, "ec", "ES256"))).subject == "jwt:bob"
    for bad in [
        sign(ec_key, "rsa", "ES256"),
        sign(rsa_key, "ec", "RS256"),
        _forged({"alg": "ES256", "kid": "rsa"}),
        _forged({"alg": "RS256", "kid": "ec"}),
    ]:
        with pytest.raises(Unauthenticated, match="does not match the key's algorithm"):
            await verifier.verify(bad)


def _forged(header: Any, payload: Any = None) -> str:
    def b64(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    payload = (
        {"sub": "eve", "iss": ISSUER, "aud": AUDIENCE, "exp": 2**31} if payload is None else payload
    )
    return f"{b64(header)}.{b64(payload)}.{base64.urlsafe_b64encode(b'sig' * 20).decode()}"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


async def test_hostile_headers_against_a_jwks_are_refused(jwks: Jwks) -> None:
    """Garbage kids, algorithms and headers through the JWKS path: always Unauthenticated."""
    # No refetch for unknown kids inside a run: the provider is asked once.
    verifier = JwtVerifier(jwks_url=jwks.url, audience=AUDIENCE, refresh_cooldown=3600)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.keys = [{**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1"}]
    outcomes: list[str] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        header=st.fixed_dictionaries(
            {"alg": st.sampled_from(["RS256", "ES256"])},
            optional={"kid": st.just("k1") | _json, "crit": _json, "jwk": _json, "x5c": _json},
        ),
        payload=_json,
    )
    def check(header: dict[str, Any], payload: Any) -> None:
        try:
            asyncio.run(verifier.verify(_forged(header, payload)))
        except Unauthenticated as exc:
            outcomes.append(exc.message)
        else:
            raise AssertionError("a forged token verified")

    await asyncio.to_thread(check)
    assert outcomes
