"""JWT bearer tokens: HS256 with a shared secret, or RS256/ES256 checked against an OIDC
provider's JWKS (keys cached; an unknown ``kid`` fetches the set again)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import jwt
from jwt import PyJWKClient

from spoke.auth import Principal, Unauthenticated
from spoke.domain.access import Grant
from spoke.domain.errors import InvalidArgument

_ASYMMETRIC = ["RS256", "ES256"]


class JwtVerifier:
    def __init__(
        self,
        *,
        secret: str | None = None,
        jwks_url: str | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        roles_claim: str = "roles",
        leeway: float = 30.0,
        refresh_cooldown: float = 30.0,
    ) -> None:
        if not secret and not jwks_url:
            raise ValueError("a JwtVerifier needs a shared secret or a JWKS URL")
        self._secret = secret
        self._jwks = None
        if jwks_url:
            # Keys are cached; a token with an unknown `kid` refetches the set (a rotation),
            # at most once per cooldown, so forged kids cannot hammer the provider.
            self._jwks = PyJWKClient(
                jwks_url, lifespan=600, timeout=5, cooldown_duration=refresh_cooldown
            )
        self._issuer = issuer
        self._audience = audience
        self._roles_claim = roles_claim
        self._leeway = leeway

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "HS256" and self._secret:
                key: Any = self._secret
                algorithms = ["HS256"]
            elif self._jwks is not None and header.get("alg") in _ASYMMETRIC:
                # PyJWKClient fetches with urllib: keep it off the event loop.
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
                algorithms = _ASYMMETRIC
            else:
                raise Unauthenticated("the token's algorithm is not accepted here")
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the token is not valid: {_reason(exc)}") from None
        return Principal(f"jwt:{claims['sub']}", _grants(claims.get(self._roles_claim, [])))


def _reason(error: jwt.PyJWTError) -> str:
    # PyJWT's messages name the failing check, never the token's contents.
    return str(error) or type(error).__name__


def _grants(roles: Any) -> tuple[Grant, ...]:
    """Roles such as ``admin``, ``read:acme.pay`` or ``write:acme.*``; others are ignored
    (an identity provider carries groups that mean nothing here)."""
    items: Sequence[Any] = roles.split() if isinstance(roles, str) else roles
    grants = []
    for role in items if isinstance(items, list | tuple) else ():
        try:
            grants.append(Grant.parse(str(role)))
        except InvalidArgument:
            continue
    return tuple(grants)
