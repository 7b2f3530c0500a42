"""Whom a request counts against: read from the ASGI scope, cheaply (no lookup).

The client address is ``scope["client"]``: the peer, or the address a trusted proxy put in
``X-Forwarded-For`` (``SPOKE_TRUSTED_PROXIES``; the app resolves it before anything here
runs). A credential is the ``Authorization`` header normalised the way the authenticator
reads it (scheme in any case, spaces around the token ignored; the password of HTTP Basic,
as pip and go send an API key, is the same credential as that key sent as a bearer
token), then hashed: neither Redis
keys nor logs ever hold a token, and ``bearer  T`` and ``Bearer T`` are one credential.
"""

from __future__ import annotations

import hashlib
import re

from starlette.types import Scope

from spoke.domain.credentials import credential_of

# What the authenticator accepts (the scheme, one space, then the token with whitespace
# around it ignored), the token being RFC 6750's b64token: every API key (spoke_ + urlsafe
# base64) and every JWT fits. Anything else cannot verify, so earns no budget of its own.
_BEARER = re.compile(rb"\s*bearer \s*([A-Za-z0-9\-._~+/]+=*)\s*", re.IGNORECASE)
_TOKEN = re.compile(rb"[A-Za-z0-9\-._~+/]+=*")


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def authorization(scope: Scope) -> bytes | None:
    """The raw ``Authorization`` header, if the request has one."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return bytes(value)
    return None


def bearer_token(header: bytes) -> bytes | None:
    """The token of a well-formed ``Bearer <token>`` header, or the password of a
    ``Basic`` one (how pip and go send an API key) when it is such a token; else None."""
    match = _BEARER.fullmatch(header)
    if match:
        return match.group(1)
    if header[:6].lower() != b"basic ":
        return None
    password = credential_of(header.decode("latin-1"))
    token = password.encode("latin-1", "replace") if password is not None else None
    return token if token is not None and _TOKEN.fullmatch(token) else None


def credential(header: bytes) -> str:
    """The key of the credential ``header`` carries: a SHA-256 of its normalised form
    (``Bearer <token>``), or of the header as sent when it is not a bearer token."""
    token = bearer_token(header)
    canonical = b"Bearer " + token if token is not None else header
    return "auth:" + hashlib.sha256(canonical).hexdigest()


def identity(scope: Scope, *, credentials: bool = True) -> str:
    """The budget a request counts against: its bearer credential, else its address.

    A header that is not a well-formed bearer token keys on the address (made-up schemes
    and spacings cannot buy fresh budgets), and so does every request when
    ``credentials`` is False (auth mode ``none``, where a credential means nothing).
    """
    return identity_of(authorization(scope) if credentials else None, scope)


def identity_of(header: bytes | None, scope: Scope) -> str:
    """``identity`` for a request whose ``Authorization`` header (None: none, or not
    counted) was read already."""
    if header is not None and bearer_token(header) is not None:
        return credential(header)
    return client_address(scope)
