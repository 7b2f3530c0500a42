"""JWT bearer tokens: HS256 with a shared secret, or RS256/ES256 checked against an OIDC
provider's JWKS (keys cached; an unknown ``kid`` fetches the set again)."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jwt
import structlog
from jwt import PyJWKClient

from spoke.auth import Principal, Unauthenticated
from spoke.domain.access import Grant
from spoke.domain.errors import InvalidArgument

log = structlog.get_logger(__name__)

_ASYMMETRIC = ["RS256", "ES256"]
# How long a verified token is trusted without checking it again (seconds), and how many.
VERIFIED_FOR = 10.0
VERIFIED_TOKENS = 10_000
# NumericDate claims (RFC 7519 §2): PyJWT only checks that `int()` accepts them, so
# "9999999999", true and 1e400 would pass; here they must be JSON numbers.
_TIMES = ("exp", "nbf", "iat")


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
        clock: Callable[[], float] = time.time,
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
        self._clock = clock
        # Tokens verified in the last VERIFIED_FOR seconds (by SHA-256, never the token),
        # each until then or until it expires, whichever is first: a signature check (and,
        # for OIDC, a thread hop for the key) per request cost more than the cached read.
        self._verified: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """The token's principal, or ``Unauthenticated``: whatever is wrong with the token
        (its signature, claims, encoding or key), never another error."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        cached = self._verified.get(digest)
        if cached is not None:
            if now < cached[1]:
                return cached[0]
            del self._verified[digest]
        principal, until = await self._verify(token, now)
        self._verified[digest] = (principal, until)
        while len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str, now: float) -> tuple[Principal, float]:
        try:
            claims = await self._decode(token)
        except Unauthenticated:
            raise
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the token is not valid: {_reason(exc)}") from None
        except Exception as exc:
            # PyJWT and cryptography answer some hostile tokens with plain errors: a
            # TypeError for an RSA key named by an ES256 header, ValueError, KeyError or
            # RecursionError for odd headers. Everything in `_decode` works on the
            # token, so any failure there is the token's; logged (the type, never the
            # token) so that a bug of ours still shows.
            log.warning("a token failed verification", error=type(exc).__name__)
            raise Unauthenticated("the token is not valid: it is malformed") from None
        check_claims(claims)
        principal = Principal(f"jwt:{claims['sub']}", _grants(claims.get(self._roles_claim, [])))
        # Trusted again without a check until it would fail one: at its expiry (with the
        # leeway the check allows), at most VERIFIED_FOR from now.
        return principal, min(now + VERIFIED_FOR, float(claims["exp"]) + self._leeway)

    async def _decode(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        if header.get("alg") == "HS256" and self._secret:
            key: Any = self._secret
        elif self._jwks is not None and header.get("alg") in _ASYMMETRIC:
            # PyJWKClient fetches with urllib: keep it off the event loop. The key itself
            # (not its bare public key) goes to `decode`, so the algorithm is the key's:
            # an ES256 header naming an RSA key is refused, not tried.
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        else:
            raise Unauthenticated("the token's algorithm is not accepted here")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["HS256"] if isinstance(key, str) else _ASYMMETRIC,
            audience=self._audience,
            issuer=self._issuer,
            leeway=self._leeway,
            options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
        )
        return claims


def check_claims(claims: Mapping[str, Any]) -> None:
    """The claim types PyJWT lets through: times must be finite JSON numbers and the
    subject a non-empty string. ``Unauthenticated`` otherwise."""
    for name in _TIMES:
        if name not in claims:
            continue
        value = claims[name]
        # bool is an int in Python; JSON's true is not a number.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Unauthenticated(f"the token is not valid: the {name} claim must be a number")
        if not math.isfinite(value):
            raise Unauthenticated(f"the token is not valid: the {name} claim must be finite")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("the token is not valid: the sub claim must be a non-empty string")


def _reason(error: jwt.PyJWTError) -> str:
    # PyJWT's messages name the failing check; the JWKS client's also repeat the token's
    # kid, which may be anything: say it in our words.
    if isinstance(error, jwt.PyJWKClientConnectionError):
        return "the identity provider's keys could not be fetched"
    if isinstance(error, jwt.PyJWKClientError):
        return "no key of the identity provider matches the token's kid"
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
