"""OIDC: RS256/ES256 tokens checked against a JWKS served on 127.0.0.1, with key rotation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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
